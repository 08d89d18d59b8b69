#include "steps/amplify/generate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "steps/amplify/assess.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/override.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using testing::CopyFixture;
using testing::FixtureApps;
using testing::FixtureDir;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadFile;
using testing::ReadJson;
using testing::ScratchDir;
using testing::WriteFile;
using testing::WriteJson;

GeneratedFiles Generate(const fs::path& dir, GenerateOptions options = {}) {
  Result<Gen1Project> project = LoadGen1Project(dir);
  EXPECT_TRUE(project) << project.error().ToString();
  if (!project) return {};
  Result<GeneratedFiles> files = GenerateGen2(*project, options);
  EXPECT_TRUE(files) << files.error().ToString();
  return files ? *files : GeneratedFiles{};
}

std::string File(const GeneratedFiles& files, const std::string& path) {
  auto it = files.find(path);
  EXPECT_NE(it, files.end()) << path << " was not generated";
  return it == files.end() ? "" : it->second;
}

fs::path Amplify(const fs::path& root) { return root / "amplify"; }
fs::path Cloud(const fs::path& root) {
  return root / "amplify" / "#current-cloud-backend" / "awscloudformation" / "build";
}

// Points a function's deployed template at another runtime.
void SetRuntime(const fs::path& root, const std::string& fn, const std::string& runtime) {
  fs::path t = Cloud(root) / "function" / fn / (fn + "-cloudformation-template.json");
  Value tmpl = ReadJson(t);
  tmpl.as_map()
      .at("Resources")
      .as_map()
      .at("LambdaFunction")
      .as_map()
      .at("Properties")
      .Set("Runtime", Value(runtime));
  WriteJson(t, tmpl);
}

TEST(GenerateTest, EveryFixtureAppGetsACompleteGen2Project) {
  for (const std::string& app : FixtureApps()) {
    SCOPED_TRACE(app);
    GeneratedFiles files = Generate(FixtureDir(app));
    for (const char* path :
         {"package.json", "amplify/package.json", "amplify/tsconfig.json", "amplify/backend.ts",
          "amplify/migration.json", "amplify/auth/resource.ts", "amplify/data/resource.ts",
          "amplify/gen1/cfn.ts"}) {
      EXPECT_EQ(files.count(path), 1u) << path;
    }
    EXPECT_EQ(File(files, "amplify/package.json"), "{\n  \"type\": \"module\"\n}\n");
    EXPECT_THAT(File(files, "amplify/tsconfig.json"), HasSubstr("\"$amplify/*\""));
    EXPECT_THAT(File(files, "amplify/backend.ts"), HasSubstr("defineBackend({"));
  }
}

TEST(GenerateTest, SameInputGivesTheSameBytes) {
  for (const std::string& app : FixtureApps()) {
    SCOPED_TRACE(app);
    GeneratedFiles first = Generate(FixtureDir(app));
    GeneratedFiles second = Generate(FixtureDir(app));
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(first, second);
  }
}

TEST(GenerateTest, RootPackagePinsTheToolchainAndDeclaresFunctionDependencies) {
  GeneratedFiles files = Generate(FixtureDir("discussions"));
  Result<Value> pkg = Value::FromJson(File(files, "package.json"));
  ASSERT_TRUE(pkg);
  for (const auto& [name, version] : PinnedToolchain()) {
    const Value* v = pkg->Find("devDependencies")->Find(name);
    ASSERT_NE(v, nullptr) << name;
    EXPECT_EQ(v->as_string(), version);
  }
  ASSERT_NE(pkg->Find("dependencies"), nullptr);
  EXPECT_NE(pkg->Find("dependencies")->Find("@aws-sdk/client-dynamodb"), nullptr);
  EXPECT_EQ(pkg->Find("devDependencies")->Find("typescript")->as_string().substr(0, 2), "5.");
}

TEST(GenerateTest, MigrationFileCarriesThePhaseAndTheGen1PhysicalNames) {
  GenerateOptions post;
  post.phase = RefactorPhase::kPostRefactor;
  GeneratedFiles files = Generate(FixtureDir("discussions"), post);
  Result<Value> migration = Value::FromJson(File(files, "amplify/migration.json"));
  ASSERT_TRUE(migration);
  EXPECT_EQ(StringField(*migration, "phase"), "post-refactor");
  const Value* resources = migration->Find("gen1")->Find("resources");
  ASSERT_NE(resources, nullptr);
  const Value* table = resources->Find("storage/activity/DynamoDBTable");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(StringField(*table, "name"), "activity-main");
  const Value* pool = resources->Find("auth/discussions22367c6822367c68/UserPool");
  ASSERT_NE(pool, nullptr);
  EXPECT_THAT(StringField(*pool, "name"), HasSubstr("-main"));
  // The code is the same in both phases: only migration.json differs.
  GeneratedFiles pre = Generate(FixtureDir("discussions"));
  for (const auto& [path, content] : pre) {
    if (path != "amplify/migration.json") {
      EXPECT_EQ(content, files[path]) << path;
    }
  }
  EXPECT_THAT(File(files, "amplify/backend.ts"),
              HasSubstr("cfnUserPool.applyRemovalPolicy(RemovalPolicy.RETAIN)"));
}

TEST(GenerateTest, MigrationFileRecordsTheGen1HostedUIDomain) {
  GeneratedFiles files = Generate(FixtureDir("media-vault"));
  Result<Value> migration = Value::FromJson(File(files, "amplify/migration.json"));
  ASSERT_TRUE(migration);
  const Value* domains = migration->Find("gen1")->Find("hostedUIDomains");
  ASSERT_NE(domains, nullptr);
  EXPECT_EQ(StringField(*domains, "auth/mediavault1f08412d"), "mediavault1f08412d-1f08412d-main");
  // An app without a hosted UI has no such entry.
  GeneratedFiles plain = Generate(FixtureDir("discussions"));
  Result<Value> other = Value::FromJson(File(plain, "amplify/migration.json"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->Find("gen1")->Find("hostedUIDomains"), nullptr);
}

TEST(OverrideTest, TheFunctionBodyIsFoundPastStringsCommentsAndTemplates) {
  std::optional<Gen1Override> parsed = ParseOverride(
      "import { AmplifyS3ResourceTemplate } from '@aws-amplify/cli-extensibility-helper';\n"
      "// export function override() { not this one }\n"
      "export function override(\n  resources: AmplifyS3ResourceTemplate,\n"
      "  info: { envName: string; projectName: string },\n): void {\n"
      "  const s = '}'; const t = `${info.envName}-}`; /* } */\n"
      "  resources.s3Bucket.versioningConfiguration = { status: 'Enabled' };\n}\n"
      "function helper() {}\n");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->parameters, (std::vector<std::string>{"resources", "info"}));
  EXPECT_THAT(parsed->body, HasSubstr("versioningConfiguration"));
  EXPECT_THAT(parsed->body, HasSubstr("const t = `${info.envName}-}`;"));
  EXPECT_THAT(parsed->body, Not(HasSubstr("helper")));
  EXPECT_FALSE(parsed->has_other_imports);
  EXPECT_FALSE(ParseOverride("export function override(r) { if (x) {").has_value());
  EXPECT_FALSE(ParseOverride("export const override = (r) => {};").has_value());
  EXPECT_TRUE(
      ParseOverride("const x = require('fs');\nexport function override(r) { x; }").has_value());
  EXPECT_TRUE(ParseOverride("export function override(r) { require('fs'); }")->has_other_imports);
}

TEST(GenerateTest, AnAuthOverrideIsCarriedOverVerbatimAndCalledWithGen2Resources) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  WriteFile(
      root / "amplify/backend/auth/backendonlyf8c4c57b/override.ts",
      "import { AmplifyAuthCognitoStackTemplate } from '@aws-amplify/cli-extensibility-helper';\n"
      "export function override(resources: AmplifyAuthCognitoStackTemplate) {\n"
      "  resources.userPool.deviceConfiguration = { challengeRequiredOnNewDevice: true };\n"
      "}\n");
  GeneratedFiles files = Generate(root);
  std::string backend = File(files, "amplify/backend.ts");
  EXPECT_THAT(backend, HasSubstr("Gen1 override.ts, carried over verbatim"));
  EXPECT_THAT(backend, HasSubstr("function gen1Override_auth_"));
  EXPECT_THAT(
      backend,
      HasSubstr(
          "  resources.userPool.deviceConfiguration = { challengeRequiredOnNewDevice: true };"));
  EXPECT_THAT(backend, HasSubstr("userPool: backend.auth.resources.cfnResources.cfnUserPool,"));
  // One parameter in, one argument out: no project info passed.
  EXPECT_THAT(backend, Not(HasSubstr("projectName:")));
  // An override that imports other modules is not carried over.
  WriteFile(
      root / "amplify/backend/auth/backendonlyf8c4c57b/override.ts",
      "import * as iam from 'aws-cdk-lib/aws-iam';\n"
      "export function override(resources: any) { resources.userPool.x = new iam.Role(); }\n");
  GeneratedFiles other = Generate(root);
  EXPECT_THAT(File(other, "amplify/backend.ts"), Not(HasSubstr("gen1Override_")));
}

TEST(GenerateTest, DataKeepsTheGen1SchemaAuthModesAndTableMappings) {
  GeneratedFiles files = Generate(FixtureDir("fitness-tracker"));
  std::string data = File(files, "amplify/data/resource.ts");
  EXPECT_THAT(data, HasSubstr("defaultAuthorizationMode: 'userPool'"));
  EXPECT_THAT(data, HasSubstr("apiKeyAuthorizationMode: { expiresInDays: 7 }"));
  EXPECT_THAT(data, HasSubstr("migratedAmplifyGen1DynamoDbTableMappings"));
  EXPECT_THAT(data, HasSubstr("Meal: 'Meal-2aikutabnvbuhlzmh4mvkg3eji-main'"));
  EXPECT_THAT(data, HasSubstr("branchName: 'main'"));
}

TEST(GenerateTest, FunctionCalledByTheSchemaJoinsDataAndLosesTheEnvSuffix) {
  GeneratedFiles files = Generate(FixtureDir("discussions"));
  std::string data = File(files, "amplify/data/resource.ts");
  EXPECT_THAT(data, HasSubstr("@function(name: \"fetchuseractivity\")"));
  EXPECT_THAT(data, Not(HasSubstr("${env}")));
  EXPECT_THAT(data, HasSubstr("fetchuseractivity: fetchuseractivity"));
  EXPECT_THAT(File(files, "amplify/functions/fetchuseractivity/resource.ts"),
              HasSubstr("resourceGroupName: 'data'"));
}

TEST(GenerateTest, SchemaFunctionOutsideTheProjectKeepsCallingTheDeployedOne) {
  // backend-only's schema calls "quotegenerator-${env}", which is not one of
  // its functions (that is "quotegeneratorbe").
  GeneratedFiles files = Generate(FixtureDir("backend-only"));
  EXPECT_THAT(File(files, "amplify/data/resource.ts"),
              HasSubstr("@function(name: \"quotegenerator-main\")"));
}

TEST(GenerateTest, SocialProvidersReadTheirCredentialsFromSecrets) {
  GeneratedFiles files = Generate(FixtureDir("media-vault"));
  std::string auth = File(files, "amplify/auth/resource.ts");
  EXPECT_THAT(auth, HasSubstr("secret('GOOGLE_CLIENT_SECRET')"));
  EXPECT_THAT(auth, HasSubstr("secret('FACEBOOK_CLIENT_ID')"));
  EXPECT_THAT(auth, HasSubstr("callbackUrls: ['https://main.mediavault.amplifyapp.com/']"));
  EXPECT_THAT(auth, HasSubstr("groups: ['Admin', 'Basic']"));
  EXPECT_THAT(auth, HasSubstr("phone: true"));
  EXPECT_THAT(File(files, "amplify/backend.ts"),
              HasSubstr("groups['Basic'].cfnUserGroup.precedence = 2"));
}

TEST(GenerateTest, StorageAccessFollowsGen1PermissionsAndTriggers) {
  GeneratedFiles media = Generate(FixtureDir("media-vault"));
  std::string storage = File(media, "amplify/storage/resource.ts");
  EXPECT_THAT(storage, HasSubstr("allow.guest.to(['read'])"));
  EXPECT_THAT(storage, HasSubstr("allow.authenticated.to(['read', 'write', 'delete'])"));
  EXPECT_THAT(storage, HasSubstr("allow.groups(['Admin']).to(['read', 'write', 'delete'])"));
  GeneratedFiles catalog = Generate(FixtureDir("product-catalog"));
  EXPECT_THAT(File(catalog, "amplify/storage/resource.ts"),
              HasSubstr("onUpload: S3Trigger1ef46783"));
  EXPECT_THAT(File(catalog, "amplify/functions/S3Trigger1ef46783/resource.ts"),
              HasSubstr("resourceGroupName: 'storage'"));
}

TEST(GenerateTest, CustomAttributesBecomeQuotedKeys) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  fs::path inputs = Amplify(root) / "backend/auth/backendonlyf8c4c57b/cli-inputs.json";
  Value cli = ReadJson(inputs);
  Value& cognito = cli.as_map().at("cognitoConfig");
  cognito.Set("userpoolClientReadAttributes",
              Value(ValueList{Value("email"), Value("custom:family_name")}));
  WriteJson(inputs, cli);
  fs::path t = Cloud(root) /
               "auth/backendonlyf8c4c57b/build/backendonlyf8c4c57b-cloudformation-template.json";
  Value tmpl = ReadJson(t);
  Value& schema = tmpl.as_map()
                      .at("Resources")
                      .as_map()
                      .at("UserPool")
                      .as_map()
                      .at("Properties")
                      .as_map()
                      .at("Schema");
  schema.as_list().push_back(*Value::FromJson(
      R"({"Name": "department", "AttributeDataType": "String", "Mutable": true})"));
  WriteJson(t, tmpl);
  GeneratedFiles files = Generate(root);
  std::string auth = File(files, "amplify/auth/resource.ts");
  EXPECT_THAT(auth, HasSubstr("'custom:family_name': { dataType: 'String', mutable: true }"));
  EXPECT_THAT(auth, HasSubstr("'custom:department': { dataType: 'String', mutable: true }"));
  EXPECT_THAT(File(files, "amplify/backend.ts"), HasSubstr("Name: 'department'"));
}

TEST(GenerateTest, EveryDynamoDbTableGetsItsOwnStackAndPostRefactorName) {
  ScratchDir scratch;
  fs::path root = CopyFixture("discussions", scratch.path());
  // A second table "orders", a copy of "activity" with another name.
  Value config = ReadJson(Amplify(root) / "backend/backend-config.json");
  config.as_map().at("storage").Set("orders", *config.Find("storage")->Find("activity"));
  WriteJson(Amplify(root) / "backend/backend-config.json", config);
  Value meta = ReadJson(Amplify(root) / "backend/amplify-meta.json");
  Value orders_meta = *meta.Find("storage")->Find("activity");
  orders_meta.as_map().at("output").Set("Name", Value("orders-main"));
  meta.as_map().at("storage").Set("orders", orders_meta);
  WriteJson(Amplify(root) / "backend/amplify-meta.json", meta);
  fs::copy(Amplify(root) / "backend/storage/activity", Amplify(root) / "backend/storage/orders",
           fs::copy_options::recursive);
  fs::create_directories(Cloud(root) / "storage/orders/build");
  Value tmpl =
      ReadJson(Cloud(root) / "storage/activity/build/activity-cloudformation-template.json");
  tmpl.as_map().at("Parameters").as_map().at("tableName").Set("Default", Value("orders"));
  WriteJson(Cloud(root) / "storage/orders/build/orders-cloudformation-template.json", tmpl);

  GenerateOptions post;
  post.phase = RefactorPhase::kPostRefactor;
  GeneratedFiles files = Generate(root, post);
  std::string backend = File(files, "amplify/backend.ts");
  EXPECT_THAT(backend, HasSubstr("backend.createStack('storageactivity')"));
  EXPECT_THAT(backend, HasSubstr("backend.createStack('storageorders')"));
  EXPECT_THAT(backend, HasSubstr("gen1Name('storage/orders/DynamoDBTable')"));
  Result<Value> migration = Value::FromJson(File(files, "amplify/migration.json"));
  ASSERT_TRUE(migration);
  EXPECT_EQ(
      StringField(*migration->Find("gen1")->Find("resources")->Find("storage/orders/DynamoDBTable"),
                  "name"),
      "orders-main");
  // Pre-refactor the copy must not claim the Gen1 name.
  Result<Value> table = Value::FromJson(File(files, "amplify/gen1/storage-orders.json"));
  ASSERT_TRUE(table);
  const Value& props = *table->Find("Resources")->Find("DynamoDBTable")->Find("Properties");
  EXPECT_EQ(props.Find("TableName"), nullptr);
  EXPECT_NE(props.Find("KeySchema"), nullptr);
  EXPECT_EQ(StringField(*table->Find("Resources")->Find("DynamoDBTable"), "DeletionPolicy"),
            "Retain");
}

TEST(GenerateTest, PythonFunctionIsPlainCdkWithItsSources) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  SetRuntime(root, "quotegeneratorbe", "python3.12");
  WriteFile(Amplify(root) / "backend/function/quotegeneratorbe/src/index.py",
            "def handler(event, context):\n    return {}\n");
  GeneratedFiles files = Generate(root);
  std::string backend = File(files, "amplify/backend.ts");
  EXPECT_THAT(backend, HasSubstr("new lambda.Function("));
  EXPECT_THAT(backend, HasSubstr("new lambda.Runtime('python3.12', lambda.RuntimeFamily.PYTHON)"));
  EXPECT_THAT(backend, HasSubstr("aws_lambda as lambda"));
  EXPECT_EQ(files.count("amplify/functions/quotegeneratorbe/resource.ts"), 0u);
  EXPECT_EQ(File(files, "amplify/functions/quotegeneratorbe/src/index.py"),
            "def handler(event, context):\n    return {}\n");
}

TEST(GenerateTest, ProjectLayerIsCdkAndAttachedToItsFunctions) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  Value config = ReadJson(Amplify(root) / "backend/backend-config.json");
  config.as_map()
      .at("function")
      .Set("sharedutils", *Value::FromJson(R"({"providerPlugin": "awscloudformation",
                                          "service": "LambdaLayer", "build": true})"));
  WriteJson(Amplify(root) / "backend/backend-config.json", config);
  fs::path layer = Amplify(root) / "backend/function/sharedutils";
  WriteJson(layer / "parameters.json", *Value::FromJson(R"({"runtimes": ["nodejs22.x"]})"));
  WriteFile(layer / "lib/nodejs/utils.js", "export const add = (a, b) => a + b;\n");
  fs::path fn_params = Amplify(root) / "backend/function/quotegeneratorbe/function-parameters.json";
  WriteJson(fn_params, *Value::FromJson(R"({"lambdaLayers": [
      {"type": "ProjectLayer", "resourceName": "sharedutils", "version": 1}]})"));
  GeneratedFiles files = Generate(root);
  std::string backend = File(files, "amplify/backend.ts");
  EXPECT_THAT(backend, HasSubstr("new lambda.LayerVersion("));
  EXPECT_THAT(backend, HasSubstr("lambda.RuntimeFamily.NODEJS"));
  EXPECT_THAT(backend, HasSubstr("cfnFunction.layers = [sharedutils.layerVersionArn]"));
  EXPECT_EQ(File(files, "amplify/layers/sharedutils/nodejs/utils.js"),
            "export const add = (a, b) => a + b;\n");
}

// Regression: an auth trigger that reads a model table must not reference
// the data stack (data already depends on auth: a circular dependency).
TEST(GenerateTest, AuthTriggerReadingADataTableUsesTheDeployedNameNotACrossStackRef) {
  ScratchDir scratch;
  fs::path root = CopyFixture("fitness-tracker", scratch.path());
  const std::string fn = "fitnesstracker6b0fc1196b0fc119PreSignup";
  fs::path t = Cloud(root) / "function" / fn / (fn + "-cloudformation-template.json");
  Value tmpl = ReadJson(t);
  Value& vars = tmpl.as_map()
                    .at("Resources")
                    .as_map()
                    .at("LambdaFunction")
                    .as_map()
                    .at("Properties")
                    .as_map()
                    .at("Environment")
                    .as_map()
                    .at("Variables");
  vars.Set("API_FITNESSTRACKER_MEALTABLE_NAME", *Value::FromJson(R"({"Fn::ImportValue":
      {"Fn::Sub": "${apifitnesstrackerGraphQLAPIIdOutput}:GetAtt:MealTable:Name"}})"));
  WriteJson(t, tmpl);
  GeneratedFiles files = Generate(root);
  EXPECT_THAT(File(files, "amplify/functions/" + fn + "/resource.ts"),
              HasSubstr("resourceGroupName: 'auth'"));
  std::string backend = File(files, "amplify/backend.ts");
  EXPECT_THAT(backend, HasSubstr("addEnvironment('API_FITNESSTRACKER_MEALTABLE_NAME', "
                                 "'Meal-2aikutabnvbuhlzmh4mvkg3eji-main')"));
  EXPECT_THAT(backend,
              Not(HasSubstr("PreSignup.addEnvironment('API_FITNESSTRACKER_MEALTABLE_NAME', "
                            "backend.data")));
}

TEST(GenerateTest, CustomCdkStackIsCopiedAsL1WithItsLogicalIds) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  Value config = ReadJson(Amplify(root) / "backend/backend-config.json");
  config.Set("custom",
             *Value::FromJson(
                 R"({"alerts": {"providerPlugin": "awscloudformation", "service": "customCDK"}})"));
  WriteJson(Amplify(root) / "backend/backend-config.json", config);
  WriteFile(Amplify(root) / "backend/custom/alerts/cdk-stack.ts", "// Gen1 custom stack\n");
  fs::create_directories(Cloud(root) / "custom/alerts/build");
  WriteJson(Cloud(root) / "custom/alerts/build/alerts-cloudformation-template.json",
            *Value::FromJson(R"({"Parameters": {"env": {"Type": "String"}},
      "Resources": {"AlertTopic": {"Type": "AWS::SNS::Topic", "Properties": {
        "TopicName": {"Fn::Join": ["-", ["alerts", {"Ref": "env"}]]}}},
        "AlertSub": {"Type": "AWS::SNS::Subscription", "Properties": {
          "TopicArn": {"Ref": "AlertTopic"}, "Protocol": "email", "Endpoint": "ops@example.com"}}}})"));
  WriteFile(Amplify(root) / "backend/custom/alerts/override.ts", "export function override() {}\n");
  GeneratedFiles files = Generate(root);
  std::string backend = File(files, "amplify/backend.ts");
  EXPECT_THAT(backend, HasSubstr("backend.createStack('customalerts')"));
  EXPECT_THAT(backend, HasSubstr("keepLogicalIds: true"));
  Result<Value> copy = Value::FromJson(File(files, "amplify/gen1/custom-alerts.json"));
  ASSERT_TRUE(copy);
  const Value* topic = copy->Find("Resources")->Find("AlertTopic");
  ASSERT_NE(topic, nullptr);
  EXPECT_EQ(topic->Find("Properties")->Find("TopicName"), nullptr);
  EXPECT_NE(copy->Find("Resources")->Find("AlertSub"), nullptr);
}

TEST(GenerateTest, ScheduledFunctionKeepsItsScheduleInGen2Form) {
  ScratchDir scratch;
  fs::path root = CopyFixture("backend-only", scratch.path());
  WriteJson(Amplify(root) / "backend/function/quotegeneratorbe/parameters.json",
            *Value::FromJson(R"j({"CloudWatchRule": "rate(5 minutes)"})j"));
  GeneratedFiles files = Generate(root);
  EXPECT_THAT(File(files, "amplify/functions/quotegeneratorbe/resource.ts"),
              HasSubstr("schedule: 'every 5m'"));
  WriteJson(Amplify(root) / "backend/function/quotegeneratorbe/parameters.json",
            *Value::FromJson(R"j({"CloudWatchRule": "rate(99999999999999999999 minutes)"})j"));
  files = Generate(root);
  EXPECT_THAT(File(files, "amplify/functions/quotegeneratorbe/resource.ts"),
              Not(HasSubstr("schedule:")));
}

// Every JSON file of a fixture damaged in turn: whenever the project still
// loads, assess and generate give a result, never a crash.
TEST(GenerateTest, DamagedProjectsThatStillLoadAssessAndGenerateWithoutCrashing) {
  for (const std::string& app : {std::string("discussions"), std::string("media-vault")}) {
    ScratchDir scratch;
    fs::path root = CopyFixture(app, scratch.path());
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    }
    for (const fs::path& file : files) {
      std::string original = ReadFile(file);
      for (const std::string& damaged :
           {std::string("{}"), std::string("{\"Resources\": [1]}"),
            std::string("{\"Resources\": {\"X\": {\"Type\": 5, \"Properties\": []}}}")}) {
        WriteFile(file, damaged);
        Result<Gen1Project> project = LoadGen1Project(root);
        if (!project) continue;
        EXPECT_TRUE(AssessJson(*project).is_map());
        Result<GeneratedFiles> generated = GenerateGen2(*project, {});
        if (generated) {
          EXPECT_EQ(generated->count("amplify/backend.ts"), 1u) << file;
        }
      }
      WriteFile(file, original);
    }
  }
}

// Regression: the REST API policy attached by name to the Gen1 group role
// "<pool id>-AdminGroupRole", which does not exist in Gen2.
TEST(GenerateTest, RestApiGroupPolicyAttachesToTheGen2GroupRole) {
  GeneratedFiles files = Generate(FixtureDir("fitness-tracker"));
  std::string backend = File(files, "amplify/backend.ts");
  EXPECT_THAT(backend, HasSubstr("backend.auth.resources.groups['Admin'].role.roleName"));
  std::string copy = File(files, "amplify/gen1/api-nutritionapi.json");
  EXPECT_THAT(copy, Not(HasSubstr("AdminGroupRole\"")));
}

}  // namespace
}  // namespace flightplan::amplify
