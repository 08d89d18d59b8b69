// The Journal: where the engine records runs, steps, leases and the audit.
// The real one is SQLite (store/sqlite_journal.h). A wrapper that changes one
// call derives from JournalWrapper (engine/journal_wrapper.h); the crash tests
// use one that kills the process at its Nth write (cli/fault_injection.h).
//
// Contracts every implementation keeps:
// - Each mutating call is atomic: its state change and its audit event are
//   written together or not at all, and durable when the call returns.
// - Writes that take a Fence first check, in the same transaction, that the
//   fence's lease generation is still the current one and not released;
//   otherwise they write nothing and return kLeaseLost (fencing).
// - Transitions are compare-and-set on the recorded state; a mismatch is
//   kConflict and writes nothing.
// - Events form a SHA-256 hash chain (docs/journal-format.md).
// Thread-safety: implementations are safe to call from several threads (the
// lease heartbeat runs on its own thread).
#ifndef FLIGHTPLAN_ENGINE_JOURNAL_H_
#define FLIGHTPLAN_ENGINE_JOURNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "engine/state.h"

namespace flightplan {

struct LeaseHolder {
  std::string user;
  std::string host;
  int64_t pid = 0;
  std::string operator_name;     // --operator, or user@host
  std::string caller_arn;        // AWS identity, when known
  std::string ToString() const;  // "alice (alice@laptop, pid 4242)"
};

struct Lease {
  std::string target;
  LeaseHolder holder;
  int64_t generation = 0;
  Timestamp acquired_at;
  Timestamp heartbeat_at;
  Timestamp expires_at;
  bool released = false;
};

// Proof of holding a target's lease, checked by every fenced write.
struct Fence {
  std::string target;
  int64_t generation = 0;
};

enum class LeaseMode {
  kAcquire,          // only when free or released
  kTakeOverExpired,  // the holder's lease has expired (operator said --take-over)
  kTakeOverStale,    // the holder ran on this host and its process is gone
};

struct LeaseRequest {
  std::string target;
  LeaseHolder holder;
  Duration ttl{60000};
  LeaseMode mode = LeaseMode::kAcquire;
  int64_t expected_generation = 0;  // take-overs: the generation being replaced
};

struct RunRecord {
  RunId id = 0;
  std::string workflow;
  std::string target;
  RunState state = RunState::kPending;
  std::string definition_sha256;
  std::string definition_source;
  std::string definition_text;
  std::vector<std::string> requires_workflows;
  Value params;  // secrets removed
  std::string operator_name;
  Timestamp created_at;
  Timestamp updated_at;
};

struct StepRecord {
  RunId run_id = 0;
  int index = 0;
  std::string step_id;
  StepState state = StepState::kPending;
  int attempt = 0;
  Value prepared;
  Value outputs;
  std::string error;
  std::string note;  // why a step is in doubt, skipped, or left as it is
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> finished_at;
};

struct NewEvent {
  std::string kind;  // e.g. "step.succeeded", "lease.taken_over"
  std::string operator_name;
  RunId run_id = 0;  // 0: not about a run
  std::string target;
  std::string step_id;
  Value detail;  // a map; never holds secrets
};

struct EventRecord {
  int64_t seq = 0;
  Timestamp at;
  std::string operator_name;
  RunId run_id = 0;
  std::string target;
  std::string step_id;
  std::string kind;
  std::string detail_json;
  std::string prev_hash;
  std::string hash;
};

struct StepUpdate {
  RunId run_id = 0;
  std::string step_id;
  StepState from = StepState::kPending;
  StepState to = StepState::kRunning;
  std::optional<int> attempt;
  std::optional<Value> prepared;
  std::optional<Value> outputs;
  std::optional<std::string> error;
  std::optional<std::string> note;
};

struct EventFilter {
  std::optional<RunId> run_id;
  std::optional<std::string> target;
  int64_t after_seq = 0;
  int64_t limit = 0;  // 0: all
};

struct ChainReport {
  int64_t events = 0;
  std::optional<int64_t> first_bad_seq;
  std::string problem;  // what is wrong with the first bad event
};

class Journal {
 public:
  virtual ~Journal() = default;

  // Leases. Acquire returns kLeaseHeld when the request's mode does not allow
  // taking the current holder's lease; GetLease tells who that is.
  [[nodiscard]] virtual Result<Lease> AcquireLease(const LeaseRequest& request) = 0;
  [[nodiscard]] virtual Result<void> HeartbeatLease(const Fence& fence, Duration ttl) = 0;
  [[nodiscard]] virtual Result<void> ReleaseLease(const Fence& fence,
                                                  const std::string& operator_name) = 0;
  [[nodiscard]] virtual Result<std::optional<Lease>> GetLease(const std::string& target) = 0;
  [[nodiscard]] virtual Result<std::vector<Lease>> ListLeases() = 0;

  // Runs and steps (fenced).
  [[nodiscard]] virtual Result<RunId> CreateRun(const Fence& fence, const RunRecord& run,
                                                const std::vector<std::string>& step_ids,
                                                const NewEvent& event) = 0;
  [[nodiscard]] virtual Result<void> TransitionRun(const Fence& fence, RunId run, RunState from,
                                                   RunState to, const NewEvent& event) = 0;
  [[nodiscard]] virtual Result<void> TransitionStep(const Fence& fence, const StepUpdate& update,
                                                    const NewEvent& event) = 0;
  [[nodiscard]] virtual Result<void> RepinDefinition(const Fence& fence, RunId run,
                                                     const std::string& sha256,
                                                     const std::string& source,
                                                     const std::string& text,
                                                     const NewEvent& event) = 0;
  // An event that changes no state. Fenced when `fence` is given.
  [[nodiscard]] virtual Result<void> AppendEvent(const Fence* fence, const NewEvent& event) = 0;

  // Reads.
  [[nodiscard]] virtual Result<RunRecord> GetRun(RunId run) = 0;
  [[nodiscard]] virtual Result<std::vector<StepRecord>> GetSteps(RunId run) = 0;
  // Newest first; empty filters match everything.
  [[nodiscard]] virtual Result<std::vector<RunRecord>> ListRuns(const std::string& workflow,
                                                                const std::string& target) = 0;
  [[nodiscard]] virtual Result<std::vector<EventRecord>> ListEvents(const EventFilter& filter) = 0;

  // Recomputes the hash chain from the first event.
  [[nodiscard]] virtual Result<ChainReport> VerifyChain() = 0;
  // A stable identifier of this journal, part of every idempotency token.
  virtual std::string JournalId() const = 0;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_JOURNAL_H_
