#include "tests/cloudsim/seed.h"

namespace flightplan::cloudsim {

Result<Value> SeedFixture(World& world, const std::filesystem::path& app_dir) {
  (void)world;
  return MakeError(ErrorCode::kInternal,
                   "seeding " + app_dir.string() + " is not built yet");
}

}  // namespace flightplan::cloudsim
