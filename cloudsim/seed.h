// Seeding the account from a fixture app (tests/data/fixtures/
// amplify-migration-apps/<app>): every stack of pre.refactor/ created from
// its template and parameters with nested stacks linked to their parents, the
// Gen1 deployment bucket with #current-cloud-backend.zip and the category
// templates, the Amplify app with its backend environment and branches, and
// a few items/users in each stateful resource so loss or duplication shows.
//
// Thread-safety: the caller holds the World's mutex.
#ifndef FLIGHTPLAN_CLOUDSIM_SEED_H_
#define FLIGHTPLAN_CLOUDSIM_SEED_H_

#include <filesystem>
#include <string>

#include "base/error.h"
#include "base/value.h"
#include "cloudsim/world.h"

namespace flightplan::cloudsim {

// Returns a summary ({"stacks": [...], "buckets": [...], "tables": [...],
// "app_id": ...}). Errors: kNotFound for a directory that is not a fixture
// app; kInvalidInput naming the file for a template that does not load.
Result<Value> SeedFixture(World& world, const std::filesystem::path& app_dir);

// The zip of a directory tree (regular files, by relative path), entries
// sorted and dated 1980-01-01 so the bytes are the same on every run.
// Errors: kStateFile when the temporary zip cannot be written.
Result<std::string> ZipDirectory(const std::filesystem::path& dir);

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_SEED_H_
