// Verification of a generated Gen2 project with the real toolchain: install
// (or link) the pinned packages, synthesize CloudFormation, type-check, and
// compare the synthesized stateful resources with the Gen1 deployed ones
// (fidelity.h). Node.js and npm are run through the ProcessRunner seam.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_VERIFY_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_VERIFY_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "base/error.h"
#include "engine/process_runner.h"
#include "steps/amplify/fidelity.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"

namespace flightplan::amplify {

struct VerifyOptions {
  // A directory whose node_modules (and package-lock.json) hold the pinned
  // toolchain, linked into the project; empty: `npm install` in the project.
  std::filesystem::path toolchain_dir;
  std::string branch_name;  // amplify-backend-name for synthesis; empty: env
  RefactorPhase phase = RefactorPhase::kPreRefactor;
  // Per step (install, synthesis, type-check). A cold `npm install` of the
  // pinned toolchain takes a few minutes; 15 allows for a slow network.
  std::chrono::seconds step_timeout{900};
};

struct VerifyResult {
  FidelityReport fidelity;
  std::string synth_output;  // tails of the tool output, for diagnosis
  std::string tsc_output;
};

// The "dependencies" of the generated project's package.json (what the Gen1
// functions need), package -> range. Errors: those of ReadJsonFile.
[[nodiscard]] Result<std::map<std::string, std::string>> ProjectDependencies(
    const std::filesystem::path& project_dir);

// Verifies the generated project in `project_dir` against `gen1`. Runs
// `node --version` first; without options.toolchain_dir, `npm install
// --prefer-offline` in the project (the npm registry, or a warm npm cache).
// With it, the toolchain is linked; when the project declares dependencies
// (ProjectDependencies), they are installed with npm into
// node_modules/.function-deps/ and linked beside the toolchain's packages,
// never written into toolchain_dir; npm is checked before anything is linked.
// Errors: kStepFailed when npm install, synthesis or type-checking fails or
// times out (the message carries the tool's output); kNotFound when node,
// or npm (without a toolchain_dir, or with one for a project that has
// dependencies) is not on PATH (the message says what to
// install). The generated files are left as they are either way.
// A fidelity difference is not an error: check result.fidelity.Failed().
[[nodiscard]] Result<VerifyResult> VerifyGen2Project(const Gen1Project& gen1,
                                                     const std::filesystem::path& project_dir,
                                                     const VerifyOptions& options,
                                                     ProcessRunner& runner);

// Synthesizes the project with its own node_modules into `out_dir` as a
// deploy of branch `branch` of app `backend_namespace` does (the same
// CDK context), for comparing with what is deployed. Errors: kNotFound
// without node or the project's tsx (the message says to install them);
// kStepFailed when synthesis fails (with the tool's output).
[[nodiscard]] Result<void> SynthesizeProject(const std::filesystem::path& project_dir,
                                             const std::filesystem::path& out_dir,
                                             const std::string& backend_namespace,
                                             const std::string& branch,
                                             std::chrono::seconds timeout, ProcessRunner& runner);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_VERIFY_H_
