// The phase commands (cli/phase.h): one table, one setup for all of them.
#include "cli/phase.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "base/file_io.h"
#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/run_driver.h"
#include "engine/target_history.h"

namespace flightplan::cli {
namespace {

const Phase kLockPhase{
    "lock",
    "lock",
    "Lock an environment's stateful resources before the migration moves anything",
    "Validates that every stack is deployable and was deployed by the latest Gen1 CLI (skip "
    "with\n--skip-validations, which the audit records), then sets DeletionPolicy and "
    "UpdateReplacePolicy Retain on\nevery stateful resource and deletion protection on every "
    "DynamoDB table (one change set per stack,\nrefused if it would change anything else), and "
    "appends a Deny Update:* statement to the root stack's\npolicy. --rollback undoes exactly "
    "that. --dry-run prints every change set without creating one.",
    {}};

const Phase kBackupPhase{
    "backup",
    "backup",
    "Back up every DynamoDB table of an environment (on-demand backups, or exports to S3)",
    "Takes an on-demand backup (CreateBackup) of every DynamoDB table of the root and nested "
    "stacks, or\nwith --export a point-in-time export of each to S3 (the deployment bucket, "
    "under flightplan/exports/,\nor -p export_bucket=NAME), enabling point-in-time recovery "
    "first where it is off. Each backup ARN\nand export manifest is recorded in the journal. "
    "A resumed run finds the backups it started instead\nof taking more. --rollback deletes "
    "nothing: it turns point-in-time recovery off again where backup\nturned it on, and keeps "
    "every backup. --dry-run lists the tables and what would be done.",
    {PhaseFlag{"--export", "export",
               "Export each table to S3 at a point in time instead of an on-demand backup"}}};

const Phase kRefactorPhase{
    "refactor",
    "refactor",
    "Move the stateful resources of a Gen1 environment into a deployed Gen2 branch",
    "Run from the root of the Gen2 project `flightplan generate` wrote (or name it with "
    "--project),\nafter lock and after the project was deployed to --to-branch. Plans and "
    "checks first (source\nlocked, stacks deployable and without stack policies, each "
    "stateful resource's one Gen2\ndestination found by identity), then detaches the "
    "resources from the Gen1 stacks (a change set\nwith no resource change), vacates their "
    "Gen2 logical ids (Gen2's own copies retained and\norphaned, never deleted), moves them "
    "with CreateStackRefactor/ExecuteStackRefactor, and re-links\nthem to Gen2. A re-run "
    "after any stop asks the cloud where each resource is and continues.\n--rollback makes "
    "the same moves in reverse, Gen2's own copies imported back. --dry-run prints\nthe plan "
    "and every template.",
    {},
    {PhaseOption{"--to-branch", "to_branch",
                 "The Amplify branch whose Gen2 backend receives the resources", true, false,
                 false},
     PhaseOption{"--project", "project",
                 "The generated Gen2 project (default: the current directory)", false, true,
                 true}}};

const Phase kShiftPhase{
    "shift",
    "shift",
    "Re-point the custom domain from the Gen1 branch to the Gen2 branch",
    "Run after refactor, once the Gen2 app is deployed to --to-branch. Checks that the "
    "branch's backend\nstack is healthy and its latest job succeeded (skip with "
    "--skip-validations, which the audit\nrecords), then moves every sub-domain on the Gen1 "
    "branch (the one named like the environment)\nto --to-branch with UpdateDomainAssociation, "
    "keeping every other setting, and waits until the\nassociation is AVAILABLE again. --domain "
    "picks one association (default: every one with a\nsub-domain on the Gen1 branch); an app "
    "without a custom domain succeeds doing nothing.\n--rollback points the domain back exactly "
    "as it was. --dry-run prints every sub-domain's move.",
    {},
    {PhaseOption{"--to-branch", "to_branch",
                 "The Amplify branch of the Gen2 backend that receives the traffic", true, false,
                 false},
     PhaseOption{"--domain", "domain",
                 "One domain association to re-point (default: every one on the Gen1 branch)",
                 false, false, false}}};

const Phase kDecommissionPhase{
    "decommission",
    "decommission",
    "Delete the Gen1 environment once Gen2 serves production, keeping every stateful resource",
    "Validates that the Gen2 branch (--gen2-branch, default: the latest refactor run's "
    "--to-branch)\nhas a healthy backend stack, that no custom domain sub-domain still points "
    "at a Gen1 branch,\nthat `flightplan backup` succeeded on this environment within "
    "-p backup_max_age_hours (24)\nunless --skip-backup-check, and that the root stack is "
    "deployable. Then lists every stateful\nresource left in a Gen1 stack with its deployed "
    "DeletionPolicy (what --dry-run prints), sets Retain\nwhere it is missing (vetted change "
    "sets), asks you to type the environment's name (--yes agrees\ninstead, journaled with your "
    "name), deletes the root stack and waits for DELETE_COMPLETE, removes\nthe Amplify backend "
    "environment, and proves every listed resource still holds its data (exit 9\nwhen one does "
    "not). No --rollback: it is irreversible.",
    {PhaseFlag{"--skip-backup-check", "skip_backup_check",
               "Go on without a fresh backup of the environment (journaled)"}},
    {PhaseOption{"--gen2-branch", "gen2_branch",
                 "The branch serving Gen2 production (default: the latest refactor run's "
                 "--to-branch)",
                 false, false, false}},
    {PriorRunParam{"gen2_branch", "refactor", "to_branch"},
     PriorRunParam{"backup_finished_at", "backup", "@succeeded_at"}},
    "verify",
    kExitDataMissing,
    "decommission cannot be rolled back: the Gen1 stacks are deleted. Every stateful resource "
    "they held is still there (retained, outside any stack); the migration guide, "
    "\"Decommission\", says what remains and how to use it"};

// The latest run of `workflow` on app/<app>/env/<env> since the target was
// last closed (a clone's cleanup), if any.
Result<std::optional<RunRecord>> LatestRun(Journal& journal, const std::string& workflow,
                                           const std::string& app_id, const std::string& env) {
  ASSIGN_OR_RETURN(std::vector<RunRecord> runs,
                   CurrentRuns(journal, workflow, fmt::format("app/{}/env/{}", app_id, env)));
  if (runs.empty()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(runs.front());
}

std::string ParamText(const Value& params, std::string_view name) {
  const Value* v = params.Find(name);
  return v != nullptr && v->is_string() ? v->as_string() : "";
}

// cleanup: the clone's Gen2 branch and orphaned copies, from the latest
// refactor run on the clone's target (its to_branch and its vacate step's
// outputs; a rolled-back refactor imported its copies back, so it orphaned
// none), and production's refactor branch, which is never deleted.
Result<void> CleanupParams(Journal& journal, const PhaseTarget& target, ParamInput& params) {
  const std::string clone_env = params.count("clone_env") ? params["clone_env"] : "";
  ASSIGN_OR_RETURN(std::optional<RunRecord> clone_refactor,
                   LatestRun(journal, "refactor", target.app_id, clone_env));
  if (clone_refactor) {
    std::string to_branch = ParamText(clone_refactor->params, "to_branch");
    if (!params.count("clone_branch") && !to_branch.empty()) {
      params["clone_branch"] = to_branch;
      params["clone_branch_source"] =
          fmt::format("the to_branch of refactor run {} on app/{}/env/{}", clone_refactor->id,
                      target.app_id, clone_env);
    }
    if (clone_refactor->state != RunState::kRolledBack) {
      ASSIGN_OR_RETURN(std::vector<StepRecord> steps, journal.GetSteps(clone_refactor->id));
      for (const StepRecord& s : steps) {
        if (s.step_id != "vacate" || !s.outputs.is_map()) continue;
        if (const Value* o = s.outputs.Find("orphaned")) params["orphaned"] = o->ToJson();
        if (const Value* t = s.outputs.Find("original_templates")) {
          params["original_templates"] = t->ToJson();
        }
      }
    }
  }
  if (params.count("clone_branch") && !params.count("clone_branch_source")) {
    params["clone_branch_source"] = "--clone-branch";
  }
  ASSIGN_OR_RETURN(std::optional<RunRecord> prod_refactor,
                   LatestRun(journal, "refactor", target.app_id, target.env));
  if (prod_refactor) params["prod_to_branch"] = ParamText(prod_refactor->params, "to_branch");
  return {};
}

const Phase kCleanupPhase{
    "cleanup",
    "cleanup",
    "Delete the rehearsal: the Gen1 clone and the Gen2 clone branch, proving none of it is "
    "production's",
    "--env names production, --clone-env the Gen1 clone `flightplan clone` made. The Gen2 "
    "clone branch\nis the --to-branch of the latest `refactor --env <clone>` run in the "
    "journal (or --clone-branch),\nwith the Gen2 copies that refactor orphaned. First the "
    "delete list, each item with why it is\nthe clone's (the clone tags on its root stack and "
    "bucket), checked against every physical id of\nproduction's stacks, of every other "
    "branch's stacks and production's deployment bucket: a\nproduction id on the list, or a "
    "clone branch that is production's, stops it before anything is\ndeleted. Then the typed "
    "confirmation (the clone's name; --yes agrees), and the deletions:\nstacks (waiting), "
    "what they retained (tables' deletion protection turned off first, buckets\nemptied "
    "first), the deployment bucket, the backend environment, the branch. Irreversible;\n"
    "--dry-run prints the list and the proof. A killed run resumes. A succeeded cleanup closes\n"
    "the clone's history: `flightplan clone` with the same name (or another) starts a new\n"
    "rehearsal.",
    {},
    {PhaseOption{"--clone-env", "clone_env", "The Gen1 clone environment to delete", true, false,
                 false},
     PhaseOption{"--clone-branch", "clone_branch",
                 "The Gen2 clone branch (default: the clone's refactor's --to-branch)", false,
                 false, false}},
    {},
    {},
    0,
    "cleanup cannot be rolled back: what it deleted was the rehearsal's and is gone. Rehearse "
    "again with `flightplan clone` (the migration guide, \"Cleanup\")",
    CleanupParams,
    "app/<app-id>/env/<clone-env>"};

const Phase kClonePhase{
    "clone",
    "clone",
    "Create a rehearsal clone of a Gen1 environment, with its own stateful resources, then lock it",
    "Creates the Gen1 environment --clone-env of the same app from the cloud alone: proves first "
    "that\nno stateful resource would be shared with production (hard-coded names, imported "
    "resources),\nthen creates the root stack amplify-<project>-<clone-env>-<hex> and its "
    "deployment bucket (tagged\nflightplan:clone-of and flightplan:clone-env), copies "
    "production's deployed templates and\nartefacts rewritten for the clone, creates the nested "
    "stacks, writes its #current-cloud-backend.zip\nand registers the backend environment. "
    "Then it runs `lock` on the clone. --rollback rolls\nback the clone's lock, then deletes "
    "everything the clone created (after proving it is not\nproduction's).",
    {},
    {PhaseOption{"--clone-env", "clone_env",
                 "The clone environment's name (2-10 lower-case letters)", true, false, false,
                 true}},
    {},
    {},
    0,
    {},
    nullptr,
    "app/<app-id>/env/<clone-env>"};

std::optional<Value> ReadJson(const std::filesystem::path& path) {
  Result<std::optional<std::string>> text = ReadFileIfExists(path.string());
  if (!text || !text->has_value()) return std::nullopt;
  Result<Value> json = Value::FromJson(**text);
  if (!json || !json->is_map()) return std::nullopt;
  return *json;
}

std::string Text(const Value* v) { return v != nullptr && v->is_string() ? v->as_string() : ""; }

}  // namespace

Result<PhaseTarget> ResolvePhaseTarget(const std::string& project_dir, PhaseTarget given) {
  namespace fs = std::filesystem;
  fs::path amplify = fs::path(project_dir) / "amplify";
  if (given.env.empty()) {
    if (auto local = ReadJson(amplify / ".config" / "local-env-info.json")) {
      given.env = Text(local->Find("envName"));
    }
  }
  // A generated Gen2 project names the environment it was generated for.
  if (auto migration = ReadJson(amplify / "migration.json")) {
    if (const Value* gen1 = migration->Find("gen1")) {
      if (given.env.empty()) given.env = Text(gen1->Find("env"));
      if (given.region.empty()) given.region = Text(gen1->Find("region"));
    }
  }
  if (!given.env.empty() && (given.app_id.empty() || given.region.empty())) {
    if (auto tpi = ReadJson(amplify / "team-provider-info.json")) {
      if (const Value* env = tpi->Find(given.env)) {
        if (const Value* cfn = env->Find("awscloudformation")) {
          if (given.app_id.empty()) given.app_id = Text(cfn->Find("AmplifyAppId"));
          if (given.region.empty()) given.region = Text(cfn->Find("Region"));
        }
      }
    }
  }
  if (given.app_id.empty() || given.region.empty()) {
    if (auto meta = ReadJson(amplify / "backend" / "amplify-meta.json")) {
      if (const Value* providers = meta->Find("providers")) {
        if (const Value* cfn = providers->Find("awscloudformation")) {
          if (given.app_id.empty()) given.app_id = Text(cfn->Find("AmplifyAppId"));
          if (given.region.empty()) given.region = Text(cfn->Find("Region"));
        }
      }
    }
  }
  if (given.app_id.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "no app id: pass --app-id ID (the Amplify console's App ID, or `aws amplify "
                     "list-apps`), or run inside the Gen1 project");
  }
  if (given.env.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("no environment: pass --env NAME (`aws amplify "
                                 "list-backend-environments --app-id {}` lists them)",
                                 given.app_id));
  }
  return given;
}

void AddEnvironmentOptions(CLI::App& sub, PhaseTarget& target, std::string& profile) {
  sub.add_option("--app-id", target.app_id,
                 "The Amplify app id (default: the Gen1 project in the current directory)");
  sub.add_option("--env", target.env, "The Gen1 environment (default: the project's current one)");
  AddAwsOptions(sub, target.region, profile, "",
                "the project's, then AWS_REGION, then the profile's");
}

void AddStatefulTypesOption(CLI::App& sub, std::string& file) {
  sub.add_option("--stateful-types", file,
                 "A file of extra stateful resource types, one per line (docs/migration-guide.md)");
}

namespace {

struct PhaseArgs {
  PhaseTarget target;
  std::string profile;
  std::string stateful_types;
  std::vector<std::string> params;
  bool rollback = false;
  std::vector<std::string> option_values;  // one per Phase::options
};

int RunPhase(const GlobalOptions& global, const Phase& phase, PhaseArgs& args,
             const std::vector<std::unique_ptr<bool>>& flag_values) {
  Context ctx(global);
  // The project directory, when the phase takes one, is where the
  // environment is read from.
  std::string project_dir = ".";
  for (size_t i = 0; i < phase.options.size(); ++i) {
    if (phase.options[i].default_cwd && !args.option_values[i].empty()) {
      project_dir = args.option_values[i];
    }
  }
  Result<PhaseTarget> target = ResolvePhaseTarget(project_dir, args.target);
  if (!target) return ReportError(ctx.console(), target.error());
  auto workflow = ctx.LoadWorkflow(std::string(phase.workflow));
  if (!workflow) return ReportError(ctx.console(), workflow.error());
  auto params = ParseParams(args.params);
  if (!params) return ReportError(ctx.console(), params.error());
  (*params)["app_id"] = target->app_id;
  (*params)["env"] = target->env;
  if (!target->region.empty()) (*params)["region"] = target->region;
  if (!args.profile.empty()) (*params)["profile"] = args.profile;
  if (!args.stateful_types.empty()) {
    std::error_code ec;
    (*params)["stateful_types"] = std::filesystem::absolute(args.stateful_types, ec).string();
  }
  for (size_t i = 0; i < phase.flags.size(); ++i) {
    if (*flag_values[i]) (*params)[std::string(phase.flags[i].param)] = "true";
  }
  for (size_t i = 0; i < phase.options.size(); ++i) {
    const PhaseOption& option = phase.options[i];
    std::string value = args.option_values[i];
    if (value.empty() && option.required && (!args.rollback || option.names_target)) {
      return ReportError(
          ctx.console(),
          Error(ErrorCode::kInvalidInput, fmt::format("{} needs {} (see `flightplan {} --help`)",
                                                      phase.command, option.flag, phase.command)));
    }
    if (value.empty() && option.default_cwd) value = ".";
    if (value.empty()) continue;
    if (option.path || option.default_cwd) {
      std::error_code ec;
      value = std::filesystem::absolute(value, ec).lexically_normal().string();
      while (value.size() > 1 && value.back() == '/') value.pop_back();
    }
    (*params)[std::string(option.param)] = value;
  }
  auto journal = ctx.OpenJournal(/*create=*/true);
  if (!journal) return ReportError(ctx.console(), journal.error());
  if (!phase.from_runs.empty() && !args.rollback) {
    auto resolved = ctx.MakeExecutor()->TargetFor(*workflow, *params, "");
    if (!resolved) return ReportError(ctx.console(), resolved.error());
    for (const PriorRunParam& prior : phase.from_runs) {
      std::string param(prior.param);
      if (params->count(param) != 0 && !(*params)[param].empty()) continue;
      auto runs = CurrentRuns(**journal, std::string(prior.workflow), *resolved);
      if (!runs) return ReportError(ctx.console(), runs.error());
      if (runs->empty()) continue;
      const RunRecord& latest = runs->front();
      if (prior.from == "@succeeded_at") {
        if (latest.state == RunState::kSucceeded) {
          (*params)[param] = std::to_string(latest.updated_at.unix_ms / 1000);
        }
        continue;
      }
      const Value* value = latest.params.Find(prior.from);
      if (value != nullptr && !value->is_null()) (*params)[param] = value->ToText();
    }
  }
  if (args.rollback && !phase.irreversible.empty()) {
    return ReportError(ctx.console(),
                       Error(ErrorCode::kInvalidInput, std::string(phase.irreversible)));
  }
  bool is_clone = phase.workflow == "clone";
  if (args.rollback && is_clone) {
    // The clone's lock first: its Retain policies and deletion protection
    // would keep the clone's resources alive through the stack deletion.
    auto lock = ctx.LoadWorkflow("lock");
    if (!lock) return ReportError(ctx.console(), lock.error());
    std::string clone_target = fmt::format("app/{}/env/{}", target->app_id, (*params)["clone_env"]);
    auto lock_runs = (*journal)->ListRuns("lock", clone_target);
    if (!lock_runs) return ReportError(ctx.console(), lock_runs.error());
    if (!lock_runs->empty() && IsApplied(lock_runs->front().state)) {
      int rc = RollBackRun(ctx, lock_runs->front(), ParamInput{});
      if (rc != 0) return rc;
    }
  }
  if (args.rollback) {
    auto resolved = ctx.MakeExecutor()->TargetFor(*workflow, *params, "");
    if (!resolved) return ReportError(ctx.console(), resolved.error());
    auto runs = (*journal)->ListRuns(workflow->name, *resolved);
    if (!runs) return ReportError(ctx.console(), runs.error());
    if (runs->empty()) {
      return ReportError(ctx.console(),
                         Error(ErrorCode::kNotFound,
                               fmt::format("'{}' has never run on '{}'; nothing to roll back",
                                           workflow->name, *resolved)));
    }
    // The run keeps the parameters it started with; only those given with
    // -p are checked against them.
    auto explicit_params = ParseParams(args.params);
    if (!explicit_params) return ReportError(ctx.console(), explicit_params.error());
    return RollBackRun(ctx, runs->front(), *explicit_params);
  }
  if (phase.add_params != nullptr) {
    Result<void> added = phase.add_params(**journal, *target, *params);
    if (!added) return ReportError(ctx.console(), added.error());
  }
  DriveRequest request;
  request.drive = Drive::kStart;
  int code = DriveRun(ctx, *workflow, *params, request);
  if (code == kExitStepFailed && !phase.alarm_step.empty()) {
    // The step whose failure has its own exit code, in the run just driven.
    auto resolved = ctx.MakeExecutor()->TargetFor(*workflow, *params, "");
    auto runs = resolved ? (*journal)->ListRuns(workflow->name, *resolved)
                         : Result<std::vector<RunRecord>>(MakeError(resolved.error()));
    if (runs && !runs->empty()) {
      auto steps = (*journal)->GetSteps(runs->front().id);
      if (steps) {
        for (const StepRecord& step : *steps) {
          if (step.step_id == phase.alarm_step && step.state == StepState::kFailed) {
            return phase.alarm_exit;
          }
        }
      }
    }
  }
  if (code != 0 || !is_clone || global.dry_run) return code;
  // The clone is locked like production, so that the rehearsal's
  // `refactor --env <clone>` finds the lock it requires.
  auto lock = ctx.LoadWorkflow("lock");
  if (!lock) return ReportError(ctx.console(), lock.error());
  ParamInput lock_params = *params;
  lock_params["env"] = (*params)["clone_env"];
  lock_params.erase("clone_env");
  DriveRequest lock_request;
  lock_request.drive = Drive::kStart;
  return DriveRun(ctx, *lock, lock_params, lock_request);
}

template <const Phase* kPhase>
CommandAction SetupPhase(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<PhaseArgs>();
  auto flag_values = std::make_shared<std::vector<std::unique_ptr<bool>>>();
  AddEnvironmentOptions(sub, args->target, args->profile);
  AddStatefulTypesOption(sub, args->stateful_types);
  sub.add_flag("--rollback", args->rollback,
               kPhase->irreversible.empty()
                   ? "Roll back this phase's latest run on the environment instead"
                   : "Refused (exit 2, nothing done): this phase cannot be rolled back");
  sub.add_option("-p,--param", args->params, "Another workflow parameter, name=value (repeatable)");
  for (const PhaseFlag& f : kPhase->flags) {
    flag_values->push_back(std::make_unique<bool>(false));
    sub.add_flag(std::string(f.flag), *flag_values->back(), std::string(f.help));
  }
  args->option_values.resize(kPhase->options.size());
  for (size_t i = 0; i < kPhase->options.size(); ++i) {
    const PhaseOption& o = kPhase->options[i];
    std::string_view required;
    if (o.required) {
      required = o.names_target || !kPhase->irreversible.empty()
                     ? " (required)"
                     : " (required, but not with --rollback)";
    }
    sub.add_option(std::string(o.flag), args->option_values[i],
                   fmt::format("{}{}", o.help, required));
  }
  sub.footer(
      fmt::format("{}\n\nThe run's target is {}; the workflow is the "
                  "built-in '{}'\n(`flightplan run {} --param …` is the same run). Global "
                  "options such as --dry-run, --yes,\n--skip-validations and --state "
                  "apply. Exit codes: docs/cli.md.",
                  kPhase->footer, kPhase->target, kPhase->workflow, kPhase->workflow));
  return [&global, args, flag_values] { return RunPhase(global, *kPhase, *args, *flag_values); };
}

}  // namespace

const std::vector<const Phase*>& Phases() {
  static const std::vector<const Phase*> kPhases = {
      &kLockPhase,  &kBackupPhase,  &kClonePhase,       &kRefactorPhase,
      &kShiftPhase, &kCleanupPhase, &kDecommissionPhase};
  return kPhases;
}

extern const Command kLockCommand{"lock", kLockPhase.summary, SetupPhase<&kLockPhase>};
extern const Command kBackupCommand{"backup", kBackupPhase.summary, SetupPhase<&kBackupPhase>};
extern const Command kCloneCommand{"clone", kClonePhase.summary, SetupPhase<&kClonePhase>};
extern const Command kRefactorCommand{"refactor", kRefactorPhase.summary,
                                      SetupPhase<&kRefactorPhase>};
extern const Command kShiftCommand{"shift", kShiftPhase.summary, SetupPhase<&kShiftPhase>};
extern const Command kDecommissionCommand{"decommission", kDecommissionPhase.summary,
                                          SetupPhase<&kDecommissionPhase>};
extern const Command kCleanupCommand{"cleanup", kCleanupPhase.summary, SetupPhase<&kCleanupPhase>};

}  // namespace flightplan::cli
