#include "engine/executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <random>

#include "base/digest.h"
#include "engine/backoff.h"
#include "engine/expression.h"
#include "engine/lease_keeper.h"
#include "engine/target_history.h"

namespace flightplan {

std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.size() < 4) continue;  // too short to find without false matches
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "****");
      pos += 4;
    }
  }
  return text;
}

namespace {

Value RedactValue(const Value& v, const std::vector<std::string>& secrets) {
  if (secrets.empty()) return v;
  switch (v.type()) {
    case ValueType::kString:
      return Value(RedactSecrets(v.as_string(), secrets));
    case ValueType::kList: {
      ValueList out;
      for (const Value& item : v.as_list()) out.push_back(RedactValue(item, secrets));
      return Value(std::move(out));
    }
    case ValueType::kMap: {
      ValueMap out;
      for (const auto& [k, item] : v.as_map()) out.emplace(k, RedactValue(item, secrets));
      return Value(std::move(out));
    }
    default:
      return v;
  }
}

Result<Value> ConvertParam(const ParamSpec& spec, const std::string& raw) {
  auto bad = [&](std::string_view expected) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("parameter '{}' must be {}, got '{}'", spec.name, expected,
                                 spec.secret ? std::string("****") : raw));
  };
  switch (spec.type) {
    case ParamType::kString:
      return Value(raw);
    case ParamType::kInteger: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
      if (ec != std::errc() || p != raw.data() + raw.size()) return bad("a whole number");
      return Value(v);
    }
    case ParamType::kNumber: {
      double v = 0;
      auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
      if (ec != std::errc() || p != raw.data() + raw.size()) return bad("a number");
      return Value(v);
    }
    case ParamType::kBoolean:
      if (raw == "true" || raw == "yes" || raw == "1") return Value(true);
      if (raw == "false" || raw == "no" || raw == "0") return Value(false);
      return bad("true or false");
    case ParamType::kList: {
      if (!raw.empty() && raw.front() == '[') {
        auto v = Value::FromJson(raw);
        if (!v || !v->is_list()) return bad("a JSON list or comma-separated values");
        return v;
      }
      ValueList list;
      size_t start = 0;
      while (start <= raw.size() && !raw.empty()) {
        size_t comma = raw.find(',', start);
        list.emplace_back(
            raw.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return Value(std::move(list));
    }
    case ParamType::kMap: {
      auto v = Value::FromJson(raw);
      if (!v || !v->is_map()) return bad("a JSON object");
      return v;
    }
  }
  return Value(raw);
}

bool TypeMatches(ParamType type, const Value& v) {
  switch (type) {
    case ParamType::kString:
      return v.is_string();
    case ParamType::kInteger:
      return v.is_int();
    case ParamType::kNumber:
      return v.is_number();
    case ParamType::kBoolean:
      return v.is_bool();
    case ParamType::kList:
      return v.is_list();
    case ParamType::kMap:
      return v.is_map();
  }
  return false;
}

std::string CommandFor(const Workflow& wf) {
  return wf.source.rfind("builtin:", 0) == 0 ? wf.name : wf.source;
}

}  // namespace

// Progress lines from steps pass through here on their way to the console
// and the log, so a step that prints a secret parameter prints ****.
class RedactingProgress final : public ProgressSink {
 public:
  RedactingProgress(ProgressSink& inner, const std::vector<std::string>& secrets)
      : inner_(inner), secrets_(secrets) {}
  void Progress(const std::string& line) override {
    inner_.Progress(RedactSecrets(line, secrets_));
  }
  void Figures(const Value& figures) override { inner_.Figures(RedactValue(figures, secrets_)); }

 private:
  ProgressSink& inner_;
  const std::vector<std::string>& secrets_;
};

class Executor::RunContext {
 public:
  const Workflow* workflow = nullptr;
  RunRecord run;
  std::vector<StepRecord> steps;
  Value params;
  std::vector<std::string> secrets;
  const ExecutorOptions* options = nullptr;
  std::unique_ptr<LeaseKeeper> keeper;
  std::unique_ptr<RedactingProgress> progress;

  Fence fence() const { return keeper->fence(); }
  const std::string& operator_name() const { return options->holder.operator_name; }

  NewEvent Event(std::string kind, std::string step_id, Value detail) const {
    return NewEvent{std::move(kind),
                    operator_name(),
                    run.id,
                    run.target,
                    std::move(step_id),
                    detail.is_null() ? Value(ValueMap{}) : std::move(detail)};
  }

  StepRecord* FindStep(const std::string& id) {
    for (StepRecord& s : steps) {
      if (s.step_id == id) return &s;
    }
    return nullptr;
  }

  // The values expressions see. Built once per command and brought up to
  // date incrementally: only steps whose state changed since the last call
  // are copied again, so a run of n steps costs O(n) copies, not O(n^2).
  const Value& Scope() {
    if (scope_.is_null()) {
      scope_.Set("params", params.is_null() ? Value(ValueMap{}) : params);
      Value run_value;
      run_value.Set("id", std::to_string(run.id));
      run_value.Set("operator", operator_name());
      run_value.Set("target", run.target);
      run_value.Set("workflow", run.workflow);
      scope_.Set("run", run_value);
      scope_.Set("steps", Value(ValueMap{}));
      Value env(ValueMap{});
      for (const ParamSpec& p : workflow->params) {
        if (p.env.empty()) continue;
        const char* v = std::getenv(p.env.c_str());
        env.Set(p.env, v ? std::string(v) : std::string());
      }
      scope_.Set("env", env);
      scoped_states_.clear();
    }
    if (scoped_run_id_ != run.id) {
      scope_.as_map()["run"].Set("id", std::to_string(run.id));
      scoped_run_id_ = run.id;
    }
    ValueMap& steps_value = scope_.as_map()["steps"].as_map();
    scoped_states_.resize(steps.size(), std::nullopt);
    for (size_t i = 0; i < steps.size(); ++i) {
      const StepRecord& s = steps[i];
      // Outputs change only together with a step's state.
      if (scoped_states_[i] == s.state) continue;
      scoped_states_[i] = s.state;
      if (s.state == StepState::kPending || s.state == StepState::kSkipped) {
        steps_value.erase(s.step_id);
        continue;
      }
      Value entry;
      entry.Set("outputs", s.outputs.is_null() ? Value(ValueMap{}) : s.outputs);
      entry.Set("state", std::string(StepStateName(s.state)));
      steps_value.insert_or_assign(s.step_id, std::move(entry));
    }
    return scope_;
  }

 private:
  Value scope_;
  RunId scoped_run_id_ = -1;
  std::vector<std::optional<StepState>> scoped_states_;
};

Executor::Executor(Journal& journal, const StepRegistry& registry, Clock& clock,
                   ProcessRunner& processes, Prompter& prompter, const Host& host,
                   RunObserver& observer)
    : journal_(journal),
      registry_(registry),
      clock_(clock),
      processes_(processes),
      prompter_(prompter),
      host_(host),
      observer_(observer) {}

std::string Executor::IdempotencyToken(RunId run, const std::string& step_id,
                                       Direction direction) const {
  std::string seed = fmt::format("{}/{}/{}/{}", journal_.JournalId(), run, step_id,
                                 direction == Direction::kForward ? "do" : "undo");
  return "fp-" + Sha256Hex(seed).substr(0, 40);
}

Result<Value> Executor::ResolveParams(const Workflow& wf, const ParamInput& input,
                                      const Value* recorded, std::vector<std::string>* secrets) {
  for (const auto& [name, value] : input) {
    if (wf.FindParam(name) == nullptr) {
      std::string known;
      for (const ParamSpec& p : wf.params) known += known.empty() ? p.name : ", " + p.name;
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("workflow '{}' has no parameter '{}' (it takes: {})", wf.name,
                                   name, known.empty() ? "none" : known));
    }
  }
  Value params(ValueMap{});
  for (const ParamSpec& spec : wf.params) {
    std::optional<Value> value;
    auto given = input.find(spec.name);
    const Value* before = recorded ? recorded->Find(spec.name) : nullptr;
    if (given != input.end()) {
      ASSIGN_OR_RETURN(Value v, ConvertParam(spec, given->second));
      if (before != nullptr && !spec.secret && !(*before == v)) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("parameter '{}' was '{}' when this run started; a run "
                                     "keeps its parameters (roll it back and start a new run "
                                     "to change them)",
                                     spec.name, before->ToText()));
      }
      value = std::move(v);
    } else if (before != nullptr && !spec.secret) {
      if (before->is_null()) {
        params.Set(spec.name, Value());
        continue;
      }
      value = *before;
    } else if (!spec.env.empty() && std::getenv(spec.env.c_str()) != nullptr) {
      ASSIGN_OR_RETURN(Value v, ConvertParam(spec, std::getenv(spec.env.c_str())));
      value = std::move(v);
    } else if (spec.default_value) {
      value = *spec.default_value;
      if (!TypeMatches(spec.type, *value)) {
        ASSIGN_OR_RETURN(Value v, ConvertParam(spec, value->ToText()));
        value = std::move(v);
      }
    } else if (spec.required || spec.secret) {
      std::string how = fmt::format("--param {}=...", spec.name);
      if (!spec.env.empty()) how += fmt::format(" or the environment variable {}", spec.env);
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{} parameter '{}' is missing{}: give it with {}",
                                   spec.secret ? "secret" : "required", spec.name,
                                   recorded && spec.secret
                                       ? " (secrets are never stored, so resuming or rolling "
                                         "back needs them again)"
                                       : "",
                                   how));
    }
    if (!value) {
      // Recorded as absent, so a resumed run cannot be given a value it did
      // not start with.
      if (!spec.secret) params.Set(spec.name, Value());
      continue;
    }
    if (spec.secret && secrets != nullptr) secrets->push_back(value->ToText());
    params.Set(spec.name, std::move(*value));
  }
  return params;
}

Result<std::string> Executor::ResolveTarget(const Workflow& wf, const Value& params,
                                            const std::string& target_override) {
  if (!target_override.empty()) return target_override;
  if (wf.target.empty()) return wf.name;
  Value scope;
  scope.Set("params", params);
  Value run;
  run.Set("workflow", wf.name);
  scope.Set("run", run);
  ValueScope lookup(scope);
  ASSIGN_OR_RETURN(Template tmpl, Template::Parse(wf.target));
  ASSIGN_OR_RETURN(Value target, tmpl.Render(lookup));
  std::string text = target.ToText();
  if (text.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("the target of workflow '{}' ('{}') came out empty; give the "
                                 "parameters it uses, or --target",
                                 wf.name, wf.target));
  }
  return text;
}

Result<std::string> Executor::TargetFor(const Workflow& workflow, const ParamInput& params,
                                        const std::string& target_override) {
  ASSIGN_OR_RETURN(Value resolved, ResolveParams(workflow, params, nullptr, nullptr));
  return ResolveTarget(workflow, resolved, target_override);
}

Result<void> Executor::CheckRequirements(const Workflow& wf, const std::string& target) {
  for (const std::string& required : wf.requires_workflows) {
    ASSIGN_OR_RETURN(std::vector<RunRecord> runs, CurrentRuns(journal_, required, target));
    if (!runs.empty() && runs.front().state == RunState::kSucceeded) continue;
    std::string latest = runs.empty() ? "it has never run there"
                                      : fmt::format("its latest run, {}, is {}", runs.front().id,
                                                    RunStateName(runs.front().state));
    return MakeError(ErrorCode::kOrdering,
                     fmt::format("workflow '{}' requires '{}' to have completed on target '{}' "
                                 "first, but {}. Run `flightplan run {}` for that target first.",
                                 wf.name, required, target, latest, required));
  }
  return {};
}

Result<void> Executor::CheckNotClosed(const RunRecord& run) {
  ASSIGN_OR_RETURN(RunId closed_through, LastClosingRun(journal_, run.target));
  if (run.id > closed_through) return {};
  ASSIGN_OR_RETURN(RunRecord closing, journal_.GetRun(closed_through));
  if (closing.id == run.id) {
    return MakeError(ErrorCode::kOrdering,
                     fmt::format("run {} of '{}' closed '{}': what it removed is gone, so it "
                                 "cannot be rolled back",
                                 run.id, run.workflow, run.target));
  }
  return MakeError(
      ErrorCode::kOrdering,
      fmt::format("run {} of '{}' on '{}' belongs to a history that run {} of "
                  "'{}' closed: what it did is gone, so it cannot be resumed or "
                  "rolled back. Start afresh with `flightplan run {}` (see "
                  "`flightplan history`).",
                  run.id, run.workflow, run.target, closing.id, closing.workflow, run.workflow));
}

Result<void> Executor::CheckNoDependents(const RunRecord& run) {
  ASSIGN_OR_RETURN(std::vector<RunRecord> runs, CurrentRuns(journal_, "", run.target));
  std::vector<std::string> seen;
  for (const RunRecord& other : runs) {  // newest first: the first per workflow is the latest
    if (std::find(seen.begin(), seen.end(), other.workflow) != seen.end()) continue;
    seen.push_back(other.workflow);
    if (other.workflow == run.workflow) continue;
    bool requires_us = std::find(other.requires_workflows.begin(), other.requires_workflows.end(),
                                 run.workflow) != other.requires_workflows.end();
    if (requires_us && IsApplied(other.state)) {
      return MakeError(ErrorCode::kOrdering,
                       fmt::format("cannot roll back '{}' (run {}) while '{}' (run {}, {}) "
                                   "requires it and is still applied on '{}'. Roll that back "
                                   "first: `flightplan rollback {}`.",
                                   run.workflow, run.id, other.workflow, other.id,
                                   RunStateName(other.state), run.target, other.id));
    }
  }
  return {};
}

Result<void> Executor::CheckDefinition(RunContext& ctx, const ExecutorOptions& options) {
  const Workflow& wf = *ctx.workflow;
  std::string sha = Sha256Hex(wf.text);
  if (sha == ctx.run.definition_sha256) return {};
  if (options.accept_definition_change == AcceptDefinitionChange::kNo) {
    return MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("the definition of '{}' changed since run {} started (pinned sha256 {}, "
                    "now {}). Review the change; to continue under the new definition pass "
                    "--accept-definition-change (recorded in the audit with your name).",
                    wf.name, ctx.run.id, ctx.run.definition_sha256.substr(0, 12),
                    sha.substr(0, 12)));
  }
  bool same_steps = wf.steps.size() == ctx.steps.size();
  for (size_t i = 0; same_steps && i < wf.steps.size(); ++i) {
    same_steps = wf.steps[i].id == ctx.steps[i].step_id;
  }
  if (!same_steps) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("the new definition of '{}' has different steps than run {} "
                                 "(ids or order changed); a run can only continue under a "
                                 "definition with the same steps. Roll the run back and start "
                                 "a new one.",
                                 wf.name, ctx.run.id));
  }
  Value detail;
  detail.Set("previous_sha256", ctx.run.definition_sha256);
  detail.Set("sha256", sha);
  detail.Set("source", wf.source);
  TRY(journal_.RepinDefinition(ctx.fence(), ctx.run.id, sha, wf.source, wf.text,
                               ctx.Event("definition.changed", "", detail)));
  observer_.Notice(
      fmt::format("continuing under the changed definition of '{}' (accepted by "
                  "{}; recorded in the audit)",
                  wf.name, ctx.operator_name()));
  ctx.run.definition_sha256 = sha;
  return {};
}

// A running step's checkpoints: each one is journaled as the step's prepared
// data (running -> running) with a step.progress event.
class Executor::StepCheckpoints final : public Checkpointer {
 public:
  StepCheckpoints(Journal& journal, RunContext& ctx, StepRecord& rec, StepContext& sctx)
      : journal_(journal), ctx_(ctx), rec_(rec), sctx_(sctx) {}

  // A step saves a checkpoint often (a data migration, once per page), and
  // it may be large: the prepared data is rebuilt without copying the
  // checkpoint it replaces, and copied once, for the retry below.
  Result<void> Save(const Value& checkpoint, const Value& detail) override {
    Value prepared(ValueMap{});
    if (rec_.prepared.is_map()) {
      for (const auto& [key, member] : rec_.prepared.as_map()) {
        if (key != "checkpoint") prepared.Set(key, member);
      }
    }
    prepared.Set("checkpoint", checkpoint);
    if (!ctx_.secrets.empty()) prepared = RedactValue(prepared, ctx_.secrets);
    StepUpdate update{ctx_.run.id,
                      rec_.step_id,
                      StepState::kRunning,
                      StepState::kRunning,
                      {},
                      std::move(prepared),
                      {},
                      {},
                      {}};
    TRY(journal_.TransitionStep(
        ctx_.fence(), update,
        ctx_.Event("step.progress", rec_.step_id, RedactValue(detail, ctx_.secrets))));
    rec_.prepared = std::move(*update.prepared);
    // A retried call (CallWithRetries) continues from here, not from where
    // the attempt began.
    sctx_.prepared = rec_.prepared;
    return {};
  }

 private:
  Journal& journal_;
  RunContext& ctx_;
  StepRecord& rec_;
  StepContext& sctx_;
};

struct Executor::StepOutcome {
  enum Kind { kSucceeded, kSkipped, kFailed } kind = kSucceeded;
  std::string error;
};

StepContext Executor::MakeStepContext(RunContext& ctx, const StepSpec& spec, Direction direction,
                                      const Value& prepared, const Value& scope) {
  StepContext sctx;
  sctx.run_id = ctx.run.id;
  sctx.step_id = spec.id;
  sctx.target = ctx.run.target;
  sctx.operator_name = ctx.operator_name();
  sctx.idempotency_token = IdempotencyToken(ctx.run.id, spec.id, direction);
  sctx.prepared = prepared;
  sctx.scope = &scope;
  sctx.assume_yes = ctx.options->assume_yes == AssumeYes::kYes;
  sctx.clock = &clock_;
  sctx.processes = &processes_;
  sctx.prompter = &prompter_;
  if (!ctx.progress) ctx.progress = std::make_unique<RedactingProgress>(observer_, ctx.secrets);
  sctx.progress = ctx.progress.get();
  sctx.cancel = ctx.options->cancel;
  sctx.lease_lost = ctx.keeper ? ctx.keeper->lost_flag() : nullptr;
  return sctx;
}

Result<Value> Executor::CallWithRetries(RunContext& ctx, const StepSpec& spec, StepContext& sctx,
                                        const std::function<Result<Value>(StepContext&)>& call) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  for (int attempt = 1;; ++attempt) {
    sctx.deadline.reset();
    if (spec.timeout) sctx.deadline = clock_.Monotonic() + *spec.timeout;
    auto result = call(sctx);
    if (!result && sctx.deadline && clock_.Monotonic() >= *sctx.deadline &&
        result.error().code() != ErrorCode::kTimeout) {
      result = MakeError(ErrorCode::kTimeout,
                         fmt::format("timed out after {} ({})", FormatDuration(*spec.timeout),
                                     result.error().ToString()));
    }
    if (result) return result;
    ErrorCode code = result.error().code();
    if (code == ErrorCode::kLeaseLost || code == ErrorCode::kCancelled) return result;
    bool retryable = code == ErrorCode::kTransient || code == ErrorCode::kTimeout;
    if (!retryable || attempt >= spec.retry.attempts) return result;
    Duration delay =
        RetryDelay(spec.retry, attempt, std::uniform_real_distribution<double>(0.0, 1.0)(random));
    std::string error = RedactSecrets(result.error().ToString(), ctx.secrets);
    Value detail;
    detail.Set("attempt", attempt);
    detail.Set("error", error);
    detail.Set("delay_ms", static_cast<int64_t>(delay.count()));
    Fence fence = ctx.fence();
    TRY(journal_.AppendEvent(&fence, ctx.Event("step.retrying", spec.id, detail)));
    observer_.Notice(fmt::format("{}: attempt {} of {} failed ({}); retrying in {}", spec.id,
                                 attempt, spec.retry.attempts, error, FormatDuration(delay)));
    clock_.Sleep(delay);
    if (ctx.options->cancel && ctx.options->cancel->load()) return result;
  }
}

Result<void> Executor::Confirm(RunContext& ctx, const StepSpec& spec, std::string message,
                               const std::string& typed) {
  Value detail;
  detail.Set("message", message);
  Fence fence = ctx.fence();
  if (ctx.options->assume_yes == AssumeYes::kYes) {
    detail.Set("how", "--yes");
    TRY(journal_.AppendEvent(&fence, ctx.Event("confirmation.given", spec.id, detail)));
    return {};
  }
  auto answer = prompter_.Confirm(message, typed);
  if (!answer) {
    return MakeError(ErrorCode::kNeedsConfirmation,
                     fmt::format("step '{}' needs your confirmation ({}) and there is no "
                                 "terminal to ask on. Run again from a terminal, or pass --yes "
                                 "to agree (recorded in the audit with your name).",
                                 spec.id, message));
  }
  detail.Set("how", typed.empty() ? "interactive" : "typed");
  if (!*answer) {
    TRY(journal_.AppendEvent(&fence, ctx.Event("confirmation.declined", spec.id, detail)));
    return MakeError(ErrorCode::kNeedsConfirmation,
                     fmt::format("you declined step '{}'; nothing was done. Resume with "
                                 "`flightplan resume {}` when ready.",
                                 spec.id, ctx.run.id));
  }
  TRY(journal_.AppendEvent(&fence, ctx.Event("confirmation.given", spec.id, detail)));
  return {};
}

Result<Executor::StepOutcome> Executor::RunStep(RunContext& ctx, size_t index, bool reexecute) {
  const StepSpec& spec = ctx.workflow->steps[index];
  StepRecord& rec = *ctx.FindStep(spec.id);
  const StepType* type = registry_.Find(spec.uses);
  if (type == nullptr) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("unknown step type '{}'", spec.uses));
  }
  const Value& scope = ctx.Scope();
  ValueScope lookup(scope);

  if (!reexecute && !spec.when.empty()) {
    std::string_view body = spec.when;
    if (body.size() > 3 && body.substr(0, 2) == "${" && body.back() == '}') {
      body = body.substr(2, body.size() - 3);
    }
    ASSIGN_OR_RETURN(Expression when, Expression::Parse(body));
    auto holds = when.Evaluate(lookup);
    if (holds && !holds->Truthy()) {
      std::string note = fmt::format("skipped: 'when: {}' is false", spec.when);
      TRY(journal_.TransitionStep(
          ctx.fence(),
          StepUpdate{ctx.run.id, spec.id, rec.state, StepState::kSkipped, {}, {}, {}, {}, note},
          ctx.Event("step.skipped", spec.id, Value(ValueMap{{"reason", Value(note)}}))));
      rec.state = StepState::kSkipped;
      observer_.StepFinished(spec.id, StepState::kSkipped, Duration(0), note);
      return StepOutcome{StepOutcome::kSkipped, ""};
    }
    if (!holds) {
      std::string error =
          fmt::format("cannot evaluate 'when: {}': {}", spec.when, holds.error().ToString());
      return MakeError(ErrorCode::kInvalidInput, RedactSecrets(error, ctx.secrets));
    }
  }
  if (!reexecute && spec.kind == StepKind::kValidation &&
      ctx.options->skip_validations == SkipValidations::kYes) {
    std::string note =
        fmt::format("validation skipped by {} (--skip-validations)", ctx.operator_name());
    TRY(journal_.TransitionStep(
        ctx.fence(),
        StepUpdate{ctx.run.id, spec.id, rec.state, StepState::kSkipped, {}, {}, {}, {}, note},
        ctx.Event("validation.skipped", spec.id, Value(ValueMap{{"reason", Value(note)}}))));
    rec.state = StepState::kSkipped;
    observer_.StepFinished(spec.id, StepState::kSkipped, Duration(0), note);
    return StepOutcome{StepOutcome::kSkipped, ""};
  }

  auto inputs = RenderValue(spec.with, lookup);
  std::string description = inputs ? type->Describe(*inputs) : spec.uses;
  description = RedactSecrets(description, ctx.secrets);
  if (!reexecute && spec.confirm.required) {
    std::string message = fmt::format("Step '{}' will {}.", spec.id, description);
    if (!spec.confirm.message.empty()) {
      auto rendered = RenderValue(Value(spec.confirm.message), lookup);
      if (rendered) message = RedactSecrets(rendered->ToText(), ctx.secrets);
    }
    std::string typed = spec.confirm.typed;
    if (!typed.empty()) {
      auto rendered = RenderValue(Value(typed), lookup);
      if (rendered) typed = rendered->ToText();
    }
    TRY(Confirm(ctx, spec, message, typed));
  }
  if (!reexecute && type->schema().asks_confirmation && inputs) {
    const Value* message = inputs->Find("message");
    const Value* typed = inputs->Find("typed");
    TRY(Confirm(ctx, spec, message ? message->ToText() : description,
                typed ? typed->ToText() : std::string()));
  }

  Value prepared = rec.prepared;
  StepContext sctx = MakeStepContext(ctx, spec, Direction::kForward, prepared, scope);
  std::string prepare_error;
  if (!reexecute) {
    if (inputs) {
      auto p = type->Prepare(*inputs, sctx);
      if (p) {
        prepared = *p;
      } else {
        prepare_error = p.error().ToString();
      }
    }
    Value detail;
    detail.Set("uses", spec.uses);
    detail.Set("attempt", rec.attempt + 1);
    TRY(journal_.TransitionStep(ctx.fence(),
                                StepUpdate{ctx.run.id,
                                           spec.id,
                                           rec.state,
                                           StepState::kRunning,
                                           rec.attempt + 1,
                                           RedactValue(prepared, ctx.secrets),
                                           {},
                                           std::string(),
                                           std::string()},
                                ctx.Event("step.started", spec.id, detail)));
    rec.state = StepState::kRunning;
    rec.attempt += 1;
    rec.prepared = prepared;
    sctx.prepared = prepared;
  }
  observer_.StepStarted(spec.id, description, Direction::kForward, rec.attempt);
  auto started = clock_.Monotonic();
  StepCheckpoints checkpoints(journal_, ctx, rec, sctx);
  sctx.checkpoints = &checkpoints;

  Result<Value> result = Value();
  if (!inputs) {
    result = MakeError(std::move(inputs.error()).WithContext("cannot work out the inputs"));
  } else if (!prepare_error.empty()) {
    result = MakeError(ErrorCode::kStepFailed, "preparing failed: " + prepare_error);
  } else {
    result =
        CallWithRetries(ctx, spec, sctx, [&](StepContext& c) { return type->Execute(*inputs, c); });
  }
  auto took = std::chrono::duration_cast<Duration>(clock_.Monotonic() - started);
  if (result) {
    Value outputs = RedactValue(result->is_null() ? Value(ValueMap{}) : *result, ctx.secrets);
    Value detail;
    detail.Set("duration_ms", static_cast<int64_t>(took.count()));
    TRY(journal_.TransitionStep(ctx.fence(),
                                StepUpdate{ctx.run.id,
                                           spec.id,
                                           StepState::kRunning,
                                           StepState::kSucceeded,
                                           {},
                                           {},
                                           outputs,
                                           {},
                                           {}},
                                ctx.Event("step.succeeded", spec.id, detail)));
    rec.state = StepState::kSucceeded;
    rec.outputs = outputs;
    observer_.StepFinished(spec.id, StepState::kSucceeded, took, "");
    return StepOutcome{StepOutcome::kSucceeded, ""};
  }
  if (result.error().code() == ErrorCode::kLeaseLost ||
      result.error().code() == ErrorCode::kCancelled) {
    // Not the step's failure: the step stays in doubt and resume decides.
    return MakeError(result.error());
  }
  std::string error = RedactSecrets(result.error().ToString(), ctx.secrets);
  Value detail;
  detail.Set("error", error);
  detail.Set("duration_ms", static_cast<int64_t>(took.count()));
  TRY(journal_.TransitionStep(
      ctx.fence(),
      StepUpdate{
          ctx.run.id, spec.id, StepState::kRunning, StepState::kFailed, {}, {}, {}, error, {}},
      ctx.Event("step.failed", spec.id, detail)));
  rec.state = StepState::kFailed;
  rec.error = error;
  observer_.StepFinished(spec.id, StepState::kFailed, took, error);
  return StepOutcome{StepOutcome::kFailed, error};
}

Result<Executor::StepOutcome> Executor::Reconcile(RunContext& ctx, size_t index) {
  const StepSpec& spec = ctx.workflow->steps[index];
  StepRecord& rec = *ctx.FindStep(spec.id);
  const StepType* type = registry_.Find(spec.uses);
  const Value& scope = ctx.Scope();
  ValueScope lookup(scope);
  CheckResult check;
  if (spec.kind == StepKind::kValidation) {
    check = {CheckOutcome::kNotDone, Value(), "validation steps change nothing; it runs again"};
  } else {
    auto inputs = RenderValue(spec.with, lookup);
    if (!inputs) {
      check = {CheckOutcome::kUnknown, Value(), inputs.error().ToString()};
    } else {
      StepContext sctx = MakeStepContext(ctx, spec, Direction::kForward, rec.prepared, scope);
      auto checked = type->Check(*inputs, sctx);
      check = checked ? *checked
                      : CheckResult{CheckOutcome::kUnknown, Value(),
                                    "the check failed: " + checked.error().ToString()};
    }
  }
  check.explanation = RedactSecrets(check.explanation, ctx.secrets);
  Value detail;
  detail.Set("outcome", std::string(CheckOutcomeName(check.outcome)));
  detail.Set("explanation", check.explanation);
  Fence fence = ctx.fence();
  TRY(journal_.AppendEvent(&fence, ctx.Event("step.checked", spec.id, detail)));
  switch (check.outcome) {
    case CheckOutcome::kDone: {
      Value outputs =
          RedactValue(check.outputs.is_null() ? Value(ValueMap{}) : check.outputs, ctx.secrets);
      TRY(journal_.TransitionStep(
          ctx.fence(),
          StepUpdate{ctx.run.id,
                     spec.id,
                     StepState::kRunning,
                     StepState::kSucceeded,
                     {},
                     {},
                     outputs,
                     {},
                     "found done after an interruption: " + check.explanation},
          ctx.Event("step.succeeded", spec.id, Value(ValueMap{{"reconciled", Value(true)}}))));
      rec.state = StepState::kSucceeded;
      rec.outputs = outputs;
      observer_.StepFinished(spec.id, StepState::kSucceeded, Duration(0),
                             "already done before the interruption (" + check.explanation + ")");
      return StepOutcome{StepOutcome::kSucceeded, ""};
    }
    case CheckOutcome::kNotDone:
      observer_.Notice(
          fmt::format("{}: interrupted before it took effect ({}); running it "
                      "again with the same idempotency token",
                      spec.id, check.explanation));
      return RunStep(ctx, index, /*reexecute=*/true);
    case CheckOutcome::kUnknown:
      break;
  }
  return MakeError(
      ErrorCode::kInDoubt,
      fmt::format("step '{}' of run {} was interrupted and flightplan cannot tell whether it "
                  "took effect: {}. Inspect what it does ({}), then tell flightplan:\n"
                  "  flightplan resolve {} {} --done    if it took effect\n"
                  "  flightplan resolve {} {} --retry   to run it again",
                  spec.id, ctx.run.id, check.explanation, spec.uses, ctx.run.id, spec.id,
                  ctx.run.id, spec.id));
}

Result<RunOutcome> Executor::Drive(RunContext& ctx, bool resumed) {
  const Workflow& wf = *ctx.workflow;
  if (ctx.run.state == RunState::kPending || ctx.run.state == RunState::kFailed) {
    RunState from = ctx.run.state;
    TRY(journal_.TransitionRun(ctx.fence(), ctx.run.id, from, RunState::kRunning,
                               ctx.Event(from == RunState::kPending ? "run.started" : "run.resumed",
                                         "", Value(ValueMap{}))));
    ctx.run.state = RunState::kRunning;
  } else if (ctx.run.state == RunState::kRunning) {
    Fence fence = ctx.fence();
    TRY(journal_.AppendEvent(&fence, ctx.Event("run.resumed", "", Value(ValueMap{}))));
  }
  observer_.RunStarted(ctx.run, resumed, Direction::kForward);

  for (size_t i = 0; i < wf.steps.size(); ++i) {
    const StepSpec& spec = wf.steps[i];
    StepRecord* rec = ctx.FindStep(spec.id);
    if (rec == nullptr) {
      return MakeError(ErrorCode::kCorruption,
                       fmt::format("run {} has no record of step '{}'", ctx.run.id, spec.id));
    }
    if (rec->state == StepState::kSucceeded || rec->state == StepState::kSkipped) continue;
    if (ctx.options->cancel && ctx.options->cancel->load()) {
      return MakeError(ErrorCode::kCancelled,
                       fmt::format("interrupted before step '{}'; `flightplan resume {}` "
                                   "continues from there",
                                   spec.id, ctx.run.id));
    }
    if (ctx.keeper->lost()) {
      return MakeError(ErrorCode::kLeaseLost,
                       fmt::format("the lease on '{}' was taken over by another operator; "
                                   "this process stops without writing",
                                   ctx.run.target));
    }
    if (!ctx.options->stop_before.empty() && spec.id == ctx.options->stop_before) {
      Value detail(ValueMap{});
      detail.Set("before", spec.id);
      Fence fence = ctx.fence();
      TRY(journal_.AppendEvent(&fence, ctx.Event("run.paused", "", detail)));
      return RunOutcome{ctx.run.id, RunState::kRunning, false,
                        fmt::format("run {} stopped before step '{}', as asked; it continues "
                                    "from there when started or resumed",
                                    ctx.run.id, spec.id)};
    }
    StepOutcome outcome;
    if (rec->state == StepState::kRunning) {
      ASSIGN_OR_RETURN(outcome, Reconcile(ctx, i));
    } else if (rec->state == StepState::kPending || rec->state == StepState::kFailed) {
      ASSIGN_OR_RETURN(outcome, RunStep(ctx, i, /*reexecute=*/false));
    } else {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("step '{}' of run {} is {}; the run is being rolled back. "
                                   "Continue with `flightplan rollback {}`.",
                                   spec.id, ctx.run.id, StepStateName(rec->state), ctx.run.id));
    }
    if (outcome.kind != StepOutcome::kFailed) continue;

    Value detail;
    detail.Set("step", spec.id);
    detail.Set("error", outcome.error);
    TRY(journal_.TransitionRun(ctx.fence(), ctx.run.id, RunState::kRunning, RunState::kFailed,
                               ctx.Event("run.failed", "", detail)));
    ctx.run.state = RunState::kFailed;
    if (wf.on_failure == OnFailure::kRollback) {
      observer_.Notice(
          fmt::format("step '{}' failed; rolling back (on_failure: rollback)", spec.id));
      ASSIGN_OR_RETURN(RunOutcome rolled, DriveRollback(ctx));
      rolled.message =
          fmt::format("step '{}' failed: {}; {}", spec.id, outcome.error, rolled.message);
      return rolled;
    }
    observer_.RunFinished(ctx.run, RunState::kFailed);
    return RunOutcome{ctx.run.id, RunState::kFailed, false,
                      fmt::format("step '{}' failed: {}\nFix the cause, then `flightplan "
                                  "resume {}` retries it; or `flightplan rollback {}` undoes "
                                  "the steps that succeeded.",
                                  spec.id, outcome.error, ctx.run.id, ctx.run.id)};
  }
  Value succeeded(ValueMap{});
  if (wf.closes_target) succeeded.Set(kClosesTargetKey, true);
  TRY(journal_.TransitionRun(ctx.fence(), ctx.run.id, RunState::kRunning, RunState::kSucceeded,
                             ctx.Event("run.succeeded", "", succeeded)));
  ctx.run.state = RunState::kSucceeded;
  observer_.RunFinished(ctx.run, RunState::kSucceeded);
  return RunOutcome{
      ctx.run.id, RunState::kSucceeded, false,
      fmt::format("run {} of '{}' on '{}' succeeded", ctx.run.id, wf.name, ctx.run.target)};
}

Result<Executor::StepOutcome> Executor::UndoStep(RunContext& ctx, size_t index, bool in_doubt) {
  const StepSpec& spec = ctx.workflow->steps[index];
  StepRecord& rec = *ctx.FindStep(spec.id);
  const StepType* type = registry_.Find(spec.uses);
  const Value& scope = ctx.Scope();
  ValueScope lookup(scope);
  auto inputs = RenderValue(spec.with, lookup);
  const StepType* undo_type =
      spec.rollback.mode == RollbackMode::kExplicit ? registry_.Find(spec.rollback.uses) : type;
  Result<Value> undo_inputs = spec.rollback.mode == RollbackMode::kExplicit
                                  ? RenderValue(spec.rollback.with, lookup)
                                  : inputs;
  StepContext sctx = MakeStepContext(ctx, spec, Direction::kRollback, rec.prepared, scope);
  std::string what = undo_inputs && undo_type
                         ? RedactSecrets(undo_type->Describe(*undo_inputs), ctx.secrets)
                         : "undo " + spec.id;

  if (in_doubt) {
    CheckResult check{CheckOutcome::kUnknown, Value(), ""};
    if (!undo_inputs) {
      check.explanation = undo_inputs.error().ToString();
    } else if (spec.rollback.mode == RollbackMode::kExplicit) {
      auto c = undo_type->Check(*undo_inputs, sctx);
      check = c ? *c : CheckResult{CheckOutcome::kUnknown, Value(), c.error().ToString()};
    } else {
      auto c = type->CheckRollback(*undo_inputs, rec.outputs, sctx);
      check = c ? *c : CheckResult{CheckOutcome::kUnknown, Value(), c.error().ToString()};
    }
    check.explanation = RedactSecrets(check.explanation, ctx.secrets);
    Value detail;
    detail.Set("outcome", std::string(CheckOutcomeName(check.outcome)));
    detail.Set("explanation", check.explanation);
    Fence fence = ctx.fence();
    TRY(journal_.AppendEvent(&fence, ctx.Event("step.rollback_checked", spec.id, detail)));
    if (check.outcome == CheckOutcome::kDone) {
      TRY(journal_.TransitionStep(
          ctx.fence(),
          StepUpdate{ctx.run.id,
                     spec.id,
                     StepState::kRollingBack,
                     StepState::kRolledBack,
                     {},
                     {},
                     {},
                     {},
                     "undo found done after an interruption: " + check.explanation},
          ctx.Event("step.rolled_back", spec.id, Value(ValueMap{{"reconciled", Value(true)}}))));
      rec.state = StepState::kRolledBack;
      observer_.StepFinished(spec.id, StepState::kRolledBack, Duration(0),
                             "undone before the interruption (" + check.explanation + ")");
      return StepOutcome{StepOutcome::kSucceeded, ""};
    }
    if (check.outcome == CheckOutcome::kUnknown) {
      return MakeError(
          ErrorCode::kInDoubt,
          fmt::format("the rollback of step '{}' (run {}) was interrupted and flightplan "
                      "cannot tell whether it took effect: {}. Inspect it ({}), then:\n"
                      "  flightplan resolve {} {} --done    if the undo took effect\n"
                      "  flightplan resolve {} {} --retry   to undo it again",
                      spec.id, ctx.run.id, check.explanation, what, ctx.run.id, spec.id, ctx.run.id,
                      spec.id));
    }
  } else {
    // An undo that is a step asking for confirmation (dynamodb.restore) asks
    // before it starts, as it would going forward.
    if (spec.rollback.mode == RollbackMode::kExplicit && undo_type != nullptr && undo_inputs &&
        undo_type->schema().asks_confirmation) {
      const Value* message = undo_inputs->Find("message");
      const Value* typed = undo_inputs->Find("typed");
      TRY(Confirm(ctx, spec, message ? message->ToText() : "undo '" + spec.id + "': " + what,
                  typed ? typed->ToText() : std::string()));
    }
    StepState from = rec.state;
    TRY(journal_.TransitionStep(
        ctx.fence(),
        StepUpdate{
            ctx.run.id, spec.id, from, StepState::kRollingBack, {}, {}, {}, std::string(), {}},
        ctx.Event("step.rollback_started", spec.id, Value(ValueMap{}))));
    rec.state = StepState::kRollingBack;
  }
  observer_.StepStarted(spec.id, what, Direction::kRollback, rec.attempt);
  auto started = clock_.Monotonic();
  Result<Value> result = Value();
  if (!undo_inputs) {
    result = MakeError(std::move(undo_inputs.error()).WithContext("cannot work out the undo"));
  } else if (undo_type == nullptr) {
    result = MakeError(ErrorCode::kInvalidInput,
                       fmt::format("unknown step type '{}'", spec.rollback.uses));
  } else if (spec.rollback.mode == RollbackMode::kExplicit) {
    result = CallWithRetries(ctx, spec, sctx,
                             [&](StepContext& c) { return undo_type->Execute(*undo_inputs, c); });
  } else {
    result = CallWithRetries(ctx, spec, sctx, [&](StepContext& c) -> Result<Value> {
      TRY(type->Rollback(*undo_inputs, rec.outputs, c));
      return Value(ValueMap{});
    });
  }
  auto took = std::chrono::duration_cast<Duration>(clock_.Monotonic() - started);
  if (result) {
    // An undo that is a step (rollback: {uses: ...}) reports what it did.
    Value detail(ValueMap{{"duration_ms", Value(static_cast<int64_t>(took.count()))}});
    std::string note;
    if (result->is_map() && !result->as_map().empty()) {
      detail.Set("outputs", *result);
      note = RedactSecrets(result->ToJson(), ctx.secrets);
    }
    TRY(journal_.TransitionStep(ctx.fence(),
                                StepUpdate{ctx.run.id,
                                           spec.id,
                                           StepState::kRollingBack,
                                           StepState::kRolledBack,
                                           {},
                                           {},
                                           {},
                                           {},
                                           {}},
                                ctx.Event("step.rolled_back", spec.id, std::move(detail))));
    rec.state = StepState::kRolledBack;
    observer_.StepFinished(spec.id, StepState::kRolledBack, took, note);
    return StepOutcome{StepOutcome::kSucceeded, ""};
  }
  if (result.error().code() == ErrorCode::kLeaseLost ||
      result.error().code() == ErrorCode::kCancelled) {
    return MakeError(result.error());
  }
  std::string error = RedactSecrets(result.error().ToString(), ctx.secrets);
  TRY(journal_.TransitionStep(
      ctx.fence(),
      StepUpdate{ctx.run.id,
                 spec.id,
                 StepState::kRollingBack,
                 StepState::kRollbackFailed,
                 {},
                 {},
                 {},
                 error,
                 {}},
      ctx.Event("step.rollback_failed", spec.id, Value(ValueMap{{"error", Value(error)}}))));
  rec.state = StepState::kRollbackFailed;
  observer_.StepFinished(spec.id, StepState::kRollbackFailed, took, error);
  return StepOutcome{StepOutcome::kFailed, error};
}

Result<RunOutcome> Executor::DriveRollback(RunContext& ctx) {
  const Workflow& wf = *ctx.workflow;
  if (ctx.run.state == RunState::kRunning) {
    // An interrupted forward run: settle the step in doubt first.
    for (size_t i = 0; i < wf.steps.size(); ++i) {
      StepRecord* rec = ctx.FindStep(wf.steps[i].id);
      if (rec == nullptr || rec->state != StepState::kRunning) continue;
      const StepSpec& spec = wf.steps[i];
      const StepType* type = registry_.Find(spec.uses);
      const Value& scope = ctx.Scope();
      ValueScope lookup(scope);
      CheckResult check{CheckOutcome::kNotDone, Value(), "validation steps change nothing"};
      if (spec.kind != StepKind::kValidation) {
        auto inputs = RenderValue(spec.with, lookup);
        StepContext sctx = MakeStepContext(ctx, spec, Direction::kForward, rec->prepared, scope);
        auto c =
            inputs ? type->Check(*inputs, sctx) : Result<CheckResult>(MakeError(inputs.error()));
        check = c ? *c : CheckResult{CheckOutcome::kUnknown, Value(), c.error().ToString()};
      }
      if (check.outcome == CheckOutcome::kUnknown) {
        check.explanation = RedactSecrets(check.explanation, ctx.secrets);
        return MakeError(
            ErrorCode::kInDoubt,
            fmt::format("step '{}' of run {} was interrupted and flightplan cannot tell whether "
                        "it took effect ({}), so it cannot know what to undo. Decide first:\n"
                        "  flightplan resolve {} {} --done    if it took effect\n"
                        "  flightplan resolve {} {} --retry   if it did not",
                        spec.id, ctx.run.id, check.explanation, ctx.run.id, spec.id, ctx.run.id,
                        spec.id));
      }
      bool done = check.outcome == CheckOutcome::kDone;
      check.explanation = RedactSecrets(check.explanation, ctx.secrets);
      check.outputs =
          RedactValue(check.outputs.is_null() ? Value(ValueMap{}) : check.outputs, ctx.secrets);
      TRY(journal_.TransitionStep(
          ctx.fence(),
          StepUpdate{
              ctx.run.id,
              spec.id,
              StepState::kRunning,
              done ? StepState::kSucceeded : StepState::kFailed,
              {},
              {},
              done ? std::optional<Value>(check.outputs) : std::nullopt,
              done ? std::nullopt : std::optional<std::string>("interrupted before it took effect"),
              check.explanation},
          ctx.Event(done ? "step.succeeded" : "step.failed", spec.id,
                    Value(ValueMap{{"reconciled", Value(true)}}))));
      rec->state = done ? StepState::kSucceeded : StepState::kFailed;
      if (done) rec->outputs = check.outputs;
    }
    TRY(journal_.TransitionRun(ctx.fence(), ctx.run.id, RunState::kRunning, RunState::kFailed,
                               ctx.Event("run.interrupted", "", Value(ValueMap{}))));
    ctx.run.state = RunState::kFailed;
  }
  if (ctx.run.state == RunState::kSucceeded || ctx.run.state == RunState::kFailed ||
      ctx.run.state == RunState::kRollbackFailed) {
    TRY(journal_.TransitionRun(ctx.fence(), ctx.run.id, ctx.run.state, RunState::kRollingBack,
                               ctx.Event("rollback.started", "", Value(ValueMap{}))));
    ctx.run.state = RunState::kRollingBack;
    observer_.RunStarted(ctx.run, false, Direction::kRollback);
  } else if (ctx.run.state == RunState::kRollingBack) {
    Fence fence = ctx.fence();
    TRY(journal_.AppendEvent(&fence, ctx.Event("rollback.resumed", "", Value(ValueMap{}))));
    observer_.RunStarted(ctx.run, true, Direction::kRollback);
  }

  for (size_t n = wf.steps.size(); n > 0; --n) {
    size_t i = n - 1;
    const StepSpec& spec = wf.steps[i];
    StepRecord* rec = ctx.FindStep(spec.id);
    if (rec == nullptr) continue;
    if (ctx.options->cancel && ctx.options->cancel->load()) {
      return MakeError(ErrorCode::kCancelled,
                       fmt::format("rollback interrupted before step '{}'; `flightplan "
                                   "rollback {}` continues it",
                                   spec.id, ctx.run.id));
    }
    StepOutcome outcome;
    switch (rec->state) {
      case StepState::kSucceeded: {
        if (spec.kind == StepKind::kValidation || spec.rollback.mode == RollbackMode::kNone) {
          std::string reason = spec.kind == StepKind::kValidation
                                   ? "validation steps change nothing"
                                   : (spec.rollback.reason.empty() ? "the step has no rollback"
                                                                   : spec.rollback.reason);
          Fence fence = ctx.fence();
          TRY(journal_.AppendEvent(&fence, ctx.Event("step.rollback_skipped", spec.id,
                                                     Value(ValueMap{{"reason", Value(reason)}}))));
          observer_.StepFinished(spec.id, StepState::kSucceeded, Duration(0),
                                 "left as it is: " + reason);
          continue;
        }
        ASSIGN_OR_RETURN(outcome, UndoStep(ctx, i, /*in_doubt=*/false));
        break;
      }
      case StepState::kRollbackFailed: {
        ASSIGN_OR_RETURN(outcome, UndoStep(ctx, i, /*in_doubt=*/false));
        break;
      }
      case StepState::kRollingBack: {
        ASSIGN_OR_RETURN(outcome, UndoStep(ctx, i, /*in_doubt=*/true));
        break;
      }
      default:
        continue;
    }
    if (outcome.kind == StepOutcome::kFailed) {
      TRY(journal_.TransitionRun(
          ctx.fence(), ctx.run.id, RunState::kRollingBack, RunState::kRollbackFailed,
          ctx.Event("rollback.failed", "",
                    Value(ValueMap{{"step", Value(spec.id)}, {"error", Value(outcome.error)}}))));
      ctx.run.state = RunState::kRollbackFailed;
      observer_.RunFinished(ctx.run, RunState::kRollbackFailed);
      return RunOutcome{ctx.run.id, RunState::kRollbackFailed, false,
                        fmt::format("rollback of step '{}' failed: {}\nThe run is "
                                    "rollback_failed; steps before it were not undone. Fix the "
                                    "cause, then `flightplan rollback {}` continues.",
                                    spec.id, outcome.error, ctx.run.id)};
    }
  }
  TRY(journal_.TransitionRun(ctx.fence(), ctx.run.id, RunState::kRollingBack, RunState::kRolledBack,
                             ctx.Event("rollback.succeeded", "", Value(ValueMap{}))));
  ctx.run.state = RunState::kRolledBack;
  observer_.RunFinished(ctx.run, RunState::kRolledBack);
  return RunOutcome{
      ctx.run.id, RunState::kRolledBack, false,
      fmt::format("run {} of '{}' on '{}' rolled back", ctx.run.id, wf.name, ctx.run.target)};
}

Result<std::unique_ptr<Executor::RunContext>> Executor::OpenRun(RunId run_id,
                                                                const Workflow& workflow,
                                                                const ParamInput& params,
                                                                const ExecutorOptions& options) {
  auto ctx = std::make_unique<RunContext>();
  ctx->workflow = &workflow;
  ctx->options = &options;
  ASSIGN_OR_RETURN(ctx->run, journal_.GetRun(run_id));
  if (ctx->run.workflow != workflow.name) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("run {} is of workflow '{}', not '{}'", run_id, ctx->run.workflow,
                                 workflow.name));
  }
  ASSIGN_OR_RETURN(ctx->params, ResolveParams(workflow, params, &ctx->run.params, &ctx->secrets));
  ASSIGN_OR_RETURN(AcquiredLease acquired,
                   AcquireTargetLease(journal_, host_, options.holder, ctx->run.target,
                                      LeasePolicy{options.lease_ttl, options.take_over}, clock_));
  ctx->keeper = std::make_unique<LeaseKeeper>(journal_, std::move(acquired.lease),
                                              options.lease_ttl, options.holder.operator_name);
  if (!acquired.notice.empty()) observer_.Notice(acquired.notice);
  // Re-read under the lease: the run may have moved on before we held it.
  ASSIGN_OR_RETURN(ctx->run, journal_.GetRun(run_id));
  ASSIGN_OR_RETURN(ctx->steps, journal_.GetSteps(run_id));
  return ctx;
}

Result<RunOutcome> Executor::Start(const Workflow& wf, const ParamInput& input,
                                   const std::string& target_override,
                                   const ExecutorOptions& options) {
  std::vector<std::string> secrets;
  ASSIGN_OR_RETURN(Value params, ResolveParams(wf, input, nullptr, &secrets));
  ASSIGN_OR_RETURN(std::string target, ResolveTarget(wf, params, target_override));

  ASSIGN_OR_RETURN(AcquiredLease acquired,
                   AcquireTargetLease(journal_, host_, options.holder, target,
                                      LeasePolicy{options.lease_ttl, options.take_over}, clock_));
  auto keeper = std::make_unique<LeaseKeeper>(journal_, std::move(acquired.lease),
                                              options.lease_ttl, options.holder.operator_name);
  if (!acquired.notice.empty()) observer_.Notice(acquired.notice);

  ASSIGN_OR_RETURN(std::vector<RunRecord> runs, CurrentRuns(journal_, wf.name, target));
  if (!runs.empty()) {
    const RunRecord& latest = runs.front();
    if (latest.state == RunState::kSucceeded && !wf.repeatable) {
      ASSIGN_OR_RETURN(std::vector<EventRecord> events,
                       journal_.ListEvents(EventFilter{latest.id, {}, 0, 0}));
      std::string who = latest.operator_name;
      Timestamp when = latest.updated_at;
      for (const EventRecord& e : events) {
        if (e.kind == "run.succeeded") {
          who = e.operator_name;
          when = e.at;
        }
      }
      return RunOutcome{latest.id, latest.state, true,
                        fmt::format("'{}' already completed on '{}': run {} by {} at {}. "
                                    "Nothing to do.",
                                    wf.name, target, latest.id, who, FormatTimestamp(when))};
    }
    if (latest.state == RunState::kRollingBack || latest.state == RunState::kRollbackFailed) {
      return MakeError(
          ErrorCode::kOrdering,
          fmt::format("run {} of '{}' on '{}' is being rolled back ({}); finish "
                      "that first with `flightplan rollback {}`",
                      latest.id, wf.name, target, RunStateName(latest.state), latest.id));
    }
    if (latest.state != RunState::kRolledBack && latest.state != RunState::kSucceeded) {
      // Unfinished: continue it.
      keeper.reset();
      observer_.Notice(
          fmt::format("continuing unfinished run {} of '{}' on '{}'", latest.id, wf.name, target));
      return Resume(latest.id, wf, input, options);
    }
  }
  TRY(CheckRequirements(wf, target));

  RunContext ctx;
  ctx.workflow = &wf;
  ctx.options = &options;
  ctx.params = params;
  ctx.secrets = secrets;
  ctx.keeper = std::move(keeper);
  Value stored(ValueMap{});
  for (const ParamSpec& p : wf.params) {
    const Value* v = params.Find(p.name);
    if (v != nullptr && !p.secret) stored.Set(p.name, *v);
  }
  ctx.run.workflow = wf.name;
  ctx.run.target = target;
  ctx.run.state = RunState::kPending;
  ctx.run.definition_sha256 = Sha256Hex(wf.text);
  ctx.run.definition_source = wf.source;
  ctx.run.definition_text = wf.text;
  ctx.run.requires_workflows = wf.requires_workflows;
  ctx.run.params = stored;
  ctx.run.operator_name = options.holder.operator_name;
  std::vector<std::string> ids;
  for (const StepSpec& s : wf.steps) ids.push_back(s.id);
  Value detail;
  detail.Set("workflow", wf.name);
  detail.Set("version", wf.version);
  detail.Set("definition_sha256", ctx.run.definition_sha256);
  detail.Set("params", stored);
  ASSIGN_OR_RETURN(ctx.run.id, journal_.CreateRun(ctx.fence(), ctx.run, ids,
                                                  ctx.Event("run.created", "", detail)));
  ASSIGN_OR_RETURN(ctx.steps, journal_.GetSteps(ctx.run.id));
  return Drive(ctx, /*resumed=*/false);
}

Result<RunOutcome> Executor::Resume(RunId run_id, const Workflow& wf, const ParamInput& params,
                                    const ExecutorOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<RunContext> ctx, OpenRun(run_id, wf, params, options));
  if (ctx->run.state != RunState::kSucceeded && ctx->run.state != RunState::kRolledBack) {
    TRY(CheckNotClosed(ctx->run));
  }
  switch (ctx->run.state) {
    case RunState::kSucceeded:
      return RunOutcome{run_id, ctx->run.state, true,
                        fmt::format("run {} already succeeded; nothing to resume", run_id)};
    case RunState::kRolledBack:
      return RunOutcome{run_id, ctx->run.state, true,
                        fmt::format("run {} was rolled back; start a new run with `flightplan "
                                    "run {}`",
                                    run_id, CommandFor(wf))};
    case RunState::kRollingBack:
    case RunState::kRollbackFailed:
      TRY(CheckDefinition(*ctx, options));
      return DriveRollback(*ctx);
    default:
      break;
  }
  TRY(CheckDefinition(*ctx, options));
  TRY(CheckRequirements(wf, ctx->run.target));
  return Drive(*ctx, /*resumed=*/true);
}

Result<RunOutcome> Executor::Rollback(RunId run_id, const Workflow& wf, const ParamInput& params,
                                      const ExecutorOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<RunContext> ctx, OpenRun(run_id, wf, params, options));
  if (ctx->run.state == RunState::kRolledBack) {
    return RunOutcome{run_id, ctx->run.state, true,
                      fmt::format("run {} is already rolled back", run_id)};
  }
  if (ctx->run.state == RunState::kPending) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("run {} never started; there is nothing to roll back", run_id));
  }
  TRY(CheckNotClosed(ctx->run));
  TRY(CheckDefinition(*ctx, options));
  TRY(CheckNoDependents(ctx->run));
  return DriveRollback(*ctx);
}

Result<std::string> Executor::Resolve(RunId run_id, const std::string& step_id,
                                      Resolution resolution, const std::string& reason,
                                      const ExecutorOptions& options) {
  ASSIGN_OR_RETURN(RunRecord run, journal_.GetRun(run_id));
  ASSIGN_OR_RETURN(AcquiredLease acquired,
                   AcquireTargetLease(journal_, host_, options.holder, run.target,
                                      LeasePolicy{options.lease_ttl, options.take_over}, clock_));
  LeaseKeeper keeper(journal_, std::move(acquired.lease), options.lease_ttl,
                     options.holder.operator_name);
  if (!acquired.notice.empty()) observer_.Notice(acquired.notice);
  ASSIGN_OR_RETURN(std::vector<StepRecord> steps, journal_.GetSteps(run_id));
  const StepRecord* rec = nullptr;
  for (const StepRecord& s : steps) {
    if (s.step_id == step_id) rec = &s;
  }
  if (rec == nullptr) {
    return MakeError(ErrorCode::kNotFound, fmt::format("run {} has no step '{}'", run_id, step_id));
  }
  bool forward = rec->state == StepState::kRunning;
  if (!forward && rec->state != StepState::kRollingBack) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("step '{}' of run {} is {}, not in doubt; there is nothing to "
                                 "resolve",
                                 step_id, run_id, StepStateName(rec->state)));
  }
  bool done = resolution == Resolution::kDone;
  StepState to = forward ? (done ? StepState::kSucceeded : StepState::kFailed)
                         : (done ? StepState::kRolledBack : StepState::kRollbackFailed);
  std::string note = fmt::format("resolved by {}: {}{}", options.holder.operator_name,
                                 done ? "it took effect" : "run it again",
                                 reason.empty() ? "" : " (" + reason + ")");
  Value detail;
  detail.Set("decision", done ? "done" : "retry");
  detail.Set("direction", forward ? "forward" : "rollback");
  detail.Set("reason", reason);
  StepUpdate update{run_id, step_id, rec->state, to, {}, {}, {}, {}, note};
  if (!done) update.error = note;
  TRY(journal_.TransitionStep(keeper.fence(), update,
                              NewEvent{"step.resolved", options.holder.operator_name, run_id,
                                       run.target, step_id, detail}));
  std::string next = forward ? fmt::format("flightplan resume {}", run_id)
                             : fmt::format("flightplan rollback {}", run_id);
  return fmt::format("step '{}' of run {} marked {}; continue with `{}`", step_id, run_id,
                     StepStateName(to), next);
}

Result<Plan> Executor::PlanRun(RunId run_id, const Workflow& wf, const ParamInput& input,
                               Direction direction, const ExecutorOptions& options) {
  RunContext ctx;
  ctx.workflow = &wf;
  ctx.options = &options;
  ASSIGN_OR_RETURN(ctx.run, journal_.GetRun(run_id));
  ASSIGN_OR_RETURN(ctx.steps, journal_.GetSteps(run_id));
  ASSIGN_OR_RETURN(ctx.params, ResolveParams(wf, input, &ctx.run.params, &ctx.secrets));
  Plan plan;
  plan.workflow = wf.name;
  plan.target = ctx.run.target;
  const Value& scope = ctx.Scope();
  ValueScope lookup(scope);
  auto plan_step = [&](const StepSpec& spec, const StepRecord& rec) {
    PlannedStep planned;
    planned.step_id = spec.id;
    bool undo = direction == Direction::kRollback;
    const StepType* type = registry_.Find(
        undo && spec.rollback.mode == RollbackMode::kExplicit ? spec.rollback.uses : spec.uses);
    planned.uses = type ? std::string(type->name()) : spec.uses;
    const Value& with =
        undo && spec.rollback.mode == RollbackMode::kExplicit ? spec.rollback.with : spec.with;
    auto inputs = RenderValue(with, lookup);
    std::string what = inputs && type ? type->Describe(*inputs) : spec.uses;
    planned.description = RedactSecrets(
        undo && spec.rollback.mode == RollbackMode::kAuto ? "undo: " + what : what, ctx.secrets);
    if (rec.state == StepState::kRunning || rec.state == StepState::kRollingBack) {
      planned.note = "interrupted: checked first, acted on only if it did not take effect";
    } else if (rec.state == StepState::kFailed) {
      planned.note = "failed before: runs again";
    }
    return planned;
  };
  if (direction == Direction::kForward) {
    for (const StepSpec& spec : wf.steps) {
      const StepRecord* rec = ctx.FindStep(spec.id);
      if (rec == nullptr || rec->state == StepState::kSucceeded ||
          rec->state == StepState::kSkipped) {
        continue;
      }
      plan.steps.push_back(plan_step(spec, *rec));
    }
  } else {
    for (size_t n = wf.steps.size(); n > 0; --n) {
      const StepSpec& spec = wf.steps[n - 1];
      const StepRecord* rec = ctx.FindStep(spec.id);
      if (rec == nullptr) continue;
      bool undoable = rec->state == StepState::kSucceeded ||
                      rec->state == StepState::kRollingBack ||
                      rec->state == StepState::kRollbackFailed || rec->state == StepState::kRunning;
      if (!undoable) continue;
      PlannedStep planned = plan_step(spec, *rec);
      if (spec.kind == StepKind::kValidation || spec.rollback.mode == RollbackMode::kNone) {
        planned.description = "left as it is";
        planned.note = spec.kind == StepKind::kValidation ? "validation steps change nothing"
                                                          : spec.rollback.reason;
      }
      plan.steps.push_back(std::move(planned));
    }
  }
  Value detail;
  detail.Set("workflow", wf.name);
  detail.Set("direction", direction == Direction::kForward ? "resume" : "rollback");
  detail.Set("steps", static_cast<int64_t>(plan.steps.size()));
  TRY(journal_.AppendEvent(nullptr, NewEvent{"run.dry_run", options.holder.operator_name, run_id,
                                             ctx.run.target, "", detail}));
  return plan;
}

Result<Plan> Executor::DryRun(const Workflow& wf, const ParamInput& input,
                              const std::string& target_override, const ExecutorOptions& options) {
  std::vector<std::string> secrets;
  ASSIGN_OR_RETURN(Value params, ResolveParams(wf, input, nullptr, &secrets));
  ASSIGN_OR_RETURN(std::string target, ResolveTarget(wf, params, target_override));
  Plan plan;
  plan.workflow = wf.name;
  plan.target = target;
  RunContext ctx;
  ctx.workflow = &wf;
  ctx.options = &options;
  ctx.params = params;
  ctx.run.target = target;
  ctx.run.workflow = wf.name;
  const Value& scope = ctx.Scope();
  ValueScope lookup(scope);
  for (const StepSpec& spec : wf.steps) {
    PlannedStep planned;
    planned.step_id = spec.id;
    planned.uses = spec.uses;
    const StepType* type = registry_.Find(spec.uses);
    auto inputs = RenderValue(spec.with, lookup);
    if (inputs && type != nullptr) {
      planned.description = RedactSecrets(type->Describe(*inputs), secrets);
      // Steps that can read what they would change say so in detail; a
      // preview that cannot be made is reported, never fatal.
      StepContext sctx;
      sctx.step_id = spec.id;
      sctx.target = target;
      sctx.operator_name = options.holder.operator_name;
      sctx.idempotency_token = "dry-run";
      sctx.scope = &scope;
      sctx.clock = &clock_;
      sctx.processes = &processes_;
      sctx.prompter = &prompter_;
      sctx.cancel = options.cancel;
      Result<std::string> preview = type->Preview(*inputs, sctx);
      if (!preview) {
        planned.detail = "(could not preview: " + preview.error().ToString() + ")";
      } else if (*preview != planned.description) {
        planned.detail = *preview;
      }
      planned.detail = RedactSecrets(planned.detail, secrets);
    } else {
      planned.description = fmt::format("{} with inputs from earlier steps: {}", spec.uses,
                                        RedactSecrets(spec.with.ToJson(), secrets));
    }
    if (spec.kind == StepKind::kValidation && options.skip_validations == SkipValidations::kYes) {
      planned.note = "would be skipped (--skip-validations)";
    } else if (!spec.when.empty()) {
      planned.note = "only when " + spec.when;
    }
    if (spec.confirm.required) {
      planned.note += planned.note.empty() ? "needs confirmation" : "; needs confirmation";
    }
    plan.steps.push_back(std::move(planned));
  }
  Value detail;
  detail.Set("workflow", wf.name);
  detail.Set("steps", static_cast<int64_t>(wf.steps.size()));
  TRY(journal_.AppendEvent(
      nullptr, NewEvent{"run.dry_run", options.holder.operator_name, 0, target, "", detail}));
  return plan;
}

}  // namespace flightplan
