#include "cli/fault_injection.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace flightplan::cli {
namespace {

class KillingJournal final : public Journal {
 public:
  KillingJournal(std::unique_ptr<Journal> inner, int64_t kill_at, bool after)
      : inner_(std::move(inner)), kill_at_(kill_at), after_(after) {}

  Result<Lease> AcquireLease(const LeaseRequest& r) override { return inner_->AcquireLease(r); }
  Result<void> HeartbeatLease(const Fence& f, Duration ttl) override {
    return inner_->HeartbeatLease(f, ttl);
  }
  Result<void> ReleaseLease(const Fence& f, const std::string& op) override {
    return inner_->ReleaseLease(f, op);
  }
  Result<std::optional<Lease>> GetLease(const std::string& t) override {
    return inner_->GetLease(t);
  }
  Result<std::vector<Lease>> ListLeases() override { return inner_->ListLeases(); }

  Result<RunId> CreateRun(const Fence& f, const RunRecord& run, const std::vector<std::string>& ids,
                          const NewEvent& e) override {
    return Counted([&] { return inner_->CreateRun(f, run, ids, e); });
  }
  Result<void> TransitionRun(const Fence& f, RunId run, RunState from, RunState to,
                             const NewEvent& e) override {
    return Counted([&] { return inner_->TransitionRun(f, run, from, to, e); });
  }
  Result<void> TransitionStep(const Fence& f, const StepUpdate& u, const NewEvent& e) override {
    return Counted([&] { return inner_->TransitionStep(f, u, e); });
  }
  Result<void> RepinDefinition(const Fence& f, RunId run, const std::string& sha,
                               const std::string& source, const std::string& text,
                               const NewEvent& e) override {
    return Counted([&] { return inner_->RepinDefinition(f, run, sha, source, text, e); });
  }
  Result<void> AppendEvent(const Fence* f, const NewEvent& e) override {
    return Counted([&] { return inner_->AppendEvent(f, e); });
  }

  Result<RunRecord> GetRun(RunId run) override { return inner_->GetRun(run); }
  Result<std::vector<StepRecord>> GetSteps(RunId run) override { return inner_->GetSteps(run); }
  Result<std::vector<RunRecord>> ListRuns(const std::string& w, const std::string& t) override {
    return inner_->ListRuns(w, t);
  }
  Result<std::vector<EventRecord>> ListEvents(const EventFilter& f) override {
    return inner_->ListEvents(f);
  }
  Result<ChainReport> VerifyChain() override { return inner_->VerifyChain(); }
  std::string JournalId() const override { return inner_->JournalId(); }

 private:
  template <typename Fn>
  auto Counted(Fn&& write) -> decltype(write()) {
    ++writes_;
    if (writes_ == kill_at_ && !after_) kill(getpid(), SIGKILL);
    auto result = write();
    if (writes_ == kill_at_ && after_) kill(getpid(), SIGKILL);
    return result;
  }

  std::unique_ptr<Journal> inner_;
  int64_t kill_at_;
  bool after_;
  int64_t writes_ = 0;
};

}  // namespace

std::unique_ptr<Journal> MaybeInjectCrashes(std::unique_ptr<Journal> inner) {
  const char* spec = std::getenv("FLIGHTPLAN_FAULT_KILL_AT_WRITE");
  if (spec == nullptr || *spec == '\0') return inner;
  std::string text(spec);
  size_t colon = text.find(':');
  int64_t at = std::atoll(text.substr(0, colon).c_str());
  bool after = colon != std::string::npos && text.substr(colon + 1) == "after";
  if (at <= 0) return inner;
  return std::make_unique<KillingJournal>(std::move(inner), at, after);
}

}  // namespace flightplan::cli
