// What `lock` changes, as pure functions over template and policy text, so
// the change and its undo are tested without a cloud (the steps that apply
// them are in lock_steps.cc).
//
// A locked template: every stateful resource (stateful_types.h) has
// `DeletionPolicy: Retain` and `UpdateReplacePolicy: Retain`, every DynamoDB
// table `DeletionProtectionEnabled: true`, and each resource lock changed
// carries `Metadata."flightplan:lock"` with the values it had before, so the
// cloud itself says what lock changed (drift filters it; `plan` reads it).
// A locked stack policy: the prior policy with one statement appended that
// denies `Update:*` (Sid kLockStatementSid), or allow-all plus that
// statement when the stack had none.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_LOCK_H_
#define FLIGHTPLAN_STEPS_MIGRATION_LOCK_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "steps/migration/stateful_types.h"

namespace flightplan::migration {

inline constexpr std::string_view kLockMetadataKey = "flightplan:lock";
inline constexpr std::string_view kLockStatementSid = "FlightplanLockDenyUpdates";
// The policy AWS applies when a stack has none, written out: what lock's
// rollback sets when there was no policy (one cannot be removed).
inline constexpr std::string_view kAllowAllPolicy =
    R"({"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"}]})";

struct LockedTemplate {
  std::string body;                 // the locked template (JSON)
  std::vector<std::string> locked;  // logical ids lock changed, sorted
  bool changed() const { return !locked.empty(); }
};

// Errors: kInvalidInput when the template is not a JSON object with a
// Resources map (Gen1 templates are JSON). `also`: logical ids locked
// whatever their type (decommission's hosted UI domain custom resources).
[[nodiscard]] Result<LockedTemplate> LockTemplate(const std::string& template_body,
                                                  const StatefulTypes& stateful,
                                                  const std::set<std::string>& also = {});

// The template with lock's changes taken out again, resource by resource,
// from the values its `flightplan:lock` metadata recorded; resources without
// that metadata are left as they are. Used to compare a locked deployed
// template with the template Gen1 left in the deployment bucket.
[[nodiscard]] Result<Value> UnlockTemplate(const Value& template_json);

// The logical ids a template's `flightplan:lock` metadata marks as locked.
std::vector<std::string> LockedResources(const Value& template_json);

// Refuses a change set (DescribeChangeSet's answer) that does anything but
// lock: every change must be a Modify of one of `locked_ids`, never a
// replacement, touching only Metadata, DeletionPolicy, UpdateReplacePolicy
// or the property DeletionProtectionEnabled. kStepFailed names the first
// offending change.
[[nodiscard]] Result<void> CheckLockChangeSet(const Value& change_set,
                                              const std::vector<std::string>& locked_ids);

// The policy with lock's statement appended (unchanged if it is already
// there). `existing` "" means the stack has none. kInvalidInput when the
// existing policy is not a JSON object.
[[nodiscard]] Result<std::string> AppendLockStatement(const std::string& existing);
bool HasLockStatement(const std::string& policy);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_LOCK_H_
