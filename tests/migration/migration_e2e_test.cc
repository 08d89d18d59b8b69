// The whole migration of a fixture app, end to end, with real parts: the
// real flightplan binary against the in-process simulator, the Gen2 code it
// generates synthesized by the pinned toolchain and deployed by
// `flightplan-cloudsim deploy-gen2`, the AWS CLI as an independent reader.
//
//   lock → backup → clone → generate (clone, from the cloud) → deploy →
//   refactor (clone) → generate (prod) → deploy → refactor (prod, killed
//   with SIGKILL and resumed) → shift → cleanup → decommission
//
// Judged by what the account holds at the end, not by flightplan's report:
// every item of every table, every user of every pool and every object of
// every bucket of production is there with the same content; production's
// pool and buckets are owned by the Gen2 stacks; the domain serves Gen2;
// nothing of the rehearsal remains; no production stateful resource was
// ever deleted (the request log); `audit verify` passes.
//
// Needs Node.js, `npm ci` in tests/gen2-toolchain and the AWS CLI; skipped
// otherwise. backend-only in CI; every app with FLIGHTPLAN_FULL_E2E=1.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const char kCloneEnv[] = "rehearse";
const char kCloneBranch[] = "gen2rehearse";
const char kProdBranch[] = "gen2main";
const char kDomain[] = "example.com";

fs::path Toolchain() { return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests" / "gen2-toolchain"; }

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && (f->is_string() || f->is_number()) ? f->ToText() : std::string();
}

const ValueList& List(const Value& v, std::string_view key) {
  static const ValueList kEmpty;
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && f->is_list() ? f->as_list() : kEmpty;
}

std::vector<std::string> Apps() {
  const char* full = std::getenv("FLIGHTPLAN_FULL_E2E");
  if (full && std::string(full) == "1") {
    return {"backend-only", "discussions", "fitness-tracker", "product-catalog"};
  }
  return {"backend-only"};
}

bool IsStateful(const std::string& type) {
  return type == "AWS::Cognito::UserPool" || type == "AWS::Cognito::IdentityPool" ||
         type == "AWS::S3::Bucket" || type == "AWS::DynamoDB::Table" ||
         type == "AWS::Kinesis::Stream";
}

// Production's data, as the account holds it: each table's items, each
// pool's users, each bucket's objects (key and ETag), as sorted text.
struct DataSnapshot {
  std::map<std::string, std::vector<std::string>> tables;
  std::map<std::string, std::vector<std::string>> pools;
  std::map<std::string, std::vector<std::string>> buckets;
  bool operator==(const DataSnapshot&) const = default;
};

class WholeMigrationTest : public MigrationTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    if (!fs::exists(Toolchain() / "node_modules" / ".bin" / "tsx")) {
      GTEST_SKIP() << "the pinned Gen2 toolchain is not installed: run `npm ci` in "
                   << Toolchain().string();
    }
    if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
    Seed(GetParam());
  }

  // Runs flightplan and expects exit 0.
  RunResult Ok(std::vector<std::string> args, const std::string& kill_at = "") {
    RunResult r = Flightplan(args, kill_at);
    if (kill_at.empty()) {
      EXPECT_EQ(r.exit_code, 0) << fmt::format("flightplan {}\n", fmt::join(args, " ")) << r.out
                                << r.err;
    }
    return r;
  }
  std::vector<std::string> With(std::vector<std::string> args,
                                const std::vector<std::string>& env) {
    args.insert(args.end(), env.begin(), env.end());
    return args;
  }
  std::vector<std::string> CloneEnvArgs() const {
    return {"--app-id", app_id_, "--env", kCloneEnv, "--region", "us-east-1"};
  }

  // generate (from the cloud) → deploy-gen2; returns the branch's stack.
  std::string GenerateAndDeploy(const std::string& env, const std::string& branch,
                                const fs::path& project) {
    RunResult generated =
        Flightplan({"generate", "--app-id", app_id_, "--env", env, "--out", project.string(),
                    "--branch", branch, "--force", "--verify", "--toolchain", Toolchain().string()},
                   "", std::chrono::minutes(10));
    EXPECT_EQ(generated.exit_code, 0) << generated.out << generated.err;
    Invocation deploy;
    deploy.binary = CLOUDSIM_BINARY;
    deploy.args = {"deploy-gen2", "--url",    endpoint(), "--project", project.string(), "--app-id",
                   app_id_,       "--branch", branch,     "--commit",  "c0ffee" + branch};
    deploy.cwd = dir_.path();
    deploy.timeout = std::chrono::seconds(300);
    RunResult deployed = RunFlightplan(deploy);
    EXPECT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
    std::string out = deployed.out.substr(0, deployed.out.find_last_not_of(" \n") + 1);
    return out.substr(out.rfind('\n') + 1);
  }

  // Every stateful resource in the stacks whose names start with `prefix`:
  // physical id → {type, owning stack}.
  std::map<std::string, std::pair<std::string, std::string>> Stateful(const std::string& prefix) {
    std::map<std::string, std::pair<std::string, std::string>> out;
    Value stacks = Call("cloudformation", "ListStacks");
    for (const Value& s : List(stacks, "StackSummaries")) {
      std::string name = Str(s, "StackName");
      if (Str(s, "StackStatus") == "DELETE_COMPLETE" || name.rfind(prefix, 0) != 0) continue;
      Value resources =
          Call("cloudformation", "ListStackResources", Value(ValueMap{{"StackName", Value(name)}}));
      for (const Value& r : List(resources, "StackResourceSummaries")) {
        if (IsStateful(Str(r, "ResourceType"))) {
          out[Str(r, "PhysicalResourceId")] = {Str(r, "ResourceType"), name};
        }
      }
    }
    return out;
  }

  // Who owns `physical_id` now, through the AWS CLI ("" for nobody).
  std::string OwnerByCli(const std::string& physical_id) {
    cloudsim::testing::CliResult r = AwsCli(
        {"cloudformation", "describe-stack-resources", "--physical-resource-id", physical_id});
    if (r.exit_code != 0) return "";
    Result<Value> json = Value::FromJson(r.out);
    if (!json) return "";
    for (const Value& res : List(*json, "StackResources")) {
      if (Str(res, "PhysicalResourceId") == physical_id) return Str(res, "StackName");
    }
    return "";
  }

  // The data of `resources`, read through the AWS CLI.
  DataSnapshot Data(const std::map<std::string, std::pair<std::string, std::string>>& resources) {
    DataSnapshot out;
    for (const auto& [id, owner] : resources) {
      const std::string& type = owner.first;
      if (type == "AWS::DynamoDB::Table") {
        Value scan = Cli({"dynamodb", "scan", "--table-name", id});
        auto& items = out.tables[id];
        for (const Value& item : List(scan, "Items")) items.push_back(item.ToJson());
        std::sort(items.begin(), items.end());
      } else if (type == "AWS::Cognito::UserPool") {
        Value users = Cli({"cognito-idp", "list-users", "--user-pool-id", id});
        auto& names = out.pools[id];
        for (const Value& u : List(users, "Users")) {
          names.push_back(Str(u, "Username") + " " + Value(List(u, "Attributes")).ToJson());
        }
        std::sort(names.begin(), names.end());
      } else if (type == "AWS::S3::Bucket") {
        Value objects = Cli({"s3api", "list-objects-v2", "--bucket", id});
        auto& keys = out.buckets[id];
        for (const Value& o : List(objects, "Contents")) {
          keys.push_back(Str(o, "Key") + " " + Str(o, "ETag"));
        }
        std::sort(keys.begin(), keys.end());
      }
    }
    return out;
  }

  // Production's data, beyond what the seed put there: users and objects
  // added as the app's users would.
  void AddUserData(const std::map<std::string, std::pair<std::string, std::string>>& resources) {
    WriteFile(dir_.Join("photo.jpg"), "not really a photo");
    for (const auto& [id, owner] : resources) {
      if (owner.first == "AWS::Cognito::UserPool") {
        for (int i = 0; i < 3; ++i) {
          Cli({"cognito-idp", "admin-create-user", "--user-pool-id", id, "--username",
               "user" + std::to_string(i) + "@example.com"});
        }
      } else if (owner.first == "AWS::S3::Bucket" && id.find("deployment") == std::string::npos) {
        Cli({"s3api", "put-object", "--bucket", id, "--key", "public/photo.jpg", "--body",
             dir_.Join("photo.jpg")});
      }
    }
  }

  // Deletions anywhere in the request log of a resource named in `ids`.
  std::vector<std::string> DeletionsOf(const std::set<std::string>& ids) {
    std::vector<std::string> out;
    for (const char* service_op :
         {"dynamodb:DeleteTable", "cognito-idp:DeleteUserPool",
          "cognito-identity:DeleteIdentityPool", "s3:DeleteBucket", "kinesis:DeleteStream"}) {
      std::string s(service_op);
      std::string service = s.substr(0, s.find(':'));
      std::string op = s.substr(s.find(':') + 1);
      for (const cloudsim::LogEntry& e : LogOf(service, op)) {
        if (!e.error_code.empty()) continue;
        for (const char* key :
             {"TableName", "UserPoolId", "IdentityPoolId", "Bucket", "StreamName"}) {
          std::string id = Str(e.params, key);
          if (!id.empty() && ids.count(id)) out.push_back(s + " " + id);
        }
      }
    }
    return out;
  }
};

TEST_P(WholeMigrationTest, EveryPhaseInOrderLosesNothingAndLeavesNoRehearsalBehind) {
  const std::vector<std::string> prod = EnvArgs();
  auto production = Stateful(root_stack_);
  ASSERT_FALSE(production.empty());
  AddUserData(production);
  const DataSnapshot before = Data(production);
  std::set<std::string> production_ids;
  for (const auto& [id, owner] : production) production_ids.insert(id);

  // Production's custom domain, served by the Gen1 branch.
  Cli({"amplify", "create-domain-association", "--app-id", app_id_, "--domain-name", kDomain,
       "--sub-domain-settings", "prefix=www,branchName=" + env_, "prefix=,branchName=" + env_});

  RunResult start = Ok(With({"plan"}, prod));
  EXPECT_THAT(start.out, HasSubstr("flightplan lock"));

  // Pre-flight: lock and back up production.
  Ok(With({"lock", "--yes"}, prod));
  Ok(With({"backup", "--yes"}, prod));

  // The rehearsal: a clone, its Gen2 branch, its refactor.
  Ok(With({"clone", "--yes", "--clone-env", kCloneEnv}, prod));
  const fs::path clone_project = fs::path(dir_.path()) / "gen2-rehearse";
  std::string clone_stack = GenerateAndDeploy(kCloneEnv, kCloneBranch, clone_project);
  ASSERT_EQ(clone_stack.rfind("amplify-", 0), 0u) << clone_stack;
  Ok(With({"refactor", "--yes", "--to-branch", kCloneBranch, "--project", clone_project.string()},
          CloneEnvArgs()));

  // Production: generate, deploy, refactor — killed in the middle and resumed.
  const fs::path prod_project = fs::path(dir_.path()) / "gen2-main";
  std::string gen2_stack = GenerateAndDeploy(env_, kProdBranch, prod_project);
  ASSERT_EQ(gen2_stack.rfind("amplify-", 0), 0u) << gen2_stack;
  std::vector<std::string> refactor = With(
      {"refactor", "--yes", "--to-branch", kProdBranch, "--project", prod_project.string()}, prod);
  RunResult killed = Ok(refactor, "12:after");
  EXPECT_TRUE(killed.signaled) << killed.out << killed.err;
  Ok(refactor);

  Ok(With({"shift", "--yes", "--to-branch", kProdBranch}, prod));
  RunResult cleaned = Ok(With({"cleanup", "--yes", "--clone-env", kCloneEnv}, prod));
  SCOPED_TRACE("cleanup said:\n" + cleaned.out + cleaned.err);
  Ok(With({"decommission", "--yes"}, prod));

  RunResult end = Ok(With({"plan"}, prod));
  EXPECT_THAT(end.out, HasSubstr("next: the migration is complete")) << end.out;
  RunResult audit = Ok({"audit", "verify"});

  // Every item, user and object of production, with the same content.
  EXPECT_EQ(Data(production), before);
  // Production's pool and buckets are Gen2's; Gen1 holds nothing any more.
  for (const auto& [id, owner] : production) {
    std::string now = OwnerByCli(id);
    EXPECT_EQ(now.rfind(root_stack_, 0), std::string::npos) << id << " still in " << now;
    if (owner.first == "AWS::Cognito::UserPool" ||
        (owner.first == "AWS::S3::Bucket" && id.find("deployment") == std::string::npos)) {
      EXPECT_EQ(now.rfind(gen2_stack, 0), 0u) << id << " is owned by '" << now << "'";
    }
  }
  EXPECT_THAT(DeletionsOf(production_ids), ::testing::IsEmpty());
  // The domain serves Gen2.
  Value domain =
      Cli({"amplify", "get-domain-association", "--app-id", app_id_, "--domain-name", kDomain});
  for (const Value& sub : List(*domain.Find("domainAssociation"), "subDomains")) {
    EXPECT_EQ(Str(*sub.Find("subDomainSetting"), "branchName"), kProdBranch) << sub.ToJson();
  }
  // Nothing of the rehearsal remains: no stack, no backend environment, no branch.
  Value stacks = Cli({"cloudformation", "list-stacks"});
  for (const Value& s : List(stacks, "StackSummaries")) {
    if (Str(s, "StackStatus") == "DELETE_COMPLETE") continue;
    EXPECT_EQ(Str(s, "StackName").find(std::string("-") + kCloneEnv + "-"), std::string::npos)
        << Str(s, "StackName") << " " << Str(s, "StackStatus");
    EXPECT_EQ(Str(s, "StackName").find(kCloneBranch), std::string::npos) << Str(s, "StackName");
    EXPECT_EQ(Str(s, "StackName").rfind(root_stack_, 0), std::string::npos)
        << Str(s, "StackName") << " (Gen1 production) remains after decommission";
  }
  Value envs = Cli({"amplify", "list-backend-environments", "--app-id", app_id_});
  for (const Value& e : List(envs, "backendEnvironments")) {
    EXPECT_NE(Str(e, "environmentName"), kCloneEnv);
  }
  Value branches = Cli({"amplify", "list-branches", "--app-id", app_id_});
  for (const Value& b : List(branches, "branches")) {
    EXPECT_NE(Str(b, "branchName"), kCloneBranch);
  }
}

INSTANTIATE_TEST_SUITE_P(Apps, WholeMigrationTest, ::testing::ValuesIn(Apps()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name;
                           for (char c : param.param) name += std::isalnum(c) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace flightplan::testing
