#include "steps/sys/tree_snapshot.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <system_error>

#include "base/digest.h"
#include "base/file_io.h"

namespace flightplan::tree {
namespace fs = std::filesystem;
namespace {

constexpr const char* kManifestName = "manifest.json";
constexpr const char* kTreeName = "tree";
constexpr const char* kFormat = "flightplan-tree-snapshot";
constexpr int64_t kFormatVersion = 1;
constexpr mode_t kNewFileMode = 0644;
constexpr mode_t kNewDirMode = 0755;

Error IoError(const std::string& what, const fs::path& path, int err) {
  return Error(ErrorCode::kPermissionDenied,
               fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(err)));
}

// Hashes `source` and, when `copy_to` is set, copies it there (mode 0600,
// fsynced) in the same pass, so the copy is exactly what was hashed.
Result<std::pair<std::string, uint64_t>> HashAndCopy(const fs::path& source,
                                                     const fs::path* copy_to) {
  FileDescriptor in(open(source.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (in.get() < 0) return MakeError(IoError("read", source, errno));
  std::unique_ptr<FileDescriptor> out;
  if (copy_to != nullptr) {
    out = std::make_unique<FileDescriptor>(
        open(copy_to->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (out->get() < 0) return MakeError(IoError("write", *copy_to, errno));
  }
  Sha256Hasher sha;
  sha.Begin();
  uint64_t size = 0;
  std::vector<char> buffer(1 << 16);
  for (;;) {
    ssize_t n = read(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError(IoError("read", source, errno));
    }
    if (n == 0) break;
    sha.Update(std::string_view(buffer.data(), static_cast<size_t>(n)));
    size += static_cast<uint64_t>(n);
    for (ssize_t done = 0; out && done < n;) {
      ssize_t w = write(out->get(), buffer.data() + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return MakeError(IoError("write", *copy_to, errno));
      }
      done += w;
    }
  }
  if (out && fsync(out->get()) != 0) return MakeError(IoError("sync", *copy_to, errno));
  return std::make_pair(sha.FinishHex(), size);
}

Result<void> SetMtime(const fs::path& path, int64_t mtime_ns) {
  struct timespec times[2];
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;
  times[1].tv_sec = static_cast<time_t>(mtime_ns / 1000000000);
  times[1].tv_nsec = static_cast<long>(mtime_ns % 1000000000);
  if (utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return MakeError(IoError("set the modification time of", path, errno));
  }
  return {};
}

bool Exists(const fs::path& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

Result<void> RemoveAll(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return MakeError(IoError("remove", path, ec.value()));
  return {};
}

Result<void> CheckTopLevel(const std::string& path) {
  if (path.empty() || path == "." || path == ".." || path.find('/') != std::string::npos ||
      path.find('\0') != std::string::npos) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("'{}' is not a name in the folder (one path component, "
                                 "no '/', not '.' or '..')",
                                 path));
  }
  return {};
}

fs::path StagingOf(const fs::path& root, const std::string& path) {
  return root / ("." + path + ".flightplan-new");
}
fs::path OldOf(const fs::path& root, const std::string& path) {
  return root / ("." + path + ".flightplan-old");
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// Records `rel` (and everything below it) into `out`; copies files into
// `copy_root` / rel when it is set.
Result<void> Walk(const fs::path& root, const std::string& rel, const fs::path* copy_root,
                  std::vector<TreeEntry>& out) {
  const fs::path path = root / rel;
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return MakeError(IoError("inspect", path, errno));
  }
  TreeEntry entry;
  entry.path = rel;
  entry.mtime_ns = MtimeNs(st);
  if (S_ISREG(st.st_mode)) {
    entry.kind = EntryKind::kFile;
    entry.mode = st.st_mode & 07777;
    fs::path copy;
    if (copy_root != nullptr) copy = *copy_root / rel;
    ASSIGN_OR_RETURN(auto hashed, HashAndCopy(path, copy_root ? &copy : nullptr));
    entry.sha256 = hashed.first;
    entry.size = hashed.second;
    out.push_back(std::move(entry));
    return {};
  }
  if (S_ISLNK(st.st_mode)) {
    entry.kind = EntryKind::kSymlink;
    entry.mtime_ns = 0;
    std::error_code ec;
    fs::path target = fs::read_symlink(path, ec);
    if (ec) return MakeError(IoError("read the link", path, ec.value()));
    entry.link_target = target.string();
    if (copy_root != nullptr) {
      fs::create_symlink(target, *copy_root / rel, ec);
      if (ec) return MakeError(IoError("copy the link", *copy_root / rel, ec.value()));
    }
    out.push_back(std::move(entry));
    return {};
  }
  if (!S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} is neither a file, a folder nor a symlink (a socket, FIFO "
                                 "or device?); move it out of the way and try again",
                                 path.string()));
  }
  entry.kind = EntryKind::kDirectory;
  entry.mode = st.st_mode & 07777;
  out.push_back(std::move(entry));
  if (copy_root != nullptr) {
    std::error_code ec;
    fs::create_directory(*copy_root / rel, ec);
    if (ec) return MakeError(IoError("create", *copy_root / rel, ec.value()));
    fs::permissions(*copy_root / rel, fs::perms(0700), ec);
  }
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) return MakeError(IoError("list", path, ec.value()));
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) TRY(Walk(root, rel + "/" + name, copy_root, out));
  if (copy_root != nullptr) TRY(SyncPath(*copy_root / rel));
  return {};
}

void SortEntries(std::vector<TreeEntry>& entries) {
  std::sort(entries.begin(), entries.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
}

std::string_view KindName(EntryKind kind) {
  switch (kind) {
    case EntryKind::kFile:
      return "file";
    case EntryKind::kDirectory:
      return "dir";
    case EntryKind::kSymlink:
      return "symlink";
  }
  return "file";
}

Value EntryValue(const TreeEntry& e, bool with_mtime) {
  Value v;
  v.Set("path", e.path);
  v.Set("kind", std::string(KindName(e.kind)));
  if (e.kind != EntryKind::kSymlink) v.Set("mode", static_cast<int64_t>(e.mode));
  if (e.kind == EntryKind::kFile) {
    v.Set("size", static_cast<int64_t>(e.size));
    v.Set("sha256", e.sha256);
  }
  if (e.kind == EntryKind::kSymlink) v.Set("target", e.link_target);
  if (with_mtime && e.kind != EntryKind::kSymlink) v.Set("mtime_ns", e.mtime_ns);
  return v;
}

Value PathsValue(const std::vector<std::string>& paths) {
  ValueList list;
  for (const std::string& p : paths) list.emplace_back(p);
  return Value(std::move(list));
}

bool Below(const std::string& entry, const std::string& top) {
  return entry == top || (entry.size() > top.size() && entry.compare(0, top.size(), top) == 0 &&
                          entry[top.size()] == '/');
}

// Where an entry of top-level path `top` goes inside the staging copy.
fs::path StagedPath(const fs::path& staging, const std::string& top, const std::string& entry) {
  if (entry == top) return staging;
  return staging / entry.substr(top.size() + 1);
}

// Swaps the staged version of `top` in (or, without one, removes `top`).
Result<void> SwapIn(const fs::path& root, const std::string& top, bool staged) {
  const fs::path target = root / top;
  const fs::path old = OldOf(root, top);
  if (Exists(target)) {
    TRY(RemoveAll(old));
    if (rename(target.c_str(), old.c_str()) != 0) {
      return MakeError(IoError("move aside", target, errno));
    }
  }
  if (staged) {
    const fs::path staging = StagingOf(root, top);
    if (rename(staging.c_str(), target.c_str()) != 0) {
      int err = errno;
      (void)rename(old.c_str(), target.c_str());
      return MakeError(IoError("move into place", target, err));
    }
  }
  TRY(SyncPath(root));
  TRY(RemoveAll(old));
  return SyncPath(root);
}

// Builds `top`'s new version in its staging place from `entries` (those of
// the manifest below `top`); `write_file` produces each file's bytes there.
template <typename WriteFile>
Result<bool> Stage(const fs::path& root, const std::string& top,
                   const std::vector<TreeEntry>& entries, WriteFile write_file) {
  const fs::path staging = StagingOf(root, top);
  TRY(RemoveAll(staging));
  std::vector<const TreeEntry*> mine;
  for (const TreeEntry& e : entries) {
    if (Below(e.path, top)) mine.push_back(&e);
  }
  if (mine.empty()) return false;
  for (const TreeEntry* e : mine) {
    const fs::path at = StagedPath(staging, top, e->path);
    std::error_code ec;
    switch (e->kind) {
      case EntryKind::kDirectory:
        fs::create_directory(at, ec);
        if (ec) return MakeError(IoError("create", at, ec.value()));
        break;
      case EntryKind::kSymlink:
        fs::create_symlink(e->link_target, at, ec);
        if (ec) return MakeError(IoError("create the link", at, ec.value()));
        break;
      case EntryKind::kFile:
        TRY(write_file(*e, at));
        if (e->mtime_ns != 0) TRY(SetMtime(at, e->mtime_ns));
        break;
    }
  }
  // Folders last and deepest first: adding children changes a folder's
  // modification time, and a read-only folder refuses new children.
  for (auto it = mine.rbegin(); it != mine.rend(); ++it) {
    const TreeEntry* e = *it;
    if (e->kind != EntryKind::kDirectory) continue;
    const fs::path at = StagedPath(staging, top, e->path);
    TRY(SyncPath(at));
    if (chmod(at.c_str(), e->mode) != 0) return MakeError(IoError("set permissions of", at, errno));
    if (e->mtime_ns != 0) TRY(SetMtime(at, e->mtime_ns));
  }
  return true;
}

}  // namespace

uint64_t TreeManifest::FileCount() const {
  return static_cast<uint64_t>(
      std::count_if(entries.begin(), entries.end(),
                    [](const TreeEntry& e) { return e.kind == EntryKind::kFile; }));
}

uint64_t TreeManifest::ByteCount() const {
  uint64_t total = 0;
  for (const TreeEntry& e : entries) total += e.size;
  return total;
}

std::string TreeManifest::Digest() const {
  ValueList list;
  for (const TreeEntry& e : entries) list.push_back(EntryValue(e, false));
  Value v;
  v.Set("paths", PathsValue(paths));
  v.Set("entries", Value(std::move(list)));
  return Sha256Hex(v.ToJson());
}

Value TreeManifest::ToValue() const {
  ValueList list;
  for (const TreeEntry& e : entries) list.push_back(EntryValue(e, true));
  Value v;
  v.Set("format", std::string(kFormat));
  v.Set("version", kFormatVersion);
  v.Set("paths", PathsValue(paths));
  v.Set("entries", Value(std::move(list)));
  return v;
}

Result<TreeManifest> TreeManifest::FromValue(const Value& value) {
  auto bad = [](const std::string& what) {
    return MakeError(ErrorCode::kCorruption, "the snapshot manifest " + what);
  };
  const Value* format = value.Find("format");
  if (format == nullptr || !format->is_string() || format->as_string() != kFormat) {
    return bad("is not a flightplan tree snapshot");
  }
  const Value* version = value.Find("version");
  if (version == nullptr || !version->is_int() || version->as_int() > kFormatVersion) {
    return bad(
        fmt::format("has version {}; this flightplan reads version {}: use a newer "
                    "flightplan to restore it",
                    version ? version->ToText() : "?", kFormatVersion));
  }
  TreeManifest m;
  const Value* paths = value.Find("paths");
  const Value* entries = value.Find("entries");
  if (paths == nullptr || !paths->is_list() || entries == nullptr || !entries->is_list()) {
    return bad("has no paths or entries");
  }
  for (const Value& p : paths->as_list()) {
    if (!p.is_string()) return bad("has a path that is not a string");
    TRY(CheckTopLevel(p.as_string()));
    m.paths.push_back(p.as_string());
  }
  for (const Value& v : entries->as_list()) {
    const Value* path = v.Find("path");
    const Value* kind = v.Find("kind");
    if (path == nullptr || !path->is_string() || kind == nullptr || !kind->is_string()) {
      return bad("has an entry without path or kind");
    }
    TreeEntry e;
    e.path = path->as_string();
    if (e.path.find("..") != std::string::npos || e.path.starts_with("/")) {
      return bad(fmt::format("names '{}', outside the folder", e.path));
    }
    bool under_a_path = std::any_of(m.paths.begin(), m.paths.end(),
                                    [&](const std::string& top) { return Below(e.path, top); });
    if (!under_a_path) return bad(fmt::format("names '{}', which it did not record", e.path));
    const std::string& k = kind->as_string();
    auto integer = [&](const char* key) -> int64_t {
      const Value* f = v.Find(key);
      return f && f->is_int() ? f->as_int() : 0;
    };
    auto text = [&](const char* key) -> std::string {
      const Value* f = v.Find(key);
      return f && f->is_string() ? f->as_string() : std::string();
    };
    if (k == "file") {
      e.kind = EntryKind::kFile;
      e.sha256 = text("sha256");
      e.size = static_cast<uint64_t>(integer("size"));
      if (e.sha256.size() != 64) return bad(fmt::format("has no sha256 for '{}'", e.path));
    } else if (k == "dir") {
      e.kind = EntryKind::kDirectory;
    } else if (k == "symlink") {
      e.kind = EntryKind::kSymlink;
      e.link_target = text("target");
    } else {
      return bad(fmt::format("has an entry of unknown kind '{}'", k));
    }
    e.mode = static_cast<uint32_t>(integer("mode")) & 07777;
    e.mtime_ns = integer("mtime_ns");
    m.entries.push_back(std::move(e));
  }
  SortEntries(m.entries);
  return m;
}

Result<TreeManifest> ScanTree(const fs::path& root, const std::vector<std::string>& paths) {
  TreeManifest m;
  for (const std::string& p : paths) {
    TRY(CheckTopLevel(p));
    m.paths.push_back(p);
    TRY(Walk(root, p, nullptr, m.entries));
  }
  SortEntries(m.entries);
  return m;
}

TreeManifest ManifestOfFiles(const std::vector<std::string>& paths,
                             const std::map<std::string, std::string>& files) {
  TreeManifest m;
  m.paths = paths;
  std::set<std::string> dirs;
  for (const auto& file : files) {
    const std::string& path = file.first;
    const std::string& bytes = file.second;
    bool under_a_path = std::any_of(paths.begin(), paths.end(),
                                    [&](const std::string& top) { return Below(path, top); });
    if (!under_a_path) continue;
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      dirs.insert(path.substr(0, slash));
    }
    TreeEntry e;
    e.path = path;
    e.kind = EntryKind::kFile;
    e.mode = kNewFileMode;
    e.size = bytes.size();
    e.sha256 = Sha256Hex(bytes);
    m.entries.push_back(std::move(e));
  }
  for (const std::string& d : dirs) {
    TreeEntry e;
    e.path = d;
    e.kind = EntryKind::kDirectory;
    e.mode = kNewDirMode;
    m.entries.push_back(std::move(e));
  }
  SortEntries(m.entries);
  return m;
}

std::vector<std::string> Differences(const TreeManifest& actual, const TreeManifest& expected,
                                     CompareModes modes) {
  std::vector<std::string> out;
  auto a = actual.entries.begin();
  auto b = expected.entries.begin();
  while (a != actual.entries.end() || b != expected.entries.end()) {
    if (b == expected.entries.end() || (a != actual.entries.end() && a->path < b->path)) {
      out.push_back(a->path);
      ++a;
    } else if (a == actual.entries.end() || b->path < a->path) {
      out.push_back(b->path);
      ++b;
    } else {
      bool same =
          a->kind == b->kind && a->sha256 == b->sha256 && a->link_target == b->link_target &&
          (modes == CompareModes::kNo || a->kind == EntryKind::kSymlink || a->mode == b->mode);
      if (!same) out.push_back(a->path);
      ++a;
      ++b;
    }
  }
  return out;
}

bool IsCompleteSnapshot(const fs::path& snapshot_dir) {
  return Exists(snapshot_dir / kManifestName);
}

Result<TreeManifest> TakeSnapshot(const fs::path& root, const std::vector<std::string>& paths,
                                  const fs::path& snapshot_dir) {
  if (IsCompleteSnapshot(snapshot_dir)) {
    return MakeError(
        ErrorCode::kConflict,
        fmt::format("{} already holds a snapshot; it is never overwritten", snapshot_dir.string()));
  }
  TRY(RemoveAll(snapshot_dir));
  std::error_code ec;
  fs::create_directories(snapshot_dir / kTreeName, ec);
  if (ec) return MakeError(IoError("create", snapshot_dir, ec.value()));
  fs::permissions(snapshot_dir, fs::perms(0700), ec);
  const fs::path tree = snapshot_dir / kTreeName;
  TreeManifest m;
  for (const std::string& p : paths) {
    TRY(CheckTopLevel(p));
    m.paths.push_back(p);
    TRY(Walk(root, p, &tree, m.entries));
  }
  SortEntries(m.entries);
  TRY(SyncPath(tree));
  TRY(WriteFileAtomically(snapshot_dir / kManifestName, m.ToValue().ToJson(), 0600));
  return m;
}

Result<TreeManifest> OpenSnapshot(const fs::path& snapshot_dir) {
  const fs::path manifest_path = snapshot_dir / kManifestName;
  if (!Exists(manifest_path)) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("no snapshot at {} (the folder or its manifest.json is missing)",
                                 snapshot_dir.string()));
  }
  ASSIGN_OR_RETURN(std::string text, ReadFile(manifest_path));
  Result<Value> parsed = Value::FromJson(text);
  if (!parsed) {
    return MakeError(
        ErrorCode::kCorruption,
        fmt::format("{} is not valid JSON: {}", manifest_path.string(), parsed.error().message()));
  }
  Result<TreeManifest> m = TreeManifest::FromValue(*parsed);
  if (!m) return MakeError(std::move(m.error()).WithContext(manifest_path.string()));
  const fs::path tree = snapshot_dir / kTreeName;
  for (const TreeEntry& e : m->entries) {
    const fs::path copy = tree / e.path;
    struct stat st {};
    bool present = lstat(copy.c_str(), &st) == 0;
    std::string problem;
    if (!present) {
      problem = "is missing";
    } else if (e.kind == EntryKind::kDirectory && !S_ISDIR(st.st_mode)) {
      problem = "is not a folder";
    } else if (e.kind == EntryKind::kSymlink) {
      std::error_code ec;
      if (!S_ISLNK(st.st_mode) || fs::read_symlink(copy, ec).string() != e.link_target) {
        problem = "no longer links to " + e.link_target;
      }
    } else if (e.kind == EntryKind::kFile) {
      if (!S_ISREG(st.st_mode)) {
        problem = "is not a file";
      } else {
        ASSIGN_OR_RETURN(auto hashed, HashAndCopy(copy, nullptr));
        if (hashed.first != e.sha256) problem = "no longer holds the bytes it was taken with";
      }
    }
    if (!problem.empty()) {
      return MakeError(ErrorCode::kCorruption,
                       fmt::format("the snapshot at {} is damaged: {} {}; it cannot be "
                                   "trusted for a restore",
                                   snapshot_dir.string(), copy.string(), problem));
    }
  }
  return m;
}

Result<void> RestoreSnapshot(const fs::path& snapshot_dir, const TreeManifest& manifest,
                             const fs::path& root) {
  const fs::path tree = snapshot_dir / kTreeName;
  for (const std::string& top : manifest.paths) {
    TRY(CheckTopLevel(top));
    ASSIGN_OR_RETURN(bool staged,
                     Stage(root, top, manifest.entries,
                           [&](const TreeEntry& e, const fs::path& at) -> Result<void> {
                             const fs::path source = tree / e.path;
                             ASSIGN_OR_RETURN(auto copied, HashAndCopy(source, &at));
                             if (copied.first != e.sha256) {
                               return MakeError(
                                   ErrorCode::kCorruption,
                                   fmt::format("{} changed during the restore", source.string()));
                             }
                             if (chmod(at.c_str(), e.mode) != 0) {
                               return MakeError(IoError("set permissions of", at, errno));
                             }
                             return {};
                           }));
    TRY(SwapIn(root, top, staged));
  }
  return {};
}

Result<void> ReplaceWithFiles(const fs::path& root, const std::vector<std::string>& paths,
                              const std::map<std::string, std::string>& files) {
  TreeManifest wanted = ManifestOfFiles(paths, files);
  for (const TreeEntry& e : wanted.entries) {
    if (e.kind == EntryKind::kDirectory && files.count(e.path) != 0) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("'{}' is asked for as both a file and a folder", e.path));
    }
  }
  for (const std::string& top : paths) {
    TRY(CheckTopLevel(top));
    ASSIGN_OR_RETURN(bool staged,
                     Stage(root, top, wanted.entries,
                           [&](const TreeEntry& e, const fs::path& at) -> Result<void> {
                             return WriteFileSynced(at, files.at(e.path), e.mode);
                           }));
    TRY(SwapIn(root, top, staged));
  }
  return {};
}

Result<void> RecoverInterruptedSwap(const fs::path& root, const std::vector<std::string>& paths) {
  for (const std::string& top : paths) {
    TRY(CheckTopLevel(top));
    const fs::path target = root / top;
    const fs::path old = OldOf(root, top);
    if (!Exists(target) && Exists(old)) {
      if (rename(old.c_str(), target.c_str()) != 0) {
        return MakeError(IoError("put back", target, errno));
      }
    }
    TRY(RemoveAll(old));
    TRY(RemoveAll(StagingOf(root, top)));
  }
  return SyncPath(root);
}

}  // namespace flightplan::tree
