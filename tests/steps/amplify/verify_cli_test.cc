// `flightplan generate --verify` without --toolchain as a user runs it: the
// real binary runs `npm install` in the generated project, synthesizes,
// type-checks and prints the fidelity report; and, when Node.js or npm is
// missing, says what to install and keeps the generated project.
//
// The ToolchainVerifyTests need Node.js, npm and the npm registry (or a warm
// npm cache); they are skipped without node or npm on PATH (the --toolchain
// one also without tests/gen2-toolchain installed), never on a network
// error. It takes a few minutes and 500 MB, so scripts/test.sh leaves it out
// of the sanitizer build.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "base/value.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"
#include "steps/sys/posix_process_runner.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using testing::CopyFixture;
using ::testing::HasSubstr;
using testing::ReadJson;
using testing::ScratchDir;

// The executable `name` would run as from this process's PATH; empty if none.
fs::path OnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

ProcessResult Flightplan(std::vector<std::string> args, std::map<std::string, std::string> env,
                         std::chrono::seconds timeout) {
  args.insert(args.begin(), FLIGHTPLAN_BINARY);
  PosixProcessRunner runner;
  ProcessSpec spec;
  spec.argv = std::move(args);
  spec.env = std::move(env);
  spec.deadline = std::chrono::steady_clock::now() + timeout;
  Result<ProcessResult> result = runner.Run(spec);
  EXPECT_TRUE(result) << result.error().ToString();
  return result ? *result : ProcessResult{};
}

std::string InstalledVersion(const fs::path& project, const std::string& package) {
  fs::path manifest = project / "node_modules" / package / "package.json";
  if (!fs::exists(manifest)) return "(not installed: no " + manifest.string() + ")";
  return StringField(ReadJson(manifest), "version");
}

TEST(ToolchainVerifyTest, NpmInstallWithoutToolchainSynthesizesAndReports) {
  if (OnPath("node").empty() || OnPath("npm").empty()) {
    GTEST_SKIP() << "node or npm is not on PATH: install Node.js 20 or later with npm to run "
                    "`generate --verify` without --toolchain";
  }
  ScratchDir scratch;
  fs::path gen1 = CopyFixture("backend-only", scratch.path());
  fs::path out = scratch.path() / "gen2";

  // Below the CTest timeout (900 s), so a slow install reports its output.
  ProcessResult r =
      Flightplan({"generate", "--gen1", gen1.string(), "--out", out.string(), "--verify"}, {},
                 std::chrono::seconds(840));

  ASSERT_FALSE(r.timed_out) << "generate --verify still ran after 840 s:\n"
                            << r.stdout_text << r.stderr_text;
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("verifying: npm install"));
  EXPECT_THAT(r.stdout_text, HasSubstr("Fidelity report"));
  // npm installed what the generated package.json pins, not a newer release.
  EXPECT_EQ(InstalledVersion(out, "@aws-amplify/backend"), "1.25.1");
  EXPECT_EQ(InstalledVersion(out, "aws-cdk-lib"), "2.276.0");
  EXPECT_EQ(PinnedToolchain().at("@aws-amplify/backend"), "1.25.1");
  EXPECT_EQ(PinnedToolchain().at("aws-cdk-lib"), "2.276.0");
  EXPECT_TRUE(fs::exists(out / "package-lock.json"));
}

// Every fixture app in both refactor states, as a user runs it: generate,
// `npm install` (not --toolchain), synthesize, type-check, and a fidelity
// report with no identity difference (exit 0; a difference exits 1). Ten
// installs of the Gen2 toolchain take a while, so CI runs the one above
// (backend-only, pre-refactor) and FLIGHTPLAN_FULL_NPM_VERIFY=1 runs these
// ten; the last full run is in docs/testing.md.
struct AppPhase {
  std::string app;
  std::string phase;  // generate --phase
};

std::vector<AppPhase> FullNpmMatrix() {
  const char* full = std::getenv("FLIGHTPLAN_FULL_NPM_VERIFY");
  if (full == nullptr || std::string(full) != "1") return {};
  std::vector<AppPhase> out;
  for (const char* app :
       {"backend-only", "discussions", "fitness-tracker", "media-vault", "product-catalog"}) {
    for (const char* phase : {"pre-refactor", "post-refactor"}) out.push_back({app, phase});
  }
  return out;
}

class NpmVerifyEveryAppTest : public ::testing::TestWithParam<AppPhase> {};

TEST_P(NpmVerifyEveryAppTest, InstallsSynthesizesAndKeepsEveryIdentity) {
  if (OnPath("node").empty() || OnPath("npm").empty()) {
    GTEST_SKIP() << "node or npm is not on PATH";
  }
  ScratchDir scratch;
  fs::path gen1 = CopyFixture(GetParam().app, scratch.path());
  fs::path out = scratch.path() / "gen2";
  ProcessResult r = Flightplan({"generate", "--gen1", gen1.string(), "--out", out.string(),
                                "--phase", GetParam().phase, "--verify"},
                               {}, std::chrono::seconds(840));
  ASSERT_FALSE(r.timed_out) << r.stdout_text << r.stderr_text;
  EXPECT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("verifying: npm install"));
  EXPECT_THAT(r.stdout_text, HasSubstr("Fidelity report"));
  EXPECT_EQ(InstalledVersion(out, "@aws-amplify/backend"),
            PinnedToolchain().at("@aws-amplify/backend"));
  EXPECT_EQ(StringField(ReadJson(out / "amplify" / "migration.json"), "phase"), GetParam().phase);
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NpmVerifyEveryAppTest);
INSTANTIATE_TEST_SUITE_P(Full, NpmVerifyEveryAppTest, ::testing::ValuesIn(FullNpmMatrix()),
                         [](const ::testing::TestParamInfo<AppPhase>& param) {
                           std::string name = param.param.app + "_" + param.param.phase;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

// Runs `generate --verify` with PATH = `bin` only.
ProcessResult VerifyWithPath(const fs::path& gen1, const fs::path& out, const fs::path& bin) {
  return Flightplan({"generate", "--gen1", gen1.string(), "--out", out.string(), "--verify"},
                    {{"PATH", bin.string()}}, std::chrono::seconds(60));
}

void ExpectGeneratedProjectKept(const fs::path& out) {
  EXPECT_TRUE(fs::exists(out / "amplify" / "backend.ts"));
  EXPECT_TRUE(fs::exists(out / "package.json"));
  EXPECT_FALSE(fs::exists(out / "node_modules"));
}

TEST(VerifyPrerequisitesTest, WithoutNpmOnPathExitsNamingNpmAndKeepsTheGeneratedProject) {
  fs::path node = OnPath("node");
  if (node.empty()) GTEST_SKIP() << "node is not on PATH: this test runs flightplan with node only";
  ScratchDir scratch;
  fs::path gen1 = CopyFixture("backend-only", scratch.path());
  fs::path bin = scratch.path() / "bin";
  fs::create_directories(bin);
  fs::create_symlink(fs::canonical(node), bin / "node");
  fs::path out = scratch.path() / "gen2";

  ProcessResult r = VerifyWithPath(gen1, out, bin);

  EXPECT_EQ(r.exit_code, 2) << r.stdout_text << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("npm is not on PATH"));
  EXPECT_THAT(r.stderr_text, HasSubstr("Install Node.js 20 or later with npm"));
  EXPECT_THAT(r.stderr_text, HasSubstr("--toolchain DIR"));
  EXPECT_THAT(r.stderr_text, HasSubstr("the generated project stays in " + out.string()));
  ExpectGeneratedProjectKept(out);
}

TEST(VerifyPrerequisitesTest, WithoutNodeOnPathExitsNamingNodeAndKeepsTheGeneratedProject) {
  ScratchDir scratch;
  fs::path gen1 = CopyFixture("backend-only", scratch.path());
  fs::path bin = scratch.path() / "bin";
  fs::create_directories(bin);
  fs::path out = scratch.path() / "gen2";

  ProcessResult r = VerifyWithPath(gen1, out, bin);

  EXPECT_EQ(r.exit_code, 2) << r.stdout_text << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("Node.js ('node') is not on PATH"));
  EXPECT_THAT(r.stderr_text, HasSubstr("Install Node.js 20 or later"));
  ExpectGeneratedProjectKept(out);
}

fs::path Toolchain() { return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests" / "gen2-toolchain"; }

// The file under `dir` whose text holds `needle`, or empty.
fs::path FileContaining(const fs::path& dir, const std::string& needle) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".mjs") continue;
    if (testing::ReadFile(e.path()).find(needle) != std::string::npos) return e.path();
  }
  return {};
}

// The regression of issue 11: fitness-tracker's real lognutrition handler
// imports @aws-sdk/client-dynamodb, which Gen1 left to the Lambda runtime;
// its other functions declare express, body-parser and the Cognito client.
// `--verify --toolchain` installs them beside the linked toolchain (never
// into it), and the function bundles hold them.
TEST(ToolchainVerifyTest, ToolchainVerifyInstallsTheFunctionsDependenciesBesideTheToolchain) {
  if (!fs::exists(Toolchain() / "node_modules" / ".bin" / "tsx")) {
    GTEST_SKIP() << "the pinned Gen2 toolchain is not installed: run `npm ci` in "
                    "tests/gen2-toolchain (scripts/test.sh does)";
  }
  if (OnPath("npm").empty()) GTEST_SKIP() << "npm is not on PATH";
  ScratchDir scratch;
  fs::path gen1 = CopyFixture("fitness-tracker", scratch.path());
  fs::path out = scratch.path() / "gen2";
  const bool toolchain_had_dynamodb =
      fs::exists(Toolchain() / "node_modules" / "@aws-sdk" / "client-dynamodb");

  ProcessResult r = Flightplan({"generate", "--gen1", gen1.string(), "--out", out.string(),
                                "--verify", "--toolchain", Toolchain().string()},
                               {}, std::chrono::seconds(840));

  ASSERT_FALSE(r.timed_out) << r.stdout_text << r.stderr_text;
  ASSERT_EQ(r.exit_code, 0) << r.stdout_text << r.stderr_text;
  EXPECT_THAT(r.stdout_text,
              HasSubstr("linking the toolchain and installing the functions' dependencies beside "
                        "it (@aws-sdk/client-cognito-identity-provider, @aws-sdk/client-dynamodb, "
                        "@aws-sdk/lib-dynamodb, aws-serverless-express, body-parser, express)"));
  EXPECT_THAT(r.stdout_text, HasSubstr("no stateful resource would be replaced"));
  // The project's node_modules is its own: links to the toolchain and to
  // the installed dependencies; the toolchain did not change.
  EXPECT_FALSE(fs::is_symlink(out / "node_modules"));
  EXPECT_TRUE(fs::is_symlink(out / "node_modules" / "aws-cdk-lib"));
  ASSERT_TRUE(fs::is_symlink(out / "node_modules" / "@aws-sdk" / "client-dynamodb"));
  EXPECT_THAT(fs::read_symlink(out / "node_modules" / "@aws-sdk" / "client-dynamodb").string(),
              HasSubstr(".function-deps"));
  EXPECT_EQ(InstalledVersion(out, "@aws-sdk/client-dynamodb"), "3.1169.0");
  EXPECT_EQ(fs::exists(Toolchain() / "node_modules" / "@aws-sdk" / "client-dynamodb"),
            toolchain_had_dynamodb);
  // The lognutrition bundle holds the DynamoDB document client.
  EXPECT_FALSE(FileContaining(out / "cdk.out", "DynamoDBDocumentClient").empty());
}

TEST(VerifyPrerequisitesTest, WithToolchainButNoNpmAProjectWithDependenciesStopsBeforeLinking) {
  fs::path node = OnPath("node");
  if (node.empty()) GTEST_SKIP() << "node is not on PATH: this test runs flightplan with node only";
  ScratchDir scratch;
  fs::path gen1 = CopyFixture("backend-only", scratch.path());
  fs::path bin = scratch.path() / "bin";
  fs::create_directories(bin);
  fs::create_symlink(fs::canonical(node), bin / "node");
  fs::path out = scratch.path() / "gen2";

  ProcessResult r = Flightplan({"generate", "--gen1", gen1.string(), "--out", out.string(),
                                "--verify", "--toolchain", Toolchain().string()},
                               {{"PATH", bin.string()}}, std::chrono::seconds(60));

  EXPECT_EQ(r.exit_code, 2) << r.stdout_text << r.stderr_text;
  EXPECT_THAT(r.stderr_text,
              HasSubstr("npm is not on PATH: the generated project's functions depend on "
                        "cli-table3, which --verify --toolchain installs beside the linked "
                        "toolchain with npm"));
  ExpectGeneratedProjectKept(out);
}

}  // namespace
}  // namespace flightplan::amplify
