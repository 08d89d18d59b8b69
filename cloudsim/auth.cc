#include "cloudsim/auth.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "steps/aws/wire/sigv4.h"

namespace flightplan::cloudsim {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr int64_t kMaxSkewMs = int64_t{15} * 60 * 1000;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "20150830T123600Z" -> Timestamp.
std::optional<Timestamp> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  struct tm tm {};
  std::string s(text);
  if (!strptime(s.c_str(), "%Y%m%dT%H%M%SZ", &tm)) return std::nullopt;
  return Timestamp{static_cast<int64_t>(timegm(&tm)) * 1000};
}

AuthResult Fail(AuthResult result, AuthFailure failure, std::string message) {
  result.ok = false;
  result.failure = failure;
  result.message = std::move(message);
  return result;
}

}  // namespace

AuthResult Authenticate(const World& world, const Request& request) {
  AuthResult result;
  std::string_view header = request.Header("Authorization");
  if (header.empty()) {
    return Fail(result, AuthFailure::kMissing, "Request is missing Authentication Token");
  }
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm) {
    return Fail(result, AuthFailure::kMalformed,
                "Authorization header requires 'AWS4-HMAC-SHA256'");
  }
  std::string credential, signed_headers, signature;
  std::string_view rest = header.substr(kAlgorithm.size());
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view part = Trim(rest.substr(0, comma));
    size_t eq = part.find('=');
    if (eq != std::string_view::npos) {
      std::string_view key = part.substr(0, eq);
      std::string value(part.substr(eq + 1));
      if (key == "Credential") credential = value;
      if (key == "SignedHeaders") signed_headers = value;
      if (key == "Signature") signature = value;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  // Credential=AKID/20150830/us-east-1/service/aws4_request
  std::vector<std::string> scope;
  for (size_t start = 0;;) {
    size_t slash = credential.find('/', start);
    scope.push_back(credential.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (scope.size() != 5 || scope[4] != "aws4_request" || signed_headers.empty() ||
      signature.empty()) {
    return Fail(result, AuthFailure::kMalformed,
                "Authorization header is not a SigV4 header: expected "
                "Credential=<key>/<date>/<region>/<service>/aws4_request, "
                "SignedHeaders=..., Signature=...");
  }
  result.region = scope[2];
  result.service = scope[3];

  const Identity* identity = world.FindIdentity(scope[0]);
  if (!identity) {
    return Fail(result, AuthFailure::kUnknownKey,
                "The security token included in the request is invalid.");
  }
  std::string_view token = request.Header("X-Amz-Security-Token");
  if (token != identity->session_token) {
    return Fail(result, AuthFailure::kBadToken,
                "The security token included in the request is invalid.");
  }
  if (identity->expires && world.Now() >= *identity->expires) {
    return Fail(result, AuthFailure::kExpiredToken,
                "The security token included in the request is expired");
  }
  std::optional<Timestamp> time = ParseAmzDate(request.Header("X-Amz-Date"));
  if (!time) {
    return Fail(result, AuthFailure::kMalformed,
                "X-Amz-Date header is missing or not in the form "
                "YYYYMMDDTHHMMSSZ");
  }
  if (aws::FormatAmzDate(*time).substr(0, 8) != scope[1]) {
    return Fail(result, AuthFailure::kMalformed,
                fmt::format("Credential should be scoped to a valid date: the "
                            "scope says {} but X-Amz-Date says {}",
                            scope[1], aws::FormatAmzDate(*time).substr(0, 8)));
  }
  int64_t skew = time->unix_ms - world.Now().unix_ms;
  if (skew > kMaxSkewMs || skew < -kMaxSkewMs) {
    return Fail(result, AuthFailure::kSkewed,
                fmt::format("Signature not yet current or expired: request "
                            "time {} is more than 15 minutes from server time {}",
                            aws::FormatAmzDate(*time), aws::FormatAmzDate(world.Now())));
  }

  // Rebuild the request as the client signed it: only the signed headers.
  HttpRequest signed_request;
  signed_request.method = request.method;
  std::string host(request.Header("Host"));
  signed_request.url = "http://" + host + request.target;
  signed_request.body = request.body;
  std::vector<std::string> names;
  for (size_t start = 0;;) {
    size_t semi = signed_headers.find(';', start);
    names.push_back(signed_headers.substr(start, semi - start));
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  for (const auto& [name, value] : request.headers) {
    std::string lower = Lower(name);
    if (lower == "authorization" || lower == "x-amz-date" || lower == "x-amz-security-token") {
      continue;
    }
    if (std::find(names.begin(), names.end(), lower) != names.end()) {
      signed_request.headers.emplace_back(name, value);
    }
  }
  aws::SigningOptions options =
      aws::SigningOptions::ForService(result.service, result.region, *time);
  std::string_view content_sha = request.Header("X-Amz-Content-SHA256");
  bool sha_signed = std::find(names.begin(), names.end(), "x-amz-content-sha256") != names.end();
  options.content_sha256_header =
      sha_signed ? aws::ContentSha256Header::kAdd : aws::ContentSha256Header::kOmit;
  if (content_sha == aws::kUnsignedPayload) {
    options.payload = aws::PayloadSigning::kUnsigned;
  }
  bool token_signed = std::find(names.begin(), names.end(), "x-amz-security-token") != names.end();
  if (!identity->session_token.empty() && !token_signed) {
    options.session_token = aws::SessionTokenSigning::kAddedAfterSigning;
  }
  AwsCredentials credentials;
  credentials.access_key_id = identity->access_key;
  credentials.secret_access_key = identity->secret_key;
  credentials.session_token = identity->session_token;
  auto expected = aws::SignRequest(signed_request, credentials, options);
  if (!expected) {
    return Fail(result, AuthFailure::kMalformed, expected.error().message());
  }
  if (expected->signature.size() != signature.size() ||
      CRYPTO_memcmp(expected->signature.data(), signature.data(), signature.size()) != 0) {
    return Fail(result, AuthFailure::kBadSignature,
                "The request signature we calculated does not match the signature "
                "you provided. Check your AWS Secret Access Key and signing method.");
  }
  result.ok = true;
  result.identity = identity;
  return result;
}

SimError AuthError(aws::Protocol protocol, AuthFailure failure, const std::string& message) {
  using aws::Protocol;
  switch (protocol) {
    case Protocol::kQuery:
      switch (failure) {
        case AuthFailure::kMissing:
          return {403, "MissingAuthenticationToken", message};
        case AuthFailure::kMalformed:
          return {400, "IncompleteSignature", message};
        case AuthFailure::kUnknownKey:
        case AuthFailure::kBadToken:
          return {403, "InvalidClientTokenId", message};
        case AuthFailure::kExpiredToken:
          return {400, "ExpiredToken", message};
        case AuthFailure::kSkewed:
          return {400, "RequestExpired", message};
        case AuthFailure::kBadSignature:
          return {403, "SignatureDoesNotMatch", message};
      }
      break;
    case Protocol::kJson:
    case Protocol::kRestJson:
      switch (failure) {
        case AuthFailure::kMissing:
          return {403, "MissingAuthenticationTokenException", message};
        case AuthFailure::kMalformed:
          return {400, "IncompleteSignatureException", message};
        case AuthFailure::kUnknownKey:
        case AuthFailure::kBadToken:
          return {400, "UnrecognizedClientException", message};
        case AuthFailure::kExpiredToken:
          return {400, "ExpiredTokenException", message};
        case AuthFailure::kSkewed:
        case AuthFailure::kBadSignature:
          return {400, "InvalidSignatureException", message};
      }
      break;
    case Protocol::kRestXml:
      switch (failure) {
        case AuthFailure::kMissing:
          return {403, "AccessDenied", message};
        case AuthFailure::kMalformed:
          return {400, "AuthorizationHeaderMalformed", message};
        case AuthFailure::kUnknownKey:
          return {403, "InvalidAccessKeyId",
                  "The AWS Access Key Id you provided does not exist in our "
                  "records."};
        case AuthFailure::kBadToken:
          return {400, "InvalidToken", message};
        case AuthFailure::kExpiredToken:
          return {400, "ExpiredToken", message};
        case AuthFailure::kSkewed:
          return {403, "RequestTimeTooSkewed", message};
        case AuthFailure::kBadSignature:
          return {403, "SignatureDoesNotMatch", message};
      }
      break;
  }
  return {403, "AccessDenied", message};
}

}  // namespace flightplan::cloudsim
