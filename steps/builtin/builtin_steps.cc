#include "steps/builtin/builtin_steps.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/base64.h"
#include "base/file_io.h"
#include "engine/expression.h"
#include "engine/workflow.h"

namespace flightplan {
namespace {

std::string ShellQuote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_-./=:,@%+") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string Tail(const std::string& text, size_t max) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  if (t.size() <= max) return t;
  return "..." + t.substr(t.size() - max);
}

Result<std::vector<std::string>> StringList(const Value& v, std::string_view what) {
  if (!v.is_list() || v.as_list().empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("'{}' must be a non-empty list of strings", what));
  }
  std::vector<std::string> out;
  for (const Value& item : v.as_list()) {
    if (!item.is_string() && !item.is_number() && !item.is_bool()) {
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("'{}' must hold only strings, not a {}", what, ValueTypeName(item.type())));
    }
    out.push_back(item.ToText());
  }
  return out;
}

std::string DescribeArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += ShellQuote(a);
  }
  return out;
}

Result<Duration> DurationInput(const Value* v, Duration fallback, std::string_view what) {
  if (v == nullptr || v->is_null()) return fallback;
  if (v->is_int()) return Duration(v->as_int() * 1000);
  auto d = ParseDuration(v->ToText());
  if (!d) return MakeError(std::move(d.error()).WithContext(std::string(what)));
  return d;
}

constexpr size_t kMaxFileBytes = 16 << 20;

struct FileState {
  bool exists = false;
  std::string content;
  mode_t mode = 0644;
};

Result<FileState> ReadFileState(const std::string& path) {
  FileState state;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return state;
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("cannot inspect '{}': {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("'{}' is not a regular file", path));
  }
  if (static_cast<size_t>(st.st_size) > kMaxFileBytes) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("'{}' is larger than {} bytes; file steps keep the previous "
                                 "content for rollback and refuse larger files",
                                 path, kMaxFileBytes));
  }
  ASSIGN_OR_RETURN(state.content, ReadFile(path));
  state.exists = true;
  state.mode = st.st_mode & 07777;
  return state;
}

Result<void> RemoveDurably(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("cannot remove '{}': {}", path, std::strerror(errno)));
  }
  return SyncParentFolder(path);
}

Value RecordFileState(const FileState& state) {
  Value v;
  v.Set("existed", state.exists);
  v.Set("content_base64", state.exists ? Base64Encode(state.content) : std::string());
  v.Set("mode", static_cast<int64_t>(state.mode));
  return v;
}

Result<FileState> RecalledFileState(const Value& prepared) {
  FileState state;
  const Value* existed = prepared.Find("existed");
  const Value* content = prepared.Find("content_base64");
  const Value* mode = prepared.Find("mode");
  if (existed == nullptr || !existed->is_bool() || content == nullptr || mode == nullptr ||
      !mode->is_int()) {
    return MakeError(ErrorCode::kCorruption,
                     "the journal has no record of the file as it was before this step");
  }
  state.exists = existed->as_bool();
  state.mode = static_cast<mode_t>(mode->as_int());
  if (state.exists) {
    Result<std::string> decoded = Base64Decode(content->as_string());
    if (!decoded) {
      return MakeError(ErrorCode::kCorruption, "recorded file content is not base64");
    }
    state.content = std::move(*decoded);
  }
  return state;
}

mode_t ModeInput(const Value* v, mode_t fallback) {
  if (v == nullptr || v->is_null()) return fallback;
  std::string text = v->ToText();
  if (text.empty() || text.size() > 4 || text.find_first_not_of("01234567") != std::string::npos) {
    return fallback;
  }
  return static_cast<mode_t>(std::stoul(text, nullptr, 8) & 07777);
}

// --- exec -----------------------------------------------------------------

class ExecStep final : public StepType {
 public:
  std::string_view name() const override { return "exec"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        .summary = "Runs a program (argv, no shell) and fails when it exits non-zero.",
        .inputs = {{"argv", FieldType::kList, true, "the program and its arguments", {}},
                   {"cwd", FieldType::kString, false, "working directory", {}},
                   {"env", FieldType::kMap, false, "environment variables to add", {}},
                   {"timeout", FieldType::kDuration, false, "kill the program after this long", {}},
                   {"check",
                    FieldType::kList,
                    false,
                    "argv run after a crash: exit 0 = the effect happened, 1 = it did not, other = "
                    "unknown",
                    {}}},
        .outputs = {{"exit_code", FieldType::kInteger, false, "the program's exit status", {}},
                    {"stdout", FieldType::kString, false, "standard output (first 64 KiB)", {}},
                    {"stderr", FieldType::kString, false, "standard error (first 64 KiB)", {}}},
        .has_check = true};
    return kSchema;
  }

  Result<void> ValidateStatic(const Value& inputs) const override {
    for (const char* key : {"argv", "check"}) {
      const Value* v = inputs.Find(key);
      if (v != nullptr && v->is_list() && v->as_list().empty()) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("'{}' must name a program: an empty list runs nothing", key));
      }
    }
    const Value* mode_env = inputs.Find("env");
    if (mode_env != nullptr && mode_env->is_map()) {
      for (const auto& [k, v] : mode_env->as_map()) {
        if (k.empty() || k.find('=') != std::string::npos) {
          return MakeError(ErrorCode::kInvalidInput,
                           fmt::format("environment variable name '{}' is not valid", k));
        }
        (void)v;
      }
    }
    return {};
  }

  std::string Describe(const Value& inputs) const override {
    auto argv = StringList(inputs.Find("argv") ? *inputs.Find("argv") : Value(), "argv");
    if (!argv) return "run a program";
    return "run `" + DescribeArgv(*argv) + "`";
  }

  Result<ProcessSpec> Spec(const Value& inputs, const StepContext& ctx, const char* key) const {
    ProcessSpec spec;
    ASSIGN_OR_RETURN(spec.argv, StringList(inputs.Find(key) ? *inputs.Find(key) : Value(), key));
    if (const Value* cwd = inputs.Find("cwd")) spec.cwd = cwd->ToText();
    if (const Value* env = inputs.Find("env"); env && env->is_map()) {
      for (const auto& [k, v] : env->as_map()) spec.env[k] = v.ToText();
    }
    spec.env["FLIGHTPLAN_RUN_ID"] = std::to_string(ctx.run_id);
    spec.env["FLIGHTPLAN_STEP_ID"] = ctx.step_id;
    spec.env["FLIGHTPLAN_IDEMPOTENCY_TOKEN"] = ctx.idempotency_token;
    ASSIGN_OR_RETURN(Duration timeout,
                     DurationInput(inputs.Find("timeout"), Duration(0), "timeout"));
    spec.deadline = ctx.deadline;
    if (timeout.count() > 0) {
      auto mine = ctx.clock->Monotonic() + timeout;
      if (!spec.deadline || mine < *spec.deadline) spec.deadline = mine;
    }
    spec.max_output_bytes = 64 << 10;
    return spec;
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ProcessSpec spec, Spec(inputs, ctx, "argv"));
    ASSIGN_OR_RETURN(ProcessResult result, ctx.processes->Run(spec));
    std::string command = DescribeArgv(spec.argv);
    if (result.timed_out) {
      return MakeError(ErrorCode::kTimeout,
                       fmt::format("`{}` did not finish in time and was killed", command));
    }
    if (result.signaled) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("`{}` was killed by signal {}", command, result.signal));
    }
    if (result.exit_code != 0) {
      std::string err = Tail(result.stderr_text, 400);
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("`{}` exited with status {}{}", command, result.exit_code,
                                   err.empty() ? "" : ": " + err));
    }
    Value out;
    out.Set("exit_code", result.exit_code);
    out.Set("stdout", result.stdout_text);
    out.Set("stderr", result.stderr_text);
    return out;
  }

  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    if (inputs.Find("check") == nullptr) {
      return CheckResult{CheckOutcome::kUnknown, Value(),
                         "this exec step has no `check` command to tell whether it ran"};
    }
    ASSIGN_OR_RETURN(ProcessSpec spec, Spec(inputs, ctx, "check"));
    std::string command = DescribeArgv(spec.argv);
    auto result = ctx.processes->Run(spec);
    if (!result) {
      return CheckResult{
          CheckOutcome::kUnknown, Value(),
          fmt::format("the check `{}` could not run: {}", command, result.error().ToString())};
    }
    if (!result->signaled && !result->timed_out && result->exit_code == 0) {
      Value out;
      out.Set("exit_code", 0);
      out.Set("stdout", std::string());
      out.Set("stderr", std::string());
      return CheckResult{CheckOutcome::kDone, out, fmt::format("`{}` exited 0", command)};
    }
    if (!result->signaled && !result->timed_out && result->exit_code == 1) {
      return CheckResult{CheckOutcome::kNotDone, Value(), fmt::format("`{}` exited 1", command)};
    }
    return CheckResult{
        CheckOutcome::kUnknown, Value(),
        fmt::format("`{}` exited {}{}", command, result->exit_code,
                    result->stderr_text.empty() ? "" : ": " + Tail(result->stderr_text, 200))};
  }
};

// --- assert ---------------------------------------------------------------

Result<Expression> ParseCondition(const std::string& text) {
  std::string_view body = text;
  if (body.size() > 3 && body.substr(0, 2) == "${" && body.back() == '}') {
    body = body.substr(2, body.size() - 3);
  }
  return Expression::Parse(body);
}

class AssertStep final : public StepType {
 public:
  std::string_view name() const override { return "assert"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        .summary = "Fails unless an expression holds.",
        .inputs = {{"that", FieldType::kExpression, true, "the condition that must hold", {}},
                   {"message", FieldType::kString, false, "what to say when it does not", {}}},
        .outputs = {},
        .has_check = true};
    return kSchema;
  }
  Result<void> ValidateStatic(const Value& inputs) const override {
    const Value* that = inputs.Find("that");
    if (that != nullptr && that->is_string()) TRY(ParseCondition(that->as_string()));
    return {};
  }
  std::string Describe(const Value& inputs) const override {
    const Value* that = inputs.Find("that");
    return "check that " + (that ? that->ToText() : std::string("?"));
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    const Value* that = inputs.Find("that");
    if (that->is_bool()) {
      if (that->as_bool()) return Value(ValueMap{});
    } else {
      ASSIGN_OR_RETURN(Expression expr, ParseCondition(that->ToText()));
      ValueScope scope(*ctx.scope);
      ASSIGN_OR_RETURN(Value holds, expr.Evaluate(scope));
      if (holds.Truthy()) return Value(ValueMap{});
    }
    const Value* message = inputs.Find("message");
    return MakeError(
        ErrorCode::kStepFailed,
        message ? message->ToText() : fmt::format("assertion failed: {}", that->ToText()));
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "an assertion changes nothing"};
  }
};

// --- confirm --------------------------------------------------------------

class ConfirmStep final : public StepType {
 public:
  std::string_view name() const override { return "confirm"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        .summary =
            "Asks the operator to agree before the workflow goes on (or takes --yes); the "
            "audit records who agreed and how.",
        .inputs = {{"message", FieldType::kString, true, "the question", {}},
                   {"typed", FieldType::kString, false, "text the operator must type exactly", {}}},
        .outputs = {{"confirmed_by", FieldType::kString, false, "the operator who agreed", {}}},
        .has_check = true,
        .asks_confirmation = true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    const Value* message = inputs.Find("message");
    return "ask: " + (message ? message->ToText() : std::string());
  }
  Result<Value> Execute(const Value&, StepContext& ctx) const override {
    // The executor asked before the step started (asks_confirmation).
    Value out;
    out.Set("confirmed_by", ctx.operator_name);
    return out;
  }
  Result<CheckResult> Check(const Value&, StepContext& ctx) const override {
    Value out;
    out.Set("confirmed_by", ctx.operator_name);
    return CheckResult{CheckOutcome::kDone, out, "the confirmation was given before the step"};
  }
};

// --- wait -----------------------------------------------------------------

class WaitStep final : public StepType {
 public:
  std::string_view name() const override { return "wait"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        .summary =
            "Waits a fixed time, or polls (optionally running a command) until a condition "
            "holds.",
        .inputs =
            {{"duration", FieldType::kDuration, false, "how long to wait", {}},
             {"until",
              FieldType::kExpression,
              false,
              "condition to wait for; may use poll.exit_code, poll.stdout, poll.stderr",
              {"poll"}},
             {"poll", FieldType::kList, false, "argv run before each evaluation of `until`", {}},
             {"interval", FieldType::kDuration, false, "time between polls (default 5s)", {}},
             {"timeout", FieldType::kDuration, false, "give up after this long (default 10m)", {}}},
        .outputs = {{"polls", FieldType::kInteger, false, "how many times it polled", {}},
                    {"stdout", FieldType::kString, false, "the last poll's standard output", {}}},
        .has_check = true};
    return kSchema;
  }
  Result<void> ValidateStatic(const Value& inputs) const override {
    bool has_duration = inputs.Find("duration") != nullptr;
    bool has_until = inputs.Find("until") != nullptr;
    if (has_duration == has_until) {
      return MakeError(ErrorCode::kInvalidInput, "wait needs exactly one of 'duration' or 'until'");
    }
    if (inputs.Find("poll") != nullptr && !has_until) {
      return MakeError(ErrorCode::kInvalidInput, "'poll' goes with 'until'");
    }
    if (const Value* until = inputs.Find("until"); until && until->is_string()) {
      TRY(ParseCondition(until->as_string()));
    }
    return {};
  }
  std::string Describe(const Value& inputs) const override {
    if (const Value* d = inputs.Find("duration")) return "wait " + d->ToText();
    const Value* until = inputs.Find("until");
    return "wait until " + (until ? until->ToText() : std::string("?"));
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    if (const Value* d = inputs.Find("duration")) {
      ASSIGN_OR_RETURN(Duration duration, DurationInput(d, Duration(0), "duration"));
      TRY(Sleep(ctx, duration));
      Value out;
      out.Set("polls", 0);
      out.Set("stdout", std::string());
      return out;
    }
    ASSIGN_OR_RETURN(Duration interval,
                     DurationInput(inputs.Find("interval"), Duration(5000), "interval"));
    ASSIGN_OR_RETURN(Duration timeout,
                     DurationInput(inputs.Find("timeout"), Duration(600000), "timeout"));
    ASSIGN_OR_RETURN(Expression until, ParseCondition(inputs.Find("until")->ToText()));
    auto give_up = ctx.clock->Monotonic() + timeout;
    if (ctx.deadline && *ctx.deadline < give_up) give_up = *ctx.deadline;
    for (int64_t polls = 1;; ++polls) {
      Value scope = *ctx.scope;
      Value poll;
      if (const Value* argv_value = inputs.Find("poll")) {
        ProcessSpec spec;
        ASSIGN_OR_RETURN(spec.argv, StringList(*argv_value, "poll"));
        spec.deadline = give_up;
        spec.max_output_bytes = 64 << 10;
        ASSIGN_OR_RETURN(ProcessResult result, ctx.processes->Run(spec));
        poll.Set("exit_code", result.exit_code);
        poll.Set("stdout", result.stdout_text);
        poll.Set("stderr", result.stderr_text);
      }
      scope.Set("poll", poll);
      ValueScope lookup(scope);
      ASSIGN_OR_RETURN(Value holds, until.Evaluate(lookup));
      if (holds.Truthy()) {
        Value out;
        out.Set("polls", polls);
        const Value* stdout_value = poll.Find("stdout");
        out.Set("stdout", stdout_value ? *stdout_value : Value(std::string()));
        return out;
      }
      if (ctx.clock->Monotonic() + interval > give_up) {
        return MakeError(ErrorCode::kTimeout,
                         fmt::format("'{}' still did not hold after {} polls over {}", until.text(),
                                     polls, FormatDuration(timeout)));
      }
      if (ctx.progress) {
        ctx.progress->Progress(fmt::format("waiting until {} (poll {})", until.text(), polls));
      }
      TRY(Sleep(ctx, interval));
    }
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "waiting changes nothing; it waits again"};
  }

 private:
  // Sleeps in short slices so a lost lease or an interrupt ends the wait.
  static Result<void> Sleep(StepContext& ctx, Duration total) {
    Duration slice(250);
    Duration left = total;
    while (left.count() > 0) {
      TRY(ctx.StopReason());
      Duration now = std::min(slice, left);
      ctx.clock->Sleep(now);
      left -= now;
    }
    return ctx.StopReason();
  }
};

// --- file.write / file.remove --------------------------------------------

class FileWriteStep final : public StepType {
 public:
  std::string_view name() const override { return "file.write"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        .summary =
            "Writes a file atomically; rollback restores the previous content and mode exactly, "
            "or removes the file if it did not exist.",
        .inputs = {{"path", FieldType::kString, true, "the file to write", {}},
                   {"content", FieldType::kString, true, "what to write", {}},
                   {"mode", FieldType::kString, false, "octal permissions, e.g. \"0644\"", {}}},
        .outputs = {{"path", FieldType::kString, false, "the file written", {}},
                    {"bytes", FieldType::kInteger, false, "how many bytes were written", {}}},
        .has_auto_rollback = true,
        .has_check = true};
    return kSchema;
  }
  Result<void> ValidateStatic(const Value& inputs) const override {
    if (const Value* mode = inputs.Find("mode"); mode && mode->is_string()) {
      const std::string& m = mode->as_string();
      if (m.find("${") == std::string::npos &&
          (m.empty() || m.size() > 4 || m.find_first_not_of("01234567") != std::string::npos)) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("mode '{}' must be octal digits such as \"0644\"", m));
      }
    }
    return {};
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format("write {} bytes to {}",
                       inputs.Find("content") ? inputs.Find("content")->ToText().size() : 0,
                       inputs.Find("path") ? inputs.Find("path")->ToText() : "?");
  }
  Result<Value> Prepare(const Value& inputs, StepContext&) const override {
    ASSIGN_OR_RETURN(FileState before, ReadFileState(inputs.Find("path")->ToText()));
    return RecordFileState(before);
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    std::string path = inputs.Find("path")->ToText();
    std::string content = inputs.Find("content")->ToText();
    ASSIGN_OR_RETURN(FileState before, RecalledFileState(ctx.prepared));
    mode_t mode = ModeInput(inputs.Find("mode"), before.exists ? before.mode : 0644);
    TRY(WriteFileAtomically(path, content, mode));
    return Outputs(path, content);
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    std::string path = inputs.Find("path")->ToText();
    std::string content = inputs.Find("content")->ToText();
    ASSIGN_OR_RETURN(FileState now, ReadFileState(path));
    ASSIGN_OR_RETURN(FileState before, RecalledFileState(ctx.prepared));
    if (now.exists && now.content == content) {
      return CheckResult{CheckOutcome::kDone, Outputs(path, content),
                         fmt::format("{} holds the new content", path)};
    }
    if (now.exists == before.exists && now.content == before.content) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         fmt::format("{} is as it was before the step", path)};
    }
    return CheckResult{CheckOutcome::kUnknown, Value(),
                       fmt::format("{} holds neither its previous nor its new content (changed "
                                   "by something else?)",
                                   path)};
  }
  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    std::string path = inputs.Find("path")->ToText();
    ASSIGN_OR_RETURN(FileState before, RecalledFileState(ctx.prepared));
    if (!before.exists) return RemoveDurably(path);
    return WriteFileAtomically(path, before.content, before.mode);
  }
  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    std::string path = inputs.Find("path")->ToText();
    std::string content = inputs.Find("content")->ToText();
    ASSIGN_OR_RETURN(FileState now, ReadFileState(path));
    ASSIGN_OR_RETURN(FileState before, RecalledFileState(ctx.prepared));
    if (now.exists == before.exists && now.content == before.content) {
      return CheckResult{CheckOutcome::kDone, Value(), path + " is back as it was"};
    }
    if (now.exists && now.content == content) {
      return CheckResult{CheckOutcome::kNotDone, Value(), path + " still holds the step's content"};
    }
    return CheckResult{CheckOutcome::kUnknown, Value(),
                       path + " holds neither the step's content nor the previous one"};
  }

 private:
  static Value Outputs(const std::string& path, const std::string& content) {
    Value out;
    out.Set("path", path);
    out.Set("bytes", static_cast<int64_t>(content.size()));
    return out;
  }
};

class FileRemoveStep final : public StepType {
 public:
  std::string_view name() const override { return "file.remove"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        .summary = "Removes a file; rollback puts it back with its content and mode.",
        .inputs = {{"path", FieldType::kString, true, "the file to remove", {}},
                   {"missing_ok",
                    FieldType::kBoolean,
                    false,
                    "succeed when the file is already gone",
                    {}}},
        .outputs =
            {{"path", FieldType::kString, false, "the file", {}},
             {"existed", FieldType::kBoolean, false, "whether there was a file to remove", {}}},
        .has_auto_rollback = true,
        .has_check = true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return "remove " + (inputs.Find("path") ? inputs.Find("path")->ToText() : std::string("?"));
  }
  Result<Value> Prepare(const Value& inputs, StepContext&) const override {
    ASSIGN_OR_RETURN(FileState before, ReadFileState(inputs.Find("path")->ToText()));
    return RecordFileState(before);
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    std::string path = inputs.Find("path")->ToText();
    ASSIGN_OR_RETURN(FileState before, RecalledFileState(ctx.prepared));
    const Value* missing_ok = inputs.Find("missing_ok");
    if (!before.exists && !(missing_ok && missing_ok->Truthy())) {
      return MakeError(
          ErrorCode::kStepFailed,
          fmt::format("{} does not exist (set missing_ok: true if that is fine)", path));
    }
    TRY(RemoveDurably(path));
    Value out;
    out.Set("path", path);
    out.Set("existed", before.exists);
    return out;
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    std::string path = inputs.Find("path")->ToText();
    ASSIGN_OR_RETURN(FileState now, ReadFileState(path));
    ASSIGN_OR_RETURN(FileState before, RecalledFileState(ctx.prepared));
    const Value* missing_ok = inputs.Find("missing_ok");
    if (!now.exists && !before.exists && !(missing_ok && missing_ok->Truthy())) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         path + " never existed; the step fails when it runs"};
    }
    if (!now.exists) {
      Value out;
      out.Set("path", path);
      out.Set("existed", before.exists);
      return CheckResult{CheckOutcome::kDone, out, path + " is gone"};
    }
    if (before.exists && now.content == before.content) {
      return CheckResult{CheckOutcome::kNotDone, Value(), path + " is still there"};
    }
    return CheckResult{CheckOutcome::kUnknown, Value(),
                       path + " exists with content other than before the step"};
  }
  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(FileState before, RecalledFileState(ctx.prepared));
    if (!before.exists) return {};
    return WriteFileAtomically(inputs.Find("path")->ToText(), before.content, before.mode);
  }
  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    std::string path = inputs.Find("path")->ToText();
    ASSIGN_OR_RETURN(FileState now, ReadFileState(path));
    ASSIGN_OR_RETURN(FileState before, RecalledFileState(ctx.prepared));
    if (now.exists == before.exists && now.content == before.content) {
      return CheckResult{CheckOutcome::kDone, Value(), path + " is back"};
    }
    if (!now.exists) return CheckResult{CheckOutcome::kNotDone, Value(), path + " is still gone"};
    return CheckResult{CheckOutcome::kUnknown, Value(),
                       path + " exists with content other than before the step"};
  }
};

// --- echo -----------------------------------------------------------------

class EchoStep final : public StepType {
 public:
  std::string_view name() const override { return "echo"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        .summary = "Prints a message.",
        .inputs = {{"message", FieldType::kString, true, "what to print", {}}},
        .outputs = {{"message", FieldType::kString, false, "what was printed", {}}},
        .has_check = true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return "say: " + (inputs.Find("message") ? inputs.Find("message")->ToText() : std::string());
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    std::string message = inputs.Find("message")->ToText();
    if (ctx.progress) ctx.progress->Progress(message);
    Value out;
    out.Set("message", message);
    return out;
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "printing again is harmless"};
  }
};

}  // namespace

void RegisterBuiltinSteps(StepRegistry& registry) {
  registry.Register(std::make_unique<ExecStep>());
  registry.Register(std::make_unique<AssertStep>());
  registry.Register(std::make_unique<ConfirmStep>());
  registry.Register(std::make_unique<WaitStep>());
  registry.Register(std::make_unique<FileWriteStep>());
  registry.Register(std::make_unique<FileRemoveStep>());
  registry.Register(std::make_unique<EchoStep>());
}

}  // namespace flightplan
