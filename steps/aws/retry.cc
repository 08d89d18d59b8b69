#include "steps/aws/retry.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace flightplan::aws {

RandomSource DefaultRandomSource() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  auto mutex = std::make_shared<std::mutex>();
  return [engine, mutex] {
    std::lock_guard<std::mutex> lock(*mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
  };
}

Duration BackoffDelay(int retry, double random, Duration max_backoff) {
  random = std::clamp(random, 0.0, 1.0);
  double base_ms = std::ldexp(1000.0, std::clamp(retry - 1, 0, 30));
  double cap_ms = std::min(base_ms, static_cast<double>(max_backoff.count()));
  return Duration(static_cast<int64_t>(random * cap_ms));
}

RetryQuota::RetryQuota(const RetryConfig& config)
    : config_(config), available_(config.quota_capacity) {}

int RetryQuota::Acquire(bool timeout) {
  int cost = timeout ? config_.timeout_retry_cost : config_.retry_cost;
  std::lock_guard<std::mutex> lock(mutex_);
  if (cost > available_) return 0;
  available_ -= cost;
  return cost;
}

void RetryQuota::Release(int acquired) {
  int amount = acquired > 0 ? acquired : config_.success_increment;
  std::lock_guard<std::mutex> lock(mutex_);
  available_ = std::min(config_.quota_capacity, available_ + amount);
}

int RetryQuota::available() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return available_;
}

}  // namespace flightplan::aws
