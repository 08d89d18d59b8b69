// What synthesized Gen2 (CDK) templates carry, through flightplan's client:
// the BootstrapVersion SSM parameter with its Rules, a nested stack whose
// TemplateURL is an Fn::Join to the CDK assets bucket, and Amplify Data's
// model tables (Custom::AmplifyDynamoDBTable creates one,
// Custom::ImportedAmplifyDynamoDBTable adopts the Gen1 table by name and
// never deletes it).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cloudsim/sim_fixture.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kAssets = "cdk-hnb659fds-assets-123456789012-us-east-1";

Value Json(std::string_view text) {
  auto v = Value::FromJson(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? *v : Value();
}

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && f->is_string() ? f->as_string() : std::string();
}

class Gen2TemplateTest : public SimTest {
 protected:
  void Create(const std::string& name, const std::string& body) {
    Value p;
    p.Set("StackName", Value(name));
    p.Set("TemplateBody", Value(body));
    p.Set("Capabilities", Value(ValueList{Value("CAPABILITY_IAM")}));
    Call("cloudformation", "CreateStack", p);
  }
  Value Describe(const std::string& name) {
    Value p;
    p.Set("StackName", Value(name));
    Value out = Call("cloudformation", "DescribeStacks", p);
    const Value* stacks = out.Find("Stacks");
    return stacks && stacks->is_list() && !stacks->as_list().empty() ? stacks->as_list().front()
                                                                     : Value();
  }
  std::string Status(const std::string& name) { return Str(Describe(name), "StackStatus"); }
  std::string Output(const std::string& name, const std::string& key) {
    const Value stack = Describe(name);
    const Value* outputs = stack.Find("Outputs");
    if (outputs && outputs->is_list()) {
      for (const Value& o : outputs->as_list()) {
        if (Str(o, "OutputKey") == key) return Str(o, "OutputValue");
      }
    }
    return "<missing>";
  }
  void Delete(const std::string& name) {
    Value p;
    p.Set("StackName", Value(name));
    Call("cloudformation", "DeleteStack", p);
  }
  bool HasTable(const std::string& table) {
    Value p;
    p.Set("TableName", Value(table));
    return Try("dynamodb", "DescribeTable", p).has_value();
  }
  Value DescribeTable(const std::string& table) {
    Value p;
    p.Set("TableName", Value(table));
    Value out = Call("dynamodb", "DescribeTable", p);
    const Value* t = out.Find("Table");
    return t ? *t : Value();
  }
  int64_t ItemCount(const std::string& table) {
    Value p;
    p.Set("TableName", Value(table));
    p.Set("Select", Value("COUNT"));
    Value out = Call("dynamodb", "Scan", p);
    const Value* c = out.Find("Count");
    return c && c->is_int() ? c->as_int() : -1;
  }
  void PutObject(const std::string& bucket, const std::string& key, const std::string& body) {
    Value p;
    p.Set("Bucket", Value(bucket));
    p.Set("Key", Value(key));
    p.Set("Body", Value(body));
    Call("s3", "PutObject", p);
  }
};

// The root template's header as CDK writes it.
constexpr const char* kBootstrap = R"(
  "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>",
    "Default": "/cdk-bootstrap/hnb659fds/version"}},
  "Rules": {"CheckBootstrapVersion": {"Assertions": [{"Assert": {"Fn::Not": [{"Fn::Contains": [
    ["1", "2", "3", "4", "5"], {"Ref": "BootstrapVersion"}]}]},
    "AssertDescription": "CDK bootstrap stack version 6 required."}]}},
  "Conditions": {"IsUsEast1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}},)";

TEST_F(Gen2TemplateTest, BootstrapVersionResolvesToACurrentVersionAndTheRulePasses) {
  Create("root", std::string("{") + kBootstrap + R"(
    "Resources": {"CDKMetadata": {"Type": "AWS::CDK::Metadata",
      "Properties": {"Analytics": "v2:deflate64:H4sI"}, "Condition": "IsUsEast1"}},
    "Outputs": {"Version": {"Value": {"Ref": "BootstrapVersion"}},
      "Picked": {"Value": {"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}}}})");
  EXPECT_EQ(Status("root"), "CREATE_COMPLETE");
  std::string version = Output("root", "Version");
  EXPECT_GE(std::stoi(version), 6) << version;
  EXPECT_EQ(Output("root", "Picked"), "b");
}

TEST_F(Gen2TemplateTest, ANestedStackWhoseTemplateUrlIsAJoinToTheAssetsBucketIsCreated) {
  // The bootstrap stack's bucket (cdk bootstrap creates it).
  Create("CDKToolkit", std::string(R"({"Resources": {"StagingBucket": {"Type": "AWS::S3::Bucket",
      "Properties": {"BucketName": ")") +
                           kAssets + "\"}}}}");
  ASSERT_EQ(Status("CDKToolkit"), "CREATE_COMPLETE");
  PutObject(kAssets, "0123abcd.json",
            R"({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}}})");
  Create("root", std::string("{") + kBootstrap + R"(
    "Resources": {"child": {"Type": "AWS::CloudFormation::Stack", "Properties": {
      "TemplateURL": {"Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"}, ".",
        {"Ref": "AWS::URLSuffix"}, "/",
        {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
        "/0123abcd.json"]]}}}},
    "Outputs": {"Topic": {"Value": {"Fn::GetAtt": ["child", "Outputs.TopicArn"]}}}})");
  EXPECT_EQ(Status("root"), "CREATE_COMPLETE");
  EXPECT_THAT(Output("root", "Topic"), HasSubstr("arn:aws:sns:us-east-1:123456789012:"));
}

// A model table as Amplify Data synthesizes it (billing decided by a
// condition, throughput from Number parameters).
std::string ModelTableStack(const std::string& type, const std::string& table, bool imported) {
  return R"({
    "Parameters": {"ReadIOPS": {"Type": "Number", "Default": 5},
                   "BillingMode": {"Type": "String", "Default": "PAY_PER_REQUEST"}},
    "Conditions": {"PayPerRequest": {"Fn::Equals": [{"Ref": "BillingMode"}, "PAY_PER_REQUEST"]}},
    "Resources": {"TodoTable": {"Type": ")" +
         type + R"(", "DeletionPolicy": "Retain", "Properties": {
      "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:table-manager",
      "tableName": ")" +
         table + R"(",
      "attributeDefinitions": [{"attributeName": "id", "attributeType": "S"},
                               {"attributeName": "ownerId", "attributeType": "S"}],
      "keySchema": [{"attributeName": "id", "keyType": "HASH"}],
      "globalSecondaryIndexes": [{"indexName": "byOwner",
        "keySchema": [{"attributeName": "ownerId", "keyType": "HASH"}],
        "projection": {"projectionType": "ALL"},
        "provisionedThroughput": {"readCapacityUnits": {"Ref": "ReadIOPS"},
                                  "writeCapacityUnits": {"Ref": "ReadIOPS"}}}],
      "billingMode": {"Fn::If": ["PayPerRequest", "PAY_PER_REQUEST", {"Ref": "AWS::NoValue"}]},
      "provisionedThroughput": {"Fn::If": ["PayPerRequest", {"Ref": "AWS::NoValue"},
        {"ReadCapacityUnits": {"Ref": "ReadIOPS"}, "WriteCapacityUnits": {"Ref": "ReadIOPS"}}]},
      "sseSpecification": {"sseEnabled": false},
      "streamSpecification": {"streamViewType": "NEW_AND_OLD_IMAGES"},
      "isImported": )" +
         std::string(imported ? "true" : "false") + R"(}}},
    "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["TodoTable", "TableArn"]}},
                "Stream": {"Value": {"Fn::GetAtt": ["TodoTable", "TableStreamArn"]}},
                "Name": {"Value": {"Fn::GetAtt": ["TodoTable", "TableName"]}},
                "Ref": {"Value": {"Ref": "TodoTable"}}}})";
}

TEST_F(Gen2TemplateTest, AnAmplifyModelTableIsCreatedAsItsPropertiesSay) {
  Create("data", ModelTableStack("Custom::AmplifyDynamoDBTable", "Todo-abc-gen2main", false));
  ASSERT_EQ(Status("data"), "CREATE_COMPLETE");
  Value table = DescribeTable("Todo-abc-gen2main");
  EXPECT_EQ(Output("data", "Ref"), "Todo-abc-gen2main");
  EXPECT_EQ(Output("data", "Name"), "Todo-abc-gen2main");
  EXPECT_EQ(Output("data", "Arn"), Str(table, "TableArn"));
  EXPECT_EQ(Output("data", "Stream"), Str(table, "LatestStreamArn"));
  EXPECT_THAT(table.ToJson(),
              HasSubstr(R"("KeySchema":[{"AttributeName":"id","KeyType":"HASH"}])"));
  EXPECT_THAT(table.ToJson(), HasSubstr(R"("IndexName":"byOwner")"));
  EXPECT_THAT(table.ToJson(), HasSubstr("PAY_PER_REQUEST"));
  EXPECT_THAT(table.ToJson(), HasSubstr("NEW_AND_OLD_IMAGES"));
  // Not retained here: deleting the stack without Retain deletes the table.
  Value p;
  p.Set("StackName", Value("data"));
  p.Set("TemplateBody", Value(R"({"Resources": {"Keep": {"Type": "AWS::SNS::Topic"}}})"));
  Call("cloudformation", "UpdateStack", p);
  EXPECT_EQ(Status("data"), "UPDATE_COMPLETE");
  EXPECT_TRUE(HasTable("Todo-abc-gen2main")) << "DeletionPolicy Retain keeps the table";
}

TEST_F(Gen2TemplateTest, ACreatedModelTableIsDeletedWithItsStackWithoutRetain) {
  std::string body = ModelTableStack("Custom::AmplifyDynamoDBTable", "Note-abc-gen2main", false);
  body.replace(body.find(R"("DeletionPolicy": "Retain", )"),
               std::string_view(R"("DeletionPolicy": "Retain", )").size(), "");
  Create("data", body);
  ASSERT_EQ(Status("data"), "CREATE_COMPLETE");
  ASSERT_TRUE(HasTable("Note-abc-gen2main"));
  Delete("data");
  EXPECT_FALSE(HasTable("Note-abc-gen2main"));
}

TEST_F(Gen2TemplateTest, AnImportedModelTableAdoptsTheGen1TableAndKeepsItsItems) {
  Call("dynamodb", "CreateTable", Json(R"({"TableName": "Todo-gen1-main",
      "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
      "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
      "BillingMode": "PAY_PER_REQUEST"})"));
  for (const char* id : {"a", "b", "c"}) {
    Call("dynamodb", "PutItem",
         Json(std::string(R"({"TableName": "Todo-gen1-main", "Item": {"id": {"S": ")") + id +
              "\"}}}"));
  }
  std::string body =
      ModelTableStack("Custom::ImportedAmplifyDynamoDBTable", "Todo-gen1-main", true);
  // Even without Retain an imported table is never deleted.
  body.replace(body.find(R"("DeletionPolicy": "Retain", )"),
               std::string_view(R"("DeletionPolicy": "Retain", )").size(), "");
  Create("data", body);
  ASSERT_EQ(Status("data"), "CREATE_COMPLETE");
  EXPECT_EQ(Output("data", "Ref"), "Todo-gen1-main");
  EXPECT_EQ(Output("data", "Arn"), Str(DescribeTable("Todo-gen1-main"), "TableArn"));
  EXPECT_EQ(ItemCount("Todo-gen1-main"), 3);
  EXPECT_TRUE(LogOf("dynamodb", "CreateTable").size() == 1u);
  Delete("data");
  ASSERT_TRUE(HasTable("Todo-gen1-main"));
  EXPECT_EQ(ItemCount("Todo-gen1-main"), 3);
}

TEST_F(Gen2TemplateTest, IsImportedOnTheCreatingTypeAlsoImports) {
  Call("dynamodb", "CreateTable", Json(R"({"TableName": "Post-gen1-main",
      "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
      "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
      "BillingMode": "PAY_PER_REQUEST"})"));
  Create("data", ModelTableStack("Custom::AmplifyDynamoDBTable", "Post-gen1-main", true));
  EXPECT_EQ(Status("data"), "CREATE_COMPLETE");
  EXPECT_EQ(Output("data", "Ref"), "Post-gen1-main");
}

TEST_F(Gen2TemplateTest, ImportingATableThatDoesNotExistRollsBackNamingIt) {
  Create("data", ModelTableStack("Custom::ImportedAmplifyDynamoDBTable", "Gone-gen1-main", true));
  EXPECT_EQ(Status("data"), "ROLLBACK_COMPLETE");
  Value p;
  p.Set("StackName", Value("data"));
  Value events = Call("cloudformation", "DescribeStackEvents", p);
  EXPECT_THAT(events.ToJson(), HasSubstr("Gone-gen1-main to import does not exist"));
  EXPECT_FALSE(HasTable("Gone-gen1-main"));
}

// The fixture's Gen2 stacks are seeded before the Gen1 stacks that create the
// tables they import (name order): the import still names the Gen1 table.
TEST_F(Gen2TemplateTest, ASeededGen2StackImportsTheGen1TableByName) {
  Control("POST", "/_sim/seed",
          Value(ValueMap{{"fixture", Value(FixtureApp("backend-only").string())}}));
  Value p;
  p.Set("StackName",
        Value("amplify-backendonly-gen2main-branch-8e0f-amplifyDataTodoNestedStackTodoNe"
              "stedStackR-1N139P70BL8CB"));
  p.Set("LogicalResourceId", Value("TodoTable"));
  Value resource = Call("cloudformation", "DescribeStackResource", p);
  const Value* detail = resource.Find("StackResourceDetail");
  ASSERT_NE(detail, nullptr) << resource.ToJson();
  EXPECT_EQ(Str(*detail, "ResourceType"), "Custom::ImportedAmplifyDynamoDBTable");
  EXPECT_EQ(Str(*detail, "PhysicalResourceId"), "Todo-sgumi4ggubb4jdo6i54km7skka-main");
  EXPECT_EQ(ItemCount("Todo-sgumi4ggubb4jdo6i54km7skka-main"), 3);
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
