// Facts of CloudFormation stack refactoring that both flightplan (which
// validates a refactor before it starts) and the simulator (which enforces
// it) need: the resource types it refuses to move.
//
// Thread-safety: pure functions over constant data.
#ifndef FLIGHTPLAN_STEPS_AWS_WIRE_REFACTOR_TYPES_H_
#define FLIGHTPLAN_STEPS_AWS_WIRE_REFACTOR_TYPES_H_

#include <string_view>

namespace flightplan::aws {

// True for the resource types the CloudFormation User Guide lists as not
// supported by stack refactoring.
bool StackRefactorRefusesType(std::string_view type);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_WIRE_REFACTOR_TYPES_H_
