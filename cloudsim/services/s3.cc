// S3 (REST-XML). Path-style addressing (/<bucket>/<key>, what the AWS CLI and
// flightplan use against a custom endpoint) and virtual-hosted addressing for
// hosts of the form <bucket>.localhost.
//
// Operations: ListBuckets, CreateBucket (with or without a
// CreateBucketConfiguration body), DeleteBucket, HeadBucket,
// GetBucketLocation, GetBucketVersioning, PutBucketVersioning,
// GetBucketEncryption (SSE-S3, every bucket's default), GetBucketTagging,
// PutBucketTagging, DeleteBucketTagging, PutObject
// (If-None-Match: * and If-Match conditional writes),
// CopyObject (x-amz-copy-source), GetObject (Range: bytes=a-b, a-, -n),
// HeadObject, DeleteObject, DeleteObjects, ListObjectsV2 (prefix, delimiter
// and CommonPrefixes, max-keys, continuation-token, start-after,
// encoding-type=url) and ListObjects (v1, marker).
//
// Bodies sent with Content-Encoding: aws-chunked (or a STREAMING-* content
// hash) are decoded; checksum headers the client sends are echoed back.
// Errors are S3's <Error> documents; HEAD errors carry no body. Throttling is
// 503 SlowDown.
//
// Mutate (POST /_sim/mutate, "service": "s3"):
//   {"action": "put_object", "Bucket": b, "Key": k, "Body": text}
//   {"action": "delete_object", "Bucket": b, "Key": k} -> {"deleted": bool}
//   {"action": "delete_bucket", "Bucket": b}   (drops its objects too)
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <pugixml.hpp>
#include <set>

#include "base/base64.h"
#include "cloudsim/service.h"
#include "cloudsim/wire.h"

namespace flightplan::cloudsim {
namespace {

constexpr std::string_view kXmlns = "http://s3.amazonaws.com/doc/2006-03-01/";

// S3's answer to a request body that is not the XML the operation takes.
SimError MalformedXml() {
  return {400, "MalformedXML",
          "The XML you provided was not well-formed or did not validate against our published "
          "schema"};
}

// PutObject's conditional writes, answered as S3 answers them:
// `If-None-Match: *` creates only when the key is absent, `If-Match: <etag>`
// replaces only that version; a condition that does not hold is 412
// PreconditionFailed (If-Match on an absent key: 404 NoSuchKey), and
// If-None-Match with anything but `*` is 501 NotImplemented. The World's lock
// makes the check and the write one step, so two writers racing for the same
// key never both succeed (S3's 409 ConditionalRequestConflict, which a real
// race can also produce, is available as an injected `error` fault).
SimResult<void> CheckWriteConditions(const S3Bucket& bucket, const std::string& key,
                                     const Request& request) {
  std::string_view none_match = request.Header("If-None-Match");
  std::string_view match = request.Header("If-Match");
  auto found = bucket.objects.find(key);
  bool exists = found != bucket.objects.end();
  if (!none_match.empty()) {
    if (none_match != "*") {
      return tl::unexpected(SimError{501, "NotImplemented",
                                     "A header you provided implies functionality that is not "
                                     "implemented"});
    }
    if (exists) {
      return tl::unexpected(SimError{412, "PreconditionFailed",
                                     "At least one of the pre-conditions you specified did not "
                                     "hold"});
    }
  }
  if (!match.empty()) {
    if (!exists) return tl::unexpected(NoSuchKey(key));
    if (match != "*" && match != found->second.etag) {
      return tl::unexpected(SimError{412, "PreconditionFailed",
                                     "At least one of the pre-conditions you specified did not "
                                     "hold"});
    }
  }
  return {};
}

// "Sun, 22 Nov 2026 14:35:24 GMT"
std::string HttpDate(Timestamp t) {
  time_t seconds = static_cast<time_t>(t.unix_ms / 1000);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  strftime(buffer, sizeof(buffer), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buffer;
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out +=
          static_cast<char>(std::strtol(std::string(text.substr(i + 1, 2)).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string Element(std::string_view name, std::string_view text) {
  return fmt::format("<{0}>{1}</{0}>", name, XmlEscape(text));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Decodes an aws-chunked body: "<hex>[;ext]\r\n<data>\r\n" ... "0\r\n" then
// optional trailers. Returns false when malformed.
bool DecodeAwsChunked(std::string_view body, std::string* out) {
  out->clear();
  size_t pos = 0;
  for (int guard = 0; guard < 1000000; ++guard) {
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return false;
    std::string_view header = body.substr(pos, eol - pos);
    size_t semi = header.find(';');
    std::string size_text(header.substr(0, semi));
    char* end = nullptr;
    unsigned long size = std::strtoul(size_text.c_str(), &end, 16);
    if (size_text.empty() || end == size_text.c_str()) return false;
    pos = eol + 2;
    if (size == 0) return true;  // trailers follow; they are not content
    if (pos + size > body.size()) return false;
    out->append(body.substr(pos, size));
    pos += size;
    if (body.substr(pos, 2) == "\r\n") pos += 2;
  }
  return false;
}

struct Target {
  std::string bucket;
  std::string key;
};

Target TargetOf(const Request& request) {
  Target t;
  std::string host = Lower(request.Header("Host"));
  if (size_t colon = host.rfind(':'); colon != std::string::npos) host.resize(colon);
  constexpr std::string_view kVirtualSuffix = ".localhost";
  std::string_view path = request.path;
  if (host.size() > kVirtualSuffix.size() &&
      host.compare(host.size() - kVirtualSuffix.size(), kVirtualSuffix.size(), kVirtualSuffix) ==
          0) {
    t.bucket = host.substr(0, host.size() - kVirtualSuffix.size());
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    t.key = std::string(path);
    return t;
  }
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t slash = path.find('/');
  t.bucket = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) t.key = std::string(path.substr(slash + 1));
  return t;
}

Response Xml(const std::string& body, std::string_view request_id, int status = 200) {
  Response r;
  r.status = status;
  r.SetHeader("Content-Type", "application/xml");
  r.SetHeader("x-amz-request-id", std::string(request_id));
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body;
  return r;
}

Response Empty(std::string_view request_id, int status = 200) {
  Response r;
  r.status = status;
  r.SetHeader("x-amz-request-id", std::string(request_id));
  return r;
}

class S3Service final : public Service {
 public:
  std::string_view signing_name() const override { return "s3"; }
  aws::Protocol protocol() const override { return aws::Protocol::kRestXml; }

  std::string OperationOf(const Request& request) const override {
    Target t = TargetOf(request);
    const std::string& m = request.method;
    if (t.bucket.empty()) return m == "GET" ? "ListBuckets" : "";
    if (t.key.empty()) {
      if (m == "GET") {
        if (request.HasQueryParam("location")) return "GetBucketLocation";
        if (request.HasQueryParam("versioning")) return "GetBucketVersioning";
        if (request.HasQueryParam("encryption")) return "GetBucketEncryption";
        if (request.HasQueryParam("tagging")) return "GetBucketTagging";
        if (request.QueryParam("list-type") == "2") return "ListObjectsV2";
        return "ListObjects";
      }
      if (m == "PUT") {
        if (request.HasQueryParam("tagging")) return "PutBucketTagging";
        return request.HasQueryParam("versioning") ? "PutBucketVersioning" : "CreateBucket";
      }
      if (m == "DELETE") {
        return request.HasQueryParam("tagging") ? "DeleteBucketTagging" : "DeleteBucket";
      }
      if (m == "HEAD") return "HeadBucket";
      if (m == "POST" && request.HasQueryParam("delete")) return "DeleteObjects";
      return {};
    }
    if (m == "GET") return "GetObject";
    if (m == "HEAD") return "HeadObject";
    if (m == "DELETE") return "DeleteObject";
    if (m == "PUT") {
      return request.Header("x-amz-copy-source").empty() ? "PutObject" : "CopyObject";
    }
    return {};
  }

  Response Error(const SimError& error, const Request& request,
                 std::string_view request_id) const override {
    Response r = RestXmlError(error, request.path, request_id);
    if (request.method == "HEAD") r.body.clear();
    return r;
  }

  SimError ThrottlingError(std::string_view operation) const override {
    (void)operation;
    return {503, "SlowDown", "Please reduce your request rate."};
  }

  Value LogParams(const Request& request, std::string_view operation) const override {
    (void)operation;
    Target t = TargetOf(request);
    ValueMap out;
    if (!t.bucket.empty()) out["Bucket"] = t.bucket;
    if (!t.key.empty()) out["Key"] = t.key;
    return Value(std::move(out));
  }

  Response Handle(World& world, const Request& request, std::string_view op) override {
    Target t = TargetOf(request);
    SimResult<Response> result = Dispatch(world, request, op, t);
    if (!result) return Error(result.error(), request, request.request_id);
    return std::move(*result);
  }

  Result<Value> Mutate(World& world, const Value& command) override {
    auto str = [&](std::string_view k) {
      const Value* v = command.Find(k);
      return v && v->is_string() ? v->as_string() : std::string();
    };
    std::string action = str("action");
    if (action == "put_object") {
      auto etag = world.s3.PutObject(str("Bucket"), str("Key"), str("Body"), world.Now());
      if (!etag) return MutateError(etag.error());
      return Value(ValueMap{{"ETag", Value(*etag)}});
    }
    if (action == "delete_object") {
      S3Bucket* bucket = world.s3.FindBucket(str("Bucket"));
      if (bucket == nullptr) return MutateError(NoSuchBucket(str("Bucket")));
      bool deleted = bucket->objects.erase(str("Key")) > 0;
      return Value(ValueMap{{"deleted", Value(deleted)}});
    }
    if (action == "delete_bucket") {
      S3Bucket* bucket = world.s3.FindBucket(str("Bucket"));
      if (bucket == nullptr) return MutateError(NoSuchBucket(str("Bucket")));
      bucket->objects.clear();
      (void)world.s3.DeleteBucket(str("Bucket"));
      return Value(ValueMap{});
    }
    return MakeError(ErrorCode::kInvalidInput, "s3 mutate: unknown action '" + action +
                                                   "' (put_object, delete_object, delete_bucket)");
  }

 private:
  SimResult<Response> Dispatch(World& world, const Request& request, std::string_view op,
                               const Target& t) {
    const std::string& id = request.request_id;
    S3Store& s3 = world.s3;
    if (op == "ListBuckets") {
      std::string buckets;
      for (const auto& [name, bucket] : s3.buckets()) {
        buckets += "<Bucket>" + Element("Name", name) +
                   Element("CreationDate", IsoTime(bucket.created)) + "</Bucket>";
      }
      return Xml(fmt::format("<ListAllMyBucketsResult xmlns=\"{}\"><Owner>{}{}</Owner>"
                             "<Buckets>{}</Buckets></ListAllMyBucketsResult>",
                             kXmlns, Element("ID", world.config().account_id),
                             Element("DisplayName", world.config().user_name), buckets),
                 id);
    }
    if (op == "CreateBucket") {
      if (!request.body.empty()) {
        pugi::xml_document doc;
        if (!doc.load_buffer(request.body.data(), request.body.size())) {
          return tl::unexpected(MalformedXml());
        }
        std::string constraint =
            doc.child("CreateBucketConfiguration").child("LocationConstraint").text().as_string();
        if (!constraint.empty() && constraint != world.config().region) {
          return tl::unexpected(
              SimError{400, "IllegalLocationConstraintException",
                       fmt::format("The {} location constraint is incompatible for the "
                                   "region specific endpoint this request was sent to.",
                                   constraint)});
        }
        if (constraint == "us-east-1") {
          return tl::unexpected(SimError{400, "InvalidLocationConstraint",
                                         "The specified location-constraint is not valid"});
        }
      }
      if (auto ok = s3.CreateBucket(t.bucket, world.Now()); !ok) return tl::unexpected(ok.error());
      Response r = Empty(id);
      r.SetHeader("Location", "/" + t.bucket);
      return r;
    }
    if (op == "DeleteBucket") {
      if (auto ok = s3.DeleteBucket(t.bucket); !ok) return tl::unexpected(ok.error());
      return Empty(id, 204);
    }
    S3Bucket* bucket = s3.FindBucket(t.bucket);
    if (bucket == nullptr) return tl::unexpected(NoSuchBucket(t.bucket));
    if (op == "HeadBucket") {
      Response r = Empty(id);
      r.SetHeader("x-amz-bucket-region", world.config().region);
      return r;
    }
    if (op == "GetBucketLocation") {
      std::string region = world.config().region == "us-east-1" ? "" : world.config().region;
      return Xml(fmt::format("<LocationConstraint xmlns=\"{}\">{}</LocationConstraint>", kXmlns,
                             XmlEscape(region)),
                 id);
    }
    if (op == "GetBucketVersioning") {
      std::string status = bucket->versioning.empty() ? "" : Element("Status", bucket->versioning);
      return Xml(fmt::format("<VersioningConfiguration "
                             "xmlns=\"{}\">{}</VersioningConfiguration>",
                             kXmlns, status),
                 id);
    }
    if (op == "GetBucketEncryption") {
      // Every bucket has default encryption (SSE-S3) since January 2023.
      return Xml(fmt::format("<ServerSideEncryptionConfiguration xmlns=\"{}\"><Rule>"
                             "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256"
                             "</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
                             "<BucketKeyEnabled>false</BucketKeyEnabled></Rule>"
                             "</ServerSideEncryptionConfiguration>",
                             kXmlns),
                 id);
    }
    if (op == "GetBucketTagging") {
      if (bucket->tags.empty()) {
        return tl::unexpected(SimError{404, "NoSuchTagSet", "The TagSet does not exist"});
      }
      std::string tags;
      for (const auto& [key, value] : bucket->tags) {
        tags += "<Tag>" + Element("Key", key) + Element("Value", value) + "</Tag>";
      }
      return Xml(fmt::format("<Tagging xmlns=\"{}\"><TagSet>{}</TagSet></Tagging>", kXmlns, tags),
                 id);
    }
    if (op == "PutBucketTagging") {
      pugi::xml_document doc;
      if (!doc.load_buffer(request.body.data(), request.body.size())) {
        return tl::unexpected(MalformedXml());
      }
      std::map<std::string, std::string> tags;
      for (pugi::xml_node tag : doc.child("Tagging").child("TagSet").children("Tag")) {
        tags[tag.child("Key").text().as_string()] = tag.child("Value").text().as_string();
      }
      bucket->tags = std::move(tags);
      return Empty(id);
    }
    if (op == "DeleteBucketTagging") {
      bucket->tags.clear();
      return Empty(id, 204);
    }
    if (op == "PutBucketVersioning") {
      pugi::xml_document doc;
      doc.load_buffer(request.body.data(), request.body.size());
      std::string status = doc.child("VersioningConfiguration").child("Status").text().as_string();
      if (status != "Enabled" && status != "Suspended") {
        return tl::unexpected(MalformedXml());
      }
      bucket->versioning = status;
      return Empty(id);
    }
    if (op == "ListObjectsV2" || op == "ListObjects") return List(*bucket, request, op, id);
    if (op == "DeleteObjects") {
      pugi::xml_document doc;
      if (!doc.load_buffer(request.body.data(), request.body.size())) {
        return tl::unexpected(MalformedXml());
      }
      pugi::xml_node root = doc.child("Delete");
      bool quiet = std::string(root.child("Quiet").text().as_string()) == "true";
      std::string deleted;
      int count = 0;
      for (pugi::xml_node object : root.children("Object")) {
        if (++count > 1000) break;
        std::string key = object.child("Key").text().as_string();
        bucket->objects.erase(key);
        if (!quiet) deleted += "<Deleted>" + Element("Key", key) + "</Deleted>";
      }
      return Xml(fmt::format("<DeleteResult xmlns=\"{}\">{}</DeleteResult>", kXmlns, deleted), id);
    }
    if (op == "PutObject") {
      std::string body = request.body;
      std::string encoding = Lower(request.Header("Content-Encoding"));
      std::string_view sha = request.Header("x-amz-content-sha256");
      if (encoding.find("aws-chunked") != std::string::npos || sha.substr(0, 10) == "STREAMING-") {
        if (!DecodeAwsChunked(request.body, &body)) {
          return tl::unexpected(
              SimError{400, "IncompleteBody", "The request body terminated unexpectedly"});
        }
      }
      if (auto allowed = CheckWriteConditions(*bucket, t.key, request); !allowed) {
        return tl::unexpected(allowed.error());
      }
      std::string content_type(request.Header("Content-Type"));
      auto etag = s3.PutObject(t.bucket, t.key, std::move(body), world.Now(), content_type);
      if (!etag) return tl::unexpected(etag.error());
      Response r = Empty(id);
      r.SetHeader("ETag", *etag);
      for (const auto& [name, value] : request.headers) {
        std::string lower = Lower(name);
        if (lower.rfind("x-amz-checksum-", 0) == 0 && lower != "x-amz-checksum-algorithm") {
          r.SetHeader(lower, value);
        }
      }
      return r;
    }
    if (op == "CopyObject") {
      std::string source = UrlDecode(request.Header("x-amz-copy-source"));
      if (size_t q = source.find('?'); q != std::string::npos) source.resize(q);
      if (!source.empty() && source.front() == '/') source.erase(0, 1);
      size_t slash = source.find('/');
      if (slash == std::string::npos) {
        return tl::unexpected(SimError{400, "InvalidArgument",
                                       "Copy Source must mention the source bucket and key: "
                                       "sourcebucket/sourcekey"});
      }
      auto object = s3.GetObject(source.substr(0, slash), source.substr(slash + 1));
      if (!object) return tl::unexpected(object.error());
      std::string data = (*object)->data;
      std::string type = (*object)->content_type;
      if (Lower(request.Header("x-amz-metadata-directive")) == "replace" &&
          !request.Header("Content-Type").empty()) {
        type = std::string(request.Header("Content-Type"));
      }
      auto etag = s3.PutObject(t.bucket, t.key, std::move(data), world.Now(), type);
      if (!etag) return tl::unexpected(etag.error());
      return Xml(fmt::format("<CopyObjectResult xmlns=\"{}\">{}{}</CopyObjectResult>", kXmlns,
                             Element("LastModified", IsoTime(world.Now())), Element("ETag", *etag)),
                 id);
    }
    if (op == "DeleteObject") {
      bucket->objects.erase(t.key);
      return Empty(id, 204);
    }
    // GetObject / HeadObject
    auto found = bucket->objects.find(t.key);
    if (found == bucket->objects.end()) return tl::unexpected(NoSuchKey(t.key));
    const S3Object& object = found->second;
    Response r = Empty(id);
    r.SetHeader("Content-Type", object.content_type);
    r.SetHeader("ETag", object.etag);
    r.SetHeader("Last-Modified", HttpDate(object.last_modified));
    r.SetHeader("Accept-Ranges", "bytes");
    size_t size = object.data.size();
    size_t first = 0, last = size == 0 ? 0 : size - 1;
    bool ranged = false;
    if (std::string_view range = request.Header("Range"); range.substr(0, 6) == "bytes=") {
      std::string spec(range.substr(6));
      size_t dash = spec.find('-');
      if (dash != std::string::npos && spec.find(',') == std::string::npos) {
        std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
        if (a.empty() && !b.empty()) {
          size_t n = std::strtoull(b.c_str(), nullptr, 10);
          first = n >= size ? 0 : size - n;
        } else {
          first = std::strtoull(a.c_str(), nullptr, 10);
          if (!b.empty()) last = std::min<size_t>(last, std::strtoull(b.c_str(), nullptr, 10));
        }
        if (first >= size || first > last) {
          return tl::unexpected(
              SimError{416, "InvalidRange", "The requested range is not satisfiable"});
        }
        ranged = true;
      }
    }
    if (ranged) r.status = 206;
    // The HTTP server (cpp-httplib) applies the request's Range to the body
    // itself, so the whole object goes out with the 206; over HEAD it sends
    // the body's length and no body.
    r.body = object.data;
    return r;
  }

  SimResult<Response> List(const S3Bucket& bucket, const Request& request, std::string_view op,
                           const std::string& id) {
    bool v2 = op == "ListObjectsV2";
    std::string prefix(request.QueryParam("prefix"));
    std::string delimiter(request.QueryParam("delimiter"));
    bool url = request.QueryParam("encoding-type") == "url";
    auto enc = [&](std::string_view s) { return url ? UrlEncode(s) : std::string(s); };
    int64_t max_keys = 1000;
    if (request.HasQueryParam("max-keys")) {
      max_keys = std::strtoll(std::string(request.QueryParam("max-keys")).c_str(), nullptr, 10);
      if (max_keys < 0) {
        return tl::unexpected(
            SimError{400, "InvalidArgument",
                     "Argument maxKeys must be an integer between 0 and 2147483647"});
      }
      max_keys = std::min<int64_t>(max_keys, 1000);
    }
    std::string token(request.QueryParam("continuation-token"));
    std::string start_after(request.QueryParam(v2 ? "start-after" : "marker"));
    std::string after = start_after;
    if (v2 && !token.empty()) {
      Result<std::string> decoded = Base64Decode(token);
      if (!decoded) {
        return tl::unexpected(
            SimError{400, "InvalidArgument", "The continuation token provided is incorrect"});
      }
      after = std::move(*decoded);
    }
    std::string contents, prefixes;
    std::set<std::string> seen_prefixes;
    int64_t count = 0;
    bool truncated = false;
    std::string last_key;
    for (auto it = after.empty() ? bucket.objects.begin() : bucket.objects.upper_bound(after);
         it != bucket.objects.end(); ++it) {
      const std::string& key = it->first;
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      std::string common;
      if (!delimiter.empty()) {
        size_t d = key.find(delimiter, prefix.size());
        if (d != std::string::npos) common = key.substr(0, d + delimiter.size());
      }
      if (!common.empty() && seen_prefixes.count(common)) continue;
      if (count == max_keys) {
        truncated = true;
        break;
      }
      ++count;
      if (!common.empty()) {
        seen_prefixes.insert(common);
        prefixes += "<CommonPrefixes>" + Element("Prefix", enc(common)) + "</CommonPrefixes>";
        // Skip past every key under this prefix.
        last_key = common;
        auto next = bucket.objects.lower_bound(common + "\xff");
        it = std::prev(next);
        last_key = it->first;
        continue;
      }
      last_key = key;
      const S3Object& o = it->second;
      contents += "<Contents>" + Element("Key", enc(key)) +
                  Element("LastModified", IsoTime(o.last_modified)) + Element("ETag", o.etag) +
                  Element("Size", std::to_string(o.data.size())) +
                  Element("StorageClass", "STANDARD") + "</Contents>";
    }
    std::string body = fmt::format("<ListBucketResult xmlns=\"{}\">", kXmlns);
    body += Element("Name", bucket.name) + Element("Prefix", enc(prefix));
    if (!delimiter.empty()) body += Element("Delimiter", enc(delimiter));
    body += Element("MaxKeys", std::to_string(max_keys));
    if (url) body += Element("EncodingType", "url");
    body += Element("IsTruncated", truncated ? "true" : "false");
    if (v2) {
      body += Element("KeyCount", std::to_string(count));
      if (!token.empty()) body += Element("ContinuationToken", token);
      if (!start_after.empty()) body += Element("StartAfter", enc(start_after));
      if (truncated) body += Element("NextContinuationToken", Base64Encode(last_key));
    } else {
      body += Element("Marker", enc(start_after));
      if (truncated && !delimiter.empty()) body += Element("NextMarker", enc(last_key));
    }
    body += contents + prefixes + "</ListBucketResult>";
    return Xml(body, id);
  }
};

}  // namespace

std::unique_ptr<Service> MakeS3Service() { return std::make_unique<S3Service>(); }

}  // namespace flightplan::cloudsim
