// AWS Signature Version 4 as a pure function of (request, credentials,
// options): no clock, no I/O. The caller passes the signing time, so the
// official test suite and golden requests apply byte for byte.
//
// Input contract: HttpRequest::url is absolute and already URI-encoded the
// way it goes on the wire (path segments and query values percent-encoded).
// For every service but S3 the signer encodes the path once more ("double
// encoding") and normalises it; S3 uses the path exactly as sent.
//
// Errors: kInvalidInput for a URL that cannot be parsed or a missing key.
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_STEPS_AWS_WIRE_SIGV4_H_
#define FLIGHTPLAN_STEPS_AWS_WIRE_SIGV4_H_

#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/credentials.h"
#include "base/error.h"
#include "base/http_transport.h"

namespace flightplan::aws {

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

enum class UriEncoding { kDouble, kSingle };         // kSingle: S3
enum class PathNormalization { kNormalize, kAsIs };  // kAsIs: S3
enum class PayloadSigning { kSigned, kUnsigned };    // kUnsigned: UNSIGNED-PAYLOAD
enum class ContentSha256Header { kOmit, kAdd };      // kAdd: S3 requires it
// kSigned: the token is part of the signature (every service today).
// kAddedAfterSigning: the token is sent but not signed (older STS/IoT style).
enum class SessionTokenSigning { kSigned, kAddedAfterSigning };

struct SigningOptions {
  std::string region;
  std::string service;  // the signing name: "cloudformation", "s3", ...
  Timestamp time;
  UriEncoding uri_encoding = UriEncoding::kDouble;
  PathNormalization path_normalization = PathNormalization::kNormalize;
  PayloadSigning payload = PayloadSigning::kSigned;
  ContentSha256Header content_sha256_header = ContentSha256Header::kOmit;
  SessionTokenSigning session_token = SessionTokenSigning::kSigned;
  std::chrono::seconds presign_expires{3600};  // query signing only

  // The settings S3 needs: single encoding, no normalisation, the
  // x-amz-content-sha256 header.
  static SigningOptions ForService(std::string_view service, std::string_view region,
                                   Timestamp time);
};

// Everything the signer computed, for tests and for debugging a
// SignatureDoesNotMatch (the canonical request holds no secret; the session
// token appears in it and must be redacted before logging).
struct SignedRequest {
  HttpRequest request;  // with X-Amz-Date, Authorization, ... or a presigned URL
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lower-case hex
};

// Signs with an Authorization header.
[[nodiscard]] Result<SignedRequest> SignRequest(const HttpRequest& request,
                                                const AwsCredentials& credentials,
                                                const SigningOptions& options);

// Signs into the query string (a presigned URL valid presign_expires).
[[nodiscard]] Result<SignedRequest> PresignRequest(const HttpRequest& request,
                                                   const AwsCredentials& credentials,
                                                   const SigningOptions& options);

// Helpers shared with the protocol serializers.
// RFC 3986 percent-encoding of everything but A-Z a-z 0-9 - . _ ~ (and '/'
// when keep_slash), upper-case hex, as SigV4 requires.
std::string UriEncode(std::string_view text, bool keep_slash);
std::string UriDecode(std::string_view text);
// 20150830T123600Z
std::string FormatAmzDate(Timestamp t);
// Parses an RFC 1123 HTTP Date header ("Sun, 30 Aug 2015 12:36:00 GMT").
[[nodiscard]] Result<Timestamp> ParseHttpDate(std::string_view date);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_WIRE_SIGV4_H_
