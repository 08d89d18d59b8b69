// JournalWrapper forwards every call, so a wrapper overrides only the call it
// changes: here one that fails the Nth step write, over the real SQLite
// journal.
#include "engine/journal_wrapper.h"

#include <gtest/gtest.h>

#include <memory>

#include "store/sqlite_journal.h"
#include "tests/engine/fakes.h"
#include "tests/support/test_support.h"

namespace flightplan {
namespace {

using testing::FakeClock;
using testing::TempDir;

// Fails the Nth TransitionStep with kTransient, writing nothing.
class FailingStepWrite final : public JournalWrapper {
 public:
  FailingStepWrite(std::unique_ptr<Journal> journal, int fail_at)
      : JournalWrapper(std::move(journal)), fail_at_(fail_at) {}

  Result<void> TransitionStep(const Fence& fence, const StepUpdate& update,
                              const NewEvent& event) override {
    if (++step_writes_ == fail_at_) return MakeError(ErrorCode::kTransient, "injected");
    return JournalWrapper::TransitionStep(fence, update, event);
  }

 private:
  int fail_at_;
  int step_writes_ = 0;
};

class JournalWrapperTest : public ::testing::Test {
 protected:
  std::unique_ptr<Journal> OpenReal() {
    auto journal = OpenSqliteJournal(dir_.Join("state.db"), clock_, JournalOptions{});
    EXPECT_TRUE(journal) << journal.error().ToString();
    return journal ? std::unique_ptr<Journal>(std::move(*journal)) : nullptr;
  }

  static LeaseRequest Request() {
    return LeaseRequest{"t", LeaseHolder{"alice", "host", 1, "alice", ""}, Duration(30000),
                        LeaseMode::kAcquire, 0};
  }

  static StepUpdate Start(RunId run, const std::string& step) {
    StepUpdate update;
    update.run_id = run;
    update.step_id = step;
    update.from = StepState::kPending;
    update.to = StepState::kRunning;
    return update;
  }

  static NewEvent Event(const std::string& kind, RunId run = 0, const std::string& step = "") {
    return NewEvent{kind, "alice", run, "t", step, Value(ValueMap{})};
  }

  TempDir dir_;
  FakeClock clock_;
};

TEST_F(JournalWrapperTest, ForwardsEveryCallToTheWrappedJournal) {
  std::unique_ptr<Journal> real = OpenReal();
  Journal* inner = real.get();
  JournalWrapper journal(std::move(real));
  EXPECT_EQ(&journal.wrapped(), inner);
  EXPECT_EQ(journal.JournalId(), inner->JournalId());

  auto lease = journal.AcquireLease(Request());
  ASSERT_TRUE(lease) << lease.error().ToString();
  Fence fence{lease->target, lease->generation};
  ASSERT_TRUE(journal.HeartbeatLease(fence, Duration(30000)));
  ASSERT_TRUE(journal.GetLease("t").value().has_value());
  EXPECT_EQ(journal.ListLeases().value().size(), 1u);

  RunRecord run;
  run.workflow = "wf";
  run.target = "t";
  run.definition_sha256 = "abc";
  run.params = Value(ValueMap{});
  auto id = journal.CreateRun(fence, run, {"a"}, Event("run.created"));
  ASSERT_TRUE(id) << id.error().ToString();
  ASSERT_TRUE(journal.TransitionRun(fence, *id, RunState::kPending, RunState::kRunning,
                                    Event("run.started", *id)));
  ASSERT_TRUE(journal.TransitionStep(fence, Start(*id, "a"), Event("step.started", *id, "a")));
  ASSERT_TRUE(journal.RepinDefinition(fence, *id, "def", "wf.yaml", "text",
                                      Event("definition.changed", *id)));
  ASSERT_TRUE(journal.AppendEvent(&fence, Event("note", *id)));
  ASSERT_TRUE(journal.ReleaseLease(fence, "alice"));

  EXPECT_EQ(journal.GetRun(*id).value().definition_sha256, "def");
  EXPECT_EQ(inner->GetRun(*id).value().state, RunState::kRunning);
  EXPECT_EQ(journal.GetSteps(*id).value().at(0).state, StepState::kRunning);
  EXPECT_EQ(journal.ListRuns("wf", "t").value().size(), 1u);
  EXPECT_EQ(journal.ListEvents(EventFilter{}).value().size(),
            inner->ListEvents(EventFilter{}).value().size());
  auto chain = journal.VerifyChain();
  ASSERT_TRUE(chain) << chain.error().ToString();
  EXPECT_FALSE(chain->first_bad_seq.has_value()) << chain->problem;
}

TEST_F(JournalWrapperTest, AWrapperOverridesOnlyTheCallItBreaks) {
  FailingStepWrite journal(OpenReal(), /*fail_at=*/2);
  auto lease = journal.AcquireLease(Request());
  ASSERT_TRUE(lease) << lease.error().ToString();
  Fence fence{lease->target, lease->generation};
  RunRecord run;
  run.workflow = "wf";
  run.target = "t";
  run.params = Value(ValueMap{});
  RunId id = journal.CreateRun(fence, run, {"a", "b"}, Event("run.created")).value();

  ASSERT_TRUE(journal.TransitionStep(fence, Start(id, "a"), Event("step.started", id, "a")));
  auto failed = journal.TransitionStep(fence, Start(id, "b"), Event("step.started", id, "b"));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), ErrorCode::kTransient);

  auto steps = journal.GetSteps(id).value();
  EXPECT_EQ(steps.at(0).state, StepState::kRunning);
  EXPECT_EQ(steps.at(1).state, StepState::kPending);  // the failed write wrote nothing
  EXPECT_TRUE(journal.TransitionStep(fence, Start(id, "b"), Event("step.started", id, "b")));
}

}  // namespace
}  // namespace flightplan
