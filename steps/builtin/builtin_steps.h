// The built-in step types (docs/workflow-reference.md lists their inputs and
// outputs):
//   exec         run a program (argv, no shell); optional `check` argv decides
//                after a crash whether its effect happened (exit 0 done, 1 not
//                done, other unknown)
//   assert       fail unless an expression holds
//   confirm      ask the operator (or accept --yes), journaled with who agreed
//   wait         sleep a duration, or poll a command until an expression holds
//   file.write   write a file atomically; rollback restores the previous
//                content and mode exactly (or removes a file that was new)
//   file.remove  remove a file; rollback puts it back exactly
//   echo         print a message
#ifndef FLIGHTPLAN_STEPS_BUILTIN_BUILTIN_STEPS_H_
#define FLIGHTPLAN_STEPS_BUILTIN_BUILTIN_STEPS_H_

#include "engine/step.h"

namespace flightplan {

// Adds every built-in step type to `registry`.
void RegisterBuiltinSteps(StepRegistry& registry);

}  // namespace flightplan

#endif  // FLIGHTPLAN_STEPS_BUILTIN_BUILTIN_STEPS_H_
