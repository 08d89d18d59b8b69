#include "base/error.h"

namespace flightplan {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "invalid-input";
    case ErrorCode::kNotFound:
      return "not-found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kLeaseHeld:
      return "lease-held";
    case ErrorCode::kLeaseLost:
      return "lease-lost";
    case ErrorCode::kOrdering:
      return "ordering";
    case ErrorCode::kTransient:
      return "transient";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kPermissionDenied:
      return "permission-denied";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kStateFile:
      return "state-file";
    case ErrorCode::kStepFailed:
      return "step-failed";
    case ErrorCode::kInDoubt:
      return "in-doubt";
    case ErrorCode::kNeedsConfirmation:
      return "needs-confirmation";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string out;
  for (const std::string& frame : context_) {
    out += frame;
    out += ": ";
  }
  out += message_;
  return out;
}

}  // namespace flightplan
