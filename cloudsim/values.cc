#include "cloudsim/values.h"

#include <fmt/format.h>

#include <ctime>

namespace flightplan::cloudsim {

std::string StringMember(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && f->is_string() ? f->as_string() : std::string();
}

int64_t IntMember(const Value& v, std::string_view key, int64_t otherwise) {
  const Value* f = v.Find(key);
  return f && f->is_int() ? f->as_int() : otherwise;
}

double EpochSeconds(Timestamp t) { return static_cast<double>(t.unix_ms) / 1000.0; }

std::string IsoTime(Timestamp t) {
  time_t seconds = static_cast<time_t>(t.unix_ms / 1000);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t.unix_ms % 1000);
}

ValueMap MembersOf(const Value* v) {
  if (!v || !v->is_map()) return {};
  return v->as_map();
}

}  // namespace flightplan::cloudsim
