#include "tests/cloudsim/stores/cfn_store.h"

namespace flightplan::cloudsim {

Value CfnStore::Dump() const { return Value(ValueMap{}); }

Result<void> CfnStore::Load(const Value& state) {
  (void)state;
  return {};
}

void CfnStore::Reset() {}

}  // namespace flightplan::cloudsim
