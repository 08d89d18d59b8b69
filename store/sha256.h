// SHA-256 through OpenSSL, as lowercase hex.
#ifndef FLIGHTPLAN_STORE_SHA256_H_
#define FLIGHTPLAN_STORE_SHA256_H_

#include <string>
#include <string_view>

namespace flightplan {

std::string Sha256Hex(std::string_view data);

}  // namespace flightplan

#endif  // FLIGHTPLAN_STORE_SHA256_H_
