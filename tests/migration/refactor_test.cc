// The refactor phase end to end, with real parts: a fixture app seeded into
// the in-process simulator, the Gen2 project flightplan generates for it
// deployed to branch gen2main by `flightplan-cloudsim deploy-gen2` (the
// pinned toolchain), users and objects added through the AWS CLI, then the
// real binary's lock and refactor — and its rollback. Judged by what the
// account holds, read through the AWS CLI and the simulator's request log:
// who owns each resource (DescribeStackResources by physical id), that the
// users, objects and items are still there, that no stateful resource was
// ever deleted, that Gen2's own copies survive orphaned and come back.
//
// Needs Node.js, `npm ci` in tests/gen2-toolchain and the AWS CLI; skipped
// otherwise. media-vault (auth, groups in a second Gen1 stack, a bucket) by
// default; all five apps with FLIGHTPLAN_FULL_REFACTOR=1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/migration/refactor_fixture.h"

namespace flightplan::testing {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> Apps() {
  const char* full = std::getenv("FLIGHTPLAN_FULL_REFACTOR");
  if (full && std::string(full) == "1") {
    // media-vault (a pool with a hosted UI domain): RefactorFlowTestHostedUiDomain.
    return {"backend-only", "discussions", "fitness-tracker", "product-catalog"};
  }
  return {"backend-only"};
}

TEST_P(RefactorFlowTest, EveryStatefulResourceMovesWithItsDataAndRollbackPutsEverythingBack) {
  ASSERT_NO_FATAL_FAILURE(GenerateAndDeploy());
  RunResult locked = Flightplan({"lock", "--yes", "--app-id", app_id_, "--env", env_});
  ASSERT_EQ(locked.exit_code, 0) << locked.out << locked.err;

  // Data the move must keep, added through the AWS CLI.
  std::map<std::string, Owned> gen1 = StatefulOwners(root_stack_);
  std::string pool;
  std::string bucket;
  for (const auto& [physical, owner] : gen1) {
    if (owner.logical_id == "UserPool") pool = physical;
    if (owner.logical_id == "S3Bucket") bucket = physical;
  }
  ASSERT_FALSE(pool.empty());
  for (int i = 0; i < 3; ++i) {
    Cli({"cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username",
         "user" + std::to_string(i) + "@example.com"});
  }
  if (!bucket.empty()) {
    WriteFile(dir_.Join("photo.jpg"), "not really a photo");
    Cli({"s3api", "put-object", "--bucket", bucket, "--key", "private/u1/photo.jpg", "--body",
         dir_.Join("photo.jpg")});
  }
  const int users = Users(pool);
  const int objects = bucket.empty() ? 0 : Objects(bucket);
  const std::string gen2_prefix = gen2_root_;
  std::map<std::string, Owned> gen2_before = StatefulOwners(gen2_prefix);
  std::map<std::string, StackSnapshot> before = Snapshot();

  // What AWS's migration tool leaves after a failed move: an empty holding
  // stack in REVIEW_IN_PROGRESS; refactor removes it first.
  const std::string holding = gen2_root_ + "-storage-holding";
  Cli({"cloudformation", "create-change-set", "--stack-name", holding, "--change-set-name",
       "refactor-create", "--change-set-type", "CREATE", "--template-body",
       R"({"Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}})"});

  RunResult refactored = Refactor();
  ASSERT_EQ(refactored.exit_code, 0) << refactored.out << refactored.err;
  EXPECT_THAT(refactored.out, HasSubstr("replaces and removes none of the moved resources"));
  EXPECT_NE(AwsCli({"cloudformation", "describe-stacks", "--stack-name", holding}).exit_code, 0)
      << holding << " is still there";

  // The user pool, identity pool, groups and buckets are Gen2's now.
  int moved = 0;
  // Groups are judged by their pool (below), not by owner (IsGroup).
  for (const auto& [physical, owner] : gen1) {
    if (IsGroup(owner)) continue;
    Owned now = OwnerByCli(physical);
    if (now.stack.rfind(gen2_prefix, 0) == 0) ++moved;
    if (owner.logical_id == "UserPool" || owner.logical_id == "IdentityPool" ||
        owner.logical_id == "S3Bucket") {
      EXPECT_EQ(now.stack.rfind(gen2_prefix, 0), 0u)
          << physical << " (" << owner.logical_id << ") is still in " << now.stack;
    }
  }
  EXPECT_GE(moved, 2);
  // The moved pool keeps its groups.
  for (const auto& [physical, owner] : gen1) {
    if (!IsGroup(owner)) continue;
    Value groups = Cli({"cognito-idp", "list-groups", "--user-pool-id", pool});
    EXPECT_THAT(Value(List(groups, "Groups")).ToJson(), HasSubstr("\"" + physical + "\""))
        << physical;
  }
  EXPECT_EQ(Users(pool), users);
  if (!bucket.empty()) {
    EXPECT_EQ(Objects(bucket), objects);
  }
  // Gen2's own copies: in no stack, but still there.
  for (const auto& [physical, owner] : gen2_before) {
    if (owner.logical_id.find("UserPool") != std::string::npos &&
        owner.logical_id.find("Group") == std::string::npos) {
      EXPECT_EQ(OwnerByCli(physical).stack, "") << physical;
      Value described = Cli({"cognito-idp", "describe-user-pool", "--user-pool-id", physical});
      EXPECT_FALSE(Str(*described.Find("UserPool"), "Id").empty());
    }
  }
  EXPECT_THAT(ReadFile((project_ / "amplify" / "migration.json").string()),
              HasSubstr("\"post-refactor\""));
  EXPECT_THAT(StatefulDeletes(), ::testing::IsEmpty());
  EXPECT_EQ(CountCalls("cloudformation", "CreateStackRefactor"),
            CountCalls("cloudformation", "ExecuteStackRefactor"));

  // A second run sees the run completed and changes nothing.
  int64_t mark = LogPosition();
  RunResult again = Refactor();
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(MutatingCalls(mark), ::testing::IsEmpty());

  RunResult rolled = Refactor({"--rollback"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  ExpectWhereTheyStarted(gen1);
  for (const auto& [physical, owner] : gen2_before) {
    if (IsGroup(owner)) continue;
    EXPECT_EQ(OwnerByCli(physical), owner) << "Gen2's own " << physical;
  }
  EXPECT_EQ(Users(pool), users);
  ExpectTemplatesAsBefore(before, root_stack_);  // Gen1 stacks: exactly as before
  EXPECT_THAT(ReadFile((project_ / "amplify" / "migration.json").string()),
              HasSubstr("\"pre-refactor\""));
  EXPECT_THAT(StatefulDeletes(), ::testing::IsEmpty());
}

// Killed with SIGKILL again and again — every few journal writes, so at
// many points of every step, forward and in rollback — and resumed each
// time by running the same command: the end state is an uninterrupted
// run's, each refactor was created once and executed once, nothing stateful
// was ever deleted.
TEST_P(RefactorFlowTest, KilledAgainAndAgainItResumesFromTheCloudAndEndsAsAnUninterruptedRun) {
  ASSERT_NO_FATAL_FAILURE(GenerateAndDeploy());
  RunResult locked = Flightplan({"lock", "--yes", "--app-id", app_id_, "--env", env_});
  ASSERT_EQ(locked.exit_code, 0) << locked.err;
  std::map<std::string, Owned> gen1 = StatefulOwners(root_stack_);
  std::map<std::string, StackSnapshot> before = Snapshot();
  auto args = [&](bool rollback) {
    std::vector<std::string> a = {"refactor", "--yes",     "--to-branch",
                                  "gen2main", "--project", project_.string()};
    for (const std::string& e : EnvArgs()) a.push_back(e);
    if (rollback) a.push_back("--rollback");
    return a;
  };
  // Kill points vary (the 5th to 8th write of each process, before or
  // after it), so every process gets somewhere and dies somewhere new.
  auto kill_at = [](int attempt) {
    return std::to_string(5 + attempt % 4) + (attempt % 2 == 0 ? ":after" : ":before");
  };
  int kills = 0;
  bool finished = false;
  for (int attempt = 0; attempt < 40 && !finished; ++attempt) {
    RunResult r = Flightplan(args(false), kill_at(attempt));
    if (r.signaled) {
      ++kills;
    } else {
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      finished = true;
    }
  }
  ASSERT_TRUE(finished);
  EXPECT_GE(kills, 3);
  int pairs = CountCalls("cloudformation", "ExecuteStackRefactor");
  EXPECT_EQ(CountCalls("cloudformation", "CreateStackRefactor"), pairs);
  EXPECT_GE(pairs, 2);  // auth and storage
  for (const auto& [physical, owner] : gen1) {
    if (owner.logical_id == "UserPool" || owner.logical_id == "S3Bucket") {
      EXPECT_EQ(OwnerByCli(physical).stack.rfind(gen2_root_, 0), 0u) << physical;
    }
  }
  EXPECT_THAT(StatefulDeletes(), ::testing::IsEmpty());

  finished = false;
  for (int attempt = 0; attempt < 40 && !finished; ++attempt) {
    RunResult r = Flightplan(args(true), kill_at(attempt));
    if (r.signaled) ++kills;
    if (!r.signaled) {
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      finished = true;
    }
  }
  ASSERT_TRUE(finished);
  EXPECT_EQ(CountCalls("cloudformation", "ExecuteStackRefactor"), 2 * pairs);
  EXPECT_EQ(CountCalls("cloudformation", "CreateStackRefactor"), 2 * pairs);
  ExpectWhereTheyStarted(gen1);
  ExpectTemplatesAsBefore(before, root_stack_);
  EXPECT_THAT(StatefulDeletes(), ::testing::IsEmpty());
}

// Killed with SIGKILL at random moments — most of them inside waits, each
// stack operation and refactor lasting 300 ms as the simulator holds it in
// progress — and resumed each time by running the same command: the end
// state is an uninterrupted run's. The seed is fixed (printed on failure).
TEST_P(RefactorFlowTest, KilledAtRandomMomentsInsideItsWaitsItEndsAsAnUninterruptedRun) {
  ASSERT_NO_FATAL_FAILURE(GenerateAndDeploy());
  RunResult locked = Flightplan({"lock", "--yes", "--app-id", app_id_, "--env", env_});
  ASSERT_EQ(locked.exit_code, 0) << locked.err;
  std::map<std::string, Owned> gen1 = StatefulOwners(root_stack_);
  Control("POST", "/_sim/config", Value::FromJson(R"({"operation_delay_ms": 300})").value());
  const unsigned seed = 20261205;
  SCOPED_TRACE(::testing::Message() << "kill times from seed " << seed);
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> after_ms(300, 4000);
  Invocation inv;
  inv.args = {"--state",  state_,        "--operator", "tester",    "refactor",
              "--yes",    "--to-branch", "gen2main",   "--project", project_.string(),
              "--app-id", app_id_,       "--env",      env_};
  inv.cwd = dir_.path();
  inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
             {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
             {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
             {"AWS_REGION", "us-east-1"},
             {"HOME", dir_.path()}};
  // CI kills 12 times; FLIGHTPLAN_FULL_REFACTOR=1, 30 times.
  const char* full = std::getenv("FLIGHTPLAN_FULL_REFACTOR");
  const int random_kills = full != nullptr && std::string(full) == "1" ? 30 : 12;
  int kills = 0;
  bool finished = false;
  for (int attempt = 0; attempt < random_kills + 10 && !finished; ++attempt) {
    Background run(inv);
    // The last attempts run to the end (a bound, not a hope).
    auto budget = attempt < random_kills ? std::chrono::milliseconds(after_ms(random))
                                         : std::chrono::milliseconds(300000);
    RunResult r = run.Wait(budget);
    if (r.signaled) {
      ++kills;
    } else {
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      finished = true;
    }
  }
  Control("POST", "/_sim/config", Value::FromJson(R"({"operation_delay_ms": 0})").value());
  ASSERT_TRUE(finished);
  EXPECT_GE(kills, 3);
  EXPECT_EQ(CountCalls("cloudformation", "CreateStackRefactor"),
            CountCalls("cloudformation", "ExecuteStackRefactor"));
  EXPECT_EQ(CountCalls("cloudformation", "ExecuteStackRefactor"), 2);  // auth and storage
  for (const auto& [physical, owner] : gen1) {
    if (owner.logical_id == "UserPool" || owner.logical_id == "S3Bucket") {
      EXPECT_EQ(OwnerByCli(physical).stack.rfind(gen2_root_, 0), 0u) << physical;
    }
  }
  EXPECT_THAT(ReadFile((project_ / "amplify" / "migration.json").string()),
              HasSubstr("\"post-refactor\""));
  EXPECT_THAT(StatefulDeletes(), ::testing::IsEmpty());
}

// AWS faults on the way — throttling, 5xx and dropped connections on any
// call, a detach update CloudFormation rolls back, a stack refactor whose
// execution fails and rolls back, and in the rollback one that fails and
// cannot roll back (half the moves applied) — each stops the run with a
// failure, and running the same command again ends where an uninterrupted
// run ends: every resource where it belongs, each refactor created once
// and executed once, nothing stateful deleted.
TEST_P(RefactorFlowTest, AwsFaultsOnTheWayEndWhereAnUninterruptedRunEnds) {
  ASSERT_NO_FATAL_FAILURE(GenerateAndDeploy());
  RunResult locked = Flightplan({"lock", "--yes", "--app-id", app_id_, "--env", env_});
  ASSERT_EQ(locked.exit_code, 0) << locked.err;
  std::map<std::string, Owned> gen1 = StatefulOwners(root_stack_);
  std::map<std::string, StackSnapshot> before = Snapshot();
  auto fault = [&](const std::string& json) {
    Control("POST", "/_sim/faults", Value::FromJson(json).value());
  };
  // Retried by the client: never seen by the steps.
  fault(R"({"service": "*", "kind": "throttle", "skip": 5, "count": 2})");
  fault(R"({"service": "cloudformation", "kind": "error", "status": 503,
            "code": "ServiceUnavailable", "skip": 30, "count": 2})");
  fault(R"({"service": "cloudformation", "operation": "DescribeStackRefactor", "kind": "reset",
            "count": 1})");
  // The first refactor execution fails and rolls back: nothing moved.
  // Meanwhile (each stack operation made to last 400 ms) a second operator
  // tries the refactor and lock's rollback: both refused, the holder named.
  fault(R"({"service": "cloudformation", "operation": "ExecuteStackRefactor",
            "kind": "fail_refactor", "count": 1})");
  Control("POST", "/_sim/config", Value::FromJson(R"({"operation_delay_ms": 400})").value());
  RunResult first;
  // Lock made change sets already: wait for the refactor's first.
  const int change_sets = CountCalls("cloudformation", "CreateChangeSet");
  std::thread holder([&] { first = Refactor(); });
  for (int i = 0; i < 600 && CountCalls("cloudformation", "CreateChangeSet") == change_sets; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto as_alice = [&](std::vector<std::string> args) {
    Invocation inv;
    inv.args = {"--state", state_, "--operator", "alice"};
    inv.args.insert(inv.args.end(), args.begin(), args.end());
    inv.cwd = dir_.path();
    inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
               {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
               {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
               {"AWS_REGION", "us-east-1"},
               {"HOME", dir_.path()}};
    return RunFlightplan(inv);
  };
  RunResult racing = as_alice({"refactor", "--yes", "--to-branch", "gen2main", "--project",
                               project_.string(), "--app-id", app_id_, "--env", env_});
  RunResult unlocking =
      as_alice({"lock", "--yes", "--rollback", "--app-id", app_id_, "--env", env_});
  holder.join();
  Control("POST", "/_sim/config", Value::FromJson(R"({"operation_delay_ms": 0})").value());
  EXPECT_EQ(racing.exit_code, 3) << racing.out << racing.err;
  EXPECT_THAT(racing.out + racing.err, HasSubstr("tester"));
  EXPECT_NE(unlocking.exit_code, 0) << unlocking.out << unlocking.err;
  EXPECT_THAT(unlocking.out + unlocking.err, HasSubstr("tester"));
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  EXPECT_THAT(first.out + first.err, HasSubstr("ROLLBACK_COMPLETE"));
  ExpectWhereTheyStarted(gen1);

  // Run again, relink's update of the Gen2 auth stack fails part-way and
  // CloudFormation rolls it back. (Detach's and vacate's updates change no
  // resource property, so there is nothing in them for CloudFormation to
  // fail at.)
  std::string gen2_auth;
  Value nested = Cli({"cloudformation", "list-stack-resources", "--stack-name", gen2_root_});
  for (const Value& r : List(nested, "StackResourceSummaries")) {
    if (Str(r, "LogicalResourceId").rfind("auth", 0) == 0 &&
        Str(r, "ResourceType") == "AWS::CloudFormation::Stack") {
      // arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>
      std::string arn = Str(r, "PhysicalResourceId");
      std::string rest = arn.substr(arn.find(":stack/") + 7);
      gen2_auth = rest.substr(0, rest.find('/'));
    }
  }
  ASSERT_FALSE(gen2_auth.empty());
  fault(R"({"service": "cloudformation", "operation": "ExecuteChangeSet",
            "kind": "fail_stack_operation", "count": 1, "match": {"StackName": ")" +
        gen2_auth + R"("}})");
  RunResult second = Refactor();
  EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
  EXPECT_THAT(second.out + second.err, HasSubstr("UPDATE_ROLLBACK_COMPLETE"));

  RunResult third = Refactor();
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;
  for (const auto& [physical, owner] : gen1) {
    if (owner.logical_id == "UserPool" || owner.logical_id == "S3Bucket") {
      EXPECT_EQ(OwnerByCli(physical).stack.rfind(gen2_root_, 0), 0u) << physical;
    }
  }
  EXPECT_EQ(CountCalls("cloudformation", "CreateStackRefactor"),
            CountCalls("cloudformation", "ExecuteStackRefactor"));
  EXPECT_THAT(StatefulDeletes(), ::testing::IsEmpty());

  // The rollback's first reverse refactor fails and cannot roll back: the
  // account is half-way; the rollback reads where each resource is and
  // finishes when run again.
  fault(R"({"service": "cloudformation", "operation": "ExecuteStackRefactor",
            "kind": "fail_refactor", "count": 1, "options": {"rollback_fails": true}})");
  RunResult back = Refactor({"--rollback"});
  EXPECT_EQ(back.exit_code, 1) << back.out << back.err;
  EXPECT_THAT(back.out + back.err, HasSubstr("ROLLBACK_FAILED"));
  RunResult again = Refactor({"--rollback"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  ExpectWhereTheyStarted(gen1);
  ExpectTemplatesAsBefore(before, root_stack_);
  EXPECT_EQ(CountCalls("cloudformation", "CreateStackRefactor"),
            CountCalls("cloudformation", "ExecuteStackRefactor"));
  EXPECT_THAT(StatefulDeletes(), ::testing::IsEmpty());
}

TEST_P(RefactorFlowTest, TheDryRunPrintsThePlanAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(GenerateAndDeploy());
  RunResult locked = Flightplan({"lock", "--yes", "--app-id", app_id_, "--env", env_});
  ASSERT_EQ(locked.exit_code, 0) << locked.err;
  int64_t mark = LogPosition();
  RunResult dry = Refactor({"--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("move  AWS::Cognito::UserPool"));
  EXPECT_THAT(dry.out, HasSubstr("stay  AWS::Cognito::UserPoolClient"));
  EXPECT_THAT(MutatingCalls(mark), ::testing::IsEmpty());
}

TEST_P(RefactorFlowTest, AnUnlockedEnvironmentIsRefusedBeforeAnyChange) {
  ASSERT_NO_FATAL_FAILURE(GenerateAndDeploy());
  int64_t mark = LogPosition();
  RunResult refused = Refactor();
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.out + refused.err, HasSubstr("lock"));
  EXPECT_THAT(MutatingCalls(mark), ::testing::IsEmpty());
}

// A pool with a Gen1 hosted UI domain (made by the Gen1 custom resource),
// where the Gen2 code declares a domain of its own: the pool moves and keeps
// its domain, the custom resources stay in Gen1 (pool id made literal, never
// updated), Gen2's own domain is taken out at relink, the post-refactor code
// declares none (flip's vetted change set passes); rollback puts the pool
// back in Gen1 with its domain and Gen2's domain back on Gen2's own pool.
using RefactorFlowTestHostedUiDomain = RefactorFlowTest;

TEST_P(RefactorFlowTestHostedUiDomain, ThePoolMovesWithItsHostedUiDomainAndRollbackPutsBothBack) {
  ASSERT_NO_FATAL_FAILURE(GenerateAndDeploy());
  RunResult locked = Flightplan({"lock", "--yes", "--app-id", app_id_, "--env", env_});
  ASSERT_EQ(locked.exit_code, 0) << locked.err;
  const std::string gen1_domain = "mediavault1f08412d-1f08412d-main";
  // The pool that holds `domain`, through the AWS CLI ("" when none).
  auto owner_of = [&](const std::string& domain) {
    Value d = Cli({"cognito-idp", "describe-user-pool-domain", "--domain", domain});
    const Value* desc = d.Find("DomainDescription");
    return desc ? Str(*desc, "UserPoolId") : std::string();
  };
  std::map<std::string, Owned> gen1 = StatefulOwners(root_stack_);
  std::string pool;
  for (const auto& [physical, owner] : gen1) {
    if (owner.logical_id == "UserPool") pool = physical;
  }
  ASSERT_FALSE(pool.empty());
  ASSERT_EQ(owner_of(gen1_domain), pool) << "the seeded custom resource made the Gen1 domain";
  // Gen2's own domain, on Gen2's own pool.
  std::string gen2_domain;
  std::string gen2_auth;
  std::string gen2_pool;
  Value stacks = Call("cloudformation", "ListStacks");
  for (const Value& st : List(stacks, "StackSummaries")) {
    std::string name = Str(st, "StackName");
    if (Str(st, "StackStatus") == "DELETE_COMPLETE" || name.rfind(gen2_root_, 0) != 0) continue;
    Value resources =
        Call("cloudformation", "ListStackResources", Value(ValueMap{{"StackName", Value(name)}}));
    for (const Value& r : List(resources, "StackResourceSummaries")) {
      if (Str(r, "ResourceType") == "AWS::Cognito::UserPoolDomain") {
        gen2_domain = Str(r, "PhysicalResourceId");
        gen2_auth = name;
      }
    }
  }
  ASSERT_FALSE(gen2_domain.empty()) << "the Gen2 code declares a domain (external providers)";
  gen2_pool = owner_of(gen2_domain);
  ASSERT_FALSE(gen2_pool.empty());
  ASSERT_NE(gen2_pool, pool);
  std::string gen1_auth = OwnerByCli(pool).stack;
  ASSERT_FALSE(gen1_auth.empty());
  std::map<std::string, StackSnapshot> before = Snapshot();

  RunResult dry = Refactor({"--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("hosted UI domain '" + gen1_domain + "' stays on user pool"));

  RunResult refactored = Refactor();
  ASSERT_EQ(refactored.exit_code, 0) << refactored.out << refactored.err;
  EXPECT_THAT(refactored.out, HasSubstr("replaces and removes none of the moved resources"));
  // The moved pool is Gen2's and keeps the Gen1 domain.
  EXPECT_EQ(OwnerByCli(pool).stack.rfind(gen2_root_, 0), 0u) << OwnerByCli(pool).stack;
  EXPECT_EQ(owner_of(gen1_domain), pool);
  // Gen2's own domain is gone, from its template and from Cognito.
  EXPECT_EQ(owner_of(gen2_domain), "");
  Value gen2_template = Value::FromJson(Snapshot()[gen2_auth].template_text).value();
  for (const auto& [id, def] : gen2_template.Find("Resources")->as_map()) {
    EXPECT_NE(Str(def, "Type"), "AWS::Cognito::UserPoolDomain") << id;
  }
  EXPECT_THAT(gen2_template.ToJson(), HasSubstr(gen1_domain));
  // The custom resources stay in Gen1, the pool id literal, never updated.
  Value gen1_template = Value::FromJson(Snapshot()[gen1_auth].template_text).value();
  const Value* resources = gen1_template.Find("Resources");
  for (const char* id : {"HostedUICustomResourceInputs", "HostedUIProvidersCustomResourceInputs"}) {
    const Value* def = resources->Find(id);
    ASSERT_NE(def, nullptr) << id;
    EXPECT_EQ(Str(*def->Find("Properties"), "userPoolId"), pool) << id;
  }
  Value events = Cli({"cloudformation", "describe-stack-events", "--stack-name", gen1_auth});
  for (const Value& e : List(events, "StackEvents")) {
    if (Str(e, "ResourceType") != "Custom::LambdaCallout") continue;
    EXPECT_THAT(Str(e, "ResourceStatus"), ::testing::Not(HasSubstr("UPDATE")))
        << Str(e, "LogicalResourceId") << " was updated";
    EXPECT_THAT(Str(e, "ResourceStatus"), ::testing::Not(HasSubstr("DELETE")))
        << Str(e, "LogicalResourceId");
  }
  EXPECT_THAT(StatefulDeletes(), ::testing::IsEmpty());

  RunResult rolled = Refactor({"--rollback"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(OwnerByCli(pool).stack, gen1_auth);
  EXPECT_EQ(owner_of(gen1_domain), pool);
  EXPECT_EQ(owner_of(gen2_domain), gen2_pool) << "Gen2's own domain is back on its own pool";
  ExpectTemplatesAsBefore(before, root_stack_);  // Gen1 stacks: exactly as before
  Value restored = Value::FromJson(Snapshot()[gen2_auth].template_text).value();
  bool has_domain = false;
  for (const auto& [id, def] : restored.Find("Resources")->as_map()) {
    has_domain = has_domain || Str(def, "Type") == "AWS::Cognito::UserPoolDomain";
  }
  EXPECT_TRUE(has_domain) << "relink's rollback restores Gen2's domain resource";
  EXPECT_THAT(StatefulDeletes(), ::testing::IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(MediaVault, RefactorFlowTestHostedUiDomain,
                         ::testing::Values("media-vault"),
                         [](const ::testing::TestParamInfo<std::string>&) {
                           return std::string("media_vault");
                         });

INSTANTIATE_TEST_SUITE_P(Apps, RefactorFlowTest, ::testing::ValuesIn(Apps()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name;
                           for (char c : param.param) name += std::isalnum(c) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace flightplan::testing
