// LogJournal: the Journal shared by operators on different machines through
// an object store (S3: --state s3://BUCKET/PREFIX), with every guarantee the
// local file gives — one writer per target, fencing, compare-and-set
// transitions, exactly-once commits, a verifiable audit chain.
//
// Layout under the store's root (docs/journal-format.md, "The shared state"):
//   flightplan-state.json        manifest: format, version, journal id
//   log/<seq: 20 digits>.log     one immutable object per committed write
//   snapshot/<seq: 20 digits>.db a replica as it stood after that object
//
// A write is committed when its log object exists. Each mutating call is
// recorded as the call itself (operation, arguments, the time it was made),
// the audit events it produced, the hash of the previous object and its own
// hash, and created at the next sequence number with create-if-absent. Of
// two writers racing for a number, the store lets exactly one create it; the
// other reads what it missed, applies it, and decides its call again against
// the state that now includes the winner's write — so fencing, transitions
// and lease rules are decided exactly as in the local file, and an operator
// whose lease was taken over writes nothing, however long it was stopped.
//
// Each operator keeps a local replica (a SqliteJournal at `cache_path`) that
// replays the log through the same code with the clock pinned to each call's
// recorded time, so every replica holds the same rows and the same hash
// chain; an object whose replay produces other events than it records is
// refused as corruption.
//
// Snapshots bound what a new machine replays: the writer of every
// `snapshot_every`-th object also uploads a copy of its replica, and a
// replica that is empty or further behind than that starts from the latest
// snapshot — after checking it against the log object it names — and
// replays only the objects after it. A snapshot that fails a check is
// ignored (the log is the record) and reported by VerifyChain.
//
// Requests: a write costs one conditional PUT when the replica is current
// (a LIST and the missed objects' GETs more when another writer came
// first); every read costs one LIST, plus a GET per object it had not seen.
//
// Thread-safety: all methods may be called from any thread; calls are
// serialised by an internal mutex.
#ifndef FLIGHTPLAN_STORE_LOG_JOURNAL_H_
#define FLIGHTPLAN_STORE_LOG_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/object_store.h"
#include "engine/journal.h"
#include "store/sqlite_journal.h"

namespace flightplan {

// The manifest's and log objects' format version this flightplan writes and
// reads; a store with a newer one is refused untouched.
inline constexpr int kSharedStateVersion = 1;
inline constexpr const char* kSharedStateManifestKey = "flightplan-state.json";

struct LogJournalOptions {
  std::string cache_path;  // the local replica (created 0600 in a 0700 directory)
  CreateIfMissing create = CreateIfMissing::kYes;
  // The journal id a state created now gets (state push keeps the local
  // file's, which idempotency tokens derive from); empty: a random one.
  std::string new_state_journal_id;
  int max_commit_attempts = 64;  // races lost in a row before a write gives up
  // How long a process waits for another one on this machine that holds the
  // replica (whose write lasts as long as its PUT) before giving up.
  int replica_busy_timeout_ms = 10000;
  // Every how many log objects a snapshot is published; 0: never (they are
  // still used when present).
  int64_t snapshot_every = 1000;
  // Called right after a log object this process wrote was created, before
  // the replica commits it: the crash tests kill the process there
  // (cli/fault_injection.h). May be empty.
  std::function<void()> after_publish;
};

class LogJournal;

// Opens the shared state in `store` (creating its manifest when absent and
// allowed) and brings the replica up to date. `store` and `clock` must
// outlive the journal. Errors: kStateFile (no state and kNo; the store
// unreachable), kCorruption (not a flightplan state, a newer one, a gap or
// a tampered object in the log), the store's errors.
Result<std::unique_ptr<LogJournal>> OpenLogJournal(ObjectStore& store, Clock& clock,
                                                   const LogJournalOptions& options);

class LogJournal final : public Journal {
 public:
  ~LogJournal() override;

  Result<Lease> AcquireLease(const LeaseRequest& request) override;
  Result<void> HeartbeatLease(const Fence& fence, Duration ttl) override;
  Result<void> ReleaseLease(const Fence& fence, const std::string& operator_name) override;
  Result<std::optional<Lease>> GetLease(const std::string& target) override;
  Result<std::vector<Lease>> ListLeases() override;

  Result<RunId> CreateRun(const Fence& fence, const RunRecord& run,
                          const std::vector<std::string>& step_ids, const NewEvent& event) override;
  Result<void> TransitionRun(const Fence& fence, RunId run, RunState from, RunState to,
                             const NewEvent& event) override;
  Result<void> TransitionStep(const Fence& fence, const StepUpdate& update,
                              const NewEvent& event) override;
  Result<void> RepinDefinition(const Fence& fence, RunId run, const std::string& sha256,
                               const std::string& source, const std::string& text,
                               const NewEvent& event) override;
  Result<void> AppendEvent(const Fence* fence, const NewEvent& event) override;

  Result<RunRecord> GetRun(RunId run) override;
  Result<std::vector<StepRecord>> GetSteps(RunId run) override;
  Result<std::vector<RunRecord>> ListRuns(const std::string& workflow,
                                          const std::string& target) override;
  Result<std::vector<EventRecord>> ListEvents(const EventFilter& filter) override;
  // Verifies the log in the store itself, object by object (not the
  // replica): each object's hash, its link to the one before, the sequence
  // without gaps, and the hash chain of the events inside; then the latest
  // snapshot, as a new machine would check it. The first bad sequence is
  // the log object's (or the snapshot's) number; the problem names its key.
  Result<ChainReport> VerifyChain() override;
  std::string JournalId() const override;

  // Loads a whole local journal (SqliteJournal::ExportAll) as the first log
  // object of an empty shared state (flightplan state push). kConflict when
  // the state already holds anything.
  [[nodiscard]] Result<void> Import(const Value& dump);
  // The number of the last log object the replica has applied.
  int64_t log_seq() const;
  // The snapshot this process restored the replica from when it opened the
  // state (the number of the log object it was taken after); 0: none.
  int64_t snapshot_used() const;
  // Where the state is ("s3://bucket/prefix/").
  std::string Describe() const;
  // The replica, brought up to date first (state pull copies it).
  [[nodiscard]] Result<SqliteJournal*> UpToDateReplica();

 private:
  friend Result<std::unique_ptr<LogJournal>> OpenLogJournal(ObjectStore&, Clock&,
                                                            const LogJournalOptions&);
  class Impl;
  explicit LogJournal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The key of log object `seq` ("log/00000000000000000042.log").
std::string LogObjectKey(int64_t seq);
// The key of the snapshot taken after log object `seq`.
std::string SnapshotKey(int64_t seq);

}  // namespace flightplan

#endif  // FLIGHTPLAN_STORE_LOG_JOURNAL_H_
