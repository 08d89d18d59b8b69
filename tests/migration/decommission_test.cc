// `flightplan decommission` against the simulator, with the real binary and
// the AWS CLI as the oracle: the Gen1 environment's stacks are deleted and
// every table, user pool and bucket it held is still there with the same
// items, users and objects; the dry run deletes nothing; the phase refuses
// while a custom domain points at the Gen1 branch, without a terminal and
// without --yes (exit 7), and on a wrong typed answer; a resource made
// non-Retain behind flightplan's back gets Retain before the delete (its
// template, over 51,200 bytes, through S3); a run
// SIGKILLed while it waits for the deletion finishes when resumed. And the
// pure decisions (decommission.h) on their own.
//
// The phase requires `refactor`; these environments keep every stateful
// resource in Gen1 (nothing was moved — valid input, and the hardest case:
// everything must be retained), so the requirement is met by recording a
// stand-in `refactor` run on the target (the journal's requirement is by
// workflow name; refactor itself is tested in refactor_test.cc) that names
// the Gen2 branch the test deploys a healthy backend stack for.
#include "steps/migration/decommission.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "steps/aws/values.h"
#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {
namespace {

using cloudsim::testing::CliResult;
using cloudsim::testing::Obj;
using ::testing::HasSubstr;

constexpr char kGen2Branch[] = "gen2main";

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f != nullptr && f->is_string() ? f->as_string() : "";
}

// What one stateful resource holds, as the AWS CLI reports it.
struct Held {
  std::string type;
  int64_t count = -1;
};

class DecommissionTest : public MigrationTest, public ::testing::WithParamInterface<const char*> {
 protected:
  // lock, a backup, a Gen2 branch with a healthy backend stack, and the
  // stand-in refactor run naming it.
  void Prepare(bool lock = true) {
    Seed(GetParam());
    if (lock) {
      RunResult locked = Flightplan(With({"lock"}));
      ASSERT_EQ(locked.exit_code, 0) << locked.out << locked.err;
    }
    RunResult backup = Flightplan(With({"backup"}));
    ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
    MakeGen2Branch();
    StandInRuns();
  }

  // Stand-in runs of refactor (naming the Gen2 branch) and shift on the
  // target: the journal's requirements are by workflow name; both phases
  // are tested for real in refactor_test.cc, shift_test.cc and the whole
  // migration in migration_e2e_test.cc.
  void StandInRuns() {
    for (const char* name : {"refactor", "shift"}) {
      WriteFile(dir_.Join(std::string(name) + ".yaml"), std::string("name: ") + name + R"yaml(
version: 1
target: app/${params.app_id}/env/${params.env}
params:
  app_id: {type: string, required: true}
  env: {type: string, required: true}
  to_branch: {type: string, required: true}
steps:
  - id: stand-in
    uses: echo
    with: {message: 'nothing moved: every stateful resource stays in Gen1'}
)yaml");
      RunResult run = Flightplan({"run", dir_.Join(std::string(name) + ".yaml"), "--param",
                                  "app_id=" + app_id_, "--param", "env=" + env_, "--param",
                                  std::string("to_branch=") + kGen2Branch});
      ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    }
  }

  std::vector<std::string> With(std::vector<std::string> args) const {
    for (const std::string& a : EnvArgs()) args.push_back(a);
    return args;
  }

  void MakeGen2Branch() {
    Value p;
    p.Set("StackName", Value("amplify-" + app_id_ + "-" + kGen2Branch + "-branch-1"));
    p.Set("TemplateBody",
          Value(R"({"Resources":{"Topic":{"Type":"AWS::SNS::Topic","Properties":{}}}})"));
    Value created = Call("cloudformation", "CreateStack", p);
    std::string arn = Str(created, "StackId");
    ASSERT_FALSE(arn.empty()) << created.ToJson();
    std::lock_guard lock(world().mutex);
    auto made = world().amplify.CreateBranch(app_id_,
                                             Obj({{"branchName", Value(kGen2Branch)},
                                                  {"stage", Value("PRODUCTION")},
                                                  {"backend", Obj({{"stackArn", Value(arn)}})}}),
                                             world().Now());
    ASSERT_TRUE(made.has_value()) << made.error().message;
  }

  // Every stateful resource of the Gen1 stacks, by physical id, read from
  // the simulator's stacks (not from flightplan).
  std::map<std::string, std::string> GenOneStateful() {
    return GenOneResources({"AWS::DynamoDB::Table", "AWS::Cognito::UserPool", "AWS::S3::Bucket"});
  }

  // The resources of those types in the Gen1 stacks: physical id -> type.
  std::map<std::string, std::string> GenOneResources(const std::set<std::string>& types) {
    std::map<std::string, std::string> out;
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.status == "DELETE_COMPLETE") continue;
      if (s.name != root_stack_ && s.name.rfind(root_stack_ + "-", 0) != 0) continue;
      for (const auto& r : s.resources) {
        if (types.count(r.type) != 0) out[r.physical_id] = r.type;
      }
    }
    return out;
  }

  // The user pool clients and groups of the Gen1 stacks (kept, and checked
  // for existence): physical id -> type.
  std::map<std::string, std::string> GenOneClientsAndGroups() {
    return GenOneResources({"AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup"});
  }

  // Every user pool client id and group name, as the AWS CLI lists them.
  std::set<std::string> ClientsAndGroupsThroughCli() {
    std::set<std::string> out;
    Value pools = Cli({"cognito-idp", "list-user-pools", "--max-results", "60"});
    const Value* list = pools.Find("UserPools");
    for (const Value& pool : list != nullptr && list->is_list() ? list->as_list() : ValueList{}) {
      std::string id = Str(pool, "Id");
      Value clients = Cli({"cognito-idp", "list-user-pool-clients", "--user-pool-id", id});
      const Value* cl = clients.Find("UserPoolClients");
      for (const Value& c : cl != nullptr && cl->is_list() ? cl->as_list() : ValueList{}) {
        out.insert(Str(c, "ClientId"));
      }
      Value groups = Cli({"cognito-idp", "list-groups", "--user-pool-id", id});
      const Value* gl = groups.Find("Groups");
      for (const Value& g : gl != nullptr && gl->is_list() ? gl->as_list() : ValueList{}) {
        out.insert(Str(g, "GroupName"));
      }
    }
    return out;
  }

  // The identity pools of the Gen1 stacks (kept, and checked for existence).
  std::vector<std::string> GenOneIdentityPools() {
    std::vector<std::string> out;
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.status == "DELETE_COMPLETE") continue;
      if (s.name != root_stack_ && s.name.rfind(root_stack_ + "-", 0) != 0) continue;
      for (const auto& r : s.resources) {
        if (r.type == "AWS::Cognito::IdentityPool") out.push_back(r.physical_id);
      }
    }
    return out;
  }

  // Items, users or objects of each, through the AWS CLI (the independent
  // oracle of the main test) or, to keep the other tests quick, through
  // flightplan's own client in-process; -2 when gone.
  std::map<std::string, Held> Counts(const std::map<std::string, std::string>& resources,
                                     bool through_cli = false) {
    std::map<std::string, Held> out;
    for (const auto& [id, type] : resources) {
      Held h{type, -2};
      if (type == "AWS::DynamoDB::Table") {
        Result<Value> v =
            Read(through_cli, {"dynamodb", "scan", "--table-name", id, "--select", "COUNT"},
                 "dynamodb", "Scan", Obj({{"TableName", Value(id)}, {"Select", Value("COUNT")}}));
        if (v) h.count = aws::IntAt(*v, "Count", -1);
      } else if (type == "AWS::Cognito::UserPool") {
        Result<Value> v = Read(through_cli, {"cognito-idp", "list-users", "--user-pool-id", id},
                               "cognito-idp", "ListUsers", Obj({{"UserPoolId", Value(id)}}));
        if (v) h.count = static_cast<int64_t>(aws::ListAt(*v, "Users").size());
      } else {
        Result<Value> v = Read(through_cli, {"s3api", "list-objects-v2", "--bucket", id}, "s3",
                               "ListObjectsV2", Obj({{"Bucket", Value(id)}}));
        if (v) h.count = static_cast<int64_t>(aws::ListAt(*v, "Contents").size());
      }
      out[id] = h;
    }
    return out;
  }

  Result<Value> Read(bool through_cli, const std::vector<std::string>& cli,
                     std::string_view service, std::string_view operation, const Value& params) {
    if (through_cli) {
      CliResult r = AwsCli(cli);
      if (r.exit_code != 0) return MakeError(ErrorCode::kNotFound, r.err);
      if (r.out.empty()) return Value(ValueMap{});
      return Value::FromJson(r.out);
    }
    aws::AwsResult r = Try(service, operation, params);
    if (!r) return MakeError(ErrorCode::kNotFound, r.error().message);
    return *r;
  }

  // The root stack is gone (DescribeStacks: NotFound or DELETE_COMPLETE).
  bool RootGone(bool through_cli = false) {
    Result<Value> v =
        Read(through_cli, {"cloudformation", "describe-stacks", "--stack-name", root_stack_},
             "cloudformation", "DescribeStacks", Obj({{"StackName", Value(root_stack_)}}));
    if (!v) return v.error().message().find("does not exist") != std::string::npos;
    return !aws::ListAt(*v, "Stacks").empty() &&
           Str(aws::ListAt(*v, "Stacks").front(), "StackStatus") == "DELETE_COMPLETE";
  }

  int Deletions(int64_t since) {
    return CountCalls("dynamodb", "DeleteTable", since) +
           CountCalls("cognito-idp", "DeleteUserPool", since) +
           CountCalls("s3", "DeleteBucket", since);
  }

  // The id of the latest run of `workflow` in the state file.
  std::string LatestRun(const std::string& workflow) {
    RunResult status = Flightplan({"status", "--json"});
    Result<Value> runs = Value::FromJson(status.out);
    std::string id;
    if (!runs || !runs->is_list()) return id;
    for (const Value& run : runs->as_list()) {
      if (Str(run, "workflow") != workflow) continue;
      const Value* v = run.Find("id");
      if (v != nullptr && id.empty()) id = v->ToText();
    }
    return id;
  }
};

TEST_P(DecommissionTest, DeletesTheEnvironmentAndKeepsEveryStatefulResource) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Prepare();
  std::map<std::string, std::string> stateful = GenOneStateful();
  ASSERT_FALSE(stateful.empty());
  std::map<std::string, Held> before = Counts(stateful, /*through_cli=*/true);
  for (const auto& [id, held] : before) ASSERT_GE(held.count, 0) << id;
  const std::vector<std::string> identity_pools = GenOneIdentityPools();
  ASSERT_FALSE(identity_pools.empty()) << "every fixture app has auth, and so an identity pool";
  const std::map<std::string, std::string> clients_and_groups = GenOneClientsAndGroups();
  ASSERT_FALSE(clients_and_groups.empty()) << "every fixture app's pool has its app clients";
  // media-vault's pool has Gen1's hosted UI domain, made by a custom
  // resource whose Delete would delete it; lock does not retain it (it is no
  // stateful type), decommission does, and it survives.
  const bool hosted_ui = std::string(GetParam()) == "media-vault";
  const std::string domain = "mediavault1f08412d-1f08412d-main";
  auto domain_pool = [&] {
    Value d = Cli({"cognito-idp", "describe-user-pool-domain", "--domain", domain});
    const Value* desc = d.Find("DomainDescription");
    return desc != nullptr ? Str(*desc, "UserPoolId") : std::string();
  };
  const std::string pool_with_domain = hosted_ui ? domain_pool() : "";
  if (hosted_ui) {
    ASSERT_FALSE(pool_with_domain.empty());
  }

  // The dry run prints the inventory and the verdict and changes nothing.
  int64_t pos = LogPosition();
  auto snapshot = Snapshot();
  RunResult dry = Flightplan(With({"decommission", "--dry-run"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("stateful resources in the Gen1 stacks"));
  if (hosted_ui) {
    EXPECT_THAT(dry.out,
                HasSubstr("hosted UI domain " + domain + " of user pool " + pool_with_domain));
    EXPECT_THAT(dry.out, HasSubstr("verdict: retain needed"));
  } else {
    EXPECT_THAT(dry.out, HasSubstr("verdict: safe"));
  }
  EXPECT_THAT(dry.out, HasSubstr("DeleteStack " + root_stack_));
  EXPECT_THAT(MutatingCalls(pos), ::testing::IsEmpty());
  EXPECT_EQ(Snapshot(), snapshot);

  pos = LogPosition();
  RunResult done = Flightplan(With({"decommission", "--yes"}));
  ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_THAT(done.out, HasSubstr("verified with their data"));
  EXPECT_TRUE(RootGone(/*through_cli=*/true));
  // No Gen1 stack is left.
  {
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.name == root_stack_ || s.name.rfind(root_stack_ + "-", 0) == 0) {
        EXPECT_EQ(s.status, "DELETE_COMPLETE") << s.name;
      }
    }
  }
  std::map<std::string, Held> after = Counts(stateful, /*through_cli=*/true);
  for (const auto& [id, held] : before) {
    EXPECT_EQ(after[id].count, held.count) << id << " (" << held.type << ")";
  }
  EXPECT_EQ(Deletions(pos), 0);
  if (hosted_ui) {
    EXPECT_EQ(domain_pool(), pool_with_domain) << "the hosted UI domain survives decommission";
  }
  EXPECT_EQ(CountCalls("cloudformation", "DeleteStack", pos), 1);
  EXPECT_EQ(CountCalls("amplify", "DeleteBackendEnvironment", pos), 1);
  // Identity pools survive (the AWS CLI finds each), and flightplan checked
  // each before the delete and after it.
  for (const std::string& id : identity_pools) {
    Value pool = Cli({"cognito-identity", "describe-identity-pool", "--identity-pool-id", id});
    EXPECT_EQ(Str(pool, "IdentityPoolId"), id);
  }
  EXPECT_GE(CountCalls("cognito-identity", "DescribeIdentityPool", pos),
            2 * static_cast<int>(identity_pools.size()));
  // So do the pool's app clients and groups (the app's client ids, the
  // groups' members), and flightplan checked each after the delete.
  std::set<std::string> kept = ClientsAndGroupsThroughCli();
  int clients = 0;
  int groups = 0;
  for (const auto& [id, type] : clients_and_groups) {
    EXPECT_EQ(kept.count(id), 1u) << type << " " << id;
    (type == "AWS::Cognito::UserPoolClient" ? clients : groups) += 1;
  }
  EXPECT_GE(CountCalls("cognito-idp", "DescribeUserPoolClient", pos), clients);
  EXPECT_GE(CountCalls("cognito-idp", "GetGroup", pos), groups);
  // --yes agreed instead of the typed name, and the journal says who.
  RunResult history = Flightplan({"history", "--json"});
  EXPECT_THAT(history.out, HasSubstr("\"kind\":\"confirmation.given\""));
  EXPECT_THAT(history.out, HasSubstr("\"operator\":\"tester\""));
  // The Gen2 branch's stack is untouched.
  EXPECT_EQ(CountCalls("cloudformation", "UpdateStack", pos), 0);
  // Irreversible: --rollback is refused, saying why.
  RunResult rollback = Flightplan(With({"decommission", "--rollback"}));
  EXPECT_EQ(rollback.exit_code, 2);
  EXPECT_THAT(rollback.err, HasSubstr("cannot be rolled back"));
}

TEST_P(DecommissionTest, RefusesWhileACustomDomainPointsAtTheGen1Branch) {
  Prepare();
  {
    std::lock_guard lock(world().mutex);
    auto created = world().amplify.CreateDomainAssociation(
        app_id_,
        Obj({{"domainName", Value("example.com")},
             {"subDomainSettings",
              Value(ValueList{Obj({{"prefix", Value("www")}, {"branchName", Value(env_)}})})}}),
        world().Now());
    ASSERT_TRUE(created.has_value()) << created.error().message;
  }
  int64_t pos = LogPosition();
  RunResult refused = Flightplan(With({"decommission", "--yes"}));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.out + refused.err, HasSubstr("www.example.com"));
  EXPECT_THAT(refused.out + refused.err, HasSubstr("flightplan shift"));
  EXPECT_EQ(CountCalls("cloudformation", "DeleteStack", pos), 0);
  EXPECT_FALSE(RootGone());
}

TEST_P(DecommissionTest, WithoutATerminalOrYesItStopsWithExitSevenAndDeletesNothing) {
  Prepare();
  int64_t pos = LogPosition();
  RunResult stopped = Flightplan(With({"decommission"}));
  EXPECT_EQ(stopped.exit_code, 7) << stopped.out << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("--yes"));
  EXPECT_EQ(CountCalls("cloudformation", "DeleteStack", pos), 0);
  EXPECT_FALSE(RootGone());
}

// Runs the binary on a pseudo-terminal, typing `answer` at the prompt.
RunResult RunOnTerminal(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env, const std::string& cwd,
                        const std::string& answer) {
  RunResult result;
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(127);
    clearenv();
    setenv("PATH", "/usr/bin:/bin", 1);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::string binary = FlightplanBinary();
    std::vector<char*> argv;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  if (pid < 0) return result;
  bool answered = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{master, POLLIN, 0};
    int ready = poll(&pfd, 1, 200);
    if (ready > 0) {
      char buf[4096];
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) break;  // the child closed the terminal
      result.out.append(buf, static_cast<size_t>(n));
      if (!answered && result.out.find("to continue:") != std::string::npos) {
        std::string line = answer + "\n";
        if (write(master, line.data(), line.size()) < 0) break;
        answered = true;
      }
    }
  }
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  close(master);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST_P(DecommissionTest, AWrongTypedAnswerDeletesNothingAndTheRightOneDeletes) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Prepare();
  std::map<std::string, std::string> env = {
      {"AWS_ENDPOINT_URL", endpoint()},
      {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
      {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
      {"AWS_REGION", "us-east-1"},
      {"HOME", dir_.path()}};
  std::vector<std::string> args = {"--state", state_, "--operator", "tester"};
  for (const std::string& a : With({"decommission"})) args.push_back(a);
  int64_t pos = LogPosition();
  RunResult wrong = RunOnTerminal(args, env, dir_.path(), "yes");
  EXPECT_THAT(wrong.out, HasSubstr("Type '" + env_ + "' to continue"));
  EXPECT_NE(wrong.exit_code, 0) << wrong.out;
  EXPECT_THAT(wrong.out, HasSubstr("declined"));
  EXPECT_EQ(CountCalls("cloudformation", "DeleteStack", pos), 0);
  EXPECT_FALSE(RootGone());

  std::vector<std::string> resume = {"--state", state_,   "--operator",
                                     "tester",  "resume", LatestRun("decommission")};
  RunResult right = RunOnTerminal(resume, env, dir_.path(), env_);
  EXPECT_EQ(right.exit_code, 0) << right.out;
  EXPECT_EQ(CountCalls("cloudformation", "DeleteStack", pos), 1);
  EXPECT_TRUE(RootGone());
}

TEST_P(DecommissionTest, AResourceMadeNonRetainBehindItsBackIsRetainedBeforeTheDelete) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Prepare();
  // Someone strips Retain from a table in its nested stack's deployed
  // template after lock (the template and CloudFormation's record alike).
  std::string table;
  {
    std::lock_guard lock(world().mutex);
    for (cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.status == "DELETE_COMPLETE" || s.name == root_stack_ ||
          s.name.rfind(root_stack_ + "-", 0) != 0) {
        continue;
      }
      for (auto& r : s.resources) {
        if (r.type != "AWS::DynamoDB::Table" || !table.empty()) continue;
        Result<Value> tmpl = Value::FromJson(s.template_text);
        ASSERT_TRUE(tmpl.has_value());
        ValueMap& def = tmpl->as_map()["Resources"].as_map()[r.logical_id].as_map();
        def.erase("DeletionPolicy");
        def.erase("UpdateReplacePolicy");
        def.erase("Metadata");
        def["Properties"].as_map().erase("DeletionProtectionEnabled");
        // And the template grows past CloudFormation's inline limit, so the
        // retain change set must take it through S3.
        tmpl->Set("Metadata", Obj({{"Padding", Value(std::string(60000, 'p'))}}));
        s.template_text = tmpl->ToJson();
        r.deletion_policy.clear();
        r.update_replace_policy.clear();
        table = r.physical_id;
      }
    }
  }
  if (table.empty()) GTEST_SKIP() << GetParam() << " has no table in a nested stack";
  ASSERT_EQ(
      Cli({"dynamodb", "update-table", "--table-name", table, "--no-deletion-protection-enabled"})
              .Find("TableDescription") != nullptr,
      true);
  std::map<std::string, Held> before = Counts({{table, "AWS::DynamoDB::Table"}});

  RunResult dry = Flightplan(With({"decommission", "--dry-run"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("would be DELETED"));
  EXPECT_THAT(dry.out, HasSubstr("verdict: retain needed"));

  int64_t pos = LogPosition();
  RunResult done = Flightplan(With({"decommission", "--yes"}));
  ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_GE(CountCalls("cloudformation", "ExecuteChangeSet", pos), 1);
  EXPECT_GE(CountCalls("s3", "PutObject", pos), 1);  // the template over 51,200 bytes
  EXPECT_TRUE(RootGone());
  EXPECT_EQ(Counts({{table, "AWS::DynamoDB::Table"}})[table].count, before[table].count);
  EXPECT_EQ(Deletions(pos), 0);
}

TEST_P(DecommissionTest, KilledWhileWaitingForTheDeletionAResumeFinishes) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Prepare();
  std::map<std::string, std::string> stateful = GenOneStateful();
  std::map<std::string, Held> before = Counts(stateful);
  Control("POST", "/_sim/config", Obj({{"operation_delay_ms", Value(1500)}}));
  int64_t pos = LogPosition();
  Invocation inv;
  inv.args = {"--state", state_, "--operator", "tester"};
  for (const std::string& a : With({"decommission", "--yes"})) inv.args.push_back(a);
  inv.cwd = dir_.path();
  inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
             {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
             {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
             {"AWS_REGION", "us-east-1"},
             {"HOME", dir_.path()}};
  {
    Background run(inv);
    bool deleting = false;
    for (int i = 0; i < 300 && !deleting; ++i) {
      deleting = CountCalls("cloudformation", "DeleteStack", pos) > 0;
      if (!deleting) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(deleting) << "the run never reached DeleteStack";
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // inside the wait
    run.Signal(SIGKILL);
    RunResult killed = run.Wait();
    EXPECT_TRUE(killed.signaled);
  }
  Control("POST", "/_sim/config", Obj({{"operation_delay_ms", Value(0)}}));
  std::string id = LatestRun("decommission");
  ASSERT_FALSE(id.empty());
  // Killed mid-wait: the run is unfinished and the backend environment is
  // still there (the step had not got that far).
  Result<Value> runs = Value::FromJson(Flightplan({"status", "--json"}).out);
  ASSERT_TRUE(runs.has_value() && runs->is_list());
  for (const Value& run : runs->as_list()) {
    if (Str(run, "workflow") == "decommission") {
      EXPECT_NE(Str(run, "state"), "succeeded");
    }
  }
  EXPECT_TRUE(Try("amplify", "GetBackendEnvironment",
                  Obj({{"appId", Value(app_id_)}, {"environmentName", Value(env_)}}))
                  .has_value());
  RunResult resumed;
  for (int attempt = 0; attempt < 3 && resumed.exit_code != 0; ++attempt) {
    resumed = Flightplan({"resume", id, "--yes"});
  }
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_TRUE(RootGone());
  std::map<std::string, Held> after = Counts(stateful);
  for (const auto& [rid, held] : before) EXPECT_EQ(after[rid].count, held.count) << rid;
  EXPECT_EQ(Deletions(pos), 0);
}

// A stateful resource of the root stack without Retain refuses the phase:
// flightplan never updates the root template, and nothing is changed.
TEST_P(DecommissionTest, ANonRetainedResourceOfTheRootStackRefusesAndNothingChanges) {
  Prepare();
  {
    std::lock_guard lock(world().mutex);
    for (cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.name != root_stack_ || s.status == "DELETE_COMPLETE") continue;
      for (auto& r : s.resources) {
        if (r.type != "AWS::S3::Bucket") continue;
        Result<Value> tmpl = Value::FromJson(s.template_text);
        ASSERT_TRUE(tmpl.has_value());
        tmpl->as_map()["Resources"].as_map()[r.logical_id].as_map().erase("DeletionPolicy");
        s.template_text = tmpl->ToJson();
        r.deletion_policy.clear();
      }
    }
  }
  auto before = Snapshot();
  int64_t pos = LogPosition();
  RunResult dry = Flightplan(With({"decommission", "--dry-run"}));
  EXPECT_THAT(dry.out + dry.err, HasSubstr("verdict: refused"));
  RunResult refused = Flightplan(With({"decommission", "--yes"}));
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.out + refused.err, HasSubstr("root stack DeploymentBucket"));
  EXPECT_THAT(MutatingCalls(pos), ::testing::IsEmpty());
  auto after = Snapshot();
  for (const auto& [name, snap] : before) {
    if (name != root_stack_ && name.rfind(root_stack_ + "-", 0) != 0) continue;  // Gen1 only
    EXPECT_TRUE(after.count(name) == 1 && after[name] == snap) << name;
  }
}

// A table lost while the stacks are being deleted (someone deletes it
// with DeleteTable during the wait): verify names it and the command
// exits 9, distinct from every other failure.
TEST_P(DecommissionTest, ATableLostDuringTheDeleteIsALoudFailureWithExitNine) {
  Prepare();
  std::string table;
  for (const auto& [id, type] : GenOneStateful()) {
    if (type == "AWS::DynamoDB::Table" && table.empty()) table = id;
  }
  if (table.empty()) GTEST_SKIP() << GetParam() << " has no table";
  Control("POST", "/_sim/config", Obj({{"operation_delay_ms", Value(1500)}}));
  int64_t pos = LogPosition();
  Invocation inv;
  inv.args = {"--state", state_, "--operator", "tester"};
  for (const std::string& a : With({"decommission", "--yes"})) inv.args.push_back(a);
  inv.cwd = dir_.path();
  inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
             {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
             {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
             {"AWS_REGION", "us-east-1"},
             {"HOME", dir_.path()}};
  Background run(inv);
  bool deleting = false;
  for (int i = 0; i < 300 && !deleting; ++i) {
    deleting = CountCalls("cloudformation", "DeleteStack", pos) > 0;
    if (!deleting) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(deleting) << "the run never reached DeleteStack";
  // Someone deletes the table while the stacks are being deleted.
  Call("dynamodb", "UpdateTable",
       Obj({{"TableName", Value(table)}, {"DeletionProtectionEnabled", Value(false)}}));
  Call("dynamodb", "DeleteTable", Obj({{"TableName", Value(table)}}));
  RunResult failed = run.Wait();
  Control("POST", "/_sim/config", Obj({{"operation_delay_ms", Value(0)}}));
  EXPECT_EQ(failed.exit_code, 9) << failed.out << failed.err;
  EXPECT_THAT(failed.out + failed.err, HasSubstr("DATA MISSING"));
  EXPECT_THAT(failed.out + failed.err, HasSubstr(table + " ("));
}

TEST_P(DecommissionTest, WithoutAFreshBackupItRefusesUnlessSkipped) {
  Seed(GetParam());
  MakeGen2Branch();
  ASSERT_NO_FATAL_FAILURE(StandInRuns());
  RunResult refused = Flightplan(With({"decommission", "--yes"}));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.out + refused.err, HasSubstr("flightplan backup"));
  RunResult dry = Flightplan(With({"decommission", "--dry-run", "--skip-backup-check"}));
  EXPECT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("backup check skipped"));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DecommissionTest,
                         ::testing::Values("backend-only", "media-vault"));

// --- the pure decisions -------------------------------------------------

using migration::CheckBackupFresh;
using migration::CompareAfterDelete;
using migration::DataKind;
using migration::Judge;
using migration::Observed;
using migration::StatefulHolding;

StatefulHolding Holding(std::string path, std::string id, std::string policy,
                        std::string replace = "Retain") {
  StatefulHolding h;
  h.stack_path = std::move(path);
  h.logical_id = id;
  h.physical_id = id + "-phys";
  h.type = "AWS::DynamoDB::Table";
  h.deletion_policy = std::move(policy);
  h.update_replace_policy = std::move(replace);
  return h;
}

TEST(DecommissionRules, RetainedEverywhereIsSafeAndTheRootIsNeverChanged) {
  EXPECT_TRUE(Judge({Holding("api/Todo", "T", "Retain"), Holding("", "B", "Retain")}).safe_now());
  auto nested = Judge({Holding("api/Todo", "T", "Delete"), Holding("api/Todo", "U", "Retain", "")});
  EXPECT_EQ(nested.to_retain.size(), 2u);
  EXPECT_FALSE(nested.refused());
  EXPECT_EQ(nested.Word(), "retain needed");
  auto root = Judge({Holding("", "B", "")});
  EXPECT_TRUE(root.refused());
  EXPECT_EQ(root.Word(), "refused");
}

TEST(DecommissionRules, AMissingOrEmptiedResourceIsReportedByName) {
  std::vector<StatefulHolding> before = {Holding("a", "T", "Retain"), Holding("a", "U", "Retain")};
  before[0].count = 5;
  before[1].count = 3;
  EXPECT_THAT(CompareAfterDelete(before, {Observed{true, 5}, Observed{true, 3}}),
              ::testing::IsEmpty());
  auto problems = CompareAfterDelete(before, {Observed{false, -1}, Observed{true, 2}});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0], HasSubstr("table T-phys (a T) is GONE"));
  EXPECT_THAT(problems[1], HasSubstr("holds 2 where it held 3"));
}

TEST(DecommissionRules, AnIdentityPoolIsCheckedForExistenceOnly) {
  StatefulHolding pool = Holding("auth", "IdentityPool", "Retain");
  pool.type = "AWS::Cognito::IdentityPool";
  EXPECT_EQ(pool.kind(), DataKind::kIdentityPool);
  EXPECT_THAT(CompareAfterDelete({pool}, {Observed{true, -1}}), ::testing::IsEmpty());
  auto problems = CompareAfterDelete({pool}, {Observed{false, -1}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0],
              HasSubstr("identity pool IdentityPool-phys (auth IdentityPool) is GONE"));
}

// A user pool client or group is known by its pool, resolved from the
// deployed parameters (Gen1's groups stack gets the pool id as a parameter)
// or a Ref to the pool in the same stack, and checked for existence.
TEST(DecommissionRules, UserPoolClientsAndGroupsAreFoundInTheirPoolAndCheckedForExistence) {
  migration::EnvStack stack;
  stack.path = "auth/userPoolGroups";
  stack.name = "amplify-app-main-userPoolGroups";
  stack.template_body = R"({
    "Parameters": {"AuthCognitoUserPoolId": {"Type": "String"}},
    "Resources": {
      "AdminGroup": {"Type": "AWS::Cognito::UserPoolGroup", "DeletionPolicy": "Retain",
                     "Properties": {"GroupName": "Admin",
                                    "UserPoolId": {"Ref": "AuthCognitoUserPoolId"}}},
      "Pool": {"Type": "AWS::Cognito::UserPool", "DeletionPolicy": "Retain"},
      "WebClient": {"Type": "AWS::Cognito::UserPoolClient", "DeletionPolicy": "Retain",
                    "Properties": {"UserPoolId": {"Ref": "Pool"}}}}})";
  stack.parameters = {Value(ValueMap{{"ParameterKey", Value("AuthCognitoUserPoolId")},
                                     {"ParameterValue", Value("us-east-1_given")}})};
  stack.resources = {
      {"AdminGroup", "Admin", "AWS::Cognito::UserPoolGroup", "CREATE_COMPLETE", true},
      {"Pool", "us-east-1_local", "AWS::Cognito::UserPool", "CREATE_COMPLETE", true},
      {"WebClient", "client123", "AWS::Cognito::UserPoolClient", "CREATE_COMPLETE", true}};
  auto holdings = migration::InventoryStateful({stack});
  ASSERT_TRUE(holdings) << holdings.error().ToString();
  ASSERT_EQ(holdings->size(), 3u);
  const StatefulHolding& group = (*holdings)[0];
  const StatefulHolding& client = (*holdings)[2];
  EXPECT_EQ(group.kind(), DataKind::kUserPoolGroup);
  EXPECT_EQ(group.user_pool_id, "us-east-1_given");
  EXPECT_EQ(client.kind(), DataKind::kUserPoolClient);
  EXPECT_EQ(client.user_pool_id, "us-east-1_local");
  auto problems = CompareAfterDelete({group, client}, {Observed{true, -1}, Observed{false, -1}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("user pool client client123"));
  EXPECT_THAT(problems[0], HasSubstr("is GONE"));
}

TEST(DecommissionRules, ABackupMustExistAndBeYoungerThanTheBound) {
  EXPECT_FALSE(CheckBackupFresh("", 100000, 24).has_value());
  EXPECT_EQ(CheckBackupFresh("1000", 1000 + 3600, 24).value(), 3600);
  EXPECT_FALSE(CheckBackupFresh("1000", 1000 + 25 * 3600, 24).has_value());
  EXPECT_EQ(CheckBackupFresh("x", 1, 24).error().code(), ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace flightplan::testing
