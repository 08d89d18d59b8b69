#include "tests/cloudsim/stores/cognito_store.h"

namespace flightplan::cloudsim {

Value CognitoStore::Dump() const { return Value(ValueMap{}); }

Result<void> CognitoStore::Load(const Value& state) {
  (void)state;
  return {};
}

void CognitoStore::Reset() {}

}  // namespace flightplan::cloudsim
