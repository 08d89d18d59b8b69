#include "steps/amplify/cfn_resolve.h"

#include <gtest/gtest.h>

namespace flightplan::amplify {
namespace {

Value Json(const char* text) { return *Value::FromJson(text); }

TEST(CfnResolveTest, RefIfAndJoinResolveToTheDeployedName) {
  Value tmpl = Json(R"({
    "Parameters": {"env": {"Type": "String"}, "name": {"Type": "String", "Default": "pool"}},
    "Conditions": {"ShouldNotCreateEnvResources": {"Fn::Equals": [{"Ref": "env"}, "NONE"]}},
    "Resources": {"P": {"Properties": {"Name": {"Fn::If": ["ShouldNotCreateEnvResources",
        {"Ref": "name"}, {"Fn::Join": ["", [{"Ref": "name"}, "-", {"Ref": "env"}]]}]}}}}})");
  ParameterValues given{{"env", Value("main")}};
  Value out = ResolveTemplate(tmpl, EffectiveParameters(tmpl, given));
  EXPECT_EQ(out.Find("Resources")->Find("P")->Find("Properties")->Find("Name")->as_string(),
            "pool-main");
}

TEST(CfnResolveTest, UnknownRefsAndGetAttStayAsTheyAre) {
  Value tmpl = Json(R"({"Resources": {"P": {"Properties": {
      "A": {"Ref": "Other"}, "B": {"Fn::GetAtt": ["X", "Arn"]},
      "C": {"Fn::Join": ["-", ["a", {"Ref": "Other"}]]}}}}})");
  Value out = ResolveTemplate(tmpl, {});
  const Value& props = *out.Find("Resources")->Find("P")->Find("Properties");
  EXPECT_TRUE(HasIntrinsic(*props.Find("A")));
  EXPECT_TRUE(HasIntrinsic(*props.Find("B")));
  EXPECT_TRUE(HasIntrinsic(*props.Find("C")));
}

TEST(CfnResolveTest, CommaDelimitedListAndNumberParametersGetTheirTypes) {
  Value tmpl = Json(R"({"Parameters": {
      "l": {"Type": "CommaDelimitedList"}, "n": {"Type": "Number"}}})");
  ParameterValues p =
      EffectiveParameters(tmpl, {{"l", Value("email, phone_number")}, {"n", Value("8")}});
  ASSERT_TRUE(p.at("l").is_list());
  EXPECT_EQ(p.at("l").as_list()[1].as_string(), "phone_number");
  EXPECT_EQ(p.at("n").as_int(), 8);
}

}  // namespace
}  // namespace flightplan::amplify
