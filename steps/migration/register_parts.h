// Registration functions of the step families in steps/migration/ (private;
// RegisterMigrationSteps in migration_steps.h calls them all).
#ifndef FLIGHTPLAN_STEPS_MIGRATION_REGISTER_PARTS_H_
#define FLIGHTPLAN_STEPS_MIGRATION_REGISTER_PARTS_H_

#include "engine/step.h"
#include "steps/aws/client_pool.h"

namespace flightplan::migration {

void RegisterLockSteps(StepRegistry& registry, aws::ClientPool& clients);
void RegisterDriftSteps(StepRegistry& registry, aws::ClientPool& clients);
void RegisterBackupSteps(StepRegistry& registry, aws::ClientPool& clients);
void RegisterRefactorSteps(StepRegistry& registry, aws::ClientPool& clients);
void RegisterRefactorMoveSteps(StepRegistry& registry, aws::ClientPool& clients);
void RegisterShiftSteps(StepRegistry& registry, aws::ClientPool& clients);
void RegisterDecommissionSteps(StepRegistry& registry, aws::ClientPool& clients);
void RegisterCleanupSteps(StepRegistry& registry, aws::ClientPool& clients);
void RegisterCloneSteps(StepRegistry& registry, aws::ClientPool& clients);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_REGISTER_PARTS_H_
