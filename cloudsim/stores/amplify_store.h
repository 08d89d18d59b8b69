// Amplify Hosting state of the simulated account: apps and, per app,
// branches, backend environments, domain associations and each branch's
// jobs. Records are kept in the REST API's shapes (App, Branch,
// BackendEnvironment, DomainAssociation, JobSummary) with timestamps as epoch
// seconds, so the service returns them as they are.
//
// Errors carry Amplify's codes: NotFoundException (404), BadRequestException
// (400).
//
// Thread-safety: none; the World's mutex guards every call.
#ifndef FLIGHTPLAN_CLOUDSIM_STORES_AMPLIFY_STORE_H_
#define FLIGHTPLAN_CLOUDSIM_STORES_AMPLIFY_STORE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "cloudsim/sim.h"
#include "cloudsim/stores/records.h"

namespace flightplan::cloudsim {

class AmplifyStore {
 public:
  // The region and account ARNs are made in. Defaults match SimConfig's; the
  // service re-binds before every request (Service::Tick).
  void Bind(std::string region, std::string account_id);

  // --- The cross-service API (used by the fixture seeder).
  // An "appId" member, when present, pins the id.
  SimResult<Value> CreateApp(const Value& input, Timestamp now);
  SimResult<Value> CreateBackendEnvironment(std::string_view app_id, const Value& input,
                                            Timestamp now);
  SimResult<Value> CreateBranch(std::string_view app_id, const Value& input, Timestamp now);

  // --- Apps.
  SimResult<Value> GetApp(std::string_view app_id) const;
  std::vector<Value> ListApps() const;  // in creation order
  SimResult<Value> UpdateApp(std::string_view app_id, const Value& input, Timestamp now);
  SimResult<Value> DeleteApp(std::string_view app_id);  // returns the App

  // --- Branches.
  SimResult<Value> GetBranch(std::string_view app_id, std::string_view branch) const;
  SimResult<std::vector<Value>> ListBranches(std::string_view app_id) const;
  SimResult<Value> UpdateBranch(std::string_view app_id, std::string_view branch,
                                const Value& input, Timestamp now);
  SimResult<Value> DeleteBranch(std::string_view app_id, std::string_view branch);

  // --- Backend environments.
  SimResult<Value> GetBackendEnvironment(std::string_view app_id, std::string_view name) const;
  SimResult<std::vector<Value>> ListBackendEnvironments(std::string_view app_id) const;
  SimResult<Value> DeleteBackendEnvironment(std::string_view app_id, std::string_view name);

  // --- Domain associations. subDomainSettings must name existing branches.
  // An update leaves the association UPDATING (updateStatus
  // PENDING_DEPLOYMENT) until `settle` has passed; Tick then makes it
  // AVAILABLE (UPDATE_COMPLETE), as Amplify does after minutes.
  SimResult<Value> CreateDomainAssociation(std::string_view app_id, const Value& input,
                                           Timestamp now);
  SimResult<Value> GetDomainAssociation(std::string_view app_id, std::string_view domain) const;
  SimResult<std::vector<Value>> ListDomainAssociations(std::string_view app_id) const;
  SimResult<Value> UpdateDomainAssociation(std::string_view app_id, std::string_view domain,
                                           const Value& input, Timestamp now,
                                           Duration settle = Duration(0));
  // Out of band (/_sim/mutate): sets domainStatus and statusReason, e.g.
  // FAILED with a reason; cancels a pending settle.
  SimResult<Value> SetDomainStatus(std::string_view app_id, std::string_view domain,
                                   std::string_view status, std::string_view reason);
  // Makes every association whose update has settled by `now` AVAILABLE.
  void Tick(Timestamp now);
  SimResult<Value> DeleteDomainAssociation(std::string_view app_id, std::string_view domain);

  // --- Jobs. StartJob's input: jobType, commitId, commitMessage, commitTime.
  // Jobs finish at once with `status` (SUCCEED unless /_sim/mutate's
  // start_job names another, e.g. FAILED); ids count up per branch from "1".
  SimResult<Value> StartJob(std::string_view app_id, std::string_view branch, const Value& input,
                            Timestamp now, std::string_view status = "SUCCEED");
  // {"summary": JobSummary, "steps": []}
  SimResult<Value> GetJob(std::string_view app_id, std::string_view branch,
                          std::string_view job_id) const;
  // JobSummary records, newest first.
  SimResult<std::vector<Value>> ListJobs(std::string_view app_id, std::string_view branch) const;

  Value Dump() const;
  Result<void> Load(const Value& state);
  void Reset();

 private:
  struct App {
    Value app;
    Records branches;
    Records backends;
    Records domains;
    std::map<std::string, std::vector<Value>, std::less<>> jobs;  // oldest first
    // Domains UPDATING, and when each becomes AVAILABLE.
    std::map<std::string, Timestamp, std::less<>> settling;
    int64_t order = 0;
  };

  SimResult<App*> RequireApp(std::string_view app_id);
  SimResult<const App*> RequireApp(std::string_view app_id) const;
  std::string Random(size_t length, std::string_view alphabet);
  std::string AppArn(std::string_view app_id) const;
  SimResult<Value> SubDomains(const App& app, const Value& settings, std::string_view domain) const;

  std::string region_ = "us-east-1";
  std::string account_id_ = "123456789012";
  std::map<std::string, App, std::less<>> apps_;
  uint64_t ids_issued_ = 0;
  int64_t next_order_ = 0;
};

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_STORES_AMPLIFY_STORE_H_
