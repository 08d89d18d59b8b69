#include "engine/journal.h"

#include <fmt/format.h>

namespace flightplan {

std::string LeaseHolder::ToString() const {
  std::string who = operator_name.empty() ? user + "@" + host : operator_name;
  std::string where = fmt::format("{}@{}, pid {}", user, host, pid);
  if (!caller_arn.empty()) where += ", " + caller_arn;
  return fmt::format("{} ({})", who, where);
}

}  // namespace flightplan
