// Writing items of a live table safely (private to steps/data/): an item's
// key, the condition "every attribute still as it was read", and the answer
// DynamoDB gives when such a condition failed.
#ifndef FLIGHTPLAN_STEPS_DATA_ITEM_WRITES_H_
#define FLIGHTPLAN_STEPS_DATA_ITEM_WRITES_H_

#include <string>
#include <vector>

#include "base/value.h"
#include "steps/aws/aws_client.h"

namespace flightplan::data {

// The item's key attributes (AttributeValues), named by `key_names`.
Value KeyOf(const Value& item, const std::vector<std::string>& key_names);

// Sets params' ConditionExpression to "every attribute equals `item`'s",
// adding its expression attribute names and values (#c0, :c0, ...) to
// `names` and `values`.
void AddUnchangedCondition(const Value& item, Value& params, Value& names, Value& values);

// DynamoDB refused a conditional write: the item was not as expected.
bool IsConditionFailure(const aws::AwsError& e);

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_ITEM_WRITES_H_
