// The harness of the clone tests (clone_test.cc, clone_more_test.cc).
#ifndef FLIGHTPLAN_TESTS_MIGRATION_CLONE_FIXTURE_H_
#define FLIGHTPLAN_TESTS_MIGRATION_CLONE_FIXTURE_H_

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

using cloudsim::testing::CliResult;
using ::testing::HasSubstr;

inline std::string Str(const Value& v, std::string_view key) {
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

}  // namespace flightplan::testing

#endif  // FLIGHTPLAN_TESTS_MIGRATION_CLONE_FIXTURE_H_
