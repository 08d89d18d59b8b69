#include "base/value.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace flightplan {
namespace {

TEST(ValueTest, JsonRoundTripKeepsTypesAndOrdersKeys) {
  Value v;
  v.Set("zeta", Value(int64_t{3}));
  v.Set("alpha", Value(ValueList{Value(true), Value(), Value("x\"y")}));
  v.Set("mid", Value(2.5));
  EXPECT_EQ(v.ToJson(), R"({"alpha":[true,null,"x\"y"],"mid":2.5,"zeta":3})");
  auto parsed = Value::FromJson(v.ToJson());
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(*parsed, v);
}

TEST(ValueTest, ANumberReadsAsTheDoubleNearestItsText) {
  // How jq prints a 28-digit number; the nearest double is what strtod
  // gives (rapidjson's fast path gives its neighbour), and it prints back
  // as the same double.
  for (const char* text : {"9781234567890123000000000000", "9781234567890123456789000000",
                           "0.30000000000000004", "1.7976931348623157e308", "5e-324"}) {
    auto parsed = Value::FromJson(text);
    ASSERT_TRUE(parsed && parsed->type() == ValueType::kDouble) << text;
    EXPECT_EQ(parsed->as_double(), std::strtod(text, nullptr)) << text;
    auto again = Value::FromJson(parsed->ToJson());
    ASSERT_TRUE(again) << parsed->ToJson();
    EXPECT_EQ(again->as_double(), parsed->as_double()) << parsed->ToJson();
  }
}

TEST(ValueTest, InvalidJsonIsAnErrorWithItsOffset) {
  auto parsed = Value::FromJson(R"({"a": )");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(parsed.error().message().find("offset"), std::string::npos);
}

TEST(ValueTest, JsonNestedPastTheBoundIsAnErrorNotACrash) {
  // A million levels: converting them recursively would overflow the stack.
  auto deep = Value::FromJson(std::string(1'000'000, '[') + std::string(1'000'000, ']'));
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(deep.error().message().find("nested more than 512"), std::string::npos)
      << deep.error().message();
  auto at_bound = Value::FromJson(std::string(512, '[') + std::string(512, ']'));
  EXPECT_TRUE(at_bound) << at_bound.error().message();
  EXPECT_FALSE(Value::FromJson(std::string(513, '[') + std::string(513, ']')));
}

TEST(ValueTest, TypedMemberReadsAreStrict) {
  Value v = Value::FromJson(R"({"n": 42, "s": "x", "t": "42", "m": {"a": 1}})").value();
  EXPECT_EQ(v.IntAt("n"), 42);
  EXPECT_EQ(v.IntAt("t"), 0);  // text is not a number here
  EXPECT_EQ(v.IntAt("absent"), 0);
  EXPECT_EQ(v.StringAt("s"), "x");
  EXPECT_EQ(v.StringAt("n"), "");
  EXPECT_EQ(v.At("m").IntAt("a"), 1);
  EXPECT_TRUE(v.At("absent").is_null());
  EXPECT_TRUE(Value(int64_t{3}).At("s").is_null());  // not a map
  EXPECT_EQ(Value().StringAt("s"), "");
}

TEST(ValueTest, TruthinessFollowsEmptiness) {
  EXPECT_FALSE(Value().Truthy());
  EXPECT_FALSE(Value("").Truthy());
  EXPECT_FALSE(Value(0).Truthy());
  EXPECT_TRUE(Value("no").Truthy());
  EXPECT_TRUE(Value(ValueList{Value()}).Truthy());
}

TEST(ValueTest, IntegersAndDoublesCompareByValue) {
  EXPECT_EQ(Value(2), Value(2.0));
  EXPECT_NE(Value(2), Value("2"));
}

}  // namespace
}  // namespace flightplan
