#include "base/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace flightplan {
namespace {

// RFC 4648 section 10.
const std::pair<std::string, std::string> kVectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64Test, EncodesTheRfc4648Vectors) {
  for (const auto& [plain, encoded] : kVectors) EXPECT_EQ(Base64Encode(plain), encoded) << plain;
}

TEST(Base64Test, DecodesTheRfc4648Vectors) {
  for (const auto& [plain, encoded] : kVectors) {
    Result<std::string> decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded << ": " << decoded.error().ToString();
    EXPECT_EQ(*decoded, plain) << encoded;
  }
}

TEST(Base64Test, EveryByteValueRoundTrips) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t length : {size_t{254}, size_t{255}, size_t{256}}) {
    std::string bytes = all.substr(0, length);
    std::string encoded = Base64Encode(bytes);
    EXPECT_EQ(encoded.size() % 4, 0u);
    EXPECT_EQ(encoded.find('\n'), std::string::npos);
    Result<std::string> decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64Test, RefusesWhatTheEncoderNeverWrites) {
  for (const char* text : {"Zg", "Zg=", "Zm9", "Zm9v\n", " Zm9v", "Zm-v", "Zm_v",
                           "Z=g=", "Zg===", "====", "Zm9v!A=="}) {
    Result<std::string> decoded = Base64Decode(text);
    ASSERT_FALSE(decoded.has_value()) << text;
    EXPECT_EQ(decoded.error().code(), ErrorCode::kInvalidInput) << text;
    EXPECT_NE(decoded.error().message().find("not base64"), std::string::npos) << text;
  }
}

TEST(Base64Test, TheRefusalNamesTheFirstBadCharacter) {
  Result<std::string> decoded = Base64Decode("Zm9v!A==");
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message().find("character 5"), std::string::npos)
      << decoded.error().message();
}

}  // namespace
}  // namespace flightplan
