// `flightplan clone`: a rehearsal environment created from the cloud alone,
// with the real binary against the in-process simulator seeded with a
// fixture app. Oracles: the simulator's state and request log, and the AWS
// CLI — never flightplan's report.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {
namespace {

using cloudsim::testing::CliResult;
using ::testing::HasSubstr;

std::string Str(const Value& v, std::string_view key) {
  const Value* x = v.Find(key);
  return x != nullptr && x->is_string() ? x->as_string() : "";
}

class CloneTest : public MigrationTest {
 protected:
  std::vector<std::string> CloneArgs(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"clone"};
    for (const auto& a : EnvArgs()) args.push_back(a);
    args.push_back("--clone-env");
    args.push_back("rehearsal");
    for (auto& a : extra) args.push_back(std::move(a));
    return args;
  }
  // Physical ids of the stateful resources of every stack whose name starts with `prefix`.
  std::set<std::string> StatefulIds(const std::string& prefix) {
    std::set<std::string> out;
    Value stacks = Cli({"cloudformation", "describe-stacks"});
    for (const Value& s : stacks.Find("Stacks")->as_list()) {
      std::string name = Str(s, "StackName");
      if (!name.starts_with(prefix)) continue;
      Value resources = Cli({"cloudformation", "list-stack-resources", "--stack-name", name});
      for (const Value& r : resources.Find("StackResourceSummaries")->as_list()) {
        std::string type = Str(r, "ResourceType");
        if (type == "AWS::DynamoDB::Table" || type == "AWS::S3::Bucket" ||
            type == "AWS::Cognito::UserPool" || type == "AWS::Cognito::IdentityPool") {
          out.insert(Str(r, "PhysicalResourceId"));
        }
      }
    }
    return out;
  }
  // No mutating call since `pos` names production's root stack (and so any
  // of its nested stacks, its bucket or roles) or a production stateful id.
  void ExpectProductionUntouched(int64_t pos, const std::set<std::string>& prod_ids) {
    int mutating = 0;
    for (const cloudsim::LogEntry& e : simulator_->Log()) {
      if (e.seq <= pos) continue;
      const std::string& op = e.operation;
      if (op.rfind("Describe", 0) == 0 || op.rfind("Get", 0) == 0 || op.rfind("List", 0) == 0 ||
          op.rfind("Head", 0) == 0 || op.rfind("Detect", 0) == 0) {
        continue;
      }
      ++mutating;
      std::string params = e.params.ToJson();
      EXPECT_EQ(params.find(root_stack_), std::string::npos) << op << " " << params;
      for (const std::string& id : prod_ids) {
        EXPECT_EQ(params.find(id), std::string::npos) << op << " " << params;
      }
    }
    EXPECT_GT(mutating, 0);
  }

  // The fixture app copied to a temp folder with its storage template's
  // bucket name hard-coded to production's, then seeded.
  void SeedWithHardCodedBucket() {
    namespace fs = std::filesystem;
    fs::path src = FixtureApp("backend-only");
    fs::path copy = fs::path(dir_.Join("fixture"));
    fs::copy(src, copy, fs::copy_options::recursive);
    bool changed = false;
    for (const auto& entry : fs::recursive_directory_iterator(copy)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || name.find("-main-") == std::string::npos ||
          name.find("storage") == std::string::npos || !name.ends_with(".template.json")) {
        continue;
      }
      std::ifstream in(entry.path());
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      Result<Value> json = Value::FromJson(text);
      ASSERT_TRUE(json);
      ValueMap& resources = json->as_map().at("Resources").as_map();
      ValueMap& props = resources.at("S3Bucket").as_map().at("Properties").as_map();
      props["BucketName"] = Value("backendonlycb1a13ab81664ecaa7d015068ab2d0165e0fa-main");
      std::ofstream(entry.path()) << json->ToJson();
      changed = true;
    }
    ASSERT_TRUE(changed);
    Value summary =
        Control("POST", "/_sim/seed", cloudsim::testing::Obj({{"fixture", Value(copy.string())}}));
    app_id_ = summary.Find("app_id")->as_string();
    env_ = "main";
    root_stack_ = "amplify-backendonly-main-5e0fa";
  }

  std::string CloneRootStack() {
    Value stacks = Cli({"cloudformation", "describe-stacks"});
    for (const Value& s : stacks.Find("Stacks")->as_list()) {
      std::string name = Str(s, "StackName");
      if (name.find("-rehearsal-") != std::string::npos && Str(s, "ParentId").empty()) return name;
    }
    return "";
  }
};

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

TEST_F(CloneTest, KilledWhileTheRootStackIsCreatedResumesWithoutASecondCreate) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed("backend-only");
  std::set<std::string> prod_ids = StatefulIds(root_stack_);
  Control("POST", "/_sim/config", cloudsim::testing::Obj({{"operation_delay_ms", Value(4000)}}));
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
