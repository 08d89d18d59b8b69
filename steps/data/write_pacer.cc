#include "steps/data/write_pacer.h"

#include <algorithm>

namespace flightplan::data {

WritePacer::WritePacer(Clock& clock, double per_second) : clock_(clock) {
  if (per_second > 0) {
    interval_ = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / per_second));
    interval_ = std::max(interval_, std::chrono::nanoseconds(1));
  }
}

Result<void> WritePacer::Wait(const StepContext& ctx) {
  if (!paced()) return {};
  std::chrono::steady_clock::time_point slot;
  {
    std::lock_guard lock(mu_);
    auto now = clock_.Monotonic();
    slot = next_ ? std::max(now, *next_) : now;
    next_ = slot + interval_;
  }
  // Sleeps are whole milliseconds, rounded up: a slot is never started early.
  for (auto now = clock_.Monotonic(); now < slot; now = clock_.Monotonic()) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(slot - now);
    clock_.Sleep(std::min<Duration>(left, Duration(200)));
    TRY(ctx.StopReason());
  }
  return {};
}

}  // namespace flightplan::data
