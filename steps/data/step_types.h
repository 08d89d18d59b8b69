// The data step types other than dynamodb.transform, made for
// RegisterDataSteps (private to steps/data/).
#ifndef FLIGHTPLAN_STEPS_DATA_STEP_TYPES_H_
#define FLIGHTPLAN_STEPS_DATA_STEP_TYPES_H_

#include <memory>

#include "engine/step.h"
#include "steps/aws/client_pool.h"
#include "steps/data/data_steps.h"

namespace flightplan::data {

// dynamodb.backup (backup_step.cc).
std::unique_ptr<StepType> MakeBackupStep(aws::ClientPool& clients);
// dynamodb.restore (restore_step.cc).
std::unique_ptr<StepType> MakeRestoreStep(aws::ClientPool& clients);
// dynamodb.export (export_step.cc).
std::unique_ptr<StepType> MakeExportStep(aws::ClientPool& clients);
// dynamodb.import (import_step.cc); `limits` as for RegisterDataSteps.
std::unique_ptr<StepType> MakeImportStep(aws::ClientPool& clients, const DataLimits* limits);
// dynamodb.put (put_step.cc); `limits` as for RegisterDataSteps.
std::unique_ptr<StepType> MakePutStep(aws::ClientPool& clients, const DataLimits* limits);

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_STEP_TYPES_H_
