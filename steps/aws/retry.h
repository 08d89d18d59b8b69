// The SDKs' "standard" retry mode as pure pieces: which failures are worth
// retrying, how long to wait (full-jitter exponential backoff, capped), and
// the client-wide retry quota that stops a retry storm when a service is
// down. Constants from botocore (tests/data/aws-retry).
//
// Thread-safety: RetryQuota is thread-safe; the rest are pure functions.
#ifndef FLIGHTPLAN_STEPS_AWS_RETRY_H_
#define FLIGHTPLAN_STEPS_AWS_RETRY_H_

#include <chrono>
#include <functional>
#include <mutex>

#include "base/clock.h"

namespace flightplan::aws {

struct RetryConfig {
  int max_attempts = 3;  // first try included
  Duration max_backoff = std::chrono::seconds(20);
  int quota_capacity = 500;
  int retry_cost = 5;
  int timeout_retry_cost = 10;
  int success_increment = 1;  // returned to the quota by a first-try success
};

// Uniform in [0, 1). Injected so that tests get deterministic schedules.
using RandomSource = std::function<double()>;
// A RandomSource backed by a seeded std::mt19937_64 (not for secrets).
RandomSource DefaultRandomSource();

// Delay before retry number `retry` (1 for the first retry):
// random * min(2^(retry-1) seconds, max_backoff).
Duration BackoffDelay(int retry, double random, Duration max_backoff);

class RetryQuota {
 public:
  explicit RetryQuota(const RetryConfig& config);

  // Takes the cost of one retry; returns the amount taken, or 0 when the
  // quota cannot pay for it (the caller must not retry).
  int Acquire(bool timeout);
  // After a success: gives back what the last retry took, or the success
  // increment when the call succeeded first time; never above capacity.
  void Release(int acquired);
  int available() const;

 private:
  const RetryConfig config_;
  mutable std::mutex mutex_;
  int available_;
};

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_RETRY_H_
