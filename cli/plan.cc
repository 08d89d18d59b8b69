// flightplan plan — where one environment's migration stands: the nine steps
// plus drift and backup, from the journal and (unless --offline) the cloud,
// and the exact next command (steps/migration/flight_plan.h).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/phase.h"
#include "engine/target_history.h"
#include "steps/aws/values.h"
#include "steps/migration/flight_plan.h"

namespace flightplan::cli {
namespace {

struct PlanArgs {
  PhaseTarget target;
  std::string profile;
  bool json = false;
  bool offline = false;
};

int DoPlan(const GlobalOptions& global, PlanArgs& args) {
  Context ctx(global);
  Result<PhaseTarget> target = ResolvePhaseTarget(".", args.target);
  if (!target) return ReportError(ctx.console(), target.error());
  migration::PlanInput input;
  input.app_id = target->app_id;
  input.env = target->env;
  input.target = fmt::format("app/{}/env/{}", target->app_id, target->env);
  input.known_workflows = ctx.catalog().Names();
  // A missing state file means nothing has run yet here; any other problem
  // with it is reported.
  Result<bool> exists = ctx.StateExists();
  if (!exists) return ReportError(ctx.console(), exists.error());
  if (*exists) {
    auto journal = ctx.OpenJournal(/*create=*/false);
    if (!journal) return ReportError(ctx.console(), journal.error());
    // The clone: the latest clone run of this app's environment names it.
    auto clones = (*journal)->ListRuns("clone", "");
    if (!clones) return ReportError(ctx.console(), clones.error());
    for (const RunRecord& run : *clones) {
      if (aws::StringAt(run.params, "app_id") != input.app_id ||
          aws::StringAt(run.params, "env") != input.env || run.state == RunState::kRolledBack) {
        continue;
      }
      input.clone_target = run.target;
      input.clone_env = aws::StringAt(run.params, "clone_env");
      break;
    }
    // A clone name used again after its cleanup: once the new rehearsal
    // has a run, the closed one's runs are history, not progress.
    RunId closed_through = 0;
    if (!input.clone_target.empty()) {
      auto current = CurrentRuns(**journal, "", input.clone_target);
      if (!current) return ReportError(ctx.console(), current.error());
      if (!current->empty()) {
        auto closing = LastClosingRun(**journal, input.clone_target);
        if (!closing) return ReportError(ctx.console(), closing.error());
        closed_through = *closing;
      }
    }
    for (const migration::PlanStepSpec& spec : migration::PlanSteps()) {
      for (const std::string& t : {input.target, input.clone_target}) {
        if (t.empty()) continue;
        std::string key = spec.workflow + "@" + t;
        if (input.latest.count(key)) continue;
        auto runs = (*journal)->ListRuns(spec.workflow, t);
        if (!runs) return ReportError(ctx.console(), runs.error());
        if (t == input.clone_target) {
          std::erase_if(*runs, [&](const RunRecord& r) { return r.id <= closed_through; });
        }
        if (runs->empty()) continue;
        auto steps = (*journal)->GetSteps(runs->front().id);
        if (!steps) return ReportError(ctx.console(), steps.error());
        input.latest[key] = {runs->front(), std::move(*steps)};
      }
    }
  }
  if (!args.offline) {
    Result<aws::AwsClient*> client = ctx.aws_clients().Get(args.profile, target->region);
    if (client) {
      input.cloud = migration::ReadCloudFacts(**client, ctx.clock(), target->app_id, target->env);
    } else {
      input.cloud.error = client.error().ToString();
    }
  }
  migration::FlightPlan plan = migration::BuildFlightPlan(input);
  if (args.json) {
    Value out = plan.ToJson();
    Value cloud(ValueMap{});
    cloud.Set("read", input.cloud.read);
    if (!input.cloud.error.empty()) cloud.Set("error", input.cloud.error);
    cloud.Set("root_stack", input.cloud.root_stack);
    cloud.Set("root_status", input.cloud.root_status);
    cloud.Set("locked", input.cloud.locked);
    ValueList gen2;
    for (const std::string& b : input.cloud.gen2_branches) gen2.push_back(Value(b));
    cloud.Set("gen2_branches", Value(std::move(gen2)));
    out.Set("cloud", std::move(cloud));
    ctx.console().Out(out.ToJson());
    return kExitOk;
  }
  ctx.console().Write(plan.ToText());
  if (input.cloud.read) {
    ctx.console().Out(
        fmt::format("Gen2 branches of the app: {}",
                    input.cloud.gen2_branches.empty()
                        ? "none yet"
                        : fmt::format("{}", fmt::join(input.cloud.gen2_branches, ", "))));
  }
  if (!args.offline && !input.cloud.read) {
    ctx.console().Err(
        fmt::format("note: the cloud could not be read ({}); the plan shows the state file only",
                    input.cloud.error));
  }
  return kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<PlanArgs>();
  AddEnvironmentOptions(sub, args->target, args->profile);
  sub.add_flag("--json", args->json, "Print the plan as JSON");
  sub.add_flag("--offline", args->offline, "Read only the state file, not the cloud");
  sub.footer(
      "Shows the nine steps of the migration (lock, clone, generate and deploy the clone, "
      "refactor the\nclone, generate and deploy production, refactor production, shift "
      "traffic, clean up,\ndecommission) and the drift check and backups beside them, each "
      "with its state from the state\nfile (not started, done by whom and when, failed, "
      "unfinished, rolled back) and, where the state\nfile is silent, from the cloud (a lock "
      "made elsewhere); then the exact next command. Read-only.");
  return [&global, args] { return DoPlan(global, *args); };
}

}  // namespace

extern const Command kPlanCommand{
    "plan", "Show where an environment's migration stands and the next command", Setup};

}  // namespace flightplan::cli
