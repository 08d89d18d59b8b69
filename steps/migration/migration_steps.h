// The cloud-side migration step types (docs/workflow-reference.md,
// "Migration step types"), registered by name:
//   migration.discover          read the environment; outputs what was found
//   migration.check-stack-status  validation: the root stack is deployable
//   migration.check-cli-version   validation: deployed by the latest Gen1 CLI major
//   migration.lock-templates    Retain + deletion protection on stateful resources
//   migration.lock-policy       append lock's deny statement to the root stack policy
// (and the types of drift_step.h and backup_step.h).
#ifndef FLIGHTPLAN_STEPS_MIGRATION_MIGRATION_STEPS_H_
#define FLIGHTPLAN_STEPS_MIGRATION_MIGRATION_STEPS_H_

#include "engine/step.h"
#include "steps/aws/client_pool.h"

namespace flightplan::migration {

// `clients` is borrowed and must outlive the registry.
void RegisterMigrationSteps(StepRegistry& registry, aws::ClientPool& clients);

// The newest major version of the Gen1 CLI; lock refuses older ones.
inline constexpr int kLatestGen1CliMajor = 14;

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_MIGRATION_STEPS_H_
