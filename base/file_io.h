// Whole-file reads and durable writes, on POSIX calls (so errors carry the
// operating system's reason).
//
// Errors name the path and the reason: kNotFound when a file to read does not
// exist; kPermissionDenied for every other failure to open, read, write,
// sync or rename (permissions, a folder where a file was expected, a full
// disk). Callers that report a different code or message map the error.
//
// Thread-safety: the functions are thread-safe; two writers of one path must
// agree among themselves (the last rename wins).
#ifndef FLIGHTPLAN_BASE_FILE_IO_H_
#define FLIGHTPLAN_BASE_FILE_IO_H_

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace flightplan {

// Owns a POSIX file descriptor (-1: none) and closes it when destroyed.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  // Closes now and returns close()'s result: some filesystems (NFS) report a
  // failed write only there.
  int Close();

 private:
  int fd_;
};

// The bytes of the file at `path`, unchanged.
[[nodiscard]] Result<std::string> ReadFile(const std::filesystem::path& path);

// As ReadFile, but a file that does not exist is an empty optional.
[[nodiscard]] Result<std::optional<std::string>> ReadFileIfExists(
    const std::filesystem::path& path);

// Creates (or truncates) `path`, writes `bytes`, gives it permission bits
// `mode` and fsyncs it. Not atomic: after a crash the file may hold part of
// the bytes. For files in a place that is swapped in afterwards (a staging
// folder); a file read by others in place wants WriteFileAtomically.
[[nodiscard]] Result<void> WriteFileSynced(const std::filesystem::path& path,
                                           std::string_view bytes, mode_t mode);

// Replaces `path` with `bytes` (permission bits `mode`) so that after a crash
// it holds either its old bytes or the new ones, never a mixture: writes
// `<path>.flightplan-<pid>.tmp` beside it with WriteFileSynced, renames that
// over `path`, then fsyncs the folder so the rename itself survives a crash.
// On failure the temporary file is removed (a crash may leave it behind).
[[nodiscard]] Result<void> WriteFileAtomically(const std::filesystem::path& path,
                                               std::string_view bytes, mode_t mode);

// fsyncs a file or a folder; a folder, so that entries created, renamed or
// removed in it survive a crash. A filesystem that cannot sync folders
// (EINVAL) is not an error.
[[nodiscard]] Result<void> SyncPath(const std::filesystem::path& path);

// SyncPath of the folder holding `path` ("." for a bare name).
[[nodiscard]] Result<void> SyncParentFolder(const std::filesystem::path& path);

}  // namespace flightplan

#endif  // FLIGHTPLAN_BASE_FILE_IO_H_
