// A Journal that forwards every call to another one (leveldb's EnvWrapper):
// a journal that changes one behaviour derives from it and overrides only
// that call, so a method added to Journal needs no change there. The crash
// injection of the crash tests (cli/fault_injection.h) is one.
//
// Ownership: the wrapper owns the wrapped journal. Thread-safety: as safe as
// the wrapped journal; overrides that keep state must guard it themselves.
#ifndef FLIGHTPLAN_ENGINE_JOURNAL_WRAPPER_H_
#define FLIGHTPLAN_ENGINE_JOURNAL_WRAPPER_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/journal.h"

namespace flightplan {

class JournalWrapper : public Journal {
 public:
  // `wrapped` must not be null.
  explicit JournalWrapper(std::unique_ptr<Journal> wrapped) : wrapped_(std::move(wrapped)) {}

  // The wrapped journal.
  Journal& wrapped() const { return *wrapped_; }

  Result<Lease> AcquireLease(const LeaseRequest& request) override {
    return wrapped_->AcquireLease(request);
  }
  Result<void> HeartbeatLease(const Fence& fence, Duration ttl) override {
    return wrapped_->HeartbeatLease(fence, ttl);
  }
  Result<void> ReleaseLease(const Fence& fence, const std::string& operator_name) override {
    return wrapped_->ReleaseLease(fence, operator_name);
  }
  Result<std::optional<Lease>> GetLease(const std::string& target) override {
    return wrapped_->GetLease(target);
  }
  Result<std::vector<Lease>> ListLeases() override { return wrapped_->ListLeases(); }

  Result<RunId> CreateRun(const Fence& fence, const RunRecord& run,
                          const std::vector<std::string>& step_ids,
                          const NewEvent& event) override {
    return wrapped_->CreateRun(fence, run, step_ids, event);
  }
  Result<void> TransitionRun(const Fence& fence, RunId run, RunState from, RunState to,
                             const NewEvent& event) override {
    return wrapped_->TransitionRun(fence, run, from, to, event);
  }
  Result<void> TransitionStep(const Fence& fence, const StepUpdate& update,
                              const NewEvent& event) override {
    return wrapped_->TransitionStep(fence, update, event);
  }
  Result<void> RepinDefinition(const Fence& fence, RunId run, const std::string& sha256,
                               const std::string& source, const std::string& text,
                               const NewEvent& event) override {
    return wrapped_->RepinDefinition(fence, run, sha256, source, text, event);
  }
  Result<void> AppendEvent(const Fence* fence, const NewEvent& event) override {
    return wrapped_->AppendEvent(fence, event);
  }

  Result<RunRecord> GetRun(RunId run) override { return wrapped_->GetRun(run); }
  Result<std::vector<StepRecord>> GetSteps(RunId run) override { return wrapped_->GetSteps(run); }
  Result<std::vector<RunRecord>> ListRuns(const std::string& workflow,
                                          const std::string& target) override {
    return wrapped_->ListRuns(workflow, target);
  }
  Result<std::vector<EventRecord>> ListEvents(const EventFilter& filter) override {
    return wrapped_->ListEvents(filter);
  }
  Result<ChainReport> VerifyChain() override { return wrapped_->VerifyChain(); }
  std::string JournalId() const override { return wrapped_->JournalId(); }

 private:
  std::unique_ptr<Journal> wrapped_;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_JOURNAL_WRAPPER_H_
