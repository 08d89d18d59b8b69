#include "steps/amplify/fidelity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "steps/amplify/gen1_project.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

using testing::FixtureDir;
using ::testing::HasSubstr;

// A synthesized Gen2 storage stack holding the Gen1 "activity" table with
// the given properties (as the generated L1 copy would produce).
std::vector<SynthesizedTemplate> Gen2WithTable(const Value& props) {
  Value table;
  table.Set("Type", Value("AWS::DynamoDB::Table"));
  table.Set("Properties", props);
  Value resources;
  resources.Set("DynamoDBTable", table);
  Value body;
  body.Set("Resources", resources);
  return {{"amplifyappmainstorageactivity1234.nested.template.json", body}};
}

const FidelityCheck* Find(const FidelityReport& report, std::string_view resource,
                          std::string_view property) {
  for (const FidelityCheck& c : report.checks) {
    if (c.resource == resource && c.property == property) return &c;
  }
  return nullptr;
}

class FidelityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Gen1Project> p = LoadGen1Project(FixtureDir("discussions"));
    ASSERT_TRUE(p) << p.error().ToString();
    project_ = std::move(*p);
    gen1_table_ = *project_.Find("storage", "activity")
                       ->deployed_template.Find("Resources")
                       ->Find("DynamoDBTable")
                       ->Find("Properties");
  }
  Gen1Project project_;
  Value gen1_table_;
};

TEST_F(FidelityTest, IdenticalTableWithoutItsNameIsExpectedBeforeRefactor) {
  Value props = gen1_table_;
  props.as_map().erase("TableName");
  FidelityReport report =
      CompareFidelity(project_, Gen2WithTable(props), RefactorPhase::kPreRefactor);
  const FidelityCheck* keys = Find(report, "storage/activity/DynamoDBTable", "KeySchema");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->status, FidelityStatus::kSame);
  const FidelityCheck* name = Find(report, "storage/activity/DynamoDBTable", "TableName");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->status, FidelityStatus::kExpectedBeforeRefactor);
  EXPECT_EQ(Find(report, "storage/activity/DynamoDBTable", "GlobalSecondaryIndexes")->status,
            FidelityStatus::kSame);
}

TEST_F(FidelityTest, MissingNameAfterRefactorFailsBecauseTheTableWouldBeReplaced) {
  Value props = gen1_table_;
  props.as_map().erase("TableName");
  FidelityReport report =
      CompareFidelity(project_, Gen2WithTable(props), RefactorPhase::kPostRefactor);
  EXPECT_EQ(Find(report, "storage/activity/DynamoDBTable", "TableName")->status,
            FidelityStatus::kDiffers);
  EXPECT_TRUE(report.Failed());
  EXPECT_THAT(report.ToText(), HasSubstr("FAILED"));
}

TEST_F(FidelityTest, ChangedKeySchemaIsAnIdentityDifference) {
  Value props = gen1_table_;
  props.Set("KeySchema", *Value::FromJson(R"([{"AttributeName": "userId", "KeyType": "HASH"}])"));
  FidelityReport report =
      CompareFidelity(project_, Gen2WithTable(props), RefactorPhase::kPreRefactor);
  const FidelityCheck* keys = Find(report, "storage/activity/DynamoDBTable", "KeySchema");
  ASSERT_NE(keys, nullptr);
  EXPECT_TRUE(keys->identity);
  EXPECT_EQ(keys->status, FidelityStatus::kDiffers);
  EXPECT_TRUE(report.Failed());
}

TEST_F(FidelityTest, DifferentBillingModeIsReportedButIsNotIdentity) {
  Value props = gen1_table_;
  props.as_map().erase("TableName");
  props.Set("BillingMode", Value("PAY_PER_REQUEST"));
  ASSERT_EQ(gen1_table_.Find("BillingMode"), nullptr) << "the fixture table is provisioned";
  FidelityReport report =
      CompareFidelity(project_, Gen2WithTable(props), RefactorPhase::kPreRefactor);
  const FidelityCheck* billing = Find(report, "storage/activity/DynamoDBTable", "BillingMode");
  ASSERT_NE(billing, nullptr);
  EXPECT_EQ(billing->status, FidelityStatus::kDiffers);
  EXPECT_FALSE(billing->identity);
}

TEST_F(FidelityTest, ResourceWithoutCounterpartIsMissingAndFails) {
  FidelityReport report = CompareFidelity(project_, {}, RefactorPhase::kPreRefactor);
  const FidelityCheck* missing = Find(report, "storage/activity/DynamoDBTable", "(resource)");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->status, FidelityStatus::kMissingInGen2);
  EXPECT_NE(Find(report, "auth/discussions22367c6822367c68/UserPool", "(resource)"), nullptr);
  EXPECT_TRUE(report.Failed());
}

}  // namespace
}  // namespace flightplan::amplify
