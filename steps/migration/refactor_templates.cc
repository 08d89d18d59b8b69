#include "steps/migration/refactor_templates.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "base/base64.h"

namespace flightplan::migration {
namespace {

const char kRetain[] = "Retain";
// Bounds on condition nesting and on attribute look-ups that need another
// resource's literal properties (a template is acyclic; these stop a bad one).
constexpr int kMaxDepth = 64;

// A map with exactly one key that names an intrinsic: that key, or "".
std::string_view IntrinsicName(const Value& v) {
  if (!v.is_map() || v.as_map().size() != 1) return "";
  const std::string& key = v.as_map().begin()->first;
  if (key == "Ref" || key.starts_with("Fn::")) return key;
  if (key == "Condition" && v.as_map().begin()->second.is_string()) return key;
  return "";
}

bool IsPseudo(std::string_view name) { return name.starts_with("AWS::"); }

const ValueMap* SectionOf(const Value& tmpl, std::string_view name) {
  const Value* v = tmpl.is_map() ? tmpl.Find(name) : nullptr;
  return v && v->is_map() ? &v->as_map() : nullptr;
}

std::string TextAt(const Value& v, std::string_view key) {
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && (f->is_string() || f->is_number() || f->is_bool()) ? f->ToText() : std::string();
}

// The ${...} names of an Fn::Sub string, in order ("!x" escapes included).
struct SubPart {
  bool variable = false;
  std::string text;  // the literal text, or the variable's name
};
std::vector<SubPart> ParseSub(const std::string& text) {
  std::vector<SubPart> parts;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("${", pos);
    size_t close = open == std::string::npos ? open : text.find('}', open + 2);
    if (open == std::string::npos || close == std::string::npos) {
      parts.push_back({false, text.substr(pos)});
      break;
    }
    if (open > pos) parts.push_back({false, text.substr(pos, open - pos)});
    parts.push_back({true, text.substr(open + 2, close - open - 2)});
    pos = close + 1;
  }
  return parts;
}

// The text and variable map of an Fn::Sub argument; false when malformed.
bool SubArguments(const Value& args, std::string& text, const ValueMap*& vars) {
  vars = nullptr;
  if (args.is_string()) {
    text = args.as_string();
    return true;
  }
  if (!args.is_list() || args.as_list().empty() || !args.as_list()[0].is_string()) return false;
  text = args.as_list()[0].as_string();
  if (args.as_list().size() > 1) {
    if (!args.as_list()[1].is_map()) return false;
    vars = &args.as_list()[1].as_map();
  }
  return true;
}

// The resource and attribute of an Fn::GetAtt argument; false when malformed.
bool GetAttArguments(const Value& args, std::string& resource, Value& attribute) {
  if (args.is_string()) {
    size_t dot = args.as_string().find('.');
    if (dot == std::string::npos) return false;
    resource = args.as_string().substr(0, dot);
    attribute = Value(args.as_string().substr(dot + 1));
    return true;
  }
  if (!args.is_list() || args.as_list().size() != 2 || !args.as_list()[0].is_string()) {
    return false;
  }
  resource = args.as_list()[0].as_string();
  attribute = args.as_list()[1];
  return true;
}

// The names (resources and parameters) `v` refers to through Ref,
// Fn::GetAtt and Fn::Sub; pseudo parameters excluded.
void CollectReferences(const Value& v, std::set<std::string>& out) {
  if (v.is_list()) {
    for (const Value& item : v.as_list()) CollectReferences(item, out);
    return;
  }
  if (!v.is_map()) return;
  std::string_view fn = IntrinsicName(v);
  const Value& args = v.as_map().begin()->second;
  if (fn == "Ref" && args.is_string()) {
    if (!IsPseudo(args.as_string())) out.insert(args.as_string());
    return;
  }
  if (fn == "Fn::GetAtt") {
    std::string resource;
    Value attribute;
    if (GetAttArguments(args, resource, attribute)) {
      out.insert(resource);
      CollectReferences(attribute, out);
      return;
    }
  }
  if (fn == "Fn::Sub") {
    std::string text;
    const ValueMap* vars = nullptr;
    if (SubArguments(args, text, vars)) {
      for (const SubPart& part : ParseSub(text)) {
        if (!part.variable || part.text.empty() || part.text[0] == '!') continue;
        if (vars && vars->count(part.text)) continue;
        if (IsPseudo(part.text)) continue;
        out.insert(part.text.substr(0, part.text.find('.')));
      }
      if (vars) {
        for (const auto& [name, value] : *vars) CollectReferences(value, out);
      }
      return;
    }
  }
  for (const auto& [key, child] : v.as_map()) CollectReferences(child, out);
}

std::vector<std::string> DependsOnNames(const Value& resource) {
  std::vector<std::string> out;
  const Value* d = resource.is_map() ? resource.Find("DependsOn") : nullptr;
  if (!d) return out;
  if (d->is_string()) out.push_back(d->as_string());
  if (d->is_list()) {
    for (const Value& name : d->as_list()) {
      if (name.is_string()) out.push_back(name.as_string());
    }
  }
  return out;
}

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string Joined(const std::set<std::string>& names) {
  return Joined(std::vector<std::string>(names.begin(), names.end()));
}

bool StandardPartition(const DeployedStack& stack) {
  return stack.partition == "aws" || stack.partition == "aws-us-gov";
}

// S3 website endpoints: the Regions that use "s3-website-<region>"; every
// other Region uses "s3-website.<region>" (Amazon S3 endpoints table).
bool DashWebsiteRegion(std::string_view region) {
  static const std::set<std::string_view> kDash = {
      "us-east-1",      "us-west-1", "us-west-2", "ap-southeast-1", "ap-southeast-2",
      "ap-northeast-1", "eu-west-1", "sa-east-1", "us-gov-west-1"};
  return kDash.count(region) > 0;
}

std::string LastSegment(const std::string& s, char separator) {
  size_t at = s.rfind(separator);
  return at == std::string::npos ? s : s.substr(at + 1);
}

// Each value a detached template writes is decided here.
class Detacher {
 public:
  Detacher(const DeployedStack& stack, const std::set<std::string>& leaving,
           LeavingDefinitions mode)
      : stack_(stack), leaving_(leaving), mode_(mode), tmpl_(stack.template_json) {
    for (const Value& p : stack.parameters) {
      deployed_parameters_[TextAt(p, "ParameterKey")] = TextAt(p, "ParameterValue");
    }
    for (const Value& o : stack.outputs) {
      deployed_outputs_[TextAt(o, "OutputKey")] = TextAt(o, "OutputValue");
    }
  }

  Result<Value> Run() {
    const ValueMap* resources = SectionOf(tmpl_, "Resources");
    if (resources == nullptr) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("the template of stack {} has no Resources map", stack_.name));
    }
    for (const std::string& id : leaving_) {
      if (!resources->count(id)) {
        return MakeError(ErrorCode::kNotFound,
                         fmt::format("stack {} has no resource {} to detach", stack_.name, id));
      }
      if (!stack_.physical_ids.count(id)) {
        return MakeError(ErrorCode::kNotFound,
                         fmt::format("resource {} of stack {} has no physical id: it is not "
                                     "deployed, so there is nothing to move",
                                     id, stack_.name));
      }
    }
    Value out = tmpl_;
    ValueMap& out_resources = out.as_map()["Resources"].as_map();
    for (auto& [id, entry] : out_resources) {
      if (leaving_.count(id) && mode_ == LeavingDefinitions::kRetainedAsTheyAre) {
        if (entry.is_map()) {
          entry.Set("DeletionPolicy", "Retain");
          entry.Set("UpdateReplacePolicy", "Retain");
        }
      } else if (leaving_.count(id)) {
        ASSIGN_OR_RETURN(entry, LeavingDefinition(id, entry));
      } else {
        ASSIGN_OR_RETURN(entry, StayingDefinition(id, entry));
      }
    }
    auto outputs = out.as_map().find("Outputs");
    if (outputs != out.as_map().end() && outputs->second.is_map()) {
      for (auto& [key, output] : outputs->second.as_map()) {
        ASSIGN_OR_RETURN(output, DetachedOutput(key, output));
      }
    }
    return out;
  }

 private:
  // A value after folding; `removed` when it was AWS::NoValue.
  struct Folded {
    Value value;
    bool removed = false;
  };

  Error Unresolvable(const std::string& where, const std::string& what,
                     const std::string& to_do) const {
    return Error(ErrorCode::kStepFailed,
                 fmt::format("stack {}: {} {}; {}", stack_.name, where, what, to_do));
  }

  Result<Value> LeavingDefinition(const std::string& id, const Value& entry) {
    if (!entry.is_map()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("stack {}: resource {} is not an object", stack_.name, id));
    }
    const std::string where = "resource " + id;
    Value out(ValueMap{});
    for (const auto& [key, value] : entry.as_map()) {
      if (key == "DependsOn" || key == "DeletionPolicy" || key == "UpdateReplacePolicy") continue;
      if (key == "Condition") {
        if (!value.is_string()) {
          return MakeError(Unresolvable(where, "has a Condition that is not a name",
                                        "fix the template and deploy it before refactoring"));
        }
        ASSIGN_OR_RETURN(bool deployed, ConditionValue(value.as_string(), where, 0));
        if (!deployed) {
          return MakeError(Unresolvable(
              where,
              fmt::format("is not deployed: its Condition {} is false for the deployed "
                          "parameters",
                          value.as_string()),
              "a resource that does not exist cannot leave; take it out of the resources to "
              "move"));
        }
        continue;
      }
      if (key == "Type") {
        out.Set(key, value);
        continue;
      }
      ASSIGN_OR_RETURN(Folded folded, Fold(value, where));
      if (!folded.removed) out.Set(key, std::move(folded.value));
    }
    out.Set("DeletionPolicy", kRetain);
    out.Set("UpdateReplacePolicy", kRetain);
    return out;
  }

  Result<Value> StayingDefinition(const std::string& id, const Value& entry) {
    if (!entry.is_map()) return entry;
    Value out(ValueMap{});
    for (const auto& [key, value] : entry.as_map()) {
      if (key == "DependsOn") {
        std::vector<std::string> kept;
        for (const std::string& name : DependsOnNames(entry)) {
          if (!leaving_.count(name)) kept.push_back(name);
        }
        if (kept.size() == DependsOnNames(entry).size()) {
          out.Set(key, value);
        } else if (!kept.empty()) {
          ValueList list;
          for (std::string& name : kept) list.emplace_back(std::move(name));
          out.Set(key, Value(std::move(list)));
        }
        continue;
      }
      ASSIGN_OR_RETURN(Value unlinked, Unlink(value, "resource " + id));
      out.Set(key, std::move(unlinked));
    }
    return out;
  }

  bool RefersToLeaving(const Value& v) const {
    std::set<std::string> names;
    CollectReferences(v, names);
    return std::any_of(names.begin(), names.end(),
                       [&](const std::string& n) { return leaving_.count(n) > 0; });
  }

  Result<Value> DetachedOutput(const std::string& key, const Value& output) {
    if (!output.is_map()) return output;
    const std::string where = "output " + key;
    Value out(ValueMap{});
    for (const auto& [member, value] : output.as_map()) {
      if (member == "Value" && RefersToLeaving(value)) {
        auto deployed = deployed_outputs_.find(key);
        if (deployed != deployed_outputs_.end()) {
          out.Set(member, Value(deployed->second));
          continue;
        }
      }
      ASSIGN_OR_RETURN(Value unlinked, Unlink(value, where));
      out.Set(member, std::move(unlinked));
    }
    return out;
  }

  // ---- staying parts: only references to leaving resources change ----

  Result<Value> Unlink(const Value& v, const std::string& where) {
    if (v.is_list()) {
      ValueList out;
      for (const Value& item : v.as_list()) {
        ASSIGN_OR_RETURN(Value u, Unlink(item, where));
        out.push_back(std::move(u));
      }
      return Value(std::move(out));
    }
    if (!v.is_map()) return v;
    std::string_view fn = IntrinsicName(v);
    const Value& args = v.as_map().begin()->second;
    if (fn == "Ref" && args.is_string() && leaving_.count(args.as_string())) {
      ASSIGN_OR_RETURN(std::string physical, PhysicalId(args.as_string(), where));
      return Value(physical);
    }
    if (fn == "Fn::GetAtt") {
      std::string resource;
      Value attribute;
      if (GetAttArguments(args, resource, attribute) && leaving_.count(resource)) {
        ASSIGN_OR_RETURN(std::string name, AttributeName(attribute, where));
        return Attribute(resource, name, where);
      }
    }
    if (fn == "Fn::Sub") {
      std::string text;
      const ValueMap* vars = nullptr;
      if (SubArguments(args, text, vars)) return UnlinkSub(text, vars, where);
    }
    ValueMap out;
    for (const auto& [key, child] : v.as_map()) {
      ASSIGN_OR_RETURN(Value u, Unlink(child, where));
      out.emplace(key, std::move(u));
    }
    return Value(std::move(out));
  }

  Result<Value> UnlinkSub(const std::string& text, const ValueMap* vars, const std::string& where) {
    std::string rewritten;
    for (const SubPart& part : ParseSub(text)) {
      if (!part.variable) {
        rewritten += part.text;
        continue;
      }
      std::string base = part.text.substr(0, part.text.find('.'));
      bool shadowed = vars && vars->count(part.text);
      if (part.text.empty() || part.text[0] == '!' || shadowed || !leaving_.count(base)) {
        rewritten += "${" + part.text + "}";
        continue;
      }
      if (base == part.text) {
        ASSIGN_OR_RETURN(std::string physical, PhysicalId(base, where));
        rewritten += physical;
      } else {
        ASSIGN_OR_RETURN(Value value, Attribute(base, part.text.substr(base.size() + 1), where));
        rewritten += value.ToText();
      }
    }
    if (vars == nullptr) return Value(ValueMap{{"Fn::Sub", Value(rewritten)}});
    ValueMap new_vars;
    for (const auto& [name, value] : *vars) {
      ASSIGN_OR_RETURN(Value u, Unlink(value, where));
      new_vars.emplace(name, std::move(u));
    }
    ValueList args;
    args.emplace_back(std::move(rewritten));
    args.emplace_back(std::move(new_vars));
    return Value(ValueMap{{"Fn::Sub", Value(std::move(args))}});
  }

  // ---- leaving parts: everything becomes literal ----

  Result<Folded> Fold(const Value& v, const std::string& where) {
    if (v.is_list()) {
      ValueList out;
      for (const Value& item : v.as_list()) {
        ASSIGN_OR_RETURN(Folded f, Fold(item, where));
        if (!f.removed) out.push_back(std::move(f.value));
      }
      return Folded{Value(std::move(out))};
    }
    if (!v.is_map()) return Folded{v};
    std::string_view fn = IntrinsicName(v);
    if (fn.empty()) {
      ValueMap out;
      for (const auto& [key, child] : v.as_map()) {
        ASSIGN_OR_RETURN(Folded f, Fold(child, where));
        if (!f.removed) out.emplace(key, std::move(f.value));
      }
      return Folded{Value(std::move(out))};
    }
    const Value& args = v.as_map().begin()->second;
    if (fn == "Ref") {
      if (!args.is_string()) {
        return MakeError(Unresolvable(where, "has a Ref that is not a name",
                                      "fix the template and deploy it before refactoring"));
      }
      if (args.as_string() == "AWS::NoValue") return Folded{Value(), true};
      ASSIGN_OR_RETURN(Value value, RefValue(args.as_string(), where));
      return Folded{std::move(value)};
    }
    if (fn == "Fn::If") {
      if (!args.is_list() || args.as_list().size() != 3 || !args.as_list()[0].is_string()) {
        return MakeError(Unresolvable(where, "has an Fn::If without [condition, then, else]",
                                      "fix the template and deploy it before refactoring"));
      }
      ASSIGN_OR_RETURN(bool chosen, ConditionValue(args.as_list()[0].as_string(), where, 0));
      return Fold(args.as_list()[chosen ? 1 : 2], where);
    }
    if (fn == "Condition" || fn == "Fn::Equals" || fn == "Fn::And" || fn == "Fn::Or" ||
        fn == "Fn::Not") {
      ASSIGN_OR_RETURN(bool value, EvaluateCondition(v, where, 0));
      return Folded{Value(value)};
    }
    if (fn == "Fn::GetAtt") {
      std::string resource;
      Value attribute;
      if (!GetAttArguments(args, resource, attribute)) {
        return MakeError(Unresolvable(where, "has a malformed Fn::GetAtt",
                                      "fix the template and deploy it before refactoring"));
      }
      ASSIGN_OR_RETURN(std::string name, AttributeName(attribute, where));
      ASSIGN_OR_RETURN(Value value, Attribute(resource, name, where));
      return Folded{std::move(value)};
    }
    if (fn == "Fn::Sub") {
      ASSIGN_OR_RETURN(Value value, FoldSub(args, where));
      return Folded{std::move(value)};
    }
    if (fn == "Fn::Join" || fn == "Fn::Select" || fn == "Fn::Split" || fn == "Fn::Base64" ||
        fn == "Fn::FindInMap") {
      ASSIGN_OR_RETURN(Folded folded_args, Fold(args, where));
      ASSIGN_OR_RETURN(Value value, Apply(fn, folded_args.value, where));
      return Folded{std::move(value)};
    }
    return MakeError(Unresolvable(
        where, fmt::format("uses {}, whose value cannot be decided from the deployed stack", fn),
        "replace it with its value in the Gen1 template and push it, then run refactor again"));
  }

  Result<Value> Apply(std::string_view fn, const Value& args, const std::string& where) {
    auto malformed = [&]() {
      return MakeError(Unresolvable(where, fmt::format("has a malformed {}", fn),
                                    "fix the template and deploy it before refactoring"));
    };
    const ValueList* list = args.is_list() ? &args.as_list() : nullptr;
    if (fn == "Fn::Base64") return Value(Base64Encode(args.ToText()));
    if (fn == "Fn::Join") {
      if (!list || list->size() != 2 || !(*list)[1].is_list()) return malformed();
      std::string out;
      const std::string delimiter = (*list)[0].ToText();
      bool first = true;
      for (const Value& part : (*list)[1].as_list()) {
        if (part.is_list() || part.is_map()) return malformed();
        if (!first) out += delimiter;
        first = false;
        out += part.ToText();
      }
      return Value(out);
    }
    if (fn == "Fn::Select") {
      if (!list || list->size() != 2 || !(*list)[1].is_list()) return malformed();
      const std::string index_text = (*list)[0].ToText();
      size_t index = 0;
      auto [end, ec] =
          std::from_chars(index_text.data(), index_text.data() + index_text.size(), index);
      const ValueList& items = (*list)[1].as_list();
      if (ec != std::errc() || end != index_text.data() + index_text.size() ||
          index >= items.size()) {
        return malformed();
      }
      return items[index];
    }
    if (fn == "Fn::Split") {
      if (!list || list->size() != 2) return malformed();
      const std::string delimiter = (*list)[0].ToText();
      const std::string text = (*list)[1].ToText();
      ValueList out;
      if (delimiter.empty()) return malformed();
      size_t start = 0;
      while (true) {
        size_t at = text.find(delimiter, start);
        out.emplace_back(text.substr(start, at == std::string::npos ? at : at - start));
        if (at == std::string::npos) break;
        start = at + delimiter.size();
      }
      return Value(std::move(out));
    }
    // Fn::FindInMap
    if (!list || list->size() != 3) return malformed();
    const ValueMap* mappings = SectionOf(tmpl_, "Mappings");
    const Value* top = nullptr;
    if (mappings) {
      auto map = mappings->find((*list)[0].ToText());
      if (map != mappings->end()) top = map->second.Find((*list)[1].ToText());
    }
    const Value* found = top ? top->Find((*list)[2].ToText()) : nullptr;
    if (!found) return malformed();
    return *found;
  }

  Result<Value> FoldSub(const Value& args, const std::string& where) {
    std::string text;
    const ValueMap* vars = nullptr;
    if (!SubArguments(args, text, vars)) {
      return MakeError(Unresolvable(where, "has a malformed Fn::Sub",
                                    "fix the template and deploy it before refactoring"));
    }
    std::map<std::string, std::string> values;
    if (vars) {
      for (const auto& [name, value] : *vars) {
        ASSIGN_OR_RETURN(Folded f, Fold(value, where));
        values[name] = f.value.ToText();
      }
    }
    std::string out;
    for (const SubPart& part : ParseSub(text)) {
      if (!part.variable) {
        out += part.text;
      } else if (!part.text.empty() && part.text[0] == '!') {
        out += "${" + part.text.substr(1) + "}";
      } else if (auto it = values.find(part.text); it != values.end()) {
        out += it->second;
      } else if (size_t dot = part.text.find('.');
                 dot != std::string::npos && !IsPseudo(part.text)) {
        ASSIGN_OR_RETURN(Value value,
                         Attribute(part.text.substr(0, dot), part.text.substr(dot + 1), where));
        out += value.ToText();
      } else {
        ASSIGN_OR_RETURN(Value value, RefValue(part.text, where));
        if (value.is_list()) {
          std::string joined;
          for (const Value& item : value.as_list()) {
            joined += (joined.empty() ? "" : ",") + item.ToText();
          }
          out += joined;
        } else {
          out += value.ToText();
        }
      }
    }
    return Value(out);
  }

  Result<std::string> AttributeName(const Value& attribute, const std::string& where) {
    if (attribute.is_string()) return attribute.as_string();
    ASSIGN_OR_RETURN(Folded f, Fold(attribute, where));
    return f.value.ToText();
  }

  Result<std::string> PhysicalId(const std::string& resource, const std::string& where) const {
    auto it = stack_.physical_ids.find(resource);
    if (it == stack_.physical_ids.end() || it->second.empty()) {
      return MakeError(Unresolvable(
          where, fmt::format("refers to resource {}, which has no physical id", resource),
          "a resource that is not deployed cannot be referred to by value; deploy the "
          "environment (amplify push) and run refactor again"));
    }
    return it->second;
  }

  Result<Value> RefValue(const std::string& name, const std::string& where) {
    if (IsPseudo(name)) return Pseudo(name, where);
    const ValueMap* parameters = SectionOf(tmpl_, "Parameters");
    if (parameters && parameters->count(name)) return Parameter(name, parameters->at(name), where);
    const ValueMap* resources = SectionOf(tmpl_, "Resources");
    if (resources && resources->count(name)) {
      ASSIGN_OR_RETURN(std::string physical, PhysicalId(name, where));
      return Value(physical);
    }
    return MakeError(Unresolvable(where,
                                  fmt::format("refers to {}, which the template does not "
                                              "declare",
                                              name),
                                  "fix the template and deploy it before refactoring"));
  }

  Result<Value> Pseudo(const std::string& name, const std::string& where) const {
    if (name == "AWS::Region") return Value(stack_.region);
    if (name == "AWS::AccountId") return Value(stack_.account_id);
    if (name == "AWS::Partition") return Value(stack_.partition);
    if (name == "AWS::StackName") return Value(stack_.name);
    if (name == "AWS::StackId") return Value(stack_.id);
    if (name == "AWS::URLSuffix") {
      return Value(stack_.partition == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com");
    }
    return MakeError(Unresolvable(where,
                                  fmt::format("uses {}, whose deployed value is unknown", name),
                                  "replace it with its value in the Gen1 template and push it, "
                                  "then run refactor again"));
  }

  Result<Value> Parameter(const std::string& name, const Value& declaration,
                          const std::string& where) const {
    const Value* no_echo = declaration.Find("NoEcho");
    if (no_echo && no_echo->ToText() == "true") {
      return MakeError(Unresolvable(
          where,
          fmt::format("needs parameter {}, which is NoEcho: CloudFormation shows its value as "
                      "****, so it cannot be written into a definition that must be literal "
                      "to move",
                      name),
          fmt::format("leave this resource in its Gen1 stack, or make {} visible (remove NoEcho "
                      "in the Gen1 template and push it) and run refactor again",
                      name)));
    }
    std::string text;
    if (auto it = deployed_parameters_.find(name); it != deployed_parameters_.end()) {
      text = it->second;
    } else if (const Value* d = declaration.Find("Default")) {
      if (d->is_list()) {
        for (const Value& item : d->as_list()) text += (text.empty() ? "" : ",") + item.ToText();
      } else {
        text = d->ToText();
      }
    } else {
      return MakeError(Unresolvable(where,
                                    fmt::format("needs parameter {}, which the deployed stack "
                                                "does not show",
                                                name),
                                    "read the stack again (DescribeStacks) and retry"));
    }
    std::string type = TextAt(declaration, "Type");
    if (type == "CommaDelimitedList" || type.starts_with("List<")) {
      ValueList items;
      if (!text.empty()) {
        size_t start = 0;
        while (true) {
          size_t comma = text.find(',', start);
          std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
          size_t b = item.find_first_not_of(' ');
          size_t e = item.find_last_not_of(' ');
          items.emplace_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      }
      return Value(std::move(items));
    }
    // Ref gives a Number parameter as a string too.
    return Value(text);
  }

  Result<bool> ConditionValue(const std::string& name, const std::string& where, int depth) {
    if (auto it = conditions_.find(name); it != conditions_.end()) return it->second;
    const ValueMap* conditions = SectionOf(tmpl_, "Conditions");
    if (!conditions || !conditions->count(name) || depth > kMaxDepth) {
      return MakeError(Unresolvable(where,
                                    fmt::format("uses condition {}, which the template does not "
                                                "define (or defines in a cycle)",
                                                name),
                                    "fix the template and deploy it before refactoring"));
    }
    ASSIGN_OR_RETURN(bool value, EvaluateCondition(conditions->at(name), where, depth + 1));
    conditions_[name] = value;
    return value;
  }

  Result<bool> EvaluateCondition(const Value& expr, const std::string& where, int depth) {
    if (depth > kMaxDepth) {
      return MakeError(Unresolvable(where, "uses conditions nested too deeply",
                                    "fix the template and deploy it before refactoring"));
    }
    if (expr.is_bool()) return expr.as_bool();
    std::string_view fn = IntrinsicName(expr);
    const Value* args = fn.empty() ? nullptr : &expr.as_map().begin()->second;
    const ValueList* list = args && args->is_list() ? &args->as_list() : nullptr;
    if (fn == "Condition") return ConditionValue(args->as_string(), where, depth + 1);
    if (fn == "Fn::Equals" && list && list->size() == 2) {
      ASSIGN_OR_RETURN(Folded a, Fold((*list)[0], where));
      ASSIGN_OR_RETURN(Folded b, Fold((*list)[1], where));
      return a.value.ToText() == b.value.ToText();
    }
    if (fn == "Fn::Not" && list && list->size() == 1) {
      ASSIGN_OR_RETURN(bool inner, EvaluateCondition((*list)[0], where, depth + 1));
      return !inner;
    }
    if ((fn == "Fn::And" || fn == "Fn::Or") && list && !list->empty()) {
      bool is_and = fn == "Fn::And";
      for (const Value& item : *list) {
        ASSIGN_OR_RETURN(bool v, EvaluateCondition(item, where, depth + 1));
        if (is_and && !v) return false;
        if (!is_and && v) return true;
      }
      return is_and;
    }
    return MakeError(Unresolvable(where, "uses a condition that is not a boolean operation",
                                  "fix the template and deploy it before refactoring"));
  }

  // The output of this stack whose Value is exactly Fn::GetAtt resource.attribute,
  // as deployed; nullopt when there is none.
  std::optional<std::string> AttributeFromOutputs(const std::string& resource,
                                                  const std::string& attribute) const {
    const ValueMap* outputs = SectionOf(tmpl_, "Outputs");
    if (!outputs) return std::nullopt;
    const Value as_list(
        ValueMap{{"Fn::GetAtt", Value(ValueList{Value(resource), Value(attribute)})}});
    const Value as_string(ValueMap{{"Fn::GetAtt", Value(resource + "." + attribute)}});
    for (const auto& [key, output] : *outputs) {
      const Value* value = output.is_map() ? output.Find("Value") : nullptr;
      if (!value || !(*value == as_list || *value == as_string)) continue;
      if (auto it = deployed_outputs_.find(key); it != deployed_outputs_.end()) return it->second;
    }
    return std::nullopt;
  }

  Result<Value> Attribute(const std::string& resource, const std::string& attribute,
                          const std::string& where) {
    if (std::optional<std::string> v = AttributeFromOutputs(resource, attribute)) return Value(*v);
    const ValueMap* resources = SectionOf(tmpl_, "Resources");
    if (!resources || !resources->count(resource)) {
      return MakeError(
          Unresolvable(where,
                       fmt::format("uses Fn::GetAtt {}.{}, but the template has no resource {}",
                                   resource, attribute, resource),
                       "fix the template and deploy it before refactoring"));
    }
    ASSIGN_OR_RETURN(std::string physical, PhysicalId(resource, where));
    const Value& entry = resources->at(resource);
    std::string type = TextAt(entry, "Type");
    // The literal properties some forms need, when they can be decided.
    Value properties(ValueMap{});
    const Value* props = entry.Find("Properties");
    if (props && props->is_map() && attribute_depth_ < kMaxDepth) {
      ++attribute_depth_;
      for (const char* key : {"IdentityPoolName", "Path"}) {
        const Value* p = props->Find(key);
        if (!p) continue;
        Result<Folded> f = Fold(*p, where);
        if (f && !f->removed) properties.Set(key, f->value);
      }
      --attribute_depth_;
    }
    if (std::optional<std::string> v =
            AttributeFromPhysicalId(type, attribute, physical, properties, stack_)) {
      return Value(*v);
    }
    return MakeError(Unresolvable(
        where,
        fmt::format("uses Fn::GetAtt {}.{} ({} {}), whose value no deployed output of the stack "
                    "shows and whose form cannot be derived from the physical id",
                    resource, attribute, type, physical),
        fmt::format("add an output with Value {{\"Fn::GetAtt\": [\"{}\", \"{}\"]}} to the Gen1 "
                    "stack and push it (amplify push), then run refactor again",
                    resource, attribute)));
  }

  const DeployedStack& stack_;
  const std::set<std::string>& leaving_;
  LeavingDefinitions mode_;
  const Value& tmpl_;
  std::map<std::string, std::string> deployed_parameters_;
  std::map<std::string, std::string> deployed_outputs_;
  std::map<std::string, bool> conditions_;
  int attribute_depth_ = 0;
};

bool HasIntrinsic(const Value& v) {
  if (v.is_list()) {
    return std::any_of(v.as_list().begin(), v.as_list().end(),
                       [](const Value& item) { return HasIntrinsic(item); });
  }
  if (!v.is_map()) return false;
  if (!IntrinsicName(v).empty()) return true;
  return std::any_of(v.as_map().begin(), v.as_map().end(),
                     [](const auto& member) { return HasIntrinsic(member.second); });
}

// Everything a definition still refers to: references, DependsOn, Condition.
std::set<std::string> DefinitionReferences(const Value& entry) {
  std::set<std::string> out;
  CollectReferences(entry, out);
  for (const std::string& name : DependsOnNames(entry)) out.insert("DependsOn " + name);
  if (const Value* c = entry.is_map() ? entry.Find("Condition") : nullptr) {
    out.insert("Condition " + c->ToText());
  }
  return out;
}

}  // namespace

std::optional<std::string> AttributeFromPhysicalId(std::string_view type,
                                                   std::string_view attribute,
                                                   const std::string& physical_id,
                                                   const Value& properties,
                                                   const DeployedStack& stack) {
  const std::string& p = stack.partition;
  const std::string& r = stack.region;
  const std::string& a = stack.account_id;
  const std::string& id = physical_id;
  if (id.empty()) return std::nullopt;
  if (type == "AWS::DynamoDB::Table" && attribute == "Arn") {
    return fmt::format("arn:{}:dynamodb:{}:{}:table/{}", p, r, a, id);
  }
  if (type == "AWS::Cognito::UserPool") {
    if (attribute == "Arn") return fmt::format("arn:{}:cognito-idp:{}:{}:userpool/{}", p, r, a, id);
    if (attribute == "UserPoolId") return id;
    if (StandardPartition(stack)) {
      std::string provider = fmt::format("cognito-idp.{}.amazonaws.com/{}", r, id);
      if (attribute == "ProviderName") return provider;
      if (attribute == "ProviderURL") return "https://" + provider;
    }
  }
  if (type == "AWS::Cognito::UserPoolClient" && attribute == "ClientId") return id;
  if (type == "AWS::Cognito::IdentityPool") {
    if (attribute == "Id") return id;
    const Value* name = properties.Find("IdentityPoolName");
    if (attribute == "Name" && name && name->is_string()) return name->as_string();
  }
  if (type == "AWS::S3::Bucket") {
    if (attribute == "Arn") return fmt::format("arn:{}:s3:::{}", p, id);
    if (p == "aws") {
      if (attribute == "DomainName") return id + ".s3.amazonaws.com";
      if (attribute == "RegionalDomainName") return fmt::format("{}.s3.{}.amazonaws.com", id, r);
      if (attribute == "DualStackDomainName") {
        return fmt::format("{}.s3.dualstack.{}.amazonaws.com", id, r);
      }
      if (attribute == "WebsiteURL") {
        return fmt::format("http://{}.s3-website{}{}.amazonaws.com", id,
                           DashWebsiteRegion(r) ? "-" : ".", r);
      }
    }
  }
  if (type == "AWS::Kinesis::Stream" && attribute == "Arn") {
    return fmt::format("arn:{}:kinesis:{}:{}:stream/{}", p, r, a, id);
  }
  if (type == "AWS::SQS::Queue") {
    // Ref gives the queue URL; its last segment is the name.
    if (attribute == "QueueUrl") return id;
    if (attribute == "QueueName") return LastSegment(id, '/');
    if (attribute == "Arn")
      return fmt::format("arn:{}:sqs:{}:{}:{}", p, r, a, LastSegment(id, '/'));
  }
  if (type == "AWS::SNS::Topic") {
    if (attribute == "TopicArn") return id;
    if (attribute == "TopicName") return LastSegment(id, ':');
  }
  if (type == "AWS::IAM::Role" && attribute == "Arn") {
    const Value* path = properties.Find("Path");
    if (path && !path->is_string()) return std::nullopt;
    return fmt::format("arn:{}:iam::{}:role{}{}", p, a, path ? path->as_string() : "/", id);
  }
  if (type == "AWS::Lambda::Function" && attribute == "Arn") {
    return fmt::format("arn:{}:lambda:{}:{}:function:{}", p, r, a, id);
  }
  if (type == "AWS::Logs::LogGroup" && attribute == "Arn") {
    return fmt::format("arn:{}:logs:{}:{}:log-group:{}:*", p, r, a, id);
  }
  if (type == "AWS::KMS::Key") {
    if (attribute == "KeyId") return id;
    if (attribute == "Arn") return fmt::format("arn:{}:kms:{}:{}:key/{}", p, r, a, id);
  }
  return std::nullopt;
}

Result<Value> DetachTemplate(const DeployedStack& stack, const std::set<std::string>& leaving,
                             LeavingDefinitions mode) {
  Detacher detacher(stack, leaving, mode);
  return detacher.Run();
}

std::vector<std::string> ReferencesTo(const Value& template_json, const std::string& logical_id) {
  std::vector<std::string> out;
  if (const ValueMap* resources = SectionOf(template_json, "Resources")) {
    for (const auto& [id, entry] : *resources) {
      if (id == logical_id) continue;
      std::set<std::string> names;
      CollectReferences(entry, names);
      if (names.count(logical_id)) out.push_back("Resources." + id);
      std::vector<std::string> depends = DependsOnNames(entry);
      if (std::find(depends.begin(), depends.end(), logical_id) != depends.end()) {
        out.push_back("Resources." + id + ".DependsOn");
      }
    }
  }
  if (const ValueMap* outputs = SectionOf(template_json, "Outputs")) {
    for (const auto& [key, output] : *outputs) {
      std::set<std::string> names;
      CollectReferences(output, names);
      if (names.count(logical_id)) out.push_back("Outputs." + key);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<Value> RemoveResources(const Value& template_json, const std::set<std::string>& ids) {
  const ValueMap* resources = SectionOf(template_json, "Resources");
  if (!resources) return MakeError(ErrorCode::kInvalidInput, "the template has no Resources map");
  for (const std::string& id : ids) {
    if (!resources->count(id)) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("the template has no resource {} to remove", id));
    }
  }
  for (const std::string& id : ids) {
    std::vector<std::string> holders;
    for (const std::string& who : ReferencesTo(template_json, id)) {
      // References from resources that leave too go with them.
      std::string rest = who.starts_with("Resources.") ? who.substr(10) : std::string();
      std::string holder = rest.substr(0, rest.find(".DependsOn"));
      if (!holder.empty() && ids.count(holder)) continue;
      holders.push_back(who);
    }
    if (!holders.empty()) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("resource {} cannot be removed: {} still refer{} to it; detach "
                                   "it first so they hold its values instead",
                                   id, Joined(holders), holders.size() == 1 ? "s" : ""));
    }
  }
  Value out = template_json;
  ValueMap& out_resources = out.as_map()["Resources"].as_map();
  for (const std::string& id : ids) out_resources.erase(id);
  if (out_resources.empty()) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("removing {} would leave the stack without resources, which "
                                 "CloudFormation refuses; keep a resource in it (or delete the "
                                 "stack after the move)",
                                 Joined(ids)));
  }
  return out;
}

Value ResourceMappingsParameter(const std::vector<ResourceMapping>& mappings) {
  ValueList out;
  for (const ResourceMapping& m : mappings) {
    Value source(ValueMap{});
    source.Set("StackName", m.source_stack);
    source.Set("LogicalResourceId", m.source_logical_id);
    Value destination(ValueMap{});
    destination.Set("StackName", m.destination_stack);
    destination.Set("LogicalResourceId", m.destination_logical_id);
    Value mapping(ValueMap{});
    mapping.Set("Source", std::move(source));
    mapping.Set("Destination", std::move(destination));
    out.push_back(std::move(mapping));
  }
  return Value(std::move(out));
}

Result<RefactorTemplates> MoveResources(const Value& source_detached, const Value& destination,
                                        const std::vector<ResourceMapping>& mappings) {
  if (mappings.empty()) return MakeError(ErrorCode::kInvalidInput, "no resource to move");
  const ValueMap* source_resources = SectionOf(source_detached, "Resources");
  const ValueMap* destination_resources = SectionOf(destination, "Resources");
  if (!source_resources || !destination_resources) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("the {} template has no Resources map",
                                 source_resources ? "destination" : "source"));
  }
  const ResourceMapping& first = mappings.front();
  std::set<std::string> moved, taken;
  for (const ResourceMapping& m : mappings) {
    if (m.source_stack != first.source_stack || m.destination_stack != first.destination_stack) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("the mappings name more than one pair of stacks ({} -> {} and "
                                   "{} -> {}); move between one pair at a time",
                                   first.source_stack, first.destination_stack, m.source_stack,
                                   m.destination_stack));
    }
    if (!source_resources->count(m.source_logical_id)) {
      return MakeError(ErrorCode::kNotFound, fmt::format("stack {} has no resource {} to move",
                                                         m.source_stack, m.source_logical_id));
    }
    if (!moved.insert(m.source_logical_id).second ||
        !taken.insert(m.destination_logical_id).second) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("resource {} -> {} is mapped more than once",
                                   m.source_logical_id, m.destination_logical_id));
    }
    if (destination_resources->count(m.destination_logical_id)) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("stack {} already has a resource {}; {} of stack {} cannot "
                                   "take its logical id (vacate it first, or map to another id)",
                                   m.destination_stack, m.destination_logical_id,
                                   m.source_logical_id, m.source_stack));
    }
    const Value& definition = source_resources->at(m.source_logical_id);
    std::set<std::string> refs = DefinitionReferences(definition);
    if (!refs.empty() || HasIntrinsic(definition)) {
      return MakeError(
          ErrorCode::kConflict,
          fmt::format("resource {} of stack {} still refers to {}; its definition must be "
                      "literal to move (detach it first)",
                      m.source_logical_id, m.source_stack,
                      refs.empty() ? std::string("an intrinsic function") : Joined(refs)));
    }
  }
  ASSIGN_OR_RETURN(Value new_source, RemoveResources(source_detached, moved));
  Value new_destination = destination;
  ValueMap& out_resources = new_destination.as_map()["Resources"].as_map();
  for (const ResourceMapping& m : mappings) {
    Value definition = source_resources->at(m.source_logical_id);
    definition.Set("DeletionPolicy", kRetain);
    definition.Set("UpdateReplacePolicy", kRetain);
    out_resources.emplace(m.destination_logical_id, std::move(definition));
  }
  return RefactorTemplates{std::move(new_source), std::move(new_destination)};
}

}  // namespace flightplan::migration
