// The shift phase's pure logic (steps/migration/shift.h), without a cloud.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "steps/migration/shift.h"

namespace flightplan::migration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Value Json(const std::string& text) {
  auto v = Value::FromJson(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : Value();
}

TEST(ShiftLogicTest, Gen1BranchesAreNamedLikeTheEnvLinkedToItOrNameItsRootStack) {
  ValueList branches = Json(R"([
    {"branchName": "main"},
    {"branchName": "prod", "backendEnvironmentArn": "arn:aws:amplify:us-east-1:1:apps/a/backendenvironments/main"},
    {"branchName": "legacy", "backend": {"stackArn": "arn:aws:cloudformation:us-east-1:1:stack/amplify-a-main-123/uuid"}},
    {"branchName": "gen2main", "backend": {"stackArn": "arn:aws:cloudformation:us-east-1:1:stack/amplify-a-gen2main-branch-1/uuid"}},
    {"branchName": "other", "backendEnvironmentArn": "arn:aws:amplify:us-east-1:1:apps/a/backendenvironments/mainline"},
    {"branchName": "near", "backend": {"stackArn": "arn:aws:cloudformation:us-east-1:1:stack/amplify-a-main-1234/uuid"}}
  ])")
                           .as_list();
  EXPECT_THAT(Gen1BranchesOf(branches, "main", "amplify-a-main-123", "gen2main"),
              ElementsAre("main", "prod", "legacy"));
  // The target branch is never a Gen1 one, even when named like the env.
  EXPECT_THAT(Gen1BranchesOf(branches, "main", "amplify-a-main-123", "main"),
              ElementsAre("prod", "legacy"));
}

TEST(ShiftLogicTest, OnlyTheGen1SubDomainsMove) {
  Value association = Json(R"({"domainName": "example.com", "subDomains": [
    {"subDomainSetting": {"prefix": "www", "branchName": "main"}, "verified": true, "dnsRecord": "x"},
    {"subDomainSetting": {"prefix": "", "branchName": "main"}},
    {"subDomainSetting": {"prefix": "dev", "branchName": "dev"}}]})");
  std::vector<SubDomainSetting> before = SettingsOf(association);
  ASSERT_EQ(before.size(), 3u);
  std::vector<SubDomainSetting> after = Repointed(before, {"main"}, "gen2main");
  EXPECT_EQ(after[0], (SubDomainSetting{"www", "gen2main"}));
  EXPECT_EQ(after[1], (SubDomainSetting{"", "gen2main"}));
  EXPECT_EQ(after[2], (SubDomainSetting{"dev", "dev"}));
  EXPECT_EQ(CountOn(before, {"main"}), 2);
  EXPECT_EQ(DescribeSettings(after), "www → gen2main, (apex) → gen2main, dev → dev");
}

TEST(ShiftLogicTest, TheUpdateKeepsTheAutomaticSubDomainSettingsAndNotTheCertificate) {
  Value association = Json(R"({"domainName": "example.com", "enableAutoSubDomain": true,
    "autoSubDomainCreationPatterns": ["feature/*"], "autoSubDomainIAMRole": "arn:aws:iam::1:role/r",
    "certificate": {"type": "AMPLIFY_MANAGED"}, "subDomains": []})");
  Value request = UpdateRequest("app1", association, {{"www", "gen2main"}});
  EXPECT_EQ(request.Find("appId")->as_string(), "app1");
  EXPECT_EQ(request.Find("domainName")->as_string(), "example.com");
  EXPECT_TRUE(request.Find("enableAutoSubDomain")->as_bool());
  EXPECT_EQ(request.Find("autoSubDomainCreationPatterns")->ToJson(), R"(["feature/*"])");
  EXPECT_EQ(request.Find("autoSubDomainIAMRole")->as_string(), "arn:aws:iam::1:role/r");
  EXPECT_EQ(request.Find("certificateSettings"), nullptr);
  EXPECT_EQ(request.Find("subDomainSettings")->ToJson(),
            R"([{"branchName":"gen2main","prefix":"www"}])");
}

TEST(ShiftLogicTest, DomainsToShiftNamesTheOnesThatExistWhenOneIsMissing) {
  ValueList associations = Json(R"([
    {"domainName": "a.com", "subDomains": [{"subDomainSetting": {"prefix": "", "branchName": "main"}}]},
    {"domainName": "b.com", "subDomains": [{"subDomainSetting": {"prefix": "", "branchName": "dev"}}]},
    {"domainName": "c.com", "subDomains": [{"subDomainSetting": {"prefix": "", "branchName": "gen2main"}}]}
  ])")
                               .as_list();
  auto all = DomainsToShift(associations, "", {"main"}, "gen2main", "app1");
  ASSERT_TRUE(all);
  EXPECT_THAT(*all, ElementsAre("a.com", "c.com"));
  auto one = DomainsToShift(associations, "b.com", {"main"}, "gen2main", "app1");
  ASSERT_TRUE(one);
  EXPECT_THAT(*one, ElementsAre("b.com"));
  auto missing = DomainsToShift(associations, "z.com", {"main"}, "gen2main", "app1");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message(), HasSubstr("a.com, b.com, c.com"));
  auto none = DomainsToShift({}, "", {"main"}, "gen2main", "app1");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(ShiftLogicTest, TheLatestJobIsTheHighestIdAndMustHaveSucceeded) {
  auto verdict = [](const std::string& jobs) {
    return LatestJobSucceeded(Json(jobs).as_list(), "gen2main");
  };
  auto ok = verdict(R"([{"jobId": "9", "status": "FAILED", "commitId": "old"},
                       {"jobId": "10", "status": "SUCCEED", "commitId": "new"}])");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, "new");
  auto failed = verdict(R"([{"jobId": "10", "status": "FAILED", "commitId": "new"},
                           {"jobId": "9", "status": "SUCCEED", "commitId": "old"}])");
  ASSERT_FALSE(failed);
  EXPECT_THAT(failed.error().message(), HasSubstr("FAILED"));
  EXPECT_THAT(failed.error().message(), HasSubstr("new"));
  auto running = verdict(R"([{"jobId": "2", "status": "RUNNING", "commitId": "c"}])");
  ASSERT_FALSE(running);
  EXPECT_THAT(running.error().message(), HasSubstr("wait for it"));
  auto none = verdict("[]");
  ASSERT_FALSE(none);
  EXPECT_THAT(none.error().message(), HasSubstr("no job"));
}

}  // namespace
}  // namespace flightplan::migration
