#include "engine/state.h"

#include <array>
#include <utility>

namespace flightplan {
namespace {

constexpr std::array<std::pair<RunState, std::string_view>, 7> kRunNames = {{
    {RunState::kPending, "pending"},
    {RunState::kRunning, "running"},
    {RunState::kSucceeded, "succeeded"},
    {RunState::kFailed, "failed"},
    {RunState::kRollingBack, "rolling_back"},
    {RunState::kRolledBack, "rolled_back"},
    {RunState::kRollbackFailed, "rollback_failed"},
}};

constexpr std::array<std::pair<StepState, std::string_view>, 8> kStepNames = {{
    {StepState::kPending, "pending"},
    {StepState::kRunning, "running"},
    {StepState::kSucceeded, "succeeded"},
    {StepState::kFailed, "failed"},
    {StepState::kSkipped, "skipped"},
    {StepState::kRollingBack, "rolling_back"},
    {StepState::kRolledBack, "rolled_back"},
    {StepState::kRollbackFailed, "rollback_failed"},
}};

}  // namespace

std::string_view RunStateName(RunState state) {
  for (const auto& [s, name] : kRunNames) {
    if (s == state) return name;
  }
  return "unknown";
}

std::string_view StepStateName(StepState state) {
  for (const auto& [s, name] : kStepNames) {
    if (s == state) return name;
  }
  return "unknown";
}

std::optional<RunState> ParseRunState(std::string_view name) {
  for (const auto& [s, n] : kRunNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

std::optional<StepState> ParseStepState(std::string_view name) {
  for (const auto& [s, n] : kStepNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

bool IsAllowed(RunState from, RunState to) {
  using S = RunState;
  switch (from) {
    case S::kPending:
      return to == S::kRunning;
    case S::kRunning:
      // running -> running: a checkpoint (StepContext::checkpoints).
      return to == S::kSucceeded || to == S::kFailed || to == S::kRunning;
    case S::kFailed:
      return to == S::kRunning || to == S::kRollingBack;
    case S::kSucceeded:
      return to == S::kRollingBack;
    case S::kRollingBack:
      return to == S::kRolledBack || to == S::kRollbackFailed;
    case S::kRollbackFailed:
      return to == S::kRollingBack;
    case S::kRolledBack:
      return false;
  }
  return false;
}

bool IsAllowed(StepState from, StepState to) {
  using S = StepState;
  switch (from) {
    case S::kPending:
    case S::kFailed:
      return to == S::kRunning || to == S::kSkipped;
    case S::kRunning:
      // running -> running: a checkpoint (StepContext::checkpoints).
      return to == S::kSucceeded || to == S::kFailed || to == S::kRunning;
    case S::kSucceeded:
      return to == S::kRollingBack;
    case S::kRollingBack:
      return to == S::kRolledBack || to == S::kRollbackFailed;
    case S::kRollbackFailed:
      return to == S::kRollingBack;
    case S::kSkipped:
    case S::kRolledBack:
      return false;
  }
  return false;
}

bool IsTerminal(RunState state) {
  return state == RunState::kSucceeded || state == RunState::kRolledBack;
}

bool IsApplied(RunState state) { return state != RunState::kRolledBack; }

}  // namespace flightplan
