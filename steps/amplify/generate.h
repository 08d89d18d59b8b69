// The Gen2 code generator: a pure function from a Gen1Project to the files of
// a Gen2 project (relative path -> bytes); write_files.h puts them on disk.
// Same input, same bytes: maps are ordered, nothing depends on time, the
// environment or the machine. The category writers live in
// steps/amplify/gen/ (gen/generator_state.h).
//
// One code base serves both refactor states: amplify/migration.json holds
// the phase ("pre-refactor" | "post-refactor") and the Gen1 physical names;
// backend.ts reads it, and post-refactor names every moved stateful resource
// exactly as deployed (names, keys, Retain). The refactor workflow flips the
// phase; the generated code does not change.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_GENERATE_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_GENERATE_H_

#include <map>
#include <string>
#include <string_view>

#include "base/error.h"
#include "steps/amplify/gen1_project.h"

namespace flightplan::amplify {

enum class RefactorPhase { kPreRefactor, kPostRefactor };
std::string_view RefactorPhaseName(RefactorPhase phase);

struct GenerateOptions {
  RefactorPhase phase = RefactorPhase::kPreRefactor;
  // The Gen2 branch that adopts the Gen1 model tables; empty: the Gen1 env.
  std::string branch_name;
};

// Relative path ("amplify/backend.ts") -> file content.
using GeneratedFiles = std::map<std::string, std::string>;

// Generates the Gen2 project. Errors: kInvalidInput when the project cannot
// be expressed (e.g. a resource name that collides after conversion to a
// TypeScript identifier); never for unsupported resources, which become L1
// CDK code and are listed by PlanMigration.
[[nodiscard]] Result<GeneratedFiles> GenerateGen2(const Gen1Project& project,
                                                  const GenerateOptions& options);

// The pinned Gen2 toolchain versions (docs/generate.md), package -> version.
const std::map<std::string, std::string>& PinnedToolchain();

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_GENERATE_H_
