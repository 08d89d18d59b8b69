// The cleanup phase's plan and proof (pure logic; the steps in
// cleanup_steps.cc read the cloud into CleanupFacts and act on the plan).
//
// A rehearsal leaves two environments behind: the Gen1 clone (a Gen1
// environment `clone_env` of the app, tagged by `clone` with
// flightplan:clone-of = <app_id>/<prod_env> and flightplan:clone-env =
// <clone_env> on its root stack and deployment bucket) and the Gen2 clone
// branch (the branch the clone's refactor moved the clone's resources into,
// with the Gen2 copies that refactor orphaned). PlanCleanup lists what to
// delete, each item with why it is the clone's, and proves that nothing on
// the list belongs to production: a production physical id on the list, or
// a clone branch that is a production branch, is an error naming it.
// docs/migration-guide.md, "Cleanup".
#ifndef FLIGHTPLAN_STEPS_MIGRATION_CLEANUP_H_
#define FLIGHTPLAN_STEPS_MIGRATION_CLEANUP_H_

#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"

namespace flightplan::migration {

inline constexpr std::string_view kCloneOfTag = "flightplan:clone-of";
inline constexpr std::string_view kCloneEnvTag = "flightplan:clone-env";

// A physical resource of a stack that is to be deleted.
struct CleanupResource {
  std::string stack;  // the stack holding it (name)
  std::string logical_id;
  std::string physical_id;
  std::string type;
};

// A stack tree that is to be deleted (its root and every nested stack).
struct CleanupTree {
  std::string root_name;
  std::string root_id;                      // ARN
  std::map<std::string, std::string> tags;  // the root stack's tags
  std::vector<std::string> stacks;          // every stack's name and ARN, the root's included
  std::vector<CleanupResource> resources;   // every resource of every stack
};

// What the cloud (and the journal, through the workflow's parameters) says.
struct CleanupFacts {
  std::string app_id;
  std::string prod_env;
  std::string clone_env;

  // The Gen1 clone. Absent (backend_env false, no tree) when already gone.
  bool backend_env = false;   // Amplify lists the backend environment clone_env
  std::string backend_stack;  // the root stack Amplify names for it
  std::string deployment_bucket;
  bool bucket_exists = false;
  std::map<std::string, std::string> bucket_tags;
  bool has_tree = false;
  CleanupTree gen1;
  std::string prod_root_stack;  // production's root stack name ("" when gone)

  // The Gen2 clone branch ("" when neither the refactor run nor
  // --clone-branch names one).
  std::string clone_branch;
  std::string
      clone_branch_source;  // "the refactor run 12 on app/…/env/rehearsal", "--clone-branch"
  bool branch_exists = false;
  bool has_branch_tree = false;
  CleanupTree gen2;
  std::vector<std::string> branch_domains;  // "example.com (www)" sub-domains on the branch
  std::string prod_refactor_to_branch;      // production's refactor's to_branch, "" when none

  // The Gen2 copies the clone's refactor orphaned.
  std::vector<CleanupResource> orphaned;

  // Production's physical ids (resources, stacks by name and ARN, the
  // deployment bucket), each with where it was found.
  std::map<std::string, std::string> production_ids;
};

// One deletion. `part` is "gen2" (the clone branch and the orphaned copies)
// or "gen1" (the Gen1 clone); the delete step of each part acts in order.
struct CleanupItem {
  std::string part;
  std::string kind;  // stack, table, bucket, user-pool, identity-pool, backend-environment, branch
  std::string id;    // ARN for a stack, name or id otherwise
  std::string type;  // the CloudFormation type, "" for stacks/branches/environments
  std::string why;   // why it is the clone's
};

struct CleanupPlan {
  std::vector<CleanupItem> items;
  std::vector<std::string> proof;  // what was checked, one line each
  std::vector<std::string> left;   // resources kept: no delete call for their type

  Value ToValue() const;
  static Result<CleanupPlan> FromValue(const Value& v);
  // The list and the proof, for --dry-run and the plan step's output.
  std::string Describe() const;
};

// The resource types cleanup deletes explicitly when their stack has
// retained them, and the item kind of each ("" for others).
std::string CleanupKindOf(const std::string& type);

// The plan, or kStepFailed naming the production id on the list, the
// production branch, or the missing clone evidence (untagged root stack or
// bucket, a clone env equal to the production env).
[[nodiscard]] Result<CleanupPlan> PlanCleanup(const CleanupFacts& facts);

// The orphaned copies named by a refactor's vacate outputs: `orphaned`
// (stack → {logical id: physical id}) and `original_templates` (stack →
// template body, giving each logical id's Type). Either may be null.
std::vector<CleanupResource> OrphanedCopies(const Value& orphaned, const Value& original_templates);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_CLEANUP_H_
