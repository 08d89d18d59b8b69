#include "cloudsim/stores/cfn_store.h"

#include <algorithm>
#include <chrono>

namespace flightplan::cloudsim {
namespace {

Value Ms(Timestamp t) { return Value(static_cast<int64_t>(t.unix_ms)); }
Timestamp FromMs(const Value* v) {
  if (!v || !v->is_int()) return Timestamp{};
  return Timestamp{v->as_int()};
}
std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && f->is_string() ? f->as_string() : std::string();
}
bool Bool(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && f->is_bool() && f->as_bool();
}
Value Strings(const std::vector<std::string>& list) {
  ValueList out;
  for (const auto& s : list) out.push_back(Value(s));
  return Value(std::move(out));
}
std::vector<std::string> StringsOf(const Value& v, std::string_view key) {
  std::vector<std::string> out;
  if (const Value* f = v.Find(key); f && f->is_list()) {
    for (const Value& s : f->as_list()) out.push_back(s.ToText());
  }
  return out;
}
Value Pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  ValueList out;
  for (const auto& [k, v] : pairs) out.push_back(Value(ValueList{Value(k), Value(v)}));
  return Value(std::move(out));
}
std::vector<std::pair<std::string, std::string>> PairsOf(const Value& v, std::string_view key) {
  std::vector<std::pair<std::string, std::string>> out;
  if (const Value* f = v.Find(key); f && f->is_list()) {
    for (const Value& p : f->as_list()) {
      if (p.is_list() && p.as_list().size() == 2) {
        out.emplace_back(p.as_list()[0].ToText(), p.as_list()[1].ToText());
      }
    }
  }
  return out;
}

Value EventToValue(const StackEvent& e) {
  return Value(ValueMap{{"event_id", Value(e.event_id)},
                        {"logical_id", Value(e.logical_id)},
                        {"physical_id", Value(e.physical_id)},
                        {"type", Value(e.resource_type)},
                        {"status", Value(e.status)},
                        {"reason", Value(e.reason)},
                        {"properties", Value(e.properties)},
                        {"timestamp", Ms(e.timestamp)}});
}
StackEvent EventFromValue(const Value& v) {
  StackEvent e;
  e.event_id = Str(v, "event_id");
  e.logical_id = Str(v, "logical_id");
  e.physical_id = Str(v, "physical_id");
  e.resource_type = Str(v, "type");
  e.status = Str(v, "status");
  e.reason = Str(v, "reason");
  e.properties = Str(v, "properties");
  e.timestamp = FromMs(v.Find("timestamp"));
  return e;
}
Value EventsToValue(const std::vector<StackEvent>& events) {
  ValueList out;
  for (const auto& e : events) out.push_back(EventToValue(e));
  return Value(std::move(out));
}
std::vector<StackEvent> EventsOf(const Value& v, std::string_view key) {
  std::vector<StackEvent> out;
  if (const Value* f = v.Find(key); f && f->is_list()) {
    for (const Value& e : f->as_list()) out.push_back(EventFromValue(e));
  }
  return out;
}

Value StackToValue(const Stack& s) {
  ValueMap m;
  m["id"] = s.id;
  m["name"] = s.name;
  m["description"] = s.description;
  m["template"] = s.template_body;
  m["template_text"] = s.template_text;
  ValueList params;
  for (const auto& p : s.parameters) {
    params.push_back(Value(ValueMap{{"key", Value(p.key)},
                                    {"value", Value(p.value)},
                                    {"resolved", Value(p.resolved)},
                                    {"no_echo", Value(p.no_echo)}}));
  }
  m["parameters"] = Value(std::move(params));
  m["status"] = s.status;
  m["reason"] = s.reason;
  ValueList outputs;
  for (const auto& o : s.outputs) {
    outputs.push_back(Value(ValueMap{{"key", Value(o.key)},
                                     {"value", Value(o.value)},
                                     {"description", Value(o.description)},
                                     {"export_name", Value(o.export_name)}}));
  }
  m["outputs"] = Value(std::move(outputs));
  m["tags"] = Pairs(s.tags);
  m["capabilities"] = Strings(s.capabilities);
  m["notification_arns"] = Strings(s.notification_arns);
  m["termination_protection"] = s.termination_protection;
  m["disable_rollback"] = s.disable_rollback;
  m["stack_policy"] = s.stack_policy;
  m["parent_id"] = s.parent_id;
  m["root_id"] = s.root_id;
  m["creation_time"] = Ms(s.creation_time);
  if (s.last_updated_time) m["last_updated_time"] = Ms(*s.last_updated_time);
  if (s.deletion_time) m["deletion_time"] = Ms(*s.deletion_time);
  m["events"] = EventsToValue(s.events);
  ValueList resources;
  for (const auto& r : s.resources) {
    resources.push_back(Value(ValueMap{{"logical_id", Value(r.logical_id)},
                                       {"physical_id", Value(r.physical_id)},
                                       {"type", Value(r.type)},
                                       {"status", Value(r.status)},
                                       {"reason", Value(r.reason)},
                                       {"properties", r.properties},
                                       {"actual", r.actual},
                                       {"attributes", r.attributes},
                                       {"deletion_policy", Value(r.deletion_policy)},
                                       {"update_replace_policy", Value(r.update_replace_policy)},
                                       {"updated", Ms(r.updated)}}));
  }
  m["resources"] = Value(std::move(resources));
  if (s.pending) {
    m["pending"] =
        Value(ValueMap{{"reveal_at", Ms(s.pending->reveal_at)},
                       {"final_status", Value(s.pending->final_status)},
                       {"final_reason", Value(s.pending->final_reason)},
                       {"events", EventsToValue(s.pending->events)},
                       {"delete_when_revealed", Value(s.pending->delete_when_revealed)}});
  }
  m["client_request_tokens"] = Strings(s.client_request_tokens);
  m["imports"] = Strings(s.imports);
  return Value(std::move(m));
}

Stack StackFromValue(const Value& v) {
  Stack s;
  s.id = Str(v, "id");
  s.name = Str(v, "name");
  s.description = Str(v, "description");
  if (const Value* t = v.Find("template")) s.template_body = *t;
  s.template_text = Str(v, "template_text");
  if (const Value* ps = v.Find("parameters"); ps && ps->is_list()) {
    for (const Value& p : ps->as_list()) {
      s.parameters.push_back(
          {Str(p, "key"), Str(p, "value"), Str(p, "resolved"), Bool(p, "no_echo")});
    }
  }
  s.status = Str(v, "status");
  s.reason = Str(v, "reason");
  if (const Value* os = v.Find("outputs"); os && os->is_list()) {
    for (const Value& o : os->as_list()) {
      s.outputs.push_back(
          {Str(o, "key"), Str(o, "value"), Str(o, "description"), Str(o, "export_name")});
    }
  }
  s.tags = PairsOf(v, "tags");
  s.capabilities = StringsOf(v, "capabilities");
  s.notification_arns = StringsOf(v, "notification_arns");
  s.termination_protection = Bool(v, "termination_protection");
  s.disable_rollback = Bool(v, "disable_rollback");
  s.stack_policy = Str(v, "stack_policy");
  s.parent_id = Str(v, "parent_id");
  s.root_id = Str(v, "root_id");
  s.creation_time = FromMs(v.Find("creation_time"));
  if (v.Find("last_updated_time")) s.last_updated_time = FromMs(v.Find("last_updated_time"));
  if (v.Find("deletion_time")) s.deletion_time = FromMs(v.Find("deletion_time"));
  s.events = EventsOf(v, "events");
  if (const Value* rs = v.Find("resources"); rs && rs->is_list()) {
    for (const Value& r : rs->as_list()) {
      StackResource res;
      res.logical_id = Str(r, "logical_id");
      res.physical_id = Str(r, "physical_id");
      res.type = Str(r, "type");
      res.status = Str(r, "status");
      res.reason = Str(r, "reason");
      if (const Value* x = r.Find("properties")) res.properties = *x;
      if (const Value* x = r.Find("actual")) res.actual = *x;
      if (const Value* x = r.Find("attributes")) res.attributes = *x;
      res.deletion_policy = Str(r, "deletion_policy");
      res.update_replace_policy = Str(r, "update_replace_policy");
      res.updated = FromMs(r.Find("updated"));
      s.resources.push_back(std::move(res));
    }
  }
  if (const Value* p = v.Find("pending"); p && p->is_map()) {
    PendingOperation op;
    op.reveal_at = FromMs(p->Find("reveal_at"));
    op.final_status = Str(*p, "final_status");
    op.final_reason = Str(*p, "final_reason");
    op.events = EventsOf(*p, "events");
    op.delete_when_revealed = Bool(*p, "delete_when_revealed");
    s.pending = std::move(op);
  }
  s.client_request_tokens = StringsOf(v, "client_request_tokens");
  s.imports = StringsOf(v, "imports");
  return s;
}

Value ChangeSetToValue(const ChangeSet& c) {
  ValueList params;
  for (const auto& p : c.parameters) {
    params.push_back(Value(ValueMap{{"key", Value(p.key)},
                                    {"value", Value(p.value)},
                                    {"resolved", Value(p.resolved)},
                                    {"no_echo", Value(p.no_echo)}}));
  }
  return Value(ValueMap{{"id", Value(c.id)},
                        {"name", Value(c.name)},
                        {"stack_id", Value(c.stack_id)},
                        {"stack_name", Value(c.stack_name)},
                        {"type", Value(c.type)},
                        {"status", Value(c.status)},
                        {"status_reason", Value(c.status_reason)},
                        {"execution_status", Value(c.execution_status)},
                        {"description", Value(c.description)},
                        {"template", c.template_body},
                        {"template_text", Value(c.template_text)},
                        {"parameters", Value(std::move(params))},
                        {"given_parameters", c.given_parameters},
                        {"capabilities", Strings(c.capabilities)},
                        {"tags", Pairs(c.tags)},
                        {"resources_to_import", c.resources_to_import},
                        {"changes", c.changes},
                        {"creation_time", Ms(c.creation_time)}});
}

ChangeSet ChangeSetFromValue(const Value& v) {
  ChangeSet c;
  c.id = Str(v, "id");
  c.name = Str(v, "name");
  c.stack_id = Str(v, "stack_id");
  c.stack_name = Str(v, "stack_name");
  c.type = Str(v, "type");
  c.status = Str(v, "status");
  c.status_reason = Str(v, "status_reason");
  c.execution_status = Str(v, "execution_status");
  c.description = Str(v, "description");
  if (const Value* x = v.Find("template")) c.template_body = *x;
  c.template_text = Str(v, "template_text");
  if (const Value* ps = v.Find("parameters"); ps && ps->is_list()) {
    for (const Value& p : ps->as_list()) {
      c.parameters.push_back(
          {Str(p, "key"), Str(p, "value"), Str(p, "resolved"), Bool(p, "no_echo")});
    }
  }
  if (const Value* x = v.Find("given_parameters")) c.given_parameters = *x;
  c.capabilities = StringsOf(v, "capabilities");
  c.tags = PairsOf(v, "tags");
  if (const Value* x = v.Find("resources_to_import")) c.resources_to_import = *x;
  if (const Value* x = v.Find("changes")) c.changes = *x;
  c.creation_time = FromMs(v.Find("creation_time"));
  return c;
}

}  // namespace

StackResource* Stack::FindResource(std::string_view logical_id) {
  for (auto& r : resources) {
    if (r.logical_id == logical_id) return &r;
  }
  return nullptr;
}
const StackResource* Stack::FindResource(std::string_view logical_id) const {
  for (const auto& r : resources) {
    if (r.logical_id == logical_id) return &r;
  }
  return nullptr;
}

Stack* CfnStore::Find(std::string_view name_or_id) {
  for (auto& s : stacks_) {
    if (s.name == name_or_id || s.id == name_or_id) return &s;
  }
  for (auto& s : deleted_) {
    if (s.id == name_or_id) return &s;
  }
  return nullptr;
}
const Stack* CfnStore::Find(std::string_view name_or_id) const {
  return const_cast<CfnStore*>(this)->Find(name_or_id);
}
Stack* CfnStore::FindLive(std::string_view name) {
  for (auto& s : stacks_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}
Stack& CfnStore::Add(Stack stack) {
  stacks_.push_back(std::move(stack));
  return stacks_.back();
}
void CfnStore::MarkDeleted(std::string_view id, Timestamp now) {
  auto it =
      std::find_if(stacks_.begin(), stacks_.end(), [&](const Stack& s) { return s.id == id; });
  if (it == stacks_.end()) return;
  Stack s = std::move(*it);
  stacks_.erase(it);
  s.status = "DELETE_COMPLETE";
  s.deletion_time = now;
  s.pending.reset();
  deleted_.push_back(std::move(s));
}

std::pair<Stack*, StackResource*> CfnStore::FindByPhysicalId(std::string_view physical_id) {
  for (auto& s : stacks_) {
    for (auto& r : s.resources) {
      if (!physical_id.empty() && r.physical_id == physical_id && r.status != "DELETE_COMPLETE" &&
          r.status != "DELETE_SKIPPED") {
        return {&s, &r};
      }
    }
  }
  return {nullptr, nullptr};
}

const CfnExport* CfnStore::FindExport(std::string_view name) const {
  static thread_local CfnExport found;
  for (const auto& s : stacks_) {
    for (const auto& o : s.outputs) {
      if (!o.export_name.empty() && o.export_name == name) {
        found = {o.export_name, o.value, s.id};
        return &found;
      }
    }
  }
  return nullptr;
}
std::vector<CfnExport> CfnStore::Exports() const {
  std::vector<CfnExport> out;
  for (const auto& s : stacks_) {
    for (const auto& o : s.outputs) {
      if (!o.export_name.empty()) out.push_back({o.export_name, o.value, s.id});
    }
  }
  return out;
}
std::vector<std::string> CfnStore::Importers(std::string_view export_name) const {
  std::vector<std::string> out;
  for (const auto& s : stacks_) {
    // A deleted stack imports nothing, nor does one whose deletion is done
    // but not yet shown (the operation delay).
    if (s.status == "DELETE_COMPLETE" || (s.pending && s.pending->delete_when_revealed)) {
      continue;
    }
    if (std::find(s.imports.begin(), s.imports.end(), export_name) != s.imports.end()) {
      out.push_back(s.name);
    }
  }
  return out;
}

ChangeSet* CfnStore::FindChangeSet(std::string_view name_or_id, std::string_view stack) {
  for (auto& c : change_sets_) {
    if (c.id == name_or_id) return &c;
    if (c.name == name_or_id && (c.stack_name == stack || c.stack_id == stack)) return &c;
  }
  return nullptr;
}

int CfnStore::RevealDue(Timestamp now) {
  int revealed = 0;
  std::vector<std::string> to_delete;
  for (auto& s : stacks_) {
    if (!s.pending || s.pending->reveal_at > now) continue;
    for (auto& e : s.pending->events) s.events.push_back(std::move(e));
    s.status = s.pending->final_status;
    s.reason = s.pending->final_reason;
    if (s.pending->delete_when_revealed) to_delete.push_back(s.id);
    s.pending.reset();
    ++revealed;
  }
  for (const auto& id : to_delete) MarkDeleted(id, now);
  return revealed;
}

Value CfnStore::Dump() const {
  ValueList stacks, deleted, change_sets;
  for (const auto& s : stacks_) stacks.push_back(StackToValue(s));
  for (const auto& s : deleted_) deleted.push_back(StackToValue(s));
  for (const auto& c : change_sets_) change_sets.push_back(ChangeSetToValue(c));
  return Value(ValueMap{{"stacks", Value(std::move(stacks))},
                        {"deleted_stacks", Value(std::move(deleted))},
                        {"change_sets", Value(std::move(change_sets))}});
}

Result<void> CfnStore::Load(const Value& state) {
  Reset();
  if (state.is_null()) return {};
  if (!state.is_map())
    return MakeError(ErrorCode::kInvalidInput, "cloudformation state must be a map");
  if (const Value* v = state.Find("stacks"); v && v->is_list()) {
    for (const Value& s : v->as_list()) stacks_.push_back(StackFromValue(s));
  }
  if (const Value* v = state.Find("deleted_stacks"); v && v->is_list()) {
    for (const Value& s : v->as_list()) deleted_.push_back(StackFromValue(s));
  }
  if (const Value* v = state.Find("change_sets"); v && v->is_list()) {
    for (const Value& c : v->as_list()) change_sets_.push_back(ChangeSetFromValue(c));
  }
  return {};
}

void CfnStore::Reset() {
  stacks_.clear();
  deleted_.clear();
  change_sets_.clear();
}

}  // namespace flightplan::cloudsim
