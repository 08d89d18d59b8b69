// `flightplan cleanup` against the simulator. `clone` is built elsewhere, so
// the test makes a clone-shaped rehearsal by hand, as the clone ⇄ cleanup
// contract describes it: on top of the backend-only fixture (production) a
// Gen1 clone environment (a root stack tagged flightplan:clone-of/-env with
// a nested stack holding a deletion-protected table and a bucket, both
// Retain; a tagged deployment bucket `<root>-deployment`; an Amplify backend
// environment), a Gen2 clone branch whose backend stack holds a table
// (Retain), a Gen2 copy orphaned by the clone's refactor, and a journal in
// which the clone's refactor run (written by the real engine) names that
// branch and that orphan. Oracles: the simulator's own state, its request
// log and the AWS CLI — never flightplan's report.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <csignal>
#include <functional>
#include <set>
#include <thread>

#include "engine/executor.h"
#include "engine/workflow_loader.h"
#include "steps/builtin/builtin_steps.h"
#include "steps/sys/posix_process_runner.h"
#include "store/sqlite_journal.h"
#include "tests/engine/fakes.h"
#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {
namespace {

using cloudsim::testing::CliResult;
using cloudsim::testing::Obj;
using ::testing::HasSubstr;

constexpr char kClone[] = "rehearsal";
constexpr char kBranch[] = "gen2-rehearsal";
constexpr char kCloneTable[] = "Todo-clone-rehearsal";
constexpr char kCloneStorage[] = "clone-storage-rehearsal";
constexpr char kGen2Table[] = "Todo-gen2-rehearsal";
constexpr char kOrphanTable[] = "Todo-orphan-rehearsal";

// A step that returns its inputs as outputs: it journals what the clone's
// refactor's vacate step would have returned.
class JournaledOutputsStep final : public StepType {
 public:
  std::string_view name() const override { return "test.vacate"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{"returns its inputs",
                                    {{"orphaned", FieldType::kMap, true, "", {}},
                                     {"original_templates", FieldType::kMap, true, "", {}}},
                                    {{"orphaned", FieldType::kMap, false, "", {}},
                                     {"original_templates", FieldType::kMap, false, "", {}}},
                                    false,
                                    false};
    return kSchema;
  }
  std::string Describe(const Value&) const override { return "journal vacate's outputs"; }
  Result<Value> Execute(const Value& inputs, StepContext&) const override { return inputs; }
};

Value Table(const std::string& name, bool protect) {
  Value props(ValueMap{});
  props.Set("TableName", name);
  props.Set("BillingMode", "PAY_PER_REQUEST");
  props.Set("AttributeDefinitions",
            Value(ValueList{Obj({{"AttributeName", Value("id")}, {"AttributeType", Value("S")}})}));
  props.Set("KeySchema",
            Value(ValueList{Obj({{"AttributeName", Value("id")}, {"KeyType", Value("HASH")}})}));
  if (protect) props.Set("DeletionProtectionEnabled", true);
  Value r(ValueMap{});
  r.Set("Type", "AWS::DynamoDB::Table");
  r.Set("DeletionPolicy", "Retain");
  r.Set("UpdateReplacePolicy", "Retain");
  r.Set("Properties", std::move(props));
  return r;
}

class CleanupTest : public MigrationTest {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    Seed("backend-only");
    // amplify-<project>-<env>-<hex>
    std::string prefix = "amplify-";
    size_t at = root_stack_.rfind("-" + env_ + "-");
    ASSERT_NE(at, std::string::npos) << root_stack_;
    project_ = root_stack_.substr(prefix.size(), at - prefix.size());
    clone_root_ = fmt::format("amplify-{}-{}-ab12c", project_, kClone);
    clone_bucket_ = clone_root_ + "-deployment";
  }

  Value Tags() {
    return Value(ValueList{
        Obj({{"Key", Value("flightplan:clone-of")}, {"Value", Value(app_id_ + "/" + env_)}}),
        Obj({{"Key", Value("flightplan:clone-env")}, {"Value", Value(kClone)}})});
  }

  void PutItem(const std::string& table, const std::string& id) {
    Call("dynamodb", "PutItem",
         Obj({{"TableName", Value(table)}, {"Item", Obj({{"id", Obj({{"S", Value(id)}})}})}}));
  }
  void PutObject(const std::string& bucket, const std::string& key) {
    Call("s3", "PutObject",
         Obj({{"Bucket", Value(bucket)}, {"Key", Value(key)}, {"Body", Value("data")}}));
  }

  // Creates the stack and returns its ARN once CREATE_COMPLETE.
  std::string CreateStack(const std::string& name, const Value& tmpl, bool tagged) {
    Value params(ValueMap{});
    params.Set("StackName", name);
    params.Set("TemplateBody", tmpl.ToJson());
    if (tagged) params.Set("Tags", Tags());
    Value created = Call("cloudformation", "CreateStack", params);
    std::string id = created.Find("StackId")->as_string();
    for (int i = 0; i < 200; ++i) {
      Value d = Call("cloudformation", "DescribeStacks", Obj({{"StackName", Value(id)}}));
      std::string status = d.Find("Stacks")->as_list().front().Find("StackStatus")->as_string();
      if (status == "CREATE_COMPLETE") return id;
      EXPECT_THAT(status, HasSubstr("IN_PROGRESS")) << name;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "stack " << name << " was not created";
    return id;
  }

  // The rehearsal, as `clone`, `deploy` and `refactor --env <clone>` leave it.
  void BuildRehearsal() {
    // The Gen1 clone: deployment bucket (tagged), nested template, root stack.
    {
      std::lock_guard lock(world().mutex);
      ASSERT_TRUE(world().s3.CreateBucket(clone_bucket_, world().Now()));
      world().s3.FindBucket(clone_bucket_)->tags = {{"flightplan:clone-of", app_id_ + "/" + env_},
                                                    {"flightplan:clone-env", kClone}};
    }
    Value nested(ValueMap{});
    Value nested_resources(ValueMap{});
    nested_resources.Set("TodoTable", Table(kCloneTable, /*protect=*/true));
    Value storage(ValueMap{});
    storage.Set("Type", "AWS::S3::Bucket");
    storage.Set("DeletionPolicy", "Retain");
    storage.Set("UpdateReplacePolicy", "Retain");
    storage.Set("Properties", Obj({{"BucketName", Value(kCloneStorage)}}));
    nested_resources.Set("StorageBucket", std::move(storage));
    nested.Set("Resources", std::move(nested_resources));
    Call("s3", "PutObject",
         Obj({{"Bucket", Value(clone_bucket_)},
              {"Key", Value("amplify-cfn-templates/api/api.json")},
              {"Body", Value(nested.ToJson())}}));
    PutObject(clone_bucket_, "#current-cloud-backend.zip");
    Value root(ValueMap{});
    Value nested_stack(ValueMap{});
    nested_stack.Set("Type", "AWS::CloudFormation::Stack");
    nested_stack.Set(
        "Properties",
        Obj({{"TemplateURL",
              Value(fmt::format("https://s3.amazonaws.com/{}/amplify-cfn-templates/api/api.json",
                                clone_bucket_))}}));
    root.Set("Resources", Obj({{"apirehearsal", nested_stack}}));
    clone_root_id_ = CreateStack(clone_root_, root, /*tagged=*/true);
    {
      // CloudFormation (and the simulator) propagate stack tags to nested stacks.
      std::lock_guard lock(world().mutex);
      int nested_stacks = 0;
      for (const cloudsim::Stack& st : world().cloudformation.stacks()) {
        if (st.name.rfind(clone_root_ + "-", 0) != 0) continue;
        ++nested_stacks;
        EXPECT_EQ(st.tags.size(), 2u) << st.name;
      }
      EXPECT_EQ(nested_stacks, 1);
    }
    PutItem(kCloneTable, "clone-item");
    PutObject(kCloneStorage, "clone-object");
    {
      // (flightplan's client does not send CreateBackendEnvironment.)
      std::lock_guard lock(world().mutex);
      ASSERT_TRUE(world().amplify.CreateBackendEnvironment(
          app_id_,
          Obj({{"environmentName", Value(kClone)},
               {"stackName", Value(clone_root_)},
               {"deploymentArtifacts", Value(clone_bucket_)}}),
          world().Now()));
    }

    // The Gen2 clone branch and its backend stack.
    gen2_stack_ = fmt::format("amplify-{}-{}-branch-0a1b2c3d4e", app_id_, kBranch);
    Value gen2(ValueMap{});
    gen2.Set("Resources", Obj({{"GenTwoTable", Table(kGen2Table, /*protect=*/false)}}));
    gen2_stack_id_ = CreateStack(gen2_stack_, gen2, /*tagged=*/false);
    PutItem(kGen2Table, "gen2-item");
    Call("amplify", "CreateBranch",
         Obj({{"appId", Value(app_id_)}, {"branchName", Value(kBranch)}}));
    Control("POST", "/_sim/mutate",
            Obj({{"service", Value("amplify")},
                 {"action", Value("update_branch")},
                 {"appId", Value(app_id_)},
                 {"branchName", Value(kBranch)},
                 {"backend", Obj({{"stackArn", Value(gen2_stack_id_)}})}}));

    // The Gen2 copy the clone's refactor orphaned.
    Value create = *Table(kOrphanTable, false).Find("Properties");
    Call("dynamodb", "CreateTable", create);
    PutItem(kOrphanTable, "orphan-item");

    // The clone's refactor run, journaled by the real engine.
    Value original(ValueMap{});
    original.Set("Resources", Obj({{"TodoTable", Table(kOrphanTable, false)}}));
    JournalRefactor(kClone, kBranch,
                    Obj({{gen2_stack_, Obj({{"TodoTable", Value(kOrphanTable)}})}}),
                    Obj({{gen2_stack_, Value(original.ToJson())}}));
  }

  // A succeeded `refactor` run on app/<app>/env/<env> with these vacate outputs.
  void JournalRefactor(const std::string& env, const std::string& to_branch, const Value& orphaned,
                       const Value& templates) {
    FakeClock clock;
    FakeHost host;
    ScriptedPrompter prompter;
    RecordingObserver observer;
    PosixProcessRunner processes;
    StepRegistry registry;
    RegisterBuiltinSteps(registry);
    registry.Register(std::make_unique<JournaledOutputsStep>());
    auto journal = OpenSqliteJournal(state_, clock, JournalOptions{});
    ASSERT_TRUE(journal) << journal.error().ToString();
    std::string yaml = fmt::format(
        "name: refactor\nversion: 1\ntarget: app/${{params.app_id}}/env/${{params.env}}\n"
        "params:\n  app_id: {{type: string, required: true}}\n"
        "  env: {{type: string, required: true}}\n"
        "  to_branch: {{type: string, required: true}}\n"
        "steps:\n  - id: vacate\n    uses: test.vacate\n    with:\n"
        "      orphaned: {}\n      original_templates: {}\n",
        orphaned.ToJson(), templates.ToJson());
    auto wf = LoadWorkflow(yaml, "refactor.yaml", registry, nullptr);
    ASSERT_TRUE(wf) << wf.error().ToString();
    Executor executor(**journal, registry, clock, processes, prompter, host, observer);
    ExecutorOptions options;
    options.holder = LeaseHolder{"tester", "testhost", 1000, "tester", ""};
    auto outcome = executor.Start(
        *wf, {{"app_id", app_id_}, {"env", env}, {"to_branch", to_branch}}, "", options);
    ASSERT_TRUE(outcome) << outcome.error().ToString();
    ASSERT_EQ(outcome->state, RunState::kSucceeded);
  }

  std::vector<std::string> CleanupArgs(bool yes = true) {
    std::vector<std::string> args = {"cleanup", "--app-id",    app_id_, "--env",
                                     env_,      "--clone-env", kClone};
    if (yes) args.push_back("--yes");
    return args;
  }

  // Everything production holds: its stacks, and the data of every table,
  // bucket and pool that is not the rehearsal's.
  std::string ProductionState() {
    std::set<std::string> rehearsal = {kCloneTable, kCloneStorage, kGen2Table, kOrphanTable,
                                       clone_bucket_};
    std::string out;
    for (const auto& [name, snap] : Snapshot()) {
      if (name.rfind(clone_root_, 0) == 0 || name == gen2_stack_) continue;
      out += name + snap.status + snap.template_text + snap.policy + "\n";
    }
    std::lock_guard lock(world().mutex);
    Value tables = world().dynamodb.Dump();
    Value buckets = world().s3.Dump();
    for (const Value* dump : {&tables, &buckets}) {
      std::function<void(Value&)> strip = [&](Value& v) {
        if (!v.is_map()) return;
        for (const std::string& r : rehearsal) v.as_map().erase(r);
        for (auto& [k, child] : v.as_map()) strip(child);
      };
      Value copy = *dump;
      strip(copy);
      out += copy.ToJson();
    }
    out += world().cognito.Dump().ToJson();
    return out;
  }

  // Production's physical ids and stack names, for the request-log oracle.
  std::set<std::string> ProductionIds() {
    std::set<std::string> out;
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.status == "DELETE_COMPLETE") continue;
      if (s.name.rfind(clone_root_, 0) == 0 || s.name == gen2_stack_) continue;
      out.insert(s.name);
      for (const auto& r : s.resources) {
        if (!r.physical_id.empty() && r.type != "AWS::CloudFormation::WaitConditionHandle") {
          out.insert(r.physical_id);
        }
      }
    }
    return out;
  }

  // Mutating calls since `pos` whose parameters name a production id.
  std::vector<std::string> MutationsOfProduction(int64_t pos, const std::set<std::string>& ids) {
    std::vector<std::string> out;
    for (const cloudsim::LogEntry& e : simulator_->Log()) {
      if (e.seq <= pos) continue;
      const std::string& op = e.operation;
      if (op.rfind("Describe", 0) == 0 || op.rfind("Get", 0) == 0 || op.rfind("List", 0) == 0 ||
          op.rfind("Head", 0) == 0) {
        continue;
      }
      std::string params = e.params.ToJson();
      for (const std::string& id : ids) {
        if (params.find("\"" + id + "\"") != std::string::npos) {
          out.push_back(e.service + ":" + op + " " + params);
        }
      }
    }
    return out;
  }

  bool StackLive(const std::string& id) {
    std::lock_guard lock(world().mutex);
    const cloudsim::Stack* s = world().cloudformation.Find(id);
    return s != nullptr && s->status != "DELETE_COMPLETE";
  }

  // Every rehearsal resource is gone (the simulator's state and, where it
  // is installed, the AWS CLI).
  void ExpectRehearsalGone() {
    EXPECT_FALSE(StackLive(clone_root_id_));
    EXPECT_FALSE(StackLive(gen2_stack_id_));
    {
      std::lock_guard lock(world().mutex);
      for (const char* t : {kCloneTable, kGen2Table, kOrphanTable}) {
        EXPECT_FALSE(world().dynamodb.HasTable(t)) << t;
      }
      EXPECT_EQ(world().s3.FindBucket(clone_bucket_), nullptr);
      EXPECT_EQ(world().s3.FindBucket(kCloneStorage), nullptr);
    }
    EXPECT_EQ(ErrorCodeOf("amplify", "GetBackendEnvironment",
                          Obj({{"appId", Value(app_id_)}, {"environmentName", Value(kClone)}})),
              "NotFoundException");
    EXPECT_EQ(ErrorCodeOf("amplify", "GetBranch",
                          Obj({{"appId", Value(app_id_)}, {"branchName", Value(kBranch)}})),
              "NotFoundException");
    if (HaveAwsCli()) {
      Value tables = Cli({"dynamodb", "list-tables"});
      std::string names = tables.ToJson();
      for (const char* t : {kCloneTable, kGen2Table, kOrphanTable}) {
        EXPECT_THAT(names, ::testing::Not(HasSubstr(t)));
      }
      CliResult bucket = AwsCli({"s3api", "head-bucket", "--bucket", clone_bucket_});
      EXPECT_NE(bucket.exit_code, 0);
      CliResult stack = AwsCli({"cloudformation", "describe-stacks", "--stack-name", clone_root_});
      EXPECT_NE(stack.exit_code, 0) << stack.out;
    }
  }

  std::string project_;
  std::string clone_root_;
  std::string clone_root_id_;
  std::string clone_bucket_;
  std::string gen2_stack_;
  std::string gen2_stack_id_;
};

TEST_F(CleanupTest, DeletesTheWholeRehearsalAndNothingOfProduction) {
  BuildRehearsal();
  std::string production = ProductionState();
  std::set<std::string> ids = ProductionIds();
  int64_t pos = LogPosition();
  RunResult r = Flightplan(CleanupArgs());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectRehearsalGone();
  EXPECT_EQ(ProductionState(), production);
  EXPECT_THAT(MutationsOfProduction(pos, ids), ::testing::IsEmpty());
  // The deletions the plan named, each once.
  EXPECT_EQ(CountCalls("cloudformation", "DeleteStack", pos), 2);
  EXPECT_EQ(CountCalls("dynamodb", "DeleteTable", pos), 3);
  EXPECT_EQ(CountCalls("s3", "DeleteBucket", pos), 2);
  EXPECT_EQ(CountCalls("amplify", "DeleteBackendEnvironment", pos), 1);
  EXPECT_EQ(CountCalls("amplify", "DeleteBranch", pos), 1);
  // The protected clone table had its protection turned off first.
  EXPECT_EQ(CountCalls("dynamodb", "UpdateTable", pos), 1);

  // A second cleanup of the same name is a new run that finds nothing left.
  int64_t again = LogPosition();
  RunResult second = Flightplan(CleanupArgs());
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_THAT(MutatingCalls(again), ::testing::IsEmpty());
}

TEST_F(CleanupTest, DryRunPrintsTheListAndTheProofAndDeletesNothing) {
  BuildRehearsal();
  auto before = Snapshot();
  int64_t pos = LogPosition();
  std::vector<std::string> args = CleanupArgs(/*yes=*/false);
  args.push_back("--dry-run");
  RunResult r = Flightplan(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("To delete, in order:"));
  EXPECT_THAT(r.out, HasSubstr(kOrphanTable));
  EXPECT_THAT(r.out, HasSubstr(kGen2Table));
  EXPECT_THAT(r.out, HasSubstr(kCloneTable));
  EXPECT_THAT(r.out, HasSubstr(clone_bucket_));
  EXPECT_THAT(r.out, HasSubstr("Gen1 clone rehearsal: 2 stacks and 2 resources, none of them "
                               "production's"));
  EXPECT_THAT(MutatingCalls(pos), ::testing::IsEmpty());
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(CleanupTest, WithoutConfirmationNothingIsDeleted) {
  BuildRehearsal();
  auto before = Snapshot();
  int64_t pos = LogPosition();
  RunResult r = Flightplan(CleanupArgs(/*yes=*/false));
  EXPECT_EQ(r.exit_code, 7) << r.out << r.err;
  EXPECT_THAT(MutatingCalls(pos), ::testing::IsEmpty());
  EXPECT_EQ(Snapshot(), before);
  EXPECT_TRUE(StackLive(clone_root_id_));
}

TEST_F(CleanupTest, RefusesWhenTheCloneBranchStackHoldsAProductionTable) {
  BuildRehearsal();
  // The clone branch's stack lists production's table (as if production's
  // resources had been moved into it).
  std::string prod_table;
  {
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.name.rfind(root_stack_, 0) != 0) continue;
      for (const auto& res : s.resources) {
        if (res.type == "AWS::DynamoDB::Table") prod_table = res.physical_id;
      }
    }
    ASSERT_FALSE(prod_table.empty());
    cloudsim::Stack* gen2 = world().cloudformation.Find(gen2_stack_id_);
    ASSERT_NE(gen2, nullptr);
    cloudsim::StackResource moved = gen2->resources.front();
    moved.logical_id = "MovedTable";
    moved.physical_id = prod_table;
    gen2->resources.push_back(moved);
  }
  std::string production = ProductionState();
  int64_t pos = LogPosition();
  RunResult r = Flightplan(CleanupArgs());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr(prod_table));
  EXPECT_THAT(r.out + r.err, HasSubstr("belongs to production"));
  EXPECT_THAT(MutatingCalls(pos), ::testing::IsEmpty());
  EXPECT_EQ(ProductionState(), production);
  EXPECT_TRUE(StackLive(gen2_stack_id_));
}

TEST_F(CleanupTest, RefusesWhenCloneBranchIsProductionsRefactorBranch) {
  BuildRehearsal();
  // Production's own Gen2 branch, the to_branch of production's refactor.
  JournalRefactor(env_, "main-gen2", Value(ValueMap{}), Value(ValueMap{}));
  int64_t pos = LogPosition();
  std::vector<std::string> args = CleanupArgs();
  args.insert(args.end(), {"--clone-branch", "main-gen2"});
  RunResult r = Flightplan(args);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("production's Gen2 branch"));
  EXPECT_THAT(MutatingCalls(pos), ::testing::IsEmpty());
}

TEST_F(CleanupTest, RefusesAnUntaggedEnvironment) {
  BuildRehearsal();
  // The "clone" is production itself, under its own name.
  int64_t pos = LogPosition();
  RunResult r =
      Flightplan({"cleanup", "--app-id", app_id_, "--env", "other", "--clone-env", env_, "--yes"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("does not carry the clone tags"));
  EXPECT_THAT(MutatingCalls(pos), ::testing::IsEmpty());
}

TEST_F(CleanupTest, KilledInsideTheDeletionsResumesAndFinishes) {
  BuildRehearsal();
  std::string production = ProductionState();
  std::set<std::string> ids = ProductionIds();
  int64_t pos = LogPosition();
  // Slow calls, so the kill lands among the deletions and their waits.
  Control("POST", "/_sim/config", Obj({{"operation_delay_ms", Value(100)}}));
  Invocation inv;
  inv.args = {"--state", state_, "--operator", "tester"};
  for (const auto& a : CleanupArgs()) inv.args.push_back(a);
  inv.cwd = dir_.path();
  inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
             {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
             {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
             {"AWS_REGION", "us-east-1"},
             {"HOME", dir_.path()}};
  {
    Background run(inv);
    // Wait (bounded) for the first deletion, then kill.
    for (int i = 0; i < 300 && CountCalls("cloudformation", "DeleteStack", pos) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(CountCalls("cloudformation", "DeleteStack", pos), 1);
    run.Signal(SIGKILL);
    run.Wait();
  }
  Control("POST", "/_sim/config", Obj({{"operation_delay_ms", Value(0)}}));
  RunResult resumed = Flightplan(CleanupArgs());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  ExpectRehearsalGone();
  EXPECT_EQ(ProductionState(), production);
  EXPECT_THAT(MutationsOfProduction(pos, ids), ::testing::IsEmpty());
}

// Journal writes of a run: the run, then each step's start and end (plan,
// confirm, delete-gen2, delete-gen1, done). Killed before a delete step's
// end is journaled, its deletions happened and the journal does not know;
// killed after a start, they have not begun.
class CleanupKillTest : public CleanupTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(CleanupKillTest, KilledMidwayResumesAndFinishes) {
  BuildRehearsal();
  std::string production = ProductionState();
  std::set<std::string> ids = ProductionIds();
  int64_t pos = LogPosition();
  RunResult killed = Flightplan(CleanupArgs(), GetParam());
  EXPECT_TRUE(killed.signaled) << killed.out << killed.err;
  RunResult resumed = Flightplan(CleanupArgs());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_THAT(resumed.out + resumed.err, HasSubstr("continuing unfinished run"));
  ExpectRehearsalGone();
  EXPECT_EQ(ProductionState(), production);
  EXPECT_THAT(MutationsOfProduction(pos, ids), ::testing::IsEmpty());
  EXPECT_EQ(CountCalls("amplify", "DeleteBackendEnvironment", pos), 1);
  EXPECT_EQ(CountCalls("amplify", "DeleteBranch", pos), 1);
}

INSTANTIATE_TEST_SUITE_P(KillPoints, CleanupKillTest,
                         ::testing::Values("6:after", "7:before", "8:after", "9:before"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) c = std::isalnum(c) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace flightplan::testing
