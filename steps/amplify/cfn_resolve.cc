#include "steps/amplify/cfn_resolve.h"

#include <charconv>
#include <optional>
#include <string_view>

namespace flightplan::amplify {
namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

Value SplitList(const std::string& s) {
  ValueList out;
  if (s.empty()) return Value(std::move(out));
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    out.emplace_back(Trim(std::string_view(s).substr(
        start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return Value(std::move(out));
}

// A map with exactly one key: the intrinsic's name, or "".
std::string_view IntrinsicName(const Value& v) {
  if (!v.is_map() || v.as_map().size() != 1) return "";
  const std::string& key = v.as_map().begin()->first;
  if (key == "Ref" || key == "Condition" || key.starts_with("Fn::")) return key;
  return "";
}

class Resolver {
 public:
  Resolver(const Value& tmpl, const ParameterValues& params) : tmpl_(tmpl), params_(params) {}

  Value Resolve(const Value& v) {
    if (v.is_list()) {
      ValueList out;
      for (const Value& item : v.as_list()) out.push_back(Resolve(item));
      return Value(std::move(out));
    }
    if (!v.is_map()) return v;
    std::string_view fn = IntrinsicName(v);
    const Value& arg = v.as_map().begin()->second;
    if (fn == "Ref" && arg.is_string()) {
      auto it = params_.find(arg.as_string());
      if (it != params_.end()) return it->second;
      return v;
    }
    if (fn == "Fn::If" && arg.is_list() && arg.as_list().size() == 3 &&
        arg.as_list()[0].is_string()) {
      std::optional<bool> cond = Condition(arg.as_list()[0].as_string(), 0);
      if (cond) return Resolve(arg.as_list()[*cond ? 1 : 2]);
    }
    if (fn == "Fn::Join" && arg.is_list() && arg.as_list().size() == 2 &&
        arg.as_list()[0].is_string()) {
      Value parts = Resolve(arg.as_list()[1]);
      if (parts.is_list()) {
        std::string joined;
        bool literal = true;
        for (size_t i = 0; i < parts.as_list().size() && literal; ++i) {
          const Value& p = parts.as_list()[i];
          if (!p.is_string() && !p.is_number()) literal = false;
          if (i > 0) joined += arg.as_list()[0].as_string();
          joined += p.ToText();
        }
        if (literal) return Value(joined);
      }
      ValueList kept{arg.as_list()[0], parts};
      return Value(ValueMap{{"Fn::Join", Value(std::move(kept))}});
    }
    if (fn == "Fn::Split" && arg.is_list() && arg.as_list().size() == 2 &&
        arg.as_list()[0].is_string() && !arg.as_list()[0].as_string().empty()) {
      Value source = Resolve(arg.as_list()[1]);
      if (source.is_string()) {
        const std::string& sep = arg.as_list()[0].as_string();
        const std::string& text = source.as_string();
        ValueList parts;
        size_t start = 0;
        while (true) {
          size_t at = text.find(sep, start);
          parts.emplace_back(text.substr(start, at == std::string::npos ? at : at - start));
          if (at == std::string::npos) break;
          start = at + sep.size();
        }
        return Value(std::move(parts));
      }
    }
    if (fn == "Fn::Select" && arg.is_list() && arg.as_list().size() == 2) {
      Value index = Resolve(arg.as_list()[0]);
      Value list = Resolve(arg.as_list()[1]);
      int64_t i = -1;
      if (index.is_int()) {
        i = index.as_int();
      } else if (index.is_string()) {
        auto [end, ec] = std::from_chars(index.as_string().data(),
                                         index.as_string().data() + index.as_string().size(), i);
        if (ec != std::errc()) i = -1;
      }
      if (list.is_list() && i >= 0 && static_cast<size_t>(i) < list.as_list().size() &&
          !HasIntrinsic(list.as_list()[static_cast<size_t>(i)])) {
        return list.as_list()[static_cast<size_t>(i)];
      }
    }
    ValueMap out;
    for (const auto& [k, item] : v.as_map()) out.emplace(k, Resolve(item));
    return Value(std::move(out));
  }

 private:
  std::optional<bool> Condition(const std::string& name, int depth) {
    const Value* conds = tmpl_.Find("Conditions");
    const Value* c = conds ? conds->Find(name) : nullptr;
    if (!c || depth > 16) return std::nullopt;
    return Evaluate(*c, depth + 1);
  }

  std::optional<bool> Evaluate(const Value& c, int depth) {
    std::string_view fn = IntrinsicName(c);
    if (fn.empty()) return std::nullopt;
    const Value& arg = c.as_map().begin()->second;
    if (fn == "Condition" && arg.is_string()) return Condition(arg.as_string(), depth);
    if (!arg.is_list()) return std::nullopt;
    const ValueList& args = arg.as_list();
    if (fn == "Fn::Equals" && args.size() == 2) {
      Value a = Resolve(args[0]);
      Value b = Resolve(args[1]);
      if (HasIntrinsic(a) || HasIntrinsic(b)) return std::nullopt;
      return a.ToText() == b.ToText();
    }
    if (fn == "Fn::Not" && args.size() == 1) {
      std::optional<bool> inner = Evaluate(args[0], depth + 1);
      if (inner) return !*inner;
      return std::nullopt;
    }
    if (fn == "Fn::And" || fn == "Fn::Or") {
      bool is_and = fn == "Fn::And";
      for (const Value& a : args) {
        std::optional<bool> r = Evaluate(a, depth + 1);
        if (!r) return std::nullopt;
        if (is_and && !*r) return false;
        if (!is_and && *r) return true;
      }
      return is_and;
    }
    return std::nullopt;
  }

  const Value& tmpl_;
  const ParameterValues& params_;
};

}  // namespace

ParameterValues EffectiveParameters(const Value& template_json, const ParameterValues& given) {
  ParameterValues out;
  const Value* declared = template_json.Find("Parameters");
  if (declared && declared->is_map()) {
    for (const auto& [name, decl] : declared->as_map()) {
      auto it = given.find(name);
      Value v;
      if (it != given.end()) {
        v = it->second;
      } else if (const Value* d = decl.Find("Default")) {
        v = *d;
      } else {
        continue;
      }
      const Value* type = decl.Find("Type");
      if (type && type->is_string() && type->as_string() == "CommaDelimitedList" && v.is_string()) {
        v = SplitList(v.as_string());
      }
      if (type && type->is_string() && type->as_string() == "Number" && v.is_string()) {
        // A non-numeric string stays as it is: CloudFormation would have
        // refused it, so it is not what is deployed anyway.
        const std::string& text = v.as_string();
        int64_t n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc() && end == text.data() + text.size()) v = Value(n);
      }
      out.emplace(name, std::move(v));
    }
  }
  for (const auto& [name, v] : given) {
    if (name.starts_with("AWS::")) out.emplace(name, v);
  }
  return out;
}

Value ResolveTemplate(const Value& template_json, const ParameterValues& params) {
  Resolver resolver(template_json, params);
  return resolver.Resolve(template_json);
}

bool HasIntrinsic(const Value& v) {
  if (v.is_list()) {
    for (const Value& item : v.as_list()) {
      if (HasIntrinsic(item)) return true;
    }
    return false;
  }
  if (!v.is_map()) return false;
  if (!IntrinsicName(v).empty()) return true;
  for (const auto& [k, item] : v.as_map()) {
    if (HasIntrinsic(item)) return true;
  }
  return false;
}

}  // namespace flightplan::amplify
