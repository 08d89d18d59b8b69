// Reading AWS outputs held in a Value without tripping over the protocols'
// quirks: an empty XML list arrives as "", a number as "42", a boolean as
// "true".
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_STEPS_AWS_VALUES_H_
#define FLIGHTPLAN_STEPS_AWS_VALUES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/value.h"

namespace flightplan::aws {

// The list at key; empty when absent, null or "" (an empty XML list).
const ValueList& ListAt(const Value& parent, std::string_view key);
// The text at key ("" when absent); numbers and booleans as text.
std::string StringAt(const Value& parent, std::string_view key);
// true for a boolean true or the text "true".
bool BoolAt(const Value& parent, std::string_view key);
// A number or numeric text; fallback otherwise.
int64_t IntAt(const Value& parent, std::string_view key, int64_t fallback = 0);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_VALUES_H_
