// How run, resume and rollback drive the executor, in one place: interrupt
// handlers installed, the global options applied, --dry-run printing the plan
// instead of acting, and a finished run reported the same way (its message on
// stdout and exit 0 when it ended as asked, else on stderr and exit 1).
#ifndef FLIGHTPLAN_CLI_RUN_DRIVER_H_
#define FLIGHTPLAN_CLI_RUN_DRIVER_H_

#include <string>

#include "cli/context.h"
#include "engine/executor.h"
#include "engine/observer.h"
#include "engine/workflow.h"

namespace flightplan::cli {

enum class Drive {
  kStart,     // `run`: start (or continue) the workflow's run on its target
  kResume,    // `resume`: continue `run` in the direction it was going
  kRollback,  // `rollback`, `run --rollback`: undo `run`'s succeeded steps
};

struct DriveRequest {
  Drive drive = Drive::kStart;
  RunId run = 0;                // kResume, kRollback
  std::string target_override;  // kStart: --target
  // kResume: kRollback when the run was rolling back (only the plan and its
  // wording depend on it; Resume itself knows from the journal).
  Direction direction = Direction::kForward;
  AcceptDefinitionChange accept_definition_change = AcceptDefinitionChange::kNo;
  // kStart: stop before this step (ExecutorOptions::stop_before); a run that
  // stopped there ended as asked.
  std::string stop_before;
};

// Runs `request` against the journal ctx opened, or with --dry-run prints
// what it would do. Returns the process exit code; errors are reported on
// the console.
int DriveRun(Context& ctx, const Workflow& workflow, const ParamInput& params,
             const DriveRequest& request);

// Undoes `run` under the definition it pinned (what ran is what is undone).
int RollBackRun(Context& ctx, const RunRecord& run, const ParamInput& params);

}  // namespace flightplan::cli

#endif  // FLIGHTPLAN_CLI_RUN_DRIVER_H_
