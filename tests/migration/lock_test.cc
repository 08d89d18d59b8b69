// `flightplan lock` against the simulator, on every fixture app: the dry run
// changes nothing, lock protects every stateful resource (judged from the
// simulator's templates and tables and through the AWS CLI), lock + rollback
// returns every template and policy byte for byte, an existing policy is
// appended to and restored, a template over 51,200 bytes goes through S3,
// NoEcho parameters keep their values, validations refuse and
// --skip-validations is audited, and a failed stack update leaves the
// environment as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {
namespace {

using ::testing::HasSubstr;

// Types the test holds stateful, independently of flightplan's table.
const std::set<std::string> kStateful = {"AWS::DynamoDB::Table", "AWS::Cognito::UserPool",
                                         "AWS::Cognito::IdentityPool",
                                         "AWS::Cognito::UserPoolClient", "AWS::S3::Bucket"};

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f != nullptr && f->is_string() ? f->as_string() : "";
}

class LockTest : public MigrationTest, public ::testing::WithParamInterface<const char*> {
 protected:
  // Stacks of the seeded Gen1 environment (the root and its nested stacks).
  std::set<std::string> EnvStacks() {
    std::set<std::string> out;
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.name == root_stack_ || s.name.rfind(root_stack_ + "-", 0) == 0) out.insert(s.name);
    }
    return out;
  }
  std::vector<std::string> Tables() {
    std::vector<std::string> out;
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.name != root_stack_ && s.name.rfind(root_stack_ + "-", 0) != 0) continue;
      for (const auto& r : s.resources) {
        if (r.type == "AWS::DynamoDB::Table") out.push_back(r.physical_id);
      }
    }
    return out;
  }
  bool TableProtected(const std::string& table) {
    Value d = Cli({"dynamodb", "describe-table", "--table-name", table});
    const Value* t = d.Find("Table");
    const Value* p = t != nullptr ? t->Find("DeletionProtectionEnabled") : nullptr;
    return p != nullptr && p->is_bool() && p->as_bool();
  }
};

TEST_P(LockTest, DryRunPrintsTheChangeSetsAndChangesNothing) {
  Seed(GetParam());
  auto before = Snapshot();
  int64_t pos = LogPosition();
  std::vector<std::string> args = {"lock", "--dry-run"};
  for (const auto& a : EnvArgs()) args.push_back(a);
  RunResult r = Flightplan(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("change set for"));
  EXPECT_THAT(r.out, HasSubstr("would become"));
  EXPECT_THAT(MutatingCalls(pos), ::testing::IsEmpty());
  EXPECT_EQ(Snapshot(), before);
}

TEST_P(LockTest, LocksEveryStatefulResourceAndRollbackRestoresEveryByte) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed(GetParam());
  auto before = Snapshot();
  std::set<std::string> env_stacks = EnvStacks();
  int64_t pos = LogPosition();
  std::vector<std::string> lock = {"lock"};
  for (const auto& a : EnvArgs()) lock.push_back(a);
  RunResult r = Flightplan(lock);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  // The root stack's policy, through the AWS CLI: lock's statement is there.
  Value policy = Cli({"cloudformation", "get-stack-policy", "--stack-name", root_stack_});
  Result<Value> body = Value::FromJson(Str(policy, "StackPolicyBody"));
  ASSERT_TRUE(body) << policy.ToJson();
  bool denies = false;
  for (const Value& s : body->Find("Statement")->as_list()) {
    denies |= Str(s, "Effect") == "Deny" && Str(s, "Action") == "Update:*";
  }
  EXPECT_TRUE(denies) << body->ToJson();

  // Every stateful resource of every deployed template is retained.
  auto locked = Snapshot();
  int changed_stacks = 0;
  for (const auto& [name, snap] : locked) {
    if (!env_stacks.count(name)) {
      EXPECT_EQ(snap, before[name]) << name << " is not part of the environment";
      continue;
    }
    if (snap.template_text != before[name].template_text) ++changed_stacks;
    EXPECT_EQ(snap.parameters, before[name].parameters) << name << ": parameters changed";
    Result<Value> tmpl = Value::FromJson(snap.template_text);
    ASSERT_TRUE(tmpl) << name;
    for (const auto& [id, res] : tmpl->Find("Resources")->as_map()) {
      if (!kStateful.count(Str(res, "Type"))) continue;
      EXPECT_EQ(Str(res, "DeletionPolicy"), "Retain") << name << " " << id;
      EXPECT_EQ(Str(res, "UpdateReplacePolicy"), "Retain") << name << " " << id;
    }
  }
  EXPECT_GT(changed_stacks, 0);
  // The same, read through the AWS CLI, for every stack lock changed.
  for (const auto& [name, snap] : locked) {
    if (!env_stacks.count(name) || snap.template_text == before[name].template_text) continue;
    Value got = Cli({"cloudformation", "get-template", "--stack-name", name});
    const Value* deployed = got.Find("TemplateBody");
    ASSERT_TRUE(deployed != nullptr && deployed->is_map()) << name << got.ToJson();
    for (const auto& [id, res] : deployed->Find("Resources")->as_map()) {
      if (!kStateful.count(Str(res, "Type"))) continue;
      EXPECT_EQ(Str(res, "DeletionPolicy"), "Retain") << "aws: " << name << " " << id;
    }
  }
  EXPECT_EQ(CountCalls("cloudformation", "ExecuteChangeSet", pos), changed_stacks);
  EXPECT_EQ(CountCalls("cloudformation", "SetStackPolicy", pos), 1);
  EXPECT_EQ(CountCalls("cloudformation", "UpdateStack", pos), 0);
  for (const std::string& table : Tables()) EXPECT_TRUE(TableProtected(table)) << table;

  // Locking again finds the run completed: nothing more is changed.
  int64_t again = LogPosition();
  RunResult r2 = Flightplan(lock);
  EXPECT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_THAT(MutatingCalls(again), ::testing::IsEmpty());

  // Rollback: every template byte for byte, the policy as AWS applies none.
  std::vector<std::string> rollback = lock;
  rollback.push_back("--rollback");
  RunResult back = Flightplan(rollback);
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  auto after = Snapshot();
  for (const auto& [name, snap] : before) {
    EXPECT_EQ(after[name].template_text, snap.template_text) << name;
    EXPECT_EQ(after[name].parameters, snap.parameters) << name;
    if (name == root_stack_ && snap.policy.empty()) {
      EXPECT_THAT(after[name].policy, ::testing::Not(HasSubstr("Deny"))) << after[name].policy;
    } else {
      EXPECT_EQ(after[name].policy, snap.policy) << name;
    }
  }
  for (const std::string& table : Tables()) EXPECT_FALSE(TableProtected(table)) << table;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LockTest,
                         ::testing::Values("backend-only", "discussions", "fitness-tracker",
                                           "media-vault", "product-catalog"));

class LockCases : public MigrationTest {
 protected:
  std::vector<std::string> Lock(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"lock"};
    for (const auto& a : EnvArgs()) args.push_back(a);
    for (auto& a : extra) args.push_back(std::move(a));
    return args;
  }
};

TEST_F(LockCases, AnExistingPolicyIsAppendedToAndRestoredByteForByte) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed("backend-only");
  const std::string prior =
      "{\n  \"Statement\" : [\n    {\"Effect\": \"Allow\", \"Action\": \"Update:*\", "
      "\"Principal\": \"*\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Action\": "
      "\"Update:Replace\", \"Principal\": \"*\", \"Resource\": "
      "\"LogicalResourceId/DeploymentBucket\"}\n  ]\n}\n";
  Cli({"cloudformation", "set-stack-policy", "--stack-name", root_stack_, "--stack-policy-body",
       prior});
  ASSERT_EQ(Snapshot()[root_stack_].policy, prior);
  RunResult r = Flightplan(Lock());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  Result<Value> locked = Value::FromJson(Snapshot()[root_stack_].policy);
  ASSERT_TRUE(locked);
  const ValueList& statements = locked->Find("Statement")->as_list();
  ASSERT_EQ(statements.size(), 3u) << locked->ToJson();
  EXPECT_EQ(Str(statements[1], "Action"), "Update:Replace");  // the user's, kept in place
  EXPECT_EQ(Str(statements[2], "Effect"), "Deny");
  RunResult back = Flightplan(Lock({"--rollback"}));
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_EQ(Snapshot()[root_stack_].policy, prior);
}

TEST_F(LockCases, ATemplateOverTheInlineLimitGoesThroughTheDeploymentBucket) {
  Seed("backend-only");
  // Grow the Todo model stack's template past 51,200 bytes the way a user
  // could: an update through S3 with a large template-level Metadata.
  std::string todo_stack;
  std::string bucket;
  Value params(ValueList{});
  Value tmpl;
  {
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.name.find(root_stack_) == 0 && s.name.find("-Todo-") != std::string::npos) {
        todo_stack = s.name;
        tmpl = *Value::FromJson(s.template_text);
        for (const auto& p : s.parameters) {
          Value entry(ValueMap{});
          entry.Set("ParameterKey", p.key);
          entry.Set("UsePreviousValue", true);
          params.as_list().push_back(std::move(entry));
        }
      }
      if (s.name == root_stack_) {
        for (const auto& p : s.parameters) {
          if (p.key == "DeploymentBucketName") bucket = p.value;
        }
      }
    }
  }
  ASSERT_FALSE(todo_stack.empty());
  ASSERT_FALSE(bucket.empty());
  tmpl.Set("Metadata", Value(ValueMap{{"Padding", Value(std::string(60000, 'x'))}}));
  Call("s3", "PutObject",
       cloudsim::testing::Obj({{"Bucket", Value(bucket)},
                               {"Key", Value("big/todo.json")},
                               {"Body", Value(tmpl.ToJson())}}));
  Value update(ValueMap{});
  update.Set("StackName", todo_stack);
  update.Set("TemplateURL", "https://" + bucket + ".s3.us-east-1.amazonaws.com/big/todo.json");
  update.Set("Parameters", params);
  update.Set("Capabilities",
             Value(ValueList{Value("CAPABILITY_IAM"), Value("CAPABILITY_NAMED_IAM")}));
  Call("cloudformation", "UpdateStack", update);
  ASSERT_GT(Snapshot()[todo_stack].template_text.size(), 51200u);

  int64_t pos = LogPosition();
  RunResult r = Flightplan(Lock());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(CountCalls("s3", "PutObject", pos), 1);
  Result<Value> locked = Value::FromJson(Snapshot()[todo_stack].template_text);
  ASSERT_TRUE(locked);
  EXPECT_EQ(Str(*locked->Find("Resources")->Find("TodoTable"), "DeletionPolicy"), "Retain");
  EXPECT_TRUE(locked->Find("Metadata") != nullptr);  // nothing else of the template was lost
  RunResult back = Flightplan(Lock({"--rollback"}));
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_EQ(*Value::FromJson(Snapshot()[todo_stack].template_text), tmpl);
}

TEST_F(LockCases, AnOldCliIsRefusedUnlessValidationsAreSkippedWhichTheAuditRecords) {
  Seed("backend-only");
  {
    std::lock_guard lock(world().mutex);
    for (cloudsim::Stack& s : world().cloudformation.stacks()) {
      size_t at = s.description.find("\"createdWith\":\"14.");
      if (at != std::string::npos) s.description.replace(at, 18, "\"createdWith\":\"12.");
    }
  }
  int64_t pos = LogPosition();
  RunResult r = Flightplan(Lock());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("Amplify CLI 12."));
  EXPECT_THAT(r.err, HasSubstr("npm install -g @aws-amplify/cli@14"));
  EXPECT_THAT(MutatingCalls(pos), ::testing::IsEmpty());

  RunResult skipped = Flightplan(Lock({"--skip-validations"}));
  ASSERT_EQ(skipped.exit_code, 0) << skipped.out << skipped.err;
  RunResult audit = Flightplan({"audit", "export"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("cli-version"));
  EXPECT_THAT(audit.out, HasSubstr("skip"));
}

TEST_F(LockCases, AStackThatIsNotDeployableIsRefused) {
  Seed("backend-only");
  std::string nested;
  {
    std::lock_guard lock(world().mutex);
    for (cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.name.rfind(root_stack_ + "-auth", 0) == 0) {
        s.status = "UPDATE_ROLLBACK_FAILED";
        nested = s.name;
      }
    }
  }
  ASSERT_FALSE(nested.empty());
  int64_t pos = LogPosition();
  RunResult r = Flightplan(Lock());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("UPDATE_ROLLBACK_FAILED"));
  EXPECT_THAT(r.err, HasSubstr("continue-update-rollback"));
  EXPECT_THAT(MutatingCalls(pos), ::testing::IsEmpty());
}

TEST_F(LockCases, AStackUpdateThatRollsBackLeavesTheEnvironmentAsItWas) {
  Seed("backend-only");
  auto before = Snapshot();
  // The Todo model stack's update fails and CloudFormation rolls it back;
  // lock has already locked the stacks before it by then.
  std::string todo_stack;
  {
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.name.find("-Todo-") != std::string::npos && s.name.find(root_stack_) == 0) {
        todo_stack = s.name;
      }
    }
  }
  ASSERT_FALSE(todo_stack.empty());
  AddFault(
      "cloudformation", "ExecuteChangeSet", "fail_stack_operation",
      {{"match", cloudsim::testing::Obj({{"StackName", Value(todo_stack)}})}, {"count", Value(1)}});
  RunResult r = Flightplan(Lock());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("rolled it back"));
  EXPECT_THAT(r.err, HasSubstr("nothing is locked"));
  auto after = Snapshot();
  for (const auto& [name, snap] : before) {
    EXPECT_EQ(after[name].template_text, snap.template_text) << name;
    EXPECT_EQ(after[name].policy, snap.policy) << name;
  }
  // Once the cause is gone, running lock again finishes the job.
  RunResult again = Flightplan(Lock());
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(Snapshot()[root_stack_].policy, HasSubstr("FlightplanLockDenyUpdates"));
}

TEST_F(LockCases, AChangeSetThatCannotBeCreatedLeavesTheEnvironmentAsItWas) {
  Seed("backend-only");
  auto before = Snapshot();
  // The first stack locks; CloudFormation refuses the second change set.
  Value rule(ValueMap{});
  rule.Set("service", "cloudformation");
  rule.Set("operation", "CreateChangeSet");
  rule.Set("kind", "error");
  rule.Set("status", 400);
  rule.Set("code", "ValidationError");
  rule.Set("skip", 1);
  rule.Set("count", 1);
  Control("POST", "/_sim/faults", rule);
  int64_t pos = LogPosition();
  RunResult r = Flightplan(Lock());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("ValidationError"));
  EXPECT_THAT(r.err, HasSubstr("nothing is locked"));
  for (const auto& [name, snap] : Snapshot()) {
    EXPECT_EQ(snap.template_text, before[name].template_text) << name;
    EXPECT_EQ(snap.policy, before[name].policy) << name;
  }
  // One stack was locked and unlocked again; nothing else executed.
  EXPECT_EQ(CountCalls("cloudformation", "ExecuteChangeSet", pos), 2);
  EXPECT_EQ(CountCalls("cloudformation", "SetStackPolicy", pos), 0);
}

TEST_F(LockCases, ALockWhoseUndoFailedIsFinishedAndRolledBackToTheOriginal) {
  Seed("backend-only");
  auto before = Snapshot();
  std::string todo_stack;
  {
    std::lock_guard lock(world().mutex);
    for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
      if (s.name.find("-Todo-") != std::string::npos && s.name.find(root_stack_) == 0) {
        todo_stack = s.name;
      }
    }
  }
  ASSERT_FALSE(todo_stack.empty());
  // The third stack's update rolls back, and the undo of the second fails
  // (its change set is refused): the environment is left partly locked.
  Value fail(ValueMap{});
  fail.Set("service", "cloudformation");
  fail.Set("operation", "ExecuteChangeSet");
  fail.Set("kind", "fail_stack_operation");
  fail.Set("match", cloudsim::testing::Obj({{"StackName", Value(todo_stack)}}));
  fail.Set("count", 1);
  Control("POST", "/_sim/faults", fail);
  Value refuse(ValueMap{});
  refuse.Set("service", "cloudformation");
  refuse.Set("operation", "CreateChangeSet");
  refuse.Set("kind", "error");
  refuse.Set("status", 400);
  refuse.Set("code", "ValidationError");
  refuse.Set("skip", 3);
  refuse.Set("count", 1);
  Control("POST", "/_sim/faults", refuse);
  RunResult r = Flightplan(Lock());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("partly locked"));
  Control("DELETE", "/_sim/faults");

  RunResult again = Flightplan(Lock());
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  RunResult back = Flightplan(Lock({"--rollback"}));
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  for (const auto& [name, snap] : Snapshot()) {
    Result<Value> have = Value::FromJson(snap.template_text);
    Result<Value> want = Value::FromJson(before[name].template_text);
    ASSERT_TRUE(have && want) << name;
    EXPECT_EQ(*have, *want) << name << " still differs from before the first lock";
  }
}

TEST_F(LockCases, ExtraStatefulTypesFromAFileAreLockedToo) {
  Seed("backend-only");
  WriteFile(dir_.Join("types.txt"), "# our functions hold state\nAWS::Lambda::Function\n");
  RunResult r = Flightplan(Lock({"--stateful-types", dir_.Join("types.txt")}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("guards them with the stack policy"));  // the root's function
  int functions = 0;
  for (const auto& [name, snap] : Snapshot()) {
    if (name.find(root_stack_ + "-") != 0) continue;  // nested stacks
    Result<Value> tmpl = Value::FromJson(snap.template_text);
    ASSERT_TRUE(tmpl);
    for (const auto& [id, res] : tmpl->Find("Resources")->as_map()) {
      if (Str(res, "Type") != "AWS::Lambda::Function") continue;
      ++functions;
      EXPECT_EQ(Str(res, "DeletionPolicy"), "Retain") << name << " " << id;
    }
  }
  EXPECT_GT(functions, 0);

  WriteFile(dir_.Join("bad.txt"), "AWS::Lambda::Function\nlambda functions\n");
  state_ = dir_.Join("other.db");
  RunResult bad = Flightplan(Lock({"--stateful-types", dir_.Join("bad.txt")}));
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("bad.txt:2: 'lambda functions' is not a resource type"));
}

TEST_F(LockCases, InsideTheGen1ProjectTheAppAndEnvironmentNeedNotBeGiven) {
  Seed("backend-only");
  namespace fs = std::filesystem;
  fs::path project = fs::path(dir_.path()) / "project";
  fs::create_directories(project / "amplify" / ".config");
  fs::copy(FixtureApp("backend-only") / "amplify" / "team-provider-info.json",
           project / "amplify" / "team-provider-info.json");
  WriteFile((project / "amplify" / ".config" / "local-env-info.json").string(),
            "{\"projectPath\": \".\", \"envName\": \"" + env_ + "\"}\n");
  Invocation inv;
  inv.args = {"--state", state_, "lock", "--dry-run"};
  inv.cwd = project.string();
  inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
             {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
             {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
             {"HOME", dir_.path()}};
  RunResult r = RunFlightplan(inv);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("app/" + app_id_ + "/env/" + env_));
  // Elsewhere, without them, the message says what to pass.
  inv.cwd = dir_.path();
  RunResult missing = RunFlightplan(inv);
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("pass --app-id"));
}

}  // namespace
}  // namespace flightplan::testing
