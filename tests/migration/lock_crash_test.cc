// Crash tests of `flightplan lock` with the real binary against the
// simulator: SIGKILL before and after every journal write of lock and of its
// rollback, and at random moments while CloudFormation operations are in
// progress; then the operator runs the same command again. The end state
// must equal an uninterrupted run's, byte for byte, and every mutating call
// must have happened the expected number of times (the request log). With
// FLIGHTPLAN_FULL_CRASH_MATRIX=1 every fixture app is crashed; otherwise
// backend-only (docs/testing.md has the full result).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {
namespace {

using Snap = std::map<std::string, StackSnapshot>;

// More writes than any lock run makes; the loop stops at the first write
// number the run does not reach.
constexpr int kMaxWrites = 60;
constexpr int kMaxReruns = 5;

class LockCrashTest : public MigrationTest, public ::testing::WithParamInterface<const char*> {
 protected:
  std::vector<std::string> Lock(bool rollback = false) {
    std::vector<std::string> args = {"lock"};
    for (const auto& a : EnvArgs()) args.push_back(a);
    if (rollback) args.push_back("--rollback");
    return args;
  }

  // A fresh account and state file.
  void Fresh(const std::string& tag) {
    Control("POST", "/_sim/reset");
    Seed(GetParam());
    state_ = dir_.Join("state-" + tag + ".db");
  }

  // Runs `args` until it succeeds, as an operator would.
  void Rerun(const std::vector<std::string>& args, const std::string& what) {
    for (int i = 0; i < kMaxReruns; ++i) {
      RunResult r = Flightplan(args);
      if (r.exit_code == 0) return;
      if (i + 1 == kMaxReruns) ADD_FAILURE() << what << ": still failing: " << r.out << r.err;
    }
  }

  // The stacks' templates and policies, and the lock's call counts, of an
  // uninterrupted run.
  void Reference() {
    Fresh("reference");
    before_ = Snapshot();
    int64_t pos = LogPosition();
    RunResult r = Flightplan(Lock());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    locked_ = Snapshot();
    executes_ = CountCalls("cloudformation", "ExecuteChangeSet", pos);
    ASSERT_GT(executes_, 0);
  }

  // Templates, parameters and policies as in `want` (and, with
  // `same_status`, stack statuses: a rollback leaves UPDATE_COMPLETE).
  void ExpectState(const Snap& want, const std::string& what, bool same_status = true) {
    Snap have = Snapshot();
    for (const auto& [name, snap] : want) {
      EXPECT_EQ(have[name].template_text, snap.template_text) << what << ": " << name;
      EXPECT_EQ(have[name].parameters, snap.parameters) << what << ": " << name;
      if (same_status) {
        EXPECT_EQ(have[name].status, snap.status) << what << ": " << name;
      }
      if (!(have[name].policy == snap.policy)) {
        // No policy before lock: rollback leaves allow-all (a policy cannot
        // be removed), which must not deny anything.
        EXPECT_TRUE(snap.policy.empty() && have[name].policy.find("Deny") == std::string::npos)
            << what << ": " << name << " policy " << have[name].policy;
      }
    }
  }

  bool Full() const { return std::getenv("FLIGHTPLAN_FULL_CRASH_MATRIX") != nullptr; }

  Snap before_;
  Snap locked_;
  int executes_ = 0;
};

TEST_P(LockCrashTest, KilledAtEveryJournalWriteLockThenRollbackConverge) {
  if (!Full() && std::string(GetParam()) != "backend-only") {
    GTEST_SKIP() << "set FLIGHTPLAN_FULL_CRASH_MATRIX=1 to crash every fixture app";
  }
  Reference();
  int scenarios = 0;
  for (const char* when : {"before", "after"}) {
    for (int n = 1; n <= kMaxWrites; ++n) {
      std::string at = std::to_string(n) + ":" + when;
      Fresh("lock-" + at);
      int64_t pos = LogPosition();
      RunResult killed = Flightplan(Lock(), at);
      if (!killed.signaled) {
        ASSERT_EQ(killed.exit_code, 0) << at << killed.out << killed.err;
        break;  // the run makes fewer writes than n
      }
      ++scenarios;
      Rerun(Lock(), "lock after a kill at " + at);
      ExpectState(locked_, "lock killed at " + at);
      EXPECT_EQ(CountCalls("cloudformation", "ExecuteChangeSet", pos), executes_) << at;
      EXPECT_EQ(CountCalls("cloudformation", "CreateChangeSet", pos), executes_) << at;
      EXPECT_EQ(CountCalls("cloudformation", "SetStackPolicy", pos), 1) << at;
    }
  }
  EXPECT_GT(scenarios, 10);

  for (const char* when : {"before", "after"}) {
    for (int n = 1; n <= kMaxWrites; ++n) {
      std::string at = std::to_string(n) + ":" + when;
      Fresh("rollback-" + at);
      RunResult locked = Flightplan(Lock());
      ASSERT_EQ(locked.exit_code, 0) << locked.out << locked.err;
      int64_t pos = LogPosition();
      RunResult killed = Flightplan(Lock(/*rollback=*/true), at);
      if (!killed.signaled) {
        ASSERT_EQ(killed.exit_code, 0) << at << killed.out << killed.err;
        break;
      }
      ++scenarios;
      Rerun(Lock(/*rollback=*/true), "rollback after a kill at " + at);
      ExpectState(before_, "rollback killed at " + at, /*same_status=*/false);
      EXPECT_EQ(CountCalls("cloudformation", "ExecuteChangeSet", pos), executes_) << at;
      EXPECT_EQ(CountCalls("cloudformation", "SetStackPolicy", pos), 1) << at;
    }
  }
}

TEST_P(LockCrashTest, KilledWhileStacksUpdateLockConvergesAndNothingRunsTwice) {
  if (!Full() && std::string(GetParam()) != "backend-only") {
    GTEST_SKIP() << "set FLIGHTPLAN_FULL_CRASH_MATRIX=1 to crash every fixture app";
  }
  Reference();
  std::mt19937 random(20261204);
  const int kKills = Full() ? 12 : 4;
  for (int i = 0; i < kKills; ++i) {
    Fresh("wait-" + std::to_string(i));
    Control("POST", "/_sim/config", cloudsim::testing::Obj({{"operation_delay_ms", Value(150)}}));
    int64_t pos = LogPosition();
    Invocation inv;
    inv.args = {"--state", state_, "--operator", "tester"};
    for (const auto& a : Lock()) inv.args.push_back(a);
    inv.cwd = dir_.path();
    inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
               {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
               {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
               {"AWS_REGION", "us-east-1"},
               {"HOME", dir_.path()}};
    Background run(inv);
    int delay_ms = std::uniform_int_distribution<int>(100, 1500)(random);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    run.Signal(SIGKILL);
    run.Wait();
    Rerun(Lock(), "lock after a kill at " + std::to_string(delay_ms) + " ms");
    Control("POST", "/_sim/config", cloudsim::testing::Obj({{"operation_delay_ms", Value(0)}}));
    ExpectState(locked_, "lock killed after " + std::to_string(delay_ms) + " ms");
    EXPECT_EQ(CountCalls("cloudformation", "ExecuteChangeSet", pos), executes_) << delay_ms;
    EXPECT_LE(CountCalls("cloudformation", "SetStackPolicy", pos), 1) << delay_ms;
  }
}

TEST_P(LockCrashTest, ThrottlingServerErrorsAndResetsOnEveryCallAreRetried) {
  if (!Full() && std::string(GetParam()) != "backend-only") {
    GTEST_SKIP() << "set FLIGHTPLAN_FULL_CRASH_MATRIX=1 to fault every fixture app";
  }
  Reference();
  for (const char* kind : {"throttle", "error", "reset"}) {
    Fresh(std::string("faults-") + kind);
    int64_t pos = LogPosition();
    for (const char* op :
         {"DescribeStacks", "GetTemplate", "ListStackResources", "CreateChangeSet",
          "DescribeChangeSet", "ExecuteChangeSet", "GetStackPolicy", "SetStackPolicy"}) {
      Value rule(ValueMap{});
      rule.Set("service", "cloudformation");
      rule.Set("operation", op);
      rule.Set("kind", kind);
      rule.Set("count", 1);
      if (std::string(kind) == "error") {
        rule.Set("status", 503);
        rule.Set("code", "ServiceUnavailable");
      }
      Control("POST", "/_sim/faults", rule);
    }
    Value amplify(ValueMap{});
    amplify.Set("service", "amplify");
    amplify.Set("operation", "GetBackendEnvironment");
    amplify.Set("kind", kind);
    amplify.Set("count", 1);
    if (std::string(kind) == "error") {
      amplify.Set("status", 503);
      amplify.Set("code", "ServiceUnavailable");
    }
    Control("POST", "/_sim/faults", amplify);
    Rerun(Lock(), std::string("lock under ") + kind);
    Control("DELETE", "/_sim/faults");
    ExpectState(locked_, std::string("lock under ") + kind);
    EXPECT_EQ(CountCalls("cloudformation", "ExecuteChangeSet", pos), executes_) << kind;
    EXPECT_EQ(CountCalls("cloudformation", "SetStackPolicy", pos), 1) << kind;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LockCrashTest,
                         ::testing::Values("backend-only", "discussions", "fitness-tracker",
                                           "media-vault", "product-catalog"));

}  // namespace
}  // namespace flightplan::testing
