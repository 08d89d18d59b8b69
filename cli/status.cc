// flightplan status [<run>] — runs and their steps, and who holds which lease.
#include <fmt/format.h>

#include <memory>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"

namespace flightplan::cli {
namespace {

struct StatusArgs {
  int64_t run = 0;
  bool json = false;
};

bool LeaseLive(const std::optional<Lease>& lease, Timestamp now) {
  return lease && !lease->released && lease->expires_at > now;
}

std::string RunStateText(const RunRecord& run, bool live_lease) {
  std::string state(RunStateName(run.state));
  if ((run.state == RunState::kRunning || run.state == RunState::kRollingBack) && !live_lease) {
    state += " (interrupted)";
  }
  return state;
}

Value RunJson(const RunRecord& run, const std::vector<StepRecord>* steps) {
  Value v;
  v.Set("id", run.id);
  v.Set("workflow", run.workflow);
  v.Set("target", run.target);
  v.Set("state", std::string(RunStateName(run.state)));
  v.Set("operator", run.operator_name);
  v.Set("created_at", FormatTimestamp(run.created_at));
  v.Set("updated_at", FormatTimestamp(run.updated_at));
  v.Set("definition_sha256", run.definition_sha256);
  v.Set("params", run.params);
  if (steps != nullptr) {
    ValueList list;
    for (const StepRecord& s : *steps) {
      Value step;
      step.Set("id", s.step_id);
      step.Set("state", std::string(StepStateName(s.state)));
      step.Set("attempt", s.attempt);
      step.Set("outputs", s.outputs);
      step.Set("error", s.error);
      step.Set("note", s.note);
      list.push_back(step);
    }
    v.Set("steps", Value(std::move(list)));
  }
  return v;
}

int DoStatus(const GlobalOptions& global, const StatusArgs& args) {
  Context ctx(global);
  auto journal = ctx.OpenJournal(/*create=*/false);
  if (!journal) return ReportError(ctx.console(), journal.error());
  Console& out = ctx.console();
  Timestamp now = ctx.clock().Now();
  if (args.run != 0) {
    auto run = (*journal)->GetRun(args.run);
    if (!run) return ReportError(out, run.error());
    auto steps = (*journal)->GetSteps(args.run);
    if (!steps) return ReportError(out, steps.error());
    if (args.json) {
      out.Out(RunJson(*run, &*steps).ToJson());
      return kExitOk;
    }
    auto lease = (*journal)->GetLease(run->target);
    bool live = lease && LeaseLive(*lease, now);
    out.Out(fmt::format("run {}: '{}' on '{}' — {}", run->id, run->workflow, run->target,
                        out.Bold(RunStateText(*run, live))));
    out.Out(fmt::format("  started by {} at {}, last change {}", run->operator_name,
                        FormatTimestamp(run->created_at), FormatTimestamp(run->updated_at)));
    out.Out(fmt::format("  definition {} sha256 {}", run->definition_source,
                        run->definition_sha256.substr(0, 16)));
    for (const StepRecord& s : *steps) {
      std::string line = fmt::format("  {:<24} {:<16}", s.step_id, StepStateName(s.state));
      if (s.attempt > 1) line += fmt::format(" attempts {}", s.attempt);
      if (s.state == StepState::kRunning && !live) line += " — in doubt: interrupted while running";
      if (!s.error.empty()) line += " — " + s.error;
      if (!s.note.empty() && s.error.empty()) line += " — " + s.note;
      out.Out(line);
    }
    if (!live && (run->state == RunState::kRunning || run->state == RunState::kFailed)) {
      out.Out(
          fmt::format("continue with `flightplan resume {}`, or undo with `flightplan "
                      "rollback {}`",
                      run->id, run->id));
    }
    return kExitOk;
  }
  auto runs = (*journal)->ListRuns("", "");
  if (!runs) return ReportError(out, runs.error());
  auto leases = (*journal)->ListLeases();
  if (!leases) return ReportError(out, leases.error());
  if (args.json) {
    ValueList list;
    for (const RunRecord& r : *runs) list.push_back(RunJson(r, nullptr));
    out.Out(Value(std::move(list)).ToJson());
    return kExitOk;
  }
  if (runs->empty()) {
    out.Out("no runs yet in " + ctx.state_path());
    return kExitOk;
  }
  out.Out(fmt::format("{:>5}  {:<16} {:<28} {:<26} {}", "RUN", "WORKFLOW", "TARGET", "STATE",
                      "LAST CHANGE"));
  for (const RunRecord& r : *runs) {
    std::optional<Lease> lease;
    for (const Lease& l : *leases) {
      if (l.target == r.target) lease = l;
    }
    out.Out(fmt::format("{:>5}  {:<16} {:<28} {:<26} {}", r.id, r.workflow, r.target,
                        RunStateText(r, LeaseLive(lease, now)), FormatTimestamp(r.updated_at)));
  }
  for (const Lease& l : *leases) {
    if (!LeaseLive(l, now)) continue;
    out.Out(fmt::format("lease on '{}' held by {} (heartbeat {})", l.target, l.holder.ToString(),
                        FormatTimestamp(l.heartbeat_at)));
  }
  return kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<StatusArgs>();
  sub.add_option("run", args->run, "Show this run's steps");
  sub.add_flag("--json", args->json, "Machine-readable output");
  return [&global, args] { return DoStatus(global, *args); };
}

}  // namespace

extern const Command kStatusCommand{"status", "Show runs, their steps, and live leases", Setup};

}  // namespace flightplan::cli
