#include "steps/amplify/write_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::ReadFile;
using testing::ScratchDir;

TEST(WriteFilesTest, WriterRefusesANonEmptyDirectoryWithoutForce) {
  ScratchDir scratch;
  GeneratedFiles files = {{"amplify/backend.ts", "one"}};
  fs::path out = scratch.path() / "out";
  ASSERT_TRUE(WriteGeneratedFiles(files, out, Overwrite::kNo));
  EXPECT_EQ(ReadFile(out / "amplify/backend.ts"), "one");
  files["amplify/backend.ts"] = "two";
  Result<void> again = WriteGeneratedFiles(files, out, Overwrite::kNo);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  EXPECT_THAT(again.error().ToString(), HasSubstr("--force"));
  EXPECT_EQ(ReadFile(out / "amplify/backend.ts"), "one");
  ASSERT_TRUE(WriteGeneratedFiles(files, out, Overwrite::kYes));
  EXPECT_EQ(ReadFile(out / "amplify/backend.ts"), "two");
}

}  // namespace
}  // namespace flightplan::amplify
