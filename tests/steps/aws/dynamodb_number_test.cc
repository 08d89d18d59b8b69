// CanonicalDynamoDbNumber: the text DynamoDB stores for a number, and the
// texts it refuses, with its own messages.
#include "steps/aws/wire/dynamodb_number.h"

#include <gtest/gtest.h>

#include <string>

namespace flightplan::aws {
namespace {

std::string Canonical(std::string_view text) {
  Result<std::string> out = CanonicalDynamoDbNumber(text);
  return out ? *out : "error: " + out.error().message();
}

TEST(DynamoDbNumberTest, LeadingAndTrailingZerosAndExponentsAreWrittenOut) {
  EXPECT_EQ(Canonical("1"), "1");
  EXPECT_EQ(Canonical("1.50"), "1.5");
  EXPECT_EQ(Canonical("+1.5"), "1.5");
  EXPECT_EQ(Canonical("15e-1"), "1.5");
  EXPECT_EQ(Canonical("0001.000"), "1");
  EXPECT_EQ(Canonical("100"), "100");
  EXPECT_EQ(Canonical("1e+21"), "1000000000000000000000");
  EXPECT_EQ(Canonical("2E21"), "2000000000000000000000");
  EXPECT_EQ(Canonical("1e-05"), "0.00001");
  EXPECT_EQ(Canonical("-0.0"), "0");
  EXPECT_EQ(Canonical("0e99999999999999999999"), "0");
  EXPECT_EQ(Canonical(".5"), "0.5");
  EXPECT_EQ(Canonical("5."), "5");
  EXPECT_EQ(Canonical("-12.3400e1"), "-123.4");
  EXPECT_EQ(Canonical("12345678901234567890123456789012345678"),
            "12345678901234567890123456789012345678");
  // Zeros do not count as significant digits.
  EXPECT_EQ(Canonical("1234567890123456789012345678901234567800000"),
            "1234567890123456789012345678901234567800000");
}

TEST(DynamoDbNumberTest, TheRangeEndsAreKept) {
  EXPECT_EQ(Canonical("9.9999999999999999999999999999999999999E+125"),
            "99999999999999999999999999999999999999" + std::string(88, '0'));
  EXPECT_EQ(Canonical("-1E-130"), "-0." + std::string(129, '0') + "1");
}

TEST(DynamoDbNumberTest, WhatDynamoDbRefusesIsRefusedWithItsMessage) {
  for (const char* text : {"", "-", "+", ".", "abc", "1e", "1e+", "1.2.3", "--1", " 1", "1 ",
                           "0x10", "NaN", "Infinity", "1,5"}) {
    Result<std::string> out = CanonicalDynamoDbNumber(text);
    ASSERT_FALSE(out) << "'" << text << "' -> " << *out;
    EXPECT_EQ(out.error().code(), ErrorCode::kInvalidInput);
    EXPECT_NE(out.error().message().find("cannot be converted to a numeric value"),
              std::string::npos)
        << out.error().message();
  }
  EXPECT_NE(Canonical("123456789012345678901234567890123456789").find("38 significant digits"),
            std::string::npos);
  EXPECT_NE(Canonical("1e126").find("Number overflow"), std::string::npos);
  EXPECT_NE(Canonical("-1e200").find("Number overflow"), std::string::npos);
  EXPECT_NE(Canonical("1e-131").find("Number underflow"), std::string::npos);
  EXPECT_NE(Canonical("1e-99999999999999999999").find("Number underflow"), std::string::npos);
}

}  // namespace
}  // namespace flightplan::aws
