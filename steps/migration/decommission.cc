#include "steps/migration/decommission.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <optional>

#include "steps/amplify/cfn_resolve.h"
#include "steps/aws/values.h"

namespace flightplan::migration {

using aws::IntAt;
using aws::StringAt;

DataKind StatefulHolding::kind() const {
  if (!domain.empty()) return DataKind::kHostedUiDomain;
  if (StatefulTypes::IsDynamoDbTable(type)) return DataKind::kTable;
  if (type == "AWS::Cognito::UserPool") return DataKind::kUserPool;
  if (type == "AWS::S3::Bucket") return DataKind::kBucket;
  if (type == "AWS::Cognito::IdentityPool") return DataKind::kIdentityPool;
  if (!user_pool_id.empty() && type == "AWS::Cognito::UserPoolClient") {
    return DataKind::kUserPoolClient;
  }
  if (!user_pool_id.empty() && type == "AWS::Cognito::UserPoolGroup") {
    return DataKind::kUserPoolGroup;
  }
  return DataKind::kOther;
}

std::string StatefulHolding::Label() const {
  std::string what;
  switch (kind()) {
    case DataKind::kTable:
      what = "table";
      break;
    case DataKind::kUserPool:
      what = "user pool";
      break;
    case DataKind::kBucket:
      what = "bucket";
      break;
    case DataKind::kHostedUiDomain:
      return fmt::format("hosted UI domain {} of user pool {} ({} {})", domain, user_pool_id,
                         stack_path.empty() ? std::string("root stack") : stack_path, logical_id);
    case DataKind::kIdentityPool:
      what = "identity pool";
      break;
    case DataKind::kUserPoolClient:
      what = "user pool client";
      break;
    case DataKind::kUserPoolGroup:
      what = "user pool group";
      break;
    case DataKind::kOther:
      what = type;
      break;
  }
  return fmt::format("{} {} ({} {})", what, physical_id,
                     stack_path.empty() ? std::string("root stack") : stack_path, logical_id);
}

namespace {

// The stack's template with its deployed parameters resolved.
Value Resolved(const EnvStack& stack, const Value& template_json) {
  amplify::ParameterValues given;
  for (const Value& p : stack.parameters) {
    given[StringAt(p, "ParameterKey")] = Value(StringAt(p, "ParameterValue"));
  }
  return amplify::ResolveTemplate(template_json,
                                  amplify::EffectiveParameters(template_json, given));
}

// The user pool a resolved `pool` property names: a literal id, or a Ref to
// the stack's pool resource; "" when it cannot be told.
std::string PoolIdOf(const EnvStack& stack, const Value* pool) {
  if (pool == nullptr) return "";
  std::string pool_id = pool->is_string() ? pool->as_string() : "";
  if (const Value* ref = pool->is_map() ? pool->Find("Ref") : nullptr; ref && ref->is_string()) {
    for (const EnvResource& target : stack.resources) {
      if (target.logical_id == ref->as_string()) pool_id = target.physical_id;
    }
  }
  return pool_id;
}

}  // namespace

std::vector<StatefulHolding> HostedUiDomainResources(const EnvStack& stack,
                                                     const Value& template_json) {
  std::vector<StatefulHolding> out;
  const Value* resources = template_json.is_map() ? template_json.Find("Resources") : nullptr;
  if (resources == nullptr || !resources->is_map()) return out;
  Value resolved = Resolved(stack, template_json);
  const Value* resolved_resources = resolved.Find("Resources");
  for (const EnvResource& r : stack.resources) {
    if (r.type != "Custom::LambdaCallout" || r.status == "DELETE_COMPLETE" ||
        r.status == "DELETE_SKIPPED") {
      continue;
    }
    const Value* def = resolved_resources ? resolved_resources->Find(r.logical_id) : nullptr;
    const Value* props = def ? def->Find("Properties") : nullptr;
    const Value* domain = props ? props->Find("hostedUIDomainName") : nullptr;
    if (!domain || !domain->is_string() || domain->as_string().empty()) continue;
    std::string pool_id = PoolIdOf(stack, props->Find("userPoolId"));
    if (pool_id.empty()) continue;
    StatefulHolding h;
    h.stack_path = stack.path;
    h.stack_name = stack.name;
    h.logical_id = r.logical_id;
    h.physical_id = r.physical_id;
    h.type = r.type;
    h.domain = domain->as_string();
    h.user_pool_id = pool_id;
    const Value* deployed = resources->Find(r.logical_id);
    if (deployed != nullptr && deployed->is_map()) {
      h.deletion_policy = StringAt(*deployed, "DeletionPolicy");
      h.update_replace_policy = StringAt(*deployed, "UpdateReplacePolicy");
    }
    out.push_back(std::move(h));
  }
  return out;
}

std::set<std::string> HostedUiDomainIds(const EnvStack& stack) {
  std::set<std::string> out;
  Result<Value> tmpl = Value::FromJson(stack.template_body);
  if (!tmpl) return out;
  for (const StatefulHolding& h : HostedUiDomainResources(stack, *tmpl)) {
    out.insert(h.logical_id);
  }
  return out;
}

Result<std::vector<StatefulHolding>> InventoryStateful(const std::vector<EnvStack>& stacks) {
  std::vector<StatefulHolding> out;
  for (const EnvStack& s : stacks) {
    bool any = false;
    for (const EnvResource& r : s.resources) {
      any = any || r.stateful || r.type == "Custom::LambdaCallout";
    }
    if (!any) continue;
    Result<Value> tmpl = Value::FromJson(s.template_body);
    const Value* resources = tmpl ? tmpl->Find("Resources") : nullptr;
    if (resources == nullptr || !resources->is_map()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("the deployed template of {} is not a JSON object with "
                                   "Resources; cannot prove what DeleteStack would delete",
                                   s.Label()));
    }
    std::optional<Value> resolved;  // made when a client or group needs its pool
    for (const EnvResource& r : s.resources) {
      if (!r.stateful || r.status == "DELETE_COMPLETE" || r.status == "DELETE_SKIPPED") continue;
      StatefulHolding h;
      h.stack_path = s.path;
      h.stack_name = s.name;
      h.logical_id = r.logical_id;
      h.physical_id = r.physical_id;
      h.type = r.type;
      if (const Value* def = resources->Find(r.logical_id); def != nullptr && def->is_map()) {
        h.deletion_policy = StringAt(*def, "DeletionPolicy");
        h.update_replace_policy = StringAt(*def, "UpdateReplacePolicy");
      }
      if (r.type == "AWS::Cognito::UserPoolClient" || r.type == "AWS::Cognito::UserPoolGroup") {
        if (!resolved) resolved = Resolved(s, *tmpl);
        const Value* all = resolved->Find("Resources");
        const Value* def = all != nullptr ? all->Find(r.logical_id) : nullptr;
        const Value* props = def != nullptr ? def->Find("Properties") : nullptr;
        h.user_pool_id = PoolIdOf(s, props != nullptr ? props->Find("UserPoolId") : nullptr);
      }
      out.push_back(std::move(h));
    }
    for (StatefulHolding& h : HostedUiDomainResources(s, *tmpl)) out.push_back(std::move(h));
  }
  return out;
}

std::string DecommissionVerdict::Word() const {
  if (refused()) return "refused";
  return safe_now() ? "safe" : "retain needed";
}

DecommissionVerdict Judge(const std::vector<StatefulHolding>& holdings) {
  DecommissionVerdict v;
  for (const StatefulHolding& h : holdings) {
    // UpdateReplacePolicy does not matter to a delete; retain sets it too.
    bool complete = h.retained() && h.update_replace_policy == "Retain";
    if (h.stack_path.empty()) {
      if (!h.retained()) v.root_unretained.push_back(h.Label());
    } else if (!complete) {
      v.to_retain.push_back(h.Label());
    }
  }
  return v;
}

std::string FormatInventory(const std::vector<StatefulHolding>& holdings,
                            const DecommissionVerdict& verdict) {
  std::string out = fmt::format("{} stateful resources in the Gen1 stacks:\n", holdings.size());
  for (const StatefulHolding& h : holdings) {
    out += fmt::format("  {}: DeletionPolicy {}, UpdateReplacePolicy {}{}\n", h.Label(),
                       h.deletion_policy.empty() ? "(none: Delete)" : h.deletion_policy,
                       h.update_replace_policy.empty() ? "(none)" : h.update_replace_policy,
                       h.retained() ? " — kept by DeleteStack" : " — would be DELETED");
  }
  if (verdict.refused()) {
    out += fmt::format(
        "verdict: refused — the root stack's {} would be deleted, and flightplan never updates "
        "the root template; set DeletionPolicy Retain on it in the Gen1 project and push, then "
        "run decommission again\n",
        fmt::join(verdict.root_unretained, ", "));
  } else if (!verdict.safe_now()) {
    out += fmt::format(
        "verdict: retain needed — the retain step sets Retain on {} (one vetted change set per "
        "nested stack) before anything is deleted; after it nothing stateful is deleted\n",
        fmt::join(verdict.to_retain, ", "));
  } else {
    out += "verdict: safe — every stateful resource is Retain; DeleteStack deletes none of them\n";
  }
  return out;
}

Value ToValue(const std::vector<StatefulHolding>& holdings) {
  ValueList list;
  for (const StatefulHolding& h : holdings) {
    Value v(ValueMap{});
    v.Set("stack_path", h.stack_path);
    v.Set("stack_name", h.stack_name);
    v.Set("logical_id", h.logical_id);
    v.Set("physical_id", h.physical_id);
    v.Set("type", h.type);
    v.Set("deletion_policy", h.deletion_policy);
    v.Set("update_replace_policy", h.update_replace_policy);
    v.Set("count", h.count);
    if (!h.domain.empty()) {
      v.Set("domain", h.domain);
      v.Set("user_pool_id", h.user_pool_id);
    }
    list.push_back(std::move(v));
  }
  return Value(std::move(list));
}

Result<std::vector<StatefulHolding>> HoldingsFrom(const Value& list) {
  if (!list.is_list()) {
    return MakeError(ErrorCode::kInvalidInput, "the resource list is not a list");
  }
  std::vector<StatefulHolding> out;
  for (const Value& v : list.as_list()) {
    StatefulHolding h;
    h.stack_path = StringAt(v, "stack_path");
    h.stack_name = StringAt(v, "stack_name");
    h.logical_id = StringAt(v, "logical_id");
    h.physical_id = StringAt(v, "physical_id");
    h.type = StringAt(v, "type");
    h.deletion_policy = StringAt(v, "deletion_policy");
    h.update_replace_policy = StringAt(v, "update_replace_policy");
    h.count = IntAt(v, "count", -1);
    h.domain = StringAt(v, "domain");
    h.user_pool_id = StringAt(v, "user_pool_id");
    if (h.physical_id.empty() || h.type.empty()) {
      return MakeError(ErrorCode::kInvalidInput,
                       "a listed resource has no physical id or type: " + v.ToJson());
    }
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<std::string> CompareAfterDelete(const std::vector<StatefulHolding>& before,
                                            const std::vector<std::optional<Observed>>& after) {
  std::vector<std::string> problems;
  for (size_t i = 0; i < before.size(); ++i) {
    const StatefulHolding& h = before[i];
    if (i >= after.size() || !after[i].has_value()) continue;  // not checkable (kOther)
    const Observed& seen = *after[i];
    if (!seen.exists) {
      problems.push_back(fmt::format("{} is GONE", h.Label()));
      continue;
    }
    if (h.count >= 0 && seen.count >= 0 && seen.count < h.count) {
      problems.push_back(fmt::format("{} holds {} where it held {} before the delete", h.Label(),
                                     seen.count, h.count));
    }
  }
  return problems;
}

Result<int64_t> CheckBackupFresh(const std::string& finished, int64_t now_unix_s,
                                 int64_t max_age_hours) {
  if (finished.empty()) {
    return MakeError(ErrorCode::kStepFailed,
                     "no backup of this environment has completed: run `flightplan backup` "
                     "first (or pass --skip-backup-check to go on without one, recorded in the "
                     "journal)");
  }
  int64_t at = 0;
  auto [end, ec] = std::from_chars(finished.data(), finished.data() + finished.size(), at);
  if (ec != std::errc() || end != finished.data() + finished.size()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("backup_finished_at '{}' is not Unix seconds", finished));
  }
  int64_t age = now_unix_s - at;
  if (age > max_age_hours * 3600) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("the latest backup finished {} h ago, more than the {} h "
                                 "allowed: run `flightplan backup` again (or raise "
                                 "-p backup_max_age_hours, or --skip-backup-check)",
                                 age / 3600, max_age_hours));
  }
  return age;
}

}  // namespace flightplan::migration
