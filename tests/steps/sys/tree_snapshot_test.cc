// Tree snapshots: exact copies and restores of real folders on disk, a
// damaged snapshot refused, and every state a crash can leave a swap in.
#include "steps/sys/tree_snapshot.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/test_support.h"

namespace flightplan::tree {
namespace {
namespace fs = std::filesystem;
using flightplan::testing::ReadFile;
using flightplan::testing::TempDir;
using flightplan::testing::WriteFile;

const std::vector<std::string> kPaths = {"app", "config.json", "missing"};

uint32_t ModeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

int64_t MtimeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(lstat(p.c_str(), &st), 0) << p;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

class TreeSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(dir_.path()) / "project";
    snap_ = fs::path(dir_.path()) / "backups" / "run-1" / "generate";
    fs::create_directories(root_ / "app" / "src" / "deep");
    fs::create_directories(root_ / "app" / "empty");
    WriteFile((root_ / "app" / "src" / "index.js").string(), "exports.handler = 1;\n");
    WriteFile((root_ / "app" / "src" / "deep" / "blob.bin").string(),
              std::string("\0\x01\xff binary\n", 11));
    WriteFile((root_ / "app" / "run.sh").string(), "#!/bin/sh\necho hi\n");
    chmod((root_ / "app" / "run.sh").c_str(), 0755);
    WriteFile((root_ / "app" / "secret.json").string(), "{}");
    chmod((root_ / "app" / "secret.json").c_str(), 0600);
    fs::create_symlink("src/index.js", root_ / "app" / "link.js");
    chmod((root_ / "app" / "src" / "deep").c_str(), 0700);
    WriteFile((root_ / "config.json").string(), "{\"v\": 1}\n");
  }

  TreeManifest Scan() {
    Result<TreeManifest> m = ScanTree(root_, kPaths);
    EXPECT_TRUE(m) << m.error().ToString();
    return m ? *m : TreeManifest{};
  }

  TempDir dir_;
  fs::path root_;
  fs::path snap_;
};

TEST_F(TreeSnapshotTest, RestoreBringsBackBytesModesTimesLinksAndEmptyFolders) {
  TreeManifest before = Scan();
  int64_t mtime = MtimeOf(root_ / "app" / "src" / "index.js");
  Result<TreeManifest> taken = TakeSnapshot(root_, kPaths, snap_);
  ASSERT_TRUE(taken) << taken.error().ToString();
  EXPECT_EQ(taken->Digest(), before.Digest());
  EXPECT_EQ(taken->FileCount(), 5u);

  // Everything changes: files edited, removed, added, a recorded-absent path appears.
  fs::remove_all(root_ / "app");
  fs::create_directories(root_ / "app");
  WriteFile((root_ / "app" / "other.ts").string(), "new");
  WriteFile((root_ / "config.json").string(), "{\"v\": 2}\n");
  WriteFile((root_ / "missing").string(), "appeared later");

  Result<TreeManifest> opened = OpenSnapshot(snap_);
  ASSERT_TRUE(opened) << opened.error().ToString();
  ASSERT_TRUE(RestoreSnapshot(snap_, *opened, root_));

  TreeManifest after = Scan();
  EXPECT_TRUE(Differences(after, before, CompareModes::kYes).empty());
  EXPECT_EQ(after.Digest(), before.Digest());
  EXPECT_EQ(ReadFile((root_ / "app" / "src" / "deep" / "blob.bin").string()),
            std::string("\0\x01\xff binary\n", 11));
  EXPECT_EQ(ModeOf(root_ / "app" / "run.sh"), 0755u);
  EXPECT_EQ(ModeOf(root_ / "app" / "secret.json"), 0600u);
  EXPECT_EQ(ModeOf(root_ / "app" / "src" / "deep"), 0700u);
  EXPECT_EQ(fs::read_symlink(root_ / "app" / "link.js"), "src/index.js");
  EXPECT_TRUE(fs::is_directory(root_ / "app" / "empty"));
  EXPECT_EQ(MtimeOf(root_ / "app" / "src" / "index.js"), mtime);
  EXPECT_FALSE(fs::exists(root_ / "missing"));
  EXPECT_FALSE(fs::exists(root_ / ".app.flightplan-new"));
  EXPECT_FALSE(fs::exists(root_ / ".app.flightplan-old"));
}

TEST_F(TreeSnapshotTest, CopiesArePrivateToTheOwner) {
  ASSERT_TRUE(TakeSnapshot(root_, kPaths, snap_));
  EXPECT_EQ(ModeOf(snap_), 0700u);
  EXPECT_EQ(ModeOf(snap_ / "tree" / "app" / "run.sh"), 0600u);
}

TEST_F(TreeSnapshotTest, ACompleteSnapshotIsNeverOverwritten) {
  ASSERT_TRUE(TakeSnapshot(root_, kPaths, snap_));
  WriteFile((root_ / "config.json").string(), "changed");
  Result<TreeManifest> again = TakeSnapshot(root_, kPaths, snap_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(ReadFile((snap_ / "tree" / "config.json").string()), "{\"v\": 1}\n");
}

TEST_F(TreeSnapshotTest, AnIncompleteSnapshotIsTakenAgain) {
  fs::create_directories(snap_ / "tree");
  WriteFile((snap_ / "tree" / "half-copied").string(), "x");
  EXPECT_FALSE(IsCompleteSnapshot(snap_));
  ASSERT_TRUE(TakeSnapshot(root_, kPaths, snap_));
  EXPECT_TRUE(IsCompleteSnapshot(snap_));
  EXPECT_FALSE(fs::exists(snap_ / "tree" / "half-copied"));
}

TEST_F(TreeSnapshotTest, ADamagedSnapshotIsRefusedNamingTheCopy) {
  ASSERT_TRUE(TakeSnapshot(root_, kPaths, snap_));
  WriteFile((snap_ / "tree" / "app" / "src" / "index.js").string(), "tampered");
  Result<TreeManifest> opened = OpenSnapshot(snap_);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(opened.error().message().find("index.js"), std::string::npos)
      << opened.error().message();

  fs::remove(snap_ / "tree" / "app" / "src" / "index.js");
  opened = OpenSnapshot(snap_);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message().find("is missing"), std::string::npos);
}

TEST_F(TreeSnapshotTest, MissingGarbledAndNewerManifestsAreRefused) {
  Result<TreeManifest> none = OpenSnapshot(snap_);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(TakeSnapshot(root_, kPaths, snap_));
  std::string manifest = ReadFile((snap_ / "manifest.json").string());
  WriteFile((snap_ / "manifest.json").string(), manifest.substr(0, manifest.size() / 2));
  Result<TreeManifest> garbled = OpenSnapshot(snap_);
  ASSERT_FALSE(garbled);
  EXPECT_EQ(garbled.error().code(), ErrorCode::kCorruption);

  std::string newer = manifest;
  newer.replace(newer.find("\"version\":1"), 11, "\"version\":9");
  WriteFile((snap_ / "manifest.json").string(), newer);
  Result<TreeManifest> refused = OpenSnapshot(snap_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(refused.error().ToString().find("newer flightplan"), std::string::npos);

  std::string escaping = manifest;
  escaping.replace(escaping.find("\"path\":\"app/run.sh\""), 19, "\"path\":\"../etc/pwd\"");
  WriteFile((snap_ / "manifest.json").string(), escaping);
  Result<TreeManifest> outside = OpenSnapshot(snap_);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().code(), ErrorCode::kCorruption);
}

TEST_F(TreeSnapshotTest, ReplaceWithFilesWritesExactlyTheFilesGiven) {
  std::map<std::string, std::string> files = {{"app/backend.ts", "export {};\n"},
                                              {"app/auth/resource.ts", "auth"},
                                              {"config.json", "{\"v\": 3}\n"}};
  ASSERT_TRUE(ReplaceWithFiles(root_, kPaths, files));
  TreeManifest now = Scan();
  EXPECT_TRUE(Differences(now, ManifestOfFiles(kPaths, files), CompareModes::kYes).empty());
  EXPECT_FALSE(fs::exists(root_ / "app" / "src"));
  EXPECT_EQ(ReadFile((root_ / "app" / "auth" / "resource.ts").string()), "auth");

  // Nothing given for a path removes it.
  ASSERT_TRUE(ReplaceWithFiles(root_, {"config.json"}, {}));
  EXPECT_FALSE(fs::exists(root_ / "config.json"));

  Result<void> both = ReplaceWithFiles(root_, {"app"}, {{"app", "x"}, {"app/y", "y"}});
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().code(), ErrorCode::kInvalidInput);
}

TEST_F(TreeSnapshotTest, DifferencesNameWhatChanged) {
  TreeManifest before = Scan();
  WriteFile((root_ / "app" / "src" / "index.js").string(), "edited");
  chmod((root_ / "app" / "run.sh").c_str(), 0644);
  WriteFile((root_ / "app" / "new.txt").string(), "new");
  fs::remove(root_ / "app" / "secret.json");
  TreeManifest after = Scan();
  EXPECT_EQ(Differences(after, before, CompareModes::kYes),
            (std::vector<std::string>{"app/new.txt", "app/run.sh", "app/secret.json",
                                      "app/src/index.js"}));
  EXPECT_EQ(Differences(after, before, CompareModes::kNo),
            (std::vector<std::string>{"app/new.txt", "app/secret.json", "app/src/index.js"}));
}

TEST_F(TreeSnapshotTest, ASwapInterruptedBetweenItsRenamesIsSettledToTheOldVersion) {
  TreeManifest before = Scan();
  // The state a crash leaves after `app` was moved aside and before the
  // new version was moved in.
  fs::rename(root_ / "app", root_ / ".app.flightplan-old");
  fs::create_directories(root_ / ".app.flightplan-new");
  WriteFile((root_ / ".app.flightplan-new" / "backend.ts").string(), "half");
  ASSERT_TRUE(RecoverInterruptedSwap(root_, kPaths));
  EXPECT_TRUE(Differences(Scan(), before, CompareModes::kYes).empty());
  EXPECT_FALSE(fs::exists(root_ / ".app.flightplan-old"));
  EXPECT_FALSE(fs::exists(root_ / ".app.flightplan-new"));
}

TEST_F(TreeSnapshotTest, ASwapInterruptedAfterItsRenamesKeepsTheNewVersion) {
  fs::create_directories(root_ / ".app.flightplan-old");
  WriteFile((root_ / ".app.flightplan-old" / "gen1.txt").string(), "old");
  ASSERT_TRUE(RecoverInterruptedSwap(root_, kPaths));
  EXPECT_TRUE(fs::exists(root_ / "app" / "src" / "index.js"));
  EXPECT_FALSE(fs::exists(root_ / ".app.flightplan-old"));
}

TEST_F(TreeSnapshotTest, SpecialFilesAndPathsOutsideTheRootAreRefused) {
  ASSERT_EQ(mkfifo((root_ / "app" / "pipe").c_str(), 0600), 0);
  Result<TreeManifest> scanned = ScanTree(root_, kPaths);
  ASSERT_FALSE(scanned);
  EXPECT_EQ(scanned.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(scanned.error().message().find("pipe"), std::string::npos);
  Result<TreeManifest> taken = TakeSnapshot(root_, kPaths, snap_);
  ASSERT_FALSE(taken);
  EXPECT_FALSE(IsCompleteSnapshot(snap_));

  for (const char* bad : {"../x", "a/b", "", ".."}) {
    Result<TreeManifest> r = ScanTree(root_, {bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidInput);
  }
}

TEST_F(TreeSnapshotTest, TheDigestIgnoresTimesButNotBytesOrModes) {
  TreeManifest a = Scan();
  struct timespec times[2] = {{0, UTIME_OMIT}, {1000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (root_ / "config.json").c_str(), times, 0), 0);
  EXPECT_EQ(Scan().Digest(), a.Digest());
  chmod((root_ / "config.json").c_str(), 0640);
  EXPECT_NE(Scan().Digest(), a.Digest());
}

}  // namespace
}  // namespace flightplan::tree
