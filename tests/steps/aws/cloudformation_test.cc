// Typed wrappers and waiters over a fake transport and a fake clock.
#include "steps/aws/cloudformation.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "steps/aws/services.h"
#include "steps/aws/wire/protocol.h"
#include "tests/steps/aws/fakes.h"
#include "tests/support/test_support.h"

namespace flightplan::aws {
namespace {

using ::testing::ElementsAre;
using testing::ExampleCredentials;
using testing::FakeClock;
using testing::FakeTransport;
using testing::FixedCredentials;
using ::testing::HasSubstr;

std::string StackXml(std::string_view status, std::string_view reason = "") {
  return fmt::format(
      "<DescribeStacksResponse><DescribeStacksResult><Stacks><member>"
      "<StackName>app</StackName><StackStatus>{}</StackStatus>"
      "<StackStatusReason>{}</StackStatusReason></member></Stacks>"
      "</DescribeStacksResult></DescribeStacksResponse>",
      status, reason);
}

std::string RefactorXml(std::string_view status, std::string_view execution) {
  return fmt::format(
      "<DescribeStackRefactorResponse><DescribeStackRefactorResult>"
      "<StackRefactorId>r-1</StackRefactorId><Status>{}</Status>"
      "<ExecutionStatus>{}</ExecutionStatus><ExecutionStatusReason>why"
      "</ExecutionStatusReason></DescribeStackRefactorResult>"
      "</DescribeStackRefactorResponse>",
      status, execution);
}

class CloudFormationTest : public ::testing::Test {
 protected:
  CloudFormationTest()
      : credentials_(ExampleCredentials()),
        client_(transport_, credentials_, clock_, Options()),
        cfn_(client_, clock_) {}

  static AwsClientOptions Options() {
    AwsClientOptions options;
    options.endpoints.region = "us-east-1";
    options.random = [] { return 0.0; };
    return options;
  }

  WaitOptions Fast() {
    WaitOptions options;
    options.initial_delay = std::chrono::seconds(2);
    options.max_delay = std::chrono::seconds(4);
    options.timeout = std::chrono::minutes(1);
    options.progress = [this](std::string_view line) { progress_.emplace_back(line); };
    return options;
  }

  FakeTransport transport_;
  FixedCredentials credentials_;
  FakeClock clock_;
  AwsClient client_;
  CloudFormationClient cfn_;
  std::vector<std::string> progress_;
};

TEST_F(CloudFormationTest, WaitForStackPollsWithGrowingDelaysUntilComplete) {
  transport_.Reply(200, StackXml("UPDATE_IN_PROGRESS"));
  transport_.Reply(200, StackXml("UPDATE_IN_PROGRESS"));
  transport_.Reply(200, StackXml("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"));
  transport_.Reply(200, StackXml("UPDATE_COMPLETE"));
  Result<Value> stack = cfn_.WaitForStack("app", Fast());
  ASSERT_TRUE(stack.has_value()) << stack.error().ToString();
  EXPECT_EQ(stack->Find("StackStatus")->as_string(), "UPDATE_COMPLETE");
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Duration(2000), Duration(3000), Duration(4000)));
  EXPECT_THAT(progress_, ElementsAre("stack app: UPDATE_IN_PROGRESS",
                                     "stack app: UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
                                     "stack app: UPDATE_COMPLETE"));
}

std::string EventsXml(std::vector<std::string> ids_newest_first) {
  std::string members;
  for (const std::string& id : ids_newest_first) {
    members += fmt::format(
        "<member><EventId>{}</EventId><LogicalResourceId>{}</LogicalResourceId>"
        "<ResourceStatus>UPDATE_IN_PROGRESS</ResourceStatus></member>",
        id, id);
  }
  return fmt::format(
      "<DescribeStackEventsResponse><DescribeStackEventsResult><StackEvents>{}"
      "</StackEvents></DescribeStackEventsResult></"
      "DescribeStackEventsResponse>",
      members);
}

TEST_F(CloudFormationTest, StackWaiterStreamsNewEventsOldestFirst) {
  transport_.Reply(200, EventsXml({"e2", "e1"}));  // history
  transport_.Reply(200, StackXml("UPDATE_IN_PROGRESS"));
  transport_.Reply(200, EventsXml({"e4", "e3", "e2", "e1"}));
  transport_.Reply(200, StackXml("UPDATE_IN_PROGRESS"));
  transport_.Reply(200, EventsXml({"e5", "e4", "e3", "e2", "e1"}));
  transport_.Reply(200, StackXml("UPDATE_COMPLETE"));
  WaitOptions options = Fast();
  std::vector<std::string> seen;
  options.stack_event = [&](const Value& event) {
    seen.push_back(event.Find("EventId")->as_string());
  };
  ASSERT_TRUE(cfn_.WaitForStack("app", options).has_value());
  EXPECT_THAT(seen, ElementsAre("e3", "e4", "e5"));
}

TEST_F(CloudFormationTest, RolledBackUpdateIsAFailureWithItsReason) {
  transport_.Reply(200, StackXml("UPDATE_ROLLBACK_COMPLETE", "Resource creation cancelled"));
  Result<Value> stack = cfn_.WaitForStack("app", Fast());
  ASSERT_FALSE(stack.has_value());
  EXPECT_EQ(stack.error().code(), ErrorCode::kStepFailed);
  EXPECT_THAT(stack.error().message(), HasSubstr("UPDATE_ROLLBACK_COMPLETE"));
  EXPECT_THAT(stack.error().message(), HasSubstr("Resource creation cancelled"));
}

TEST_F(CloudFormationTest, WaitingGivesUpAtTheTimeoutNamingTheLastStatus) {
  for (int i = 0; i < 100; ++i) transport_.Reply(200, StackXml("UPDATE_IN_PROGRESS"));
  Result<Value> stack = cfn_.WaitForStack("app", Fast());
  ASSERT_FALSE(stack.has_value());
  EXPECT_EQ(stack.error().code(), ErrorCode::kTimeout);
  EXPECT_THAT(stack.error().message(), HasSubstr("UPDATE_IN_PROGRESS"));
  EXPECT_LE(transport_.requests().size(), 20u);
}

TEST_F(CloudFormationTest, ReviewInProgressIsNotWaitedOn) {
  transport_.Reply(200, StackXml("REVIEW_IN_PROGRESS"));
  Result<Value> stack = cfn_.WaitForStack("app", Fast());
  ASSERT_FALSE(stack.has_value());
  EXPECT_EQ(stack.error().code(), ErrorCode::kStepFailed);
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(CloudFormationTest, DeletedStackThatNoLongerExistsIsDone) {
  transport_.Reply(200, StackXml("DELETE_IN_PROGRESS"));
  transport_.Reply(400,
                   "<ErrorResponse><Error><Code>ValidationError</Code><Message>"
                   "Stack with id app does not exist</Message></Error></ErrorResponse>");
  EXPECT_TRUE(cfn_.WaitForStackDeleted("app", Fast()).has_value());
}

class RefactorExecutionTerminalTest : public CloudFormationTest,
                                      public ::testing::WithParamInterface<const char*> {};

TEST_P(RefactorExecutionTerminalTest, RefactorExecutionStopsOnTerminalFailure) {
  transport_.Reply(200, RefactorXml("CREATE_COMPLETE", "EXECUTE_IN_PROGRESS"));
  transport_.Reply(200, RefactorXml("CREATE_COMPLETE", GetParam()));
  for (int i = 0; i < 50; ++i) {
    transport_.Reply(200, RefactorXml("CREATE_COMPLETE", "EXECUTE_COMPLETE"));
  }
  Result<Value> refactor = cfn_.WaitForStackRefactorExecuted("r-1", Fast());
  ASSERT_FALSE(refactor.has_value());
  EXPECT_EQ(refactor.error().code(), ErrorCode::kStepFailed);
  EXPECT_THAT(refactor.error().message(), HasSubstr(GetParam()));
  EXPECT_EQ(transport_.requests().size(), 2u);
}

// botocore's waiters keep polling on these three; flightplan must not.
INSTANTIATE_TEST_SUITE_P(Terminal, RefactorExecutionTerminalTest,
                         ::testing::Values("ROLLBACK_FAILED", "OBSOLETE", "UNAVAILABLE",
                                           "EXECUTE_FAILED", "ROLLBACK_COMPLETE"),
                         [](const ::testing::TestParamInfo<const char*>& info_) {
                           return std::string(info_.param);
                         });

TEST_F(CloudFormationTest, RefactorExecutionSucceedsAfterRollbackFreeRun) {
  transport_.Reply(200, RefactorXml("CREATE_COMPLETE", "AVAILABLE"));
  transport_.Reply(200, RefactorXml("CREATE_COMPLETE", "EXECUTE_IN_PROGRESS"));
  transport_.Reply(200, RefactorXml("CREATE_COMPLETE", "EXECUTE_COMPLETE"));
  EXPECT_TRUE(cfn_.WaitForStackRefactorExecuted("r-1", Fast()).has_value());
}

TEST_F(CloudFormationTest, RefactorCreationFailsOnCreateFailed) {
  transport_.Reply(200, RefactorXml("CREATE_IN_PROGRESS", "UNAVAILABLE"));
  transport_.Reply(200, RefactorXml("CREATE_FAILED", "UNAVAILABLE"));
  Result<Value> refactor = cfn_.WaitForStackRefactorCreated("r-1", Fast());
  ASSERT_FALSE(refactor.has_value());
  EXPECT_THAT(refactor.error().message(), HasSubstr("CREATE_FAILED"));
}

TEST_F(CloudFormationTest, UpdateWithNoChangesIsNotAnError) {
  transport_.Reply(400,
                   "<ErrorResponse><Error><Code>ValidationError</Code><Message>No "
                   "updates are to be performed.</Message></Error></ErrorResponse>");
  Value params;
  params.Set("StackName", "app");
  params.Set("UsePreviousTemplate", true);
  Result<UpdateOutcome> outcome = cfn_.UpdateStack(params);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(*outcome, UpdateOutcome::kNoChanges);
}

TEST_F(CloudFormationTest, StackPolicyRoundTripsAndEmptyPolicyIsEmpty) {
  transport_.Reply(200,
                   "<GetStackPolicyResponse><GetStackPolicyResult/></"
                   "GetStackPolicyResponse>");
  Result<std::string> policy = cfn_.GetStackPolicy("app");
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(*policy, "");
  transport_.Reply(200, "<SetStackPolicyResponse/>");
  ASSERT_TRUE(cfn_.SetStackPolicy("app", R"({"Statement":[]})").has_value());
  EXPECT_THAT(transport_.requests()[1].body,
              HasSubstr("StackPolicyBody=%7B%22Statement%22%3A%5B%5D%7D"));
}

TEST_F(CloudFormationTest, DriftDetectionWaiterReturnsTheStatus) {
  transport_.Reply(200,
                   "<DescribeStackDriftDetectionStatusResponse><"
                   "DescribeStackDriftDetectionStatusResult>"
                   "<DetectionStatus>DETECTION_COMPLETE</"
                   "DetectionStatus><StackDriftStatus>DRIFTED"
                   "</StackDriftStatus></DescribeStackDriftDetectionStatusResult>"
                   "</DescribeStackDriftDetectionStatusResponse>");
  Result<Value> status = cfn_.WaitForDriftDetection("d-1", Fast());
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->Find("StackDriftStatus")->as_string(), "DRIFTED");
}

TEST_F(CloudFormationTest, ResourceDriftsFollowNextTokenAlthoughNotInThePaginators) {
  transport_.Reply(200,
                   "<DescribeStackResourceDriftsResponse><DescribeStackResourceDriftsResult>"
                   "<StackResourceDrifts><member><LogicalResourceId>A</LogicalResourceId>"
                   "</member></StackResourceDrifts><NextToken>n</NextToken>"
                   "</DescribeStackResourceDriftsResult></"
                   "DescribeStackResourceDriftsResponse>");
  transport_.Reply(200,
                   "<DescribeStackResourceDriftsResponse><DescribeStackResourceDriftsResult>"
                   "<StackResourceDrifts><member><LogicalResourceId>B</LogicalResourceId>"
                   "</member></StackResourceDrifts>"
                   "</DescribeStackResourceDriftsResult></"
                   "DescribeStackResourceDriftsResponse>");
  Result<ValueList> drifts = cfn_.DescribeStackResourceDrifts("app");
  ASSERT_TRUE(drifts.has_value());
  EXPECT_EQ(drifts->size(), 2u);
}

TEST_F(CloudFormationTest, CallerIdentityIsTyped) {
  transport_.Reply(200,
                   "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>"
                   "arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA</UserId>"
                   "<Account>123456789012</Account></GetCallerIdentityResult>"
                   "</GetCallerIdentityResponse>");
  StsClient sts(client_);
  Result<CallerIdentity> identity = sts.GetCallerIdentity();
  ASSERT_TRUE(identity.has_value());
  EXPECT_EQ(identity->account, "123456789012");
  EXPECT_EQ(identity->arn, "arn:aws:iam::123456789012:user/alice");
}

TEST_F(CloudFormationTest, AmplifyBranchesFollowNextToken) {
  transport_.Reply(200, R"({"branches": [{"branchName": "main"}], "nextToken": "t"})");
  transport_.Reply(200, R"({"branches": [{"branchName": "dev"}]})");
  AmplifyClient amplify(client_);
  Result<ValueList> branches = amplify.ListBranches("d1");
  ASSERT_TRUE(branches.has_value());
  ASSERT_EQ(branches->size(), 2u);
  EXPECT_EQ(transport_.requests()[1].url,
            "https://amplify.us-east-1.amazonaws.com/apps/d1/branches?nextToken=t");
}

TEST_F(CloudFormationTest, S3ListingFollowsContinuationTokens) {
  transport_.Reply(200,
                   "<ListBucketResult><Contents><Key>a</Key></Contents><IsTruncated>true"
                   "</IsTruncated><NextContinuationToken>c1</NextContinuationToken>"
                   "</ListBucketResult>");
  transport_.Reply(200,
                   "<ListBucketResult><Contents><Key>b</Key></Contents><Contents><Key>c"
                   "</Key></Contents><IsTruncated>false</IsTruncated></ListBucketResult>");
  S3Client s3(client_);
  Result<ValueList> objects = s3.ListObjects("deployment-bucket", "amplify-meta/");
  ASSERT_TRUE(objects.has_value());
  EXPECT_EQ(objects->size(), 3u);
  EXPECT_EQ(transport_.requests()[0].url,
            "https://deployment-bucket.s3.us-east-1.amazonaws.com/"
            "?list-type=2&prefix=amplify-meta%2F");
  EXPECT_THAT(transport_.requests()[1].url, HasSubstr("continuation-token=c1"));
}

TEST_F(CloudFormationTest, DynamoDbDeletionProtectionIsSentAsJson) {
  transport_.Reply(200, R"({"TableDescription": {"DeletionProtectionEnabled": true}})");
  DynamoDbClient dynamodb(client_);
  Result<Value> table = dynamodb.SetDeletionProtection("Todo-main", true);
  ASSERT_TRUE(table.has_value());
  const HttpRequest& request = transport_.requests()[0];
  EXPECT_EQ(FindHeader(request.headers, "X-Amz-Target"), "DynamoDB_20120810.UpdateTable");
  EXPECT_EQ(request.body, R"({"DeletionProtectionEnabled":true,"TableName":"Todo-main"})");
}

TEST_F(CloudFormationTest, S3DownloadStreamsTheObjectToAFileAcrossRetries) {
  transport_.Reply(500, "");
  transport_.Reply(200, "PK-zip-bytes", {{"ETag", "\"e1\""}});
  char pattern[] = "/tmp/flightplan-s3-XXXXXX";
  std::string dir = mkdtemp(pattern);
  std::string path = dir + "/current-cloud-backend.zip";
  S3Client s3(client_);
  Result<Value> meta = s3.DownloadObject("deployment", "#current-cloud-backend.zip", path);
  ASSERT_TRUE(meta.has_value()) << meta.error().ToString();
  EXPECT_EQ(meta->Find("ETag")->as_string(), "\"e1\"");
  EXPECT_EQ(meta->Find("Body"), nullptr);
  EXPECT_EQ(flightplan::testing::ReadFile(path), "PK-zip-bytes");
  EXPECT_EQ(transport_.requests()[1].url,
            "https://deployment.s3.us-east-1.amazonaws.com/"
            "%23current-cloud-backend.zip");
  std::filesystem::remove_all(dir);
}

TEST_F(CloudFormationTest, DynamoDbScanFollowsLastEvaluatedKeyMaps) {
  transport_.Reply(
      200,
      R"({"Items": [{"id": {"S": "a"}}], "Count": 1, "LastEvaluatedKey": {"id": {"S": "a"}}})");
  transport_.Reply(200, R"({"Items": [{"id": {"S": "b"}}], "Count": 1})");
  DynamoDbClient dynamodb(client_);
  Value params;
  params.Set("TableName", "Todo-main");
  Result<ValueList> items = dynamodb.ScanAll(params);
  ASSERT_TRUE(items.has_value()) << items.error().ToString();
  EXPECT_EQ(items->size(), 2u);
  EXPECT_EQ(transport_.requests()[1].body,
            R"({"ExclusiveStartKey":{"id":{"S":"a"}},"TableName":"Todo-main"})");
}

TEST_F(CloudFormationTest, DynamoDbCountAddsUpEveryPage) {
  transport_.Reply(
      200, R"({"Count": 1000, "ScannedCount": 1000, "LastEvaluatedKey": {"id": {"S": "k"}}})");
  transport_.Reply(200, R"({"Count": 234, "ScannedCount": 234})");
  DynamoDbClient dynamodb(client_);
  Result<int64_t> count = dynamodb.CountItems("Todo-main");
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 1234);
  EXPECT_THAT(transport_.requests()[0].body, HasSubstr(R"("Select":"COUNT")"));
}

TEST_F(CloudFormationTest, PointInTimeRecoveryIsANestedSpecification) {
  transport_.Reply(200, R"({"ContinuousBackupsDescription": {}})");
  DynamoDbClient dynamodb(client_);
  ASSERT_TRUE(dynamodb.SetPointInTimeRecovery("Todo-main", true).has_value());
  EXPECT_EQ(
      transport_.requests()[0].body,
      R"({"PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true},"TableName":"Todo-main"})");
}

TEST_F(CloudFormationTest, AmplifyUpdateAppSendsEnvironmentVariablesInTheBody) {
  transport_.Reply(200, R"({"app": {"appId": "d1"}})");
  AmplifyClient amplify(client_);
  Value params;
  params.Set("appId", "d1");
  Value variables;
  variables.Set("AMPLIFY_GEN", "2");
  params.Set("environmentVariables", variables);
  ASSERT_TRUE(amplify.UpdateApp(params).has_value());
  EXPECT_EQ(transport_.requests()[0].url, "https://amplify.us-east-1.amazonaws.com/apps/d1");
  EXPECT_EQ(transport_.requests()[0].body, R"({"environmentVariables":{"AMPLIFY_GEN":"2"}})");
}

}  // namespace
}  // namespace flightplan::aws
