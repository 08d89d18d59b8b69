// Stack refactoring and drift detection through flightplan's client and the
// AWS CLI: a DynamoDB table moves between stacks keeping its items; each
// documented rule and each failure path; drift from out-of-band changes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kGen1 = R"({
  "Parameters": {"env": {"Type": "String", "Default": "main"}},
  "Resources": {
    "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
      "Properties": {"TableName": {"Fn::Sub": "Todo-${env}"}, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}},
    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Table"}}}
  },
  "Outputs": {"TableName": {"Value": {"Ref": "Table"}}}})";

// The Gen1 template rewritten for the move: the table gone, its name inlined.
constexpr const char* kGen1After = R"({
  "Parameters": {"env": {"Type": "String", "Default": "main"}},
  "Resources": {
    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "Todo-main"}}
  },
  "Outputs": {"TableName": {"Value": "Todo-main"}}})";

constexpr const char* kGen2 = R"({
  "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})";

constexpr const char* kGen2After = R"({
  "Resources": {
    "Queue": {"Type": "AWS::SQS::Queue"},
    "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
      "Properties": {"TableName": "Todo-main", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}}},
  "Outputs": {"TableArn": {"Value": {"Fn::GetAtt": ["Table", "Arn"]}}}})";

Value Definition(const std::string& stack, const std::string& body) {
  return Value(ValueMap{{"StackName", Value(stack)}, {"TemplateBody", Value(body)}});
}

class RefactorTest : public SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    Call("cloudformation", "CreateStack",
         Value(ValueMap{{"StackName", Value("gen1")}, {"TemplateBody", Value(kGen1)}}));
    Call("cloudformation", "CreateStack",
         Value(ValueMap{{"StackName", Value("gen2")}, {"TemplateBody", Value(kGen2)}}));
    for (int i = 0; i < 3; ++i) {
      Value item(ValueMap{{"id", Value(ValueMap{{"S", Value("item-" + std::to_string(i))}})}});
      Call("dynamodb", "PutItem",
           Value(ValueMap{{"TableName", Value("Todo-main")}, {"Item", item}}));
    }
  }

  std::string CreateRefactor(std::vector<Value> definitions, bool enable_creation = false) {
    Value params(
        ValueMap{{"StackDefinitions", Value(ValueList(definitions.begin(), definitions.end()))},
                 {"Description", Value("flightplan refactor test")}});
    if (enable_creation) params.Set("EnableStackCreation", Value(true));
    Value out = Call("cloudformation", "CreateStackRefactor", params);
    const Value* id = out.Find("StackRefactorId");
    return id ? id->as_string() : std::string();
  }

  Value DescribeRefactor(const std::string& id) {
    return Call("cloudformation", "DescribeStackRefactor",
                Value(ValueMap{{"StackRefactorId", Value(id)}}));
  }

  std::string Status(const Value& v, const char* key) {
    const Value* s = v.Find(key);
    return s && s->is_string() ? s->as_string() : std::string();
  }

  // The stack that owns a physical resource now.
  std::string OwnerOf(const std::string& physical_id) {
    Value out = Call("cloudformation", "DescribeStackResources",
                     Value(ValueMap{{"PhysicalResourceId", Value(physical_id)}}));
    const Value* list = out.Find("StackResources");
    if (!list || !list->is_list() || list->as_list().empty()) return {};
    return Status(list->as_list()[0], "StackName");
  }

  int Items(const std::string& table) {
    Value out = Call("dynamodb", "Scan",
                     Value(ValueMap{{"TableName", Value(table)}, {"Select", Value("COUNT")}}));
    const Value* count = out.Find("Count");
    return count ? static_cast<int>(count->as_double()) : -1;
  }
};

TEST_F(RefactorTest, ATableMovesBetweenStacksKeepingItsItems) {
  std::string id = CreateRefactor({Definition("gen1", kGen1After), Definition("gen2", kGen2After)});
  Value created = DescribeRefactor(id);
  EXPECT_EQ(Status(created, "Status"), "CREATE_COMPLETE") << created.ToJson();
  EXPECT_EQ(Status(created, "ExecutionStatus"), "AVAILABLE");
  EXPECT_EQ(created.Find("StackIds")->as_list().size(), 2u);

  Value actions = Call("cloudformation", "ListStackRefactorActions",
                       Value(ValueMap{{"StackRefactorId", Value(id)}}));
  const ValueList& list = actions.Find("StackRefactorActions")->as_list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(Status(list[0], "Action"), "MOVE");
  EXPECT_EQ(Status(list[0], "PhysicalResourceId"), "Todo-main");
  EXPECT_EQ(Status(list[0], "Detection"), "AUTO");

  Call("cloudformation", "ExecuteStackRefactor", Value(ValueMap{{"StackRefactorId", Value(id)}}));
  Value executed = DescribeRefactor(id);
  EXPECT_EQ(Status(executed, "ExecutionStatus"), "EXECUTE_COMPLETE");
  EXPECT_EQ(OwnerOf("Todo-main"), "gen2");
  EXPECT_EQ(Items("Todo-main"), 3);  // same table, same data
  EXPECT_EQ(LogOf("cloudformation", "ExecuteStackRefactor").size(), 1u);

  Value gen2 =
      Call("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value("gen2")}}));
  const Value& stack = gen2.Find("Stacks")->as_list().at(0);
  EXPECT_EQ(Status(stack, "StackStatus"), "UPDATE_COMPLETE");
  EXPECT_THAT(stack.Find("Outputs")->ToJson(), HasSubstr("table/Todo-main"));
  // The refactor is listed, and no longer executable.
  Value listed = Call("cloudformation", "ListStackRefactors");
  EXPECT_THAT(listed.ToJson(), HasSubstr(id));
  auto again = Try("cloudformation", "ExecuteStackRefactor",
                   Value(ValueMap{{"StackRefactorId", Value(id)}}));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, "ValidationError");
}

TEST_F(RefactorTest, AMovedResourceStillReferencedFromItsSourceFailsCreation) {
  std::string dangling = R"({
    "Parameters": {"env": {"Type": "String", "Default": "main"}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Table"}}}}})";
  std::string id = CreateRefactor({Definition("gen1", dangling), Definition("gen2", kGen2After)});
  Value described = DescribeRefactor(id);
  EXPECT_EQ(Status(described, "Status"), "CREATE_FAILED");
  EXPECT_THAT(Status(described, "StatusReason"),
              HasSubstr("Unresolved resource dependencies [Table]"));
  Value actions = Call("cloudformation", "ListStackRefactorActions",
                       Value(ValueMap{{"StackRefactorId", Value(id)}}));
  // An empty XML list reads as "" through flightplan's untyped parser.
  const Value* none = actions.Find("StackRefactorActions");
  EXPECT_TRUE(!none || (none->is_string() && none->as_string().empty()) ||
              (none->is_list() && none->as_list().empty()))
      << actions.ToJson();
  auto executed = Try("cloudformation", "ExecuteStackRefactor",
                      Value(ValueMap{{"StackRefactorId", Value(id)}}));
  EXPECT_FALSE(executed.has_value());
  EXPECT_EQ(OwnerOf("Todo-main"), "gen1");
}

TEST_F(RefactorTest, AStackPolicyFailsTheRefactor) {
  Call(
      "cloudformation", "SetStackPolicy",
      Value(ValueMap{
          {"StackName", Value("gen1")},
          {"StackPolicyBody",
           Value(
               R"({"Statement": [{"Effect": "Deny", "Action": "Update:*", "Principal": "*", "Resource": "*"}]})")}}));
  std::string id = CreateRefactor({Definition("gen1", kGen1After), Definition("gen2", kGen2After)});
  Value described = DescribeRefactor(id);
  EXPECT_EQ(Status(described, "Status"), "CREATE_FAILED");
  EXPECT_THAT(Status(described, "StatusReason"), HasSubstr("stack policy"));
}

TEST_F(RefactorTest, NoStackMayBeLeftEmptyAndRefusedTypesStay) {
  std::string empty_source =
      R"({"Parameters": {"env": {"Type": "String", "Default": "main"}}, "Resources": {}})";
  auto refused = Try(
      "cloudformation", "CreateStackRefactor",
      Value(ValueMap{{"StackDefinitions", Value(ValueList{Definition("gen1", empty_source)})}}));
  ASSERT_FALSE(refused.has_value());  // one stack: a request error
  EXPECT_EQ(refused.error().code, "ValidationError");
}

TEST_F(RefactorTest, AFailedExecutionRollsBackAndMovesNothing) {
  std::string id = CreateRefactor({Definition("gen1", kGen1After), Definition("gen2", kGen2After)});
  AddFault("cloudformation", "ExecuteStackRefactor", "fail_refactor");
  Call("cloudformation", "ExecuteStackRefactor", Value(ValueMap{{"StackRefactorId", Value(id)}}));
  Value described = DescribeRefactor(id);
  EXPECT_EQ(Status(described, "ExecutionStatus"), "ROLLBACK_COMPLETE");
  EXPECT_EQ(OwnerOf("Todo-main"), "gen1");
  EXPECT_EQ(Items("Todo-main"), 3);
}

TEST_F(RefactorTest, AFailedRollbackLeavesAPartialMoveToRecoverFrom) {
  // Two resources move; the rollback fails after the first.
  std::string gen1_after = R"({"Parameters": {"env": {"Type": "String", "Default": "main"}},
    "Resources": {"Keep": {"Type": "AWS::SQS::Queue"}}})";
  std::string gen1_with_keep = R"({
    "Parameters": {"env": {"Type": "String", "Default": "main"}},
    "Resources": {
      "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
        "Properties": {"TableName": {"Fn::Sub": "Todo-${env}"}, "BillingMode": "PAY_PER_REQUEST",
          "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
          "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}},
      "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Table"}}},
      "Keep": {"Type": "AWS::SQS::Queue"}}})";
  Call("cloudformation", "UpdateStack",
       Value(ValueMap{{"StackName", Value("gen1")}, {"TemplateBody", Value(gen1_with_keep)}}));
  std::string gen2_after = R"({"Resources": {
      "Queue": {"Type": "AWS::SQS::Queue"},
      "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "Todo-main",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}},
      "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "Todo-main"}}}})";
  std::string id = CreateRefactor({Definition("gen1", gen1_after), Definition("gen2", gen2_after)});
  ASSERT_EQ(Status(DescribeRefactor(id), "Status"), "CREATE_COMPLETE")
      << DescribeRefactor(id).ToJson();
  AddFault("cloudformation", "", "fail_refactor",
           {{"options", Value(ValueMap{{"rollback_fails", Value(true)}})}});
  Call("cloudformation", "ExecuteStackRefactor", Value(ValueMap{{"StackRefactorId", Value(id)}}));
  EXPECT_EQ(Status(DescribeRefactor(id), "ExecutionStatus"), "ROLLBACK_FAILED");
  // Exactly one of the two moved (the first, Table): DescribeStackResources
  // by physical id is the ground truth a recovery reads.
  EXPECT_EQ(OwnerOf("Todo-main"), "gen2");
  Value gen2 =
      Call("cloudformation", "ListStackResources", Value(ValueMap{{"StackName", Value("gen2")}}));
  EXPECT_EQ(gen2.Find("StackResourceSummaries")->as_list().size(), 2u) << gen2.ToJson();
  EXPECT_EQ(Items("Todo-main"), 3);
}

TEST_F(RefactorTest, EnableStackCreationCreatesTheDestination) {
  std::string holding = R"({"Resources": {"Table": {"Type": "AWS::DynamoDB::Table",
      "Properties": {"TableName": "Todo-main", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}}}})";
  auto refused =
      Try("cloudformation", "CreateStackRefactor",
          Value(ValueMap{{"StackDefinitions", Value(ValueList{Definition("gen1", kGen1After),
                                                              Definition("holding", holding)})}}));
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr("EnableStackCreation"));

  std::string id =
      CreateRefactor({Definition("gen1", kGen1After), Definition("holding", holding)}, true);
  Value actions = Call("cloudformation", "ListStackRefactorActions",
                       Value(ValueMap{{"StackRefactorId", Value(id)}}));
  EXPECT_THAT(actions.ToJson(), HasSubstr("\"Entity\":\"STACK\""));
  Call("cloudformation", "ExecuteStackRefactor", Value(ValueMap{{"StackRefactorId", Value(id)}}));
  EXPECT_EQ(OwnerOf("Todo-main"), "holding");
}

TEST_F(RefactorTest, AFailedRefactorLeavesTheStackItCreatesInReview) {
  std::string holding = R"({"Resources": {"Table": {"Type": "AWS::DynamoDB::Table",
      "Properties": {"TableName": "Todo-main", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}}}})";
  std::string id =
      CreateRefactor({Definition("gen1", kGen1After), Definition("holding", holding)}, true);
  AddFault("cloudformation", "", "fail_refactor");
  Call("cloudformation", "ExecuteStackRefactor", Value(ValueMap{{"StackRefactorId", Value(id)}}));
  Value stacks =
      Call("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value("holding")}}));
  EXPECT_EQ(stacks.Find("Stacks")->as_list().at(0).Find("StackStatus")->as_string(),
            "REVIEW_IN_PROGRESS");
  EXPECT_EQ(OwnerOf("Todo-main"), "gen1");
}

TEST_F(RefactorTest, AStackChangedAfterCreationMakesTheRefactorObsolete) {
  std::string id = CreateRefactor({Definition("gen1", kGen1After), Definition("gen2", kGen2After)});
  Call("cloudformation", "UpdateStack",
       Value(ValueMap{{"StackName", Value("gen2")},
                      {"TemplateBody", Value(R"({"Resources": {"Queue": {"Type": "AWS::SQS::Queue",
                          "Properties": {"DelaySeconds": 5}}}})")}}));
  auto executed = Try("cloudformation", "ExecuteStackRefactor",
                      Value(ValueMap{{"StackRefactorId", Value(id)}}));
  ASSERT_FALSE(executed.has_value());
  EXPECT_EQ(Status(DescribeRefactor(id), "ExecutionStatus"), "OBSOLETE");
}

TEST_F(RefactorTest, StatusesBecomeVisibleAfterTheOperationDelay) {
  Control("POST", "/_sim/config", Value(ValueMap{{"operation_delay_ms", Value(60000)}}));
  std::string id = CreateRefactor({Definition("gen1", kGen1After), Definition("gen2", kGen2After)});
  EXPECT_EQ(Status(DescribeRefactor(id), "Status"), "CREATE_IN_PROGRESS");
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(Status(DescribeRefactor(id), "Status"), "CREATE_COMPLETE");
  Call("cloudformation", "ExecuteStackRefactor", Value(ValueMap{{"StackRefactorId", Value(id)}}));
  EXPECT_EQ(Status(DescribeRefactor(id), "ExecutionStatus"), "EXECUTE_IN_PROGRESS");
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(Status(DescribeRefactor(id), "ExecutionStatus"), "EXECUTE_COMPLETE");
}

TEST_F(RefactorTest, DriftShowsOutOfBandChangesAndDeletions) {
  auto detect = [&]() {
    Value out =
        Call("cloudformation", "DetectStackDrift", Value(ValueMap{{"StackName", Value("gen1")}}));
    return out.Find("StackDriftDetectionId")->as_string();
  };
  std::string first = detect();
  Value status = Call("cloudformation", "DescribeStackDriftDetectionStatus",
                      Value(ValueMap{{"StackDriftDetectionId", Value(first)}}));
  EXPECT_EQ(Status(status, "StackDriftStatus"), "IN_SYNC") << status.ToJson();
  EXPECT_EQ(Status(status, "DetectionStatus"), "DETECTION_COMPLETE");

  Control("POST", "/_sim/mutate",
          Value(ValueMap{{"service", Value("cloudformation")},
                         {"action", Value("set_resource_property")},
                         {"PhysicalResourceId", Value("Todo-main")},
                         {"Property", Value("BillingMode")},
                         {"Value", Value("PROVISIONED")}}));
  std::string second = detect();
  status = Call("cloudformation", "DescribeStackDriftDetectionStatus",
                Value(ValueMap{{"StackDriftDetectionId", Value(second)}}));
  EXPECT_EQ(Status(status, "StackDriftStatus"), "DRIFTED");
  Value drifts = Call(
      "cloudformation", "DescribeStackResourceDrifts",
      Value(ValueMap{{"StackName", Value("gen1")},
                     {"StackResourceDriftStatusFilters", Value(ValueList{Value("MODIFIED")})}}));
  const ValueList& list = drifts.Find("StackResourceDrifts")->as_list();
  ASSERT_EQ(list.size(), 1u) << drifts.ToJson();
  EXPECT_EQ(Status(list[0], "LogicalResourceId"), "Table");
  EXPECT_THAT(list[0].Find("PropertyDifferences")->ToJson(), HasSubstr("/BillingMode"));

  Control("POST", "/_sim/mutate",
          Value(ValueMap{{"service", Value("cloudformation")},
                         {"action", Value("delete_physical_resource")},
                         {"PhysicalResourceId", Value("Todo-main")}}));
  Value one =
      Call("cloudformation", "DetectStackResourceDrift",
           Value(ValueMap{{"StackName", Value("gen1")}, {"LogicalResourceId", Value("Table")}}));
  EXPECT_EQ(Status(*one.Find("StackResourceDrift"), "StackResourceDriftStatus"), "DELETED");
  auto gone = Try("dynamodb", "DescribeTable", Value(ValueMap{{"TableName", Value("Todo-main")}}));
  EXPECT_FALSE(gone.has_value());  // the data is gone with it
}

TEST_F(RefactorTest, TheAwsCliDrivesRefactorAndDrift) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  flightplan::testing::TempDir dir;
  Value definitions(ValueList{Definition("gen1", kGen1After), Definition("gen2", kGen2After)});
  flightplan::testing::WriteFile(dir.Join("defs.json"), definitions.ToJson());
  CliResult created = AwsCli({"cloudformation", "create-stack-refactor", "--description", "cli",
                              "--stack-definitions", "file://" + dir.Join("defs.json")});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto parsed = Value::FromJson(created.out);
  ASSERT_TRUE(parsed.has_value()) << created.out;
  std::string id = parsed->Find("StackRefactorId")->as_string();
  CliResult described =
      AwsCli({"cloudformation", "describe-stack-refactor", "--stack-refactor-id", id});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  EXPECT_THAT(described.out, HasSubstr("\"Status\": \"CREATE_COMPLETE\""));
  CliResult waited = AwsCli(
      {"cloudformation", "wait", "stack-refactor-create-complete", "--stack-refactor-id", id});
  EXPECT_EQ(waited.exit_code, 0) << waited.err;
  CliResult actions =
      AwsCli({"cloudformation", "list-stack-refactor-actions", "--stack-refactor-id", id});
  ASSERT_EQ(actions.exit_code, 0) << actions.err;
  EXPECT_THAT(actions.out, HasSubstr("\"Action\": \"MOVE\""));
  CliResult executed =
      AwsCli({"cloudformation", "execute-stack-refactor", "--stack-refactor-id", id});
  ASSERT_EQ(executed.exit_code, 0) << executed.err;
  CliResult done = AwsCli(
      {"cloudformation", "wait", "stack-refactor-execute-complete", "--stack-refactor-id", id});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  CliResult listed = AwsCli({"cloudformation", "list-stack-refactors"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("EXECUTE_COMPLETE"));
  CliResult owner =
      AwsCli({"cloudformation", "describe-stack-resources", "--physical-resource-id", "Todo-main"});
  ASSERT_EQ(owner.exit_code, 0) << owner.err;
  EXPECT_THAT(owner.out, HasSubstr("\"StackName\": \"gen2\""));

  CliResult detect = AwsCli({"cloudformation", "detect-stack-drift", "--stack-name", "gen2"});
  ASSERT_EQ(detect.exit_code, 0) << detect.err;
  auto detection = Value::FromJson(detect.out);
  ASSERT_TRUE(detection.has_value());
  std::string detection_id = detection->Find("StackDriftDetectionId")->as_string();
  CliResult status = AwsCli({"cloudformation", "describe-stack-drift-detection-status",
                             "--stack-drift-detection-id", detection_id});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("\"StackDriftStatus\": \"IN_SYNC\""));
  CliResult drifts =
      AwsCli({"cloudformation", "describe-stack-resource-drifts", "--stack-name", "gen2"});
  ASSERT_EQ(drifts.exit_code, 0) << drifts.err;
  EXPECT_THAT(drifts.out, HasSubstr("\"StackResourceDriftStatus\": \"IN_SYNC\""));
  CliResult one = AwsCli({"cloudformation", "detect-stack-resource-drift", "--stack-name", "gen2",
                          "--logical-resource-id", "Table"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  CliResult missing =
      AwsCli({"cloudformation", "describe-stack-refactor", "--stack-refactor-id", "nope"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("StackRefactorNotFoundException"));
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
