#include "cloudsim/stores/refactor_store.h"

namespace flightplan::cloudsim {

namespace {

ValueList Strings(const std::vector<std::string>& items) {
  ValueList out;
  for (const std::string& s : items) out.emplace_back(s);
  return out;
}

std::vector<std::string> StringList(const Value& v) {
  std::vector<std::string> out;
  if (v.is_list()) {
    for (const Value& s : v.as_list()) {
      if (s.is_string()) out.push_back(s.as_string());
    }
  }
  return out;
}

}  // namespace

Value StackRefactorRecord::ToValue() const {
  ValueMap out;
  out["Id"] = id;
  out["Description"] = description;
  out["EnableStackCreation"] = enable_stack_creation;
  out["StackNames"] = Strings(stack_names);
  out["StackIds"] = Strings(stack_ids);
  out["NewTemplates"] = ValueList(new_templates.begin(), new_templates.end());
  out["TemplateTexts"] = Strings(template_texts);
  ValueList versions;
  for (int64_t v : stack_versions) versions.emplace_back(v);
  out["StackVersions"] = std::move(versions);
  out["Moves"] = moves;
  out["CreatedStacks"] = created_stacks;
  out["Actions"] = actions;
  out["Status"] = status;
  out["StatusReason"] = status_reason;
  out["ExecutionStatus"] = execution_status;
  out["ExecutionStatusReason"] = execution_status_reason;
  if (reveal_at) out["RevealAtMs"] = reveal_at->unix_ms;
  out["PendingStatus"] = pending_status;
  out["PendingStatusReason"] = pending_status_reason;
  out["PendingExecutionStatus"] = pending_execution_status;
  out["PendingExecutionStatusReason"] = pending_execution_status_reason;
  out["CreatedMs"] = created.unix_ms;
  return out;
}

StackRefactorRecord StackRefactorRecord::FromValue(const Value& v) {
  StackRefactorRecord r;
  r.id = v.StringAt("Id");
  r.description = v.StringAt("Description");
  if (const Value* e = v.Find("EnableStackCreation"); e && e->is_bool()) {
    r.enable_stack_creation = e->as_bool();
  }
  r.stack_names = StringList(v.At("StackNames"));
  r.stack_ids = StringList(v.At("StackIds"));
  if (Value t = v.At("NewTemplates"); t.is_list()) r.new_templates = t.as_list();
  r.template_texts = StringList(v.At("TemplateTexts"));
  if (Value s = v.At("StackVersions"); s.is_list()) {
    for (const Value& x : s.as_list()) r.stack_versions.push_back(x.is_int() ? x.as_int() : 0);
  }
  r.moves = v.At("Moves");
  r.created_stacks = v.At("CreatedStacks");
  r.actions = v.At("Actions");
  r.status = v.StringAt("Status");
  r.status_reason = v.StringAt("StatusReason");
  r.execution_status = v.StringAt("ExecutionStatus");
  r.execution_status_reason = v.StringAt("ExecutionStatusReason");
  if (const Value* at = v.Find("RevealAtMs"); at && at->is_int()) {
    r.reveal_at = Timestamp{at->as_int()};
  }
  r.pending_status = v.StringAt("PendingStatus");
  r.pending_status_reason = v.StringAt("PendingStatusReason");
  r.pending_execution_status = v.StringAt("PendingExecutionStatus");
  r.pending_execution_status_reason = v.StringAt("PendingExecutionStatusReason");
  r.created = Timestamp{v.IntAt("CreatedMs")};
  return r;
}

StackRefactorRecord* RefactorStore::Find(std::string_view id) {
  for (StackRefactorRecord& r : refactors_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

DriftDetection* RefactorStore::FindDetection(std::string_view id) {
  for (DriftDetection& d : detections_) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

const DriftDetection* RefactorStore::LatestDetection(std::string_view stack_id) const {
  const DriftDetection* latest = nullptr;
  for (const DriftDetection& d : detections_) {
    if (d.stack_id == stack_id) latest = &d;
  }
  return latest;
}

Value RefactorStore::Dump() const {
  ValueList refactors;
  for (const StackRefactorRecord& r : refactors_) refactors.push_back(r.ToValue());
  ValueList detections;
  for (const DriftDetection& d : detections_) {
    ValueMap m;
    m["Id"] = d.id;
    m["StackId"] = d.stack_id;
    m["StackDriftStatus"] = d.stack_drift_status;
    m["DriftedCount"] = d.drifted_count;
    m["ResourceDrifts"] = d.resource_drifts;
    m["TimestampMs"] = d.timestamp.unix_ms;
    detections.emplace_back(std::move(m));
  }
  ValueMap out;
  out["refactors"] = std::move(refactors);
  out["drift_detections"] = std::move(detections);
  return out;
}

Result<void> RefactorStore::Load(const Value& state) {
  Reset();
  if (!state.is_map()) return {};
  if (const Value* list = state.Find("refactors"); list && list->is_list()) {
    for (const Value& v : list->as_list()) {
      refactors_.push_back(StackRefactorRecord::FromValue(v));
    }
  }
  if (const Value* list = state.Find("drift_detections"); list && list->is_list()) {
    for (const Value& v : list->as_list()) {
      DriftDetection d;
      d.id = v.StringAt("Id");
      d.stack_id = v.StringAt("StackId");
      d.stack_drift_status = v.StringAt("StackDriftStatus");
      d.drifted_count = static_cast<int>(v.IntAt("DriftedCount"));
      d.resource_drifts = v.At("ResourceDrifts");
      d.timestamp = Timestamp{v.IntAt("TimestampMs")};
      detections_.push_back(std::move(d));
    }
  }
  return {};
}

void RefactorStore::Reset() {
  refactors_.clear();
  detections_.clear();
}

}  // namespace flightplan::cloudsim
