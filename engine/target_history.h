// Which runs of a target still count.
//
// A workflow declared `closes_target: true` (cleanup) ends its target's
// history when a run of it succeeds; its `run.succeeded` event records
// {"closes_target": true}. The runs up to and including that run are done
// with: a later start on the target begins afresh (not "already
// completed"), `requires` looks only at later runs, and no earlier run can
// be resumed or rolled back. The journal keeps them all for the audit.

#ifndef FLIGHTPLAN_ENGINE_TARGET_HISTORY_H_
#define FLIGHTPLAN_ENGINE_TARGET_HISTORY_H_

#include <string>
#include <vector>

#include "base/error.h"
#include "engine/journal.h"

namespace flightplan {

// The detail of a `run.succeeded` event that closes its target.
inline constexpr const char* kClosesTargetKey = "closes_target";

// The id of the newest succeeded run that closed `target`; 0 when none did.
Result<RunId> LastClosingRun(Journal& journal, const std::string& target);

// Journal::ListRuns(workflow, target) without the runs the target's last
// close ended: newest first, ids above LastClosingRun(target). `workflow`
// may be empty (every workflow); `target` may not.
Result<std::vector<RunRecord>> CurrentRuns(Journal& journal, const std::string& workflow,
                                           const std::string& target);

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_TARGET_HISTORY_H_
