#include "steps/aws/waiter.h"

#include <fmt/format.h>

#include <algorithm>

namespace flightplan::aws {
namespace {

std::string Field(const Value& value, std::string_view key) {
  const Value* field = value.Find(key);
  return field != nullptr && field->is_string() ? field->as_string() : "";
}

Observation Make(PollState state, std::string status, const Value& value,
                 std::string_view reason_key = "StatusReason") {
  return Observation{state, std::move(status), Field(value, reason_key)};
}

bool EndsWith(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

}  // namespace

Result<Value> WaitFor(Clock& clock, const WaitOptions& options, std::string_view what,
                      const std::function<Result<Value>()>& poll,
                      const std::function<Observation(const Value&)>& classify) {
  const Timestamp deadline = clock.Now() + options.timeout;
  Duration delay = options.initial_delay;
  std::string last_status;
  // Bounded: each round sleeps at least 1 ms and the deadline is fixed.
  while (true) {
    ASSIGN_OR_RETURN(Value value, poll());
    Observation seen = classify(value);
    if (seen.status != last_status && options.progress) {
      options.progress(fmt::format("{}: {}", what, seen.status));
    }
    last_status = seen.status;
    if (seen.state == PollState::kSucceeded) return value;
    if (seen.state == PollState::kFailed) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("{} ended in {}{}", what, seen.status,
                                   seen.reason.empty() ? "" : ": " + seen.reason));
    }
    if (clock.Now() + delay > deadline) {
      return MakeError(ErrorCode::kTimeout,
                       fmt::format("gave up waiting for {} after {} s; it is "
                                   "still {}",
                                   what, options.timeout.count() / 1000, seen.status));
    }
    clock.Sleep(std::max(delay, Duration(1)));
    delay = std::min(options.max_delay, delay + delay / 2);
  }
}

Observation ClassifyStackStatus(const Value& stack) {
  std::string status = Field(stack, "StackStatus");
  if (status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE" || status == "IMPORT_COMPLETE") {
    return Make(PollState::kSucceeded, status, stack, "StackStatusReason");
  }
  // REVIEW_IN_PROGRESS only changes when someone executes a change set.
  if (EndsWith(status, "_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS") {
    return Make(PollState::kPending, status, stack, "StackStatusReason");
  }
  return Make(PollState::kFailed, status.empty() ? "UNKNOWN" : status, stack, "StackStatusReason");
}

Observation ClassifyStackDeletion(const Value& stack) {
  std::string status = Field(stack, "StackStatus");
  if (status == "DELETE_COMPLETE" || stack.Find("StackStatus") == nullptr) {
    return Make(PollState::kSucceeded, "DELETE_COMPLETE", stack);
  }
  if (status == "DELETE_IN_PROGRESS") {
    return Make(PollState::kPending, status, stack, "StackStatusReason");
  }
  return Make(PollState::kFailed, status, stack, "StackStatusReason");
}

Observation ClassifyChangeSetCreation(const Value& change_set) {
  std::string status = Field(change_set, "Status");
  if (status == "CREATE_COMPLETE") {
    return Make(PollState::kSucceeded, status, change_set);
  }
  if (status == "CREATE_PENDING" || status == "CREATE_IN_PROGRESS") {
    return Make(PollState::kPending, status, change_set);
  }
  return Make(PollState::kFailed, status.empty() ? "UNKNOWN" : status, change_set);
}

Observation ClassifyChangeSetExecution(const Value& change_set) {
  std::string status = Field(change_set, "ExecutionStatus");
  if (status == "EXECUTE_COMPLETE") {
    return Make(PollState::kSucceeded, status, change_set);
  }
  if (status == "EXECUTE_IN_PROGRESS" || status == "AVAILABLE") {
    return Make(PollState::kPending, status, change_set);
  }
  return Make(PollState::kFailed, status.empty() ? "UNKNOWN" : status, change_set);
}

Observation ClassifyStackRefactorCreation(const Value& refactor) {
  std::string status = Field(refactor, "Status");
  if (status == "CREATE_COMPLETE") {
    return Make(PollState::kSucceeded, status, refactor);
  }
  if (status == "CREATE_IN_PROGRESS") {
    return Make(PollState::kPending, status, refactor);
  }
  return Make(PollState::kFailed, status.empty() ? "UNKNOWN" : status, refactor);
}

Observation ClassifyStackRefactorExecution(const Value& refactor) {
  std::string status = Field(refactor, "ExecutionStatus");
  if (status == "EXECUTE_COMPLETE") {
    return Make(PollState::kSucceeded, status, refactor, "ExecutionStatusReason");
  }
  // AVAILABLE is seen briefly right after ExecuteStackRefactor.
  if (status == "EXECUTE_IN_PROGRESS" || status == "ROLLBACK_IN_PROGRESS" ||
      status == "AVAILABLE") {
    return Make(PollState::kPending, status, refactor, "ExecutionStatusReason");
  }
  // EXECUTE_FAILED, ROLLBACK_COMPLETE, ROLLBACK_FAILED, OBSOLETE, UNAVAILABLE
  // and anything new: terminal.
  return Make(PollState::kFailed, status.empty() ? "UNKNOWN" : status, refactor,
              "ExecutionStatusReason");
}

Observation ClassifyDriftDetection(const Value& status) {
  std::string detection = Field(status, "DetectionStatus");
  if (detection == "DETECTION_COMPLETE") {
    return Make(PollState::kSucceeded, detection, status, "DetectionStatusReason");
  }
  if (detection == "DETECTION_IN_PROGRESS") {
    return Make(PollState::kPending, detection, status, "DetectionStatusReason");
  }
  return Make(PollState::kFailed, detection.empty() ? "UNKNOWN" : detection, status,
              "DetectionStatusReason");
}

Observation ClassifyBackupCreation(const Value& described) {
  const Value* d = described.Find("BackupDescription");
  const Value* details = d != nullptr ? d->Find("BackupDetails") : nullptr;
  const Value* status_value = details != nullptr ? details->Find("BackupStatus") : nullptr;
  std::string status =
      status_value != nullptr && status_value->is_string() ? status_value->as_string() : "";
  if (status == "AVAILABLE") return {PollState::kSucceeded, status, ""};
  if (status == "CREATING") return {PollState::kPending, status, ""};
  return {PollState::kFailed, status.empty() ? std::string("unknown") : status,
          "the backup is no longer there"};
}

Observation ClassifyExport(const Value& described) {
  const Value* d = described.Find("ExportDescription");
  std::string status = d != nullptr ? Field(*d, "ExportStatus") : "";
  if (status == "COMPLETED") return {PollState::kSucceeded, status, ""};
  if (status == "IN_PROGRESS") return {PollState::kPending, status, ""};
  std::string reason =
      d != nullptr ? fmt::format("{}: {}", Field(*d, "FailureCode"), Field(*d, "FailureMessage"))
                   : std::string("no description");
  return {PollState::kFailed, status.empty() ? std::string("unknown") : status, reason};
}

namespace {

WaitOptions WaitOptionsFor(const StepContext& ctx, Duration max_delay, Duration timeout) {
  WaitOptions options;
  options.initial_delay = std::chrono::seconds(1);
  options.max_delay = max_delay;
  options.timeout = timeout;
  if (ctx.deadline) {
    auto left = std::chrono::duration_cast<Duration>(*ctx.deadline - ctx.clock->Monotonic());
    if (left < options.timeout) options.timeout = std::max(left, Duration(0));
  }
  ProgressSink* sink = ctx.progress;
  if (sink != nullptr) {
    options.progress = [sink](std::string_view line) { sink->Progress(std::string(line)); };
  }
  return options;
}

}  // namespace

WaitOptions StepWaitOptions(const StepContext& ctx) {
  return WaitOptionsFor(ctx, std::chrono::seconds(10), std::chrono::hours(1));
}

WaitOptions ExportWaitOptions(const StepContext& ctx) {
  return WaitOptionsFor(ctx, std::chrono::seconds(60), std::chrono::hours(24));
}

}  // namespace flightplan::aws
