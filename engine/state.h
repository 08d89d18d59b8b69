// The run and step state machines (docs/architecture.md, "How a run flows").
// Every change of state goes through IsAllowed; the store refuses a
// transition whose `from` does not match what is recorded (compare-and-set),
// so two writers cannot both win.
//
//   run:  pending -> running -> succeeded | failed
//         failed -> running                      (resume retries)
//         running -> failed                      (interrupted run given up for rollback)
//         succeeded | failed | rollback_failed -> rolling_back -> rolled_back | rollback_failed
//   step: pending | failed -> running -> succeeded | failed
//         pending | failed -> skipped            (`when` false, or validation skipped)
//         succeeded | rollback_failed -> rolling_back -> rolled_back | rollback_failed
#ifndef FLIGHTPLAN_ENGINE_STATE_H_
#define FLIGHTPLAN_ENGINE_STATE_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace flightplan {

// A run's number in the journal (1, 2, ...); 0 means "no run".
using RunId = int64_t;

// Which way a run is going: doing its steps, or undoing them.
enum class Direction { kForward, kRollback };

enum class RunState {
  kPending,
  kRunning,
  kSucceeded,
  kFailed,
  kRollingBack,
  kRolledBack,
  kRollbackFailed
};
enum class StepState {
  kPending,
  kRunning,
  kSucceeded,
  kFailed,
  kSkipped,
  kRollingBack,
  kRolledBack,
  kRollbackFailed
};

std::string_view RunStateName(RunState state);
std::string_view StepStateName(StepState state);
std::optional<RunState> ParseRunState(std::string_view name);
std::optional<StepState> ParseStepState(std::string_view name);

bool IsAllowed(RunState from, RunState to);
bool IsAllowed(StepState from, StepState to);

// A run that is finished in one direction or the other.
bool IsTerminal(RunState state);
// A run whose effects are in place (not rolled back): what `requires` and
// the rollback ordering rule look at.
bool IsApplied(RunState state);

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_STATE_H_
