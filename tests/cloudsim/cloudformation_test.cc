// CloudFormation through flightplan's client and the AWS CLI: stacks,
// nested stacks from the simulator's S3, stateful resources and data loss,
// updates with replacement and stack policies, asynchronous statuses, the
// fail_stack_operation fault, change sets, exports, seeding and every
// fixture stack.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

// GCC 12 reports std::variant members of Values copied out of brace-init
// lists as maybe-uninitialized (a known false positive at -O2).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "cloudsim/cfn/template.h"
#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"
#include "tests/support/yaml_alias_bomb.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;

Value Json(std::string_view text) {
  auto v = Value::FromJson(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? *v : Value();
}

using flightplan::testing::ReadFile;

Value Params(std::initializer_list<std::pair<const char*, const char*>> kv) {
  ValueList out;
  for (const auto& [k, v] : kv) {
    out.push_back(Value(ValueMap{{"ParameterKey", Value(k)}, {"ParameterValue", Value(v)}}));
  }
  return Value(std::move(out));
}

class CfnTest : public SimTest {
 protected:
  Value Create(const std::string& name, const std::string& body, Value extra = Value(ValueMap{})) {
    extra.Set("StackName", Value(name));
    extra.Set("TemplateBody", Value(body));
    return Call("cloudformation", "CreateStack", extra);
  }
  Value Describe(const std::string& name) {
    Value out =
        Call("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value(name)}}));
    return out.Find("Stacks")->as_list().at(0);
  }
  std::string Status(const std::string& name) {
    return Describe(name).Find("StackStatus")->as_string();
  }
  std::string Output(const std::string& name, const std::string& key) {
    Value stack = Describe(name);
    if (const Value* outputs = stack.Find("Outputs")) {
      for (const Value& o : outputs->as_list()) {
        if (o.Find("OutputKey")->as_string() == key) return o.Find("OutputValue")->as_string();
      }
    }
    return "<missing>";
  }
  Value Resources(const std::string& name) {
    return *Call("cloudformation", "DescribeStackResources",
                 Value(ValueMap{{"StackName", Value(name)}}))
                .Find("StackResources");
  }
  std::string Physical(const std::string& name, const std::string& logical) {
    Value resources = Resources(name);
    for (const Value& r : resources.as_list()) {
      if (r.Find("LogicalResourceId")->as_string() == logical) {
        const Value* p = r.Find("PhysicalResourceId");
        return p ? p->as_string() : "";
      }
    }
    return "<missing>";
  }
  void PutTemplate(const std::string& key, const std::string& body) {
    std::lock_guard lock(world().mutex);
    if (!world().s3.FindBucket("templates")) {
      ASSERT_TRUE(world().s3.CreateBucket("templates", world().Now()));
    }
    ASSERT_TRUE(world().s3.PutObject("templates", key, body, world().Now()));
  }
  // `operation` on `stack` fails at `logical_id` (any resource when "").
  void FailStackOperation(const std::string& operation, const std::string& stack,
                          const std::string& logical_id) {
    Value options(ValueMap{});
    if (!logical_id.empty()) options.Set("logical_id", Value(logical_id));
    AddFault("cloudformation", operation, "fail_stack_operation",
             {{"match", Value(ValueMap{{"StackName", Value(stack)}})}, {"options", options}});
  }
};

constexpr const char* kYamlStack = R"(
Parameters:
  Env:
    Type: String
    Default: dev
  Password:
    Type: String
    NoEcho: true
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Mappings:
  Sizes:
    dev: {Count: "1"}
    prod: {Count: "3"}
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-${Env}-queue"
  ProdOnly:
    Type: AWS::SNS::Topic
    Condition: IsProd
Outputs:
  TopicArn:
    Value: !Ref Topic
  QueueArn:
    Value: !GetAtt Queue.Arn
  Joined:
    Value: !Join [":", [!Select [0, !Split [",", "a,b"]], !FindInMap [Sizes, !Ref Env, Count], !If [IsProd, p, np]]]
  Encoded:
    Value: !Base64 abc
  Region:
    Value: !Select [1, !GetAZs ""]
)";

TEST_F(CfnTest, YamlStackWithConditionsParametersAndIntrinsics) {
  Value created =
      Create("app", kYamlStack, Value(ValueMap{{"Parameters", Params({{"Password", "hunter2"}})}}));
  std::string id = created.Find("StackId")->as_string();
  EXPECT_THAT(id, HasSubstr("arn:aws:cloudformation:us-east-1:123456789012:stack/app/"));
  Value stack = Describe("app");
  EXPECT_EQ(stack.Find("StackStatus")->as_string(), "CREATE_COMPLETE");
  EXPECT_EQ(Output("app", "TopicArn").rfind("arn:aws:sns:us-east-1:123456789012:app-Topic-", 0),
            0u);
  EXPECT_EQ(Output("app", "QueueArn"), "arn:aws:sqs:us-east-1:123456789012:app-dev-queue");
  EXPECT_EQ(Output("app", "Joined"), "a:1:np");
  EXPECT_EQ(Output("app", "Encoded"), "YWJj");
  EXPECT_EQ(Output("app", "Region"), "us-east-1b");
  for (const Value& p : stack.Find("Parameters")->as_list()) {
    if (p.Find("ParameterKey")->as_string() == "Password") {
      EXPECT_EQ(p.Find("ParameterValue")->as_string(), "****");
    }
  }
  EXPECT_EQ(Resources("app").as_list().size(),
            2u);  // ProdOnly's condition is false
  Value by_id = Describe(id);
  EXPECT_EQ(by_id.Find("StackName")->as_string(), "app");

  auto again =
      Try("cloudformation", "CreateStack",
          Value(ValueMap{{"StackName", Value("app")}, {"TemplateBody", Value(kYamlStack)}}));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, "AlreadyExistsException");

  Call("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("app")}}));
  auto gone = Try("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value("app")}}));
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().message, "Stack with id app does not exist");
  EXPECT_EQ(Describe(id).Find("StackStatus")->as_string(), "DELETE_COMPLETE");
  Value listed =
      Call("cloudformation", "ListStacks",
           Value(ValueMap{{"StackStatusFilter", Value(ValueList{Value("DELETE_COMPLETE")})}}));
  ASSERT_EQ(listed.Find("StackSummaries")->as_list().size(), 1u);
  EXPECT_EQ(LogOf("cloudformation", "CreateStack").size(), 2u);
}

TEST_F(CfnTest, TemplateErrorsAreValidationErrors) {
  auto unresolved = Try(
      "cloudformation", "CreateStack",
      Value(ValueMap{
          {"StackName", Value("bad")},
          {"TemplateBody",
           Value(
               R"({"Resources":{"A":{"Type":"AWS::SNS::Topic","Properties":{"X":{"Ref":"Nope"}}}}})")}}));
  ASSERT_FALSE(unresolved.has_value());
  EXPECT_EQ(unresolved.error().code, "ValidationError");
  EXPECT_THAT(unresolved.error().message, HasSubstr("Unresolved resource dependencies [Nope]"));
  std::string big = R"({"Description":")" + std::string(52000, 'x') +
                    R"(","Resources":{"A":{"Type":"AWS::SNS::Topic"}}})";
  auto too_big = Try("cloudformation", "CreateStack",
                     Value(ValueMap{{"StackName", Value("big")}, {"TemplateBody", Value(big)}}));
  ASSERT_FALSE(too_big.has_value());
  EXPECT_THAT(too_big.error().message, HasSubstr("51200"))
      << too_big.error().code << " " << too_big.error().http_status;
  auto iam = Try(
      "cloudformation", "CreateStack",
      Value(ValueMap{
          {"StackName", Value("iam")},
          {"TemplateBody",
           Value(
               R"({"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"r"}}}})")}}));
  ASSERT_FALSE(iam.has_value());
  EXPECT_EQ(iam.error().code, "InsufficientCapabilitiesException");
  EXPECT_EQ(iam.error().message, "Requires capabilities : [CAPABILITY_NAMED_IAM]");
}

TEST_F(CfnTest, YamlAliasBombIsAValidationErrorAndTheSimulatorCarriesOn) {
  const std::string bomb = "Metadata:\n" + flightplan::testing::YamlAliasBomb(8, 10, 2) +
                           "Resources:\n  A: {Type: AWS::SNS::Topic}\n";
  auto refused = Try("cloudformation", "CreateStack",
                     Value(ValueMap{{"StackName", Value("bomb")}, {"TemplateBody", Value(bomb)}}));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, "ValidationError");
  EXPECT_THAT(refused.error().message, HasSubstr("YAML not well-formed. (line 7, column 47"));
  Value listed = Call("cloudformation", "ListStacks");
  EXPECT_TRUE(listed.is_map());
}

constexpr const char* kChild = R"({
  "Parameters": {"Prefix": {"Type": "String"}},
  "Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
    "TableName": {"Fn::Sub": "${Prefix}-child-table"},
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST"}}},
  "Outputs": {"TableArn": {"Value": {"Fn::GetAtt": ["Table", "Arn"]}}}
})";

TEST_F(CfnTest, NestedStacksComeFromS3AndFollowTheirParent) {
  PutTemplate("child.json", kChild);
  std::string parent =
      R"({"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {
      "TemplateURL": "https://s3.amazonaws.com/templates/child.json", "Parameters": {"Prefix": "p1"}}}},
    "Outputs": {"ChildTable": {"Value": {"Fn::GetAtt": ["Child", "Outputs.TableArn"]}}}})";
  Create("root", parent);
  ASSERT_EQ(Status("root"), "CREATE_COMPLETE");
  std::string child_id = Physical("root", "Child");
  Value child = Describe(child_id);
  EXPECT_THAT(child.Find("StackName")->as_string(), HasSubstr("root-Child-"));
  EXPECT_EQ(child.Find("ParentId")->as_string(), Describe("root").Find("StackId")->as_string());
  EXPECT_EQ(child.Find("RootId")->as_string(), Describe("root").Find("StackId")->as_string());
  EXPECT_EQ(Output("root", "ChildTable"),
            "arn:aws:dynamodb:us-east-1:123456789012:table/p1-child-table");
  EXPECT_TRUE(world().dynamodb.HasTable("p1-child-table"));

  // Update: new child parameters replace the child's table.
  PutTemplate("child.json", kChild);
  std::string updated = parent;
  updated.replace(updated.find("p1"), 2, "p2");
  Call("cloudformation", "UpdateStack",
       Value(ValueMap{{"StackName", Value("root")}, {"TemplateBody", Value(updated)}}));
  EXPECT_EQ(Status("root"), "UPDATE_COMPLETE");
  EXPECT_EQ(Status(child_id), "UPDATE_COMPLETE");
  EXPECT_TRUE(world().dynamodb.HasTable("p2-child-table"));
  EXPECT_FALSE(world().dynamodb.HasTable("p1-child-table"));

  Call("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("root")}}));
  EXPECT_EQ(Describe(child_id).Find("StackStatus")->as_string(), "DELETE_COMPLETE");
  EXPECT_FALSE(world().dynamodb.HasTable("p2-child-table"));

  auto missing =
      Try("cloudformation", "CreateStack",
          Value(ValueMap{{"StackName", Value("orphan")},
                         {"TemplateURL", Value("https://templates.s3.amazonaws.com/none.json")}}));
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message, HasSubstr("S3 error: Access Denied"));
}

TEST_F(CfnTest, AFailingChildRollsItsParentBack) {
  PutTemplate("bad-child.json",
              R"({"Resources": {"T": {"Type": "AWS::SNS::Topic"},
    "Q": {"Type": "AWS::SQS::Queue", "Properties": {"X": {"Fn::GetAtt": ["T", "Nope"]}}}}})");
  Create("fragile",
         R"({"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {
      "TemplateURL": "https://templates.s3.us-east-1.amazonaws.com/bad-child.json"}}}})");
  Value stack = Describe("fragile");
  EXPECT_EQ(stack.Find("StackStatus")->as_string(), "ROLLBACK_COMPLETE");
  EXPECT_THAT(stack.Find("StackStatusReason")->as_string(), HasSubstr("[Child]"));
  Value events = Call("cloudformation", "DescribeStackEvents",
                      Value(ValueMap{{"StackName", Value("fragile")}}));
  bool explained = false;
  for (const Value& e : events.Find("StackEvents")->as_list()) {
    const Value* reason = e.Find("ResourceStatusReason");
    if (reason && reason->as_string().find("Embedded stack") != std::string::npos &&
        reason->as_string().find("was not successfully created") != std::string::npos) {
      explained = true;
    }
  }
  EXPECT_TRUE(explained);
  Value children =
      Call("cloudformation", "ListStacks",
           Value(ValueMap{{"StackStatusFilter", Value(ValueList{Value("DELETE_COMPLETE")})}}));
  ASSERT_EQ(children.Find("StackSummaries")->as_list().size(), 1u);
  EXPECT_THAT(children.Find("StackSummaries")->as_list()[0].Find("StackName")->as_string(),
              HasSubstr("fragile-Child-"));
}

constexpr const char* kTables = R"({"Resources": {
  "Kept": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "Properties": {
    "TableName": "kept", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}},
  "Lost": {"Type": "AWS::DynamoDB::Table", "Properties": {
    "TableName": "lost", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}},
  "Bucket": {"Type": "AWS::S3::Bucket"}}})";

TEST_F(CfnTest, RetainKeepsDataWhileDeleteDestroysIt) {
  Create("data", kTables);
  ASSERT_EQ(Status("data"), "CREATE_COMPLETE");
  std::string bucket = Physical("data", "Bucket");
  EXPECT_EQ(bucket.rfind("data-bucket-", 0), 0u);
  {
    std::lock_guard lock(world().mutex);
    ASSERT_TRUE(world().dynamodb.PutItem("kept", Json(R"({"id":{"S":"1"}})")));
    ASSERT_TRUE(world().dynamodb.PutItem("lost", Json(R"({"id":{"S":"1"}})")));
    ASSERT_TRUE(world().s3.PutObject(bucket, "k", "v", world().Now()));
  }
  // A non-empty bucket cannot be deleted: DELETE_FAILED, then retain it.
  Call("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("data")}}));
  Value stack = Describe("data");
  EXPECT_EQ(stack.Find("StackStatus")->as_string(), "DELETE_FAILED");
  EXPECT_THAT(stack.Find("StackStatusReason")->as_string(), HasSubstr("[Bucket]"));
  EXPECT_TRUE(world().dynamodb.HasTable("kept"));
  EXPECT_FALSE(world().dynamodb.HasTable("lost"));
  Call("cloudformation", "DeleteStack",
       Value(ValueMap{{"StackName", Value("data")},
                      {"RetainResources", Value(ValueList{Value("Bucket")})}}));
  auto gone =
      Try("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value("data")}}));
  EXPECT_FALSE(gone.has_value());
  EXPECT_EQ(world().dynamodb.ItemCount("kept"), 1u);
  EXPECT_EQ(world().dynamodb.ItemCount("lost"), 0u);
  EXPECT_NE(world().s3.FindBucket(bucket), nullptr);
  Value events = Call("cloudformation", "DescribeStackEvents",
                      Value(ValueMap{{"StackName", Value(stack.Find("StackId")->as_string())}}));
  bool skipped = false;
  for (const Value& e : events.Find("StackEvents")->as_list()) {
    if (e.Find("LogicalResourceId")->as_string() == "Kept" &&
        e.Find("ResourceStatus")->as_string() == "DELETE_SKIPPED")
      skipped = true;
  }
  EXPECT_TRUE(skipped);
}

TEST_F(CfnTest, KeySchemaChangesReplaceTheTableUnlessRetained) {
  std::string body =
      R"({"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "UpdateReplacePolicy": "POLICY", "Properties": {
    "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "KEY", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "KEY", "AttributeType": "S"}]}}}})";
  auto with = [&](std::string key, std::string policy) {
    std::string b = body;
    for (size_t at; (at = b.find("KEY")) != std::string::npos;) b.replace(at, 3, key);
    b.replace(b.find("POLICY"), 6, policy);
    return b;
  };
  Create("t", with("id", "Delete"));
  std::string first = Physical("t", "T");
  EXPECT_EQ(first.rfind("t-T-", 0), 0u);
  Call("cloudformation", "UpdateStack",
       Value(ValueMap{{"StackName", Value("t")}, {"TemplateBody", Value(with("pk", "Retain"))}}));
  std::string second = Physical("t", "T");
  EXPECT_NE(first, second);
  EXPECT_FALSE(world().dynamodb.HasTable(first));  // the old policy was Delete
  Call("cloudformation", "UpdateStack",
       Value(ValueMap{{"StackName", Value("t")}, {"TemplateBody", Value(with("sk", "Retain"))}}));
  std::string third = Physical("t", "T");
  EXPECT_TRUE(world().dynamodb.HasTable(second));  // retained on replacement
  EXPECT_TRUE(world().dynamodb.HasTable(third));
  auto same = Try("cloudformation", "UpdateStack",
                  Value(ValueMap{{"StackName", Value("t")}, {"UsePreviousTemplate", Value(true)}}));
  ASSERT_FALSE(same.has_value());
  EXPECT_EQ(same.error().message, "No updates are to be performed.");
}

TEST_F(CfnTest, StackPolicyDenialRollsTheUpdateBack) {
  std::string v1 =
      R"({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q1"}},
                                    "T": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "a"}}}})";
  std::string v2 =
      R"({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q2"}},
                                    "T": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "b"}}}})";
  std::string policy =
      R"({"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"},
                                        {"Effect":"Deny","Action":"Update:Replace","Principal":"*","Resource":"LogicalResourceId/Q"}]})";
  Create("guarded", v1, Value(ValueMap{{"StackPolicyBody", Value(policy)}}));
  std::string queue = Physical("guarded", "Q");
  Call("cloudformation", "UpdateStack",
       Value(ValueMap{{"StackName", Value("guarded")}, {"TemplateBody", Value(v2)}}));
  Value stack = Describe("guarded");
  EXPECT_EQ(stack.Find("StackStatus")->as_string(), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_THAT(stack.Find("StackStatusReason")->as_string(),
              HasSubstr("Action denied by stack policy"));
  EXPECT_EQ(Physical("guarded", "Q"), queue);
  Value tmpl =
      Call("cloudformation", "GetTemplate", Value(ValueMap{{"StackName", Value("guarded")}}));
  EXPECT_THAT(tmpl.Find("TemplateBody")->ToText(), HasSubstr("q1"));
  Value got =
      Call("cloudformation", "GetStackPolicy", Value(ValueMap{{"StackName", Value("guarded")}}));
  EXPECT_THAT(got.Find("StackPolicyBody")->as_string(), HasSubstr("Update:Replace"));
  // A policy for the duration of one update lets it through.
  Call(
      "cloudformation", "UpdateStack",
      Value(ValueMap{
          {"StackName", Value("guarded")},
          {"TemplateBody", Value(v2)},
          {"StackPolicyDuringUpdateBody",
           Value(
               R"({"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"}]})")}}));
  EXPECT_EQ(Status("guarded"), "UPDATE_COMPLETE");
  EXPECT_NE(Physical("guarded", "Q"), queue);
}

TEST_F(CfnTest, OperationsRevealTheirStatusAfterTheDelay) {
  world().mutable_config().operation_delay = std::chrono::seconds(30);
  Create("slow", R"({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})");
  EXPECT_EQ(Status("slow"), "CREATE_IN_PROGRESS");
  clock_.Advance(std::chrono::seconds(31));
  EXPECT_EQ(Status("slow"), "CREATE_COMPLETE");
  Value events =
      Call("cloudformation", "DescribeStackEvents", Value(ValueMap{{"StackName", Value("slow")}}));
  const ValueList& list = events.Find("StackEvents")->as_list();
  ASSERT_GE(list.size(), 4u);
  EXPECT_EQ(list.front().Find("ResourceStatus")->as_string(),
            "CREATE_COMPLETE");  // newest first
  EXPECT_EQ(list.front().Find("LogicalResourceId")->as_string(), "slow");
  EXPECT_EQ(list.back().Find("ResourceStatusReason")->as_string(), "User Initiated");
  Call("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("slow")}}));
  EXPECT_EQ(Status("slow"), "DELETE_IN_PROGRESS");
  clock_.Advance(std::chrono::seconds(31));
  EXPECT_FALSE(
      Try("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value("slow")}}))
          .has_value());
}

TEST_F(CfnTest, InjectedFailuresRollBack) {
  std::string body = R"({"Resources": {
    "A": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "faa", "BillingMode": "PAY_PER_REQUEST",
      "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}},
    "B": {"Type": "AWS::SNS::Topic", "DependsOn": "A"}}})";
  FailStackOperation("CreateStack", "f", "B");
  Create("f", body);
  Value failed = Describe("f");
  EXPECT_EQ(failed.Find("StackStatus")->as_string(), "ROLLBACK_COMPLETE");
  EXPECT_EQ(failed.Find("StackStatusReason")->as_string(),
            "The following resource(s) failed to create: [B]. ");
  EXPECT_FALSE(world().dynamodb.HasTable("faa"));
  Call("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("f")}}));

  FailStackOperation("CreateStack", "g", "B");
  Create("g", body, Value(ValueMap{{"DisableRollback", Value(true)}}));
  EXPECT_EQ(Status("g"), "CREATE_FAILED");
  EXPECT_TRUE(world().dynamodb.HasTable("faa"));
  Call("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("g")}}));

  Create("h", body);
  std::string updated = body;
  updated.replace(updated.find("\"faa\""), 5, "\"fbb\"");
  FailStackOperation("UpdateStack", "h", "B");
  updated.replace(updated.find("AWS::SNS::Topic\""), 16,
                  "AWS::SNS::Topic\", \"Properties\": {\"DisplayName\": \"x\"}");
  Call("cloudformation", "UpdateStack",
       Value(ValueMap{{"StackName", Value("h")}, {"TemplateBody", Value(updated)}}));
  EXPECT_EQ(Status("h"), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_TRUE(world().dynamodb.HasTable("faa"));
  EXPECT_FALSE(world().dynamodb.HasTable("fbb"));
  EXPECT_EQ(Physical("h", "A"), "faa");

  FailStackOperation("DeleteStack", "h", "A");
  Call("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("h")}}));
  EXPECT_EQ(Status("h"), "DELETE_FAILED");
  EXPECT_TRUE(world().dynamodb.HasTable("faa"));
}

TEST_F(CfnTest, TerminationProtectionRefusesDeletion) {
  Create("prot", R"({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})",
         Value(ValueMap{{"EnableTerminationProtection", Value(true)}}));
  auto refused =
      Try("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("prot")}}));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message,
            "Stack [prot] cannot be deleted while TerminationProtection is enabled");
  Call(
      "cloudformation", "UpdateTerminationProtection",
      Value(ValueMap{{"StackName", Value("prot")}, {"EnableTerminationProtection", Value(false)}}));
  Call("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("prot")}}));
  EXPECT_FALSE(
      Try("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value("prot")}}))
          .has_value());
}

TEST_F(CfnTest, ExportsAndImportsGuardEachOther) {
  Create("producer", R"({"Resources": {"T": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {"Arn": {"Value": {"Ref": "T"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-topic"}}}}})");
  Create(
      "consumer",
      R"({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"Tag": {"Fn::ImportValue": "producer-topic"}}}},
    "Outputs": {"Imported": {"Value": {"Fn::ImportValue": "producer-topic"}}}})");
  Value exports = Call("cloudformation", "ListExports");
  ASSERT_EQ(exports.Find("Exports")->as_list().size(), 1u);
  std::string value = exports.Find("Exports")->as_list()[0].Find("Value")->as_string();
  EXPECT_EQ(Output("consumer", "Imported"), value);
  Value imports = Call("cloudformation", "ListImports",
                       Value(ValueMap{{"ExportName", Value("producer-topic")}}));
  EXPECT_EQ(imports.Find("Imports")->as_list()[0].as_string(), "consumer");
  auto refused =
      Try("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("producer")}}));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message,
            "Export producer-topic cannot be deleted as it is in use by consumer");
  // Once the importer is deleted, the export is free (a deleted stack
  // imports nothing): the producer deletes.
  Call("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("consumer")}}));
  Call("cloudformation", "DeleteStack", Value(ValueMap{{"StackName", Value("producer")}}));
  EXPECT_FALSE(
      Try("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value("producer")}}))
          .has_value());
  auto missing = Create(
      "broken",
      R"({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"X": {"Fn::ImportValue": "nope"}}}}})");
  EXPECT_EQ(Status("broken"), "ROLLBACK_COMPLETE");
  EXPECT_THAT(Describe("broken").Find("StackStatusReason")->as_string(), HasSubstr("[Q]"));
}

TEST_F(CfnTest, DescribeStackResourcesByPhysicalIdNamesTheOwner) {
  Create(
      "owner",
      R"({"Resources": {"T": {"Type": "AWS::SNS::Topic"}, "B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "owned-bucket"}}}})");
  Value found = Call("cloudformation", "DescribeStackResources",
                     Value(ValueMap{{"PhysicalResourceId", Value("owned-bucket")}}));
  const ValueList& list = found.Find("StackResources")->as_list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].Find("StackName")->as_string(), "owner");
  Value one =
      Call("cloudformation", "DescribeStackResource",
           Value(ValueMap{{"StackName", Value("owner")}, {"LogicalResourceId", Value("B")}}));
  EXPECT_EQ(one.Find("StackResourceDetail")->Find("PhysicalResourceId")->as_string(),
            "owned-bucket");
  auto none = Try("cloudformation", "DescribeStackResources",
                  Value(ValueMap{{"PhysicalResourceId", Value("nobody")}}));
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().message, "Stack for nobody does not exist");
  Value summary =
      Call("cloudformation", "ListStackResources", Value(ValueMap{{"StackName", Value("owner")}}));
  EXPECT_EQ(summary.Find("StackResourceSummaries")->as_list().size(), 2u);
}

TEST_F(CfnTest, ChangeSetsDescribeAndApplyChanges) {
  std::string v1 =
      R"({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "a"}},
                                    "T": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "x"}},
                                    "Gone": {"Type": "AWS::SNS::Topic"}}})";
  std::string v2 =
      R"({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "b"}},
                                    "T": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "y"}},
                                    "New": {"Type": "AWS::SNS::Topic"}}})";
  Value created = Call("cloudformation", "CreateChangeSet",
                       Value(ValueMap{{"StackName", Value("cs")},
                                      {"ChangeSetName", Value("first")},
                                      {"ChangeSetType", Value("CREATE")},
                                      {"TemplateBody", Value(v1)}}));
  EXPECT_EQ(Status("cs"), "REVIEW_IN_PROGRESS");
  Value first =
      Call("cloudformation", "DescribeChangeSet",
           Value(ValueMap{{"StackName", Value("cs")}, {"ChangeSetName", Value("first")}}));
  EXPECT_EQ(first.Find("Status")->as_string(), "CREATE_COMPLETE");
  EXPECT_EQ(first.Find("Changes")->as_list().size(), 3u);
  Call("cloudformation", "ExecuteChangeSet",
       Value(ValueMap{{"ChangeSetName", Value(created.Find("Id")->as_string())}}));
  EXPECT_EQ(Status("cs"), "CREATE_COMPLETE");
  EXPECT_EQ(Describe("cs").Find("StackId")->as_string(), created.Find("StackId")->as_string());

  Call("cloudformation", "CreateChangeSet",
       Value(ValueMap{{"StackName", Value("cs")},
                      {"ChangeSetName", Value("second")},
                      {"TemplateBody", Value(v2)}}));
  Value second =
      Call("cloudformation", "DescribeChangeSet",
           Value(ValueMap{{"StackName", Value("cs")}, {"ChangeSetName", Value("second")}}));
  std::map<std::string, std::pair<std::string, std::string>> actions;
  for (const Value& c : second.Find("Changes")->as_list()) {
    const Value* rc = c.Find("ResourceChange");
    const Value* replacement = rc->Find("Replacement");
    actions[rc->Find("LogicalResourceId")->as_string()] = {
        rc->Find("Action")->as_string(), replacement ? replacement->as_string() : ""};
  }
  EXPECT_EQ(actions["Q"], std::make_pair(std::string("Modify"), std::string("True")));
  EXPECT_EQ(actions["T"], std::make_pair(std::string("Modify"), std::string("False")));
  EXPECT_EQ(actions["New"].first, "Add");
  EXPECT_EQ(actions["Gone"].first, "Remove");
  Value listed =
      Call("cloudformation", "ListChangeSets", Value(ValueMap{{"StackName", Value("cs")}}));
  EXPECT_EQ(listed.Find("Summaries")->as_list().size(), 1u);
  Call("cloudformation", "ExecuteChangeSet",
       Value(ValueMap{{"StackName", Value("cs")}, {"ChangeSetName", Value("second")}}));
  EXPECT_EQ(Status("cs"), "UPDATE_COMPLETE");
  EXPECT_EQ(Physical("cs", "Q"), "https://sqs.us-east-1.amazonaws.com/123456789012/b");
  EXPECT_EQ(Physical("cs", "Gone"), "<missing>");

  Call("cloudformation", "CreateChangeSet",
       Value(ValueMap{{"StackName", Value("cs")},
                      {"ChangeSetName", Value("empty")},
                      {"TemplateBody", Value(v2)}}));
  Value empty =
      Call("cloudformation", "DescribeChangeSet",
           Value(ValueMap{{"StackName", Value("cs")}, {"ChangeSetName", Value("empty")}}));
  EXPECT_EQ(empty.Find("Status")->as_string(), "FAILED");
  EXPECT_THAT(empty.Find("StatusReason")->as_string(), HasSubstr("didn't contain changes"));
  Call("cloudformation", "DeleteChangeSet",
       Value(ValueMap{{"StackName", Value("cs")}, {"ChangeSetName", Value("empty")}}));
  auto deleted =
      Try("cloudformation", "DescribeChangeSet",
          Value(ValueMap{{"StackName", Value("cs")}, {"ChangeSetName", Value("empty")}}));
  ASSERT_FALSE(deleted.has_value());
  EXPECT_EQ(deleted.error().code, "ChangeSetNotFound");
}

// Making an output literal (what refactor's detach does) changes the template
// but no resource: the change set is executable with no Changes, and
// executing it stores the new template.
TEST_F(CfnTest, AChangeSetThatChangesOnlyOutputsIsExecutableWithNoChanges) {
  std::string v1 =
      R"({"Resources": {"T": {"Type": "AWS::SNS::Topic"}},
          "Outputs": {"Arn": {"Value": {"Ref": "T"}}}})";
  Call("cloudformation", "CreateStack",
       Value(ValueMap{{"StackName", Value("out")}, {"TemplateBody", Value(v1)}}));
  std::string arn = Physical("out", "T");
  Value v2(ValueMap{});
  v2.Set("Resources", *Value::FromJson(R"({"T": {"Type": "AWS::SNS::Topic"}})"));
  v2.Set("Outputs", Value(ValueMap{{"Arn", Value(ValueMap{{"Value", Value(arn)}})}}));
  Call("cloudformation", "CreateChangeSet",
       Value(ValueMap{{"StackName", Value("out")},
                      {"ChangeSetName", Value("literal")},
                      {"TemplateBody", Value(v2.ToJson())}}));
  Value described =
      Call("cloudformation", "DescribeChangeSet",
           Value(ValueMap{{"StackName", Value("out")}, {"ChangeSetName", Value("literal")}}));
  EXPECT_EQ(described.Find("Status")->as_string(), "CREATE_COMPLETE") << described.ToJson();
  EXPECT_EQ(described.Find("ExecutionStatus")->as_string(), "AVAILABLE");
  const Value* changes = described.Find("Changes");
  EXPECT_TRUE(!changes || (changes->is_list() && changes->as_list().empty()) ||
              (changes->is_string() && changes->as_string().empty()))
      << described.ToJson();
  Call("cloudformation", "ExecuteChangeSet",
       Value(ValueMap{{"StackName", Value("out")}, {"ChangeSetName", Value("literal")}}));
  EXPECT_EQ(Status("out"), "UPDATE_COMPLETE");
  EXPECT_EQ(Physical("out", "T"), arn);
  Value stored =
      Call("cloudformation", "GetTemplate", Value(ValueMap{{"StackName", Value("out")}}));
  EXPECT_EQ(*Value::FromJson(stored.Find("TemplateBody")->as_string()), v2);

  // The same template again changes nothing at all: that still fails.
  Call("cloudformation", "CreateChangeSet",
       Value(ValueMap{{"StackName", Value("out")},
                      {"ChangeSetName", Value("again")},
                      {"TemplateBody", Value(v2.ToJson())}}));
  Value again =
      Call("cloudformation", "DescribeChangeSet",
           Value(ValueMap{{"StackName", Value("out")}, {"ChangeSetName", Value("again")}}));
  EXPECT_EQ(again.Find("Status")->as_string(), "FAILED");
}

TEST_F(CfnTest, ImportChangeSetsAdoptRetainedResources) {
  Create("old", kTables);
  {
    std::lock_guard lock(world().mutex);
    ASSERT_TRUE(world().dynamodb.PutItem("kept", Json(R"({"id":{"S":"1"}})")));
  }
  std::string keep_only =
      R"({"Resources": {"Lost": {"Type": "AWS::DynamoDB::Table", "Properties": {
    "TableName": "lost", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}}, "Bucket": {"Type": "AWS::S3::Bucket"}}})";
  Call("cloudformation", "UpdateStack",
       Value(ValueMap{{"StackName", Value("old")}, {"TemplateBody", Value(keep_only)}}));
  EXPECT_TRUE(world().dynamodb.HasTable("kept"));  // removed from the stack, retained
  std::string adopt =
      R"({"Resources": {"Adopted": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "Properties": {
    "TableName": "kept", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}}},
    "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Adopted", "Arn"]}}}})";
  Value to_import = Json(
      R"([{"ResourceType": "AWS::DynamoDB::Table", "LogicalResourceId": "Adopted",
                              "ResourceIdentifier": {"TableName": "kept"}}])");
  Call("cloudformation", "CreateChangeSet",
       Value(ValueMap{{"StackName", Value("new")},
                      {"ChangeSetName", Value("imp")},
                      {"ChangeSetType", Value("IMPORT")},
                      {"TemplateBody", Value(adopt)},
                      {"ResourcesToImport", to_import}}));
  Value cs = Call("cloudformation", "DescribeChangeSet",
                  Value(ValueMap{{"StackName", Value("new")}, {"ChangeSetName", Value("imp")}}));
  EXPECT_EQ(cs.Find("Changes")->as_list()[0].Find("ResourceChange")->Find("Action")->as_string(),
            "Import");
  Call("cloudformation", "ExecuteChangeSet",
       Value(ValueMap{{"StackName", Value("new")}, {"ChangeSetName", Value("imp")}}));
  EXPECT_EQ(Status("new"), "IMPORT_COMPLETE");
  EXPECT_EQ(Physical("new", "Adopted"), "kept");
  EXPECT_EQ(Output("new", "Arn"), "arn:aws:dynamodb:us-east-1:123456789012:table/kept");
  EXPECT_EQ(world().dynamodb.ItemCount("kept"), 1u);
  Value owner = Call("cloudformation", "DescribeStackResources",
                     Value(ValueMap{{"PhysicalResourceId", Value("kept")}}));
  EXPECT_EQ(owner.Find("StackResources")->as_list()[0].Find("StackName")->as_string(), "new");
  // Importing it again elsewhere is refused: it has an owner.
  auto twice = Try("cloudformation", "CreateChangeSet",
                   Value(ValueMap{{"StackName", Value("third")},
                                  {"ChangeSetName", Value("imp")},
                                  {"ChangeSetType", Value("IMPORT")},
                                  {"TemplateBody", Value(adopt)},
                                  {"ResourcesToImport", to_import}}));
  ASSERT_FALSE(twice.has_value());
  EXPECT_THAT(twice.error().message, HasSubstr("already exists in stack"));
}

TEST_F(CfnTest, StateRoundTripsThroughDumpAndLoad) {
  world().mutable_config().operation_delay = std::chrono::seconds(5);
  Create("saved", kTables);
  Value dumped;
  {
    std::lock_guard lock(world().mutex);
    dumped = world().cloudformation.Dump();
    world().cloudformation.Reset();
  }
  EXPECT_FALSE(
      Try("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value("saved")}}))
          .has_value());
  {
    std::lock_guard lock(world().mutex);
    ASSERT_TRUE(world().cloudformation.Load(dumped).has_value());
    EXPECT_EQ(world().cloudformation.Dump().ToJson(), dumped.ToJson());
  }
  EXPECT_EQ(Status("saved"), "CREATE_IN_PROGRESS");
  clock_.Advance(std::chrono::seconds(6));
  EXPECT_EQ(Status("saved"), "CREATE_COMPLETE");
  EXPECT_EQ(Physical("saved", "Kept"), "kept");
}

TEST_F(CfnTest, TemplateSummaryAndValidation) {
  std::string body =
      R"({"Description": "d", "Parameters": {"P": {"Type": "String", "Default": "x", "NoEcho": true}},
    "Resources": {"R": {"Type": "AWS::IAM::Role"}}})";
  Value summary =
      Call("cloudformation", "GetTemplateSummary", Value(ValueMap{{"TemplateBody", Value(body)}}));
  EXPECT_EQ(summary.Find("Capabilities")->as_list()[0].as_string(), "CAPABILITY_IAM");
  EXPECT_EQ(summary.Find("ResourceTypes")->as_list()[0].as_string(), "AWS::IAM::Role");
  Value valid =
      Call("cloudformation", "ValidateTemplate", Value(ValueMap{{"TemplateBody", Value(body)}}));
  EXPECT_EQ(valid.Find("Description")->as_string(), "d");
  EXPECT_EQ(valid.Find("Parameters")->as_list()[0].Find("DefaultValue")->as_string(), "x");
}

TEST_F(CfnTest, SeedStackLinksChildrenToTheirParents) {
  auto parent = cfn::ParseTemplate(
      R"({"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack",
      "Properties": {"TemplateURL": "https://s3.amazonaws.com/x/y.json"}}},
    "Outputs": {"FromChild": {"Value": {"Fn::GetAtt": ["Child", "Outputs.Name"]}}}})");
  auto child = cfn::ParseTemplate(R"({"Parameters": {"N": {"Type": "String"}},
    "Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": {"Ref": "N"},
      "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
      "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}}},
    "Outputs": {"Name": {"Value": {"Ref": "T"}}}})");
  {
    std::lock_guard lock(world().mutex);
    SeedStackSpec root{"seeded-root", *parent, {}, "root", {}, "", "", ""};
    auto root_id = SeedStack(world(), root);
    ASSERT_TRUE(root_id.has_value()) << root_id.error().message;
    SeedStackSpec nested{"seeded-root-Child-ABC",
                         *child,
                         {{"N", "seeded-table"}},
                         "",
                         {},
                         "seeded-root",
                         "Child",
                         "arn:aws:cloudformation:us-east-1:123456789012:stack/"
                         "seeded-root-Child-ABC/1234"};
    auto child_id = SeedStack(world(), nested);
    ASSERT_TRUE(child_id.has_value()) << child_id.error().message;
    EXPECT_EQ(*child_id, nested.stack_id);
  }
  EXPECT_EQ(Status("seeded-root"), "CREATE_COMPLETE");
  EXPECT_EQ(Physical("seeded-root", "Child"),
            "arn:aws:cloudformation:us-east-1:123456789012:stack/"
            "seeded-root-Child-ABC/1234");
  EXPECT_EQ(Output("seeded-root", "FromChild"), "seeded-table");
  EXPECT_TRUE(world().dynamodb.HasTable("seeded-table"));
  EXPECT_EQ(Describe("seeded-root-Child-ABC").Find("ParentId")->as_string(),
            Describe("seeded-root").Find("StackId")->as_string());
}

TEST_F(CfnTest, EveryFixtureStackLoadsAndCreates) {
  namespace fs = std::filesystem;
  fs::path apps = FixtureApp("backend-only").parent_path();
  int stacks = 0;
  for (const auto& app : fs::directory_iterator(apps)) {
    fs::path dir = app.path() / "pre.refactor";
    if (!fs::is_directory(dir)) continue;
    for (const auto& file : fs::directory_iterator(dir)) {
      std::string name = file.path().filename().string();
      const std::string suffix = ".template.json";
      if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix)
        continue;
      std::string stack = name.substr(0, name.size() - suffix.size());
      auto tmpl = cfn::ParseTemplate(ReadFile(file.path()));
      ASSERT_TRUE(tmpl.has_value()) << name << ": " << tmpl.error().message;
      ASSERT_TRUE(cfn::ValidateTemplate(*tmpl).has_value()) << name;
      SeedStackSpec spec;
      spec.name = stack;
      spec.template_body = *tmpl;
      Value params = Json(ReadFile(dir / (stack + ".parameters.json")));
      if (params.is_list()) {
        for (const Value& p : params.as_list()) {
          spec.parameters.emplace_back(p.Find("ParameterKey")->as_string(),
                                       p.Find("ParameterValue")->ToText());
        }
      }
      std::lock_guard lock(world().mutex);
      auto seeded = SeedStack(world(), spec);
      ASSERT_TRUE(seeded.has_value()) << name << ": " << seeded.error().message;
      ++stacks;
    }
  }
  EXPECT_GT(stacks, 20);
  Value listed = Call("cloudformation", "ListStacks");
  EXPECT_GE(listed.Find("StackSummaries")->as_list().size(), 1u);
}

TEST_F(CfnTest, TheAwsCliDrivesEveryOperation) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  std::filesystem::path file = std::filesystem::temp_directory_path() / "cfn_cli_template.yaml";
  {
    std::ofstream out(file);
    out << R"(Parameters:
  Name: {Type: String, Default: cli-bucket}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: !Ref Name}
Outputs:
  BucketArn:
    Value: !GetAtt Bucket.Arn
    Export: {Name: cli-bucket-arn}
)";
  }
  std::string body = "file://" + file.string();
  CliResult created =
      AwsCli({"cloudformation", "create-stack", "--stack-name", "cli", "--template-body", body});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("arn:aws:cloudformation:us-east-1:123456789012:stack/cli/"));
  CliResult waited =
      AwsCli({"cloudformation", "wait", "stack-create-complete", "--stack-name", "cli"});
  ASSERT_EQ(waited.exit_code, 0) << waited.err;
  CliResult described = AwsCli({"cloudformation", "describe-stacks", "--stack-name", "cli"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  EXPECT_THAT(described.out, HasSubstr("\"StackStatus\": \"CREATE_COMPLETE\""));
  EXPECT_THAT(described.out, HasSubstr("arn:aws:s3:::cli-bucket"));
  CliResult resources = AwsCli(
      {"cloudformation", "describe-stack-resources", "--physical-resource-id", "cli-bucket"});
  ASSERT_EQ(resources.exit_code, 0) << resources.err;
  EXPECT_THAT(resources.out, HasSubstr("\"StackName\": \"cli\""));
  CliResult tmpl = AwsCli({"cloudformation", "get-template", "--stack-name", "cli"});
  ASSERT_EQ(tmpl.exit_code, 0) << tmpl.err;
  EXPECT_THAT(tmpl.out, HasSubstr("BucketName"));
  CliResult exports = AwsCli({"cloudformation", "list-exports"});
  ASSERT_EQ(exports.exit_code, 0) << exports.err;
  EXPECT_THAT(exports.out, HasSubstr("cli-bucket-arn"));
  CliResult change_set = AwsCli({"cloudformation", "create-change-set", "--stack-name", "cli",
                                 "--change-set-name", "rename", "--use-previous-template",
                                 "--parameters", "ParameterKey=Name,ParameterValue=cli-bucket-2"});
  ASSERT_EQ(change_set.exit_code, 0) << change_set.err;
  CliResult described_cs = AwsCli({"cloudformation", "describe-change-set", "--stack-name", "cli",
                                   "--change-set-name", "rename"});
  ASSERT_EQ(described_cs.exit_code, 0) << described_cs.err;
  EXPECT_THAT(described_cs.out, HasSubstr("\"Replacement\": \"True\""));
  CliResult events = AwsCli(
      {"cloudformation", "describe-stack-events", "--stack-name", "cli", "--max-items", "1"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_THAT(events.out, HasSubstr("CREATE_COMPLETE"));
  CliResult deleted = AwsCli({"cloudformation", "delete-stack", "--stack-name", "cli"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  CliResult bad = AwsCli({"cloudformation", "list-stacks"}, {"AWS_SECRET_ACCESS_KEY=wrong"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("SignatureDoesNotMatch"));
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
