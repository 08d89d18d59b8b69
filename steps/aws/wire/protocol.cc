#include "steps/aws/wire/protocol.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <pugixml.hpp>

#include "steps/aws/wire/model_tables.h"
#include "steps/aws/wire/sigv4.h"

namespace flightplan::aws {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Scalars as they travel in a URI, query string, header or form field.
std::string ScalarText(const Value& value) {
  if (value.is_bool()) return value.as_bool() ? "true" : "false";
  return value.ToText();
}

void Flatten(const std::string& prefix, const Value& value,
             std::vector<std::pair<std::string, std::string>>& out) {
  switch (value.type()) {
    case ValueType::kNull:
      return;
    case ValueType::kList: {
      const ValueList& list = value.as_list();
      // An empty list is sent as "Name=" so that it clears the value.
      if (list.empty()) out.emplace_back(prefix, "");
      for (size_t i = 0; i < list.size(); ++i) {
        Flatten(fmt::format("{}.member.{}", prefix, i + 1), list[i], out);
      }
      return;
    }
    case ValueType::kMap:
      for (const auto& [key, member] : value.as_map()) {
        Flatten(prefix.empty() ? key : prefix + "." + key, member, out);
      }
      return;
    default:
      out.emplace_back(prefix, ScalarText(value));
  }
}

std::string FormComponent(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ') {
      out.push_back('+');
    } else {
      out += UriEncode(std::string_view(&c, 1), /*keep_slash=*/false);
    }
  }
  return out;
}

bool IsDnsCompatibleBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;  // dots break TLS wildcard certificates
    }
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

Result<HttpRequest> SerializeRest(const ServiceInfo& service, std::string_view operation,
                                  const Value& params, std::string endpoint,
                                  S3Addressing s3_addressing) {
  const RestOperation* op = FindRestOperation(service.id, operation);
  if (op == nullptr) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} {} is not an operation flightplan knows "
                                 "how to send (no REST binding)",
                                 service.id, operation));
  }
  ValueMap body = params.is_map() ? params.as_map() : ValueMap{};
  std::string uri(op->uri);
  std::string static_query;
  if (size_t q = uri.find('?'); q != std::string::npos) {
    static_query = uri.substr(q + 1);
    uri.resize(q);
  }
  if (service.id == "s3" && s3_addressing == S3Addressing::kVirtualHosted &&
      uri.starts_with("/{Bucket}")) {
    auto bucket = body.find("Bucket");
    if (bucket != body.end() && bucket->second.is_string() &&
        IsDnsCompatibleBucket(bucket->second.as_string())) {
      size_t host = endpoint.find("://");
      if (host != std::string::npos) {
        endpoint.insert(host + 3, bucket->second.as_string() + ".");
        uri.erase(0, std::string_view("/{Bucket}").size());
        if (uri.empty()) uri = "/";
        body.erase(bucket);
      }
    }
  }
  std::string path;
  for (size_t pos = 0; pos < uri.size();) {
    size_t open = uri.find('{', pos);
    if (open == std::string::npos) {
      path += uri.substr(pos);
      break;
    }
    path += uri.substr(pos, open - pos);
    size_t close = uri.find('}', open);
    std::string label = uri.substr(open + 1, close - open - 1);
    bool greedy = label.ends_with('+');
    if (greedy) label.pop_back();
    auto it = body.find(label);
    if (it == body.end() || it->second.is_null() || ScalarText(it->second).empty()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{} {} needs the parameter '{}'", service.id, operation, label));
    }
    path += UriEncode(ScalarText(it->second), /*keep_slash=*/greedy);
    body.erase(it);
    pos = close + 1;
  }
  std::string query = static_query;
  for (const auto& [member, wire] : op->query) {
    auto it = body.find(member);
    if (it == body.end()) continue;
    std::vector<Value> values = it->second.is_list() ? it->second.as_list() : ValueList{it->second};
    for (const Value& v : values) {
      if (v.is_null()) continue;
      if (!query.empty()) query += '&';
      query += UriEncode(wire, false) + "=" + UriEncode(ScalarText(v), false);
    }
    body.erase(it);
  }
  HttpRequest request;
  request.method = std::string(op->method);
  request.url = endpoint + path + (query.empty() ? "" : "?" + query);
  for (const auto& [member, wire] : op->headers) {
    auto it = body.find(member);
    if (it == body.end()) continue;
    if (!it->second.is_null()) {
      request.headers.emplace_back(std::string(wire), ScalarText(it->second));
    }
    body.erase(it);
  }
  if (!op->payload.empty()) {
    auto it = body.find(op->payload);
    if (it != body.end()) request.body = ScalarText(it->second);
  } else if (service.protocol == Protocol::kRestJson && (!body.empty() || op->has_body_members)) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = Value(std::move(body)).ToJson();
  }
  return request;
}

Value XmlToValue(const pugi::xml_node& node, const std::vector<std::string_view>& flattened) {
  pugi::xml_node first =
      node.find_child([](const pugi::xml_node& n) { return n.type() == pugi::node_element; });
  if (!first) return Value(std::string(node.text().get()));
  bool all_members = true;
  bool all_entries = true;
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    all_members &= std::string_view(child.name()) == "member";
    all_entries &= std::string_view(child.name()) == "entry";
  }
  if (all_members) {
    ValueList list;
    for (const pugi::xml_node& child : node.children("member")) {
      list.push_back(XmlToValue(child, flattened));
    }
    return Value(std::move(list));
  }
  ValueMap map;
  if (all_entries) {
    for (const pugi::xml_node& child : node.children("entry")) {
      map[child.child_value("key")] = XmlToValue(child.child("value"), flattened);
    }
    return Value(std::move(map));
  }
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string name = child.name();
    Value value = XmlToValue(child, flattened);
    bool is_flat = std::find(flattened.begin(), flattened.end(), name) != flattened.end();
    auto it = map.find(name);
    if (is_flat) {
      if (it == map.end()) it = map.emplace(name, Value(ValueList{})).first;
      it->second.as_list().push_back(std::move(value));
    } else if (it == map.end()) {
      map.emplace(std::move(name), std::move(value));
    } else {
      if (!it->second.is_list()) it->second = Value(ValueList{it->second});
      it->second.as_list().push_back(std::move(value));
    }
  }
  return Value(std::move(map));
}

// Deeper than any AWS response nests; XmlToValue recurses once per level.
constexpr int kMaxXmlDepth = 256;

// Stops at the first element deeper than kMaxXmlDepth (pugixml walks the
// tree without recursing).
class DepthCheck final : public pugi::xml_tree_walker {
 public:
  bool for_each(pugi::xml_node&) override {
    too_deep_ = depth() >= kMaxXmlDepth;
    return !too_deep_;
  }
  bool too_deep() const { return too_deep_; }

 private:
  bool too_deep_ = false;
};

Result<pugi::xml_document> ParseXml(const ServiceInfo& service, std::string_view operation,
                                    std::string_view body) {
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size());
  if (!parsed) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("{} {} returned XML that cannot be parsed "
                                 "({} at offset {})",
                                 service.id, operation, parsed.description(), parsed.offset));
  }
  DepthCheck depth;
  doc.traverse(depth);
  if (depth.too_deep()) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("{} {} returned XML nested more than {} levels deep", service.id,
                                 operation, kMaxXmlDepth));
  }
  return doc;
}

Result<Value> ParseJsonBody(const ServiceInfo& service, std::string_view operation,
                            std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Value(ValueMap{});
  }
  Result<Value> value = Value::FromJson(body);
  if (!value) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("{} {} returned JSON that cannot be parsed: {}", service.id,
                                 operation, value.error().message()));
  }
  return value;
}

std::string StripErrorType(std::string_view code) {
  if (size_t colon = code.find(':'); colon != std::string_view::npos) {
    code = code.substr(0, colon);
  }
  if (size_t hash = code.rfind('#'); hash != std::string_view::npos) {
    code = code.substr(hash + 1);
  }
  return std::string(code);
}

std::string CodeFromStatus(int status) {
  switch (status) {
    case 301:
      return "PermanentRedirect";
    case 304:
      return "NotModified";
    case 400:
      return "BadRequest";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 412:
      return "PreconditionFailed";
    default:
      return fmt::format("Http{}", status);
  }
}

}  // namespace

std::string_view FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> FlattenQueryParams(const Value& params) {
  std::vector<std::pair<std::string, std::string>> out;
  Flatten("", params, out);
  return out;
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out += '&';
    out += FormComponent(key);
    out += '=';
    out += FormComponent(value);
  }
  return out;
}

Result<HttpRequest> SerializeRequest(const ServiceInfo& service, std::string_view operation,
                                     const Value& params, std::string_view endpoint,
                                     S3Addressing s3_addressing) {
  if (!params.is_map() && !params.is_null()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} {}: parameters must be a map, not {}", service.id, operation,
                                 ValueTypeName(params.type())));
  }
  std::string base(endpoint);
  while (base.ends_with('/')) base.pop_back();
  switch (service.protocol) {
    case Protocol::kQuery: {
      std::vector<std::pair<std::string, std::string>> pairs = {
          {"Action", std::string(operation)}, {"Version", std::string(service.api_version)}};
      for (auto& pair : FlattenQueryParams(params)) pairs.push_back(std::move(pair));
      HttpRequest request;
      request.method = "POST";
      request.url = base + "/";
      request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
      request.body = FormEncode(pairs);
      return request;
    }
    case Protocol::kJson: {
      HttpRequest request;
      request.method = "POST";
      request.url = base + "/";
      request.headers = {
          {"X-Amz-Target", fmt::format("{}.{}", service.target_prefix, operation)},
          {"Content-Type", fmt::format("application/x-amz-json-{}", service.json_version)}};
      request.body = params.is_null() ? "{}" : params.ToJson();
      return request;
    }
    case Protocol::kRestJson:
    case Protocol::kRestXml:
      return SerializeRest(service, operation, params, base, s3_addressing);
  }
  return MakeError(ErrorCode::kInternal, "unknown protocol");
}

Result<Value> ParseResponse(const ServiceInfo& service, std::string_view operation,
                            const HttpResponse& response) {
  switch (service.protocol) {
    case Protocol::kQuery: {
      ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXml(service, operation, response.body));
      pugi::xml_node root = doc.document_element();
      pugi::xml_node result = root.child(fmt::format("{}Result", operation).c_str());
      if (!result) return Value(ValueMap{});
      Value value = XmlToValue(result, {});
      // An empty <XResult/> is an empty output, not the string "".
      return value.is_map() ? value : Value(ValueMap{});
    }
    case Protocol::kJson:
      return ParseJsonBody(service, operation, response.body);
    case Protocol::kRestJson:
    case Protocol::kRestXml: {
      const RestOperation* op = FindRestOperation(service.id, operation);
      Value out = Value(ValueMap{});
      if (op != nullptr && !op->output_payload.empty()) {
        if (response.body.empty()) {
          // Streamed to a file by the transport (or really empty).
        } else {
          out.Set(std::string(op->output_payload), response.body);
        }
      } else if (service.protocol == Protocol::kRestJson) {
        ASSIGN_OR_RETURN(out, ParseJsonBody(service, operation, response.body));
      } else if (!response.body.empty()) {
        ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXml(service, operation, response.body));
        pugi::xml_node root = doc.document_element();
        static const std::vector<std::string_view> kNone;
        Value parsed = XmlToValue(root, op ? op->flattened_lists : kNone);
        if (parsed.is_map()) {
          out = std::move(parsed);
        } else {
          out.Set(root.name(), std::move(parsed));
        }
      }
      if (op != nullptr && out.is_map()) {
        for (const auto& [member, wire] : op->output_headers) {
          std::string_view value = FindHeader(response.headers, wire);
          if (!value.empty()) out.Set(std::string(member), value);
        }
      }
      return out;
    }
  }
  return MakeError(ErrorCode::kInternal, "unknown protocol");
}

AwsError ParseErrorResponse(const ServiceInfo& service, std::string_view operation,
                            const HttpResponse& response) {
  AwsError error;
  error.service = std::string(service.id);
  error.operation = std::string(operation);
  error.http_status = response.status;
  error.request_id = std::string(FindHeader(response.headers, "x-amzn-RequestId"));
  if (error.request_id.empty()) {
    error.request_id = std::string(FindHeader(response.headers, "x-amz-request-id"));
  }
  switch (service.protocol) {
    case Protocol::kQuery:
    case Protocol::kRestXml: {
      pugi::xml_document doc;
      if (!response.body.empty() && doc.load_buffer(response.body.data(), response.body.size())) {
        pugi::xml_node node = doc.select_node("//Error").node();
        if (node) {
          error.code = node.child_value("Code");
          error.message = node.child_value("Message");
          if (std::string id = node.child_value("RequestId"); !id.empty()) {
            error.request_id = id;
          }
        }
        pugi::xml_node id = doc.select_node("//RequestId").node();
        if (id && error.request_id.empty()) error.request_id = id.child_value();
        if (pugi::xml_node id2 = doc.select_node("//RequestID").node();
            id2 && error.request_id.empty()) {
          error.request_id = id2.child_value();
        }
      }
      break;
    }
    case Protocol::kJson:
    case Protocol::kRestJson: {
      std::string_view type = FindHeader(response.headers, "x-amzn-ErrorType");
      Result<Value> body = Value::FromJson(response.body);
      if (body && body->is_map()) {
        for (const char* key : {"__type", "code", "Code"}) {
          const Value* v = body->Find(key);
          if (type.empty() && v != nullptr && v->is_string()) {
            error.code = StripErrorType(v->as_string());
          }
        }
        for (const char* key : {"message", "Message", "errorMessage"}) {
          const Value* v = body->Find(key);
          if (error.message.empty() && v != nullptr && v->is_string()) {
            error.message = v->as_string();
          }
        }
      }
      if (!type.empty()) error.code = StripErrorType(type);
      break;
    }
  }
  if (error.code.empty()) error.code = CodeFromStatus(response.status);
  error.kind = ClassifyAwsError(error.code, error.http_status, error.message);
  return error;
}

}  // namespace flightplan::aws
