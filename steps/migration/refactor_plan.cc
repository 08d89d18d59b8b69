#include "steps/migration/refactor_plan.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "steps/amplify/plan.h"
#include "steps/aws/wire/refactor_types.h"

namespace flightplan::migration {
namespace {

struct Marked {
  const EnvStack* stack = nullptr;
  std::string logical_id;
  std::string type;
};

std::string StringAt(const Value& v, std::string_view key) {
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && f->is_string() ? f->as_string() : "";
}

const EnvResource* FindResource(const EnvStack& stack, const std::string& logical_id) {
  for (const EnvResource& r : stack.resources) {
    if (r.logical_id == logical_id) return &r;
  }
  return nullptr;
}

// Every resource of the Gen2 templates that carries the identity mark, by key.
std::map<std::string, std::vector<Marked>> MarkedResources(const std::vector<EnvStack>& gen2,
                                                           std::vector<std::string>& problems) {
  std::map<std::string, std::vector<Marked>> out;
  for (const EnvStack& stack : gen2) {
    Result<Value> tmpl = Value::FromJson(stack.template_body);
    if (!tmpl) {
      problems.push_back(
          fmt::format("the template of Gen2 {} is not JSON ({}): redeploy the branch",
                      stack.Label(), tmpl.error().message()));
      continue;
    }
    const Value* resources = tmpl->Find("Resources");
    if (!resources || !resources->is_map()) continue;
    for (const auto& [id, def] : resources->as_map()) {
      const Value* metadata = def.Find("Metadata");
      std::string key = metadata ? StringAt(*metadata, amplify::kGen1IdentityMark) : "";
      if (!key.empty()) out[key].push_back({&stack, id, StringAt(def, "Type")});
    }
  }
  return out;
}

// "auth/<resource>/<logical id>" -> the Gen1 nested stack path and logical id.
bool SplitKey(const std::string& key, std::string& path, std::string& logical_id) {
  size_t first = key.find('/');
  size_t last = key.rfind('/');
  if (first == std::string::npos || first == last || last + 1 == key.size()) return false;
  path = key.substr(0, first) + key.substr(first + 1, last - first - 1);
  logical_id = key.substr(last + 1);
  return true;
}

std::string DeletionPolicy(const EnvStack& stack, const std::string& logical_id) {
  Result<Value> tmpl = Value::FromJson(stack.template_body);
  if (!tmpl) return "";
  const Value* resources = tmpl->Find("Resources");
  const Value* def = resources ? resources->Find(logical_id) : nullptr;
  return def ? StringAt(*def, "DeletionPolicy") : "";
}

// Why a stateful Gen1 resource without a destination may stay; "" when it
// may not.
std::string StayReason(const Gen1Environment& gen1, const EnvStack& stack, const EnvResource& r) {
  if (&stack == &gen1.root() && r.type == "AWS::S3::Bucket") {
    return "Gen1's deployment bucket (Gen1's build artifacts, not app data): it goes with Gen1";
  }
  if (r.type == "AWS::DynamoDB::Table" && stack.path.rfind("api", 0) == 0 &&
      stack.path.find('/') != std::string::npos) {
    return "a GraphQL model table: Gen2 adopts it by name (table mappings) and it stays in the "
           "Gen1 stack, retained by lock";
  }
  if (r.type == "AWS::Cognito::UserPoolClient") {
    return "an app client: Gen2 creates its own; this one keeps serving Gen1 front ends until "
           "decommission, which retains it";
  }
  return "";
}

}  // namespace

RefactorPlan PlanRefactor(const Gen1Environment& gen1, const std::vector<EnvStack>& gen2) {
  RefactorPlan plan;
  std::map<std::string, std::vector<Marked>> marked = MarkedResources(gen2, plan.problems);
  std::set<std::pair<std::string, std::string>> claimed;  // (gen1 path, logical id)
  for (const auto& [key, destinations] : marked) {
    std::string path;
    std::string logical_id;
    if (!SplitKey(key, path, logical_id)) {
      plan.problems.push_back(fmt::format(
          "Gen2 resource {} in {} names '{}', which is not a Gen1 resource key "
          "(<category>/<resource>/<logical id>): regenerate the Gen2 code with `flightplan "
          "generate` and redeploy",
          destinations.front().logical_id, destinations.front().stack->Label(), key));
      continue;
    }
    if (destinations.size() > 1) {
      std::string where;
      for (const Marked& m : destinations) {
        where +=
            fmt::format("{}{} in {}", where.empty() ? "" : ", ", m.logical_id, m.stack->Label());
      }
      plan.problems.push_back(fmt::format(
          "Gen1 resource {} has {} destinations in the Gen2 branch ({}): a resource can move to "
          "one place only; remove the duplicate flightplan:gen1 marks from the Gen2 code",
          key, destinations.size(), where));
      continue;
    }
    const Marked& dest = destinations.front();
    const EnvResource* displaced = FindResource(*dest.stack, dest.logical_id);
    RefactorMove move{.key = key,
                      .type = dest.type,
                      .physical_id = "",
                      .source_stack = "",
                      .source_path = path,
                      .source_logical_id = logical_id,
                      .destination_stack = dest.stack->name,
                      .destination_path = dest.stack->path,
                      .destination_logical_id = dest.logical_id,
                      .displaced_physical_id = displaced ? displaced->physical_id : ""};
    const EnvStack* source = gen1.FindStack(path);
    if (!source) {
      plan.problems.push_back(fmt::format(
          "the Gen2 branch expects Gen1 resource {} (in {} of the Gen2 branch), but environment "
          "'{}' has no nested stack {}: was the Gen2 code generated for another environment? "
          "Generate it for '{}' and redeploy the branch",
          key, dest.stack->Label(), gen1.env, path, gen1.env));
      continue;
    }
    move.source_stack = source->name;
    claimed.insert({path, logical_id});
    const EnvResource* resource = FindResource(*source, logical_id);
    if (!resource) {
      plan.problems.push_back(fmt::format(
          "{} of environment '{}' has no resource {}, which the Gen2 branch expects ({}): was "
          "the Gen2 code generated for another environment?",
          source->Label(), gen1.env, logical_id, key));
      continue;
    }
    move.physical_id = resource->physical_id;
    if (resource->type != dest.type) {
      plan.problems.push_back(fmt::format(
          "{} is a {} in Gen1 but its Gen2 destination {} in {} is a {}: a resource keeps its "
          "type when it moves; regenerate the Gen2 code",
          key, resource->type, dest.logical_id, dest.stack->Label(), dest.type));
    }
    if (aws::StackRefactorRefusesType(resource->type)) {
      plan.problems.push_back(
          fmt::format("{} ({}) cannot move: CloudFormation stack refactoring does not support {}",
                      key, resource->physical_id, resource->type));
    }
    if (DeletionPolicy(*source, logical_id) != "Retain") {
      plan.problems.push_back(fmt::format(
          "{} in {} is not retained (DeletionPolicy is not Retain): lock the environment first "
          "(`flightplan lock --app-id {} --env {}`)",
          logical_id, source->Label(), gen1.app_id, gen1.env));
    }
    plan.moves.push_back(std::move(move));
  }
  for (const EnvStack& stack : gen1.stacks) {
    for (const EnvResource& r : stack.resources) {
      if (!r.stateful || claimed.count({stack.path, r.logical_id})) continue;
      std::string reason = StayReason(gen1, stack, r);
      if (reason.empty()) {
        plan.problems.push_back(fmt::format(
            "stateful {} {} ({}) in {} has no destination in the Gen2 branch: its data would "
            "stay behind. Regenerate the Gen2 code with this flightplan (it marks every "
            "destination) and redeploy, or move it by hand",
            r.type, r.logical_id, r.physical_id, stack.Label()));
        continue;
      }
      plan.staying.push_back({stack.path, r.logical_id, r.type, r.physical_id, std::move(reason)});
    }
  }
  if (marked.empty()) {
    plan.problems.insert(
        plan.problems.begin(),
        "the Gen2 branch marks no destination for any Gen1 resource (no flightplan:gen1 "
        "metadata in its stacks): deploy the branch from code `flightplan generate` wrote");
  }
  return plan;
}

std::vector<std::pair<std::string, std::string>> RefactorPlan::StackPairs() const {
  std::set<std::pair<std::string, std::string>> pairs;
  for (const RefactorMove& m : moves) pairs.insert({m.source_stack, m.destination_stack});
  return {pairs.begin(), pairs.end()};
}

std::string RefactorPlan::ToText() const {
  std::string out = "Refactor plan\n";
  for (const RefactorMove& m : moves) {
    out += fmt::format("  move  {} {} ({})\n        from {} {}\n        to   {} {}{}\n", m.type,
                       m.key, m.physical_id, m.source_path, m.source_logical_id, m.destination_path,
                       m.destination_logical_id,
                       m.displaced_physical_id.empty()
                           ? ""
                           : fmt::format(" (now Gen2's own {}, kept)", m.displaced_physical_id));
  }
  for (const StayingResource& s : staying) {
    out += fmt::format("  stay  {} {}/{} ({}): {}\n", s.type, s.stack_path, s.logical_id,
                       s.physical_id, s.reason);
  }
  for (const std::string& p : problems) out += fmt::format("  BLOCKED  {}\n", p);
  return out;
}

Value RefactorPlan::ToJson() const {
  ValueList move_list;
  for (const RefactorMove& m : moves) {
    Value v{ValueMap{}};
    v.Set("key", Value(m.key));
    v.Set("type", Value(m.type));
    v.Set("physicalId", Value(m.physical_id));
    v.Set("sourceStack", Value(m.source_stack));
    v.Set("sourcePath", Value(m.source_path));
    v.Set("sourceLogicalId", Value(m.source_logical_id));
    v.Set("destinationStack", Value(m.destination_stack));
    v.Set("destinationPath", Value(m.destination_path));
    v.Set("destinationLogicalId", Value(m.destination_logical_id));
    v.Set("displacedPhysicalId", Value(m.displaced_physical_id));
    move_list.push_back(std::move(v));
  }
  ValueList stay_list;
  for (const StayingResource& s : staying) {
    Value v{ValueMap{}};
    v.Set("stack", Value(s.stack_path));
    v.Set("logicalId", Value(s.logical_id));
    v.Set("type", Value(s.type));
    v.Set("physicalId", Value(s.physical_id));
    v.Set("reason", Value(s.reason));
    stay_list.push_back(std::move(v));
  }
  ValueList problem_list;
  for (const std::string& p : problems) problem_list.push_back(Value(p));
  Value out{ValueMap{}};
  out.Set("moves", Value(std::move(move_list)));
  out.Set("staying", Value(std::move(stay_list)));
  out.Set("problems", Value(std::move(problem_list)));
  return out;
}

Result<RefactorPlan> RefactorPlan::FromJson(const Value& json) {
  const Value* moves = json.is_map() ? json.Find("moves") : nullptr;
  if (!moves || !moves->is_list()) {
    return MakeError(ErrorCode::kInvalidInput, "a refactor plan has a list of moves");
  }
  RefactorPlan plan;
  for (const Value& m : moves->as_list()) {
    RefactorMove move{.key = StringAt(m, "key"),
                      .type = StringAt(m, "type"),
                      .physical_id = StringAt(m, "physicalId"),
                      .source_stack = StringAt(m, "sourceStack"),
                      .source_path = StringAt(m, "sourcePath"),
                      .source_logical_id = StringAt(m, "sourceLogicalId"),
                      .destination_stack = StringAt(m, "destinationStack"),
                      .destination_path = StringAt(m, "destinationPath"),
                      .destination_logical_id = StringAt(m, "destinationLogicalId"),
                      .displaced_physical_id = StringAt(m, "displacedPhysicalId")};
    if (move.key.empty() || move.physical_id.empty() || move.source_stack.empty() ||
        move.destination_stack.empty() || move.source_logical_id.empty() ||
        move.destination_logical_id.empty()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("refactor plan move {} lacks a field", m.ToJson()));
    }
    plan.moves.push_back(std::move(move));
  }
  if (const Value* staying = json.Find("staying"); staying && staying->is_list()) {
    for (const Value& s : staying->as_list()) {
      plan.staying.push_back({StringAt(s, "stack"), StringAt(s, "logicalId"), StringAt(s, "type"),
                              StringAt(s, "physicalId"), StringAt(s, "reason")});
    }
  }
  if (const Value* problems = json.Find("problems"); problems && problems->is_list()) {
    for (const Value& p : problems->as_list()) {
      if (p.is_string()) plan.problems.push_back(p.as_string());
    }
  }
  return plan;
}

}  // namespace flightplan::migration
