#include "steps/migration/refactor_hosted_ui.h"

#include <fmt/format.h>

#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/migration/refactor_templates.h"

namespace flightplan::migration {

using aws::StringAt;

Result<std::map<std::string, std::string>> MovedPoolDomains(
    aws::AwsClient& client, const std::vector<const RefactorMove*>& moves) {
  std::map<std::string, std::string> out;
  aws::CognitoClient cognito(client);
  for (const RefactorMove* m : moves) {
    if (m->type != "AWS::Cognito::UserPool") continue;
    ASSIGN_OR_RETURN(Value described, cognito.DescribeUserPool(m->physical_id));
    const Value* pool = described.Find("UserPool");
    const Value& fields = pool != nullptr ? *pool : described;
    std::string domain = StringAt(fields, "Domain");
    if (domain.empty()) domain = StringAt(fields, "CustomDomain");
    if (!domain.empty()) out[m->destination_logical_id] = domain;
  }
  return out;
}

Result<std::set<std::string>> DropPoolDomains(
    Value& template_json, const std::map<std::string, std::string>& pool_domains,
    const std::string& stack) {
  std::set<std::string> removed;
  const Value* resources = template_json.is_map() ? template_json.Find("Resources") : nullptr;
  if (resources == nullptr || !resources->is_map() || pool_domains.empty()) return removed;
  DeployedStack deployed;
  deployed.name = stack;
  deployed.template_json = template_json;
  for (const auto& [id, def] : resources->as_map()) {
    if (StringAt(def, "Type") != "AWS::Cognito::UserPoolDomain") continue;
    const Value* props = def.Find("Properties");
    const Value* pool = props != nullptr ? props->Find("UserPoolId") : nullptr;
    const Value* ref = pool != nullptr && pool->is_map() ? pool->Find("Ref") : nullptr;
    if (ref == nullptr || !ref->is_string()) continue;
    auto domain = pool_domains.find(ref->as_string());
    if (domain == pool_domains.end()) continue;
    removed.insert(id);
    // What refers to the removed domain is given the moved pool's domain.
    deployed.physical_ids[id] = domain->second;
  }
  if (removed.empty()) return removed;
  Result<Value> detached =
      DetachTemplate(deployed, removed, LeavingDefinitions::kRetainedAsTheyAre);
  if (!detached) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("Gen2's own user pool domain cannot leave stack {}: {}. Take "
                                 "what uses it out of the Gen2 code, deploy, and run refactor "
                                 "again",
                                 stack, detached.error().message()));
  }
  ASSIGN_OR_RETURN(template_json, RemoveResources(*detached, removed));
  return removed;
}

Result<void> VetNoSecondDomain(const Value& change_set,
                               const std::map<std::string, std::string>& pool_domains,
                               const std::string& label) {
  if (pool_domains.empty()) return {};
  for (const Value& change : aws::ListAt(change_set, "Changes")) {
    const Value* rc = change.Find("ResourceChange");
    if (rc == nullptr || StringAt(*rc, "ResourceType") != "AWS::Cognito::UserPoolDomain") continue;
    std::string action = StringAt(*rc, "Action");
    std::string replacement = StringAt(*rc, "Replacement");
    if (action == "Add" || (action == "Modify" && replacement != "False")) {
      std::string domains;
      for (const auto& [pool, domain] : pool_domains) {
        domains += fmt::format("{}{} ({})", domains.empty() ? "" : ", ", domain, pool);
      }
      return MakeError(
          ErrorCode::kStepFailed,
          fmt::format("the change set for {} would {} the user pool domain {}, but the moved "
                      "pool keeps Gen1's hosted UI domain {} and a user pool holds one domain: "
                      "the next deploy would fail. Generate the Gen2 code again with this "
                      "flightplan (its post-refactor code declares no domain for that pool), "
                      "then run refactor again",
                      label, action == "Add" ? "add" : "replace",
                      StringAt(*rc, "LogicalResourceId"), domains));
    }
  }
  return {};
}

}  // namespace flightplan::migration
