#include "steps/migration/lock.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "steps/aws/values.h"

namespace flightplan::migration {

using aws::ListAt;
using aws::StringAt;

namespace {

const char kRetain[] = "Retain";

Result<Value> ParseTemplate(const std::string& body) {
  Result<Value> json = Value::FromJson(body);
  if (!json || !json->is_map()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "the template is not a JSON object (Gen1 deploys JSON templates)");
  }
  const Value* resources = json->Find("Resources");
  if (resources == nullptr || !resources->is_map()) {
    return MakeError(ErrorCode::kInvalidInput, "the template has no Resources map");
  }
  return json;
}

// The value at key, or null when absent (recorded as "was not set").
Value Prior(const Value& map, std::string_view key) {
  const Value* v = map.Find(key);
  return v != nullptr ? *v : Value();
}

}  // namespace

Result<LockedTemplate> LockTemplate(const std::string& template_body, const StatefulTypes& stateful,
                                    const std::set<std::string>& also) {
  ASSIGN_OR_RETURN(Value tmpl, ParseTemplate(template_body));
  LockedTemplate out;
  for (auto& [logical_id, resource] : tmpl.as_map()["Resources"].as_map()) {
    if (!resource.is_map()) continue;
    std::string type = StringAt(resource, "Type");
    if (!stateful.IsStateful(type) && !also.count(logical_id)) continue;
    bool table = StatefulTypes::IsDynamoDbTable(type);
    const Value* props = resource.Find("Properties");
    Value protection =
        props != nullptr && props->is_map() ? Prior(*props, "DeletionProtectionEnabled") : Value();
    bool policies_set = StringAt(resource, "DeletionPolicy") == kRetain &&
                        StringAt(resource, "UpdateReplacePolicy") == kRetain;
    bool protection_set = !table || (protection.is_bool() && protection.as_bool()) ||
                          (protection.is_string() && protection.as_string() == "true");
    if (policies_set && protection_set) continue;
    Value record(ValueMap{});
    record.Set("DeletionPolicy", Prior(resource, "DeletionPolicy"));
    record.Set("UpdateReplacePolicy", Prior(resource, "UpdateReplacePolicy"));
    if (table) record.Set("DeletionProtectionEnabled", protection);
    resource.Set("DeletionPolicy", kRetain);
    resource.Set("UpdateReplacePolicy", kRetain);
    if (table) {
      if (props == nullptr || !props->is_map()) resource.Set("Properties", Value(ValueMap{}));
      resource.as_map()["Properties"].Set("DeletionProtectionEnabled", true);
    }
    const Value* metadata = resource.Find("Metadata");
    if (metadata == nullptr || !metadata->is_map()) resource.Set("Metadata", Value(ValueMap{}));
    resource.as_map()["Metadata"].Set(std::string(kLockMetadataKey), std::move(record));
    out.locked.push_back(logical_id);
  }
  out.body = tmpl.ToJson();
  return out;
}

Result<Value> UnlockTemplate(const Value& template_json) {
  Value tmpl = template_json;
  if (!tmpl.is_map()) return MakeError(ErrorCode::kInvalidInput, "the template is not an object");
  Value* resources = nullptr;
  if (auto it = tmpl.as_map().find("Resources"); it != tmpl.as_map().end()) {
    resources = &it->second;
  }
  if (resources == nullptr || !resources->is_map()) return tmpl;
  for (auto& [logical_id, resource] : resources->as_map()) {
    if (!resource.is_map()) continue;
    auto meta_it = resource.as_map().find("Metadata");
    if (meta_it == resource.as_map().end() || !meta_it->second.is_map()) continue;
    ValueMap& metadata = meta_it->second.as_map();
    auto rec_it = metadata.find(kLockMetadataKey);
    if (rec_it == metadata.end()) continue;
    Value record = rec_it->second;
    metadata.erase(rec_it);
    if (metadata.empty()) resource.as_map().erase("Metadata");
    for (const char* key : {"DeletionPolicy", "UpdateReplacePolicy"}) {
      const Value* prior = record.Find(key);
      if (prior == nullptr || prior->is_null()) {
        resource.as_map().erase(key);
      } else {
        resource.Set(key, *prior);
      }
    }
    if (const Value* prior = record.Find("DeletionProtectionEnabled")) {
      auto props_it = resource.as_map().find("Properties");
      if (props_it != resource.as_map().end() && props_it->second.is_map()) {
        if (prior->is_null()) {
          props_it->second.as_map().erase("DeletionProtectionEnabled");
        } else {
          props_it->second.Set("DeletionProtectionEnabled", *prior);
        }
        if (props_it->second.as_map().empty()) resource.as_map().erase(props_it);
      }
    }
  }
  return tmpl;
}

std::vector<std::string> LockedResources(const Value& template_json) {
  std::vector<std::string> out;
  const Value* resources = template_json.Find("Resources");
  if (resources == nullptr || !resources->is_map()) return out;
  for (const auto& [logical_id, resource] : resources->as_map()) {
    const Value* metadata = resource.Find("Metadata");
    if (metadata != nullptr && metadata->Find(kLockMetadataKey) != nullptr) {
      out.push_back(logical_id);
    }
  }
  return out;
}

Result<void> CheckLockChangeSet(const Value& change_set,
                                const std::vector<std::string>& locked_ids) {
  std::set<std::string, std::less<>> allowed(locked_ids.begin(), locked_ids.end());
  for (const Value& change : ListAt(change_set, "Changes")) {
    const Value* rc = change.Find("ResourceChange");
    if (rc == nullptr) continue;
    std::string id = StringAt(*rc, "LogicalResourceId");
    std::string action = StringAt(*rc, "Action");
    auto refuse = [&](const std::string& why) -> Result<void> {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("the lock change set would {} {} ({}): lock changes only "
                                   "deletion and replacement policies and deletion protection, "
                                   "so nothing was executed",
                                   why, id, StringAt(*rc, "ResourceType")));
    };
    if (action != "Modify") return refuse(fmt::format("{} (Action {})", "change", action));
    if (allowed.count(id) == 0) return refuse("modify a resource lock does not touch,");
    std::string replacement = StringAt(*rc, "Replacement");
    if (replacement == "True" || replacement == "Conditional") return refuse("replace");
    for (const Value& scope : ListAt(*rc, "Scope")) {
      std::string s = scope.is_string() ? scope.as_string() : "";
      if (s != "Properties" && s != "Metadata" && s != "DeletionPolicy" &&
          s != "UpdateReplacePolicy") {
        return refuse(fmt::format("change the {} of", s));
      }
    }
    for (const Value& detail : ListAt(*rc, "Details")) {
      const Value* target = detail.Find("Target");
      if (target == nullptr) continue;
      std::string attribute = StringAt(*target, "Attribute");
      if (attribute == "Properties") {
        std::string name = StringAt(*target, "Name");
        if (name != "DeletionProtectionEnabled") {
          return refuse(fmt::format("change property {} of", name));
        }
        if (StringAt(*target, "RequiresRecreation") == "Always") return refuse("recreate");
      } else if (attribute != "Metadata" && attribute != "DeletionPolicy" &&
                 attribute != "UpdateReplacePolicy") {
        return refuse(fmt::format("change the {} of", attribute));
      }
    }
  }
  return {};
}

Result<std::string> AppendLockStatement(const std::string& existing) {
  Value statement(ValueMap{{"Sid", Value(kLockStatementSid)},
                           {"Effect", Value("Deny")},
                           {"Action", Value("Update:*")},
                           {"Principal", Value("*")},
                           {"Resource", Value("*")}});
  Value policy;
  if (existing.empty()) {
    Result<Value> allow = Value::FromJson(kAllowAllPolicy);
    policy = *allow;
  } else {
    Result<Value> parsed = Value::FromJson(existing);
    if (!parsed || !parsed->is_map()) {
      return MakeError(ErrorCode::kInvalidInput,
                       "the stack's current policy is not a JSON object; lock appends to a "
                       "policy it can read and never replaces one");
    }
    policy = std::move(*parsed);
  }
  if (HasLockStatement(policy.ToJson())) return policy.ToJson();
  const Value* statements = policy.Find("Statement");
  ValueList list;
  if (statements != nullptr && statements->is_list()) {
    list = statements->as_list();
  } else if (statements != nullptr && statements->is_map()) {
    list.push_back(*statements);
  }
  list.push_back(std::move(statement));
  policy.Set("Statement", Value(std::move(list)));
  return policy.ToJson();
}

bool HasLockStatement(const std::string& policy) {
  Result<Value> parsed = Value::FromJson(policy);
  if (!parsed || !parsed->is_map()) return false;
  const Value* statements = parsed->Find("Statement");
  if (statements == nullptr) return false;
  auto is_ours = [](const Value& s) { return StringAt(s, "Sid") == kLockStatementSid; };
  if (statements->is_map()) return is_ours(*statements);
  if (!statements->is_list()) return false;
  return std::any_of(statements->as_list().begin(), statements->as_list().end(), is_ours);
}

}  // namespace flightplan::migration
