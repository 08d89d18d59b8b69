// `flightplan plan` against the simulator: where the environment stands
// from the state file and, where it is silent, from the cloud, and the next
// command — judged as a user reads it (text) and as a script does (JSON).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {
namespace {

using ::testing::HasSubstr;

class PlanTest : public MigrationTest {
 protected:
  Value PlanJson() {
    std::vector<std::string> args = {"plan", "--json"};
    for (const auto& a : EnvArgs()) args.push_back(a);
    RunResult r = Flightplan(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Result<Value> json = Value::FromJson(r.out);
    EXPECT_TRUE(json) << r.out;
    return json ? *json : Value();
  }
  static const Value& Row(const Value& plan, const std::string& step) {
    static const Value kNone;
    for (const Value& row : plan.Find("steps")->as_list()) {
      if (row.Find("step")->as_string() == step) return row;
    }
    ADD_FAILURE() << "no row " << step;
    return kNone;
  }
  static std::string State(const Value& plan, const std::string& step) {
    const Value* s = Row(plan, step).Find("state");
    return s != nullptr ? s->as_string() : "";
  }
  std::vector<std::string> Lock(bool rollback = false) {
    std::vector<std::string> args = {"lock"};
    for (const auto& a : EnvArgs()) args.push_back(a);
    if (rollback) args.push_back("--rollback");
    return args;
  }
};

TEST_F(PlanTest, AFreshEnvironmentStartsWithLock) {
  Seed("backend-only");
  Value plan = PlanJson();
  EXPECT_EQ(plan.Find("target")->as_string(), "app/" + app_id_ + "/env/" + env_);
  EXPECT_EQ(plan.Find("steps")->as_list().size(), 11u);
  EXPECT_EQ(State(plan, "lock"), "not-started");
  EXPECT_EQ(State(plan, "refactor-prod"), "not-started");
  EXPECT_EQ(State(plan, "shift"), "not-started");
  EXPECT_EQ(plan.Find("next")->Find("command")->as_string(),
            "flightplan lock --app-id " + app_id_ + " --env " + env_);
  EXPECT_FALSE(plan.Find("cloud")->Find("locked")->as_bool());

  std::vector<std::string> args = {"plan"};
  for (const auto& a : EnvArgs()) args.push_back(a);
  RunResult text = Flightplan(args);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("1.  Lock production"));
  EXPECT_THAT(text.out, HasSubstr("9.  Decommission Gen1 production"));
  EXPECT_THAT(text.out, HasSubstr("next: Lock production"));
}

TEST_F(PlanTest, LockDoneThenRolledBackThenInterrupted) {
  Seed("backend-only");
  ASSERT_EQ(Flightplan(Lock()).exit_code, 0);
  Value locked = PlanJson();
  EXPECT_EQ(State(locked, "lock"), "done");
  EXPECT_THAT(Row(locked, "lock").Find("detail")->as_string(), HasSubstr("by tester"));
  EXPECT_TRUE(locked.Find("cloud")->Find("locked")->as_bool());
  EXPECT_THAT(locked.Find("next")->Find("command")->as_string(),
              HasSubstr("flightplan clone --app-id " + app_id_ + " --env main --clone-env"));
  EXPECT_THAT(locked.Find("next")->Find("reason")->as_string(), HasSubstr("Clone production"));
  EXPECT_THAT(Row(locked, "refactor-clone").Find("detail")->as_string(),
              HasSubstr("after the clone"));

  ASSERT_EQ(Flightplan(Lock(/*rollback=*/true)).exit_code, 0);
  Value back = PlanJson();
  EXPECT_EQ(State(back, "lock"), "rolled-back");
  EXPECT_FALSE(back.Find("cloud")->Find("locked")->as_bool());

  // A run killed half-way: unfinished, and the next command resumes it.
  Control("POST", "/_sim/reset");
  Seed("backend-only");
  state_ = dir_.Join("killed.db");
  RunResult killed = Flightplan(Lock(), "6:after");
  ASSERT_TRUE(killed.signaled) << killed.out << killed.err;
  Value unfinished = PlanJson();
  EXPECT_EQ(State(unfinished, "lock"), "unfinished");
  EXPECT_THAT(unfinished.Find("next")->Find("command")->as_string(),
              HasSubstr("flightplan resume "));
}

// A cleanup closes the clone's history: the plan shows it done until the
// same clone name starts a new rehearsal, whose progress it then shows.
TEST_F(PlanTest, ACleanedUpCloneIsHistoryOnceTheSameNameClonesAgain) {
  Seed("backend-only");
  ASSERT_EQ(Flightplan(Lock()).exit_code, 0);
  std::vector<std::string> clone = {"clone", "--app-id",    app_id_,    "--env",
                                    env_,    "--clone-env", "rehearsal"};
  RunResult made = Flightplan(clone);
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  RunResult cleaned = Flightplan(
      {"cleanup", "--app-id", app_id_, "--env", env_, "--clone-env", "rehearsal", "--yes"});
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.out << cleaned.err;
  Value closed = PlanJson();
  EXPECT_EQ(State(closed, "clone"), "done");
  EXPECT_EQ(State(closed, "cleanup"), "done");

  RunResult again = Flightplan(clone);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  Value fresh = PlanJson();
  EXPECT_EQ(State(fresh, "clone"), "done");
  EXPECT_EQ(State(fresh, "cleanup"), "not-started");
}

TEST_F(PlanTest, ALockTheStateFileDoesNotKnowIsFoundInTheCloud) {
  Seed("backend-only");
  ASSERT_EQ(Flightplan(Lock()).exit_code, 0);
  state_ = dir_.Join("another-operator.db");
  Value plan = PlanJson();
  EXPECT_EQ(State(plan, "lock"), "done");
  EXPECT_THAT(Row(plan, "lock").Find("detail")->as_string(), HasSubstr("locked in the cloud"));
  RunResult offline =
      Flightplan({"plan", "--json", "--offline", "--app-id", app_id_, "--env", env_});
  ASSERT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(State(*Value::FromJson(offline.out), "lock"), "not-started");
}

TEST_F(PlanTest, BackupsAreShownWithTheirArns) {
  Seed("backend-only");
  std::vector<std::string> backup = {"backup"};
  for (const auto& a : EnvArgs()) backup.push_back(a);
  RunResult r = Flightplan(backup);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  Value plan = PlanJson();
  EXPECT_EQ(State(plan, "backup"), "done");
  // Every ARN the account lists (read independently) is in the plan.
  Value listed = Call("dynamodb", "ListBackups");
  const Value* summaries = listed.Find("BackupSummaries");
  ASSERT_TRUE(summaries != nullptr && summaries->is_list() && !summaries->as_list().empty());
  std::string detail = Row(plan, "backup").Find("detail")->as_string();
  for (const Value& b : summaries->as_list()) {
    EXPECT_THAT(detail, HasSubstr(b.Find("BackupArn")->as_string()));
  }
}

TEST_F(PlanTest, TheLatestDriftCheckAndItsVerdictAreShown) {
  Seed("backend-only");
  std::vector<std::string> drift = {"drift"};
  for (const auto& a : EnvArgs()) drift.push_back(a);
  RunResult r = Flightplan(drift);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  Value plan = PlanJson();
  EXPECT_EQ(State(plan, "drift"), "done");
  EXPECT_THAT(Row(plan, "drift").Find("detail")->as_string(), HasSubstr(": clean"));
  EXPECT_EQ(Row(plan, "drift").Find("command")->as_string(),
            "flightplan drift --app-id " + app_id_ + " --env " + env_);
}

TEST_F(PlanTest, Gen2BranchesOfTheAppAreListed) {
  Seed("backend-only");
  std::string gen2_stack;
  {
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.name.find("-gen2main-branch-") != std::string::npos && s.parent_id.empty()) {
        gen2_stack = s.id;
      }
    }
  }
  ASSERT_FALSE(gen2_stack.empty());
  Value branch(ValueMap{});
  branch.Set("appId", app_id_);
  branch.Set("branchName", "gen2-main");
  branch.Set("backend", cloudsim::testing::Obj({{"stackArn", Value(gen2_stack)}}));
  Call("amplify", "CreateBranch", branch);
  Value plan = PlanJson();
  const ValueList& branches = plan.Find("cloud")->Find("gen2_branches")->as_list();
  ASSERT_EQ(branches.size(), 1u) << plan.ToJson();
  EXPECT_THAT(branches[0].as_string(), HasSubstr("gen2-main (CREATE_COMPLETE)"));
}

}  // namespace
}  // namespace flightplan::testing
