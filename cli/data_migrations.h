// Data migration files (docs/data-migrations.md): workflows in a folder
// (default migrations/), one per file named <UTC timestamp>-<name>.yaml,
// applied in file-name order, each at most once per target
// app/<app-id>/branch/<branch>.
//
// A migration's run is the workflow "data/<timestamp>-<name>" on that target;
// its definition's SHA-256 (pinned by the run) is the migration's checksum.
// The file declares only its steps: AsDataMigration adds the parameters every
// migration takes (app_id, branch, region, profile) and the target.
#ifndef FLIGHTPLAN_CLI_DATA_MIGRATIONS_H_
#define FLIGHTPLAN_CLI_DATA_MIGRATIONS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "engine/journal.h"
#include "engine/workflow.h"

namespace flightplan::cli {

inline constexpr std::string_view kDataRunPrefix = "data/";
inline constexpr std::string_view kDataTarget = "app/${params.app_id}/branch/${params.branch}";

struct MigrationFile {
  std::string path;
  std::string stem;  // "20261204T120000Z-add-completed"
  std::string name;  // "add-completed"
  std::string run_workflow() const { return std::string(kDataRunPrefix) + stem; }
};

// The migration files in `dir`, in the order they apply. Files whose names
// do not follow the pattern are returned in `ignored` (status names them).
// kNotFound when `dir` does not exist.
struct MigrationFolder {
  std::vector<MigrationFile> files;
  std::vector<std::string> ignored;
};
[[nodiscard]] Result<MigrationFolder> ListMigrations(const std::string& dir);

// The migration `wanted` names: the file whose stem it is, else the one file
// of that name. kNotFound when none is; kInvalidInput when several files
// share the name (each named: give the stem).
[[nodiscard]] Result<MigrationFile> FindMigration(const MigrationFolder& folder,
                                                  const std::string& wanted,
                                                  const std::string& dir);

// The file name `data new` writes for `name` at `now` (UTC, seconds).
// kInvalidInput for a name that is not lower-case letters, digits and dashes.
[[nodiscard]] Result<std::string> NewMigrationFileName(std::string_view name, Timestamp now);
// The starting text of a new migration.
std::string NewMigrationText(std::string_view name);

// Makes a loaded migration workflow the run `data migrate` starts: its name
// becomes "data/<stem>", its target kDataTarget, and the common parameters
// are declared. kInvalidInput when the file's `name:` is not the one its file
// name carries.
[[nodiscard]] Result<void> AsDataMigration(Workflow& workflow, const MigrationFile& file);

// Whether a run is a data migration's, and its stem.
std::optional<std::string> DataMigrationStem(const RunRecord& run);

// Where a migration stands on a target.
enum class MigrationState {
  kPending,     // never run, or rolled back
  kApplied,     // succeeded, with the file's current checksum
  kChanged,     // succeeded, but the file was edited since
  kInProgress,  // a run that has not finished (interrupted, failed): migrate resumes it
  // A rollback that has not finished (interrupted, declined, failed): `data
  // rollback` continues it; `data migrate` stops at it.
  kRollingBack,
};
std::string_view MigrationStateName(MigrationState state);

struct MigrationStatus {
  MigrationFile file;
  std::string sha256;  // of the file as it is now
  MigrationState state = MigrationState::kPending;
  std::optional<RunRecord> run;  // the latest run on the target
};

}  // namespace flightplan::cli

#endif  // FLIGHTPLAN_CLI_DATA_MIGRATIONS_H_
