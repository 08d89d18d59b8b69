// Writing items of a live table safely (private to steps/data/): an item's
// key, the condition "every attribute still as it was read", the answer
// DynamoDB gives when such a condition failed, an item as it is now, and
// creating an item only where its key is free.
#ifndef FLIGHTPLAN_STEPS_DATA_ITEM_WRITES_H_
#define FLIGHTPLAN_STEPS_DATA_ITEM_WRITES_H_

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "engine/step.h"
#include "steps/aws/aws_client.h"
#include "steps/data/data_target.h"

namespace flightplan::data {

// The item's key attributes (AttributeValues), named by `key_names`.
Value KeyOf(const Value& item, const std::vector<std::string>& key_names);

// Sets params' ConditionExpression to "every attribute equals `item`'s",
// adding its expression attribute names and values (#c0, :c0, ...) to
// `names` and `values`.
void AddUnchangedCondition(const Value& item, Value& params, Value& names, Value& values);

// The item under `key` in `table` as it is now (a strongly consistent
// GetItem; throttling slows it down: CallPatiently); nullopt when absent.
Result<std::optional<Value>> ReadItem(aws::AwsClient& client, const std::string& table,
                                      const Value& key, StepContext& ctx);

// DynamoDB refused a conditional write: the item was not as expected.
bool IsConditionFailure(const aws::AwsError& e);

// PutItem of `item` into t's table where no item has its key (throttling
// slows it down: CallPatiently). True when this call created it; false when
// an item held the key already — unless `maybe_ours` (a page in flight when
// a run was interrupted) or a send of it got no answer or a 5xx (it may have
// been applied), and the item there is exactly `item`, which was then
// created by the earlier send: true.
[[nodiscard]] Result<bool> PutIfAbsent(const ResolvedTable& t, const Value& item, bool maybe_ours,
                                       StepContext& ctx);

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_ITEM_WRITES_H_
