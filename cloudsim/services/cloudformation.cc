// CloudFormation (Query protocol): stacks, nested stacks, stack policies,
// exports/imports and change sets over the stack engine (cfn/stacks.h).
// Operations go *_IN_PROGRESS and reach their final status after the
// configured operation delay (Tick reveals them).
#include <algorithm>
#include <set>

// GCC 12 reports std::variant members of Values copied out of brace-init
// lists as maybe-uninitialized (a known false positive at -O2).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <fmt/format.h>

#include "cloudsim/cfn/refactor_drift.h"
#include "cloudsim/cfn/stacks.h"
#include "cloudsim/cfn/stateful.h"
#include "cloudsim/cfn/template.h"
#include "cloudsim/service.h"
#include "cloudsim/wire.h"

namespace flightplan::cloudsim {
namespace {

constexpr std::string_view kXmlns = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
constexpr size_t kPageSize = 100;

using cfn::IsRefactorOrDriftAction;
using cfn::MutateManagedResource;
using cfn::RevealDueRefactors;
using cfn::RunRefactorOrDriftAction;
using cfn::StackEngine;
using cfn::StackInput;

std::string Str(const Value& params, std::string_view key) {
  const Value* v = params.Find(key);
  return v && (v->is_string() || v->is_number() || v->is_bool()) ? v->ToText() : std::string();
}

bool Flag(const Value& params, std::string_view key) { return Str(params, key) == "true"; }

// The change set's parameters are the stack's, key for key and value for value.
bool SameStoredParameters(const Stack& stack, const ChangeSet& change_set) {
  if (stack.parameters.size() != change_set.parameters.size()) return false;
  for (size_t i = 0; i < stack.parameters.size(); ++i) {
    if (stack.parameters[i].key != change_set.parameters[i].key ||
        stack.parameters[i].value != change_set.parameters[i].value) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> Strings(const Value& params, std::string_view key) {
  std::vector<std::string> out;
  if (const Value* v = params.Find(key); v && v->is_list()) {
    for (const Value& s : v->as_list()) out.push_back(s.ToText());
  }
  return out;
}

Value StringList(const std::vector<std::string>& list) {
  ValueList out;
  for (const auto& s : list) out.push_back(Value(s));
  return Value(std::move(out));
}

std::vector<cfn::GivenParameter> GivenParameters(const Value& params) {
  std::vector<cfn::GivenParameter> out;
  if (const Value* list = params.Find("Parameters"); list && list->is_list()) {
    for (const Value& p : list->as_list()) {
      out.push_back(
          {Str(p, "ParameterKey"), Str(p, "ParameterValue"), Flag(p, "UsePreviousValue")});
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> Tags(const Value& params) {
  const Value* list = params.Find("Tags");
  if (!list) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> out;
  if (list->is_list()) {
    for (const Value& t : list->as_list()) out.emplace_back(Str(t, "Key"), Str(t, "Value"));
  }
  return out;
}

Value TagList(const std::vector<std::pair<std::string, std::string>>& tags) {
  ValueList out;
  for (const auto& [k, v] : tags)
    out.push_back(Value(ValueMap{{"Key", Value(k)}, {"Value", Value(v)}}));
  return Value(std::move(out));
}

Value ParameterList(const std::vector<CfnParameter>& params) {
  ValueList out;
  for (const auto& p : params) {
    Value m(ValueMap{});
    m.Set("ParameterKey", Value(p.key));
    m.Set("ParameterValue", Value(p.no_echo ? std::string("****") : p.value));
    if (!p.resolved.empty()) m.Set("ResolvedValue", Value(p.resolved));
    out.push_back(std::move(m));
  }
  return Value(std::move(out));
}

SimError NotFound(std::string_view name) {
  return Validation(fmt::format("Stack with id {} does not exist", name));
}

SimError ChangeSetNotFound(std::string_view name) {
  return {404, "ChangeSetNotFound", fmt::format("ChangeSet [{}] does not exist", name)};
}

// A page of `items` starting at NextToken.
template <typename T>
std::pair<std::vector<T>, std::string> Page(const std::vector<T>& items, const Value& params,
                                            size_t page_size = kPageSize) {
  size_t start = 0;
  if (std::string token = Str(params, "NextToken"); !token.empty()) {
    start = static_cast<size_t>(std::strtoull(token.c_str(), nullptr, 10));
  }
  std::vector<T> page;
  for (size_t i = start; i < items.size() && page.size() < page_size; ++i) page.push_back(items[i]);
  std::string next = start + page.size() < items.size() ? std::to_string(start + page.size()) : "";
  return {std::move(page), next};
}

Value StackValue(const Stack& s) {
  ValueMap m;
  m["StackId"] = s.id;
  m["StackName"] = s.name;
  if (!s.description.empty()) m["Description"] = s.description;
  m["Parameters"] = ParameterList(s.parameters);
  m["CreationTime"] = IsoTime(s.creation_time);
  if (s.last_updated_time) m["LastUpdatedTime"] = IsoTime(*s.last_updated_time);
  if (s.deletion_time) m["DeletionTime"] = IsoTime(*s.deletion_time);
  m["StackStatus"] = s.status;
  if (!s.reason.empty()) m["StackStatusReason"] = s.reason;
  m["DisableRollback"] = s.disable_rollback;
  m["NotificationARNs"] = StringList(s.notification_arns);
  m["Capabilities"] = StringList(s.capabilities);
  ValueList outputs;
  for (const auto& o : s.outputs) {
    ValueMap om{{"OutputKey", Value(o.key)}, {"OutputValue", Value(o.value)}};
    if (!o.description.empty()) om["Description"] = o.description;
    if (!o.export_name.empty()) om["ExportName"] = o.export_name;
    outputs.push_back(Value(std::move(om)));
  }
  if (!outputs.empty()) m["Outputs"] = Value(std::move(outputs));
  m["Tags"] = TagList(s.tags);
  m["EnableTerminationProtection"] = s.termination_protection;
  if (!s.parent_id.empty()) m["ParentId"] = s.parent_id;
  if (!s.root_id.empty()) m["RootId"] = s.root_id;
  m["DriftInformation"] = Value(ValueMap{{"StackDriftStatus", Value("NOT_CHECKED")}});
  return Value(std::move(m));
}

Value ResourceValue(const Stack& s, const StackResource& r, bool detail) {
  ValueMap m;
  m["StackName"] = s.name;
  m["StackId"] = s.id;
  m["LogicalResourceId"] = r.logical_id;
  if (!r.physical_id.empty()) m["PhysicalResourceId"] = r.physical_id;
  m["ResourceType"] = r.type;
  m[detail ? "LastUpdatedTimestamp" : "Timestamp"] = IsoTime(r.updated);
  m["ResourceStatus"] = r.status;
  if (!r.reason.empty()) m["ResourceStatusReason"] = r.reason;
  m["DriftInformation"] = Value(ValueMap{{"StackResourceDriftStatus", Value("NOT_CHECKED")}});
  if (detail) {
    if (const Value* res = s.template_body.Find("Resources")) {
      if (const Value* entry = res->Find(r.logical_id)) {
        if (const Value* md = entry->Find("Metadata")) m["Metadata"] = md->ToJson();
      }
    }
  }
  return Value(std::move(m));
}

Value ChangeSetValue(const ChangeSet& c, bool with_changes) {
  ValueMap m;
  m["ChangeSetName"] = c.name;
  m["ChangeSetId"] = c.id;
  m["StackId"] = c.stack_id;
  m["StackName"] = c.stack_name;
  if (!c.description.empty()) m["Description"] = c.description;
  m["CreationTime"] = IsoTime(c.creation_time);
  m["ExecutionStatus"] = c.execution_status;
  m["Status"] = c.status;
  if (!c.status_reason.empty()) m["StatusReason"] = c.status_reason;
  if (with_changes) {
    m["Parameters"] = ParameterList(c.parameters);
    m["Capabilities"] = StringList(c.capabilities);
    m["Tags"] = TagList(c.tags);
    m["Changes"] = c.changes.is_list() ? c.changes : Value(ValueList{});
    m["NotificationARNs"] = Value(ValueList{});
    m["IncludeNestedStacks"] = false;
  }
  return Value(std::move(m));
}

class CloudFormationService final : public Service {
 public:
  std::string_view signing_name() const override { return "cloudformation"; }
  aws::Protocol protocol() const override { return aws::Protocol::kQuery; }

  std::string OperationOf(const Request& request) const override {
    static const std::set<std::string, std::less<>> kOps = {"CreateStack",
                                                            "UpdateStack",
                                                            "DeleteStack",
                                                            "DescribeStacks",
                                                            "ListStacks",
                                                            "DescribeStackEvents",
                                                            "DescribeStackResource",
                                                            "DescribeStackResources",
                                                            "ListStackResources",
                                                            "GetTemplate",
                                                            "GetTemplateSummary",
                                                            "ValidateTemplate",
                                                            "ListExports",
                                                            "ListImports",
                                                            "UpdateTerminationProtection",
                                                            "SetStackPolicy",
                                                            "GetStackPolicy",
                                                            "CancelUpdateStack",
                                                            "ContinueUpdateRollback",
                                                            "CreateChangeSet",
                                                            "DescribeChangeSet",
                                                            "ListChangeSets",
                                                            "ExecuteChangeSet",
                                                            "DeleteChangeSet"};
    std::string action = QueryAction(request);
    return kOps.count(action) || IsRefactorOrDriftAction(action) ? action : std::string();
  }

  Response Error(const SimError& error, const Request& request,
                 std::string_view request_id) const override {
    (void)request;
    return QueryXmlError(error, kXmlns, request_id);
  }

  void Tick(World& world) override {
    world.cloudformation.RevealDue(world.Now());
    RevealDueRefactors(world);
  }

  // Out-of-band changes to managed resources (see refactor_drift.h).
  Result<Value> Mutate(World& world, const Value& command) override {
    return MutateManagedResource(world, command);
  }

  Response Handle(World& world, const Request& request, std::string_view operation) override {
    Value params = QueryParams(request);
    SimResult<Value> result = Dispatch(world, params, operation);
    if (!result) return QueryXmlError(result.error(), kXmlns, request.request_id);
    return QueryXmlResponse(operation, kXmlns, *result, request.request_id);
  }

 private:
  SimResult<Value> Dispatch(World& world, const Value& p, std::string_view op) {
    if (IsRefactorOrDriftAction(op)) return RunRefactorOrDriftAction(world, op, p);
    StackEngine engine(world);
    if (op == "CreateStack") return CreateStack(world, engine, p);
    if (op == "UpdateStack") return UpdateStack(world, engine, p);
    if (op == "DeleteStack") {
      auto r = engine.Delete(Str(p, "StackName"), Strings(p, "RetainResources"));
      if (!r) return tl::unexpected(r.error());
      return Value(ValueMap{});
    }
    if (op == "DescribeStacks") return DescribeStacks(world, p);
    if (op == "ListStacks") return ListStacks(world, p);
    if (op == "DescribeStackEvents") return DescribeStackEvents(world, p);
    if (op == "DescribeStackResource") return DescribeStackResource(world, p);
    if (op == "DescribeStackResources") return DescribeStackResources(world, p);
    if (op == "ListStackResources") return ListStackResources(world, p);
    if (op == "GetTemplate") return GetTemplate(world, p);
    if (op == "GetTemplateSummary") return GetTemplateSummary(world, p);
    if (op == "ValidateTemplate") return ValidateTemplate(world, p);
    if (op == "ListExports") return ListExports(world, p);
    if (op == "ListImports") return ListImports(world, p);
    if (op == "UpdateTerminationProtection") return UpdateTerminationProtection(world, p);
    if (op == "SetStackPolicy") return SetStackPolicy(world, p);
    if (op == "GetStackPolicy") return GetStackPolicy(world, p);
    if (op == "CancelUpdateStack") return CancelUpdateStack(world, p);
    if (op == "ContinueUpdateRollback") return ContinueUpdateRollback(world, p);
    if (op == "CreateChangeSet") return CreateChangeSet(world, engine, p);
    if (op == "DescribeChangeSet") return DescribeChangeSet(world, p);
    if (op == "ListChangeSets") return ListChangeSets(world, p);
    if (op == "ExecuteChangeSet") return ExecuteChangeSet(world, engine, p);
    if (op == "DeleteChangeSet") return DeleteChangeSet(world, p);
    return tl::unexpected(SimError{400, "InvalidAction", "unknown operation"});
  }

  static SimResult<Value> CreateStack(World& world, StackEngine& engine, const Value& p) {
    if (Str(p, "StackName").empty()) {
      return tl::unexpected(
          Validation("1 validation error detected: Value null at 'stackName' "
                     "failed to satisfy constraint: Member must not be null"));
    }
    auto text = cfn::TemplateText(world, p, false);
    if (!text) return tl::unexpected(text.error());
    StackInput in;
    in.name = Str(p, "StackName");
    in.template_text = *text;
    in.parameters = GivenParameters(p);
    in.capabilities = Strings(p, "Capabilities");
    in.tags = Tags(p);
    in.termination_protection = Flag(p, "EnableTerminationProtection");
    in.stack_policy = Str(p, "StackPolicyBody");
    in.on_failure = Str(p, "OnFailure");
    in.disable_rollback = Flag(p, "DisableRollback");
    if (!in.on_failure.empty() && p.Find("DisableRollback")) {
      return tl::unexpected(Validation("You cannot specify both DisableRollback and OnFailure."));
    }
    in.client_request_token = Str(p, "ClientRequestToken");
    in.notification_arns = Strings(p, "NotificationARNs");
    auto id = engine.Create(in);
    if (!id) return tl::unexpected(id.error());
    return Value(ValueMap{{"StackId", Value(*id)}});
  }

  static SimResult<Value> UpdateStack(World& world, StackEngine& engine, const Value& p) {
    auto text = cfn::TemplateText(world, p, true);
    if (!text) return tl::unexpected(text.error());
    StackInput in;
    in.name = Str(p, "StackName");
    in.template_text = *text;
    in.use_previous_template = Flag(p, "UsePreviousTemplate");
    in.parameters = GivenParameters(p);
    in.capabilities = Strings(p, "Capabilities");
    in.tags = Tags(p);
    in.stack_policy_during_update = Str(p, "StackPolicyDuringUpdateBody");
    in.client_request_token = Str(p, "ClientRequestToken");
    in.operation = "UpdateStack";
    if (Stack* s = world.cloudformation.Find(in.name); s && !in.client_request_token.empty()) {
      auto& tokens = s->client_request_tokens;
      if (std::find(tokens.begin(), tokens.end(), in.client_request_token) != tokens.end()) {
        return tl::unexpected(SimError{400, "TokenAlreadyExistsException",
                                       fmt::format("Another Stack update request with the same "
                                                   "token [{}] is already in progress",
                                                   in.client_request_token)});
      }
    }
    std::string policy = Str(p, "StackPolicyBody");
    auto id = engine.Update(in);
    if (!id) return tl::unexpected(id.error());
    if (Stack* s = world.cloudformation.Find(*id)) {
      if (!policy.empty()) s->stack_policy = policy;
      if (!in.client_request_token.empty())
        s->client_request_tokens.push_back(in.client_request_token);
    }
    return Value(ValueMap{{"StackId", Value(*id)}});
  }

  static SimResult<Value> DescribeStacks(World& world, const Value& p) {
    std::vector<Value> stacks;
    std::string name = Str(p, "StackName");
    if (!name.empty()) {
      const Stack* s = world.cloudformation.Find(name);
      if (!s) return tl::unexpected(NotFound(name));
      stacks.push_back(StackValue(*s));
    } else {
      for (const auto& s : world.cloudformation.stacks()) stacks.push_back(StackValue(s));
    }
    auto [page, next] = Page(stacks, p);
    ValueMap out{{"Stacks", Value(ValueList(page.begin(), page.end()))}};
    if (!next.empty()) out["NextToken"] = next;
    return Value(std::move(out));
  }

  static SimResult<Value> ListStacks(World& world, const Value& p) {
    std::vector<std::string> filter = Strings(p, "StackStatusFilter");
    std::vector<Value> items;
    auto add = [&](const Stack& s) {
      if (!filter.empty() && std::find(filter.begin(), filter.end(), s.status) == filter.end())
        return;
      ValueMap m{{"StackId", Value(s.id)},
                 {"StackName", Value(s.name)},
                 {"CreationTime", Value(IsoTime(s.creation_time))},
                 {"StackStatus", Value(s.status)},
                 {"DriftInformation", Value(ValueMap{{"StackDriftStatus", Value("NOT_CHECKED")}})}};
      if (!s.description.empty()) m["TemplateDescription"] = s.description;
      if (s.last_updated_time) m["LastUpdatedTime"] = IsoTime(*s.last_updated_time);
      if (s.deletion_time) m["DeletionTime"] = IsoTime(*s.deletion_time);
      if (!s.reason.empty()) m["StackStatusReason"] = s.reason;
      if (!s.parent_id.empty()) m["ParentId"] = s.parent_id;
      if (!s.root_id.empty()) m["RootId"] = s.root_id;
      items.push_back(Value(std::move(m)));
    };
    for (const auto& s : world.cloudformation.stacks()) add(s);
    for (const auto& s : world.cloudformation.deleted_stacks()) add(s);
    auto [page, next] = Page(items, p);
    ValueMap out{{"StackSummaries", Value(ValueList(page.begin(), page.end()))}};
    if (!next.empty()) out["NextToken"] = next;
    return Value(std::move(out));
  }

  static SimResult<Value> DescribeStackEvents(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    const Stack* s = world.cloudformation.Find(name);
    if (!s) return tl::unexpected(NotFound(name));
    std::vector<Value> events;
    for (auto it = s->events.rbegin(); it != s->events.rend(); ++it) {
      ValueMap m{{"StackId", Value(s->id)},
                 {"EventId", Value(it->event_id)},
                 {"StackName", Value(s->name)},
                 {"LogicalResourceId", Value(it->logical_id)},
                 {"ResourceType", Value(it->resource_type)},
                 {"Timestamp", Value(IsoTime(it->timestamp))},
                 {"ResourceStatus", Value(it->status)}};
      if (!it->physical_id.empty()) m["PhysicalResourceId"] = it->physical_id;
      if (!it->reason.empty()) m["ResourceStatusReason"] = it->reason;
      if (!it->properties.empty()) m["ResourceProperties"] = it->properties;
      events.push_back(Value(std::move(m)));
    }
    auto [page, next] = Page(events, p);
    ValueMap out{{"StackEvents", Value(ValueList(page.begin(), page.end()))}};
    if (!next.empty()) out["NextToken"] = next;
    return Value(std::move(out));
  }

  static SimResult<Value> DescribeStackResource(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    const Stack* s = world.cloudformation.Find(name);
    if (!s) return tl::unexpected(NotFound(name));
    std::string logical = Str(p, "LogicalResourceId");
    const StackResource* r = s->FindResource(logical);
    if (!r) {
      return tl::unexpected(
          Validation(fmt::format("Resource {} does not exist for stack {}", logical, name)));
    }
    return Value(ValueMap{{"StackResourceDetail", ResourceValue(*s, *r, true)}});
  }

  static SimResult<Value> DescribeStackResources(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    std::string physical = Str(p, "PhysicalResourceId");
    std::string logical = Str(p, "LogicalResourceId");
    const Stack* s = nullptr;
    if (!name.empty()) {
      s = world.cloudformation.Find(name);
      if (!s) return tl::unexpected(NotFound(name));
    } else if (!physical.empty()) {
      s = world.cloudformation.FindByPhysicalId(physical).first;
      if (!s)
        return tl::unexpected(Validation(fmt::format("Stack for {} does not exist", physical)));
    } else {
      return tl::unexpected(
          Validation("Either StackName or PhysicalResourceId must be specified."));
    }
    ValueList resources;
    for (const auto& r : s->resources) {
      if (!logical.empty() && r.logical_id != logical) continue;
      resources.push_back(ResourceValue(*s, r, false));
    }
    return Value(ValueMap{{"StackResources", Value(std::move(resources))}});
  }

  static SimResult<Value> ListStackResources(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    const Stack* s = world.cloudformation.Find(name);
    if (!s) return tl::unexpected(NotFound(name));
    std::vector<Value> items;
    for (const auto& r : s->resources) {
      ValueMap m{{"LogicalResourceId", Value(r.logical_id)},
                 {"ResourceType", Value(r.type)},
                 {"LastUpdatedTimestamp", Value(IsoTime(r.updated))},
                 {"ResourceStatus", Value(r.status)},
                 {"DriftInformation",
                  Value(ValueMap{{"StackResourceDriftStatus", Value("NOT_CHECKED")}})}};
      if (!r.physical_id.empty()) m["PhysicalResourceId"] = r.physical_id;
      if (!r.reason.empty()) m["ResourceStatusReason"] = r.reason;
      items.push_back(Value(std::move(m)));
    }
    auto [page, next] = Page(items, p);
    ValueMap out{{"StackResourceSummaries", Value(ValueList(page.begin(), page.end()))}};
    if (!next.empty()) out["NextToken"] = next;
    return Value(std::move(out));
  }

  static SimResult<Value> GetTemplate(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    std::string change_set = Str(p, "ChangeSetName");
    std::string text;
    Value body;
    if (!change_set.empty()) {
      ChangeSet* c = world.cloudformation.FindChangeSet(change_set, name);
      if (!c) return tl::unexpected(ChangeSetNotFound(change_set));
      text = c->template_text;
      body = c->template_body;
    } else {
      const Stack* s = world.cloudformation.Find(name);
      if (!s) return tl::unexpected(NotFound(name));
      text = s->template_text;
      body = s->template_body;
    }
    if (Str(p, "TemplateStage") == "Processed") text = body.ToJson();
    return Value(ValueMap{{"TemplateBody", Value(text)},
                          {"StagesAvailable", StringList({"Original", "Processed"})}});
  }

  static SimResult<Value> TemplateFor(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    if (!name.empty() && Str(p, "TemplateBody").empty() && Str(p, "TemplateURL").empty()) {
      const Stack* s = world.cloudformation.Find(name);
      if (!s) return tl::unexpected(NotFound(name));
      return s->template_body;
    }
    auto text = cfn::TemplateText(world, p, false);
    if (!text) return tl::unexpected(text.error());
    auto tmpl = cfn::ParseTemplate(*text);
    if (!tmpl) return tl::unexpected(tmpl.error());
    if (auto v = cfn::ValidateTemplate(*tmpl); !v) return tl::unexpected(v.error());
    return *tmpl;
  }

  static Value CapabilitiesOf(const Value& tmpl, std::string* reason) {
    for (std::string cap : {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"}) {
      (void)cap;
    }
    auto c = StackEngine::CheckCapabilities(tmpl, {});
    if (c) return Value(ValueList{});
    const std::string& m = c.error().message;
    std::string needed = m.substr(m.find('[') + 1, m.find(']') - m.find('[') - 1);
    if (reason) *reason = "The following resource(s) require capabilities: [" + needed + "]";
    return Value(ValueList{Value(needed)});
  }

  static SimResult<Value> GetTemplateSummary(World& world, const Value& p) {
    auto tmpl = TemplateFor(world, p);
    if (!tmpl) return tmpl;
    ValueList params;
    std::set<std::string> types;
    if (const Value* ps = tmpl->Find("Parameters"); ps && ps->is_map()) {
      for (const auto& [k, decl] : ps->as_map()) {
        ValueMap m{{"ParameterKey", Value(k)},
                   {"ParameterType", Value(Str(decl, "Type"))},
                   {"NoEcho", Value(Str(decl, "NoEcho") == "true")}};
        if (const Value* d = decl.Find("Default")) m["DefaultValue"] = d->ToText();
        if (const Value* d = decl.Find("Description")) m["Description"] = d->ToText();
        if (const Value* a = decl.Find("AllowedValues"); a && a->is_list()) {
          ValueList allowed;
          for (const Value& x : a->as_list()) allowed.push_back(Value(x.ToText()));
          m["ParameterConstraints"] = Value(ValueMap{{"AllowedValues", Value(std::move(allowed))}});
        }
        params.push_back(Value(std::move(m)));
      }
    }
    if (const Value* rs = tmpl->Find("Resources"); rs && rs->is_map()) {
      for (const auto& [k, r] : rs->as_map()) types.insert(Str(r, "Type"));
    }
    std::string reason;
    ValueMap out{
        {"Parameters", Value(std::move(params))},
        {"ResourceTypes", StringList(std::vector<std::string>(types.begin(), types.end()))},
        {"Capabilities", CapabilitiesOf(*tmpl, &reason)}};
    if (!reason.empty()) out["CapabilitiesReason"] = reason;
    if (const Value* d = tmpl->Find("Description")) out["Description"] = d->ToText();
    if (const Value* v = tmpl->Find("AWSTemplateFormatVersion")) out["Version"] = v->ToText();
    if (const Value* md = tmpl->Find("Metadata")) out["Metadata"] = md->ToJson();
    return Value(std::move(out));
  }

  static SimResult<Value> ValidateTemplate(World& world, const Value& p) {
    auto tmpl = TemplateFor(world, p);
    if (!tmpl) return tmpl;
    ValueList params;
    if (const Value* ps = tmpl->Find("Parameters"); ps && ps->is_map()) {
      for (const auto& [k, decl] : ps->as_map()) {
        ValueMap m{{"ParameterKey", Value(k)}, {"NoEcho", Value(Str(decl, "NoEcho") == "true")}};
        if (const Value* d = decl.Find("Default")) m["DefaultValue"] = d->ToText();
        if (const Value* d = decl.Find("Description")) m["Description"] = d->ToText();
        params.push_back(Value(std::move(m)));
      }
    }
    std::string reason;
    ValueMap out{{"Parameters", Value(std::move(params))},
                 {"Capabilities", CapabilitiesOf(*tmpl, &reason)}};
    if (!reason.empty()) out["CapabilitiesReason"] = reason;
    if (const Value* d = tmpl->Find("Description")) out["Description"] = d->ToText();
    return Value(std::move(out));
  }

  static SimResult<Value> ListExports(World& world, const Value& p) {
    std::vector<Value> items;
    for (const auto& e : world.cloudformation.Exports()) {
      items.push_back(Value(ValueMap{{"ExportingStackId", Value(e.stack_id)},
                                     {"Name", Value(e.name)},
                                     {"Value", Value(e.value)}}));
    }
    auto [page, next] = Page(items, p);
    ValueMap out{{"Exports", Value(ValueList(page.begin(), page.end()))}};
    if (!next.empty()) out["NextToken"] = next;
    return Value(std::move(out));
  }

  static SimResult<Value> ListImports(World& world, const Value& p) {
    std::string name = Str(p, "ExportName");
    if (!world.cloudformation.FindExport(name)) {
      return tl::unexpected(Validation(fmt::format("Export '{}' does not exist.", name)));
    }
    auto importers = world.cloudformation.Importers(name);
    if (importers.empty()) {
      return tl::unexpected(
          Validation(fmt::format("Export '{}' is not imported by any stack.", name)));
    }
    return Value(ValueMap{{"Imports", StringList(importers)}});
  }

  static SimResult<Value> UpdateTerminationProtection(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    Stack* s = world.cloudformation.Find(name);
    if (!s || s->status == "DELETE_COMPLETE") return tl::unexpected(NotFound(name));
    if (!s->parent_id.empty()) {
      return tl::unexpected(
          Validation(fmt::format("Termination protection cannot be updated on nested "
                                 "stack {}; update it on the root stack.",
                                 s->name)));
    }
    s->termination_protection = Flag(p, "EnableTerminationProtection");
    return Value(ValueMap{{"StackId", Value(s->id)}});
  }

  static SimResult<Value> SetStackPolicy(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    Stack* s = world.cloudformation.Find(name);
    if (!s || s->status == "DELETE_COMPLETE") return tl::unexpected(NotFound(name));
    std::string body = Str(p, "StackPolicyBody");
    if (body.empty() && !Str(p, "StackPolicyURL").empty()) {
      auto fetched = cfn::FetchTemplateUrl(world, Str(p, "StackPolicyURL"));
      if (!fetched) return tl::unexpected(fetched.error());
      body = *fetched;
    }
    auto parsed = Value::FromJson(body);
    if (!parsed || !parsed->Find("Statement")) {
      return tl::unexpected(Validation("Error validating stack policy: Invalid stack policy"));
    }
    s->stack_policy = body;
    return Value(ValueMap{});
  }

  static SimResult<Value> GetStackPolicy(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    const Stack* s = world.cloudformation.Find(name);
    if (!s) return tl::unexpected(NotFound(name));
    ValueMap out;
    if (!s->stack_policy.empty()) out["StackPolicyBody"] = s->stack_policy;
    return Value(std::move(out));
  }

  static SimResult<Value> CancelUpdateStack(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    Stack* s = world.cloudformation.Find(name);
    if (!s) return tl::unexpected(NotFound(name));
    if (s->status != "UPDATE_IN_PROGRESS") {
      return tl::unexpected(Validation(fmt::format(
          "CancelUpdateStack cannot be called from current stack status [{}].", s->status)));
    }
    // The update's outcome was decided when it started; it completes as
    // decided.
    return Value(ValueMap{});
  }

  static SimResult<Value> ContinueUpdateRollback(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    Stack* s = world.cloudformation.Find(name);
    if (!s) return tl::unexpected(NotFound(name));
    if (s->status != "UPDATE_ROLLBACK_FAILED") {
      return tl::unexpected(Validation(fmt::format(
          "Stack {} is in {} state and can not continue update rollback.", s->id, s->status)));
    }
    s->status = "UPDATE_ROLLBACK_COMPLETE";
    return Value(ValueMap{});
  }

  // ---- change sets ----

  static SimResult<Value> CreateChangeSet(World& world, StackEngine& engine, const Value& p) {
    std::string stack_name = Str(p, "StackName");
    std::string cs_name = Str(p, "ChangeSetName");
    std::string type = Str(p, "ChangeSetType");
    if (type.empty()) type = "UPDATE";
    if (cs_name.empty() || !std::isalpha(static_cast<unsigned char>(cs_name[0]))) {
      return tl::unexpected(
          Validation(fmt::format("1 validation error detected: Value '{}' at "
                                 "'changeSetName' failed to satisfy constraint: "
                                 "Member must satisfy regular expression pattern: "
                                 "[a-zA-Z][-a-zA-Z0-9]*",
                                 cs_name)));
    }
    Stack* s = world.cloudformation.FindLive(stack_name);
    if (!s) s = world.cloudformation.Find(stack_name);
    if (s && s->status == "DELETE_COMPLETE") s = nullptr;
    if (type == "CREATE" && s && s->status != "REVIEW_IN_PROGRESS") {
      return tl::unexpected(
          Validation(fmt::format("Stack [{}] already exists and cannot be "
                                 "created again with the changeSet [{}].",
                                 stack_name, cs_name)));
    }
    if (type == "UPDATE" && (!s || s->status == "REVIEW_IN_PROGRESS")) {
      return tl::unexpected(Validation(fmt::format("Stack [{}] does not exist", stack_name)));
    }
    if (s && world.cloudformation.FindChangeSet(cs_name, s->id)) {
      return tl::unexpected(SimError{400, "AlreadyExistsException",
                                     fmt::format("ChangeSet {} already exists", cs_name)});
    }
    bool existing_stack = s && s->status != "REVIEW_IN_PROGRESS";
    auto text = cfn::TemplateText(world, p, existing_stack);
    if (!text) return tl::unexpected(text.error());
    std::string template_text = Flag(p, "UsePreviousTemplate") && s ? s->template_text : *text;
    auto tmpl = cfn::ParseTemplate(template_text);
    if (!tmpl) return tl::unexpected(tmpl.error());
    if (auto v = cfn::ValidateTemplate(*tmpl); !v) return tl::unexpected(v.error());
    std::vector<cfn::ParameterValue> previous;
    if (existing_stack) previous = cfn::FromStoreParameters(*s);
    auto params = cfn::ResolveParameters(*tmpl, GivenParameters(p), previous);
    if (!params) return tl::unexpected(params.error());
    std::vector<std::string> caps = Strings(p, "Capabilities");
    if (auto c = StackEngine::CheckCapabilities(*tmpl, caps); !c) return tl::unexpected(c.error());

    const Value* to_import = p.Find("ResourcesToImport");
    if (type == "IMPORT") {
      if (!to_import || !to_import->is_list() || to_import->as_list().empty()) {
        return tl::unexpected(
            Validation("ResourcesToImport must be specified for an IMPORT change set."));
      }
      const Value* resources = tmpl->Find("Resources");
      for (const Value& item : to_import->as_list()) {
        std::string id = Str(item, "LogicalResourceId");
        const Value* entry = resources ? resources->Find(id) : nullptr;
        if (!entry || Str(*entry, "Type") != Str(item, "ResourceType")) {
          return tl::unexpected(
              Validation(fmt::format("Resource {} of type {} to import is not in the template.", id,
                                     Str(item, "ResourceType"))));
        }
        if (!entry->Find("DeletionPolicy")) {
          return tl::unexpected(
              Validation(fmt::format("The following resources to import [{}] must have "
                                     "DeletionPolicy attribute specified in the template.",
                                     id)));
        }
        std::string physical;
        if (const Value* ident = item.Find("ResourceIdentifier");
            ident && ident->is_map() && !ident->as_map().empty()) {
          physical = ident->as_map().begin()->second.ToText();
        }
        if (!cfn::PhysicalResourceExists(world, Str(item, "ResourceType"), physical)) {
          return tl::unexpected(Validation(
              fmt::format("Resources [{}] in the template do not exist: {}", id, physical)));
        }
        // The same resource is the same type with the whole identifier: a
        // user pool group is its pool and its name (another pool's group of
        // that name is another resource).
        const Value* ident = item.Find("ResourceIdentifier");
        for (const Stack& owner : world.cloudformation.stacks()) {
          for (const StackResource& r : owner.resources) {
            if (physical.empty() || r.physical_id != physical ||
                r.type != Str(item, "ResourceType") || r.status == "DELETE_COMPLETE" ||
                r.status == "DELETE_SKIPPED") {
              continue;
            }
            bool same = true;
            if (ident && ident->is_map()) {
              for (const auto& [key, value] : ident->as_map()) {
                const Value* held = r.properties.is_map() ? r.properties.Find(key) : nullptr;
                if (held && held->is_string() && held->ToText() != value.ToText()) same = false;
              }
            }
            if (!same) continue;
            return tl::unexpected(
                Validation(fmt::format("Resource {} of type {} with identifier {} already "
                                       "exists in stack {}.",
                                       id, Str(item, "ResourceType"), physical, owner.id)));
          }
        }
        (void)entry;
      }
    }

    if (!s) {
      Stack review;
      review.name = stack_name;
      review.id = fmt::format("arn:aws:cloudformation:{}:{}:stack/{}/{}", world.config().region,
                              world.config().account_id, stack_name, world.NewUuid());
      review.status = "REVIEW_IN_PROGRESS";
      review.reason = "User Initiated";
      review.creation_time = world.Now();
      review.events.push_back(StackEvent{world.NewUuid(), stack_name, review.id,
                                         "AWS::CloudFormation::Stack", "REVIEW_IN_PROGRESS",
                                         "User Initiated", "", world.Now()});
      s = &world.cloudformation.Add(std::move(review));
    }

    ChangeSet cs;
    cs.name = cs_name;
    cs.id = fmt::format("arn:aws:cloudformation:{}:{}:changeSet/{}/{}", world.config().region,
                        world.config().account_id, cs_name, world.NewUuid());
    cs.stack_id = s->id;
    cs.stack_name = s->name;
    cs.type = type;
    cs.description = Str(p, "Description");
    cs.template_body = *tmpl;
    cs.template_text = template_text;
    cs.parameters = cfn::ToStoreParameters(*params);
    cs.capabilities = caps;
    cs.tags = Tags(p).value_or(s->tags);
    cs.creation_time = world.Now();
    ValueList changes;
    if (type == "IMPORT") {
      cs.resources_to_import = *to_import;
      for (const Value& item : to_import->as_list()) {
        cfn::PlannedChange c;
        c.logical_id = Str(item, "LogicalResourceId");
        c.type = Str(item, "ResourceType");
        c.action = "Import";
        if (const Value* ident = item.Find("ResourceIdentifier");
            ident && ident->is_map() && !ident->as_map().empty()) {
          c.physical_id = ident->as_map().begin()->second.ToText();
        }
        changes.push_back(c.ToValue());
      }
    } else {
      auto plan = engine.Plan(existing_stack ? s : nullptr, *tmpl, *params, s->name);
      if (!plan) {
        cs.status = "FAILED";
        cs.status_reason = plan.error().message;
      } else {
        for (const auto& c : *plan) changes.push_back(c.ToValue());
      }
    }
    cs.changes = Value(std::move(changes));
    // A change set that changes no resource but the template or the
    // parameters (outputs made literal, a DeletionPolicy) is executable with
    // no Changes, as CloudFormation creates it; only one that changes
    // nothing at all fails.
    bool template_changed = existing_stack && type != "IMPORT" &&
                            (!(*tmpl == s->template_body) || !SameStoredParameters(*s, cs));
    if (cs.status.empty()) {
      if (cs.changes.as_list().empty() && !template_changed) {
        cs.status = "FAILED";
        cs.status_reason =
            "The submitted information didn't contain changes. Submit "
            "different information to create a change set.";
      } else {
        cs.status = "CREATE_COMPLETE";
      }
    }
    cs.execution_status = cs.status == "CREATE_COMPLETE" ? "AVAILABLE" : "UNAVAILABLE";
    std::string id = cs.id;
    std::string stack_id = cs.stack_id;
    world.cloudformation.change_sets().push_back(std::move(cs));
    return Value(ValueMap{{"Id", Value(id)}, {"StackId", Value(stack_id)}});
  }

  static SimResult<Value> DescribeChangeSet(World& world, const Value& p) {
    std::string name = Str(p, "ChangeSetName");
    ChangeSet* c = world.cloudformation.FindChangeSet(name, Str(p, "StackName"));
    if (!c) return tl::unexpected(ChangeSetNotFound(name));
    return ChangeSetValue(*c, true);
  }

  static SimResult<Value> ListChangeSets(World& world, const Value& p) {
    std::string name = Str(p, "StackName");
    const Stack* s = world.cloudformation.Find(name);
    if (!s) return tl::unexpected(NotFound(name));
    std::vector<Value> items;
    for (const auto& c : world.cloudformation.change_sets()) {
      if (c.stack_id == s->id) items.push_back(ChangeSetValue(c, false));
    }
    auto [page, next] = Page(items, p);
    ValueMap out{{"Summaries", Value(ValueList(page.begin(), page.end()))}};
    if (!next.empty()) out["NextToken"] = next;
    return Value(std::move(out));
  }

  static SimResult<Value> ExecuteChangeSet(World& world, StackEngine& engine, const Value& p) {
    std::string name = Str(p, "ChangeSetName");
    ChangeSet* c = world.cloudformation.FindChangeSet(name, Str(p, "StackName"));
    if (!c) return tl::unexpected(ChangeSetNotFound(name));
    if (c->execution_status != "AVAILABLE") {
      return tl::unexpected(SimError{400, "InvalidChangeSetStatus",
                                     fmt::format("ChangeSet [{}] cannot be executed in its "
                                                 "current execution status of [{}]",
                                                 c->id, c->execution_status)});
    }
    ChangeSet cs = *c;
    Stack* s = world.cloudformation.Find(cs.stack_id);
    if (!s) return tl::unexpected(NotFound(cs.stack_name));
    std::vector<cfn::GivenParameter> given;
    for (const auto& prm : cs.parameters) given.push_back({prm.key, prm.value, false});
    if (cs.type == "IMPORT") {
      auto params = cfn::ResolveParameters(cs.template_body, given);
      if (!params) return tl::unexpected(params.error());
      if (s->status == "REVIEW_IN_PROGRESS") {
        s->creation_time = world.Now();
        s->capabilities = cs.capabilities;
        s->tags = cs.tags;
      }
      if (auto r = engine.Import(*s, cs.template_body, *params, cs.resources_to_import); !r) {
        return tl::unexpected(r.error());
      }
      s->template_text = cs.template_text;
    } else if (s->status == "REVIEW_IN_PROGRESS") {
      std::vector<StackEvent> review_events = s->events;
      std::string id = s->id;
      world.cloudformation.stacks().remove_if([&](const Stack& x) { return x.id == id; });
      StackInput in;
      in.name = cs.stack_name;
      in.stack_id = id;
      in.template_text = cs.template_text;
      in.parameters = given;
      in.capabilities = cs.capabilities;
      in.tags = cs.tags;
      in.operation = "ExecuteChangeSet";
      in.disable_rollback = Flag(p, "DisableRollback");
      auto created = engine.Create(in);
      if (!created) return tl::unexpected(created.error());
      if (Stack* fresh = world.cloudformation.Find(id)) {
        fresh->events.insert(fresh->events.begin(), review_events.begin(), review_events.end());
      }
    } else {
      StackInput in;
      in.name = cs.stack_id;
      in.template_text = cs.template_text;
      in.parameters = given;
      in.capabilities = cs.capabilities;
      in.tags = cs.tags;
      in.operation = "ExecuteChangeSet";
      auto updated = engine.Update(in);
      if (!updated) return tl::unexpected(updated.error());
    }
    // Executing a change set removes the stack's change sets.
    auto& all = world.cloudformation.change_sets();
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const ChangeSet& x) { return x.stack_id == cs.stack_id; }),
              all.end());
    return Value(ValueMap{});
  }

  static SimResult<Value> DeleteChangeSet(World& world, const Value& p) {
    std::string name = Str(p, "ChangeSetName");
    ChangeSet* c = world.cloudformation.FindChangeSet(name, Str(p, "StackName"));
    if (!c) return tl::unexpected(ChangeSetNotFound(name));
    std::string id = c->id;
    auto& all = world.cloudformation.change_sets();
    all.erase(
        std::remove_if(all.begin(), all.end(), [&](const ChangeSet& x) { return x.id == id; }),
        all.end());
    return Value(ValueMap{});
  }
};

}  // namespace

std::unique_ptr<Service> MakeCloudFormationService() {
  return std::make_unique<CloudFormationService>();
}

}  // namespace flightplan::cloudsim
