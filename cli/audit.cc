// flightplan audit verify|export — check and copy the tamper-evident audit.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "base/file_io.h"
#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"

namespace flightplan::cli {
namespace {

struct AuditArgs {
  std::string out;
};

int DoVerify(const GlobalOptions& global) {
  Context ctx(global);
  auto journal = ctx.OpenJournal(/*create=*/false);
  if (!journal) return ReportError(ctx.console(), journal.error());
  auto report = (*journal)->VerifyChain();
  if (!report) return ReportError(ctx.console(), report.error());
  if (report->first_bad_seq) {
    ctx.console().Err(fmt::format(
        "{} the audit chain is broken at {} {}: {}. Everything before it verifies; it and "
        "everything after it cannot be trusted.",
        ctx.console().Red("flightplan:"), ctx.state_is_shared() ? "log object" : "event",
        *report->first_bad_seq, report->problem));
    return kExitStepFailed;
  }
  ctx.console().Out(fmt::format("audit chain verified: {} event{}, every hash matches",
                                report->events, report->events == 1 ? "" : "s"));
  return kExitOk;
}

int DoExport(const GlobalOptions& global, const AuditArgs& args) {
  Context ctx(global);
  auto journal = ctx.OpenJournal(/*create=*/false);
  if (!journal) return ReportError(ctx.console(), journal.error());
  auto events = (*journal)->ListEvents(EventFilter{});
  if (!events) return ReportError(ctx.console(), events.error());
  std::string body;
  for (const EventRecord& e : *events) {
    Value v;
    v.Set("seq", e.seq);
    v.Set("at", FormatTimestamp(e.at));
    v.Set("at_ms", e.at.unix_ms);
    v.Set("operator", e.operator_name);
    v.Set("run", e.run_id);
    v.Set("target", e.target);
    v.Set("step", e.step_id);
    v.Set("kind", e.kind);
    v.Set("detail_json", e.detail_json);
    v.Set("prev_hash", e.prev_hash);
    v.Set("hash", e.hash);
    body += v.ToJson();
    body += '\n';
  }
  if (args.out.empty() || args.out == "-") {
    std::fwrite(body.data(), 1, body.size(), stdout);
    return kExitOk;
  }
  Result<void> written = WriteFileAtomically(args.out, body, 0644);
  if (!written) return ReportError(ctx.console(), written.error());
  ctx.console().Err(fmt::format("exported {} events to {}", events->size(), args.out));
  return kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<AuditArgs>();
  auto action = std::make_shared<CommandAction>();
  sub.require_subcommand(1);
  CLI::App* verify = sub.add_subcommand(
      "verify", "Recompute the hash chain; exit 0 only when every event verifies");
  verify->callback([&global, action] { *action = [&global] { return DoVerify(global); }; });
  CLI::App* exp = sub.add_subcommand("export", "Write every event as JSON Lines");
  exp->add_option("--out", args->out, "File to write (default: standard output)");
  exp->callback(
      [&global, args, action] { *action = [&global, args] { return DoExport(global, *args); }; });
  return [action] { return (*action)(); };
}

}  // namespace

extern const Command kAuditCommand{"audit", "Verify or export the tamper-evident audit", Setup};

}  // namespace flightplan::cli
