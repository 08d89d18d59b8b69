// The files every generated project has, whatever its categories: the
// package and TypeScript settings, the L1 copy helper (gen/cfn_helper.ts) and
// amplify/migration.json, the refactor phase and the Gen1 names it keeps.
#include <fmt/format.h>

#include "steps/amplify/function_deps.h"
#include "steps/amplify/gen/cfn_helper.h"
#include "steps/amplify/gen/generator_state.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify::gen {
namespace {

std::string TsConfig() {
  Value config(ValueMap{
      {"compilerOptions",
       Value(ValueMap{
           {"target", Value("es2022")},
           {"module", Value("es2022")},
           {"moduleResolution", Value("bundler")},
           {"resolveJsonModule", Value(true)},
           {"esModuleInterop", Value(true)},
           {"forceConsistentCasingInFileNames", Value(true)},
           {"strict", Value(true)},
           {"skipLibCheck", Value(true)},
           {"types", Value(ValueList{Value("node")})},
           {"paths",
            Value(ValueMap{{"$amplify/*", Value(ValueList{Value("../.amplify/generated/*")})}})},
       })},
  });
  return PrettyJson(config);
}

std::string RootPackageJson(const GenState& state) {
  ValueMap dev;
  for (const auto& [name, version] : PinnedToolchain()) dev.emplace(name, Value(version));
  // Function dependencies: Gen1 keeps them per function; Gen2 bundles every
  // function from the project root. The first function (in name order)
  // that declares a package decides its range.
  ValueMap deps;
  for (const Gen1Resource* fn : state.project.OfCategory("function")) {
    const Value* d = fn->package_json.Find("dependencies");
    if (!d || !d->is_map()) continue;
    for (const auto& [name, version] : d->as_map()) {
      if (version.is_string()) deps.emplace(name, version);
    }
  }
  // The AWS SDK packages Gen1 left to the Lambda runtime (function_deps.h).
  for (const auto& [name, version] : UndeclaredSdkDependencies(state.project)) {
    deps.emplace(name, Value(version));
  }
  ValueMap root{{"name", Value(state.project.project_name + "-gen2")},
                {"version", Value("1.0.0")},
                {"private", Value(true)},
                {"type", Value("module")},
                {"devDependencies", Value(std::move(dev))}};
  if (!deps.empty()) root.emplace("dependencies", Value(std::move(deps)));
  return PrettyJson(Value(std::move(root)));
}

// The name property value the deployed resource has (e.g. TableName). A
// user pool or identity pool without a template is named as Gen1's auth
// template names it: <userPoolName>-<env>, <identityPoolName>__<env>.
std::string PhysicalName(const GenState& state, const Gen1Resource& r, const StatefulResource& s) {
  auto prop = NameProperties().find(s.type);
  const Value* def = DeployedResource(r, s.logical_id);
  if (prop != NameProperties().end() && def && Props(*def)) {
    const Value* v = Props(*def)->Find(prop->second);
    if (v && v->is_string()) return v->as_string();
  }
  if (const Value* cognito = r.cli_inputs.Find("cognitoConfig");
      cognito && r.Template().is_null()) {
    std::string pool = StringField(*cognito, "userPoolName");
    std::string identity = StringField(*cognito, "identityPoolName");
    if (s.type == "AWS::Cognito::UserPool" && !pool.empty()) {
      return pool + "-" + state.project.env_name;
    }
    if (s.type == "AWS::Cognito::IdentityPool" && !identity.empty()) {
      return identity + "__" + state.project.env_name;
    }
  }
  if (s.type == "AWS::S3::Bucket" || s.type == "AWS::DynamoDB::Table") return s.physical_id;
  return "";
}

std::string MigrationJson(const GenState& state) {
  ValueMap names;
  const MigrationPlan& plan = state.plan;
  for (const ResourcePlan& p : plan.resources) {
    for (const StatefulResource& s : p.stateful) {
      if (!s.moved) continue;
      std::string name = PhysicalName(state, *p.resource, s);
      if (name.empty()) continue;
      names.emplace(fmt::format("{}/{}/{}", p.resource->category, p.resource->name, s.logical_id),
                    Value(ValueMap{{"type", Value(s.type)},
                                   {"physicalId", Value(s.physical_id)},
                                   {"name", Value(name)}}));
    }
  }
  // Hosted UI domains are not CloudFormation resources in Gen1 (a custom
  // resource creates them) but they are identities users depend on.
  ValueMap domains;
  for (const ResourcePlan& p : plan.resources) {
    if (p.resource->category != "auth") continue;
    const Value* domain = p.resource->meta_output.Find("HostedUIDomain");
    if (domain && domain->is_string() && !domain->as_string().empty()) {
      domains.emplace(fmt::format("auth/{}", p.resource->name), *domain);
    }
  }
  ValueMap gen1{{"env", Value(state.project.env_name)},
                {"stackName", Value(StringField(state.project.provider, "StackName"))},
                {"region", Value(StringField(state.project.provider, "Region"))},
                {"resources", Value(std::move(names))}};
  if (!domains.empty()) gen1.emplace("hostedUIDomains", Value(std::move(domains)));
  return PrettyJson(Value(ValueMap{{"phase", Value(RefactorPhaseName(state.options.phase))},
                                   {"gen1", Value(std::move(gen1))}}));
}

}  // namespace

void WriteScaffold(GenState& state) {
  state.files["amplify/package.json"] = PrettyJson(Value(ValueMap{{"type", Value("module")}}));
  state.files["amplify/tsconfig.json"] = TsConfig();
  state.files["amplify/gen1/cfn.ts"] = std::string(CfnHelperTs());
  state.files["amplify/migration.json"] = MigrationJson(state);
  state.files["package.json"] = RootPackageJson(state);
}

}  // namespace flightplan::amplify::gen
