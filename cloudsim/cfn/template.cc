#include "cloudsim/cfn/template.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <regex>

#include "base/base64.h"
#include "base/yaml_bounds.h"

namespace flightplan::cloudsim::cfn {
namespace {

constexpr int kMaxDepth = 64;

const std::set<std::string, std::less<>>& KnownFunctions() {
  static const std::set<std::string, std::less<>> kFunctions = {
      "Fn::Base64", "Fn::Cidr", "Fn::FindInMap", "Fn::GetAtt", "Fn::GetAZs", "Fn::ImportValue",
      "Fn::Join", "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::Transform", "Fn::If", "Fn::Equals",
      "Fn::And", "Fn::Or", "Fn::Not", "Fn::Length", "Fn::ToJsonString",
      // Rules-only functions (CDK's bootstrap-version check uses Fn::Contains).
      "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::RefAll", "Fn::ValueOf",
      "Fn::ValueOfAll", "Fn::ForEach"};
  return kFunctions;
}

SimError FormatError(std::string message) {
  return Validation("Template format error: " + std::move(message));
}

// ---- YAML -> Value ---------------------------------------------------------

Value ScalarValue(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return Value(text);  // quoted: always a string
  static const std::regex kInt(R"(-?[0-9]{1,18})");
  if (std::regex_match(text, kInt) && !(text.size() > 1 && text[0] == '0')) {
    return Value(static_cast<int64_t>(std::atoll(text.c_str())));
  }
  if (text == "true" || text == "True") return Value(true);
  if (text == "false" || text == "False") return Value(false);
  if (text == "null" || text == "~") return Value();
  return Value(text);
}

Result<Value> FromYaml(const YAML::Node& node, int depth);

Value LongForm(const std::string& tag, Value inner) {
  std::string name = tag.substr(1);
  if (name == "Ref") return Value(ValueMap{{"Ref", std::move(inner)}});
  if (name == "Condition") return Value(ValueMap{{"Condition", std::move(inner)}});
  if (name == "GetAtt" && inner.is_string()) {
    const std::string& s = inner.as_string();
    size_t dot = s.find('.');
    ValueList parts;
    if (dot == std::string::npos) {
      parts.push_back(Value(s));
    } else {
      parts.push_back(Value(s.substr(0, dot)));
      parts.push_back(Value(s.substr(dot + 1)));
    }
    return Value(ValueMap{{"Fn::GetAtt", Value(std::move(parts))}});
  }
  return Value(ValueMap{{"Fn::" + name, std::move(inner)}});
}

Result<Value> FromYaml(const YAML::Node& node, int depth) {
  if (depth > 200) return MakeError(ErrorCode::kInvalidInput, "template nested too deeply");
  Value out;
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      out = ScalarValue(node);
      break;
    case YAML::NodeType::Sequence: {
      ValueList list;
      for (const auto& item : node) {
        auto v = FromYaml(item, depth + 1);
        if (!v) return v;
        list.push_back(std::move(*v));
      }
      out = Value(std::move(list));
      break;
    }
    case YAML::NodeType::Map: {
      ValueMap map;
      for (const auto& item : node) {
        auto v = FromYaml(item.second, depth + 1);
        if (!v) return v;
        map[item.first.Scalar()] = std::move(*v);
      }
      out = Value(std::move(map));
      break;
    }
    default:
      out = Value();
  }
  const std::string& tag = node.Tag();
  if (tag.size() > 1 && tag[0] == '!' && tag != "!") {
    if (node.Type() == YAML::NodeType::Scalar && !out.is_string()) {
      out = Value(node.Scalar());
    }
    return LongForm(tag, std::move(out));
  }
  return out;
}

// ---- references ------------------------------------------------------------

// Calls `fn(name)` for each variable of a Fn::Sub string ("${A.B}" -> "A.B").
template <typename Fn>
void ForEachSubVariable(const std::string& text, Fn fn) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("${", pos);
    if (open == std::string::npos) break;
    size_t close = text.find('}', open + 2);
    if (close == std::string::npos) break;
    std::string name = text.substr(open + 2, close - open - 2);
    if (!name.empty() && name[0] != '!') fn(name);
    pos = close + 1;
  }
}

void CollectReferences(const Value& value, std::set<std::string>& out,
                       const std::set<std::string>* excluded, int depth) {
  if (depth > kMaxDepth * 4) return;
  auto add = [&](const std::string& name) {
    std::string base = name.substr(0, name.find('.'));
    if (IsPseudoParameter(base)) return;
    if (excluded && excluded->count(base)) return;
    out.insert(base);
  };
  if (value.is_list()) {
    for (const Value& v : value.as_list()) CollectReferences(v, out, excluded, depth + 1);
    return;
  }
  if (!value.is_map()) return;
  const ValueMap& map = value.as_map();
  if (map.size() == 1) {
    const auto& [key, arg] = *map.begin();
    if (key == "Ref" && arg.is_string()) {
      add(arg.as_string());
      return;
    }
    if (key == "Fn::GetAtt") {
      if (arg.is_list() && !arg.as_list().empty() && arg.as_list()[0].is_string()) {
        add(arg.as_list()[0].as_string());
      } else if (arg.is_string()) {
        add(arg.as_string());
      }
      return;
    }
    if (key == "Fn::Sub") {
      if (arg.is_string()) {
        ForEachSubVariable(arg.as_string(), add);
      } else if (arg.is_list() && !arg.as_list().empty()) {
        std::set<std::string> local;
        if (arg.as_list().size() > 1 && arg.as_list()[1].is_map()) {
          for (const auto& [k, v] : arg.as_list()[1].as_map()) {
            local.insert(k);
            CollectReferences(v, out, excluded, depth + 1);
          }
        }
        if (arg.as_list()[0].is_string()) {
          ForEachSubVariable(arg.as_list()[0].as_string(), [&](const std::string& n) {
            if (!local.count(n.substr(0, n.find('.')))) add(n);
          });
        }
      }
      return;
    }
  }
  for (const auto& [k, v] : map) CollectReferences(v, out, excluded, depth + 1);
}

SimResult<void> CheckFunctions(const Value& value, int depth) {
  if (depth > kMaxDepth * 4) return {};
  if (value.is_list()) {
    for (const Value& v : value.as_list()) {
      if (auto r = CheckFunctions(v, depth + 1); !r) return r;
    }
    return {};
  }
  if (!value.is_map()) return {};
  for (const auto& [k, v] : value.as_map()) {
    if (value.as_map().size() == 1 && k.rfind("Fn::", 0) == 0 && !KnownFunctions().count(k)) {
      std::string supported;
      for (const auto& f : KnownFunctions()) {
        if (!supported.empty()) supported += ", ";
        supported += f;
      }
      return tl::unexpected(
          Validation(fmt::format("Template error: Encountered unsupported function: {} Supported "
                                 "functions are: [{}]",
                                 k, supported)));
    }
    if (auto r = CheckFunctions(v, depth + 1); !r) return r;
  }
  return {};
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

const ValueMap& EmptyMap() {
  static const ValueMap kEmpty;
  return kEmpty;
}

const ValueMap& Section(const Value& tmpl, std::string_view name) {
  const Value* v = tmpl.Find(name);
  return v && v->is_map() ? v->as_map() : EmptyMap();
}

}  // namespace

bool IsPseudoParameter(std::string_view name) {
  return name == "AWS::AccountId" || name == "AWS::Region" || name == "AWS::StackName" ||
         name == "AWS::StackId" || name == "AWS::Partition" || name == "AWS::URLSuffix" ||
         name == "AWS::NoValue" || name == "AWS::NotificationARNs";
}

bool IsNoValue(const Value& v) {
  const Value* ref = v.Find("Ref");
  return ref && v.as_map().size() == 1 && ref->is_string() && ref->as_string() == "AWS::NoValue";
}

SimResult<Value> ParseTemplate(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return tl::unexpected(FormatError("template body is empty"));
  }
  if (text.size() > kMaxTemplateBytes) {
    return tl::unexpected(
        FormatError(fmt::format("Template may not exceed {} bytes in size.", kMaxTemplateBytes)));
  }
  Value tmpl;
  if (text[first] == '{') {
    auto parsed = Value::FromJson(text);
    if (!parsed) {
      return tl::unexpected(
          FormatError("JSON not well-formed. (" + parsed.error().message() + ")"));
    }
    tmpl = std::move(*parsed);
  } else {
    if (auto problem = CheckYamlNodeCount(text, kMaxTemplateNodes)) {
      return tl::unexpected(
          FormatError(fmt::format("YAML not well-formed. (line {}, column {}: {})",
                                  problem->at.line, problem->at.column, problem->what)));
    }
    try {
      YAML::Node node = YAML::Load(std::string(text));
      auto converted = FromYaml(node, 0);
      if (!converted) return tl::unexpected(FormatError(converted.error().message()));
      tmpl = std::move(*converted);
    } catch (const YAML::Exception& e) {
      return tl::unexpected(FormatError(fmt::format("YAML not well-formed. (line {}, column {})",
                                                    e.mark.line + 1, e.mark.column + 1)));
    }
  }
  if (!tmpl.is_map()) {
    return tl::unexpected(FormatError("unsupported structure."));
  }
  return tmpl;
}

std::set<std::string> References(const Value& value) {
  std::set<std::string> out;
  CollectReferences(value, out, nullptr, 0);
  return out;
}

std::set<std::string> ResourceDependencies(const Value& tmpl, std::string_view logical_id) {
  std::set<std::string> out;
  const ValueMap& resources = Section(tmpl, "Resources");
  auto it = resources.find(logical_id);
  if (it == resources.end()) return out;
  for (const std::string& name : References(it->second)) {
    if (resources.count(name)) out.insert(name);
  }
  if (const Value* depends = it->second.Find("DependsOn")) {
    if (depends->is_string()) out.insert(depends->as_string());
    if (depends->is_list()) {
      for (const Value& d : depends->as_list()) {
        if (d.is_string()) out.insert(d.as_string());
      }
    }
  }
  out.erase(std::string(logical_id));
  return out;
}

SimResult<std::vector<std::string>> DependencyOrder(const Value& tmpl) {
  const ValueMap& resources = Section(tmpl, "Resources");
  std::map<std::string, std::set<std::string>> pending;
  for (const auto& [name, r] : resources) {
    pending[name] = ResourceDependencies(tmpl, name);
    (void)r;
  }
  std::vector<std::string> order;
  while (!pending.empty()) {
    std::vector<std::string> ready;
    for (const auto& [name, deps] : pending) {
      if (std::all_of(deps.begin(), deps.end(), [&](const std::string& d) {
            return !pending.count(d) || !resources.count(d);
          })) {
        ready.push_back(name);
      }
    }
    if (ready.empty()) {
      std::vector<std::string> names;
      for (const auto& [name, deps] : pending) names.push_back(name);
      return tl::unexpected(
          Validation("Circular dependency between resources: [" + JoinNames(names) + "]"));
    }
    for (const auto& name : ready) {
      order.push_back(name);
      pending.erase(name);
    }
  }
  return order;
}

SimResult<void> ValidateTemplate(const Value& tmpl) {
  if (!tmpl.is_map()) return tl::unexpected(FormatError("unsupported structure."));
  static const std::set<std::string, std::less<>> kSections = {"AWSTemplateFormatVersion",
                                                               "Description",
                                                               "Metadata",
                                                               "Parameters",
                                                               "Rules",
                                                               "Mappings",
                                                               "Conditions",
                                                               "Transform",
                                                               "Resources",
                                                               "Outputs",
                                                               "Hooks"};
  for (const auto& [k, v] : tmpl.as_map()) {
    if (!kSections.count(k)) {
      return tl::unexpected(FormatError("Invalid template property or properties [" + k + "]"));
    }
    (void)v;
  }
  const Value* resources = tmpl.Find("Resources");
  if (!resources || !resources->is_map() || resources->as_map().empty()) {
    return tl::unexpected(FormatError("At least one Resources member must be defined."));
  }
  const ValueMap& params = Section(tmpl, "Parameters");
  const ValueMap& conditions = Section(tmpl, "Conditions");
  for (const auto& [name, r] : resources->as_map()) {
    const Value* type = r.Find("Type");
    if (!type || !type->is_string()) {
      return tl::unexpected(
          FormatError("[/Resources/" + name + "] resource definition is malformed"));
    }
    if (const Value* cond = r.Find("Condition")) {
      if (!cond->is_string() || !conditions.count(cond->as_string())) {
        return tl::unexpected(FormatError("Unresolved dependencies [" +
                                          (cond->is_string() ? cond->as_string() : "") +
                                          "]. Cannot reference resources in the Conditions block "
                                          "of the template"));
      }
    }
  }
  if (auto r = CheckFunctions(tmpl, 0); !r) return r;
  // Unresolved references.
  for (std::string_view block : {"Resources", "Outputs"}) {
    std::vector<std::string> unresolved;
    for (const auto& [name, entry] : Section(tmpl, block)) {
      std::set<std::string> refs = References(entry);
      if (block == "Resources") {
        for (const auto& d : ResourceDependencies(tmpl, name)) refs.insert(d);
        if (const Value* depends = entry.Find("DependsOn")) {
          std::vector<Value> ds =
              depends->is_list() ? depends->as_list() : std::vector<Value>{*depends};
          for (const Value& d : ds) {
            if (d.is_string()) refs.insert(d.as_string());
          }
        }
      }
      for (const auto& ref : refs) {
        if (!resources->as_map().count(ref) && !params.count(ref) &&
            std::find(unresolved.begin(), unresolved.end(), ref) == unresolved.end()) {
          unresolved.push_back(ref);
        }
      }
    }
    if (!unresolved.empty()) {
      return tl::unexpected(FormatError("Unresolved resource dependencies [" +
                                        JoinNames(unresolved) + "] in the " + std::string(block) +
                                        " block of the template"));
    }
  }
  auto order = DependencyOrder(tmpl);
  if (!order) return tl::unexpected(order.error());
  return {};
}

SimResult<std::vector<ParameterValue>> ResolveParameters(
    const Value& tmpl, const std::vector<GivenParameter>& given,
    const std::vector<ParameterValue>& previous) {
  const ValueMap& declared = Section(tmpl, "Parameters");
  std::vector<std::string> unknown;
  for (const auto& g : given) {
    if (!declared.count(g.key)) unknown.push_back(g.key);
  }
  if (!unknown.empty()) {
    if (declared.empty()) {
      return tl::unexpected(
          Validation("Parameter values specified for a template which does not "
                     "require them."));
    }
    return tl::unexpected(
        Validation("Parameters: [" + JoinNames(unknown) + "] do not exist in the template"));
  }
  std::vector<ParameterValue> out;
  std::vector<std::string> missing;
  for (const auto& [key, decl] : declared) {
    std::optional<std::string> text;
    for (const auto& g : given) {
      if (g.key != key) continue;
      if (g.use_previous) {
        for (const auto& p : previous) {
          if (p.key == key) text = p.text;
        }
        if (!text) {
          return tl::unexpected(
              Validation("Invalid input for parameter key " + key +
                         ". Cannot specify usePreviousValue as true for a parameter key "
                         "not in the previous template"));
        }
      } else {
        text = g.value;
      }
    }
    if (!text) {
      if (const Value* d = decl.Find("Default")) {
        text = d->is_list() ? [&] {
          std::string s;
          for (const Value& x : d->as_list()) s += (s.empty() ? "" : ",") + x.ToText();
          return s;
        }()
                            : d->ToText();
      }
    }
    if (!text) {
      missing.push_back(key);
      continue;
    }
    ParameterValue p;
    p.key = key;
    p.text = *text;
    const Value* type_v = decl.Find("Type");
    std::string type = type_v && type_v->is_string() ? type_v->as_string() : "String";
    if (const Value* ne = decl.Find("NoEcho")) {
      p.no_echo = (ne->is_bool() && ne->as_bool()) || ne->ToText() == "true";
    }
    if (const Value* allowed = decl.Find("AllowedValues"); allowed && allowed->is_list()) {
      bool ok = std::any_of(allowed->as_list().begin(), allowed->as_list().end(),
                            [&](const Value& a) { return a.ToText() == *text; });
      if (!ok) {
        std::string list;
        for (const Value& a : allowed->as_list()) list += (list.empty() ? "" : ", ") + a.ToText();
        return tl::unexpected(Validation("Parameter '" + key + "' must be one of AllowedValues"));
      }
    }
    static const std::regex kNumber(R"(\s*-?[0-9]+(\.[0-9]+)?\s*)");
    if (type == "Number" && !std::regex_match(*text, kNumber)) {
      return tl::unexpected(Validation("Parameter '" + key + "' must be a number."));
    }
    if (type == "CommaDelimitedList" || type.rfind("List<", 0) == 0) {
      // CloudFormation trims the spaces around each item and reports the
      // value without them ("email, phone_number" → "email,phone_number").
      ValueList items;
      std::string normalized;
      size_t start = 0;
      if (!text->empty()) {
        while (true) {
          size_t comma = text->find(',', start);
          std::string item =
              text->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
          size_t first = item.find_first_not_of(" \t");
          size_t last = item.find_last_not_of(" \t");
          item = first == std::string::npos ? std::string() : item.substr(first, last - first + 1);
          if (type == "List<Number>" && !std::regex_match(item, kNumber)) {
            return tl::unexpected(Validation("Parameter '" + key + "' must be a number list."));
          }
          normalized += (normalized.empty() && items.empty() ? "" : ",") + item;
          items.push_back(Value(item));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      }
      p.text = normalized;
      p.value = Value(std::move(items));
    } else if (type.rfind("AWS::SSM::Parameter::Value<", 0) == 0) {
      // No SSM in the simulator: the parameter's name stands for its value,
      // except the CDK bootstrap version which every CDK template checks.
      p.resolved = text->find("cdk-bootstrap") != std::string::npos ? "30" : *text;
      p.value = Value(p.resolved);
    } else {
      p.value = Value(*text);
    }
    out.push_back(std::move(p));
  }
  if (!missing.empty()) {
    return tl::unexpected(Validation("Parameters: [" + JoinNames(missing) + "] must have values"));
  }
  return out;
}

// ---- Evaluator --------------------------------------------------------------

Evaluator::Evaluator(const Value& tmpl, std::vector<ParameterValue> parameters,
                     PseudoParameters pseudo, const EvalContext* context)
    : tmpl_(tmpl),
      parameters_(std::move(parameters)),
      pseudo_(std::move(pseudo)),
      context_(context) {}

SimResult<void> Evaluator::EvaluateConditions() {
  conditions_.clear();
  for (const auto& [name, expr] : Section(tmpl_, "Conditions")) {
    (void)expr;
    auto v = ConditionValue(name, 0);
    if (!v) return tl::unexpected(v.error());
  }
  return {};
}

SimResult<bool> Evaluator::ConditionValue(const std::string& name, int depth) const {
  if (auto it = conditions_.find(name); it != conditions_.end()) return it->second;
  const ValueMap& conds = Section(tmpl_, "Conditions");
  auto it = conds.find(name);
  if (it == conds.end()) {
    return tl::unexpected(FormatError("Unresolved dependencies [" + name +
                                      "]. Cannot reference resources in the "
                                      "Conditions block of the template"));
  }
  if (depth > kMaxDepth) {
    return tl::unexpected(FormatError("Circular condition dependency: " + name));
  }
  auto v = EvaluateCondition(it->second, depth + 1);
  if (!v) return v;
  conditions_[name] = *v;
  return *v;
}

SimResult<bool> Evaluator::EvaluateCondition(const Value& expr, int depth) const {
  if (depth > kMaxDepth) return tl::unexpected(FormatError("conditions nested too deeply"));
  if (expr.is_bool()) return expr.as_bool();
  if (expr.is_string()) return expr.as_string() == "true";
  if (const Value* c = expr.Find("Condition"); c && c->is_string()) {
    return ConditionValue(c->as_string(), depth + 1);
  }
  if (!expr.is_map() || expr.as_map().size() != 1) {
    return tl::unexpected(FormatError("Conditions can only be boolean operations"));
  }
  const auto& [fn, args] = *expr.as_map().begin();
  const Value& arguments = args;  // clang 14 cannot capture bindings
  auto list_args = [&]() -> const ValueList* {
    return arguments.is_list() ? &arguments.as_list() : nullptr;
  };
  if (fn == "Fn::Equals") {
    const ValueList* l = list_args();
    if (!l || l->size() != 2) {
      return tl::unexpected(
          FormatError("Template error: every Fn::Equals object requires a list "
                      "of 2 string parameters."));
    }
    auto a = Evaluate((*l)[0]);
    if (!a) return tl::unexpected(a.error());
    auto b = Evaluate((*l)[1]);
    if (!b) return tl::unexpected(b.error());
    return a->ToText() == b->ToText();
  }
  if (fn == "Fn::And" || fn == "Fn::Or" || fn == "Fn::Not") {
    const ValueList* l = list_args();
    if (!l || l->empty()) {
      return tl::unexpected(
          Validation("Template error: every " + fn + " object requires a list of conditions"));
    }
    if (fn == "Fn::Not") {
      auto v = EvaluateCondition((*l)[0], depth + 1);
      if (!v) return v;
      return !*v;
    }
    bool is_and = fn == "Fn::And";
    bool acc = is_and;
    for (const Value& c : *l) {
      auto v = EvaluateCondition(c, depth + 1);
      if (!v) return v;
      acc = is_and ? (acc && *v) : (acc || *v);
    }
    return acc;
  }
  auto v = Evaluate(expr);
  if (!v) return tl::unexpected(v.error());
  if (v->is_bool()) return v->as_bool();
  return v->ToText() == "true";
}

bool Evaluator::Condition(std::string_view name) const {
  auto it = conditions_.find(name);
  return it != conditions_.end() && it->second;
}

bool Evaluator::Included(const Value& entry) const {
  const Value* c = entry.Find("Condition");
  if (!c || !c->is_string()) return true;
  return Condition(c->as_string());
}

SimResult<Value> Evaluator::Evaluate(const Value& value) const {
  bool removed = false;
  auto v = EvaluateInner(value, &removed);
  if (!v) return v;
  if (removed) return Value();
  return v;
}

SimResult<Value> Evaluator::EvaluateInner(const Value& value, bool* removed) const {
  *removed = false;
  if (value.is_list()) {
    ValueList out;
    for (const Value& item : value.as_list()) {
      bool r = false;
      auto v = EvaluateInner(item, &r);
      if (!v) return v;
      if (!r) out.push_back(std::move(*v));
    }
    return Value(std::move(out));
  }
  if (!value.is_map()) return value;
  const ValueMap& map = value.as_map();
  if (map.size() == 1) {
    const auto& [key, args] = *map.begin();
    if (key == "Ref") {
      if (!args.is_string())
        return tl::unexpected(
            Validation("Template error: every Ref object must have a single "
                       "String value."));
      if (args.as_string() == "AWS::NoValue") {
        *removed = true;
        return Value();
      }
      return Ref(args.as_string());
    }
    if (key == "Condition" && args.is_string()) {
      return Value(Condition(args.as_string()));
    }
    if (key.rfind("Fn::", 0) == 0) {
      if (key == "Fn::If") {
        if (!args.is_list() || args.as_list().size() != 3 || !args.as_list()[0].is_string()) {
          return tl::unexpected(
              Validation("Template error: Fn::If requires a list argument with "
                         "three elements"));
        }
        const std::string& cond = args.as_list()[0].as_string();
        if (!conditions_.count(cond)) {
          return tl::unexpected(Validation(
              "Template format error: Unresolved condition dependency " + cond + " in Fn::If"));
        }
        return EvaluateInner(args.as_list()[Condition(cond) ? 1 : 2], removed);
      }
      return Function(key, args);
    }
  }
  ValueMap out;
  for (const auto& [k, v] : map) {
    bool r = false;
    auto e = EvaluateInner(v, &r);
    if (!e) return e;
    if (!r) out[k] = std::move(*e);
  }
  return Value(std::move(out));
}

SimResult<Value> Evaluator::Ref(const std::string& name) const {
  if (name == "AWS::AccountId") return Value(pseudo_.account_id);
  if (name == "AWS::Region") return Value(pseudo_.region);
  if (name == "AWS::StackName") return Value(pseudo_.stack_name);
  if (name == "AWS::StackId") return Value(pseudo_.stack_id);
  if (name == "AWS::Partition") return Value("aws");
  if (name == "AWS::URLSuffix") return Value("amazonaws.com");
  if (name == "AWS::NotificationARNs") {
    ValueList arns;
    for (const auto& a : pseudo_.notification_arns) arns.push_back(Value(a));
    return Value(std::move(arns));
  }
  for (const auto& p : parameters_) {
    if (p.key == name) return p.value;
  }
  if (!context_) {
    return tl::unexpected(Validation("Template format error: Unresolved resource dependencies [" +
                                     name + "] in the Resources block of the template"));
  }
  return context_->ResourceRef(name);
}

SimResult<Value> Evaluator::Sub(const Value& args) const {
  std::string text;
  std::map<std::string, Value> vars;
  if (args.is_string()) {
    text = args.as_string();
  } else if (args.is_list() && !args.as_list().empty() && args.as_list()[0].is_string()) {
    text = args.as_list()[0].as_string();
    if (args.as_list().size() > 1) {
      if (!args.as_list()[1].is_map()) {
        return tl::unexpected(Validation("Template error: Fn::Sub variable map must be an object"));
      }
      for (const auto& [k, v] : args.as_list()[1].as_map()) {
        auto e = Evaluate(v);
        if (!e) return e;
        vars[k] = std::move(*e);
      }
    }
  } else {
    return tl::unexpected(
        Validation("Template error: One or more Fn::Sub intrinsic functions "
                   "don't specify expected arguments. Specify a string as "
                   "first argument, and an optional second argument to specify "
                   "a mapping of values to replace in the string"));
  }
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("${", pos);
    if (open == std::string::npos) {
      out += text.substr(pos);
      break;
    }
    out += text.substr(pos, open - pos);
    size_t close = text.find('}', open + 2);
    if (close == std::string::npos) {
      out += text.substr(open);
      break;
    }
    std::string name = text.substr(open + 2, close - open - 2);
    pos = close + 1;
    if (!name.empty() && name[0] == '!') {
      out += "${" + name.substr(1) + "}";
      continue;
    }
    if (auto it = vars.find(name); it != vars.end()) {
      out += it->second.ToText();
      continue;
    }
    size_t dot = name.find('.');
    if (dot != std::string::npos && !IsPseudoParameter(name)) {
      if (!context_) return tl::unexpected(Validation("Template error: cannot resolve " + name));
      auto v = context_->ResourceAttribute(name.substr(0, dot), name.substr(dot + 1));
      if (!v) return v;
      out += v->ToText();
    } else {
      auto v = Ref(name);
      if (!v) return v;
      if (v->is_list()) {
        std::string joined;
        for (const Value& x : v->as_list()) joined += (joined.empty() ? "" : ",") + x.ToText();
        out += joined;
      } else {
        out += v->ToText();
      }
    }
  }
  return Value(out);
}

SimResult<Value> Evaluator::Function(std::string_view name, const Value& raw_args) const {
  if (name == "Fn::Sub") return Sub(raw_args);
  if (name == "Fn::GetAtt") {
    std::string resource, attribute;
    if (raw_args.is_string()) {
      size_t dot = raw_args.as_string().find('.');
      resource = raw_args.as_string().substr(0, dot);
      if (dot != std::string::npos) attribute = raw_args.as_string().substr(dot + 1);
    } else if (raw_args.is_list() && raw_args.as_list().size() == 2 &&
               raw_args.as_list()[0].is_string()) {
      resource = raw_args.as_list()[0].as_string();
      auto attr = Evaluate(raw_args.as_list()[1]);
      if (!attr) return attr;
      attribute = attr->ToText();
    } else {
      return tl::unexpected(
          Validation("Template error: every Fn::GetAtt object requires two non-empty "
                     "parameters, the resource name and the resource attribute"));
    }
    if (!context_)
      return tl::unexpected(
          Validation("Template error: instance of Fn::GetAtt references "
                     "undefined resource " +
                     resource));
    return context_->ResourceAttribute(resource, attribute);
  }
  auto evaluated = Evaluate(raw_args);
  if (!evaluated) return evaluated;
  const Value& args = *evaluated;
  auto bad = [&](const std::string& what) {
    return tl::unexpected(
        Validation("Template error: every " + std::string(name) + " object requires " + what));
  };
  if (name == "Fn::Join") {
    if (!args.is_list() || args.as_list().size() != 2 || !args.as_list()[1].is_list()) {
      return bad(
          "two parameters, (1) a string delimiter and (2) a list of strings to "
          "be joined or a function that returns a list of strings (such as "
          "Fn::GetAZs) to be joined.");
    }
    std::string delim = args.as_list()[0].ToText();
    std::string out;
    bool first = true;
    for (const Value& v : args.as_list()[1].as_list()) {
      if (!first) out += delim;
      first = false;
      out += v.ToText();
    }
    return Value(out);
  }
  if (name == "Fn::Select") {
    if (!args.is_list() || args.as_list().size() != 2 || !args.as_list()[1].is_list()) {
      return bad("two parameters, (1) a list index and (2) a list of objects");
    }
    std::string index_text = args.as_list()[0].ToText();
    char* end = nullptr;
    long index = std::strtol(index_text.c_str(), &end, 10);
    const ValueList& list = args.as_list()[1].as_list();
    if (end == index_text.c_str() || index < 0 || static_cast<size_t>(index) >= list.size()) {
      return tl::unexpected(
          Validation("Template error: Fn::Select cannot select nonexistent "
                     "value at index " +
                     index_text));
    }
    return list[index];
  }
  if (name == "Fn::Split") {
    if (!args.is_list() || args.as_list().size() != 2) {
      return bad("two parameters, (1) a delimiter and (2) a string to split");
    }
    std::string delim = args.as_list()[0].ToText();
    std::string text = args.as_list()[1].ToText();
    ValueList out;
    if (delim.empty()) return Value(ValueList{Value(text)});
    size_t start = 0;
    while (true) {
      size_t at = text.find(delim, start);
      out.push_back(
          Value(text.substr(start, at == std::string::npos ? std::string::npos : at - start)));
      if (at == std::string::npos) break;
      start = at + delim.size();
    }
    return Value(std::move(out));
  }
  if (name == "Fn::Equals" || name == "Fn::And" || name == "Fn::Or" || name == "Fn::Not") {
    auto v = EvaluateCondition(Value(ValueMap{{std::string(name), raw_args}}), 0);
    if (!v) return tl::unexpected(v.error());
    return Value(*v);
  }
  if (name == "Fn::FindInMap") {
    if (!args.is_list() || args.as_list().size() < 3) {
      return bad(
          "3 parameters: the mapping name, the top-level key and the "
          "second-level key");
    }
    std::string map_name = args.as_list()[0].ToText();
    std::string top = args.as_list()[1].ToText();
    std::string second = args.as_list()[2].ToText();
    const ValueMap& mappings = Section(tmpl_, "Mappings");
    auto m = mappings.find(map_name);
    if (m == mappings.end()) {
      return tl::unexpected(Validation("Template error: Unable to get mapping for " + map_name +
                                       "::" + top + "::" + second));
    }
    const Value* t = m->second.Find(top);
    const Value* s = t ? t->Find(second) : nullptr;
    if (!s) {
      return tl::unexpected(Validation("Template error: Unable to get mapping for " + map_name +
                                       "::" + top + "::" + second));
    }
    return *s;
  }
  if (name == "Fn::ImportValue") {
    if (!context_)
      return tl::unexpected(Validation("No export named " + args.ToText() + " found."));
    return context_->ImportValue(args.ToText());
  }
  if (name == "Fn::GetAZs") {
    std::string region = args.ToText();
    if (region.empty()) region = pseudo_.region;
    return Value(ValueList{Value(region + "a"), Value(region + "b"), Value(region + "c")});
  }
  if (name == "Fn::Base64") return Value(Base64Encode(args.ToText()));
  if (name == "Fn::Length") {
    if (!args.is_list()) return bad("a list");
    return Value(static_cast<int64_t>(args.as_list().size()));
  }
  if (name == "Fn::ToJsonString") return Value(args.ToJson());
  if (name == "Fn::Cidr") {
    // [ipBlock, count, cidrBits]: `count` consecutive subnets of /(32-bits).
    if (!args.is_list() || args.as_list().size() != 3) return bad("3 parameters");
    static const std::regex kCidr(R"((\d+)\.(\d+)\.(\d+)\.(\d+)/(\d+))");
    std::smatch m;
    std::string block = args.as_list()[0].ToText();
    if (!std::regex_match(block, m, kCidr)) return bad("a valid IPv4 CIDR block");
    uint32_t base = (std::stoul(m[1]) << 24) | (std::stoul(m[2]) << 16) | (std::stoul(m[3]) << 8) |
                    std::stoul(m[4]);
    int count = std::atoi(args.as_list()[1].ToText().c_str());
    int bits = std::atoi(args.as_list()[2].ToText().c_str());
    if (count < 1 || count > 256 || bits < 1 || bits > 31)
      return bad("a count of 1-256 and cidrBits of 1-31");
    ValueList out;
    for (int i = 0; i < count; ++i) {
      uint32_t a = base + (static_cast<uint32_t>(i) << bits);
      out.push_back(Value(fmt::format("{}.{}.{}.{}/{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                                      a & 255, 32 - bits)));
    }
    return Value(std::move(out));
  }
  if (name == "Fn::Transform") return args;
  if (name == "Fn::Contains") {
    if (!args.is_list() || args.as_list().size() != 2 || !args.as_list()[0].is_list()) {
      return bad("a list of strings and a string");
    }
    const ValueList& list = args.as_list()[0].as_list();
    std::string needle = args.as_list()[1].ToText();
    return Value(std::any_of(list.begin(), list.end(),
                             [&](const Value& v) { return v.ToText() == needle; }));
  }
  return tl::unexpected(
      Validation("Template error: Encountered unsupported function: " + std::string(name)));
}

}  // namespace flightplan::cloudsim::cfn
