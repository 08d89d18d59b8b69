// The assess and generate commands as a user runs them: the real binary,
// its output and its exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/value.h"
#include "steps/amplify/gen1_project.h"
#include "steps/sys/posix_process_runner.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using testing::FixtureDir;
using ::testing::HasSubstr;
using testing::ReadFile;
using testing::ScratchDir;

ProcessResult Flightplan(std::vector<std::string> args) {
  args.insert(args.begin(), FLIGHTPLAN_BINARY);
  PosixProcessRunner runner;
  ProcessSpec spec;
  spec.argv = std::move(args);
  spec.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  Result<ProcessResult> result = runner.Run(spec);
  EXPECT_TRUE(result) << result.error().ToString();
  return result ? *result : ProcessResult{};
}

TEST(CliTest, AssessJsonListsEveryResourceAndReportWritesMarkdown) {
  ScratchDir scratch;
  fs::path report = scratch.path() / "assessment.md";
  ProcessResult r = Flightplan({"assess", "--gen1", FixtureDir("media-vault").string(), "--json",
                                "--report", report.string()});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  Result<Value> json = Value::FromJson(r.stdout_text);
  ASSERT_TRUE(json) << r.stdout_text;
  EXPECT_EQ(StringField(*json, "project"), "mediavault");
  EXPECT_GE(json->Find("resources")->as_list().size(), 6u);
  EXPECT_THAT(ReadFile(report), HasSubstr("# Migration assessment: mediavault (main)"));
}

TEST(CliTest, AssessOfAFolderThatIsNoGen1ProjectExitsWithUsageError) {
  ScratchDir scratch;
  ProcessResult r = Flightplan({"assess", "--gen1", scratch.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.stderr_text, HasSubstr("backend-config.json"));
}

TEST(CliTest, GenerateRefusesToOverwriteWithoutForce) {
  ScratchDir scratch;
  fs::path out = scratch.path() / "gen2";
  ProcessResult first =
      Flightplan({"generate", "--gen1", FixtureDir("discussions").string(), "--out", out.string()});
  ASSERT_EQ(first.exit_code, 0) << first.stderr_text;
  EXPECT_TRUE(fs::exists(out / "amplify" / "backend.ts"));
  ProcessResult second =
      Flightplan({"generate", "--gen1", FixtureDir("discussions").string(), "--out", out.string()});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.stderr_text, HasSubstr("--force"));
  ProcessResult forced = Flightplan({"generate", "--gen1", FixtureDir("discussions").string(),
                                     "--out", out.string(), "--force", "--phase", "post-refactor"});
  EXPECT_EQ(forced.exit_code, 0) << forced.stderr_text;
  EXPECT_THAT(ReadFile(out / "amplify" / "migration.json"), HasSubstr("\"post-refactor\""));
}

// A fresh clone: no team-provider-info.json, no #current-cloud-backend/, no
// amplify-meta.json. Nothing names the env, so --env is asked for; with it
// assess and generate work and say what is approximate.
TEST(CliTest, WithoutDeployedStateAssessAndGenerateTakeEnv) {
  ScratchDir scratch;
  fs::path root = testing::CopyFixture("fitness-tracker", scratch.path());
  fs::remove(root / "amplify" / "team-provider-info.json");
  fs::remove_all(root / "amplify" / "#current-cloud-backend");
  fs::remove(root / "amplify" / "backend" / "amplify-meta.json");
  fs::path out = scratch.path() / "gen2";

  ProcessResult no_env = Flightplan({"assess", "--gen1", root.string()});
  EXPECT_EQ(no_env.exit_code, 2) << no_env.stderr_text;
  EXPECT_THAT(no_env.stderr_text, HasSubstr("--env NAME"));
  ProcessResult no_env_generate =
      Flightplan({"generate", "--gen1", root.string(), "--out", out.string()});
  EXPECT_EQ(no_env_generate.exit_code, 2);
  EXPECT_THAT(no_env_generate.stderr_text, HasSubstr("--env NAME"));
  EXPECT_FALSE(fs::exists(out));

  ProcessResult assess = Flightplan({"assess", "--gen1", root.string(), "--env", "main"});
  ASSERT_EQ(assess.exit_code, 0) << assess.stderr_text;
  EXPECT_THAT(assess.stdout_text, HasSubstr("# Migration assessment: fitnesstracker (main)"));
  EXPECT_THAT(assess.stdout_text, HasSubstr("## Approximate without deployed state"));
  EXPECT_THAT(assess.stdout_text, HasSubstr("api/adminapi is copied from its deployed template"));
  ProcessResult json = Flightplan({"assess", "--gen1", root.string(), "--env", "main", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.stderr_text;
  Result<Value> report = Value::FromJson(json.stdout_text);
  ASSERT_TRUE(report) << json.stdout_text;
  EXPECT_FALSE(report->Find("deployedState")->as_bool());
  EXPECT_FALSE(report->Find("approximate")->as_list().empty());

  ProcessResult generate =
      Flightplan({"generate", "--gen1", root.string(), "--out", out.string(), "--env", "main"});
  ASSERT_EQ(generate.exit_code, 0) << generate.stderr_text;
  EXPECT_THAT(generate.stderr_text, HasSubstr("approximate: no deployed state"));
  EXPECT_THAT(generate.stderr_text,
              HasSubstr("the root stack name, its hash and region are unknown"));
  EXPECT_THAT(ReadFile(out / "amplify" / "auth" / "resource.ts"), HasSubstr("groups: ['Admin'],"));
  EXPECT_THAT(ReadFile(out / "amplify" / "migration.json"), HasSubstr("\"env\": \"main\""));
}

// Through the real binary: assess names the undeclared package with its file
// and line, and generate declares the SDK the handler leaves to the runtime.
TEST(CliTest, AssessReportsAnUndeclaredImportWithFileAndLineAndGenerateDeclaresTheSdk) {
  ScratchDir scratch;
  fs::path root = testing::CopyFixture("media-vault", scratch.path());
  testing::WriteFile(root / "amplify/backend/function/thumbnailgen/src/resize.js",
                     "\n// Resizes images.\nimport sharp from 'sharp/lib/index.js';\n"
                     "export const resize = (b) => sharp(b).resize(64).toBuffer();\n");
  ProcessResult assess = Flightplan({"assess", "--gen1", root.string()});
  ASSERT_EQ(assess.exit_code, 0) << assess.stderr_text;
  EXPECT_THAT(assess.stdout_text,
              HasSubstr("**function/thumbnailgen**: `sharp` is imported at src/resize.js:3 but not "
                        "declared in src/package.json"));
  EXPECT_THAT(assess.stdout_text, HasSubstr("docs/generate.md#function-dependencies"));
  fs::path out = scratch.path() / "gen2";
  ProcessResult generate = Flightplan({"generate", "--gen1", root.string(), "--out", out.string()});
  ASSERT_EQ(generate.exit_code, 0) << generate.stderr_text;
  EXPECT_THAT(generate.stderr_text,
              HasSubstr("declared: @aws-sdk/client-s3 3.1169.0 in package.json: function "
                        "thumbnailgen imports it (src/index.js:1) without declaring it"));
  Value pkg = testing::ReadJson(out / "package.json");
  const Value* deps = pkg.Find("dependencies");
  ASSERT_NE(deps, nullptr);
  // thumbnailgen's handler imports the S3 client; Gen1 left it to the runtime.
  EXPECT_EQ(StringField(*deps, "@aws-sdk/client-s3"), "3.1169.0");
  EXPECT_EQ(deps->Find("sharp"), nullptr);
}

}  // namespace
}  // namespace flightplan::amplify
