// `flightplan generate (--gen1 DIR [--env E] | --app-id ID --env E [--region R]
// [--profile P]) --out DIR [--force] [--phase P] [--verify]`: writes the Gen2
// project for a Gen1 project (local, or read from the cloud) and, with --verify, installs
// its toolchain, synthesizes, type-checks and prints the fidelity report
// (docs/generate.md).
#include "steps/amplify/generate.h"

#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/gen1_source.h"
#include "steps/amplify/function_deps.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/verify.h"
#include "steps/amplify/write_files.h"
#include "steps/sys/posix_process_runner.h"

namespace flightplan::cli {
namespace {

struct GenerateArgs {
  Gen1Source source;
  std::string out;
  bool force = false;
  std::string phase = "pre-refactor";
  std::string branch;
  bool verify = false;
  std::string toolchain;
};

int RunGenerate(const GlobalOptions& global, GenerateArgs& args) {
  Context ctx(global);
  Console& console = ctx.console();
  auto project = std::make_unique<amplify::Gen1Project>();
  if (std::optional<int> failed = args.source.Load(ctx, *project, /*print_notes=*/true)) {
    return *failed;
  }
  // The AWS SDK packages Gen1 left to the Lambda runtime, declared by
  // generate (docs/generate.md#function-dependencies).
  for (const amplify::Gen1Resource* fn : project->OfCategory("function")) {
    for (const amplify::UndeclaredPackage& p : amplify::AnalyzeFunctionImports(*fn).undeclared) {
      if (p.resolution == amplify::UndeclaredResolution::kManual) continue;
      console.Err(fmt::format(
          "declared: {} {} in package.json: function {} imports it ({}:{}) without declaring it; "
          "Gen1 left it to the Lambda runtime",
          p.package, p.version, fn->name, p.uses.front().file, p.uses.front().line));
    }
  }
  amplify::GenerateOptions options;
  options.phase = args.phase == "post-refactor" ? amplify::RefactorPhase::kPostRefactor
                                                : amplify::RefactorPhase::kPreRefactor;
  options.branch_name = args.branch;
  Result<amplify::GeneratedFiles> files = amplify::GenerateGen2(*project, options);
  if (!files) return ReportError(console, files.error());
  Result<void> written = amplify::WriteGeneratedFiles(
      *files, args.out, args.force ? amplify::Overwrite::kYes : amplify::Overwrite::kNo);
  if (!written) return ReportError(console, written.error());
  console.Out(fmt::format("wrote {} files to {} ({})", files->size(), args.out, args.phase));
  if (!args.verify) return kExitOk;

  amplify::VerifyOptions verify;
  verify.toolchain_dir = args.toolchain;
  verify.branch_name = args.branch;
  verify.phase = options.phase;
  PosixProcessRunner runner;
  std::string install = "npm install";
  if (!args.toolchain.empty()) {
    install = "linking the toolchain";
    Result<std::map<std::string, std::string>> deps = amplify::ProjectDependencies(args.out);
    if (deps && !deps->empty()) {
      install += " and installing the functions' dependencies beside it (";
      bool first = true;
      for (const auto& [name, range] : *deps) {
        install += (first ? "" : ", ") + name;
        first = false;
      }
      install += ")";
    }
  }
  console.Out(fmt::format("verifying: {}, synthesis, type-check, fidelity...", install));
  Result<amplify::VerifyResult> verified =
      amplify::VerifyGen2Project(*project, args.out, verify, runner);
  if (!verified) {
    int code = ReportError(console, verified.error());
    console.Err(fmt::format(
        "the generated project stays in {}; after fixing the above, rerun with --force --verify",
        args.out));
    return code;
  }
  console.Write(verified->fidelity.ToText());
  return verified->fidelity.Failed() ? kExitStepFailed : kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<GenerateArgs>();
  args->source.AddOptions(sub);
  sub.add_option("--out", args->out, "Where to write the Gen2 project")->required();
  sub.add_flag("--force", args->force, "Replace the generated files in a non-empty --out");
  sub.add_option("--phase", args->phase, "pre-refactor (default) or post-refactor")
      ->check(CLI::IsMember({"pre-refactor", "post-refactor"}));
  sub.add_option("--branch", args->branch,
                 "Gen2 branch that adopts the Gen1 model tables (default: the Gen1 env)");
  sub.add_flag("--verify", args->verify,
               "Install, synthesize and type-check the result; print the fidelity report");
  sub.add_option("--toolchain", args->toolchain,
                 "With --verify: a directory whose node_modules hold the pinned toolchain "
                 "(linked instead of running npm install; the functions' own dependencies are "
                 "installed beside it with npm)");
  return [&global, args] { return RunGenerate(global, *args); };
}

}  // namespace

extern const Command kGenerateCommand{"generate", "Write a Gen2 backend for a Gen1 project", Setup};

}  // namespace flightplan::cli
