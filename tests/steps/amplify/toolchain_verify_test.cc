// Synthesizes and type-checks the Gen2 project generated for every fixture
// app, with its real function handlers, with the pinned toolchain in
// tests/gen2-toolchain (the functions' own dependencies installed beside it
// with npm), then checks that no stateful resource of the Gen1 deployment
// would be replaced. Needs Node.js
// and `npm ci` in tests/gen2-toolchain (scripts/test.sh runs it); skipped
// otherwise. About a minute and 500 MB per app.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"
#include "steps/amplify/verify.h"
#include "steps/amplify/write_files.h"
#include "steps/sys/posix_process_runner.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using testing::CopyFixture;
using testing::FixtureApps;
using testing::ReadJson;
using testing::ScratchDir;
using testing::WriteFile;
using testing::WriteJson;

fs::path Toolchain() { return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests" / "gen2-toolchain"; }

// Adds to backend-only what the fixtures lack: custom attributes
// ("custom:family_name"), a project Lambda layer used by a function, a
// Python function and a custom CDK stack.
void AddSyntheticFeatures(const fs::path& root) {
  const fs::path backend = root / "amplify/backend";
  const fs::path cloud = root / "amplify/#current-cloud-backend/awscloudformation/build";
  fs::path inputs = backend / "auth/backendonlyf8c4c57b/cli-inputs.json";
  Value cli = ReadJson(inputs);
  cli.as_map()
      .at("cognitoConfig")
      .Set("userpoolClientReadAttributes",
           Value(ValueList{Value("email"), Value("custom:family_name")}));
  WriteJson(inputs, cli);
  fs::path pool =
      cloud / "auth/backendonlyf8c4c57b/build/backendonlyf8c4c57b-cloudformation-template.json";
  Value tmpl = ReadJson(pool);
  tmpl.as_map()
      .at("Resources")
      .as_map()
      .at("UserPool")
      .as_map()
      .at("Properties")
      .as_map()
      .at("Schema")
      .as_list()
      .push_back(*Value::FromJson(
          R"({"Name": "department", "AttributeDataType": "String", "Mutable": true})"));
  WriteJson(pool, tmpl);

  // An auth override.ts, as Gen1 projects write them: carried over verbatim.
  WriteFile(backend / "auth/backendonlyf8c4c57b/override.ts",
            "import { AmplifyAuthCognitoStackTemplate, AmplifyProjectInfo } from "
            "'@aws-amplify/cli-extensibility-helper';\n\n"
            "export function override(resources: AmplifyAuthCognitoStackTemplate, "
            "amplifyProjectInfo: AmplifyProjectInfo) {\n"
            "  // tokens last {longer} in ${amplifyProjectInfo.envName}\n"
            "  resources.userPoolClientWeb.accessTokenValidity = 2;\n"
            "  resources.userPoolClientWeb.tokenValidityUnits = { accessToken: 'hours' };\n"
            "}\n");

  Value config = ReadJson(backend / "backend-config.json");
  config.as_map()
      .at("function")
      .Set("sharedutils", *Value::FromJson(R"({"service": "LambdaLayer", "build": true})"));
  config.as_map().at("function").Set("pyfn", *Value::FromJson(R"({"service": "Lambda"})"));
  config.Set("custom", *Value::FromJson(R"({"alerts": {"service": "customCDK"}})"));
  WriteJson(backend / "backend-config.json", config);
  WriteJson(backend / "function/sharedutils/parameters.json",
            *Value::FromJson(R"({"runtimes": ["nodejs22.x"]})"));
  WriteFile(backend / "function/sharedutils/lib/nodejs/utils.js",
            "exports.add = (a, b) => a + b;\n");
  WriteJson(backend / "function/quotegeneratorbe/function-parameters.json",
            *Value::FromJson(R"({"lambdaLayers": [
                {"type": "ProjectLayer", "resourceName": "sharedutils", "version": 1}]})"));
  WriteFile(backend / "function/pyfn/src/index.py",
            "def handler(event, context):\n    return {}\n");
  Value fn =
      ReadJson(cloud / "function/quotegeneratorbe/quotegeneratorbe-cloudformation-template.json");
  fn.as_map()
      .at("Resources")
      .as_map()
      .at("LambdaFunction")
      .as_map()
      .at("Properties")
      .Set("Runtime", Value("python3.12"));
  WriteJson(cloud / "function/pyfn/pyfn-cloudformation-template.json", fn);
  WriteJson(cloud / "custom/alerts/build/alerts-cloudformation-template.json",
            *Value::FromJson(R"({"Parameters": {"env": {"Type": "String"}}, "Resources": {
      "AlertTopic": {"Type": "AWS::SNS::Topic", "Properties": {
        "TopicName": {"Fn::Join": ["-", ["alerts", {"Ref": "env"}]]}}},
      "AlertSub": {"Type": "AWS::SNS::Subscription", "Properties": {
        "TopicArn": {"Ref": "AlertTopic"}, "Protocol": "email", "Endpoint": "ops@example.com"}}}})"));
}

Result<VerifyResult> GenerateAndVerify(const std::string& app, const fs::path& scratch,
                                       RefactorPhase phase, bool synthetic = false) {
  fs::path root = CopyFixture(app, scratch);
  if (synthetic) AddSyntheticFeatures(root);
  ASSIGN_OR_RETURN(Gen1Project project, LoadGen1Project(root));
  GenerateOptions options;
  options.phase = phase;
  ASSIGN_OR_RETURN(GeneratedFiles files, GenerateGen2(project, options));
  fs::path out = scratch / "gen2";
  TRY(WriteGeneratedFiles(files, out, Overwrite::kNo));
  VerifyOptions verify;
  verify.toolchain_dir = Toolchain();
  verify.phase = phase;
  verify.step_timeout = std::chrono::seconds(240);
  PosixProcessRunner runner;
  return VerifyGen2Project(project, out, verify, runner);
}

class ToolchainVerifyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!fs::exists(Toolchain() / "node_modules" / ".bin" / "tsx")) {
      GTEST_SKIP() << "the pinned Gen2 toolchain is not installed: run `npm ci` in "
                      "tests/gen2-toolchain (scripts/test.sh does) to synthesize and "
                      "type-check the generated projects";
    }
  }
};

TEST_P(ToolchainVerifyTest, GeneratedProjectSynthesizesTypeChecksAndKeepsStatefulResources) {
  ScratchDir scratch;
  Result<VerifyResult> result =
      GenerateAndVerify(GetParam(), scratch.path(), RefactorPhase::kPreRefactor);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_FALSE(result->fidelity.Failed()) << result->fidelity.ToText();
  EXPECT_FALSE(result->fidelity.checks.empty());
  for (const FidelityCheck& c : result->fidelity.checks) {
    EXPECT_NE(c.status, FidelityStatus::kMissingInGen2) << c.resource;
    if (c.identity) {
      EXPECT_NE(c.status, FidelityStatus::kDiffers) << c.resource << " " << c.property;
    }
  }
}

// CI synthesizes four of the five apps: backend-only is synthesized with more
// on top by LayerPythonFunctionCustomStackAndCustomAttributesSynthesize;
// FLIGHTPLAN_FULL_TOOLCHAIN=1 adds it here too.
std::vector<std::string> SynthesizedApps() {
  std::vector<std::string> apps;
  const char* full = std::getenv("FLIGHTPLAN_FULL_TOOLCHAIN");
  for (const std::string& app : FixtureApps()) {
    if (app != "backend-only" || (full != nullptr && std::string(full) == "1")) apps.push_back(app);
  }
  return apps;
}

INSTANTIATE_TEST_SUITE_P(FixtureApps, ToolchainVerifyTest, ::testing::ValuesIn(SynthesizedApps()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name;
                           for (char c : param_info.param) name += (c == '-') ? '_' : c;
                           return name;
                         });

TEST_F(ToolchainVerifyTest, LayerPythonFunctionCustomStackAndCustomAttributesSynthesize) {
  ScratchDir scratch;
  Result<VerifyResult> result =
      GenerateAndVerify("backend-only", scratch.path(), RefactorPhase::kPreRefactor, true);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_FALSE(result->fidelity.Failed()) << result->fidelity.ToText();
  // The carried-over override ran against the Gen2 user pool client.
  bool applied = false;
  for (const auto& e : fs::recursive_directory_iterator(scratch.path() / "gen2" / "cdk.out")) {
    if (!e.path().filename().string().ends_with(".template.json")) continue;
    Value tmpl = ReadJson(e.path());
    const Value* resources = tmpl.Find("Resources");
    if (!resources || !resources->is_map()) continue;
    for (const auto& [id, resource] : resources->as_map()) {
      const Value* type = resource.Find("Type");
      const Value* props = resource.Find("Properties");
      if (!type || type->as_string() != "AWS::Cognito::UserPoolClient" || !props) continue;
      const Value* validity = props->Find("AccessTokenValidity");
      if (validity && validity->is_number() && validity->as_double() == 2) applied = true;
    }
  }
  EXPECT_TRUE(applied) << "no user pool client with AccessTokenValidity 2";
}

// After refactor the code must name each moved resource exactly as deployed:
// every identity-defining property, names included, is the same. media-vault
// moves a user pool, an identity pool and an S3 bucket; discussions a
// storage DynamoDB table.
class PostRefactorVerifyTest : public ToolchainVerifyTest {};

TEST_P(PostRefactorVerifyTest, ProjectDescribesEveryMovedResourceExactly) {
  ScratchDir scratch;
  Result<VerifyResult> result =
      GenerateAndVerify(GetParam(), scratch.path(), RefactorPhase::kPostRefactor);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_FALSE(result->fidelity.Failed()) << result->fidelity.ToText();
  for (const FidelityCheck& c : result->fidelity.checks) {
    if (c.identity) {
      EXPECT_EQ(c.status, FidelityStatus::kSame) << c.resource << " " << c.property;
    }
  }
  // media-vault's pool keeps Gen1's hosted UI domain after refactor: the
  // synthesized post-refactor backend declares no domain of its own (a pool
  // holds one), and its outputs name Gen1's domain.
  if (GetParam() != "media-vault") return;
  int domains = 0;
  bool names_gen1 = false;
  for (const auto& e : fs::recursive_directory_iterator(scratch.path() / "gen2" / "cdk.out")) {
    if (!e.path().filename().string().ends_with(".template.json")) continue;
    Value tmpl = ReadJson(e.path());
    if (tmpl.ToJson().find("mediavault1f08412d-1f08412d-main.auth.") != std::string::npos) {
      names_gen1 = true;
    }
    const Value* resources = tmpl.Find("Resources");
    if (!resources || !resources->is_map()) continue;
    for (const auto& [id, resource] : resources->as_map()) {
      const Value* type = resource.Find("Type");
      if (type && type->is_string() && type->as_string() == "AWS::Cognito::UserPoolDomain") {
        ++domains;
        ADD_FAILURE() << "the post-refactor backend declares the user pool domain " << id;
      }
    }
  }
  EXPECT_EQ(domains, 0);
  EXPECT_TRUE(names_gen1) << "no synthesized template names the Gen1 hosted UI domain";
}

INSTANTIATE_TEST_SUITE_P(MovedResources, PostRefactorVerifyTest,
                         ::testing::Values("media-vault", "discussions"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name;
                           for (char c : param_info.param) name += (c == '-') ? '_' : c;
                           return name;
                         });

// A project without deployed state (no team-provider-info.json, no
// #current-cloud-backend/) generated for env main from amplify/backend/
// alone, synthesized and type-checked, and checked against the full
// project's deployed templates.
Result<VerifyResult> GenerateWithoutStateAndVerify(const std::string& app, const fs::path& scratch,
                                                   RefactorPhase phase) {
  fs::create_directories(scratch / "full");
  fs::create_directories(scratch / "stripped");
  fs::path full_root = CopyFixture(app, scratch / "full");
  fs::path root = CopyFixture(app, scratch / "stripped");
  fs::remove(root / "amplify" / "team-provider-info.json");
  fs::remove_all(root / "amplify" / "#current-cloud-backend");
  ASSIGN_OR_RETURN(Gen1Project stripped, LoadGen1Project(root, {.env = "main"}));
  EXPECT_FALSE(stripped.has_deployed_state);
  GenerateOptions options;
  options.phase = phase;
  ASSIGN_OR_RETURN(GeneratedFiles files, GenerateGen2(stripped, options));
  fs::path out = scratch / "gen2";
  TRY(WriteGeneratedFiles(files, out, Overwrite::kNo));
  ASSIGN_OR_RETURN(Gen1Project full, LoadGen1Project(full_root));
  VerifyOptions verify;
  verify.toolchain_dir = Toolchain();
  verify.phase = phase;
  verify.step_timeout = std::chrono::seconds(240);
  PosixProcessRunner runner;
  return VerifyGen2Project(full, out, verify, runner);
}

// discussions: the DynamoDB storage table rebuilt from cli-inputs.json and
// the functions reading it; the user pool settings rebuilt from
// cli-inputs.json are the deployed ones (no difference at all).
TEST_F(ToolchainVerifyTest, ProjectWithoutDeployedStateSynthesizesAndMatchesTheDeployedState) {
  ScratchDir scratch;
  Result<VerifyResult> result =
      GenerateWithoutStateAndVerify("discussions", scratch.path(), RefactorPhase::kPreRefactor);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_FALSE(result->fidelity.Failed()) << result->fidelity.ToText();
  EXPECT_FALSE(result->fidelity.checks.empty());
  for (const FidelityCheck& c : result->fidelity.checks) {
    EXPECT_NE(c.status, FidelityStatus::kMissingInGen2) << c.resource;
    EXPECT_NE(c.status, FidelityStatus::kDiffers) << c.resource << " " << c.property;
  }
}

// media-vault after refactor: the pools and the bucket are named exactly as
// deployed (names from cli-inputs.json and amplify-meta.json).
TEST_F(ToolchainVerifyTest, ProjectWithoutDeployedStateNamesEveryMovedResourceAfterRefactor) {
  ScratchDir scratch;
  Result<VerifyResult> result =
      GenerateWithoutStateAndVerify("media-vault", scratch.path(), RefactorPhase::kPostRefactor);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_FALSE(result->fidelity.Failed()) << result->fidelity.ToText();
  for (const FidelityCheck& c : result->fidelity.checks) {
    if (c.identity) {
      EXPECT_EQ(c.status, FidelityStatus::kSame) << c.resource << " " << c.property;
    }
  }
}

}  // namespace
}  // namespace flightplan::amplify
