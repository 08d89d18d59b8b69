// Puts generated files (GenerateGen2, generate.h) on disk. The one part of
// generation that touches the file system, kept apart so the generator stays
// a pure function.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_WRITE_FILES_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_WRITE_FILES_H_

#include <filesystem>

#include "base/error.h"
#include "steps/amplify/generate.h"

namespace flightplan::amplify {

enum class Overwrite { kNo, kYes };

// Writes `files` under `out_dir`, creating it. Refuses (kConflict) a
// non-empty `out_dir` unless `overwrite` is kYes; then only the generated
// files are replaced. Errors name the path that failed.
[[nodiscard]] Result<void> WriteGeneratedFiles(const GeneratedFiles& files,
                                               const std::filesystem::path& out_dir,
                                               Overwrite overwrite);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_WRITE_FILES_H_
