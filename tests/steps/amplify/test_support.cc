#include "tests/steps/amplify/test_support.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify::testing {
namespace fs = std::filesystem;

const std::vector<std::string>& FixtureApps() {
  static const std::vector<std::string> kApps = {"backend-only", "discussions", "fitness-tracker",
                                                 "media-vault", "product-catalog"};
  return kApps;
}

fs::path FixtureDir(const std::string& app) {
  return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests" / "data" / "fixtures" /
         "amplify-migration-apps" / app;
}

fs::path Gen1CaseDir(const std::string& name) {
  return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests" / "data" / "gen1-cases" / name;
}

std::vector<std::string> Gen1Cases() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(Gen1CaseDir(""))) {
    if (fs::is_regular_file(entry.path() / "case.json")) {
      out.push_back(entry.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

ScratchDir::ScratchDir() {
  std::string pattern = (fs::temp_directory_path() / "flightplan-amplify-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path CopyFixture(const std::string& app, const fs::path& dir) {
  fs::path dest = dir / app;
  fs::copy(FixtureDir(app), dest, fs::copy_options::recursive);
  for (const auto& entry : fs::recursive_directory_iterator(dest)) {
    fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
  }
  return dest;
}

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

Value ReadJson(const fs::path& path) {
  Result<Value> v = Value::FromJson(ReadFile(path));
  if (!v) throw std::runtime_error(path.string() + ": " + v.error().ToString());
  return *v;
}

void WriteJson(const fs::path& path, const Value& value) { WriteFile(path, PrettyJson(value)); }

}  // namespace flightplan::amplify::testing
