// The data-migration step types (docs/data-migrations.md): steps that change
// the items of a live DynamoDB table, journaled per batch.
//   dynamodb.transform  every item of a table through a jq program
#ifndef FLIGHTPLAN_STEPS_DATA_DATA_STEPS_H_
#define FLIGHTPLAN_STEPS_DATA_DATA_STEPS_H_

#include <functional>
#include <memory>

#include "base/http_transport.h"
#include "engine/step.h"
#include "steps/aws/client_pool.h"

namespace flightplan::data {

// A new connection, for a step's parallel workers (one transport serialises
// its calls). Called from the step's thread; the transports are the
// caller's to drop when the step returns.
using TransportFactory = std::function<std::unique_ptr<HttpTransport>()>;

// Registers the data steps. `clients` and the factory must outlive the
// registry.
void RegisterDataSteps(StepRegistry& registry, aws::ClientPool& clients,
                       TransportFactory transports);

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_DATA_STEPS_H_
