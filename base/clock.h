// Clock seam: every reading of the time and every sleep goes through a Clock
// passed in a constructor, so tests run deterministic schedules with
// FakeClock (tests/engine/fakes.h), whose Sleep advances instantly.
//
// Thread-safety: SystemClock is thread-safe.
#ifndef FLIGHTPLAN_BASE_CLOCK_H_
#define FLIGHTPLAN_BASE_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace flightplan {

using Duration = std::chrono::milliseconds;

// Wall-clock time as milliseconds since the Unix epoch (UTC).
struct Timestamp {
  int64_t unix_ms = 0;
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
  Timestamp operator+(Duration d) const { return {unix_ms + d.count()}; }
  Duration operator-(Timestamp other) const { return Duration(unix_ms - other.unix_ms); }
};

// RFC 3339 with milliseconds, UTC: 2026-11-22T11:23:07.123Z.
std::string FormatTimestamp(Timestamp t);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
  // Monotonic reading for measuring durations; not comparable across processes.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
  virtual void Sleep(Duration d) = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  void Sleep(Duration d) override;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_BASE_CLOCK_H_
