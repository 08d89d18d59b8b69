// Helpers shared by the amplify tests: the fixture apps under tests/data and
// scratch directories that copy them so a test can damage its own copy.
#ifndef FLIGHTPLAN_TESTS_STEPS_AMPLIFY_TEST_SUPPORT_H_
#define FLIGHTPLAN_TESTS_STEPS_AMPLIFY_TEST_SUPPORT_H_

#include <filesystem>
#include <string>
#include <vector>

#include "base/value.h"
#include "tests/support/test_support.h"

namespace flightplan::amplify::testing {

// The five fixture apps, in a fixed order.
const std::vector<std::string>& FixtureApps();
// tests/data/fixtures/amplify-migration-apps/<app>.
std::filesystem::path FixtureDir(const std::string& app);

// The Gen1 test projects under tests/data/gen1-cases/ (each a folder with
// amplify/ and a case.json saying what it shows), by folder name, sorted.
std::vector<std::string> Gen1Cases();
std::filesystem::path Gen1CaseDir(const std::string& name);

// A fresh directory removed when the object goes out of scope.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Copies fixture `app` into `dir` (writable) and returns the copy's root.
std::filesystem::path CopyFixture(const std::string& app, const std::filesystem::path& dir);
void WriteFile(const std::filesystem::path& path, const std::string& text);
using flightplan::testing::ReadFile;
// JSON files edited in place by tests that build synthetic Gen1 projects.
Value ReadJson(const std::filesystem::path& path);
void WriteJson(const std::filesystem::path& path, const Value& value);

}  // namespace flightplan::amplify::testing

#endif  // FLIGHTPLAN_TESTS_STEPS_AMPLIFY_TEST_SUPPORT_H_
