#include "cloudsim/stores/amplify_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <regex>

#include "cloudsim/stores/records.h"
#include "cloudsim/values.h"

namespace flightplan::cloudsim {
namespace {

SimError NotFound(std::string message) { return {404, "NotFoundException", std::move(message)}; }
SimError BadRequest(std::string message) {
  return {400, "BadRequestException", std::move(message)};
}

constexpr MissingRecord kNoBranch{404, "NotFoundException", "Branch {} not found."};
constexpr MissingRecord kNoBackend{404, "NotFoundException", "Backend environment {} not found."};
constexpr MissingRecord kNoDomain{404, "NotFoundException", "Domain {} not found."};

constexpr std::string_view kAppSettings[] = {"name",
                                             "description",
                                             "repository",
                                             "platform",
                                             "iamServiceRoleArn",
                                             "environmentVariables",
                                             "enableBranchAutoBuild",
                                             "enableBranchAutoDeletion",
                                             "enableBasicAuth",
                                             "basicAuthCredentials",
                                             "customRules",
                                             "tags",
                                             "buildSpec",
                                             "customHeaders",
                                             "enableAutoBranchCreation",
                                             "autoBranchCreationPatterns",
                                             "autoBranchCreationConfig",
                                             "cacheConfig",
                                             "computeRoleArn"};

constexpr std::string_view kBranchSettings[] = {"description",
                                                "framework",
                                                "stage",
                                                "enableNotification",
                                                "enableAutoBuild",
                                                "environmentVariables",
                                                "basicAuthCredentials",
                                                "enableBasicAuth",
                                                "enablePerformanceMode",
                                                "tags",
                                                "buildSpec",
                                                "ttl",
                                                "displayName",
                                                "enablePullRequestPreview",
                                                "pullRequestEnvironmentName",
                                                "backendEnvironmentArn",
                                                "backend",
                                                "computeRoleArn",
                                                "enableSkewProtection"};

SimResult<void> CheckStage(const Value& input) {
  std::string stage = StringMember(input, "stage");
  if (stage.empty()) return {};
  for (std::string_view s : {"PRODUCTION", "BETA", "DEVELOPMENT", "EXPERIMENTAL", "PULL_REQUEST"}) {
    if (stage == s) return {};
  }
  return tl::unexpected(
      BadRequest("stage must be PRODUCTION, BETA, DEVELOPMENT, EXPERIMENTAL or "
                 "PULL_REQUEST, not '" +
                 stage + "'"));
}

SimResult<void> CheckStringMap(const Value& input, std::string_view key) {
  const Value* v = input.Find(key);
  if (!v) return {};
  bool ok = v->is_map();
  if (ok) {
    for (const auto& [k, x] : v->as_map()) ok = ok && x.is_string();
  }
  if (ok) return {};
  return tl::unexpected(BadRequest(fmt::format("{} must map names to strings", key)));
}

}  // namespace

void AmplifyStore::Bind(std::string region, std::string account_id) {
  region_ = std::move(region);
  account_id_ = std::move(account_id);
}

std::string AmplifyStore::Random(size_t length, std::string_view alphabet) {
  std::mt19937_64 rng(0xA3F11F7ULL ^ (++ids_issued_ * 0x9E3779B97F4A7C15ULL));
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (size_t i = 0; i < length; ++i) out.push_back(alphabet[pick(rng)]);
  return out;
}

std::string AmplifyStore::AppArn(std::string_view app_id) const {
  return fmt::format("arn:aws:amplify:{}:{}:apps/{}", region_, account_id_, app_id);
}

SimResult<AmplifyStore::App*> AmplifyStore::RequireApp(std::string_view app_id) {
  auto it = apps_.find(app_id);
  if (it == apps_.end()) {
    return tl::unexpected(NotFound(fmt::format("App {} not found.", app_id)));
  }
  return &it->second;
}

SimResult<const AmplifyStore::App*> AmplifyStore::RequireApp(std::string_view app_id) const {
  auto it = apps_.find(app_id);
  if (it == apps_.end()) {
    return tl::unexpected(NotFound(fmt::format("App {} not found.", app_id)));
  }
  return &it->second;
}

SimResult<Value> AmplifyStore::CreateApp(const Value& input, Timestamp now) {
  std::string name = StringMember(input, "name");
  if (name.empty() || name.size() > 255) {
    return tl::unexpected(BadRequest("name is required and must be 1 to 255 characters"));
  }
  if (auto ok = CheckStringMap(input, "environmentVariables"); !ok) {
    return tl::unexpected(ok.error());
  }
  std::string id = StringMember(input, "appId");
  if (!id.empty()) {
    // Real ids are d[a-z0-9]+; the fixtures' sanitised ids are the project
    // name, so a pinned id only has to be a plausible URI segment.
    static const std::regex kId("[a-z0-9]{1,20}");
    if (!std::regex_match(id, kId)) {
      return tl::unexpected(BadRequest("appId '" + id + "' must be 1 to 20 of [a-z0-9]"));
    }
    if (apps_.count(id)) {
      return tl::unexpected(BadRequest("App " + id + " already exists."));
    }
  } else {
    do {
      id = "d" + Random(13, "abcdefghijklmnopqrstuvwxyz0123456789");
    } while (apps_.count(id));
  }
  App app;
  Value a(ValueMap{});
  a.Set("appId", id);
  a.Set("appArn", AppArn(id));
  a.Set("name", name);
  a.Set("description", "");
  a.Set("repository", "");
  a.Set("platform", "WEB");
  a.Set("createTime", EpochSeconds(now));
  a.Set("updateTime", EpochSeconds(now));
  a.Set("environmentVariables", Value(ValueMap{}));
  a.Set("defaultDomain", id + ".amplifyapp.com");
  a.Set("enableBranchAutoBuild", false);
  a.Set("enableBranchAutoDeletion", false);
  a.Set("enableBasicAuth", false);
  a.Set("tags", Value(ValueMap{}));
  CopyIfPresent(input, a, kAppSettings);
  app.app = std::move(a);
  app.order = next_order_++;
  Value out = app.app;
  apps_[id] = std::move(app);
  return out;
}

SimResult<Value> AmplifyStore::GetApp(std::string_view app_id) const {
  auto app = RequireApp(app_id);
  if (!app) return tl::unexpected(app.error());
  return (*app)->app;
}

std::vector<Value> AmplifyStore::ListApps() const {
  std::vector<std::pair<int64_t, const Value*>> ordered;
  for (const auto& [id, app] : apps_) ordered.emplace_back(app.order, &app.app);
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Value> out;
  for (const auto& [order, app] : ordered) out.push_back(*app);
  return out;
}

SimResult<Value> AmplifyStore::UpdateApp(std::string_view app_id, const Value& input,
                                         Timestamp now) {
  auto app = RequireApp(app_id);
  if (!app) return tl::unexpected(app.error());
  if (auto ok = CheckStringMap(input, "environmentVariables"); !ok) {
    return tl::unexpected(ok.error());
  }
  if (const Value* n = input.Find("name"); n && (!n->is_string() || n->as_string().empty())) {
    return tl::unexpected(BadRequest("name must not be empty"));
  }
  Value& a = (*app)->app;
  CopyIfPresent(input, a, kAppSettings);
  a.Set("updateTime", EpochSeconds(now));
  return a;
}

SimResult<Value> AmplifyStore::DeleteApp(std::string_view app_id) {
  auto app = RequireApp(app_id);
  if (!app) return tl::unexpected(app.error());
  Value out = (*app)->app;
  apps_.erase(apps_.find(app_id));
  return out;
}

SimResult<Value> AmplifyStore::CreateBranch(std::string_view app_id, const Value& input,
                                            Timestamp now) {
  auto app = RequireApp(app_id);
  if (!app) return tl::unexpected(app.error());
  std::string name = StringMember(input, "branchName");
  if (name.empty() || name.size() > 255) {
    return tl::unexpected(BadRequest("branchName is required and must be 1 to 255 characters"));
  }
  if ((*app)->branches.count(name)) {
    return tl::unexpected(BadRequest(fmt::format("Branch {} already exists.", name)));
  }
  if (auto ok = CheckStage(input); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckStringMap(input, "environmentVariables"); !ok) {
    return tl::unexpected(ok.error());
  }
  Value b(ValueMap{});
  b.Set("branchArn", AppArn(app_id) + "/branches/" + name);
  b.Set("branchName", name);
  b.Set("description", "");
  b.Set("tags", Value(ValueMap{}));
  b.Set("stage", "NONE");
  b.Set("displayName", name);
  b.Set("enableNotification", false);
  b.Set("createTime", EpochSeconds(now));
  b.Set("updateTime", EpochSeconds(now));
  b.Set("environmentVariables", Value(ValueMap{}));
  b.Set("enableAutoBuild", true);
  b.Set("customDomains", Value(ValueList{}));
  b.Set("framework", "");
  b.Set("activeJobId", "");
  b.Set("totalNumberOfJobs", "0");
  b.Set("enableBasicAuth", false);
  b.Set("ttl", "5");
  b.Set("enablePullRequestPreview", false);
  CopyIfPresent(input, b, kBranchSettings);
  (*app)->branches[name] = b;
  return b;
}

SimResult<Value> AmplifyStore::GetBranch(std::string_view app_id, std::string_view branch) const {
  return GetChild(RequireApp(app_id), &App::branches, branch, kNoBranch);
}

SimResult<std::vector<Value>> AmplifyStore::ListBranches(std::string_view app_id) const {
  return ListChildren(RequireApp(app_id), &App::branches);
}

SimResult<Value> AmplifyStore::UpdateBranch(std::string_view app_id, std::string_view branch,
                                            const Value& input, Timestamp now) {
  auto b = FindChild(RequireApp(app_id), &App::branches, branch, kNoBranch);
  if (!b) return tl::unexpected(b.error());
  if (auto ok = CheckStage(input); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckStringMap(input, "environmentVariables"); !ok) {
    return tl::unexpected(ok.error());
  }
  if (const Value* backend = input.Find("backend")) {
    if (!backend->is_map()) {
      return tl::unexpected(BadRequest("backend must be {\"stackArn\": ...}"));
    }
  }
  CopyIfPresent(input, **b, kBranchSettings);
  (*b)->Set("updateTime", EpochSeconds(now));
  return **b;
}

SimResult<Value> AmplifyStore::DeleteBranch(std::string_view app_id, std::string_view branch) {
  auto app = RequireApp(app_id);
  auto out = TakeChild(app, &App::branches, branch, kNoBranch);
  if (!out) return out;
  auto jobs = (*app)->jobs.find(branch);
  if (jobs != (*app)->jobs.end()) (*app)->jobs.erase(jobs);
  return out;
}

SimResult<Value> AmplifyStore::CreateBackendEnvironment(std::string_view app_id, const Value& input,
                                                        Timestamp now) {
  auto app = RequireApp(app_id);
  if (!app) return tl::unexpected(app.error());
  std::string name = StringMember(input, "environmentName");
  if (name.empty() || name.size() > 255) {
    return tl::unexpected(
        BadRequest("environmentName is required and must be 1 to 255 characters"));
  }
  if ((*app)->backends.count(name)) {
    return tl::unexpected(BadRequest(fmt::format("Backend environment {} already exists.", name)));
  }
  Value e(ValueMap{});
  e.Set("backendEnvironmentArn", AppArn(app_id) + "/backendenvironments/" + name);
  e.Set("environmentName", name);
  CopyIfPresent(input, e, {"stackName", "deploymentArtifacts"});
  e.Set("createTime", EpochSeconds(now));
  e.Set("updateTime", EpochSeconds(now));
  (*app)->backends[name] = e;
  return e;
}

SimResult<Value> AmplifyStore::GetBackendEnvironment(std::string_view app_id,
                                                     std::string_view name) const {
  return GetChild(RequireApp(app_id), &App::backends, name, kNoBackend);
}

SimResult<std::vector<Value>> AmplifyStore::ListBackendEnvironments(std::string_view app_id) const {
  return ListChildren(RequireApp(app_id), &App::backends);
}

SimResult<Value> AmplifyStore::DeleteBackendEnvironment(std::string_view app_id,
                                                        std::string_view name) {
  return TakeChild(RequireApp(app_id), &App::backends, name, kNoBackend);
}

SimResult<Value> AmplifyStore::SubDomains(const App& app, const Value& settings,
                                          std::string_view domain) const {
  if (!settings.is_list()) {
    return tl::unexpected(BadRequest("subDomainSettings must be a list"));
  }
  ValueList out;
  for (const Value& s : settings.as_list()) {
    std::string prefix = StringMember(s, "prefix");
    std::string branch = StringMember(s, "branchName");
    if (branch.empty()) {
      return tl::unexpected(BadRequest("Every sub-domain setting needs a branchName."));
    }
    if (!app.branches.count(branch)) {
      return tl::unexpected(
          BadRequest(fmt::format("Branch {} does not exist in app {}; create the branch before "
                                 "mapping sub-domain '{}' to it.",
                                 branch, StringMember(app.app, "appId"), prefix)));
    }
    Value sub(ValueMap{});
    sub.Set("subDomainSetting",
            Value(ValueMap{{"prefix", Value(prefix)}, {"branchName", Value(branch)}}));
    sub.Set("verified", true);
    sub.Set("dnsRecord",
            fmt::format("{} CNAME {}.cloudfront.net",
                        prefix.empty() ? std::string() : prefix + "." + std::string(domain),
                        StringMember(app.app, "appId")));
    out.push_back(std::move(sub));
  }
  return Value(std::move(out));
}

SimResult<Value> AmplifyStore::CreateDomainAssociation(std::string_view app_id, const Value& input,
                                                       Timestamp now) {
  (void)now;
  auto app = RequireApp(app_id);
  if (!app) return tl::unexpected(app.error());
  std::string domain = StringMember(input, "domainName");
  static const std::regex kDomain(
      R"(((([A-Za-z0-9][A-Za-z0-9-]{0,62})\.)+[A-Za-z0-9][A-Za-z0-9-]{0,62}\.?))");
  if (domain.empty() || domain.size() > 64 || !std::regex_match(domain, kDomain)) {
    return tl::unexpected(BadRequest("domainName '" + domain + "' is not a valid domain name"));
  }
  if ((*app)->domains.count(domain)) {
    return tl::unexpected(
        BadRequest(fmt::format("Domain {} is already associated with app {}.", domain, app_id)));
  }
  const Value* settings = input.Find("subDomainSettings");
  static const Value kNone = Value(ValueList{});
  auto subs = SubDomains(**app, settings ? *settings : kNone, domain);
  if (!subs) return tl::unexpected(subs.error());
  Value d(ValueMap{});
  d.Set("domainAssociationArn", AppArn(app_id) + "/domains/" + domain);
  d.Set("domainName", domain);
  d.Set("enableAutoSubDomain", false);
  CopyIfPresent(input, d,
                {"enableAutoSubDomain", "autoSubDomainCreationPatterns", "autoSubDomainIAMRole"});
  d.Set("domainStatus", "AVAILABLE");
  d.Set("updateStatus", "UPDATE_COMPLETE");
  d.Set("statusReason", "");
  d.Set("certificateVerificationDNSRecord",
        fmt::format("_{}.{} CNAME _{}.acm-validations.aws.", app_id, domain, app_id));
  d.Set("subDomains", std::move(*subs));
  if (const Value* cert = input.Find("certificateSettings")) {
    d.Set("certificate", *cert);
  } else {
    d.Set("certificate", Value(ValueMap{{"type", Value("AMPLIFY_MANAGED")}}));
  }
  (*app)->domains[domain] = d;
  return d;
}

SimResult<Value> AmplifyStore::GetDomainAssociation(std::string_view app_id,
                                                    std::string_view domain) const {
  return GetChild(RequireApp(app_id), &App::domains, domain, kNoDomain);
}

SimResult<std::vector<Value>> AmplifyStore::ListDomainAssociations(std::string_view app_id) const {
  return ListChildren(RequireApp(app_id), &App::domains);
}

SimResult<Value> AmplifyStore::UpdateDomainAssociation(std::string_view app_id,
                                                       std::string_view domain, const Value& input,
                                                       Timestamp now, Duration settle) {
  auto app = RequireApp(app_id);
  auto d = FindChild(app, &App::domains, domain, kNoDomain);
  if (!d) return tl::unexpected(d.error());
  if (const Value* settings = input.Find("subDomainSettings")) {
    auto subs = SubDomains(**app, *settings, domain);
    if (!subs) return tl::unexpected(subs.error());
    (*d)->Set("subDomains", std::move(*subs));
  }
  CopyIfPresent(input, **d,
                {"enableAutoSubDomain", "autoSubDomainCreationPatterns", "autoSubDomainIAMRole"});
  if (const Value* cert = input.Find("certificateSettings")) {
    (*d)->Set("certificate", *cert);
  }
  (*d)->Set("domainStatus", "UPDATING");
  (*d)->Set("updateStatus", "PENDING_DEPLOYMENT");
  (*d)->Set("statusReason", "");
  (*app)->settling[std::string(domain)] = now + settle;
  return **d;
}

SimResult<Value> AmplifyStore::SetDomainStatus(std::string_view app_id, std::string_view domain,
                                               std::string_view status, std::string_view reason) {
  auto app = RequireApp(app_id);
  auto d = FindChild(app, &App::domains, domain, kNoDomain);
  if (!d) return tl::unexpected(d.error());
  (*d)->Set("domainStatus", std::string(status));
  (*d)->Set("statusReason", std::string(reason));
  if (status == "FAILED") (*d)->Set("updateStatus", "UPDATE_FAILED");
  auto pending = (*app)->settling.find(domain);
  if (pending != (*app)->settling.end()) (*app)->settling.erase(pending);
  return **d;
}

void AmplifyStore::Tick(Timestamp now) {
  for (auto& [id, app] : apps_) {
    for (auto it = app.settling.begin(); it != app.settling.end();) {
      if (it->second > now) {
        ++it;
        continue;
      }
      auto d = app.domains.find(it->first);
      if (d != app.domains.end()) {
        d->second.Set("domainStatus", "AVAILABLE");
        d->second.Set("updateStatus", "UPDATE_COMPLETE");
      }
      it = app.settling.erase(it);
    }
  }
}

SimResult<Value> AmplifyStore::DeleteDomainAssociation(std::string_view app_id,
                                                       std::string_view domain) {
  return TakeChild(RequireApp(app_id), &App::domains, domain, kNoDomain);
}

SimResult<Value> AmplifyStore::StartJob(std::string_view app_id, std::string_view branch,
                                        const Value& input, Timestamp now,
                                        std::string_view status) {
  auto app = RequireApp(app_id);
  auto b = FindChild(app, &App::branches, branch, kNoBranch);
  if (!b) return tl::unexpected(b.error());
  std::string type = StringMember(input, "jobType");
  if (type != "RELEASE" && type != "RETRY" && type != "MANUAL" && type != "WEB_HOOK") {
    return tl::unexpected(
        BadRequest("jobType must be RELEASE, RETRY, MANUAL or WEB_HOOK, not '" + type + "'"));
  }
  std::vector<Value>& jobs = (*app)->jobs[std::string(branch)];
  std::string job_id = std::to_string(jobs.size() + 1);
  std::string commit = StringMember(input, "commitId");
  if (commit.empty()) commit = type == "MANUAL" ? "HEAD" : Random(40, "0123456789abcdef");
  Value j(ValueMap{});
  j.Set("jobArn", AppArn(app_id) + "/branches/" + std::string(branch) + "/jobs/" + job_id);
  j.Set("jobId", job_id);
  j.Set("commitId", commit);
  j.Set("commitMessage", StringMember(input, "commitMessage"));
  if (const Value* t = input.Find("commitTime"); t && t->is_number()) {
    j.Set("commitTime", *t);
  } else {
    j.Set("commitTime", EpochSeconds(now));
  }
  j.Set("startTime", EpochSeconds(now));
  j.Set("endTime", EpochSeconds(now));
  j.Set("status", std::string(status));
  j.Set("jobType", type);
  jobs.push_back(j);
  (*b)->Set("activeJobId", job_id);
  (*b)->Set("totalNumberOfJobs", std::to_string(jobs.size()));
  return j;
}

SimResult<Value> AmplifyStore::GetJob(std::string_view app_id, std::string_view branch,
                                      std::string_view job_id) const {
  auto jobs = ListJobs(app_id, branch);
  if (!jobs) return tl::unexpected(jobs.error());
  for (const Value& j : *jobs) {
    if (StringMember(j, "jobId") == job_id) {
      return Value(ValueMap{{"summary", j}, {"steps", Value(ValueList{})}});
    }
  }
  return tl::unexpected(NotFound(fmt::format("Job {} not found.", job_id)));
}

SimResult<std::vector<Value>> AmplifyStore::ListJobs(std::string_view app_id,
                                                     std::string_view branch) const {
  auto app = RequireApp(app_id);
  if (!app) return tl::unexpected(app.error());
  if (!(*app)->branches.count(branch)) return tl::unexpected(kNoBranch.For(branch));
  std::vector<Value> out;
  auto it = (*app)->jobs.find(branch);
  if (it == (*app)->jobs.end()) return out;
  out.assign(it->second.rbegin(), it->second.rend());
  return out;
}

Value AmplifyStore::Dump() const {
  ValueMap apps;
  for (const auto& [id, app] : apps_) {
    ValueMap a;
    a["app"] = app.app;
    a["branches"] = Value(app.branches);
    a["backends"] = Value(app.backends);
    a["domains"] = Value(app.domains);
    ValueMap jobs;
    for (const auto& [branch, list] : app.jobs) {
      jobs[branch] = Value(ValueList(list.begin(), list.end()));
    }
    a["jobs"] = Value(std::move(jobs));
    ValueMap settling;
    for (const auto& [domain, at] : app.settling) settling[domain] = at.unix_ms;
    a["settling"] = Value(std::move(settling));
    a["order"] = app.order;
    apps[id] = Value(std::move(a));
  }
  ValueMap out;
  out["apps"] = Value(std::move(apps));
  out["ids_issued"] = static_cast<int64_t>(ids_issued_);
  out["next_order"] = next_order_;
  return Value(std::move(out));
}

Result<void> AmplifyStore::Load(const Value& state) {
  Reset();
  if (!state.is_map()) {
    return MakeError(ErrorCode::kCorruption, "amplify state must be a JSON object");
  }
  if (const Value* apps = state.Find("apps"); apps && apps->is_map()) {
    for (const auto& [id, v] : apps->as_map()) {
      App app;
      const Value* a = v.Find("app");
      if (!a || !a->is_map()) {
        return MakeError(ErrorCode::kCorruption, "amplify state: app " + id + " has no record");
      }
      app.app = *a;
      app.branches = MembersOf(v.Find("branches"));
      app.backends = MembersOf(v.Find("backends"));
      app.domains = MembersOf(v.Find("domains"));
      if (const Value* jobs = v.Find("jobs"); jobs && jobs->is_map()) {
        for (const auto& [branch, list] : jobs->as_map()) {
          if (list.is_list()) {
            app.jobs[branch].assign(list.as_list().begin(), list.as_list().end());
          }
        }
      }
      if (const Value* settling = v.Find("settling"); settling && settling->is_map()) {
        for (const auto& [domain, at] : settling->as_map()) {
          if (at.is_int()) app.settling[domain] = Timestamp{at.as_int()};
        }
      }
      app.order = IntMember(v, "order", app.order);
      apps_[id] = std::move(app);
    }
  }
  ids_issued_ =
      static_cast<uint64_t>(IntMember(state, "ids_issued", static_cast<int64_t>(ids_issued_)));
  next_order_ = IntMember(state, "next_order", next_order_);
  return {};
}

void AmplifyStore::Reset() {
  apps_.clear();
  ids_issued_ = 0;
  next_order_ = 0;
}

}  // namespace flightplan::cloudsim
