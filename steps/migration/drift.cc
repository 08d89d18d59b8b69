#include "steps/migration/drift.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "steps/aws/values.h"
#include "steps/migration/lock.h"

namespace flightplan::migration {
namespace {

using aws::ListAt;
using aws::StringAt;

constexpr size_t kMaxShownValue = 120;

std::string Shown(const Value* v) {
  if (v == nullptr || v->is_null()) return "(absent)";
  std::string text = v->is_string() ? v->as_string() : v->ToJson();
  if (text.empty()) return "\"\"";
  if (text.size() > kMaxShownValue) text = text.substr(0, kMaxShownValue) + "…";
  return text;
}

const Value* ResourceOf(const Value& tmpl, const std::string& logical_id) {
  const Value* resources = tmpl.Find("Resources");
  return resources != nullptr ? resources->Find(logical_id) : nullptr;
}

const Value* PropertyOf(const Value* resource, std::string_view name) {
  if (resource == nullptr) return nullptr;
  const Value* props = resource->Find("Properties");
  return props != nullptr ? props->Find(name) : nullptr;
}

bool LockSetDeletionProtection(const Value& deployed, const std::string& logical_id) {
  const Value* resource = ResourceOf(deployed, logical_id);
  const Value* metadata = resource != nullptr ? resource->Find("Metadata") : nullptr;
  const Value* record = metadata != nullptr ? metadata->Find(kLockMetadataKey) : nullptr;
  return record != nullptr && record->Find("DeletionProtectionEnabled") != nullptr;
}

// The category of a stack from its logical path's first segment
// ("storages338e5b439/…" → storage).
bool InAuthOrStorageStack(const std::string& stack_path) {
  std::string first = stack_path.substr(0, stack_path.find('/'));
  return first.rfind("storage", 0) == 0 || first.rfind("auth", 0) == 0;
}

// The filter that explains one property difference, "" when it is real.
std::string FilterFor(const std::string& stack_path, const std::string& logical_id,
                      const std::string& type, const Value& difference, const Value& deployed,
                      const EnvironmentFacts& facts) {
  std::string path = StringAt(difference, "PropertyPath");
  std::string kind = StringAt(difference, "DifferenceType");
  if (type == "AWS::DynamoDB::Table" && path == "/DeletionProtectionEnabled" &&
      kind == "NOT_EQUAL" && LockSetDeletionProtection(deployed, logical_id)) {
    return std::string(kFilterLockDeletionProtection);
  }
  if (type == "AWS::Lambda::Permission" && (path == "/SourceArn" || path == "/SourceAccount") &&
      InAuthOrStorageStack(stack_path)) {
    const Value* principal = PropertyOf(ResourceOf(deployed, logical_id), "Principal");
    if (principal != nullptr && principal->is_string() &&
        principal->as_string() == "s3.amazonaws.com") {
      return std::string(kFilterS3TriggerPermission);
    }
  }
  if (type == "AWS::Cognito::UserPool" && facts.auth_triggers_by_custom_resource &&
      (path == "/LambdaConfig" || path.rfind("/LambdaConfig/", 0) == 0)) {
    return std::string(kFilterAuthTriggerCustomResource);
  }
  if (type == "AWS::ApiGateway::RestApi" && path == "/Description") {
    return std::string(kFilterRestApiDescription);
  }
  return "";
}

void Add(SourceReport& out, DriftFinding finding) {
  if (finding.filter.empty()) {
    out.findings.push_back(std::move(finding));
  } else {
    out.filtered.push_back(std::move(finding));
  }
}

// Names of the keys whose values differ between two maps (absent counts).
std::vector<std::string> DifferingKeys(const Value* a, const Value* b) {
  std::set<std::string> keys;
  if (a != nullptr && a->is_map()) {
    for (const auto& [k, v] : a->as_map()) keys.insert(k);
  }
  if (b != nullptr && b->is_map()) {
    for (const auto& [k, v] : b->as_map()) keys.insert(k);
  }
  std::vector<std::string> out;
  for (const std::string& k : keys) {
    const Value* va = a != nullptr ? a->Find(k) : nullptr;
    const Value* vb = b != nullptr ? b->Find(k) : nullptr;
    if (va == nullptr || vb == nullptr || !(*va == *vb)) out.push_back(k);
  }
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// What differs in one resource between the bucket's and the deployed
// template, "" when nothing.
std::string ResourceDifference(const Value* bucket, const Value* deployed) {
  if (bucket == nullptr) return "in the deployed template only (not in the bucket's)";
  if (deployed == nullptr) return "in the bucket's template only (not deployed)";
  if (*bucket == *deployed) return "";
  std::vector<std::string> parts;
  for (const std::string& attribute : DifferingKeys(bucket, deployed)) {
    if (attribute == "Properties") {
      std::vector<std::string> props =
          DifferingKeys(bucket->Find("Properties"), deployed->Find("Properties"));
      parts.push_back(fmt::format("Properties {}", Join(props)));
    } else if (attribute == "Type") {
      parts.push_back(fmt::format("Type {} deployed, {} in the bucket",
                                  Shown(deployed->Find("Type")), Shown(bucket->Find("Type"))));
    } else {
      parts.push_back(fmt::format("{} deployed {}, in the bucket {}", attribute,
                                  Shown(deployed->Find(attribute)),
                                  Shown(bucket->Find(attribute))));
    }
  }
  return "differs: " + Join(parts);
}

// Findings keyed by logical id ("" + section for other top-level keys).
std::map<std::string, DriftFinding> TemplateFindings(const std::string& stack_path,
                                                     const Value& bucket, const Value& deployed) {
  std::map<std::string, DriftFinding> out;
  std::set<std::string> sections;
  for (const Value* t : {&bucket, &deployed}) {
    if (!t->is_map()) continue;
    for (const auto& [k, v] : t->as_map()) sections.insert(k);
  }
  for (const std::string& section : sections) {
    const Value* b = bucket.Find(section);
    const Value* d = deployed.Find(section);
    if (section == "Resources") {
      std::set<std::string> ids;
      for (const Value* r : {b, d}) {
        if (r == nullptr || !r->is_map()) continue;
        for (const auto& [k, v] : r->as_map()) ids.insert(k);
      }
      for (const std::string& id : ids) {
        const Value* rb = b != nullptr ? b->Find(id) : nullptr;
        const Value* rd = d != nullptr ? d->Find(id) : nullptr;
        std::string what = ResourceDifference(rb, rd);
        if (what.empty()) continue;
        const Value* typed = rd != nullptr ? rd : rb;
        out[id] = DriftFinding{stack_path, id, StringAt(*typed, "Type"), what, ""};
      }
      continue;
    }
    if (b != nullptr && d != nullptr && *b == *d) continue;
    std::string what;
    if (b == nullptr) {
      what = fmt::format("section {} is in the deployed template only", section);
    } else if (d == nullptr) {
      what = fmt::format("section {} is in the bucket's template only", section);
    } else if (b->is_map() && d->is_map()) {
      what = fmt::format("section {} differs: {}", section, Join(DifferingKeys(b, d)));
    } else {
      what = fmt::format("{} deployed {}, in the bucket {}", section, Shown(d), Shown(b));
    }
    out[" " + section] = DriftFinding{stack_path, "", "", what, ""};
  }
  return out;
}

Value FindingValue(const DriftFinding& f, bool with_filter) {
  Value v(ValueMap{});
  v.Set("stack", f.stack);
  v.Set("logical_id", f.logical_id);
  v.Set("type", f.type);
  v.Set("difference", f.difference);
  if (with_filter) v.Set("filter", f.filter);
  return v;
}

DriftFinding FindingFrom(const Value& v) {
  return DriftFinding{StringAt(v, "stack"), StringAt(v, "logical_id"), StringAt(v, "type"),
                      StringAt(v, "difference"), StringAt(v, "filter")};
}

std::vector<std::string> FiltersUsed(const SourceReport& s) {
  std::set<std::string> names;
  for (const DriftFinding& f : s.filtered) names.insert(f.filter);
  return {names.begin(), names.end()};
}

Value SourceValue(const SourceReport& s) {
  Value out(ValueMap{});
  out.Set("source", s.source);
  out.Set("status", std::string(DriftStatusName(s.status)));
  ValueList findings;
  for (const DriftFinding& f : s.findings) findings.push_back(FindingValue(f, false));
  out.Set("findings", Value(std::move(findings)));
  ValueList filtered;
  for (const DriftFinding& f : s.filtered) filtered.push_back(FindingValue(f, true));
  out.Set("filtered", Value(std::move(filtered)));
  ValueList filters;
  for (const std::string& f : FiltersUsed(s)) filters.push_back(Value(f));
  out.Set("filters", Value(std::move(filters)));
  ValueList problems;
  for (const std::string& p : s.problems) problems.push_back(Value(p));
  out.Set("problems", Value(std::move(problems)));
  ValueList notes;
  for (const std::string& n : s.notes) notes.push_back(Value(n));
  out.Set("notes", Value(std::move(notes)));
  return out;
}

Result<DriftStatus> StatusFrom(const std::string& name) {
  for (DriftStatus s : {DriftStatus::kClean, DriftStatus::kDrift, DriftStatus::kIncomplete,
                        DriftStatus::kSkipped}) {
    if (DriftStatusName(s) == name) return s;
  }
  return MakeError(ErrorCode::kInvalidInput, fmt::format("unknown drift status '{}'", name));
}

std::string_view SourceTitle(const std::string& source) {
  if (source == "cloudformation") return "CloudFormation drift (resources changed outside it)";
  if (source == "templates") return "Template drift (deployment bucket vs deployed templates)";
  return "Local drift (amplify/backend vs #current-cloud-backend.zip)";
}

std::string FindingLine(const DriftFinding& f) {
  std::string where =
      f.logical_id.empty()
          ? (f.stack.empty() ? std::string() : f.stack)
          : fmt::format("{} {}", f.stack.empty() ? "(root)" : f.stack, f.logical_id);
  if (!f.type.empty()) where += fmt::format(" ({})", f.type);
  return where.empty() ? f.difference : fmt::format("{}: {}", where, f.difference);
}

}  // namespace

std::string_view DriftStatusName(DriftStatus status) {
  switch (status) {
    case DriftStatus::kClean:
      return "clean";
    case DriftStatus::kDrift:
      return "drift";
    case DriftStatus::kIncomplete:
      return "incomplete";
    case DriftStatus::kSkipped:
      return "skipped";
  }
  return "incomplete";
}

void SourceReport::Settle() {
  if (status == DriftStatus::kSkipped) return;
  if (!problems.empty()) {
    status = DriftStatus::kIncomplete;
  } else if (!findings.empty()) {
    status = DriftStatus::kDrift;
  } else {
    status = DriftStatus::kClean;
  }
}

DriftStatus DriftReport::Overall() const {
  bool drift = false;
  for (const SourceReport* s : {&cloudformation, &templates, &local}) {
    if (s->status == DriftStatus::kIncomplete) return DriftStatus::kIncomplete;
    if (s->status == DriftStatus::kDrift) drift = true;
  }
  return drift ? DriftStatus::kDrift : DriftStatus::kClean;
}

Value DriftReport::ToValue() const {
  Value out(ValueMap{});
  out.Set("status", std::string(DriftStatusName(Overall())));
  out.Set("app_id", app_id);
  out.Set("env", env);
  ValueList sources;
  for (const SourceReport* s : {&cloudformation, &templates, &local}) {
    sources.push_back(SourceValue(*s));
  }
  out.Set("sources", Value(std::move(sources)));
  return out;
}

Result<DriftReport> DriftReportFromValue(const Value& value) {
  if (!value.is_map()) {
    return MakeError(ErrorCode::kInvalidInput, "a drift report is a map");
  }
  DriftReport report;
  report.app_id = StringAt(value, "app_id");
  report.env = StringAt(value, "env");
  for (const Value& s : ListAt(value, "sources")) {
    std::string name = StringAt(s, "source");
    SourceReport* target = name == "cloudformation" ? &report.cloudformation
                           : name == "templates"    ? &report.templates
                           : name == "local"        ? &report.local
                                                    : nullptr;
    if (target == nullptr) {
      return MakeError(ErrorCode::kInvalidInput, fmt::format("unknown drift source '{}'", name));
    }
    ASSIGN_OR_RETURN(target->status, StatusFrom(StringAt(s, "status")));
    for (const Value& f : ListAt(s, "findings")) target->findings.push_back(FindingFrom(f));
    for (const Value& f : ListAt(s, "filtered")) target->filtered.push_back(FindingFrom(f));
    for (const Value& p : ListAt(s, "problems")) target->problems.push_back(p.ToText());
    for (const Value& n : ListAt(s, "notes")) target->notes.push_back(n.ToText());
  }
  return report;
}

std::string DriftReport::ToText() const {
  std::string out =
      fmt::format("Drift of app {} env {}: {}\n", app_id, env, DriftStatusName(Overall()));
  for (const SourceReport* s : {&cloudformation, &templates, &local}) {
    out += fmt::format("\n{}: {}\n", SourceTitle(s->source), DriftStatusName(s->status));
    for (const std::string& p : s->problems) out += fmt::format("  could not check: {}\n", p);
    for (const DriftFinding& f : s->findings) out += fmt::format("  drift: {}\n", FindingLine(f));
    for (const std::string& filter : FiltersUsed(*s)) {
      int hidden = 0;
      for (const DriftFinding& f : s->filtered) hidden += f.filter == filter ? 1 : 0;
      out +=
          fmt::format("  filter {} hid {} difference{}\n", filter, hidden, hidden == 1 ? "" : "s");
    }
    for (const std::string& n : s->notes) out += fmt::format("  note: {}\n", n);
  }
  return out;
}

EnvironmentFacts FactsFromTemplates(const std::vector<Value>& templates) {
  EnvironmentFacts facts;
  for (const Value& t : templates) {
    const Value* resources = t.Find("Resources");
    if (resources == nullptr || !resources->is_map()) continue;
    for (const auto& [id, resource] : resources->as_map()) {
      std::string type = StringAt(resource, "Type");
      bool custom = type.rfind("Custom::", 0) == 0 || type == "AWS::CloudFormation::CustomResource";
      if ((id == "AuthTriggerCustomLambdaStack" && type == "AWS::CloudFormation::Stack") ||
          (custom && PropertyOf(&resource, "lambdaConfig") != nullptr)) {
        facts.auth_triggers_by_custom_resource = true;
      }
    }
  }
  return facts;
}

void AddResourceDrifts(const std::string& stack_path, const ValueList& drifts,
                       const Value& deployed, const EnvironmentFacts& facts, SourceReport& out) {
  for (const Value& drift : drifts) {
    std::string status = StringAt(drift, "StackResourceDriftStatus");
    std::string id = StringAt(drift, "LogicalResourceId");
    std::string type = StringAt(drift, "ResourceType");
    if (status == "DELETED") {
      Add(out, DriftFinding{stack_path, id, type,
                            fmt::format("DELETED: {} no longer exists",
                                        StringAt(drift, "PhysicalResourceId")),
                            ""});
      continue;
    }
    if (status != "MODIFIED") continue;
    const ValueList& differences = ListAt(drift, "PropertyDifferences");
    if (differences.empty()) {
      Add(out, DriftFinding{stack_path, id, type, "MODIFIED (no property named)", ""});
      continue;
    }
    for (const Value& d : differences) {
      std::string what = fmt::format("{} {}: expected {}, actual {}", StringAt(d, "DifferenceType"),
                                     StringAt(d, "PropertyPath"), Shown(d.Find("ExpectedValue")),
                                     Shown(d.Find("ActualValue")));
      Add(out, DriftFinding{stack_path, id, type, what,
                            FilterFor(stack_path, id, type, d, deployed, facts)});
    }
  }
}

std::optional<std::pair<std::string, std::string>> NestedTemplateLocation(
    const Value& parent, const std::string& logical_id) {
  const Value* resource = ResourceOf(parent, logical_id);
  if (resource == nullptr || StringAt(*resource, "Type") != "AWS::CloudFormation::Stack") {
    return std::nullopt;
  }
  const Value* url = PropertyOf(resource, "TemplateURL");
  if (url == nullptr || !url->is_string()) return std::nullopt;
  std::string_view rest = url->as_string();
  constexpr std::string_view kScheme = "https://";
  if (rest.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  rest.remove_prefix(kScheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view host = rest.substr(0, slash);
  std::string_view path = rest.substr(slash + 1);
  constexpr std::string_view kSuffix = ".amazonaws.com";
  if (host.size() <= kSuffix.size() || host.substr(host.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  host.remove_suffix(kSuffix.size());  // "s3", "s3.us-east-1", "B.s3", "B.s3.us-east-1"
  std::string bucket;
  std::string key;
  if (host == "s3" || host.substr(0, 3) == "s3." || host.substr(0, 3) == "s3-") {
    size_t cut = path.find('/');
    if (cut == std::string_view::npos) return std::nullopt;
    bucket = std::string(path.substr(0, cut));
    key = std::string(path.substr(cut + 1));
  } else {
    size_t at = host.rfind(".s3");
    if (at == std::string_view::npos || at == 0) return std::nullopt;
    bucket = std::string(host.substr(0, at));
    key = std::string(path);
  }
  if (bucket.empty() || key.empty()) return std::nullopt;
  return std::make_pair(bucket, key);
}

void AddTemplateDrift(const std::string& stack_path, const Value& bucket_template,
                      const Value& deployed_template, SourceReport& out) {
  Result<Value> unlocked = UnlockTemplate(deployed_template);
  const Value& compared = unlocked ? *unlocked : deployed_template;
  std::map<std::string, DriftFinding> real =
      TemplateFindings(stack_path, bucket_template, compared);
  std::map<std::string, DriftFinding> raw =
      TemplateFindings(stack_path, bucket_template, deployed_template);
  for (auto& [key, finding] : real) Add(out, finding);
  for (auto& [key, finding] : raw) {
    if (real.count(key) != 0) continue;
    finding.filter = std::string(kFilterLockRetain);
    Add(out, finding);
  }
}

bool IgnoredBackendPath(std::string_view relative) {
  static const std::set<std::string, std::less<>> kIgnoredDirs = {"build", "node_modules", ".temp",
                                                                  "dist"};
  static const std::set<std::string, std::less<>> kRegenerated = {
      "amplify-meta.json", "types/amplify-dependent-resources-ref.d.ts", "team-provider-info.json"};
  if (kRegenerated.count(relative) != 0) return true;
  size_t start = 0;
  while (start <= relative.size()) {
    size_t end = relative.find('/', start);
    std::string_view part = relative.substr(
        start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (end == std::string_view::npos) return part == ".DS_Store";
    if (kIgnoredDirs.count(part) != 0) return true;
    start = end + 1;
  }
  return false;
}

void AddLocalDrift(const std::map<std::string, std::string>& project,
                   const std::map<std::string, std::string>& cloud, SourceReport& out) {
  for (const auto& [path, digest] : project) {
    auto it = cloud.find(path);
    if (it == cloud.end()) {
      Add(out, DriftFinding{path, "", "", "only in the project: added and not pushed", ""});
    } else if (it->second != digest) {
      Add(out, DriftFinding{path, "", "", "changed in the project and not pushed", ""});
    }
  }
  for (const auto& [path, digest] : cloud) {
    if (project.count(path) == 0) {
      Add(out,
          DriftFinding{path, "", "",
                       "only in the cloud backend: removed from the project and not pushed", ""});
    }
  }
}

}  // namespace flightplan::migration
