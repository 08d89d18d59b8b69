#include "cloudsim/wire.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "steps/aws/wire/sigv4.h"

namespace flightplan::cloudsim {

FormPairs ParseForm(std::string_view body) {
  FormPairs out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view part = body.substr(start, end - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string key(part.substr(0, eq));
      std::string value(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
      for (char& c : key) c = c == '+' ? ' ' : c;
      for (char& c : value) c = c == '+' ? ' ' : c;
      out.emplace_back(aws::UriDecode(key), aws::UriDecode(value));
    }
    start = end + 1;
  }
  return out;
}

namespace {

std::vector<std::string> SplitDots(std::string_view key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    parts.emplace_back(key.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

bool IsIndex(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// The tree a Query body describes, built out of band so that no key a
// client sends can be mistaken for bookkeeping.
struct QueryNode {
  std::optional<std::string> value;
  std::map<std::string, QueryNode> children;
  std::string list_kind;  // "member" or "entry" once indexed children appear
  // Indexed elements, ordered numerically: (digits without leading zeros).
  std::map<std::pair<size_t, std::string>, QueryNode> elements;
};

std::pair<size_t, std::string> IndexKey(const std::string& digits) {
  size_t first = digits.find_first_not_of('0');
  std::string trimmed = first == std::string::npos ? "0" : digits.substr(first);
  return {trimmed.size(), trimmed};
}

// Bounded by the number of dots in one key; iterative.
void Insert(QueryNode& root, const std::vector<std::string>& parts, const std::string& value) {
  QueryNode* node = &root;
  size_t i = 0;
  while (i < parts.size()) {
    QueryNode& child = node->children[parts[i]];
    if (i + 2 < parts.size() && (parts[i + 1] == "member" || parts[i + 1] == "entry") &&
        IsIndex(parts[i + 2])) {
      if (child.list_kind.empty()) child.list_kind = parts[i + 1];
      node = &child.elements[IndexKey(parts[i + 2])];
      i += 3;
    } else {
      node = &child;
      i += 1;
    }
  }
  node->value = value;
}

Value Finish(const QueryNode& node) {
  if (!node.elements.empty()) {
    if (node.list_kind == "member") {
      ValueList list;
      for (const auto& [index, element] : node.elements) list.push_back(Finish(element));
      return Value(std::move(list));
    }
    ValueMap out;  // entry.N.key / entry.N.value
    for (const auto& [index, element] : node.elements) {
      auto key = element.children.find("key");
      if (key == element.children.end()) key = element.children.find("Key");
      auto value = element.children.find("value");
      if (value == element.children.end()) value = element.children.find("Value");
      if (key != element.children.end() && key->second.value) {
        out[*key->second.value] = value != element.children.end() ? Finish(value->second) : Value();
      }
    }
    return Value(std::move(out));
  }
  if (!node.children.empty()) {
    ValueMap out;
    for (const auto& [name, child] : node.children) out[name] = Finish(child);
    return Value(std::move(out));
  }
  return node.value ? Value(*node.value) : Value();
}

}  // namespace

Value UnflattenQuery(const FormPairs& pairs) {
  QueryNode root;
  std::set<std::string> empty_lists;
  for (const auto& [key, value] : pairs) {
    std::vector<std::string> parts = SplitDots(key);
    if (parts.size() == 1 && value.empty() && key != "Action" && key != "Version") {
      // "Capabilities=": the SDKs' encoding of an empty list. A scalar that
      // is empty is rare enough in the operations we serve to read as "".
      empty_lists.insert(key);
      continue;
    }
    Insert(root, parts, value);
  }
  Value out = Finish(root);
  if (!out.is_map()) out = Value(ValueMap{});
  for (const std::string& key : empty_lists) {
    if (!out.Find(key)) out.as_map()[key] = Value(ValueList{});
  }
  return out;
}

Value QueryParams(const Request& request) {
  if (request.method == "GET") {
    FormPairs pairs(request.query.begin(), request.query.end());
    return UnflattenQuery(pairs);
  }
  return UnflattenQuery(ParseForm(request.body));
}

std::string QueryAction(const Request& request) {
  if (request.method == "GET") return std::string(request.QueryParam("Action"));
  for (const auto& [key, value] : ParseForm(request.body)) {
    if (key == "Action") return value;
  }
  return {};
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

void AppendXml(std::string& out, std::string_view name, const Value& value) {
  switch (value.type()) {
    case ValueType::kNull:
      return;
    case ValueType::kList:
      out += fmt::format("<{}>", name);
      for (const Value& element : value.as_list()) {
        AppendXml(out, "member", element);
      }
      out += fmt::format("</{}>", name);
      return;
    case ValueType::kMap:
      out += fmt::format("<{}>", name);
      for (const auto& [key, child] : value.as_map()) AppendXml(out, key, child);
      out += fmt::format("</{}>", name);
      return;
    case ValueType::kString:
      out += fmt::format("<{0}>{1}</{0}>", name, XmlEscape(value.as_string()));
      return;
    default:
      out += fmt::format("<{0}>{1}</{0}>", name, XmlEscape(value.ToText()));
      return;
  }
}

Response QueryXmlResponse(std::string_view action, std::string_view xmlns, const Value& result,
                          std::string_view request_id) {
  Response response;
  response.SetHeader("Content-Type", "text/xml");
  response.SetHeader("x-amzn-RequestId", std::string(request_id));
  std::string& body = response.body;
  body = fmt::format("<{}Response xmlns=\"{}\">", action, xmlns);
  if (result.is_map() && !result.as_map().empty()) {
    AppendXml(body, fmt::format("{}Result", action), result);
  } else {
    body += fmt::format("<{}Result/>", action);
  }
  body += fmt::format(
      "<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></"
      "{}Response>",
      request_id, action);
  return response;
}

Response QueryXmlError(const SimError& error, std::string_view xmlns, std::string_view request_id) {
  Response response;
  response.status = error.status;
  response.SetHeader("Content-Type", "text/xml");
  response.SetHeader("x-amzn-RequestId", std::string(request_id));
  response.body = fmt::format(
      "<ErrorResponse xmlns=\"{}\"><Error><Type>{}</Type><Code>{}</Code>"
      "<Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
      xmlns, error.status >= 500 ? "Receiver" : "Sender", XmlEscape(error.code),
      XmlEscape(error.message), request_id);
  return response;
}

Response JsonResponse(const Value& result, std::string_view content_type,
                      std::string_view request_id) {
  Response response;
  response.SetHeader("Content-Type", std::string(content_type));
  response.SetHeader("x-amzn-RequestId", std::string(request_id));
  response.body = result.is_null() ? "{}" : result.ToJson();
  return response;
}

Response JsonError(const SimError& error, std::string_view type_prefix,
                   std::string_view content_type, std::string_view request_id) {
  Response response;
  response.status = error.status;
  response.SetHeader("Content-Type", std::string(content_type));
  response.SetHeader("x-amzn-RequestId", std::string(request_id));
  response.SetHeader("X-Amzn-ErrorType", error.code);
  ValueMap body;
  body["__type"] = type_prefix.empty() ? error.code : fmt::format("{}#{}", type_prefix, error.code);
  body["message"] = error.message;
  response.body = Value(std::move(body)).ToJson();
  return response;
}

std::string JsonTargetOperation(const Request& request, std::string_view target_prefix,
                                std::span<const std::string_view> operations) {
  std::string_view target = request.Header("X-Amz-Target");
  if (target.substr(0, target_prefix.size()) != target_prefix) return {};
  std::string_view op = target.substr(target_prefix.size());
  for (std::string_view known : operations) {
    if (known == op) return std::string(op);
  }
  return {};
}

SimResult<Value> JsonRequestParams(const Request& request, std::string_view not_an_object) {
  if (request.body.empty()) return Value(ValueMap{});
  const Value& parsed = request.JsonBody();
  if (!parsed.is_map()) {
    return tl::unexpected(SimError{400, "SerializationException", std::string(not_an_object)});
  }
  return parsed;
}

std::optional<size_t> PageTokenOffset(const std::string& token) {
  if (token.rfind("page-", 0) != 0 || token.size() == 5 ||
      token.find_first_not_of("0123456789", 5) != std::string::npos) {
    return std::nullopt;
  }
  size_t offset = 0;
  auto [end, ec] = std::from_chars(token.data() + 5, token.data() + token.size(), offset);
  if (ec != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return offset;
}

Value PageOfItems(std::vector<Value> items, size_t start, size_t limit, std::string_view list_key,
                  std::string_view next_key) {
  ValueList page;
  size_t i = start;
  for (; i < items.size() && page.size() < limit; ++i) {
    page.push_back(std::move(items[i]));
  }
  ValueMap out;
  out[std::string(list_key)] = Value(std::move(page));
  if (i < items.size()) out[std::string(next_key)] = fmt::format("page-{}", i);
  return Value(std::move(out));
}

Response RestJsonResponse(const Value& result, std::string_view request_id, int status) {
  Response response = JsonResponse(result, "application/json", request_id);
  response.status = status;
  return response;
}

Response RestJsonError(const SimError& error, std::string_view request_id) {
  Response response;
  response.status = error.status;
  response.SetHeader("Content-Type", "application/json");
  response.SetHeader("x-amzn-RequestId", std::string(request_id));
  response.SetHeader("x-amzn-ErrorType", error.code);
  ValueMap body;
  body["message"] = error.message;
  response.body = Value(std::move(body)).ToJson();
  return response;
}

Response RestXmlError(const SimError& error, std::string_view resource,
                      std::string_view request_id) {
  Response response;
  response.status = error.status;
  response.SetHeader("Content-Type", "application/xml");
  response.SetHeader("x-amz-request-id", std::string(request_id));
  response.body = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code>"
      "<Message>{}</Message><Resource>{}</Resource><RequestId>{}</RequestId>"
      "</Error>",
      XmlEscape(error.code), XmlEscape(error.message), XmlEscape(resource), request_id);
  return response;
}

}  // namespace flightplan::cloudsim
