// `flightplan-cloudsim deploy-gen2` end to end, with the real toolchain: the
// Gen2 project flightplan generates for a fixture app is synthesized and
// deployed to branch gen2main of the seeded account by the real binary,
// against the in-process simulator over loopback HTTP, and judged through the
// AWS CLI: every stack *_COMPLETE, the user pool, buckets and tables there,
// the model tables the Gen1 ones with their items, the branch naming the
// stack, a job recorded; a second deploy makes no mutating CloudFormation
// call but an empty change set it deletes.
//
// Needs Node.js, `npm ci` in tests/gen2-toolchain and the AWS CLI; skipped
// otherwise. About a minute per app: media-vault by default (backend-only is
// deployed by the whole migration, tests/migration/migration_e2e_test.cc),
// all five with FLIGHTPLAN_FULL_GEN2_DEPLOY=1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";

fs::path Toolchain() { return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests" / "gen2-toolchain"; }

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && (f->is_string() || f->is_number()) ? f->ToText() : std::string();
}

std::vector<Value> List(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && f->is_list() ? f->as_list() : std::vector<Value>{};
}

std::vector<std::string> Apps() {
  const char* full = std::getenv("FLIGHTPLAN_FULL_GEN2_DEPLOY");
  if (full && std::string(full) == "1") {
    return {"backend-only", "discussions", "fitness-tracker", "media-vault", "product-catalog"};
  }
  return {"media-vault"};
}

// What the deployed branch holds, read through the AWS CLI.
struct Deployed {
  std::vector<std::string> stack_statuses;  // "name STATUS", root first
  std::set<std::string> user_pools, buckets, created_tables, imported_tables;
};

class DeployGen2Test : public SimTest, public ::testing::WithParamInterface<std::string> {
 protected:
  flightplan::testing::RunResult Deploy(const fs::path& project, const std::string& app_id) {
    flightplan::testing::Invocation inv;
    inv.binary = CLOUDSIM_BINARY;
    // The project's own node_modules (generate --verify linked the toolchain
    // and installed the functions' dependencies there).
    inv.args = {"deploy-gen2", "--url",    endpoint(), "--project", project.string(), "--app-id",
                app_id,        "--branch", "gen2main", "--commit",  kCommit};
    inv.cwd = project.parent_path().string();
    inv.timeout = std::chrono::seconds(300);
    return flightplan::testing::RunFlightplan(inv);
  }

  // The stacks through flightplan's client (the CLI costs a second a call);
  // what they hold is then checked through the CLI's list calls.
  void Walk(const std::string& stack, Deployed& out, int depth = 0) {
    Value described =
        Call("cloudformation", "DescribeStacks", Value(ValueMap{{"StackName", Value(stack)}}));
    std::vector<Value> stacks = List(described, "Stacks");
    ASSERT_EQ(stacks.size(), 1u) << stack;
    out.stack_statuses.push_back(Str(stacks[0], "StackName") + " " + Str(stacks[0], "StackStatus"));
    Value resources =
        Call("cloudformation", "ListStackResources", Value(ValueMap{{"StackName", Value(stack)}}));
    ASSERT_TRUE(Str(resources, "NextToken").empty()) << "one page per stack";
    for (const Value& r : List(resources, "StackResourceSummaries")) {
      const std::string type = Str(r, "ResourceType");
      const std::string physical = Str(r, "PhysicalResourceId");
      if (type == "AWS::CloudFormation::Stack" && depth < 6) {
        Walk(physical, out, depth + 1);
      } else if (type == "AWS::Cognito::UserPool") {
        out.user_pools.insert(physical);
      } else if (type == "AWS::S3::Bucket") {
        out.buckets.insert(physical);
      } else if (type == "Custom::ImportedAmplifyDynamoDBTable") {
        out.imported_tables.insert(physical);
      } else if (type == "Custom::AmplifyDynamoDBTable") {
        out.created_tables.insert(physical);
      }
    }
  }

  int64_t ItemCount(const std::string& table) {
    Value out = Cli({"dynamodb", "scan", "--table-name", table, "--select", "COUNT"});
    const Value* c = out.Find("Count");
    return c && c->is_int() ? c->as_int() : -1;
  }
};

TEST_P(DeployGen2Test, TheBranchDeploysOnTheGen1TablesAndARerunIsANoOp) {
  if (!fs::exists(Toolchain() / "node_modules" / ".bin" / "tsx")) {
    GTEST_SKIP() << "the pinned Gen2 toolchain is not installed: run `npm ci` in "
                 << Toolchain().string();
  }
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  flightplan::testing::TempDir tmp;
  const fs::path gen2 = fs::path(tmp.path()) / "gen2";
  flightplan::testing::Invocation generate;
  // As a user would, with the apps' real handlers: generated, the functions'
  // own dependencies installed beside the toolchain and checked by
  // `--verify`. --branch: the generated mappings name gen2main as the branch
  // that adopts the Gen1 tables (another branch would create its own).
  generate.args = {"generate",
                   "--gen1",
                   FixtureApp(GetParam()).string(),
                   "--out",
                   gen2.string(),
                   "--branch",
                   "gen2main",
                   "--force",
                   "--verify",
                   "--toolchain",
                   Toolchain().string()};
  generate.cwd = tmp.path();
  generate.timeout = std::chrono::seconds(600);
  auto generated = flightplan::testing::RunFlightplan(generate);
  ASSERT_EQ(generated.exit_code, 0) << generated.out << generated.err;

  Value seeded = Control("POST", "/_sim/seed",
                         Value(ValueMap{{"fixture", Value(FixtureApp(GetParam()).string())}}));
  const std::string app_id = Str(seeded, "app_id");
  ASSERT_FALSE(app_id.empty()) << seeded.ToJson();
  std::map<std::string, int64_t> items_before;
  for (const Value& t : List(seeded, "tables")) {
    Value counted =
        Call("dynamodb", "Scan", Value(ValueMap{{"TableName", t}, {"Select", Value("COUNT")}}));
    const Value* c = counted.Find("Count");
    items_before[t.ToText()] = c && c->is_int() ? c->as_int() : -1;
  }

  auto first = Deploy(gen2, app_id);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string stack_name = first.out.substr(0, first.out.find('\n'));
  EXPECT_EQ(first.out, stack_name + "\n") << "one line: the root stack's name";
  EXPECT_THAT(stack_name, StartsWith("amplify-" + app_id + "-gen2main-branch-"));

  Deployed deployed;
  Walk(stack_name, deployed);
  ASSERT_GE(deployed.stack_statuses.size(), 2u) << "a root stack and its nested stacks";
  for (const std::string& s : deployed.stack_statuses)
    EXPECT_THAT(s, HasSubstr(" CREATE_COMPLETE"));

  std::set<std::string> pools, buckets, tables;
  for (const Value& p :
       List(Cli({"cognito-idp", "list-user-pools", "--max-results", "60"}), "UserPools")) {
    pools.insert(Str(p, "Id"));
  }
  for (const Value& b : List(Cli({"s3api", "list-buckets"}), "Buckets")) {
    buckets.insert(Str(b, "Name"));
  }
  for (const Value& t : List(Cli({"dynamodb", "list-tables"}), "TableNames")) {
    tables.insert(t.ToText());
  }
  EXPECT_FALSE(deployed.user_pools.empty());
  for (const std::string& p : deployed.user_pools) EXPECT_TRUE(pools.count(p)) << p;
  for (const std::string& b : deployed.buckets) EXPECT_TRUE(buckets.count(b)) << b;
  for (const std::string& t : deployed.created_tables) EXPECT_TRUE(tables.count(t)) << t;
  // The model tables are the Gen1 ones, adopted with their items.
  if (!items_before.empty()) {
    EXPECT_FALSE(deployed.imported_tables.empty());
  }
  for (const std::string& t : deployed.imported_tables) {
    ASSERT_TRUE(items_before.count(t)) << t << " is not a table of the seeded Gen1 app";
    EXPECT_GT(items_before[t], 0) << t;
    EXPECT_EQ(ItemCount(t), items_before[t]) << t;
  }

  Value root =
      List(Cli({"cloudformation", "describe-stacks", "--stack-name", stack_name}), "Stacks").at(0);
  Value branch = Cli({"amplify", "get-branch", "--app-id", app_id, "--branch-name", "gen2main"});
  const Value* b = branch.Find("branch");
  ASSERT_NE(b, nullptr) << branch.ToJson();
  const Value* backend = b->Find("backend");
  ASSERT_NE(backend, nullptr) << branch.ToJson();
  EXPECT_EQ(Str(*backend, "stackArn"), Str(root, "StackId"));
  std::vector<Value> jobs =
      List(Cli({"amplify", "list-jobs", "--app-id", app_id, "--branch-name", "gen2main"}),
           "jobSummaries");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(Str(jobs[0], "commitId"), kCommit);
  EXPECT_EQ(Str(jobs[0], "status"), "SUCCEED");

  // The same code again: an empty change set, deleted; nothing else changes.
  Control("DELETE", "/_sim/log");
  auto second = Deploy(gen2, app_id);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, first.out);
  std::multiset<std::string> mutating;
  for (const LogEntry& e : simulator_->Log()) {
    if (e.service != "cloudformation") continue;
    if (e.operation.rfind("Describe", 0) == 0 || e.operation.rfind("List", 0) == 0 ||
        e.operation.rfind("Get", 0) == 0) {
      continue;
    }
    mutating.insert(e.operation);
  }
  EXPECT_EQ(mutating, (std::multiset<std::string>{"CreateChangeSet", "DeleteChangeSet"}));
  EXPECT_THAT(second.err, HasSubstr("no changes"));
  EXPECT_EQ(LogOf("s3", "PutObject").size(), 0u) << "every asset was already published";
  Deployed again;
  Walk(stack_name, again);
  EXPECT_EQ(again.stack_statuses, deployed.stack_statuses);
}

INSTANTIATE_TEST_SUITE_P(FixtureApps, DeployGen2Test, ::testing::ValuesIn(Apps()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace flightplan::cloudsim::testing
