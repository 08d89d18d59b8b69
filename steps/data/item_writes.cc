#include "steps/data/item_writes.h"

#include <fmt/format.h>

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

}  // namespace flightplan::data
