#include "cloudsim/values.h"

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

ValueMap MembersOf(const Value* v) {
  if (!v || !v->is_map()) return {};
  return v->as_map();
}

}  // namespace flightplan::cloudsim
