// The CloudFormation operations the other CLI test does not reach, each
// driven once through the AWS CLI, which must accept every response (and
// parse every error) the simulator gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kExporter = R"({
  "Parameters": {"Size": {"Type": "Number", "Default": "5"}},
  "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": {"Ref": "Size"}}}},
  "Outputs": {"QueueName": {"Value": {"Fn::GetAtt": ["Queue", "QueueName"]},
                            "Export": {"Name": "shared-queue"}}}})";

constexpr const char* kImporter = R"({
  "Resources": {"Topic": {"Type": "AWS::SNS::Topic",
    "Properties": {"DisplayName": {"Fn::ImportValue": "shared-queue"}}}}})";

class CfnCliTest : public SimTest {
 protected:
  CliResult Cfn(std::vector<std::string> args) {
    args.insert(args.begin(), "cloudformation");
    return AwsCli(args);
  }
  std::string File(const std::string& name, const std::string& body) {
    std::string path = dir_.Join(name);
    flightplan::testing::WriteFile(path, body);
    return "file://" + path;
  }
  flightplan::testing::TempDir dir_;
};

TEST_F(CfnCliTest, TheAwsCliDrivesTheRemainingStackOperations) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  std::string exporter = File("exporter.json", kExporter);
  CliResult validated = Cfn({"validate-template", "--template-body", exporter});
  ASSERT_EQ(validated.exit_code, 0) << validated.err;
  EXPECT_THAT(validated.out, HasSubstr("\"ParameterKey\": \"Size\""));
  CliResult summary = Cfn({"get-template-summary", "--template-body", exporter});
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_THAT(summary.out, HasSubstr("AWS::SQS::Queue"));

  ASSERT_EQ(
      Cfn({"create-stack", "--stack-name", "exporter", "--template-body", exporter}).exit_code, 0);
  ASSERT_EQ(Cfn({"create-stack", "--stack-name", "importer", "--template-body",
                 File("importer.json", kImporter)})
                .exit_code,
            0);
  CliResult imports = Cfn({"list-imports", "--export-name", "shared-queue"});
  ASSERT_EQ(imports.exit_code, 0) << imports.err;
  EXPECT_THAT(imports.out, HasSubstr("importer"));

  CliResult resource = Cfn(
      {"describe-stack-resource", "--stack-name", "exporter", "--logical-resource-id", "Queue"});
  ASSERT_EQ(resource.exit_code, 0) << resource.err;
  EXPECT_THAT(resource.out, HasSubstr("\"ResourceStatus\": \"CREATE_COMPLETE\""));
  CliResult resources = Cfn({"list-stack-resources", "--stack-name", "exporter"});
  ASSERT_EQ(resources.exit_code, 0) << resources.err;
  EXPECT_THAT(resources.out, HasSubstr("\"LogicalResourceId\": \"Queue\""));

  CliResult updated = Cfn({"update-stack", "--stack-name", "exporter", "--use-previous-template",
                           "--parameters", "ParameterKey=Size,ParameterValue=7"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  EXPECT_THAT(updated.out, HasSubstr("\"StackId\""));
  CliResult waited = Cfn({"wait", "stack-update-complete", "--stack-name", "exporter"});
  EXPECT_EQ(waited.exit_code, 0) << waited.err;
  CliResult nothing = Cfn({"update-stack", "--stack-name", "exporter", "--use-previous-template",
                           "--parameters", "ParameterKey=Size,UsePreviousValue=true"});
  EXPECT_NE(nothing.exit_code, 0);
  EXPECT_THAT(nothing.err, HasSubstr("No updates are to be performed"));

  std::string policy = File("policy.json", R"({"Statement": [
      {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]})");
  ASSERT_EQ(Cfn({"set-stack-policy", "--stack-name", "exporter", "--stack-policy-body", policy})
                .exit_code,
            0);
  CliResult got = Cfn({"get-stack-policy", "--stack-name", "exporter"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_THAT(got.out, HasSubstr("Update:*"));

  CliResult protect = Cfn({"update-termination-protection", "--stack-name", "exporter",
                           "--enable-termination-protection"});
  ASSERT_EQ(protect.exit_code, 0) << protect.err;
  CliResult refused = Cfn({"delete-stack", "--stack-name", "exporter"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("ValidationError"));

  // Change sets: list, execute, delete.
  std::string changed = File("changed.json", R"({
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic",
      "Properties": {"DisplayName": {"Fn::ImportValue": "shared-queue"}}},
      "Extra": {"Type": "AWS::SNS::Topic"}}})");
  ASSERT_EQ(Cfn({"create-change-set", "--stack-name", "importer", "--change-set-name", "one",
                 "--template-body", changed})
                .exit_code,
            0);
  ASSERT_EQ(Cfn({"create-change-set", "--stack-name", "importer", "--change-set-name", "two",
                 "--template-body", changed})
                .exit_code,
            0);
  CliResult listed = Cfn({"list-change-sets", "--stack-name", "importer"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("\"ChangeSetName\": \"two\""));
  ASSERT_EQ(
      Cfn({"delete-change-set", "--stack-name", "importer", "--change-set-name", "two"}).exit_code,
      0);
  CliResult executed =
      Cfn({"execute-change-set", "--stack-name", "importer", "--change-set-name", "one"});
  ASSERT_EQ(executed.exit_code, 0) << executed.err;
  CliResult after = Cfn({"list-stack-resources", "--stack-name", "importer"});
  EXPECT_THAT(after.out, HasSubstr("\"LogicalResourceId\": \"Extra\""));

  // Operations that only apply to stacks in other states answer errors the
  // CLI must parse.
  CliResult cancel = Cfn({"cancel-update-stack", "--stack-name", "importer"});
  if (cancel.exit_code != 0) {
    EXPECT_THAT(cancel.err, HasSubstr("An error occurred"));
  }
  CliResult cont = Cfn({"continue-update-rollback", "--stack-name", "importer"});
  if (cont.exit_code != 0) {
    EXPECT_THAT(cont.err, HasSubstr("An error occurred"));
  }
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
