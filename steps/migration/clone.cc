#include "steps/migration/clone.h"

#include <fmt/format.h>

#include <regex>
#include <set>

#include "steps/amplify/cfn_resolve.h"
#include "steps/migration/lock.h"

namespace flightplan::migration {
namespace {

constexpr std::string_view kComputedPrefix = "{{clone:";
constexpr int64_t kApiKeyDays = 7;

// The member `key` of a map, for changing it; null when absent.
Value* Mut(Value& v, std::string_view key) {
  if (!v.is_map()) return nullptr;
  auto it = v.as_map().find(key);
  return it == v.as_map().end() ? nullptr : &it->second;
}

bool IsHex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

Value RewriteValue(const Value& v, const CloneNames& names) {
  if (v.is_string()) return Value(RewriteText(v.as_string(), names));
  if (v.is_list()) {
    ValueList out;
    for (const Value& item : v.as_list()) out.push_back(RewriteValue(item, names));
    return Value(std::move(out));
  }
  if (v.is_map()) {
    ValueMap out;
    for (const auto& [k, item] : v.as_map()) out.emplace(k, RewriteValue(item, names));
    return Value(std::move(out));
  }
  return v;
}

// The logical ids `v` refers to: Ref, Fn::GetAtt, ${X} in Fn::Sub.
void CollectReferences(const Value& v, std::set<std::string>& out) {
  if (v.is_list()) {
    for (const Value& item : v.as_list()) CollectReferences(item, out);
    return;
  }
  if (!v.is_map()) return;
  for (const auto& [k, item] : v.as_map()) {
    if (k == "Ref" && item.is_string()) {
      out.insert(item.as_string());
    } else if (k == "Fn::GetAtt") {
      if (item.is_list() && !item.as_list().empty() && item.as_list()[0].is_string()) {
        out.insert(item.as_list()[0].as_string());
      } else if (item.is_string()) {
        out.insert(item.as_string().substr(0, item.as_string().find('.')));
      }
    } else if (k == "Fn::Sub") {
      const Value* text = item.is_list() && !item.as_list().empty() ? &item.as_list()[0] : &item;
      if (text->is_string()) {
        static const std::regex kVar(R"(\$\{([A-Za-z0-9:]+)[.}])");
        const std::string& s = text->as_string();
        for (std::sregex_iterator it(s.begin(), s.end(), kVar), end; it != end; ++it) {
          out.insert((*it)[1]);
        }
      }
    }
    CollectReferences(item, out);
  }
}

std::set<std::string> DependsOn(const Value& resource) {
  std::set<std::string> out;
  if (const Value* d = resource.Find("DependsOn")) {
    if (d->is_string()) out.insert(d->as_string());
    if (d->is_list()) {
      for (const Value& x : d->as_list()) {
        if (x.is_string()) out.insert(x.as_string());
      }
    }
  }
  return out;
}

std::string ParentPath(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string LastSegment(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "arn:aws:cloudformation:us-east-1:123:stack/…" → (region, account).
std::pair<std::string, std::string> RegionAndAccount(const std::string& arn) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', start);
    if (colon == std::string::npos) return {"", ""};
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  return {parts[3], parts[4]};
}

// The S3 bucket and key a TemplateURL names; nullopt when it is no S3 URL.
std::optional<std::pair<std::string, std::string>> SplitTemplateUrl(const std::string& url) {
  static const std::regex kPathStyle(
      R"(https://s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com/([^/]+)/(.+))");
  static const std::regex kVirtualHost(
      R"(https://([^/]+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com/(.+))");
  std::smatch m;
  if (std::regex_match(url, m, kPathStyle) || std::regex_match(url, m, kVirtualHost)) {
    return std::make_pair(std::string(m[1]), std::string(m[2]));
  }
  return std::nullopt;
}

bool HasComputed(const Value& v) { return v.ToJson().find(kComputedPrefix) != std::string::npos; }

const ValueMap& Resources(const Value& tmpl) {
  static const ValueMap kEmpty;
  const Value* r = tmpl.Find("Resources");
  return r != nullptr && r->is_map() ? r->as_map() : kEmpty;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> CloneNames::Tags() const {
  return {{std::string(kCloneOfTag), app_id + "/" + prod_env},
          {std::string(kCloneEnvTag), clone_env}};
}

Result<CloneNames> MakeCloneNames(const std::string& app_id, const std::string& prod_env,
                                  const std::string& clone_env, const std::string& prod_root_stack,
                                  const std::string& prod_bucket, const std::string& hex5) {
  static const std::regex kEnvName("[a-z]{2,10}");
  if (!std::regex_match(clone_env, kEnvName)) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("the clone environment name '{}' is not a Gen1 environment name: "
                                 "pass --clone-env with 2 to 10 lower-case letters",
                                 clone_env));
  }
  if (clone_env == prod_env) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("--clone-env {} is the environment being cloned: pass another "
                                 "name (e.g. rehearsal)",
                                 clone_env));
  }
  if (hex5.size() != 5 || !IsHex(hex5)) {
    return MakeError(ErrorCode::kInternal, fmt::format("'{}' is not 5 hex digits", hex5));
  }
  std::string suffix = "-" + prod_env + "-";
  size_t at = prod_root_stack.rfind(suffix);
  if (!prod_root_stack.starts_with("amplify-") || at == std::string::npos || at <= 8 ||
      !IsHex(prod_root_stack.substr(at + suffix.size()))) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("production's root stack {} is not named amplify-<project>-{}-"
                                 "<hex> as Gen1 names it; clone copies only environments the "
                                 "Amplify CLI deployed",
                                 prod_root_stack, prod_env));
  }
  CloneNames names;
  names.app_id = app_id;
  names.prod_env = prod_env;
  names.clone_env = clone_env;
  names.project = prod_root_stack.substr(8, at - 8);
  names.prod_root_stack = prod_root_stack;
  names.prod_bucket = prod_bucket.empty() ? prod_root_stack + "-deployment" : prod_bucket;
  names.clone_root_stack = fmt::format("amplify-{}-{}-{}", names.project, clone_env, hex5);
  names.clone_bucket = names.clone_root_stack + "-deployment";
  return names;
}

std::string RewriteText(const std::string& text, const CloneNames& names) {
  std::string out = text;
  if (names.prod_bucket != names.prod_root_stack + "-deployment") {
    ReplaceAll(out, names.prod_bucket, names.clone_bucket);
  }
  ReplaceAll(out, names.prod_root_stack, names.clone_root_stack);
  return out;
}

Value CloneRootTemplate(const Value& prod_root, const CloneNames& names) {
  Value out = RewriteValue(prod_root, names);
  Value* resources = Mut(out, "Resources");
  if (resources == nullptr || !resources->is_map()) return out;
  for (auto& [id, resource] : resources->as_map()) {
    const Value* type = resource.Find("Type");
    if (type == nullptr || type->ToText() != "AWS::CloudFormation::Stack") continue;
    Value* props = Mut(resource, "Properties");
    Value* params = props != nullptr ? Mut(*props, "Parameters") : nullptr;
    if (params == nullptr || !params->is_map()) continue;
    Value* env = Mut(*params, "env");
    if (env != nullptr && env->is_string() && env->as_string() == names.prod_env) {
      *env = Value(names.clone_env);
    }
  }
  return out;
}

Value CloneBaseTemplate(const Value& clone_root) {
  Value out = clone_root;
  Value* resources = Mut(out, "Resources");
  if (resources == nullptr || !resources->is_map()) return out;
  std::set<std::string> removed;
  for (const auto& [id, resource] : resources->as_map()) {
    const Value* type = resource.Find("Type");
    if (type != nullptr && type->ToText() == "AWS::CloudFormation::Stack") removed.insert(id);
  }
  // Whatever refers to a removed resource goes too, until nothing does.
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [id, resource] : resources->as_map()) {
      if (removed.count(id) > 0) continue;
      std::set<std::string> refs = DependsOn(resource);
      CollectReferences(resource, refs);
      for (const std::string& r : refs) {
        if (removed.count(r) > 0) {
          removed.insert(id);
          changed = true;
          break;
        }
      }
    }
  }
  for (const std::string& id : removed) resources->as_map().erase(id);
  if (Value* outputs = Mut(out, "Outputs"); outputs != nullptr && outputs->is_map()) {
    std::vector<std::string> drop;
    for (const auto& [key, output] : outputs->as_map()) {
      std::set<std::string> refs;
      CollectReferences(output, refs);
      for (const std::string& r : refs) {
        if (removed.count(r) > 0) drop.push_back(key);
      }
    }
    for (const std::string& key : drop) outputs->as_map().erase(key);
  }
  return out;
}

Value CloneNestedTemplate(const Value& prod_template, const CloneNames& names, int64_t now_epoch) {
  Value out = RewriteValue(prod_template, names);
  Value* resources = Mut(out, "Resources");
  if (resources == nullptr || !resources->is_map()) return out;
  for (auto& [id, resource] : resources->as_map()) {
    const Value* type = resource.Find("Type");
    if (type == nullptr || type->ToText() != "AWS::AppSync::ApiKey") continue;
    Value* props = Mut(resource, "Properties");
    Value* expires = props != nullptr ? Mut(*props, "Expires") : nullptr;
    if (expires != nullptr && expires->is_number()) {
      *expires = Value(now_epoch + kApiKeyDays * 24 * 3600);
    }
  }
  return out;
}

std::map<std::string, Value, std::less<>> CloneParameters(
    const ValueList& prod_parameters, const CloneNames& names,
    const std::vector<std::string>& clone_computed) {
  std::map<std::string, Value, std::less<>> out;
  for (const Value& p : prod_parameters) {
    const Value* key = p.Find("ParameterKey");
    const Value* value = p.Find("ParameterValue");
    if (key == nullptr || !key->is_string()) continue;
    const std::string& k = key->as_string();
    std::string text = value != nullptr ? value->ToText() : "";
    if (std::find(clone_computed.begin(), clone_computed.end(), k) != clone_computed.end()) {
      out[k] = Value(fmt::format("{}{}}}}}", kComputedPrefix, k));
    } else if (k == "env" && text == names.prod_env) {
      out[k] = Value(names.clone_env);
    } else {
      out[k] = Value(RewriteText(text, names));
    }
  }
  return out;
}

Result<std::vector<CloneStackPlan>> PlanCloneStacks(const Gen1Environment& prod,
                                                    const CloneNames& names, int64_t now_epoch) {
  std::vector<CloneStackPlan> plans;
  std::map<std::string, std::string> clone_stack_names;  // path → the clone stack's name
  for (const EnvStack& s : prod.stacks) {
    Result<Value> body = Value::FromJson(s.template_body);
    if (!body) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}: the deployed template is not JSON ({}); clone copies "
                                   "JSON templates only",
                                   s.Label(), body.error().message()));
    }
    // The clone starts as production was before its lock (Retain and
    // deletion protection as Amplify deployed them); `lock` then locks the
    // clone as it locked production, so its drift check finds each stack
    // as its bucket copy says.
    body = UnlockTemplate(*body);
    if (!body) return tl::unexpected(body.error());
    auto [region, account] = RegionAndAccount(s.id);
    CloneStackPlan plan;
    plan.path = s.path;
    plan.prod = &s;
    std::vector<std::string> computed;
    if (s.path.empty()) {
      plan.clone_template = CloneRootTemplate(*body, names);
      clone_stack_names[""] = names.clone_root_stack;
    } else {
      plan.clone_template = CloneNestedTemplate(*body, names, now_epoch);
      std::string parent_path = ParentPath(s.path);
      std::string logical_id = LastSegment(s.path);
      const CloneStackPlan* parent = nullptr;
      for (const CloneStackPlan& p : plans) {
        if (p.path == parent_path) parent = &p;
      }
      const Value* resource =
          parent != nullptr ? parent->clone_template.Find("Resources") : nullptr;
      resource = resource != nullptr ? resource->Find(logical_id) : nullptr;
      const Value* props = resource != nullptr ? resource->Find("Properties") : nullptr;
      if (props == nullptr) {
        return MakeError(
            ErrorCode::kInvalidInput,
            fmt::format("{}: its parent's template has no resource {}", s.Label(), logical_id));
      }
      Value resolved_parent = amplify::ResolveTemplate(
          parent->clone_template,
          amplify::EffectiveParameters(parent->clone_template, parent->parameters));
      const Value* resolved_resource = resolved_parent.Find("Resources");
      resolved_resource =
          resolved_resource != nullptr ? resolved_resource->Find(logical_id) : nullptr;
      const Value* resolved_props =
          resolved_resource != nullptr ? resolved_resource->Find("Properties") : nullptr;
      Value resolved = resolved_props != nullptr ? *resolved_props : *props;
      if (const Value* params = resolved.Find("Parameters"); params && params->is_map()) {
        for (const auto& [k, v] : params->as_map()) {
          if (amplify::HasIntrinsic(v) || HasComputed(v)) computed.push_back(k);
        }
      }
      const Value* url = resolved.Find("TemplateURL");
      auto location =
          url != nullptr && url->is_string() ? SplitTemplateUrl(url->as_string()) : std::nullopt;
      if (!location || location->first != names.clone_bucket) {
        return MakeError(
            ErrorCode::kInvalidInput,
            fmt::format("{}: its TemplateURL {} does not resolve to the clone's deployment "
                        "bucket {}; clone cannot place its template",
                        s.Label(), url != nullptr ? url->ToJson() : "(none)", names.clone_bucket));
      }
      plan.template_key = location->second;
      clone_stack_names[s.path] =
          clone_stack_names[parent_path] + "-" + logical_id + "-CLONESTACKID";
    }
    plan.parameters = CloneParameters(s.parameters, names, computed);
    plan.parameters["AWS::Region"] = Value(region.empty() ? prod.region : region);
    plan.parameters["AWS::AccountId"] = Value(account);
    plan.parameters["AWS::URLSuffix"] = Value("amazonaws.com");
    plan.parameters["AWS::StackName"] = Value(clone_stack_names[s.path]);
    plans.push_back(std::move(plan));
  }
  return plans;
}

std::optional<Value> CloneNameProperty(const std::string& type, const Value& properties) {
  static const std::map<std::string, std::string, std::less<>> kNameProperty = {
      {"AWS::DynamoDB::Table", "TableName"},
      {"AWS::DynamoDB::GlobalTable", "TableName"},
      {"AWS::S3::Bucket", "BucketName"},
      {"AWS::Kinesis::Stream", "Name"},
      {"AWS::SQS::Queue", "QueueName"},
      {"AWS::SNS::Topic", "TopicName"},
      {"AWS::OpenSearchService::Domain", "DomainName"},
      {"AWS::Elasticsearch::Domain", "DomainName"},
      {"AWS::Logs::LogGroup", "LogGroupName"},
      {"Custom::AmplifyDynamoDBTable", "tableName"},
  };
  auto it = kNameProperty.find(type);
  if (it == kNameProperty.end()) return std::nullopt;
  const Value* name = properties.Find(it->second);
  if (name == nullptr || name->is_null()) return std::nullopt;
  return *name;
}

std::vector<IsolationProblem> CheckIsolation(const Gen1Environment& prod, const CloneNames& names,
                                             const std::vector<CloneStackPlan>& stacks,
                                             const Value* amplify_meta) {
  std::vector<IsolationProblem> problems;
  // Production's stateful physical ids, which nothing of the clone may name.
  std::map<std::string, std::string> prod_ids;  // physical id → "stack logical id"
  for (const EnvStack& s : prod.stacks) {
    for (const EnvResource& r : s.resources) {
      if (r.stateful && !r.physical_id.empty() && r.physical_id != names.prod_bucket) {
        prod_ids[r.physical_id] = fmt::format("{} {}", s.Label(), r.logical_id);
      }
    }
  }
  if (amplify_meta != nullptr && amplify_meta->is_map()) {
    for (const auto& [category, resources] : amplify_meta->as_map()) {
      if (category == "providers" || !resources.is_map()) continue;
      for (const auto& [name, resource] : resources.as_map()) {
        const Value* service_type = resource.Find("serviceType");
        if (service_type != nullptr && service_type->ToText() == "imported") {
          const Value* service = resource.Find("service");
          problems.push_back(IsolationProblem{
              "amplify-meta.json", category + "/" + name,
              service != nullptr ? service->ToText() : category,
              "an imported resource: Gen1 shares it between every environment by design, so "
              "the clone would use production's; clone an environment without imports, or "
              "rehearse without a clone"});
        }
      }
    }
  }
  for (const CloneStackPlan& plan : stacks) {
    std::string label = plan.prod->Label();
    auto params = amplify::EffectiveParameters(plan.clone_template, plan.parameters);
    Value resolved_template = amplify::ResolveTemplate(plan.clone_template, params);
    const ValueMap& resources = Resources(plan.clone_template);
    const ValueMap& resolved_resources = Resources(resolved_template);
    for (const EnvResource& r : plan.prod->resources) {
      if (!r.stateful) continue;
      if (plan.path.empty() && r.physical_id == names.prod_bucket) continue;
      auto entry = resources.find(r.logical_id);
      if (entry == resources.end()) continue;
      const Value* props = entry->second.Find("Properties");
      if (props == nullptr) continue;
      std::optional<Value> literal = CloneNameProperty(r.type, *props);
      if (!literal) continue;  // CloudFormation generates a fresh name
      auto resolved_entry = resolved_resources.find(r.logical_id);
      const Value* resolved_props = resolved_entry != resolved_resources.end()
                                        ? resolved_entry->second.Find("Properties")
                                        : nullptr;
      std::optional<Value> resolved_name =
          resolved_props != nullptr ? CloneNameProperty(r.type, *resolved_props) : std::nullopt;
      Value resolved = resolved_name ? *resolved_name : *literal;
      if (HasComputed(resolved)) continue;  // names a resource the clone creates
      if (amplify::HasIntrinsic(resolved)) {
        std::set<std::string> refs;
        CollectReferences(resolved, refs);
        bool own = false;
        for (const std::string& ref : refs) own |= resources.count(ref) > 0;
        if (own) continue;  // derived from a resource of the clone's own stack
        problems.push_back(IsolationProblem{
            label, r.logical_id, r.type,
            fmt::format("its name {} cannot be computed for the clone, so clone cannot prove it "
                        "differs from production's {}",
                        resolved.ToJson(), r.physical_id)});
        continue;
      }
      std::string name = resolved.ToText();
      if (name == r.physical_id || prod_ids.count(name) > 0) {
        bool hard_coded = !amplify::HasIntrinsic(*literal);
        problems.push_back(IsolationProblem{
            label, r.logical_id, r.type,
            fmt::format(
                "{}: the clone's would be named {}, production's {} — the clone would "
                "share (or fail to create) it; give it an env-dependent name",
                hard_coded ? "its name is hard-coded" : "its name does not depend on the env", name,
                prod_ids.count(name) > 0 ? prod_ids[name] : r.physical_id)});
      }
    }
    // A production physical id written anywhere in the clone's template or
    // its parameters (an imported pool, a literal table name). AppSync
    // resolver code is apart: the transformer bakes ids (the identity pool's)
    // into it at build time; the clone's resolvers then name production's id
    // in authorisation checks but use no production resource: a warning.
    std::string text;
    std::string code;
    for (const auto& [id, resource] : resources) {
      const Value* type = resource.Find("Type");
      bool resolver = type != nullptr && (type->ToText() == "AWS::AppSync::Resolver" ||
                                          type->ToText() == "AWS::AppSync::FunctionConfiguration");
      (resolver ? code : text) += resource.ToJson() + "\n";
    }
    if (const Value* outputs = plan.clone_template.Find("Outputs")) text += outputs->ToJson();
    for (const auto& [key, value] : plan.parameters) {
      if (!key.starts_with("AWS::")) text += "\n" + value.ToText();
    }
    for (const auto& [id, owner] : prod_ids) {
      if (id.size() < 8) continue;
      if (text.find(id) != std::string::npos) {
        problems.push_back(IsolationProblem{
            label, "", "",
            fmt::format("names production's {} ({}) literally: the clone would use "
                        "production's resource",
                        id, owner)});
      } else if (code.find(id) != std::string::npos) {
        IsolationProblem warning{label, "", "",
                                 fmt::format("AppSync resolver code names production's {} ({}), "
                                             "baked in by the Gen1 transformer: the clone's "
                                             "resolvers check callers against it, but use no "
                                             "production resource",
                                             id, owner)};
        warning.blocking = false;
        problems.push_back(std::move(warning));
      }
    }
  }
  return problems;
}

Value CloneAmplifyMeta(const Value& prod_meta, const CloneNames& names,
                       const std::string& clone_stack_id,
                       const std::map<std::string, Value>& outputs) {
  Value out = RewriteValue(prod_meta, names);
  if (!out.is_map()) return out;
  for (auto& [category, resources] : out.as_map()) {
    if (!resources.is_map()) continue;
    if (category == "providers") {
      if (Value* cfn = Mut(resources, "awscloudformation"); cfn != nullptr && cfn->is_map()) {
        cfn->Set("StackName", names.clone_root_stack);
        cfn->Set("StackId", clone_stack_id);
        cfn->Set("DeploymentBucketName", names.clone_bucket);
      }
      continue;
    }
    for (auto& [name, resource] : resources.as_map()) {
      const Value* meta = resource.Find("providerMetadata");
      const Value* logical = meta != nullptr ? meta->Find("logicalId") : nullptr;
      if (logical == nullptr) continue;
      auto found = outputs.find(logical->ToText());
      if (found != outputs.end()) resource.Set("output", found->second);
    }
  }
  return out;
}

}  // namespace flightplan::migration
