#include "engine/workflow_loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <regex>
#include <set>

#include "base/yaml_bounds.h"
#include "engine/expression.h"

namespace flightplan {
namespace {

constexpr size_t kMaxErrors = 20;
constexpr int kMaxYamlDepth = 64;

// Collects every problem with its position, so a user fixes them in one go.
class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}

  void Add(const YAML::Node& at, std::string message) {
    YAML::Mark mark = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
    AddAt(mark, std::move(message));
  }
  void AddAt(const YAML::Mark& mark, std::string message) {
    if (lines_.size() >= kMaxErrors) {
      truncated_ = true;
      return;
    }
    if (mark.line < 0) {
      lines_.push_back(fmt::format("{}: {}", source_, message));
    } else {
      lines_.push_back(
          fmt::format("{}:{}:{}: {}", source_, mark.line + 1, mark.column + 1, message));
    }
  }
  bool empty() const { return lines_.empty(); }
  Error ToError() const {
    std::string text;
    for (const std::string& line : lines_) {
      if (!text.empty()) text += '\n';
      text += line;
    }
    if (truncated_) text += "\n(further problems not shown)";
    return Error(ErrorCode::kInvalidInput, text);
  }
  SourceLocation Location(const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    return SourceLocation{source_, mark.line + 1, mark.column + 1};
  }

 private:
  std::string source_;
  std::vector<std::string> lines_;
  bool truncated_ = false;
};

// yaml-cpp throws when a missing key's node is inspected; a missing key reads
// here as a valid node that is not defined.
YAML::Node Child(const YAML::Node& node, const std::string& key) {
  if (node.IsDefined() && node.IsMap()) {
    for (const auto& pair : node) {
      if (pair.first.IsScalar() && pair.first.Scalar() == key) return pair.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", node.Scalar());
    case YAML::NodeType::Null:
      return "empty";
    default:
      return "nothing";
  }
}

Result<Value> ToValue(const YAML::Node& node, int depth) {
  if (depth > kMaxYamlDepth) {
    return MakeError(ErrorCode::kInvalidInput, "nested too deeply");
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Value();
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() != "?") return Value(s);  // quoted or explicitly tagged
      if (s == "true" || s == "True" || s == "TRUE") return Value(true);
      if (s == "false" || s == "False" || s == "FALSE") return Value(false);
      if (s == "null" || s == "~" || s.empty()) return Value();
      int64_t i = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      if (ec == std::errc() && p == s.data() + s.size()) return Value(i);
      double d = 0;
      auto [pd, ecd] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ecd == std::errc() && pd == s.data() + s.size()) return Value(d);
      return Value(s);
    }
    case YAML::NodeType::Sequence: {
      ValueList list;
      for (const YAML::Node& item : node) {
        ASSIGN_OR_RETURN(Value v, ToValue(item, depth + 1));
        list.push_back(std::move(v));
      }
      return Value(std::move(list));
    }
    case YAML::NodeType::Map: {
      ValueMap map;
      for (const auto& pair : node) {
        if (!pair.first.IsScalar()) {
          return MakeError(ErrorCode::kInvalidInput, "map keys must be plain text");
        }
        ASSIGN_OR_RETURN(Value v, ToValue(pair.second, depth + 1));
        map.insert_or_assign(pair.first.Scalar(), std::move(v));
      }
      return Value(std::move(map));
    }
  }
  return Value();
}

// Checks that `map` has only `allowed` keys and no duplicates.
void CheckKeys(const YAML::Node& map, const std::vector<std::string_view>& allowed,
               std::string_view what, Problems& problems) {
  std::set<std::string> seen;
  for (const auto& pair : map) {
    if (!pair.first.IsScalar()) {
      problems.Add(pair.first, fmt::format("{} keys must be plain names", what));
      continue;
    }
    const std::string& key = pair.first.Scalar();
    if (!seen.insert(key).second) {
      problems.Add(pair.first, fmt::format("'{}' appears twice in {}; keep one", key, what));
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed)
        list += list.empty() ? std::string(a) : ", " + std::string(a);
      problems.Add(pair.first,
                   fmt::format("unknown key '{}' in {} (allowed: {})", key, what, list));
    }
  }
}

bool ReadString(const YAML::Node& parent, const char* key, std::string& out, Problems& problems,
                bool required = false) {
  YAML::Node node = Child(parent, key);
  if (!node.IsDefined() || node.IsNull()) {
    if (required) problems.Add(parent, fmt::format("missing required key '{}'", key));
    return false;
  }
  if (!node.IsScalar()) {
    problems.Add(node, fmt::format("'{}' must be text, not {}", key, Describe(node)));
    return false;
  }
  out = node.Scalar();
  return true;
}

bool ReadBool(const YAML::Node& parent, const char* key, bool& out, Problems& problems) {
  YAML::Node node = Child(parent, key);
  if (!node.IsDefined() || node.IsNull()) return false;
  if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) {
    out = node.Scalar() == "true";
    return true;
  }
  problems.Add(node, fmt::format("'{}' must be true or false, not {}", key, Describe(node)));
  return false;
}

bool ReadDuration(const YAML::Node& parent, const char* key, Duration& out, Problems& problems) {
  YAML::Node node = Child(parent, key);
  if (!node.IsDefined() || node.IsNull()) return false;
  if (!node.IsScalar()) {
    problems.Add(node, fmt::format("'{}' must be a duration such as 30s or 5m", key));
    return false;
  }
  auto d = ParseDuration(node.Scalar());
  if (!d) {
    problems.Add(node, d.error().message());
    return false;
  }
  out = *d;
  return true;
}

const std::regex& StepIdPattern() {
  static const std::regex kPattern("[a-z0-9][a-z0-9_-]{0,62}");
  return kPattern;
}
const std::regex& ParamNamePattern() {
  static const std::regex kPattern("[A-Za-z_][A-Za-z0-9_]{0,62}");
  return kPattern;
}

struct ReferenceRules {
  const Workflow* workflow = nullptr;
  size_t step_index = 0;  // steps before this index may be referenced
  const StepRegistry* registry = nullptr;
  std::string self_step;  // rollback may read its own step's outputs
  bool allow_steps = true;
  std::set<std::string> declared_env;
  std::vector<std::string> extra_roots;  // names a step adds to its own expressions
};

// Returns an empty string when the reference is allowed, or what is wrong.
std::string CheckReference(const ReferencePath& ref, const ReferenceRules& rules) {
  const std::string text = JoinReference(ref);
  const std::string& root = ref[0];
  if (std::find(rules.extra_roots.begin(), rules.extra_roots.end(), root) !=
      rules.extra_roots.end()) {
    return "";
  }
  if (root == "params") {
    if (ref.size() < 2) return fmt::format("'{}' needs a parameter name (params.<name>)", text);
    if (rules.workflow->FindParam(ref[1]) == nullptr) {
      std::string known;
      for (const ParamSpec& p : rules.workflow->params)
        known += known.empty() ? p.name : ", " + p.name;
      return fmt::format(
          "'{}' refers to an undeclared parameter '{}' (declared: {}); "
          "declare it under 'params'",
          text, ref[1], known.empty() ? "none" : known);
    }
    return "";
  }
  if (root == "run") {
    static const std::set<std::string> kRunKeys = {"id", "operator", "target", "workflow"};
    if (!rules.allow_steps) {
      // The target is worked out before a run exists: only its workflow is known.
      if (ref.size() != 2 || ref[1] != "workflow") {
        return fmt::format(
            "'{}' cannot be used in 'target': a target is named before the run "
            "exists (use params.<name> or run.workflow)",
            text);
      }
      return "";
    }
    if (ref.size() != 2 || kRunKeys.count(ref[1]) == 0) {
      return fmt::format(
          "'{}' is not a run value (use run.id, run.operator, run.target "
          "or run.workflow)",
          text);
    }
    return "";
  }
  if (root == "env") {
    if (!rules.allow_steps) {
      return fmt::format(
          "'{}' cannot be used in 'target': targets must not depend on the "
          "environment of whoever runs the command",
          text);
    }
    if (ref.size() != 2) return fmt::format("'{}' needs a variable name (env.NAME)", text);
    if (rules.declared_env.count(ref[1]) == 0) {
      return fmt::format(
          "'{}' reads an environment variable no parameter declares; add "
          "a parameter with 'env: {}' so the workflow says what it reads",
          text, ref[1]);
    }
    return "";
  }
  if (root == "steps") {
    if (!rules.allow_steps) return fmt::format("'{}' cannot refer to step outputs here", text);
    if (ref.size() < 3 || ref[2] != "outputs") {
      return fmt::format("'{}' must have the form steps.<id>.outputs.<name>", text);
    }
    const Workflow& wf = *rules.workflow;
    size_t found = wf.steps.size();
    for (size_t i = 0; i < wf.steps.size(); ++i) {
      if (wf.steps[i].id == ref[1]) found = i;
    }
    if (found == wf.steps.size()) {
      return fmt::format("'{}' refers to an unknown step '{}'", text, ref[1]);
    }
    bool self = ref[1] == rules.self_step;
    if (found >= rules.step_index && !self) {
      return fmt::format(
          "'{}' refers to step '{}', which runs later; a step can only use "
          "outputs of steps before it",
          text, ref[1]);
    }
    if (ref.size() >= 4) {
      const StepType* type = rules.registry->Find(wf.steps[found].uses);
      if (type != nullptr && !type->schema().outputs.empty()) {
        bool known = false;
        std::string names;
        for (const FieldSpec& out : type->schema().outputs) {
          known = known || out.name == ref[3];
          names += names.empty() ? out.name : ", " + out.name;
        }
        if (!known) {
          return fmt::format("'{}': step '{}' ({}) has no output '{}' (it has: {})", text, ref[1],
                             wf.steps[found].uses, ref[3], names);
        }
      }
    }
    return "";
  }
  return fmt::format(
      "'{}' is not something a workflow can refer to (use params., "
      "steps.<id>.outputs., run. or env.)",
      text);
}

void CheckTemplates(const YAML::Node& node, const Value& value, const ReferenceRules& rules,
                    Problems& problems) {
  auto refs = ValueReferences(value);
  if (!refs) {
    problems.Add(node, refs.error().message());
    return;
  }
  for (const ReferencePath& ref : *refs) {
    std::string problem = CheckReference(ref, rules);
    if (!problem.empty()) problems.Add(node, problem);
  }
}

void CheckExpression(const YAML::Node& node, const std::string& text, const ReferenceRules& rules,
                     Problems& problems) {
  std::string_view body = text;
  // Accept a condition written as one ${...} too.
  if (body.size() > 3 && body.substr(0, 2) == "${" && body.back() == '}') {
    body = body.substr(2, body.size() - 3);
  }
  auto expr = Expression::Parse(body);
  if (!expr) {
    problems.Add(node, expr.error().message());
    return;
  }
  for (const ReferencePath& ref : expr->references()) {
    std::string problem = CheckReference(ref, rules);
    if (!problem.empty()) problems.Add(node, problem);
  }
}

ParamType ParseParamType(const std::string& s, bool& ok) {
  ok = true;
  if (s == "string") return ParamType::kString;
  if (s == "integer") return ParamType::kInteger;
  if (s == "number") return ParamType::kNumber;
  if (s == "boolean") return ParamType::kBoolean;
  if (s == "list") return ParamType::kList;
  if (s == "map") return ParamType::kMap;
  ok = false;
  return ParamType::kString;
}

void LoadParams(const YAML::Node& node, Workflow& wf, Problems& problems) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    problems.Add(node, "'params' must be a map of name: {type, required, default, ...}");
    return;
  }
  std::set<std::string> names;
  for (const auto& pair : node) {
    ParamSpec param;
    param.name = pair.first.Scalar();
    param.location = problems.Location(pair.first);
    if (!std::regex_match(param.name, ParamNamePattern())) {
      problems.Add(pair.first, fmt::format("parameter name '{}' must be letters, digits and "
                                           "'_', starting with a letter",
                                           param.name));
    }
    if (!names.insert(param.name).second) {
      problems.Add(pair.first, fmt::format("parameter '{}' is declared twice", param.name));
    }
    const YAML::Node& spec = pair.second;
    if (spec.IsNull()) {
      wf.params.push_back(param);
      continue;
    }
    if (!spec.IsMap()) {
      problems.Add(spec, fmt::format("parameter '{}' must be a map such as {{type: string, "
                                     "required: true}}",
                                     param.name));
      continue;
    }
    CheckKeys(spec, {"type", "required", "default", "secret", "env", "description"},
              fmt::format("parameter '{}'", param.name), problems);
    std::string type_name = "string";
    ReadString(spec, "type", type_name, problems);
    bool ok = true;
    param.type = ParseParamType(type_name, ok);
    if (!ok) {
      problems.Add(Child(spec, "type"),
                   fmt::format("unknown parameter type '{}' (use string, integer, "
                               "number, boolean, list or map)",
                               type_name));
    }
    ReadBool(spec, "required", param.required, problems);
    ReadBool(spec, "secret", param.secret, problems);
    ReadString(spec, "env", param.env, problems);
    ReadString(spec, "description", param.description, problems);
    if (Child(spec, "default").IsDefined()) {
      auto v = ToValue(Child(spec, "default"), 0);
      if (v) param.default_value = *v;
      if (param.required) {
        problems.Add(Child(spec, "default"), fmt::format("parameter '{}' is required and has a "
                                                         "default; choose one",
                                                         param.name));
      }
    }
    wf.params.push_back(std::move(param));
  }
}

void LoadRollback(const YAML::Node& node, StepSpec& step, const StepType* type,
                  const StepRegistry& registry, Problems& problems) {
  if (!node.IsDefined() || node.IsNull()) {
    step.rollback.mode = (type != nullptr && type->schema().has_auto_rollback)
                             ? RollbackMode::kAuto
                             : RollbackMode::kNone;
    if (step.rollback.mode == RollbackMode::kNone) {
      step.rollback.reason =
          step.kind == StepKind::kValidation ? "validation steps change nothing" : "";
    }
    return;
  }
  if (node.IsScalar()) {
    if (node.Scalar() == "auto") {
      step.rollback.mode = RollbackMode::kAuto;
      if (type != nullptr && !type->schema().has_auto_rollback) {
        problems.Add(node, fmt::format("step type '{}' has no automatic rollback; give "
                                       "'rollback: {{uses: ..., with: ...}}' or "
                                       "'rollback: {{none: <reason>}}'",
                                       step.uses));
      }
      return;
    }
    problems.Add(node,
                 "rollback must be 'auto', {uses: <type>, with: {...}} or "
                 "{none: <reason>}");
    return;
  }
  if (!node.IsMap()) {
    problems.Add(node,
                 "rollback must be 'auto', {uses: <type>, with: {...}} or "
                 "{none: <reason>}");
    return;
  }
  if (Child(node, "none").IsDefined()) {
    CheckKeys(node, {"none"}, "rollback", problems);
    step.rollback.mode = RollbackMode::kNone;
    ReadString(node, "none", step.rollback.reason, problems);
    if (step.rollback.reason.empty()) {
      problems.Add(node,
                   "'rollback: {none: ...}' needs a reason, so the audit says why "
                   "this step cannot be undone");
    }
    return;
  }
  CheckKeys(node, {"uses", "with"}, "rollback", problems);
  step.rollback.mode = RollbackMode::kExplicit;
  if (!ReadString(node, "uses", step.rollback.uses, problems, true)) return;
  const StepType* rb_type = registry.Find(step.rollback.uses);
  if (rb_type == nullptr) {
    std::string known;
    for (const std::string& n : registry.Names()) known += known.empty() ? n : ", " + n;
    problems.Add(Child(node, "uses"),
                 fmt::format("unknown step type '{}' (known: {})", step.rollback.uses, known));
    return;
  }
  auto with = ToValue(Child(node, "with"), 0);
  if (!with) {
    problems.Add(Child(node, "with"), with.error().message());
    return;
  }
  step.rollback.with = with->is_null() ? Value(ValueMap{}) : *with;
  auto valid = ValidateInputs(rb_type->schema(), step.rollback.with);
  if (!valid)
    problems.Add(Child(node, "with").IsDefined() ? Child(node, "with") : node,
                 valid.error().message());
  auto extra = rb_type->ValidateStatic(step.rollback.with);
  if (!extra)
    problems.Add(Child(node, "with").IsDefined() ? Child(node, "with") : node,
                 extra.error().message());
}

void LoadRetry(const YAML::Node& node, StepSpec& step, Problems& problems) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (node.IsScalar()) {
    int attempts = 0;
    auto [p, ec] = std::from_chars(node.Scalar().data(),
                                   node.Scalar().data() + node.Scalar().size(), attempts);
    if (ec != std::errc() || attempts < 1 || attempts > 100) {
      problems.Add(node, "'retry' must be a number of attempts from 1 to 100, or a map");
      return;
    }
    step.retry.attempts = attempts;
    return;
  }
  if (!node.IsMap()) {
    problems.Add(node,
                 "'retry' must be {attempts: N, delay: 1s, max_delay: 20s, "
                 "multiplier: 2}");
    return;
  }
  CheckKeys(node, {"attempts", "delay", "max_delay", "multiplier"}, "retry", problems);
  if (Child(node, "attempts").IsDefined()) {
    auto v = ToValue(Child(node, "attempts"), 0);
    if (!v || !v->is_int() || v->as_int() < 1 || v->as_int() > 100) {
      problems.Add(Child(node, "attempts"), "'attempts' must be a whole number from 1 to 100");
    } else {
      step.retry.attempts = static_cast<int>(v->as_int());
    }
  }
  ReadDuration(node, "delay", step.retry.initial_delay, problems);
  ReadDuration(node, "max_delay", step.retry.max_delay, problems);
  if (Child(node, "multiplier").IsDefined()) {
    auto v = ToValue(Child(node, "multiplier"), 0);
    if (!v || !v->is_number() || v->as_double() < 1.0 || v->as_double() > 10.0) {
      problems.Add(Child(node, "multiplier"), "'multiplier' must be a number from 1 to 10");
    } else {
      step.retry.multiplier = v->as_double();
    }
  }
}

void LoadConfirm(const YAML::Node& node, StepSpec& step, Problems& problems) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (node.IsScalar()) {
    if (node.Scalar() == "true" || node.Scalar() == "false") {
      step.confirm.required = node.Scalar() == "true";
    } else {
      step.confirm.required = true;
      step.confirm.message = node.Scalar();
    }
    return;
  }
  if (!node.IsMap()) {
    problems.Add(node, "'confirm' must be true, a message, or {message: ..., typed: ...}");
    return;
  }
  CheckKeys(node, {"message", "typed"}, "confirm", problems);
  step.confirm.required = true;
  ReadString(node, "message", step.confirm.message, problems);
  ReadString(node, "typed", step.confirm.typed, problems);
}

void LoadSteps(const YAML::Node& node, Workflow& wf, const StepRegistry& registry,
               const std::set<std::string>& declared_env, Problems& problems) {
  if (!node.IsDefined() || node.IsNull()) {
    problems.Add(node, "a workflow needs 'steps': a list of at least one step");
    return;
  }
  if (!node.IsSequence()) {
    problems.Add(node, "'steps' must be a list");
    return;
  }
  std::vector<YAML::Node> step_nodes;
  // First pass: ids and types, so references can name any step.
  for (const YAML::Node& item : node) {
    StepSpec step;
    step.location = problems.Location(item);
    if (!item.IsMap()) {
      problems.Add(item, "each step must be a map with at least 'id' and 'uses'");
      continue;
    }
    CheckKeys(item,
              {"id", "uses", "with", "kind", "rollback", "retry", "timeout", "confirm", "when",
               "description"},
              "a step", problems);
    ReadString(item, "id", step.id, problems, true);
    ReadString(item, "uses", step.uses, problems, true);
    if (!step.id.empty() && !std::regex_match(step.id, StepIdPattern())) {
      problems.Add(Child(item, "id"),
                   fmt::format("step id '{}' must be lower-case letters, digits, "
                               "'-' and '_' (at most 63)",
                               step.id));
    }
    if (!step.id.empty() && wf.FindStep(step.id) != nullptr) {
      problems.Add(Child(item, "id"), fmt::format("step id '{}' is used twice; step ids must be "
                                                  "unique",
                                                  step.id));
    }
    wf.steps.push_back(std::move(step));
    step_nodes.push_back(item);
  }
  if (wf.steps.empty() && problems.empty()) {
    problems.Add(node, "a workflow needs at least one step");
  }

  for (size_t i = 0; i < wf.steps.size(); ++i) {
    StepSpec& step = wf.steps[i];
    const YAML::Node& item = step_nodes[i];
    const StepType* type = step.uses.empty() ? nullptr : registry.Find(step.uses);
    if (!step.uses.empty() && type == nullptr) {
      std::string known;
      for (const std::string& n : registry.Names()) known += known.empty() ? n : ", " + n;
      problems.Add(Child(item, "uses"),
                   fmt::format("unknown step type '{}' (known: {})", step.uses, known));
    }
    std::string kind = "action";
    ReadString(item, "kind", kind, problems);
    if (kind == "validation") {
      step.kind = StepKind::kValidation;
    } else if (kind != "action") {
      problems.Add(Child(item, "kind"),
                   fmt::format("kind must be 'action' or 'validation', not '{}'", kind));
    }
    ReadString(item, "description", step.description, problems);
    auto with = ToValue(Child(item, "with"), 0);
    if (!with) {
      problems.Add(Child(item, "with"), with.error().message());
    } else {
      step.with = with->is_null() ? Value(ValueMap{}) : *with;
      if (!step.with.is_map()) {
        problems.Add(Child(item, "with"), "'with' must be a map of inputs");
      } else if (type != nullptr) {
        auto valid = ValidateInputs(type->schema(), step.with);
        if (!valid) {
          problems.Add(Child(item, "with").IsDefined() ? Child(item, "with") : item,
                       fmt::format("step '{}': {}", step.id, valid.error().message()));
        }
        auto extra = type->ValidateStatic(step.with);
        if (!extra) {
          problems.Add(Child(item, "with").IsDefined() ? Child(item, "with") : item,
                       fmt::format("step '{}': {}", step.id, extra.error().message()));
        }
      }
    }
    LoadRollback(Child(item, "rollback"), step, type, registry, problems);
    LoadRetry(Child(item, "retry"), step, problems);
    Duration timeout{0};
    if (ReadDuration(item, "timeout", timeout, problems)) step.timeout = timeout;
    LoadConfirm(Child(item, "confirm"), step, problems);
    ReadString(item, "when", step.when, problems);

    ReferenceRules rules{&wf, i, &registry, "", true, declared_env, {}};
    // Expression inputs are checked as expressions below, not as templates.
    Value template_inputs = step.with;
    if (type != nullptr && template_inputs.is_map()) {
      for (const FieldSpec& field : type->schema().inputs) {
        if (field.type == FieldType::kExpression) template_inputs.as_map().erase(field.name);
      }
    }
    CheckTemplates(Child(item, "with").IsDefined() ? Child(item, "with") : item, template_inputs,
                   rules, problems);
    if (type != nullptr && step.with.is_map()) {
      for (const FieldSpec& field : type->schema().inputs) {
        const Value* v = step.with.Find(field.name);
        if (field.type != FieldType::kExpression || v == nullptr || !v->is_string()) continue;
        ReferenceRules expr_rules = rules;
        expr_rules.extra_roots = field.expression_roots;
        CheckExpression(Child(Child(item, "with"), field.name), v->as_string(), expr_rules,
                        problems);
      }
    }
    if (!step.when.empty()) CheckExpression(Child(item, "when"), step.when, rules, problems);
    if (step.rollback.mode == RollbackMode::kExplicit) {
      ReferenceRules rb_rules = rules;
      rb_rules.self_step = step.id;
      CheckTemplates(Child(item, "rollback"), step.rollback.with, rb_rules, problems);
    }
    if (!step.confirm.message.empty()) {
      CheckTemplates(Child(item, "confirm"), Value(step.confirm.message), rules, problems);
    }
  }
}

void CheckRequires(const YAML::Node& node, const Workflow& wf, const WorkflowCatalog* catalog,
                   Problems& problems) {
  std::set<std::string> seen;
  for (const std::string& req : wf.requires_workflows) {
    if (!seen.insert(req).second) {
      problems.Add(node, fmt::format("'{}' is listed twice in requires", req));
    }
    if (req == wf.name) {
      problems.Add(node, fmt::format("workflow '{}' requires itself", wf.name));
      continue;
    }
    if (catalog != nullptr && !catalog->RequiresOf(req)) {
      std::string known;
      for (const std::string& n : catalog->Names()) known += known.empty() ? n : ", " + n;
      problems.Add(node, fmt::format("requires unknown workflow '{}' (known: {})", req,
                                     known.empty() ? "none" : known));
    }
  }
  if (catalog == nullptr) return;
  // Depth-first search from this workflow through the catalog.
  std::vector<std::string> path{wf.name};
  std::set<std::string> done;
  std::function<bool(const std::vector<std::string>&)> visit =
      [&](const std::vector<std::string>& reqs) -> bool {
    for (const std::string& req : reqs) {
      if (req == wf.name) {
        path.push_back(req);
        return true;
      }
      if (done.count(req) || std::find(path.begin(), path.end(), req) != path.end()) continue;
      auto next = catalog->RequiresOf(req);
      if (!next) continue;
      path.push_back(req);
      if (visit(*next)) return true;
      path.pop_back();
      done.insert(req);
    }
    return false;
  };
  if (visit(wf.requires_workflows)) {
    std::string cycle;
    for (const std::string& n : path) cycle += cycle.empty() ? n : " -> " + n;
    problems.Add(node, fmt::format("requires forms a cycle: {}; remove one of these "
                                   "requirements",
                                   cycle));
  }
}

Result<YAML::Node> ParseYaml(std::string_view text, const std::string& source) {
  if (text.size() > kMaxWorkflowBytes) {
    return MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("{}: the definition is larger than {} bytes", source, kMaxWorkflowBytes));
  }
  // yaml-cpp recurses per nesting level; refuse absurd nesting before it does.
  int depth = 0;
  int max_depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') max_depth = std::max(max_depth, ++depth);
    if (c == ']' || c == '}') depth = std::max(0, depth - 1);
  }
  if (max_depth > kMaxYamlDepth) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: brackets nested more than {} deep", source, kMaxYamlDepth));
  }
  // Every walk below visits an alias's nodes again; nested aliases would make
  // that exponential, so their expanded size is bounded before loading.
  if (auto problem = CheckYamlNodeCount(text, kMaxWorkflowNodes)) {
    return MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("{}:{}:{}: {} — write the repeated parts out, or nest fewer aliases", source,
                    problem->at.line, problem->at.column, problem->what));
  }
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}:{}:{}: not valid YAML: {}", source, e.mark.line + 1,
                                 e.mark.column + 1, e.msg));
  }
}

void LoadStringList(const YAML::Node& node, std::vector<std::string>& out, const char* what,
                    Problems& problems) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return;
  }
  if (!node.IsSequence()) {
    problems.Add(node, fmt::format("'{}' must be a list of workflow names", what));
    return;
  }
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) {
      problems.Add(item, fmt::format("each entry of '{}' must be a workflow name", what));
      continue;
    }
    out.push_back(item.Scalar());
  }
}

Result<Workflow> LoadChecked(std::string_view text, const std::string& source,
                             const StepRegistry& registry, const WorkflowCatalog* catalog) {
  ASSIGN_OR_RETURN(const YAML::Node root, ParseYaml(text, source));
  Problems problems(source);
  if (!root.IsMap()) {
    problems.Add(root,
                 "a workflow file must be a YAML map with 'name', 'version' and "
                 "'steps'");
    return MakeError(problems.ToError());
  }
  Workflow wf;
  wf.source = source;
  wf.text = std::string(text);
  CheckKeys(root,
            {"name", "version", "description", "phase", "target", "requires", "params",
             "on_failure", "repeatable", "closes_target", "steps"},
            "the workflow", problems);
  ReadString(root, "name", wf.name, problems, true);
  if (!wf.name.empty() && !std::regex_match(wf.name, StepIdPattern())) {
    problems.Add(Child(root, "name"), fmt::format("workflow name '{}' must be lower-case letters, "
                                                  "digits, '-' and '_'",
                                                  wf.name));
  }
  if (Child(root, "version").IsDefined()) {
    auto v = ToValue(Child(root, "version"), 0);
    if (!v || !v->is_int() || v->as_int() < 1) {
      problems.Add(Child(root, "version"), "'version' must be a whole number, 1 or more");
    } else {
      wf.version = static_cast<int>(v->as_int());
    }
  } else {
    problems.Add(root, "missing required key 'version' (start with 'version: 1')");
  }
  ReadString(root, "description", wf.description, problems);
  ReadString(root, "phase", wf.phase, problems);
  ReadString(root, "target", wf.target, problems);
  LoadStringList(Child(root, "requires"), wf.requires_workflows, "requires", problems);
  std::string on_failure = "stop";
  ReadString(root, "on_failure", on_failure, problems);
  if (on_failure == "rollback") {
    wf.on_failure = OnFailure::kRollback;
  } else if (on_failure != "stop") {
    problems.Add(Child(root, "on_failure"), fmt::format("on_failure must be 'stop' or 'rollback', "
                                                        "not '{}'",
                                                        on_failure));
  }
  ReadBool(root, "repeatable", wf.repeatable, problems);
  ReadBool(root, "closes_target", wf.closes_target, problems);
  LoadParams(Child(root, "params"), wf, problems);
  std::set<std::string> declared_env;
  for (const ParamSpec& p : wf.params) {
    if (!p.env.empty()) declared_env.insert(p.env);
  }
  if (!wf.target.empty()) {
    ReferenceRules rules{&wf, 0, &registry, "", false, declared_env, {}};
    CheckTemplates(Child(root, "target"), Value(wf.target), rules, problems);
  }
  LoadSteps(Child(root, "steps"), wf, registry, declared_env, problems);
  if (!wf.name.empty())
    CheckRequires(Child(root, "requires").IsDefined() ? Child(root, "requires") : root, wf, catalog,
                  problems);
  if (!problems.empty()) return MakeError(problems.ToError());
  return wf;
}

}  // namespace

Result<Workflow> LoadWorkflow(std::string_view text, const std::string& source,
                              const StepRegistry& registry, const WorkflowCatalog* catalog) {
  try {
    return LoadChecked(text, source, registry, catalog);
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("{}:{}:{}: {}", source, e.mark.line + 1,
                                                           e.mark.column + 1, e.msg));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("{}: {}", source, e.what()));
  }
}

Result<WorkflowHeader> ReadWorkflowHeader(std::string_view text, const std::string& source) {
  try {
    ASSIGN_OR_RETURN(const YAML::Node root, ParseYaml(text, source));
    Problems problems(source);
    WorkflowHeader header;
    if (!root.IsMap()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}: not a workflow (expected a YAML map)", source));
    }
    ReadString(root, "name", header.name, problems, true);
    ReadString(root, "description", header.description, problems);
    ReadString(root, "phase", header.phase, problems);
    LoadStringList(Child(root, "requires"), header.requires_workflows, "requires", problems);
    if (!problems.empty()) return MakeError(problems.ToError());
    return header;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("{}: {}", source, e.what()));
  }
}

}  // namespace flightplan
