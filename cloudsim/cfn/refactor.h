// Stack refactoring rules, as a pure function of the stacks involved: which
// resources a CreateStackRefactor moves (inferred — same logical id removed
// from one stack and added to another — or given by ResourceMappings), which
// stacks it creates, and why it must fail. The documented rules enforced:
//   - 2 to 5 stacks; each exists, or EnableStackCreation is set;
//   - no participating stack has a stack policy;
//   - refactoring moves resources only: nothing may appear that comes from
//     no stack, nothing may disappear without a destination, a moved
//     resource keeps its type, and Parameters/Conditions do not change;
//   - resource types CloudFormation refuses to move are refused;
//   - a new template refers to no resource it does not hold (a moved
//     resource still referenced from its source stack);
//   - no stack is left without resources.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_CLOUDSIM_CFN_REFACTOR_H_
#define FLIGHTPLAN_CLOUDSIM_CFN_REFACTOR_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/value.h"
#include "cloudsim/sim.h"

namespace flightplan::cloudsim {

struct RefactorStack {
  std::string name;
  bool exists = true;  // false: created by the refactor
  bool has_stack_policy = false;
  Value current_template;  // parsed; null when !exists
  Value new_template;      // parsed StackDefinition template
  // Current resources: logical id -> physical id / type.
  std::map<std::string, std::string> physical_ids;
  std::map<std::string, std::string> types;
};

struct ResourceMove {
  std::string source_stack;
  std::string source_logical_id;
  std::string destination_stack;
  std::string destination_logical_id;
  std::string physical_id;
  std::string type;
  bool manual = false;  // named by ResourceMappings (Detection MANUAL)
};

struct RefactorPlan {
  std::vector<ResourceMove> moves;
  std::vector<std::string> created_stacks;
  // The ListStackRefactorActions entries (StackRefactorAction shape).
  Value Actions() const;
};

// Request-level problems (too few stacks, a missing stack without
// EnableStackCreation, malformed mappings): ValidationError, the call fails.
// Rule violations: `failure_reason` is set and the refactor ends
// CREATE_FAILED with it as StatusReason, as CloudFormation reports them.
struct RefactorCheck {
  RefactorPlan plan;
  std::string failure_reason;
};
SimResult<RefactorCheck> PlanStackRefactor(const std::vector<RefactorStack>& stacks,
                                           const Value& resource_mappings,
                                           bool enable_stack_creation);

// Resource types stack refactoring refuses (CloudFormation User Guide).
bool RefactorRefusesType(std::string_view type);

// The logical ids a template value refers to: cfn::References (Ref,
// Fn::GetAtt, Fn::Sub variables; pseudo parameters excluded) plus DependsOn.
std::set<std::string> ReferencedNames(const Value& value);

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_CFN_REFACTOR_H_
