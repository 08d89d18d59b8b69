#include "tests/cloudsim/stores/amplify_store.h"

namespace flightplan::cloudsim {

Value AmplifyStore::Dump() const { return Value(ValueMap{}); }

Result<void> AmplifyStore::Load(const Value& state) {
  (void)state;
  return {};
}

void AmplifyStore::Reset() {}

}  // namespace flightplan::cloudsim
