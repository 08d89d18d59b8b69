// `flightplan generate --gen1 DIR --out DIR [--force] [--phase P] [--verify]`:
// writes the Gen2 project for a Gen1 project (docs/generate.md).
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"

namespace flightplan::cli {
namespace {

struct GenerateArgs {
  std::string gen1;
  std::string out;
  bool force = false;
  std::string phase = "pre-refactor";
  std::string branch;
};

int Fail(const Error& error) {
  std::fprintf(stderr, "flightplan generate: %s\n", error.ToString().c_str());
  return ExitCodeFor(error);
}

int RunGenerate(const GenerateArgs& args) {
  Result<amplify::Gen1Project> project = amplify::LoadGen1Project(args.gen1);
  if (!project) return Fail(project.error());
  for (const std::string& warning : project->warnings) {
    std::fprintf(stderr, "warning: %s\n", warning.c_str());
  }
  amplify::GenerateOptions options;
  options.phase = args.phase == "post-refactor" ? amplify::RefactorPhase::kPostRefactor
                                                : amplify::RefactorPhase::kPreRefactor;
  options.branch_name = args.branch;
  Result<amplify::GeneratedFiles> files = amplify::GenerateGen2(*project, options);
  if (!files) return Fail(files.error());
  Result<void> written = amplify::WriteGeneratedFiles(
      *files, args.out, args.force ? amplify::Overwrite::kYes : amplify::Overwrite::kNo);
  if (!written) return Fail(written.error());
  std::printf("wrote %zu files to %s (%s)\n", files->size(), args.out.c_str(),
              args.phase.c_str());
  return kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& /*global*/) {
  auto args = std::make_shared<GenerateArgs>();
  sub.add_option("--gen1", args->gen1, "The Gen1 project directory (holds amplify/)")
      ->required();
  sub.add_option("--out", args->out, "Where to write the Gen2 project")->required();
  sub.add_flag("--force", args->force, "Replace the generated files in a non-empty --out");
  sub.add_option("--phase", args->phase, "pre-refactor (default) or post-refactor")
      ->check(CLI::IsMember({"pre-refactor", "post-refactor"}));
  sub.add_option("--branch", args->branch,
                 "Gen2 branch that adopts the Gen1 model tables (default: the Gen1 env)");
  return [args] { return RunGenerate(*args); };
}

}  // namespace

Command GenerateCommand() {
  return {"generate", "Write a Gen2 backend for a Gen1 project", &Setup};
}

}  // namespace flightplan::cli
