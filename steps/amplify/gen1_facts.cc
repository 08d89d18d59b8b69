#include "steps/amplify/gen1_facts.h"

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <utility>

namespace flightplan::amplify {
namespace {

// The properties of the first AWS::Lambda::Function of the deployed
// template, or nullptr.
const Value* LambdaProperties(const Gen1Resource& function) {
  const Value* res = function.Template().Find("Resources");
  if (!res || !res->is_map()) return nullptr;
  for (const auto& [id, def] : res->as_map()) {
    if (StringField(def, "Type") == "AWS::Lambda::Function") return def.Find("Properties");
  }
  return nullptr;
}

}  // namespace

const Gen1Resource* MainAuth(const Gen1Project& project) {
  for (const Gen1Resource& r : project.resources) {
    if (r.category == "auth" && r.service == "Cognito") return &r;
  }
  return nullptr;
}

const Gen1Resource* GraphQlApi(const Gen1Project& project) {
  for (const Gen1Resource& r : project.resources) {
    if (r.category == "api" && r.service == "AppSync") return &r;
  }
  return nullptr;
}

std::string FunctionRuntime(const Gen1Resource& function) {
  const Value* res = function.Template().Find("Resources");
  if (!res || !res->is_map()) return "";
  for (const auto& [id, def] : res->as_map()) {
    if (StringField(def, "Type") != "AWS::Lambda::Function") continue;
    if (const Value* props = def.Find("Properties")) {
      std::string runtime = StringField(*props, "Runtime");
      if (!runtime.empty()) return runtime;
    }
  }
  return "";
}

bool IsNodeFunction(const Gen1Resource& function) {
  std::string runtime = FunctionRuntime(function);
  return runtime.empty() || runtime.starts_with("nodejs");
}

std::map<std::string, std::string> AuthTriggers(const Gen1Project& project,
                                                const Gen1Resource& auth) {
  static const std::map<std::string, std::string, std::less<>> kEvents = {
      {"CreateAuthChallenge", "createAuthChallenge"},
      {"CustomMessage", "customMessage"},
      {"DefineAuthChallenge", "defineAuthChallenge"},
      {"PostAuthentication", "postAuthentication"},
      {"PostConfirmation", "postConfirmation"},
      {"PreAuthentication", "preAuthentication"},
      {"PreSignup", "preSignUp"},
      {"PreTokenGeneration", "preTokenGeneration"},
      {"UserMigration", "userMigration"},
      {"VerifyAuthChallengeResponse", "verifyAuthChallengeResponse"},
  };
  std::map<std::string, std::string> out;
  const Value* depends = auth.config.Find("dependsOn");
  if (!depends || !depends->is_list()) return out;
  for (const Value& d : depends->as_list()) {
    if (StringField(d, "triggerProvider") != "Cognito") continue;
    std::string fn = StringField(d, "resourceName");
    if (!project.Find("function", fn)) continue;
    std::string suffix = fn.starts_with(auth.name) ? fn.substr(auth.name.size()) : "";
    auto it = kEvents.find(suffix);
    if (it != kEvents.end()) out.emplace(it->second, fn);
  }
  return out;
}

std::vector<std::string> UsernameAttributes(const Gen1Resource& auth) {
  const Value* list = nullptr;
  if (auth.Template().is_null()) {
    if (const Value* cognito = auth.cli_inputs.Find("cognitoConfig")) {
      list = cognito->Find("usernameAttributes");
    }
  } else if (const Value* res = auth.Template().Find("Resources")) {
    const Value* pool = res->Find("UserPool");
    const Value* props = pool ? pool->Find("Properties") : nullptr;
    list = props ? props->Find("UsernameAttributes") : nullptr;
  }
  std::vector<std::string> out;
  if (!list || !list->is_list()) return out;
  for (const Value& v : list->as_list()) {
    if (!v.is_string()) continue;
    // The Amplify CLI writes "email, phone_number" as one item.
    const std::string& item = v.as_string();
    for (size_t start = 0; start <= item.size();) {
      size_t comma = std::min(item.find(',', start), item.size());
      std::string part = item.substr(start, comma - start);
      part.erase(0, part.find_first_not_of(' '));
      part.erase(part.find_last_not_of(' ') + 1);
      if (!part.empty()) out.push_back(part);
      start = comma + 1;
    }
  }
  return out;
}

const Gen1Resource* LambdaAuthorizer(const Gen1Project& project, const Value& mode) {
  if (StringField(mode, "authenticationType") != "AWS_LAMBDA") return nullptr;
  const Value* config = mode.Find("lambdaAuthorizerConfig");
  std::string name = config ? StringField(*config, "lambdaFunction") : "";
  const Gen1Resource* fn = name.empty() ? nullptr : project.Find("function", name);
  return fn && fn->service == "Lambda" && IsNodeFunction(*fn) ? fn : nullptr;
}

Value UserPoolClientAttributes(const Gen1Resource& auth) {
  Value out;
  if (!auth.Template().is_null()) {
    const Value* res = auth.Template().Find("Resources");
    for (const char* id : {"UserPoolClientWeb", "UserPoolClient"}) {
      const Value* client = res ? res->Find(id) : nullptr;
      const Value* props = client ? client->Find("Properties") : nullptr;
      if (props == nullptr) continue;
      for (const char* key : {"ReadAttributes", "WriteAttributes"}) {
        if (const Value* v = props->Find(key); v && v->is_list()) out.Set(key, *v);
      }
      break;
    }
    return out;
  }
  const Value* cognito = auth.cli_inputs.Find("cognitoConfig");
  const Value* set = cognito ? cognito->Find("userpoolClientSetAttributes") : nullptr;
  if (!set || !set->is_bool() || !set->as_bool()) return out;
  for (const auto& [field, key] : {std::pair{"userpoolClientReadAttributes", "ReadAttributes"},
                                   std::pair{"userpoolClientWriteAttributes", "WriteAttributes"}}) {
    if (const Value* v = cognito->Find(field); v && v->is_list()) out.Set(key, *v);
  }
  return out;
}

Value UserPoolProperties(const Gen1Resource& auth) {
  if (!auth.Template().is_null()) {
    const Value* res = auth.Template().Find("Resources");
    const Value* pool = res ? res->Find("UserPool") : nullptr;
    const Value* props = pool ? pool->Find("Properties") : nullptr;
    return props ? *props : Value();
  }
  const Value* cognito = auth.cli_inputs.Find("cognitoConfig");
  if (!cognito || !cognito->is_map()) return Value();
  auto strings = [](const Value* list) {
    ValueList out;
    if (list && list->is_list()) {
      for (const Value& v : list->as_list()) {
        if (v.is_string()) out.push_back(v);
      }
    }
    return out;
  };
  Value props;
  ValueList schema;
  for (const Value& name : strings(cognito->Find("requiredAttributes"))) {
    Value attribute;
    attribute.Set("Mutable", Value(true));
    attribute.Set("Name", name);
    attribute.Set("Required", Value(true));
    schema.push_back(std::move(attribute));
  }
  if (!schema.empty()) props.Set("Schema", Value(std::move(schema)));
  ValueList username;
  for (const std::string& a : UsernameAttributes(auth)) username.push_back(Value(a));
  if (!username.empty()) props.Set("UsernameAttributes", Value(std::move(username)));
  if (ValueList alias = strings(cognito->Find("aliasAttributes")); !alias.empty()) {
    props.Set("AliasAttributes", Value(std::move(alias)));
  }
  if (const Value* sensitive = cognito->Find("usernameCaseSensitive");
      sensitive && sensitive->is_bool()) {
    Value config;
    config.Set("CaseSensitive", *sensitive);
    props.Set("UsernameConfiguration", std::move(config));
  }
  if (const Value* length = cognito->Find("passwordPolicyMinLength")) {
    ValueList characters = strings(cognito->Find("passwordPolicyCharacters"));
    auto required = [&](std::string_view what) {
      for (const Value& c : characters) {
        if (c.as_string() == what) return true;
      }
      return false;
    };
    Value password;
    password.Set("MinimumLength",
                 length->is_string()
                     ? Value(static_cast<int64_t>(std::atoll(length->as_string().c_str())))
                     : *length);
    password.Set("RequireLowercase", Value(required("Requires Lowercase")));
    password.Set("RequireNumbers", Value(required("Requires Numbers")));
    password.Set("RequireSymbols", Value(required("Requires Symbols")));
    password.Set("RequireUppercase", Value(required("Requires Uppercase")));
    Value policies;
    policies.Set("PasswordPolicy", std::move(password));
    props.Set("Policies", std::move(policies));
  }
  if (std::string mfa = StringField(*cognito, "mfaConfiguration"); !mfa.empty()) {
    props.Set("MfaConfiguration", Value(mfa));
  }
  if (ValueList verified = strings(cognito->Find("autoVerifiedAttributes")); !verified.empty()) {
    props.Set("AutoVerifiedAttributes", Value(std::move(verified)));
  }
  return props;
}

std::optional<bool> IdentityPoolAllowsGuests(const Gen1Resource& auth) {
  const Value* flag = nullptr;
  if (!auth.Template().is_null()) {
    const Value* res = auth.Template().Find("Resources");
    const Value* pool = res ? res->Find("IdentityPool") : nullptr;
    const Value* props = pool ? pool->Find("Properties") : nullptr;
    flag = props ? props->Find("AllowUnauthenticatedIdentities") : nullptr;
  } else if (const Value* cognito = auth.cli_inputs.Find("cognitoConfig");
             cognito && StringField(*cognito, "authSelections") == "identityPoolAndUserPool") {
    flag = cognito->Find("allowUnauthenticatedIdentities");
  }
  if (!flag || !flag->is_bool()) return std::nullopt;
  return flag->as_bool();
}

std::vector<UserPoolGroup> UserPoolGroups(const Gen1Project& project) {
  std::vector<UserPoolGroup> out;
  for (const Gen1Resource* r : project.OfCategory("auth")) {
    if (r->service != "Cognito-UserPool-Groups") continue;
    const Value* res = r->deployed_template.Find("Resources");
    if (!res || !res->is_map()) continue;
    for (const auto& [id, def] : res->as_map()) {
      const Value* props = def.Find("Properties");
      if (StringField(def, "Type") != "AWS::Cognito::UserPoolGroup" || !props) continue;
      UserPoolGroup group{.name = StringField(*props, "GroupName"), .precedence = {}};
      if (group.name.empty()) continue;
      const Value* precedence = props->Find("Precedence");
      if (precedence && precedence->is_int()) group.precedence = precedence->as_int();
      out.push_back(std::move(group));
    }
  }
  if (!out.empty() || !project.declared_user_pool_groups.is_list()) return out;
  for (const Value& declared : project.declared_user_pool_groups.as_list()) {
    UserPoolGroup group{.name = StringField(declared, "groupName"), .precedence = {}};
    if (group.name.empty()) continue;
    const Value* precedence = declared.Find("precedence");
    if (precedence && precedence->is_int()) group.precedence = precedence->as_int();
    out.push_back(std::move(group));
  }
  return out;
}

std::vector<std::string> StatefulLogicalIds(const Gen1Resource& r, std::string_view type) {
  std::vector<std::string> out;
  const Value& tmpl = r.Template();
  if (tmpl.is_null()) {
    const Value* cognito = r.cli_inputs.Find("cognitoConfig");
    if (r.category == "auth" && r.service == "Cognito") {
      if (type == "AWS::Cognito::UserPool") out.push_back("UserPool");
      if (type == "AWS::Cognito::IdentityPool" && cognito &&
          StringField(*cognito, "authSelections") == "identityPoolAndUserPool") {
        out.push_back("IdentityPool");
      }
    } else if (r.category == "storage" && r.service == "S3" && type == "AWS::S3::Bucket") {
      out.push_back("S3Bucket");
    } else if (r.category == "storage" && r.service == "DynamoDB" &&
               type == "AWS::DynamoDB::Table") {
      out.push_back("DynamoDBTable");
    }
    return out;
  }
  const Value* res = tmpl.Find("Resources");
  if (!res || !res->is_map()) return out;
  for (const auto& [id, def] : res->as_map()) {
    if (StringField(def, "Type") == type) out.push_back(id);
  }
  return out;
}

std::vector<std::string> SchemaFunctionNames(const std::string& schema) {
  static const std::regex kFunction(R"re(@function\s*\(\s*name\s*:\s*"([^"]+)")re");
  std::vector<std::string> out;
  for (std::sregex_iterator it(schema.begin(), schema.end(), kFunction), end; it != end; ++it) {
    std::string name = (*it)[1].str();
    if (name.ends_with("-${env}")) name.resize(name.size() - 7);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

std::vector<std::string> SchemaModels(const std::string& schema) {
  static const std::regex kModel(R"re(type\s+([A-Za-z_][A-Za-z0-9_]*)\s+@model\b)re");
  std::vector<std::string> out;
  for (std::sregex_iterator it(schema.begin(), schema.end(), kModel), end; it != end; ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

LambdaSettings DeployedLambdaSettings(const Gen1Resource& function) {
  LambdaSettings out;
  out.runtime = FunctionRuntime(function);
  const Value* props = LambdaProperties(function);
  if (!props) return out;
  out.handler = StringField(*props, "Handler");
  if (const Value* t = props->Find("Timeout"); t && t->is_int()) out.timeout_seconds = t->as_int();
  if (const Value* m = props->Find("MemorySize"); m && m->is_int()) out.memory_mb = m->as_int();
  if (const Value* e = props->Find("Environment")) {
    if (const Value* vars = e->Find("Variables"); vars && vars->is_map()) {
      for (const auto& [name, value] : vars->as_map()) {
        if (value.is_string()) {
          out.literal_environment.emplace(name, value.as_string());
        } else {
          out.referenced_environment.emplace(name, value);
        }
      }
    }
  }
  return out;
}

}  // namespace flightplan::amplify
