// The pure parts of moving a user pool that keeps Gen1's hosted UI domain
// (refactor_hosted_ui.h): relink's template without Gen2's own domain, and
// flip's refusal of code that declares one again.
#include "steps/migration/refactor_hosted_ui.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flightplan::migration {
namespace {

using ::testing::HasSubstr;

// Gen2's auth stack as the auth construct makes it (trimmed).
Value Gen2Auth() {
  return Value::FromJson(R"({"Resources": {
    "amplifyAuthUserPool4BA7F805": {"Type": "AWS::Cognito::UserPool"},
    "amplifyAuthUserPoolUserPoolDomain1F688B5B": {"Type": "AWS::Cognito::UserPoolDomain",
      "Properties": {"Domain": "deddd8c1d0c4f5cbeefe",
                     "UserPoolId": {"Ref": "amplifyAuthUserPool4BA7F805"}}},
    "Client": {"Type": "AWS::Cognito::UserPoolClient",
      "Properties": {"UserPoolId": {"Ref": "amplifyAuthUserPool4BA7F805"}}}},
    "Outputs": {"DomainRef": {"Value": {"Ref": "amplifyAuthUserPoolUserPoolDomain1F688B5B"}}}})")
      .value();
}

TEST(RefactorHostedUiDomain, RelinkTakesGen2sDomainOutAndItsReferencesNameGen1s) {
  Value tmpl = Gen2Auth();
  Result<std::set<std::string>> removed =
      DropPoolDomains(tmpl, {{"amplifyAuthUserPool4BA7F805", "mediavault-main"}}, "gen2-auth");
  ASSERT_TRUE(removed) << removed.error().ToString();
  EXPECT_EQ(*removed, std::set<std::string>{"amplifyAuthUserPoolUserPoolDomain1F688B5B"});
  const Value* resources = tmpl.Find("Resources");
  EXPECT_EQ(resources->Find("amplifyAuthUserPoolUserPoolDomain1F688B5B"), nullptr);
  EXPECT_NE(resources->Find("Client"), nullptr);
  EXPECT_EQ(tmpl.Find("Outputs")->Find("DomainRef")->Find("Value")->as_string(), "mediavault-main");
}

TEST(RefactorHostedUiDomain, WithoutAHostedUiDomainOrForAnotherPoolNothingChanges) {
  Value tmpl = Gen2Auth();
  EXPECT_TRUE(DropPoolDomains(tmpl, {}, "gen2-auth")->empty());
  EXPECT_TRUE(DropPoolDomains(tmpl, {{"OtherPool", "x"}}, "gen2-auth")->empty());
  EXPECT_EQ(tmpl, Gen2Auth());
}

TEST(RefactorHostedUiDomain, AnAttributeOfTheRemovedDomainStopsRelinkSayingWhatToDo) {
  Value tmpl = Gen2Auth();
  tmpl.as_map()["Outputs"].Set("Cdn", *Value::FromJson(R"({"Value": {"Fn::GetAtt":
        ["amplifyAuthUserPoolUserPoolDomain1F688B5B", "CloudFrontDistribution"]}})"));
  Result<std::set<std::string>> removed =
      DropPoolDomains(tmpl, {{"amplifyAuthUserPool4BA7F805", "mediavault-main"}}, "gen2-auth");
  ASSERT_FALSE(removed);
  EXPECT_THAT(removed.error().message(), HasSubstr("CloudFrontDistribution"));
  EXPECT_THAT(removed.error().message(), HasSubstr("run refactor again"));
}

Value ChangeSet(const std::string& action, const std::string& replacement = "") {
  Value rc(ValueMap{});
  rc.Set("Action", action);
  rc.Set("LogicalResourceId", "amplifyAuthUserPoolUserPoolDomain1F688B5B");
  rc.Set("ResourceType", "AWS::Cognito::UserPoolDomain");
  if (!replacement.empty()) rc.Set("Replacement", replacement);
  Value change(ValueMap{});
  change.Set("ResourceChange", std::move(rc));
  Value cs(ValueMap{});
  cs.Set("Changes", Value(ValueList{std::move(change)}));
  return cs;
}

TEST(RefactorHostedUiDomain, FlipRefusesCodeThatDeclaresADomainForThePoolAgain) {
  std::map<std::string, std::string> domains = {{"amplifyAuthUserPool4BA7F805", "mediavault"}};
  Result<void> added = VetNoSecondDomain(ChangeSet("Add"), domains, "Gen2 stack auth");
  ASSERT_FALSE(added);
  EXPECT_THAT(added.error().message(), HasSubstr("keeps Gen1's hosted UI domain mediavault"));
  EXPECT_THAT(added.error().message(), HasSubstr("Generate the Gen2 code again"));
  EXPECT_FALSE(VetNoSecondDomain(ChangeSet("Modify", "True"), domains, "auth"));
  EXPECT_TRUE(VetNoSecondDomain(ChangeSet("Remove"), domains, "auth"));
  EXPECT_TRUE(VetNoSecondDomain(ChangeSet("Add"), {}, "auth"));
}

}  // namespace
}  // namespace flightplan::migration
