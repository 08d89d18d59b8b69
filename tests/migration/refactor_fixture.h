// The refactor phase's end-to-end harness, shared by the refactor tests: a
// Gen1 app seeded into the in-process simulator, the Gen2 project flightplan
// generates for it deployed to branch gen2main by `flightplan-cloudsim
// deploy-gen2` (the pinned toolchain), the real binary's refactor, and
// oracles read through the AWS CLI and the simulator's request log.
//
// Needs Node.js with `npm ci` in tests/gen2-toolchain and the AWS CLI;
// SetUp skips otherwise. CLOUDSIM_BINARY names flightplan-cloudsim.
#ifndef FLIGHTPLAN_TESTS_MIGRATION_REFACTOR_FIXTURE_H_
#define FLIGHTPLAN_TESTS_MIGRATION_REFACTOR_FIXTURE_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {

namespace fs = std::filesystem;

inline fs::path Toolchain() { return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests" / "gen2-toolchain"; }

inline std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && (f->is_string() || f->is_number()) ? f->ToText() : std::string();
}

inline const ValueList& List(const Value& v, std::string_view key) {
  static const ValueList kEmpty;
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && f->is_list() ? f->as_list() : kEmpty;
}

struct Owned {
  std::string stack;
  std::string logical_id;
  bool operator==(const Owned&) const = default;
};

class RefactorFlowTest : public MigrationTest, public ::testing::WithParamInterface<std::string> {
 protected:
  // The Gen1 app: the fixture app the parameter names, unless overridden.
  virtual fs::path AppDir() const { return FixtureApp(GetParam()); }

  void SetUp() override {
    MigrationTest::SetUp();
    if (!fs::exists(Toolchain() / "node_modules" / ".bin" / "tsx")) {
      GTEST_SKIP() << "the pinned Gen2 toolchain is not installed: run `npm ci` in "
                   << Toolchain().string();
    }
    if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
    SeedApp(AppDir());
    project_ = fs::path(dir_.path()) / "gen2";
  }

  // generate → deploy-gen2 to branch gen2main.
  void GenerateAndDeploy() {
    // As a user would: generated, its function dependencies installed
    // beside the toolchain and checked by `--verify`, then deployed.
    Invocation generate;
    generate.args = {"generate",        "--gen1",      AppDir().string(),   "--out",
                     project_.string(), "--branch",    "gen2main",          "--force",
                     "--verify",        "--toolchain", Toolchain().string()};
    generate.cwd = dir_.path();
    generate.timeout = std::chrono::seconds(600);
    RunResult generated = RunFlightplan(generate);
    ASSERT_EQ(generated.exit_code, 0) << generated.out << generated.err;
    Invocation deploy;
    deploy.binary = CLOUDSIM_BINARY;
    deploy.args = {"deploy-gen2", "--url", endpoint(), "--project", project_.string(),
                   "--app-id",    app_id_, "--branch", "gen2main"};
    deploy.cwd = dir_.path();
    deploy.timeout = std::chrono::seconds(300);
    RunResult deployed = RunFlightplan(deploy);
    ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
    gen2_root_ = deployed.out.substr(0, deployed.out.find_last_not_of(" \n") + 1);
    gen2_root_ = gen2_root_.substr(gen2_root_.rfind('\n') + 1);
    ASSERT_EQ(gen2_root_.rfind("amplify-", 0), 0u) << deployed.out;
  }

  RunResult Refactor(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"refactor", "--yes",     "--to-branch",
                                     "gen2main", "--project", project_.string()};
    for (const std::string& a : EnvArgs()) args.push_back(a);
    for (const std::string& a : extra) args.push_back(a);
    return Flightplan(args);
  }

  // Every stateful resource of every live stack (logical id, physical id,
  // type), read through the simulator's ListStackResources.
  std::map<std::string, Owned> StatefulOwners(const std::string& stack_prefix) {
    std::map<std::string, Owned> out;
    Value stacks = Call("cloudformation", "ListStacks");
    for (const Value& s : List(stacks, "StackSummaries")) {
      std::string name = Str(s, "StackName");
      if (Str(s, "StackStatus") == "DELETE_COMPLETE" || name.rfind(stack_prefix, 0) != 0) continue;
      Value resources =
          Call("cloudformation", "ListStackResources", Value(ValueMap{{"StackName", Value(name)}}));
      for (const Value& r : List(resources, "StackResourceSummaries")) {
        std::string type = Str(r, "ResourceType");
        if (type == "AWS::Cognito::UserPool" || type == "AWS::Cognito::IdentityPool" ||
            type == "AWS::Cognito::UserPoolGroup" || type == "AWS::S3::Bucket" ||
            type == "AWS::DynamoDB::Table" || type == "AWS::Kinesis::Stream") {
          out[Str(r, "PhysicalResourceId")] = {name, Str(r, "LogicalResourceId")};
        }
      }
    }
    return out;
  }

  // Who owns `physical_id`, through the AWS CLI.
  Owned OwnerByCli(const std::string& physical_id) {
    cloudsim::testing::CliResult r = AwsCli(
        {"cloudformation", "describe-stack-resources", "--physical-resource-id", physical_id});
    if (r.exit_code != 0) return {};
    Result<Value> json = Value::FromJson(r.out);
    if (!json) return {};
    for (const Value& res : List(*json, "StackResources")) {
      if (Str(res, "PhysicalResourceId") == physical_id) {
        return {Str(res, "StackName"), Str(res, "LogicalResourceId")};
      }
    }
    return {};
  }

  int Users(const std::string& pool) {
    Value out = Cli({"cognito-idp", "list-users", "--user-pool-id", pool});
    return static_cast<int>(List(out, "Users").size());
  }
  int Objects(const std::string& bucket) {
    Value out = Cli({"s3api", "list-objects-v2", "--bucket", bucket});
    return static_cast<int>(List(out, "Contents").size());
  }

  // A group's physical id is its name, which Gen2's own group may share
  // (fitness-tracker's Admin): DescribeStackResources by physical id names
  // either, so a group is judged by its pool's groups, not by its owner.
  static bool IsGroup(const Owned& o) { return o.logical_id.find("Group") != std::string::npos; }

  // Every stateful resource of `gen1` (StatefulOwners before the refactor)
  // is back in the stack and under the logical id it started in; each group
  // is in one of those pools. Model tables are skipped: Gen2 adopts them by
  // name and they never move, so two stacks name them.
  void ExpectWhereTheyStarted(const std::map<std::string, Owned>& gen1) {
    std::string pools_groups;
    for (const auto& [physical, owner] : gen1) {
      if (owner.logical_id != "UserPool") continue;
      Value groups = Cli({"cognito-idp", "list-groups", "--user-pool-id", physical});
      pools_groups += Value(List(groups, "Groups")).ToJson();
    }
    for (const auto& [physical, owner] : gen1) {
      if (owner.stack.find("-api") != std::string::npos) continue;
      if (IsGroup(owner)) {
        EXPECT_THAT(pools_groups, ::testing::HasSubstr("\"" + physical + "\""))
            << "group " << physical << " is in none of the Gen1 pools";
        continue;
      }
      EXPECT_EQ(OwnerByCli(physical), owner) << physical;
    }
  }

  // Every stack named `prefix`… in `before` has the same template now.
  void ExpectTemplatesAsBefore(const std::map<std::string, StackSnapshot>& before,
                               const std::string& prefix) {
    std::map<std::string, StackSnapshot> after = Snapshot();
    for (const auto& [name, snap] : before) {
      if (name.rfind(prefix, 0) != 0) continue;
      ASSERT_TRUE(after.count(name)) << name;
      EXPECT_EQ(Value::FromJson(after[name].template_text).value(),
                Value::FromJson(snap.template_text).value())
          << name;
    }
  }

  // Deletions of stateful resources anywhere in the request log.
  std::vector<std::string> StatefulDeletes() {
    std::vector<std::string> out;
    for (const std::string& call : MutatingCalls()) {
      if (call == "cognito-idp:DeleteUserPool" || call == "cognito-identity:DeleteIdentityPool" ||
          call == "cognito-idp:DeleteGroup" || call == "s3:DeleteBucket" ||
          call == "dynamodb:DeleteTable" || call == "kinesis:DeleteStream") {
        out.push_back(call);
      }
    }
    return out;
  }

  fs::path project_;
  std::string gen2_root_;  // the branch's backend stack, as deploy-gen2 names it
};

}  // namespace flightplan::testing

#endif  // FLIGHTPLAN_TESTS_MIGRATION_REFACTOR_FIXTURE_H_
