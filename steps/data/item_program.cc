#include "steps/data/item_program.h"

#include <fmt/format.h>

#include "steps/data/jq_program.h"

namespace flightplan::data {
namespace {

constexpr size_t kQuotedStderr = 2000;

std::string Labelled(const std::vector<std::string>& labels, size_t i) {
  return i < labels.size() ? fmt::format("the item {}", labels[i]) : fmt::format("item {}", i + 1);
}

class JqItemProgram final : public ItemProgram {
 public:
  explicit JqItemProgram(std::unique_ptr<JqProgram> jq) : jq_(std::move(jq)) {}

  Result<std::vector<Value>> ApplyAll(const std::vector<Value>& items,
                                      const std::vector<std::string>& labels) override {
    std::vector<Value> results;
    results.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      auto result = jq_->Apply(items[i]);
      if (!result) {
        return MakeError(
            std::move(result.error()).WithContext("transforming " + Labelled(labels, i)));
      }
      results.push_back(std::move(*result));
    }
    return results;
  }

 private:
  std::unique_ptr<JqProgram> jq_;
};

// The end of a command's standard error, for a message.
std::string StderrTail(const std::string& text) {
  std::string tail =
      text.size() > kQuotedStderr ? "…" + text.substr(text.size() - kQuotedStderr) : text;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  return tail.empty() ? "" : fmt::format("; its standard error ends:\n{}", tail);
}

// Runs `spec` with `input`; its standard output when it exited 0.
Result<std::string> RunCommand(ProcessRunner& runner, const CommandSpec& spec, std::string input,
                               const std::string& what) {
  ProcessSpec process;
  process.argv = spec.argv;
  process.env = spec.env;
  process.deadline = std::chrono::steady_clock::now() + spec.timeout;
  if (spec.deadline && *spec.deadline < *process.deadline) process.deadline = spec.deadline;
  process.max_output_bytes = kMaxCommandOutput;
  process.stdin_text = std::move(input);
  auto ran = runner.Run(process);
  if (!ran) return MakeError(std::move(ran.error()).WithContext(what));
  const std::string command = ShowCommand(spec.argv);
  if (ran->timed_out) {
    return MakeError(
        ErrorCode::kStepFailed,
        fmt::format("{}: {} did not finish within {} s and was stopped (raise the "
                    "step's `command_timeout`, or its `timeout`){}",
                    what, command, spec.timeout.count(), StderrTail(ran->stderr_text)));
  }
  if (ran->signaled) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("{}: {} was killed by signal {}{}", what, command, ran->signal,
                                 StderrTail(ran->stderr_text)));
  }
  if (ran->exit_code != 0) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("{}: {} exited with status {}{}", what, command, ran->exit_code,
                                 StderrTail(ran->stderr_text)));
  }
  if (ran->output_truncated) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("{}: {} wrote more than {} MiB; write one line per item (use a "
                                 "smaller page_size for large items)",
                                 what, command, kMaxCommandOutput >> 20));
  }
  return std::move(ran->stdout_text);
}

// The lines of `text`, the last one's newline optional.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    text.remove_prefix(std::min(text.size(), end + 1));
  }
  return lines;
}

class CommandItemProgram final : public ItemProgram {
 public:
  CommandItemProgram(ProcessRunner& runner, CommandSpec spec)
      : runner_(runner), spec_(std::move(spec)) {}

  Result<std::vector<Value>> ApplyAll(const std::vector<Value>& items,
                                      const std::vector<std::string>& labels) override {
    if (items.empty()) return std::vector<Value>{};
    std::string input;
    for (const Value& item : items) input += item.ToJson() + "\n";
    const std::string what =
        items.size() == 1 ? "transforming " + Labelled(labels, 0)
                          : fmt::format("transforming the {} items from {} to {}", items.size(),
                                        labels.empty() ? "the first" : labels.front(),
                                        labels.empty() ? "the last" : labels.back());
    ASSIGN_OR_RETURN(std::string output, RunCommand(runner_, spec_, std::move(input), what));
    std::vector<std::string_view> lines = Lines(output);
    if (lines.size() != items.size()) {
      return MakeError(
          ErrorCode::kStepFailed,
          fmt::format("{}: {} wrote {} lines for {} items; it must write exactly one line per "
                      "item read, in order (the new item, or null to delete it) and log to "
                      "standard error",
                      what, ShowCommand(spec_.argv), lines.size(), items.size()));
    }
    std::vector<Value> results;
    results.reserve(items.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      auto value = Value::FromJson(lines[i]);
      if (!value || !(value->is_map() || value->is_null())) {
        return MakeError(ErrorCode::kStepFailed,
                         fmt::format("transforming {}: line {} of {}'s output is {}; each line "
                                     "must be the new item (a JSON object) or null",
                                     Labelled(labels, i), i + 1, ShowCommand(spec_.argv),
                                     value ? "not an object" : "not JSON"));
      }
      results.push_back(std::move(*value));
    }
    return results;
  }

 private:
  ProcessRunner& runner_;
  CommandSpec spec_;
};

}  // namespace

Result<std::unique_ptr<ItemProgram>> JqItems(const std::string& program) {
  ASSIGN_OR_RETURN(auto jq, JqProgram::Compile(program));
  return std::unique_ptr<ItemProgram>(std::make_unique<JqItemProgram>(std::move(jq)));
}

std::unique_ptr<ItemProgram> CommandItems(ProcessRunner& runner, CommandSpec spec) {
  return std::make_unique<CommandItemProgram>(runner, std::move(spec));
}

Result<std::vector<Value>> ItemsFromCommand(ProcessRunner& runner, const CommandSpec& spec) {
  const std::string what = "reading the items " + ShowCommand(spec.argv) + " produces";
  ASSIGN_OR_RETURN(std::string output, RunCommand(runner, spec, "", what));
  std::vector<Value> items;
  size_t number = 0;
  for (std::string_view line : Lines(output)) {
    ++number;
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto value = Value::FromJson(line);
    if (!value || !value->is_map()) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("{}: line {} is {}; each line must be one item (a JSON object) "
                                   "and logs go to standard error",
                                   what, number, value ? "not an object" : "not JSON"));
    }
    items.push_back(std::move(*value));
  }
  return items;
}

FieldSpec CommandField(const std::string& description) {
  return {"command", FieldType::kList, false, description, {}};
}

FieldSpec CommandTimeoutField() {
  return {"command_timeout",
          FieldType::kInteger,
          false,
          "seconds one run of the command may take before it is stopped and the step fails "
          "(default 300; the step's own `timeout` bounds it too)",
          {}};
}

std::vector<std::string> CommandArgv(const Value& inputs) {
  std::vector<std::string> argv;
  const Value* command = inputs.Find("command");
  if (command == nullptr || !command->is_list()) return argv;
  for (const Value& a : command->as_list())
    argv.push_back(a.is_string() ? a.as_string() : a.ToJson());
  return argv;
}

Result<void> ValidateCommandInputs(const Value& inputs) {
  if (const Value* command = inputs.Find("command"); command != nullptr && !command->is_null()) {
    bool strings = command->is_list() && !command->as_list().empty();
    for (const Value& a : strings ? command->as_list() : ValueList{}) {
      strings = strings && a.is_string();
    }
    if (!strings || command->as_list().front().as_string().empty()) {
      return MakeError(ErrorCode::kInvalidInput,
                       "`command` must be a list of strings, the program first, e.g. "
                       "[node, transforms/add-owner.js] (no shell: one argument per entry)");
    }
  }
  if (const Value* timeout = inputs.Find("command_timeout");
      timeout != nullptr && !timeout->is_null() &&
      !(timeout->is_string() && timeout->as_string().find("${") != std::string::npos)) {
    if (!timeout->is_int() || timeout->as_int() < 1 || timeout->as_int() > 86400) {
      return MakeError(ErrorCode::kInvalidInput, "`command_timeout` must be 1 to 86400 seconds");
    }
  }
  return {};
}

Result<void> ValidateProgramInputs(const Value& inputs, ProgramNeeded needed,
                                   std::string_view step) {
  const Value* jq = inputs.Find("jq");
  const Value* command = inputs.Find("command");
  const bool has_jq = jq != nullptr && !jq->is_null();
  const bool has_command = command != nullptr && !command->is_null();
  if (has_jq && has_command) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("give {} either `jq` (a jq program) or `command` (a program "
                                 "reading and writing JSON Lines), not both",
                                 step));
  }
  if (!has_jq && !has_command && needed == ProgramNeeded::kRequired) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("give {} either `jq` (a jq program) or `command` (a program "
                                 "reading and writing JSON Lines)",
                                 step));
  }
  TRY(ValidateCommandInputs(inputs));
  if (has_jq && jq->is_string() && jq->as_string().find("${") == std::string::npos) {
    ASSIGN_OR_RETURN(auto compiled, JqItems(jq->as_string()));
    (void)compiled;
  }
  return {};
}

Result<std::unique_ptr<ItemProgram>> ProgramFromInputs(const Value& inputs,
                                                       const std::string& table, StepContext& ctx) {
  std::vector<std::string> argv = CommandArgv(inputs);
  if (argv.empty()) {
    const Value* jq = inputs.Find("jq");
    if (jq == nullptr || jq->is_null()) return std::unique_ptr<ItemProgram>();
    if (!jq->is_string()) {
      return MakeError(ErrorCode::kInvalidInput, "`jq` must be a jq program (text)");
    }
    return JqItems(jq->as_string());
  }
  if (ctx.processes == nullptr) {
    return MakeError(ErrorCode::kInternal, "a data step that runs a command has no process runner");
  }
  CommandSpec spec;
  spec.argv = std::move(argv);
  const Value* timeout = inputs.Find("command_timeout");
  spec.timeout = std::chrono::seconds(
      timeout != nullptr && timeout->is_int() ? timeout->as_int() : kDefaultCommandTimeout);
  spec.deadline = ctx.deadline;
  spec.env["FLIGHTPLAN_TABLE"] = table;
  return CommandItems(*ctx.processes, std::move(spec));
}

std::string ShowCommand(const std::vector<std::string>& argv) {
  std::string shown;
  for (const std::string& a : argv) {
    bool plain = !a.empty() && a.find_first_of(" \t'\"\\$`") == std::string::npos;
    shown += (shown.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return "`" + shown + "`";
}

}  // namespace flightplan::data
