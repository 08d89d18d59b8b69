#include <gtest/gtest.h>

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "steps/amplify/gen/generator_state.h"

namespace flightplan::amplify::gen {
namespace {

Gen1Resource ResourceOf(std::string category, std::string service) {
  Gen1Resource r;
  r.category = std::move(category);
  r.name = "one";
  r.service = std::move(service);
  return r;
}

TEST(CategoryWritersTest, TheL1CopyComesLastAndClaimsNothing) {
  std::span<const CategoryWriter* const> writers = CategoryWriters();
  ASSERT_FALSE(writers.empty());
  EXPECT_EQ(writers.back(), &kL1CopyWriter);
  EXPECT_EQ(kL1CopyWriter.claims, nullptr);
  std::set<std::string_view> names;
  for (const CategoryWriter* writer : writers) {
    EXPECT_TRUE(names.insert(writer->name).second) << writer->name << " is listed twice";
  }
}

TEST(CategoryWritersTest, EachGen1CategoryIsClaimedByItsWriterOrCopiedAsL1) {
  EXPECT_TRUE(kAuthWriter.claims(ResourceOf("auth", "Cognito")));
  EXPECT_TRUE(kAuthWriter.claims(ResourceOf("auth", "Cognito-UserPool-Groups")));
  EXPECT_TRUE(kDataWriter.claims(ResourceOf("api", "AppSync")));
  EXPECT_TRUE(kStorageWriter.claims(ResourceOf("storage", "DynamoDB")));
  EXPECT_TRUE(kFunctionWriter.claims(ResourceOf("function", "LambdaLayer")));
  EXPECT_TRUE(IsClaimed(ResourceOf("hosting", "S3AndCloudFront")));
  // A REST API, a custom stack or a category nobody wrote a writer for yet
  // is copied from its deployed template instead of being dropped.
  EXPECT_FALSE(IsClaimed(ResourceOf("api", "API Gateway")));
  EXPECT_FALSE(IsClaimed(ResourceOf("custom", "customCDK")));
  EXPECT_FALSE(IsClaimed(ResourceOf("geo", "Map")));
}

}  // namespace
}  // namespace flightplan::amplify::gen
