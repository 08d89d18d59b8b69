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
// otherwise. The fault matrix (Cells()): two cells in CI, every phase
// killed, with and without AWS faults, with FLIGHTPLAN_FULL_E2E=1.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
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

// One cell of the fault matrix: where the migration is killed, and whether
// AWS faults (throttling, 5xx, resets in bursts through the whole run), a
// second operator racing the first (refused while the first lives, taking
// over once it is killed) and a failing refactor execution (production's
// first ExecuteStackRefactor fails and CloudFormation rolls it back) come
// on top.
struct Cell {
  std::string app;
  std::string kill_phase;  // "lock", "clone", "refactor-clone", ...; "" for none
  std::string kill_at;     // FLIGHTPLAN_FAULT_KILL_AT_WRITE, "N:before" / "N:after"
  bool aws_faults = false;
  bool second_operator = false;
  bool failing_refactor = false;
};

std::string CellName(const Cell& c) {
  std::string name = c.app;
  if (!c.kill_phase.empty()) name += "_kill_" + c.kill_phase + "_" + c.kill_at;
  if (c.aws_faults) name += "_faults";
  if (c.second_operator) name += "_race";
  if (c.failing_refactor) name += "_failedrefactor";
  std::string out;
  for (char ch : name) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return out;
}

// CI: one cell of backend-only — AWS faults through the whole run with
// cleanup killed, a failing refactor execution and a second operator racing
// production's refactor (a refactor killed mid-way is RefactorFlowTest's).
// FLIGHTPLAN_FULL_E2E=1 adds production's refactor killed mid-way; every
// phase killed after its 3rd journal write (with and without faults) and
// before its 8th, and a failing refactor execution alone and with the race,
// on backend-only; the two cells on the other four apps.
std::vector<Cell> Cells() {
  std::vector<Cell> cells = {
      {"backend-only", "cleanup", "6:after", true, true, true},
  };
  const char* full = std::getenv("FLIGHTPLAN_FULL_E2E");
  if (full == nullptr || std::string(full) != "1") return cells;
  cells.push_back({"backend-only", "refactor-prod", "12:after", false, false, false});
  for (const char* phase : {"lock", "backup", "clone", "refactor-clone", "refactor-prod", "shift",
                            "cleanup", "decommission"}) {
    for (bool faults : {false, true})
      cells.push_back({"backend-only", phase, "3:after", faults, false});
    cells.push_back({"backend-only", phase, "8:before", false, false});
  }
  cells.push_back({"backend-only", "shift", "3:after", false, false, true});
  cells.push_back({"backend-only", "", "", false, true, true});
  for (const char* app : {"discussions", "fitness-tracker", "media-vault", "product-catalog"}) {
    cells.push_back({app, "refactor-prod", "12:after", false, false});
    cells.push_back({app, "cleanup", "6:after", true, true, true});
  }
  return cells;
}

// The stack refactors one refactor of `app` creates: one per pair of Gen1
// and Gen2 stacks that exchange resources (auth and storage; media-vault's
// user pool groups have a stack of their own).
int StackPairs(const std::string& app) { return app == "media-vault" ? 3 : 2; }

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

class WholeMigrationTest : public MigrationTest, public ::testing::WithParamInterface<Cell> {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    if (!fs::exists(Toolchain() / "node_modules" / ".bin" / "tsx")) {
      GTEST_SKIP() << "the pinned Gen2 toolchain is not installed: run `npm ci` in "
                   << Toolchain().string();
    }
    if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
    Seed(GetParam().app);
  }

  // One phase as an operator runs it: killed where the cell says, then the
  // same command again until it succeeds (a bound, not a hope).
  void Phase(const std::string& name, const std::vector<std::string>& args) {
    const Cell& cell = GetParam();
    if (cell.kill_phase == name) {
      RunResult killed = Flightplan(args, cell.kill_at);
      if (!killed.signaled) {
        // The phase made fewer journal writes than the kill point: it ran
        // to its end, which must then be a success.
        EXPECT_EQ(killed.exit_code, 0) << killed.out << killed.err;
        return;
      }
      ++kills_;
    }
    Finish(args);
  }

  // Runs `args` until it succeeds (what every attempt printed in
  // last_out_). The one failure allowed is production's failing refactor
  // execution, which must say that CloudFormation rolled it back.
  void Finish(const std::vector<std::string>& args) {
    last_out_.clear();
    for (int attempt = 0; attempt < 3; ++attempt) {
      RunResult r = Flightplan(args, "", std::chrono::minutes(5));
      last_out_ += r.out + r.err;
      if (r.exit_code == 0) return;
      if (r.exit_code == 1 && GetParam().failing_refactor && failed_refactors_ == 0 &&
          args.front() == "refactor" && r.out.find("ROLLBACK_COMPLETE") != std::string::npos) {
        ++failed_refactors_;
        continue;
      }
      ADD_FAILURE() << fmt::format("flightplan {} (attempt {})\n", fmt::join(args, " "),
                                   attempt + 1)
                    << r.out << r.err;
    }
  }

  // The pid of the process holding `target`'s lease, from `lease show`.
  int LeaseHolderPid(const std::string& target) {
    RunResult r = Flightplan({"lease", "show"});
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(target) == std::string::npos) continue;
      size_t at = line.find("pid ");
      if (at != std::string::npos) return std::atoi(line.c_str() + at + 4);
    }
    return 0;
  }

  // Bursts of throttling, 503s and dropped connections spread over the run;
  // the client retries each (three attempts), so no step sees one.
  void AddAwsFaults() {
    for (int skip : {15, 70, 160, 260, 400, 600, 900}) {
      for (const std::string& rule :
           {fmt::format(R"({{"service": "*", "kind": "throttle", "skip": {}, "count": 1}})", skip),
            fmt::format(R"({{"service": "cloudformation", "kind": "error", "status": 503,
                            "code": "ServiceUnavailable", "skip": {}, "count": 1}})",
                        skip + 5),
            fmt::format(R"({{"service": "*", "kind": "reset", "skip": {}, "count": 1}})",
                        skip + 11)}) {
        Control("POST", "/_sim/faults", Value::FromJson(rule).value());
      }
    }
  }

  int kills_ = 0;
  int failed_refactors_ = 0;
  std::string last_out_;

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

  // Each user pool's hosted UI domain, through the AWS CLI: pool → domain.
  std::map<std::string, std::string> HostedUiDomains(
      const std::map<std::string, std::pair<std::string, std::string>>& resources) {
    std::map<std::string, std::string> out;
    for (const auto& [id, owner] : resources) {
      if (owner.first != "AWS::Cognito::UserPool") continue;
      Value pool = Cli({"cognito-idp", "describe-user-pool", "--user-pool-id", id});
      const Value* desc = pool.Find("UserPool");
      std::string domain = desc != nullptr ? Str(*desc, "Domain") : "";
      if (domain.empty()) continue;
      Value d = Cli({"cognito-idp", "describe-user-pool-domain", "--domain", domain});
      const Value* dd = d.Find("DomainDescription");
      out[id] = domain + " on " + (dd != nullptr ? Str(*dd, "UserPoolId") : "?");
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
  const std::map<std::string, std::string> domains = HostedUiDomains(production);
  std::set<std::string> production_ids;
  for (const auto& [id, owner] : production) production_ids.insert(id);

  // Production's custom domain, served by the Gen1 branch.
  Cli({"amplify", "create-domain-association", "--app-id", app_id_, "--domain-name", kDomain,
       "--sub-domain-settings", "prefix=www,branchName=" + env_, "prefix=,branchName=" + env_});

  RunResult start = Ok(With({"plan"}, prod));
  EXPECT_THAT(start.out, HasSubstr("flightplan lock"));

  if (GetParam().aws_faults) AddAwsFaults();
  if (GetParam().failing_refactor) {
    // The first refactor execution after the rehearsal's (production's
    // first) fails, and CloudFormation rolls it back.
    Control("POST", "/_sim/faults",
            Value::FromJson(R"({"service": "cloudformation",
        "operation": "ExecuteStackRefactor", "kind": "fail_refactor", "skip": 2, "count": 1})")
                .value());
  }

  // Pre-flight: lock and back up production.
  Phase("lock", With({"lock", "--yes"}, prod));
  Phase("backup", With({"backup", "--yes"}, prod));

  // The rehearsal: a clone, its Gen2 branch, its refactor.
  Phase("clone", With({"clone", "--yes", "--clone-env", kCloneEnv}, prod));
  const fs::path clone_project = fs::path(dir_.path()) / "gen2-rehearse";
  std::string clone_stack = GenerateAndDeploy(kCloneEnv, kCloneBranch, clone_project);
  ASSERT_EQ(clone_stack.rfind("amplify-", 0), 0u) << clone_stack;
  Phase("refactor-clone", With({"refactor", "--yes", "--to-branch", kCloneBranch, "--project",
                                clone_project.string()},
                               CloneEnvArgs()));

  // Production: generate, deploy, refactor.
  const fs::path prod_project = fs::path(dir_.path()) / "gen2-main";
  std::string gen2_stack = GenerateAndDeploy(env_, kProdBranch, prod_project);
  ASSERT_EQ(gen2_stack.rfind("amplify-", 0), 0u) << gen2_stack;
  std::vector<std::string> refactor = With(
      {"refactor", "--yes", "--to-branch", kProdBranch, "--project", prod_project.string()}, prod);
  if (GetParam().second_operator) {
    // A second operator tries the same refactor while the first runs
    // (stack operations held 300 ms): refused, the holder named. Then the
    // first dies (SIGKILL, by the pid its lease names) and the second takes
    // its lease over and finishes the run.
    Control("POST", "/_sim/config", Value::FromJson(R"({"operation_delay_ms": 300})").value());
    RunResult first;
    const int change_sets = CountCalls("cloudformation", "CreateChangeSet");
    std::thread holder([&] { first = Flightplan(refactor, "", std::chrono::minutes(5)); });
    for (int i = 0; i < 600 && CountCalls("cloudformation", "CreateChangeSet") == change_sets;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Invocation alice;
    alice.args = {"--state", state_, "--operator", "alice"};
    alice.args.insert(alice.args.end(), refactor.begin(), refactor.end());
    alice.cwd = dir_.path();
    alice.env = {{"AWS_ENDPOINT_URL", endpoint()},
                 {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
                 {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
                 {"AWS_REGION", "us-east-1"},
                 {"HOME", dir_.path()}};
    RunResult racing = RunFlightplan(alice);
    const std::string target = "app/" + app_id_ + "/env/" + env_;
    // The holder's pid, as its lease names it (0 if it already ended).
    int pid = LeaseHolderPid(target);
    if (pid > 0) ::kill(pid, SIGKILL);
    holder.join();
    Control("POST", "/_sim/config", Value::FromJson(R"({"operation_delay_ms": 0})").value());
    EXPECT_EQ(racing.exit_code, 3) << racing.out << racing.err;
    EXPECT_THAT(racing.out + racing.err, HasSubstr("tester"));
    EXPECT_TRUE(first.signaled || (GetParam().failing_refactor && first.exit_code == 1))
        << "the first operator was to be killed holding the lease: exit " << first.exit_code << "\n"
        << first.out << first.err;
    operator_ = "alice";
    Finish(refactor);
    operator_ = "tester";
    if (first.signaled) {
      EXPECT_THAT(last_out_, HasSubstr("took over the lease")) << last_out_;
    }
  } else {
    Phase("refactor-prod", refactor);
  }

  Phase("shift", With({"shift", "--yes", "--to-branch", kProdBranch}, prod));
  Phase("cleanup", With({"cleanup", "--yes", "--clone-env", kCloneEnv}, prod));
  Phase("decommission", With({"decommission", "--yes"}, prod));
  if (!GetParam().kill_phase.empty()) {
    EXPECT_EQ(kills_, 1) << "the cell was to kill " << GetParam().kill_phase;
  }

  RunResult end = Ok(With({"plan"}, prod));
  EXPECT_THAT(end.out, HasSubstr("next: the migration is complete")) << end.out;
  RunResult audit = Ok({"audit", "verify"});

  // Every item, user and object of production, with the same content; each
  // pool's hosted UI domain (media-vault's) still on it.
  EXPECT_EQ(Data(production), before);
  EXPECT_EQ(HostedUiDomains(production), domains);
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
  // Each mutating call that matters as often as in an uninterrupted run
  // (successful calls; a retried or refused one does not count).
  // Each pair, twice (the clone, production); and again the one whose
  // execution failed.
  const int refactors = 2 * StackPairs(GetParam().app) + (GetParam().failing_refactor ? 1 : 0);
  EXPECT_EQ(CountCalls("cloudformation", "ExecuteStackRefactor"), refactors);
  EXPECT_EQ(CountCalls("cloudformation", "CreateStackRefactor"), refactors);
  if (GetParam().failing_refactor && !GetParam().second_operator) {
    EXPECT_EQ(failed_refactors_, 1) << "production's first refactor execution was to fail";
  }
  EXPECT_EQ(CountCalls("amplify", "UpdateDomainAssociation"), 1);
  EXPECT_EQ(CountCalls("cloudformation", "CreateStack"), 1);  // the clone's root
  EXPECT_EQ(CountCalls("amplify", "CreateBackendEnvironment"), 1);
  EXPECT_EQ(CountCalls("amplify", "DeleteBackendEnvironment"), 2);  // the clone's, Gen1's
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

INSTANTIATE_TEST_SUITE_P(Cells, WholeMigrationTest, ::testing::ValuesIn(Cells()),
                         [](const ::testing::TestParamInfo<Cell>& param) {
                           return CellName(param.param);
                         });

}  // namespace
}  // namespace flightplan::testing
