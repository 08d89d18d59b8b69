// Amplify Hosting (signing name "amplify", REST-JSON). Routes follow the
// model's http.requestUri:
//   POST/GET /apps                      CreateApp / ListApps
//   GET/POST/DELETE /apps/{appId}       GetApp / UpdateApp / DeleteApp
//   POST/GET /apps/{appId}/branches     CreateBranch / ListBranches
//   GET/POST/DELETE /apps/{appId}/branches/{branchName}
//                                       GetBranch / UpdateBranch / DeleteBranch
//   POST/GET /apps/{appId}/branches/{branchName}/jobs   StartJob / ListJobs
//   GET /apps/{appId}/branches/{branchName}/jobs/{jobId}   GetJob
//   POST/GET /apps/{appId}/backendenvironments
//                      CreateBackendEnvironment / ListBackendEnvironments
//   GET/DELETE /apps/{appId}/backendenvironments/{environmentName}
//                      GetBackendEnvironment / DeleteBackendEnvironment
//   POST/GET /apps/{appId}/domains      CreateDomainAssociation / List...
//   GET/POST/DELETE /apps/{appId}/domains/{domainName}
//                      GetDomainAssociation / UpdateDomainAssociation /
//                      DeleteDomainAssociation
// List operations page with maxResults/nextToken (an opaque offset). Jobs
// finish at once with status SUCCEED; ListJobs returns the newest first.
// State lives in AmplifyStore.
//
// Out-of-band changes (POST /_sim/mutate {"service": "amplify", ...}):
//   {"action": "update_app", "appId": .., <UpdateApp fields>}
//   {"action": "update_branch", "appId": .., "branchName": ..,
//    <UpdateBranch fields, e.g. "backend": {"stackArn": ..}>}
//   {"action": "delete_branch", "appId": .., "branchName": ..}
//   {"action": "delete_backend_environment", "appId": ..,
//    "environmentName": ..}
//   {"action": "start_job", "appId": .., "branchName": .., "commitId": ..,
//    "status": "FAILED" (default SUCCEED)}
//   {"action": "set_domain_status", "appId": .., "domainName": ..,
//    "domainStatus": "FAILED", "statusReason": ..}
// UpdateDomainAssociation leaves the association UPDATING for the
// configured operation delay (POST /_sim/config), then AVAILABLE.
//   {"action": "delete_app", "appId": ..}
// Each answers {"ok": true}.
#include <fmt/format.h>

#include "cloudsim/service.h"
#include "cloudsim/wire.h"

namespace flightplan::cloudsim {
namespace {

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && f->is_string() ? f->as_string() : std::string();
}

SimError BadRequest(std::string message) {
  return {400, "BadRequestException", std::move(message)};
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// The decoded segments of the request's path ("/apps/d1/branches/a%2Fb" ->
// ["apps", "d1", "branches", "a/b"]).
std::vector<std::string> Segments(const Request& request) {
  std::string_view raw = request.target;
  raw = raw.substr(0, raw.find('?'));
  std::vector<std::string> out;
  size_t i = 0;
  while (i < raw.size()) {
    if (raw[i] == '/') {
      ++i;
      continue;
    }
    size_t end = raw.find('/', i);
    if (end == std::string_view::npos) end = raw.size();
    out.push_back(PercentDecode(raw.substr(i, end - i)));
    i = end;
  }
  return out;
}

struct Route {
  std::string operation;
  std::string app_id;
  std::string name;  // branch, environment or domain
  std::string job_id;
};

Route RouteOf(const Request& request) {
  std::vector<std::string> s = Segments(request);
  const std::string& m = request.method;
  Route r;
  if (s.empty() || s[0] != "apps") return r;
  if (s.size() == 1) {
    r.operation = m == "POST" ? "CreateApp" : m == "GET" ? "ListApps" : "";
    return r;
  }
  r.app_id = s[1];
  if (s.size() == 2) {
    r.operation = m == "GET"      ? "GetApp"
                  : m == "POST"   ? "UpdateApp"
                  : m == "DELETE" ? "DeleteApp"
                                  : "";
    return r;
  }
  const std::string& kind = s[2];
  if (s.size() >= 4) r.name = s[3];
  if (kind == "branches") {
    if (s.size() == 3) {
      r.operation = m == "POST" ? "CreateBranch" : m == "GET" ? "ListBranches" : "";
    } else if (s.size() == 4) {
      r.operation = m == "GET"      ? "GetBranch"
                    : m == "POST"   ? "UpdateBranch"
                    : m == "DELETE" ? "DeleteBranch"
                                    : "";
    } else if (s.size() == 5 && s[4] == "jobs") {
      r.operation = m == "POST" ? "StartJob" : m == "GET" ? "ListJobs" : "";
    } else if (s.size() == 6 && s[4] == "jobs" && m == "GET") {
      r.job_id = s[5];
      r.operation = "GetJob";
    }
  } else if (kind == "backendenvironments") {
    if (s.size() == 3) {
      r.operation = m == "POST"  ? "CreateBackendEnvironment"
                    : m == "GET" ? "ListBackendEnvironments"
                                 : "";
    } else if (s.size() == 4) {
      r.operation = m == "GET"      ? "GetBackendEnvironment"
                    : m == "DELETE" ? "DeleteBackendEnvironment"
                                    : "";
    }
  } else if (kind == "domains") {
    if (s.size() == 3) {
      r.operation = m == "POST"  ? "CreateDomainAssociation"
                    : m == "GET" ? "ListDomainAssociations"
                                 : "";
    } else if (s.size() == 4) {
      r.operation = m == "GET"      ? "GetDomainAssociation"
                    : m == "POST"   ? "UpdateDomainAssociation"
                    : m == "DELETE" ? "DeleteDomainAssociation"
                                    : "";
    }
  }
  return r;
}

SimResult<Value> Wrap(SimResult<Value> r, std::string_view key) {
  if (!r) return tl::unexpected(r.error());
  Value out(ValueMap{});
  out.Set(std::string(key), std::move(*r));
  return out;
}

// One page of `items` per the request's maxResults (1..max) and nextToken.
SimResult<Value> Page(const Request& request, std::vector<Value> items, std::string_view list_key,
                      int64_t max) {
  int64_t limit = max;
  if (std::string_view l = request.QueryParam("maxResults"); !l.empty()) {
    limit = std::atoll(std::string(l).c_str());
    if (limit < 0 || limit > max) {
      return tl::unexpected(
          BadRequest(fmt::format("maxResults must be between 0 and {}, not {}", max, l)));
    }
    if (limit == 0) limit = max;
  }
  size_t start = 0;
  if (std::string token(request.QueryParam("nextToken")); !token.empty()) {
    std::optional<size_t> offset = PageTokenOffset(token);
    if (!offset) {
      return tl::unexpected(BadRequest("nextToken is not valid: " + token));
    }
    start = *offset;
  }
  return PageOfItems(std::move(items), start, static_cast<size_t>(limit), list_key, "nextToken");
}

class AmplifyService final : public Service {
 public:
  std::string_view signing_name() const override { return "amplify"; }
  aws::Protocol protocol() const override { return aws::Protocol::kRestJson; }

  std::string OperationOf(const Request& request) const override {
    return RouteOf(request).operation;
  }

  Response Error(const SimError& error, const Request& request,
                 std::string_view request_id) const override {
    (void)request;
    return RestJsonError(error, request_id);
  }

  SimError ThrottlingError(std::string_view operation) const override {
    (void)operation;
    return {429, "LimitExceededException", "Rate exceeded"};
  }

  Value LogParams(const Request& request, std::string_view operation) const override {
    (void)operation;
    Route r = RouteOf(request);
    ValueMap out;
    if (!r.app_id.empty()) out["appId"] = r.app_id;
    if (!r.name.empty()) {
      std::vector<std::string> s = Segments(request);
      std::string_view kind = s[2];
      out[kind == "branches"  ? "branchName"
          : kind == "domains" ? "domainName"
                              : "environmentName"] = r.name;
    }
    if (!r.job_id.empty()) out["jobId"] = r.job_id;
    return Value(std::move(out));
  }

  Response Handle(World& world, const Request& request, std::string_view operation) override {
    world.amplify.Bind(world.config().region, world.config().account_id);
    Value body(ValueMap{});
    if (!request.body.empty()) {
      auto parsed = Value::FromJson(request.body);
      if (!parsed || !parsed->is_map()) {
        return Error(BadRequest("The request body is not a JSON object"), request,
                     request.request_id);
      }
      body = std::move(*parsed);
    }
    Route r = RouteOf(request);
    SimResult<Value> result = Run(world, request, r, body, operation);
    if (!result) return Error(result.error(), request, request.request_id);
    return RestJsonResponse(*result, request.request_id);
  }

  // Runs before every request (any service's), so the store names ids and
  // ARNs after the current region and account even when CloudFormation or
  // the seeder, not this service, is the caller.
  void Tick(World& world) override {
    world.amplify.Bind(world.config().region, world.config().account_id);
    world.amplify.Tick(world.Now());
  }

  Result<Value> Mutate(World& world, const Value& command) override {
    world.amplify.Bind(world.config().region, world.config().account_id);
    AmplifyStore& store = world.amplify;
    std::string action = Str(command, "action");
    std::string app = Str(command, "appId");
    SimResult<Value> done;
    if (action == "update_app") {
      done = store.UpdateApp(app, command, world.Now());
    } else if (action == "update_branch") {
      done = store.UpdateBranch(app, Str(command, "branchName"), command, world.Now());
    } else if (action == "delete_branch") {
      done = store.DeleteBranch(app, Str(command, "branchName"));
    } else if (action == "delete_backend_environment") {
      done = store.DeleteBackendEnvironment(app, Str(command, "environmentName"));
    } else if (action == "start_job") {
      Value input = command;
      if (!input.Find("jobType")) input.Set("jobType", "WEB_HOOK");
      std::string status = Str(command, "status");
      done = store.StartJob(app, Str(command, "branchName"), input, world.Now(),
                            status.empty() ? "SUCCEED" : status);
    } else if (action == "set_domain_status") {
      done = store.SetDomainStatus(app, Str(command, "domainName"), Str(command, "domainStatus"),
                                   Str(command, "statusReason"));
    } else if (action == "delete_app") {
      done = store.DeleteApp(app);
    } else {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("amplify has no action '{}' (update_app, update_branch, "
                                   "delete_branch, delete_backend_environment, start_job, "
                                   "set_domain_status, delete_app)",
                                   action));
    }
    return MutateDone(done);
  }

 private:
  SimResult<Value> Run(World& world, const Request& request, const Route& r, const Value& body,
                       std::string_view op) {
    AmplifyStore& store = world.amplify;
    Timestamp now = world.Now();
    const std::string& app = r.app_id;
    if (op == "CreateApp") {
      if (body.Find("appId")) {
        return tl::unexpected(BadRequest("appId is not a CreateApp member"));
      }
      return Wrap(store.CreateApp(body, now), "app");
    }
    if (op == "ListApps") return Page(request, store.ListApps(), "apps", 100);
    if (op == "GetApp") return Wrap(store.GetApp(app), "app");
    if (op == "UpdateApp") return Wrap(store.UpdateApp(app, body, now), "app");
    if (op == "DeleteApp") return Wrap(store.DeleteApp(app), "app");
    if (op == "CreateBranch") {
      return Wrap(store.CreateBranch(app, body, now), "branch");
    }
    if (op == "ListBranches") {
      auto branches = store.ListBranches(app);
      if (!branches) return tl::unexpected(branches.error());
      return Page(request, std::move(*branches), "branches", 50);
    }
    if (op == "GetBranch") return Wrap(store.GetBranch(app, r.name), "branch");
    if (op == "UpdateBranch") {
      return Wrap(store.UpdateBranch(app, r.name, body, now), "branch");
    }
    if (op == "DeleteBranch") {
      return Wrap(store.DeleteBranch(app, r.name), "branch");
    }
    if (op == "StartJob") {
      return Wrap(store.StartJob(app, r.name, body, now), "jobSummary");
    }
    if (op == "ListJobs") {
      auto jobs = store.ListJobs(app, r.name);
      if (!jobs) return tl::unexpected(jobs.error());
      return Page(request, std::move(*jobs), "jobSummaries", 100);
    }
    if (op == "GetJob") return Wrap(store.GetJob(app, r.name, r.job_id), "job");
    if (op == "CreateBackendEnvironment") {
      return Wrap(store.CreateBackendEnvironment(app, body, now), "backendEnvironment");
    }
    if (op == "ListBackendEnvironments") {
      auto envs = store.ListBackendEnvironments(app);
      if (!envs) return tl::unexpected(envs.error());
      std::string only(request.QueryParam("environmentName"));
      std::vector<Value> items;
      for (Value& e : *envs) {
        if (only.empty() || Str(e, "environmentName") == only) {
          items.push_back(std::move(e));
        }
      }
      return Page(request, std::move(items), "backendEnvironments", 50);
    }
    if (op == "GetBackendEnvironment") {
      return Wrap(store.GetBackendEnvironment(app, r.name), "backendEnvironment");
    }
    if (op == "DeleteBackendEnvironment") {
      return Wrap(store.DeleteBackendEnvironment(app, r.name), "backendEnvironment");
    }
    if (op == "CreateDomainAssociation") {
      return Wrap(store.CreateDomainAssociation(app, body, now), "domainAssociation");
    }
    if (op == "ListDomainAssociations") {
      auto domains = store.ListDomainAssociations(app);
      if (!domains) return tl::unexpected(domains.error());
      return Page(request, std::move(*domains), "domainAssociations", 50);
    }
    if (op == "GetDomainAssociation") {
      return Wrap(store.GetDomainAssociation(app, r.name), "domainAssociation");
    }
    if (op == "UpdateDomainAssociation") {
      return Wrap(
          store.UpdateDomainAssociation(app, r.name, body, now, world.config().operation_delay),
          "domainAssociation");
    }
    if (op == "DeleteDomainAssociation") {
      return Wrap(store.DeleteDomainAssociation(app, r.name), "domainAssociation");
    }
    return tl::unexpected(BadRequest(fmt::format("unknown operation {}", op)));
  }
};

}  // namespace

std::unique_ptr<Service> MakeAmplifyService() { return std::make_unique<AmplifyService>(); }

}  // namespace flightplan::cloudsim
