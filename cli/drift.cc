// flightplan drift: runs the built-in `drift` workflow on
// app/<app-id>/env/<env> (as `flightplan run drift --param …` does), then
// prints the report its step journaled and exits by what it says:
// 0 clean, 1 drift found, 8 a check could not complete (docs/cli.md).
// Options as every phase's (cli/phase.h), plus --project and --json.
#include "steps/migration/drift.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/phase.h"
#include "cli/run_driver.h"

namespace flightplan::cli {
namespace {

constexpr std::string_view kDriftWorkflow = "drift";
constexpr std::string_view kDriftStep = "check";

struct DriftArgs {
  PhaseTarget target;
  std::string profile;
  std::string stateful_types;
  std::string project;
  std::vector<std::string> params;
  bool json = false;
};

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

// The report the run's drift step journaled.
Result<migration::DriftReport> JournaledReport(Journal& journal, RunId run) {
  ASSIGN_OR_RETURN(std::vector<StepRecord> steps, journal.GetSteps(run));
  for (const StepRecord& s : steps) {
    if (s.step_id != kDriftStep) continue;
    const Value* report = s.outputs.Find("report");
    if (report == nullptr) break;
    return migration::DriftReportFromValue(*report);
  }
  return MakeError(ErrorCode::kInternal,
                   fmt::format("run {} journaled no drift report (step '{}')", run, kDriftStep));
}

int RunDrift(const GlobalOptions& global, DriftArgs& args) {
  Context ctx(global);
  Console& console = ctx.console();
  if (args.json) console.LinesToStderr();
  std::error_code ec;
  std::string project = args.project.empty() ? "" : Absolute(args.project);
  if (project.empty() && std::filesystem::is_directory("amplify/backend", ec)) {
    project = Absolute(".");
  }
  Result<PhaseTarget> target = ResolvePhaseTarget(project.empty() ? "." : project, args.target);
  if (!target) return ReportError(console, target.error());
  auto workflow = ctx.LoadWorkflow(std::string(kDriftWorkflow));
  if (!workflow) return ReportError(console, workflow.error());
  auto params = ParseParams(args.params);
  if (!params) return ReportError(console, params.error());
  (*params)["app_id"] = target->app_id;
  (*params)["env"] = target->env;
  if (!target->region.empty()) (*params)["region"] = target->region;
  if (!args.profile.empty()) (*params)["profile"] = args.profile;
  if (!args.stateful_types.empty()) (*params)["stateful_types"] = Absolute(args.stateful_types);
  if (!project.empty()) (*params)["project"] = project;
  // The command reports and picks the exit code from the report; failing the
  // step instead (lock's validation) would hide the report.
  (*params)["fail_on_drift"] = "false";
  auto journal = ctx.OpenJournal(/*create=*/true);
  if (!journal) return ReportError(console, journal.error());

  DriveRequest request;
  request.drive = Drive::kStart;
  int code = DriveRun(ctx, *workflow, *params, request);
  if (global.dry_run) return code;
  if (code != kExitOk) {
    // The run failed (the environment could not be found or read): the
    // check did not complete. Other exit codes (lease, usage…) say more.
    if (code != kExitStepFailed) return code;
    console.Err("drift: the check could not complete; the environment is not known to be clean");
    return kExitDriftIncomplete;
  }
  auto resolved = ctx.MakeExecutor()->TargetFor(*workflow, *params, "");
  if (!resolved) return ReportError(console, resolved.error());
  auto runs = (*journal)->ListRuns(workflow->name, *resolved);
  if (!runs) return ReportError(console, runs.error());
  if (runs->empty() || runs->front().state != RunState::kSucceeded) {
    console.Err("drift: no finished drift run to report");
    return kExitDriftIncomplete;
  }
  Result<migration::DriftReport> report = JournaledReport(**journal, runs->front().id);
  if (!report) {
    ReportError(console, report.error());
    return kExitDriftIncomplete;
  }
  if (args.json) {
    console.Write(report->ToValue().ToJson() + "\n");
  } else {
    console.Write(report->ToText());
  }
  switch (report->Overall()) {
    case migration::DriftStatus::kClean:
    case migration::DriftStatus::kSkipped:
      return kExitOk;
    case migration::DriftStatus::kDrift:
      return kExitDriftFound;
    case migration::DriftStatus::kIncomplete:
      return kExitDriftIncomplete;
  }
  return kExitDriftIncomplete;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<DriftArgs>();
  AddEnvironmentOptions(sub, args->target, args->profile);
  AddStatefulTypesOption(sub, args->stateful_types);
  sub.add_option("--project", args->project,
                 "A Gen1 project folder whose amplify/backend is compared with the cloud backend "
                 "(default: the current directory when it holds amplify/backend)");
  sub.add_flag("--json", args->json,
               "Print the report as JSON on stdout (progress goes to stderr)");
  sub.add_option("-p,--param", args->params, "Another workflow parameter, name=value (repeatable)");
  sub.footer(
      "Read-only. Reports three sources, each on its own: CloudFormation drift (DetectStackDrift\n"
      "on the root and every nested stack), template drift (the deployment bucket's templates\n"
      "against the deployed ones), and local drift (amplify/backend against\n"
      "#current-cloud-backend.zip, inside a Gen1 project). What `flightplan lock` changed on\n"
      "purpose, and known false positives of AWS's detector, are filtered out, each filter\n"
      "named in the report.\n\n"
      "Exit codes: 0 clean, 1 drift found, 8 a check could not complete (never 0 when unsure);\n"
      "the others as every command's (docs/cli.md). The run's target is app/<app-id>/env/<env>;\n"
      "`flightplan run drift --param app_id=… --param env=…` is the same run. --dry-run says\n"
      "which checks it would make.");
  return [&global, args] { return RunDrift(global, *args); };
}

}  // namespace

extern const Command kDriftCommand{
    "drift", "Report drift of an environment from what Amplify deployed (read-only)", Setup};

}  // namespace flightplan::cli
