#include "base/file_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flightplan {
namespace {

Error IoError(std::string_view what, const std::filesystem::path& path, int err) {
  return Error(ErrorCode::kPermissionDenied,
               fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(err)));
}

Error OpenForReadError(const std::filesystem::path& path, int err) {
  if (err == ENOENT) {
    return Error(ErrorCode::kNotFound, fmt::format("{} does not exist", path.string()));
  }
  return IoError("read", path, err);
}

Result<std::string> ReadOpen(const FileDescriptor& fd, const std::filesystem::path& path) {
  std::string bytes;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError(IoError("read", path, errno));
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  return bytes;
}

}  // namespace

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) close(fd_);
}

int FileDescriptor::Close() {
  int result = close(fd_);
  fd_ = -1;
  return result;
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  FileDescriptor fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return MakeError(OpenForReadError(path, errno));
  return ReadOpen(fd, path);
}

Result<std::optional<std::string>> ReadFileIfExists(const std::filesystem::path& path) {
  FileDescriptor fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return MakeError(OpenForReadError(path, errno));
  }
  ASSIGN_OR_RETURN(std::string bytes, ReadOpen(fd, path));
  return std::optional<std::string>(std::move(bytes));
}

Result<void> WriteFileSynced(const std::filesystem::path& path, std::string_view bytes,
                             mode_t mode) {
  FileDescriptor fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) return MakeError(IoError("write", path, errno));
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError(IoError("write", path, errno));
    }
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd.get(), mode) != 0) return MakeError(IoError("set permissions of", path, errno));
  if (fsync(fd.get()) != 0) return MakeError(IoError("sync", path, errno));
  if (fd.Close() != 0) return MakeError(IoError("write", path, errno));
  return {};
}

Result<void> WriteFileAtomically(const std::filesystem::path& path, std::string_view bytes,
                                 mode_t mode) {
  std::filesystem::path temporary = path;
  temporary += fmt::format(".flightplan-{}.tmp", getpid());
  Result<void> written = WriteFileSynced(temporary, bytes, mode);
  if (written && rename(temporary.c_str(), path.c_str()) != 0) {
    written = MakeError(IoError("replace", path, errno));
  }
  if (!written) {
    unlink(temporary.c_str());
    return written;
  }
  return SyncParentFolder(path);
}

Result<void> SyncPath(const std::filesystem::path& path) {
  FileDescriptor fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return MakeError(IoError("open", path, errno));
  if (fsync(fd.get()) != 0 && errno != EINVAL) return MakeError(IoError("sync", path, errno));
  return {};
}

Result<void> SyncParentFolder(const std::filesystem::path& path) {
  std::filesystem::path folder = path.parent_path();
  return SyncPath(folder.empty() ? std::filesystem::path(".") : folder);
}

}  // namespace flightplan
