// The layout is the architecture (STYLE.md, docs/architecture.md): cli ->
// steps, store -> engine -> base; the simulator beside the product, sharing
// only base/ and the AWS wire format. This test reads every source file and
// fails when an include crosses a boundary the wrong way, a third-party
// library appears outside the one module allowed to use it, or a folder a
// rule guards has disappeared (a rename must not silently disable a rule).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace flightplan::testing {
namespace {

// Whether a rule's folder must exist in the tree.
enum class Presence { kRequired, kPlanned };

struct Rule {
  std::string module;                     // folder the rule applies to, with its subfolders
  std::vector<std::string> forbidden;     // include prefixes it must not use...
  std::vector<std::string> allowed = {};  // ...unless one of these prefixes also matches
  Presence presence = Presence::kRequired;
};

// The product's modules; none of them may include the simulator.
const std::vector<Rule>& Rules() {
  static const std::vector<Rule> kRules = {
      {"base/",
       {"engine/", "store/", "steps/", "cli/", "workflows/", "cloudsim/", "bench/", "tests/",
        "sqlite3.h", "curl/"}},
      {"engine/",
       {"store/", "steps/", "cli/", "cloudsim/", "bench/", "tests/", "sqlite3.h", "curl/",
        "openssl/"}},
      {"store/", {"steps/", "cli/", "cloudsim/", "bench/", "tests/", "curl/"}},
      {"steps/", {"store/", "cli/", "cloudsim/", "bench/", "tests/", "sqlite3.h"}},
      {"workflows/", {"store/", "steps/", "cli/", "engine/", "cloudsim/", "bench/", "tests/"}},
      {"cli/", {"cloudsim/", "bench/", "tests/", "sqlite3.h", "curl/", "openssl/"}},
      // Inside steps/: the AWS client and the Amplify model are independent
      // families; the cloud-side migration steps may use both, and
      // no other family may use them.
      {"steps/aws/", {"steps/amplify/", "steps/migration/", "steps/data/"}},
      {"steps/amplify/", {"steps/aws/", "steps/migration/", "steps/data/"}},
      // Data migrations use the AWS client only; the transport is wired in
      // cli/context.cc like the migration steps'.
      {"steps/data/", {"steps/amplify/", "steps/migration/", "steps/net/", "steps/builtin/"}},
      {"steps/sys/", {"steps/migration/"}},
      {"steps/net/", {"steps/migration/"}},
      // The wire format is shared with the simulator, so it knows nothing but
      // base/: no engine, no other step family.
      {"steps/aws/wire/",
       {"engine/", "store/", "steps/", "cli/", "workflows/", "cloudsim/", "tests/"},
       {"steps/aws/wire/"}},
      // Migration steps may use steps/aws/, steps/amplify/ and tree snapshots
      // (steps/sys/); the real transport and the builtin steps are another
      // family's business, wired in cli/context.cc.
      {"steps/migration/", {"steps/net/", "steps/builtin/"}},
      // The simulator verifies with the client's SigV4 and protocols but
      // shares none of flightplan's engine, state or CLI.
      {"cloudsim/",
       {"engine/", "store/", "cli/", "steps/", "workflows/", "bench/", "tests/", "sqlite3.h"},
       {"steps/aws/wire/"}},
      // Benchmarks measure the product's libraries; they need no test code
      // (the fixtures they read are data files, found through
      // FLIGHTPLAN_SOURCE_DIR) and no CLI.
      {"bench/", {"tests/", "cli/"}},
  };
  return kRules;
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

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

std::vector<std::string> Violations(const std::filesystem::path& root,
                                    const std::vector<Rule>& rules) {
  std::vector<std::string> found;
  for (const Rule& rule : rules) {
    std::filesystem::path dir = root / rule.module;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      auto ext = entry.path().extension();
      if (ext != ".h" && ext != ".cc") continue;
      std::string rel = std::filesystem::relative(entry.path(), root).string();
      bool is_curl_home = StartsWith(rel, "steps/net/");
      for (const std::string& inc : Includes(entry.path())) {
        bool allowed = std::any_of(rule.allowed.begin(), rule.allowed.end(),
                                   [&](const std::string& ok) { return StartsWith(inc, ok); });
        for (const std::string& bad : rule.forbidden) {
          if (StartsWith(inc, bad) && !allowed) {
            found.push_back(rel + " includes " + inc + " (" + rule.module + " may not use " + bad +
                            ")");
          }
        }
        if (StartsWith(inc, "curl/") && !is_curl_home) {
          found.push_back(rel + " includes " + inc + " (only steps/net/ may use curl)");
        }
      }
    }
  }
  return found;
}

// Folders a rule guards that are missing from the tree, planned ones aside.
std::vector<std::string> MissingModules(const std::filesystem::path& root,
                                        const std::vector<Rule>& rules) {
  std::vector<std::string> missing;
  for (const Rule& rule : rules) {
    if (rule.presence == Presence::kPlanned) continue;
    if (!std::filesystem::is_directory(root / rule.module)) missing.push_back(rule.module);
  }
  return missing;
}

std::string Lines(const std::vector<std::string>& items) {
  std::string all;
  for (const std::string& item : items) all += "\n  " + item;
  return all;
}

void WriteSource(const std::filesystem::path& root, const std::string& rel,
                 const std::string& text) {
  std::filesystem::create_directories((root / rel).parent_path());
  std::ofstream(root / rel) << text;
}

TEST(LayeringTest, DependenciesPointInward) {
  std::vector<std::string> found = Violations(SourceDir(), Rules());
  EXPECT_TRUE(found.empty()) << "forbidden includes:" << Lines(found);
}

TEST(LayeringTest, EveryGuardedFolderExists) {
  std::vector<std::string> missing = MissingModules(SourceDir(), Rules());
  EXPECT_TRUE(missing.empty()) << "rules guard folders that are not in the tree (renamed? "
                                  "update the rule):"
                               << Lines(missing);
}

TEST(LayeringTest, TheCheckSeesTheTree) {
  // Guards against a rule that passes because it read nothing.
  EXPECT_FALSE(Includes(std::filesystem::path(SourceDir()) / "engine" / "executor.cc").empty());
}

struct Planted {
  std::string file;     // relative to a scratch tree
  std::string include;  // the include it makes
  bool violates;        // whether the rules must report it
};

// One forbidden include per rule (and the exceptions the rules allow),
// planted in a scratch tree.
const std::vector<Planted>& PlantedIncludes() {
  static const std::vector<Planted> kPlanted = {
      {"base/value.cc", "engine/executor.h", true},
      {"base/value.cc", "cloudsim/world.h", true},
      {"engine/executor.cc", "store/sqlite_journal.h", true},
      {"engine/executor.cc", "openssl/evp.h", true},
      {"engine/executor.cc", "base/value.h", false},
      {"store/sqlite_journal.cc", "steps/aws/aws_client.h", true},
      {"steps/builtin/builtin_steps.cc", "store/sqlite_journal.h", true},
      {"steps/builtin/builtin_steps.cc", "cloudsim/server.h", true},
      {"workflows/embedded.cc", "engine/workflow.h", true},
      {"cli/run.cc", "cloudsim/simulator.h", true},
      {"cli/run.cc", "curl/curl.h", true},
      {"cli/run.cc", "steps/aws/aws_client.h", false},
      {"steps/aws/aws_client.cc", "steps/amplify/gen1_project.h", true},
      {"steps/aws/aws_client.cc", "steps/migration/lock.h", true},
      {"steps/aws/aws_client.cc", "steps/data/data_steps.h", true},
      {"steps/data/transform_step.cc", "steps/migration/lock.h", true},
      {"steps/data/transform_step.cc", "steps/net/curl_transport.h", true},
      {"steps/data/transform_step.cc", "steps/aws/aws_client.h", false},
      {"steps/amplify/plan.cc", "steps/aws/aws_client.h", true},
      {"steps/amplify/plan.cc", "steps/aws/wire/sigv4.h", true},
      {"steps/sys/system_host.cc", "steps/migration/lock.h", true},
      {"steps/net/curl_transport.cc", "steps/migration/lock.h", true},
      {"steps/net/curl_transport.cc", "curl/curl.h", false},
      {"steps/aws/wire/sigv4.cc", "engine/step.h", true},
      {"steps/aws/wire/protocol.cc", "steps/aws/aws_client.h", true},
      {"steps/aws/wire/protocol.cc", "steps/aws/wire/sigv4.h", false},
      {"steps/migration/lock.cc", "steps/builtin/builtin_steps.h", true},
      {"steps/migration/lock.cc", "steps/net/curl_transport.h", true},
      {"steps/migration/lock.cc", "steps/aws/aws_client.h", false},
      {"steps/migration/lock.cc", "steps/amplify/gen1_project.h", false},
      {"cloudsim/world.cc", "engine/executor.h", true},
      {"cloudsim/world.cc", "store/sqlite_journal.h", true},
      {"cloudsim/world.cc", "cli/console.h", true},
      {"cloudsim/world.cc", "steps/aws/aws_client.h", true},
      {"cloudsim/auth.cc", "steps/aws/wire/sigv4.h", false},
      {"cloudsim/auth.cc", "base/clock.h", false},
      {"bench/engine_overhead.cc", "tests/support/test_support.h", true},
      {"bench/engine_overhead.cc", "cli/console.h", true},
      {"bench/engine_overhead.cc", "engine/executor.h", false},
  };
  return kPlanted;
}

TEST(LayeringTest, EachRuleCatchesAPlantedInclude) {
  for (const Planted& planted : PlantedIncludes()) {
    SCOPED_TRACE(planted.file + " includes " + planted.include);
    TempDir tree;
    WriteSource(tree.path(), planted.file, "#include \"" + planted.include + "\"\n");
    std::vector<std::string> found = Violations(tree.path(), Rules());
    if (planted.violates) {
      ASSERT_FALSE(found.empty());
      for (const std::string& v : found) {
        EXPECT_EQ(v.rfind(planted.file + " includes " + planted.include, 0), 0u) << v;
      }
    } else {
      EXPECT_TRUE(found.empty()) << Lines(found);
    }
  }
}

TEST(LayeringTest, EveryRuleHasAPlantedViolation) {
  // A rule nobody plants a violation for could be dead; each one is exercised.
  std::set<std::string> exercised;
  for (const Planted& planted : PlantedIncludes()) {
    if (!planted.violates) continue;
    for (const Rule& rule : Rules()) {
      TempDir tree;
      WriteSource(tree.path(), planted.file, "#include \"" + planted.include + "\"\n");
      if (!Violations(tree.path(), {rule}).empty()) exercised.insert(rule.module);
    }
  }
  for (const Rule& rule : Rules()) {
    EXPECT_TRUE(exercised.count(rule.module)) << rule.module << " catches no planted include";
  }
}

TEST(LayeringTest, AMissingFolderIsReported) {
  TempDir tree;
  for (const Rule& rule : Rules()) {
    if (rule.module != "engine/")
      std::filesystem::create_directories(tree.path() + "/" + rule.module);
  }
  EXPECT_EQ(MissingModules(tree.path(), Rules()), std::vector<std::string>{"engine/"});
}

}  // namespace
}  // namespace flightplan::testing
