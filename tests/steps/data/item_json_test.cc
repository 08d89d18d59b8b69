// Items as transforms see them (plain JSON) and the writes that turn an item
// into a transform's result: only what changed, with the types kept.
#include "steps/data/item_json.h"

#include <gtest/gtest.h>

#include "base/digest.h"
#include "steps/data/jq_program.h"

namespace flightplan::data {
namespace {

Value Json(std::string_view text) {
  auto v = Value::FromJson(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : Value();
}

TEST(ItemJsonTest, EveryAttributeTypeBecomesPlainJson) {
  Value item = Json(R"({"id": {"S": "a"}, "n": {"N": "42"}, "f": {"N": "1.5"},
    "b": {"BOOL": true}, "z": {"NULL": true}, "bin": {"B": "AAE="},
    "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.5"]},
    "l": {"L": [{"S": "q"}, {"N": "3"}]}, "m": {"M": {"k": {"S": "v"}}}})");
  auto json = ItemToJson(item);
  ASSERT_TRUE(json) << json.error().ToString();
  EXPECT_EQ(*json, Json(R"({"id": "a", "n": 42, "f": 1.5, "b": true, "z": null, "bin": "AAE=",
    "ss": ["x", "y"], "ns": [1, 2.5], "l": ["q", 3], "m": {"k": "v"}})"));
}

TEST(ItemJsonTest, AnUnknownOrMalformedAttributeValueIsAnErrorNamingIt) {
  auto bad = ItemToJson(Json(R"({"id": {"S": "a"}, "x": {"Q": "1"}})"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().ToString().find("attribute 'x'"), std::string::npos);
  EXPECT_FALSE(ItemToJson(Json(R"({"n": {"N": "twelve"}})")));
  EXPECT_FALSE(ItemToJson(Json(R"({"n": {"S": "a", "N": "1"}})")));
}

TEST(ItemJsonTest, DiffWritesOnlyWhatChangedAndRemovesWhatWasDropped) {
  Value item = Json(R"({"id": {"S": "a"}, "big": {"N": "12345678901234567890123"},
    "tags": {"SS": ["x"]}, "old": {"S": "gone"}})");
  auto json = ItemToJson(item);
  ASSERT_TRUE(json);
  Value after = *json;
  after.as_map().erase("old");
  after.Set("completed", false);
  auto changes = Diff(item, after);
  ASSERT_TRUE(changes) << changes.error().ToString();
  // The number too large for a double is left alone: it did not change.
  EXPECT_EQ(changes->set.size(), 1u);
  EXPECT_EQ(changes->set.at("completed"), Json(R"({"BOOL": false})"));
  EXPECT_EQ(changes->remove, (std::vector<std::string>{"old"}));
}

TEST(ItemJsonTest, AChangedSetStaysASetAndNumbersComeBackAsNumbers) {
  Value item = Json(R"({"id": {"S": "a"}, "tags": {"SS": ["x"]}, "ns": {"NS": ["1"]},
    "bin": {"B": "AAE="}})");
  Value after = Json(R"({"id": "a", "tags": ["x", "y"], "ns": [1, 2], "bin": "AAI=",
    "count": 7, "ratio": 0.25, "list": [1, "a"], "map": {"k": null}})");
  auto changes = Diff(item, after);
  ASSERT_TRUE(changes) << changes.error().ToString();
  EXPECT_EQ(changes->set.at("tags"), Json(R"({"SS": ["x", "y"]})"));
  EXPECT_EQ(changes->set.at("ns"), Json(R"({"NS": ["1", "2"]})"));
  EXPECT_EQ(changes->set.at("bin"), Json(R"({"B": "AAI="})"));
  EXPECT_EQ(changes->set.at("count"), Json(R"({"N": "7"})"));
  EXPECT_EQ(changes->set.at("ratio"), Json(R"({"N": "0.25"})"));
  EXPECT_EQ(changes->set.at("list"), Json(R"({"L": [{"N": "1"}, {"S": "a"}]})"));
  EXPECT_EQ(changes->set.at("map"), Json(R"({"M": {"k": {"NULL": true}}})"));
}

TEST(ItemJsonTest, WhatAJqProgramLeavesAloneIsNotWrittenWhateverItsDigits) {
  // 28 and 38 digits: more than a double holds. The program sees doubles and
  // prints them back; read back, they must equal what it was given, or the
  // attribute would be written rounded.
  Value item = Json(R"({"id": {"S": "a"}, "isbn": {"N": "9781234567890123456789000000"},
    "big": {"N": "12345678901234567890123456789012345678"},
    "ns": {"NS": ["3.14159265358979323846", "1e-130"]}, "tags": {"SS": ["x", "y"]},
    "bin": {"B": "AAE="}})");
  auto plain = ItemToJson(item);
  ASSERT_TRUE(plain) << plain.error().ToString();
  auto jq = JqProgram::Compile("del(.gone)");
  ASSERT_TRUE(jq) << jq.error().ToString();
  auto after = (*jq)->Apply(*plain);
  ASSERT_TRUE(after) << after.error().ToString();
  auto changes = Diff(item, *after);
  ASSERT_TRUE(changes) << changes.error().ToString();
  EXPECT_TRUE(changes->empty()) << Value(changes->set).ToJson();
}

TEST(ItemJsonTest, ANewItemsNullIsStoredAsNull) {
  auto item = ItemFromJson(Json(R"({"id": "a", "bio": null, "n": 2})"));
  ASSERT_TRUE(item) << item.error().ToString();
  EXPECT_EQ(*item, Json(R"({"id": {"S": "a"}, "bio": {"NULL": true}, "n": {"N": "2"}})"));
}

TEST(ItemJsonTest, WhatDynamoDbCannotStoreIsRefused) {
  Value item = Json(R"({"id": {"S": "a"}, "tags": {"SS": ["x"]}})");
  EXPECT_FALSE(Diff(item, Json(R"({"id": "a", "tags": []})")));
  EXPECT_FALSE(Diff(item, Json(R"(["not", "an", "object"])")));
  EXPECT_FALSE(Diff(item, Json(R"("text")")));
}

TEST(ItemJsonTest, TheDigestIsTheSameForTheSameItemWhateverTheOrderItWasBuiltIn) {
  Value a = Json(R"({"id": {"S": "a"}, "x": {"N": "1"}})");
  Value b = Json(R"({"x": {"N": "1"}, "id": {"S": "a"}})");
  EXPECT_EQ(ItemDigest(a), ItemDigest(b));
  EXPECT_NE(ItemDigest(a), ItemDigest(Json(R"({"id": {"S": "a"}, "x": {"N": "2"}})")));
}

// DynamoDB rewrites numbers ("Leading and trailing zeroes are trimmed") and
// keeps no order in a set: the item a write sent and the item read back
// after it must digest alike, or a write whose answer was lost is taken for
// the app's change and applied again.
TEST(ItemJsonTest, TheDigestIsTheSameForAnItemAsSentAndAsDynamoDbGivesItBack) {
  Value sent = Json(R"({"id": {"S": "a"}, "big": {"N": "2e+21"}, "ratio": {"N": "1.50"},
      "tags": {"SS": ["b", "a"]}, "scores": {"NS": ["10", "2.0", "1e-05"]},
      "nested": {"M": {"n": {"N": "007"}, "l": {"L": [{"N": "1E2"}, {"SS": ["y", "x"]}]}}}})");
  Value stored = Json(R"({"id": {"S": "a"}, "big": {"N": "2000000000000000000000"},
      "ratio": {"N": "1.5"}, "tags": {"SS": ["a", "b"]}, "scores": {"NS": ["2", "0.00001", "10"]},
      "nested": {"M": {"n": {"N": "7"}, "l": {"L": [{"N": "100"}, {"SS": ["x", "y"]}]}}}})");
  EXPECT_EQ(ItemDigest(sent), ItemDigest(stored));
  // A list keeps its order, a string its text, a number its value.
  EXPECT_NE(ItemDigest(Json(R"({"l": {"L": [{"S": "a"}, {"S": "b"}]}})")),
            ItemDigest(Json(R"({"l": {"L": [{"S": "b"}, {"S": "a"}]}})")));
  EXPECT_NE(ItemDigest(Json(R"({"s": {"S": "1.50"}})")),
            ItemDigest(Json(R"({"s": {"S": "1.5"}})")));
  EXPECT_NE(ItemDigest(Json(R"({"n": {"N": "1.5"}})")), ItemDigest(Json(R"({"n": {"N": "15"}})")));
  // An item already in DynamoDB's form digests as its JSON, as before.
  Value plain = Json(R"({"id": {"S": "a"}, "n": {"N": "12.5"}, "tags": {"SS": ["a", "b"]}})");
  EXPECT_EQ(ItemDigest(plain), Sha256Hex(plain.ToJson()));
}

}  // namespace
}  // namespace flightplan::data
