// flightplan rollback <run> — undo a run's succeeded steps in reverse order.
#include <memory>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/run_driver.h"

namespace flightplan::cli {
namespace {

struct RollbackArgs {
  int64_t run = 0;
  std::vector<std::string> params;
};

int DoRollback(const GlobalOptions& global, const RollbackArgs& args) {
  Context ctx(global);
  auto journal = ctx.OpenJournal(/*create=*/false);
  if (!journal) return ReportError(ctx.console(), journal.error());
  auto params = ParseParams(args.params);
  if (!params) return ReportError(ctx.console(), params.error());
  auto run = (*journal)->GetRun(args.run);
  if (!run) return ReportError(ctx.console(), run.error());
  return RollBackRun(ctx, *run, *params);
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<RollbackArgs>();
  sub.add_option("run", args->run, "The run to roll back")->required();
  sub.add_option("-p,--param", args->params,
                 "Secret parameters again, name=value (they are never stored)");
  sub.footer(
      "Undoes the run's succeeded steps in reverse order, each journaled, using the definition "
      "the run\npinned. Steps with `rollback: none` (or no rollback) and validation steps are "
      "left as they are\n(the audit says why). Refused (exit 4) while a later workflow that "
      "requires this one is still\napplied. If an undo fails the run ends rollback_failed "
      "(exit 1), never rolled_back; run the\ncommand again to continue. Exit 0 when the run is "
      "rolled_back (or already was).");
  return [&global, args] { return DoRollback(global, *args); };
}

}  // namespace

extern const Command kRollbackCommand{"rollback", "Undo a run's steps in reverse order", Setup};

}  // namespace flightplan::cli
