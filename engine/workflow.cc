#include "engine/workflow.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace flightplan {

std::string SourceLocation::ToString() const {
  if (line == 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string_view ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "string";
    case ParamType::kInteger:
      return "integer";
    case ParamType::kNumber:
      return "number";
    case ParamType::kBoolean:
      return "boolean";
    case ParamType::kList:
      return "list";
    case ParamType::kMap:
      return "map";
  }
  return "string";
}

const StepSpec* Workflow::FindStep(std::string_view id) const {
  for (const StepSpec& step : steps) {
    if (step.id == id) return &step;
  }
  return nullptr;
}

const ParamSpec* Workflow::FindParam(std::string_view param_name) const {
  for (const ParamSpec& param : params) {
    if (param.name == param_name) return &param;
  }
  return nullptr;
}

Result<Duration> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("'{}' is not a duration (write e.g. 30s, 5m, "
                                 "1h30m, 250ms)",
                                 text));
  };
  if (text.empty()) return bad();
  int64_t total_ms = 0;
  size_t pos = 0;
  bool any_unit = false;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos == start) return bad();
    int64_t amount = 0;
    auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + pos, amount);
    if (ec != std::errc() || amount > 10'000'000) return bad();
    size_t unit_start = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    std::string_view unit = text.substr(unit_start, pos - unit_start);
    int64_t scale = 0;
    if (unit.empty()) {
      if (any_unit || pos != text.size()) return bad();
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = int64_t{60} * 1000;
    } else if (unit == "h") {
      scale = int64_t{3600} * 1000;
    } else {
      return bad();
    }
    any_unit = any_unit || !unit.empty();
    total_ms += amount * scale;
  }
  return Duration(total_ms);
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  int64_t s = ms / 1000;
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

}  // namespace flightplan
