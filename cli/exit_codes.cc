#include "cli/exit_codes.h"

namespace flightplan::cli {

int ExitCodeFor(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kNotFound:
      return kExitUsage;
    case ErrorCode::kLeaseHeld:
    case ErrorCode::kLeaseLost:
      return kExitLeaseHeld;
    case ErrorCode::kOrdering:
      return kExitOrdering;
    case ErrorCode::kCorruption:
    case ErrorCode::kStateFile:
      return kExitStateFile;
    case ErrorCode::kInDoubt:
      return kExitInDoubt;
    case ErrorCode::kNeedsConfirmation:
      return kExitNeedsConfirmation;
    case ErrorCode::kCancelled:
      return kExitInterrupted;
    case ErrorCode::kConflict:
    case ErrorCode::kTransient:
    case ErrorCode::kTimeout:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kStepFailed:
    case ErrorCode::kInternal:
      return kExitStepFailed;
  }
  return kExitStepFailed;
}

}  // namespace flightplan::cli
