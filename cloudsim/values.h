// Small readers and copiers over engine Values that the simulator's stores
// share: string and integer members, epoch seconds, copying listed members,
// and reading back a dumped map of records.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_CLOUDSIM_VALUES_H_
#define FLIGHTPLAN_CLOUDSIM_VALUES_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

#include "base/clock.h"
#include "base/value.h"

namespace flightplan::cloudsim {

// The member `key` of `v` when it is a string; "" otherwise (also when `v`
// is not a map). Numbers and booleans are not converted.
std::string StringMember(const Value& v, std::string_view key);

// The member `key` of `v` when it is an integer; `otherwise` when not.
int64_t IntMember(const Value& v, std::string_view key, int64_t otherwise);

// Seconds since the epoch with milliseconds, the JSON protocols' timestamps.
double EpochSeconds(Timestamp t);

// "2026-11-22T10:15:30.123Z", the format the XML protocols use.
std::string IsoTime(Timestamp t);

// Copies each member named in `keys` that `from` has onto `to` (a map or
// null Value, or a ValueMap), replacing what `to` had under that name.
// `keys`: an array of names or a braced list of them.
template <typename Target, typename Keys = std::initializer_list<std::string_view>>
void CopyIfPresent(const Value& from, Target& to, const Keys& keys) {
  for (std::string_view key : keys) {
    if (const Value* v = from.Find(key)) {
      if constexpr (std::is_same_v<Target, ValueMap>) {
        to[std::string(key)] = *v;
      } else {
        to.Set(std::string(key), *v);
      }
    }
  }
}

// The members of `v` when it is a map; empty when `v` is null or no map
// (how Load reads back a map of records that Dump wrote as Value(records)).
ValueMap MembersOf(const Value* v);

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_VALUES_H_
