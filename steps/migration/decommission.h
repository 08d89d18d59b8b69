// What `decommission` decides, as pure functions over the discovered
// environment and the counts read from the cloud, so the proof that no
// stateful resource is deleted is tested without a cloud (the steps that read
// and act are in decommission_steps.cc).
//
// The inventory lists every stateful resource (stateful_types.h) still in a
// Gen1 stack — a table Gen2 adopted in place, the deployment bucket, anything
// refactor did not move — with the DeletionPolicy and UpdateReplacePolicy of
// the *deployed* template. A resource is safe when its DeletionPolicy is
// Retain (DeleteStack then skips it). Nested stacks' resources that are not
// safe get Retain through a vetted change set (lock's own transformation,
// lock.h); the root stack's template is never changed (an update of the root
// re-applies every nested stack, and lock's stack policy denies it), so an
// unsafe resource of the root refuses the decommission.
//
// Gen1's hosted UI domain is listed too, though it holds no data: a
// Lambda-backed custom resource (Custom::LambdaCallout with properties
// hostedUIDomainName and userPoolId) made it, and its Delete deletes the
// domain from whatever pool userPoolId names — after refactor, the pool Gen2
// serves. Production depends on it (sign-in URLs, identity providers'
// redirect URIs), so it is retained like the stateful resources and verify
// checks that the pool still has the domain.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_DECOMMISSION_H_
#define FLIGHTPLAN_STEPS_MIGRATION_DECOMMISSION_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "steps/migration/environment.h"
#include "steps/migration/stateful_types.h"

namespace flightplan::migration {

// How the data of a resource is counted after the delete.
enum class DataKind {
  kTable,           // DescribeTable + item count
  kUserPool,        // DescribeUserPool + estimated user count
  kBucket,          // HeadBucket + object count
  kHostedUiDomain,  // DescribeUserPool: the pool still has the domain
  kIdentityPool,    // DescribeIdentityPool: it still exists (identities not counted)
  kUserPoolClient,  // DescribeUserPoolClient: the app's client id still exists
  kUserPoolGroup,   // GetGroup: the group (and so its members) still exists
  kOther,           // listed and retained; existence not checked (no API in flightplan)
};

struct StatefulHolding {
  std::string stack_path;  // "" for the root stack
  std::string stack_name;
  std::string logical_id;
  std::string physical_id;
  std::string type;
  std::string deletion_policy;        // as deployed; "" when the template sets none
  std::string update_replace_policy;  // as deployed; "" when none
  // Recorded right before the delete: items, users or objects; -1 unknown.
  int64_t count = -1;
  // A hosted UI domain custom resource: the domain and the pool it is on.
  // A user pool client or group: the pool it is in (its `UserPoolId`).
  std::string domain;
  std::string user_pool_id;

  bool retained() const { return deletion_policy == "Retain"; }
  DataKind kind() const;
  // "table Todo-abc (apibackendonly/Todo TodoTable)", for messages.
  std::string Label() const;
};

// Gen1's hosted UI domain custom resources of `stack` (see the file
// comment), their domain and pool resolved from the deployed parameters and
// resources; a property that cannot be resolved leaves the resource out.
std::vector<StatefulHolding> HostedUiDomainResources(const EnvStack& stack,
                                                     const Value& template_json);
std::set<std::string> HostedUiDomainIds(const EnvStack& stack);

// Every stateful resource still in the stacks, with its policies read from
// each stack's deployed template. Resources already deleted or skipped
// (DELETE_COMPLETE, DELETE_SKIPPED) are not in a stack any more and are not
// listed. Errors: kInvalidInput naming the stack when a template is not JSON.
[[nodiscard]] Result<std::vector<StatefulHolding>> InventoryStateful(
    const std::vector<EnvStack>& stacks);

struct DecommissionVerdict {
  std::vector<std::string> to_retain;        // nested stacks' resources retain will change
  std::vector<std::string> root_unretained;  // root stack resources that refuse the phase
  bool safe_now() const { return to_retain.empty() && root_unretained.empty(); }
  bool refused() const { return !root_unretained.empty(); }
  // "safe", "retain needed" or "refused".
  std::string Word() const;
};

DecommissionVerdict Judge(const std::vector<StatefulHolding>& holdings);

// The inventory and the verdict as the dry run and the step's summary print
// them, one resource a line.
std::string FormatInventory(const std::vector<StatefulHolding>& holdings,
                            const DecommissionVerdict& verdict);

// Journal form (a list of maps) and back.
Value ToValue(const std::vector<StatefulHolding>& holdings);
[[nodiscard]] Result<std::vector<StatefulHolding>> HoldingsFrom(const Value& list);

// What verify found for one resource.
struct Observed {
  bool exists = false;
  int64_t count = -1;  // -1: not counted
};

// The problems verify reports, one line per resource: gone, or holding fewer
// items/users/objects than recorded before the delete. Empty when every
// resource is there with its data.
std::vector<std::string> CompareAfterDelete(const std::vector<StatefulHolding>& before,
                                            const std::vector<std::optional<Observed>>& after);

// How old a backup finished at `finished_unix_s` is at `now_unix_s`, and
// whether it is within `max_age_hours`. `finished` "" means no backup run
// succeeded. kStepFailed saying what to do when there is none or it is
// too old; kInvalidInput when `finished` is not a number.
[[nodiscard]] Result<int64_t> CheckBackupFresh(const std::string& finished, int64_t now_unix_s,
                                               int64_t max_age_hours);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_DECOMMISSION_H_
