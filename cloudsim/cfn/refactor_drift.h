// CloudFormation's stack refactoring and drift detection operations, on the
// stack model of stores/cfn_store.h and the rules of cfn/refactor.h and
// cfn/drift.h:
//   CreateStackRefactor, DescribeStackRefactor, ExecuteStackRefactor,
//   ListStackRefactors, ListStackRefactorActions,
//   DetectStackDrift, DescribeStackDriftDetectionStatus,
//   DescribeStackResourceDrifts, DetectStackResourceDrift.
//
// Executing a refactor moves each resource's StackResource entry from its
// source stack to its destination (same physical resource, same data),
// installs the new templates and re-evaluates properties and outputs. With
// the fail_refactor fault it rolls back instead (ROLLBACK_COMPLETE, nothing
// moved), or with {"options": {"rollback_fails": true}} ends ROLLBACK_FAILED
// with only the first move applied; stacks the refactor was to create are
// left in REVIEW_IN_PROGRESS either way, as CloudFormation leaves them. A
// stack changed after the refactor was created makes it OBSOLETE.
//
// Thread-safety: the caller holds the World's mutex.
#ifndef FLIGHTPLAN_CLOUDSIM_CFN_REFACTOR_DRIFT_H_
#define FLIGHTPLAN_CLOUDSIM_CFN_REFACTOR_DRIFT_H_

#include <string_view>

#include "base/error.h"
#include "base/value.h"
#include "cloudsim/sim.h"
#include "cloudsim/world.h"

namespace flightplan::cloudsim::cfn {

bool IsRefactorOrDriftAction(std::string_view action);

// Runs one of the actions above with its Query parameters; returns the
// operation's result (the <ActionResult> content).
SimResult<Value> RunRefactorOrDriftAction(World& world, std::string_view action,
                                          const Value& params);

// Makes due refactor statuses visible (called from the service's Tick).
void RevealDueRefactors(World& world);

// Out-of-band changes to a resource CloudFormation manages (/_sim/mutate):
//   {"action": "set_resource_property", "PhysicalResourceId": ..., "Property": "BillingMode",
//   "Value": ...}
//   {"action": "remove_resource_property", "PhysicalResourceId": ..., "Property": ...}
//   {"action": "delete_physical_resource", "PhysicalResourceId": ...}
// (or "StackName" + "LogicalResourceId" instead of PhysicalResourceId). The
// first two change what drift detection sees; the last deletes the table,
// bucket or user pool itself, with its data, behind CloudFormation's back.
Result<Value> MutateManagedResource(World& world, const Value& command);

}  // namespace flightplan::cloudsim::cfn

#endif  // FLIGHTPLAN_CLOUDSIM_CFN_REFACTOR_DRIFT_H_
