// PlanCleanup (steps/migration/cleanup.h) on facts written by hand: what is
// listed, in which order, and each refusal, with the production id named.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "steps/migration/cleanup.h"

namespace flightplan::migration {
namespace {

using ::testing::HasSubstr;

CleanupFacts Rehearsal() {
  CleanupFacts f;
  f.app_id = "d1";
  f.prod_env = "main";
  f.clone_env = "rehearsal";
  f.prod_root_stack = "amplify-proj-main-12345";
  f.production_ids = {{"Todo-main", "production environment main: table"},
                      {"amplify-proj-main-12345", "production environment main: stack"}};
  f.backend_env = true;
  f.backend_stack = "amplify-proj-rehearsal-ab12c";
  f.deployment_bucket = "amplify-proj-rehearsal-ab12c-deployment";
  f.bucket_exists = true;
  f.bucket_tags = {{"flightplan:clone-of", "d1/main"}, {"flightplan:clone-env", "rehearsal"}};
  f.has_tree = true;
  f.gen1.root_name = "amplify-proj-rehearsal-ab12c";
  f.gen1.root_id = "arn:stack/amplify-proj-rehearsal-ab12c/1";
  f.gen1.tags = f.bucket_tags;
  f.gen1.stacks = {f.gen1.root_name, f.gen1.root_id};
  f.gen1.resources = {{f.gen1.root_name, "TodoTable", "Todo-rehearsal", "AWS::DynamoDB::Table"},
                      {f.gen1.root_name, "Role", "role-rehearsal", "AWS::IAM::Role"}};
  f.clone_branch = "gen2-rehearsal";
  f.clone_branch_source = "--clone-branch";
  f.branch_exists = true;
  f.has_branch_tree = true;
  f.gen2.root_name = "amplify-d1-gen2rehearsal-branch-1";
  f.gen2.root_id = "arn:stack/amplify-d1-gen2rehearsal-branch-1/2";
  f.gen2.stacks = {f.gen2.root_name, f.gen2.root_id};
  f.gen2.resources = {{f.gen2.root_name, "Pool", "us-east-1_abc", "AWS::Cognito::UserPool"}};
  f.orphaned = {{f.gen2.root_name, "Orphan", "Orphan-table", "AWS::DynamoDB::Table"},
                {f.gen2.root_name, "Stream", "stream-1", "AWS::Kinesis::Stream"}};
  return f;
}

TEST(CleanupPlanTest, ListsGen2ThenGen1StacksBeforeWhatTheyRetain) {
  Result<CleanupPlan> plan = PlanCleanup(Rehearsal());
  ASSERT_TRUE(plan) << plan.error().ToString();
  std::vector<std::string> got;
  for (const CleanupItem& i : plan->items) got.push_back(i.part + " " + i.kind + " " + i.id);
  EXPECT_THAT(
      got, ::testing::ElementsAre(
               "gen2 stack arn:stack/amplify-d1-gen2rehearsal-branch-1/2",
               "gen2 user-pool us-east-1_abc", "gen2 branch gen2-rehearsal",
               "gen2 table Orphan-table", "gen1 stack arn:stack/amplify-proj-rehearsal-ab12c/1",
               "gen1 table Todo-rehearsal", "gen1 bucket amplify-proj-rehearsal-ab12c-deployment",
               "gen1 backend-environment rehearsal"));
  ASSERT_EQ(plan->left.size(), 1u);
  EXPECT_THAT(plan->left[0], HasSubstr("stream-1"));
  Result<CleanupPlan> round = CleanupPlan::FromValue(plan->ToValue());
  ASSERT_TRUE(round);
  EXPECT_EQ(round->Describe(), plan->Describe());
}

TEST(CleanupPlanTest, RefusesAProductionIdAnywhereOnTheList) {
  for (int where = 0; where < 4; ++where) {
    CleanupFacts f = Rehearsal();
    if (where == 0) f.gen1.resources[1].physical_id = "Todo-main";
    if (where == 1) f.gen2.resources[0].physical_id = "Todo-main";
    if (where == 2) f.orphaned[1].physical_id = "Todo-main";
    if (where == 3) f.gen2.stacks.push_back("amplify-proj-main-12345");
    Result<CleanupPlan> plan = PlanCleanup(f);
    ASSERT_FALSE(plan) << where;
    EXPECT_THAT(plan.error().message(), HasSubstr("nothing was deleted")) << where;
    EXPECT_THAT(plan.error().message(), HasSubstr("belongs to production")) << where;
  }
}

TEST(CleanupPlanTest, RefusesProductionBranchesAndUntaggedClones) {
  CleanupFacts f = Rehearsal();
  f.prod_refactor_to_branch = "gen2-rehearsal";
  EXPECT_THAT(PlanCleanup(f).error().message(), HasSubstr("production's Gen2 branch"));
  f = Rehearsal();
  f.branch_domains = {"example.com (www)"};
  EXPECT_THAT(PlanCleanup(f).error().message(), HasSubstr("custom domain"));
  f = Rehearsal();
  f.gen1.tags.erase("flightplan:clone-of");
  EXPECT_THAT(PlanCleanup(f).error().message(), HasSubstr("does not carry the clone tags"));
  f = Rehearsal();
  f.bucket_tags["flightplan:clone-env"] = "other";
  EXPECT_THAT(PlanCleanup(f).error().message(), HasSubstr("deployment bucket"));
  f = Rehearsal();
  f.gen1.root_name = "amplify-other-rehearsal-ab12c";
  EXPECT_THAT(PlanCleanup(f).error().message(), HasSubstr("is not named"));
  f = Rehearsal();
  f.clone_env = "main";
  EXPECT_THAT(PlanCleanup(f).error().message(), HasSubstr("is the production environment"));
}

TEST(CleanupPlanTest, NothingLeftIsAnEmptyList) {
  CleanupFacts f = Rehearsal();
  f.backend_env = f.bucket_exists = f.has_tree = f.branch_exists = f.has_branch_tree = false;
  f.orphaned.clear();
  Result<CleanupPlan> plan = PlanCleanup(f);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->items.empty());
  EXPECT_THAT(plan->Describe(), HasSubstr("Nothing to delete."));
}

TEST(CleanupPlanTest, OrphanedCopiesTakeTheirTypeFromTheOriginalTemplate) {
  Value orphaned(ValueMap{});
  Value ids(ValueMap{});
  ids.Set("TodoTable", "Todo-x");
  orphaned.Set("stack-a", ids);
  Value templates(ValueMap{});
  templates.Set("stack-a", R"({"Resources":{"TodoTable":{"Type":"AWS::DynamoDB::Table"}}})");
  std::vector<CleanupResource> got = OrphanedCopies(orphaned, templates);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].physical_id, "Todo-x");
  EXPECT_EQ(got[0].type, "AWS::DynamoDB::Table");
  EXPECT_TRUE(OrphanedCopies(Value(), Value()).empty());
}

}  // namespace
}  // namespace flightplan::migration
