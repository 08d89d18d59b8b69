#include "base/clock.h"

#include <fmt/format.h>

#include <ctime>
#include <thread>

namespace flightplan {

std::string FormatTimestamp(Timestamp t) {
  int64_t seconds = t.unix_ms / 1000;
  int64_t millis = t.unix_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

Timestamp SystemClock::Now() const {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return {std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count()};
}

std::chrono::steady_clock::time_point SystemClock::Monotonic() const {
  return std::chrono::steady_clock::now();
}

void SystemClock::Sleep(Duration d) { std::this_thread::sleep_for(d); }

}  // namespace flightplan
