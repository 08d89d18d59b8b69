// The executor drives runs through their state machines (engine/state.h),
// journaling every transition before and after each step acts, so that:
// - steps run in declared order, and a workflow runs only when the workflows
//   it `requires` have succeeded on the same target;
// - a re-run resumes at the first unfinished step; a step found `running`
//   (the process died inside it) is reconciled with its type's Check: done
//   -> its outputs are recorded; not done -> it executes again with the same
//   idempotency token; unknown -> the run stops with kInDoubt and the
//   operator decides with Resolve;
// - rollback undoes succeeded steps in reverse order, is itself journaled
//   and resumable, and ends rollback_failed (never "succeeded") when an undo
//   fails;
// - a run pins the SHA-256 of its definition; resuming under a different one
//   is refused unless the operator accepts it (journaled);
// - every command holds the target's lease (engine/lease_keeper.h) and every
//   write is fenced by it.
//
// Thread-safety: one Executor per command, used from one thread.
#ifndef FLIGHTPLAN_ENGINE_EXECUTOR_H_
#define FLIGHTPLAN_ENGINE_EXECUTOR_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "engine/host.h"
#include "engine/journal.h"
#include "engine/lease_keeper.h"
#include "engine/observer.h"
#include "engine/process_runner.h"
#include "engine/step.h"
#include "engine/workflow.h"

namespace flightplan {

enum class DryRun { kNo, kYes };
enum class AssumeYes { kNo, kYes };
enum class SkipValidations { kNo, kYes };
enum class AcceptDefinitionChange { kNo, kYes };

struct ExecutorOptions {
  LeaseHolder holder;  // holder.operator_name is the name the audit uses
  Duration lease_ttl{60000};
  TakeOver take_over = TakeOver::kNo;
  AssumeYes assume_yes = AssumeYes::kNo;
  DryRun dry_run = DryRun::kNo;
  SkipValidations skip_validations = SkipValidations::kNo;
  AcceptDefinitionChange accept_definition_change = AcceptDefinitionChange::kNo;
  // Set (from a signal handler) to stop after the current step.
  const std::atomic<bool>* cancel = nullptr;
  // A step id: the run stops before that step, if it is still to run, and
  // stays `running` (event `run.paused`) for a later start or resume to
  // continue. `flightplan data export` stops a migration after its exports.
  std::string stop_before;
};

// Parameter values as given on the command line (`--param k=v`), converted to
// each parameter's declared type by the executor.
using ParamInput = std::map<std::string, std::string>;

struct RunOutcome {
  RunId run_id = 0;
  RunState state = RunState::kPending;
  bool nothing_to_do = false;  // already completed (or already rolled back)
  std::string message;         // for people
};

// One line of a --dry-run plan.
struct PlannedStep {
  std::string step_id;
  std::string uses;
  std::string description;  // what it would do, with inputs rendered where known
  std::string note;         // "skipped: validations skipped", "needs confirmation", ...
  std::string detail;       // the step's Preview when it says more than the description
};

struct Plan {
  std::string workflow;
  std::string target;
  std::vector<PlannedStep> steps;
};

class Executor {
 public:
  Executor(Journal& journal, const StepRegistry& registry, Clock& clock, ProcessRunner& processes,
           Prompter& prompter, const Host& host, RunObserver& observer);

  // Starts workflow `wf` on its target (or `target_override`), or resumes the
  // unfinished run of it there, or reports that it already completed.
  Result<RunOutcome> Start(const Workflow& wf, const ParamInput& input,
                           const std::string& target_override, const ExecutorOptions& options);

  // What Start would do, executing nothing; journals one dry-run event.
  Result<Plan> DryRun(const Workflow& wf, const ParamInput& input,
                      const std::string& target_override, const ExecutorOptions& options);

  // What Resume (kForward) or Rollback (kRollback) would do for `run_id`,
  // executing nothing and taking no lease; journals one dry-run event.
  Result<Plan> PlanRun(RunId run_id, const Workflow& wf, const ParamInput& input,
                       Direction direction, const ExecutorOptions& options);

  // Continues an unfinished run. `wf` is the current definition; the run's
  // pinned hash must match it unless the change is accepted.
  Result<RunOutcome> Resume(RunId run_id, const Workflow& wf, const ParamInput& params,
                            const ExecutorOptions& options);

  // Undoes the run's succeeded steps in reverse order (or continues an
  // interrupted rollback).
  Result<RunOutcome> Rollback(RunId run_id, const Workflow& wf, const ParamInput& params,
                              const ExecutorOptions& options);

  enum class Resolution { kDone, kRetry };
  // The operator's decision about a step in doubt; journaled with their name.
  Result<std::string> Resolve(RunId run, const std::string& step_id, Resolution resolution,
                              const std::string& reason, const ExecutorOptions& options);

  // The target a run of `workflow` with these parameters works on.
  Result<std::string> TargetFor(const Workflow& workflow, const ParamInput& params,
                                const std::string& target_override);

  // The idempotency token a step's calls carry (stable per journal, run, step).
  std::string IdempotencyToken(RunId run, const std::string& step_id, Direction direction) const;

 private:
  class RunContext;
  class StepCheckpoints;

  struct StepOutcome;
  Result<RunOutcome> Drive(RunContext& ctx, bool resumed);
  Result<RunOutcome> DriveRollback(RunContext& ctx);
  Result<StepOutcome> RunStep(RunContext& ctx, size_t index, bool reexecute);
  Result<StepOutcome> Reconcile(RunContext& ctx, size_t index);
  Result<StepOutcome> UndoStep(RunContext& ctx, size_t index, bool in_doubt);
  Result<void> Confirm(RunContext& ctx, const StepSpec& spec, std::string message,
                       const std::string& typed);
  Result<Value> CallWithRetries(RunContext& ctx, const StepSpec& spec, StepContext& sctx,
                                const std::function<Result<Value>(StepContext&)>& call);
  StepContext MakeStepContext(RunContext& ctx, const StepSpec& spec, Direction direction,
                              const Value& prepared, const Value& scope);
  Result<std::unique_ptr<RunContext>> OpenRun(RunId run, const Workflow& workflow,
                                              const ParamInput& params,
                                              const ExecutorOptions& options);
  Result<void> CheckRequirements(const Workflow& wf, const std::string& target);
  Result<void> CheckNoDependents(const RunRecord& run);
  // Refuses a run that a later closing run ended (engine/target_history.h).
  Result<void> CheckNotClosed(const RunRecord& run);
  Result<Value> ResolveParams(const Workflow& wf, const ParamInput& input, const Value* recorded,
                              std::vector<std::string>* secrets);
  Result<std::string> ResolveTarget(const Workflow& wf, const Value& params,
                                    const std::string& target_override);
  Result<void> CheckDefinition(RunContext& ctx, const ExecutorOptions& options);

  Journal& journal_;
  const StepRegistry& registry_;
  Clock& clock_;
  ProcessRunner& processes_;
  Prompter& prompter_;
  const Host& host_;
  RunObserver& observer_;
};

// Puts `****` in place of every secret value found in `text`.
std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_EXECUTOR_H_
