#include "cloudsim/cfn/drift.h"

#include <string>

namespace flightplan::cloudsim {

namespace {

std::string Text(const Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_null()) return "";
  if (v.is_map() || v.is_list()) return v.ToJson();
  return v.ToText();
}

bool Scalar(const Value& v) { return !v.is_map() && !v.is_list(); }

void Add(ValueList& out, const std::string& path, const Value* expected, const Value* actual,
         const char* type) {
  ValueMap diff;
  diff["PropertyPath"] = path;
  diff["ExpectedValue"] = expected ? Text(*expected) : std::string();
  diff["ActualValue"] = actual ? Text(*actual) : std::string();
  diff["DifferenceType"] = type;
  out.emplace_back(std::move(diff));
}

void Compare(const std::string& path, const Value& expected, const Value& actual, ValueList& out) {
  if (Scalar(expected) && Scalar(actual)) {
    if (Text(expected) != Text(actual)) Add(out, path, &expected, &actual, "NOT_EQUAL");
    return;
  }
  if (expected.is_map() && actual.is_map()) {
    for (const auto& [key, value] : expected.as_map()) {
      const Value* got = actual.Find(key);
      if (!got || got->is_null()) {
        if (!value.is_null()) Add(out, path + "/" + key, &value, nullptr, "REMOVE");
        continue;
      }
      Compare(path + "/" + key, value, *got, out);
    }
    return;
  }
  if (expected.is_list() && actual.is_list()) {
    const ValueList& e = expected.as_list();
    const ValueList& a = actual.as_list();
    size_t common = std::min(e.size(), a.size());
    for (size_t i = 0; i < common; ++i) {
      Compare(path + "/" + std::to_string(i), e[i], a[i], out);
    }
    for (size_t i = common; i < e.size(); ++i) {
      Add(out, path + "/" + std::to_string(i), &e[i], nullptr, "REMOVE");
    }
    for (size_t i = common; i < a.size(); ++i) {
      Add(out, path + "/" + std::to_string(i), nullptr, &a[i], "ADD");
    }
    return;
  }
  Add(out, path, &expected, &actual, "NOT_EQUAL");
}

}  // namespace

Value PropertyDifferences(const Value& expected, const Value& actual) {
  ValueList out;
  if (expected.is_map()) {
    Compare("", expected, actual.is_map() ? actual : Value(ValueMap{}), out);
  }
  return Value(std::move(out));
}

}  // namespace flightplan::cloudsim
