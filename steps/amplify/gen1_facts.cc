#include "steps/amplify/gen1_facts.h"

#include <algorithm>
#include <regex>

namespace flightplan::amplify {
namespace {

// The properties of the first AWS::Lambda::Function of the deployed
// template, or nullptr.
const Value* LambdaProperties(const Gen1Resource& function) {
  const Value* res = function.deployed_template.Find("Resources");
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
  const Value* res = function.deployed_template.Find("Resources");
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
