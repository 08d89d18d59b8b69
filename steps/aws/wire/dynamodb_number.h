// DynamoDB's numbers: which texts it accepts as a Number and the one text it
// stores and returns for each ("Leading and trailing zeroes are trimmed"):
// plain decimal notation, no exponent, no '+', "0" for any zero. "1.50",
// "+1.5" and "15e-1" are all stored as "1.5"; "1e+21" as
// "1000000000000000000000".
//
// Shared by the simulator, which stores numbers as DynamoDB does, and the
// data steps, which must recognise an item they wrote after DynamoDB
// rewrote its numbers.
#ifndef FLIGHTPLAN_STEPS_AWS_WIRE_DYNAMODB_NUMBER_H_
#define FLIGHTPLAN_STEPS_AWS_WIRE_DYNAMODB_NUMBER_H_

#include <string>
#include <string_view>

#include "base/error.h"

namespace flightplan::aws {

// DynamoDB's limits on a Number.
inline constexpr int kDynamoDbNumberDigits = 38;         // significant digits
inline constexpr int kDynamoDbNumberMaxExponent = 125;   // magnitude < 10^126
inline constexpr int kDynamoDbNumberMinExponent = -130;  // magnitude >= 10^-130

// The text DynamoDB stores for `text`. kInvalidInput, with DynamoDB's own
// message, for a text that is not a number, has more than 38 significant
// digits, or lies outside DynamoDB's range.
[[nodiscard]] Result<std::string> CanonicalDynamoDbNumber(std::string_view text);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_WIRE_DYNAMODB_NUMBER_H_
