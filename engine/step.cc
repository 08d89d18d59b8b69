#include "engine/step.h"

#include <fmt/format.h>

#include "engine/expression.h"
#include "engine/workflow.h"

namespace flightplan {

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kNumber:
      return "number";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kList:
      return "list";
    case FieldType::kMap:
      return "map";
    case FieldType::kAny:
      return "any";
    case FieldType::kDuration:
      return "duration";
    case FieldType::kExpression:
      return "expression";
  }
  return "any";
}

std::string_view CheckOutcomeName(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kDone:
      return "done";
    case CheckOutcome::kNotDone:
      return "not done";
    case CheckOutcome::kUnknown:
      return "unknown";
  }
  return "unknown";
}

namespace {

bool HoldsTemplate(const Value& v) {
  if (!v.is_string()) return false;
  auto tmpl = Template::Parse(v.as_string());
  return !tmpl || !tmpl->is_literal();
}

bool Matches(FieldType type, const Value& v) {
  switch (type) {
    case FieldType::kAny:
      return true;
    case FieldType::kString:
      return v.is_string() || v.is_number() || v.is_bool();
    case FieldType::kInteger:
      return v.is_int();
    case FieldType::kNumber:
      return v.is_number();
    case FieldType::kBoolean:
      return v.is_bool();
    case FieldType::kList:
      return v.is_list();
    case FieldType::kMap:
      return v.is_map();
    case FieldType::kDuration:
      return v.is_int() || (v.is_string() && ParseDuration(v.as_string()).has_value());
    case FieldType::kExpression:
      return v.is_string() || v.is_bool();
  }
  return false;
}

}  // namespace

Result<void> ValidateInputs(const StepSchema& schema, const Value& inputs) {
  if (!inputs.is_map() && !inputs.is_null()) {
    return MakeError(ErrorCode::kInvalidInput, "'with' must be a map of inputs");
  }
  if (inputs.is_map()) {
    for (const auto& [name, value] : inputs.as_map()) {
      const FieldSpec* spec = nullptr;
      for (const FieldSpec& field : schema.inputs) {
        if (field.name == name) spec = &field;
      }
      if (spec == nullptr) {
        std::string known;
        for (const FieldSpec& field : schema.inputs) {
          known += known.empty() ? field.name : ", " + field.name;
        }
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("unknown input '{}' (this step takes: {})", name,
                                     known.empty() ? "no inputs" : known));
      }
      if (!HoldsTemplate(value) && !Matches(spec->type, value)) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("input '{}' must be a {}, not a {}", name,
                                     FieldTypeName(spec->type), ValueTypeName(value.type())));
      }
    }
  }
  for (const FieldSpec& field : schema.inputs) {
    if (field.required && inputs.Find(field.name) == nullptr) {
      return MakeError(ErrorCode::kInvalidInput, fmt::format("missing required input '{}' ({})",
                                                             field.name, field.description));
    }
  }
  return {};
}

Result<void> StepContext::StopReason() const {
  if (lease_lost != nullptr && lease_lost->load()) {
    return MakeError(ErrorCode::kLeaseLost,
                     fmt::format("the lease on '{}' was taken over by another operator while "
                                 "step '{}' was waiting; this process stops without writing",
                                 target, step_id));
  }
  if (cancel != nullptr && cancel->load()) {
    return MakeError(ErrorCode::kCancelled,
                     fmt::format("interrupted while step '{}' was waiting; `flightplan resume "
                                 "{}` continues",
                                 step_id, run_id));
  }
  return {};
}

Result<void> StepType::ValidateStatic(const Value&) const { return {}; }

Result<Value> StepType::Prepare(const Value&, StepContext&) const { return Value(ValueMap{}); }

Result<std::string> StepType::Preview(const Value& inputs, StepContext&) const {
  return Describe(inputs);
}

Result<CheckResult> StepType::Check(const Value&, StepContext&) const {
  return CheckResult{CheckOutcome::kUnknown, Value(),
                     fmt::format("step type '{}' cannot tell whether its effect "
                                 "happened",
                                 name())};
}

Result<void> StepType::Rollback(const Value&, const Value&, StepContext&) const {
  return MakeError(ErrorCode::kInternal,
                   fmt::format("step type '{}' has no automatic rollback", name()));
}

Result<CheckResult> StepType::CheckRollback(const Value&, const Value&, StepContext&) const {
  return CheckResult{CheckOutcome::kUnknown, Value(),
                     fmt::format("step type '{}' cannot tell whether its rollback "
                                 "happened",
                                 name())};
}

void StepRegistry::Register(std::unique_ptr<StepType> type) {
  std::string key(type->name());
  types_[key] = std::move(type);
}

const StepType* StepRegistry::Find(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : it->second.get();
}

std::vector<std::string> StepRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, type] : types_) names.push_back(name);
  return names;
}

}  // namespace flightplan
