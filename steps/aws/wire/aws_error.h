// AwsError: what a failed AWS call tells its caller — which service and
// operation, the service's error code and message, the request id to quote to
// AWS support, the HTTP status, and a classification the retry policy and the
// engine act on. ToError() turns it into flightplan's Error: throttling and
// transient -> kTransient, auth -> kPermissionDenied, not found -> kNotFound,
// conflict -> kConflict, client -> kStepFailed.
//
// The message is redacted before it is stored: AWS echoes the canonical
// request in SignatureDoesNotMatch, and that contains the session token.
//
// Thread-safety: a plain value.
#ifndef FLIGHTPLAN_STEPS_AWS_WIRE_AWS_ERROR_H_
#define FLIGHTPLAN_STEPS_AWS_WIRE_AWS_ERROR_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace flightplan::aws {

enum class AwsErrorKind {
  kThrottling,  // slow down and retry
  kTransient,   // 5xx, time-outs, resets: retry
  kAuth,        // credentials missing, expired, wrong, or access denied
  kNotFound,    // the stack, app, bucket, object... does not exist
  kConflict,    // already exists, in use, in progress
  kClient,      // the request itself is wrong; retrying will not help
};

std::string_view AwsErrorKindName(AwsErrorKind kind);

struct AwsError {
  std::string service;
  std::string operation;
  std::string code;  // "Throttling", "ValidationError", "NoSuchKey", ...
  std::string message;
  std::string request_id;
  int http_status = 0;  // 0: no response (transport failure)
  AwsErrorKind kind = AwsErrorKind::kClient;
  int attempts = 0;  // how many times the request was sent
  // How many of those sends got no answer or a server error (5xx): AWS may
  // have applied them. A refusal after one of them may be of the request's
  // own effect (a condition that the first send's write made false).
  int unanswered = 0;
  // Set when the call failed before AWS could answer (credentials, endpoint,
  // parameters); ToError() returns it as is.
  std::optional<Error> local_error;

  bool retryable() const {
    return kind == AwsErrorKind::kThrottling || kind == AwsErrorKind::kTransient;
  }
  // "cloudformation DescribeStacks: ValidationError: Stack with id x does not
  // exist (HTTP 400, request id 1234)"
  std::string ToString() const;
  Error ToError() const;
};

// Classifies a service error by its code, HTTP status and (for
// CloudFormation's "does not exist" ValidationError) its message.
AwsErrorKind ClassifyAwsError(std::string_view code, int http_status, std::string_view message);

bool IsThrottlingCode(std::string_view code);
bool IsTransientCode(std::string_view code);
// RequestTimeTooSkewed and friends: the local clock is off.
bool IsClockSkewCode(std::string_view code);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_WIRE_AWS_ERROR_H_
