// flightplan history — the audit trail: who did what, when.
#include <fmt/format.h>

#include <memory>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"

namespace flightplan::cli {
namespace {

struct HistoryArgs {
  std::string target;
  int64_t run = 0;
  bool json = false;
};

Value EventJson(const EventRecord& e) {
  Value v;
  v.Set("seq", e.seq);
  v.Set("at", FormatTimestamp(e.at));
  v.Set("operator", e.operator_name);
  v.Set("run", e.run_id);
  v.Set("target", e.target);
  v.Set("step", e.step_id);
  v.Set("kind", e.kind);
  v.Set("detail", Value::FromJson(e.detail_json).value_or(Value(e.detail_json)));
  v.Set("prev_hash", e.prev_hash);
  v.Set("hash", e.hash);
  return v;
}

int DoHistory(const GlobalOptions& global, const HistoryArgs& args) {
  Context ctx(global);
  auto journal = ctx.OpenJournal(/*create=*/false);
  if (!journal) return ReportError(ctx.console(), journal.error());
  EventFilter filter;
  if (args.run != 0) filter.run_id = args.run;
  if (!args.target.empty()) filter.target = args.target;
  auto events = (*journal)->ListEvents(filter);
  if (!events) return ReportError(ctx.console(), events.error());
  Console& out = ctx.console();
  for (const EventRecord& e : *events) {
    if (args.json) {
      out.Out(EventJson(e).ToJson());
      continue;
    }
    std::string where = e.run_id != 0 ? fmt::format("run {}", e.run_id) : e.target;
    if (!e.step_id.empty()) where += "/" + e.step_id;
    std::string detail = e.detail_json == "{}" ? "" : " " + e.detail_json;
    if (detail.size() > 160) detail = detail.substr(0, 157) + "...";
    out.Out(fmt::format("{:>6} {} {:<22} {:<24} {}{}", e.seq, FormatTimestamp(e.at),
                        e.operator_name, e.kind, where, out.Dim(detail)));
  }
  return kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<HistoryArgs>();
  sub.add_option("--target", args->target, "Only events about this target");
  sub.add_option("--run", args->run, "Only events about this run");
  sub.add_flag("--json", args->json, "One JSON object per line");
  return [&global, args] { return DoHistory(global, *args); };
}

}  // namespace

extern const Command kHistoryCommand{"history", "Show the audit trail: who did what, when", Setup};

}  // namespace flightplan::cli
