#include "steps/data/item_writes.h"

#include <fmt/format.h>

#include "steps/data/item_json.h"

namespace flightplan::data {

Value KeyOf(const Value& item, const std::vector<std::string>& key_names) {
  Value key(ValueMap{});
  for (const std::string& name : key_names) {
    if (const Value* v = item.Find(name)) key.Set(name, *v);
  }
  return key;
}

void AddUnchangedCondition(const Value& item, Value& params, Value& names, Value& values) {
  std::string condition;
  int i = 0;
  for (const auto& [name, v] : item.as_map()) {
    std::string n = fmt::format("#c{}", i);
    std::string p = fmt::format(":c{}", i);
    ++i;
    names.Set(n, name);
    values.Set(p, v);
    condition += fmt::format("{}{} = {}", condition.empty() ? "" : " AND ", n, p);
  }
  params.Set("ConditionExpression", condition);
}

bool IsConditionFailure(const aws::AwsError& e) {
  return e.code == "ConditionalCheckFailedException";
}

Result<bool> PutIfAbsent(const ResolvedTable& t, const Value& item, bool maybe_ours,
                         StepContext& ctx) {
  Value params(ValueMap{});
  params.Set("TableName", t.table);
  params.Set("Item", item);
  params.Set("ConditionExpression", "attribute_not_exists(#k)");
  params.Set("ExpressionAttributeNames", Value(ValueMap{{"#k", Value(t.key_names.front())}}));
  aws::AwsResult put = CallPatiently(*t.client, "PutItem", params, ctx);
  if (put) return true;
  if (!IsConditionFailure(put.error())) {
    return MakeError(put.error().ToError().WithContext(
        fmt::format("creating the item {} in {}", KeyOf(item, t.key_names).ToJson(), t.table)));
  }
  // A send without an answer (or with a 5xx) may have been applied: the
  // condition may have failed on this very write.
  if (!maybe_ours && put.error().unanswered == 0) return false;
  ASSIGN_OR_RETURN(std::optional<Value> there,
                   ReadItem(*t.client, t.table, KeyOf(item, t.key_names), ctx));
  return there && ItemDigest(*there) == ItemDigest(item);
}

Result<std::optional<Value>> ReadItem(aws::AwsClient& client, const std::string& table,
                                      const Value& key, StepContext& ctx) {
  Value params(ValueMap{});
  params.Set("TableName", table);
  params.Set("Key", key);
  params.Set("ConsistentRead", true);
  aws::AwsResult found = CallPatiently(client, "GetItem", params, ctx);
  if (!found) {
    return MakeError(found.error().ToError().WithContext(
        fmt::format("reading the item {} of {}", key.ToJson(), table)));
  }
  const Value* item = found->Find("Item");
  if (item == nullptr || !item->is_map() || item->as_map().empty()) return std::nullopt;
  return *item;
}

}  // namespace flightplan::data
