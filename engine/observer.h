// What the executor tells the person watching: the CLI prints it (and logs
// it); tests record it. All calls come from the thread running the executor.
#ifndef FLIGHTPLAN_ENGINE_OBSERVER_H_
#define FLIGHTPLAN_ENGINE_OBSERVER_H_

#include <string>

#include "base/clock.h"
#include "engine/journal.h"
#include "engine/state.h"
#include "engine/step.h"

namespace flightplan {

// Also the ProgressSink steps write their progress lines to.
class RunObserver : public ProgressSink {
 public:
  virtual void RunStarted(const RunRecord& run, bool resumed, Direction direction) = 0;
  virtual void StepStarted(const std::string& step_id, const std::string& description,
                           Direction direction, int attempt) = 0;
  virtual void StepFinished(const std::string& step_id, StepState state, Duration took,
                            const std::string& detail) = 0;
  virtual void Notice(const std::string& text) = 0;
  virtual void RunFinished(const RunRecord& run, RunState state) = 0;
  void Progress(const std::string& line) override { Notice(line); }
};

class NullObserver final : public RunObserver {
 public:
  void RunStarted(const RunRecord&, bool, Direction) override {}
  void StepStarted(const std::string&, const std::string&, Direction, int) override {}
  void StepFinished(const std::string&, StepState, Duration, const std::string&) override {}
  void Notice(const std::string&) override {}
  void RunFinished(const RunRecord&, RunState) override {}
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_OBSERVER_H_
