// The stack refactoring rules (cfn/refactor.h) and drift differences
// (cfn/drift.h) as pure functions, one rule per test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloudsim/cfn/drift.h"
#include "cloudsim/cfn/refactor.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim {
namespace {

using ::testing::HasSubstr;

Value Json(std::string_view text) {
  auto v = Value::FromJson(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? *v : Value();
}

// Gen1 storage stack holding a table and a function that reads it; Gen2
// stack holding its own placeholder.
RefactorStack Source() {
  RefactorStack s;
  s.name = "gen1-storage";
  s.current_template = Json(R"({
    "Parameters": {"env": {"Type": "String"}},
    "Resources": {
      "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
                "Properties": {"TableName": {"Fn::Sub": "Todo-${env}"}}},
      "Reader": {"Type": "AWS::Lambda::Function",
                 "Properties": {"Environment": {"Variables": {"T": {"Ref": "Table"}}}}}
    },
    "Outputs": {"Name": {"Value": {"Ref": "Table"}}}})");
  s.physical_ids = {{"Table", "Todo-main"}, {"Reader", "fn-1"}};
  s.types = {{"Table", "AWS::DynamoDB::Table"}, {"Reader", "AWS::Lambda::Function"}};
  return s;
}

RefactorStack Destination() {
  RefactorStack d;
  d.name = "gen2-data";
  d.current_template = Json(R"({"Resources": {"Api": {"Type": "AWS::AppSync::GraphQLApi"}}})");
  d.physical_ids = {{"Api", "api-1"}};
  d.types = {{"Api", "AWS::AppSync::GraphQLApi"}};
  return d;
}

// The source rewritten with literals: the table gone, its name inlined.
void MoveTable(RefactorStack& source, RefactorStack& destination) {
  source.new_template = Json(R"({
    "Parameters": {"env": {"Type": "String"}},
    "Resources": {
      "Reader": {"Type": "AWS::Lambda::Function",
                 "Properties": {"Environment": {"Variables": {"T": "Todo-main"}}}}
    },
    "Outputs": {"Name": {"Value": "Todo-main"}}})");
  destination.new_template = Json(R"({"Resources": {
      "Api": {"Type": "AWS::AppSync::GraphQLApi"},
      "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
                "Properties": {"TableName": "Todo-main"}}}})");
}

TEST(RefactorRules, AMoveIsInferredFromTheTemplates) {
  RefactorStack source = Source(), destination = Destination();
  MoveTable(source, destination);
  auto check = PlanStackRefactor({source, destination}, Value(), false);
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->failure_reason, "");
  ASSERT_EQ(check->plan.moves.size(), 1u);
  const ResourceMove& move = check->plan.moves[0];
  EXPECT_EQ(move.source_stack, "gen1-storage");
  EXPECT_EQ(move.destination_stack, "gen2-data");
  EXPECT_EQ(move.physical_id, "Todo-main");
  EXPECT_FALSE(move.manual);
  Value actions = check->plan.Actions();
  ASSERT_EQ(actions.as_list().size(), 1u);
  EXPECT_EQ(actions.as_list()[0].Find("Action")->as_string(), "MOVE");
  EXPECT_EQ(actions.as_list()[0].Find("Detection")->as_string(), "AUTO");
}

TEST(RefactorRules, ResourceMappingsRenameAndAreManual) {
  RefactorStack source = Source(), destination = Destination();
  MoveTable(source, destination);
  destination.new_template = Json(R"({"Resources": {
      "Api": {"Type": "AWS::AppSync::GraphQLApi"},
      "TodoTable": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "Todo-main"}}}})");
  Value mappings = Json(R"([{"Source": {"StackName": "gen1-storage", "LogicalResourceId": "Table"},
      "Destination": {"StackName": "gen2-data", "LogicalResourceId": "TodoTable"}}])");
  auto check = PlanStackRefactor({source, destination}, mappings, false);
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->failure_reason, "");
  ASSERT_EQ(check->plan.moves.size(), 1u);
  EXPECT_TRUE(check->plan.moves[0].manual);
  EXPECT_EQ(check->plan.moves[0].destination_logical_id, "TodoTable");
}

TEST(RefactorRules, AMovedResourceStillReferencedFromItsSourceFails) {
  RefactorStack source = Source(), destination = Destination();
  MoveTable(source, destination);
  source.new_template = Json(R"({
    "Parameters": {"env": {"Type": "String"}},
    "Resources": {"Reader": {"Type": "AWS::Lambda::Function",
       "Properties": {"Environment": {"Variables": {"T": {"Ref": "Table"}}}}}}})");
  auto check = PlanStackRefactor({source, destination}, Value(), false);
  ASSERT_TRUE(check.has_value());
  EXPECT_THAT(check->failure_reason, HasSubstr("Unresolved resource dependencies [Table]"));
}

TEST(RefactorRules, SubAndGetAttAndDependsOnCountAsReferences) {
  Value v =
      Json(R"({"A": {"Fn::Sub": ["${X}-${Y.Arn}-${AWS::Region}-${!Lit}-${V}", {"V": {"Ref": "Z"}}]},
                     "B": {"Fn::GetAtt": ["W", "Arn"]}, "DependsOn": ["D1"]})");
  EXPECT_EQ(ReferencedNames(v), (std::set<std::string>{"D1", "W", "X", "Y", "Z"}));
}

TEST(RefactorRules, AStackPolicyFailsTheRefactor) {
  RefactorStack source = Source(), destination = Destination();
  MoveTable(source, destination);
  source.has_stack_policy = true;
  auto check = PlanStackRefactor({source, destination}, Value(), false);
  ASSERT_TRUE(check.has_value());
  EXPECT_THAT(check->failure_reason, HasSubstr("has a stack policy"));
}

TEST(RefactorRules, NoStackMayBeLeftEmpty) {
  RefactorStack source = Source(), destination = Destination();
  source.new_template = Json(R"({"Parameters": {"env": {"Type": "String"}}, "Resources": {}})");
  destination.new_template = Json(R"({"Resources": {
      "Api": {"Type": "AWS::AppSync::GraphQLApi"},
      "Table": {"Type": "AWS::DynamoDB::Table"},
      "Reader": {"Type": "AWS::Lambda::Function"}}})");
  auto check = PlanStackRefactor({source, destination}, Value(), false);
  ASSERT_TRUE(check.has_value());
  EXPECT_THAT(check->failure_reason, HasSubstr("left without resources"));
}

TEST(RefactorRules, StackCountIsTwoToFive) {
  RefactorStack source = Source();
  source.new_template = source.current_template;
  auto one = PlanStackRefactor({source}, Value(), false);
  ASSERT_FALSE(one.has_value());
  EXPECT_EQ(one.error().code, "ValidationError");
  std::vector<RefactorStack> six;
  for (int i = 0; i < 6; ++i) {
    RefactorStack s = Source();
    s.name = "s" + std::to_string(i);
    s.new_template = s.current_template;
    six.push_back(s);
  }
  EXPECT_FALSE(PlanStackRefactor(six, Value(), false).has_value());
}

TEST(RefactorRules, AMissingStackNeedsEnableStackCreation) {
  RefactorStack source = Source(), created;
  created.name = "holding";
  created.exists = false;
  MoveTable(source, created);
  created.new_template = Json(R"({"Resources": {"Table": {"Type": "AWS::DynamoDB::Table"}}})");
  auto refused = PlanStackRefactor({source, created}, Value(), false);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr("EnableStackCreation"));
  auto allowed = PlanStackRefactor({source, created}, Value(), true);
  ASSERT_TRUE(allowed.has_value());
  EXPECT_EQ(allowed->failure_reason, "");
  EXPECT_EQ(allowed->plan.created_stacks, std::vector<std::string>{"holding"});
  EXPECT_EQ(allowed->plan.Actions().as_list()[0].Find("Entity")->as_string(), "STACK");
}

TEST(RefactorRules, RefactoringCannotCreateOrDeleteResources) {
  RefactorStack source = Source(), destination = Destination();
  source.new_template = source.current_template;
  destination.new_template = Json(R"({"Resources": {
      "Api": {"Type": "AWS::AppSync::GraphQLApi"}, "New": {"Type": "AWS::SNS::Topic"}}})");
  auto created = PlanStackRefactor({source, destination}, Value(), false);
  ASSERT_TRUE(created.has_value());
  EXPECT_THAT(created->failure_reason, HasSubstr("cannot create them"));
  destination.new_template =
      Json(R"({"Resources": {"Api": {"Type": "AWS::AppSync::GraphQLApi"}}})");
  source.new_template = Json(R"({"Parameters": {"env": {"Type": "String"}},
      "Resources": {"Table": {"Type": "AWS::DynamoDB::Table"}}})");
  auto deleted = PlanStackRefactor({source, destination}, Value(), false);
  ASSERT_TRUE(deleted.has_value());
  EXPECT_THAT(deleted->failure_reason, HasSubstr("cannot delete them"));
}

TEST(RefactorRules, ParametersAndConditionsCannotChange) {
  RefactorStack source = Source(), destination = Destination();
  MoveTable(source, destination);
  source.new_template.as_map()["Parameters"] =
      Json(R"({"env": {"Type": "String", "Default": "x"}})");
  auto check = PlanStackRefactor({source, destination}, Value(), false);
  ASSERT_TRUE(check.has_value());
  EXPECT_THAT(check->failure_reason, HasSubstr("cannot add, remove or modify parameters"));
}

TEST(RefactorRules, RefusedTypesCannotMove) {
  RefactorStack source, destination = Destination();
  source.name = "a";
  source.current_template = Json(R"({"Resources": {"Keep": {"Type": "AWS::SNS::Topic"},
      "M": {"Type": "AWS::ApiGateway::Method"}}})");
  source.new_template = Json(R"({"Resources": {"Keep": {"Type": "AWS::SNS::Topic"}}})");
  source.physical_ids = {{"Keep", "t"}, {"M", "m"}};
  source.types = {{"Keep", "AWS::SNS::Topic"}, {"M", "AWS::ApiGateway::Method"}};
  destination.new_template = Json(R"({"Resources": {"Api": {"Type": "AWS::AppSync::GraphQLApi"},
      "M": {"Type": "AWS::ApiGateway::Method"}}})");
  auto check = PlanStackRefactor({source, destination}, Value(), false);
  ASSERT_TRUE(check.has_value());
  EXPECT_THAT(check->failure_reason, HasSubstr("does not support this resource type"));
}

TEST(RefactorRules, TheRefusedTypeListMatchesTheReferenceData) {
  Value reference = Json(
      flightplan::testing::ReadFile(std::string(FLIGHTPLAN_SOURCE_DIR) +
                                    "/tests/data/cloudformation-refactor/refactor-reference.json"));
  const Value* types = reference.Find("unsupported_resource_types");
  ASSERT_NE(types, nullptr);
  ASSERT_GT(types->as_list().size(), 100u);
  for (const Value& type : types->as_list()) {
    EXPECT_TRUE(RefactorRefusesType(type.as_string())) << type.as_string();
  }
  EXPECT_FALSE(RefactorRefusesType("AWS::DynamoDB::Table"));
  EXPECT_FALSE(RefactorRefusesType("AWS::Cognito::UserPool"));
}

TEST(Drift, OnlyTemplatePropertiesAreCompared) {
  Value expected = Json(R"({"BillingMode": "PAY_PER_REQUEST", "Tags": [{"Key": "a", "Value": "1"}],
                            "Throughput": 5})");
  Value actual = Json(R"({"BillingMode": "PROVISIONED", "Tags": [{"Key": "a", "Value": "1"},
                          {"Key": "b", "Value": "2"}], "Throughput": "5", "Extra": true})");
  Value diffs = PropertyDifferences(expected, actual);
  ASSERT_EQ(diffs.as_list().size(), 2u) << diffs.ToJson();
  EXPECT_EQ(diffs.as_list()[0].Find("PropertyPath")->as_string(), "/BillingMode");
  EXPECT_EQ(diffs.as_list()[0].Find("DifferenceType")->as_string(), "NOT_EQUAL");
  EXPECT_EQ(diffs.as_list()[0].Find("ActualValue")->as_string(), "PROVISIONED");
  EXPECT_EQ(diffs.as_list()[1].Find("PropertyPath")->as_string(), "/Tags/1");
  EXPECT_EQ(diffs.as_list()[1].Find("DifferenceType")->as_string(), "ADD");
  EXPECT_TRUE(PropertyDifferences(expected, expected).as_list().empty());
  Value removed = PropertyDifferences(expected, Json(R"({"Tags": []})"));
  EXPECT_EQ(removed.as_list().size(), 3u);
}

}  // namespace
}  // namespace flightplan::cloudsim
