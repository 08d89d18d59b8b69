#include "steps/migration/refactor_support.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "steps/aws/values.h"
#include "steps/migration/apply_template.h"

namespace flightplan::migration {

using aws::ListAt;
using aws::StringAt;

std::vector<FieldSpec> RefactorRunFields() {
  std::vector<FieldSpec> fields = EnvFields();
  fields.push_back(
      {"plan", FieldType::kMap, true, "the refactor plan (migration.refactor-plan)", {}});
  fields.push_back({"deployment_bucket",
                    FieldType::kString,
                    false,
                    "the Gen1 deployment bucket (templates over 51,200 bytes pass through it)",
                    {}});
  return fields;
}

Result<RefactorInputs> ReadRefactorInputs(const Value& inputs) {
  RefactorInputs out;
  ASSIGN_OR_RETURN(out.env, ReadEnvInputs(inputs));
  const Value* plan = inputs.Find("plan");
  if (plan == nullptr) return MakeError(ErrorCode::kInvalidInput, "the input plan is missing");
  ASSIGN_OR_RETURN(out.plan, RefactorPlan::FromJson(*plan));
  out.deployment_bucket = InputString(inputs, "deployment_bucket");
  return out;
}

Result<std::map<std::string, std::string>> PhysicalIds(aws::CloudFormationClient& cfn,
                                                       const std::string& stack) {
  ASSIGN_OR_RETURN(ValueList resources, cfn.ListStackResources(stack));
  std::map<std::string, std::string> out;
  for (const Value& r : resources) {
    out[StringAt(r, "LogicalResourceId")] = StringAt(r, "PhysicalResourceId");
  }
  return out;
}

Result<DeployedStack> LoadDeployedStack(aws::CloudFormationClient& cfn, const std::string& stack,
                                        const std::string& region) {
  DeployedStack out;
  ASSIGN_OR_RETURN(Value described, cfn.DescribeStack(stack));
  out.name = StringAt(described, "StackName");
  out.id = StringAt(described, "StackId");
  out.parameters = ListAt(described, "Parameters");
  out.outputs = ListAt(described, "Outputs");
  ASSIGN_OR_RETURN(std::string body, cfn.GetTemplate(stack));
  Result<Value> parsed = Value::FromJson(body);
  if (!parsed) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("the template of stack {} is not JSON ({}); flightplan rewrites "
                                 "JSON templates only",
                                 stack, parsed.error().message()));
  }
  out.template_json = std::move(*parsed);
  ASSIGN_OR_RETURN(out.physical_ids, PhysicalIds(cfn, stack));
  out.region = region;
  // arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = out.id.find(':', start);
    if (colon == std::string::npos) break;
    parts.push_back(out.id.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts.size() == 5) {
    out.partition = parts[1];
    if (out.region.empty()) out.region = parts[3];
    out.account_id = parts[4];
  }
  return out;
}

Result<const std::map<std::string, std::string>*> StackListings::Of(const std::string& stack) {
  auto it = cache_.find(stack);
  if (it == cache_.end()) {
    ASSIGN_OR_RETURN(auto ids, PhysicalIds(cfn_, stack));
    it = cache_.emplace(stack, std::move(ids)).first;
  }
  return &it->second;
}

Result<Whereabouts> StackListings::Locate(const RefactorMove& move) {
  ASSIGN_OR_RETURN(const auto* source, Of(move.source_stack));
  auto at = source->find(move.source_logical_id);
  if (at != source->end() && at->second == move.physical_id) return Whereabouts::kAtSource;
  ASSIGN_OR_RETURN(const auto* destination, Of(move.destination_stack));
  at = destination->find(move.destination_logical_id);
  if (at != destination->end() && at->second == move.physical_id) {
    return Whereabouts::kAtDestination;
  }
  return Whereabouts::kNeither;
}

std::map<std::string, std::vector<const RefactorMove*>> MovesBySource(const RefactorPlan& plan) {
  std::map<std::string, std::vector<const RefactorMove*>> out;
  for (const RefactorMove& m : plan.moves) out[m.source_stack].push_back(&m);
  return out;
}

std::map<std::string, std::vector<const RefactorMove*>> MovesByDestination(
    const RefactorPlan& plan) {
  std::map<std::string, std::vector<const RefactorMove*>> out;
  for (const RefactorMove& m : plan.moves) out[m.destination_stack].push_back(&m);
  return out;
}

namespace {

struct Change {
  std::string action;
  std::string id;
  std::string type;
  std::string replacement;
  std::string what_changed;  // from the change's Details: "properties A, B", "metadata"
};

// What a Modify change touches, as its Details name it.
std::string WhatChanged(const Value& resource_change) {
  std::vector<std::string> properties;
  bool metadata = false;
  for (const Value& detail : ListAt(resource_change, "Details")) {
    const Value* target = detail.Find("Target");
    if (target == nullptr) continue;
    std::string attribute = StringAt(*target, "Attribute");
    std::string name = StringAt(*target, "Name");
    if (attribute == "Properties" && !name.empty()) {
      if (std::find(properties.begin(), properties.end(), name) == properties.end()) {
        properties.push_back(name);
      }
    } else if (attribute == "Metadata") {
      metadata = true;
    }
  }
  std::string out;
  if (!properties.empty()) out = fmt::format("properties {}", fmt::join(properties, ", "));
  if (metadata) out += out.empty() ? "metadata" : " and metadata";
  return out;
}

std::vector<Change> Changes(const Value& change_set) {
  std::vector<Change> out;
  for (const Value& change : ListAt(change_set, "Changes")) {
    const Value* rc = change.Find("ResourceChange");
    if (rc == nullptr) continue;
    out.push_back({StringAt(*rc, "Action"), StringAt(*rc, "LogicalResourceId"),
                   StringAt(*rc, "ResourceType"), StringAt(*rc, "Replacement"), WhatChanged(*rc)});
  }
  return out;
}

bool Replaces(const Change& c) { return c.replacement == "True" || c.replacement == "Conditional"; }

auto Refuse(const std::string& label, const Change& c, const std::string& what,
            const std::string& rule) {
  std::string touched = c.what_changed.empty() ? "" : ", " + c.what_changed;
  return MakeError(ErrorCode::kStepFailed,
                   fmt::format("the change set for {} would {} {} ({}{}), but {}: nothing was "
                               "executed",
                               label, what, c.id, c.type, touched, rule));
}

}  // namespace

Result<void> VetNoResourceChange(const Value& change_set, const std::string& label) {
  std::vector<Change> changes = Changes(change_set);
  if (!changes.empty()) {
    return Refuse(label, changes.front(),
                  fmt::format("{} (Action {})", "change", changes.front().action),
                  "this update must change no resource");
  }
  return {};
}

Result<void> VetOnlyRemovals(const Value& change_set, const std::set<std::string>& ids,
                             const std::string& label) {
  for (const Change& c : Changes(change_set)) {
    if (c.action != "Remove" || !ids.count(c.id)) {
      return Refuse(label, c, fmt::format("{} (Action {})", "change", c.action),
                    "this update may only let go of the resources it vacates");
    }
  }
  return {};
}

Result<void> VetNothingStatefulLost(const Value& change_set, const std::set<std::string>& kept,
                                    const std::set<std::string>& recreatable,
                                    const std::string& label) {
  for (const Change& c : Changes(change_set)) {
    bool loses = c.action == "Remove" || (c.action == "Modify" && Replaces(c));
    if (!loses) continue;
    if (kept.count(c.id)) {
      return Refuse(label, c, c.action == "Remove" ? "remove" : "replace",
                    "it is a moved resource and must be kept as it is");
    }
    if (!recreatable.count(c.type)) {
      return Refuse(label, c, c.action == "Remove" ? "remove" : "replace",
                    "only resources that hold no data may be recreated");
    }
  }
  return {};
}

const std::set<std::string>& RecreatableTypes() {
  static const std::set<std::string> kTypes = {"AWS::Lambda::Permission",
                                               "AWS::Cognito::UserPoolClient",
                                               "AWS::Cognito::UserPoolDomain",
                                               "AWS::Cognito::UserPoolIdentityProvider",
                                               "AWS::Cognito::IdentityPoolRoleAttachment",
                                               "AWS::Cognito::UserPoolRiskConfigurationAttachment",
                                               "AWS::Cognito::UserPoolUICustomizationAttachment"};
  return kTypes;
}

std::string RefactorChangeSetName(const StepContext& ctx, const std::string& stack,
                                  const std::string& what) {
  return ChangeSetName("flightplan-refactor-" + what,
                       fmt::format("{}/{}/{}", ctx.run_id, ctx.step_id, stack));
}

}  // namespace flightplan::migration
