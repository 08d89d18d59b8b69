// Crash tests of the migration's generate workflow with the real binary: the
// process is killed with SIGKILL before and after every journal write, and
// at random moments while it rewrites the project, forward and during
// rollback. Re-running the command must end with exactly the tree an
// uninterrupted run writes, and rolling back with exactly the Gen1 tree.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <random>
#include <thread>

#include "steps/amplify/generate_step.h"
#include "steps/sys/tree_snapshot.h"
#include "tests/support/test_support.h"

namespace flightplan::testing {
namespace {
namespace fs = std::filesystem;

// Journal writes of an uninterrupted run (run.created, run.started, two per
// step for three steps, run.succeeded) and of its rollback (rollback.started,
// a skip event each for the echo and the validation, two for the undo, the
// end).
constexpr int kRunWrites = 9;
constexpr int kRollbackWrites = 5;

fs::path Fixture() {
  return fs::path(SourceDir()) / "tests/data/fixtures/amplify-migration-apps/backend-only";
}

class GenerateCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    project_ = fs::path(dir_.path()) / "app";
    fs::create_directories(project_);
    fs::copy(Fixture() / "amplify", project_ / "amplify", fs::copy_options::recursive);
    WriteFile((project_ / "package.json").string(),
              "{\"name\": \"frontend\", \"dependencies\": {\"react\": \"^18\"}}\n");
    gen1_ = Scan();
  }

  tree::TreeManifest Scan() const {
    Result<tree::TreeManifest> m = tree::ScanTree(project_, amplify::GenerateReplacedPaths());
    EXPECT_TRUE(m) << m.error().ToString();
    return m ? *m : tree::TreeManifest{};
  }

  std::vector<std::string> RunArgs() const {
    return {"run",     "generate", "--param", "app_id=backendonly",
            "--param", "env=main", "--param", "backup_dir=" + dir_.Join("backups")};
  }

  RunResult Flightplan(std::vector<std::string> args, const std::string& kill_at = "") {
    return RunFlightplanIn(project_.string(), std::move(args), kill_at);
  }

  // Re-runs `args` until it succeeds (bounded), as an operator would.
  void RunToCompletion(const std::vector<std::string>& args) {
    for (const RunResult& r : RerunUntilSuccess(project_.string(), args)) {
      ADD_FAILURE() << "exit " << r.exit_code << "\n" << r.out << r.err;
    }
  }

  // The tree an uninterrupted run writes, from a second copy of the project.
  tree::TreeManifest Reference() {
    TempDir other;
    fs::path copy = fs::path(other.path()) / "app";
    fs::create_directories(copy);
    fs::copy(project_, copy, fs::copy_options::recursive);
    fs::remove_all(copy / ".flightplan");
    RunResult r = RunFlightplanIn(
        copy.string(), {"run", "generate", "--param", "app_id=backendonly", "--param", "env=main",
                        "--param", "backup_dir=" + other.Join("backups")});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Result<tree::TreeManifest> m = tree::ScanTree(copy, amplify::GenerateReplacedPaths());
    EXPECT_TRUE(m);
    return m ? *m : tree::TreeManifest{};
  }

  void ExpectState(const tree::TreeManifest& expected, const char* state) {
    std::vector<std::string> diff = tree::Differences(Scan(), expected, tree::CompareModes::kYes);
    EXPECT_TRUE(diff.empty()) << "differs: " << (diff.empty() ? "" : diff.front());
    for (const char* leftover : {".amplify.flightplan-new", ".amplify.flightplan-old",
                                 ".package.json.flightplan-new", ".package.json.flightplan-old"}) {
      EXPECT_FALSE(fs::exists(project_ / leftover)) << leftover;
    }
    RunResult status = Flightplan({"status", "1", "--json"});
    EXPECT_NE(status.out.find(std::string("\"state\":\"") + state + "\""), std::string::npos)
        << status.out;
    RunResult verify = Flightplan({"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  }

  TempDir dir_;
  fs::path project_;
  tree::TreeManifest gen1_;
};

TEST_F(GenerateCrashTest, InjectionCountsMatchTheWritesOfAnUninterruptedRun) {
  RunResult run = Flightplan(RunArgs(), std::to_string(kRunWrites + 1) + ":before");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  RunResult killed_last = Flightplan({"rollback", "1"}, std::to_string(kRollbackWrites) + ":after");
  EXPECT_TRUE(killed_last.signaled)
      << "the rollback makes exactly " << kRollbackWrites << " writes\n"
      << killed_last.out << killed_last.err;
  RunToCompletion({"rollback", "1"});
  ExpectState(gen1_, "rolled_back");
}

class GenerateKillAtWriteTest : public GenerateCrashTest,
                                public ::testing::WithParamInterface<std::tuple<int, const char*>> {
};

TEST_P(GenerateKillAtWriteTest, ResumingAfterAKillWritesTheSameTreeAndRollbackRestoresGen1) {
  auto [n, phase] = GetParam();
  tree::TreeManifest reference = Reference();
  RunResult killed = Flightplan(RunArgs(), std::to_string(n) + ":" + phase);
  ASSERT_TRUE(killed.signaled) << "exit " << killed.exit_code << "\n" << killed.out << killed.err;
  RunToCompletion(RunArgs());
  ExpectState(reference, "succeeded");
  RunToCompletion({"rollback", "1"});
  ExpectState(gen1_, "rolled_back");
}

INSTANTIATE_TEST_SUITE_P(EveryWrite, GenerateKillAtWriteTest,
                         ::testing::Combine(::testing::Range(1, kRunWrites + 1),
                                            ::testing::Values("before", "after")));

class GenerateKillDuringRollbackTest
    : public GenerateCrashTest,
      public ::testing::WithParamInterface<std::tuple<int, const char*>> {};

TEST_P(GenerateKillDuringRollbackTest, ARollbackResumedAfterAKillRestoresGen1Exactly) {
  auto [n, phase] = GetParam();
  RunResult run = Flightplan(RunArgs());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  RunResult killed = Flightplan({"rollback", "1"}, std::to_string(n) + ":" + phase);
  ASSERT_TRUE(killed.signaled) << "exit " << killed.exit_code << "\n" << killed.out << killed.err;
  RunToCompletion({"rollback", "1"});
  ExpectState(gen1_, "rolled_back");
}

INSTANTIATE_TEST_SUITE_P(EveryWrite, GenerateKillDuringRollbackTest,
                         ::testing::Combine(::testing::Range(1, kRollbackWrites + 1),
                                            ::testing::Values("before", "after")));

TEST_F(GenerateCrashTest, KillsAtRandomMomentsWhileTheProjectIsRewrittenLoseNothing) {
  tree::TreeManifest reference = Reference();
  std::mt19937 rng(20261122);
  for (const char* command : {"run", "rollback"}) {
    bool forward = std::string(command) == "run";
    std::vector<std::string> args = forward ? RunArgs() : std::vector<std::string>{"rollback", "1"};
    for (int i = 0; i < 8; ++i) {
      Invocation inv;
      inv.args = args;
      inv.cwd = project_.string();
      Background process(inv);
      std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 250));
      process.Signal(SIGKILL);
      RunResult r = process.Wait();
      if (!r.signaled) break;  // it finished before the kill
    }
    RunToCompletion(args);
    ExpectState(forward ? reference : gen1_, forward ? "succeeded" : "rolled_back");
  }
}

}  // namespace
}  // namespace flightplan::testing
