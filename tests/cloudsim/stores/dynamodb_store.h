// DynamoDB state of the simulated account (tables items backups).
//
// Thread-safety: none; the World's mutex guards every call.
#ifndef FLIGHTPLAN_TESTS_CLOUDSIM_STORES_DYNAMODB_STORE_H_
#define FLIGHTPLAN_TESTS_CLOUDSIM_STORES_DYNAMODB_STORE_H_

#include "engine/error.h"
#include "engine/value.h"

namespace flightplan::cloudsim {

class DynamoDbStore {
 public:
  Value Dump() const;
  Result<void> Load(const Value& state);
  void Reset();
};

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_TESTS_CLOUDSIM_STORES_DYNAMODB_STORE_H_
