// Several operators on one state, with real processes: exactly one works on
// a target at a time, the others are told who holds it (exit 3); a dead
// holder's lease is taken over; a holder frozen past its lease's expiry
// cannot write a byte after someone else took over (fencing). Every test runs
// on a local state file and on a state in the simulator's S3, where each
// operator is a machine of its own (tests/support/state_backend.h).
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/support/state_backend.h"
#include "tests/support/test_support.h"

namespace flightplan::testing {
namespace {

int CountLines(const std::string& text, const std::string& line) {
  int n = 0;
  size_t pos = 0;
  std::string needle = line + "\n";
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') ++n;
    pos += needle.size();
  }
  return n;
}

class LeaseTest : public StateBackendTest, public ::testing::WithParamInterface<Backend> {
 protected:
  Backend backend() const override { return GetParam(); }

  // A process frozen inside a SQLite write would keep the file locked for
  // everyone (a limitation of SQLite's locks, documented in docs/cli.md), so
  // freeze the holder just after a heartbeat committed: its main thread is
  // waiting inside a step, and the next heartbeat is a third of a TTL away.
  void FreezeRightAfterAHeartbeat(Background& holder, const std::string& target) {
    auto heartbeat = [&] {
      RunResult show = RunFlightplan(Make({"lease", "show", "--target", target}, "observer"));
      size_t at = show.out.find("heartbeat ");
      return at == std::string::npos ? std::string() : show.out.substr(at, 40);
    };
    std::string first = heartbeat();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (heartbeat() == first && std::chrono::steady_clock::now() < deadline) {
    }
    holder.Signal(SIGSTOP);
  }

  // `who` runs the command, on a machine of their own.
  Invocation Make(std::vector<std::string> args, const std::string& who) {
    args.push_back("--operator");
    args.push_back(who);
    return StateBackendTest::Make(std::move(args), who);
  }
};

TEST_P(LeaseTest, EightOperatorsStartingAtOnceRunEachStepExactlyOnce) {
  WriteFile(dir_.Join("shared.yaml"), R"yaml(name: shared
version: 1
steps:
  - id: first
    uses: exec
    with: {argv: [sh, -c, 'echo first >> effects; sleep 1.5']}
  - id: second
    uses: exec
    with: {argv: [sh, -c, 'echo second >> effects']}
)yaml");
  std::vector<std::unique_ptr<Background>> operators;
  for (int i = 0; i < 8; ++i) {
    operators.push_back(
        std::make_unique<Background>(Make({"run", "shared.yaml"}, "operator" + std::to_string(i))));
  }
  int ran = 0, refused = 0;
  for (auto& op : operators) {
    RunResult r = op->Wait();
    if (r.exit_code == 0) {
      ++ran;
    } else {
      EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
      EXPECT_NE(r.err.find("is being worked on by operator"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("last heartbeat"), std::string::npos) << r.err;
      ++refused;
    }
  }
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(refused, 7);
  std::string effects = ReadFile(dir_.Join("effects"));
  EXPECT_EQ(CountLines(effects, "first"), 1) << effects;
  EXPECT_EQ(CountLines(effects, "second"), 1) << effects;
  EXPECT_EQ(RunFlightplan(Make({"audit", "verify"}, "auditor")).exit_code, 0);
}

TEST_P(LeaseTest, KilledHoldersLeaseIsTakenOverAndTheRunFinished) {
  WriteFile(dir_.Join("slow.yaml"), R"yaml(name: slow
version: 1
steps:
  - id: mark
    uses: file.write
    with: {path: started, content: go}
  - id: work
    uses: wait
    with: {duration: 30s}
  - id: after
    uses: exec
    with: {argv: [sh, -c, 'echo after >> effects']}
)yaml");
  Invocation holder_inv = Make({"run", "slow.yaml", "--lease-ttl", "2"}, "alice");
  auto holder = std::make_unique<Background>(holder_inv);
  ASSERT_TRUE(WaitForFile(dir_.Join("started"), std::chrono::seconds(20)));
  // Someone else is refused while alice is alive.
  RunResult refused = RunFlightplan(Make({"resume", "1"}, "bob"));
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("alice"), std::string::npos) << refused.err;

  holder->Signal(SIGKILL);
  RunResult dead = holder->Wait();
  ASSERT_TRUE(dead.signaled);
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));  // the lease expires too

  RunResult lease = RunFlightplan(Make({"lease", "show"}, "bob"));
  EXPECT_NE(lease.out.find("expired"), std::string::npos) << lease.out;
  // The wait step is in doubt; wait steps re-run. Shorten the wait by
  // resuming under an edited definition, accepted explicitly.
  std::string text = ReadFile(dir_.Join("slow.yaml"));
  text.replace(text.find("30s"), 3, "1s");
  WriteFile(dir_.Join("slow.yaml"), text);
  RunResult resumed =
      RunFlightplan(Make({"resume", "1", "--take-over", "--accept-definition-change"}, "bob"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("took over"), std::string::npos) << resumed.out;
  EXPECT_EQ(ReadFile(dir_.Join("effects")), "after\n");
  RunResult history = RunFlightplan(Make({"history", "--json"}, "bob"));
  EXPECT_NE(history.out.find("lease.taken_over"), std::string::npos);
  EXPECT_NE(history.out.find("definition.changed"), std::string::npos);
  EXPECT_EQ(RunFlightplan(Make({"audit", "verify"}, "bob")).exit_code, 0);
}

TEST_P(LeaseTest, FrozenHolderCannotWriteAfterItsLeaseWasTakenOver) {
  WriteFile(dir_.Join("freeze.yaml"), R"yaml(name: freeze
version: 1
steps:
  - id: mark
    uses: file.write
    with: {path: started, content: go}
  - id: pause
    uses: wait
    with: {duration: 3s}
  - id: effect
    uses: exec
    with: {argv: [sh, -c, 'echo effect-by-$FLIGHTPLAN_RUN_ID >> effects']}
)yaml");
  auto alice =
      std::make_unique<Background>(Make({"run", "freeze.yaml", "--lease-ttl", "1"}, "alice"));
  ASSERT_TRUE(WaitForFile(dir_.Join("started"), std::chrono::seconds(20)));
  FreezeRightAfterAHeartbeat(*alice, "freeze");
  std::this_thread::sleep_for(std::chrono::milliseconds(1800));  // alice's lease expires

  RunResult bob = RunFlightplan(Make({"resume", "1", "--take-over", "--lease-ttl", "30"}, "bob"));
  ASSERT_EQ(bob.exit_code, 0) << bob.out << bob.err;

  RunResult before = RunFlightplan(Make({"history", "--json"}, "auditor"));
  alice->Signal(SIGCONT);
  RunResult woken = alice->Wait();
  EXPECT_EQ(woken.exit_code, 3) << woken.out << woken.err;
  EXPECT_NE(woken.err.find("taken over by another operator"), std::string::npos) << woken.err;
  EXPECT_NE(woken.err.find("without writing"), std::string::npos) << woken.err;

  RunResult after = RunFlightplan(Make({"history", "--json"}, "auditor"));
  EXPECT_EQ(after.out, before.out) << "alice wrote after losing the lease";
  EXPECT_EQ(ReadFile(dir_.Join("effects")), "effect-by-1\n");
  EXPECT_EQ(RunFlightplan(Make({"audit", "verify"}, "auditor")).exit_code, 0);
}

TEST_P(LeaseTest, TakeOverCommandFreesAnExpiredLeaseAndIsAudited) {
  WriteFile(dir_.Join("slow.yaml"), R"yaml(name: slow
version: 1
steps:
  - id: mark
    uses: file.write
    with: {path: started, content: go}
  - id: work
    uses: wait
    with: {duration: 30s}
)yaml");
  auto alice =
      std::make_unique<Background>(Make({"run", "slow.yaml", "--lease-ttl", "1"}, "alice"));
  ASSERT_TRUE(WaitForFile(dir_.Join("started"), std::chrono::seconds(20)));
  FreezeRightAfterAHeartbeat(*alice, "slow");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  RunResult early = RunFlightplan(Make({"resume", "1"}, "bob"));
  EXPECT_EQ(early.exit_code, 3);
  EXPECT_NE(early.err.find("--take-over"), std::string::npos) << early.err;
  RunResult take = RunFlightplan(Make({"lease", "take-over", "slow"}, "bob"));
  EXPECT_EQ(take.exit_code, 0) << take.out << take.err;
  RunResult show = RunFlightplan(Make({"lease", "show"}, "bob"));
  EXPECT_NE(show.out.find("released"), std::string::npos) << show.out;
  alice->Signal(SIGCONT);
  EXPECT_EQ(alice->Wait().exit_code, 3);
  RunResult history = RunFlightplan(Make({"history"}, "bob"));
  EXPECT_NE(history.out.find("lease.taken_over"), std::string::npos) << history.out;
}

INSTANTIATE_TEST_SUITE_P(Backends, LeaseTest, ::testing::Values(Backend::kFile, Backend::kS3),
                         BackendName);

}  // namespace
}  // namespace flightplan::testing
