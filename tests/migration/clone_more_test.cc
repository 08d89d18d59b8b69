// `flightplan clone` killed while the root stack is created, and on a
// richer app (media-vault: auth with groups, storage, functions, API).
#include "tests/migration/clone_fixture.h"

namespace flightplan::testing {
namespace {

TEST_F(CloneTest, KilledWhileTheRootStackIsCreatedResumesWithoutASecondCreate) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed("backend-only");
  std::set<std::string> prod_ids = StatefulIds(root_stack_);
  Control("POST", "/_sim/config", cloudsim::testing::Obj({{"operation_delay_ms", Value(2000)}}));
  int64_t pos = LogPosition();
  Invocation inv;
  inv.args = {"--state", state_, "--operator", "tester"};
  for (const auto& a : CloneArgs()) inv.args.push_back(a);
  inv.cwd = dir_.path();
  inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
             {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
             {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
             {"AWS_REGION", "us-east-1"},
             {"HOME", dir_.path()}};
  Background run(inv);
  // Killed once CreateStack was sent, while the step waits for it.
  bool created = false;
  for (int i = 0; i < 200 && !created; ++i) {
    created = CountCalls("cloudformation", "CreateStack", pos) > 0;
    if (!created) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(created);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  run.Signal(SIGKILL);
  run.Wait();
  Control("POST", "/_sim/config", cloudsim::testing::Obj({{"operation_delay_ms", Value(0)}}));
  RunResult again = Flightplan(CloneArgs());
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(CountCalls("cloudformation", "CreateStack", pos), 1);
  std::string clone = CloneRootStack();
  ASSERT_FALSE(clone.empty());
  for (const std::string& id : StatefulIds(clone)) EXPECT_EQ(prod_ids.count(id), 0u) << id;
  ExpectProductionUntouched(pos, prod_ids);
}

TEST_F(CloneTest, ClonesMediaVaultWithAuthStorageAndFunctions) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed("media-vault");
  auto before = Snapshot();
  std::set<std::string> prod_ids = StatefulIds(root_stack_);
  int64_t pos = LogPosition();
  RunResult r = Flightplan(CloneArgs());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string clone = CloneRootStack();
  ASSERT_FALSE(clone.empty());
  std::set<std::string> clone_ids = StatefulIds(clone);
  EXPECT_GE(clone_ids.size(), prod_ids.size());
  for (const std::string& id : clone_ids) EXPECT_EQ(prod_ids.count(id), 0u) << id;
  ExpectProductionUntouched(pos, prod_ids);
  for (const auto& [name, snap] : before) EXPECT_EQ(Snapshot()[name], snap) << name;
  RunResult back = Flightplan(CloneArgs({"--rollback"}));
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_TRUE(CloneRootStack().empty());
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
}  // namespace flightplan::testing
