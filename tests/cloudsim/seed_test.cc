// Seeding the account from each of the five fixture apps, checked against
// the fixture files through flightplan's client and the AWS CLI: every
// stack with every resource, nested stacks linked to their parents, the
// deployment bucket's contents, the Amplify app, and data in every table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const char* const kApps[] = {"backend-only", "discussions", "fitness-tracker", "media-vault",
                             "product-catalog"};

Value ReadJsonFile(const fs::path& path) {
  auto v = Value::FromJson(flightplan::testing::ReadFile(path));
  EXPECT_TRUE(v.has_value()) << path;
  return v ? *v : Value();
}

// Fixture stack name -> its template.
std::map<std::string, Value> FixtureStacks(const fs::path& app) {
  std::map<std::string, Value> out;
  for (const auto& e : fs::directory_iterator(app / "pre.refactor")) {
    std::string file = e.path().filename().string();
    const std::string suffix = ".template.json";
    if (file.size() > suffix.size() && file.ends_with(suffix)) {
      out[file.substr(0, file.size() - suffix.size())] = ReadJsonFile(e.path());
    }
  }
  return out;
}

const ValueList& ListOrEmpty(const Value* v) {
  static const ValueList kEmpty;
  return v && v->is_list() ? v->as_list() : kEmpty;
}

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && f->is_string() ? f->as_string() : std::string();
}

class SeedTest : public SimTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(SeedTest, TheAccountMatchesTheFixture) {
  fs::path app = FixtureApp(GetParam());
  Value summary = Control("POST", "/_sim/seed", Value(ValueMap{{"fixture", Value(app.string())}}));
  std::map<std::string, Value> fixture = FixtureStacks(app);
  ASSERT_EQ(ListOrEmpty(summary.Find("stacks")).size(), fixture.size()) << summary.ToJson();

  Value listed = Call("cloudformation", "ListStacks");
  std::set<std::string> live;
  for (const Value& s : ListOrEmpty(listed.Find("StackSummaries"))) {
    EXPECT_EQ(Str(s, "StackStatus"), "CREATE_COMPLETE") << Str(s, "StackName");
    live.insert(Str(s, "StackName"));
  }
  for (const auto& [name, tmpl] : fixture) {
    EXPECT_TRUE(live.count(name)) << name;
    // Every resource of the template (its conditions allowing) is there.
    Value resources =
        Call("cloudformation", "ListStackResources", Value(ValueMap{{"StackName", Value(name)}}));
    std::set<std::string> have;
    for (const Value& r : ListOrEmpty(resources.Find("StackResourceSummaries"))) {
      have.insert(Str(r, "LogicalResourceId"));
      if (Str(r, "ResourceType") == "AWS::CloudFormation::Stack") {
        // Linked: the nested resource names a seeded child stack.
        EXPECT_THAT(Str(r, "PhysicalResourceId"), HasSubstr(":stack/"))
            << name << " " << Str(r, "LogicalResourceId");
      }
    }
    size_t unconditional = 0;
    for (const auto& [id, resource] : tmpl.Find("Resources")->as_map()) {
      if (!resource.Find("Condition")) {
        ++unconditional;
        EXPECT_TRUE(have.count(id)) << name << " lacks " << id;
      }
    }
    EXPECT_GE(have.size(), unconditional) << name;
  }

  // Every DynamoDB table holds the seeded items.
  for (const Value& table : ListOrEmpty(summary.Find("tables"))) {
    Value count =
        Call("dynamodb", "Scan", Value(ValueMap{{"TableName", table}, {"Select", Value("COUNT")}}));
    EXPECT_EQ(count.Find("Count")->as_double(), 3) << table.as_string();
  }

  // The Gen1 environment: Amplify app, backend environment, deployment bucket.
  Value team = ReadJsonFile(app / "amplify" / "team-provider-info.json");
  const Value& provider = *team.as_map().begin()->second.Find("awscloudformation");
  std::string app_id = Str(provider, "AmplifyAppId");
  std::string env = team.as_map().begin()->first;
  Value backend = Call("amplify", "GetBackendEnvironment",
                       Value(ValueMap{{"appId", Value(app_id)}, {"environmentName", Value(env)}}));
  EXPECT_EQ(Str(*backend.Find("backendEnvironment"), "stackName"), Str(provider, "StackName"));
  EXPECT_EQ(Str(*backend.Find("backendEnvironment"), "deploymentArtifacts"),
            Str(provider, "DeploymentBucketName"));
  std::string bucket = Str(provider, "DeploymentBucketName");
  Value zip = Call(
      "s3", "GetObject",
      Value(ValueMap{{"Bucket", Value(bucket)}, {"Key", Value("#current-cloud-backend.zip")}}));
  EXPECT_EQ(Str(zip, "Body").substr(0, 2), "PK");
  Value objects =
      Call("s3", "ListObjectsV2",
           Value(ValueMap{{"Bucket", Value(bucket)}, {"Prefix", Value("amplify-cfn-templates/")}}));
  EXPECT_FALSE(ListOrEmpty(objects.Find("Contents")).empty()) << objects.ToJson();
}

TEST_P(SeedTest, TheAwsCliListsEveryFixtureStackAndItsResources) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  fs::path app = FixtureApp(GetParam());
  Control("POST", "/_sim/seed", Value(ValueMap{{"fixture", Value(app.string())}}));
  std::map<std::string, Value> fixture = FixtureStacks(app);
  CliResult listed =
      AwsCli({"cloudformation", "list-stacks", "--stack-status-filter", "CREATE_COMPLETE"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto parsed = Value::FromJson(listed.out);
  ASSERT_TRUE(parsed.has_value()) << listed.out;
  std::set<std::string> names;
  for (const Value& s : ListOrEmpty(parsed->Find("StackSummaries")))
    names.insert(Str(s, "StackName"));
  std::set<std::string> expected;
  for (const auto& [name, tmpl] : fixture) expected.insert(name);
  EXPECT_EQ(names, expected);
  // The Gen1 root stack's resources, as the CLI prints them.
  Value team = ReadJsonFile(app / "amplify" / "team-provider-info.json");
  std::string root = Str(*team.as_map().begin()->second.Find("awscloudformation"), "StackName");
  CliResult resources = AwsCli({"cloudformation", "list-stack-resources", "--stack-name", root});
  ASSERT_EQ(resources.exit_code, 0) << resources.err;
  auto rs = Value::FromJson(resources.out);
  ASSERT_TRUE(rs.has_value());
  std::set<std::string> ids;
  for (const Value& r : ListOrEmpty(rs->Find("StackResourceSummaries")))
    ids.insert(Str(r, "LogicalResourceId"));
  for (const auto& [id, resource] : fixture.at(root).Find("Resources")->as_map()) {
    if (!resource.Find("Condition")) {
      EXPECT_TRUE(ids.count(id)) << root << " lacks " << id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(FixtureApps, SeedTest, ::testing::ValuesIn(kApps),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           std::string name;
                           for (const char* c = param_info.param; *c; ++c)
                             name += *c == '-' ? '_' : *c;
                           return name;
                         });

TEST_F(SimTest, SeedingTwiceGivesTheSameBytes) {
  fs::path app = FixtureApp("media-vault");
  Control("POST", "/_sim/seed", Value(ValueMap{{"fixture", Value(app.string())}}));
  Value first = Call("s3", "GetObject",
                     Value(ValueMap{{"Bucket", Value("amplify-mediavault-main-61114-deployment")},
                                    {"Key", Value("#current-cloud-backend.zip")}}));
  Control("POST", "/_sim/reset");
  Control("POST", "/_sim/seed", Value(ValueMap{{"fixture", Value(app.string())}}));
  Value second = Call("s3", "GetObject",
                      Value(ValueMap{{"Bucket", Value("amplify-mediavault-main-61114-deployment")},
                                     {"Key", Value("#current-cloud-backend.zip")}}));
  EXPECT_EQ(Str(first, "Body"), Str(second, "Body"));
}

TEST_F(SimTest, SeededResourcesKeepTheirDeployedIdsAndHoldData) {
  fs::path app = FixtureApp("media-vault");
  Control("POST", "/_sim/seed", Value(ValueMap{{"fixture", Value(app.string())}}));
  // The Gen1 user pool keeps the id the other stacks' parameters carry.
  Value users = Call("cognito-idp", "ListUsers",
                     Value(ValueMap{{"UserPoolId", Value("us-east-1_gekM9OHb7")}}));
  EXPECT_EQ(ListOrEmpty(users.Find("Users")).size(), 2u) << users.ToJson();
  Value owner = Call("cloudformation", "DescribeStackResources",
                     Value(ValueMap{{"PhysicalResourceId", Value("us-east-1_gekM9OHb7")}}));
  // As in CloudFormation: the resources of the stack that owns it.
  const ValueList& resources = ListOrEmpty(owner.Find("StackResources"));
  ASSERT_FALSE(resources.empty());
  for (const Value& r : resources) {
    EXPECT_THAT(Str(r, "StackName"), HasSubstr("amplify-mediavault-main-61114-auth"));
  }
}

TEST_F(SimTest, SeedingFromADirectoryThatIsNoFixtureSaysSo) {
  Request request;
  request.method = "POST";
  request.path = request.target = "/_sim/seed";
  request.body = R"({"fixture": "/nonexistent/app"})";
  Response response = simulator_->Handle(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_THAT(response.body, HasSubstr("no pre.refactor/"));
}

TEST_F(SimTest, TheAwsCliListsTheSeededStacks) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  fs::path app = FixtureApp("backend-only");
  Control("POST", "/_sim/seed", Value(ValueMap{{"fixture", Value(app.string())}}));
  CliResult stacks = AwsCli(
      {"cloudformation", "describe-stacks", "--stack-name", "amplify-backendonly-main-5e0fa"});
  ASSERT_EQ(stacks.exit_code, 0) << stacks.err;
  EXPECT_THAT(stacks.out, HasSubstr("\"OutputKey\": \"DeploymentBucketName\""));
  EXPECT_THAT(stacks.out, HasSubstr("amplify-backendonly-main-5e0fa-deployment"));
  CliResult resources = AwsCli(
      {"cloudformation", "list-stack-resources", "--stack-name", "amplify-backendonly-main-5e0fa"});
  ASSERT_EQ(resources.exit_code, 0) << resources.err;
  EXPECT_THAT(resources.out, HasSubstr("\"LogicalResourceId\": \"apibackendonly\""));
  CliResult files = AwsCli({"s3", "ls", "s3://amplify-backendonly-main-5e0fa-deployment/"});
  ASSERT_EQ(files.exit_code, 0) << files.err;
  EXPECT_THAT(files.out, HasSubstr("#current-cloud-backend.zip"));
  CliResult branches = AwsCli({"amplify", "list-branches", "--app-id", "backendonly"});
  ASSERT_EQ(branches.exit_code, 0) << branches.err;
  EXPECT_THAT(branches.out, HasSubstr("\"branchName\": \"main\""));
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
