#include "cli/gen1_source.h"

#include <fmt/format.h>
#include <stdlib.h>

#include "cli/exit_codes.h"
#include "steps/migration/cloud_backend.h"

namespace flightplan::cli {

namespace fs = std::filesystem;

Gen1Source::~Gen1Source() {
  if (temp_.empty()) return;
  std::error_code ec;
  fs::remove_all(temp_, ec);
}

void Gen1Source::AddOptions(CLI::App& sub) {
  CLI::Option* gen1 =
      sub.add_option("--gen1", gen1_, "The Gen1 project directory (holds amplify/)");
  sub.add_option("--env", env_,
                 "The Gen1 environment to read (with --app-id: required; with --gen1: needed "
                 "when the project names none, e.g. a fresh clone without "
                 "team-provider-info.json)");
  CLI::Option* app =
      sub.add_option("--app-id", app_id_,
                     "Read the environment --env of this Amplify app from the cloud (its "
                     "#current-cloud-backend.zip) instead of a local project");
  app->excludes(gen1);
  AddAwsOptions(sub, region_, profile_, "With --app-id: ");
}

std::optional<int> Gen1Source::Load(Context& ctx, amplify::Gen1Project& out, bool print_notes) {
  Console& console = ctx.console();
  fs::path dir = gen1_;
  if (gen1_.empty() && app_id_.empty()) {
    return ReportError(console, Error(ErrorCode::kInvalidInput,
                                      "name the Gen1 project: --gen1 DIR (a local project) or "
                                      "--app-id ID --env ENV (a deployed environment)"));
  }
  if (!app_id_.empty()) {
    if (env_.empty()) {
      return ReportError(console,
                         Error(ErrorCode::kInvalidInput,
                               fmt::format("--app-id needs --env NAME (`aws amplify "
                                           "list-backend-environments --app-id {}` lists them)",
                                           app_id_)));
    }
    Result<aws::AwsClient*> client = ctx.aws_clients().Get(profile_, region_);
    if (!client) return ReportError(console, client.error());
    std::error_code ec;
    std::string pattern = (fs::temp_directory_path(ec) / "flightplan-gen1-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return ReportError(console, Error(ErrorCode::kPermissionDenied,
                                        "cannot create a temporary folder for the cloud backend "
                                        "(set TMPDIR to a writable folder)"));
    }
    temp_ = pattern;
    Result<migration::CloudProject> fetched =
        migration::FetchCloudProject(**client, ctx.clock(), app_id_, env_, temp_);
    if (!fetched) {
      console.Err(fmt::format("{} {}", console.Red("flightplan:"), fetched.error().ToString()));
      return ExitCodeFor(fetched.error()) == kExitUsage ? kExitStepFailed
                                                        : ExitCodeFor(fetched.error());
    }
    console.Err(fmt::format("read s3://{}/{} of app {} env {} ({} files)",
                            fetched->deployment_bucket, migration::kCloudBackendKey, app_id_, env_,
                            fetched->files));
    dir = temp_;
  }
  Result<amplify::Gen1Project> project = amplify::LoadGen1Project(dir, {.env = env_});
  if (!project) {
    if (app_id_.empty()) return ReportError(console, project.error());
    console.Err(fmt::format("{} {} (read from #current-cloud-backend.zip of app {} env {})",
                            console.Red("flightplan:"), project.error().ToString(), app_id_, env_));
    return kExitStepFailed;
  }
  if (print_notes) {
    for (const std::string& warning : project->warnings) console.Err("warning: " + warning);
    for (const std::string& approximate : project->approximations) {
      console.Err("approximate: " + approximate);
    }
  }
  out = std::move(*project);
  return std::nullopt;
}

}  // namespace flightplan::cli
