#include "engine/state.h"

#include <gtest/gtest.h>

namespace flightplan {
namespace {

TEST(StateTest, RunStateMachineAllowsOnlyDocumentedTransitions) {
  using S = RunState;
  EXPECT_TRUE(IsAllowed(S::kPending, S::kRunning));
  EXPECT_TRUE(IsAllowed(S::kRunning, S::kSucceeded));
  EXPECT_TRUE(IsAllowed(S::kRunning, S::kFailed));
  EXPECT_TRUE(IsAllowed(S::kFailed, S::kRunning));
  EXPECT_TRUE(IsAllowed(S::kSucceeded, S::kRollingBack));
  EXPECT_TRUE(IsAllowed(S::kFailed, S::kRollingBack));
  EXPECT_TRUE(IsAllowed(S::kRollingBack, S::kRolledBack));
  EXPECT_TRUE(IsAllowed(S::kRollingBack, S::kRollbackFailed));
  EXPECT_TRUE(IsAllowed(S::kRollbackFailed, S::kRollingBack));
  // A rollback never "succeeds" after a failure, and nothing leaves rolled_back.
  EXPECT_FALSE(IsAllowed(S::kRollbackFailed, S::kRolledBack));
  EXPECT_FALSE(IsAllowed(S::kRolledBack, S::kRunning));
  EXPECT_FALSE(IsAllowed(S::kPending, S::kSucceeded));
  EXPECT_FALSE(IsAllowed(S::kSucceeded, S::kRunning));
}

TEST(StateTest, StepStateMachineAllowsOnlyDocumentedTransitions) {
  using S = StepState;
  EXPECT_TRUE(IsAllowed(S::kPending, S::kRunning));
  EXPECT_TRUE(IsAllowed(S::kFailed, S::kRunning));
  EXPECT_TRUE(IsAllowed(S::kPending, S::kSkipped));
  EXPECT_TRUE(IsAllowed(S::kSucceeded, S::kRollingBack));
  EXPECT_FALSE(IsAllowed(S::kPending, S::kSucceeded));
  EXPECT_FALSE(IsAllowed(S::kSkipped, S::kRollingBack));
  EXPECT_FALSE(IsAllowed(S::kRollbackFailed, S::kRolledBack));
  EXPECT_TRUE(IsAllowed(S::kRunning, S::kRunning));  // a checkpoint
  EXPECT_FALSE(IsAllowed(S::kRollingBack, S::kRollingBack));
  EXPECT_FALSE(IsAllowed(S::kSucceeded, S::kSucceeded));
}

TEST(StateTest, NamesRoundTrip) {
  for (RunState s :
       {RunState::kPending, RunState::kRunning, RunState::kSucceeded, RunState::kFailed,
        RunState::kRollingBack, RunState::kRolledBack, RunState::kRollbackFailed}) {
    EXPECT_EQ(ParseRunState(RunStateName(s)), s);
  }
  EXPECT_FALSE(ParseRunState("done"));
  EXPECT_EQ(ParseStepState("rolling_back"), StepState::kRollingBack);
}

}  // namespace
}  // namespace flightplan
