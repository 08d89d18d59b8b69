// The refactor's template transforms (steps/migration/refactor_templates.h):
// on every fixture app's real deployed auth, user-pool-groups and storage
// stacks without a cloud, and against the simulator over HTTP — a detached
// template applied through a change set changes no resource, and the moved
// resources go into a second stack with CreateStackRefactor and come back,
// checked with the AWS CLI.
#include "steps/migration/refactor_templates.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "steps/amplify/cfn_resolve.h"
#include "steps/aws/values.h"
#include "steps/migration/apply_template.h"
#include "steps/migration/stateful_types.h"
#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::migration {
namespace {

namespace fs = std::filesystem;
using aws::ListAt;
using aws::StringAt;
using cloudsim::testing::Obj;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const char* const kApps[] = {"backend-only", "discussions", "fitness-tracker", "media-vault",
                             "product-catalog"};

fs::path AppDir(std::string_view app) {
  return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests/data/fixtures/amplify-migration-apps" /
         std::string(app);
}

Value ReadJson(const fs::path& path) {
  Result<Value> v = Value::FromJson(flightplan::testing::ReadFile(path));
  EXPECT_TRUE(v.has_value()) << path;
  return v ? *v : Value();
}

Value Parse(std::string_view json) {
  Result<Value> v = Value::FromJson(json);
  EXPECT_TRUE(v.has_value()) << json;
  return v ? *v : Value();
}

// The Gen1 auth, user-pool-groups and storage stacks of a fixture app (the
// stacks whose stateful resources refactor moves), by name.
std::vector<std::string> MovingStacks(std::string_view app) {
  std::vector<std::string> out;
  const std::string suffix = ".template.json";
  for (const auto& e : fs::directory_iterator(AppDir(app) / "pre.refactor")) {
    std::string file = e.path().filename().string();
    if (!file.ends_with(suffix) || file.find("gen2") != std::string::npos) continue;
    if (file.find("-auth") == std::string::npos && file.find("-storage") == std::string::npos) {
      continue;
    }
    out.push_back(file.substr(0, file.size() - suffix.size()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A stack as the fixture files record it. Physical ids: what a `Ref`
// output shows (as the simulator's seeder keeps them), else made up.
DeployedStack FixtureStack(std::string_view app, const std::string& name) {
  fs::path dir = AppDir(app) / "pre.refactor";
  DeployedStack stack;
  stack.name = name;
  stack.id = "arn:aws:cloudformation:us-east-1:123456789012:stack/" + name + "/1";
  stack.region = "us-east-1";
  stack.account_id = "123456789012";
  stack.template_json = ReadJson(dir / (name + ".template.json"));
  stack.parameters = ReadJson(dir / (name + ".parameters.json")).as_list();
  stack.outputs = ReadJson(dir / (name + ".outputs.json")).as_list();
  for (const auto& [id, entry] : stack.template_json.Find("Resources")->as_map()) {
    stack.physical_ids[id] = id + "-physical";
  }
  const Value* outputs = stack.template_json.Find("Outputs");
  for (const Value& deployed : stack.outputs) {
    const Value* output = outputs ? outputs->Find(StringAt(deployed, "OutputKey")) : nullptr;
    const Value* ref =
        output && output->Find("Value") ? output->Find("Value")->Find("Ref") : nullptr;
    if (ref && ref->is_string() && stack.physical_ids.count(ref->as_string())) {
      stack.physical_ids[ref->as_string()] = StringAt(deployed, "OutputValue");
    }
  }
  return stack;
}

std::set<std::string> StatefulIds(const Value& tmpl) {
  std::set<std::string> out;
  StatefulTypes stateful;
  for (const auto& [id, entry] : tmpl.Find("Resources")->as_map()) {
    if (stateful.IsStateful(StringAt(entry, "Type"))) out.insert(id);
  }
  return out;
}

std::string DeployedOutput(const DeployedStack& stack, const std::string& key) {
  for (const Value& o : stack.outputs) {
    if (StringAt(o, "OutputKey") == key) return StringAt(o, "OutputValue");
  }
  return "<absent>";
}

// ---- every fixture's real templates, no cloud ----

class DetachFixtureTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DetachFixtureTest, StatefulResourcesOfAuthGroupsAndStorageStacksDetach) {
  std::vector<std::string> stacks = MovingStacks(GetParam());
  ASSERT_FALSE(stacks.empty());
  for (const std::string& name : stacks) {
    SCOPED_TRACE(name);
    DeployedStack stack = FixtureStack(GetParam(), name);
    const Value& before = stack.template_json;
    std::set<std::string> leaving = StatefulIds(before);
    ASSERT_FALSE(leaving.empty());
    Result<Value> detached = DetachTemplate(stack, leaving);
    ASSERT_TRUE(detached) << detached.error().ToString();

    // Nothing refers to a leaving resource any more.
    int referred_before = 0;
    for (const std::string& id : leaving) {
      EXPECT_THAT(ReferencesTo(*detached, id), IsEmpty()) << id;
      referred_before += static_cast<int>(ReferencesTo(before, id).size());
    }
    // Leaving definitions are literal, retained, and depend on nothing.
    const Value& resources = *detached->Find("Resources");
    for (const std::string& id : leaving) {
      const Value& def = *resources.Find(id);
      EXPECT_FALSE(amplify::HasIntrinsic(def)) << id << ": " << def.ToJson();
      EXPECT_EQ(def.Find("DependsOn"), nullptr) << id;
      EXPECT_EQ(def.Find("Condition"), nullptr) << id;
      EXPECT_EQ(StringAt(def, "DeletionPolicy"), "Retain") << id;
      EXPECT_EQ(StringAt(def, "UpdateReplacePolicy"), "Retain") << id;
      EXPECT_EQ(StringAt(def, "Type"), StringAt(*before.Find("Resources")->Find(id), "Type"));
      // The names resolve to what is deployed.
      const Value* props = def.Find("Properties");
      for (const char* name_property : {"BucketName", "TableName"}) {
        if (props && props->Find(name_property)) {
          EXPECT_EQ(StringAt(*props, name_property), stack.physical_ids.at(id)) << id;
        }
      }
    }
    // Outputs that referred to a leaving resource hold their deployed value.
    int literal_outputs = 0;
    for (const auto& [key, output] : before.Find("Outputs")->as_map()) {
      bool referred = false;
      for (const std::string& id : leaving) {
        for (const std::string& who : ReferencesTo(before, id)) referred |= who == "Outputs." + key;
      }
      const Value& now = *detached->Find("Outputs")->Find(key);
      if (referred) {
        ++literal_outputs;
        EXPECT_EQ(StringAt(now, "Value"), DeployedOutput(stack, key)) << key;
      } else {
        EXPECT_EQ(now, output) << key;
      }
    }
    // Staying resources that referred to nothing leaving are untouched.
    for (const auto& [id, entry] : before.Find("Resources")->as_map()) {
      if (leaving.count(id)) continue;
      bool referred = false;
      for (const std::string& l : leaving) {
        for (const std::string& who : ReferencesTo(before, l)) {
          referred |= who.starts_with("Resources." + id);
        }
      }
      if (!referred) {
        EXPECT_EQ(*resources.Find(id), entry) << id;
      }
    }
    // Parameters, Conditions, Mappings, Description are as they were.
    for (const char* section :
         {"Parameters", "Conditions", "Mappings", "Description", "AWSTemplateFormatVersion"}) {
      const Value* a = before.Find(section);
      const Value* b = detached->Find(section);
      ASSERT_EQ(a == nullptr, b == nullptr) << section;
      if (a) {
        EXPECT_EQ(*a, *b) << section;
      }
    }
    // Detaching again changes nothing (a resumed run computes the same).
    DeployedStack again = stack;
    again.template_json = *detached;
    Result<Value> twice = DetachTemplate(again, leaving);
    ASSERT_TRUE(twice) << twice.error().ToString();
    EXPECT_EQ(*twice, *detached);
    // User pool groups are referred to by nothing; every other stack's
    // leaving resources are, and the auth and storage outputs name them.
    if (name.find("userPoolGroups") == std::string::npos) {
      EXPECT_GT(referred_before, 0);
      EXPECT_GT(literal_outputs, 0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Apps, DetachFixtureTest, ::testing::ValuesIn(kApps));

TEST(DetachTest, TheBackendOnlyAuthStackInDetail) {
  DeployedStack stack = FixtureStack(
      "backend-only", "amplify-backendonly-main-5e0fa-authbackendonlyf8c4c57b-SC9H4E2DZU7A");
  EXPECT_EQ(ReferencesTo(stack.template_json, "UserPool"),
            (std::vector<std::string>{
                "Outputs.UserPoolArn", "Outputs.UserPoolId", "Resources.IdentityPool",
                "Resources.UserPoolClient", "Resources.UserPoolClient.DependsOn",
                "Resources.UserPoolClientWeb", "Resources.UserPoolClientWeb.DependsOn"}));
  std::set<std::string> leaving = {"UserPool", "UserPoolClient", "UserPoolClientWeb",
                                   "IdentityPool"};
  Result<Value> detached = DetachTemplate(stack, leaving);
  ASSERT_TRUE(detached) << detached.error().ToString();
  const Value& resources = *detached->Find("Resources");
  // Fn::Sub with a pseudo parameter and a leaving resource, folded.
  const Value& providers =
      *resources.Find("IdentityPool")->Find("Properties")->Find("CognitoIdentityProviders");
  ASSERT_EQ(providers.as_list().size(), 2u);
  EXPECT_EQ(StringAt(providers.as_list()[0], "ProviderName"),
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_1rvCNKN5B");
  EXPECT_EQ(StringAt(providers.as_list()[0], "ClientId"), "773c808k3864f2k0sqk4j71gsj");
  // Fn::If on ShouldNotCreateEnvResources (env is "main") picked its else.
  EXPECT_EQ(StringAt(*resources.Find("UserPool")->Find("Properties"), "UserPoolName"),
            "backendonlyf8c4c57b_userpool_f8c4c57b-main");
  // A staying resource: Ref to a leaving resource is its physical id.
  EXPECT_EQ(
      resources.Find("IdentityPoolRoleMap")->Find("Properties")->Find("IdentityPoolId")->ToText(),
      "us-east-1:3d2fd52c-2247-42b8-8773-3102fce814b8");
  EXPECT_EQ(resources.Find("IdentityPoolRoleMap")->Find("DependsOn"), nullptr);
  EXPECT_EQ(StringAt(*detached->Find("Outputs")->Find("UserPoolArn"), "Value"),
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_1rvCNKN5B");
}

// A small stack for the rules: a table leaves, a topic and a policy stay.
constexpr const char* kSmall = R"({
  "Parameters": {
    "env": {"Type": "String"},
    "secret": {"Type": "String", "NoEcho": true},
    "names": {"Type": "CommaDelimitedList", "Default": "a, b"}},
  "Conditions": {
    "IsMain": {"Fn::Equals": [{"Ref": "env"}, "main"]},
    "IsDev": {"Fn::Not": [{"Condition": "IsMain"}]}},
  "Mappings": {"Sizes": {"main": {"Read": 5}}},
  "Resources": {
    "Table": {"Type": "AWS::DynamoDB::Table", "DependsOn": "Topic",
      "Properties": {"TableName": {"Fn::Sub": "Todo-${env}-${AWS::AccountId}"},
        "Tags": [{"Key": "n", "Value": {"Fn::Select": [1, {"Ref": "names"}]}},
                 {"Key": "topic", "Value": {"Ref": "Topic"}},
                 {"Key": "dev", "Value": {"Fn::If": ["IsDev", "yes", {"Ref": "AWS::NoValue"}]}},
                 {"Key": "b64", "Value": {"Fn::Base64": "x"}},
                 {"Key": "read", "Value": {"Fn::FindInMap": ["Sizes", {"Ref": "env"}, "Read"]}}],
        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"}}},
    "Topic": {"Type": "AWS::SNS::Topic"},
    "Policy": {"Type": "AWS::IAM::Policy", "DependsOn": ["Table", "Topic"],
      "Properties": {"PolicyName": {"Fn::Sub": "${Table}-${!Literal}-${AWS::Region}-${Topic}"},
        "Arn": {"Fn::GetAtt": ["Table", "Arn"]},
        "Arn2": {"Fn::Sub": ["${Table.Arn}/${x}", {"x": {"Ref": "Table"}}]},
        "Sub2": {"Fn::Sub": ["${Table}", {"Table": "shadowed"}]},
        "Other": {"Fn::If": ["IsMain", {"Ref": "Table"}, "none"]}}}},
  "Outputs": {
    "Name": {"Value": {"Ref": "Table"}},
    "Arn": {"Value": {"Fn::GetAtt": ["Table", "Arn"]}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-Arn"}}},
    "TopicArn": {"Value": {"Ref": "Topic"}}}})";

DeployedStack SmallStack() {
  DeployedStack stack;
  stack.name = "small";
  stack.id = "arn:aws:cloudformation:us-east-1:123456789012:stack/small/1";
  stack.region = "us-east-1";
  stack.account_id = "123456789012";
  stack.template_json = Parse(kSmall);
  stack.parameters = Parse(R"([{"ParameterKey": "env", "ParameterValue": "main"},
                               {"ParameterKey": "secret", "ParameterValue": "****"}])")
                         .as_list();
  stack.outputs = Parse(R"([{"OutputKey": "Name", "OutputValue": "Todo-main-123456789012"},
                            {"OutputKey": "Arn", "OutputValue": "arn-from-output"},
                            {"OutputKey": "TopicArn", "OutputValue": "arn:aws:sns:us-east-1:123456789012:t"}])")
                      .as_list();
  stack.physical_ids = {{"Table", "Todo-main-123456789012"},
                        {"Topic", "arn:aws:sns:us-east-1:123456789012:t"},
                        {"Policy", "small-Policy-X"}};
  return stack;
}

TEST(DetachTest, EveryIntrinsicOfALeavingResourceFoldsAndStayingReferencesBecomeValues) {
  DeployedStack stack = SmallStack();
  Result<Value> detached = DetachTemplate(stack, {"Table"});
  ASSERT_TRUE(detached) << detached.error().ToString();
  Value expected_table = Parse(R"({"Type": "AWS::DynamoDB::Table",
      "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
      "Properties": {"TableName": "Todo-main-123456789012",
        "Tags": [{"Key": "n", "Value": "b"},
                 {"Key": "topic", "Value": "arn:aws:sns:us-east-1:123456789012:t"},
                 {"Key": "dev"},
                 {"Key": "b64", "Value": "eA=="},
                 {"Key": "read", "Value": 5}],
        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"}}})");
  EXPECT_EQ(*detached->Find("Resources")->Find("Table"), expected_table)
      << detached->Find("Resources")->Find("Table")->ToJson();
  // The attribute comes from the output whose Value is exactly that GetAtt.
  Value expected_policy = Parse(R"({"Type": "AWS::IAM::Policy", "DependsOn": ["Topic"],
      "Properties": {
        "PolicyName": {"Fn::Sub": "Todo-main-123456789012-${!Literal}-${AWS::Region}-${Topic}"},
        "Arn": "arn-from-output",
        "Arn2": {"Fn::Sub": ["arn-from-output/${x}", {"x": "Todo-main-123456789012"}]},
        "Sub2": {"Fn::Sub": ["${Table}", {"Table": "shadowed"}]},
        "Other": {"Fn::If": ["IsMain", "Todo-main-123456789012", "none"]}}})");
  EXPECT_EQ(*detached->Find("Resources")->Find("Policy"), expected_policy)
      << detached->Find("Resources")->Find("Policy")->ToJson();
  EXPECT_EQ(StringAt(*detached->Find("Outputs")->Find("Name"), "Value"), "Todo-main-123456789012");
  EXPECT_EQ(StringAt(*detached->Find("Outputs")->Find("Arn"), "Value"), "arn-from-output");
  EXPECT_EQ(*detached->Find("Outputs")->Find("Arn")->Find("Export"),
            *stack.template_json.Find("Outputs")->Find("Arn")->Find("Export"));
  EXPECT_EQ(*detached->Find("Outputs")->Find("TopicArn"),
            *stack.template_json.Find("Outputs")->Find("TopicArn"));
}

TEST(DetachTest, WithoutAnOutputAnAttributeIsBuiltFromThePhysicalIdWhereItsFormIsCertain) {
  DeployedStack stack = SmallStack();
  stack.outputs.erase(stack.outputs.begin() + 1);  // no Arn output
  stack.template_json.as_map()["Outputs"].as_map().erase("Arn");
  Result<Value> detached = DetachTemplate(stack, {"Table"});
  ASSERT_TRUE(detached) << detached.error().ToString();
  EXPECT_EQ(StringAt(*detached->Find("Resources")->Find("Policy")->Find("Properties"), "Arn"),
            "arn:aws:dynamodb:us-east-1:123456789012:table/Todo-main-123456789012");

  // StreamArn has no form that the physical id gives: an error that says what to do.
  stack.template_json.as_map()["Resources"].as_map()["Policy"].as_map()["Properties"].Set(
      "Stream", Parse(R"({"Fn::GetAtt": ["Table", "StreamArn"]})"));
  Result<Value> refused = DetachTemplate(stack, {"Table"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kStepFailed);
  EXPECT_THAT(refused.error().message(), HasSubstr("stack small"));
  EXPECT_THAT(refused.error().message(), HasSubstr("resource Policy"));
  EXPECT_THAT(refused.error().message(), HasSubstr("Table.StreamArn"));
  EXPECT_THAT(refused.error().message(), HasSubstr("add an output"));
}

TEST(DetachTest, AttributeFormsFromThePhysicalId) {
  DeployedStack stack = SmallStack();
  Value none(ValueMap{});
  auto form = [&](std::string_view type, std::string_view attr, const std::string& id) {
    return AttributeFromPhysicalId(type, attr, id, none, stack).value_or("<none>");
  };
  EXPECT_EQ(form("AWS::Cognito::UserPool", "Arn", "us-east-1_abc"),
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc");
  EXPECT_EQ(form("AWS::Cognito::UserPool", "ProviderURL", "us-east-1_abc"),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc");
  EXPECT_EQ(form("AWS::S3::Bucket", "RegionalDomainName", "b"), "b.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(form("AWS::S3::Bucket", "WebsiteURL", "b"),
            "http://b.s3-website-us-east-1.amazonaws.com");
  EXPECT_EQ(form("AWS::SQS::Queue", "Arn", "https://sqs.us-east-1.amazonaws.com/123456789012/q"),
            "arn:aws:sqs:us-east-1:123456789012:q");
  EXPECT_EQ(form("AWS::DynamoDB::Table", "StreamArn", "t"), "<none>");
  EXPECT_EQ(form("AWS::Cognito::UserPoolClient", "Name", "c"), "<none>");
  EXPECT_EQ(form("AWS::Cognito::IdentityPool", "Name", "i"), "<none>");
  EXPECT_EQ(AttributeFromPhysicalId("AWS::Cognito::IdentityPool", "Name", "i",
                                    Parse(R"({"IdentityPoolName": "pool"})"), stack)
                .value_or("<none>"),
            "pool");
  stack.region = "eu-central-1";
  EXPECT_EQ(form("AWS::S3::Bucket", "WebsiteURL", "b"),
            "http://b.s3-website.eu-central-1.amazonaws.com");
  stack.partition = "aws-cn";
  EXPECT_EQ(form("AWS::S3::Bucket", "DomainName", "b"), "<none>");
  EXPECT_EQ(form("AWS::S3::Bucket", "Arn", "b"), "arn:aws-cn:s3:::b");
}

TEST(DetachTest, ANoEchoParameterALeavingResourceNeedsIsAnError) {
  DeployedStack stack = SmallStack();
  stack.template_json.as_map()["Resources"].as_map()["Table"].as_map()["Properties"].Set(
      "SSESpecification", Parse(R"({"KMSMasterKeyId": {"Ref": "secret"}})"));
  Result<Value> refused = DetachTemplate(stack, {"Table"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kStepFailed);
  EXPECT_THAT(refused.error().message(), HasSubstr("stack small: resource Table"));
  EXPECT_THAT(refused.error().message(), HasSubstr("parameter secret, which is NoEcho"));
  EXPECT_THAT(refused.error().message(), HasSubstr("leave this resource in its Gen1 stack"));

  // The same on a real fixture: media-vault's social sign-in secrets.
  DeployedStack vault = FixtureStack(
      "media-vault", "amplify-mediavault-main-61114-authmediavault1f08412d-16ZOUXD7JWQKQ");
  Result<Value> real = DetachTemplate(vault, {"HostedUIProvidersCustomResourceInputs"});
  ASSERT_FALSE(real);
  EXPECT_THAT(real.error().message(),
              HasSubstr("parameter hostedUIProviderCreds, which is NoEcho"));
}

TEST(DetachTest, ALeavingResourceWhoseConditionIsFalseCannotLeave) {
  DeployedStack stack = SmallStack();
  stack.template_json.as_map()["Resources"].as_map()["Table"].Set("Condition", Value("IsDev"));
  Result<Value> refused = DetachTemplate(stack, {"Table"});
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message(), HasSubstr("Condition IsDev is false"));

  stack.template_json.as_map()["Resources"].as_map()["Table"].Set("Condition", Value("IsMain"));
  Result<Value> kept = DetachTemplate(stack, {"Table"});
  ASSERT_TRUE(kept) << kept.error().ToString();
  EXPECT_EQ(kept->Find("Resources")->Find("Table")->Find("Condition"), nullptr);
  EXPECT_EQ(*kept->Find("Conditions"), *stack.template_json.Find("Conditions"));

  Result<Value> unknown = DetachTemplate(stack, {"Nope"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST(DetachTest, RemoveRefusesWhileReferencedAndWhenTheStackWouldBeEmpty) {
  DeployedStack stack = SmallStack();
  Result<Value> referenced = RemoveResources(stack.template_json, {"Table"});
  ASSERT_FALSE(referenced);
  EXPECT_EQ(referenced.error().code(), ErrorCode::kConflict);
  EXPECT_THAT(referenced.error().message(),
              HasSubstr("Outputs.Arn, Outputs.Name, Resources.Policy, Resources.Policy.DependsOn"));

  Result<Value> detached = DetachTemplate(stack, {"Table"});
  ASSERT_TRUE(detached);
  Result<Value> removed = RemoveResources(*detached, {"Table"});
  ASSERT_TRUE(removed) << removed.error().ToString();
  EXPECT_EQ(removed->Find("Resources")->Find("Table"), nullptr);
  EXPECT_NE(removed->Find("Resources")->Find("Topic"), nullptr);

  // A real stack with one resource: discussions' activity table.
  DeployedStack activity =
      FixtureStack("discussions", "amplify-discussions-main-d5a80-storageactivity-MDZCD7YSRDN4");
  Result<Value> only = DetachTemplate(activity, {"DynamoDBTable"});
  ASSERT_TRUE(only) << only.error().ToString();
  Result<Value> empty = RemoveResources(*only, {"DynamoDBTable"});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), ErrorCode::kConflict);
  EXPECT_THAT(empty.error().message(),
              HasSubstr("without resources, which CloudFormation refuses"));
}

TEST(DetachTest, MoveChecksIdsAndLiteralDefinitions) {
  DeployedStack stack = SmallStack();
  Result<Value> detached = DetachTemplate(stack, {"Table"});
  ASSERT_TRUE(detached);
  Value destination = Parse(R"({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})");
  std::vector<ResourceMapping> mappings = {{"small", "Table", "gen2", "TodoTable"}};
  Result<RefactorTemplates> moved = MoveResources(*detached, destination, mappings);
  ASSERT_TRUE(moved) << moved.error().ToString();
  EXPECT_EQ(moved->source.Find("Resources")->Find("Table"), nullptr);
  EXPECT_EQ(*moved->destination.Find("Resources")->Find("TodoTable"),
            *detached->Find("Resources")->Find("Table"));
  EXPECT_NE(moved->destination.Find("Resources")->Find("Queue"), nullptr);
  EXPECT_EQ(ResourceMappingsParameter(mappings),
            Parse(R"([{"Source": {"StackName": "small", "LogicalResourceId": "Table"},
                       "Destination": {"StackName": "gen2", "LogicalResourceId": "TodoTable"}}])"));

  Result<RefactorTemplates> taken =
      MoveResources(*detached, destination, {{"small", "Table", "gen2", "Queue"}});
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code(), ErrorCode::kConflict);
  EXPECT_THAT(taken.error().message(), HasSubstr("already has a resource Queue"));

  Result<RefactorTemplates> absent =
      MoveResources(*detached, destination, {{"small", "Nope", "gen2", "Nope"}});
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code(), ErrorCode::kNotFound);

  Result<RefactorTemplates> not_detached =
      MoveResources(stack.template_json, destination, {{"small", "Table", "gen2", "TodoTable"}});
  ASSERT_FALSE(not_detached);
  EXPECT_EQ(not_detached.error().code(), ErrorCode::kConflict);
  EXPECT_THAT(not_detached.error().message(), HasSubstr("still refers to"));
  EXPECT_THAT(not_detached.error().message(), HasSubstr("DependsOn Topic"));

  Value lonely = Parse(R"({"Resources": {"Table": {"Type": "AWS::DynamoDB::Table"}}})");
  Result<RefactorTemplates> empty =
      MoveResources(lonely, destination, {{"small", "Table", "gen2", "TodoTable"}});
  ASSERT_FALSE(empty);
  EXPECT_THAT(empty.error().message(), HasSubstr("without resources"));

  Result<RefactorTemplates> two_pairs = MoveResources(
      *detached, destination, {{"small", "Table", "gen2", "A"}, {"other", "Topic", "gen2", "B"}});
  ASSERT_FALSE(two_pairs);
  EXPECT_EQ(two_pairs.error().code(), ErrorCode::kInvalidInput);
}

// ---- against the simulator, over HTTP ----

class DetachSimTest : public cloudsim::testing::SimTest {
 protected:
  void Seed(std::string_view app) {
    Control("POST", "/_sim/seed", Value(ValueMap{{"fixture", Value(AppDir(app).string())}}));
  }

  // The deployed facts, read as the refactor reads them.
  DeployedStack Read(const std::string& name) {
    DeployedStack stack;
    Value described = Call("cloudformation", "DescribeStacks", Obj({{"StackName", Value(name)}}));
    const Value& s = ListAt(described, "Stacks").at(0);
    stack.name = StringAt(s, "StackName");
    stack.id = StringAt(s, "StackId");
    stack.parameters = ListAt(s, "Parameters");
    stack.outputs = ListAt(s, "Outputs");
    stack.region = "us-east-1";
    stack.account_id = "123456789012";
    stack.template_json = Parse(
        StringAt(Call("cloudformation", "GetTemplate",
                      Obj({{"StackName", Value(name)}, {"TemplateStage", Value("Original")}})),
                 "TemplateBody"));
    Value listed = Call("cloudformation", "ListStackResources", Obj({{"StackName", Value(name)}}));
    for (const Value& r : ListAt(listed, "StackResourceSummaries")) {
      stack.physical_ids[StringAt(r, "LogicalResourceId")] = StringAt(r, "PhysicalResourceId");
    }
    return stack;
  }

  // Applies `body` through a change set that must hold no change at all.
  void ApplyWithNoChange(const DeployedStack& stack, const Value& body) {
    int vetted = 0;
    TemplateApply apply;
    apply.stack_id = stack.id;
    apply.label = "stack " + stack.name;
    apply.body = body.ToJson();
    apply.change_set_name = ChangeSetName("flightplan-detach", stack.name);
    apply.client_token = apply.change_set_name;
    apply.vet = [&](const Value& change_set) -> Result<void> {
      ++vetted;
      if (!ListAt(change_set, "Changes").empty()) {
        return MakeError(ErrorCode::kStepFailed,
                         "the detach changes resources: " + change_set.Find("Changes")->ToJson());
      }
      return {};
    };
    aws::WaitOptions wait;
    wait.initial_delay = std::chrono::milliseconds(10);
    wait.timeout = std::chrono::seconds(30);
    Result<ApplyOutcome> applied = ApplyTemplate(*client_, clock_, apply, wait);
    ASSERT_TRUE(applied) << applied.error().ToString();
    EXPECT_EQ(*applied, ApplyOutcome::kApplied);
    EXPECT_EQ(vetted, 1);
  }

  std::string CreateRefactor(const std::string& source, const Value& source_template,
                             const std::string& destination, const Value& destination_template,
                             const std::vector<ResourceMapping>& mappings) {
    ValueList definitions;
    definitions.push_back(
        Obj({{"StackName", Value(source)}, {"TemplateBody", Value(source_template.ToJson())}}));
    definitions.push_back(Obj({{"StackName", Value(destination)},
                               {"TemplateBody", Value(destination_template.ToJson())}}));
    Value params(ValueMap{});
    params.Set("StackDefinitions", Value(std::move(definitions)));
    params.Set("ResourceMappings", ResourceMappingsParameter(mappings));
    params.Set("Description", "flightplan run test-run: refactor_templates_test");
    return StringAt(Call("cloudformation", "CreateStackRefactor", params), "StackRefactorId");
  }

  // Moves `mappings` from stack `from` into stack `to` with one stack
  // refactor, created from MoveResources' templates and executed.
  void Refactor(const std::string& from, const std::string& to,
                const std::vector<ResourceMapping>& mappings) {
    Result<RefactorTemplates> moved =
        MoveResources(Read(from).template_json, Read(to).template_json, mappings);
    ASSERT_TRUE(moved) << moved.error().ToString();
    std::string id = CreateRefactor(from, moved->source, to, moved->destination, mappings);
    Value created =
        Call("cloudformation", "DescribeStackRefactor", Obj({{"StackRefactorId", Value(id)}}));
    ASSERT_EQ(StringAt(created, "Status"), "CREATE_COMPLETE") << created.ToJson();
    Value actions =
        Call("cloudformation", "ListStackRefactorActions", Obj({{"StackRefactorId", Value(id)}}));
    const ValueList& list = ListAt(actions, "StackRefactorActions");
    EXPECT_EQ(list.size(), mappings.size());
    for (const Value& action : list) {
      EXPECT_EQ(StringAt(action, "Action"), "MOVE");
      EXPECT_EQ(StringAt(action, "Detection"), "MANUAL");
    }
    Call("cloudformation", "ExecuteStackRefactor", Obj({{"StackRefactorId", Value(id)}}));
    Value executed =
        Call("cloudformation", "DescribeStackRefactor", Obj({{"StackRefactorId", Value(id)}}));
    EXPECT_EQ(StringAt(executed, "ExecutionStatus"), "EXECUTE_COMPLETE") << executed.ToJson();
  }

  std::string Owner(const std::string& physical_id) {
    Value out = Call("cloudformation", "DescribeStackResources",
                     Obj({{"PhysicalResourceId", Value(physical_id)}}));
    const ValueList& list = ListAt(out, "StackResources");
    return list.empty() ? std::string() : StringAt(list[0], "StackName");
  }

  void CreatePlaceholderStack(const std::string& name) {
    Call("cloudformation", "CreateStack",
         Obj({{"StackName", Value(name)},
              {"TemplateBody",
               Value(R"({"Resources": {"Placeholder": )"
                     R"({"Type": "AWS::CloudFormation::WaitConditionHandle"}}})")}}));
  }

  std::string OwnerByCli(const std::string& physical_id) {
    Value out =
        Cli({"cloudformation", "describe-stack-resources", "--physical-resource-id", physical_id});
    const ValueList& list = ListAt(out, "StackResources");
    return list.empty() ? std::string() : StringAt(list[0], "StackName");
  }

  int Users(const std::string& pool) {
    Value out = Call("cognito-idp", "ListUsers", Obj({{"UserPoolId", Value(pool)}}));
    return static_cast<int>(ListAt(out, "Users").size());
  }
};

class DetachSimFixtureTest : public DetachSimTest,
                             public ::testing::WithParamInterface<const char*> {};

TEST_P(DetachSimFixtureTest, DetachedTemplatesApplyWithNoResourceChange) {
  Seed(GetParam());
  {
    for (const std::string& name : MovingStacks(GetParam())) {
      SCOPED_TRACE(name);
      DeployedStack stack = Read(name);
      Result<Value> detached = DetachTemplate(stack, StatefulIds(stack.template_json));
      ASSERT_TRUE(detached) << detached.error().ToString();
      ApplyWithNoChange(stack, *detached);
      DeployedStack after = Read(name);
      EXPECT_TRUE(SameTemplate(after.template_json.ToJson(), detached->ToJson()));
      EXPECT_EQ(after.physical_ids, stack.physical_ids);
      EXPECT_EQ(Value(after.outputs), Value(stack.outputs));
      EXPECT_EQ(Value(after.parameters), Value(stack.parameters));
      // A resumed run that detaches the stack as it now is computes the same
      // template, which ApplyTemplate finds already applied.
      Result<Value> again = DetachTemplate(after, StatefulIds(stack.template_json));
      ASSERT_TRUE(again) << again.error().ToString();
      EXPECT_EQ(*again, *detached);
      Value described = Call("cloudformation", "DescribeStacks", Obj({{"StackName", Value(name)}}));
      EXPECT_EQ(StringAt(ListAt(described, "Stacks").at(0), "StackStatus"), "UPDATE_COMPLETE");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Apps, DetachSimFixtureTest, ::testing::ValuesIn(kApps));

TEST_F(DetachSimTest, MovedIntoASecondStackByRefactorAndBack) {
  Seed("backend-only");
  const std::string source = "amplify-backendonly-main-5e0fa-authbackendonlyf8c4c57b-SC9H4E2DZU7A";
  const std::string destination = "flightplan-detach-destination";
  DeployedStack stack = Read(source);
  std::set<std::string> leaving = StatefulIds(stack.template_json);
  ASSERT_EQ(leaving, (std::set<std::string>{"IdentityPool", "UserPool", "UserPoolClient",
                                            "UserPoolClientWeb"}));
  Result<Value> detached = DetachTemplate(stack, leaving);
  ASSERT_TRUE(detached) << detached.error().ToString();
  ApplyWithNoChange(stack, *detached);
  CreatePlaceholderStack(destination);

  std::vector<ResourceMapping> forward, back;
  for (const std::string& id : leaving) {
    forward.push_back({source, id, destination, "amplifyAuth" + id});
    back.push_back({destination, "amplifyAuth" + id, source, id});
  }

  const std::string pool = stack.physical_ids.at("UserPool");
  ASSERT_EQ(Users(pool), 2);
  Refactor(source, destination, forward);
  ASSERT_FALSE(HasFailure());
  DeployedStack moved = Read(destination);
  for (const std::string& id : leaving) {
    EXPECT_EQ(moved.physical_ids.at("amplifyAuth" + id), stack.physical_ids.at(id)) << id;
  }
  EXPECT_EQ(Read(source).physical_ids.count("UserPool"), 0u);
  EXPECT_EQ(Users(pool), 2);  // the same pool, its users still in it
  if (HaveAwsCli()) {
    for (const std::string& id : leaving) {
      EXPECT_EQ(OwnerByCli(stack.physical_ids.at(id)), destination) << id;
    }
  }

  Refactor(destination, source, back);
  ASSERT_FALSE(HasFailure());
  DeployedStack restored = Read(source);
  EXPECT_EQ(restored.physical_ids, stack.physical_ids);
  EXPECT_TRUE(SameTemplate(restored.template_json.ToJson(), detached->ToJson()));
  EXPECT_EQ(Read(destination).physical_ids.size(), 1u);
  if (HaveAwsCli()) {
    for (const std::string& id : leaving) {
      EXPECT_EQ(OwnerByCli(stack.physical_ids.at(id)), source) << id;
    }
  }
  EXPECT_EQ(Users(pool), 2);
}

// Two Gen1 stacks into one: media-vault's user pool groups, then its bucket.
TEST_F(DetachSimTest, GroupsAndABucketFromTwoStacksMoveIntoOneStack) {
  Seed("media-vault");
  const std::string destination = "flightplan-detach-destination";
  CreatePlaceholderStack(destination);
  std::string bucket;
  size_t objects = 0;
  for (const std::string& name :
       {std::string("amplify-mediavault-main-61114-authuserPoolGroups-CEW6WP7XSVTP"),
        std::string("amplify-mediavault-main-61114-storagemediavault-S1PP9XH759GN")}) {
    SCOPED_TRACE(name);
    DeployedStack stack = Read(name);
    std::set<std::string> leaving = StatefulIds(stack.template_json);
    if (stack.physical_ids.count("S3Bucket")) {
      bucket = stack.physical_ids.at("S3Bucket");
      objects =
          ListAt(Call("s3", "ListObjectsV2", Obj({{"Bucket", Value(bucket)}})), "Contents").size();
    }
    Result<Value> detached = DetachTemplate(stack, leaving);
    ASSERT_TRUE(detached) << detached.error().ToString();
    ApplyWithNoChange(stack, *detached);
    std::vector<ResourceMapping> mappings;
    for (const std::string& id : leaving) mappings.push_back({name, id, destination, "Gen1" + id});
    Refactor(name, destination, mappings);
    ASSERT_FALSE(HasFailure());
    DeployedStack source_after = Read(name);
    DeployedStack destination_after = Read(destination);
    for (const std::string& id : leaving) {
      EXPECT_EQ(source_after.physical_ids.count(id), 0u) << id;
      EXPECT_EQ(destination_after.physical_ids.at("Gen1" + id), stack.physical_ids.at(id)) << id;
    }
  }
  // A group's physical id is its name, unique only within its pool (the
  // Gen2 pool has groups of the same names): asking by physical id is for
  // names unique in the account, like a bucket's.
  EXPECT_EQ(Owner(bucket), destination);
  ASSERT_FALSE(bucket.empty());
  EXPECT_GT(objects, 0u);
  EXPECT_EQ(
      ListAt(Call("s3", "ListObjectsV2", Obj({{"Bucket", Value(bucket)}})), "Contents").size(),
      objects);
  // Groups, bucket and the placeholder.
  EXPECT_EQ(Read(destination).physical_ids.size(), 4u);
}

}  // namespace
}  // namespace flightplan::migration
