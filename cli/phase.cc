// The phase commands (cli/phase.h): one table, one setup for all of them.
#include "cli/phase.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "base/file_io.h"
#include "cli/context.h"
#include "cli/run_driver.h"

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
    "everything the clone created (after proving it is not\nproduction's). The run's target is "
    "app/<app-id>/env/<clone-env>.",
    {},
    {PhaseOption{"--clone-env", "clone_env",
                 "The clone environment's name (2-10 lower-case letters)", true, false, false}}};

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
  sub.add_option("--region", target.region,
                 "AWS region (default: the project's, then AWS_REGION, then the profile's)");
  sub.add_option("--profile", profile, "AWS profile (default: AWS_PROFILE, then 'default')");
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
    if (value.empty() && option.required && !args.rollback) {
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
  DriveRequest request;
  request.drive = Drive::kStart;
  int rc = DriveRun(ctx, *workflow, *params, request);
  if (rc != 0 || !is_clone || global.dry_run) return rc;
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
               "Roll back this phase's latest run on the environment instead");
  sub.add_option("-p,--param", args->params, "Another workflow parameter, name=value (repeatable)");
  for (const PhaseFlag& f : kPhase->flags) {
    flag_values->push_back(std::make_unique<bool>(false));
    sub.add_flag(std::string(f.flag), *flag_values->back(), std::string(f.help));
  }
  args->option_values.resize(kPhase->options.size());
  for (size_t i = 0; i < kPhase->options.size(); ++i) {
    const PhaseOption& o = kPhase->options[i];
    sub.add_option(
        std::string(o.flag), args->option_values[i],
        fmt::format("{}{}", o.help, o.required ? " (required, but not with --rollback)" : ""));
  }
  sub.footer(
      fmt::format("{}\n\nThe run's target is app/<app-id>/env/<env>; the workflow is the "
                  "built-in '{}'\n(`flightplan run {} --param …` is the same run). Global "
                  "options such as --dry-run, --yes,\n--skip-validations and --state "
                  "apply. Exit codes: docs/cli.md.",
                  kPhase->footer, kPhase->workflow, kPhase->workflow));
  return [&global, args, flag_values] { return RunPhase(global, *kPhase, *args, *flag_values); };
}

}  // namespace

const std::vector<const Phase*>& Phases() {
  static const std::vector<const Phase*> kPhases = {&kLockPhase, &kBackupPhase, &kClonePhase,
                                                    &kRefactorPhase};
  return kPhases;
}

extern const Command kLockCommand{"lock", kLockPhase.summary, SetupPhase<&kLockPhase>};
extern const Command kBackupCommand{"backup", kBackupPhase.summary, SetupPhase<&kBackupPhase>};
extern const Command kCloneCommand{"clone", kClonePhase.summary, SetupPhase<&kClonePhase>};
extern const Command kRefactorCommand{"refactor", kRefactorPhase.summary,
                                      SetupPhase<&kRefactorPhase>};

}  // namespace flightplan::cli
