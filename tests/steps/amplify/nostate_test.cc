// Projects without deployed state (docs/generate.md#projects-without-deployed-
// state): each fixture app copied without team-provider-info.json and without
// #current-cloud-backend/ is assessed and generated from amplify/backend/, and
// the result is compared with the full project's file by file.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "steps/amplify/assess.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using testing::CopyFixture;
using testing::FixtureApps;
using testing::FixtureDir;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadJson;
using testing::ScratchDir;
using testing::WriteJson;

// A copy of fixture `app` as a fresh clone has it: no team-provider-info.json,
// no #current-cloud-backend/.
fs::path StrippedCopy(const std::string& app, const fs::path& dir) {
  fs::path root = CopyFixture(app, dir);
  fs::remove(root / "amplify" / "team-provider-info.json");
  fs::remove_all(root / "amplify" / "#current-cloud-backend");
  return root;
}

Gen1Project Load(const fs::path& root, const LoadOptions& options = {}) {
  Result<Gen1Project> project = LoadGen1Project(root, options);
  EXPECT_TRUE(project) << project.error().ToString();
  return project ? std::move(*project) : Gen1Project{};
}

GeneratedFiles Generate(const Gen1Project& project) {
  Result<GeneratedFiles> files = GenerateGen2(project, {});
  EXPECT_TRUE(files) << files.error().ToString();
  return files ? *files : GeneratedFiles{};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The names of the REST APIs (API Gateway) of a project.
std::set<std::string> RestApis(const Gen1Project& project) {
  std::set<std::string> out;
  for (const Gen1Resource* r : project.OfCategory("api")) {
    if (r->service == "API Gateway") out.insert(r->name);
  }
  return out;
}

TEST(NoStateTest, EveryFixtureWithoutDeployedStateAssessesAndSaysWhatIsApproximate) {
  for (const std::string& app : FixtureApps()) {
    SCOPED_TRACE(app);
    ScratchDir scratch;
    Gen1Project full = Load(FixtureDir(app));
    EXPECT_TRUE(full.has_deployed_state);
    EXPECT_TRUE(full.approximations.empty());
    EXPECT_THAT(AssessMarkdown(full), Not(HasSubstr("Approximate without deployed state")));
    EXPECT_EQ(AssessJson(full).Find("approximate"), nullptr);

    // No --env: the env is the one amplify-meta.json's stack name carries.
    Gen1Project stripped = Load(StrippedCopy(app, scratch.path()));
    EXPECT_FALSE(stripped.has_deployed_state);
    EXPECT_EQ(stripped.env_name, full.env_name);
    EXPECT_EQ(stripped.resources.size(), full.resources.size());
    ASSERT_GE(stripped.approximations.size(), 3u);
    std::string markdown = AssessMarkdown(stripped);
    EXPECT_THAT(markdown, HasSubstr("## Approximate without deployed state"));
    for (const std::string& a : stripped.approximations) EXPECT_THAT(markdown, HasSubstr(a));
    EXPECT_THAT(markdown, HasSubstr("physical names"));
    EXPECT_THAT(markdown, Not(HasSubstr("run `amplify push`")));
    Value json = AssessJson(stripped);
    ASSERT_NE(json.Find("deployedState"), nullptr);
    EXPECT_FALSE(json.Find("deployedState")->as_bool());
    EXPECT_EQ(json.Find("approximate")->as_list().size(), stripped.approximations.size());
    // The same blockers either way: no deployed state is not one.
    EXPECT_EQ(json.Find("blocked")->as_bool(), AssessJson(full).Find("blocked")->as_bool());
    // Every REST API (copied from a template nobody has) is named as manual work.
    for (const std::string& rest : RestApis(stripped)) {
      EXPECT_THAT(markdown, HasSubstr(fmt::format("**api/{}**: api/{} is copied from its "
                                                  "deployed template",
                                                  rest, rest)));
    }
  }
}

// What differs between the Gen2 project generated from the full fixture and
// the one generated from amplify/backend/ alone, and why:
//  - amplify/gen1/function-<name>.json and amplify/gen1/api-<rest>.json are
//    copies of deployed template resources (the function's permission
//    policies, REST APIs): absent without the templates.
//  - amplify/functions/<name>/resource.ts: the runtime version and
//    environment variables set outside backend-config.json (trigger
//    settings) are read from the deployed template.
//  - amplify/backend.ts: the sections of the copies above, the bucket
//    encryption pinned from the deployed bucket, function variables set
//    outside backend-config.json. Its auth pins (user pool settings, guest
//    access, group precedence) are the same: rebuilt from cli-inputs.json.
// Every other file is byte-identical: auth (with its groups), data, storage
// (S3 access and the DynamoDB tables rebuilt from cli-inputs.json), the
// package files, and migration.json (the pool names rebuilt from
// cli-inputs.json as Gen1's auth template builds them).
TEST(NoStateTest, GenerateWithEnvWritesTheFullProjectsCategoriesAndOnlyTheListedFilesDiffer) {
  const std::regex kMayDiffer(R"(amplify/(backend\.ts|functions/[^/]+/resource\.ts))");
  const std::regex kCopiedFromDeployed(R"(amplify/gen1/(function|api)-([^/]+)\.json)");
  for (const std::string& app : FixtureApps()) {
    SCOPED_TRACE(app);
    ScratchDir scratch;
    Gen1Project full_project = Load(FixtureDir(app));
    Gen1Project stripped_project =
        Load(StrippedCopy(app, scratch.path()), {.env = full_project.env_name});
    GeneratedFiles full = Generate(full_project);
    GeneratedFiles stripped = Generate(stripped_project);
    ASSERT_FALSE(stripped.empty());
    std::set<std::string> rest_apis = RestApis(full_project);
    for (const auto& [path, text] : full) {
      SCOPED_TRACE(path);
      auto it = stripped.find(path);
      std::smatch m;
      if (it == stripped.end()) {
        ASSERT_TRUE(std::regex_match(path, m, kCopiedFromDeployed)) << "missing without state";
        if (m[1] == "api") {
          EXPECT_EQ(rest_apis.count(m[2].str()), 1u);
        }
        continue;
      }
      if (!std::regex_match(path, kMayDiffer)) {
        EXPECT_EQ(it->second, text) << "differs without deployed state";
      }
    }
    for (const auto& [path, text] : stripped) {
      EXPECT_EQ(full.count(path), 1u) << path << " is generated only without deployed state";
    }
    for (const char* category :
         {"amplify/auth/resource.ts", "amplify/data/resource.ts", "amplify/backend.ts"}) {
      EXPECT_EQ(stripped.count(category), 1u) << category;
    }
    EXPECT_EQ(stripped.count("amplify/storage/resource.ts"),
              full.count("amplify/storage/resource.ts"));

    // Function files: without the deployed runtime, Gen2's default runtime;
    // otherwise every line is one the full project has too.
    for (const Gen1Resource* fn : full_project.OfCategory("function")) {
      std::string path = fmt::format("amplify/functions/{}/resource.ts", fn->name);
      if (!full.count(path)) continue;
      SCOPED_TRACE(path);
      ASSERT_EQ(stripped.count(path), 1u);
      std::vector<std::string> full_lines = Lines(full.at(path));
      for (const std::string& line : Lines(stripped.at(path))) {
        if (line.starts_with("// Gen1 function ")) continue;
        EXPECT_NE(std::find(full_lines.begin(), full_lines.end(), line), full_lines.end()) << line;
      }
      EXPECT_THAT(stripped.at(path), Not(HasSubstr("runtime:")));
    }

    // The same defineBackend members (the same categories and resources).
    auto members = [](const std::string& backend) {
      size_t at = backend.find("defineBackend({");
      return at == std::string::npos ? std::string()
                                     : backend.substr(at, backend.find("});", at) - at);
    };
    EXPECT_EQ(members(stripped.at("amplify/backend.ts")), members(full.at("amplify/backend.ts")));
    // The auth pins, rebuilt from cli-inputs.json, are the deployed ones.
    auto auth_pins = [](const std::string& backend) {
      size_t at = backend.find("// --- auth:");
      return at == std::string::npos ? std::string()
                                     : backend.substr(at, backend.find("\n\n", at) - at);
    };
    EXPECT_THAT(auth_pins(full.at("amplify/backend.ts")), HasSubstr("cfnUserPool.addProperty"));
    EXPECT_EQ(auth_pins(stripped.at("amplify/backend.ts")),
              auth_pins(full.at("amplify/backend.ts")));

    // migration.json: the same Gen1 names (the pool names rebuilt from
    // cli-inputs.json as Gen1's auth template builds them).
    Value full_names =
        *Value::FromJson(full.at("amplify/migration.json"))->Find("gen1")->Find("resources");
    Value stripped_names =
        *Value::FromJson(stripped.at("amplify/migration.json"))->Find("gen1")->Find("resources");
    for (const auto& [key, entry] : full_names.as_map()) {
      SCOPED_TRACE(key);
      const Value* same = stripped_names.Find(key);
      ASSERT_NE(same, nullptr);
      EXPECT_EQ(*same, entry);
    }
    EXPECT_EQ(stripped_names.as_map().size(), full_names.as_map().size());
  }
}

TEST(NoStateTest, GroupsDeclaredOnlyInThePrecedenceFileReachDefineAuth) {
  ScratchDir scratch;
  fs::path root = StrippedCopy("fitness-tracker", scratch.path());
  Value groups(ValueList{});
  for (auto [name, precedence] : {std::pair{"Editors", 2}, std::pair{"Admins", 1}}) {
    Value g;
    g.Set("groupName", Value(name));
    g.Set("precedence", Value(int64_t{precedence}));
    groups.as_list().push_back(std::move(g));
  }
  WriteJson(root / "amplify/backend/auth/userPoolGroups/user-pool-group-precedence.json", groups);
  GeneratedFiles files = Generate(Load(root, {.env = "main"}));
  EXPECT_THAT(files["amplify/auth/resource.ts"], HasSubstr("groups: ['Admins', 'Editors'],"));
  EXPECT_THAT(files["amplify/backend.ts"],
              HasSubstr("backend.auth.resources.groups['Editors'].cfnUserGroup.precedence = 2;"));
}

TEST(NoStateTest, DeployedStateWithoutGroupsFallsBackToThePrecedenceFile) {
  ScratchDir scratch;
  fs::path root = CopyFixture("fitness-tracker", scratch.path());
  // The deployed groups template names no group (e.g. groups added since
  // the last push): the groups backend/ declares must still appear.
  fs::path groups_template = root /
                             "amplify/#current-cloud-backend/awscloudformation/build/auth/"
                             "userPoolGroups/build/userPoolGroups-cloudformation-template.json";
  Value tmpl = ReadJson(groups_template);
  ValueMap kept;
  for (const auto& [id, def] : tmpl.Find("Resources")->as_map()) {
    if (StringField(def, "Type") != "AWS::Cognito::UserPoolGroup") kept.emplace(id, def);
  }
  tmpl.Set("Resources", Value(std::move(kept)));
  WriteJson(groups_template, tmpl);
  Gen1Project project = Load(root);
  EXPECT_TRUE(project.has_deployed_state);
  GeneratedFiles files = Generate(project);
  EXPECT_THAT(files["amplify/auth/resource.ts"], HasSubstr("groups: ['Admin'],"));
  // And the full fixture reads them from the deployed template as before.
  EXPECT_THAT(Generate(Load(FixtureDir("fitness-tracker")))["amplify/auth/resource.ts"],
              HasSubstr("groups: ['Admin'],"));
}

TEST(NoStateTest, NoEnvironmentAnywhereAsksForEnv) {
  ScratchDir scratch;
  fs::path root = StrippedCopy("media-vault", scratch.path());
  fs::remove(root / "amplify" / "backend" / "amplify-meta.json");
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_FALSE(project);
  EXPECT_EQ(project.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(project.error().message(), HasSubstr("--env NAME"));

  Gen1Project with_env = Load(root, {.env = "main"});
  EXPECT_EQ(with_env.env_name, "main");
  EXPECT_FALSE(with_env.has_deployed_state);
  EXPECT_THAT(AssessMarkdown(with_env), HasSubstr("are unknown (no amplify/backend/amplify-meta"));
  GeneratedFiles files = Generate(with_env);
  EXPECT_THAT(files["amplify/auth/resource.ts"], HasSubstr("groups: ['Admin', 'Basic'],"));
  EXPECT_EQ(files.count("amplify/storage/resource.ts"), 1u);
}

TEST(NoStateTest, EnvFromLocalEnvInfoAndAFunctionTemplateKeptInBackend) {
  ScratchDir scratch;
  fs::path root = StrippedCopy("media-vault", scratch.path());
  fs::remove(root / "amplify" / "backend" / "amplify-meta.json");
  WriteJson(root / "amplify/.config/local-env-info.json",
            *Value::FromJson(R"({"envName": "dev", "projectPath": "/x"})"));
  // A function's template is kept in amplify/backend/function/<name>/ by
  // the Amplify CLI: its settings win over the defaults.
  fs::path fn_template = root /
                         "amplify/backend/function/thumbnailgen/"
                         "thumbnailgen-cloudformation-template.json";
  WriteJson(fn_template, *Value::FromJson(R"({
    "Parameters": {"env": {"Type": "String"}},
    "Resources": {"LambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {
      "Handler": "index.handler", "Runtime": "nodejs20.x", "Timeout": 60, "MemorySize": 512,
      "Environment": {"Variables": {"ENV": {"Ref": "env"}, "MODE": "thumbs"}}}}}})"));
  Gen1Project project = Load(root);
  EXPECT_EQ(project.env_name, "dev");
  GeneratedFiles files = Generate(project);
  const std::string& fn = files["amplify/functions/thumbnailgen/resource.ts"];
  EXPECT_THAT(fn, HasSubstr("runtime: 20,"));
  EXPECT_THAT(fn, HasSubstr("timeoutSeconds: 60,"));
  EXPECT_THAT(fn, HasSubstr("memoryMB: 512,"));
  EXPECT_THAT(fn, HasSubstr("ENV: 'dev',"));
  EXPECT_THAT(fn, HasSubstr("MODE: 'thumbs',"));
  // A function without one gets Gen1's defaults.
  const std::string& other = files["amplify/functions/addusertogroup/resource.ts"];
  EXPECT_THAT(other, HasSubstr("timeoutSeconds: 25,"));
  EXPECT_THAT(other, HasSubstr("ENV: 'dev',"));
}

// Only team-provider-info.json missing: the deployed templates are still
// read (the output is the full project's); the report says where the env
// came from.
TEST(NoStateTest, OnlyTeamProviderInfoMissingStillReadsTheDeployedTemplates) {
  ScratchDir scratch;
  fs::path root = CopyFixture("discussions", scratch.path());
  fs::remove(root / "amplify" / "team-provider-info.json");
  Gen1Project project = Load(root);
  EXPECT_FALSE(project.has_deployed_state);
  ASSERT_EQ(project.approximations.size(), 2u);
  EXPECT_THAT(project.approximations.front(), HasSubstr("no amplify/team-provider-info.json"));
  EXPECT_EQ(Generate(project), Generate(Load(FixtureDir("discussions"))));
}

// With deployed state, --env may only name the checked-out env: the cloud
// copy belongs to that one.
TEST(NoStateTest, EnvOtherThanTheCheckedOutOneIsRefusedWhenDeployedStateIsPresent) {
  ScratchDir scratch;
  fs::path root = CopyFixture("media-vault", scratch.path());
  WriteJson(root / "amplify/.config/local-env-info.json",
            *Value::FromJson(R"({"envName": "main"})"));
  EXPECT_EQ(Load(root, {.env = "main"}).env_name, "main");
  Result<Gen1Project> other = LoadGen1Project(root, {.env = "dev"});
  ASSERT_FALSE(other);
  EXPECT_THAT(other.error().message(), HasSubstr("amplify env checkout dev"));
  // Without the deployed state nothing ties the project to an env.
  fs::remove_all(root / "amplify" / "#current-cloud-backend");
  EXPECT_EQ(Load(root, {.env = "dev"}).env_name, "dev");
}

}  // namespace
}  // namespace flightplan::amplify
