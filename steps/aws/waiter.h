// Polling until an AWS resource reaches a terminal state. Pure apart from
// the Clock it sleeps on, so schedules are deterministic in tests.
//
// A waiter classifies every observation as pending, succeeded or failed. It
// never waits on a state that cannot change by itself: the refactor
// waiters, unlike botocore's, stop on ROLLBACK_FAILED, OBSOLETE and
// UNAVAILABLE.
//
// Thread-safety: stateless; the callbacks decide.
#ifndef FLIGHTPLAN_STEPS_AWS_WAITER_H_
#define FLIGHTPLAN_STEPS_AWS_WAITER_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "engine/step.h"

namespace flightplan::aws {

struct WaitOptions {
  Duration initial_delay = std::chrono::seconds(5);
  Duration max_delay = std::chrono::seconds(30);
  Duration timeout = std::chrono::hours(1);
  // Called with "<what>: <status>" whenever the status changes.
  std::function<void(std::string_view)> progress;
  // Stack waiters: called with each stack event (oldest first) that appears
  // while waiting, for the console to stream. Costs one DescribeStackEvents
  // per poll; unset, none is made.
  std::function<void(const Value& event)> stack_event;
};

// Wait options for a step: progress lines to the step's sink, polls every
// 1–10 s, up to an hour (the step's deadline when sooner).
WaitOptions StepWaitOptions(const StepContext& ctx);

// For a table's export to S3, which DynamoDB may take hours over for a large
// table: polls every 1–60 s, up to a day (the step's deadline when sooner).
WaitOptions ExportWaitOptions(const StepContext& ctx);

enum class PollState { kPending, kSucceeded, kFailed };

struct Observation {
  PollState state = PollState::kPending;
  std::string status;  // "UPDATE_IN_PROGRESS", for messages and progress
  std::string reason;  // StatusReason, for failures
};

// Polls `poll` until `classify` says succeeded (returns the last value) or
// failed (kStepFailed naming `what`, the status and reason), or the timeout
// passes (kTimeout naming the last status). Errors from `poll` are returned
// as they are.
[[nodiscard]] Result<Value> WaitFor(Clock& clock, const WaitOptions& options, std::string_view what,
                                    const std::function<Result<Value>()>& poll,
                                    const std::function<Observation(const Value&)>& classify);

// Terminal-state tables, exposed for tests and for `check` after a crash.
Observation ClassifyStackStatus(const Value& stack);  // for create/update/import
Observation ClassifyStackDeletion(const Value& stack);
Observation ClassifyChangeSetCreation(const Value& change_set);
Observation ClassifyChangeSetExecution(const Value& change_set);
Observation ClassifyStackRefactorCreation(const Value& refactor);
Observation ClassifyStackRefactorExecution(const Value& refactor);
Observation ClassifyDriftDetection(const Value& status);
// DynamoDB DescribeBackup: AVAILABLE succeeded, CREATING pending, else failed.
Observation ClassifyBackupCreation(const Value& described);
// DynamoDB DescribeExport: COMPLETED succeeded, IN_PROGRESS pending, else
// failed (with its FailureCode and FailureMessage).
Observation ClassifyExport(const Value& described);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_WAITER_H_
