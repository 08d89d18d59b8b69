// CloudFormation state of the simulated account (stacks change sets exports refactors drift).
//
// Thread-safety: none; the World's mutex guards every call.
#ifndef FLIGHTPLAN_TESTS_CLOUDSIM_STORES_CFN_STORE_H_
#define FLIGHTPLAN_TESTS_CLOUDSIM_STORES_CFN_STORE_H_

#include "engine/error.h"
#include "engine/value.h"

namespace flightplan::cloudsim {

class CfnStore {
 public:
  Value Dump() const;
  Result<void> Load(const Value& state);
  void Reset();
};

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_TESTS_CLOUDSIM_STORES_CFN_STORE_H_
