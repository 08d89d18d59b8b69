#include "steps/aws/wire/sigv4.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <utility>
#include <vector>

#include "base/digest.h"

namespace flightplan::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Headers that proxies or the transport may add or rewrite; signing them
// would break the signature in transit (the SDKs leave them out too).
constexpr std::string_view kUnsignedHeaders[] = {"authorization", "user-agent", "expect",
                                                 "x-amzn-trace-id", "connection"};

std::string ToHex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &out_size);
  return std::string(reinterpret_cast<const char*>(out), out_size);
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims and collapses every run of whitespace (folded lines included) to one
// space, as the canonical header value requires.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

struct UrlParts {
  std::string authority;  // host[:port]
  std::string path;       // encoded, "/" when empty
  std::string query;      // encoded, without '?'
};

Result<UrlParts> SplitUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("cannot sign '{}': not an absolute URL", url));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  size_t fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  size_t path_start = rest.find_first_of("/?");
  UrlParts parts;
  parts.authority = std::string(rest.substr(0, path_start));
  std::string_view scheme = url.substr(0, scheme_end);
  // The default port is not part of the Host header curl sends.
  if ((scheme == "https" && parts.authority.ends_with(":443")) ||
      (scheme == "http" && parts.authority.ends_with(":80"))) {
    parts.authority.resize(parts.authority.rfind(':'));
  }
  if (parts.authority.empty()) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("cannot sign '{}': no host", url));
  }
  std::string_view path_and_query =
      path_start == std::string_view::npos ? "" : rest.substr(path_start);
  size_t query_start = path_and_query.find('?');
  parts.path = std::string(path_and_query.substr(0, query_start));
  if (query_start != std::string_view::npos) {
    parts.query = std::string(path_and_query.substr(query_start + 1));
  }
  if (parts.path.empty()) parts.path.push_back('/');
  return parts;
}

// RFC 3986 remove_dot_segments plus collapsing of empty segments.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = path.ends_with('/');
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view segment = path.substr(pos, next - pos);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      if (next == path.size()) trailing_slash = true;
    } else if (segment == ".") {
      if (next == path.size()) trailing_slash = true;
    } else if (!segment.empty()) {
      segments.push_back(segment);
    }
    pos = next + 1;
  }
  std::string out;
  for (std::string_view segment : segments) {
    out += '/';
    out += segment;
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

std::string CanonicalUri(const UrlParts& url, const SigningOptions& options) {
  std::string path = url.path;
  if (options.path_normalization == PathNormalization::kNormalize) {
    path = NormalizePath(path);
  }
  if (options.uri_encoding == UriEncoding::kDouble) {
    path = UriEncode(path, /*keep_slash=*/true);
  }
  return path;
}

using QueryPairs = std::vector<std::pair<std::string, std::string>>;

// Decodes then re-encodes every pair so that "%E1%88%B4" and the raw UTF-8
// both canonicalise to the same bytes.
QueryPairs ParseQuery(std::string_view query) {
  QueryPairs pairs;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t next = query.find('&', pos);
    if (next == std::string_view::npos) next = query.size();
    std::string_view item = query.substr(pos, next - pos);
    if (!item.empty()) {
      size_t eq = item.find('=');
      std::string_view key = item.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
      pairs.emplace_back(UriEncode(UriDecode(key), false), UriEncode(UriDecode(value), false));
    }
    pos = next + 1;
  }
  return pairs;
}

std::string CanonicalQuery(QueryPairs pairs) {
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" lines
  std::string signed_names;  // "a;b;c"
};

CanonicalHeaders BuildCanonicalHeaders(const HttpHeaders& headers, const std::string& authority) {
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : headers) {
    std::string lower = ToLower(name);
    if (std::find(std::begin(kUnsignedHeaders), std::end(kUnsignedHeaders), lower) !=
        std::end(kUnsignedHeaders)) {
      continue;
    }
    auto [it, inserted] = merged.try_emplace(lower, CanonicalHeaderValue(value));
    if (!inserted) {
      it->second += ',';
      it->second += CanonicalHeaderValue(value);
    }
  }
  merged.try_emplace("host", authority);
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.block += name;
    out.block += ':';
    out.block += value;
    out.block += '\n';
    if (!out.signed_names.empty()) out.signed_names += ';';
    out.signed_names += name;
  }
  return out;
}

void RemoveHeader(HttpHeaders& headers, std::string_view name) {
  std::erase_if(headers,
                [&](const auto& header) { return ToLower(header.first) == ToLower(name); });
}

std::string SigningKey(const AwsCredentials& credentials, const SigningOptions& options,
                       std::string_view date) {
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date);
  key = HmacSha256(key, options.region);
  key = HmacSha256(key, options.service);
  return HmacSha256(key, "aws4_request");
}

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

Signature ComputeSignature(std::string_view method, std::string_view uri, std::string_view query,
                           const CanonicalHeaders& headers, std::string_view payload_hash,
                           const AwsCredentials& credentials, const SigningOptions& options) {
  Signature out;
  out.canonical_request = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", method, uri, query, headers.block,
                                      headers.signed_names, payload_hash);
  std::string amz_date = FormatAmzDate(options.time);
  std::string date = amz_date.substr(0, 8);
  std::string scope = fmt::format("{}/{}/{}/aws4_request", date, options.region, options.service);
  out.string_to_sign =
      fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope, Sha256Hex(out.canonical_request));
  std::string key = SigningKey(credentials, options, date);
  std::string mac = HmacSha256(key, out.string_to_sign);
  out.signature = ToHex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  return out;
}

Result<void> CheckCredentials(const AwsCredentials& credentials) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "cannot sign a request: the credentials have no access "
                     "key id or no secret access key");
  }
  return {};
}

}  // namespace

SigningOptions SigningOptions::ForService(std::string_view service, std::string_view region,
                                          Timestamp time) {
  SigningOptions options;
  options.service = std::string(service);
  options.region = std::string(region);
  options.time = time;
  if (service == "s3") {
    options.uri_encoding = UriEncoding::kSingle;
    options.path_normalization = PathNormalization::kAsIs;
    options.content_sha256_header = ContentSha256Header::kAdd;
  }
  return options;
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kDigits[u >> 4]);
      out.push_back(kDigits[u & 0xf]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string FormatAmzDate(Timestamp t) {
  std::time_t seconds = static_cast<std::time_t>(t.unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Result<Timestamp> ParseHttpDate(std::string_view date) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Sun, 30 Aug 2015 12:36:00 GMT"
  std::tm tm{};
  char month[4] = {};
  std::string text(date);
  if (std::sscanf(text.c_str(), "%*3s, %2d %3s %4d %2d:%2d:%2d", &tm.tm_mday, month, &tm.tm_year,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("not an HTTP date: '{}'", date));
  }
  auto it = std::find(std::begin(kMonths), std::end(kMonths), std::string_view(month));
  if (it == std::end(kMonths)) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("not an HTTP date: '{}'", date));
  }
  tm.tm_mon = static_cast<int>(it - std::begin(kMonths));
  tm.tm_year -= 1900;
  return Timestamp{static_cast<int64_t>(timegm(&tm)) * 1000};
}

Result<SignedRequest> SignRequest(const HttpRequest& request, const AwsCredentials& credentials,
                                  const SigningOptions& options) {
  TRY(CheckCredentials(credentials));
  ASSIGN_OR_RETURN(UrlParts url, SplitUrl(request.url));
  SignedRequest out;
  out.request = request;
  HttpHeaders& headers = out.request.headers;
  RemoveHeader(headers, "Authorization");
  RemoveHeader(headers, "X-Amz-Date");
  RemoveHeader(headers, "X-Amz-Security-Token");
  headers.emplace_back("X-Amz-Date", FormatAmzDate(options.time));
  const bool has_token = !credentials.session_token.empty();
  if (has_token && options.session_token == SessionTokenSigning::kSigned) {
    headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  std::string payload_hash = options.payload == PayloadSigning::kUnsigned
                                 ? std::string(kUnsignedPayload)
                                 : Sha256Hex(request.body);
  if (options.content_sha256_header == ContentSha256Header::kAdd) {
    RemoveHeader(headers, "X-Amz-Content-SHA256");
    headers.emplace_back("X-Amz-Content-SHA256", payload_hash);
  }
  CanonicalHeaders canonical = BuildCanonicalHeaders(headers, url.authority);
  Signature signature = ComputeSignature(request.method, CanonicalUri(url, options),
                                         CanonicalQuery(ParseQuery(url.query)), canonical,
                                         payload_hash, credentials, options);
  if (has_token && options.session_token == SessionTokenSigning::kAddedAfterSigning) {
    headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  headers.emplace_back(
      "Authorization",
      fmt::format("{} Credential={}/{}/{}/{}/aws4_request, SignedHeaders={}, "
                  "Signature={}",
                  kAlgorithm, credentials.access_key_id, FormatAmzDate(options.time).substr(0, 8),
                  options.region, options.service, canonical.signed_names, signature.signature));
  out.canonical_request = std::move(signature.canonical_request);
  out.string_to_sign = std::move(signature.string_to_sign);
  out.signature = std::move(signature.signature);
  return out;
}

Result<SignedRequest> PresignRequest(const HttpRequest& request, const AwsCredentials& credentials,
                                     const SigningOptions& options) {
  TRY(CheckCredentials(credentials));
  ASSIGN_OR_RETURN(UrlParts url, SplitUrl(request.url));
  std::string amz_date = FormatAmzDate(options.time);
  CanonicalHeaders canonical = BuildCanonicalHeaders(request.headers, url.authority);
  std::string credential = fmt::format("{}/{}/{}/{}/aws4_request", credentials.access_key_id,
                                       amz_date.substr(0, 8), options.region, options.service);
  const bool has_token = !credentials.session_token.empty();
  const bool sign_token = has_token && options.session_token == SessionTokenSigning::kSigned;
  // In the order the SDKs append them; the canonical form sorts anyway.
  QueryPairs added = {
      {"X-Amz-Algorithm", std::string(kAlgorithm)},
      {"X-Amz-Credential", UriEncode(credential, false)},
      {"X-Amz-Date", amz_date},
      {"X-Amz-SignedHeaders", UriEncode(canonical.signed_names, false)},
      {"X-Amz-Expires", std::to_string(options.presign_expires.count())},
  };
  if (sign_token) {
    added.emplace_back("X-Amz-Security-Token", UriEncode(credentials.session_token, false));
  }
  QueryPairs all = ParseQuery(url.query);
  all.insert(all.end(), added.begin(), added.end());
  std::string payload_hash = options.payload == PayloadSigning::kUnsigned
                                 ? std::string(kUnsignedPayload)
                                 : Sha256Hex(request.body);
  Signature signature =
      ComputeSignature(request.method, CanonicalUri(url, options), CanonicalQuery(all), canonical,
                       payload_hash, credentials, options);
  if (has_token && !sign_token) {
    added.emplace_back("X-Amz-Security-Token", UriEncode(credentials.session_token, false));
  }
  added.emplace_back("X-Amz-Signature", signature.signature);
  SignedRequest out;
  out.request = request;
  std::string& target = out.request.url;
  if (size_t fragment = target.find('#'); fragment != std::string::npos) {
    target.resize(fragment);
  }
  char separator = url.query.empty() ? '?' : '&';
  if (target.ends_with('?')) separator = '\0';
  for (const auto& [key, value] : added) {
    if (separator != '\0') target += separator;
    separator = '&';
    target += key;
    target += '=';
    target += value;
  }
  out.canonical_request = std::move(signature.canonical_request);
  out.string_to_sign = std::move(signature.string_to_sign);
  out.signature = std::move(signature.signature);
  return out;
}

}  // namespace flightplan::aws
