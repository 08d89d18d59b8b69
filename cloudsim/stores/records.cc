#include "cloudsim/stores/records.h"

#include <fmt/format.h>

#include <string>

namespace flightplan::cloudsim {

SimError MissingRecord::For(std::string_view name) const {
  return {status, std::string(code), fmt::format(fmt::runtime(message), name)};
}

}  // namespace flightplan::cloudsim
