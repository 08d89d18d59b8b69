// flightplan resolve <run> <step> --done|--retry — decide a step in doubt.
#include <fmt/format.h>

#include <memory>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"

namespace flightplan::cli {
namespace {

struct ResolveArgs {
  int64_t run = 0;
  std::string step;
  bool done = false;
  bool retry = false;
  std::string reason;
};

int DoResolve(const GlobalOptions& global, const ResolveArgs& args) {
  Context ctx(global);
  if (args.done == args.retry) {
    return ReportError(ctx.console(),
                       Error(ErrorCode::kInvalidInput,
                             "say what happened: --done (the step took effect) or --retry (run "
                             "it again)"));
  }
  auto journal = ctx.OpenJournal(/*create=*/false);
  if (!journal) return ReportError(ctx.console(), journal.error());
  if (global.dry_run) {
    ctx.console().Out(
        fmt::format("dry run: would record that step '{}' of run {} {}; nothing "
                    "was written",
                    args.step, args.run, args.done ? "took effect" : "must run again"));
    return kExitOk;
  }
  ExecutorOptions options = ctx.MakeExecutorOptions(nullptr);
  auto message = ctx.MakeExecutor()->Resolve(
      args.run, args.step, args.done ? Executor::Resolution::kDone : Executor::Resolution::kRetry,
      args.reason, options);
  if (!message) return ReportError(ctx.console(), message.error());
  ctx.console().Out(*message);
  return kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<ResolveArgs>();
  sub.add_option("run", args->run, "The run")->required();
  sub.add_option("step", args->step, "The step in doubt")->required();
  CLI::Option* done =
      sub.add_flag("--done", args->done, "The step's effect happened: record it as finished");
  sub.add_flag("--retry", args->retry, "The effect did not happen: run the step again")
      ->excludes(done);
  sub.add_option("--reason", args->reason, "Why you decided so (kept in the audit)");
  sub.footer(
      "When a run stops with exit code 6, flightplan could not tell whether an interrupted "
      "step took\neffect. Inspect what the step does, then record your decision here; it is "
      "journaled with your\nname. Continue with `flightplan resume <run>` (or `flightplan "
      "rollback <run>` during a rollback).\nExactly one of --done and --retry (exit 2 "
      "otherwise, nothing recorded).");
  return [&global, args] { return DoResolve(global, *args); };
}

}  // namespace

extern const Command kResolveCommand{"resolve", "Decide whether an interrupted step took effect",
                                     Setup};

}  // namespace flightplan::cli
