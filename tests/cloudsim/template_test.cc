// The CloudFormation template engine on its own: YAML short forms, every
// intrinsic function, conditions, parameters, validation messages and
// dependency order.
#include "cloudsim/cfn/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/yaml_alias_bomb.h"

namespace flightplan::cloudsim::cfn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeContext final : public EvalContext {
 public:
  SimResult<Value> ResourceRef(std::string_view id) const override {
    return Value("phys-" + std::string(id));
  }
  SimResult<Value> ResourceAttribute(std::string_view id, std::string_view attr) const override {
    return Value(std::string(id) + "." + std::string(attr));
  }
  SimResult<Value> ImportValue(std::string_view name) const override {
    if (name == "shared-vpc") return Value("vpc-123");
    return tl::unexpected(Validation("No export named " + std::string(name) + " found."));
  }
};

Value Parse(std::string_view text) {
  auto t = ParseTemplate(text);
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message);
  return t ? *t : Value();
}

const char* kYaml = R"(
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Secret:
    Type: String
    NoEcho: true
  Sizes:
    Type: CommaDelimitedList
    Default: "1,2,3"
Mappings:
  Regions:
    us-east-1: {Ami: ami-east}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Or [!Equals [a, a], !Equals [a, b]]]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-${Env}-table"
      Optional: !If [IsProd, yes, !Ref AWS::NoValue]
  Fn:
    Type: AWS::Lambda::Function
    DependsOn: Table
    Properties:
      Role: !GetAtt Role.Arn
      Env: !Join ["-", [!Ref Env, !Select [1, !Ref Sizes]]]
  Role:
    Type: AWS::IAM::Role
Outputs:
  Out:
    Value: !Base64 hi
)";

TEST(TemplateTest, YamlShortFormsBecomeTheLongForm) {
  Value t = Parse(kYaml);
  const Value* fn = t.Find("Resources")->Find("Fn")->Find("Properties");
  EXPECT_EQ(fn->Find("Role")->ToJson(), R"({"Fn::GetAtt":["Role","Arn"]})");
  EXPECT_EQ(t.Find("Conditions")->Find("NotProd")->ToJson(),
            R"({"Fn::Not":[{"Condition":"IsProd"}]})");
  EXPECT_TRUE(ValidateTemplate(t).has_value());
}

// CloudFormation trims the items of a list parameter, as Amplify Gen1's
// root stacks rely on ("email, phone_number" for a pool's
// UsernameAttributes), and reports the value without the spaces.
TEST(TemplateTest, AListParameterHasItsItemsTrimmed) {
  Value t = Parse(kYaml);
  auto params = ResolveParameters(t, {{"Secret", "s3cret", false}, {"Sizes", " 1, 2 ,3 ", false}});
  ASSERT_TRUE(params.has_value()) << params.error().message;
  const ParameterValue& sizes = (*params)[2];
  ASSERT_EQ(sizes.key, "Sizes");
  EXPECT_EQ(sizes.value.ToJson(), R"(["1","2","3"])");
  EXPECT_EQ(sizes.text, "1,2,3");
}

TEST(TemplateTest, EveryIntrinsicEvaluates) {
  Value t = Parse(kYaml);
  auto params = ResolveParameters(t, {{"Secret", "s3cret", false}});
  ASSERT_TRUE(params.has_value()) << params.error().message;
  EXPECT_TRUE((*params)[1].no_echo);
  FakeContext ctx;
  Evaluator ev(t, *params, {"123456789012", "us-east-1", "app", "arn:stack", {}}, &ctx);
  ASSERT_TRUE(ev.EvaluateConditions().has_value());
  EXPECT_FALSE(ev.Condition("IsProd"));
  EXPECT_TRUE(ev.Condition("Both"));
  auto table = ev.Evaluate(*t.Find("Resources")->Find("Table")->Find("Properties"));
  ASSERT_TRUE(table.has_value());
  EXPECT_EQ(table->ToJson(),
            R"({"TableName":"app-dev-table"})");  // NoValue removed
  auto fn = ev.Evaluate(*t.Find("Resources")->Find("Fn")->Find("Properties"));
  EXPECT_EQ(fn->Find("Role")->as_string(), "Role.Arn");
  EXPECT_EQ(fn->Find("Env")->as_string(), "dev-2");

  auto eval = [&](std::string_view json) {
    auto v = ev.Evaluate(*Value::FromJson(json));
    EXPECT_TRUE(v.has_value()) << json << ": " << (v ? "" : v.error().message);
    return v ? *v : Value();
  };
  EXPECT_EQ(eval(R"({"Fn::Base64":"hi"})").as_string(), "aGk=");
  EXPECT_EQ(eval(R"({"Fn::Sub":"${!Literal}-${Table.Arn}-${AWS::Region}"})").as_string(),
            "${Literal}-Table.Arn-us-east-1");
  EXPECT_EQ(eval(R"({"Fn::Sub":["${A}/${Env}",{"A":{"Ref":"Table"}}]})").as_string(),
            "phys-Table/dev");
  EXPECT_EQ(eval(R"({"Fn::Split":[",","a,b"]})").ToJson(), R"(["a","b"])");
  EXPECT_EQ(eval(R"({"Fn::FindInMap":["Regions",{"Ref":"AWS::Region"},"Ami"]})").as_string(),
            "ami-east");
  EXPECT_EQ(eval(R"({"Fn::ImportValue":"shared-vpc"})").as_string(), "vpc-123");
  EXPECT_EQ(eval(R"({"Fn::GetAZs":""})").as_list().size(), 3u);
  EXPECT_EQ(eval(R"({"Fn::Select":["0",{"Fn::GetAZs":{"Ref":"AWS::Region"}}]})").as_string(),
            "us-east-1a");
  EXPECT_EQ(eval(R"({"Ref":"AWS::AccountId"})").as_string(), "123456789012");
  EXPECT_EQ(eval(R"({"Ref":"AWS::Partition"})").as_string(), "aws");
  EXPECT_EQ(eval(R"({"Ref":"AWS::URLSuffix"})").as_string(), "amazonaws.com");
  EXPECT_EQ(eval(R"({"Fn::Equals":["a","a"]})").as_bool(), true);
  EXPECT_EQ(eval(R"({"Fn::Cidr":["10.0.0.0/16","2","8"]})").ToJson(),
            R"(["10.0.0.0/24","10.0.1.0/24"])");
  EXPECT_EQ(eval(R"(["x",{"Ref":"AWS::NoValue"}])").ToJson(), R"(["x"])");
  auto missing = ev.Evaluate(*Value::FromJson(R"({"Fn::ImportValue":"nope"})"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "No export named nope found.");
}

TEST(TemplateTest, ParametersAreCheckedAsCloudFormationDoes) {
  Value t = Parse(kYaml);
  auto missing = ResolveParameters(t, {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "Parameters: [Secret] must have values");
  auto unknown = ResolveParameters(t, {{"Secret", "x", false}, {"Nope", "y", false}});
  EXPECT_EQ(unknown.error().message, "Parameters: [Nope] do not exist in the template");
  auto bad = ResolveParameters(t, {{"Secret", "x", false}, {"Env", "qa", false}});
  EXPECT_EQ(bad.error().message, "Parameter 'Env' must be one of AllowedValues");
  auto previous = ResolveParameters(t, {{"Secret", "x", false}, {"Env", "prod", false}});
  auto reused = ResolveParameters(t, {{"Secret", "", true}}, *previous);
  ASSERT_TRUE(reused.has_value());
  EXPECT_EQ((*reused)[1].text, "x");
}

TEST(TemplateTest, ValidationUsesAwsMessages) {
  auto unresolved = ValidateTemplate(
      Parse(R"({"Resources":{"A":{"Type":"T","Properties":{"X":{"Ref":"Missing"}}}}})"));
  ASSERT_FALSE(unresolved.has_value());
  EXPECT_EQ(unresolved.error().code, "ValidationError");
  EXPECT_EQ(unresolved.error().message,
            "Template format error: Unresolved resource dependencies [Missing] "
            "in the Resources block of the template");
  auto unknown = ValidateTemplate(
      Parse(R"({"Resources":{"A":{"Type":"T","Properties":{"X":{"Fn::Nope":1}}}}})"));
  EXPECT_THAT(unknown.error().message, HasSubstr("Encountered unsupported function: Fn::Nope"));
  auto cycle = ValidateTemplate(Parse(
      R"({"Resources":{"A":{"Type":"T","Properties":{"X":{"Ref":"B"}}},"B":{"Type":"T","DependsOn":"A"}}})"));
  EXPECT_EQ(cycle.error().message, "Circular dependency between resources: [A, B]");
  auto empty = ValidateTemplate(Parse(R"({"Resources":{}})"));
  EXPECT_EQ(empty.error().message,
            "Template format error: At least one Resources member must be defined.");
  auto yaml = ParseTemplate("Resources: [a\n");
  ASSERT_FALSE(yaml.has_value());
  EXPECT_THAT(yaml.error().message, HasSubstr("Template format error: YAML not well-formed"));
}

TEST(TemplateTest, YamlAliasBombIsAFormatErrorAtItsPositionNotExpanded) {
  const std::string text = "AWSTemplateFormatVersion: \"2010-09-09\"\nMetadata:\n" +
                           flightplan::testing::YamlAliasBomb(8, 10, /*indent=*/2) +
                           "Resources:\n  A: {Type: AWS::SNS::Topic}\n";
  auto started = std::chrono::steady_clock::now();
  auto parsed = ParseTemplate(text);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(parsed.error().code, "ValidationError");
  EXPECT_THAT(parsed.error().message,
              HasSubstr("Template format error: YAML not well-formed. (line 8, column 47: "));
  auto endless = ParseTemplate("Metadata: &m {A: [*m]}\nResources:\n  A: {Type: T}\n");
  ASSERT_FALSE(endless.has_value());
  EXPECT_THAT(endless.error().message, HasSubstr("endless"));
}

TEST(TemplateTest, TemplatesOverOneMegabyteAreRefusedBeforeParsing) {
  std::string big =
      "Resources:\n  A: {Type: T}\nDescription: " + std::string(kMaxTemplateBytes, 'x');
  auto parsed = ParseTemplate(big);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().message,
            "Template format error: Template may not exceed 1048576 bytes in size.");
}

TEST(TemplateTest, DependencyOrderAndReferences) {
  Value t = Parse(kYaml);
  auto order = DependencyOrder(t);
  ASSERT_TRUE(order.has_value());
  EXPECT_THAT(*order, ElementsAre("Role", "Table", "Fn"));
  EXPECT_THAT(References(*t.Find("Resources")->Find("Fn")), ElementsAre("Env", "Role", "Sizes"));
  EXPECT_THAT(ResourceDependencies(t, "Fn"), ElementsAre("Role", "Table"));
  EXPECT_THAT(References(*Value::FromJson(R"({"Fn::Sub":["${X}-${Y.Arn}",{"X":"1"}]})")),
              ElementsAre("Y"));
}

}  // namespace
}  // namespace flightplan::cloudsim::cfn
