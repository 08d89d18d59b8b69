// What the refactor steps after the plan share (private to steps/migration/):
// their inputs (the environment, the journaled plan, the Gen1 deployment
// bucket), a stack's deployed facts for the template transforms, the
// ground truth of where each moved resource is, and the change-set vets
// that decide whether an update may run.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_SUPPORT_H_
#define FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_SUPPORT_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "engine/step.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/cloudformation.h"
#include "steps/migration/refactor_plan.h"
#include "steps/migration/refactor_templates.h"
#include "steps/migration/step_support.h"

namespace flightplan::migration {

struct RefactorInputs {
  EnvInputs env;
  RefactorPlan plan;
  std::string deployment_bucket;
};

// EnvFields plus `plan` (the plan step's output) and `deployment_bucket`.
std::vector<FieldSpec> RefactorRunFields();
[[nodiscard]] Result<RefactorInputs> ReadRefactorInputs(const Value& inputs);

// GetTemplate (original), DescribeStacks and ListStackResources of `stack`.
[[nodiscard]] Result<DeployedStack> LoadDeployedStack(aws::CloudFormationClient& cfn,
                                                      const std::string& stack,
                                                      const std::string& region);

// Logical id -> physical id of the resources `stack` holds now.
[[nodiscard]] Result<std::map<std::string, std::string>> PhysicalIds(aws::CloudFormationClient& cfn,
                                                                     const std::string& stack);

// Where a move's resource is now, by the stacks' own resource lists: the
// source stack lists it under its source id (at source), else the
// destination stack lists its physical id under the destination id (at
// destination). Not by DescribeStackResources(PhysicalResourceId): a user
// pool group's physical id is its name, which Gen2's own group shares.
enum class Whereabouts { kAtSource, kAtDestination, kNeither };

// Resource listings of stacks, read once per step call.
class StackListings {
 public:
  explicit StackListings(aws::CloudFormationClient& cfn) : cfn_(cfn) {}
  [[nodiscard]] Result<const std::map<std::string, std::string>*> Of(const std::string& stack);
  [[nodiscard]] Result<Whereabouts> Locate(const RefactorMove& move);
  void Forget() { cache_.clear(); }

 private:
  aws::CloudFormationClient& cfn_;
  std::map<std::string, std::map<std::string, std::string>> cache_;
};

// The moves grouped by one of their stacks, in plan order.
std::map<std::string, std::vector<const RefactorMove*>> MovesBySource(const RefactorPlan& plan);
std::map<std::string, std::vector<const RefactorMove*>> MovesByDestination(
    const RefactorPlan& plan);

// Change-set vets (kStepFailed naming the resource and what it would do):
//   no resource is added, modified, removed or replaced;
Result<void> VetNoResourceChange(const Value& change_set, const std::string& label);
//   only `ids` are removed (nothing added, modified or replaced);
Result<void> VetOnlyRemovals(const Value& change_set, const std::set<std::string>& ids,
                             const std::string& label);
//   nothing is removed or replaced except resources of `recreatable` types,
//   and none of `kept` at all (modifications without replacement are fine).
Result<void> VetNothingStatefulLost(const Value& change_set, const std::set<std::string>& kept,
                                    const std::set<std::string>& recreatable,
                                    const std::string& label);

// Resource types that hold no data of their own and that re-linking a
// moved resource may recreate: the children of a moved user pool or
// identity pool (app clients, domains, identity providers, role
// attachments), which Gen2 recreates against the moved pool, and the Lambda
// permissions whose SourceArn names a moved pool or bucket (CloudFormation
// creates the new permission before it deletes the old one).
const std::set<std::string>& RecreatableTypes();

// A deterministic change set name for this run, step and stack.
std::string RefactorChangeSetName(const StepContext& ctx, const std::string& stack,
                                  const std::string& what);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_SUPPORT_H_
