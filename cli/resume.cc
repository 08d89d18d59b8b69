// flightplan resume [<run>] — continue an interrupted run where it stopped.
#include <fmt/format.h>

#include <memory>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/run_driver.h"

namespace flightplan::cli {
namespace {

struct ResumeArgs {
  int64_t run = 0;
  std::vector<std::string> params;
  bool accept_definition_change = false;
};

// The single unfinished run, when no run id was given.
Result<RunId> FindUnfinished(Journal& journal) {
  ASSIGN_OR_RETURN(std::vector<RunRecord> runs, journal.ListRuns("", ""));
  std::vector<const RunRecord*> open;
  for (const RunRecord& r : runs) {
    if (!IsTerminal(r.state)) open.push_back(&r);
  }
  if (open.size() == 1) return open.front()->id;
  if (open.empty()) {
    return MakeError(ErrorCode::kNotFound, "no unfinished run to resume (see `flightplan status`)");
  }
  std::string list;
  for (const RunRecord* r : open) {
    list +=
        fmt::format("\n  {}  {} on {} ({})", r->id, r->workflow, r->target, RunStateName(r->state));
  }
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("several runs are unfinished; say which: `flightplan resume "
                               "<run>`{}",
                               list));
}

int DoResume(const GlobalOptions& global, const ResumeArgs& args) {
  Context ctx(global);
  auto journal = ctx.OpenJournal(/*create=*/false);
  if (!journal) return ReportError(ctx.console(), journal.error());
  auto params = ParseParams(args.params);
  if (!params) return ReportError(ctx.console(), params.error());
  RunId run_id = args.run;
  if (run_id == 0) {
    auto found = FindUnfinished(**journal);
    if (!found) return ReportError(ctx.console(), found.error());
    run_id = *found;
  }
  auto run = (*journal)->GetRun(run_id);
  if (!run) return ReportError(ctx.console(), run.error());
  bool rolling_back =
      run->state == RunState::kRollingBack || run->state == RunState::kRollbackFailed;
  auto workflow = ctx.LoadRunWorkflow(*run, /*prefer_pinned=*/rolling_back);
  if (!workflow) return ReportError(ctx.console(), workflow.error());
  DriveRequest request;
  request.drive = Drive::kResume;
  request.run = run_id;
  request.direction = rolling_back ? Direction::kRollback : Direction::kForward;
  request.accept_definition_change =
      args.accept_definition_change ? AcceptDefinitionChange::kYes : AcceptDefinitionChange::kNo;
  return DriveRun(ctx, *workflow, *params, request);
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<ResumeArgs>();
  sub.add_option("run", args->run, "The run to continue (default: the one unfinished run)");
  sub.add_option("-p,--param", args->params,
                 "Parameters again, name=value: needed for secret parameters, which are never "
                 "stored");
  sub.add_flag("--accept-definition-change", args->accept_definition_change,
               "Continue under a changed workflow definition (recorded in the audit)");
  sub.footer(
      "Continues at the first unfinished step. A step that was interrupted while running is "
      "checked first:\nif it took effect its outputs are recorded, if not it runs again with "
      "the same idempotency token,\nand if flightplan cannot tell it stops and says how to "
      "decide (`flightplan resolve`).\nA rollback that was interrupted continues as a "
      "rollback.");
  return [&global, args] { return DoResume(global, *args); };
}

}  // namespace

extern const Command kResumeCommand{"resume", "Continue an interrupted run where it stopped",
                                    Setup};

}  // namespace flightplan::cli
