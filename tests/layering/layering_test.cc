// The layout is the architecture (STYLE.md): cli -> steps, store -> engine.
// This test reads every source file and fails when an include crosses a
// boundary the wrong way, or a third-party library appears outside the one
// module allowed to use it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace flightplan::testing {
namespace {

struct Rule {
  std::string module;                  // directory the rule applies to
  std::vector<std::string> forbidden;  // include prefixes it must not use
};

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> kRules = {
      {"base/", {"engine/", "store/", "steps/", "cli/", "cloudsim/", "tests/", "sqlite3.h", "curl/"}},
      {"engine/", {"store/", "steps/", "cli/", "tests/", "sqlite3.h", "curl/", "openssl/"}},
      {"store/", {"steps/", "cli/", "tests/", "curl/"}},
      {"steps/", {"store/", "cli/", "tests/", "sqlite3.h"}},
      {"workflows/", {"store/", "steps/", "cli/", "tests/", "engine/"}},
      {"cli/", {"tests/", "sqlite3.h", "curl/", "openssl/"}},
      // The simulator reuses the AWS protocol code but not flightplan's
      // state or CLI; the product never depends on the simulator.
      {"cloudsim/", {"store/", "cli/", "sqlite3.h"}},
  };
  return kRules;
}

std::vector<std::string> Includes(const std::filesystem::path& file) {
  static const std::regex kInclude(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
  std::vector<std::string> out;
  std::ifstream in(file);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, kInclude)) out.push_back(m[1]);
  }
  return out;
}

std::vector<std::string> Violations() {
  std::vector<std::string> found;
  const std::filesystem::path root = SourceDir();
  for (const Rule& rule : Rules()) {
    std::filesystem::path dir = root / rule.module;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      auto ext = entry.path().extension();
      if (ext != ".h" && ext != ".cc") continue;
      std::string rel = std::filesystem::relative(entry.path(), root).string();
      bool is_curl_home = rel.rfind("steps/net/", 0) == 0;
      for (const std::string& inc : Includes(entry.path())) {
        for (const std::string& bad : rule.forbidden) {
          if (inc.rfind(bad, 0) == 0) found.push_back(rel + " includes " + inc);
        }
        if (inc.rfind("curl/", 0) == 0 && !is_curl_home) {
          found.push_back(rel + " includes " + inc + " (only steps/net/ may use curl)");
        }
      }
    }
  }
  return found;
}

TEST(LayeringTest, DependenciesPointInward) {
  std::vector<std::string> found = Violations();
  std::string all;
  for (const std::string& v : found) all += "\n  " + v;
  EXPECT_TRUE(found.empty()) << "forbidden includes:" << all;
}

TEST(LayeringTest, TheCheckSeesTheTree) {
  // Guards against a rule that passes because it read nothing.
  EXPECT_FALSE(Includes(std::filesystem::path(SourceDir()) / "engine" / "executor.cc").empty());
}

}  // namespace
}  // namespace flightplan::testing
