#include "cloudsim/cfn/stacks.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cloudsim/cfn/stateful.h"

namespace flightplan::cloudsim::cfn {
namespace {

constexpr std::string_view kStackType = "AWS::CloudFormation::Stack";

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && (f->is_string() || f->is_number() || f->is_bool()) ? f->ToText() : std::string();
}

const ValueMap& Section(const Value& tmpl, std::string_view name) {
  static const ValueMap kEmpty;
  const Value* v = tmpl.Find(name);
  return v && v->is_map() ? v->as_map() : kEmpty;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Resolves Ref/GetAtt against the resources of a stack being deployed.
class WorkingContext final : public EvalContext {
 public:
  WorkingContext(const World& world, const std::vector<StackResource>& resources, bool planning)
      : world_(world), resources_(resources), planning_(planning) {}

  SimResult<Value> ResourceRef(std::string_view logical_id) const override {
    const StackResource* r = Find(logical_id);
    if (r && !r->physical_id.empty()) return Value(r->physical_id);
    if (planning_) return Value("{{changeSet:KNOWN_AFTER_APPLY}}");
    return tl::unexpected(
        Validation(fmt::format("Template format error: Unresolved resource dependencies "
                               "[{}] in the Resources block of the template",
                               logical_id)));
  }
  SimResult<Value> ResourceAttribute(std::string_view logical_id,
                                     std::string_view attribute) const override {
    const StackResource* r = Find(logical_id);
    if (!r || (r->physical_id.empty() && r->type != kStackType)) {
      if (planning_) return Value("{{changeSet:KNOWN_AFTER_APPLY}}");
      return tl::unexpected(
          Validation(fmt::format("Template error: instance of Fn::GetAtt "
                                 "references undefined resource {}",
                                 logical_id)));
    }
    auto v = cfn::ResourceAttribute(world_, *r, attribute);
    if (!v && planning_ && r->physical_id.empty()) return Value("{{changeSet:KNOWN_AFTER_APPLY}}");
    return v;
  }
  SimResult<Value> ImportValue(std::string_view export_name) const override {
    imports_.insert(std::string(export_name));
    const CfnExport* e = world_.cloudformation.FindExport(export_name);
    if (!e) {
      return tl::unexpected(Validation(fmt::format("No export named {} found.", export_name)));
    }
    return Value(e->value);
  }
  const std::set<std::string>& imports() const { return imports_; }

 private:
  const StackResource* Find(std::string_view logical_id) const {
    for (const auto& r : resources_) {
      if (r.logical_id == logical_id) return &r;
    }
    return nullptr;
  }
  const World& world_;
  const std::vector<StackResource>& resources_;
  bool planning_;
  mutable std::set<std::string> imports_;
};

PseudoParameters PseudoOf(const World& world, const Stack& stack) {
  return {world.config().account_id, world.config().region, stack.name, stack.id,
          stack.notification_arns};
}

StackEvent MakeEvent(World& world, std::string_view logical_id, std::string_view physical_id,
                     std::string_view type, std::string_view status, std::string_view reason,
                     const Value& properties = Value()) {
  StackEvent e;
  e.event_id = world.NewUuid();
  e.logical_id = std::string(logical_id);
  e.physical_id = std::string(physical_id);
  e.resource_type = std::string(type);
  e.status = std::string(status);
  e.reason = std::string(reason);
  if (!properties.is_null()) e.properties = properties.ToJson();
  e.timestamp = world.Now();
  return e;
}

StackEvent StackStatusEvent(World& world, const Stack& stack, std::string_view status,
                            std::string_view reason = "") {
  return MakeEvent(world, stack.name, stack.id, kStackType, status, reason);
}

// Parks the final status of an operation that just ran.
void Finish(World& world, Stack& stack, std::string final_status, std::string reason,
            std::vector<StackEvent> events, bool delete_when_revealed = false) {
  PendingOperation op;
  if (stack.pending) op.events = std::move(stack.pending->events);
  for (auto& e : events) op.events.push_back(std::move(e));
  op.reveal_at = world.Now() + world.config().operation_delay;
  op.final_status = std::move(final_status);
  op.final_reason = std::move(reason);
  op.delete_when_revealed = delete_when_revealed;
  stack.pending = std::move(op);
}

// The status a caller would see once the pending operation is revealed.
std::string EventualStatus(const Stack& stack) {
  return stack.pending ? stack.pending->final_status : stack.status;
}
std::string EventualReason(const Stack& stack) {
  return stack.pending ? stack.pending->final_reason : stack.reason;
}

// Stack policies: default deny once a policy is set; Deny overrides Allow.
bool Matches(std::string_view pattern, std::string_view text) {
  if (!pattern.empty() && pattern.back() == '*') {
    return text.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
  }
  return pattern == text;
}
bool AnyMatches(const Value* patterns, std::string_view text) {
  if (!patterns) return false;
  if (patterns->is_string()) return Matches(patterns->as_string(), text);
  if (patterns->is_list()) {
    for (const Value& p : patterns->as_list()) {
      if (p.is_string() && Matches(p.as_string(), text)) return true;
    }
  }
  return false;
}
bool StatementApplies(const Value& st, std::string_view action, std::string_view logical_id,
                      std::string_view type) {
  bool action_ok = st.Find("Action") ? AnyMatches(st.Find("Action"), action)
                                     : !AnyMatches(st.Find("NotAction"), action);
  if (!action_ok) return false;
  std::string resource = "LogicalResourceId/" + std::string(logical_id);
  bool resource_ok = st.Find("Resource") ? AnyMatches(st.Find("Resource"), resource)
                                         : !AnyMatches(st.Find("NotResource"), resource);
  if (!resource_ok) return false;
  if (const Value* cond = st.Find("Condition"); cond && cond->is_map()) {
    for (const auto& [op, body] : cond->as_map()) {
      const Value* types = body.Find("ResourceType");
      if (types && !AnyMatches(types, type)) return false;
      (void)op;
    }
  }
  return true;
}
// Empty when allowed; else the denial reason.
std::string PolicyDenial(const std::string& policy_text, std::string_view action,
                         std::string_view logical_id, std::string_view type) {
  if (policy_text.empty()) return {};
  auto policy = Value::FromJson(policy_text);
  if (!policy) return {};
  const Value* statements = policy->Find("Statement");
  if (!statements) return {};
  ValueList list = statements->is_list() ? statements->as_list() : ValueList{*statements};
  bool allowed = false;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!StatementApplies(list[i], action, logical_id, type)) continue;
    if (Str(list[i], "Effect") == "Deny") {
      return fmt::format(
          "Action denied by stack policy: Statement [#{}] does not allow [{}] "
          "for resource [LogicalResourceId/{}]",
          i + 1, action, logical_id);
    }
    if (Str(list[i], "Effect") == "Allow") allowed = true;
  }
  if (!allowed) {
    return fmt::format(
        "Action denied by stack policy: No Allow statement for [{}] on "
        "resource [LogicalResourceId/{}]",
        action, logical_id);
  }
  return {};
}

// Resource creation order of a template, filtered by its conditions.
SimResult<std::vector<std::string>> IncludedOrder(const Value& tmpl, const Evaluator& ev) {
  auto order = DependencyOrder(tmpl);
  if (!order) return order;
  std::vector<std::string> out;
  const ValueMap& resources = Section(tmpl, "Resources");
  for (const auto& id : *order) {
    auto it = resources.find(id);
    if (it != resources.end() && ev.Included(it->second)) out.push_back(id);
  }
  return out;
}

// Deletion order: reverse creation order of the template the resources
// came from, then whatever that template no longer names.
std::vector<std::string> DeletionOrder(const Stack& stack) {
  std::vector<std::string> out;
  auto order = DependencyOrder(stack.template_body);
  if (order) {
    for (auto it = order->rbegin(); it != order->rend(); ++it) {
      if (stack.FindResource(*it)) out.push_back(*it);
    }
  }
  for (auto it = stack.resources.rbegin(); it != stack.resources.rend(); ++it) {
    if (std::find(out.begin(), out.end(), it->logical_id) == out.end())
      out.push_back(it->logical_id);
  }
  return out;
}

std::string FaultLogicalId(const std::optional<FaultRule>& fault) {
  if (!fault) return {};
  return Str(fault->options, "logical_id");
}

std::string FaultMessage(const FaultRule& fault) {
  return fmt::format("Resource handler returned message: \"{}\"", fault.message);
}

}  // namespace

// ---- helpers shared with the service
// -----------------------------------------

Value PlannedChange::ToValue() const {
  ValueMap rc;
  rc["Action"] = action;
  rc["LogicalResourceId"] = logical_id;
  if (!physical_id.empty()) rc["PhysicalResourceId"] = physical_id;
  rc["ResourceType"] = type;
  if (action == "Modify") {
    rc["Replacement"] = replacement;
    ValueList scope;
    if (!changed_properties.empty() || !metadata_changed) scope.push_back(Value("Properties"));
    if (metadata_changed) scope.push_back(Value("Metadata"));
    rc["Scope"] = Value(std::move(scope));
    ValueList details;
    if (metadata_changed) {
      Value detail(ValueMap{});
      detail.Set("Target", Value(ValueMap{{"Attribute", Value("Metadata")},
                                          {"RequiresRecreation", Value("Never")}}));
      detail.Set("Evaluation", "Static");
      detail.Set("ChangeSource", "DirectModification");
      details.push_back(std::move(detail));
    }
    for (const auto& p : changed_properties) {
      bool replaces = PropertyRequiresReplacement(type, p);
      details.push_back(Value(ValueMap{
          {"Target", Value(ValueMap{{"Attribute", Value("Properties")},
                                    {"Name", Value(p)},
                                    {"RequiresRecreation", Value(replaces ? "Always" : "Never")}})},
          {"Evaluation", Value("Static")},
          {"ChangeSource", Value("DirectModification")}}));
    }
    rc["Details"] = Value(std::move(details));
  } else {
    rc["Scope"] = Value(ValueList{});
    rc["Details"] = Value(ValueList{});
  }
  return Value(ValueMap{{"Type", Value("Resource")}, {"ResourceChange", Value(std::move(rc))}});
}

std::vector<CfnParameter> ToStoreParameters(const std::vector<ParameterValue>& params) {
  std::vector<CfnParameter> out;
  for (const auto& p : params) out.push_back({p.key, p.text, p.resolved, p.no_echo});
  return out;
}

std::vector<ParameterValue> FromStoreParameters(const Stack& stack) {
  std::vector<GivenParameter> given;
  for (const auto& p : stack.parameters) given.push_back({p.key, p.value, false});
  auto resolved = ResolveParameters(stack.template_body, given);
  if (resolved) return *resolved;
  std::vector<ParameterValue> out;
  for (const auto& p : stack.parameters)
    out.push_back({p.key, Value(p.value), p.value, p.resolved, p.no_echo});
  return out;
}

SimResult<std::string> TemplateText(const World& world, const Value& params, bool allow_previous) {
  std::string body = Str(params, "TemplateBody");
  std::string url = Str(params, "TemplateURL");
  bool previous = Str(params, "UsePreviousTemplate") == "true";
  int given = !body.empty() + !url.empty() + (previous && allow_previous);
  if (given != 1) {
    return tl::unexpected(Validation(
        allow_previous ? "Exactly one of TemplateBody, TemplateUrl or UsePreviousTemplate "
                         "must be specified."
                       : "Either Template URL or Template Body must be specified."));
  }
  if (previous) return std::string();
  if (!body.empty()) {
    if (body.size() > kMaxTemplateBodyBytes) {
      return tl::unexpected(Validation(
          fmt::format("1 validation error detected: Value '{}...' at 'templateBody' failed "
                      "to satisfy "
                      "constraint: Member must have length less than or equal to 51200",
                      body.substr(0, 20))));
    }
    return body;
  }
  return FetchTemplateUrl(world, url);
}

SimResult<void> StackEngine::CheckCapabilities(const Value& tmpl,
                                               const std::vector<std::string>& capabilities) {
  auto has = [&](std::string_view c) {
    return std::find(capabilities.begin(), capabilities.end(), c) != capabilities.end();
  };
  bool need_iam = false, need_named = false;
  for (const auto& [id, r] : Section(tmpl, "Resources")) {
    std::string type = Str(r, "Type");
    const Value* props = r.Find("Properties");
    if (IsIamType(type)) need_iam = true;
    if (props && IsNamedIam(type, *props)) need_named = true;
    (void)id;
  }
  if (need_named && !has("CAPABILITY_NAMED_IAM")) {
    return tl::unexpected(SimError{400, "InsufficientCapabilitiesException",
                                   "Requires capabilities : [CAPABILITY_NAMED_IAM]"});
  }
  if (need_iam && !has("CAPABILITY_IAM") && !has("CAPABILITY_NAMED_IAM")) {
    return tl::unexpected(SimError{400, "InsufficientCapabilitiesException",
                                   "Requires capabilities : [CAPABILITY_IAM]"});
  }
  if (tmpl.Find("Transform") && !has("CAPABILITY_AUTO_EXPAND")) {
    return tl::unexpected(SimError{400, "InsufficientCapabilitiesException",
                                   "Requires capabilities : [CAPABILITY_AUTO_EXPAND]"});
  }
  return {};
}

// ---- the deployment core
// -------------------------------------------------------

namespace {

enum class Mode { kCreate, kUpdate, kSeed };

struct Outcome {
  bool ok = true;
  std::string failed_logical_id;
  std::string reason;
};

}  // namespace

// Everything Create/Update share: brings `stack.resources` to `tmpl`.
// On failure restores what it changed (unless create without rollback).
class Deployment {
 public:
  Deployment(World& world, StackEngine& engine, Stack& stack, Mode mode)
      : world_(world), engine_(engine), stack_(stack), mode_(mode) {}

  // `fail_at`: the logical id the injected fault fails ("" = none).
  // `events` get the forward progress, `after` the cleanup (success) or
  // the rollback (failure).
  Outcome Run(const Value& tmpl, const std::vector<ParameterValue>& params,
              const std::string& fail_at, const std::string& fault_message,
              const std::string& policy, bool rollback,
              const std::map<std::string, std::string>* pinned, std::vector<StackEvent>& events,
              std::vector<StackEvent>& after);

 private:
  ProviderContext Context(std::string pinned = "") {
    return ProviderContext{world_, stack_, mode_ == Mode::kSeed ? nullptr : &engine_,
                           std::move(pinned), mode_ == Mode::kSeed};
  }
  void Rollback(std::vector<StackEvent>& events);

  World& world_;
  StackEngine& engine_;
  Stack& stack_;
  Mode mode_;
  std::vector<StackResource> working_;
  // Undo log.
  std::vector<std::string> created_;         // adds and replacements (new physical)
  std::vector<StackResource> replaced_old_;  // old physical of replacements
  std::vector<StackResource> modified_old_;  // in-place updates: previous state
  std::map<std::string, std::pair<std::string, std::vector<CfnParameter>>> child_before_;
};

void Deployment::Rollback(std::vector<StackEvent>& events) {
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    auto r = std::find_if(working_.begin(), working_.end(),
                          [&](const StackResource& x) { return x.logical_id == *it; });
    if (r == working_.end()) continue;
    events.push_back(
        MakeEvent(world_, r->logical_id, r->physical_id, r->type, "DELETE_IN_PROGRESS", ""));
    auto ctx = Context();
    auto deleted = DeleteResource(ctx, *r);
    events.push_back(MakeEvent(world_, r->logical_id, r->physical_id, r->type,
                               deleted ? "DELETE_COMPLETE" : "DELETE_FAILED",
                               deleted ? "" : deleted.error().message));
  }
  for (const auto& old : modified_old_) {
    events.push_back(
        MakeEvent(world_, old.logical_id, old.physical_id, old.type, "UPDATE_IN_PROGRESS", ""));
    if (old.type == kStackType) {
      auto before = child_before_.find(old.logical_id);
      const Stack* child = world_.cloudformation.Find(old.physical_id);
      if (before != child_before_.end() && child) {
        StackInput revert;
        revert.name = child->id;
        revert.template_text = before->second.first;
        for (const auto& p : before->second.second)
          revert.parameters.push_back({p.key, p.value, false});
        revert.capabilities = {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"};
        revert.operation = "Rollback";
        (void)engine_.Update(revert);
      }
    } else {
      auto ctx = Context();
      (void)UpdateResource(ctx, old, old.properties);
    }
    events.push_back(
        MakeEvent(world_, old.logical_id, old.physical_id, old.type, "UPDATE_COMPLETE", ""));
  }
}

Outcome Deployment::Run(const Value& tmpl, const std::vector<ParameterValue>& params,
                        const std::string& fail_at, const std::string& fault_message,
                        const std::string& policy, bool rollback,
                        const std::map<std::string, std::string>* pinned,
                        std::vector<StackEvent>& events, std::vector<StackEvent>& after) {
  working_ = stack_.resources;
  WorkingContext wctx(world_, working_, false);
  Evaluator ev(tmpl, params, PseudoOf(world_, stack_), &wctx);
  Outcome out;
  const ValueMap& template_resources = Section(tmpl, "Resources");
  auto fail = [&](std::string logical_id, std::string reason) {
    if (!logical_id.empty()) {
      const StackResource* old = stack_.FindResource(logical_id);
      auto t = template_resources.find(logical_id);
      std::string type =
          t != template_resources.end() ? Str(t->second, "Type") : (old ? old->type : "");
      events.push_back(MakeEvent(world_, logical_id, old ? old->physical_id : "", type,
                                 old ? "UPDATE_FAILED" : "CREATE_FAILED", reason));
    }
    out.ok = false;
    out.failed_logical_id = std::move(logical_id);
    out.reason = std::move(reason);
  };
  auto order = IncludedOrder(tmpl, ev);
  if (auto c = ev.EvaluateConditions(); !c) {
    fail("", c.error().message);
    return out;
  }
  order = IncludedOrder(tmpl, ev);
  if (!order) {
    fail("", order.error().message);
    return out;
  }
  const ValueMap& resources = Section(tmpl, "Resources");
  for (const auto& id : *order) {
    const Value& entry = resources.find(id)->second;
    std::string type = Str(entry, "Type");
    Value raw_props = entry.Find("Properties") ? *entry.Find("Properties") : Value(ValueMap{});
    auto props = ev.Evaluate(raw_props);
    if (!props) {
      if (mode_ != Mode::kSeed) {
        fail(id, props.error().message);
        break;
      }
      props = raw_props;  // seeding: a child's outputs are not there yet
    }
    auto existing = std::find_if(working_.begin(), working_.end(),
                                 [&](const StackResource& r) { return r.logical_id == id; });
    bool is_new = existing == working_.end();
    bool replace = !is_new && (existing->type != type ||
                               RequiresReplacement(type, existing->properties, *props));
    bool modify = !is_new && !replace && (!(existing->properties == *props) || type == kStackType);
    if (!is_new && !replace && !modify) {
      // The stack keeps the new template whole: its policies apply from now
      // on, to a later removal too, though the resource itself is untouched.
      existing->deletion_policy = Str(entry, "DeletionPolicy");
      existing->update_replace_policy = Str(entry, "UpdateReplacePolicy");
      continue;
    }
    if (!is_new && !policy.empty()) {
      std::string denial =
          PolicyDenial(policy, replace ? "Update:Replace" : "Update:Modify", id, type);
      if (!denial.empty()) {
        fail(id, denial);
        break;
      }
    }
    if (id == fail_at) {
      events.push_back(MakeEvent(world_, id, is_new ? "" : existing->physical_id, type,
                                 is_new ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS", "", *props));
      fail(id, fault_message);
      break;
    }
    StackResource res;
    res.logical_id = id;
    res.type = type;
    res.properties = *props;
    res.deletion_policy = Str(entry, "DeletionPolicy");
    res.update_replace_policy = Str(entry, "UpdateReplacePolicy");
    res.updated = world_.Now();
    if (is_new || replace) {
      bool replaced_in_place = false;  // the old one deleted first: same name
      std::string pin;
      if (pinned) {
        if (auto p = pinned->find(id); p != pinned->end()) pin = p->second;
      }
      events.push_back(MakeEvent(world_, id, replace ? existing->physical_id : "", type,
                                 is_new ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS",
                                 replace ? "Requested update requires the creation of a new "
                                           "physical resource; hence creating one."
                                         : "",
                                 *props));
      if (mode_ == Mode::kSeed && type == kStackType) {
        res.status = "CREATE_COMPLETE";
        res.actual = *props;
        res.attributes = Value(ValueMap{});
      } else {
        auto ctx = Context(pin);
        if (replace && ReplacedUnderTheSameName(*existing, type, *props)) {
          if (auto gone = DeleteResource(ctx, *existing); !gone) {
            fail(id, gone.error().message);
            break;
          }
          replaced_in_place = true;
        }
        auto applied = CreateResource(ctx, id, type, *props);
        if (!applied && mode_ == Mode::kSeed) {
          applied = UnbackedResource(ctx, id, type, *props);
        }
        if (!applied) {
          fail(id, applied.error().message);
          break;
        }
        res.physical_id = applied->physical_id;
        res.attributes = applied->attributes;
        res.actual = applied->actual;
        res.status = is_new ? "CREATE_COMPLETE" : "UPDATE_COMPLETE";
      }
      if (mode_ != Mode::kSeed) {
        events.push_back(MakeEvent(world_, id, res.physical_id, type, "CREATE_IN_PROGRESS",
                                   "Resource creation Initiated", *props));
      }
      events.push_back(MakeEvent(world_, id, res.physical_id, type, res.status, "", *props));
      if (replace) {
        if (!replaced_in_place) replaced_old_.push_back(*existing);
        *existing = res;
      } else {
        working_.push_back(res);
      }
      created_.push_back(id);
      continue;
    }
    // In-place update.
    events.push_back(
        MakeEvent(world_, id, existing->physical_id, type, "UPDATE_IN_PROGRESS", "", *props));
    if (type == kStackType) {
      if (const Stack* child = world_.cloudformation.Find(existing->physical_id)) {
        child_before_[id] = {child->template_text, child->parameters};
      }
    }
    auto ctx = Context();
    auto applied = UpdateResource(ctx, *existing, *props);
    if (!applied) {
      fail(id, applied.error().message);
      break;
    }
    modified_old_.push_back(*existing);
    existing->properties = *props;
    existing->actual = applied->actual;
    existing->attributes = applied->attributes;
    existing->status = "UPDATE_COMPLETE";
    existing->updated = world_.Now();
    existing->deletion_policy = res.deletion_policy;
    existing->update_replace_policy = res.update_replace_policy;
    events.push_back(
        MakeEvent(world_, id, existing->physical_id, type, "UPDATE_COMPLETE", "", *props));
  }

  // Removed resources: a policy may forbid deleting them.
  std::vector<std::string> removed;
  if (out.ok) {
    for (const auto& r : stack_.resources) {
      if (std::find(order->begin(), order->end(), r.logical_id) == order->end()) {
        if (!policy.empty()) {
          std::string denial = PolicyDenial(policy, "Update:Delete", r.logical_id, r.type);
          if (!denial.empty()) {
            fail(r.logical_id, denial);
            break;
          }
        }
        removed.push_back(r.logical_id);
      }
    }
  }

  // Outputs and exports.
  std::vector<CfnOutput> outputs;
  if (out.ok) {
    for (const auto& [key, entry] : Section(tmpl, "Outputs")) {
      if (!ev.Included(entry)) continue;
      const Value* value_expr = entry.Find("Value");
      auto value = value_expr ? ev.Evaluate(*value_expr) : SimResult<Value>(Value(""));
      if (!value) {
        if (mode_ == Mode::kSeed) continue;
        fail("", value.error().message);
        break;
      }
      CfnOutput o;
      o.key = key;
      o.value = value->is_list() ? [&] {
        std::string s;
        for (const Value& x : value->as_list()) s += (s.empty() ? "" : ",") + x.ToText();
        return s;
      }()
                                 : value->ToText();
      o.description = Str(entry, "Description");
      if (const Value* exp = entry.Find("Export")) {
        if (const Value* name = exp->Find("Name")) {
          auto n = ev.Evaluate(*name);
          if (!n) {
            fail("", n.error().message);
            break;
          }
          o.export_name = n->ToText();
          const CfnExport* other = world_.cloudformation.FindExport(o.export_name);
          if (other && other->stack_id != stack_.id) {
            fail("",
                 fmt::format("Export with name {} is already exported by stack {}", o.export_name,
                             world_.cloudformation.Find(other->stack_id)
                                 ? world_.cloudformation.Find(other->stack_id)->name
                                 : other->stack_id));
            break;
          }
        }
      }
      outputs.push_back(std::move(o));
    }
  }
  // Exports other stacks import must stay as they are.
  if (out.ok) {
    for (const auto& old : stack_.outputs) {
      if (old.export_name.empty()) continue;
      auto importers = world_.cloudformation.Importers(old.export_name);
      importers.erase(std::remove(importers.begin(), importers.end(), stack_.name),
                      importers.end());
      if (importers.empty()) continue;
      auto now = std::find_if(outputs.begin(), outputs.end(),
                              [&](const CfnOutput& o) { return o.export_name == old.export_name; });
      if (now == outputs.end()) {
        fail("", fmt::format("Export {} cannot be deleted as it is in use by {}", old.export_name,
                             Join(importers)));
        break;
      }
      if (now->value != old.value) {
        fail("", fmt::format("Cannot update export {} as it is in use by {}", old.export_name,
                             Join(importers)));
        break;
      }
    }
  }

  if (!out.ok) {
    if (rollback || mode_ == Mode::kUpdate) {
      Rollback(after);
      if (mode_ == Mode::kUpdate)
        working_ = stack_.resources;
      else
        working_.clear();
    }
    if (mode_ == Mode::kCreate) stack_.resources = working_;
    return out;
  }

  // Cleanup: removed resources and replaced physical resources.
  std::vector<std::string> deletion = DeletionOrder(stack_);
  for (const auto& id : deletion) {
    if (std::find(removed.begin(), removed.end(), id) == removed.end()) continue;
    const StackResource* r = stack_.FindResource(id);
    if (r->deletion_policy == "Retain" || r->deletion_policy == "RetainExceptOnCreate") {
      after.push_back(MakeEvent(world_, id, r->physical_id, r->type, "DELETE_SKIPPED", ""));
    } else {
      after.push_back(MakeEvent(world_, id, r->physical_id, r->type, "DELETE_IN_PROGRESS", ""));
      auto ctx = Context();
      auto d = DeleteResource(ctx, *r);
      after.push_back(MakeEvent(world_, id, r->physical_id, r->type,
                                d ? "DELETE_COMPLETE" : "DELETE_FAILED",
                                d ? "" : d.error().message));
    }
    working_.erase(std::remove_if(working_.begin(), working_.end(),
                                  [&](const StackResource& x) { return x.logical_id == id; }),
                   working_.end());
  }
  for (const auto& old : replaced_old_) {
    if (old.update_replace_policy == "Retain") {
      after.push_back(
          MakeEvent(world_, old.logical_id, old.physical_id, old.type, "DELETE_SKIPPED", ""));
      continue;
    }
    after.push_back(
        MakeEvent(world_, old.logical_id, old.physical_id, old.type, "DELETE_IN_PROGRESS", ""));
    auto ctx = Context();
    auto d = DeleteResource(ctx, old);
    after.push_back(MakeEvent(world_, old.logical_id, old.physical_id, old.type,
                              d ? "DELETE_COMPLETE" : "DELETE_FAILED", d ? "" : d.error().message));
  }
  stack_.resources = working_;
  stack_.outputs = std::move(outputs);
  stack_.imports.assign(wctx.imports().begin(), wctx.imports().end());
  stack_.template_body = tmpl;
  stack_.parameters = ToStoreParameters(params);
  return out;
}

// ---- StackEngine
// -------------------------------------------------------------------

namespace {

struct Prepared {
  Value tmpl;
  std::vector<ParameterValue> params;
};

SimResult<Prepared> Prepare(const World& world, const std::string& text, const Value* parsed,
                            const std::vector<GivenParameter>& given,
                            const std::vector<ParameterValue>& previous,
                            const Stack& pseudo_stack) {
  Prepared p;
  if (parsed) {
    p.tmpl = *parsed;
  } else {
    auto t = ParseTemplate(text);
    if (!t) return tl::unexpected(t.error());
    p.tmpl = std::move(*t);
  }
  if (auto v = ValidateTemplate(p.tmpl); !v) return tl::unexpected(v.error());
  auto params = ResolveParameters(p.tmpl, given, previous);
  if (!params) return tl::unexpected(params.error());
  p.params = std::move(*params);
  Evaluator ev(p.tmpl, p.params, PseudoOf(world, pseudo_stack), nullptr);
  if (auto c = ev.EvaluateConditions(); !c) return tl::unexpected(c.error());
  return p;
}

std::string NewStackId(World& world, std::string_view name) {
  return fmt::format("arn:aws:cloudformation:{}:{}:stack/{}/{}", world.config().region,
                     world.config().account_id, name, world.NewUuid());
}

bool ValidStackName(std::string_view name) {
  if (name.empty() || name.size() > 128 || !std::isalpha(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

}  // namespace

SimResult<std::string> StackEngine::Create(const StackInput& input) {
  if (!ValidStackName(input.name)) {
    return tl::unexpected(Validation(
        fmt::format("1 validation error detected: Value '{}' at 'stackName' failed to "
                    "satisfy constraint: "
                    "Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*",
                    input.name)));
  }
  if (Stack* existing = world_.cloudformation.FindLive(input.name)) {
    if (!input.client_request_token.empty() &&
        std::find(existing->client_request_tokens.begin(), existing->client_request_tokens.end(),
                  input.client_request_token) != existing->client_request_tokens.end()) {
      return existing->id;  // an idempotent retry
    }
    return tl::unexpected(SimError{400, "AlreadyExistsException",
                                   fmt::format("Stack [{}] already exists", input.name)});
  }
  Stack stack;
  stack.name = input.name;
  stack.id = input.stack_id.empty() ? NewStackId(world_, input.name) : input.stack_id;
  auto prepared = Prepare(world_, input.template_text, nullptr, input.parameters, {}, stack);
  if (!prepared) return tl::unexpected(prepared.error());
  if (auto c = CheckCapabilities(prepared->tmpl, input.capabilities); !c)
    return tl::unexpected(c.error());
  stack.description = Str(prepared->tmpl, "Description");
  stack.template_text = input.template_text;
  stack.template_body = prepared->tmpl;
  stack.parameters = ToStoreParameters(prepared->params);
  stack.tags = input.tags.value_or(std::vector<std::pair<std::string, std::string>>{});
  stack.capabilities = input.capabilities;
  stack.notification_arns = input.notification_arns;
  stack.termination_protection = input.termination_protection;
  stack.disable_rollback = input.disable_rollback || input.on_failure == "DO_NOTHING";
  stack.stack_policy = input.stack_policy;
  stack.creation_time = world_.Now();
  stack.status = "CREATE_IN_PROGRESS";
  stack.root_id = "";
  if (!input.client_request_token.empty())
    stack.client_request_tokens.push_back(input.client_request_token);
  stack.events.push_back(StackStatusEvent(world_, stack, "CREATE_IN_PROGRESS", "User Initiated"));
  Stack& live = world_.cloudformation.Add(std::move(stack));
  live.parent_id = input.parent_id;
  live.root_id = input.root_id;

  auto fault = world_.faults.Take("cloudformation", input.operation,
                                  Value(ValueMap{{"StackName", Value(input.name)}}),
                                  {"fail_stack_operation"});
  std::string fail_at;
  if (fault) {
    fail_at = FaultLogicalId(fault);
    if (fail_at.empty()) {
      WorkingContext none(world_, live.resources, true);
      Evaluator ev(prepared->tmpl, prepared->params, PseudoOf(world_, live), &none);
      (void)ev.EvaluateConditions();
      auto order = IncludedOrder(prepared->tmpl, ev);
      if (order && !order->empty()) fail_at = order->back();
    }
  }
  bool rollback = !live.disable_rollback;
  std::vector<StackEvent> events, after;
  Deployment deployment(world_, *this, live, Mode::kCreate);
  Outcome outcome =
      deployment.Run(prepared->tmpl, prepared->params, fail_at, fault ? FaultMessage(*fault) : "",
                     "", rollback, nullptr, events, after);
  if (outcome.ok) {
    events.push_back(StackStatusEvent(world_, live, "CREATE_COMPLETE"));
    Finish(world_, live, "CREATE_COMPLETE", "", std::move(events));
    return live.id;
  }
  std::string reason = outcome.failed_logical_id.empty()
                           ? outcome.reason
                           : fmt::format("The following resource(s) failed to create: [{}]. ",
                                         outcome.failed_logical_id);
  if (!rollback) {
    events.push_back(StackStatusEvent(world_, live, "CREATE_FAILED", reason));
    Finish(world_, live, "CREATE_FAILED", reason, std::move(events));
    return live.id;
  }
  events.push_back(StackStatusEvent(
      world_, live, "ROLLBACK_IN_PROGRESS",
      reason + (outcome.failed_logical_id.empty() ? "" : "Rollback requested by user.")));
  for (auto& e : after) events.push_back(std::move(e));
  if (input.on_failure == "DELETE") {
    events.push_back(StackStatusEvent(world_, live, "ROLLBACK_COMPLETE"));
    events.push_back(StackStatusEvent(world_, live, "DELETE_IN_PROGRESS"));
    events.push_back(StackStatusEvent(world_, live, "DELETE_COMPLETE"));
    Finish(world_, live, "DELETE_COMPLETE", "", std::move(events), true);
    return live.id;
  }
  events.push_back(StackStatusEvent(world_, live, "ROLLBACK_COMPLETE"));
  Finish(world_, live, "ROLLBACK_COMPLETE", reason, std::move(events));
  return live.id;
}

namespace {

bool SameParameters(const std::vector<CfnParameter>& a, const std::vector<ParameterValue>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].value != b[i].text) return false;
  }
  return true;
}

bool Updatable(std::string_view status) {
  return status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE" ||
         status == "UPDATE_ROLLBACK_COMPLETE" || status == "IMPORT_COMPLETE" ||
         status == "IMPORT_ROLLBACK_COMPLETE";
}

}  // namespace

SimResult<std::string> StackEngine::Update(const StackInput& input) {
  Stack* s = world_.cloudformation.Find(input.name);
  if (!s || s->status == "DELETE_COMPLETE") {
    return tl::unexpected(Validation(fmt::format("Stack [{}] does not exist", input.name)));
  }
  Stack& live = *s;
  if (live.pending || !Updatable(live.status)) {
    return tl::unexpected(Validation(
        fmt::format("Stack:{} is in {} state and can not be updated.", live.id, live.status)));
  }
  std::string text = input.use_previous_template ? live.template_text : input.template_text;
  std::vector<ParameterValue> previous = FromStoreParameters(live);
  auto prepared = Prepare(world_, text, nullptr, input.parameters, previous, live);
  if (!prepared) return tl::unexpected(prepared.error());
  if (auto c = CheckCapabilities(prepared->tmpl, input.capabilities); !c)
    return tl::unexpected(c.error());
  auto plan = Plan(&live, prepared->tmpl, prepared->params, live.name);
  if (!plan) return tl::unexpected(plan.error());
  bool tags_changed = input.tags && *input.tags != live.tags;
  bool outputs_may_change =
      !(prepared->tmpl == live.template_body) || !SameParameters(live.parameters, prepared->params);
  if (plan->empty() && !tags_changed && !outputs_may_change) {
    return tl::unexpected(Validation("No updates are to be performed."));
  }
  std::string policy = input.stack_policy_during_update.empty() ? live.stack_policy
                                                                : input.stack_policy_during_update;
  auto fault = world_.faults.Take("cloudformation", input.operation,
                                  Value(ValueMap{{"StackName", Value(live.name)}}),
                                  {"fail_stack_operation"});
  std::string fail_at;
  if (fault) {
    fail_at = FaultLogicalId(fault);
    if (fail_at.empty()) {
      for (const auto& c : *plan) {
        if (c.action != "Remove") fail_at = c.logical_id;
      }
    }
  }
  live.status = "UPDATE_IN_PROGRESS";
  live.last_updated_time = world_.Now();
  if (input.tags) live.tags = *input.tags;
  if (!input.capabilities.empty()) live.capabilities = input.capabilities;
  live.events.push_back(StackStatusEvent(world_, live, "UPDATE_IN_PROGRESS", "User Initiated"));
  std::vector<StackEvent> events, after;
  Deployment deployment(world_, *this, live, Mode::kUpdate);
  Outcome outcome =
      deployment.Run(prepared->tmpl, prepared->params, fail_at, fault ? FaultMessage(*fault) : "",
                     policy, true, nullptr, events, after);
  if (outcome.ok) {
    live.template_text = text;
    events.push_back(StackStatusEvent(world_, live, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"));
    for (auto& e : after) events.push_back(std::move(e));
    events.push_back(StackStatusEvent(world_, live, "UPDATE_COMPLETE"));
    Finish(world_, live, "UPDATE_COMPLETE", "", std::move(events));
    return live.id;
  }
  std::string reason = outcome.failed_logical_id.empty()
                           ? outcome.reason
                           : fmt::format("The following resource(s) failed to update: [{}]. ",
                                         outcome.failed_logical_id);
  if (outcome.reason.rfind("Action denied by stack policy", 0) == 0) reason = outcome.reason;
  events.push_back(StackStatusEvent(world_, live, "UPDATE_ROLLBACK_IN_PROGRESS", reason));
  for (auto& e : after) events.push_back(std::move(e));
  events.push_back(StackStatusEvent(world_, live, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"));
  events.push_back(StackStatusEvent(world_, live, "UPDATE_ROLLBACK_COMPLETE"));
  Finish(world_, live, "UPDATE_ROLLBACK_COMPLETE", reason, std::move(events));
  return live.id;
}

SimResult<void> StackEngine::Delete(std::string_view name_or_id,
                                    const std::vector<std::string>& retain_resources,
                                    std::string_view operation) {
  Stack* s = world_.cloudformation.Find(name_or_id);
  if (!s || s->status == "DELETE_COMPLETE") return {};  // AWS: deleting nothing succeeds
  Stack& live = *s;
  if (live.pending && live.pending->delete_when_revealed) return {};
  if (live.termination_protection) {
    return tl::unexpected(Validation(fmt::format(
        "Stack [{}] cannot be deleted while TerminationProtection is enabled", live.name)));
  }
  if (!retain_resources.empty() && live.status != "DELETE_FAILED") {
    return tl::unexpected(
        Validation(fmt::format("Invalid operation on stack [{}]. RetainResources can only be "
                               "specified when the stack is in the DELETE_FAILED state.",
                               live.id)));
  }
  for (const auto& o : live.outputs) {
    if (o.export_name.empty()) continue;
    auto importers = world_.cloudformation.Importers(o.export_name);
    importers.erase(std::remove(importers.begin(), importers.end(), live.name), importers.end());
    if (!importers.empty()) {
      return tl::unexpected(Validation(fmt::format(
          "Export {} cannot be deleted as it is in use by {}", o.export_name, Join(importers))));
    }
  }
  auto fault = world_.faults.Take("cloudformation", operation,
                                  Value(ValueMap{{"StackName", Value(live.name)}}),
                                  {"fail_stack_operation"});
  std::vector<std::string> order = DeletionOrder(live);
  std::string fail_at;
  if (fault) {
    fail_at = FaultLogicalId(fault);
    if (fail_at.empty() && !order.empty()) fail_at = order.back();
  }
  live.status = "DELETE_IN_PROGRESS";
  live.events.push_back(StackStatusEvent(world_, live, "DELETE_IN_PROGRESS", "User Initiated"));
  std::vector<StackEvent> events;
  std::vector<std::string> failed;
  for (const auto& id : order) {
    StackResource* r = live.FindResource(id);
    if (!r || r->status == "DELETE_COMPLETE" || r->status == "DELETE_SKIPPED") continue;
    bool retain =
        r->deletion_policy == "Retain" || r->deletion_policy == "RetainExceptOnCreate" ||
        std::find(retain_resources.begin(), retain_resources.end(), id) != retain_resources.end();
    if (retain) {
      r->status = "DELETE_SKIPPED";
      events.push_back(MakeEvent(world_, id, r->physical_id, r->type, "DELETE_SKIPPED", ""));
      continue;
    }
    events.push_back(MakeEvent(world_, id, r->physical_id, r->type, "DELETE_IN_PROGRESS", ""));
    if (id == fail_at) {
      r->status = "DELETE_FAILED";
      r->reason = FaultMessage(*fault);
      events.push_back(MakeEvent(world_, id, r->physical_id, r->type, "DELETE_FAILED", r->reason));
      failed.push_back(id);
      continue;
    }
    StackResource copy = *r;
    ProviderContext ctx{world_, live, this, "", false};
    auto d = DeleteResource(ctx, copy);
    r = live.FindResource(id);  // nested deletes may touch the store
    if (!d) {
      r->status = "DELETE_FAILED";
      r->reason = d.error().message;
      events.push_back(MakeEvent(world_, id, r->physical_id, r->type, "DELETE_FAILED", r->reason));
      failed.push_back(id);
      continue;
    }
    r->status = "DELETE_COMPLETE";
    events.push_back(MakeEvent(world_, id, r->physical_id, r->type, "DELETE_COMPLETE", ""));
  }
  if (!failed.empty()) {
    std::string reason =
        fmt::format("The following resource(s) failed to delete: [{}]. ", Join(failed));
    events.push_back(StackStatusEvent(world_, live, "DELETE_FAILED", reason));
    Finish(world_, live, "DELETE_FAILED", reason, std::move(events));
    return {};
  }
  auto& change_sets = world_.cloudformation.change_sets();
  change_sets.erase(std::remove_if(change_sets.begin(), change_sets.end(),
                                   [&](const ChangeSet& c) { return c.stack_id == live.id; }),
                    change_sets.end());
  events.push_back(StackStatusEvent(world_, live, "DELETE_COMPLETE"));
  Finish(world_, live, "DELETE_COMPLETE", "", std::move(events), true);
  return {};
}

SimResult<std::vector<PlannedChange>> StackEngine::Plan(const Stack* stack, const Value& tmpl,
                                                        const std::vector<ParameterValue>& params,
                                                        std::string_view stack_name) {
  static const std::vector<StackResource> kNone;
  const std::vector<StackResource>& resources = stack ? stack->resources : kNone;
  Stack pseudo;
  if (stack) {
    pseudo = *stack;
  } else {
    pseudo.name = std::string(stack_name);
    pseudo.id = NewStackId(world_, stack_name);
  }
  WorkingContext wctx(world_, resources, true);
  Evaluator ev(tmpl, params, PseudoOf(world_, pseudo), &wctx);
  if (auto c = ev.EvaluateConditions(); !c) return tl::unexpected(c.error());
  auto order = IncludedOrder(tmpl, ev);
  if (!order) return tl::unexpected(order.error());
  std::vector<PlannedChange> changes;
  const ValueMap& tresources = Section(tmpl, "Resources");
  for (const auto& id : *order) {
    const Value& entry = tresources.find(id)->second;
    std::string type = Str(entry, "Type");
    Value raw = entry.Find("Properties") ? *entry.Find("Properties") : Value(ValueMap{});
    auto props = ev.Evaluate(raw);
    if (!props) return tl::unexpected(props.error());
    auto existing = std::find_if(resources.begin(), resources.end(),
                                 [&](const StackResource& r) { return r.logical_id == id; });
    PlannedChange c;
    c.logical_id = id;
    c.type = type;
    if (existing == resources.end()) {
      c.action = "Add";
      changes.push_back(std::move(c));
      continue;
    }
    c.physical_id = existing->physical_id;
    if (existing->type != type) {
      c.action = "Modify";
      c.replacement = "True";
      changes.push_back(std::move(c));
      continue;
    }
    c.changed_properties = ChangedProperties(existing->properties, *props);
    bool nested_changed = false;
    if (type == kStackType && c.changed_properties.empty()) {
      const Stack* child = world_.cloudformation.Find(existing->physical_id);
      auto text = FetchTemplateUrl(world_, Str(*props, "TemplateURL"));
      nested_changed = child && text && *text != child->template_text;
    }
    // A Metadata change is a resource change to CloudFormation (Scope
    // "Metadata"), though no property moves.
    if (stack != nullptr) {
      const ValueMap& before = Section(stack->template_body, "Resources");
      auto old_entry = before.find(id);
      const Value* old_meta =
          old_entry != before.end() ? old_entry->second.Find("Metadata") : nullptr;
      const Value* new_meta = entry.Find("Metadata");
      c.metadata_changed = (old_meta == nullptr) != (new_meta == nullptr) ||
                           (old_meta != nullptr && !(*old_meta == *new_meta));
    }
    if (c.changed_properties.empty() && !nested_changed && !c.metadata_changed) continue;
    c.action = "Modify";
    bool replaces = RequiresReplacement(type, existing->properties, *props);
    bool unknown = props->ToJson().find("KNOWN_AFTER_APPLY") != std::string::npos;
    c.replacement = replaces ? (unknown ? "Conditional" : "True") : "False";
    changes.push_back(std::move(c));
  }
  for (const auto& r : resources) {
    if (std::find(order->begin(), order->end(), r.logical_id) != order->end()) continue;
    PlannedChange c;
    c.logical_id = r.logical_id;
    c.physical_id = r.physical_id;
    c.type = r.type;
    c.action = "Remove";
    changes.push_back(std::move(c));
  }
  return changes;
}

SimResult<void> StackEngine::Import(Stack& stack, const Value& tmpl,
                                    const std::vector<ParameterValue>& params,
                                    const Value& resources_to_import) {
  const ValueMap& tresources = Section(tmpl, "Resources");
  WorkingContext wctx(world_, stack.resources, true);
  Evaluator ev(tmpl, params, PseudoOf(world_, stack), &wctx);
  if (auto c = ev.EvaluateConditions(); !c) return tl::unexpected(c.error());
  std::vector<StackEvent> events;
  std::string final_status = "IMPORT_COMPLETE";
  stack.status = "IMPORT_IN_PROGRESS";
  stack.events.push_back(StackStatusEvent(world_, stack, "IMPORT_IN_PROGRESS", "User Initiated"));
  if (resources_to_import.is_list()) {
    for (const Value& item : resources_to_import.as_list()) {
      std::string id = Str(item, "LogicalResourceId");
      auto t = tresources.find(id);
      const Value* identifier = item.Find("ResourceIdentifier");
      std::string physical;
      if (identifier && identifier->is_map() && !identifier->as_map().empty()) {
        physical = identifier->as_map().begin()->second.ToText();
      }
      Value raw = t->second.Find("Properties") ? *t->second.Find("Properties") : Value(ValueMap{});
      auto props = ev.Evaluate(raw);
      StackResource r;
      r.logical_id = id;
      r.type = Str(t->second, "Type");
      r.physical_id = physical;
      r.status = "IMPORT_COMPLETE";
      r.properties = props ? *props : raw;
      r.actual = r.properties;
      r.attributes = ImportedAttributes(world_, r.type, physical);
      r.deletion_policy = Str(t->second, "DeletionPolicy");
      r.update_replace_policy = Str(t->second, "UpdateReplacePolicy");
      r.updated = world_.Now();
      events.push_back(MakeEvent(world_, id, physical, r.type, "IMPORT_IN_PROGRESS",
                                 "Resource import started."));
      events.push_back(
          MakeEvent(world_, id, physical, r.type, "IMPORT_COMPLETE", "Resource import completed."));
      stack.resources.push_back(std::move(r));
    }
  }
  // Outputs and the template of record, as an update with nothing else to do.
  std::vector<StackEvent> more, after;
  Deployment deployment(world_, *this, stack, Mode::kUpdate);
  Outcome outcome = deployment.Run(tmpl, params, "", "", "", true, nullptr, more, after);
  for (auto& e : more) events.push_back(std::move(e));
  for (auto& e : after) events.push_back(std::move(e));
  if (!outcome.ok) {
    events.push_back(StackStatusEvent(world_, stack, "IMPORT_ROLLBACK_COMPLETE", outcome.reason));
    Finish(world_, stack, "IMPORT_ROLLBACK_COMPLETE", outcome.reason, std::move(events));
    return {};
  }
  stack.template_text = tmpl.ToJson();
  events.push_back(StackStatusEvent(world_, stack, final_status));
  Finish(world_, stack, final_status, "", std::move(events));
  return {};
}

void StackEngine::RefreshOutputs(Stack& stack) {
  WorkingContext wctx(world_, stack.resources, false);
  auto params = FromStoreParameters(stack);
  Evaluator ev(stack.template_body, params, PseudoOf(world_, stack), &wctx);
  if (!ev.EvaluateConditions()) return;
  for (const auto& [key, entry] : Section(stack.template_body, "Outputs")) {
    if (!ev.Included(entry) || !entry.Find("Value")) continue;
    auto value = ev.Evaluate(*entry.Find("Value"));
    if (!value) continue;
    const std::string& output_key = key;  // clang 14 cannot capture bindings
    auto existing = std::find_if(stack.outputs.begin(), stack.outputs.end(),
                                 [&](const CfnOutput& o) { return o.key == output_key; });
    CfnOutput o;
    o.key = key;
    o.value = value->ToText();
    o.description = Str(entry, "Description");
    if (const Value* exp = entry.Find("Export"); exp && exp->Find("Name")) {
      auto n = ev.Evaluate(*exp->Find("Name"));
      if (n) o.export_name = n->ToText();
    }
    if (existing != stack.outputs.end())
      *existing = o;
    else
      stack.outputs.push_back(o);
  }
}

SimResult<std::string> StackEngine::Seed(const SeedStackSpec& spec) {
  if (world_.cloudformation.FindLive(spec.name)) {
    return tl::unexpected(SimError{400, "AlreadyExistsException",
                                   fmt::format("Stack [{}] already exists", spec.name)});
  }
  Stack* parent = nullptr;
  if (!spec.parent_name.empty()) {
    parent = world_.cloudformation.FindLive(spec.parent_name);
    if (!parent) {
      return tl::unexpected(Validation(fmt::format(
          "seeding {}: parent stack {} has not been seeded", spec.name, spec.parent_name)));
    }
  }
  const ValueMap& declared = Section(spec.template_body, "Parameters");
  std::vector<GivenParameter> given;
  for (const auto& [k, v] : spec.parameters) {
    if (declared.count(k)) given.push_back({k, v, false});
  }
  Stack stack;
  stack.name = spec.name;
  stack.id = spec.stack_id.empty() ? NewStackId(world_, spec.name) : spec.stack_id;
  auto prepared = Prepare(world_, "", &spec.template_body, given, {}, stack);
  if (!prepared) {
    return tl::unexpected(
        Validation(fmt::format("seeding {}: {}", spec.name, prepared.error().message)));
  }
  stack.description =
      spec.description.empty() ? Str(spec.template_body, "Description") : spec.description;
  stack.template_body = spec.template_body;
  stack.template_text = spec.template_body.ToJson();
  stack.parameters = ToStoreParameters(prepared->params);
  stack.capabilities = {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"};
  stack.creation_time = world_.Now();
  stack.status = "CREATE_IN_PROGRESS";
  if (parent) {
    stack.parent_id = parent->id;
    stack.root_id = parent->root_id.empty() ? parent->id : parent->root_id;
  }
  stack.events.push_back(StackStatusEvent(world_, stack, "CREATE_IN_PROGRESS", "User Initiated"));
  Stack& live = world_.cloudformation.Add(std::move(stack));
  std::vector<StackEvent> events, after;
  Deployment deployment(world_, *this, live, Mode::kSeed);
  Outcome outcome = deployment.Run(prepared->tmpl, prepared->params, "", "", "", false,
                                   &spec.physical_ids, events, after);
  if (!outcome.ok) {
    std::string id = live.id;
    world_.cloudformation.stacks().remove_if([&](const Stack& s) { return s.id == id; });
    return tl::unexpected(Validation(
        fmt::format("seeding {}: {} {}", spec.name, outcome.failed_logical_id, outcome.reason)));
  }
  for (auto& e : events) live.events.push_back(std::move(e));
  live.events.push_back(StackStatusEvent(world_, live, "CREATE_COMPLETE"));
  live.status = "CREATE_COMPLETE";
  if (parent) {
    if (StackResource* link = parent->FindResource(spec.logical_id_in_parent)) {
      link->physical_id = live.id;
      link->status = "CREATE_COMPLETE";
    }
    // Outputs that read the child's outputs can be computed now.
    for (Stack* p = parent; p;
         p = p->parent_id.empty() ? nullptr : world_.cloudformation.Find(p->parent_id)) {
      RefreshOutputs(*p);
    }
  }
  return live.id;
}

SimResult<std::string> StackEngine::CreateNestedStack(const Stack& parent,
                                                      std::string_view logical_id,
                                                      const Value& properties) {
  auto text = FetchTemplateUrl(world_, Str(properties, "TemplateURL"));
  if (!text) return tl::unexpected(text.error());
  StackInput input;
  std::string name = parent.name + "-" + std::string(logical_id);
  if (name.size() > 114) name.resize(114);
  input.name = name + "-" + world_.RandomString(12);
  input.template_text = *text;
  if (const Value* params = properties.Find("Parameters"); params && params->is_map()) {
    for (const auto& [k, v] : params->as_map()) {
      std::string value;
      if (v.is_list()) {
        for (const Value& x : v.as_list()) value += (value.empty() ? "" : ",") + x.ToText();
      } else {
        value = v.ToText();
      }
      input.parameters.push_back({k, value, false});
    }
  }
  input.capabilities = parent.capabilities;
  input.tags = parent.tags;  // CloudFormation propagates stack tags to nested stacks
  input.parent_id = parent.id;
  input.root_id = parent.root_id.empty() ? parent.id : parent.root_id;
  auto id = Create(input);
  if (!id) return tl::unexpected(id.error());
  Stack* child = world_.cloudformation.Find(*id);
  if (child && EventualStatus(*child) != "CREATE_COMPLETE") {
    std::string reason = EventualReason(*child);
    (void)Delete(*id, {});  // the parent's rollback removes the failed child
    return tl::unexpected(
        Validation(fmt::format("Embedded stack {} was not successfully created: {}", *id, reason)));
  }
  return *id;
}

SimResult<void> StackEngine::UpdateNestedStack(std::string_view child_id, const Value& properties) {
  const Stack* child = world_.cloudformation.Find(child_id);
  if (!child) return tl::unexpected(Validation(fmt::format("Stack [{}] does not exist", child_id)));
  auto text = FetchTemplateUrl(world_, Str(properties, "TemplateURL"));
  if (!text) return tl::unexpected(text.error());
  StackInput input;
  input.name = std::string(child_id);
  input.template_text = *text;
  if (const Value* params = properties.Find("Parameters"); params && params->is_map()) {
    for (const auto& [k, v] : params->as_map()) input.parameters.push_back({k, v.ToText(), false});
  }
  input.capabilities = child->capabilities;
  input.operation = "UpdateStack";
  auto r = Update(input);
  if (!r) {
    if (r.error().message == "No updates are to be performed.") return {};
    return tl::unexpected(r.error());
  }
  child = world_.cloudformation.Find(child_id);
  if (child && EventualStatus(*child) != "UPDATE_COMPLETE") {
    return tl::unexpected(
        Validation(fmt::format("Embedded stack {} was not successfully updated. Currently "
                               "in UPDATE_ROLLBACK_IN_PROGRESS with reason: {}",
                               child_id, EventualReason(*child))));
  }
  return {};
}

SimResult<void> StackEngine::DeleteNestedStack(std::string_view child_id) {
  if (auto r = Delete(child_id, {}); !r) return r;
  const Stack* child = world_.cloudformation.Find(child_id);
  if (child && EventualStatus(*child) == "DELETE_FAILED") {
    return tl::unexpected(Validation(fmt::format(
        "Embedded stack {} was not successfully deleted: {}", child_id, EventualReason(*child))));
  }
  return {};
}

}  // namespace flightplan::cloudsim::cfn

namespace flightplan::cloudsim {

SimResult<std::string> SeedStack(World& world, const SeedStackSpec& spec) {
  cfn::StackEngine engine(world);
  return engine.Seed(spec);
}

}  // namespace flightplan::cloudsim
