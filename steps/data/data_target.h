// What every data-migration step shares (private to steps/data/): the table
// it works on — given by name, or by model, resolved through the branch's
// backend stack — and the AWS client for the target's account and region.
//
// The target's app id, branch, region and profile come from the step's own
// inputs, else from the run's parameters of the same names (`flightplan data
// migrate` sets them), so a migration file names only its model.
#ifndef FLIGHTPLAN_STEPS_DATA_DATA_TARGET_H_
#define FLIGHTPLAN_STEPS_DATA_DATA_TARGET_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "engine/step.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/client_pool.h"

namespace flightplan::data {

struct DataTarget {
  std::string app_id;
  std::string branch;
  std::string region;   // "" → the AWS CLI's default
  std::string profile;  // "" → the AWS CLI's default
  std::string table;    // given as `table:`
  std::string model;    // given as `model:`
};

// table, model, app_id, branch, region, profile (all optional strings).
std::vector<FieldSpec> DataTargetFields();
// kInvalidInput unless exactly one of table and model is given, and, for a
// model, an app id and branch are known.
[[nodiscard]] Result<DataTarget> ReadDataTarget(const Value& inputs, const StepContext& ctx);

// The table's name: `table` as given, or the model's table in the branch's
// backend stack (Amplify GetBranch, then the stack and its nested stacks: the
// DynamoDB table resource whose name is "<Model>-…"). kNotFound naming what
// was searched; kInvalidInput when several tables match.
[[nodiscard]] Result<std::string> ResolveTable(aws::AwsClient& client, Clock& clock,
                                               const DataTarget& target);

// What DescribeTable says of a table that a data step needs: its key
// attribute names (partition key first) and DynamoDB's item-count estimate
// (updated about every six hours). kStepFailed when it names no key.
struct TableShape {
  std::vector<std::string> key_names;
  int64_t item_count = 0;
};
[[nodiscard]] Result<TableShape> DescribeTableShape(aws::AwsClient& client,
                                                    const std::string& table);

// A data step's table, resolved: the client for the target's account and
// region (from `clients`), the table's name (ResolveTable) and its key
// attribute names (DescribeTableShape).
struct ResolvedTable {
  aws::AwsClient* client = nullptr;
  std::string table;
  std::vector<std::string> key_names;
};
[[nodiscard]] Result<ResolvedTable> ResolveDataTable(aws::ClientPool& clients, const Value& inputs,
                                                     StepContext& ctx);

// A resolved table recorded in a step's prepared value ("table", "keys"),
// and read back with the client for the target's account and region; the
// latter is kInternal naming `step` when the journaled plan lacks them.
void SetPreparedTable(Value& prepared, const ResolvedTable& t);
[[nodiscard]] Result<ResolvedTable> PreparedTable(aws::ClientPool& clients, const Value& inputs,
                                                  StepContext& ctx, std::string_view step);

// A DynamoDB call that throttling slows down instead of failing: past the
// AWS client's own retries, a throttled call (or one refused with
// TransactionConflictException: the item is in another transaction) is tried
// again after growing pauses (0.2 s doubling to 10 s, jittered; over a minute
// in all), unless the step is being stopped. An error's `unanswered` counts
// the sends of every round that may have been applied (no answer, or 5xx).
[[nodiscard]] aws::AwsResult CallPatiently(aws::AwsClient& client, std::string_view operation,
                                           const Value& params, StepContext& ctx);

// "table Todo-abc-NONE" or "model Todo of app d1 branch main".
std::string DescribeTarget(const Value& inputs);

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_DATA_TARGET_H_
