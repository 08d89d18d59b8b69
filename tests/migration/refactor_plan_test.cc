// The refactor plan of a real fixture environment: Gen1 as the simulator
// holds it (seeded from media-vault, locked by the real binary), Gen2 as
// flightplan's generated code synthesizes it (tests/data/gen2-synth). Every
// destination is found by the identity mark; the physical ids are checked
// against the AWS CLI's view of the account, not the plan's own report.
#include "steps/migration/refactor_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {
namespace {

using cloudsim::testing::CliResult;
using migration::EnvStack;
using migration::Gen1Environment;
using migration::RefactorMove;
using migration::RefactorPlan;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadData(const std::string& relative) {
  std::ifstream in(std::string(FLIGHTPLAN_SOURCE_DIR) + "/tests/data/gen2-synth/" + relative);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A deployed Gen2 nested stack made from a synthesized template: each
// resource gets a physical id of its own.
EnvStack Gen2Stack(const std::string& path, const std::string& body) {
  EnvStack stack;
  stack.path = path;
  stack.name = "amplify-app123-gen2main-branch-" + path;
  stack.template_body = body;
  Result<Value> tmpl = Value::FromJson(body);
  for (const auto& [id, def] : tmpl->Find("Resources")->as_map()) {
    stack.resources.push_back({.logical_id = id,
                               .physical_id = "gen2-" + id,
                               .type = def.Find("Type")->as_string(),
                               .status = "CREATE_COMPLETE",
                               .stateful = false});
  }
  return stack;
}

class RefactorPlanTest : public MigrationTest {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    Seed("media-vault");
    auth_ = ReadData("media-vault/auth.template.json");
    storage_ = ReadData("media-vault/storage.template.json");
    ASSERT_FALSE(auth_.empty());
    ASSERT_FALSE(storage_.empty());
  }
  Gen1Environment Gen1() {
    Result<Gen1Environment> env = migration::DiscoverEnvironment(*client_, client_clock_, app_id_,
                                                                 env_, migration::StatefulTypes());
    EXPECT_TRUE(env) << env.error().message();
    return *env;
  }
  std::vector<EnvStack> Gen2() {
    return {Gen2Stack("", R"({"Resources": {}})"), Gen2Stack("auth179371D7", auth_),
            Gen2Stack("storage0EC3F24A", storage_)};
  }
  void Lock() {
    std::vector<std::string> args = {"lock", "--yes"};
    for (const std::string& a : EnvArgs()) args.push_back(a);
    RunResult locked = Flightplan(args);
    ASSERT_EQ(locked.exit_code, 0) << locked.out << locked.err;
  }
  static const RefactorMove* Move(const RefactorPlan& plan, const std::string& key) {
    for (const RefactorMove& m : plan.moves) {
      if (m.key == key) return &m;
    }
    return nullptr;
  }
  std::string auth_;
  std::string storage_;
};

TEST_F(RefactorPlanTest, EveryStatefulResourceMovesByIdentityOrStaysForAReason) {
  Lock();
  RefactorPlan plan = migration::PlanRefactor(Gen1(), Gen2());
  EXPECT_TRUE(plan.ok()) << plan.ToText();
  std::set<std::string> keys;
  for (const RefactorMove& m : plan.moves) keys.insert(m.key);
  EXPECT_EQ(keys, (std::set<std::string>{
                      "auth/mediavault1f08412d/IdentityPool", "auth/mediavault1f08412d/UserPool",
                      "auth/userPoolGroups/AdminGroup", "auth/userPoolGroups/BasicGroup",
                      "storage/mediavault/S3Bucket"}));
  const RefactorMove* pool = Move(plan, "auth/mediavault1f08412d/UserPool");
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->source_path, "authmediavault1f08412d");
  EXPECT_EQ(pool->source_logical_id, "UserPool");
  EXPECT_EQ(pool->destination_logical_id, "amplifyAuthUserPool4BA7F805");
  EXPECT_EQ(pool->displaced_physical_id, "gen2-amplifyAuthUserPool4BA7F805");
  // Two Gen1 stacks (auth and its groups) move into one Gen2 stack.
  const RefactorMove* admin = Move(plan, "auth/userPoolGroups/AdminGroup");
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->source_path, "authuserPoolGroups");
  EXPECT_EQ(admin->destination_path, "auth179371D7");
  EXPECT_EQ(admin->destination_logical_id, "amplifyAuthAdminGroupCC42FF04");
  const RefactorMove* bucket = Move(plan, "storage/mediavault/S3Bucket");
  ASSERT_NE(bucket, nullptr);
  EXPECT_EQ(bucket->destination_logical_id, "mediavaultBucket251E224B");
  EXPECT_EQ(plan.StackPairs().size(), 3u);

  // The physical ids are the account's, as the AWS CLI sees them.
  if (HaveAwsCli()) {
    CliResult pools = AwsCli({"cognito-idp", "list-user-pools", "--max-results", "60"});
    ASSERT_EQ(pools.exit_code, 0) << pools.err;
    EXPECT_THAT(pools.out, HasSubstr(pool->physical_id));
    CliResult buckets = AwsCli({"s3api", "list-buckets"});
    EXPECT_THAT(buckets.out, HasSubstr("\"" + bucket->physical_id + "\""));
  }
  // What stays says why: the app clients, the model tables, the
  // deployment bucket.
  std::set<std::string> staying_types;
  for (const migration::StayingResource& s : plan.staying) {
    staying_types.insert(s.type);
    EXPECT_FALSE(s.reason.empty());
  }
  EXPECT_EQ(staying_types, (std::set<std::string>{"AWS::Cognito::UserPoolClient",
                                                  "AWS::DynamoDB::Table", "AWS::S3::Bucket"}));
  EXPECT_THAT(plan.ToText(), HasSubstr("move  AWS::Cognito::UserPool"));
  EXPECT_EQ(plan.ToJson().Find("moves")->as_list().size(), 5u);
}

TEST_F(RefactorPlanTest, AnUnlockedEnvironmentIsBlockedWithTheLockCommand) {
  RefactorPlan plan = migration::PlanRefactor(Gen1(), Gen2());
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.problems.front(), HasSubstr("not retained"));
  EXPECT_THAT(plan.problems.front(), HasSubstr("flightplan lock --app-id " + app_id_));
}

TEST_F(RefactorPlanTest, DuplicateMissingAndForeignDestinationsBlockTheRefactor) {
  Lock();
  Gen1Environment gen1 = Gen1();
  auto replace = [](std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  };
  {
    // The bucket's mark removed: Gen1's bucket would stay behind.
    std::vector<EnvStack> gen2 = Gen2();
    gen2[2] = Gen2Stack("storage0EC3F24A",
                        replace(storage_, "\"flightplan:gen1\"", "\"something:else\""));
    RefactorPlan plan = migration::PlanRefactor(gen1, gen2);
    ASSERT_EQ(plan.problems.size(), 1u) << plan.ToText();
    EXPECT_THAT(plan.problems[0], HasSubstr("S3Bucket"));
    EXPECT_THAT(plan.problems[0], HasSubstr("has no destination"));
  }
  {
    // Two Gen2 resources claim the same Gen1 group.
    std::vector<EnvStack> gen2 = Gen2();
    gen2[1] = Gen2Stack("auth179371D7", replace(auth_, "auth/userPoolGroups/BasicGroup",
                                                "auth/userPoolGroups/AdminGroup"));
    RefactorPlan plan = migration::PlanRefactor(gen1, gen2);
    ASSERT_FALSE(plan.ok());
    std::string all;
    for (const std::string& p : plan.problems) all += p + "\n";
    EXPECT_THAT(all, HasSubstr("auth/userPoolGroups/AdminGroup has 2 destinations"));
    EXPECT_THAT(all, HasSubstr("BasicGroup"));  // now without a destination
  }
  {
    // Code generated for another environment names resources this one
    // does not hold.
    std::vector<EnvStack> gen2 = Gen2();
    gen2[2] = Gen2Stack("storage0EC3F24A",
                        replace(storage_, "storage/mediavault/S3Bucket", "storage/other/S3Bucket"));
    RefactorPlan plan = migration::PlanRefactor(gen1, gen2);
    std::string all;
    for (const std::string& p : plan.problems) all += p + "\n";
    EXPECT_THAT(all, HasSubstr("has no nested stack storageother"));
  }
  {
    // A branch not deployed from flightplan's code marks nothing.
    RefactorPlan plan = migration::PlanRefactor(
        gen1, {Gen2Stack("", R"({"Resources": {"X": {"Type": "AWS::SNS::Topic"}}})")});
    ASSERT_FALSE(plan.ok());
    EXPECT_THAT(plan.problems.front(), HasSubstr("marks no destination"));
  }
}

}  // namespace
}  // namespace flightplan::testing
