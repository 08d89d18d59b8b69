// Value: the data that flows through workflows — parameters, step inputs and
// outputs, event details. A JSON-shaped tree (null, bool, integer, number,
// string, list, map) with maps ordered by key, so serialising the same value
// always gives the same bytes (the audit hash chain relies on that).
//
// Thread-safety: a plain value type.
#ifndef FLIGHTPLAN_BASE_VALUE_H_
#define FLIGHTPLAN_BASE_VALUE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/error.h"

namespace flightplan {

class Value;
using ValueList = std::vector<Value>;
using ValueMap = std::map<std::string, Value, std::less<>>;

enum class ValueType { kNull, kBool, kInt, kDouble, kString, kList, kMap };
std::string_view ValueTypeName(ValueType type);

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  Value(int i) : data_(static_cast<int64_t>(i)) {}
  Value(int64_t i) : data_(i) {}
  Value(double d) : data_(d) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(ValueList l) : data_(std::move(l)) {}
  Value(ValueMap m) : data_(std::move(m)) {}

  ValueType type() const { return static_cast<ValueType>(data_.index()); }
  bool is_null() const { return type() == ValueType::kNull; }
  bool is_bool() const { return type() == ValueType::kBool; }
  bool is_int() const { return type() == ValueType::kInt; }
  bool is_number() const { return type() == ValueType::kInt || type() == ValueType::kDouble; }
  bool is_string() const { return type() == ValueType::kString; }
  bool is_list() const { return type() == ValueType::kList; }
  bool is_map() const { return type() == ValueType::kMap; }

  // Accessors require the matching type (checked with the is_* calls).
  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_double() const {
    return is_int() ? static_cast<double>(as_int()) : std::get<double>(data_);
  }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const ValueList& as_list() const { return std::get<ValueList>(data_); }
  ValueList& as_list() { return std::get<ValueList>(data_); }
  const ValueMap& as_map() const { return std::get<ValueMap>(data_); }
  ValueMap& as_map() { return std::get<ValueMap>(data_); }

  // Map lookup; nullptr when this is not a map or has no such key.
  const Value* Find(std::string_view key) const;
  // Strict typed reads of a member, for values flightplan wrote itself: the
  // member when this is a map holding `key` with that type, otherwise ""
  // (StringAt), 0 (IntAt) or null (At). Lenient reads of AWS outputs, where
  // a number may arrive as text, are steps/aws/values.h's.
  std::string StringAt(std::string_view key) const;
  int64_t IntAt(std::string_view key) const;
  const Value& At(std::string_view key) const;
  // Map insertion; turns a null into an empty map first.
  Value& Set(std::string key, Value value);

  // The text a value has when interpolated into a string: strings as they
  // are, numbers and booleans as literals, null as "", lists and maps as JSON.
  std::string ToText() const;
  // Compact JSON with keys in order.
  std::string ToJson() const;
  static Result<Value> FromJson(std::string_view json);

  // Truthiness for conditions: false, null, 0, "" and empty collections are false.
  bool Truthy() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, ValueList, ValueMap> data_;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_BASE_VALUE_H_
