#include "base/file_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace flightplan {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Names(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

mode_t PermissionBits(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class FileIoTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  fs::path Path(const std::string& name) const { return fs::path(dir_.path()) / name; }
};

TEST_F(FileIoTest, ReadFileReturnsTheBytesUnchanged) {
  const std::string bytes("line\r\n\0binary\xff", 15);
  std::ofstream(Path("f"), std::ios::binary) << bytes;
  Result<std::string> read = ReadFile(Path("f"));
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(*read, bytes);
}

TEST_F(FileIoTest, ReadFileOfAMissingFileIsNotFoundNamingThePath) {
  Result<std::string> read = ReadFile(Path("missing"));
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(read.error().message().find(Path("missing").string()), std::string::npos);
}

TEST_F(FileIoTest, ReadFileOfAFolderIsAnErrorNotAnEmptyFile) {
  Result<std::string> read = ReadFile(dir_.path());
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(FileIoTest, ReadFileIfExistsTellsAbsentFromEmpty) {
  Result<std::optional<std::string>> absent = ReadFileIfExists(Path("missing"));
  ASSERT_TRUE(absent.has_value()) << absent.error().ToString();
  EXPECT_FALSE(absent->has_value());
  std::ofstream(Path("empty"), std::ios::binary).flush();
  Result<std::optional<std::string>> empty = ReadFileIfExists(Path("empty"));
  ASSERT_TRUE(empty.has_value()) << empty.error().ToString();
  ASSERT_TRUE(empty->has_value());
  EXPECT_EQ(**empty, "");
}

TEST_F(FileIoTest, WriteFileAtomicallyLeavesTheNewBytesTheModeAndNoTemporaryFile) {
  ASSERT_TRUE(WriteFileAtomically(Path("config.json"), "{\"v\": 1}", 0640).has_value());
  ASSERT_TRUE(WriteFileAtomically(Path("config.json"), "{\"v\": 2}", 0600).has_value());
  EXPECT_EQ(ReadFile(Path("config.json")).value_or(""), "{\"v\": 2}");
  EXPECT_EQ(PermissionBits(Path("config.json")), 0600u);
  EXPECT_EQ(Names(dir_.path()), std::vector<std::string>{"config.json"});
}

TEST_F(FileIoTest, WriteFileAtomicallyIgnoresTheUmask) {
  mode_t old = umask(077);
  Result<void> written = WriteFileAtomically(Path("shared"), "x", 0644);
  umask(old);
  ASSERT_TRUE(written.has_value()) << written.error().ToString();
  EXPECT_EQ(PermissionBits(Path("shared")), 0644u);
}

TEST_F(FileIoTest, AFailedAtomicWriteLeavesTheOldFileAndNoTemporary) {
  ASSERT_TRUE(WriteFileAtomically(Path("keep"), "old", 0644).has_value());
  fs::create_directory(Path("keep.flightplan-" + std::to_string(getpid()) + ".tmp"));
  Result<void> written = WriteFileAtomically(Path("keep"), "new", 0644);
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(ReadFile(Path("keep")).value_or(""), "old");
}

TEST_F(FileIoTest, WriteIntoAMissingFolderIsAnErrorNamingThePath) {
  Result<void> written = WriteFileAtomically(Path("no/such/file"), "x", 0644);
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(written.error().message().find(Path("no/such/file").string()), std::string::npos)
      << written.error().message();
}

TEST_F(FileIoTest, WriteFileSyncedCreatesOrTruncatesInPlace) {
  ASSERT_TRUE(WriteFileSynced(Path("f"), "a longer first version", 0755).has_value());
  ASSERT_TRUE(WriteFileSynced(Path("f"), "short", 0600).has_value());
  EXPECT_EQ(ReadFile(Path("f")).value_or(""), "short");
  EXPECT_EQ(PermissionBits(Path("f")), 0600u);
  EXPECT_EQ(Names(dir_.path()), std::vector<std::string>{"f"});
}

TEST_F(FileIoTest, SyncPathSyncsFilesAndFoldersAndReportsAMissingPath) {
  ASSERT_TRUE(WriteFileSynced(Path("f"), "x", 0644).has_value());
  EXPECT_TRUE(SyncPath(Path("f")).has_value());
  EXPECT_TRUE(SyncPath(dir_.path()).has_value());
  EXPECT_TRUE(SyncParentFolder(Path("f")).has_value());
  Result<void> missing = SyncPath(Path("missing"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace flightplan
