// `flightplan clone`: a rehearsal environment created from the cloud alone,
// with the real binary against the in-process simulator seeded with a
// fixture app. Oracles: the simulator's state and request log, and the AWS
// CLI — never flightplan's report.
#include "tests/migration/clone_fixture.h"

namespace flightplan::testing {
namespace {

TEST_F(CloneTest, ClonesBackendOnlyWithItsOwnResourcesLockedAndRollsBack) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed("backend-only");
  auto before = Snapshot();
  std::set<std::string> prod_ids = StatefulIds(root_stack_);
  ASSERT_FALSE(prod_ids.empty());
  int64_t pos = LogPosition();
  RunResult r = Flightplan(CloneArgs());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  std::string clone = CloneRootStack();
  ASSERT_FALSE(clone.empty());
  EXPECT_TRUE(clone.starts_with("amplify-backendonly-rehearsal-")) << clone;
  std::set<std::string> clone_ids = StatefulIds(clone);
  EXPECT_GE(clone_ids.size(), prod_ids.size());
  for (const std::string& id : clone_ids) EXPECT_EQ(prod_ids.count(id), 0u) << id;

  // Tags on the stack tree and the bucket.
  Value stack = Cli({"cloudformation", "describe-stacks", "--stack-name", clone});
  std::string tags = stack.ToJson();
  EXPECT_THAT(tags, HasSubstr("flightplan:clone-of"));
  EXPECT_THAT(tags, HasSubstr(app_id_ + "/" + env_));
  Value bucket_tags = Cli({"s3api", "get-bucket-tagging", "--bucket", clone + "-deployment"});
  EXPECT_THAT(bucket_tags.ToJson(), HasSubstr("rehearsal"));

  // Registered with Amplify.
  Value be = Cli({"amplify", "get-backend-environment", "--app-id", app_id_, "--environment-name",
                  "rehearsal"});
  EXPECT_EQ(Str(*be.Find("backendEnvironment"), "stackName"), clone);

  // Locked: the clone's root stack has lock's deny statement.
  Value policy = Cli({"cloudformation", "get-stack-policy", "--stack-name", clone});
  EXPECT_THAT(Str(policy, "StackPolicyBody"), HasSubstr("Update:*"));
  // …and its tables retained and deletion-protected, like production's.
  int tables = 0;
  for (const std::string& id : clone_ids) {
    CliResult d = AwsCli({"dynamodb", "describe-table", "--table-name", id});
    if (d.exit_code != 0) continue;  // a bucket or a pool
    ++tables;
    EXPECT_THAT(d.out, HasSubstr("\"DeletionProtectionEnabled\": true")) << id;
  }
  EXPECT_GT(tables, 0);

  ExpectProductionUntouched(pos, prod_ids);
  auto after = Snapshot();
  for (const auto& [name, snap] : before) {
    ASSERT_TRUE(after.count(name)) << name;
    EXPECT_EQ(after[name], snap) << name;
  }
  EXPECT_EQ(CountCalls("cloudformation", "CreateStack", pos), 1);

  // Generate from the cloud works for the clone.
  TempDir out;
  RunResult gen = Flightplan(
      {"generate", "--app-id", app_id_, "--env", "rehearsal", "--out", out.Join("gen2")});
  EXPECT_EQ(gen.exit_code, 0) << gen.out << gen.err;
  // …naming the clone's resources as the clone's stacks named them (the
  // zip's root template passes the clone's env to its nested stacks).
  Result<Value> migration = Value::FromJson(ReadFile(out.Join("gen2/amplify/migration.json")));
  ASSERT_TRUE(migration) << migration.error().ToString();
  const Value* resources = migration->Find("gen1")->Find("resources");
  ASSERT_TRUE(resources != nullptr && resources->is_map());
  int named_for_clone = 0;
  for (const auto& [key, entry] : resources->as_map()) {
    std::string name = Str(entry, "name");
    EXPECT_FALSE(name.ends_with("-" + env_) || name.ends_with("__" + env_)) << key << " " << name;
    if (name.ends_with("rehearsal")) ++named_for_clone;
  }
  EXPECT_GT(named_for_clone, 0) << migration->ToJson();

  // Rollback: the clone's lock, then every clone resource; production as it was.
  std::vector<std::string> rb = CloneArgs({"--rollback"});
  RunResult back = Flightplan(rb);
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_TRUE(CloneRootStack().empty());
  EXPECT_TRUE(StatefulIds(clone).empty());
  CliResult head = AwsCli({"s3api", "head-bucket", "--bucket", clone + "-deployment"});
  EXPECT_NE(head.exit_code, 0);
  CliResult gone = AwsCli({"amplify", "get-backend-environment", "--app-id", app_id_,
                           "--environment-name", "rehearsal"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(StatefulIds(root_stack_), prod_ids);
}

// After a cleanup, the same clone name is a new rehearsal: the earlier
// clone, lock and cleanup runs are history (the cleanup closed the target),
// so nothing is "already completed" and the new clone is made and locked.
TEST_F(CloneTest, TheSameNameClonesAgainAfterCleanup) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed("backend-only");
  RunResult first = Flightplan(CloneArgs());
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  std::string old_root = CloneRootStack();
  ASSERT_FALSE(old_root.empty());
  RunResult cleaned = Flightplan(
      {"cleanup", "--app-id", app_id_, "--env", env_, "--clone-env", "rehearsal", "--yes"});
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.out << cleaned.err;
  ASSERT_TRUE(CloneRootStack().empty());

  int64_t pos = LogPosition();
  RunResult again = Flightplan(CloneArgs());
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out + again.err, ::testing::Not(HasSubstr("already completed")));
  std::string root = CloneRootStack();
  ASSERT_FALSE(root.empty());
  EXPECT_EQ(CountCalls("cloudformation", "CreateStack", pos), 1);
  Value policy = Cli({"cloudformation", "get-stack-policy", "--stack-name", root});
  EXPECT_THAT(Str(policy, "StackPolicyBody"), HasSubstr("Update:*"));
  Value be = Cli({"amplify", "get-backend-environment", "--app-id", app_id_, "--environment-name",
                  "rehearsal"});
  EXPECT_EQ(Str(*be.Find("backendEnvironment"), "stackName"), root);

  // The new rehearsal rolls back like any other (its own lock first).
  RunResult back = Flightplan(CloneArgs({"--rollback"}));
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_TRUE(CloneRootStack().empty());
}

TEST_F(CloneTest, RefusesAHardCodedBucketNameBeforeCreatingAnything) {
  SeedWithHardCodedBucket();
  auto before = Snapshot();
  int64_t pos = LogPosition();
  RunResult r = Flightplan(CloneArgs());
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("would not be isolated"));
  EXPECT_THAT(r.out + r.err, HasSubstr("S3Bucket"));
  EXPECT_THAT(r.out + r.err, HasSubstr("hard-coded"));
  EXPECT_TRUE(MutatingCalls(pos).empty());
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(CloneTest, DryRunCreatesNothing) {
  Seed("backend-only");
  auto before = Snapshot();
  int64_t pos = LogPosition();
  RunResult r = Flightplan(CloneArgs({"--dry-run"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("isolation proven"));
  EXPECT_TRUE(MutatingCalls(pos).empty());
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
}  // namespace flightplan::testing
