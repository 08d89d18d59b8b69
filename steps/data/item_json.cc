#include "steps/data/item_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "base/digest.h"
#include "steps/aws/wire/dynamodb_number.h"

namespace flightplan::data {
namespace {

// DynamoDB's own bound on nesting (32 levels of M and L).
constexpr int kMaxDepth = 32;

Result<Value> NumberFromText(const std::string& text) {
  int64_t i = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (ec == std::errc() && end == text.data() + text.size()) return Value(i);
  double d = 0;
  auto [dend, dec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (dec == std::errc() && dend == text.data() + text.size() && std::isfinite(d)) {
    return Value(d);
  }
  return MakeError(ErrorCode::kInvalidInput, fmt::format("'{}' is not a number", text));
}

std::string NumberToText(const Value& v) {
  if (v.is_int()) return std::to_string(v.as_int());
  // Shortest text that reads back as the same double.
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v.as_double());
  return ec == std::errc() ? std::string(buffer, end) : fmt::format("{}", v.as_double());
}

Result<Value> AttributeToJson(const Value& attribute, int depth) {
  if (depth > kMaxDepth) {
    return MakeError(ErrorCode::kInvalidInput, "an attribute nests deeper than DynamoDB allows");
  }
  if (!attribute.is_map() || attribute.as_map().size() != 1) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("not an AttributeValue: {}", attribute.ToJson()));
  }
  const auto& [type, v] = *attribute.as_map().begin();
  if ((type == "S" || type == "B") && v.is_string()) return v;
  if (type == "N" && v.is_string()) return NumberFromText(v.as_string());
  if (type == "BOOL" && v.is_bool()) return v;
  if (type == "NULL") return Value();
  if ((type == "SS" || type == "BS") && v.is_list()) return v;
  if (type == "NS" && v.is_list()) {
    ValueList out;
    for (const Value& n : v.as_list()) {
      if (!n.is_string()) break;
      Result<Value> number = NumberFromText(n.as_string());
      if (!number) return MakeError(std::move(number.error()));
      out.push_back(std::move(*number));
    }
    if (out.size() == v.as_list().size()) return Value(std::move(out));
  }
  if (type == "L" && v.is_list()) {
    ValueList out;
    for (const Value& e : v.as_list()) {
      Result<Value> element = AttributeToJson(e, depth + 1);
      if (!element) return MakeError(std::move(element.error()));
      out.push_back(std::move(*element));
    }
    return Value(std::move(out));
  }
  if (type == "M" && v.is_map()) {
    Value out(ValueMap{});
    for (const auto& [name, e] : v.as_map()) {
      Result<Value> element = AttributeToJson(e, depth + 1);
      if (!element) return MakeError(std::move(element.error()));
      out.Set(name, std::move(*element));
    }
    return out;
  }
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("not an AttributeValue DynamoDB writes: {}", attribute.ToJson()));
}

bool AllOf(const ValueList& list, bool (Value::*test)() const) {
  for (const Value& v : list) {
    if (!(v.*test)()) return false;
  }
  return true;
}

Result<Value> ToAttribute(const Value& json, const Value& was, int depth) {
  if (depth > kMaxDepth) {
    return MakeError(ErrorCode::kInvalidInput, "the result nests deeper than DynamoDB allows");
  }
  std::string was_type;
  if (was.is_map() && was.as_map().size() == 1) was_type = was.as_map().begin()->first;
  Value out(ValueMap{});
  switch (json.type()) {
    case ValueType::kNull:
      out.Set("NULL", true);
      return out;
    case ValueType::kBool:
      out.Set("BOOL", json);
      return out;
    case ValueType::kInt:
    case ValueType::kDouble:
      if (!std::isfinite(json.as_double())) {
        return MakeError(ErrorCode::kInvalidInput, "DynamoDB cannot store an infinite number");
      }
      out.Set("N", NumberToText(json));
      return out;
    case ValueType::kString:
      out.Set(was_type == "B" ? "B" : "S", json);
      return out;
    case ValueType::kList: {
      const ValueList& list = json.as_list();
      bool as_set = was_type == "SS" || was_type == "NS" || was_type == "BS";
      if (as_set && list.empty()) {
        return MakeError(ErrorCode::kInvalidInput,
                         "DynamoDB cannot store an empty set; remove the attribute instead");
      }
      if ((was_type == "SS" || was_type == "BS") && AllOf(list, &Value::is_string)) {
        out.Set(was_type, json);
        return out;
      }
      if (was_type == "NS" && AllOf(list, &Value::is_number)) {
        ValueList numbers;
        for (const Value& n : list) numbers.emplace_back(NumberToText(n));
        out.Set("NS", Value(std::move(numbers)));
        return out;
      }
      ValueList elements;
      for (const Value& e : list) {
        Result<Value> element = ToAttribute(e, Value(), depth + 1);
        if (!element) return MakeError(std::move(element.error()));
        elements.push_back(std::move(*element));
      }
      out.Set("L", Value(std::move(elements)));
      return out;
    }
    case ValueType::kMap: {
      const Value* was_map = was_type == "M" ? was.Find("M") : nullptr;
      Value fields(ValueMap{});
      for (const auto& [name, e] : json.as_map()) {
        const Value* before = was_map ? was_map->Find(name) : nullptr;
        Result<Value> element = ToAttribute(e, before ? *before : Value(), depth + 1);
        if (!element) return MakeError(std::move(element.error()));
        fields.Set(name, std::move(*element));
      }
      out.Set("M", std::move(fields));
      return out;
    }
  }
  return MakeError(ErrorCode::kInternal, "a JSON value of no known type");
}

}  // namespace

Result<Value> ItemToJson(const Value& item) {
  if (!item.is_map()) return MakeError(ErrorCode::kInvalidInput, "an item is not a map");
  Value out(ValueMap{});
  for (const auto& [name, attribute] : item.as_map()) {
    auto json = AttributeToJson(attribute, 1);
    if (!json) {
      return MakeError(std::move(json.error()).WithContext(fmt::format("attribute '{}'", name)));
    }
    out.Set(name, std::move(*json));
  }
  return out;
}

Result<Value> JsonToAttribute(const Value& json, const Value& was) {
  return ToAttribute(json, was, 1);
}

Result<ItemChanges> Diff(const Value& before_item, const Value& after_json) {
  if (!after_json.is_map()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("the transform returned {} where an item (an object) or null "
                                 "belongs",
                                 after_json.ToJson()));
  }
  ItemChanges changes;
  for (const auto& [name, attribute] : before_item.as_map()) {
    if (after_json.Find(name) == nullptr) changes.remove.push_back(name);
  }
  for (const auto& [name, value] : after_json.as_map()) {
    const Value* was = before_item.Find(name);
    if (was != nullptr) {
      Result<Value> before = AttributeToJson(*was, 1);
      if (!before) return MakeError(std::move(before.error()));
      if (*before == value) continue;
    }
    auto attribute = JsonToAttribute(value, was ? *was : Value());
    if (!attribute) {
      return MakeError(
          std::move(attribute.error()).WithContext(fmt::format("attribute '{}'", name)));
    }
    changes.set.emplace(name, std::move(*attribute));
  }
  return changes;
}

Value ApplyChanges(const Value& item, const ItemChanges& changes) {
  Value out = item;
  if (!out.is_map()) return out;
  for (const std::string& name : changes.remove) out.as_map().erase(name);
  for (const auto& [name, attribute] : changes.set) out.Set(name, attribute);
  return out;
}

Result<Value> ItemFromJson(const Value& json) {
  if (!json.is_map()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("an item must be a JSON object, not {}", json.ToJson()));
  }
  Value item(ValueMap{});
  for (const auto& [name, value] : json.as_map()) {
    auto attribute = JsonToAttribute(value, Value());
    if (!attribute) {
      return MakeError(
          std::move(attribute.error()).WithContext(fmt::format("attribute '{}'", name)));
    }
    item.Set(name, std::move(*attribute));
  }
  return item;
}

namespace {

// An attribute as DynamoDB gives it back, whatever form it was written in:
// numbers in DynamoDB's text for them, a set's members in one order (a set
// has none). Anything else is left as it is.
Value CanonicalAttribute(const Value& attribute) {
  if (!attribute.is_map() || attribute.as_map().size() != 1) return attribute;
  const auto& [type, v] = *attribute.as_map().begin();
  if (type == "N" && v.is_string()) {
    Result<std::string> number = aws::CanonicalDynamoDbNumber(v.as_string());
    return number ? Value(ValueMap{{"N", Value(std::move(*number))}}) : attribute;
  }
  if ((type == "SS" || type == "NS" || type == "BS") && v.is_list()) {
    std::vector<std::string> members;
    for (const Value& member : v.as_list()) {
      if (!member.is_string()) return attribute;
      Result<std::string> number = type == "NS" ? aws::CanonicalDynamoDbNumber(member.as_string())
                                                : Result<std::string>(member.as_string());
      if (number) {
        members.push_back(std::move(*number));
      } else {
        members.push_back(member.as_string());
      }
    }
    std::sort(members.begin(), members.end());
    ValueList sorted;
    for (std::string& member : members) sorted.emplace_back(std::move(member));
    return Value(ValueMap{{type, Value(std::move(sorted))}});
  }
  if (type == "M" && v.is_map()) {
    ValueMap out;
    for (const auto& [name, inner] : v.as_map()) out.emplace(name, CanonicalAttribute(inner));
    return Value(ValueMap{{"M", Value(std::move(out))}});
  }
  if (type == "L" && v.is_list()) {
    ValueList out;
    for (const Value& inner : v.as_list()) out.push_back(CanonicalAttribute(inner));
    return Value(ValueMap{{"L", Value(std::move(out))}});
  }
  return attribute;
}

}  // namespace

std::string ItemDigest(const Value& item) {
  if (!item.is_map()) return Sha256Hex(item.ToJson());
  ValueMap canonical;
  for (const auto& [name, attribute] : item.as_map()) {
    canonical.emplace(name, CanonicalAttribute(attribute));
  }
  return Sha256Hex(Value(std::move(canonical)).ToJson());
}

}  // namespace flightplan::data
