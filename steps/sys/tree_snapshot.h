// Durable copies of parts of a directory tree, and their exact restore.
//
// A snapshot records some top-level paths of a root folder ("amplify",
// "package.json"): each is a file, a symlink, a directory (recursively), or
// absent. On disk it is a folder holding `tree/<path>` copies and
// `manifest.json`, written last, after every copy is fsynced; a folder
// without manifest.json is an incomplete snapshot that may be deleted.
//
// Replacing a path (with a snapshot's version, or with new files) builds the
// new version beside it, then swaps it in with two renames, so a crash leaves
// each path either as it was or as it should become, plus leftovers named
// `.<name>.flightplan-new` / `.<name>.flightplan-old` that
// RecoverInterruptedSwap settles. Restores are exact: bytes, permission bits,
// modification times, symlink targets, empty directories; owners are not
// changed.
//
// Errors name the path: kNotFound (no snapshot), kCorruption (a manifest or a
// copy that no longer matches), kPermissionDenied (I/O), kInvalidInput (a
// path that leaves the root, or a special file such as a socket).
// Nothing here is thread-safe for one root.
#ifndef FLIGHTPLAN_STEPS_SYS_TREE_SNAPSHOT_H_
#define FLIGHTPLAN_STEPS_SYS_TREE_SNAPSHOT_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"

namespace flightplan::tree {

enum class EntryKind { kFile, kDirectory, kSymlink };

struct TreeEntry {
  std::string path;  // relative to the root, '/'-separated
  EntryKind kind = EntryKind::kFile;
  uint32_t mode = 0;        // permission bits of files and directories
  uint64_t size = 0;        // files
  std::string sha256;       // files: lowercase hex of the bytes
  std::string link_target;  // symlinks
  int64_t mtime_ns = 0;     // files and directories: restored, never compared
};

struct TreeManifest {
  std::vector<std::string> paths;  // the top-level paths recorded
  std::vector<TreeEntry> entries;  // sorted by path; an absent path has none

  uint64_t FileCount() const;
  uint64_t ByteCount() const;
  // SHA-256 over the entries (mtimes excluded): equal trees, equal digests.
  std::string Digest() const;
  Value ToValue() const;
  static Result<TreeManifest> FromValue(const Value& value);
};

// What the paths under `root` hold now (files hashed).
[[nodiscard]] Result<TreeManifest> ScanTree(const std::filesystem::path& root,
                                            const std::vector<std::string>& paths);

// The manifest `files` (relative path -> bytes, mode 0644 in directories of
// 0755) would have if written under `paths`; a path with no file is absent.
TreeManifest ManifestOfFiles(const std::vector<std::string>& paths,
                             const std::map<std::string, std::string>& files);

enum class CompareModes { kNo, kYes };

// The paths (entries) where `actual` and `expected` differ: added, removed,
// or changed in kind, bytes, link target or (with kYes) permission bits.
// Sorted; empty when the trees are the same.
std::vector<std::string> Differences(const TreeManifest& actual, const TreeManifest& expected,
                                     CompareModes modes);

// Copies `paths` under `root` into `snapshot_dir` (created; it must not hold
// a complete snapshot already) and returns the manifest written there.
[[nodiscard]] Result<TreeManifest> TakeSnapshot(const std::filesystem::path& root,
                                                const std::vector<std::string>& paths,
                                                const std::filesystem::path& snapshot_dir);

// True when `snapshot_dir` holds a manifest (a complete snapshot).
bool IsCompleteSnapshot(const std::filesystem::path& snapshot_dir);

// Reads a snapshot's manifest and checks every copy against it.
[[nodiscard]] Result<TreeManifest> OpenSnapshot(const std::filesystem::path& snapshot_dir);

// Puts every recorded path under `root` back as the snapshot holds it (or
// removes it when it was absent). `manifest` is OpenSnapshot's.
[[nodiscard]] Result<void> RestoreSnapshot(const std::filesystem::path& snapshot_dir,
                                           const TreeManifest& manifest,
                                           const std::filesystem::path& root);

// Makes every one of `paths` under `root` hold exactly the entries of
// `files` below it (relative path -> bytes; mode 0644, directories 0755),
// or be absent when `files` has nothing there.
[[nodiscard]] Result<void> ReplaceWithFiles(const std::filesystem::path& root,
                                            const std::vector<std::string>& paths,
                                            const std::map<std::string, std::string>& files);

// Settles a swap a crash interrupted: a path found missing while its
// `.flightplan-old` copy exists gets that copy back; other leftovers go.
[[nodiscard]] Result<void> RecoverInterruptedSwap(const std::filesystem::path& root,
                                                  const std::vector<std::string>& paths);

}  // namespace flightplan::tree

#endif  // FLIGHTPLAN_STEPS_SYS_TREE_SNAPSHOT_H_
