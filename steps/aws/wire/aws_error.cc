#include "steps/aws/wire/aws_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace flightplan::aws {
namespace {

// botocore's standard retry mode lists (tests/data/aws-retry).
constexpr std::string_view kThrottlingCodes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};
constexpr std::string_view kTransientCodes[] = {
    "RequestTimeout",          "RequestTimeoutException",
    "PriorRequestNotComplete", "InternalError",
    "InternalFailure",         "InternalFailureException",
    "ServiceUnavailable",      "ServiceUnavailableException",
    "InternalServerError",     "InternalServerErrorException",
};
constexpr std::string_view kClockSkewCodes[] = {
    "RequestTimeTooSkewed",  "RequestExpired", "InvalidSignatureException",
    "SignatureDoesNotMatch", "AuthFailure",    "RequestInTheFuture",
};
constexpr std::string_view kAuthCodes[] = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "IncompleteSignature",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "RequestTimeTooSkewed",
    "AuthFailure",
    "MissingAuthenticationToken",
    "NotAuthorizedException",
    "Forbidden",
    "InvalidToken",
    "TokenRefreshRequired",
};
constexpr std::string_view kNotFoundCodes[] = {
    "NotFound",
    "NotFoundException",
    "NoSuchKey",
    "NoSuchBucket",
    "NoSuchEntity",
    "ResourceNotFoundException",
    "StackNotFoundException",
    "ChangeSetNotFound",
    "ChangeSetNotFoundException",
    "TableNotFoundException",
    "BackupNotFoundException",
    "ExportNotFoundException",
    "StackRefactorNotFoundException",
    "UserPoolNotFoundException",
    "NoSuchVersion",
};
constexpr std::string_view kConflictCodes[] = {
    "AlreadyExistsException",
    "ResourceInUseException",
    "ConditionalCheckFailedException",
    "TransactionConflictException",
    "OperationInProgressException",
    "ConflictException",
    "TableInUseException",
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "TokenAlreadyExistsException",
    "InsufficientCapabilitiesException",
    "InvalidChangeSetStatus",
    "PreconditionFailed",
    "ContinuousBackupsUnavailableException",
};

bool Contains(const auto& list, std::string_view code) {
  return std::find(std::begin(list), std::end(list), code) != std::end(list);
}

}  // namespace

std::string_view AwsErrorKindName(AwsErrorKind kind) {
  switch (kind) {
    case AwsErrorKind::kThrottling:
      return "throttling";
    case AwsErrorKind::kTransient:
      return "transient";
    case AwsErrorKind::kAuth:
      return "auth";
    case AwsErrorKind::kNotFound:
      return "not-found";
    case AwsErrorKind::kConflict:
      return "conflict";
    case AwsErrorKind::kClient:
      return "client";
  }
  return "client";
}

bool IsThrottlingCode(std::string_view code) { return Contains(kThrottlingCodes, code); }
bool IsTransientCode(std::string_view code) { return Contains(kTransientCodes, code); }
bool IsClockSkewCode(std::string_view code) { return Contains(kClockSkewCodes, code); }

AwsErrorKind ClassifyAwsError(std::string_view code, int http_status, std::string_view message) {
  if (IsThrottlingCode(code) || http_status == 429) {
    return AwsErrorKind::kThrottling;
  }
  if (IsTransientCode(code) || http_status == 0 || http_status == 500 || http_status == 502 ||
      http_status == 503 || http_status == 504 || http_status == 509) {
    return AwsErrorKind::kTransient;
  }
  if (Contains(kAuthCodes, code) || http_status == 401 || http_status == 403) {
    return AwsErrorKind::kAuth;
  }
  // CloudFormation reports a missing stack or change set as a
  // ValidationError whose message says "does not exist".
  if (Contains(kNotFoundCodes, code) || code.ends_with("NotFoundException") ||
      code.ends_with("NotFound") || http_status == 404 ||
      (code == "ValidationError" && message.find("does not exist") != std::string_view::npos)) {
    return AwsErrorKind::kNotFound;
  }
  if (Contains(kConflictCodes, code) || http_status == 409 || http_status == 412) {
    return AwsErrorKind::kConflict;
  }
  return AwsErrorKind::kClient;
}

std::string AwsError::ToString() const {
  std::string status = http_status == 0 ? "no response" : fmt::format("HTTP {}", http_status);
  std::string id = request_id.empty() ? "" : fmt::format(", request id {}", request_id);
  std::string text = message.empty() ? code : code + ": " + message;
  std::string tries = attempts > 1 ? fmt::format(", after {} attempts", attempts) : "";
  return fmt::format("{} {}: {} ({}{}{})", service, operation, text, status, id, tries);
}

Error AwsError::ToError() const {
  if (local_error) return *local_error;
  ErrorCode error_code = ErrorCode::kStepFailed;
  std::string hint;
  switch (kind) {
    case AwsErrorKind::kThrottling:
    case AwsErrorKind::kTransient:
      error_code = ErrorCode::kTransient;
      break;
    case AwsErrorKind::kAuth:
      error_code = ErrorCode::kPermissionDenied;
      hint =
          "; check the credentials and permissions with `flightplan doctor` "
          "(docs/permissions.md lists what each workflow needs)";
      break;
    case AwsErrorKind::kNotFound:
      error_code = ErrorCode::kNotFound;
      break;
    case AwsErrorKind::kConflict:
      error_code = ErrorCode::kConflict;
      break;
    case AwsErrorKind::kClient:
      // AWS refused the request (a bad template, a limit): the step failed.
      error_code = ErrorCode::kStepFailed;
      break;
  }
  return Error(error_code, ToString() + hint);
}

}  // namespace flightplan::aws
