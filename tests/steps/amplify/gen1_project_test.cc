#include "steps/amplify/gen1_project.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using testing::CopyFixture;
using testing::FixtureApps;
using testing::FixtureDir;
using ::testing::HasSubstr;
using testing::ReadFile;
using testing::ScratchDir;
using testing::WriteFile;

TEST(Gen1ProjectTest, EveryFixtureAppLoadsWithADeployedTemplatePerResource) {
  for (const std::string& app : FixtureApps()) {
    SCOPED_TRACE(app);
    Result<Gen1Project> project = LoadGen1Project(FixtureDir(app));
    ASSERT_TRUE(project) << project.error().ToString();
    EXPECT_EQ(project->env_name, "main");
    EXPECT_FALSE(project->resources.empty());
    for (const Gen1Resource& r : project->resources) {
      EXPECT_TRUE(r.deployed_template.is_map()) << r.category << "/" << r.name;
    }
    EXPECT_EQ(project->OfCategory("auth").empty(), false);
  }
}

TEST(Gen1ProjectTest, ResourcesAreSortedByCategoryThenName) {
  Result<Gen1Project> project = LoadGen1Project(FixtureDir("fitness-tracker"));
  ASSERT_TRUE(project) << project.error().ToString();
  for (size_t i = 1; i < project->resources.size(); ++i) {
    const Gen1Resource& a = project->resources[i - 1];
    const Gen1Resource& b = project->resources[i];
    EXPECT_LT(std::tie(a.category, a.name), std::tie(b.category, b.name));
  }
  ASSERT_NE(project->Find("api", "nutritionapi"), nullptr);
  EXPECT_EQ(project->Find("api", "nutritionapi")->service, "API Gateway");
}

TEST(Gen1ProjectTest, DeployedUserPoolHasEnvSuffixedNameAndSplitUsernameAttributes) {
  Result<Gen1Project> project = LoadGen1Project(FixtureDir("media-vault"));
  ASSERT_TRUE(project) << project.error().ToString();
  const Gen1Resource* auth = project->Find("auth", "mediavault1f08412d");
  ASSERT_NE(auth, nullptr);
  const Value* pool = auth->deployed_template.Find("Resources")->Find("UserPool");
  ASSERT_NE(pool, nullptr);
  const Value& props = *pool->Find("Properties");
  EXPECT_EQ(StringField(props, "UserPoolName"), "mediavault1f08412d_userpool_1f08412d-main");
  const Value* names = props.Find("UsernameAttributes");
  ASSERT_TRUE(names && names->is_list());
  ASSERT_EQ(names->as_list().size(), 2u);
  EXPECT_EQ(names->as_list()[1].as_string(), "phone_number");
  EXPECT_EQ(project->MetaOutput("auth", "mediavault1f08412d", "UserPoolId"), "us-east-1_gekM9OHb7");
}

TEST(Gen1ProjectTest, AppSyncApiCarriesSchemaAndDeployedModelTables) {
  Result<Gen1Project> project = LoadGen1Project(FixtureDir("discussions"));
  ASSERT_TRUE(project) << project.error().ToString();
  const Gen1Resource* api = project->Find("api", "discussions");
  ASSERT_NE(api, nullptr);
  EXPECT_THAT(api->graphql_schema, HasSubstr("@model"));
  EXPECT_EQ(api->model_stacks.count("Topic"), 1u);
  EXPECT_EQ(api->model_stacks.count("Post"), 1u);
  const Gen1Resource* table = project->Find("storage", "activity");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->DeployedType("DynamoDBTable"), "AWS::DynamoDB::Table");
}

TEST(Gen1ProjectTest, SchemaFolderIsReadWhenThereIsNoSchemaFile) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  fs::path api = root / "amplify" / "backend" / "api" / "backendonly";
  std::string schema = ReadFile(api / "schema.graphql");
  fs::remove(api / "schema.graphql");
  WriteFile(api / "schema" / "a.graphql", schema);
  WriteFile(api / "schema" / "b.graphql", "type Extra @model { id: ID! }\n");
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_TRUE(project) << project.error().ToString();
  const std::string& joined = project->Find("api", "backendonly")->graphql_schema;
  EXPECT_THAT(joined, HasSubstr("type Extra @model"));
  EXPECT_THAT(joined, HasSubstr("getRandomQuote"));
}

TEST(Gen1ProjectTest, DirectoryWithoutBackendConfigIsNotFound) {
  ScratchDir scratch;
  Result<Gen1Project> project = LoadGen1Project(scratch.path());
  ASSERT_FALSE(project);
  EXPECT_EQ(project.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(project.error().ToString(), HasSubstr("backend-config.json"));
}

TEST(Gen1ProjectTest, TruncatedCliInputsIsAnErrorNamingTheFile) {
  ScratchDir scratch;
  fs::path root = CopyFixture("media-vault", scratch.path());
  fs::path file = root / "amplify/backend/storage/mediavault/cli-inputs.json";
  std::string text = ReadFile(file);
  WriteFile(file, text.substr(0, text.size() / 2));
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_FALSE(project);
  EXPECT_EQ(project.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(project.error().ToString(), HasSubstr("storage/mediavault/cli-inputs.json"));
}

TEST(Gen1ProjectTest, CategoryOfWrongTypeIsAnErrorNamingTheField) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  WriteFile(root / "amplify/backend/backend-config.json", R"({"auth": 5})");
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_FALSE(project);
  EXPECT_THAT(project.error().ToString(), HasSubstr("\"auth\""));
}

TEST(Gen1ProjectTest, AuthWithoutCliInputsFromAnOldCliIsRefusedWithTheUpgradeCommand) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  fs::remove(root / "amplify/backend/auth/backendonlyf8c4c57b/cli-inputs.json");
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_FALSE(project);
  EXPECT_EQ(project.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(project.error().ToString(), HasSubstr("amplify update auth"));
  EXPECT_THAT(project.error().ToString(), HasSubstr("older than v7"));
}

// Without #current-cloud-backend/ the project has no deployed state: it
// loads from amplify/backend/ and says what is approximate (nostate_test.cc)
// instead of warning about every resource.
TEST(Gen1ProjectTest, MissingCurrentCloudBackendLoadsFromBackendAndSaysWhatIsApproximate) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  fs::remove_all(root / "amplify" / "#current-cloud-backend");
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_TRUE(project) << project.error().ToString();
  EXPECT_FALSE(project->has_deployed_state);
  EXPECT_TRUE(project->warnings.empty());
  ASSERT_FALSE(project->approximations.empty());
  EXPECT_THAT(project->approximations.front(), HasSubstr("no deployed state"));
}

TEST(Gen1ProjectTest, AResourceMissingFromTheDeployedStateLoadsWithAWarning) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  fs::remove_all(root / "amplify" / "#current-cloud-backend" / "awscloudformation" / "build" /
                 "storage");
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_TRUE(project) << project.error().ToString();
  EXPECT_TRUE(project->has_deployed_state);
  EXPECT_TRUE(project->approximations.empty());
  ASSERT_FALSE(project->warnings.empty());
  EXPECT_THAT(project->warnings.front(), HasSubstr("never pushed"));
}

// Every JSON file of every fixture, cut in half or replaced by the wrong
// kind of document: loading reports an error naming the file, or succeeds
// (optional files), and never crashes.
TEST(Gen1ProjectTest, DamagedFilesGiveAnErrorNamingTheFileNeverACrash) {
  for (const std::string& app : FixtureApps()) {
    ScratchDir scratch;
    fs::path root = CopyFixture(app, scratch.path());
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && e.path().extension() == ".json") {
        files.push_back(e.path());
      }
    }
    for (const fs::path& file : files) {
      std::string original = ReadFile(file);
      for (const std::string& damaged :
           {original.substr(0, original.size() / 2), std::string("[1, 2]"), std::string("\"text\""),
            std::string("")}) {
        WriteFile(file, damaged);
        Result<Gen1Project> project = LoadGen1Project(root);
        if (!project) {
          EXPECT_THAT(project.error().ToString(), HasSubstr(file.filename().string())) << file;
        }
      }
      WriteFile(file, original);
    }
  }
}

// Every file of a fixture removed in turn: loading reports an error naming
// what is missing, or succeeds with what is left; never a crash.
TEST(Gen1ProjectTest, EachFileRemovedInTurnGivesAnErrorOrAPartialProject) {
  ScratchDir scratch;
  fs::path root = CopyFixture("fitness-tracker", scratch.path());
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  for (const fs::path& file : files) {
    std::string original = ReadFile(file);
    fs::remove(file);
    Result<Gen1Project> project = LoadGen1Project(root);
    if (!project) {
      EXPECT_FALSE(project.error().ToString().empty()) << file;
    } else {
      EXPECT_FALSE(project->resources.empty()) << file;
    }
    WriteFile(file, original);
  }
}

}  // namespace
}  // namespace flightplan::amplify
