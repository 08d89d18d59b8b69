#include "steps/aws/values.h"

#include <charconv>

namespace flightplan::aws {

const ValueList& ListAt(const Value& parent, std::string_view key) {
  static const ValueList kEmpty;
  const Value* value = parent.Find(key);
  return value != nullptr && value->is_list() ? value->as_list() : kEmpty;
}

std::string StringAt(const Value& parent, std::string_view key) {
  const Value* value = parent.Find(key);
  return value != nullptr ? value->ToText() : "";
}

bool BoolAt(const Value& parent, std::string_view key) {
  const Value* value = parent.Find(key);
  if (value == nullptr) return false;
  if (value->is_bool()) return value->as_bool();
  return value->is_string() && value->as_string() == "true";
}

int64_t IntAt(const Value& parent, std::string_view key, int64_t fallback) {
  const Value* value = parent.Find(key);
  if (value == nullptr) return fallback;
  if (value->is_number()) return static_cast<int64_t>(value->as_double());
  if (!value->is_string()) return fallback;
  const std::string& text = value->as_string();
  int64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() ? out : fallback;
}

}  // namespace flightplan::aws
