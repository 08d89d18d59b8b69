#include "cloudsim/faults.h"

#include <fmt/format.h>

#include <algorithm>

namespace flightplan::cloudsim {

namespace {

constexpr std::string_view kKinds[] = {"throttle",      "error",
                                       "reset",         "reset_after",
                                       "latency",       "fail_stack_operation",
                                       "fail_refactor", "unprocessed_items"};

bool Matches(const Value& want, const Value& have) {
  if (!want.is_map()) return true;
  for (const auto& [key, value] : want.as_map()) {
    const Value* got = have.is_map() ? have.Find(key) : nullptr;
    if (!got || !(*got == value)) return false;
  }
  return true;
}

}  // namespace

Value FaultRule::ToValue() const {
  ValueMap out;
  out["id"] = id;
  out["service"] = service;
  out["operation"] = operation;
  out["kind"] = kind;
  if (!match.is_null()) out["match"] = match;
  out["skip"] = skip;
  out["count"] = count;
  out["fired"] = fired;
  if (kind == "error") {
    out["status"] = status;
    out["code"] = code;
    out["message"] = message;
  }
  if (kind == "latency") out["latency_ms"] = static_cast<int64_t>(latency.count());
  if (!options.is_null()) out["options"] = options;
  return out;
}

Result<FaultRule> FaultRule::FromValue(const Value& value) {
  if (!value.is_map()) {
    return MakeError(ErrorCode::kInvalidInput, "a fault rule is a JSON object");
  }
  FaultRule rule;
  auto string_field = [&](std::string_view key, std::string& out) -> Result<void> {
    const Value* v = value.Find(key);
    if (!v) return {};
    if (!v->is_string()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("fault rule field '{}' must be a string", key));
    }
    out = v->as_string();
    return {};
  };
  auto int_field = [&](std::string_view key, int& out) -> Result<void> {
    const Value* v = value.Find(key);
    if (!v) return {};
    if (!v->is_int()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("fault rule field '{}' must be an integer", key));
    }
    out = static_cast<int>(v->as_int());
    return {};
  };
  TRY(string_field("id", rule.id));
  TRY(string_field("service", rule.service));
  TRY(string_field("operation", rule.operation));
  TRY(string_field("kind", rule.kind));
  TRY(string_field("code", rule.code));
  TRY(string_field("message", rule.message));
  TRY(int_field("skip", rule.skip));
  TRY(int_field("count", rule.count));
  TRY(int_field("status", rule.status));
  int latency_ms = 0;
  TRY(int_field("latency_ms", latency_ms));
  rule.latency = Duration(latency_ms);
  if (const Value* m = value.Find("match")) {
    if (!m->is_map()) {
      return MakeError(ErrorCode::kInvalidInput,
                       "fault rule field 'match' must be an object of key "
                       "parameters, e.g. {\"StackName\": \"x\"}");
    }
    rule.match = *m;
  }
  if (const Value* o = value.Find("options")) rule.options = *o;
  if (std::find(std::begin(kKinds), std::end(kKinds), rule.kind) == std::end(kKinds)) {
    return MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("unknown fault kind '{}': use one of throttle, error, "
                    "reset, reset_after, latency, fail_stack_operation, fail_refactor, "
                    "unprocessed_items",
                    rule.kind));
  }
  if (rule.count == 0 || rule.count < -1) {
    return MakeError(ErrorCode::kInvalidInput,
                     "fault rule 'count' must be positive or -1 (always)");
  }
  if (rule.skip < 0) {
    return MakeError(ErrorCode::kInvalidInput, "fault rule 'skip' must be >= 0");
  }
  if (rule.kind == "error" && (rule.status < 400 || rule.status > 599)) {
    return MakeError(ErrorCode::kInvalidInput,
                     "fault rule 'status' must be an HTTP error status (400-599)");
  }
  return rule;
}

std::string FaultSet::Add(FaultRule rule) {
  if (rule.id.empty()) rule.id = fmt::format("fault-{}", next_id_++);
  rules_.push_back(std::move(rule));
  return rules_.back().id;
}

bool FaultSet::Remove(std::string_view id) {
  return std::erase_if(rules_, [&](const FaultRule& r) { return r.id == id; }) > 0;
}

Value FaultSet::ToValue() const {
  ValueList out;
  for (const FaultRule& rule : rules_) out.push_back(rule.ToValue());
  return out;
}

std::optional<FaultRule> FaultSet::Take(std::string_view service, std::string_view operation,
                                        const Value& key_params,
                                        const std::vector<std::string_view>& kinds) {
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    FaultRule& rule = *it;
    if (std::find(kinds.begin(), kinds.end(), rule.kind) == kinds.end()) continue;
    if (rule.service != "*" && rule.service != service) continue;
    if (rule.operation != "*" && rule.operation != operation) continue;
    if (!Matches(rule.match, key_params)) continue;
    if (rule.skip > 0) {
      --rule.skip;
      continue;
    }
    ++rule.fired;
    FaultRule fired = rule;
    if (rule.count > 0 && --rule.count == 0) rules_.erase(it);
    return fired;
  }
  return std::nullopt;
}

}  // namespace flightplan::cloudsim
