// The refactor's moving parts, each resumable by asking the cloud where
// every resource is now, and each undone by its own rollback:
//   migration.refactor-detach  Gen1 source stacks rewritten so nothing refers
//                              to the resources that leave (a change set with
//                              no resource change);
//   migration.refactor-vacate  Gen2's own copies at the destination logical
//                              ids retained, then let go of (orphaned, never
//                              deleted; rollback imports them back);
//   migration.refactor-move    one CreateStackRefactor per pair of stacks
//                              (stack_refactor.h);
//   migration.refactor-relink  the Gen2 stacks' own references restored,
//                              now pointing at the moved resources (Gen2's
//                              own domain of a moved pool that keeps Gen1's
//                              hosted UI domain taken out:
//                              refactor_hosted_ui.h).
// docs/migration-guide.md, "Refactor", says why Gen2's copies are orphaned
// rather than parked in a holding stack.
#include <fmt/format.h>

#include <set>

#include "steps/aws/cloudformation.h"
#include "steps/aws/values.h"
#include "steps/migration/apply_template.h"
#include "steps/migration/refactor_hosted_ui.h"
#include "steps/migration/refactor_support.h"
#include "steps/migration/register_parts.h"
#include "steps/migration/stack_refactor.h"

namespace flightplan::migration {
namespace {

using aws::StringAt;

constexpr std::string_view kIdentityMark = "flightplan:gen1";

TemplateApply MakeApply(const StepContext& ctx, const std::string& stack, std::string body,
                        const std::string& what, const std::string& bucket) {
  TemplateApply apply;
  apply.stack_id = stack;
  apply.label = fmt::format("stack {} ({})", stack, what);
  apply.body = std::move(body);
  apply.change_set_name = RefactorChangeSetName(ctx, stack, what);
  apply.client_token = apply.change_set_name;
  apply.upload_bucket = bucket;
  apply.upload_key = fmt::format("flightplan/refactor/{}.json", apply.change_set_name);
  return apply;
}

// The step's lease/cancel errors pass through unchanged; others gain context.
Result<void> Apply(aws::AwsClient& client, StepContext& ctx, const TemplateApply& apply) {
  Result<ApplyOutcome> outcome = ApplyTemplate(client, *ctx.clock, apply, StepWaitOptions(ctx));
  if (!outcome) return MakeError(outcome.error());
  return {};
}

// Waits until no stack of the plan has an operation in progress (one this
// step started before a crash may still run, and may yet roll back), so
// what a check or a move reads is what the stacks settled on.
Result<void> SettlePlanStacks(aws::CloudFormationClient& cfn, StepContext& ctx,
                              const RefactorInputs& in) {
  std::set<std::string> stacks;
  for (const RefactorMove& m : in.plan.moves) {
    stacks.insert(m.source_stack);
    stacks.insert(m.destination_stack);
  }
  for (const std::string& stack : stacks) TRY(SettleStack(cfn, stack, StepWaitOptions(ctx)));
  return {};
}

Result<std::string> CurrentBody(aws::CloudFormationClient& cfn, const std::string& stack) {
  return cfn.GetTemplate(stack);
}

// The Resources map of a template, to change in place; null when none.
Value* MutableResources(Value& tmpl) {
  if (!tmpl.is_map()) return nullptr;
  auto it = tmpl.as_map().find("Resources");
  return it != tmpl.as_map().end() && it->second.is_map() ? &it->second : nullptr;
}

Value Templates(const Value& prepared) {
  const Value* t = prepared.Find("templates");
  return t && t->is_map() ? *t : Value(ValueMap{});
}

// CheckRollback of a step that kept templates in Prepare: done when every
// stack holds its kept template again.
Result<CheckResult> HoldsKeptTemplates(aws::CloudFormationClient& cfn, const Value& templates,
                                       std::string_view not_done, std::string_view done) {
  for (const auto& [stack, body] : templates.as_map()) {
    ASSIGN_OR_RETURN(std::string current, CurrentBody(cfn, stack));
    if (!body.is_string() || !SameTemplate(current, body.as_string())) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         fmt::format("stack {} {}", stack, not_done)};
    }
  }
  return CheckResult{CheckOutcome::kDone, Value(), std::string(done)};
}

// ---------------------------------------------------------------- detach

// CloudFormation refuses a stack without resources: when every resource of
// a stack leaves (a Gen1 stack in detach, a Gen2 stack whose only resources
// are vacated), it keeps this one, which creates nothing and holds no data.
constexpr std::string_view kPlaceholderId = "FlightplanPlaceholder";

// `tmpl` with the placeholder added when nothing else would stay.
Value WithPlaceholder(Value tmpl, const std::set<std::string>& leaving) {
  Value* resources = MutableResources(tmpl);
  if (resources == nullptr) return tmpl;
  for (const auto& [id, def] : resources->as_map()) {
    if (!leaving.count(id)) return tmpl;
  }
  Value placeholder(ValueMap{});
  placeholder.Set("Type", "AWS::CloudFormation::WaitConditionHandle");
  resources->Set(std::string(kPlaceholderId), std::move(placeholder));
  return tmpl;
}

// `change_set` without the placeholder's coming or going, for the vets.
Value WithoutPlaceholder(const Value& change_set) {
  Value others = change_set;
  if (const Value* changes = change_set.Find("Changes"); changes && changes->is_list()) {
    ValueList kept;
    for (const Value& c : changes->as_list()) {
      const Value* rc = c.Find("ResourceChange");
      bool placeholder =
          rc && StringAt(*rc, "LogicalResourceId") == kPlaceholderId &&
          StringAt(*rc, "ResourceType") == "AWS::CloudFormation::WaitConditionHandle";
      if (!placeholder) kept.push_back(c);
    }
    others.Set("Changes", Value(std::move(kept)));
  }
  return others;
}

// No resource change but the placeholder's coming or going.
Result<void> VetDetach(const Value& change_set, const std::string& label) {
  return VetNoResourceChange(WithoutPlaceholder(change_set), label);
}

class DetachStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.refactor-detach"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Rewrite each Gen1 stack a resource leaves so nothing refers to it (values inlined; a "
        "change set with no resource change)",
        RefactorRunFields(),
        {{"stacks", FieldType::kInteger, false, "how many Gen1 stacks were rewritten", {}}},
        true,
        true};
    return kSchema;
  }
  std::string Describe(const Value&) const override {
    return "detach the moving resources from their Gen1 stacks (references inlined)";
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    std::string out;
    for (const auto& [stack, moves] : MovesBySource(in.plan)) {
      ASSIGN_OR_RETURN(DeployedStack cur, LoadDeployedStack(cfn, stack, in.env.region));
      std::set<std::string> leaving = Leaving(cur, moves);
      ASSIGN_OR_RETURN(Value detached, DetachTemplate(cur, leaving));
      detached = WithPlaceholder(std::move(detached), leaving);
      out += fmt::format("stack {}: {} leave; the template after detach:\n{}\n", stack,
                         leaving.size(), detached.ToJson());
    }
    return out;
  }
  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    Value templates(ValueMap{});
    for (const auto& [stack, moves] : MovesBySource(in.plan)) {
      ASSIGN_OR_RETURN(std::string body, CurrentBody(cfn, stack));
      templates.Set(stack, body);
    }
    Value prepared(ValueMap{});
    prepared.Set("templates", std::move(templates));
    return prepared;
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    int64_t rewritten = 0;
    for (const auto& [stack, moves] : MovesBySource(in.plan)) {
      ASSIGN_OR_RETURN(DeployedStack cur, LoadDeployedStack(cfn, stack, in.env.region));
      std::set<std::string> leaving = Leaving(cur, moves);
      if (leaving.empty()) continue;  // they left already
      ASSIGN_OR_RETURN(Value detached, DetachTemplate(cur, leaving));
      detached = WithPlaceholder(std::move(detached), leaving);
      TemplateApply apply =
          MakeApply(ctx, stack, detached.ToJson(), "detach", in.deployment_bucket);
      std::string label = apply.label;
      apply.vet = [label](const Value& cs) { return VetDetach(cs, label); };
      TRY(Apply(*client, ctx, apply));
      ++rewritten;
    }
    return Value(ValueMap{{"stacks", Value(rewritten)}});
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    TRY(SettlePlanStacks(cfn, ctx, in));
    int64_t stacks = 0;
    for (const auto& [stack, moves] : MovesBySource(in.plan)) {
      ASSIGN_OR_RETURN(DeployedStack cur, LoadDeployedStack(cfn, stack, in.env.region));
      std::set<std::string> leaving = Leaving(cur, moves);
      if (leaving.empty()) continue;
      ASSIGN_OR_RETURN(Value detached, DetachTemplate(cur, leaving));
      detached = WithPlaceholder(std::move(detached), leaving);
      if (!(detached == cur.template_json)) {
        return CheckResult{CheckOutcome::kNotDone, Value(),
                           fmt::format("stack {} still refers to what leaves it", stack)};
      }
      ++stacks;
    }
    return CheckResult{CheckOutcome::kDone, Value(ValueMap{{"stacks", Value(stacks)}}),
                       "every source stack is detached"};
  }
  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    Value templates = Templates(ctx.prepared);
    for (const auto& [stack, moves] : MovesBySource(in.plan)) {
      const Value* original = templates.Find(stack);
      if (!original || !original->is_string()) continue;  // never prepared: never changed
      ASSIGN_OR_RETURN(auto physical, PhysicalIds(cfn, stack));
      for (const RefactorMove* m : moves) {
        auto it = physical.find(m->source_logical_id);
        if (it == physical.end() || it->second != m->physical_id) {
          return MakeError(ErrorCode::kStepFailed,
                           fmt::format("{} ({}) is not back in stack {}: the move must be rolled "
                                       "back before the detach is",
                                       m->source_logical_id, m->physical_id, stack));
        }
      }
      TemplateApply apply =
          MakeApply(ctx, stack, original->as_string(), "reattach", in.deployment_bucket);
      std::string label = apply.label;
      apply.vet = [label](const Value& cs) { return VetDetach(cs, label); };
      TRY(Apply(*client, ctx, apply));
    }
    return {};
  }
  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    TRY(SettlePlanStacks(cfn, ctx, in));
    return HoldsKeptTemplates(cfn, Templates(ctx.prepared), "does not hold its original template",
                              "every source stack is as it was");
  }

 private:
  // The moving resources `cur` still holds (by physical id).
  static std::set<std::string> Leaving(const DeployedStack& cur,
                                       const std::vector<const RefactorMove*>& moves) {
    std::set<std::string> out;
    for (const RefactorMove* m : moves) {
      auto it = cur.physical_ids.find(m->source_logical_id);
      if (it != cur.physical_ids.end() && it->second == m->physical_id) {
        out.insert(m->source_logical_id);
      }
    }
    return out;
  }
};

// ---------------------------------------------------------------- vacate

// The identifier an IMPORT change set needs for a resource of `type`, from
// its definition and physical id; null when flightplan does not know it.
Value ImportIdentifier(const std::string& type, const std::string& physical_id,
                       const Value& definition, const std::map<std::string, std::string>& ids) {
  Value out(ValueMap{});
  auto literal_or_ref = [&](const Value* v) -> std::string {
    if (v == nullptr) return "";
    if (v->is_string()) return v->as_string();
    const Value* ref = v->is_map() ? v->Find("Ref") : nullptr;
    if (ref && ref->is_string()) {
      auto it = ids.find(ref->as_string());
      return it == ids.end() ? "" : it->second;
    }
    return "";
  };
  const Value* props = definition.Find("Properties");
  if (type == "AWS::Cognito::UserPool") {
    out.Set("UserPoolId", physical_id);
  } else if (type == "AWS::Cognito::IdentityPool") {
    out.Set("IdentityPoolId", physical_id);
  } else if (type == "AWS::S3::Bucket") {
    out.Set("BucketName", physical_id);
  } else if (type == "AWS::DynamoDB::Table") {
    out.Set("TableName", physical_id);
  } else if (type == "AWS::Kinesis::Stream") {
    out.Set("Name", physical_id);
  } else if (type == "AWS::Cognito::UserPoolGroup") {
    std::string pool = literal_or_ref(props ? props->Find("UserPoolId") : nullptr);
    if (pool.empty()) return Value();
    out.Set("UserPoolId", pool);
    out.Set("GroupName", physical_id);
  } else {
    return Value();
  }
  return out;
}

class VacateStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.refactor-vacate"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Free the Gen2 logical ids the moving resources take: Gen2's own copies are retained, "
        "their references inlined, then let go of (orphaned with their data, never deleted)",
        RefactorRunFields(),
        {{"orphaned", FieldType::kMap, false, "stack -> {logical id: physical id} let go of", {}},
         {"original_templates",
          FieldType::kMap,
          false,
          "stack -> the Gen2 template before vacate (relink restores its references)",
          {}}},
        true,
        true};
    return kSchema;
  }
  std::string Describe(const Value&) const override {
    return "vacate the destination logical ids in the Gen2 stacks (Gen2's copies kept, "
           "orphaned)";
  }
  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    Value templates(ValueMap{});
    Value orphaned(ValueMap{});
    for (const auto& [stack, moves] : MovesByDestination(in.plan)) {
      Value ids(ValueMap{});
      for (const RefactorMove* m : moves) {
        if (!m->displaced_physical_id.empty()) {
          ids.Set(m->destination_logical_id, m->displaced_physical_id);
        }
      }
      if (ids.as_map().empty()) continue;
      ASSIGN_OR_RETURN(std::string body, CurrentBody(cfn, stack));
      templates.Set(stack, body);
      orphaned.Set(stack, std::move(ids));
    }
    Value prepared(ValueMap{});
    prepared.Set("templates", std::move(templates));
    prepared.Set("orphaned", std::move(orphaned));
    return prepared;
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    StackListings listings(cfn);
    for (const auto& [stack, moves] : MovesByDestination(in.plan)) {
      ASSIGN_OR_RETURN(std::set<std::string> displaced, StillHeld(listings, moves));
      if (displaced.empty()) continue;
      ASSIGN_OR_RETURN(DeployedStack cur, LoadDeployedStack(cfn, stack, in.env.region));
      // Retain them and inline every reference to them.
      ASSIGN_OR_RETURN(Value detached,
                       DetachTemplate(cur, displaced, LeavingDefinitions::kRetainedAsTheyAre));
      // A Metadata change with the policies, so CloudFormation takes the
      // policy change for a resource whose properties stay the same.
      if (Value* resources = MutableResources(detached)) {
        for (const std::string& id : displaced) {
          auto entry = resources->as_map().find(id);
          if (entry == resources->as_map().end() || !entry->second.is_map()) continue;
          Value metadata =
              entry->second.Find("Metadata") ? *entry->second.Find("Metadata") : Value(ValueMap{});
          metadata.Set("flightplan:vacate", "retained, to be let go of by refactor");
          entry->second.Set("Metadata", std::move(metadata));
        }
      }
      TemplateApply retain =
          MakeApply(ctx, stack, detached.ToJson(), "vacate-retain", in.deployment_bucket);
      std::string label = retain.label;
      retain.vet = [label, displaced](const Value& cs) {
        return VetNothingStatefulLost(cs, displaced, {}, label);
      };
      TRY(Apply(*client, ctx, retain));
      // Then let go of them: Retain keeps each resource and its data.
      ASSIGN_OR_RETURN(std::string body, CurrentBody(cfn, stack));
      Result<Value> current = Value::FromJson(body);
      if (!current) return MakeError(ErrorCode::kStepFailed, "stack " + stack + " is not JSON");
      // A stack that holds nothing else (a table's own stack) keeps the
      // placeholder until relink puts the moved resource's template back.
      ASSIGN_OR_RETURN(Value vacated,
                       RemoveResources(WithPlaceholder(*current, displaced), displaced));
      TemplateApply remove =
          MakeApply(ctx, stack, vacated.ToJson(), "vacate", in.deployment_bucket);
      std::string remove_label = remove.label;
      remove.vet = [remove_label, displaced](const Value& cs) {
        return VetOnlyRemovals(WithoutPlaceholder(cs), displaced, remove_label);
      };
      TRY(Apply(*client, ctx, remove));
    }
    return Outputs(ctx.prepared);
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    TRY(SettlePlanStacks(cfn, ctx, in));
    StackListings listings(cfn);
    for (const auto& [stack, moves] : MovesByDestination(in.plan)) {
      ASSIGN_OR_RETURN(std::set<std::string> held, StillHeld(listings, moves));
      if (!held.empty()) {
        return CheckResult{CheckOutcome::kNotDone, Value(),
                           fmt::format("stack {} still holds Gen2's own copies", stack)};
      }
    }
    return CheckResult{CheckOutcome::kDone, Outputs(ctx.prepared),
                       "no Gen2 stack holds its own copy at a destination id"};
  }
  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    Value templates = Templates(ctx.prepared);
    for (const auto& [stack, moves] : MovesByDestination(in.plan)) {
      const Value* original_text = templates.Find(stack);
      if (!original_text || !original_text->is_string()) continue;
      TRY(Restore(*client, cfn, ctx, in, stack, moves, original_text->as_string()));
    }
    return {};
  }
  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    TRY(SettlePlanStacks(cfn, ctx, in));
    return HoldsKeptTemplates(cfn, Templates(ctx.prepared), "is not as it was",
                              "every Gen2 stack holds its own copies again");
  }

 private:
  static Value Orphaned(const Value& prepared) {
    const Value* o = prepared.Find("orphaned");
    return o && o->is_map() ? *o : Value(ValueMap{});
  }
  static Value Outputs(const Value& prepared) {
    Value out(ValueMap{});
    out.Set("orphaned", Orphaned(prepared));
    out.Set("original_templates", Templates(prepared));
    return out;
  }
  // The destination ids where the Gen2 stack still holds its own copy: it
  // lists the copy's physical id there while the moving resource is still
  // in its Gen1 stack (a group's physical id is its name, which both share).
  static Result<std::set<std::string>> StillHeld(StackListings& listings,
                                                 const std::vector<const RefactorMove*>& moves) {
    std::set<std::string> out;
    for (const RefactorMove* m : moves) {
      if (m->displaced_physical_id.empty()) continue;
      ASSIGN_OR_RETURN(const auto* ids, listings.Of(m->destination_stack));
      auto it = ids->find(m->destination_logical_id);
      if (it == ids->end() || it->second != m->displaced_physical_id) continue;
      ASSIGN_OR_RETURN(Whereabouts where, listings.Locate(*m));
      if (where == Whereabouts::kAtSource) out.insert(m->destination_logical_id);
    }
    return out;
  }
  // Imports the copies that are not back, then the template from before.
  Result<void> Restore(aws::AwsClient& client, aws::CloudFormationClient& cfn, StepContext& ctx,
                       const RefactorInputs& in, const std::string& stack,
                       const std::vector<const RefactorMove*>& moves,
                       const std::string& original_text) const {
    Result<Value> original = Value::FromJson(original_text);
    const Value* original_resources = original ? original->Find("Resources") : nullptr;
    if (!original_resources) {
      return MakeError(ErrorCode::kStepFailed,
                       "the prepared template of " + stack + " is not a template");
    }
    StackListings listings(cfn);
    ASSIGN_OR_RETURN(DeployedStack cur, LoadDeployedStack(cfn, stack, in.env.region));
    ValueList to_import;
    Value with_imports = cur.template_json;
    Value* resources = MutableResources(with_imports);
    std::set<std::string> kept;
    // What an imported definition may refer to: the stack's resources and
    // the other copies coming back.
    std::map<std::string, std::string> known = cur.physical_ids;
    for (const RefactorMove* m : moves) {
      if (!m->displaced_physical_id.empty()) {
        known[m->destination_logical_id] = m->displaced_physical_id;
      }
    }
    for (const RefactorMove* m : moves) {
      if (m->displaced_physical_id.empty()) continue;
      const std::string& id = m->destination_logical_id;
      kept.insert(id);
      ASSIGN_OR_RETURN(Whereabouts where, listings.Locate(*m));
      if (where != Whereabouts::kAtSource) {
        return MakeError(
            ErrorCode::kStepFailed,
            fmt::format("{} ({}) is not back in its Gen1 stack {}: the move must be "
                        "rolled back before Gen2's own {} can return to {}",
                        m->key, m->physical_id, m->source_stack, m->displaced_physical_id, id));
      }
      if (cur.physical_ids.count(id)) continue;  // imported already
      const Value* def = original_resources->Find(id);
      if (!def || !resources) continue;
      Value imported = *def;
      imported.Set("DeletionPolicy", "Retain");
      std::string type = StringAt(imported, "Type");
      Value identifier = ImportIdentifier(type, m->displaced_physical_id, imported, known);
      if (identifier.is_null()) {
        return MakeError(ErrorCode::kStepFailed,
                         fmt::format("flightplan cannot import a {} back into stack {}: import "
                                     "{} ({}) by hand with an IMPORT change set",
                                     type, stack, id, m->displaced_physical_id));
      }
      resources->Set(id, std::move(imported));
      Value item(ValueMap{});
      item.Set("ResourceType", type);
      item.Set("LogicalResourceId", id);
      item.Set("ResourceIdentifier", std::move(identifier));
      to_import.push_back(std::move(item));
    }
    if (!to_import.empty()) {
      TemplateApply import =
          MakeApply(ctx, stack, with_imports.ToJson(), "reimport", in.deployment_bucket);
      import.resources_to_import = std::move(to_import);
      TRY(Apply(client, ctx, import));
    }
    // Then the template as it was: references and policies restored.
    TemplateApply restore = MakeApply(ctx, stack, original_text, "unvacate", in.deployment_bucket);
    std::string label = restore.label;
    restore.vet = [label, kept](const Value& cs) {
      return VetNothingStatefulLost(WithoutPlaceholder(cs), kept, {}, label);
    };
    return Apply(client, ctx, restore);
  }
};

// ---------------------------------------------------------------- move

class MoveStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.refactor-move"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Move the resources with CloudFormation stack refactoring, one refactor per pair of "
        "stacks, each found again after a crash and never duplicated",
        RefactorRunFields(),
        {{"moved", FieldType::kInteger, false, "how many resources are in Gen2 now", {}}},
        true,
        true};
    return kSchema;
  }
  std::string Describe(const Value&) const override {
    return "move the stateful resources into the Gen2 stacks (CreateStackRefactor, "
           "ExecuteStackRefactor)";
  }
  Result<std::string> Preview(const Value& inputs, StepContext&) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    std::string out;
    for (const RefactorMove& m : in.plan.moves) {
      out += fmt::format("{} {}: {}/{} -> {}/{}\n", m.type, m.physical_id, m.source_stack,
                         m.source_logical_id, m.destination_stack, m.destination_logical_id);
    }
    return out;
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    for (const auto& [source, destination] : in.plan.StackPairs()) {
      TRY(MovePair(*client, ctx, in, source, destination, /*back=*/false));
    }
    return Value(ValueMap{{"moved", Value(static_cast<int64_t>(in.plan.moves.size()))}});
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    ASSIGN_OR_RETURN(int at, CountAt(*client, ctx, in, Whereabouts::kAtDestination));
    if (at == static_cast<int>(in.plan.moves.size())) {
      return CheckResult{CheckOutcome::kDone, Value(ValueMap{{"moved", Value(int64_t{at})}}),
                         "every resource is in its Gen2 stack"};
    }
    return CheckResult{CheckOutcome::kNotDone, Value(),
                       fmt::format("{} of {} resources are in Gen2", at, in.plan.moves.size())};
  }
  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    for (const auto& [source, destination] : in.plan.StackPairs()) {
      TRY(MovePair(*client, ctx, in, source, destination, /*back=*/true));
    }
    return {};
  }
  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    ASSIGN_OR_RETURN(int at, CountAt(*client, ctx, in, Whereabouts::kAtSource));
    if (at == static_cast<int>(in.plan.moves.size())) {
      return CheckResult{CheckOutcome::kDone, Value(), "every resource is back in Gen1"};
    }
    return CheckResult{
        CheckOutcome::kNotDone, Value(),
        fmt::format("{} of {} resources are back in Gen1", at, in.plan.moves.size())};
  }

 private:
  Result<int> CountAt(aws::AwsClient& client, StepContext& ctx, const RefactorInputs& in,
                      Whereabouts wanted) const {
    aws::CloudFormationClient cfn(client, *ctx.clock);
    TRY(SettlePlanStacks(cfn, ctx, in));
    StackListings listings(cfn);
    int count = 0;
    for (const RefactorMove& m : in.plan.moves) {
      ASSIGN_OR_RETURN(Whereabouts where, listings.Locate(m));
      if (where == wanted) ++count;
    }
    return count;
  }
  Result<void> MovePair(aws::AwsClient& client, StepContext& ctx, const RefactorInputs& in,
                        const std::string& source, const std::string& destination,
                        bool back) const {
    aws::CloudFormationClient cfn(client, *ctx.clock);
    TRY(SettlePlanStacks(cfn, ctx, in));
    StackListings listings(cfn);
    std::vector<const RefactorMove*> moves;
    for (const RefactorMove& m : in.plan.moves) {
      if (m.source_stack == source && m.destination_stack == destination) moves.push_back(&m);
    }
    // From where they are now to where they go.
    const Whereabouts from_where = back ? Whereabouts::kAtDestination : Whereabouts::kAtSource;
    std::string from = back ? destination : source;
    std::string to = back ? source : destination;
    std::vector<ResourceMapping> mappings;
    for (const RefactorMove* m : moves) {
      ASSIGN_OR_RETURN(Whereabouts where, listings.Locate(*m));
      if (where == from_where) {
        mappings.push_back(
            back ? ResourceMapping{from, m->destination_logical_id, to, m->source_logical_id}
                 : ResourceMapping{from, m->source_logical_id, to, m->destination_logical_id});
      } else if (where == Whereabouts::kNeither) {
        return MakeError(
            ErrorCode::kStepFailed,
            fmt::format("{} ({}) is neither in {} as {} nor in {} as {}: flightplan moves only "
                        "what is where the plan put it; `aws cloudformation "
                        "describe-stack-resources --physical-resource-id {}` says where it is",
                        m->key, m->physical_id, m->source_stack, m->source_logical_id,
                        m->destination_stack, m->destination_logical_id, m->physical_id));
      }
    }
    if (mappings.empty()) return {};
    ASSIGN_OR_RETURN(DeployedStack from_stack, LoadDeployedStack(cfn, from, in.env.region));
    ASSIGN_OR_RETURN(DeployedStack to_stack, LoadDeployedStack(cfn, to, in.env.region));
    std::set<std::string> leaving;
    for (const ResourceMapping& m : mappings) leaving.insert(m.source_logical_id);
    // Detached already (by detach, or by relink's rollback): this inlines
    // any reference left and is otherwise the template as it is.
    ASSIGN_OR_RETURN(Value detached, DetachTemplate(from_stack, leaving));
    ASSIGN_OR_RETURN(RefactorTemplates templates,
                     MoveResources(detached, to_stack.template_json, mappings));
    StackRefactorSpec spec;
    spec.tag = fmt::format("flightplan run {} refactor{} {} to {}", ctx.run_id,
                           back ? " rollback" : "", from, to);
    spec.stacks = {{from, templates.source.ToJson()}, {to, templates.destination.ToJson()}};
    spec.mappings = mappings;
    spec.upload_bucket = in.deployment_bucket;
    spec.upload_prefix = "flightplan/refactor";
    const Whereabouts target = back ? Whereabouts::kAtSource : Whereabouts::kAtDestination;
    ASSIGN_OR_RETURN(
        StackRefactorOutcome outcome,
        RunStackRefactor(client, *ctx.clock, spec, StepWaitOptions(ctx), [&]() -> Result<bool> {
          StackListings fresh(cfn);
          for (const RefactorMove* m : moves) {
            ASSIGN_OR_RETURN(Whereabouts where, fresh.Locate(*m));
            if (where != target) return false;
          }
          return true;
        }));
    (void)outcome;
    return {};
  }
};

// ---------------------------------------------------------------- relink

class RelinkStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.refactor-relink"; }
  const StepSchema& schema() const override {
    static std::vector<FieldSpec> fields = [] {
      std::vector<FieldSpec> f = RefactorRunFields();
      f.push_back({"original_templates",
                   FieldType::kMap,
                   true,
                   "the Gen2 templates before vacate (migration.refactor-vacate's output)",
                   {}});
      return f;
    }();
    static const StepSchema kSchema{
        "Wire the moved resources into Gen2: each Gen2 stack's own references restored, now "
        "to the moved resource (no moved resource replaced or removed)",
        fields,
        {{"stacks", FieldType::kInteger, false, "how many Gen2 stacks were updated", {}}},
        true,
        true};
    return kSchema;
  }
  std::string Describe(const Value&) const override {
    return "re-link the moved resources to Gen2's functions, policies and data sources";
  }
  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    Value templates(ValueMap{});
    const Value listed = Originals(inputs);
    for (const auto& [stack, original] : listed.as_map()) {
      ASSIGN_OR_RETURN(std::string body, CurrentBody(cfn, stack));
      templates.Set(stack, body);
    }
    return Value(ValueMap{{"templates", templates}});
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    int64_t updated = 0;
    for (const auto& [stack, moves] : MovesByDestination(in.plan)) {
      ASSIGN_OR_RETURN(std::optional<Value> relinked, Relinked(*client, cfn, inputs, stack, moves));
      if (!relinked) continue;
      std::set<std::string> kept;
      for (const RefactorMove* m : moves) kept.insert(m->destination_logical_id);
      TemplateApply apply =
          MakeApply(ctx, stack, relinked->ToJson(), "relink", in.deployment_bucket);
      std::string label = apply.label;
      // The template before vacate has no placeholder: vacate's goes.
      apply.vet = [label, kept](const Value& cs) {
        return VetNothingStatefulLost(WithoutPlaceholder(cs), kept, RecreatableTypes(), label);
      };
      TRY(Apply(*client, ctx, apply));
      ++updated;
    }
    return Value(ValueMap{{"stacks", Value(updated)}});
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    TRY(SettlePlanStacks(cfn, ctx, in));
    int64_t stacks = 0;
    for (const auto& [stack, moves] : MovesByDestination(in.plan)) {
      ASSIGN_OR_RETURN(std::optional<Value> relinked, Relinked(*client, cfn, inputs, stack, moves));
      if (!relinked) continue;
      ASSIGN_OR_RETURN(std::string current, CurrentBody(cfn, stack));
      if (!SameTemplate(current, relinked->ToJson())) {
        return CheckResult{CheckOutcome::kNotDone, Value(),
                           fmt::format("Gen2 stack {} is not re-linked yet", stack)};
      }
      ++stacks;
    }
    return CheckResult{CheckOutcome::kDone, Value(ValueMap{{"stacks", Value(stacks)}}),
                       "every Gen2 stack refers to the moved resources"};
  }
  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    for (const auto& [stack, moves] : MovesByDestination(in.plan)) {
      const Value all = Templates(ctx.prepared);
      const Value* before = all.Find(stack);
      if (!before || !before->is_string()) continue;
      std::set<std::string> kept;
      for (const RefactorMove* m : moves) kept.insert(m->destination_logical_id);
      TemplateApply apply =
          MakeApply(ctx, stack, before->as_string(), "unlink", in.deployment_bucket);
      std::string label = apply.label;
      apply.vet = [label, kept](const Value& cs) {
        return VetNothingStatefulLost(cs, kept, RecreatableTypes(), label);
      };
      TRY(Apply(*client, ctx, apply));
    }
    return {};
  }
  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    TRY(SettlePlanStacks(cfn, ctx, in));
    return HoldsKeptTemplates(cfn, Templates(ctx.prepared), "is still re-linked",
                              "the Gen2 stacks are as before relink");
  }

 private:
  static Value Originals(const Value& inputs) {
    const Value* o = inputs.Find("original_templates");
    return o && o->is_map() ? *o : Value(ValueMap{});
  }
  // The template `stack` should hold once re-linked: its template before
  // vacate, each vacated id now holding the moved resource as it is
  // deployed (marked with its Gen1 identity), without Gen2's own domain of
  // a moved pool that has Gen1's hosted UI domain; nullopt when vacate did
  // not touch the stack.
  Result<std::optional<Value>> Relinked(aws::AwsClient& client, aws::CloudFormationClient& cfn,
                                        const Value& inputs, const std::string& stack,
                                        const std::vector<const RefactorMove*>& moves) const {
    const Value all = Originals(inputs);
    const Value* original_text = all.Find(stack);
    if (!original_text || !original_text->is_string()) return std::optional<Value>();
    Result<Value> original = Value::FromJson(original_text->as_string());
    if (!original || !MutableResources(*original)) {
      return MakeError(ErrorCode::kStepFailed, "the Gen2 template before vacate is not JSON");
    }
    ASSIGN_OR_RETURN(std::string body, CurrentBody(cfn, stack));
    Result<Value> current = Value::FromJson(body);
    const Value* current_resources = current ? current->Find("Resources") : nullptr;
    if (!current_resources) {
      return MakeError(ErrorCode::kStepFailed, "stack " + stack + " has no Resources");
    }
    Value out = *original;
    Value* resources = MutableResources(out);
    for (const RefactorMove* m : moves) {
      const Value* moved = current_resources->Find(m->destination_logical_id);
      if (!moved) {
        return MakeError(ErrorCode::kStepFailed,
                         fmt::format("Gen2 stack {} does not hold {} yet: the move comes first",
                                     stack, m->destination_logical_id));
      }
      Value def = *moved;
      Value metadata(ValueMap{});
      metadata.Set(std::string(kIdentityMark), m->key);
      def.Set("Metadata", std::move(metadata));
      resources->Set(m->destination_logical_id, std::move(def));
    }
    // A moved pool that keeps Gen1's hosted UI domain cannot take Gen2's.
    ASSIGN_OR_RETURN(auto pool_domains, MovedPoolDomains(client, moves));
    ASSIGN_OR_RETURN(std::set<std::string> dropped, DropPoolDomains(out, pool_domains, stack));
    (void)dropped;
    return std::optional<Value>(std::move(out));
  }
};

}  // namespace

void RegisterRefactorMoveSteps(StepRegistry& registry, aws::ClientPool& clients) {
  registry.Register(std::make_unique<DetachStep>(clients));
  registry.Register(std::make_unique<VacateStep>(clients));
  registry.Register(std::make_unique<MoveStep>(clients));
  registry.Register(std::make_unique<RelinkStep>(clients));
}

}  // namespace flightplan::migration
