#include "steps/migration/shift.h"

#include <fmt/format.h>

#include <algorithm>

#include "steps/aws/values.h"

namespace flightplan::migration {
namespace {

using aws::StringAt;

bool Contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// "arn:aws:cloudformation:r:a:stack/NAME/uuid" names stack NAME.
bool ArnNamesStack(const std::string& arn, const std::string& stack) {
  if (stack.empty() || arn.empty()) return false;
  if (arn == stack) return true;
  return arn.find(":stack/" + stack + "/") != std::string::npos;
}

// The job id as a number, for ordering ("12" after "9"); -1 when not one.
long long JobNumber(const Value& job) {
  std::string id = StringAt(job, "jobId");
  if (id.empty() || id.size() > 18) return -1;
  long long n = 0;
  for (char c : id) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::vector<std::string> Gen1BranchesOf(const ValueList& branches, const std::string& env,
                                        const std::string& root_stack,
                                        const std::string& to_branch) {
  std::vector<std::string> out;
  for (const Value& b : branches) {
    std::string name = StringAt(b, "branchName");
    if (name.empty() || name == to_branch) continue;
    std::string env_arn = StringAt(b, "backendEnvironmentArn");
    std::string stack_arn;
    if (const Value* backend = b.Find("backend")) stack_arn = StringAt(*backend, "stackArn");
    bool linked = !env_arn.empty() && env_arn.size() > env.size() + 21 &&
                  env_arn.ends_with("/backendenvironments/" + env);
    if (name == env || linked || ArnNamesStack(stack_arn, root_stack)) out.push_back(name);
  }
  return out;
}

std::vector<SubDomainSetting> SettingsOf(const Value& association) {
  std::vector<SubDomainSetting> out;
  for (const Value& sub : aws::ListAt(association, "subDomains")) {
    const Value* setting = sub.Find("subDomainSetting");
    if (setting == nullptr) continue;
    out.push_back({StringAt(*setting, "prefix"), StringAt(*setting, "branchName")});
  }
  return out;
}

std::vector<SubDomainSetting> Repointed(const std::vector<SubDomainSetting>& settings,
                                        const std::vector<std::string>& gen1,
                                        const std::string& to_branch) {
  std::vector<SubDomainSetting> out = settings;
  for (SubDomainSetting& s : out) {
    if (Contains(gen1, s.branch)) s.branch = to_branch;
  }
  return out;
}

int CountOn(const std::vector<SubDomainSetting>& settings,
            const std::vector<std::string>& branches) {
  int n = 0;
  for (const SubDomainSetting& s : settings) n += Contains(branches, s.branch) ? 1 : 0;
  return n;
}

Result<std::vector<std::string>> DomainsToShift(const ValueList& associations,
                                                const std::string& domain,
                                                const std::vector<std::string>& gen1,
                                                const std::string& to_branch,
                                                const std::string& app_id) {
  std::vector<std::string> out;
  std::vector<std::string> names;
  for (const Value& a : associations) {
    std::string name = StringAt(a, "domainName");
    names.push_back(name);
    if (!domain.empty()) {
      if (name == domain) out.push_back(name);
      continue;
    }
    std::vector<SubDomainSetting> settings = SettingsOf(a);
    if (CountOn(settings, gen1) > 0 || CountOn(settings, {to_branch}) > 0) out.push_back(name);
  }
  if (!domain.empty() && out.empty()) {
    std::string known;
    for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
    return MakeError(
        ErrorCode::kNotFound,
        fmt::format("app {} has no domain association '{}'; {}. Pass one of them "
                    "with --domain, or leave --domain out to shift every domain on "
                    "the Gen1 branch",
                    app_id, domain,
                    known.empty() ? "it has no custom domain at all" : "its domains are " + known));
  }
  return out;
}

Value UpdateRequest(const std::string& app_id, const Value& association,
                    const std::vector<SubDomainSetting>& settings) {
  ValueList subs;
  for (const SubDomainSetting& s : settings) {
    Value setting(ValueMap{});
    setting.Set("prefix", s.prefix);
    setting.Set("branchName", s.branch);
    subs.push_back(std::move(setting));
  }
  Value request(ValueMap{});
  request.Set("appId", app_id);
  request.Set("domainName", StringAt(association, "domainName"));
  request.Set("subDomainSettings", Value(std::move(subs)));
  if (const Value* v = association.Find("enableAutoSubDomain"); v != nullptr && v->is_bool()) {
    request.Set("enableAutoSubDomain", *v);
  }
  if (const Value* v = association.Find("autoSubDomainCreationPatterns");
      v != nullptr && v->is_list() && !v->as_list().empty()) {
    request.Set("autoSubDomainCreationPatterns", *v);
  }
  if (std::string role = StringAt(association, "autoSubDomainIAMRole"); !role.empty()) {
    request.Set("autoSubDomainIAMRole", role);
  }
  return request;
}

std::string DescribeSettings(const std::vector<SubDomainSetting>& settings) {
  std::string out;
  for (const SubDomainSetting& s : settings) {
    out += fmt::format("{}{} → {}", out.empty() ? "" : ", ", s.prefix.empty() ? "(apex)" : s.prefix,
                       s.branch);
  }
  return out.empty() ? "no sub-domain" : out;
}

Result<std::string> LatestJobSucceeded(const ValueList& jobs, const std::string& branch) {
  const Value* latest = nullptr;
  for (const Value& j : jobs) {
    if (latest == nullptr || JobNumber(j) > JobNumber(*latest)) latest = &j;
  }
  if (latest == nullptr) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("branch {} has no job: nothing proves its Gen2 app was built and "
                                 "deployed. Deploy it (push a commit, or start a job in the "
                                 "Amplify console) and run shift again",
                                 branch));
  }
  std::string status = StringAt(*latest, "status");
  std::string commit = StringAt(*latest, "commitId");
  std::string id = StringAt(*latest, "jobId");
  if (status == "SUCCEED") return commit;
  if (status == "PENDING" || status == "PROVISIONING" || status == "RUNNING" ||
      status == "CANCELLING") {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("branch {}'s latest job {} (commit {}) is {}: wait for it to "
                                 "finish, then run shift again",
                                 branch, id, commit, status));
  }
  return MakeError(ErrorCode::kStepFailed,
                   fmt::format("branch {}'s latest job {} (commit {}) is {}, not SUCCEED: the "
                               "branch is not deployed at its latest commit. Fix the build "
                               "(`aws amplify get-job --app-id … --branch-name {} --job-id {}` "
                               "shows its steps), deploy again, then run shift",
                               branch, id, commit, status, branch, id));
}

Value ToList(const std::vector<std::string>& items) {
  ValueList out;
  for (const std::string& s : items) out.push_back(Value(s));
  return Value(std::move(out));
}

std::vector<std::string> FromList(const Value* list) {
  std::vector<std::string> out;
  if (list == nullptr || !list->is_list()) return out;
  for (const Value& v : list->as_list()) out.push_back(v.ToText());
  return out;
}

}  // namespace flightplan::migration
