#include <fmt/format.h>

#include <regex>

#include "steps/amplify/gen/generator_state.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify::gen {
namespace {

// Rewrites model table exports into Refs to synthetic parameters whose
// values (ModelTableImport) go into `synthetic`.
Value RewriteImports(const GenState& state, const Value& v, RefMap& synthetic, bool literal_only) {
  if (v.is_list()) {
    ValueList out;
    for (const Value& item : v.as_list())
      out.push_back(RewriteImports(state, item, synthetic, literal_only));
    return Value(std::move(out));
  }
  if (!v.is_map()) return v;
  std::optional<std::string> expr = ModelTableImport(state, v, literal_only);
  if (!expr && !literal_only) expr = GroupRoleName(state, v);
  if (expr) {
    std::string name = fmt::format("gen1Import{}", synthetic.size());
    for (const auto& [k, existing] : synthetic) {
      if (existing == *expr) name = k;
    }
    synthetic[name] = *expr;
    return Value(ValueMap{{"Ref", Value(name)}});
  }
  ValueMap out;
  for (const auto& [k, item] : v.as_map())
    out.emplace(k, RewriteImports(state, item, synthetic, literal_only));
  return Value(std::move(out));
}

void CollectRefs(const Value& v, std::set<std::string>& refs) {
  if (v.is_list()) {
    for (const Value& item : v.as_list()) CollectRefs(item, refs);
    return;
  }
  if (!v.is_map()) return;
  if (const Value* ref = v.Find("Ref"); ref && ref->is_string() && v.as_map().size() == 1) {
    refs.insert(ref->as_string());
  }
  if (const Value* att = v.Find("Fn::GetAtt");
      att && att->is_list() && att->as_list().size() == 2 && v.as_map().size() == 1 &&
      att->as_list()[0].is_string() && att->as_list()[1].is_string()) {
    refs.insert(att->as_list()[0].as_string() + "." + att->as_list()[1].as_string());
  }
  if (const Value* sub = v.Find("Fn::Sub"); sub && sub->is_string()) {
    static const std::regex kVar(R"(\$\{([A-Za-z0-9:]+)\})");
    const std::string& s = sub->as_string();
    for (std::sregex_iterator it(s.begin(), s.end(), kVar), end; it != end; ++it) {
      refs.insert((*it)[1].str());
    }
  }
  for (const auto& [k, item] : v.as_map()) CollectRefs(item, refs);
}

// REST APIs, custom, analytics and every other category no writer claims:
// the deployed resources, copied with their logical ids.
void WriteL1Copies(GenState& state, BackendTs& backend) {
  for (const Gen1Resource& r : state.project.resources) {
    if (IsClaimed(r) || r.Template().is_null()) continue;
    L1Copy copy = CopyResources(state, r, {}, {}, false);
    backend.body += fmt::format("// --- {} {}: {} copied from the deployed Gen1 template ---\n",
                                r.category, r.name, r.service.empty() ? "resources" : r.service);
    backend.body +=
        EmitL1(state, r, copy,
               fmt::format("backend.createStack({})", TsString(r.category + r.name)), "", true);
    backend.body += "\n";
  }
}

}  // namespace

L1Copy CopyResources(const GenState& state, const Gen1Resource& r,
                     const std::set<std::string>& skip, const RefMap& local_refs,
                     bool literal_only) {
  L1Copy copy;
  ValueMap resources;
  const Value* res = r.Template().Find("Resources");
  std::set<std::string> stateful_types = {"AWS::DynamoDB::Table", "AWS::S3::Bucket",
                                          "AWS::Kinesis::Stream", "AWS::Cognito::UserPool",
                                          "AWS::Cognito::IdentityPool"};
  if (res && res->is_map()) {
    for (const auto& [id, def] : res->as_map()) {
      if (skip.count(id) || !def.is_map()) continue;
      ValueMap kept;
      std::string type = StringField(def, "Type");
      if (type.empty()) continue;
      kept.emplace("Type", Value(type));
      if (stateful_types.count(type)) copy.stateful.push_back(id);
      if (const Value* props = Props(def)) {
        Value p = RewriteImports(state, *props, copy.refs, literal_only);
        auto name = NameProperties().find(type);
        if (name != NameProperties().end() && p.is_map()) {
          if (p.Find(name->second) && stateful_types.count(type)) copy.names.push_back(id);
          p.as_map().erase(name->second);
        }
        kept.emplace("Properties", std::move(p));
      }
      if (const Value* d = def.Find("DependsOn")) kept.emplace("DependsOn", *d);
      if (StringField(def, "DeletionPolicy") == "Retain" || stateful_types.count(type)) {
        kept.emplace("DeletionPolicy", Value("Retain"));
      }
      resources.emplace(id, Value(std::move(kept)));
    }
  }
  copy.tmpl = Value(ValueMap{{"Resources", Value(std::move(resources))}});
  std::set<std::string> refs;
  CollectRefs(copy.tmpl, refs);
  for (const std::string& ref : refs) {
    if (ref.starts_with("AWS::") || copy.refs.count(ref)) continue;
    const Value* resources_map = copy.tmpl.Find("Resources");
    if (resources_map->Find(ref.substr(0, ref.find('.')))) continue;
    auto local = local_refs.find(ref);
    if (local != local_refs.end()) {
      copy.refs[ref] = local->second;
    } else if (std::optional<std::string> expr = DependencyRef(state, ref, literal_only)) {
      copy.refs[ref] = *expr;
    } else if (const Value* param = r.parameters.Find(ref);
               param && (param->is_string() || param->is_number())) {
      copy.refs[ref] = TsString(param->ToText());
    }
  }
  return copy;
}

std::string EmitL1(GenState& state, const Gen1Resource& r, const L1Copy& copy,
                   const std::string& scope, const std::string& var, bool keep_ids) {
  std::string file = fmt::format("{}-{}.json", r.category, r.name);
  state.files["amplify/gen1/" + file] = PrettyJson(copy.tmpl);
  std::string refs;
  for (const auto& [k, v] : copy.refs) refs += fmt::format("    {}: {},\n", TsKey(k), v);
  std::string names;
  std::string identities;
  for (const std::string& id : copy.stateful) {
    identities += fmt::format("    {}: {},\n", TsKey(id),
                              TsString(fmt::format("{}/{}/{}", r.category, r.name, id)));
  }
  for (const std::string& id : copy.names) {
    const Value* def = DeployedResource(r, id);
    std::string type = def ? StringField(*def, "Type") : "";
    auto prop = NameProperties().find(type);
    if (prop == NameProperties().end()) continue;
    names += fmt::format("    {}: {{ property: {}, name: gen1Name({}) }},\n", TsKey(id),
                         TsString(prop->second),
                         TsString(fmt::format("{}/{}/{}", r.category, r.name, id)));
  }
  std::string out = fmt::format("{}addGen1Resources({}, readGen1Template({}), {{\n  refs: {},\n",
                                var.empty() ? "" : fmt::format("const {} = ", var), scope,
                                TsString(file), refs.empty() ? "{}" : "{\n" + refs + "  }");
  if (!names.empty()) out += "  names: postRefactor ? {\n" + names + "  } : undefined,\n";
  if (!identities.empty()) out += "  identities: {\n" + identities + "  },\n";
  out += fmt::format("  keepLogicalIds: {},\n", keep_ids ? "true" : "false");
  if (!keep_ids)
    out += fmt::format("  group: {},\n", TsString("gen1-" + r.category + "-" + r.name));
  out += "});\n";
  return out;
}
const CategoryWriter kL1CopyWriter = {
    .name = "l1", .claims = nullptr, .write_files = nullptr, .write_backend = WriteL1Copies};

}  // namespace flightplan::amplify::gen
