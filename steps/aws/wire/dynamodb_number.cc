#include "steps/aws/wire/dynamodb_number.h"

#include <fmt/format.h>

#include <cstdint>

namespace flightplan::aws {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Error NotANumber(std::string_view text) {
  return Error(ErrorCode::kInvalidInput,
               fmt::format("The parameter cannot be converted to a numeric value: {}", text));
}

}  // namespace

Result<std::string> CanonicalDynamoDbNumber(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  // The digits before and after the point, as one run; `point` is where the
  // point stood in it.
  std::string digits;
  size_t integer_digits = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (IsDigit(c)) {
      digits.push_back(c);
      if (!seen_point) ++integer_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return MakeError(NotANumber(text));
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) exponent_negative = text[i++] == '-';
    if (i == text.size()) return MakeError(NotANumber(text));
    for (; i < text.size() && IsDigit(text[i]); ++i) {
      // Far past DynamoDB's range either way; saturate rather than overflow.
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (text[i] - '0');
    }
    if (exponent_negative) exponent = -exponent;
  }
  if (i != text.size()) return MakeError(NotANumber(text));

  // The value is 0.<digits> x 10^point once leading zeros are gone.
  int64_t point = static_cast<int64_t>(integer_digits) + exponent;
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return std::string("0");
  point -= static_cast<int64_t>(first);
  digits.erase(0, first);
  digits.erase(digits.find_last_not_of('0') + 1);
  if (digits.size() > static_cast<size_t>(kDynamoDbNumberDigits)) {
    return MakeError(ErrorCode::kInvalidInput,
                     "Attempting to store more than 38 significant digits in a Number");
  }
  if (point > kDynamoDbNumberMaxExponent + 1) {
    return MakeError(ErrorCode::kInvalidInput,
                     "Number overflow. Attempting to store a number with magnitude larger than "
                     "supported range");
  }
  if (point < kDynamoDbNumberMinExponent + 1) {
    return MakeError(ErrorCode::kInvalidInput,
                     "Number underflow. Attempting to store a number with magnitude smaller "
                     "than supported range");
  }
  std::string out = negative ? "-" : "";
  auto size = static_cast<int64_t>(digits.size());
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else if (point >= size) {
    out += digits;
    out.append(static_cast<size_t>(point - size), '0');
  } else {
    out.append(digits, 0, static_cast<size_t>(point));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(point), std::string::npos);
  }
  return out;
}

}  // namespace flightplan::aws
