// What AWS's own migration tool leaves half-way — an empty `-holding` stack
// in REVIEW_IN_PROGRESS, one that still holds resources, `gen2-migration-*`
// change sets, the GEN2_MIGRATION_ENVIRONMENT_NAME app variable — made in
// the simulator through the AWS CLI as that tool would, then found by
// flightplan, shown by `flightplan plan`, and the parts that hold nothing
// removed; judged through the AWS CLI.
#include "steps/migration/tool_leftovers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kHandle[] =
    R"({"Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}})";

class ToolLeftoversTest : public MigrationTest {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
    Seed("backend-only");
    empty_ = root_stack_ + "-storage-holding";
    full_ = root_stack_ + "-auth-holding";
    // A failed refactor's holding stack: created by a CREATE change set,
    // never executed, so REVIEW_IN_PROGRESS and empty.
    Cli({"cloudformation", "create-change-set", "--stack-name", empty_, "--change-set-name",
         "refactor-create", "--change-set-type", "CREATE", "--template-body", kHandle});
    // A holding stack the tool did fill.
    Cli({"cloudformation", "create-stack", "--stack-name", full_, "--template-body", kHandle});
    // Its plan phase's change sets, and one that is not the tool's.
    for (const char* name : {"gen2-migration-1733300000", "someone-elses"}) {
      Cli({"cloudformation", "create-change-set", "--stack-name", root_stack_, "--change-set-name",
           name, "--use-previous-template", "--capabilities", "CAPABILITY_NAMED_IAM",
           "CAPABILITY_AUTO_EXPAND", "--parameters",
           "ParameterKey=DeploymentBucketName,UsePreviousValue=true",
           "ParameterKey=AuthRoleName,UsePreviousValue=true",
           "ParameterKey=UnauthRoleName,UsePreviousValue=true"});
    }
    Cli({"amplify", "update-app", "--app-id", app_id_, "--environment-variables",
         std::string(migration::kToolEnvironmentVariable) + "=" + env_});
  }

  Result<migration::ToolLeftovers> Find() {
    return migration::FindToolLeftovers(*client_, client_clock_, app_id_, {root_stack_},
                                        {root_stack_});
  }
  std::vector<std::string> ChangeSetNames() {
    Value out = Cli({"cloudformation", "list-change-sets", "--stack-name", root_stack_});
    std::vector<std::string> names;
    for (const Value& c : out.Find("Summaries")->as_list()) {
      names.push_back(c.Find("ChangeSetName")->as_string());
    }
    return names;
  }

  std::string empty_;
  std::string full_;
};

TEST_F(ToolLeftoversTest, EverythingTheToolLeftIsFoundAndWhatHoldsSomethingIsAProblem) {
  Result<migration::ToolLeftovers> found = Find();
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->holding_stacks.size(), 2u);
  for (const auto& h : found->holding_stacks) {
    if (h.name == empty_) {
      EXPECT_EQ(h.status, "REVIEW_IN_PROGRESS");
      EXPECT_TRUE(h.resources.empty());
    } else {
      EXPECT_EQ(h.name, full_);
      ASSERT_EQ(h.resources.size(), 1u);
      EXPECT_THAT(h.resources.front(), HasSubstr("AWS::CloudFormation::WaitConditionHandle"));
    }
  }
  ASSERT_EQ(found->change_sets.size(), 1u);
  EXPECT_EQ(found->change_sets.front().name, "gen2-migration-1733300000");
  EXPECT_EQ(found->environment_name, env_);
  std::vector<std::string> problems = found->Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems.front(), HasSubstr(full_));
  EXPECT_THAT(problems.front(), HasSubstr("amplify gen2-migration refactor --rollback"));

  // `flightplan plan` shows them.
  std::vector<std::string> args = {"plan"};
  for (const std::string& a : EnvArgs()) args.push_back(a);
  RunResult plan = Flightplan(args);
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  EXPECT_THAT(plan.out,
              HasSubstr("warning: left by AWS's migration tool: holding stack " + empty_));
  EXPECT_THAT(plan.out, HasSubstr("gen2-migration-1733300000"));
  EXPECT_THAT(plan.out, HasSubstr(migration::kToolEnvironmentVariable));
}

TEST_F(ToolLeftoversTest, WhatHoldsNothingIsRemovedAndNothingElseIsTouched) {
  Result<migration::ToolLeftovers> found = Find();
  ASSERT_TRUE(found) << found.error().message();
  aws::WaitOptions wait;
  wait.initial_delay = std::chrono::milliseconds(10);
  wait.max_delay = std::chrono::milliseconds(50);
  wait.timeout = std::chrono::seconds(30);
  Result<Value> removed = migration::ClearToolLeftovers(*client_, client_clock_, *found, wait);
  ASSERT_TRUE(removed) << removed.error().message();

  cloudsim::testing::CliResult gone =
      AwsCli({"cloudformation", "describe-stacks", "--stack-name", empty_});
  EXPECT_NE(gone.exit_code, 0) << gone.out;
  EXPECT_THAT(gone.err, HasSubstr("does not exist"));
  Value full = Cli({"cloudformation", "describe-stacks", "--stack-name", full_});
  EXPECT_EQ(full.Find("Stacks")->as_list().front().Find("StackStatus")->as_string(),
            "CREATE_COMPLETE");
  EXPECT_EQ(ChangeSetNames(), std::vector<std::string>{"someone-elses"});
  // Production's stacks were not touched: no update, no delete of them.
  EXPECT_EQ(CountCalls("cloudformation", "UpdateStack"), 0);
  for (const cloudsim::LogEntry& e : LogOf("cloudformation", "DeleteStack")) {
    EXPECT_EQ(e.params.Find("StackName")->as_string(), empty_);
  }

  // Once clean, looking again finds only what it must leave.
  Result<migration::ToolLeftovers> again = Find();
  ASSERT_TRUE(again) << again.error().message();
  ASSERT_EQ(again->holding_stacks.size(), 1u);
  EXPECT_EQ(again->holding_stacks.front().name, full_);
  EXPECT_TRUE(again->change_sets.empty());
}

}  // namespace
}  // namespace flightplan::testing
