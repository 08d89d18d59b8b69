#include "steps/amplify/assess.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
using testing::ScratchDir;
using testing::WriteFile;

const Value* ResourceEntry(const Value& report, std::string_view category, std::string_view name) {
  for (const Value& r : report.Find("resources")->as_list()) {
    if (StringField(r, "category") == category && StringField(r, "name") == name) return &r;
  }
  return nullptr;
}

TEST(AssessTest, EveryResourceOfEveryFixtureAppIsReportedNoneDropped) {
  for (const std::string& app : FixtureApps()) {
    SCOPED_TRACE(app);
    Result<Gen1Project> project = LoadGen1Project(FixtureDir(app));
    ASSERT_TRUE(project) << project.error().ToString();
    Value report = AssessJson(*project);
    ASSERT_EQ(report.Find("resources")->as_list().size(), project->resources.size());
    for (const Value& r : report.Find("resources")->as_list()) {
      EXPECT_FALSE(StringField(r, "generation").empty());
      EXPECT_FALSE(StringField(r, "target").empty());
    }
    EXPECT_FALSE(report.Find("blocked")->as_bool());
    std::string markdown = AssessMarkdown(*project);
    EXPECT_THAT(markdown, HasSubstr("# Migration assessment"));
  }
}

TEST(AssessTest, StatefulResourcesAreListedWithTheirDeployedIds) {
  Result<Gen1Project> project = LoadGen1Project(FixtureDir("discussions"));
  ASSERT_TRUE(project);
  Value report = AssessJson(*project);
  const Value* table = ResourceEntry(report, "storage", "activity");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(StringField(*table, "generation"), "l1");
  const Value& stateful = table->Find("stateful")->as_list().at(0);
  EXPECT_EQ(StringField(stateful, "physicalId"), "activity-main");
  EXPECT_TRUE(stateful.Find("moved")->as_bool());
  const Value* api = ResourceEntry(report, "api", "discussions");
  ASSERT_NE(api, nullptr);
  EXPECT_FALSE(api->Find("stateful")->as_list().at(0).Find("moved")->as_bool());
}

TEST(AssessTest, SocialSignInSecretsAndRestApisAreManualWorkWithDocLinks) {
  Result<Gen1Project> media = LoadGen1Project(FixtureDir("media-vault"));
  ASSERT_TRUE(media);
  std::string markdown = AssessMarkdown(*media);
  EXPECT_THAT(markdown, HasSubstr("docs/generate.md#secrets"));
  Result<Gen1Project> fitness = LoadGen1Project(FixtureDir("fitness-tracker"));
  ASSERT_TRUE(fitness);
  EXPECT_THAT(AssessMarkdown(*fitness), HasSubstr("docs/generate.md#rest-apis"));
}

TEST(AssessTest, TheHostedUIDomainIsManualWorkNamingTheDomain) {
  Result<Gen1Project> media = LoadGen1Project(FixtureDir("media-vault"));
  ASSERT_TRUE(media);
  std::string markdown = AssessMarkdown(*media);
  EXPECT_THAT(markdown, HasSubstr("hosted UI domain 'mediavault1f08412d-1f08412d-main'"));
  EXPECT_THAT(markdown, HasSubstr("docs/generate.md#hosted-ui-domain"));
  Result<Gen1Project> discussions = LoadGen1Project(FixtureDir("discussions"));
  ASSERT_TRUE(discussions);
  EXPECT_THAT(AssessMarkdown(*discussions), Not(HasSubstr("hosted UI domain")));
}

TEST(AssessTest, OverridesAreCarriedOverOrReportedAsNotTranslated) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  WriteFile(root / "amplify/backend/auth/backendonlyf8c4c57b/override.ts",
            "export function override(resources) {}\n");
  WriteFile(root / "amplify/backend/function/quotegeneratorbe/override.ts",
            "export function override(resources) {}\n");
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_TRUE(project);
  std::string markdown = AssessMarkdown(*project);
  EXPECT_THAT(markdown, HasSubstr("auth/backendonlyf8c4c57b/override.ts is carried over verbatim"));
  EXPECT_THAT(markdown, HasSubstr("function/quotegeneratorbe/override.ts is not translated"));
  EXPECT_THAT(markdown, HasSubstr("docs/generate.md#overrides"));
}

TEST(AssessTest, LambdaAuthorizationModeIsManualWork) {
  ScratchDir scratch;
  fs::path root = CopyFixture("discussions", scratch.path());
  fs::path config_path = root / "amplify/backend/backend-config.json";
  Value config = testing::ReadJson(config_path);
  Value& auth = config.as_map()
                    .at("api")
                    .as_map()
                    .at("discussions")
                    .as_map()
                    .at("output")
                    .as_map()
                    .at("authConfig");
  auth.Set("additionalAuthenticationProviders",
           *Value::FromJson(R"([{"authenticationType": "AWS_LAMBDA"}])"));
  testing::WriteJson(config_path, config);
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_TRUE(project) << project.error().ToString();
  EXPECT_THAT(AssessMarkdown(*project), HasSubstr("lambdaAuthorizationMode"));
}

TEST(AssessTest, ResourceThatWasNeverPushedIsABlocker) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  fs::remove_all(root / "amplify/#current-cloud-backend/awscloudformation/build/function");
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_TRUE(project);
  Value report = AssessJson(*project);
  EXPECT_TRUE(report.Find("blocked")->as_bool());
  EXPECT_THAT(AssessMarkdown(*project), HasSubstr("amplify push"));
}

// A handler importing what its package.json does not declare: each package
// is manual work naming every file and line, a computed require too; the
// AWS SDK v2 is declared by generate and still reported for porting; the
// SDK v3 clients are declared and not reported.
void AddUndeclaredImports(const fs::path& root) {
  const fs::path src = root / "amplify/backend/function/quotegeneratorbe/src";
  WriteFile(src / "lib/format.js",
            "// Formats quotes.\n"
            "const path = require('path');\n"
            "const fp = require('lodash/fp');\n"
            "const { S3Client } = require('@aws-sdk/client-s3');\n"
            "const plugin = require(process.env.PLUGIN);\n"
            "const AWS = require('aws-sdk');\n"
            "const { merge } = require('lodash');\n"
            "const Table = require('cli-table3');\n");
}

const Value* ManualMentioning(const Value& resource, std::string_view text) {
  for (const Value& m : resource.Find("manual")->as_list()) {
    if (StringField(m, "message").find(text) != std::string::npos) return &m;
  }
  return nullptr;
}

TEST(AssessTest, UndeclaredImportsAreManualWorkNamingFileAndLine) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  AddUndeclaredImports(root);
  Result<Gen1Project> project = LoadGen1Project(root);
  ASSERT_TRUE(project) << project.error().ToString();
  Value report = AssessJson(*project);
  const Value* fn = ResourceEntry(report, "function", "quotegeneratorbe");
  ASSERT_NE(fn, nullptr);
  const Value* lodash = ManualMentioning(*fn,
                                         "`lodash` is imported at src/lib/format.js:3, "
                                         "src/lib/format.js:7 but not declared");
  ASSERT_NE(lodash, nullptr) << fn->ToJson();
  EXPECT_EQ(StringField(*lodash, "doc"), "docs/generate.md#function-dependencies");
  EXPECT_NE(ManualMentioning(*fn,
                             "src/lib/format.js:5 loads a module by a computed name "
                             "(process)"),
            nullptr)
      << fn->ToJson();
  EXPECT_NE(ManualMentioning(*fn, "`aws-sdk` (the AWS SDK v2) is imported at src/lib/format.js:6"),
            nullptr)
      << fn->ToJson();
  // Declared (cli-table3), builtin (path), runtime SDK v3 (client-s3): not manual work.
  EXPECT_EQ(ManualMentioning(*fn, "cli-table3"), nullptr);
  EXPECT_EQ(ManualMentioning(*fn, "`path`"), nullptr);
  EXPECT_EQ(ManualMentioning(*fn, "client-s3"), nullptr);
  EXPECT_THAT(AssessMarkdown(*project),
              HasSubstr("**function/quotegeneratorbe**: `lodash` is imported at "
                        "src/lib/format.js:3"));
  // generate declares the SDK v2 (and the v3 client), never the unknown package.
  Result<GeneratedFiles> files = GenerateGen2(*project, {});
  ASSERT_TRUE(files);
  Value pkg = *Value::FromJson(files->at("package.json"));
  EXPECT_EQ(StringField(*pkg.Find("dependencies"), "aws-sdk"), "2.1693.0");
  EXPECT_EQ(StringField(*pkg.Find("dependencies"), "@aws-sdk/client-s3"), "3.1169.0");
  EXPECT_EQ(pkg.Find("dependencies")->Find("lodash"), nullptr);
  // The fixture's own handler needs no such work.
  Result<Gen1Project> clean = LoadGen1Project(FixtureDir("backend-only"));
  ASSERT_TRUE(clean);
  EXPECT_THAT(AssessMarkdown(*clean), Not(HasSubstr("function-dependencies")));
}

}  // namespace
}  // namespace flightplan::amplify
