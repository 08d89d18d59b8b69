#include "steps/amplify/generate.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <regex>
#include <set>
#include <vector>

#include "steps/amplify/cfn_resolve.h"
#include "steps/amplify/gen1_facts.h"
#include "steps/amplify/override.h"
#include "steps/amplify/plan.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify {
namespace {

// The TypeScript helper every generated project carries: it adds the
// resources of a Gen1 template to a stack as L1 CfnResources, replacing
// references to Gen1 parameters with Gen2 values and, post-refactor, naming
// moved stateful resources exactly as deployed.
constexpr std::string_view kCfnHelper = R"ts(import { readFileSync } from 'node:fs';
import { CfnResource, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';

type Gen1ResourceDefinition = {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
};

export type Gen1Template = { Resources: Record<string, Gen1ResourceDefinition> };

/** A moved stateful resource: the property that names it and its Gen1 name. */
export type Gen1Name = { property: string; name: string };

export type Gen1ResourceOptions = {
  /** Values for the Gen1 template's parameters and cross-stack attributes. */
  refs: Record<string, unknown>;
  /** Post-refactor only: logical id -> the deployed name to keep. */
  names?: Record<string, Gen1Name>;
  /** Keep the Gen1 logical ids (needed for resources that refactor moves). */
  keepLogicalIds: boolean;
  /** Without kept ids: a construct id that keeps these apart from others. */
  group?: string;
};

/** Reads amplify/gen1/<file>: a Gen1 template as deployed, with names removed. */
export function readGen1Template(file: string): Gen1Template {
  const url = new URL(`./${file}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Gen1Template;
}

/** Adds every resource of `template` to `scope`; returns them by logical id. */
export function addGen1Resources(
  scope: Construct,
  template: Gen1Template,
  options: Gen1ResourceOptions,
): Record<string, CfnResource> {
  const created: Record<string, CfnResource> = {};
  const parent = options.group === undefined ? scope : new Construct(scope, options.group);
  for (const [id, definition] of Object.entries(template.Resources)) {
    const resource = new CfnResource(parent, id, { type: definition.Type });
    if (options.keepLogicalIds) resource.overrideLogicalId(id);
    created[id] = resource;
  }
  const substitute = (value: unknown, where: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => substitute(item, where));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0];
      if (fn === 'Ref' && typeof arg === 'string') {
        if (arg in options.refs) return options.refs[arg];
        if (arg in created) return created[arg].ref;
        if (arg.startsWith('AWS::')) return value;
        throw new Error(`${where}: Gen1 parameter "${arg}" has no Gen2 value; add it to refs in amplify/backend.ts`);
      }
      if (fn === 'Fn::GetAtt' && Array.isArray(arg) && arg.length === 2) {
        const key = `${String(arg[0])}.${String(arg[1])}`;
        if (key in options.refs) return options.refs[key];
        if (String(arg[0]) in created) return created[String(arg[0])].getAtt(String(arg[1]));
        throw new Error(`${where}: Gen1 attribute "${key}" has no Gen2 value; add it to refs in amplify/backend.ts`);
      }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, substitute(item, where)]));
  };
  for (const [id, definition] of Object.entries(template.Resources)) {
    const resource = created[id];
    for (const [key, value] of Object.entries(definition.Properties ?? {})) {
      resource.addPropertyOverride(key, substitute(value, id));
    }
    const dependsOn = definition.DependsOn === undefined ? [] : [definition.DependsOn].flat();
    for (const dependency of dependsOn) {
      if (dependency in created) resource.addResourceDependency(created[dependency]);
    }
    if (definition.DeletionPolicy === 'Retain') resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
  for (const [id, { property, name }] of Object.entries(options.names ?? {})) {
    created[id].addPropertyOverride(property, name);
    created[id].applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
  return created;
}
)ts";

const std::set<std::string, std::less<>> kStandardAttributes = {"address",
                                                                "birthdate",
                                                                "email",
                                                                "family_name",
                                                                "gender",
                                                                "given_name",
                                                                "locale",
                                                                "middle_name",
                                                                "name",
                                                                "nickname",
                                                                "phone_number",
                                                                "picture",
                                                                "preferred_username",
                                                                "profile",
                                                                "updated_at",
                                                                "website",
                                                                "zoneinfo",
                                                                "sub",
                                                                "email_verified",
                                                                "phone_number_verified"};

// Gen2 defineAuth names of the standard attributes.
std::string Gen2AttributeName(std::string_view cognito) {
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"address", "address"},
      {"birthdate", "birthdate"},
      {"email", "email"},
      {"family_name", "familyName"},
      {"gender", "gender"},
      {"given_name", "givenName"},
      {"locale", "locale"},
      {"middle_name", "middleName"},
      {"name", "fullname"},
      {"nickname", "nickname"},
      {"phone_number", "phoneNumber"},
      {"picture", "profilePicture"},
      {"preferred_username", "preferredUsername"},
      {"profile", "profilePage"},
      {"updated_at", "lastUpdateTime"},
      {"website", "website"},
      {"zoneinfo", "timezone"}};
  auto it = kNames.find(cognito);
  return it == kNames.end() ? std::string() : it->second;
}

// Properties of a resource that name it physically; a copy must drop them
// before refactor (the Gen1 resource still holds the name).
const std::map<std::string, std::string, std::less<>>& NameProperties() {
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"AWS::DynamoDB::Table", "TableName"},
      {"AWS::S3::Bucket", "BucketName"},
      {"AWS::Kinesis::Stream", "Name"},
      {"AWS::IAM::Role", "RoleName"},
      {"AWS::Lambda::Function", "FunctionName"},
      {"AWS::Cognito::UserPool", "UserPoolName"},
      {"AWS::Cognito::IdentityPool", "IdentityPoolName"},
      {"AWS::SNS::Topic", "TopicName"},
      {"AWS::SQS::Queue", "QueueName"},
      {"AWS::Events::Rule", "Name"},
  };
  return kNames;
}

const Value* Props(const Value& resource) { return resource.Find("Properties"); }

// A small decimal number; nullopt when `s` is not one (or is out of range).
std::optional<int> SmallNumber(const std::string& s) {
  int n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

const Value* DeployedResource(const Gen1Resource& r, std::string_view logical_id) {
  const Value* res = r.deployed_template.Find("Resources");
  return res ? res->Find(logical_id) : nullptr;
}

std::string ListOf(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

std::vector<std::string> Strings(const Value* v) {
  std::vector<std::string> out;
  if (v && v->is_list()) {
    for (const Value& item : v->as_list()) {
      if (item.is_string()) out.push_back(item.as_string());
    }
  }
  return out;
}

// A reference from a Gen1 template (Ref to a parameter, GetAtt) and the
// Gen2 TypeScript that replaces it.
using RefMap = std::map<std::string, std::string>;

class Generator {
 public:
  Generator(const Gen1Project& project, const GenerateOptions& options)
      : project_(project),
        options_(options),
        branch_(options.branch_name.empty() ? project.env_name : options.branch_name),
        auth_(MainAuth(project)),
        api_(GraphQlApi(project)) {}

  Result<GeneratedFiles> Run() {
    TRY(AssignIdentifiers());
    ClassifyFunctionGroups();
    files_["amplify/package.json"] = PrettyJson(Value(ValueMap{{"type", Value("module")}}));
    files_["amplify/tsconfig.json"] = TsConfig();
    files_["amplify/gen1/cfn.ts"] = std::string(kCfnHelper);
    if (auth_) files_["amplify/auth/resource.ts"] = AuthResource();
    if (api_) files_["amplify/data/resource.ts"] = DataResource();
    std::string storage = StorageResource();
    if (!storage.empty()) files_["amplify/storage/resource.ts"] = storage;
    for (const Gen1Resource* fn : project_.OfCategory("function")) {
      if (fn->service == "LambdaLayer") {
        for (const auto& [rel, bytes] : fn->source_files) {
          files_[fmt::format("amplify/layers/{}/{}", fn->name, rel)] = bytes;
        }
        continue;
      }
      for (const auto& [rel, bytes] : fn->source_files) {
        files_[fmt::format("amplify/functions/{}/src/{}", fn->name, rel)] = bytes;
      }
      if (IsNodeFunction(*fn)) {
        files_[fmt::format("amplify/functions/{}/resource.ts", fn->name)] = FunctionResource(*fn);
      }
    }
    files_["amplify/backend.ts"] = Backend();
    files_["amplify/migration.json"] = Migration();
    files_["package.json"] = RootPackageJson();
    return files_;
  }

 private:
  // --- identifiers -------------------------------------------------------

  Result<void> AssignIdentifiers() {
    std::set<std::string> used = {"backend",   "auth",         "data",      "storage",
                                  "migration", "postRefactor", "gen1Names", "refs"};
    for (const Gen1Resource& r : project_.resources) {
      std::string id = TsIdentifier(r.name);
      if (r.category == "storage" && r.service != "S3") id = TsIdentifier(r.name + "Table");
      if (r.category != "function" && r.category != "storage") {
        id = TsIdentifier(r.category + "_" + r.name);
      }
      if (r.category == "storage" && r.service == "S3") id = TsIdentifier(r.name + "Bucket");
      if (!used.insert(id).second) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("{}/{}: its TypeScript name \"{}\" collides with "
                                     "another resource; rename one of them in Gen1",
                                     r.category, r.name, id));
      }
      ids_[Key(r)] = id;
    }
    return {};
  }

  static std::string Key(const Gen1Resource& r) { return r.category + "/" + r.name; }
  const std::string& Id(const Gen1Resource& r) const { return ids_.at(Key(r)); }

  // Which Gen2 stack ("resource group") each function joins, so that no two
  // stacks depend on each other: auth triggers live with auth, S3 triggers
  // with storage, functions the API calls or that read the API with data.
  void ClassifyFunctionGroups() {
    if (auth_) {
      for (const auto& [event, fn] : AuthTriggers(project_, *auth_)) groups_[fn] = "auth";
    }
    for (const Gen1Resource* s : project_.OfCategory("storage")) {
      std::string trigger = StringField(s->cli_inputs, "triggerFunction");
      if (s->service == "S3" && !trigger.empty() && trigger != "NONE") {
        groups_.emplace(trigger, "storage");
      }
    }
    if (api_) {
      for (const std::string& fn : SchemaFunctionNames(api_->graphql_schema)) {
        if (project_.Find("function", fn)) groups_.emplace(fn, "data");
      }
    }
    for (const Gen1Resource* fn : project_.OfCategory("function")) {
      const Value* deps = fn->config.Find("dependsOn");
      if (!deps || !deps->is_list()) continue;
      for (const Value& d : deps->as_list()) {
        if (StringField(d, "category") == "api" && api_ &&
            StringField(d, "resourceName") == api_->name) {
          groups_.emplace(fn->name, "data");
        }
      }
    }
  }

  std::string GroupOf(const std::string& fn) const {
    auto it = groups_.find(fn);
    return it == groups_.end() ? "" : it->second;
  }

  // --- small files -------------------------------------------------------

  static std::string TsConfig() {
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

  std::string RootPackageJson() const {
    ValueMap dev;
    for (const auto& [name, version] : PinnedToolchain()) dev.emplace(name, Value(version));
    // Function dependencies: Gen1 keeps them per function; Gen2 bundles every
    // function from the project root. The first function (in name order)
    // that declares a package decides its range.
    ValueMap deps;
    for (const Gen1Resource* fn : project_.OfCategory("function")) {
      const Value* d = fn->package_json.Find("dependencies");
      if (!d || !d->is_map()) continue;
      for (const auto& [name, version] : d->as_map()) {
        if (version.is_string()) deps.emplace(name, version);
      }
    }
    ValueMap root{{"name", Value(project_.project_name + "-gen2")},
                  {"version", Value("1.0.0")},
                  {"private", Value(true)},
                  {"type", Value("module")},
                  {"devDependencies", Value(std::move(dev))}};
    if (!deps.empty()) root.emplace("dependencies", Value(std::move(deps)));
    return PrettyJson(Value(std::move(root)));
  }

  std::string Migration() const {
    ValueMap names;
    MigrationPlan plan = PlanMigration(project_);
    for (const ResourcePlan& p : plan.resources) {
      for (const StatefulResource& s : p.stateful) {
        if (!s.moved) continue;
        std::string name = PhysicalName(*p.resource, s);
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
    ValueMap gen1{{"env", Value(project_.env_name)},
                  {"stackName", Value(StringField(project_.provider, "StackName"))},
                  {"region", Value(StringField(project_.provider, "Region"))},
                  {"resources", Value(std::move(names))}};
    if (!domains.empty()) gen1.emplace("hostedUIDomains", Value(std::move(domains)));
    return PrettyJson(Value(ValueMap{{"phase", Value(RefactorPhaseName(options_.phase))},
                                     {"gen1", Value(std::move(gen1))}}));
  }

  // The name property value the deployed resource has (e.g. TableName).
  static std::string PhysicalName(const Gen1Resource& r, const StatefulResource& s) {
    auto prop = NameProperties().find(s.type);
    const Value* def = DeployedResource(r, s.logical_id);
    if (prop != NameProperties().end() && def && Props(*def)) {
      const Value* v = Props(*def)->Find(prop->second);
      if (v && v->is_string()) return v->as_string();
    }
    if (s.type == "AWS::S3::Bucket" || s.type == "AWS::DynamoDB::Table") return s.physical_id;
    return "";
  }

  // --- auth --------------------------------------------------------------

  const Value& Cognito() const {
    static const Value kEmpty;
    const Value* c = auth_->cli_inputs.Find("cognitoConfig");
    return c ? *c : kEmpty;
  }

  const Value* UserPoolProps() const {
    const Value* def = DeployedResource(*auth_, "UserPool");
    return def ? Props(*def) : nullptr;
  }

  std::vector<std::string> Groups() const {
    std::vector<std::pair<int64_t, std::string>> groups;
    for (const Gen1Resource* r : project_.OfCategory("auth")) {
      if (r->service != "Cognito-UserPool-Groups") continue;
      const Value* res = r->deployed_template.Find("Resources");
      if (!res || !res->is_map()) continue;
      for (const auto& [id, def] : res->as_map()) {
        if (StringField(def, "Type") != "AWS::Cognito::UserPoolGroup" || !Props(def)) continue;
        std::string name = StringField(*Props(def), "GroupName");
        const Value* precedence = Props(def)->Find("Precedence");
        if (!name.empty()) {
          groups.emplace_back(precedence && precedence->is_int() ? precedence->as_int() : 0, name);
        }
      }
    }
    std::sort(groups.begin(), groups.end());
    std::vector<std::string> out;
    for (auto& [p, name] : groups) out.push_back(name);
    return out;
  }

  std::string AuthResource() {
    const Value& c = Cognito();
    const Value* pool = UserPoolProps();
    std::vector<std::string> username_attrs;
    if (pool) username_attrs = Strings(pool->Find("UsernameAttributes"));
    bool phone = std::find(username_attrs.begin(), username_attrs.end(), "phone_number") !=
                 username_attrs.end();
    bool email = !phone || std::find(username_attrs.begin(), username_attrs.end(), "email") !=
                               username_attrs.end();
    std::string imports = "import { defineAuth";
    std::string login = "  loginWith: {\n";
    if (email) login += "    email: true,\n";
    if (phone) login += "    phone: true,\n";

    std::vector<std::string> providers = Strings(c.Find("authProvidersUserPool"));
    std::string oauth_json = StringField(c, "oAuthMetadata");
    Value oauth;
    if (!oauth_json.empty()) {
      if (auto parsed = Value::FromJson(oauth_json)) oauth = *parsed;
    }
    if (!providers.empty()) {
      imports += ", secret";
      login += "    externalProviders: {\n";
      for (const std::string& p : providers) {
        std::string upper;
        for (char ch : p) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (p == "Google") {
          login += fmt::format(
              "      google: {{\n        clientId: secret('GOOGLE_CLIENT_ID'),\n"
              "        clientSecret: secret('GOOGLE_CLIENT_SECRET'),\n"
              "        scopes: ['openid', 'email', 'profile'],\n"
              "        attributeMapping: {{ email: 'email' }},\n      }},\n");
        } else if (p == "Facebook") {
          login += fmt::format(
              "      facebook: {{\n        clientId: secret('FACEBOOK_CLIENT_ID'),\n"
              "        clientSecret: secret('FACEBOOK_CLIENT_SECRET'),\n"
              "        scopes: ['email', 'public_profile'],\n"
              "        attributeMapping: {{ email: 'email' }},\n      }},\n");
        } else if (p == "LoginWithAmazon") {
          login +=
              "      loginWithAmazon: {\n        clientId: secret('AMAZON_CLIENT_ID'),\n"
              "        clientSecret: secret('AMAZON_CLIENT_SECRET'),\n      },\n";
        } else if (p == "SignInWithApple") {
          login +=
              "      signInWithApple: {\n        clientId: secret('APPLE_CLIENT_ID'),\n"
              "        teamId: secret('APPLE_TEAM_ID'),\n"
              "        keyId: secret('APPLE_KEY_ID'),\n"
              "        privateKey: secret('APPLE_PRIVATE_KEY'),\n      },\n";
        }
      }
      std::vector<std::string> scopes;
      static const std::map<std::string, std::string, std::less<>> kScopes = {
          {"phone", "PHONE"},
          {"email", "EMAIL"},
          {"openid", "OPENID"},
          {"profile", "PROFILE"},
          {"aws.cognito.signin.user.admin", "COGNITO_ADMIN"}};
      for (const std::string& s : Strings(oauth.Find("AllowedOAuthScopes"))) {
        auto it = kScopes.find(s);
        if (it != kScopes.end()) scopes.push_back(TsString(it->second));
      }
      if (!scopes.empty()) login += fmt::format("      scopes: [{}],\n", ListOf(scopes));
      std::vector<std::string> callbacks, logouts;
      for (const std::string& u : Strings(oauth.Find("CallbackURLs")))
        callbacks.push_back(TsString(u));
      for (const std::string& u : Strings(oauth.Find("LogoutURLs"))) logouts.push_back(TsString(u));
      if (callbacks.empty()) callbacks.push_back(TsString("http://localhost:3000/"));
      if (logouts.empty()) logouts.push_back(TsString("http://localhost:3000/"));
      login += fmt::format("      callbackUrls: [{}],\n      logoutUrls: [{}],\n",
                           ListOf(callbacks), ListOf(logouts));
      login += "    },\n";
    }
    login += "  },\n";

    // Standard attributes the pool requires, and every custom attribute the
    // pool or its clients know ("custom:family_name" is a valid key once
    // quoted).
    std::map<std::string, std::string> attributes;
    for (const std::string& a : Strings(c.Find("requiredAttributes"))) {
      std::string gen2 = Gen2AttributeName(a);
      if (!gen2.empty()) attributes[gen2] = "{ required: true, mutable: true }";
    }
    if (pool) {
      if (const Value* schema = pool->Find("Schema"); schema && schema->is_list()) {
        for (const Value& attr : schema->as_list()) {
          std::string name = StringField(attr, "Name");
          if (name.empty()) continue;
          std::string bare = name.starts_with("custom:") ? name.substr(7) : name;
          if (!name.starts_with("custom:") && kStandardAttributes.count(name)) continue;
          std::string type = StringField(attr, "AttributeDataType");
          const Value* mutable_v = attr.Find("Mutable");
          attributes["custom:" + bare] = fmt::format(
              "{{ dataType: {}, mutable: {} }}", TsString(type.empty() ? "String" : type),
              mutable_v && mutable_v->is_bool() && !mutable_v->as_bool() ? "false" : "true");
        }
      }
    }
    for (const char* field : {"userpoolClientReadAttributes", "userpoolClientWriteAttributes"}) {
      for (const std::string& a : Strings(c.Find(field))) {
        if (a.starts_with("custom:") && !attributes.count(a)) {
          attributes[a] = "{ dataType: 'String', mutable: true }";
        }
      }
    }
    std::string body = login;
    if (!attributes.empty()) {
      body += "  userAttributes: {\n";
      for (const auto& [k, v] : attributes) body += fmt::format("    {}: {},\n", TsKey(k), v);
      body += "  },\n";
    }
    std::vector<std::string> groups = Groups();
    if (!groups.empty()) {
      std::vector<std::string> quoted;
      for (const std::string& g : groups) quoted.push_back(TsString(g));
      body += fmt::format("  groups: [{}],\n", ListOf(quoted));
    }
    std::string fn_imports;
    std::map<std::string, std::string> triggers = AuthTriggers(project_, *auth_);
    if (!triggers.empty()) {
      body += "  triggers: {\n";
      for (const auto& [event, fn] : triggers) {
        const Gen1Resource* f = project_.Find("function", fn);
        if (!f || !IsNodeFunction(*f)) continue;
        fn_imports += fmt::format("import {{ {} }} from '../functions/{}/resource';\n", Id(*f), fn);
        body += fmt::format("    {}: {},\n", event, Id(*f));
      }
      body += "  },\n";
    }
    std::string mfa = StringField(c, "mfaConfiguration");
    if (mfa == "ON" || mfa == "OPTIONAL") {
      std::vector<std::string> types = Strings(c.Find("mfaTypes"));
      bool sms = std::find(types.begin(), types.end(), "SMS Text Message") != types.end();
      bool totp = std::find(types.begin(), types.end(), "TOTP") != types.end();
      if (!sms && !totp) sms = true;
      body += fmt::format("  multifactor: {{\n    mode: {},\n",
                          TsString(mfa == "ON" ? "REQUIRED" : "OPTIONAL"));
      if (sms) body += "    sms: true,\n";
      if (totp) body += "    totp: true,\n";
      body += "  },\n";
    }
    return fmt::format(
        "{} }} from '@aws-amplify/backend';\n{}\n"
        "// Gen1 auth resource {}: sign-in, attributes, groups, triggers and MFA.\n"
        "// Settings defineAuth cannot express (password policy, username\n"
        "// attributes, schema) are pinned in amplify/backend.ts.\n"
        "export const auth = defineAuth({{\n{}}});\n",
        imports, fn_imports, auth_->name, body);
  }

  // Identity-defining user pool settings copied from the deployed pool.
  std::string AuthPins() {
    std::string out;
    const Value* pool = UserPoolProps();
    out += "// --- auth: pin the Gen1 user pool's identity-defining settings ---\n";
    out += "const cfnUserPool = backend.auth.resources.cfnResources.cfnUserPool;\n";
    if (pool) {
      for (const char* key :
           {"Schema", "UsernameAttributes", "AliasAttributes", "UsernameConfiguration", "Policies",
            "MfaConfiguration", "AutoVerifiedAttributes"}) {
        const Value* v = pool->Find(key);
        if (!v) {
          if (std::string_view(key) == "UsernameAttributes" ||
              std::string_view(key) == "AliasAttributes") {
            out += fmt::format("cfnUserPool.addPropertyDeletionOverride({});\n", TsString(key));
          }
          continue;
        }
        if (HasIntrinsic(*v)) continue;
        if (v->is_list() && v->as_list().empty()) {
          out += fmt::format("cfnUserPool.addPropertyDeletionOverride({});\n", TsString(key));
          continue;
        }
        out += fmt::format("cfnUserPool.addPropertyOverride({}, {});\n", TsString(key),
                           TsLiteral(*v, 0));
      }
    }
    const Value* identity = DeployedResource(*auth_, "IdentityPool");
    if (identity && Props(*identity)) {
      const Value* unauth = Props(*identity)->Find("AllowUnauthenticatedIdentities");
      if (unauth && unauth->is_bool()) {
        out += fmt::format(
            "backend.auth.resources.cfnResources.cfnIdentityPool.allowUnauthenticatedIdentities = "
            "{};\n",
            unauth->as_bool() ? "true" : "false");
      }
    }
    for (const Gen1Resource* r : project_.OfCategory("auth")) {
      if (r->service != "Cognito-UserPool-Groups") continue;
      const Value* res = r->deployed_template.Find("Resources");
      if (!res || !res->is_map()) continue;
      for (const auto& [id, def] : res->as_map()) {
        if (StringField(def, "Type") != "AWS::Cognito::UserPoolGroup" || !Props(def)) continue;
        const Value* precedence = Props(def)->Find("Precedence");
        std::string name = StringField(*Props(def), "GroupName");
        if (precedence && precedence->is_int() && !name.empty()) {
          out += fmt::format("backend.auth.resources.groups[{}].cfnUserGroup.precedence = {};\n",
                             TsString(name), precedence->as_int());
        }
      }
    }
    MigrationPlan plan = PlanMigration(project_);
    std::string post;
    for (const ResourcePlan& p : plan.resources) {
      if (p.resource != auth_) continue;
      for (const StatefulResource& s : p.stateful) {
        std::string key = fmt::format("auth/{}/{}", auth_->name, s.logical_id);
        if (s.type == "AWS::Cognito::UserPool") {
          post += fmt::format("  cfnUserPool.userPoolName = gen1Name({});\n", TsString(key));
          post += "  cfnUserPool.applyRemovalPolicy(RemovalPolicy.RETAIN);\n";
        } else if (s.type == "AWS::Cognito::IdentityPool") {
          post += fmt::format(
              "  const cfnIdentityPool = backend.auth.resources.cfnResources.cfnIdentityPool;\n"
              "  cfnIdentityPool.identityPoolName = gen1Name({});\n"
              "  cfnIdentityPool.applyRemovalPolicy(RemovalPolicy.RETAIN);\n",
              TsString(key));
        }
      }
    }
    if (!post.empty()) out += "if (postRefactor) {\n" + post + "}\n";
    return out + "\n";
  }

  // --- data --------------------------------------------------------------

  std::string AuthModeName(std::string_view gen1) const {
    if (gen1 == "API_KEY") return "apiKey";
    if (gen1 == "AMAZON_COGNITO_USER_POOLS") return "userPool";
    if (gen1 == "AWS_IAM") return "iam";
    if (gen1 == "OPENID_CONNECT") return "oidc";
    if (gen1 == "AWS_LAMBDA") return "lambda";
    return "";
  }

  std::string DataResource() {
    std::string schema = api_->graphql_schema;
    // @function(name: "x-${env}"): a Gen1 function of this project becomes
    // the Gen2 function "x"; any other keeps calling the deployed Gen1 one.
    std::string fn_imports;
    std::string fn_map;
    for (const std::string& name : SchemaFunctionNames(schema)) {
      const Gen1Resource* fn = project_.Find("function", name);
      std::string from = fmt::format("\"{}-${{env}}\"", name);
      std::string to =
          fn ? fmt::format("\"{}\"", name) : fmt::format("\"{}-{}\"", name, project_.env_name);
      for (size_t at = schema.find(from); at != std::string::npos; at = schema.find(from, at)) {
        schema.replace(at, from.size(), to);
        at += to.size();
      }
      if (fn && IsNodeFunction(*fn)) {
        fn_imports +=
            fmt::format("import {{ {} }} from '../functions/{}/resource';\n", Id(*fn), name);
        fn_map += fmt::format("    {}: {},\n", TsKey(name), Id(*fn));
      }
    }
    std::string modes;
    const Value* auth_config = nullptr;
    if (const Value* output = api_->config.Find("output")) auth_config = output->Find("authConfig");
    if (auth_config) {
      const Value* def = auth_config->Find("defaultAuthentication");
      std::string default_mode = def ? AuthModeName(StringField(*def, "authenticationType")) : "";
      std::vector<const Value*> all;
      if (def) all.push_back(def);
      if (const Value* extra = auth_config->Find("additionalAuthenticationProviders");
          extra && extra->is_list()) {
        for (const Value& e : extra->as_list()) all.push_back(&e);
      }
      if (!default_mode.empty()) {
        modes += fmt::format("    defaultAuthorizationMode: {},\n", TsString(default_mode));
      }
      for (const Value* m : all) {
        if (StringField(*m, "authenticationType") != "API_KEY") continue;
        int64_t days = 7;
        if (const Value* key = m->Find("apiKeyConfig")) {
          if (const Value* d = key->Find("apiKeyExpirationDays"); d && d->is_int())
            days = d->as_int();
        }
        modes += fmt::format("    apiKeyAuthorizationMode: {{ expiresInDays: {} }},\n", days);
      }
    }
    std::string mapping;
    std::string api_id = project_.MetaOutput("api", api_->name, "GraphQLAPIIdOutput");
    for (const std::string& model : SchemaModels(api_->graphql_schema)) {
      if (api_id.empty()) break;
      mapping += fmt::format("        {}: {},\n", TsKey(model),
                             TsString(fmt::format("{}-{}-{}", model, api_id, project_.env_name)));
    }
    std::string body = "  schema,\n";
    body += fmt::format("  name: {},\n", TsString(api_->name));
    if (!modes.empty()) body += "  authorizationModes: {\n" + modes + "  },\n";
    if (!fn_map.empty()) body += "  functions: {\n" + fn_map + "  },\n";
    if (!mapping.empty()) {
      body += fmt::format(
          "  // The Gen1 model tables stay where they are: Gen2 adopts them by name.\n"
          "  migratedAmplifyGen1DynamoDbTableMappings: [\n    {{\n"
          "      branchName: {},\n      modelNameToTableNameMapping: {{\n{}      }},\n"
          "    }},\n  ],\n",
          TsString(branch_), mapping);
    }
    return fmt::format(
        "import {{ defineData }} from '@aws-amplify/backend';\n{}\n"
        "// The Gen1 GraphQL schema of API {}, unchanged but for @function names.\n"
        "const schema = /* GraphQL */ {};\n\n"
        "export const data = defineData({{\n{}}});\n",
        fn_imports, api_->name, TsTemplateString(schema), body);
  }

  // --- storage -----------------------------------------------------------

  static std::vector<std::string> Gen2Access(const Value* gen1) {
    std::vector<std::string> out;
    std::vector<std::string> in = Strings(gen1);
    auto has = [&](std::string_view a) { return std::find(in.begin(), in.end(), a) != in.end(); };
    if (has("READ")) out.push_back("'read'");
    if (has("CREATE_AND_UPDATE")) out.push_back("'write'");
    if (has("DELETE")) out.push_back("'delete'");
    return out;
  }

  std::string StorageResource() {
    std::string out;
    std::string fn_imports;
    bool first = true;
    for (const Gen1Resource* s : project_.OfCategory("storage")) {
      if (s->service != "S3") continue;
      const Value& in = s->cli_inputs;
      std::vector<std::string> auth = Gen2Access(in.Find("authAccess"));
      std::vector<std::string> guest = Gen2Access(in.Find("guestAccess"));
      std::vector<std::pair<std::string, std::vector<std::string>>> groups;
      if (const Value* g = in.Find("groupAccess"); g && g->is_map()) {
        for (const auto& [name, access] : g->as_map())
          groups.emplace_back(name, Gen2Access(&access));
      }
      auto rule = [&](std::string path, std::vector<std::string> rules) {
        if (rules.empty()) return std::string();
        std::string r = fmt::format("    {}: [\n", TsString(path));
        for (const std::string& x : rules) r += "      " + x + ",\n";
        return r + "    ],\n";
      };
      auto to = [](std::string who, const std::vector<std::string>& access) {
        return access.empty() ? std::string() : fmt::format("{}.to([{}])", who, ListOf(access));
      };
      auto collect = [](std::initializer_list<std::string> items) {
        std::vector<std::string> v;
        for (const std::string& i : items) {
          if (!i.empty()) v.push_back(i);
        }
        return v;
      };
      std::vector<std::string> group_rules;
      for (const auto& [name, access] : groups) {
        if (!access.empty())
          group_rules.push_back(to(fmt::format("allow.groups([{}])", TsString(name)), access));
      }
      auto with_groups = [&](std::vector<std::string> v) {
        v.insert(v.end(), group_rules.begin(), group_rules.end());
        return v;
      };
      std::vector<std::string> guest_read;
      if (std::find(guest.begin(), guest.end(), "'read'") != guest.end())
        guest_read.push_back("'read'");
      std::vector<std::string> auth_read;
      if (std::find(auth.begin(), auth.end(), "'read'") != auth.end())
        auth_read.push_back("'read'");
      std::vector<std::string> auth_write;
      if (std::find(auth.begin(), auth.end(), "'write'") != auth.end())
        auth_write.push_back("'write'");
      std::vector<std::string> guest_write;
      if (std::find(guest.begin(), guest.end(), "'write'") != guest.end())
        guest_write.push_back("'write'");
      std::string rules;
      rules +=
          rule("public/*",
               with_groups(collect({to("allow.guest", guest), to("allow.authenticated", auth)})));
      rules += rule(
          "protected/{entity_id}/*",
          with_groups(collect({to("allow.guest", guest_read), to("allow.authenticated", auth_read),
                               to("allow.entity('identity')", auth)})));
      rules += rule("private/{entity_id}/*",
                    with_groups(collect({to("allow.entity('identity')", auth)})));
      rules += rule("uploads/*", with_groups(collect({to("allow.guest", guest_write),
                                                      to("allow.authenticated", auth_write)})));
      std::string triggers;
      std::string trigger = StringField(in, "triggerFunction");
      if (const Gen1Resource* fn = project_.Find("function", trigger); fn && IsNodeFunction(*fn)) {
        fn_imports +=
            fmt::format("import {{ {} }} from '../functions/{}/resource';\n", Id(*fn), trigger);
        triggers =
            fmt::format("  triggers: {{\n    onUpload: {0},\n    onDelete: {0},\n  }},\n", Id(*fn));
      }
      std::string versioned;
      if (const Value* bucket = DeployedResource(*s, "S3Bucket"); bucket && Props(*bucket)) {
        const Value* v = Props(*bucket)->Find("VersioningConfiguration");
        if (v && StringField(*v, "Status") == "Enabled") versioned = "  versioned: true,\n";
      }
      out += fmt::format(
          "\n// Gen1 S3 resource {}: the same access per prefix as Gen1 gave. The\n"
          "// bucket (and, after refactor, Gen1's data in it) survives stack deletion.\n"
          "export const {} = defineStorage({{\n  name: {},\n{}  keepOnDelete: true,\n{}"
          "  access: (allow) => ({{\n{}  }}),\n{}}});\n",
          s->name, Id(*s), TsString(s->name), first ? "  isDefault: true,\n" : "", versioned, rules,
          triggers);
      first = false;
    }
    if (out.empty()) return "";
    return "import { defineStorage } from '@aws-amplify/backend';\n" + fn_imports + out;
  }

  // --- functions ---------------------------------------------------------

  const Value* LambdaProps(const Gen1Resource& fn) const {
    const Value* res = fn.deployed_template.Find("Resources");
    if (!res || !res->is_map()) return nullptr;
    for (const auto& [id, def] : res->as_map()) {
      if (StringField(def, "Type") == "AWS::Lambda::Function") return Props(def);
    }
    return nullptr;
  }

  // The `environment: {...}` entry for the literal environment variables of
  // a deployed Lambda function's properties ("" when there are none); the
  // ones that name other resources are added in backend.ts.
  static std::string LiteralEnvironment(const Value& lambda_props) {
    std::string env;
    if (const Value* e = lambda_props.Find("Environment")) {
      if (const Value* vars = e->Find("Variables"); vars && vars->is_map()) {
        for (const auto& [k, v] : vars->as_map()) {
          if (v.is_string()) env += fmt::format("    {}: {},\n", TsKey(k), TsString(v.as_string()));
        }
      }
    }
    return env.empty() ? "" : "  environment: {\n" + env + "  },\n";
  }

  static std::string Schedule(const Gen1Resource& fn) {
    std::string rule = StringField(fn.parameters, "CloudWatchRule");
    static const std::regex kRate(R"(rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\))");
    static const std::regex kCron(R"(cron\((.+)\))");
    std::smatch m;
    if (std::regex_match(rule, m, kRate)) {
      std::string unit = m[2].str();
      std::optional<int> parsed = SmallNumber(m[1].str());
      if (!parsed || *parsed <= 0 || *parsed > 100000) return "";
      int n = *parsed;
      if (unit.starts_with("minute")) return fmt::format("every {}m", n);
      if (unit.starts_with("hour")) return fmt::format("every {}h", n);
      if (n == 1) return "every day";
      return fmt::format("every {}h", n * 24);
    }
    if (std::regex_match(rule, m, kCron)) return m[1].str();
    return "";
  }

  std::string HandlerFile(const Gen1Resource& fn) const {
    std::string handler = "index.handler";
    if (const Value* p = LambdaProps(fn)) {
      std::string h = StringField(*p, "Handler");
      if (!h.empty()) handler = h;
    }
    std::string module = handler.substr(0, handler.rfind('.'));
    for (const char* ext : {".js", ".mjs", ".cjs", ".ts"}) {
      if (fn.source_files.count(module + ext)) return module + ext;
    }
    return module + ".js";
  }

  std::string FunctionResource(const Gen1Resource& fn) {
    const Value* p = LambdaProps(fn);
    std::string body = fmt::format("  name: {},\n  entry: {},\n", TsString(fn.name),
                                   TsString("./src/" + HandlerFile(fn)));
    std::string runtime = FunctionRuntime(fn);
    static const std::regex kNode(R"(nodejs(\d+)\.x)");
    std::smatch m;
    if (std::optional<int> parsed;
        std::regex_match(runtime, m, kNode) && (parsed = SmallNumber(m[1].str()))) {
      int version = std::clamp(*parsed - *parsed % 2, 18, 24);
      body += fmt::format("  runtime: {},\n", version);
    }
    if (p) {
      if (const Value* t = p->Find("Timeout"); t && t->is_int()) {
        body += fmt::format("  timeoutSeconds: {},\n", t->as_int());
      }
      if (const Value* mem = p->Find("MemorySize"); mem && mem->is_int()) {
        body += fmt::format("  memoryMB: {},\n", mem->as_int());
      }
      body += LiteralEnvironment(*p);
    }
    std::string schedule = Schedule(fn);
    if (!schedule.empty()) body += fmt::format("  schedule: {},\n", TsString(schedule));
    std::vector<std::string> external_layers;
    if (const Value* layers = fn.function_parameters.Find("lambdaLayers");
        layers && layers->is_list()) {
      for (const Value& l : layers->as_list()) {
        std::string arn = StringField(l, "arn");
        if (StringField(l, "type") == "ExternalLayer" && !arn.empty()) {
          external_layers.push_back(fmt::format(
              "    {}: {},\n",
              TsString(arn.substr(
                  arn.find(":layer:") == std::string::npos ? 0 : arn.find(":layer:") + 7)),
              TsString(arn)));
        }
      }
    }
    if (!external_layers.empty()) body += "  layers: {\n" + ListOf(external_layers, "") + "  },\n";
    std::string group = GroupOf(fn.name);
    if (!group.empty()) body += fmt::format("  resourceGroupName: {},\n", TsString(group));
    return fmt::format(
        "import {{ defineFunction }} from '@aws-amplify/backend';\n\n"
        "// Gen1 function {} ({}).\n"
        "export const {} = defineFunction({{\n{}}});\n",
        fn.name, runtime.empty() ? "nodejs" : runtime, Id(fn), body);
  }

  // --- references between resources ---------------------------------------

  // The Gen2 expression for a Gen1 dependency parameter "<cat><res><Attr>",
  // or the deployed Gen1 value when `literal_only` (to avoid a dependency
  // cycle between stacks), or nullopt.
  std::optional<std::string> DependencyRef(const std::string& param, bool literal_only) const {
    if (param == "env") return TsString(project_.env_name);
    const Gen1Resource* best = nullptr;
    for (const Gen1Resource& r : project_.resources) {
      std::string prefix = r.category + r.name;
      if (param.starts_with(prefix) && param.size() > prefix.size() &&
          (!best || prefix.size() > best->StackLogicalId().size())) {
        best = &r;
      }
    }
    if (!best) return std::nullopt;
    std::string attr = param.substr(best->StackLogicalId().size());
    std::string meta = project_.MetaOutput(best->category, best->name, attr);
    auto literal = [&]() -> std::optional<std::string> {
      if (meta.empty()) return std::nullopt;
      return TsString(meta);
    };
    if (literal_only) return literal();
    const Gen1Resource& r = *best;
    if (&r == auth_) {
      if (attr == "UserPoolId") return "backend.auth.resources.userPool.userPoolId";
      if (attr == "UserPoolArn") return "backend.auth.resources.userPool.userPoolArn";
      if (attr == "IdentityPoolId")
        return "backend.auth.resources.cfnResources.cfnIdentityPool.ref";
      if (attr == "AppClientIDWeb") return "backend.auth.resources.userPoolClient.userPoolClientId";
    }
    if (r.service == "Cognito-UserPool-Groups" && attr.ends_with("GroupRole")) {
      std::string group = attr.substr(0, attr.size() - 9);
      return fmt::format("backend.auth.resources.groups[{}].role.roleArn", TsString(group));
    }
    if (&r == api_) {
      if (attr == "GraphQLAPIIdOutput") return "backend.data.resources.graphqlApi.apiId";
      if (attr == "GraphQLAPIEndpointOutput") return "backend.data.graphqlUrl";
    }
    if (r.category == "storage" && r.service == "S3" && attr == "BucketName") {
      return fmt::format("backend.{}.resources.bucket.bucketName", Id(r));
    }
    if (r.category == "storage" && r.service == "DynamoDB") {
      if (attr == "Name") return fmt::format("{}.DynamoDBTable.ref", Id(r));
      if (attr == "Arn")
        return fmt::format("Token.asString({}.DynamoDBTable.getAtt('Arn'))", Id(r));
      if (attr == "StreamArn")
        return fmt::format("Token.asString({}.DynamoDBTable.getAtt('StreamArn'))", Id(r));
    }
    if (r.category == "function" && r.service == "Lambda" && IsNodeFunction(r)) {
      if (attr == "Name") return fmt::format("backend.{}.resources.lambda.functionName", Id(r));
      if (attr == "Arn") return fmt::format("backend.{}.resources.lambda.functionArn", Id(r));
      if (attr == "LambdaExecutionRole") {
        return fmt::format("backend.{}.resources.lambda.role?.roleName", Id(r));
      }
    }
    if (r.category == "function" && r.service == "Lambda") {
      if (attr == "Name") return fmt::format("{}.functionName", Id(r));
      if (attr == "Arn") return fmt::format("{}.functionArn", Id(r));
    }
    return literal();
  }

  // The Gen2 value of a Gen1 model table export
  // (Fn::ImportValue "${api<name>GraphQLAPIIdOutput}:GetAtt:<Model>Table:<Attr>"),
  // or the deployed Gen1 value when `literal_only`; nullopt when neither.
  std::optional<std::string> ModelTableImport(const Value& v, bool literal_only) const {
    const Value* imp = v.Find("Fn::ImportValue");
    if (!api_ || !imp || v.as_map().size() != 1 || !imp->Find("Fn::Sub")) return std::nullopt;
    static const std::regex kExport(
        R"(\$\{api(\w+)GraphQLAPIIdOutput\}:GetAtt:(\w+)Table:(StreamArn|Name|Arn))");
    std::string sub = StringField(*imp, "Fn::Sub");
    std::smatch m;
    if (!std::regex_match(sub, m, kExport) || m[1].str() != api_->name) return std::nullopt;
    const std::string model = m[2].str();
    const std::string attr = m[3].str();
    if (literal_only) {
      std::string api_id = project_.MetaOutput("api", api_->name, "GraphQLAPIIdOutput");
      if (api_id.empty()) return std::nullopt;
      std::string table = fmt::format("{}-{}-{}", model, api_id, project_.env_name);
      if (attr == "Name") return TsString(table);
      std::string stack_id = StringField(project_.provider, "StackId");
      std::string region = StringField(project_.provider, "Region");
      // arn:aws:cloudformation:<region>:<account>:stack/...
      std::vector<std::string> parts;
      for (size_t start = 0, at = 0; at != std::string::npos; start = at + 1) {
        at = stack_id.find(':', start);
        parts.push_back(stack_id.substr(start, at == std::string::npos ? at : at - start));
      }
      if (attr == "Arn" && parts.size() > 4 && !region.empty()) {
        return TsString(fmt::format("arn:aws:dynamodb:{}:{}:table/{}", region, parts[4], table));
      }
      return std::nullopt;
    }
    std::string table = fmt::format("backend.data.resources.tables[{}]", TsString(model));
    if (attr == "StreamArn") return table + ".tableStreamArn!";
    if (attr == "Name") return table + ".tableName";
    return table + ".tableArn";
  }

  // Gen1 names a user pool group's role "<pool id>-<Group>GroupRole" (REST
  // API policies attach to it by that name); Gen2 names it differently.
  std::optional<std::string> GroupRoleName(const Value& v) const {
    const Value* join = v.Find("Fn::Join");
    if (!auth_ || !join || v.as_map().size() != 1 || !join->is_list() ||
        join->as_list().size() != 2) {
      return std::nullopt;
    }
    const Value& sep = join->as_list()[0];
    const Value& parts = join->as_list()[1];
    if (!sep.is_string() || sep.as_string() != "-" || !parts.is_list() ||
        parts.as_list().size() != 2 || !parts.as_list()[1].is_string()) {
      return std::nullopt;
    }
    const Value* ref = parts.as_list()[0].Find("Ref");
    const std::string& suffix = parts.as_list()[1].as_string();
    if (!ref || !ref->is_string() || ref->as_string() != "auth" + auth_->name + "UserPoolId" ||
        !suffix.ends_with("GroupRole") || suffix.size() == 9) {
      return std::nullopt;
    }
    std::string group = suffix.substr(0, suffix.size() - 9);
    return fmt::format("backend.auth.resources.groups[{}].role.roleName", TsString(group));
  }

  // Rewrites model table exports into Refs to synthetic parameters whose
  // values (ModelTableImport) go into `synthetic`.
  Value RewriteImports(const Value& v, RefMap& synthetic, bool literal_only) const {
    if (v.is_list()) {
      ValueList out;
      for (const Value& item : v.as_list())
        out.push_back(RewriteImports(item, synthetic, literal_only));
      return Value(std::move(out));
    }
    if (!v.is_map()) return v;
    std::optional<std::string> expr = ModelTableImport(v, literal_only);
    if (!expr && !literal_only) expr = GroupRoleName(v);
    if (expr) {
      std::string name = fmt::format("gen1Import{}", synthetic.size());
      for (const auto& [k, existing] : synthetic) {
        if (existing == *expr) name = k;
      }
      synthetic[name] = *expr;
      return Value(ValueMap{{"Ref", Value(name)}});
    }
    ValueMap out;
    for (const auto& [k, item] : v.as_map())
      out.emplace(k, RewriteImports(item, synthetic, literal_only));
    return Value(std::move(out));
  }

  static void CollectRefs(const Value& v, std::set<std::string>& refs) {
    if (v.is_list()) {
      for (const Value& item : v.as_list()) CollectRefs(item, refs);
      return;
    }
    if (!v.is_map()) return;
    if (const Value* ref = v.Find("Ref"); ref && ref->is_string() && v.as_map().size() == 1) {
      refs.insert(ref->as_string());
    }
    if (const Value* att = v.Find("Fn::GetAtt");
        att && att->is_list() && att->as_list().size() == 2 && v.as_map().size() == 1 &&
        att->as_list()[0].is_string() && att->as_list()[1].is_string()) {
      refs.insert(att->as_list()[0].as_string() + "." + att->as_list()[1].as_string());
    }
    if (const Value* sub = v.Find("Fn::Sub"); sub && sub->is_string()) {
      static const std::regex kVar(R"(\$\{([A-Za-z0-9:]+)\})");
      const std::string& s = sub->as_string();
      for (std::sregex_iterator it(s.begin(), s.end(), kVar), end; it != end; ++it) {
        refs.insert((*it)[1].str());
      }
    }
    for (const auto& [k, item] : v.as_map()) CollectRefs(item, refs);
  }

  struct L1Copy {
    Value tmpl;                      // {"Resources": {...}} as written to amplify/gen1/<file>
    RefMap refs;                     // parameter -> TypeScript
    std::vector<std::string> names;  // logical ids named post-refactor
  };

  // Builds the copy of the deployed resources of `r` (all, or all but
  // `skip`). Non-stateful physical names are dropped (Gen1 still holds them);
  // stateful ones are dropped too and set again post-refactor.
  L1Copy CopyResources(const Gen1Resource& r, const std::set<std::string>& skip,
                       const RefMap& local_refs, bool literal_only) const {
    L1Copy copy;
    ValueMap resources;
    const Value* res = r.deployed_template.Find("Resources");
    std::set<std::string> stateful_types = {"AWS::DynamoDB::Table", "AWS::S3::Bucket",
                                            "AWS::Kinesis::Stream", "AWS::Cognito::UserPool",
                                            "AWS::Cognito::IdentityPool"};
    if (res && res->is_map()) {
      for (const auto& [id, def] : res->as_map()) {
        if (skip.count(id) || !def.is_map()) continue;
        ValueMap kept;
        std::string type = StringField(def, "Type");
        if (type.empty()) continue;
        kept.emplace("Type", Value(type));
        if (const Value* props = Props(def)) {
          Value p = RewriteImports(*props, copy.refs, literal_only);
          auto name = NameProperties().find(type);
          if (name != NameProperties().end() && p.is_map()) {
            if (p.Find(name->second) && stateful_types.count(type)) copy.names.push_back(id);
            p.as_map().erase(name->second);
          }
          kept.emplace("Properties", std::move(p));
        }
        if (const Value* d = def.Find("DependsOn")) kept.emplace("DependsOn", *d);
        if (StringField(def, "DeletionPolicy") == "Retain" || stateful_types.count(type)) {
          kept.emplace("DeletionPolicy", Value("Retain"));
        }
        resources.emplace(id, Value(std::move(kept)));
      }
    }
    copy.tmpl = Value(ValueMap{{"Resources", Value(std::move(resources))}});
    std::set<std::string> refs;
    CollectRefs(copy.tmpl, refs);
    for (const std::string& ref : refs) {
      if (ref.starts_with("AWS::") || copy.refs.count(ref)) continue;
      const Value* resources_map = copy.tmpl.Find("Resources");
      if (resources_map->Find(ref.substr(0, ref.find('.')))) continue;
      auto local = local_refs.find(ref);
      if (local != local_refs.end()) {
        copy.refs[ref] = local->second;
      } else if (std::optional<std::string> expr = DependencyRef(ref, literal_only)) {
        copy.refs[ref] = *expr;
      } else if (const Value* param = r.parameters.Find(ref);
                 param && (param->is_string() || param->is_number())) {
        copy.refs[ref] = TsString(param->ToText());
      }
    }
    return copy;
  }

  std::string EmitL1(const Gen1Resource& r, const L1Copy& copy, const std::string& scope,
                     const std::string& var, bool keep_ids) {
    std::string file = fmt::format("{}-{}.json", r.category, r.name);
    files_["amplify/gen1/" + file] = PrettyJson(copy.tmpl);
    std::string refs;
    for (const auto& [k, v] : copy.refs) refs += fmt::format("    {}: {},\n", TsKey(k), v);
    std::string names;
    for (const std::string& id : copy.names) {
      const Value* def = DeployedResource(r, id);
      std::string type = def ? StringField(*def, "Type") : "";
      auto prop = NameProperties().find(type);
      if (prop == NameProperties().end()) continue;
      names += fmt::format("    {}: {{ property: {}, name: gen1Name({}) }},\n", TsKey(id),
                           TsString(prop->second),
                           TsString(fmt::format("{}/{}/{}", r.category, r.name, id)));
    }
    std::string out = fmt::format("{}addGen1Resources({}, readGen1Template({}), {{\n  refs: {},\n",
                                  var.empty() ? "" : fmt::format("const {} = ", var), scope,
                                  TsString(file), refs.empty() ? "{}" : "{\n" + refs + "  }");
    if (!names.empty()) out += "  names: postRefactor ? {\n" + names + "  } : undefined,\n";
    out += fmt::format("  keepLogicalIds: {},\n", keep_ids ? "true" : "false");
    if (!keep_ids)
      out += fmt::format("  group: {},\n", TsString("gen1-" + r.category + "-" + r.name));
    out += "});\n";
    return out;
  }

  // --- backend.ts --------------------------------------------------------

  std::string Backend() {
    std::vector<std::string> members;
    std::string imports;
    if (auth_) {
      imports += "import { auth } from './auth/resource';\n";
      members.push_back("auth");
    }
    if (api_) {
      imports += "import { data } from './data/resource';\n";
      members.push_back("data");
    }
    std::vector<std::string> buckets;
    for (const Gen1Resource* s : project_.OfCategory("storage")) {
      if (s->service == "S3") buckets.push_back(Id(*s));
    }
    if (!buckets.empty()) {
      imports += fmt::format("import {{ {} }} from './storage/resource';\n", ListOf(buckets));
      for (const std::string& b : buckets) members.push_back(b);
    }
    for (const Gen1Resource* fn : project_.OfCategory("function")) {
      if (fn->service == "Lambda" && IsNodeFunction(*fn)) {
        imports +=
            fmt::format("import {{ {} }} from './functions/{}/resource';\n", Id(*fn), fn->name);
        members.push_back(Id(*fn));
      }
    }

    std::string body;
    if (auth_) {
      body += AuthPins();
      body += OverrideSection(
          *auth_, {{"userPool", "backend.auth.resources.cfnResources.cfnUserPool"},
                   {"userPoolClient", "backend.auth.resources.cfnResources.cfnUserPoolClient"},
                   {"userPoolClientWeb", "backend.auth.resources.cfnResources.cfnUserPoolClient"},
                   {"identityPool", "backend.auth.resources.cfnResources.cfnIdentityPool"},
                   {"identityPoolRoleMap",
                    "backend.auth.resources.cfnResources.cfnIdentityPoolRoleAttachment"}});
    }
    for (const Gen1Resource* s : project_.OfCategory("storage")) {
      if (s->service != "S3") continue;
      for (const StatefulResource& st : PlanFor(*s).stateful) {
        std::string pins;
        const Value* bucket = DeployedResource(*s, st.logical_id);
        const Value* encryption =
            bucket && Props(*bucket) ? Props(*bucket)->Find("BucketEncryption") : nullptr;
        if (encryption && !HasIntrinsic(*encryption)) {
          pins = fmt::format(
              "{}.resources.cfnResources.cfnBucket.addPropertyOverride('BucketEncryption', {});\n",
              "backend." + Id(*s), TsLiteral(*encryption, 0));
        }
        body += fmt::format(
            "// --- storage {0}: Gen1's encryption; the Gen1 name after refactor ---\n{3}"
            "if (postRefactor) {{\n"
            "  const cfnBucket = backend.{1}.resources.cfnResources.cfnBucket;\n"
            "  cfnBucket.bucketName = gen1Name({2});\n"
            "  cfnBucket.applyRemovalPolicy(RemovalPolicy.RETAIN);\n}}\n\n",
            s->name, Id(*s), TsString(fmt::format("storage/{}/{}", s->name, st.logical_id)), pins);
      }
      body += OverrideSection(
          *s, {{"s3Bucket", fmt::format("backend.{}.resources.cfnResources.cfnBucket", Id(*s))}});
    }
    // Stateful storage other than S3 (DynamoDB tables) in one custom stack each.
    for (const Gen1Resource* s : project_.OfCategory("storage")) {
      if (s->service == "S3") continue;
      L1Copy copy = CopyResources(*s, {}, {}, false);
      body += fmt::format("// --- storage {}: {} (Gen1 logical ids kept for refactor) ---\n",
                          s->name, s->service);
      body +=
          EmitL1(*s, copy, fmt::format("backend.createStack({})", TsString("storage" + s->name)),
                 Id(*s), true);
      body += "\n";
    }
    // Layers before functions: functions attach them.
    for (const Gen1Resource* fn : project_.OfCategory("function")) {
      if (fn->service != "LambdaLayer") continue;
      std::vector<std::string> runtimes;
      if (const Value* rts = fn->parameters.Find("runtimes"); rts && rts->is_list()) {
        for (const Value& rt : rts->as_list()) {
          if (rt.is_string()) runtimes.push_back(rt.as_string());
        }
      }
      std::string compat;
      for (const std::string& rt : runtimes) {
        compat += fmt::format("new lambda.Runtime({}, lambda.RuntimeFamily.{}), ", TsString(rt),
                              rt.starts_with("python") ? "PYTHON" : "NODEJS");
      }
      if (!compat.empty())
        compat = "  compatibleRuntimes: [" + compat.substr(0, compat.size() - 2) + "],\n";
      body += fmt::format(
          "// --- function layer {0}: a new layer version with the Gen1 content ---\n"
          "const {1} = new lambda.LayerVersion(backend.createStack({2}), {3}, {{\n"
          "  code: lambda.Code.fromAsset(fileURLToPath(new URL({4}, "
          "import.meta.url))),\n{5}}});\n\n",
          fn->name, Id(*fn), TsString("layer" + fn->name), TsString(fn->name),
          TsString(fmt::format("./layers/{}", fn->name)), compat);
    }
    for (const Gen1Resource* fn : project_.OfCategory("function")) {
      if (fn->service != "Lambda") continue;
      std::string section = FunctionWiring(*fn);
      if (!section.empty()) body += section + "\n";
    }
    // REST APIs, custom, analytics and every other category: L1 copies.
    for (const Gen1Resource& r : project_.resources) {
      if (r.category == "auth" || r.category == "storage" || r.category == "function" ||
          r.category == "hosting" || (r.category == "api" && r.service == "AppSync")) {
        continue;
      }
      if (r.deployed_template.is_null()) continue;
      L1Copy copy = CopyResources(r, {}, {}, false);
      body += fmt::format("// --- {} {}: {} copied from the deployed Gen1 template ---\n",
                          r.category, r.name, r.service.empty() ? "resources" : r.service);
      body += EmitL1(r, copy, fmt::format("backend.createStack({})", TsString(r.category + r.name)),
                     "", true);
      body += "\n";
    }

    // Import exactly what the body uses, in a fixed order.
    std::vector<std::string> cdk;
    for (const auto& [name, marker] : std::vector<std::pair<std::string, std::string>>{
             {"Duration", "Duration."},
             {"RemovalPolicy", "RemovalPolicy."},
             {"Token", "Token."},
             {"aws_iam as iam", "new iam."},
             {"aws_lambda as lambda", "new lambda."}}) {
      if (body.find(marker) != std::string::npos) cdk.push_back(name);
    }
    std::string cdk_imports =
        cdk.empty() ? "" : fmt::format("import {{ {} }} from 'aws-cdk-lib';\n", ListOf(cdk));
    std::string header = fmt::format(
        "import {{ readFileSync }} from 'node:fs';\n"
        "{}"
        "import {{ defineBackend }} from '@aws-amplify/backend';\n"
        "{}"
        "import {{ addGen1Resources, readGen1Template }} from './gen1/cfn';\n"
        "{}\n"
        "// amplify/migration.json says whether the Gen1 stateful resources have\n"
        "// been moved into this backend (flightplan refactor flips \"phase\").\n"
        "// Before: Gen2 creates its own, differently named. After: the code names\n"
        "// each moved resource exactly as deployed and retains it.\n"
        "type Migration = {{\n"
        "  phase: 'pre-refactor' | 'post-refactor';\n"
        "  gen1: {{ env: string; resources: Record<string, {{ name: string }}> }};\n"
        "}};\n"
        "const migration = JSON.parse(\n"
        "  readFileSync(new URL('./migration.json', import.meta.url), 'utf8'),\n"
        ") as Migration;\n"
        "const postRefactor = migration.phase === 'post-refactor';\n"
        "const gen1Name = (key: string): string => {{\n"
        "  const resource = migration.gen1.resources[key];\n"
        "  if (!resource) throw new Error(`amplify/migration.json names no Gen1 resource "
        "${{key}}`);\n"
        "  return resource.name;\n"
        "}};\n\n"
        "const backend = defineBackend({{\n",
        body.find("fileURLToPath(") != std::string::npos
            ? "import { fileURLToPath } from 'node:url';\n"
            : "",
        cdk_imports, imports);
    for (const std::string& m : members) header += fmt::format("  {},\n", m);
    header += "});\n\n";
    std::string out = header + body;
    while (out.ends_with("\n\n")) out.pop_back();
    return out;
  }

  // A Gen1 override.ts carried over verbatim (override.h), called with the
  // Gen2 L1 resources under the names Gen1 gave them.
  std::string OverrideSection(const Gen1Resource& r,
                              const std::vector<std::pair<std::string, std::string>>& resources) {
    if (!OverrideIsCarriedOver(r)) return "";
    std::optional<Gen1Override> parsed = ReadOverride(r);
    if (!parsed) return "";
    std::string fn = "gen1Override_" + r.category + "_" + Id(r);
    std::string params;
    std::string args;
    std::string members;
    for (const auto& [name, expr] : resources)
      members += fmt::format("      {}: {},\n", name, expr);
    if (!parsed->parameters.empty()) {
      params += fmt::format("  {}: any,\n", parsed->parameters[0]);
      args += fmt::format("    {{\n{}    }},\n", members);
    }
    if (parsed->parameters.size() > 1) {
      params +=
          fmt::format("  {}: {{ envName: string; projectName: string }},\n", parsed->parameters[1]);
      args += fmt::format("    {{ envName: migration.gen1.env, projectName: {} }},\n",
                          TsString(project_.project_name));
    }
    std::string body = parsed->body;
    while (!body.empty() && body.front() == '\n') body.erase(body.begin());
    while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
    return fmt::format(
        "// --- {0} {1}: Gen1 override.ts, carried over verbatim ---\n"
        "// Gen1 called override() with its CloudFormation resources; the same L1\n"
        "// resources of this backend are passed under Gen1's names. `flightplan\n"
        "// assess` lists it as manual work: review it.\n"
        "// eslint-disable-next-line @typescript-eslint/no-explicit-any\n"
        "function {2}(\n{3}): void {{\n{4}\n}}\n"
        "try {{\n  {2}(\n{5}  );\n}} catch (error) {{\n"
        "  throw new Error(`the Gen1 override of {0}/{1} fails on the Gen2 resources "
        "(amplify/backend.ts): ${{String(error)}}`);\n}}\n\n",
        r.category, r.name, fn, params, body, args);
  }

  const ResourcePlan& PlanFor(const Gen1Resource& r) {
    if (plan_.resources.empty()) plan_ = PlanMigration(project_);
    for (const ResourcePlan& p : plan_.resources) {
      if (p.resource == &r) return p;
    }
    static const ResourcePlan kEmpty;
    return kEmpty;
  }

  // Environment references, permissions, event sources and layers of a
  // function; a non-Node.js function is created here with CDK.
  std::string FunctionWiring(const Gen1Resource& fn) {
    std::string out;
    const bool literal_only = GroupOf(fn.name) == "auth";
    std::string target;
    std::string stack;
    std::string role;
    std::string fn_name;
    std::string fn_arn;
    const Value* p = LambdaProps(fn);
    if (IsNodeFunction(fn)) {
      target = fmt::format("backend.{}.resources.lambda", Id(fn));
      stack = fmt::format("backend.{}.stack", Id(fn));
      role = target + ".role!.roleName";
      fn_name = target + ".functionName";
      fn_arn = target + ".functionArn";
    } else {
      std::string runtime = FunctionRuntime(fn);
      std::string family = runtime.starts_with("python")   ? "PYTHON"
                           : runtime.starts_with("java")   ? "JAVA"
                           : runtime.starts_with("dotnet") ? "DOTNET_CORE"
                           : runtime.starts_with("go")     ? "GO"
                                                           : "OTHER";
      std::string handler = p ? StringField(*p, "Handler") : "";
      std::string extra;
      if (p) {
        if (const Value* t = p->Find("Timeout"); t && t->is_int()) {
          extra += fmt::format("  timeout: Duration.seconds({}),\n", t->as_int());
        }
        if (const Value* m = p->Find("MemorySize"); m && m->is_int()) {
          extra += fmt::format("  memorySize: {},\n", m->as_int());
        }
        extra += LiteralEnvironment(*p);
      }
      out += fmt::format(
          "// --- function {0}: {1} is not a Node.js runtime, so it is plain CDK ---\n"
          "const {2} = new lambda.Function(backend.createStack({3}), {4}, {{\n"
          "  runtime: new lambda.Runtime({5}, lambda.RuntimeFamily.{6}),\n"
          "  handler: {7},\n"
          "  code: lambda.Code.fromAsset(fileURLToPath(new URL({8}, import.meta.url))),\n{9}}});\n",
          fn.name, runtime, Id(fn), TsString("function" + fn.name), TsString(fn.name),
          TsString(runtime), family, TsString(handler.empty() ? "index.handler" : handler),
          TsString(fmt::format("./functions/{}/src", fn.name)), extra);
      target = Id(fn);
      stack = fmt::format("{}.stack", Id(fn));
      role = target + ".role!.roleName";
      fn_name = target + ".functionName";
      fn_arn = target + ".functionArn";
    }
    // Environment variables that name other resources.
    const std::string env_target = IsNodeFunction(fn) ? fmt::format("backend.{}", Id(fn)) : Id(fn);
    std::string env;
    if (p) {
      if (const Value* e = p->Find("Environment")) {
        if (const Value* vars = e->Find("Variables"); vars && vars->is_map()) {
          for (const auto& [k, v] : vars->as_map()) {
            if (v.is_string()) continue;
            const Value* ref = v.Find("Ref");
            std::optional<std::string> expr = ModelTableImport(v, literal_only);
            if (expr) {
              env += fmt::format("{}.addEnvironment({}, {});\n", env_target, TsString(k), *expr);
              continue;
            }
            if (!ref || !ref->is_string()) continue;
            if (ref->as_string() == "AWS::Region") {
              expr = fmt::format("{}.region", stack);
            } else {
              expr = DependencyRef(ref->as_string(), literal_only);
            }
            if (expr)
              env += fmt::format("{}.addEnvironment({}, {});\n", env_target, TsString(k), *expr);
          }
        }
      }
    }
    // Everything the Gen1 function template adds beside the function, its
    // role, its log policy and its schedule: resource policies, event source
    // mappings, permissions.
    std::set<std::string> skip;
    const Value* res = fn.deployed_template.Find("Resources");
    if (res && res->is_map()) {
      for (const auto& [id, def] : res->as_map()) {
        std::string type = StringField(def, "Type");
        if (type == "AWS::Lambda::Function" || type == "AWS::IAM::Role" ||
            type == "AWS::Events::Rule" || id == "lambdaexecutionpolicy" ||
            id == "PermissionForEventsToInvokeLambda") {
          skip.insert(id);
        }
      }
    }
    RefMap local{{"LambdaFunction", fn_name},
                 {"LambdaFunction.Arn", fn_arn},
                 {"LambdaExecutionRole", role},
                 {"LambdaExecutionRole.Arn", target + ".role!.roleArn"}};
    L1Copy copy = CopyResources(fn, skip, local, literal_only);
    bool has_extra = !copy.tmpl.Find("Resources")->as_map().empty();
    // Custom policies (custom-policies.json) the Gen1 CLI added to the role.
    std::string custom;
    if (fn.custom_policies.is_list()) {
      for (const Value& statement : fn.custom_policies.as_list()) {
        std::vector<std::string> actions = Strings(statement.Find("Action"));
        std::vector<std::string> resources = Strings(statement.Find("Resource"));
        if (actions.empty() || resources.empty()) continue;
        std::vector<std::string> qa, qr;
        for (const std::string& a : actions) qa.push_back(TsString(a));
        for (const std::string& r : resources) qr.push_back(TsString(r));
        custom += fmt::format(
            "{}.addToRolePolicy(\n  new iam.PolicyStatement({{ actions: [{}], resources: [{}] "
            "}}),\n);\n",
            target, ListOf(qa), ListOf(qr));
      }
    }
    std::string layers;
    if (const Value* ls = fn.function_parameters.Find("lambdaLayers"); ls && ls->is_list()) {
      std::vector<std::string> arns;
      for (const Value& l : ls->as_list()) {
        const Gen1Resource* layer = project_.Find("function", StringField(l, "resourceName"));
        if (StringField(l, "type") == "ProjectLayer" && layer) {
          arns.push_back(Id(*layer) + ".layerVersionArn");
        }
      }
      if (!arns.empty()) {
        layers = IsNodeFunction(fn)
                     ? fmt::format("backend.{}.resources.cfnResources.cfnFunction.layers = [{}];\n",
                                   Id(fn), ListOf(arns))
                     : fmt::format("{}.addLayers({});\n", Id(fn), ListOf([&] {
                                     std::vector<std::string> v;
                                     for (const Value& l : ls->as_list()) {
                                       const Gen1Resource* layer = project_.Find(
                                           "function", StringField(l, "resourceName"));
                                       if (layer) v.push_back(Id(*layer));
                                     }
                                     return v;
                                   }()));
      }
    }
    if (env.empty() && !has_extra && custom.empty() && layers.empty()) return out;
    if (IsNodeFunction(fn)) {
      out += fmt::format("// --- function {}: references, permissions and event sources ---\n",
                         fn.name);
    }
    out += env + custom + layers;
    if (has_extra) out += EmitL1(fn, copy, stack, "", false);
    return out;
  }

  const Gen1Project& project_;
  const GenerateOptions& options_;
  const std::string branch_;
  const Gen1Resource* auth_;
  const Gen1Resource* api_;
  std::map<std::string, std::string> ids_;
  std::map<std::string, std::string> groups_;
  MigrationPlan plan_;
  GeneratedFiles files_;
};

}  // namespace

std::string_view RefactorPhaseName(RefactorPhase phase) {
  return phase == RefactorPhase::kPostRefactor ? "post-refactor" : "pre-refactor";
}

const std::map<std::string, std::string>& PinnedToolchain() {
  static const std::map<std::string, std::string> kPinned = {
      {"@aws-amplify/backend", "1.25.1"},
      {"@aws-amplify/backend-cli", "1.10.0"},
      {"@types/node", "20.19.43"},
      {"aws-cdk-lib", "2.276.0"},
      {"constructs", "10.8.1"},
      {"esbuild", "0.28.2"},
      {"tsx", "4.23.15"},
      {"typescript", "5.9.3"},
  };
  return kPinned;
}

Result<GeneratedFiles> GenerateGen2(const Gen1Project& project, const GenerateOptions& options) {
  Generator generator(project, options);
  return generator.Run();
}

}  // namespace flightplan::amplify
