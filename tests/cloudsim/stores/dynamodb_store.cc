#include "tests/cloudsim/stores/dynamodb_store.h"

namespace flightplan::cloudsim {

Value DynamoDbStore::Dump() const { return Value(ValueMap{}); }

Result<void> DynamoDbStore::Load(const Value& state) {
  (void)state;
  return {};
}

void DynamoDbStore::Reset() {}

}  // namespace flightplan::cloudsim
