// Acquiring a target's lease, and keeping it alive while a command works.
//
// AcquireTargetLease applies the lease rules (docs/architecture.md, "Leases
// and fencing"): a free or released lease is taken; a lease whose holder ran
// on this host and whose process is gone is taken over at once (and the
// caller is told); an expired lease is taken over only with TakeOver::kYes; a
// live lease held by someone else is kLeaseHeld with a message naming the
// holder, since when, and the last heartbeat.
//
// LeaseKeeper renews the lease every ttl/3 on its own thread until destroyed,
// then releases it. If a renewal finds the lease taken over, lost() turns
// true; the journal's fencing already stops every further write.
#ifndef FLIGHTPLAN_ENGINE_LEASE_KEEPER_H_
#define FLIGHTPLAN_ENGINE_LEASE_KEEPER_H_

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "engine/host.h"
#include "engine/journal.h"

namespace flightplan {

// Whether an expired lease may be taken over (the operator passed --take-over).
enum class TakeOver { kNo, kYes };

struct LeasePolicy {
  Duration ttl{60000};
  TakeOver take_over = TakeOver::kNo;
};

struct AcquiredLease {
  Lease lease;
  // A sentence for the operator when a stale or expired lease was taken over;
  // empty when the lease was free.
  std::string notice;
};

[[nodiscard]] Result<AcquiredLease> AcquireTargetLease(Journal& journal, const Host& host,
                                                       const LeaseHolder& holder,
                                                       const std::string& target,
                                                       const LeasePolicy& policy, Clock& clock);

class LeaseKeeper {
 public:
  LeaseKeeper(Journal& journal, Lease lease, Duration ttl, std::string operator_name);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  Fence fence() const { return {lease_.target, lease_.generation}; }
  bool lost() const { return lost_.load(); }
  const std::atomic<bool>* lost_flag() const { return &lost_; }

 private:
  void Loop();

  Journal& journal_;
  Lease lease_;
  Duration ttl_;
  std::string operator_name_;
  std::atomic<bool> lost_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_LEASE_KEEPER_H_
