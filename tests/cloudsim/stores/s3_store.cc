#include "tests/cloudsim/stores/s3_store.h"

namespace flightplan::cloudsim {

Value S3Store::Dump() const { return Value(ValueMap{}); }

Result<void> S3Store::Load(const Value& state) {
  (void)state;
  return {};
}

void S3Store::Reset() {}

}  // namespace flightplan::cloudsim
