// SqliteJournal: the Journal in one SQLite file (docs/journal-format.md).
//
// Durability: WAL mode with synchronous=FULL (NORMAL for a shared state's
// replica, JournalOptions::durability); every write is one BEGIN IMMEDIATE
// transaction (busy timeout 10 s), so a call that returned has reached the
// disk, and a process killed at any instant leaves either the whole change or
// none of it.
//
// Opening refuses, without writing a byte: a file that is not SQLite, a
// SQLite file that is not a flightplan state file, a state file written by a
// newer flightplan, and (unless allowed) a file on a network filesystem. An
// older schema is migrated in one transaction. A new file is created 0600 in
// a 0700 directory.
//
// Thread-safety: all methods may be called from any thread; calls are
// serialised by an internal mutex.
#ifndef FLIGHTPLAN_STORE_SQLITE_JOURNAL_H_
#define FLIGHTPLAN_STORE_SQLITE_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "engine/journal.h"

namespace flightplan {

// 1: events as columns; 2: events as the bytes their hash covers (a state
// file of format 1 is migrated when opened).
inline constexpr int kJournalSchemaVersion = 2;
// PRAGMA application_id of every flightplan state file: "FPLN".
inline constexpr int32_t kJournalApplicationId = 0x46504C4E;

enum class NetworkFs { kRefuse, kAllow };
enum class CreateIfMissing { kNo, kYes };

struct JournalOptions {
  NetworkFs network_fs = NetworkFs::kRefuse;
  CreateIfMissing create = CreateIfMissing::kYes;
  int busy_timeout_ms = 10000;
  // The journal id a new file gets (a replica of a shared journal takes the
  // shared one); empty: a random one.
  std::string journal_id;
  // kDurable: synchronous=FULL, a returned write is on disk. kCache (a
  // replica of a shared state, whose truth is the shared log):
  // synchronous=NORMAL, always consistent, but the last writes may be lost
  // on a power cut — and are then read from the log again.
  enum class Durability { kDurable, kCache } durability = Durability::kDurable;
  // VerifyChain reads a chain of at least `parallel_verify_from` events in
  // `verify_threads` stretches side by side (0: one per core, at most 4),
  // each on its own read-only connection.
  int verify_threads = 0;
  int64_t parallel_verify_from = 20000;
};

// Where a replica of a shared journal stands in its log: the number and the
// hash of the last log object applied (0 and "" before the first).
struct LogPosition {
  int64_t seq = 0;
  std::string hash;
};

// The replication seam (store/log_journal.h), called twice inside every
// write transaction with the log position the file holds as read in that
// transaction (another process sharing the file may have moved it):
// AfterBegin before anything is written (an error ends the call, nothing
// written), and BeforeCommit once its rows and events are written. An error
// from BeforeCommit rolls the transaction back and is the call's error;
// otherwise it returns the position the transaction is recorded at (meta
// `log_seq` and `log_hash`, in the same transaction).
class CommitHook {
 public:
  virtual ~CommitHook() = default;
  [[nodiscard]] virtual Result<void> AfterBegin(const LogPosition& at) = 0;
  [[nodiscard]] virtual Result<LogPosition> BeforeCommit(
      const LogPosition& at, const std::vector<EventRecord>& events) = 0;
};
// The kind of filesystem a path lives on, by statfs magic; for messages.
// Returns an empty string for local filesystems.
std::string NetworkFilesystemName(int64_t statfs_type);

class SqliteJournal;

// Opens (or creates) the state file at `path`. `clock` must outlive the
// journal. Errors: kStateFile (location, permissions, network filesystem,
// missing with kNo), kCorruption (not SQLite, foreign, newer, damaged).
Result<std::unique_ptr<SqliteJournal>> OpenSqliteJournal(const std::string& path, Clock& clock,
                                                         const JournalOptions& options);

class SqliteJournal final : public Journal {
 public:
  ~SqliteJournal() override;

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
  Result<ChainReport> VerifyChain() override;
  std::string JournalId() const override;

  const std::string& path() const { return path_; }

  // Replication (store/log_journal.h). The hook is borrowed; nullptr: none.
  // Not thread-safe against concurrent writes: set it before any.
  void SetCommitHook(CommitHook* hook);
  // The log position of the last transaction written through a hook.
  [[nodiscard]] Result<LogPosition> GetLogPosition();
  // Every run, step, lease and event as rows ({"runs": {"columns": [...],
  // "rows": [[...], ...]}, "steps": ..., "leases": ..., "events": ...}), to
  // move the journal into a shared state (flightplan state push).
  [[nodiscard]] Result<Value> ExportAll();
  // Loads an ExportAll into this journal, which must hold no run, lease or
  // event (kConflict otherwise), in one write transaction — through the
  // commit hook like any write, which sees every loaded event. Columns this
  // schema does not have are refused (kCorruption), nothing written.
  [[nodiscard]] Result<void> ImportAll(const Value& dump);
  // A consistent copy of the whole journal in a new file at `path`
  // (VACUUM INTO); kStateFile when it exists or cannot be written. Returns
  // the copy's log position (a replica's snapshot is named by it).
  [[nodiscard]] Result<LogPosition> SaveCopy(const std::string& path);
  // Replaces every run, step, lease and event with those of the state file
  // at `path` (a snapshot of the same shared journal, already checked), and
  // the log position with `at`, in one write transaction that bypasses the
  // commit hook. Does nothing and returns false when this file is already
  // at `at` or past it (another process sharing it got there first).
  // kCorruption when `path` is not a state file of this journal and schema
  // at `at`; nothing is changed then.
  [[nodiscard]] Result<bool> RestoreSnapshot(const std::string& path, const LogPosition& at);

 private:
  friend Result<std::unique_ptr<SqliteJournal>> OpenSqliteJournal(const std::string&, Clock&,
                                                                  const JournalOptions&);
  class Impl;
  SqliteJournal(std::string path, std::unique_ptr<Impl> impl);

  std::string path_;
  std::unique_ptr<Impl> impl_;
};

// The bytes an event's hash covers, as the events table stores them
// (docs/journal-format.md): each field as <decimal length>:<bytes>, then ','.
std::string EventRecordBytes(std::string_view prev_hash, int64_t seq, int64_t at_ms,
                             std::string_view operator_name, int64_t run_id,
                             std::string_view target, std::string_view step_id,
                             std::string_view kind, std::string_view detail_json);

// The hash of one event given the previous hash (docs/journal-format.md).
std::string EventHash(const std::string& prev_hash, int64_t seq, int64_t at_ms,
                      const std::string& operator_name, int64_t run_id, const std::string& target,
                      const std::string& step_id, const std::string& kind,
                      const std::string& detail_json);

}  // namespace flightplan

#endif  // FLIGHTPLAN_STORE_SQLITE_JOURNAL_H_
