#include "engine/backoff.h"

#include <algorithm>
#include <cmath>

namespace flightplan {

Duration RetryDelay(const RetrySpec& retry, int attempt, double random01) {
  double base = static_cast<double>(retry.initial_delay.count()) *
                std::pow(retry.multiplier, std::max(0, attempt - 1));
  double capped = std::min(base, static_cast<double>(retry.max_delay.count()));
  double jittered = capped / 2.0 + (capped / 2.0) * std::clamp(random01, 0.0, 1.0);
  return Duration(static_cast<int64_t>(jittered));
}

}  // namespace flightplan
