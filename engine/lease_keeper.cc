#include "engine/lease_keeper.h"

#include <fmt/format.h>

namespace flightplan {

Result<AcquiredLease> AcquireTargetLease(Journal& journal, const Host& host,
                                         const LeaseHolder& holder, const std::string& target,
                                         const LeasePolicy& policy, Clock& clock) {
  LeaseRequest request{target, holder, policy.ttl, LeaseMode::kAcquire, 0};
  auto lease = journal.AcquireLease(request);
  if (lease) return AcquiredLease{*std::move(lease), ""};
  if (lease.error().code() != ErrorCode::kLeaseHeld) return MakeError(std::move(lease.error()));

  ASSIGN_OR_RETURN(std::optional<Lease> current, journal.GetLease(target));
  if (!current || current->released) {
    // Released between our two reads: try once more.
    ASSIGN_OR_RETURN(Lease retried, journal.AcquireLease(request));
    return AcquiredLease{std::move(retried), ""};
  }
  const LeaseHolder& other = current->holder;
  bool same_host = other.host == host.HostName();
  bool stale = same_host && other.pid != host.ProcessId() && !host.IsProcessAlive(other.pid);
  Timestamp now = clock.Now();
  bool expired = current->expires_at <= now;
  if (stale) {
    request.mode = LeaseMode::kTakeOverStale;
    request.expected_generation = current->generation;
    ASSIGN_OR_RETURN(Lease taken, journal.AcquireLease(request));
    return AcquiredLease{std::move(taken),
                         fmt::format("took over the lease on '{}' from {}: its process no longer "
                                     "exists on this host (recorded in the audit)",
                                     target, other.ToString())};
  }
  if (expired && policy.take_over == TakeOver::kYes) {
    request.mode = LeaseMode::kTakeOverExpired;
    request.expected_generation = current->generation;
    ASSIGN_OR_RETURN(Lease taken, journal.AcquireLease(request));
    return AcquiredLease{
        std::move(taken),
        fmt::format("took over the expired lease on '{}' from {} (last heartbeat "
                    "{}; recorded in the audit)",
                    target, other.ToString(), FormatTimestamp(current->heartbeat_at))};
  }
  if (expired) {
    return MakeError(
        ErrorCode::kLeaseHeld,
        fmt::format("target '{}' is leased by {} since {}; the lease expired at {} (last "
                    "heartbeat {}). If that operator has stopped, take the lease over with "
                    "--take-over (recorded in the audit).",
                    target, other.ToString(), FormatTimestamp(current->acquired_at),
                    FormatTimestamp(current->expires_at), FormatTimestamp(current->heartbeat_at)));
  }
  return MakeError(
      ErrorCode::kLeaseHeld,
      fmt::format("target '{}' is being worked on by {} since {} (last heartbeat {}, lease "
                  "expires {} unless renewed). Wait for them to finish; `flightplan lease "
                  "show` tells who holds what.",
                  target, other.ToString(), FormatTimestamp(current->acquired_at),
                  FormatTimestamp(current->heartbeat_at), FormatTimestamp(current->expires_at)));
}

LeaseKeeper::LeaseKeeper(Journal& journal, Lease lease, Duration ttl, std::string operator_name)
    : journal_(journal),
      lease_(std::move(lease)),
      ttl_(ttl),
      operator_name_(std::move(operator_name)),
      thread_([this] { Loop(); }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (!lost_) {
    // Failure to release is harmless: the lease expires by itself.
    (void)journal_.ReleaseLease(fence(), operator_name_);
  }
}

void LeaseKeeper::Loop() {
  auto interval = std::max(Duration(100), ttl_ / 3);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (cv_.wait_for(lock, interval, [this] { return stopping_; })) break;
    lock.unlock();
    auto renewed = journal_.HeartbeatLease(fence(), ttl_);
    lock.lock();
    if (!renewed && renewed.error().code() == ErrorCode::kLeaseLost) {
      lost_ = true;
      break;
    }
  }
}

}  // namespace flightplan
