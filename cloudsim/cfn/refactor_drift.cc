#include "cloudsim/cfn/refactor_drift.h"

#include <fmt/format.h>

#include <algorithm>

#include "cloudsim/cfn/drift.h"
#include "cloudsim/cfn/refactor.h"
#include "cloudsim/cfn/resources.h"
#include "cloudsim/cfn/stacks.h"
#include "cloudsim/cfn/template.h"
#include "cloudsim/stores/cfn_store.h"
#include "cloudsim/stores/refactor_store.h"

namespace flightplan::cloudsim::cfn {

namespace {

constexpr std::string_view kActions[] = {"CreateStackRefactor",
                                         "DescribeStackRefactor",
                                         "ExecuteStackRefactor",
                                         "ListStackRefactors",
                                         "ListStackRefactorActions",
                                         "DetectStackDrift",
                                         "DescribeStackDriftDetectionStatus",
                                         "DescribeStackResourceDrifts",
                                         "DetectStackResourceDrift"};

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && f->is_string() ? f->as_string() : std::string();
}

bool Bool(const Value& v, std::string_view key) {
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  if (!f) return false;
  if (f->is_bool()) return f->as_bool();
  return f->is_string() && f->as_string() == "true";
}

const ValueList& List(const Value& v, std::string_view key) {
  static const ValueList kEmpty;
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && f->is_list() ? f->as_list() : kEmpty;
}

SimError NotFound(std::string_view id) {
  return {404, "StackRefactorNotFoundException",
          fmt::format("Stack refactor [{}] does not exist", id)};
}

SimError NoStack(std::string_view name) {
  return Validation(fmt::format("Stack with id {} does not exist", name));
}

int64_t Version(const Stack& stack) { return static_cast<int64_t>(stack.events.size()); }

// Evaluation of a stack's own template against its current resources.
class StackContext final : public EvalContext {
 public:
  StackContext(const World& world, const Stack& stack) : world_(world), stack_(stack) {}
  SimResult<Value> ResourceRef(std::string_view logical_id) const override {
    const StackResource* r = stack_.FindResource(logical_id);
    if (!r || r->physical_id.empty()) {
      return tl::unexpected(Validation(
          fmt::format("Template format error: Unresolved resource dependencies [{}]", logical_id)));
    }
    return Value(r->physical_id);
  }
  SimResult<Value> ResourceAttribute(std::string_view logical_id,
                                     std::string_view attribute) const override {
    const StackResource* r = stack_.FindResource(logical_id);
    if (!r) {
      return tl::unexpected(Validation(
          fmt::format("Template format error: Unresolved resource dependencies [{}]", logical_id)));
    }
    return cfn::ResourceAttribute(world_, *r, attribute);
  }
  SimResult<Value> ImportValue(std::string_view export_name) const override {
    const CfnExport* e = world_.cloudformation.FindExport(export_name);
    if (!e) {
      return tl::unexpected(Validation(fmt::format("No export named {} found.", export_name)));
    }
    return Value(e->value);
  }

 private:
  const World& world_;
  const Stack& stack_;
};

void AddEvent(World& world, Stack& stack, const std::string& logical_id,
              const std::string& physical_id, const std::string& type, const std::string& status,
              const std::string& reason) {
  StackEvent event;
  event.event_id = world.NewUuid();
  event.logical_id = logical_id;
  event.physical_id = physical_id;
  event.resource_type = type;
  event.status = status;
  event.reason = reason;
  event.timestamp = world.Now();
  stack.events.push_back(std::move(event));
}

// After a refactor: properties and outputs from the new template. A value
// that cannot be evaluated keeps what it was.
void Reevaluate(World& world, Stack& stack) {
  PseudoParameters pseudo;
  pseudo.account_id = world.config().account_id;
  pseudo.region = world.config().region;
  pseudo.stack_name = stack.name;
  pseudo.stack_id = stack.id;
  StackContext context(world, stack);
  Evaluator evaluator(stack.template_body, FromStoreParameters(stack), pseudo, &context);
  if (!evaluator.EvaluateConditions()) return;
  const Value* resources = stack.template_body.Find("Resources");
  for (StackResource& resource : stack.resources) {
    const Value* declared = resources ? resources->Find(resource.logical_id) : nullptr;
    const Value* properties = declared ? declared->Find("Properties") : nullptr;
    if (!properties) continue;
    if (auto evaluated = evaluator.Evaluate(*properties)) resource.properties = *evaluated;
    if (const Value* policy = declared->Find("DeletionPolicy"); policy && policy->is_string()) {
      resource.deletion_policy = policy->as_string();
    }
    if (const Value* policy = declared->Find("UpdateReplacePolicy");
        policy && policy->is_string()) {
      resource.update_replace_policy = policy->as_string();
    }
  }
  std::vector<CfnOutput> outputs;
  if (const Value* declared = stack.template_body.Find("Outputs"); declared && declared->is_map()) {
    for (const auto& [key, output] : declared->as_map()) {
      if (!evaluator.Included(output)) continue;
      CfnOutput out;
      out.key = key;
      out.description = Str(output, "Description");
      const Value* value = output.Find("Value");
      auto evaluated = value ? evaluator.Evaluate(*value) : SimResult<Value>(Value(""));
      if (!evaluated) continue;
      out.value = evaluated->is_string() ? evaluated->as_string() : evaluated->ToText();
      if (const Value* exp = output.Find("Export")) {
        if (const Value* name = exp->Find("Name")) {
          if (auto n = evaluator.Evaluate(*name); n && n->is_string())
            out.export_name = n->as_string();
        }
      }
      outputs.push_back(std::move(out));
    }
  }
  stack.outputs = std::move(outputs);
}

Value Summary(const StackRefactorRecord& r) {
  ValueMap out;
  out["StackRefactorId"] = r.id;
  if (!r.description.empty()) out["Description"] = r.description;
  out["Status"] = r.status;
  if (!r.status_reason.empty()) out["StatusReason"] = r.status_reason;
  out["ExecutionStatus"] = r.execution_status;
  if (!r.execution_status_reason.empty()) {
    out["ExecutionStatusReason"] = r.execution_status_reason;
  }
  return out;
}

SimResult<Value> CreateRefactor(World& world, const Value& params) {
  const ValueList& definitions = List(params, "StackDefinitions");
  bool enable_creation = Bool(params, "EnableStackCreation");
  std::vector<RefactorStack> stacks;
  StackRefactorRecord record;
  record.id = world.NewUuid();
  record.description = Str(params, "Description");
  record.enable_stack_creation = enable_creation;
  for (const Value& definition : definitions) {
    RefactorStack stack;
    stack.name = Str(definition, "StackName");
    if (stack.name.empty()) {
      return tl::unexpected(Validation("Each StackDefinition needs a StackName"));
    }
    auto text = TemplateText(world, definition, false);
    if (!text) return tl::unexpected(text.error());
    auto parsed = ParseTemplate(*text);
    if (!parsed) return tl::unexpected(parsed.error());
    stack.new_template = *parsed;
    const Stack* current = world.cloudformation.Find(stack.name);
    if (current && current->status.find("DELETE_COMPLETE") != std::string::npos) current = nullptr;
    stack.exists = current != nullptr;
    if (current) {
      if (current->InProgress() || current->status.find("IN_PROGRESS") != std::string::npos) {
        return tl::unexpected(
            Validation(fmt::format("Stack [{}] is in {} state and can not be refactored",
                                   current->name, current->status)));
      }
      stack.has_stack_policy = !current->stack_policy.empty();
      stack.current_template = current->template_body;
      for (const StackResource& r : current->resources) {
        stack.physical_ids[r.logical_id] = r.physical_id;
        stack.types[r.logical_id] = r.type;
      }
      record.stack_ids.push_back(current->id);
      record.stack_versions.push_back(Version(*current));
    } else {
      record.stack_ids.push_back(
          world.Arn("cloudformation", fmt::format("stack/{}/{}", stack.name, world.NewUuid())));
      record.stack_versions.push_back(-1);
    }
    record.stack_names.push_back(stack.name);
    record.new_templates.push_back(stack.new_template);
    record.template_texts.push_back(*text);
    stacks.push_back(std::move(stack));
  }
  const Value* mappings = params.Find("ResourceMappings");
  auto check = PlanStackRefactor(stacks, mappings ? *mappings : Value(), enable_creation);
  if (!check) return tl::unexpected(check.error());

  ValueList moves;
  for (const ResourceMove& move : check->plan.moves) {
    ValueMap m;
    m["SourceStack"] = move.source_stack;
    m["SourceLogicalId"] = move.source_logical_id;
    m["DestinationStack"] = move.destination_stack;
    m["DestinationLogicalId"] = move.destination_logical_id;
    m["PhysicalResourceId"] = move.physical_id;
    m["Type"] = move.type;
    moves.emplace_back(std::move(m));
  }
  ValueList created;
  for (const std::string& name : check->plan.created_stacks) created.emplace_back(name);
  record.moves = Value(std::move(moves));
  record.created_stacks = Value(std::move(created));
  record.actions = check->plan.Actions();
  record.created = world.Now();
  record.status = "CREATE_IN_PROGRESS";
  record.execution_status = "UNAVAILABLE";
  record.reveal_at = world.Now() + world.config().operation_delay;
  if (check->failure_reason.empty()) {
    record.pending_status = "CREATE_COMPLETE";
    record.pending_execution_status = "AVAILABLE";
  } else {
    record.pending_status = "CREATE_FAILED";
    record.pending_status_reason = check->failure_reason;
    record.pending_execution_status = "UNAVAILABLE";
  }
  world.stack_refactors.refactors().push_back(record);
  ValueMap out;
  out["StackRefactorId"] = record.id;
  return Value(std::move(out));
}

void ApplyMove(World& world, const Value& move, const std::string& refactor_id) {
  Stack* source = world.cloudformation.FindLive(Str(move, "SourceStack"));
  Stack* destination = world.cloudformation.FindLive(Str(move, "DestinationStack"));
  if (!source || !destination) return;
  std::string logical = Str(move, "SourceLogicalId");
  auto it = std::find_if(source->resources.begin(), source->resources.end(),
                         [&](const StackResource& r) { return r.logical_id == logical; });
  if (it == source->resources.end()) return;
  StackResource resource = *it;
  source->resources.erase(it);
  std::string reason = fmt::format("Resource moved by stack refactor {}", refactor_id);
  AddEvent(world, *source, logical, resource.physical_id, resource.type, "DELETE_SKIPPED", reason);
  resource.logical_id = Str(move, "DestinationLogicalId");
  resource.status = "UPDATE_COMPLETE";
  resource.updated = world.Now();
  AddEvent(world, *destination, resource.logical_id, resource.physical_id, resource.type,
           "UPDATE_COMPLETE", reason);
  destination->resources.push_back(std::move(resource));
}

// Moves `from`'s definition in one template's Resources to `to` in
// another's; false when the source does not declare it.
bool MoveDeclaration(Value& source, Value& destination, const std::string& from,
                     const std::string& to) {
  if (!source.is_map() || !destination.is_map()) return false;
  auto s = source.as_map().find("Resources");
  if (s == source.as_map().end() || !s->second.is_map()) return false;
  auto def = s->second.as_map().find(from);
  if (def == s->second.as_map().end()) return false;
  Value moved = std::move(def->second);
  s->second.as_map().erase(def);
  auto d = destination.as_map().find("Resources");
  if (d == destination.as_map().end() || !d->second.is_map()) {
    destination.as_map()["Resources"] = Value(ValueMap{});
    d = destination.as_map().find("Resources");
  }
  d->second.as_map()[to] = std::move(moved);
  return true;
}

// A move a refactor applied before its rollback failed: the resource goes
// with its definition (CloudFormation keeps each stack's template describing
// what the stack holds), so the stacks are half-way, not inconsistent.
void ApplyMoveWithDefinition(World& world, const Value& move, const std::string& refactor_id) {
  ApplyMove(world, move, refactor_id);
  Stack* source = world.cloudformation.FindLive(Str(move, "SourceStack"));
  Stack* destination = world.cloudformation.FindLive(Str(move, "DestinationStack"));
  if (!source || !destination) return;
  std::string from = Str(move, "SourceLogicalId");
  std::string to = Str(move, "DestinationLogicalId");
  MoveDeclaration(source->template_body, destination->template_body, from, to);
  Result<Value> source_text = Value::FromJson(source->template_text);
  Result<Value> destination_text = Value::FromJson(destination->template_text);
  if (source_text && destination_text &&
      MoveDeclaration(*source_text, *destination_text, from, to)) {
    source->template_text = source_text->ToJson();
    destination->template_text = destination_text->ToJson();
  }
  Reevaluate(world, *source);
  Reevaluate(world, *destination);
}

// Creates the stacks the refactor creates, empty, in `status`.
void CreateStacks(World& world, const StackRefactorRecord& record, const std::string& status) {
  for (size_t i = 0; i < record.stack_names.size(); ++i) {
    if (record.stack_versions[i] != -1) continue;
    Stack stack;
    stack.id = record.stack_ids[i];
    stack.name = record.stack_names[i];
    stack.status = status;
    stack.creation_time = world.Now();
    if (status != "REVIEW_IN_PROGRESS") {
      stack.template_body = record.new_templates[i];
      stack.template_text = record.template_texts[i];
    }
    Stack& added = world.cloudformation.Add(std::move(stack));
    AddEvent(world, added, added.name, added.id, "AWS::CloudFormation::Stack", status,
             fmt::format("Created by stack refactor {}", record.id));
  }
}

SimResult<Value> ExecuteRefactor(World& world, const Value& params) {
  std::string id = Str(params, "StackRefactorId");
  StackRefactorRecord* record = world.stack_refactors.Find(id);
  if (!record) return tl::unexpected(NotFound(id));
  if (record->status != "CREATE_COMPLETE" || record->execution_status != "AVAILABLE") {
    return tl::unexpected(
        Validation(fmt::format("Stack refactor [{}] cannot be executed: its status is {} and its "
                               "execution status {}",
                               id, record->status, record->execution_status)));
  }
  for (size_t i = 0; i < record->stack_names.size(); ++i) {
    if (record->stack_versions[i] == -1) {
      if (world.cloudformation.FindLive(record->stack_names[i])) {
        record->execution_status = "OBSOLETE";
        record->execution_status_reason =
            fmt::format("Stack [{}] was created after the refactor", record->stack_names[i]);
        return tl::unexpected(Validation(record->execution_status_reason));
      }
      continue;
    }
    const Stack* stack = world.cloudformation.FindLive(record->stack_names[i]);
    if (!stack || Version(*stack) != record->stack_versions[i] || stack->InProgress()) {
      record->execution_status = "OBSOLETE";
      record->execution_status_reason =
          fmt::format("Stack [{}] changed after the refactor was created", record->stack_names[i]);
      return tl::unexpected(Validation(record->execution_status_reason));
    }
  }
  record->execution_status = "EXECUTE_IN_PROGRESS";
  record->reveal_at = world.Now() + world.config().operation_delay;
  Value key = Value(ValueMap{{"StackRefactorId", Value(id)}});
  auto fault = world.faults.Take("cloudformation", "ExecuteStackRefactor", key, {"fail_refactor"});
  std::string reason = fmt::format("Stack refactor {}", id);
  if (fault) {
    bool rollback_fails = Bool(fault->options, "rollback_fails");
    CreateStacks(world, *record, "REVIEW_IN_PROGRESS");
    if (rollback_fails && record->moves.is_list() && !record->moves.as_list().empty()) {
      ApplyMoveWithDefinition(world, record->moves.as_list()[0], id);
    }
    record->pending_execution_status = rollback_fails ? "ROLLBACK_FAILED" : "ROLLBACK_COMPLETE";
    record->pending_execution_status_reason =
        fmt::format("{}{}", fault->message.empty() ? "injected fault" : fault->message,
                    rollback_fails ? "; rolling back failed, resources may be in either stack"
                                   : "; the refactor was rolled back");
    return Value(ValueMap{});
  }
  CreateStacks(world, *record, "UPDATE_COMPLETE");
  for (const Value& move : record->moves.as_list()) ApplyMove(world, move, id);
  for (size_t i = 0; i < record->stack_names.size(); ++i) {
    Stack* stack = world.cloudformation.FindLive(record->stack_names[i]);
    if (!stack) continue;
    AddEvent(world, *stack, stack->name, stack->id, "AWS::CloudFormation::Stack",
             "UPDATE_IN_PROGRESS", reason);
    stack->template_body = record->new_templates[i];
    stack->template_text = record->template_texts[i];
    Reevaluate(world, *stack);
    stack->status = "UPDATE_COMPLETE";
    stack->reason.clear();
    stack->last_updated_time = world.Now();
    AddEvent(world, *stack, stack->name, stack->id, "AWS::CloudFormation::Stack", "UPDATE_COMPLETE",
             "");
  }
  // Other refactors over these stacks no longer describe them.
  for (StackRefactorRecord& other : world.stack_refactors.refactors()) {
    if (other.id == id || other.execution_status != "AVAILABLE") continue;
    for (const std::string& name : other.stack_names) {
      if (std::find(record->stack_names.begin(), record->stack_names.end(), name) !=
          record->stack_names.end()) {
        other.execution_status = "OBSOLETE";
        other.execution_status_reason =
            fmt::format("Stack refactor {} changed stack [{}]", id, name);
        break;
      }
    }
  }
  record->pending_execution_status = "EXECUTE_COMPLETE";
  return Value(ValueMap{});
}

// --- drift ---

bool PhysicalResourceGone(const World& world, const StackResource& r) {
  if (r.type == "AWS::DynamoDB::Table") return !world.dynamodb.HasTable(r.physical_id);
  if (r.type == "AWS::S3::Bucket") return world.s3.FindBucket(r.physical_id) == nullptr;
  if (r.type == "AWS::Cognito::UserPool") return !world.cognito.HasUserPool(r.physical_id);
  return r.actual.is_map() && r.actual.Find("__deleted") != nullptr;
}

Value ResourceDrift(const World& world, const Stack& stack, const StackResource& r) {
  ValueMap drift;
  drift["StackId"] = stack.id;
  drift["LogicalResourceId"] = r.logical_id;
  drift["PhysicalResourceId"] = r.physical_id;
  drift["ResourceType"] = r.type;
  drift["Timestamp"] = IsoTime(world.Now());
  Value expected = r.properties.is_map() ? r.properties : Value(ValueMap{});
  Value actual = r.actual.is_map() ? r.actual : expected;
  drift["ExpectedProperties"] = expected.ToJson();
  if (r.type == "AWS::CloudFormation::Stack" || r.type.rfind("Custom::", 0) == 0 ||
      r.type == "AWS::CloudFormation::CustomResource") {
    drift["StackResourceDriftStatus"] = "NOT_CHECKED";
    drift["PropertyDifferences"] = Value(ValueList{});
    return Value(std::move(drift));
  }
  if (PhysicalResourceGone(world, r)) {
    drift["StackResourceDriftStatus"] = "DELETED";
    drift["PropertyDifferences"] = Value(ValueList{});
    return Value(std::move(drift));
  }
  Value differences = PropertyDifferences(expected, actual);
  drift["ActualProperties"] = actual.ToJson();
  drift["StackResourceDriftStatus"] = differences.as_list().empty() ? "IN_SYNC" : "MODIFIED";
  drift["PropertyDifferences"] = std::move(differences);
  return Value(std::move(drift));
}

SimResult<Value> DetectDrift(World& world, const Value& params) {
  std::string name = Str(params, "StackName");
  const Stack* stack = world.cloudformation.FindLive(name);
  if (!stack) stack = world.cloudformation.Find(name);
  if (!stack || stack->status == "DELETE_COMPLETE") return tl::unexpected(NoStack(name));
  std::vector<std::string> only;
  for (const Value& id : List(params, "LogicalResourceIds")) {
    if (id.is_string()) only.push_back(id.as_string());
  }
  DriftDetection detection;
  detection.id = world.NewUuid();
  detection.stack_id = stack->id;
  detection.timestamp = world.Now();
  ValueList drifts;
  for (const StackResource& r : stack->resources) {
    if (!only.empty() && std::find(only.begin(), only.end(), r.logical_id) == only.end()) {
      continue;
    }
    Value drift = ResourceDrift(world, *stack, r);
    std::string status = Str(drift, "StackResourceDriftStatus");
    if (status == "MODIFIED" || status == "DELETED") ++detection.drifted_count;
    drifts.push_back(std::move(drift));
  }
  detection.resource_drifts = Value(std::move(drifts));
  detection.stack_drift_status = detection.drifted_count > 0 ? "DRIFTED" : "IN_SYNC";
  world.stack_refactors.detections().push_back(detection);
  return Value(ValueMap{{"StackDriftDetectionId", Value(detection.id)}});
}

}  // namespace

bool IsRefactorOrDriftAction(std::string_view action) {
  return std::find(std::begin(kActions), std::end(kActions), action) != std::end(kActions);
}

SimResult<Value> RunRefactorOrDriftAction(World& world, std::string_view action,
                                          const Value& params) {
  RevealDueRefactors(world);
  if (action == "CreateStackRefactor") return CreateRefactor(world, params);
  if (action == "ExecuteStackRefactor") return ExecuteRefactor(world, params);
  if (action == "DescribeStackRefactor") {
    std::string id = Str(params, "StackRefactorId");
    const StackRefactorRecord* r = world.stack_refactors.Find(id);
    if (!r) return tl::unexpected(NotFound(id));
    Value out = Summary(*r);
    ValueList ids;
    for (const std::string& s : r->stack_ids) ids.emplace_back(s);
    out.as_map()["StackIds"] = Value(std::move(ids));
    return out;
  }
  if (action == "ListStackRefactors") {
    std::vector<std::string> filter;
    for (const Value& f : List(params, "ExecutionStatusFilter")) {
      if (f.is_string()) filter.push_back(f.as_string());
    }
    ValueList summaries;
    for (const StackRefactorRecord& r : world.stack_refactors.refactors()) {
      if (!filter.empty() &&
          std::find(filter.begin(), filter.end(), r.execution_status) == filter.end()) {
        continue;
      }
      summaries.push_back(Summary(r));
    }
    return Value(ValueMap{{"StackRefactorSummaries", Value(std::move(summaries))}});
  }
  if (action == "ListStackRefactorActions") {
    std::string id = Str(params, "StackRefactorId");
    const StackRefactorRecord* r = world.stack_refactors.Find(id);
    if (!r) return tl::unexpected(NotFound(id));
    Value actions = r->status == "CREATE_COMPLETE" ? r->actions : Value(ValueList{});
    return Value(ValueMap{{"StackRefactorActions", actions}});
  }
  if (action == "DetectStackDrift") return DetectDrift(world, params);
  if (action == "DescribeStackDriftDetectionStatus") {
    std::string id = Str(params, "StackDriftDetectionId");
    const DriftDetection* d = world.stack_refactors.FindDetection(id);
    if (!d) {
      return tl::unexpected(Validation(fmt::format("Drift detection [{}] does not exist", id)));
    }
    ValueMap out;
    out["StackId"] = d->stack_id;
    out["StackDriftDetectionId"] = d->id;
    out["StackDriftStatus"] = d->stack_drift_status;
    out["DetectionStatus"] = "DETECTION_COMPLETE";
    out["DriftedStackResourceCount"] = d->drifted_count;
    out["Timestamp"] = IsoTime(d->timestamp);
    return Value(std::move(out));
  }
  if (action == "DescribeStackResourceDrifts") {
    std::string name = Str(params, "StackName");
    const Stack* stack = world.cloudformation.Find(name);
    if (!stack) return tl::unexpected(NoStack(name));
    std::vector<std::string> filter;
    for (const Value& f : List(params, "StackResourceDriftStatusFilters")) {
      if (f.is_string()) filter.push_back(f.as_string());
    }
    ValueList drifts;
    if (const DriftDetection* d = world.stack_refactors.LatestDetection(stack->id)) {
      for (const Value& drift : d->resource_drifts.as_list()) {
        std::string status = Str(drift, "StackResourceDriftStatus");
        if (filter.empty() || std::find(filter.begin(), filter.end(), status) != filter.end()) {
          drifts.push_back(drift);
        }
      }
    }
    return Value(ValueMap{{"StackResourceDrifts", Value(std::move(drifts))}});
  }
  // DetectStackResourceDrift
  std::string name = Str(params, "StackName");
  std::string logical = Str(params, "LogicalResourceId");
  const Stack* stack = world.cloudformation.FindLive(name);
  if (!stack) return tl::unexpected(NoStack(name));
  const StackResource* resource = stack->FindResource(logical);
  if (!resource) {
    return tl::unexpected(
        Validation(fmt::format("Resource {} does not exist for stack {}", logical, name)));
  }
  return Value(ValueMap{{"StackResourceDrift", ResourceDrift(world, *stack, *resource)}});
}

void RevealDueRefactors(World& world) {
  Timestamp now = world.Now();
  for (StackRefactorRecord& r : world.stack_refactors.refactors()) {
    if (!r.reveal_at || now < *r.reveal_at) continue;
    if (!r.pending_status.empty()) {
      r.status = r.pending_status;
      r.status_reason = r.pending_status_reason;
    }
    if (!r.pending_execution_status.empty()) {
      r.execution_status = r.pending_execution_status;
      r.execution_status_reason = r.pending_execution_status_reason;
    }
    r.pending_status.clear();
    r.pending_status_reason.clear();
    r.pending_execution_status.clear();
    r.pending_execution_status_reason.clear();
    r.reveal_at.reset();
  }
}

Result<Value> MutateManagedResource(World& world, const Value& command) {
  std::string action = Str(command, "action");
  std::string physical = Str(command, "PhysicalResourceId");
  Stack* stack = nullptr;
  StackResource* resource = nullptr;
  if (!physical.empty()) {
    std::tie(stack, resource) = world.cloudformation.FindByPhysicalId(physical);
  } else {
    stack = world.cloudformation.FindLive(Str(command, "StackName"));
    resource = stack ? stack->FindResource(Str(command, "LogicalResourceId")) : nullptr;
  }
  if (!resource) {
    return MakeError(ErrorCode::kNotFound,
                     "no CloudFormation-managed resource matches (give "
                     "PhysicalResourceId, or StackName and LogicalResourceId)");
  }
  if (!resource->actual.is_map()) {
    resource->actual = resource->properties.is_map() ? resource->properties : Value(ValueMap{});
  }
  std::string property = Str(command, "Property");
  if (action == "set_resource_property" || action == "remove_resource_property") {
    if (property.empty()) {
      return MakeError(ErrorCode::kInvalidInput, "\"Property\" names the property to change");
    }
    if (action == "set_resource_property") {
      const Value* value = command.Find("Value");
      resource->actual.as_map()[property] = value ? *value : Value();
    } else {
      resource->actual.as_map().erase(property);
    }
    return resource->actual;
  }
  if (action == "delete_physical_resource") {
    if (resource->type == "AWS::DynamoDB::Table") {
      (void)world.dynamodb.DeleteTable(resource->physical_id);
    } else if (resource->type == "AWS::S3::Bucket") {
      if (S3Bucket* bucket = world.s3.FindBucket(resource->physical_id)) bucket->objects.clear();
      (void)world.s3.DeleteBucket(resource->physical_id);
    } else if (resource->type == "AWS::Cognito::UserPool") {
      (void)world.cognito.DeleteUserPool(resource->physical_id);
    }
    resource->actual.as_map()["__deleted"] = true;
    return Value(ValueMap{{"deleted", Value(resource->physical_id)}});
  }
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("unknown cloudformation mutate action '{}': use "
                               "set_resource_property, remove_resource_property "
                               "or delete_physical_resource",
                               action));
}

}  // namespace flightplan::cloudsim::cfn
