#include "steps/amplify/write_files.h"

#include <fmt/format.h>

#include <fstream>
#include <system_error>

namespace flightplan::amplify {
namespace fs = std::filesystem;

Result<void> WriteGeneratedFiles(const GeneratedFiles& files, const fs::path& out_dir,
                                 Overwrite overwrite) {
  std::error_code ec;
  if (fs::exists(out_dir, ec)) {
    if (!fs::is_directory(out_dir, ec)) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("{} exists and is not a directory", out_dir.string()));
    }
    if (!fs::is_empty(out_dir, ec) && overwrite == Overwrite::kNo) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("{} is not empty: choose an empty directory or pass "
                                   "--force to replace the generated files in it",
                                   out_dir.string()));
    }
  }
  for (const auto& [rel, content] : files) {
    fs::path path = out_dir / rel;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
      return MakeError(
          ErrorCode::kPermissionDenied,
          fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      return MakeError(ErrorCode::kPermissionDenied, fmt::format("cannot write {}", path.string()));
    }
  }
  return {};
}

}  // namespace flightplan::amplify
