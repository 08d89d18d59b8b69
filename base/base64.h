// Base64 (RFC 4648 section 4: the standard alphabet, '=' padding), through
// OpenSSL. For bytes that must travel inside JSON: file contents recorded in
// the journal, the simulator's object bodies and continuation tokens.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_BASE_BASE64_H_
#define FLIGHTPLAN_BASE_BASE64_H_

#include <string>
#include <string_view>

#include "base/error.h"

namespace flightplan {

// Padded to a multiple of 4 characters, no line breaks.
std::string Base64Encode(std::string_view data);

// The bytes `text` encodes. `text` must be what Base64Encode writes: a
// multiple of 4 characters of the standard alphabet, with '=' only as the
// last one or two. Anything else (whitespace, the URL-safe alphabet, missing
// padding) is kInvalidInput, with a message naming the first bad position.
[[nodiscard]] Result<std::string> Base64Decode(std::string_view text);

}  // namespace flightplan

#endif  // FLIGHTPLAN_BASE_BASE64_H_
