// VerifyGen2Project's commands and errors, through a fake ProcessRunner:
// no Node.js, npm or network needed (the real run is verify_cli_test.cc).
#include "steps/amplify/verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "steps/amplify/gen1_project.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::FixtureDir;
using ::testing::HasSubstr;
using testing::ScratchDir;

// Records every command; runs `node` successfully and answers for `npm`
// with `npm_result`.
class FakeNodeRunner final : public ProcessRunner {
 public:
  Result<ProcessResult> Run(const ProcessSpec& spec) override {
    specs.push_back(spec);
    if (spec.argv.front() == "npm") return npm_result;
    ProcessResult ok;
    ok.exit_code = 0;
    ok.stdout_text = "v20.20.2\n";
    return ok;
  }
  Result<ProcessResult> npm_result = ProcessResult{};
  std::vector<ProcessSpec> specs;
};

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Gen1Project> loaded = LoadGen1Project(FixtureDir("backend-only"));
    ASSERT_TRUE(loaded) << loaded.error().ToString();
    project_ = std::move(*loaded);
  }
  Gen1Project project_;
  ScratchDir scratch_;
  FakeNodeRunner runner_;
};

TEST_F(VerifyTest, WithoutToolchainChecksNodeThenInstallsPreferringTheNpmCache) {
  ProcessResult failed;
  failed.exit_code = 1;
  failed.stderr_text = "npm error code ENOTFOUND\n";
  runner_.npm_result = failed;

  Result<VerifyResult> result = VerifyGen2Project(project_, scratch_.path(), {}, runner_);

  ASSERT_FALSE(result);
  ASSERT_EQ(runner_.specs.size(), 2u);
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("node", "--version"));
  EXPECT_THAT(runner_.specs[1].argv,
              ElementsAre("npm", "install", "--prefer-offline", "--no-audit", "--no-fund"));
  EXPECT_EQ(runner_.specs[1].cwd, fs::absolute(scratch_.path()).string());
  EXPECT_TRUE(runner_.specs[1].deadline.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kStepFailed);
  EXPECT_THAT(result.error().ToString(), HasSubstr("ENOTFOUND"));
  EXPECT_THAT(result.error().ToString(), HasSubstr("npm registry or a warm npm cache"));
}

TEST_F(VerifyTest, NpmMissingFromPathIsNotFoundNamingWhatToInstallOrPass) {
  runner_.npm_result = MakeError(ErrorCode::kNotFound, "cannot run 'npm': No such file");

  Result<VerifyResult> result = VerifyGen2Project(project_, scratch_.path(), {}, runner_);

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(result.error().message(), HasSubstr("npm is not on PATH"));
  EXPECT_THAT(result.error().message(), HasSubstr("Install Node.js 20 or later with npm"));
  EXPECT_THAT(result.error().message(), HasSubstr("--toolchain DIR"));
}

}  // namespace
}  // namespace flightplan::amplify
