// The pure logic of the shift phase (traffic from the Gen1 branch to the
// Gen2 branch): which branches serve a Gen1 environment, which domain
// associations to re-point, the sub-domain settings before and after, the
// UpdateDomainAssociation request that keeps every other setting, and the
// verdict on a branch's latest job. docs/migration-guide.md, "Shift".
#ifndef FLIGHTPLAN_STEPS_MIGRATION_SHIFT_H_
#define FLIGHTPLAN_STEPS_MIGRATION_SHIFT_H_

#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"

namespace flightplan::migration {

struct SubDomainSetting {
  std::string prefix;  // "" for the apex
  std::string branch;
  bool operator==(const SubDomainSetting&) const = default;
};

// The branches of the app (ListBranches' records) that serve the Gen1
// environment `env`: named like it, or linked to it by
// backendEnvironmentArn, or whose backend.stackArn names its root stack.
// `to_branch` is never one of them.
std::vector<std::string> Gen1BranchesOf(const ValueList& branches, const std::string& env,
                                        const std::string& root_stack,
                                        const std::string& to_branch);

// An association's sub-domain settings, in its order.
std::vector<SubDomainSetting> SettingsOf(const Value& association);

// `settings` with every sub-domain on a branch of `gen1` moved to
// `to_branch`; every other one as it is.
std::vector<SubDomainSetting> Repointed(const std::vector<SubDomainSetting>& settings,
                                        const std::vector<std::string>& gen1,
                                        const std::string& to_branch);

// How many of `settings` are on a branch of `branches`.
int CountOn(const std::vector<SubDomainSetting>& settings,
            const std::vector<std::string>& branches);

// The associations (ListDomainAssociations' records) to re-point: `domain`
// alone when given (kNotFound naming the domains that exist when it does
// not), else each with a sub-domain on a Gen1 branch or already on
// `to_branch` (so a re-run after the shift finds the same ones). Names, in
// the listing's order; empty when the app has none.
[[nodiscard]] Result<std::vector<std::string>> DomainsToShift(const ValueList& associations,
                                                              const std::string& domain,
                                                              const std::vector<std::string>& gen1,
                                                              const std::string& to_branch,
                                                              const std::string& app_id);

// The UpdateDomainAssociation request that sets `settings` and keeps the
// association's automatic sub-domain settings as they are (the
// certificate is not named, so it is not touched).
Value UpdateRequest(const std::string& app_id, const Value& association,
                    const std::vector<SubDomainSetting>& settings);

// "www → main, (apex) → main" for messages.
std::string DescribeSettings(const std::vector<SubDomainSetting>& settings);

// The latest job of a branch (ListJobs' summaries, newest first): its
// commit id when it SUCCEEDed; kStepFailed saying why otherwise (no job, a
// job still running, or a failed one) and what to do.
[[nodiscard]] Result<std::string> LatestJobSucceeded(const ValueList& jobs,
                                                     const std::string& branch);

// Text list of a list of strings, for step outputs.
Value ToList(const std::vector<std::string>& items);
std::vector<std::string> FromList(const Value* list);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_SHIFT_H_
