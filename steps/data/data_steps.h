// The data-migration step types (docs/data-migrations.md): steps that change
// the items of a live DynamoDB table, journaled per batch.
//   dynamodb.transform  every item of a table through a jq program or a command
//   dynamodb.put        the items a command produces, created where absent
//   dynamodb.backup     an on-demand backup of a table, once per run
//   dynamodb.restore    a table's items put back as a backup holds them
//   dynamodb.export     a point-in-time export to S3, before a deploy replaces a table
//   dynamodb.import     an export's items into the table that replaced it
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

// What the operator limits for one invocation (`flightplan data migrate
// --max-write-rate`, `--sample`). Not part of a migration's definition nor of
// its journaled run: a migration resumed later may run under other limits.
struct DataLimits {
  double max_write_rate = 0;  // item writes per second over all segments; 0: no limit
  int64_t sample = 0;         // a dry run transforms only the first N items; 0: all
};

// Registers the data steps. `clients`, the factory and `limits` must outlive
// the registry; `limits` is read when a step runs (null: no limits).
void RegisterDataSteps(StepRegistry& registry, aws::ClientPool& clients,
                       TransportFactory transports, const DataLimits* limits = nullptr);

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_DATA_STEPS_H_
