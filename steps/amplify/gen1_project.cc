#include "steps/amplify/gen1_project.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <system_error>

#include "base/file_io.h"
#include "steps/amplify/cfn_resolve.h"

namespace flightplan::amplify {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kCurrentCloudBackend = "#current-cloud-backend";

bool IsFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool IsDir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// Sorted regular files under `dir` (recursively when `recursive`); empty when
// `dir` is missing or unreadable.
std::vector<fs::path> ListFiles(const fs::path& dir, bool recursive) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!IsDir(dir)) return out;
  if (recursive) {
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (IsFile(it->path())) out.push_back(it->path());
    }
  } else {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (IsFile(it->path())) out.push_back(it->path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Reads an optional JSON file: null when absent, an error when malformed.
Result<Value> ReadOptionalJson(const fs::path& path) {
  if (!IsFile(path)) return Value();
  return ReadJsonFile(path);
}

Result<void> ExpectMap(const Value& v, const fs::path& file, std::string_view field) {
  if (v.is_null() || v.is_map()) return {};
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("{}: field \"{}\" must be an object, found {}", file.string(), field,
                               ValueTypeName(v.type())));
}

// Merges the maps `overlay` into `base` (shallow).
void Overlay(Value& base, const Value& overlay) {
  if (!overlay.is_map()) return;
  for (const auto& [k, v] : overlay.as_map()) base.Set(k, v);
}

// The literal parameter values the root stack passes to the nested stack
// `logical_id`, with the root stack's own parameters (role and bucket names)
// filled in from the provider block. Parameters passed as a reference to
// another stack's output are listed in `dynamic`: their template Default is
// only the parameter's own name, not the deployed value.
ParameterValues NestedStackParameters(const Value& root_template, std::string_view logical_id,
                                      const Value& provider, std::set<std::string>& dynamic) {
  ParameterValues out;
  const Value* resources = root_template.Find("Resources");
  const Value* stack = resources ? resources->Find(logical_id) : nullptr;
  const Value* props = stack ? stack->Find("Properties") : nullptr;
  const Value* params = props ? props->Find("Parameters") : nullptr;
  ParameterValues root_params;
  for (const char* name : {"AuthRoleName", "UnauthRoleName", "DeploymentBucketName"}) {
    std::string v = StringField(provider, name);
    if (!v.empty()) root_params.emplace(name, Value(v));
  }
  if (params && params->is_map()) {
    for (const auto& [name, v] : params->as_map()) {
      Value resolved = ResolveTemplate(v, root_params);
      if (HasIntrinsic(resolved)) {
        dynamic.insert(name);
      } else {
        out.emplace(name, std::move(resolved));
      }
    }
  }
  std::string region = StringField(provider, "Region");
  if (!region.empty()) out.emplace("AWS::Region", Value(region));
  return out;
}

Value ResolveWith(const Value& tmpl, const ParameterValues& given,
                  const std::set<std::string>& dynamic = {}) {
  ParameterValues params = EffectiveParameters(tmpl, given);
  for (const std::string& name : dynamic) params.erase(name);
  return ResolveTemplate(tmpl, params);
}

std::string ServiceOf(const Value& entry) { return StringField(entry, "service"); }

// Whether a resource of this category/service keeps its settings in
// cli-inputs.json since Amplify CLI v7 (older projects have parameters.json
// only, which flightplan does not read).
bool NeedsCliInputs(const std::string& category, const std::string& service) {
  return (category == "auth" && service == "Cognito") ||
         (category == "storage" && (service == "S3" || service == "DynamoDB"));
}

// Reads the files under `dir` that belong in a generated project: not
// installed dependencies, lock files, build output or sample events.
Result<void> ReadSources(const fs::path& dir, std::map<std::string, std::string>& out) {
  constexpr size_t kMaxFileBytes = 8 << 20;
  for (const fs::path& p : ListFiles(dir, true)) {
    std::string rel = p.lexically_relative(dir).generic_string();
    if (rel.find("node_modules/") != std::string::npos || rel.starts_with("dist/") ||
        rel.find("__pycache__/") != std::string::npos) {
      continue;
    }
    std::string base = p.filename().string();
    if (base == "package-lock.json" || base == "yarn.lock" || base == "event.json" ||
        base == "package.json" || base == "Pipfile.lock") {
      continue;
    }
    std::error_code ec;
    if (fs::file_size(p, ec) > kMaxFileBytes || ec) continue;
    ASSIGN_OR_RETURN(std::string bytes, ReadTextFile(p));
    out.emplace(rel, std::move(bytes));
  }
  return {};
}

// The part of the template `amplify add function` writes that the generator
// reads, for a function whose template is neither deployed nor kept in
// amplify/backend/: handler index.handler, timeout 25 s, ENV and REGION, and
// one variable per attribute the function depends on
// (<CATEGORY>_<RESOURCE>_<ATTRIBUTE> = Ref <category><resource><attribute>).
// The runtime is left out: Gen1 picks it by CLI version.
Value DefaultFunctionTemplate(const Gen1Project& project, const Gen1Resource& r) {
  auto upper = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  Value variables;
  variables.Set("ENV", Value(project.env_name));
  std::string region = StringField(project.provider, "Region");
  if (!region.empty()) variables.Set("REGION", Value(region));
  if (const Value* depends = r.config.Find("dependsOn"); depends && depends->is_list()) {
    for (const Value& d : depends->as_list()) {
      std::string category = StringField(d, "category");
      std::string resource = StringField(d, "resourceName");
      const Value* attributes = d.Find("attributes");
      if (category.empty() || resource.empty() || !attributes || !attributes->is_list()) continue;
      for (const Value& a : attributes->as_list()) {
        if (!a.is_string()) continue;
        Value ref;
        ref.Set("Ref", Value(category + resource + a.as_string()));
        variables.Set(upper(fmt::format("{}_{}_{}", category, resource, a.as_string())),
                      std::move(ref));
      }
    }
  }
  Value environment;
  environment.Set("Variables", std::move(variables));
  Value props;
  props.Set("Handler", Value("index.handler"));
  props.Set("Timeout", Value(int64_t{25}));
  props.Set("Environment", std::move(environment));
  Value function;
  function.Set("Type", Value("AWS::Lambda::Function"));
  function.Set("Properties", std::move(props));
  Value resources;
  resources.Set("LambdaFunction", std::move(function));
  Value tmpl;
  tmpl.Set("Resources", std::move(resources));
  return tmpl;
}

// The template `amplify add storage` (DynamoDB) writes, rebuilt from the
// table's cli-inputs.json: keys, global secondary indexes (projection ALL),
// 5/5 provisioned throughput, a NEW_IMAGE stream and the name
// <tableName>-<env>.
Value DynamoDbTableTemplate(const Gen1Project& project, const Gen1Resource& r) {
  ValueList definitions;
  std::set<std::string> defined;
  auto define = [&](const Value* key) {
    std::string name = key ? StringField(*key, "fieldName") : "";
    if (name.empty() || !defined.insert(name).second) return;
    std::string type = StringField(*key, "fieldType");
    Value d;
    d.Set("AttributeName", Value(name));
    d.Set("AttributeType", Value(type == "number" ? "N" : type == "binary" ? "B" : "S"));
    definitions.push_back(std::move(d));
  };
  auto key_schema = [](const Value* partition, const Value* sort) {
    ValueList out;
    for (auto [key, kind] : {std::pair{partition, "HASH"}, std::pair{sort, "RANGE"}}) {
      std::string name = key ? StringField(*key, "fieldName") : "";
      if (name.empty()) continue;
      Value k;
      k.Set("AttributeName", Value(name));
      k.Set("KeyType", Value(kind));
      out.push_back(std::move(k));
    }
    return Value(std::move(out));
  };
  auto throughput = [] {
    Value t;
    t.Set("ReadCapacityUnits", Value(int64_t{5}));
    t.Set("WriteCapacityUnits", Value(int64_t{5}));
    return t;
  };
  const Value& in = r.cli_inputs;
  define(in.Find("partitionKey"));
  define(in.Find("sortKey"));
  ValueList indexes;
  if (const Value* gsi = in.Find("gsi"); gsi && gsi->is_list()) {
    for (const Value& g : gsi->as_list()) {
      define(g.Find("partitionKey"));
      define(g.Find("sortKey"));
      Value projection;
      projection.Set("ProjectionType", Value("ALL"));
      Value index;
      index.Set("IndexName", Value(StringField(g, "name")));
      index.Set("KeySchema", key_schema(g.Find("partitionKey"), g.Find("sortKey")));
      index.Set("Projection", std::move(projection));
      index.Set("ProvisionedThroughput", throughput());
      indexes.push_back(std::move(index));
    }
  }
  Value stream;
  stream.Set("StreamViewType", Value("NEW_IMAGE"));
  Value props;
  props.Set("AttributeDefinitions", Value(std::move(definitions)));
  if (!indexes.empty()) props.Set("GlobalSecondaryIndexes", Value(std::move(indexes)));
  props.Set("KeySchema", key_schema(in.Find("partitionKey"), in.Find("sortKey")));
  props.Set("ProvisionedThroughput", throughput());
  props.Set("StreamSpecification", std::move(stream));
  std::string table = StringField(in, "tableName");
  props.Set("TableName",
            Value(fmt::format("{}-{}", table.empty() ? r.name : table, project.env_name)));
  Value resource;
  resource.Set("Type", Value("AWS::DynamoDB::Table"));
  resource.Set("Properties", std::move(props));
  Value resources;
  resources.Set("DynamoDBTable", std::move(resource));
  Value tmpl;
  tmpl.Set("Resources", std::move(resources));
  return tmpl;
}

Result<void> LoadResource(Gen1Project& project, const fs::path& amplify_dir,
                          const Value& root_template, Gen1Resource& r) {
  const fs::path backend = amplify_dir / "backend";
  const fs::path cloud = amplify_dir / std::string(kCurrentCloudBackend);
  r.dir = backend / r.category / r.name;

  ASSIGN_OR_RETURN(r.cli_inputs, ReadOptionalJson(r.dir / "cli-inputs.json"));
  TRY(ExpectMap(r.cli_inputs, r.dir / "cli-inputs.json", "(root)"));
  if (r.cli_inputs.is_null() && NeedsCliInputs(r.category, r.service) && IsDir(r.dir)) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}/{} has no cli-inputs.json: it was last written by an Amplify "
                                 "CLI older than v7. Install the latest Amplify CLI, run `amplify "
                                 "update {}` (accepting the current settings) and `amplify push`, "
                                 "then run flightplan again",
                                 r.category, r.name, r.category));
  }
  Value params;
  for (const fs::path& p : {r.dir / "parameters.json", r.dir / "build" / "parameters.json"}) {
    ASSIGN_OR_RETURN(Value v, ReadOptionalJson(p));
    TRY(ExpectMap(v, p, "(root)"));
    Overlay(params, v);
  }
  r.parameters = std::move(params);
  ASSIGN_OR_RETURN(r.custom_policies, ReadOptionalJson(r.dir / "custom-policies.json"));
  ASSIGN_OR_RETURN(r.function_parameters, ReadOptionalJson(r.dir / "function-parameters.json"));
  TRY(ExpectMap(r.function_parameters, r.dir / "function-parameters.json", "(root)"));
  ASSIGN_OR_RETURN(r.package_json, ReadOptionalJson(r.dir / "src" / "package.json"));
  TRY(ExpectMap(r.package_json, r.dir / "src" / "package.json", "(root)"));
  r.has_override = IsFile(r.dir / "override.ts");
  if (r.category == "function") {
    TRY(ReadSources(r.dir / (r.service == "LambdaLayer" ? "lib" : "src"), r.source_files));
  }

  if (r.category == "api" && r.service == "AppSync") {
    std::string schema;
    if (IsFile(r.dir / "schema.graphql")) {
      ASSIGN_OR_RETURN(schema, ReadTextFile(r.dir / "schema.graphql"));
    } else {
      for (const fs::path& p : ListFiles(r.dir / "schema", true)) {
        if (p.extension() != ".graphql") continue;
        ASSIGN_OR_RETURN(std::string part, ReadTextFile(p));
        if (!schema.empty() && !schema.ends_with("\n")) schema += "\n";
        schema += part;
      }
    }
    if (schema.empty()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}: the GraphQL API has no schema.graphql "
                                   "and no schema/*.graphql",
                                   r.dir.string()));
    }
    r.graphql_schema = std::move(schema);
  }

  // The deployed template: the first *template.json under the category build.
  const fs::path deployed_dir = cloud / "awscloudformation" / "build" / r.category / r.name;
  for (const fs::path& p : ListFiles(deployed_dir, true)) {
    if (!p.filename().string().ends_with("template.json")) continue;
    ASSIGN_OR_RETURN(Value tmpl, ReadJsonFile(p));
    TRY(ExpectMap(tmpl, p, "(root)"));
    if (const Value* res = tmpl.Find("Resources"); res) {
      TRY(ExpectMap(*res, p, "Resources"));
    }
    std::set<std::string> dynamic;
    ParameterValues given =
        NestedStackParameters(root_template, r.StackLogicalId(), project.provider, dynamic);
    r.deployed_template = ResolveWith(tmpl, given, dynamic);
    r.deployed_template_path = p;
    break;
  }
  if (r.deployed_template.is_null() && project.has_deployed_state) {
    project.warnings.push_back(fmt::format("{}/{}: no deployed template under {} (never pushed?)",
                                           r.category, r.name, deployed_dir.string()));
  }
  if (r.deployed_template.is_null()) {
    for (const fs::path& p : ListFiles(r.dir, true)) {
      std::string rel = p.lexically_relative(r.dir).generic_string();
      if (!rel.ends_with("template.json") || rel.starts_with("src/") || rel.starts_with("lib/") ||
          rel.find("node_modules/") != std::string::npos) {
        continue;
      }
      ASSIGN_OR_RETURN(Value tmpl, ReadJsonFile(p));
      TRY(ExpectMap(tmpl, p, "(root)"));
      if (const Value* res = tmpl.Find("Resources"); res) {
        TRY(ExpectMap(*res, p, "Resources"));
      }
      ParameterValues given;
      if (r.parameters.is_map()) {
        for (const auto& [k, v] : r.parameters.as_map()) given.emplace(k, v);
      }
      given.insert_or_assign("env", Value(project.env_name));
      r.backend_template = ResolveWith(tmpl, given);
      break;
    }
  }
  if (r.Template().is_null() && r.category == "function" && r.service == "Lambda") {
    r.backend_template = DefaultFunctionTemplate(project, r);
  }
  if (r.Template().is_null() && r.category == "storage" && r.service == "DynamoDB") {
    r.backend_template = DynamoDbTableTemplate(project, r);
  }
  if (r.category == "api" && r.service == "AppSync") {
    ParameterValues given;
    given.emplace("env", Value(project.env_name));
    for (const fs::path& p : ListFiles(cloud / "api" / r.name / "build" / "stacks", false)) {
      if (p.extension() != ".json") continue;
      ASSIGN_OR_RETURN(Value tmpl, ReadJsonFile(p));
      const Value* res = tmpl.Find("Resources");
      if (!res || !res->is_map()) continue;
      bool has_table = false;
      for (const auto& [id, def] : res->as_map()) {
        if (StringField(def, "Type") == "AWS::DynamoDB::Table") has_table = true;
      }
      if (has_table) r.model_stacks.emplace(p.stem().string(), ResolveWith(tmpl, given));
    }
  }
  return {};
}

// What a project without deployed state cannot know exactly, one sentence
// per fact (docs/generate.md#projects-without-deployed-state).
std::vector<std::string> Approximations(const Gen1Project& project, const Value& meta,
                                        bool cloud_present) {
  std::vector<std::string> out;
  if (cloud_present) {
    out.push_back(fmt::format(
        "no amplify/team-provider-info.json: env '{}' and the root stack come from --env, "
        "amplify/.config/local-env-info.json or amplify/backend/amplify-meta.json; the deployed "
        "templates in amplify/#current-cloud-backend/ are read as usual",
        project.env_name));
  } else {
    out.push_back(fmt::format(
        "no deployed state (amplify/#current-cloud-backend/ is absent): everything is read "
        "from amplify/backend/ for env '{}'; `amplify pull --envName {}` and generating again "
        "gives the exact result",
        project.env_name, project.env_name));
  }
  if (meta.is_null()) {
    out.push_back(
        "physical ids, bucket names, the GraphQL API id, the root stack name, its hash and "
        "region are unknown (no amplify/backend/amplify-meta.json): amplify/migration.json "
        "holds only the names rebuilt from cli-inputs.json (user and identity pools, DynamoDB "
        "storage tables)");
  } else {
    out.push_back(
        "physical names (user pool, identity pool, buckets, tables), the root stack name, its "
        "hash and region come from amplify/backend/amplify-meta.json, which may be older than "
        "the deployed stacks");
  }
  if (cloud_present) return out;
  out.push_back(
      "stateful resources are listed under Gen1's usual logical ids (UserPool, IdentityPool, "
      "S3Bucket, DynamoDBTable, <Model>Table), not read from the deployed templates");
  bool auth = false;
  bool functions = false;
  bool dynamodb = false;
  std::vector<std::string> without_template;
  for (const Gen1Resource& r : project.resources) {
    if (r.category == "auth" && r.service == "Cognito") auth = true;
    if (r.category == "function") functions = true;
    if (r.category == "storage" && r.service == "DynamoDB") dynamodb = true;
    if (r.Template().is_null() && r.category != "auth" && r.category != "function" &&
        !(r.category == "storage" && r.service == "S3") &&
        !(r.category == "api" && r.service == "AppSync") && r.category != "hosting") {
      without_template.push_back(r.category + "/" + r.name);
    }
  }
  if (auth) {
    out.push_back(
        "the user pool settings backend.ts pins (schema of required attributes, username "
        "attributes, password policy, MFA, auto-verified attributes, guest access) are rebuilt "
        "from cli-inputs.json as Gen1's auth template builds them: changes made outside it "
        "(console, override.ts, custom attributes in the pool schema) are not seen; user pool "
        "groups come from auth/userPoolGroups/user-pool-group-precedence.json");
  }
  if (functions) {
    out.push_back(
        "function settings come from each function's template in "
        "amplify/backend/function/<name>/ when it has one, else from the template `amplify add "
        "function` writes (handler index.handler, timeout 25 s, ENV, REGION and one variable per "
        "backend-config.json dependsOn attribute): the runtime version, memory, model-table "
        "variables and the permissions policies of the deployed template are not carried over");
  }
  if (dynamodb) {
    out.push_back(
        "DynamoDB storage tables are rebuilt from their cli-inputs.json as `amplify add storage` "
        "writes them (keys, indexes, 5/5 provisioned throughput, NEW_IMAGE stream, name "
        "<tableName>-<env>): changes made to the deployed tables outside cli-inputs.json are not "
        "seen");
  }
  if (!without_template.empty()) {
    std::string list;
    for (const std::string& name : without_template) {
      list += (list.empty() ? "" : ", ") + name;
    }
    out.push_back(fmt::format(
        "{} are copied as L1 resources from a template, and amplify/backend/ holds none for them: "
        "they are not generated",
        list));
  }
  return out;
}

}  // namespace

std::string StringField(const Value& map, std::string_view key) {
  const Value* v = map.Find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

Result<std::string> ReadTextFile(const fs::path& path) {
  Result<std::string> text = ReadFile(path);
  if (!text) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{}: cannot be read (missing?)", path.string()));
  }
  return text;
}

Result<Value> ReadJsonFile(const fs::path& path) {
  // Amplify's largest JSON files are CloudFormation templates, which
  // CloudFormation itself caps at 1 MB.
  constexpr uintmax_t kMaxJsonFileBytes = 64 << 20;
  std::error_code ec;
  if (uintmax_t size = fs::file_size(path, ec); !ec && size > kMaxJsonFileBytes) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: {} bytes is more than the {} a Gen1 JSON file may have",
                                 path.string(), size, kMaxJsonFileBytes));
  }
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  Result<Value> v = Value::FromJson(text);
  if (!v) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: {}", path.string(), v.error().message()));
  }
  return v;
}

const Value& Gen1Resource::Template() const {
  return deployed_template.is_null() ? backend_template : deployed_template;
}

std::string Gen1Resource::DeployedType(std::string_view logical_id) const {
  const Value* res = Template().Find("Resources");
  const Value* def = res ? res->Find(logical_id) : nullptr;
  return def ? StringField(*def, "Type") : std::string();
}

const Gen1Resource* Gen1Project::Find(std::string_view category, std::string_view name) const {
  for (const Gen1Resource& r : resources) {
    if (r.category == category && r.name == name) return &r;
  }
  return nullptr;
}

std::vector<const Gen1Resource*> Gen1Project::OfCategory(std::string_view category) const {
  std::vector<const Gen1Resource*> out;
  for (const Gen1Resource& r : resources) {
    if (r.category == category) out.push_back(&r);
  }
  return out;
}

std::string Gen1Project::MetaOutput(std::string_view category, std::string_view name,
                                    std::string_view key) const {
  const Gen1Resource* r = Find(category, name);
  if (!r) return "";
  const Value* v = r->meta_output.Find(key);
  if (!v) return "";
  return v->is_string() || v->is_number() ? v->ToText() : "";
}

Result<Gen1Project> LoadGen1Project(const fs::path& dir, const LoadOptions& options) {
  Gen1Project project;
  project.root = dir;
  const fs::path amplify_dir = dir / "amplify";
  const fs::path backend_config_path = amplify_dir / "backend" / "backend-config.json";
  if (!IsFile(backend_config_path)) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{} not found: {} is not an Amplify Gen1 project "
                                 "(run `amplify pull` in it first)",
                                 backend_config_path.string(), dir.string()));
  }
  ASSIGN_OR_RETURN(Value backend_config, ReadJsonFile(backend_config_path));
  if (!backend_config.is_map()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: must be a JSON object", backend_config_path.string()));
  }
  const fs::path meta_path = amplify_dir / "backend" / "amplify-meta.json";
  ASSIGN_OR_RETURN(Value meta, ReadOptionalJson(meta_path));
  TRY(ExpectMap(meta, meta_path, "(root)"));
  if (meta.is_null()) {
    project.warnings.push_back(fmt::format(
        "{} not found: deployed names are unknown (run `amplify pull`)", meta_path.string()));
  }
  if (const Value* providers = meta.Find("providers")) {
    TRY(ExpectMap(*providers, meta_path, "providers"));
    if (const Value* p = providers->Find("awscloudformation")) {
      TRY(ExpectMap(*p, meta_path, "providers.awscloudformation"));
      project.provider = *p;
    }
  }
  const fs::path tpi_path = amplify_dir / "team-provider-info.json";
  ASSIGN_OR_RETURN(project.team_provider_info, ReadOptionalJson(tpi_path));
  TRY(ExpectMap(project.team_provider_info, tpi_path, "(root)"));
  ASSIGN_OR_RETURN(project.cli_json, ReadOptionalJson(amplify_dir / "cli.json"));
  const fs::path project_config_path = amplify_dir / ".config" / "project-config.json";
  ASSIGN_OR_RETURN(Value project_config, ReadOptionalJson(project_config_path));
  project.project_name = StringField(project_config, "projectName");

  // The env: --env, else local-env-info.json, else the team-provider-info
  // env whose stack is the deployed one, else the only env, else the env in
  // amplify-meta.json's stack name (amplify-<project>-<env>-<hash>).
  ASSIGN_OR_RETURN(Value local_env,
                   ReadOptionalJson(amplify_dir / ".config" / "local-env-info.json"));
  const std::string checked_out = StringField(local_env, "envName");
  if (!options.env.empty() && !checked_out.empty() && options.env != checked_out &&
      IsFile(tpi_path) && IsDir(amplify_dir / std::string(kCurrentCloudBackend))) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("--env {} is not the environment {} is checked out at ('{}'), "
                                 "whose deployed state amplify/#current-cloud-backend/ holds: run "
                                 "`amplify env checkout {}` first, or leave out --env",
                                 options.env, dir.string(), checked_out, options.env));
  }
  project.env_name = options.env.empty() ? checked_out : options.env;
  const std::string stack_name = StringField(project.provider, "StackName");
  if (project.team_provider_info.is_map()) {
    for (const auto& [env, block] : project.team_provider_info.as_map()) {
      const Value* aws = block.Find("awscloudformation");
      bool chosen = project.env_name.empty() ? (aws && !stack_name.empty() &&
                                                StringField(*aws, "StackName") == stack_name) ||
                                                   project.team_provider_info.as_map().size() == 1
                                             : env == project.env_name;
      if (chosen) {
        project.env_name = env;
        if (project.provider.is_null() && aws) project.provider = *aws;
        break;
      }
    }
  }
  // The deployed state (#current-cloud-backend/, amplify-meta.json) is one
  // env's: reading it for another would name that env's resources.
  if (!options.env.empty() && project.team_provider_info.is_map() && !stack_name.empty() &&
      IsDir(amplify_dir / std::string(kCurrentCloudBackend))) {
    for (const auto& [env, block] : project.team_provider_info.as_map()) {
      const Value* aws = block.Find("awscloudformation");
      if (env == options.env || !aws || StringField(*aws, "StackName") != stack_name) continue;
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("--env {0}: the deployed state in {1} (amplify/#current-cloud-backend/, "
                      "amplify-meta.json) is env '{2}' (stack {3}). Generate '{0}' from the "
                      "cloud with `flightplan generate --app-id {4} --env {0}`, or run "
                      "`amplify env checkout {0}` first",
                      options.env, dir.string(), env, stack_name,
                      StringField(*aws, "AmplifyAppId").empty()
                          ? "<app-id>"
                          : StringField(*aws, "AmplifyAppId")));
    }
  }
  if (project.env_name.empty() && !project.project_name.empty()) {
    std::string prefix = "amplify-" + project.project_name + "-";
    size_t hash_at = stack_name.rfind('-');
    if (stack_name.starts_with(prefix) && hash_at != std::string::npos && hash_at > prefix.size()) {
      project.env_name = stack_name.substr(prefix.size(), hash_at - prefix.size());
    }
  }
  if (project.env_name.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("cannot tell which environment of {} to read: neither "
                                 "amplify/.config/local-env-info.json, "
                                 "amplify/team-provider-info.json nor "
                                 "amplify/backend/amplify-meta.json names one. Pass --env NAME "
                                 "(the Gen1 environment, e.g. --env main), or run `amplify env "
                                 "checkout <env>`",
                                 dir.string()));
  }
  if (project.project_name.empty()) {
    // amplify-<project>-<env>-<hash>
    std::string prefix = "amplify-";
    std::string infix = "-" + project.env_name + "-";
    size_t at = stack_name.rfind(infix);
    if (stack_name.starts_with(prefix) && at != std::string::npos && at > prefix.size()) {
      project.project_name = stack_name.substr(prefix.size(), at - prefix.size());
    } else {
      project.project_name = "amplifyapp";
    }
  }

  project.has_deployed_state =
      IsFile(tpi_path) && IsDir(amplify_dir / std::string(kCurrentCloudBackend));
  ASSIGN_OR_RETURN(project.declared_user_pool_groups,
                   ReadOptionalJson(amplify_dir / "backend" / "auth" / "userPoolGroups" /
                                    "user-pool-group-precedence.json"));

  if (const fs::path p = amplify_dir / "backend" / "awscloudformation" / "override.ts"; IsFile(p)) {
    ASSIGN_OR_RETURN(project.project_override, ReadTextFile(p));
  }

  const fs::path root_template_path = amplify_dir / std::string(kCurrentCloudBackend) /
                                      "awscloudformation" / "build" /
                                      "root-cloudformation-stack.json";
  ASSIGN_OR_RETURN(Value root_template, ReadOptionalJson(root_template_path));

  for (const auto& [category, resources] : backend_config.as_map()) {
    if (category == "parameters" || category == "providers") continue;
    if (!resources.is_map()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}: field \"{}\" must be an object of resources",
                                   backend_config_path.string(), category));
    }
    for (const auto& [name, entry] : resources.as_map()) {
      if (!entry.is_map()) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("{}: field \"{}.{}\" must be an object",
                                     backend_config_path.string(), category, name));
      }
      Gen1Resource r;
      r.category = category;
      r.name = name;
      r.config = entry;
      r.service = ServiceOf(entry);
      if (const Value* cat_meta = meta.Find(category)) {
        if (const Value* m = cat_meta->Find(name)) {
          if (const Value* out = m->Find("output"); out && out->is_map()) {
            r.meta_output = *out;
          }
        }
      }
      Result<void> loaded = LoadResource(project, amplify_dir, root_template, r);
      if (!loaded) {
        return MakeError(
            std::move(loaded.error()).WithContext(fmt::format("reading {}/{}", category, name)));
      }
      project.resources.push_back(std::move(r));
    }
  }
  std::sort(project.resources.begin(), project.resources.end(),
            [](const Gen1Resource& a, const Gen1Resource& b) {
              return std::tie(a.category, a.name) < std::tie(b.category, b.name);
            });
  if (!project.has_deployed_state) {
    project.approximations =
        Approximations(project, meta, IsDir(amplify_dir / std::string(kCurrentCloudBackend)));
  }
  return project;
}

}  // namespace flightplan::amplify
