// DynamoDB: the store API other services use, the JSON 1.0 service through
// flightplan's client, and conformance with the AWS CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cloudsim/test/sim_fixture.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;

Value Json(std::string_view text) {
  auto v = Value::FromJson(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? *v : Value();
}

TEST(DynamoDbStoreTest, TablesAndItemsRoundTripThroughDumpAndLoad) {
  DynamoDbStore store;
  Timestamp now{1700000000000};
  Value input = Json(R"({"TableName":"Todo-dev","BillingMode":"PAY_PER_REQUEST",
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]})");
  auto description = store.CreateTable(input, now);
  ASSERT_TRUE(description.has_value()) << description.error().message;
  EXPECT_EQ(description->Find("TableStatus")->as_string(), "ACTIVE");
  EXPECT_EQ(description->Find("TableArn")->as_string(),
            "arn:aws:dynamodb:us-east-1:123456789012:table/Todo-dev");
  EXPECT_EQ(store.CreateTable(input, now).error().code, "ResourceInUseException");

  ASSERT_TRUE(store.PutItem("Todo-dev", Json(R"({"id":{"S":"1"},"n":{"N":"5"}})")));
  ASSERT_TRUE(store.PutItem("Todo-dev", Json(R"({"id":{"S":"2"}})")));
  ASSERT_TRUE(store.PutItem("Todo-dev", Json(R"({"id":{"S":"1"}})")));  // replaces
  EXPECT_EQ(store.ItemCount("Todo-dev"), 2u);
  auto missing = store.PutItem("Todo-dev", Json(R"({"name":{"S":"x"}})"));
  EXPECT_EQ(missing.error().message,
            "One or more parameter values were invalid: Missing the key id in the item");
  auto mistyped = store.PutItem("Todo-dev", Json(R"({"id":{"N":"1"}})"));
  EXPECT_EQ(mistyped.error().message,
            "One or more parameter values were invalid: Type mismatch for key id "
            "expected: S actual: N");

  DynamoDbStore loaded;
  ASSERT_TRUE(loaded.Load(*Value::FromJson(store.Dump().ToJson())).has_value());
  EXPECT_EQ(loaded.ItemCount("Todo-dev"), 2u);
  EXPECT_EQ(loaded.DescribeTable("Todo-dev")->Find("ItemCount")->as_int(), 2);

  ASSERT_TRUE(loaded.DeleteTable("Todo-dev").has_value());
  EXPECT_FALSE(loaded.HasTable("Todo-dev"));
  EXPECT_EQ(loaded.ItemCount("Todo-dev"), 0u);
  EXPECT_EQ(loaded.DeleteTable("Todo-dev").error().code, "ResourceNotFoundException");
}

TEST(DynamoDbStoreTest, DeletionProtectionRefusesDelete) {
  DynamoDbStore store;
  Value input = Json(R"({"TableName":"Keep","BillingMode":"PAY_PER_REQUEST",
    "DeletionProtectionEnabled":true,
    "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
    "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]})");
  ASSERT_TRUE(store.CreateTable(input, Timestamp{0}).has_value());
  auto refused = store.DeleteTable("Keep");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, "ValidationException");
  EXPECT_THAT(refused.error().message, HasSubstr("protected against deletion"));
  EXPECT_TRUE(store.HasTable("Keep"));
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
