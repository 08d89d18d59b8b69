#include "steps/amplify/gen1_facts.h"

#include <gtest/gtest.h>

#include <string_view>

#include "steps/amplify/gen1_project.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

using testing::FixtureDir;

Gen1Resource FunctionDeployedAs(std::string_view template_json) {
  Gen1Resource fn;
  fn.category = "function";
  fn.name = "worker";
  fn.service = "Lambda";
  Result<Value> parsed = Value::FromJson(template_json);
  EXPECT_TRUE(parsed) << parsed.error().ToString();
  if (parsed) fn.deployed_template = *parsed;
  return fn;
}

TEST(Gen1FactsTest, LambdaSettingsAreReadFromTheDeployedFunction) {
  Gen1Resource fn = FunctionDeployedAs(R"({"Resources": {
    "LambdaExecutionRole": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r"}},
    "LambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {
      "Handler": "app.main", "Runtime": "python3.12", "Timeout": 25, "MemorySize": 512,
      "Environment": {"Variables": {
        "ENV": "dev", "TABLE": {"Ref": "storagenotesName"}, "REGION": {"Ref": "AWS::Region"}}}}}}})");
  LambdaSettings settings = DeployedLambdaSettings(fn);
  EXPECT_EQ(settings.runtime, "python3.12");
  EXPECT_EQ(settings.handler, "app.main");
  EXPECT_EQ(settings.timeout_seconds, 25);
  EXPECT_EQ(settings.memory_mb, 512);
  EXPECT_EQ(settings.literal_environment, (std::map<std::string, std::string>{{"ENV", "dev"}}));
  ASSERT_EQ(settings.referenced_environment.size(), 2u);
  EXPECT_EQ(StringField(settings.referenced_environment.at("TABLE"), "Ref"), "storagenotesName");
  EXPECT_EQ(StringField(settings.referenced_environment.at("REGION"), "Ref"), "AWS::Region");
  EXPECT_EQ(FunctionRuntime(fn), "python3.12");
  EXPECT_FALSE(IsNodeFunction(fn));
}

TEST(Gen1FactsTest, AFunctionNeverDeployedHasNoSettingsAndCountsAsNode) {
  Gen1Resource fn = FunctionDeployedAs("null");
  LambdaSettings settings = DeployedLambdaSettings(fn);
  EXPECT_EQ(settings.runtime, "");
  EXPECT_EQ(settings.handler, "");
  EXPECT_FALSE(settings.timeout_seconds.has_value());
  EXPECT_FALSE(settings.memory_mb.has_value());
  EXPECT_TRUE(settings.literal_environment.empty());
  EXPECT_TRUE(settings.referenced_environment.empty());
  EXPECT_EQ(FunctionRuntime(fn), "");
  EXPECT_TRUE(IsNodeFunction(fn));
}

TEST(Gen1FactsTest, SettingsOfTheWrongTypeAreLeftOut) {
  Gen1Resource fn = FunctionDeployedAs(R"({"Resources": {
    "LambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {
      "Handler": 7, "Timeout": "25", "MemorySize": {"Ref": "memory"},
      "Environment": {"Variables": ["not", "a", "map"]}}}}})");
  LambdaSettings settings = DeployedLambdaSettings(fn);
  EXPECT_EQ(settings.handler, "");
  EXPECT_FALSE(settings.timeout_seconds.has_value());
  EXPECT_FALSE(settings.memory_mb.has_value());
  EXPECT_TRUE(settings.literal_environment.empty());
  EXPECT_TRUE(settings.referenced_environment.empty());
}

TEST(Gen1FactsTest, SchemaFactsKeepTheSchemaOrderAndDropTheEnvSuffix) {
  const std::string schema = R"(
type Post @model { id: ID! echo: String @function(name: "echo-${env}") }
type Comment @model { id: ID! again: String @function(name: "echo-${env}") }
type Query { shout: String @function(name: "shout") }
)";
  EXPECT_EQ(SchemaModels(schema), (std::vector<std::string>{"Post", "Comment"}));
  EXPECT_EQ(SchemaFunctionNames(schema), (std::vector<std::string>{"echo", "shout"}));
}

TEST(Gen1FactsTest, EveryFixtureAppHasOneMainUserPool) {
  for (const std::string& app : testing::FixtureApps()) {
    Result<Gen1Project> project = LoadGen1Project(FixtureDir(app));
    ASSERT_TRUE(project) << app << ": " << project.error().ToString();
    const Gen1Resource* auth = MainAuth(*project);
    ASSERT_NE(auth, nullptr) << app;
    EXPECT_EQ(auth->category, "auth");
    EXPECT_EQ(auth->service, "Cognito");
    if (const Gen1Resource* api = GraphQlApi(*project)) {
      EXPECT_EQ(api->service, "AppSync") << app;
    }
  }
}

}  // namespace
}  // namespace flightplan::amplify
