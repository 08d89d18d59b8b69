// flightplan run <workflow> — start a workflow (or continue its unfinished run).
#include <fmt/format.h>

#include <memory>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/run_driver.h"

namespace flightplan::cli {
namespace {

struct RunArgs {
  std::string workflow;
  std::vector<std::string> params;
  std::string target;
  bool rollback = false;
  bool accept_definition_change = false;
};

int DoRun(const GlobalOptions& global, const RunArgs& args) {
  Context ctx(global);
  auto workflow = ctx.LoadWorkflow(args.workflow);
  if (!workflow) return ReportError(ctx.console(), workflow.error());
  auto params = ParseParams(args.params);
  if (!params) return ReportError(ctx.console(), params.error());
  auto journal = ctx.OpenJournal(/*create=*/true);
  if (!journal) return ReportError(ctx.console(), journal.error());
  if (args.rollback) {
    auto target = ctx.MakeExecutor()->TargetFor(*workflow, *params, args.target);
    if (!target) return ReportError(ctx.console(), target.error());
    auto runs = (*journal)->ListRuns(workflow->name, *target);
    if (!runs) return ReportError(ctx.console(), runs.error());
    if (runs->empty()) {
      return ReportError(ctx.console(),
                         Error(ErrorCode::kNotFound,
                               fmt::format("'{}' has never run on '{}'; nothing to roll back",
                                           workflow->name, *target)));
    }
    return RollBackRun(ctx, runs->front(), *params);
  }
  DriveRequest request;
  request.drive = Drive::kStart;
  request.target_override = args.target;
  request.accept_definition_change =
      args.accept_definition_change ? AcceptDefinitionChange::kYes : AcceptDefinitionChange::kNo;
  return DriveRun(ctx, *workflow, *params, request);
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<RunArgs>();
  sub.add_option("workflow", args->workflow,
                 "A built-in workflow's name (see `flightplan workflows list`) or a YAML file")
      ->required();
  sub.add_option("-p,--param", args->params, "A parameter, name=value (repeatable)");
  sub.add_option("--target", args->target,
                 "Work on this target instead of the one the workflow's `target` names");
  sub.add_flag("--rollback", args->rollback,
               "Roll back the latest run of this workflow on its target instead");
  sub.add_flag("--accept-definition-change", args->accept_definition_change,
               "Continue an unfinished run under a changed definition (recorded in the audit)");
  sub.footer(
      "Runs every step in order, journaling each before and after it acts. If the workflow "
      "already has an\nunfinished run on the target, that run continues where it stopped; if "
      "it already completed,\nnothing happens. Exit 0 on success, 1 when a step fails (see "
      "docs/cli.md for all codes).");
  return [&global, args] { return DoRun(global, *args); };
}

}  // namespace

extern const Command kRunCommand{"run", "Run a workflow (or continue its unfinished run)", Setup};

}  // namespace flightplan::cli
