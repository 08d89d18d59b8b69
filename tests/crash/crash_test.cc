// Crash tests with the real binary and real SQLite: the process is killed
// with SIGKILL before and after every journal write (forward and during
// rollback) and at random moments inside steps; re-running the command must
// finish the work with every effect applied exactly once, end in the same
// state as an uninterrupted run, and leave an audit chain that verifies.
// Every test runs twice: on a local state file, and on a state in the
// simulator's S3 (--state s3://…) where each command after a kill runs on
// another "machine" (its own replica directory), as a team would resume.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <random>
#include <thread>

#include "tests/support/state_backend.h"
#include "tests/support/test_support.h"

namespace flightplan::testing {
namespace {

constexpr char kWorkflow[] = R"yaml(name: crash
version: 1
steps:
  - id: s1
    uses: exec
    with:
      argv: [sh, -c, 'echo s1 >> effects']
      check: [sh, -c, 'grep -qx s1 effects 2>/dev/null && exit 0; exit 1']
    rollback:
      uses: exec
      with:
        argv: [sh, -c, 'echo u1 >> effects']
        check: [sh, -c, 'grep -qx u1 effects 2>/dev/null && exit 0; exit 1']
  - id: s2
    uses: file.write
    with: {path: config.json, content: '{"v": 2}', mode: '0640'}
  - id: s3
    uses: exec
    with:
      argv: [sh, -c, 'sleep 0.05; echo s3 >> effects']
      check: [sh, -c, 'grep -qx s3 effects 2>/dev/null && exit 0; exit 1']
    rollback:
      uses: exec
      with:
        argv: [sh, -c, 'echo u3 >> effects']
        check: [sh, -c, 'grep -qx u3 effects 2>/dev/null && exit 0; exit 1']
  - id: s4
    uses: file.remove
    with: {path: old.txt}
  - id: s5
    uses: exec
    with:
      argv: [sh, -c, 'echo s5 >> effects']
      check: [sh, -c, 'grep -qx s5 effects 2>/dev/null && exit 0; exit 1']
    rollback: {none: announcing cannot be taken back}
)yaml";

// Journal writes of an uninterrupted run and of its rollback (see the
// executor: run.created, run.started, two per step, run.succeeded; then
// rollback.started, one skip event for s5, two per undone step, the end).
constexpr int kRunWrites = 13;
constexpr int kRollbackWrites = 11;

// The state backend is the first parameter of every test here.
class CrashTest : public StateBackendTest {
 protected:
  void SetUp() override {
    StateBackendTest::SetUp();
    WriteFile(dir_.Join("crash.yaml"), kWorkflow);
    WriteFile(dir_.Join("config.json"), "{\"v\": 1}");
    chmod(dir_.Join("config.json").c_str(), 0604);
    WriteFile(dir_.Join("old.txt"), "old contents\n");
  }

  // One command; on S3, each on a machine of its own.
  Invocation Command(std::vector<std::string> args, const std::string& kill_at = "") {
    return Make(std::move(args), "m" + std::to_string(++machines_), kill_at);
  }

  RunResult Flightplan(std::vector<std::string> args, const std::string& kill_at = "") {
    return RunFlightplan(Command(std::move(args), kill_at));
  }

  // Re-runs `args` until it succeeds (at most 5 times), as an operator would.
  void RunToCompletion(const std::vector<std::string>& args) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      RunResult r = Flightplan(args);
      if (r.exit_code == 0) return;
      ADD_FAILURE() << "exit " << r.exit_code << "\n" << r.out << r.err;
    }
  }

  void ExpectForwardEndState() {
    EXPECT_EQ(ReadFile(dir_.Join("effects")), "s1\ns3\ns5\n");
    EXPECT_EQ(ReadFile(dir_.Join("config.json")), "{\"v\": 2}");
    EXPECT_FALSE(FileExists(dir_.Join("old.txt")));
    RunResult status = Flightplan({"status", "1", "--json"});
    EXPECT_NE(status.out.find("\"state\":\"succeeded\""), std::string::npos) << status.out;
  }

  void ExpectRolledBackEndState() {
    EXPECT_EQ(ReadFile(dir_.Join("effects")), "s1\ns3\ns5\nu3\nu1\n");
    EXPECT_EQ(ReadFile(dir_.Join("config.json")), "{\"v\": 1}");
    struct stat st {};
    ASSERT_EQ(stat(dir_.Join("config.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0604u);
    EXPECT_EQ(ReadFile(dir_.Join("old.txt")), "old contents\n");
    RunResult status = Flightplan({"status", "1", "--json"});
    EXPECT_NE(status.out.find("\"state\":\"rolled_back\""), std::string::npos) << status.out;
  }

  void ExpectAuditVerifies() {
    RunResult verify = Flightplan({"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    if (backend() == Backend::kS3Snapshots) {
      // The snapshot path was taken: snapshots were published, and new
      // machines read them (the simulator's request log says so).
      int published = 0, read = 0;
      for (const auto& entry : simulator_->Log()) {
        const Value* key = entry.params.Find("Key");
        if (key == nullptr || key->as_string().find("/snapshot/") == std::string::npos) continue;
        published += entry.operation == "PutObject" && entry.status == 200 ? 1 : 0;
        read += entry.operation == "GetObject" && entry.status == 200 ? 1 : 0;
      }
      EXPECT_GT(published, 0);
      EXPECT_GT(read, 0);
    }
  }

  int machines_ = 0;
};

class BackendCrashTest : public CrashTest, public ::testing::WithParamInterface<Backend> {
 protected:
  Backend backend() const override { return GetParam(); }
};

TEST_P(BackendCrashTest, UninterruptedRunAndRollbackGiveTheReferenceEndStates) {
  RunResult run = Flightplan({"run", "crash.yaml"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectForwardEndState();
  RunResult rollback = Flightplan({"rollback", "1"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  ExpectRolledBackEndState();
  ExpectAuditVerifies();
}

TEST_P(BackendCrashTest, InjectionCountMatchesTheWritesOfAnUninterruptedRun) {
  // One write past the last is never reached: the run finishes normally.
  RunResult run = Flightplan({"run", "crash.yaml"}, std::to_string(kRunWrites + 1) + ":before");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  RunResult killed_last = Flightplan({"rollback", "1"}, std::to_string(kRollbackWrites) + ":after");
  EXPECT_TRUE(killed_last.signaled)
      << "the rollback makes exactly " << kRollbackWrites << " writes\n"
      << killed_last.out;
}

using KillPoint = std::tuple<Backend, int, const char*>;

std::string KillPointName(const ::testing::TestParamInfo<KillPoint>& info) {
  return fmt::format("{}_{}_{}", BackendLabel(std::get<0>(info.param)), std::get<1>(info.param),
                     std::get<2>(info.param));
}

class KillAtWriteTest : public CrashTest, public ::testing::WithParamInterface<KillPoint> {
 protected:
  Backend backend() const override { return std::get<0>(GetParam()); }
};

TEST_P(KillAtWriteTest, ResumeAfterKillAppliesEveryEffectExactlyOnce) {
  const int n = std::get<1>(GetParam());
  const char* phase = std::get<2>(GetParam());
  RunResult killed = Flightplan({"run", "crash.yaml"}, std::to_string(n) + ":" + phase);
  ASSERT_TRUE(killed.signaled) << "exit " << killed.exit_code << "\n" << killed.out << killed.err;
  ASSERT_EQ(killed.signal, SIGKILL);
  RunToCompletion({"run", "crash.yaml"});
  ExpectForwardEndState();
  ExpectAuditVerifies();
}

INSTANTIATE_TEST_SUITE_P(EveryWrite, KillAtWriteTest,
                         ::testing::Combine(::testing::Values(Backend::kFile, Backend::kS3),
                                            ::testing::Range(1, kRunWrites + 1),
                                            ::testing::Values("before", "after")),
                         KillPointName);
// S3 only: killed after the write's log object is in the bucket and before
// this machine's replica has it; the next machine reads it from the log.
INSTANTIATE_TEST_SUITE_P(EveryPublishedWrite, KillAtWriteTest,
                         ::testing::Combine(::testing::Values(Backend::kS3),
                                            ::testing::Range(1, kRunWrites + 1),
                                            ::testing::Values("published")),
                         KillPointName);
// S3 with a snapshot after every second object: a kill right after a write
// reaches the bucket (and, every other write, before or after its snapshot
// is published), resumed on a new machine that starts from the latest one.
INSTANTIATE_TEST_SUITE_P(EveryWriteWithSnapshots, KillAtWriteTest,
                         ::testing::Combine(::testing::Values(Backend::kS3Snapshots),
                                            ::testing::Range(1, kRunWrites + 1),
                                            ::testing::Values("published", "after")),
                         KillPointName);

class KillDuringRollbackTest : public CrashTest, public ::testing::WithParamInterface<KillPoint> {
 protected:
  Backend backend() const override { return std::get<0>(GetParam()); }
};

TEST_P(KillDuringRollbackTest, RollbackResumedAfterKillUndoesEachStepExactlyOnce) {
  const int n = std::get<1>(GetParam());
  const char* phase = std::get<2>(GetParam());
  RunResult run = Flightplan({"run", "crash.yaml"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  RunResult killed = Flightplan({"rollback", "1"}, std::to_string(n) + ":" + phase);
  ASSERT_TRUE(killed.signaled) << "exit " << killed.exit_code << "\n" << killed.out << killed.err;
  RunToCompletion({"rollback", "1"});
  ExpectRolledBackEndState();
  ExpectAuditVerifies();
}

INSTANTIATE_TEST_SUITE_P(EveryWrite, KillDuringRollbackTest,
                         ::testing::Combine(::testing::Values(Backend::kFile, Backend::kS3),
                                            ::testing::Range(1, kRollbackWrites + 1),
                                            ::testing::Values("before", "after")),
                         KillPointName);
INSTANTIATE_TEST_SUITE_P(EveryPublishedWrite, KillDuringRollbackTest,
                         ::testing::Combine(::testing::Values(Backend::kS3),
                                            ::testing::Range(1, kRollbackWrites + 1),
                                            ::testing::Values("published")),
                         KillPointName);
INSTANTIATE_TEST_SUITE_P(EveryWriteWithSnapshots, KillDuringRollbackTest,
                         ::testing::Combine(::testing::Values(Backend::kS3Snapshots),
                                            ::testing::Range(1, kRollbackWrites + 1),
                                            ::testing::Values("published")),
                         KillPointName);

TEST_P(BackendCrashTest, KillsAtRandomMomentsInsideStepsLoseNothing) {
  std::mt19937 rng(20261122);
  // Several kills in a row on the same run, each at a random moment, then
  // the same for its rollback.
  for (const char* command : {"run", "rollback"}) {
    std::vector<std::string> args = std::string(command) == "run"
                                        ? std::vector<std::string>{"run", "crash.yaml"}
                                        : std::vector<std::string>{"rollback", "1"};
    for (int i = 0; i < 6; ++i) {
      Background process(Command(args));
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 90));
      process.Signal(SIGKILL);
      RunResult r = process.Wait();
      if (!r.signaled) break;  // it finished before the kill
    }
    RunToCompletion(args);
  }
  ExpectRolledBackEndState();
  ExpectAuditVerifies();
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendCrashTest,
                         ::testing::Values(Backend::kFile, Backend::kS3, Backend::kS3Snapshots),
                         BackendName);

}  // namespace
}  // namespace flightplan::testing
