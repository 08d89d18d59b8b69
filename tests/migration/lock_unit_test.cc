// lock's template and policy changes, and the stateful-types table, without
// a cloud: what lock sets, that unlocking gives the template back, which
// change sets it refuses, and how it appends to a policy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/value.h"
#include "steps/migration/environment.h"
#include "steps/migration/lock.h"
#include "steps/migration/stateful_types.h"
#include "tests/support/test_support.h"

namespace flightplan::migration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const char kTemplate[] = R"({
  "Resources": {
    "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "t"}},
    "Pool": {"Type": "AWS::Cognito::UserPool", "DeletionPolicy": "Delete"},
    "Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {}}
  }
})";

Value Json(const std::string& text) {
  Result<Value> v = Value::FromJson(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : Value();
}

TEST(LockTemplate, RetainsStatefulResourcesProtectsTablesAndRecordsWhatWasThere) {
  Result<LockedTemplate> locked = LockTemplate(kTemplate, StatefulTypes());
  ASSERT_TRUE(locked) << locked.error().ToString();
  EXPECT_THAT(locked->locked, ElementsAre("Pool", "Table"));  // Bucket was already retained
  Value t = Json(locked->body);
  const Value& table = *t.Find("Resources")->Find("Table");
  EXPECT_EQ(table.Find("DeletionPolicy")->as_string(), "Retain");
  EXPECT_EQ(table.Find("UpdateReplacePolicy")->as_string(), "Retain");
  EXPECT_TRUE(table.Find("Properties")->Find("DeletionProtectionEnabled")->as_bool());
  const Value& pool = *t.Find("Resources")->Find("Pool");
  EXPECT_EQ(pool.Find("DeletionPolicy")->as_string(), "Retain");
  EXPECT_EQ(pool.Find("Metadata")->Find(kLockMetadataKey)->Find("DeletionPolicy")->as_string(),
            "Delete");
  EXPECT_EQ(t.Find("Resources")->Find("Role")->Find("DeletionPolicy"), nullptr);
  // Locking a locked template changes nothing more.
  Result<LockedTemplate> again = LockTemplate(locked->body, StatefulTypes());
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->changed());
}

TEST(LockTemplate, UnlockingGivesTheTemplateBack) {
  Result<LockedTemplate> locked = LockTemplate(kTemplate, StatefulTypes());
  ASSERT_TRUE(locked);
  Result<Value> unlocked = UnlockTemplate(Json(locked->body));
  ASSERT_TRUE(unlocked);
  EXPECT_EQ(*unlocked, Json(kTemplate));
  EXPECT_THAT(LockedResources(Json(locked->body)), ElementsAre("Pool", "Table"));
  EXPECT_TRUE(LockedResources(Json(kTemplate)).empty());
}

TEST(LockTemplate, RefusesWhatIsNotATemplate) {
  EXPECT_FALSE(LockTemplate("Resources: {}", StatefulTypes()));
  EXPECT_FALSE(LockTemplate("{\"Resources\": []}", StatefulTypes()));
  EXPECT_FALSE(LockTemplate("[1]", StatefulTypes()));
}

Value Change(const std::string& id, const std::string& action, const std::string& replacement,
             const std::string& attribute, const std::string& property) {
  std::string details = attribute.empty()
                            ? "[]"
                            : R"([{"Target": {"Attribute": ")" + attribute + R"(", "Name": ")" +
                                  property + R"(", "RequiresRecreation": "Never"}}])";
  return Json(R"({"Changes": [{"Type": "Resource", "ResourceChange": {"Action": ")" + action +
              R"(", "LogicalResourceId": ")" + id + R"(", "ResourceType": "AWS::DynamoDB::Table",
              "Replacement": ")" +
              replacement + R"(", "Scope": [], "Details": )" + details + "}}]}");
}

TEST(CheckLockChangeSet, AcceptsOnlyLockOwnChanges) {
  std::vector<std::string> ids = {"Table"};
  EXPECT_TRUE(CheckLockChangeSet(Json("{\"Changes\": []}"), ids));
  EXPECT_TRUE(CheckLockChangeSet(
      Change("Table", "Modify", "False", "Properties", "DeletionProtectionEnabled"), ids));
  EXPECT_TRUE(CheckLockChangeSet(Change("Table", "Modify", "False", "Metadata", ""), ids));

  auto refused = [&](const Value& cs) {
    Result<void> r = CheckLockChangeSet(cs, ids);
    EXPECT_FALSE(r) << cs.ToJson();
    return r ? std::string() : r.error().message();
  };
  EXPECT_THAT(refused(Change("Table", "Modify", "True", "Properties", "DeletionProtectionEnabled")),
              HasSubstr("replace"));
  EXPECT_THAT(refused(Change("Table", "Modify", "False", "Properties", "BillingMode")),
              HasSubstr("BillingMode"));
  EXPECT_THAT(refused(Change("Table", "Remove", "", "", "")), HasSubstr("Remove"));
  EXPECT_THAT(refused(Change("Other", "Modify", "False", "Metadata", "")),
              HasSubstr("does not touch"));
  EXPECT_THAT(refused(Change("Table", "Modify", "Conditional", "Metadata", "")),
              HasSubstr("replace"));
}

TEST(LockPolicy, AppendsToAPolicyAndNeverReplacesIt) {
  const std::string prior =
      R"({"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
          {"Effect": "Deny", "Action": "Update:Delete", "Principal": "*", "Resource": "*"}]})";
  Result<std::string> locked = AppendLockStatement(prior);
  ASSERT_TRUE(locked);
  Value policy = Json(*locked);
  const ValueList& statements = policy.Find("Statement")->as_list();
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[1].Find("Action")->as_string(), "Update:Delete");
  EXPECT_EQ(statements[2].Find("Sid")->as_string(), kLockStatementSid);
  EXPECT_TRUE(HasLockStatement(*locked));
  EXPECT_FALSE(HasLockStatement(prior));
  // Appending twice adds nothing.
  Result<std::string> twice = AppendLockStatement(*locked);
  ASSERT_TRUE(twice);
  EXPECT_EQ(Json(*twice), Json(*locked));
}

TEST(LockPolicy, NoPolicyBecomesAllowAllPlusTheDenyAndAStatementObjectBecomesAList) {
  Result<std::string> none = AppendLockStatement("");
  ASSERT_TRUE(none);
  EXPECT_EQ(Json(*none).Find("Statement")->as_list().size(), 2u);
  Result<std::string> single = AppendLockStatement(
      R"({"Statement": {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}})");
  ASSERT_TRUE(single);
  EXPECT_EQ(Json(*single).Find("Statement")->as_list().size(), 2u);
  Result<std::string> bad = AppendLockStatement("not json");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("never replaces"));
}

TEST(StatefulTypes, TheTableAndAUserFile) {
  StatefulTypes builtin;
  EXPECT_TRUE(builtin.IsStateful("AWS::DynamoDB::Table"));
  EXPECT_TRUE(builtin.IsStateful("AWS::Cognito::IdentityPool"));
  EXPECT_FALSE(builtin.IsStateful("AWS::Lambda::Function"));
  testing::TempDir dir;
  testing::WriteFile(
      dir.Join("types"),
      "# extra types\nAWS::Timestream::Database   # ours\n\n  Custom::Thing::Store\n");
  Result<StatefulTypes> extra = StatefulTypes::WithExtraFile(dir.Join("types"));
  ASSERT_TRUE(extra) << extra.error().ToString();
  EXPECT_TRUE(extra->IsStateful("AWS::Timestream::Database"));
  EXPECT_TRUE(extra->IsStateful("Custom::Thing::Store"));
  EXPECT_EQ(extra->extra().size(), 2u);

  testing::WriteFile(dir.Join("bad"), "AWS::S3::Bucket\nnot a type\n");
  Result<StatefulTypes> bad = StatefulTypes::WithExtraFile(dir.Join("bad"));
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr(":2:"));
  EXPECT_EQ(StatefulTypes::WithExtraFile(dir.Join("missing")).error().code(), ErrorCode::kNotFound);
}

TEST(Gen1CliVersion, ReadsCreatedWithFromTheDescription) {
  EXPECT_EQ(Gen1CliVersion(R"({"createdOn":"Mac","createdBy":"Amplify","createdWith":"14.2.5"})"),
            "14.2.5");
  EXPECT_EQ(Gen1CliVersion(R"(An auto-generated nested stack.{"createdWith":"12.1.0"})"), "12.1.0");
  EXPECT_EQ(Gen1CliVersion("Root Stack for AWS Amplify CLI"), "");
  EXPECT_EQ(Gen1CliVersion("{broken"), "");
}

}  // namespace
}  // namespace flightplan::migration
