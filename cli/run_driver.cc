#include "cli/run_driver.h"

#include "cli/exit_codes.h"

namespace flightplan::cli {
namespace {

// What a dry run's plan says would happen.
std::string PlanVerb(const DriveRequest& request) {
  switch (request.drive) {
    case Drive::kStart:
      return "would run";
    case Drive::kResume:
      return request.direction == Direction::kRollback ? "would still undo" : "would still run";
    case Drive::kRollback:
      return "would undo";
  }
  return "would run";
}

// Whether a finished run ended as the command asked. A resumed run may have
// been rolling back, so either end is success for it.
bool EndedAsAsked(Drive drive, RunState state) {
  switch (drive) {
    case Drive::kStart:
      return state == RunState::kSucceeded;
    case Drive::kResume:
      return state == RunState::kSucceeded || state == RunState::kRolledBack;
    case Drive::kRollback:
      return state == RunState::kRolledBack;
  }
  return false;
}

}  // namespace

int DriveRun(Context& ctx, const Workflow& workflow, const ParamInput& params,
             const DriveRequest& request) {
  Console& console = ctx.console();
  const std::atomic<bool>* cancel = InstallInterruptHandlers();
  ExecutorOptions options = ctx.MakeExecutorOptions(cancel);
  options.accept_definition_change = request.accept_definition_change;
  options.stop_before = request.stop_before;
  std::unique_ptr<Executor> executor = ctx.MakeExecutor();

  if (ctx.global().dry_run) {
    Result<Plan> plan =
        request.drive == Drive::kStart
            ? executor->DryRun(workflow, params, request.target_override, options)
            : executor->PlanRun(
                  request.run, workflow, params,
                  request.drive == Drive::kRollback ? Direction::kRollback : request.direction,
                  options);
    if (!plan) return ReportError(console, plan.error());
    return PrintPlan(console, *plan, PlanVerb(request));
  }

  Result<RunOutcome> outcome = MakeError(ErrorCode::kInternal, "no drive");
  switch (request.drive) {
    case Drive::kStart:
      outcome = executor->Start(workflow, params, request.target_override, options);
      break;
    case Drive::kResume:
      outcome = executor->Resume(request.run, workflow, params, options);
      break;
    case Drive::kRollback:
      outcome = executor->Rollback(request.run, workflow, params, options);
      break;
  }
  if (!outcome) return ReportError(console, outcome.error());
  bool paused = !request.stop_before.empty() && outcome->state == RunState::kRunning;
  if (!paused && !EndedAsAsked(request.drive, outcome->state)) {
    console.Err(outcome->message);
    return kExitStepFailed;
  }
  bool news = outcome->state == RunState::kSucceeded && !outcome->nothing_to_do;
  console.Out(news ? console.Green(outcome->message) : outcome->message);
  return kExitOk;
}

int RollBackRun(Context& ctx, const RunRecord& run, const ParamInput& params) {
  Result<Workflow> pinned = ctx.LoadRunWorkflow(run, /*prefer_pinned=*/true);
  if (!pinned) return ReportError(ctx.console(), pinned.error());
  DriveRequest request;
  request.drive = Drive::kRollback;
  request.run = run.id;
  return DriveRun(ctx, *pinned, params, request);
}

}  // namespace flightplan::cli
