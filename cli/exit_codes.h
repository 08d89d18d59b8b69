// Process exit codes, documented in docs/cli.md. Scripts branch on them, so
// they never change meaning.
#ifndef FLIGHTPLAN_CLI_EXIT_CODES_H_
#define FLIGHTPLAN_CLI_EXIT_CODES_H_

#include "base/error.h"

namespace flightplan::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitStepFailed = 1,         // a step (or a rollback) failed; also a chain that does not verify
  kExitDriftFound = 1,         // `drift`: the environment has drifted
  kExitUsage = 2,              // bad arguments or an invalid workflow definition
  kExitLeaseHeld = 3,          // another operator holds the lease, or ours was taken over
  kExitOrdering = 4,           // requirements not met, or dependents still applied
  kExitStateFile = 5,          // the state file is corrupt, foreign, newer, or unusable
  kExitInDoubt = 6,            // a step's effect is unknown: run `flightplan resolve`
  kExitNeedsConfirmation = 7,  // confirmation required and not given (use a TTY or --yes)
  // `drift`: 1 (kExitDriftFound) is drift found; this is a check that could
  // not complete, so the environment is not known to be clean.
  kExitDriftIncomplete = 8,
  // `decommission`: the environment was deleted and a stateful resource it
  // listed before is gone or holds less data (its verify step failed).
  kExitDataMissing = 9,
  // `schema diff`: the new schema has breaking changes (existing items or
  // the clients that read them stop working until a data migration follows).
  kExitBreakingChange = 1,
  // `schema diff`: a change deletes stored items (a model removed, a primary
  // key changed) and --accept-dangerous was not given.
  kExitDangerousChange = 10,
  kExitInterrupted = 130,  // stopped by SIGINT/SIGTERM; resume continues
};

// The exit code that reports an error of this kind.
int ExitCodeFor(const Error& error);

}  // namespace flightplan::cli

#endif  // FLIGHTPLAN_CLI_EXIT_CODES_H_
