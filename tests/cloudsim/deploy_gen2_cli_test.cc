// `flightplan-cloudsim deploy-gen2` as a process against the in-process
// simulator, without Node.js: the project's node_modules/.bin/tsx is a shell
// script that writes a small cloud assembly (what synthesis would) into
// CDK_OUTDIR, or fails as synthesis can. Pins the deploy itself — assets
// published, change sets, waiting, branch and job, the no-op re-run — and
// its failure messages. The real toolchain runs in deploy_gen2_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim::testing {
namespace {

namespace fs = std::filesystem;
using flightplan::testing::WriteFile;
using ::testing::HasSubstr;

constexpr const char* kStack = "amplify-backendonly-gen2main-branch-0123456789";

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && (f->is_string() || f->is_number()) ? f->ToText() : std::string();
}

// A cloud assembly as CDK writes it: the stack artifact, its asset manifest
// (root and nested template), the templates.
void WriteAssembly(const fs::path& dir, const std::string& table_type,
                   const std::string& table_name) {
  fs::create_directories(dir);
  WriteFile((dir / "manifest.json").string(), std::string(R"({"version": "48.0.0", "artifacts": {
    ")") + kStack + R"(.assets": {"type": "cdk:asset-manifest",
      "properties": {"file": ")" + kStack + R"(.assets.json"}},
    ")" + kStack + R"(": {"type": "aws:cloudformation:stack",
      "environment": "aws://unknown-account/unknown-region",
      "properties": {"templateFile": ")" + kStack +
                                                  R"(.template.json",
        "tags": {"amplify:app-id": "backendonly", "amplify:branch-name": "gen2main"},
        "stackTemplateAssetObjectUrl": "s3://cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}/root0001.json"}}}})");
  WriteFile((dir / (std::string(kStack) + ".assets.json")).string(),
            R"({"version": "48.0.0", "dockerImages": {}, "files": {
    "root0001": {"source": {"path": ")" +
                std::string(kStack) + R"(.template.json", "packaging": "file"},
      "destinations": {"current": {"bucketName": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}",
        "objectKey": "root0001.json"}}},
    "data0001": {"source": {"path": "data.nested.template.json", "packaging": "file"},
      "destinations": {"current": {"bucketName": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}",
        "objectKey": "data0001.json"}}},
    "code0001": {"source": {"path": "asset.code0001", "packaging": "zip"},
      "destinations": {"current": {"bucketName": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}",
        "objectKey": "code0001.zip"}}}}})");
  fs::create_directories(dir / "asset.code0001");
  WriteFile((dir / "asset.code0001/index.mjs").string(), "export const handler = () => 1;\n");
  WriteFile((dir / (std::string(kStack) + ".template.json")).string(), R"({
    "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>",
      "Default": "/cdk-bootstrap/hnb659fds/version"}},
    "Rules": {"CheckBootstrapVersion": {"Assertions": [{"Assert": {"Fn::Not": [{"Fn::Contains": [
      ["1", "2", "3", "4", "5"], {"Ref": "BootstrapVersion"}]}]},
      "AssertDescription": "CDK bootstrap stack version 6 required."}]}},
    "Resources": {
      "data7552DF31": {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": {"Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"}, ".",
          {"Ref": "AWS::URLSuffix"}, "/",
          {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, "/data0001.json"]]}}},
      "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {
        "S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
        "S3Key": "code0001.zip"}, "Handler": "index.handler", "Runtime": "nodejs22.x",
        "Role": "arn:aws:iam::123456789012:role/x"}}},
    "Outputs": {"table": {"Value": {"Fn::GetAtt": ["data7552DF31", "Outputs.TableName"]}}}})");
  WriteFile((dir / "data.nested.template.json").string(),
            R"({
    "Resources": {"TodoTable": {"Type": ")" +
                table_type +
                R"(", "DeletionPolicy": "Retain",
      "Properties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:tm",
        "tableName": ")" +
                table_name + R"(",
        "attributeDefinitions": [{"attributeName": "id", "attributeType": "S"}],
        "keySchema": [{"attributeName": "id", "keyType": "HASH"}],
        "billingMode": "PAY_PER_REQUEST", "isImported": )" +
                (table_type == "Custom::ImportedAmplifyDynamoDBTable" ? "true" : "false") +
                R"(}}},
    "Outputs": {"TableName": {"Value": {"Fn::GetAtt": ["TodoTable", "TableName"]}}}})");
}

class DeployGen2CliTest : public SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    project_ = fs::path(tmp_.path()) / "gen2";
    fs::create_directories(project_ / "amplify");
    WriteFile((project_ / "amplify/backend.ts").string(), "// synthesized by the fake tsx\n");
    Control("POST", "/_sim/seed",
            Value(ValueMap{{"fixture", Value(FixtureApp("backend-only").string())}}));
  }

  // node_modules/.bin/tsx: a script that copies `assembly` into CDK_OUTDIR
  // and records its environment, or prints `fail` and exits 1.
  void FakeTsx(const std::string& fail = "") {
    fs::path bin = project_ / "node_modules/.bin";
    fs::create_directories(bin);
    std::string script = "#!/bin/sh\n";
    if (!fail.empty()) {
      script += "echo 'compiling amplify/backend.ts'\necho '" + fail + "' >&2\nexit 1\n";
    } else {
      script +=
          "printf '%s' \"$CDK_CONTEXT_JSON\" > context.json\n"
          "mkdir -p \"$CDK_OUTDIR\" && cp -r assembly/. \"$CDK_OUTDIR\"/\n";
    }
    WriteFile((bin / "tsx").string(), script);
    chmod((bin / "tsx").c_str(), 0755);
  }

  flightplan::testing::RunResult Deploy(std::vector<std::string> extra = {}) {
    flightplan::testing::Invocation inv;
    inv.binary = CLOUDSIM_BINARY;
    inv.args = {"deploy-gen2", "--url",       endpoint(), "--project", project_.string(),
                "--app-id",    "backendonly", "--branch", "gen2main"};
    inv.args.insert(inv.args.end(), extra.begin(), extra.end());
    inv.cwd = tmp_.path();
    return flightplan::testing::RunFlightplan(inv);
  }

  std::vector<std::string> MutatingCloudFormationCalls() {
    std::vector<std::string> out;
    for (const LogEntry& e : simulator_->Log()) {
      if (e.service != "cloudformation" || e.operation.rfind("Describe", 0) == 0 ||
          e.operation.rfind("List", 0) == 0 || e.operation.rfind("Get", 0) == 0) {
        continue;
      }
      out.push_back(e.operation);
    }
    return out;
  }

  flightplan::testing::TempDir tmp_;
  fs::path project_;
};

TEST_F(DeployGen2CliTest, DeploysTheAssemblyRegistersTheBranchAndARerunIsANoOp) {
  FakeTsx();
  WriteAssembly(project_ / "assembly", "Custom::ImportedAmplifyDynamoDBTable",
                "Todo-sgumi4ggubb4jdo6i54km7skka-main");
  Control("DELETE", "/_sim/log");
  auto first = Deploy({"--commit", "abc123"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, std::string(kStack) + "\n");
  EXPECT_EQ(flightplan::testing::ReadFile(project_ / "context.json"),
            R"({"amplify-backend-name":"gen2main","amplify-backend-namespace":"backendonly",)"
            R"("amplify-backend-type":"branch"})");
  EXPECT_EQ(MutatingCloudFormationCalls(),
            (std::vector<std::string>{"CreateChangeSet", "ExecuteChangeSet"}));
  auto change_sets = LogOf("cloudformation", "CreateChangeSet");
  ASSERT_EQ(change_sets.size(), 1u);
  EXPECT_THAT(change_sets[0].params.ToJson(), HasSubstr(kStack));

  // The assets are where the templates name them; the zip asset is a zip.
  Value object =
      Call("s3", "GetObject",
           Value(ValueMap{{"Bucket", Value("cdk-hnb659fds-assets-123456789012-us-east-1")},
                          {"Key", Value("code0001.zip")}}));
  EXPECT_EQ(Str(object, "Body").substr(0, 2), "PK");
  Value stack =
      Call("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value(kStack)}}))
          .Find("Stacks")
          ->as_list()
          .at(0);
  EXPECT_EQ(Str(stack, "StackStatus"), "CREATE_COMPLETE");
  EXPECT_THAT(stack.ToJson(), HasSubstr("Todo-sgumi4ggubb4jdo6i54km7skka-main"));
  Value branch =
      Call("amplify", "GetBranch",
           Value(ValueMap{{"appId", Value("backendonly")}, {"branchName", Value("gen2main")}}));
  EXPECT_EQ(Str(*branch.Find("branch")->Find("backend"), "stackArn"), Str(stack, "StackId"));
  Value jobs =
      Call("amplify", "ListJobs",
           Value(ValueMap{{"appId", Value("backendonly")}, {"branchName", Value("gen2main")}}));
  ASSERT_EQ(jobs.Find("jobSummaries")->as_list().size(), 1u);
  EXPECT_EQ(Str(jobs.Find("jobSummaries")->as_list()[0], "commitId"), "abc123");
  EXPECT_EQ(Str(jobs.Find("jobSummaries")->as_list()[0], "status"), "SUCCEED");

  Control("DELETE", "/_sim/log");
  auto second = Deploy();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, first.out);
  EXPECT_EQ(MutatingCloudFormationCalls(),
            (std::vector<std::string>{"CreateChangeSet", "DeleteChangeSet"}));
  EXPECT_TRUE(LogOf("s3", "PutObject").empty());
  EXPECT_TRUE(LogOf("amplify", "UpdateBranch").empty()) << "the backend is already the stack";
  EXPECT_EQ(LogOf("amplify", "StartJob").size(), 1u) << "every deploy is a job";

  // Changed code updates the stack in place.
  WriteAssembly(project_ / "assembly", "Custom::AmplifyDynamoDBTable", "Note-gen2main");
  Control("DELETE", "/_sim/log");
  auto third = Deploy();
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(MutatingCloudFormationCalls(),
            (std::vector<std::string>{"CreateChangeSet", "ExecuteChangeSet"}));
  EXPECT_TRUE(
      Try("dynamodb", "DescribeTable", Value(ValueMap{{"TableName", Value("Note-gen2main")}}))
          .has_value());
}

TEST_F(DeployGen2CliTest, AFailedSynthesisShowsTheToolsOutput) {
  FakeTsx("amplify/data/resource.ts: Unknown type: \"Strin\"");
  auto r = Deploy();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("synthesis (tsx amplify/backend.ts) failed (exit 1)"));
  EXPECT_THAT(r.err, HasSubstr("Unknown type: \"Strin\""));
  EXPECT_TRUE(LogOf("cloudformation", "CreateChangeSet").empty());
}

TEST_F(DeployGen2CliTest, ARolledBackStackNamesTheFailedResourceAndItsReason) {
  FakeTsx();
  WriteAssembly(project_ / "assembly", "Custom::ImportedAmplifyDynamoDBTable", "Gone-gen1-main");
  auto r = Deploy();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(std::string("stack ") + kStack + " ended ROLLBACK_COMPLETE"));
  EXPECT_THAT(r.err, HasSubstr("resource TodoTable (Custom::ImportedAmplifyDynamoDBTable)"));
  EXPECT_THAT(r.err, HasSubstr("the table Gone-gen1-main to import does not exist"));

  // Fixed, the next deploy replaces the rolled-back stack.
  WriteAssembly(project_ / "assembly", "Custom::ImportedAmplifyDynamoDBTable",
                "Todo-sgumi4ggubb4jdo6i54km7skka-main");
  auto fixed = Deploy();
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_EQ(LogOf("cloudformation", "DeleteStack").size(), 1u);
}

TEST_F(DeployGen2CliTest, AnAppTheSimulatorDoesNotHoldIsRefusedBeforeSynthesis) {
  FakeTsx();
  WriteAssembly(project_ / "assembly", "Custom::AmplifyDynamoDBTable", "Note-gen2main");
  flightplan::testing::Invocation inv;
  inv.binary = CLOUDSIM_BINARY;
  inv.args = {"deploy-gen2", "--url",     endpoint(), "--project", project_.string(),
              "--app-id",    "noSuchApp", "--branch", "gen2main"};
  auto r = flightplan::testing::RunFlightplan(inv);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Amplify app noSuchApp does not exist in the simulator"));
  EXPECT_FALSE(fs::exists(project_ / "context.json")) << "nothing was synthesized";
}

TEST_F(DeployGen2CliTest, MissingOptionsAndAMissingProjectAreUsageErrors) {
  flightplan::testing::Invocation inv;
  inv.binary = CLOUDSIM_BINARY;
  inv.args = {"deploy-gen2", "--url", endpoint(), "--app-id", "backendonly"};
  EXPECT_EQ(flightplan::testing::RunFlightplan(inv).exit_code, 2);
  inv.args = {"deploy-gen2", "--url",       endpoint(), "--project", tmp_.path(),
              "--app-id",    "backendonly", "--branch", "gen2main"};
  auto r = flightplan::testing::RunFlightplan(inv);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no amplify/backend.ts"));
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
