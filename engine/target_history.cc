#include "engine/target_history.h"

#include <algorithm>

#include "base/value.h"

namespace flightplan {

Result<RunId> LastClosingRun(Journal& journal, const std::string& target) {
  ASSIGN_OR_RETURN(std::vector<RunRecord> runs, journal.ListRuns("", target));
  for (const RunRecord& run : runs) {  // newest first: the first closing run is the last
    if (run.state != RunState::kSucceeded) continue;
    ASSIGN_OR_RETURN(std::vector<EventRecord> events,
                     journal.ListEvents(EventFilter{run.id, {}, 0, 0}));
    for (const EventRecord& e : events) {
      if (e.kind != "run.succeeded") continue;
      Result<Value> detail = Value::FromJson(e.detail_json);
      const Value* closes = detail ? detail->Find(kClosesTargetKey) : nullptr;
      if (closes != nullptr && closes->is_bool() && closes->as_bool()) return run.id;
    }
  }
  return RunId{0};
}

Result<std::vector<RunRecord>> CurrentRuns(Journal& journal, const std::string& workflow,
                                           const std::string& target) {
  ASSIGN_OR_RETURN(RunId closed_through, LastClosingRun(journal, target));
  ASSIGN_OR_RETURN(std::vector<RunRecord> runs, journal.ListRuns(workflow, target));
  runs.erase(std::remove_if(runs.begin(), runs.end(),
                            [&](const RunRecord& r) { return r.id <= closed_through; }),
             runs.end());
  return runs;
}

}  // namespace flightplan
