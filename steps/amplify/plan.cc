#include "steps/amplify/plan.h"

#include <fmt/format.h>

#include "steps/amplify/function_deps.h"
#include "steps/amplify/gen1_facts.h"
#include "steps/amplify/override.h"

namespace flightplan::amplify {
namespace {

constexpr const char* kDoc = "docs/generate.md";

std::string Doc(std::string_view anchor) { return fmt::format("{}#{}", kDoc, anchor); }

std::string MetaOrEmpty(const Gen1Resource& r, std::string_view key) {
  const Value* v = r.meta_output.Find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

std::vector<std::string> LogicalIdsOfType(const Gen1Resource& r, std::string_view type) {
  return StatefulLogicalIds(r, type);
}

bool IsImported(const Gen1Resource& r) {
  return r.service.find("imported") != std::string::npos ||
         StringField(r.config, "serviceType") == "imported";
}

void PlanAuth(const Gen1Project& project, ResourcePlan& plan) {
  const Gen1Resource& r = *plan.resource;
  plan.generation = Generation::kNative;
  if (r.service == "Cognito-UserPool-Groups") {
    plan.target = "defineAuth groups (precedence pinned in backend.ts)";
    // A group holds its members: it moves with the pool, named as deployed.
    for (const std::string& id : LogicalIdsOfType(r, "AWS::Cognito::UserPoolGroup")) {
      const Value* res = r.Template().Find("Resources");
      const Value* def = res ? res->Find(id) : nullptr;
      const Value* props = def ? def->Find("Properties") : nullptr;
      std::string name = props ? StringField(*props, "GroupName") : "";
      plan.stateful.push_back({id, "AWS::Cognito::UserPoolGroup", name, true});
    }
    if (plan.stateful.empty()) {
      // Only declared (user-pool-group-precedence.json): the Gen1 CLI's
      // template names each group's resource "<group>Group".
      for (const UserPoolGroup& group : UserPoolGroups(project)) {
        plan.stateful.push_back(
            {group.name + "Group", "AWS::Cognito::UserPoolGroup", group.name, true});
      }
    }
    return;
  }
  plan.target = "defineAuth";
  for (const std::string& id : LogicalIdsOfType(r, "AWS::Cognito::UserPool")) {
    plan.stateful.push_back({id, "AWS::Cognito::UserPool", MetaOrEmpty(r, "UserPoolId"), true});
  }
  for (const std::string& id : LogicalIdsOfType(r, "AWS::Cognito::IdentityPool")) {
    plan.stateful.push_back(
        {id, "AWS::Cognito::IdentityPool", MetaOrEmpty(r, "IdentityPoolId"), true});
  }
  for (const std::string& id : LogicalIdsOfType(r, "AWS::S3::Bucket")) {
    const Value* resources = r.Template().Find("Resources");
    const Value* bucket = resources ? resources->Find(id) : nullptr;
    const Value* props = bucket ? bucket->Find("Properties") : nullptr;
    plan.stateful.push_back(
        {id, "AWS::S3::Bucket", props ? StringField(*props, "BucketName") : "", true});
    plan.manual.push_back(
        {fmt::format("the auth template's bucket {} (the email verification link bucket of "
                     "the CustomMessage trigger) is not part of defineAuth: it is copied as L1 "
                     "resources into a stack of its own and moved by refactor; the trigger's "
                     "redirect page keeps working from it",
                     id),
         Doc("auth-triggers")});
  }
  const Value* cognito = r.cli_inputs.Find("cognitoConfig");
  const Value* providers = cognito ? cognito->Find("authProvidersUserPool") : nullptr;
  if (providers && providers->is_list() && !providers->as_list().empty()) {
    plan.manual.push_back(
        {"social sign-in providers read their client ids and secrets from Gen2 "
         "secrets (secret('...')): set them with `npx ampx sandbox secret set` "
         "or in the Amplify console before the first deploy",
         Doc("secrets")});
  }
  if (std::string domain = MetaOrEmpty(r, "HostedUIDomain"); !domain.empty()) {
    plan.manual.push_back(
        {fmt::format("the hosted UI domain '{}' was created by a Gen1 custom "
                     "resource, not by CloudFormation: it stays with the user "
                     "pool when refactor moves the pool. Before refactor the Gen2 "
                     "deploy gets a domain of its own (a Cognito domain prefix "
                     "is unique per region); social providers and app clients "
                     "that name https://{}.auth.{}.amazoncognito.com keep "
                     "working only on the Gen1 domain",
                     domain, domain, StringField(project.provider, "Region")),
         Doc("hosted-ui-domain")});
  }
  if (!AuthTriggers(project, r).empty()) {
    plan.manual.push_back(
        {"auth triggers are generated as defineAuth triggers; Gen1 attached "
         "them through a custom resource, so check the handler's event "
         "handling once after the first Gen2 deploy",
         Doc("auth-triggers")});
  }
  if (IsImported(r)) {
    plan.blockers.push_back(
        {"imported Cognito resources are shared between "
         "environments and are not moved: use "
         "referenceAuth in Gen2 instead",
         Doc("imported-resources")});
  }
}

void PlanApi(const Gen1Project& project, ResourcePlan& plan) {
  const Gen1Resource& r = *plan.resource;
  if (r.service == "AppSync") {
    plan.generation = Generation::kNative;
    plan.target = "defineData (Gen1 schema, table mappings)";
    if (r.model_stacks.empty() && !project.has_deployed_state) {
      // No deployed model stacks: the schema's @model types, each in a
      // table named as the transformer names it.
      for (const std::string& model : SchemaModels(r.graphql_schema)) {
        plan.stateful.push_back(
            {model + "Table", "AWS::DynamoDB::Table",
             fmt::format("{}-{}-{}", model, MetaOrEmpty(r, "GraphQLAPIIdOutput"), project.env_name),
             false});
      }
    }
    for (const auto& [model, tmpl] : r.model_stacks) {
      const Value* res = tmpl.Find("Resources");
      if (!res || !res->is_map()) continue;
      for (const auto& [id, def] : res->as_map()) {
        if (StringField(def, "Type") != "AWS::DynamoDB::Table") continue;
        plan.stateful.push_back(
            {id, "AWS::DynamoDB::Table",
             fmt::format("{}-{}-{}", model, MetaOrEmpty(r, "GraphQLAPIIdOutput"), project.env_name),
             false});
      }
    }
    {
      Value conflict;
      if (const Value* c = r.cli_inputs.Find("serviceConfiguration")) {
        if (const Value* cr = c->Find("conflictResolution")) conflict = *cr;
      }
      if (conflict.is_map() && !conflict.as_map().empty()) {
        plan.manual.push_back(
            {"DataStore conflict resolution is configured: Gen2 data does not "
             "support it; move the clients to the GraphQL API and remove "
             "_version/_deleted handling",
             Doc("datastore-conflict-resolution")});
      }
    }
    if (const Value* output = r.config.Find("output")) {
      const Value* auth = output->Find("authConfig");
      std::vector<const Value*> modes;
      if (auth) {
        if (const Value* d = auth->Find("defaultAuthentication")) modes.push_back(d);
        if (const Value* extra = auth->Find("additionalAuthenticationProviders");
            extra && extra->is_list()) {
          for (const Value& e : extra->as_list()) modes.push_back(&e);
        }
      }
      for (const Value* m : modes) {
        std::string type = StringField(*m, "authenticationType");
        if ((type == "AWS_LAMBDA" && !LambdaAuthorizer(project, *m)) || type == "OPENID_CONNECT") {
          plan.manual.push_back(
              {fmt::format("the {} authorization mode needs its settings "
                           "(lambdaAuthorizationMode / oidcAuthorizationMode) added to "
                           "amplify/data/resource.ts",
                           type),
               Doc("authorization-modes")});
        }
      }
    }
    if (r.graphql_schema.find("@searchable") != std::string::npos ||
        r.graphql_schema.find("@predictions") != std::string::npos) {
      plan.manual.push_back(
          {"@searchable/@predictions are not supported by Gen2 data "
           "and must be rebuilt",
           Doc("unsupported-directives")});
    }
    if (r.has_override) {
      plan.manual.push_back(
          {"override.ts of the API is not translated: Gen2 data has other "
           "resources (backend.data.resources.cfnResources); it is copied "
           "into amplify/backend.ts as a comment to port by hand",
           Doc("overrides")});
    }
    return;
  }
  plan.generation = Generation::kL1;
  plan.target = r.service == "API Gateway" ? "REST API as L1 CfnResources" : "L1 CfnResources";
  plan.manual.push_back(
      {"the REST API is copied resource by resource from the "
       "deployed template; its URL changes: update clients",
       Doc("rest-apis")});
}

void PlanStorage(ResourcePlan& plan) {
  const Gen1Resource& r = *plan.resource;
  if (r.service == "S3") {
    plan.generation = Generation::kNative;
    plan.target = "defineStorage";
    for (const std::string& id : LogicalIdsOfType(r, "AWS::S3::Bucket")) {
      plan.stateful.push_back({id, "AWS::S3::Bucket", MetaOrEmpty(r, "BucketName"), true});
    }
  } else if (r.service == "DynamoDB") {
    plan.generation = Generation::kL1;
    plan.target = "DynamoDB table in a custom stack";
    for (const std::string& id : LogicalIdsOfType(r, "AWS::DynamoDB::Table")) {
      plan.stateful.push_back({id, "AWS::DynamoDB::Table", MetaOrEmpty(r, "Name"), true});
    }
  } else {
    plan.generation = Generation::kL1;
    plan.target = "L1 CfnResources";
  }
  if (IsImported(r)) {
    plan.blockers.push_back(
        {"imported storage is shared between environments and "
         "is not moved: reference it by name in Gen2",
         Doc("imported-resources")});
  }
}

std::string Uses(const std::vector<SourceLine>& uses) {
  std::string out;
  for (const SourceLine& u : uses) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}:{}", u.file, u.line);
  }
  return out;
}

// What the function's sources import that its src/package.json does not
// declare (function_deps.h): each package with every file and line.
void PlanFunctionImports(ResourcePlan& plan) {
  const FunctionImports imports = AnalyzeFunctionImports(*plan.resource);
  for (const UndeclaredPackage& p : imports.undeclared) {
    if (p.resolution == UndeclaredResolution::kDeclaredSdkV3) continue;
    if (p.resolution == UndeclaredResolution::kDeclaredSdkV2) {
      plan.manual.push_back(
          {fmt::format("`aws-sdk` (the AWS SDK v2) is imported at {} but not declared: the "
                       "Gen1 Node.js 16 runtime provided it, the Node.js 18+ runtimes Gen2 "
                       "deploys to do not. generate declares aws-sdk {} (its last release; "
                       "v2 is past end of support) so the function bundles as before: port it "
                       "to the AWS SDK v3 clients",
                       Uses(p.uses), p.version),
           Doc("function-dependencies")});
      continue;
    }
    std::string why = p.dev_only ? " (only in devDependencies, which Gen2 does not bundle)" : "";
    std::string sdk = p.package.starts_with("@aws-sdk/")
                          ? " Gen1 left it to the Lambda runtime, and flightplan knows no "
                            "version of it consistent with the pinned toolchain."
                          : "";
    plan.manual.push_back(
        {fmt::format("`{}` is imported at {} but not declared in src/package.json{}.{} Add it "
                     "to the \"dependencies\" of src/package.json (Gen2 bundles the function "
                     "with esbuild, which fails on a package it cannot find) and generate again",
                     p.package, Uses(p.uses), why, sdk),
         Doc("function-dependencies")});
  }
  for (const UnknownImport& u : imports.unknown) {
    plan.manual.push_back(
        {fmt::format("{}:{} loads a module by a computed name ({}): the bundler cannot tell "
                     "which; make sure it is a file of the function or a declared package",
                     u.where.file, u.where.line, u.argument),
         Doc("function-dependencies")});
  }
}

void PlanFunction(ResourcePlan& plan) {
  const Gen1Resource& r = *plan.resource;
  if (r.service == "LambdaLayer") {
    plan.generation = Generation::kCdk;
    plan.target = "CDK lambda.LayerVersion";
    plan.manual.push_back(
        {"Lambda layer versions are pinned by number: Gen2 "
         "publishes a new version; copy the layer content "
         "into the generated folder",
         Doc("lambda-layers")});
    return;
  }
  if (IsNodeFunction(r)) {
    plan.generation = Generation::kNative;
    plan.target = "defineFunction";
  } else {
    plan.generation = Generation::kCdk;
    plan.target = fmt::format("CDK lambda.Function ({})", FunctionRuntime(r));
  }
  if (const Value* layers = r.function_parameters.Find("lambdaLayers");
      layers && layers->is_list() && !layers->as_list().empty()) {
    plan.manual.push_back(
        {"the function uses Lambda layers: check the layer "
         "versions attached to the Gen2 function",
         Doc("lambda-layers")});
  }
  if (const Value* secrets = r.function_parameters.Find("secretNames");
      secrets && secrets->is_list() && !secrets->as_list().empty()) {
    plan.manual.push_back(
        {"the function reads secrets from SSM: set them as Gen2 "
         "secrets (`npx ampx sandbox secret set NAME`)",
         Doc("secrets")});
  }
  PlanFunctionImports(plan);
  const Value* params = r.parameters.Find("CloudWatchRule");
  if (params && params->is_string() && params->as_string() != "NONE") {
    plan.manual.push_back(
        {"the function runs on a schedule: the Gen2 copy starts "
         "running as soon as it is deployed, beside Gen1's",
         Doc("scheduled-functions")});
  }
}

}  // namespace

std::string_view GenerationName(Generation g) {
  switch (g) {
    case Generation::kNative:
      return "native";
    case Generation::kCdk:
      return "cdk";
    case Generation::kL1:
      return "l1";
    case Generation::kNotGenerated:
      return "not-generated";
  }
  return "unknown";
}

bool MigrationPlan::HasBlockers() const {
  for (const ResourcePlan& p : resources) {
    if (!p.blockers.empty()) return true;
  }
  return false;
}

MigrationPlan PlanMigration(const Gen1Project& project) {
  MigrationPlan out;
  if (!project.project_override.empty()) {
    out.project_manual.push_back(
        {"amplify/backend/awscloudformation/override.ts (the project-level override of the "
         "root stack's auth/unauth roles and deployment bucket) is not applied: Gen2 has its "
         "own roles and no deployment bucket; it is copied into amplify/backend.ts as a "
         "comment to port by hand",
         Doc("overrides")});
  }
  int apis = 0;
  int pools = 0;
  for (const Gen1Resource& r : project.resources) {
    ResourcePlan plan;
    plan.resource = &r;
    if (r.category == "auth") {
      if (r.service == "Cognito") ++pools;
      PlanAuth(project, plan);
    } else if (r.category == "api") {
      if (r.service == "AppSync") ++apis;
      PlanApi(project, plan);
    } else if (r.category == "storage") {
      PlanStorage(plan);
    } else if (r.category == "function") {
      PlanFunction(plan);
    } else if (r.category == "hosting") {
      plan.generation = Generation::kNotGenerated;
      plan.target = "stays with the Amplify app (connect the Gen2 branch)";
      plan.manual.push_back(
          {"hosting is not part of the backend: connect the "
           "Gen2 branch in the Amplify console",
           Doc("hosting")});
    } else {
      plan.generation = Generation::kL1;
      plan.target = "L1 CfnResources from the deployed template";
      if (r.category == "custom") {
        plan.manual.push_back(
            {"the custom CDK stack is copied as L1 resources "
             "from its deployed template; port cdk-stack.ts "
             "to Gen2 CDK code when convenient",
             Doc("custom-resources")});
      }
      for (const char* type : {"AWS::Kinesis::Stream", "AWS::DynamoDB::Table", "AWS::S3::Bucket"}) {
        for (const std::string& id : LogicalIdsOfType(r, type)) {
          plan.stateful.push_back({id, type, "", true});
        }
      }
    }
    if (r.has_override && r.category != "api") {
      if (OverrideIsCarriedOver(r)) {
        plan.manual.push_back({fmt::format("{}/{}/override.ts is carried over verbatim "
                                           "into amplify/backend.ts and applied to the "
                                           "Gen2 resources under Gen1's names: review it",
                                           r.category, r.name),
                               Doc("overrides")});
      } else {
        plan.manual.push_back({fmt::format("{}/{}/override.ts is not translated: "
                                           "re-apply it in amplify/backend.ts (it is "
                                           "copied there as a comment)",
                                           r.category, r.name),
                               Doc("overrides")});
      }
    }
    if (!project.has_deployed_state && r.Template().is_null() &&
        plan.generation == Generation::kL1) {
      plan.manual.push_back({fmt::format("{}/{} is copied from its deployed template, which "
                                         "a project without deployed state does not have: it "
                                         "is not generated. Run `amplify pull --envName {}` "
                                         "and generate again",
                                         r.category, r.name, project.env_name),
                             Doc("projects-without-deployed-state")});
    }
    if (project.has_deployed_state && r.deployed_template.is_null() &&
        plan.generation != Generation::kNotGenerated) {
      plan.blockers.push_back({fmt::format("{}/{} was never deployed (no template in "
                                           "#current-cloud-backend): run `amplify push`",
                                           r.category, r.name),
                               Doc("deployed-state")});
    }
    out.resources.push_back(std::move(plan));
  }
  if (apis > 1 || pools > 1) {
    for (ResourcePlan& plan : out.resources) {
      const Gen1Resource& r = *plan.resource;
      if ((r.category == "api" && r.service == "AppSync" && apis > 1) ||
          (r.category == "auth" && r.service == "Cognito" && pools > 1)) {
        plan.blockers.push_back(
            {"Gen2 has one defineAuth and one defineData: "
             "more than one user pool or GraphQL API needs "
             "manual CDK",
             Doc("one-per-category")});
      }
    }
  }
  return out;
}

}  // namespace flightplan::amplify
