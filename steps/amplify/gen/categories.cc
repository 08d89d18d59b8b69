// The table of category writers (generator_state.h says how to add one).
#include <array>

#include "steps/amplify/gen/generator_state.h"

namespace flightplan::amplify::gen {
namespace {

// Hosting is not generated (the plan reports it); claiming it keeps it out
// of the L1 copies.
bool ClaimsHosting(const Gen1Resource& resource) { return resource.category == "hosting"; }

}  // namespace

const CategoryWriter kHostingWriter = {
    .name = "hosting", .claims = ClaimsHosting, .write_files = nullptr, .write_backend = nullptr};

std::span<const CategoryWriter* const> CategoryWriters() {
  // The order of backend.ts. kL1CopyWriter stays last: it takes what no
  // other writer claims.
  static constexpr std::array kWriters = {
      &kAuthWriter,      // gen/auth.cc
      &kDataWriter,      // gen/data.cc
      &kStorageWriter,   // gen/storage.cc
      &kFunctionWriter,  // gen/function.cc
      &kHostingWriter,   // above
      &kL1CopyWriter,    // gen/l1_copy.cc
  };
  return kWriters;
}

bool IsClaimed(const Gen1Resource& resource) {
  for (const CategoryWriter* writer : CategoryWriters()) {
    if (writer->claims && writer->claims(resource)) return true;
  }
  return false;
}

}  // namespace flightplan::amplify::gen
