// Redaction at the boundary: every text that leaves the AWS client for a log
// line or an error message goes through here first. Secrets are the secret
// access key, the session token, SSO bearer tokens, Authorization headers and
// presigned signatures.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_STEPS_AWS_REDACT_H_
#define FLIGHTPLAN_STEPS_AWS_REDACT_H_

#include <string>
#include <string_view>

#include "base/credentials.h"
#include "base/http_transport.h"

namespace flightplan::aws {

inline constexpr std::string_view kRedacted = "[redacted]";

// Replaces signatures, security tokens and credentials that appear in
// well-known shapes ("Signature=<hex>", "X-Amz-Security-Token=...",
// "Authorization: ...", "aws_secret_access_key = ...") and every occurrence
// of the given credentials' secret key and session token.
std::string Redact(std::string_view text, const AwsCredentials& credentials);
std::string Redact(std::string_view text);

// "POST https://host/path?query" plus headers, one per line, redacted; for
// debug logs.
std::string DescribeRequestForLog(const HttpRequest& request, const AwsCredentials& credentials);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_REDACT_H_
