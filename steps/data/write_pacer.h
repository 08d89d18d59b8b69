// Paces the writes of a data-migration step so production keeps its write
// capacity (`flightplan data migrate --max-write-rate N`): the threads sharing
// a pacer are given one start slot every 1/N s, in the order they ask, with
// no burst, so no more than N writes start in any second (plus the one at its
// edge).
//
// Thread-safe. The clock is the seam: tests drive it with FakeClock.
#ifndef FLIGHTPLAN_STEPS_DATA_WRITE_PACER_H_
#define FLIGHTPLAN_STEPS_DATA_WRITE_PACER_H_

#include <chrono>
#include <mutex>
#include <optional>

#include "base/clock.h"
#include "base/error.h"
#include "engine/step.h"

namespace flightplan::data {

class WritePacer {
 public:
  // per_second <= 0: no pacing (Wait returns at once).
  WritePacer(Clock& clock, double per_second);

  // Waits for this caller's slot, in sleeps of at most 200 ms; returns the
  // step's stop reason (cancelled, lease lost) when it is stopped meanwhile.
  [[nodiscard]] Result<void> Wait(const StepContext& ctx);

  bool paced() const { return interval_.count() > 0; }

 private:
  Clock& clock_;
  std::chrono::nanoseconds interval_{0};
  std::mutex mu_;
  std::optional<std::chrono::steady_clock::time_point> next_;
};

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_WRITE_PACER_H_
