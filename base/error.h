// Errors are values. Every fallible call returns Result<T>; an Error carries a
// code that callers branch on, a message a person can act on, and context
// frames added on the way up ("while resuming run 7", "in lock.yaml").
//
// Thread-safety: plain values, safe to copy between threads.
#ifndef FLIGHTPLAN_BASE_ERROR_H_
#define FLIGHTPLAN_BASE_ERROR_H_

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

namespace flightplan {

enum class ErrorCode {
  kInvalidInput,       // bad arguments, malformed YAML, failed validation of a definition
  kNotFound,           // a run, step, workflow, file or resource that does not exist
  kConflict,           // a state transition or change that contradicts the current state
  kLeaseHeld,          // another operator holds the target's lease
  kLeaseLost,          // this process's lease was taken over; it must not write again
  kOrdering,           // a workflow's requirements or dependents forbid the operation
  kTransient,          // worth retrying: throttling, time-outs, 5xx, resets
  kTimeout,            // a deadline passed
  kPermissionDenied,   // the caller may not do this
  kCorruption,         // a state file that is damaged, foreign or from a newer version
  kStateFile,          // the state file cannot be used (location, locking, I/O)
  kStepFailed,         // a step ran and reported failure
  kInDoubt,            // a step's effect is unknown; an operator must decide
  kNeedsConfirmation,  // an operator's agreement is required and was not given
  kCancelled,          // stopped by the operator (signal)
  kInternal,           // a bug in flightplan
};

std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Outermost first: the frames read as "while X: while Y: message".
  const std::vector<std::string>& context() const { return context_; }

  // Adds a frame that says what was being done when the error happened.
  Error&& WithContext(std::string frame) && {
    context_.insert(context_.begin(), std::move(frame));
    return std::move(*this);
  }
  Error& WithContext(std::string frame) & {
    context_.insert(context_.begin(), std::move(frame));
    return *this;
  }

  // "while X: message" — what a person should read.
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
  std::vector<std::string> context_;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error(code, std::move(message)));
}
inline tl::unexpected<Error> MakeError(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

}  // namespace flightplan

#define FP_CONCAT_INNER_(a, b) a##b
#define FP_CONCAT_(a, b) FP_CONCAT_INNER_(a, b)

// TRY(expr): evaluates a Result<void>; returns its error from the enclosing
// function. ASSIGN_OR_RETURN(lhs, expr): unwraps a Result<T> into lhs.
// `tmp` is a name being declared and `lhs` may be a declaration, so neither
// can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define TRY_IMPL_(tmp, expr)                                   \
  do {                                                         \
    auto&& tmp = (expr);                                       \
    if (!tmp) return ::tl::unexpected(std::move(tmp.error())); \
  } while (0)

#define TRY(expr) TRY_IMPL_(FP_CONCAT_(fp_try_, __COUNTER__), expr)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)               \
  auto tmp = (expr);                                         \
  if (!tmp) return ::tl::unexpected(std::move(tmp.error())); \
  lhs = std::move(*tmp)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(FP_CONCAT_(fp_result_, __COUNTER__), lhs, expr)
// NOLINTEND(bugprone-macro-parentheses)

#endif  // FLIGHTPLAN_BASE_ERROR_H_
