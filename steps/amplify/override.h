// Gen1 override.ts files: the `override(resources, amplifyProjectInfo)`
// function a project exports to change its category's CloudFormation
// resources. Gen2 has no such hook, but for auth (Cognito) and S3 storage
// the resources Gen1 passed are L1 constructs the Gen2 backend has too
// (CfnUserPool, CfnUserPoolClient, CfnIdentityPool, CfnBucket), so the
// function's body can run unchanged against them: generate carries it over
// verbatim into a clearly marked function in amplify/backend.ts and calls it
// with the Gen2 resources under Gen1's names. Anything else is reported as
// manual work.
//
// Thread-safety: pure functions (ReadOverride reads one file).
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_OVERRIDE_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_OVERRIDE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "steps/amplify/gen1_project.h"

namespace flightplan::amplify {

struct Gen1Override {
  std::vector<std::string> parameters;  // names only, types dropped
  std::string body;                     // between the function's braces
  // Imports of anything but the Gen1 extensibility helper: the body may
  // use names backend.ts does not have.
  bool has_other_imports = false;
};

// Extracts `export function override(...) { ... }` from TypeScript source,
// matching braces outside strings, template literals and comments.
// nullopt when there is no such function or the braces do not balance.
std::optional<Gen1Override> ParseOverride(std::string_view source);

// The resource's override.ts, parsed; nullopt without one or when it cannot
// be parsed.
std::optional<Gen1Override> ReadOverride(const Gen1Resource& resource);

// Whether generate carries the resource's override over (auth Cognito or S3
// storage, parseable, no other imports).
bool OverrideIsCarriedOver(const Gen1Resource& resource);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_OVERRIDE_H_
