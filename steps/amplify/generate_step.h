// The `amplify.generate` workflow step: turns a Gen1 project into its Gen2
// backend in place, for the migration (workflows/generate.yaml).
//
// It replaces three things in the project root: `amplify/` (Gen1's folder
// becomes the generated Gen2 one), `package.json` (the Gen2 toolchain is
// merged into the app's own, which otherwise stays as it was) and
// `.gitignore` (Gen2's build folders are added). The Gen1 tree is kept in a
// snapshot under the backup folder (tree_snapshot.h) and in git history.
//
//   Prepare   refuses uncommitted changes to those paths (unless `force`) and
//             a project of another app or environment; generates in memory,
//             so a project that cannot be generated fails before any
//             change; then snapshots the three paths to
//             <backup_dir>/<run>/<step>/.
//   Execute   generates again from the snapshot — never from the working
//             tree, which a crash may have left half-replaced — and swaps
//             the results in; on failure puts the snapshot back.
//   Check     done when the paths hold what Execute writes; not done when
//             each holds either that or its snapshot; unknown otherwise.
//   Rollback  saves what the paths hold now (the Gen2 code with any edits
//             made since) beside the snapshot, then restores the snapshot
//             exactly (bytes, modes, times, links).
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_GENERATE_STEP_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_GENERATE_STEP_H_

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "engine/step.h"

namespace flightplan::amplify {

// Adds the Amplify step types (`amplify.generate`) to `registry`.
void RegisterAmplifySteps(StepRegistry& registry);

// The project-root entries `amplify.generate` replaces.
const std::vector<std::string>& GenerateReplacedPaths();

// The app's package.json with the generated one's dependencies and
// devDependencies added (a pinned version replaces the app's); every other
// field and the order of the app's fields stay. Without an app package.json
// the generated one is used as is. Errors: kInvalidInput when the app's
// package.json is not a JSON object (naming what is wrong).
[[nodiscard]] Result<std::string> MergePackageJson(const std::optional<std::string>& existing,
                                                   const std::string& generated);

// The app's .gitignore with the entries a Gen2 project needs that it lacks
// (.amplify, amplify_outputs*, node_modules), appended under a comment.
std::string MergeGitignore(const std::optional<std::string>& existing);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_GENERATE_STEP_H_
