// The comparisons and filters of steps/migration/drift.h, without a cloud:
// each filter hides its case and nothing else of the same resource.
#include <gtest/gtest.h>

#include "steps/migration/drift.h"
#include "steps/migration/lock.h"
#include "steps/migration/stateful_types.h"

namespace flightplan::migration {
namespace {

Value Json(const char* text) {
  auto v = Value::FromJson(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? *v : Value();
}

ValueList Drifts(const char* text) { return Json(text).as_list(); }

const char* const kTableDrift = R"([{
  "LogicalResourceId": "TodoTable", "PhysicalResourceId": "Todo-abc",
  "ResourceType": "AWS::DynamoDB::Table", "StackResourceDriftStatus": "MODIFIED",
  "PropertyDifferences": [
    {"PropertyPath": "/DeletionProtectionEnabled", "ExpectedValue": "true",
     "ActualValue": "false", "DifferenceType": "NOT_EQUAL"}]}])";

const char* const kLockedTable = R"({"Resources": {"TodoTable": {
  "Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
  "Properties": {"DeletionProtectionEnabled": true},
  "Metadata": {"flightplan:lock": {"DeletionPolicy": null, "UpdateReplacePolicy": null,
                                   "DeletionProtectionEnabled": null}}}}})";

TEST(DriftRules, LockDeletionProtectionIsFilteredOnATableLockProtected) {
  SourceReport out("cloudformation");
  AddResourceDrifts("apitodo/Todo", Drifts(kTableDrift), Json(kLockedTable), {}, out);
  EXPECT_TRUE(out.findings.empty());
  ASSERT_EQ(out.filtered.size(), 1U);
  EXPECT_EQ(out.filtered[0].filter, kFilterLockDeletionProtection);
  EXPECT_EQ(out.filtered[0].logical_id, "TodoTable");
  out.Settle();
  EXPECT_EQ(out.status, DriftStatus::kClean);
}

TEST(DriftRules, DeletionProtectionOnATableLockDidNotTouchIsDrift) {
  SourceReport out("cloudformation");
  Value unlocked = Json(
      R"({"Resources": {"TodoTable": {"Type": "AWS::DynamoDB::Table",
          "Properties": {"DeletionProtectionEnabled": true}}}})");
  AddResourceDrifts("apitodo/Todo", Drifts(kTableDrift), unlocked, {}, out);
  ASSERT_EQ(out.findings.size(), 1U);
  EXPECT_NE(out.findings[0].difference.find("/DeletionProtectionEnabled"), std::string::npos);
  out.Settle();
  EXPECT_EQ(out.status, DriftStatus::kDrift);
}

TEST(DriftRules, ARealChangeOfALockedTableStillShows) {
  SourceReport out("cloudformation");
  AddResourceDrifts("apitodo/Todo", Drifts(R"([{
    "LogicalResourceId": "TodoTable", "ResourceType": "AWS::DynamoDB::Table",
    "StackResourceDriftStatus": "MODIFIED", "PropertyDifferences": [
      {"PropertyPath": "/DeletionProtectionEnabled", "ExpectedValue": "true",
       "ActualValue": "false", "DifferenceType": "NOT_EQUAL"},
      {"PropertyPath": "/BillingMode", "ExpectedValue": "PAY_PER_REQUEST",
       "ActualValue": "PROVISIONED", "DifferenceType": "NOT_EQUAL"}]}])"),
                    Json(kLockedTable), {}, out);
  ASSERT_EQ(out.findings.size(), 1U);
  EXPECT_EQ(out.findings[0].difference,
            "NOT_EQUAL /BillingMode: expected PAY_PER_REQUEST, actual PROVISIONED");
  EXPECT_EQ(out.filtered.size(), 1U);
}

const char* const kStoragePermission = R"({"Resources": {"TriggerPermissions": {
  "Type": "AWS::Lambda::Permission",
  "Properties": {"Action": "lambda:InvokeFunction", "FunctionName": "fn",
                 "Principal": "s3.amazonaws.com", "SourceArn": "arn:aws:s3:::b"}}}})";

const char* const kPermissionDrift = R"([{
  "LogicalResourceId": "TriggerPermissions", "ResourceType": "AWS::Lambda::Permission",
  "StackResourceDriftStatus": "MODIFIED", "PropertyDifferences": [
    {"PropertyPath": "/SourceArn", "ExpectedValue": "arn:aws:s3:::b",
     "ActualValue": "arn:aws:s3:::b/*", "DifferenceType": "NOT_EQUAL"},
    {"PropertyPath": "/SourceAccount", "ExpectedValue": "123456789012",
     "DifferenceType": "REMOVE"}]}])";

TEST(DriftRules, TheS3TriggerPermissionOfAStorageOrAuthStackIsFiltered) {
  for (const char* stack : {"storages338e5b439", "authapp1234"}) {
    SourceReport out("cloudformation");
    AddResourceDrifts(stack, Drifts(kPermissionDrift), Json(kStoragePermission), {}, out);
    EXPECT_TRUE(out.findings.empty()) << stack;
    ASSERT_EQ(out.filtered.size(), 2U) << stack;
    EXPECT_EQ(out.filtered[0].filter, kFilterS3TriggerPermission);
  }
}

TEST(DriftRules, OtherPermissionChangesAndOtherStacksStillShow) {
  SourceReport elsewhere("cloudformation");
  AddResourceDrifts("apiadmin", Drifts(kPermissionDrift), Json(kStoragePermission), {}, elsewhere);
  EXPECT_EQ(elsewhere.findings.size(), 2U);

  SourceReport function_changed("cloudformation");
  AddResourceDrifts("storages338e5b439", Drifts(R"([{
    "LogicalResourceId": "TriggerPermissions", "ResourceType": "AWS::Lambda::Permission",
    "StackResourceDriftStatus": "MODIFIED", "PropertyDifferences": [
      {"PropertyPath": "/FunctionName", "ExpectedValue": "fn", "ActualValue": "other",
       "DifferenceType": "NOT_EQUAL"}]}])"),
                    Json(kStoragePermission), {}, function_changed);
  EXPECT_EQ(function_changed.findings.size(), 1U);

  SourceReport deleted("cloudformation");
  AddResourceDrifts("storages338e5b439", Drifts(R"([{
    "LogicalResourceId": "TriggerPermissions", "ResourceType": "AWS::Lambda::Permission",
    "PhysicalResourceId": "perm", "StackResourceDriftStatus": "DELETED"}])"),
                    Json(kStoragePermission), {}, deleted);
  ASSERT_EQ(deleted.findings.size(), 1U);
  EXPECT_NE(deleted.findings[0].difference.find("DELETED"), std::string::npos);
}

const char* const kPoolDrift = R"([{
  "LogicalResourceId": "UserPool", "ResourceType": "AWS::Cognito::UserPool",
  "StackResourceDriftStatus": "MODIFIED", "PropertyDifferences": [
    {"PropertyPath": "/LambdaConfig/PreSignUp", "ActualValue": "arn:aws:lambda:fn",
     "DifferenceType": "ADD"},
    {"PropertyPath": "/MfaConfiguration", "ExpectedValue": "OFF", "ActualValue": "ON",
     "DifferenceType": "NOT_EQUAL"}]}])";

TEST(DriftRules, AuthTriggersAttachedByCustomResourceAreFiltered) {
  EnvironmentFacts facts =
      FactsFromTemplates({Json(R"({"Resources": {"AuthTriggerCustomLambdaStack": {
          "Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "x"}}}})")});
  EXPECT_TRUE(facts.auth_triggers_by_custom_resource);
  EXPECT_TRUE(FactsFromTemplates({Json(R"({"Resources": {"CustomAuthTriggerResource": {
      "Type": "Custom::CustomAuthTriggerResourceOutputs",
      "Properties": {"lambdaConfig": []}}}})")})
                  .auth_triggers_by_custom_resource);
  SourceReport out("cloudformation");
  AddResourceDrifts("authapp", Drifts(kPoolDrift), Json(R"({"Resources": {}})"), facts, out);
  ASSERT_EQ(out.filtered.size(), 1U);
  EXPECT_EQ(out.filtered[0].filter, kFilterAuthTriggerCustomResource);
  // The pool's other change is real.
  ASSERT_EQ(out.findings.size(), 1U);
  EXPECT_NE(out.findings[0].difference.find("/MfaConfiguration"), std::string::npos);
}

TEST(DriftRules, LambdaConfigWithoutTheCustomResourceIsDrift) {
  EnvironmentFacts facts =
      FactsFromTemplates({Json(R"({"Resources": {"UpdateRolesWithIDPFunctionOutputs": {
          "Type": "Custom::LambdaCallout", "Properties": {"idpId": "x"}}}})")});
  EXPECT_FALSE(facts.auth_triggers_by_custom_resource);
  SourceReport out("cloudformation");
  AddResourceDrifts("authapp", Drifts(kPoolDrift), Json(R"({"Resources": {}})"), facts, out);
  EXPECT_EQ(out.findings.size(), 2U);
  EXPECT_TRUE(out.filtered.empty());
}

TEST(DriftRules, ARestApiDescriptionIsFilteredButNotItsOtherProperties) {
  SourceReport out("cloudformation");
  AddResourceDrifts("apiadminapi", Drifts(R"([{
    "LogicalResourceId": "adminapi", "ResourceType": "AWS::ApiGateway::RestApi",
    "StackResourceDriftStatus": "MODIFIED", "PropertyDifferences": [
      {"PropertyPath": "/Description", "ExpectedValue": "", "ActualValue": "x",
       "DifferenceType": "NOT_EQUAL"},
      {"PropertyPath": "/Name", "ExpectedValue": "adminapi", "ActualValue": "other",
       "DifferenceType": "NOT_EQUAL"}]}])"),
                    Json(R"({"Resources": {}})"), {}, out);
  ASSERT_EQ(out.filtered.size(), 1U);
  EXPECT_EQ(out.filtered[0].filter, kFilterRestApiDescription);
  ASSERT_EQ(out.findings.size(), 1U);
  EXPECT_NE(out.findings[0].difference.find("/Name"), std::string::npos);
}

TEST(DriftRules, InSyncAndNotCheckedResourcesAreNotDrift) {
  SourceReport out("cloudformation");
  AddResourceDrifts("", Drifts(R"([
    {"LogicalResourceId": "A", "StackResourceDriftStatus": "IN_SYNC"},
    {"LogicalResourceId": "B", "StackResourceDriftStatus": "NOT_CHECKED"}])"),
                    Json("{}"), {}, out);
  out.Settle();
  EXPECT_EQ(out.status, DriftStatus::kClean);
}

TEST(DriftRules, NestedTemplatesAreFoundByExactLogicalId) {
  Value root = Json(R"({"Resources": {
    "storage": {"Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": "https://s3.amazonaws.com/dep/amplify-cfn-templates/storage/a.json"}},
    "storagex": {"Type": "AWS::CloudFormation::Stack",
                 "Properties": {"TemplateURL": "https://dep.s3.us-east-1.amazonaws.com/amplify-cfn-templates/storage/b.json"}},
    "joined": {"Type": "AWS::CloudFormation::Stack",
               "Properties": {"TemplateURL": {"Fn::Join": ["", ["https://", "x"]]}}},
    "table": {"Type": "AWS::DynamoDB::Table", "Properties": {}}}})");
  auto a = NestedTemplateLocation(root, "storage");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->first, "dep");
  EXPECT_EQ(a->second, "amplify-cfn-templates/storage/a.json");
  auto b = NestedTemplateLocation(root, "storagex");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->first, "dep");
  EXPECT_EQ(b->second, "amplify-cfn-templates/storage/b.json");
  EXPECT_FALSE(NestedTemplateLocation(root, "stor").has_value());  // never a prefix
  EXPECT_FALSE(NestedTemplateLocation(root, "joined").has_value());
  EXPECT_FALSE(NestedTemplateLocation(root, "table").has_value());
  auto regional =
      NestedTemplateLocation(Json(R"({"Resources": {"s": {"Type": "AWS::CloudFormation::Stack",
          "Properties": {"TemplateURL": "https://s3.eu-west-1.amazonaws.com/dep/k.json"}}}})"),
                             "s");
  ASSERT_TRUE(regional.has_value());
  EXPECT_EQ(regional->first, "dep");
  EXPECT_EQ(regional->second, "k.json");
}

const char* const kBucketTemplate = R"({
  "Description": "{\"createdOn\":\"Linux\",\"createdBy\":\"Amplify\",\"createdWith\":\"14.2.5\"}",
  "Parameters": {"env": {"Type": "String"}},
  "Resources": {
    "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"BillingMode": "PAY_PER_REQUEST"}},
    "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}},
    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 25}}},
  "Outputs": {"Name": {"Value": "x"}}})";

TEST(DriftRules, ALockedTemplateIsTheBucketsTemplateWithLocksFiltersNamed) {
  Value bucket = Json(kBucketTemplate);
  auto locked = LockTemplate(bucket.ToJson(), StatefulTypes());
  ASSERT_TRUE(locked.has_value());
  SourceReport out("templates");
  AddTemplateDrift("storage", bucket, Json(locked->body.c_str()), out);
  EXPECT_TRUE(out.findings.empty()) << out.findings.front().difference;
  ASSERT_EQ(out.filtered.size(), 2U);  // Table and Bucket
  for (const DriftFinding& f : out.filtered) EXPECT_EQ(f.filter, kFilterLockRetain);
}

TEST(DriftRules, ARealTemplateChangeOfALockedResourceStillShows) {
  Value bucket = Json(kBucketTemplate);
  auto locked = LockTemplate(bucket.ToJson(), StatefulTypes());
  ASSERT_TRUE(locked.has_value());
  Value deployed = Json(locked->body.c_str());
  deployed.as_map()["Resources"].as_map()["Table"].as_map()["Properties"].Set("BillingMode",
                                                                              "PROVISIONED");
  deployed.as_map()["Resources"].as_map()["Fn"].as_map()["Properties"].Set("Timeout", 3);
  deployed.as_map()["Resources"].Set("Extra", Json(R"({"Type": "AWS::SNS::Topic"})"));
  deployed.as_map()["Outputs"].as_map().erase("Name");
  SourceReport out("templates");
  AddTemplateDrift("storage", bucket, deployed, out);
  ASSERT_EQ(out.findings.size(), 4U);
  std::map<std::string, std::string> by_id;
  for (const DriftFinding& f : out.findings) by_id[f.logical_id] = f.difference;
  EXPECT_EQ(by_id["Table"], "differs: Properties BillingMode");
  EXPECT_EQ(by_id["Fn"], "differs: Properties Timeout");
  EXPECT_EQ(by_id["Extra"], "in the deployed template only (not in the bucket's)");
  EXPECT_EQ(by_id[""], "section Outputs differs: Name");
  ASSERT_EQ(out.filtered.size(), 1U);  // Bucket: lock's only
  EXPECT_EQ(out.filtered[0].logical_id, "Bucket");
}

TEST(DriftRules, BuildOutputAndRegeneratedFilesAreIgnored) {
  for (const char* ignored :
       {"api/app/build/cloudformation-template.json", "function/fn/src/node_modules/x/index.js",
        "amplify-meta.json", "awscloudformation/build/root-cloudformation-stack.json",
        "types/amplify-dependent-resources-ref.d.ts", ".temp/x", "function/fn/dist/latest.zip",
        "auth/.DS_Store"}) {
    EXPECT_TRUE(IgnoredBackendPath(ignored)) << ignored;
  }
  for (const char* compared :
       {"backend-config.json", "api/app/schema.graphql", "auth/app/cli-inputs.json",
        "function/fn/src/index.js", "function/builder/src/index.js", "tags.json",
        "awscloudformation/override.ts"}) {
    EXPECT_FALSE(IgnoredBackendPath(compared)) << compared;
  }
}

TEST(DriftRules, LocalFilesAreComparedByContent) {
  SourceReport out("local");
  AddLocalDrift({{"a.json", "1"}, {"b.json", "2"}, {"new.txt", "3"}},
                {{"a.json", "1"}, {"b.json", "9"}, {"gone.txt", "4"}}, out);
  ASSERT_EQ(out.findings.size(), 3U);
  EXPECT_EQ(out.findings[0].stack, "b.json");
  EXPECT_EQ(out.findings[0].difference, "changed in the project and not pushed");
  EXPECT_EQ(out.findings[1].stack, "new.txt");
  EXPECT_EQ(out.findings[2].stack, "gone.txt");
}

TEST(DriftRules, IncompleteWinsAndTheReportRoundTrips) {
  DriftReport report;
  report.app_id = "d1";
  report.env = "main";
  report.cloudformation.findings.push_back({"s", "T", "AWS::DynamoDB::Table", "x", ""});
  report.cloudformation.filtered.push_back(
      {"s", "A", "AWS::ApiGateway::RestApi", "d", std::string(kFilterRestApiDescription)});
  report.templates.problems.push_back("cannot read s3://b/k");
  report.local.status = DriftStatus::kSkipped;
  for (SourceReport* s : {&report.cloudformation, &report.templates, &report.local}) s->Settle();
  EXPECT_EQ(report.Overall(), DriftStatus::kIncomplete);
  report.templates.problems.clear();
  report.templates.Settle();
  EXPECT_EQ(report.Overall(), DriftStatus::kDrift);

  auto back = DriftReportFromValue(report.ToValue());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->ToValue(), report.ToValue());
  EXPECT_EQ(back->local.status, DriftStatus::kSkipped);
  Value value = report.ToValue();
  const Value* sources = value.Find("sources");
  EXPECT_EQ(sources->as_list()[0].Find("filters")->as_list()[0].as_string(),
            "rest-api-description");
  EXPECT_NE(report.ToText().find("filter rest-api-description hid 1 difference"),
            std::string::npos);
}

}  // namespace
}  // namespace flightplan::migration
