// The clone's pure planning (steps/migration/clone.h) without a cloud:
// names, template rewriting and the isolation checks on small templates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/value.h"
#include "steps/migration/clone.h"
#include "steps/migration/environment.h"

namespace flightplan::migration {
namespace {

using ::testing::HasSubstr;

Value Json(const std::string& text) {
  Result<Value> v = Value::FromJson(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : Value();
}

CloneNames Names() {
  Result<CloneNames> n = MakeCloneNames("app1", "main", "rehearsal", "amplify-shop-main-5e0fa",
                                        "amplify-shop-main-5e0fa-deployment", "abc12");
  EXPECT_TRUE(n);
  return *n;
}

TEST(CloneNamesTest, FollowGen1Patterns) {
  CloneNames n = Names();
  EXPECT_EQ(n.project, "shop");
  EXPECT_EQ(n.clone_root_stack, "amplify-shop-rehearsal-abc12");
  EXPECT_EQ(n.clone_bucket, "amplify-shop-rehearsal-abc12-deployment");
  EXPECT_EQ(n.Tags()[0].second, "app1/main");
  EXPECT_FALSE(MakeCloneNames("app1", "main", "main", "amplify-shop-main-5e0fa", "", "abc12"));
  EXPECT_FALSE(MakeCloneNames("app1", "main", "Bad-Env", "amplify-shop-main-5e0fa", "", "abc12"));
  EXPECT_FALSE(MakeCloneNames("app1", "main", "rehearsal", "my-own-stack", "", "abc12"));
}

TEST(CloneTemplatesTest, RootRewrittenAndBaseKeepsOnlyTheRootsOwnResources) {
  Value root = Json(R"({
    "Parameters": {"DeploymentBucketName": {"Type": "String"}},
    "Resources": {
      "DeploymentBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Ref": "DeploymentBucketName"}}},
      "AuthRole": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "amplify-shop-main-5e0fa-authRole"}},
      "apishop": {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": "https://s3.amazonaws.com/amplify-shop-main-5e0fa-deployment/amplify-cfn-templates/api/x.json",
        "Parameters": {"env": "main", "other": "main"}}},
      "Callout": {"Type": "Custom::LambdaCallout", "Properties": {"Id": {"Fn::GetAtt": ["apishop", "Outputs.Id"]}}}
    },
    "Outputs": {"Bucket": {"Value": {"Ref": "DeploymentBucketName"}},
                "Api": {"Value": {"Fn::GetAtt": ["apishop", "Outputs.Id"]}}}
  })");
  CloneNames n = Names();
  Value clone = CloneRootTemplate(root, n);
  std::string text = clone.ToJson();
  EXPECT_EQ(text.find("amplify-shop-main-5e0fa"), std::string::npos) << text;
  EXPECT_THAT(text, HasSubstr("https://s3.amazonaws.com/amplify-shop-rehearsal-abc12-deployment/"));
  const Value* params =
      clone.Find("Resources")->Find("apishop")->Find("Properties")->Find("Parameters");
  EXPECT_EQ(params->Find("env")->as_string(), "rehearsal");
  EXPECT_EQ(params->Find("other")->as_string(), "main");  // only `env` is the env

  Value base = CloneBaseTemplate(clone);
  const Value* resources = base.Find("Resources");
  EXPECT_NE(resources->Find("DeploymentBucket"), nullptr);
  EXPECT_NE(resources->Find("AuthRole"), nullptr);
  EXPECT_EQ(resources->Find("apishop"), nullptr);
  EXPECT_EQ(resources->Find("Callout"), nullptr);  // refers to a nested stack
  EXPECT_NE(base.Find("Outputs")->Find("Bucket"), nullptr);
  EXPECT_EQ(base.Find("Outputs")->Find("Api"), nullptr);
}

TEST(CloneTemplatesTest, ApiKeyExpiryRefreshed) {
  Value api = Json(R"({"Resources": {"Key": {"Type": "AWS::AppSync::ApiKey",
                     "Properties": {"ApiId": "x", "Expires": 1773598197}}}})");
  Value clone = CloneNestedTemplate(api, Names(), 2000000000);
  EXPECT_EQ(clone.Find("Resources")->Find("Key")->Find("Properties")->Find("Expires")->as_int(),
            2000000000 + 7 * 24 * 3600);
}

// A one-stack environment whose table is named by `table_name` (JSON).
Gen1Environment EnvWithTable(const std::string& table_name, const std::string& physical) {
  Gen1Environment env;
  env.app_id = "app1";
  env.env = "main";
  env.region = "us-east-1";
  env.root_stack = "amplify-shop-main-5e0fa";
  env.deployment_bucket = "amplify-shop-main-5e0fa-deployment";
  EnvStack root;
  root.name = env.root_stack;
  root.id = "arn:aws:cloudformation:us-east-1:123456789012:stack/amplify-shop-main-5e0fa/1";
  root.template_body = R"({"Parameters": {"env": {"Type": "String"}},
    "Resources": {"Table": {"Type": "AWS::DynamoDB::Table",
                            "Properties": {"TableName": )" +
                       table_name + "}}}}";
  root.parameters = ValueList{Json(R"({"ParameterKey": "env", "ParameterValue": "main"})")};
  root.resources.push_back(EnvResource{"Table", physical, "AWS::DynamoDB::Table", "", true});
  env.stacks.push_back(std::move(root));
  return env;
}

std::vector<IsolationProblem> Check(const Gen1Environment& env, const Value* meta = nullptr) {
  CloneNames n = Names();
  auto stacks = PlanCloneStacks(env, n, 0);
  EXPECT_TRUE(stacks) << (stacks ? "" : stacks.error().message());
  return stacks ? CheckIsolation(env, n, *stacks, meta) : std::vector<IsolationProblem>{};
}

TEST(CloneIsolationTest, EnvDependentNameIsTheClonesOwn) {
  EXPECT_TRUE(
      Check(EnvWithTable(R"({"Fn::Join": ["-", ["Todo", {"Ref": "env"}]]})", "Todo-main")).empty());
}

TEST(CloneIsolationTest, HardCodedNameIsRefused) {
  auto problems = Check(EnvWithTable(R"("Todo-main")", "Todo-main"));
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].logical_id, "Table");
  EXPECT_THAT(problems[0].reason, HasSubstr("hard-coded"));
}

TEST(CloneIsolationTest, NameWithoutTheEnvIsRefused) {
  auto problems = Check(EnvWithTable(R"({"Fn::Join": ["-", ["Todo", "shared"]]})", "Todo-shared"));
  ASSERT_FALSE(problems.empty());
  EXPECT_THAT(problems[0].reason, HasSubstr("does not depend on the env"));
}

TEST(CloneIsolationTest, ImportedResourceIsRefused) {
  Value meta = Json(R"({"auth": {"shopauth": {"service": "Cognito", "serviceType": "imported"}}})");
  auto problems =
      Check(EnvWithTable(R"({"Fn::Join": ["-", ["Todo", {"Ref": "env"}]]})", "Todo-main"), &meta);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].logical_id, "auth/shopauth");
  EXPECT_THAT(problems[0].reason, HasSubstr("imported"));
}

}  // namespace
}  // namespace flightplan::migration
