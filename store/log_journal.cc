#include "store/log_journal.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <utility>

#include "base/digest.h"
#include "base/file_io.h"

namespace flightplan {

namespace {

constexpr const char* kManifestKey = kSharedStateManifestKey;
constexpr const char* kManifestFormat = "flightplan-shared-state";
constexpr const char* kLogPrefix = "log/";
constexpr std::string_view kObjectMagic = "flightplan-log";
constexpr const char* kZeroHash =
    "0000000000000000000000000000000000000000000000000000000000000000";
constexpr int kListPage = 1000;
constexpr const char* kSnapshotPrefix = "snapshot/";
constexpr std::string_view kSnapshotMagic = "flightplan-snapshot";
// How far back from a snapshot's log object the log is searched for the
// last audit event before it (objects without events are heartbeats).
constexpr int64_t kSnapshotEventSearch = 512;
// Unanswered PUTs in a row of one write before the command stops.
constexpr int kMaxUnansweredWrites = 3;

// Removes a SQLite file and the files beside it.
void RemoveStateFiles(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ec;
    std::filesystem::remove(path + suffix, ec);
  }
}

// Snapshots pass through scratch files beside the replica, named
// "<replica>.snapshot-<use>-<pid>-<random>" so journals sharing the replica
// never share one. A process killed while it held one leaves it behind; the next
// open removes those whose process is gone.
void RemoveOrphanedScratchFiles(const std::string& cache_path) {
  std::filesystem::path replica(cache_path);
  const std::string prefix = replica.filename().string() + ".snapshot-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(replica.parent_path(), ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    size_t dash = name.find('-', prefix.size());
    if (dash == std::string::npos) continue;
    long pid = std::strtol(name.c_str() + dash + 1, nullptr, 10);
    if (pid <= 0 || (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) {
      std::error_code ignored;
      std::filesystem::remove(entry.path(), ignored);
    }
  }
}

std::string NewId(size_t bytes) {
  std::string buf(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(bytes)) != 1) {
    // Never the time and pid: two containers (pid 1) in the same second
    // would share ids, and one would take the other's commit for its own.
    std::random_device device;
    for (char& c : buf) c = static_cast<char>(device() & 0xff);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (char c : buf) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// The replica's clock: what the call being applied says the time is.
class PinnedClock final : public Clock {
 public:
  explicit PinnedClock(Clock& real) : real_(real) {}
  void Pin(Timestamp t) { pinned_ = t.unix_ms; }
  Timestamp Now() const override { return {pinned_.load()}; }
  std::chrono::steady_clock::time_point Monotonic() const override { return real_.Monotonic(); }
  void Sleep(Duration d) override { real_.Sleep(d); }

 private:
  Clock& real_;
  std::atomic<int64_t> pinned_{0};
};

// ------------------------------------------------------------------ the calls
// Every mutating call as a Value, and back. What a replica applies is always
// the parsed form, on the writer too, so all of them apply the same input.

Value FenceValue(const Fence& fence) {
  return Value(ValueMap{{"target", Value(fence.target)}, {"generation", Value(fence.generation)}});
}
Fence FenceFrom(const Value& v) { return Fence{v.StringAt("target"), v.IntAt("generation")}; }

Value EventValue(const NewEvent& e) {
  return Value(ValueMap{{"kind", Value(e.kind)},
                        {"operator", Value(e.operator_name)},
                        {"run_id", Value(e.run_id)},
                        {"target", Value(e.target)},
                        {"step_id", Value(e.step_id)},
                        {"detail", e.detail.is_null() ? Value(ValueMap{}) : e.detail}});
}
NewEvent EventFrom(const Value& v) {
  return NewEvent{v.StringAt("kind"),   v.StringAt("operator"), v.IntAt("run_id"),
                  v.StringAt("target"), v.StringAt("step_id"),  v.At("detail")};
}

Value HolderValue(const LeaseHolder& h) {
  return Value(ValueMap{{"user", Value(h.user)},
                        {"host", Value(h.host)},
                        {"pid", Value(h.pid)},
                        {"operator", Value(h.operator_name)},
                        {"caller_arn", Value(h.caller_arn)}});
}
LeaseHolder HolderFrom(const Value& v) {
  return LeaseHolder{v.StringAt("user"), v.StringAt("host"), v.IntAt("pid"), v.StringAt("operator"),
                     v.StringAt("caller_arn")};
}

std::string_view LeaseModeName(LeaseMode mode) {
  switch (mode) {
    case LeaseMode::kAcquire:
      return "acquire";
    case LeaseMode::kTakeOverExpired:
      return "take_over_expired";
    case LeaseMode::kTakeOverStale:
      return "take_over_stale";
  }
  return "acquire";
}
LeaseMode LeaseModeFrom(const std::string& name) {
  if (name == "take_over_expired") return LeaseMode::kTakeOverExpired;
  if (name == "take_over_stale") return LeaseMode::kTakeOverStale;
  return LeaseMode::kAcquire;
}

Value RecordedEventValue(const EventRecord& e) {
  return Value(ValueMap{{"seq", Value(e.seq)},
                        {"at_ms", Value(e.at.unix_ms)},
                        {"operator", Value(e.operator_name)},
                        {"run_id", Value(e.run_id)},
                        {"target", Value(e.target)},
                        {"step_id", Value(e.step_id)},
                        {"kind", Value(e.kind)},
                        {"detail_json", Value(e.detail_json)},
                        {"prev_hash", Value(e.prev_hash)},
                        {"hash", Value(e.hash)}});
}

// What applying a call returns, whichever call it was.
struct Applied {
  Lease lease;
  RunId run_id = 0;
};

// One log object, parsed and checked against its own hash.
struct LogObject {
  int64_t seq = 0;
  std::string hash;
  std::string prev;
  std::string commit_id;
  Timestamp at;
  Value call;
  ValueList events;
};

Error Corrupt(const std::string& where, const std::string& what) {
  return Error(ErrorCode::kCorruption,
               fmt::format("the shared state's log object {} {}. flightplan changed nothing; "
                           "`flightplan audit verify` names the first bad object. Restore it "
                           "from the bucket's object versions, or pull the state from a "
                           "replica that has it.",
                           where, what));
}

// "flightplan-log <version>\n<sha256 of the entry>\n<entry JSON>", of the
// shared state whose journal id is `journal_id`.
Result<LogObject> ParseLogObject(const std::string& key, const std::string& text,
                                 const std::string& journal_id) {
  size_t first = text.find('\n');
  size_t second = first == std::string::npos ? first : text.find('\n', first + 1);
  if (second == std::string::npos || first <= kObjectMagic.size() ||
      text.compare(0, kObjectMagic.size(), kObjectMagic) != 0 || text[kObjectMagic.size()] != ' ') {
    return MakeError(Corrupt(key, "is not a flightplan log object"));
  }
  std::string version_text = text.substr(kObjectMagic.size() + 1, first - kObjectMagic.size() - 1);
  if (version_text.empty() || version_text.size() > 9 ||
      version_text.find_first_not_of("0123456789") != std::string::npos) {
    return MakeError(Corrupt(key, "has no readable format version"));
  }
  int64_t version = std::strtoll(version_text.c_str(), nullptr, 10);
  if (version < 1) return MakeError(Corrupt(key, "has no readable format version"));
  if (version > kSharedStateVersion) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("the shared state's log object {} was written by a newer "
                                 "flightplan (format {}, this flightplan reads up to {}). "
                                 "Upgrade flightplan; nothing was changed.",
                                 key, version, kSharedStateVersion));
  }
  LogObject out;
  out.hash = text.substr(first + 1, second - first - 1);
  std::string_view entry_text(text.data() + second + 1, text.size() - second - 1);
  if (Sha256Hex(entry_text) != out.hash) {
    return MakeError(Corrupt(key, "does not match its hash (it was altered)"));
  }
  Result<Value> entry = Value::FromJson(entry_text);
  if (!entry || !entry->is_map()) return MakeError(Corrupt(key, "holds no readable entry"));
  if (entry->StringAt("journal_id") != journal_id) {
    return MakeError(Corrupt(
        key, fmt::format("belongs to another shared state (journal id '{}'; this one's is '{}')",
                         entry->StringAt("journal_id"), journal_id)));
  }
  out.seq = entry->IntAt("seq");
  out.prev = entry->StringAt("prev");
  out.commit_id = entry->StringAt("commit_id");
  out.at = {entry->IntAt("at_ms")};
  out.call = entry->At("call");
  if (const Value* events = entry->Find("events"); events && events->is_list()) {
    out.events = events->as_list();
  }
  return out;
}

}  // namespace

std::string LogObjectKey(int64_t seq) { return fmt::format("{}{:020d}.log", kLogPrefix, seq); }
std::string SnapshotKey(int64_t seq) { return fmt::format("{}{:020d}.db", kSnapshotPrefix, seq); }

// --------------------------------------------------------------------- Impl

class LogJournal::Impl final : public CommitHook {
 public:
  Impl(ObjectStore& store, Clock& clock, LogJournalOptions options)
      : store_(store), clock_(clock), pinned_(clock), options_(std::move(options)) {}

  Result<void> Open();
  // Applies every log object the replica has not seen yet.
  Result<void> Sync();
  Result<Applied> Write(const Value& call);
  // The error of a write whose outcome is not known: "could not tell
  // whether a write reached the shared state at <store><what_happened>",
  // and what to do (`flightplan status`<when>).
  Error WriteInDoubt(const std::string& what_happened, std::string_view when = "") const;
  Result<ChainReport> VerifyStore();
  // A scratch file beside the replica for this journal (`use`: in, out,
  // verify): the pid tells a later open whether its owner is alive, the
  // random part keeps two journals of one process apart.
  std::string ScratchPath(std::string_view use) const {
    return fmt::format("{}.snapshot-{}-{}-{}", options_.cache_path, use, getpid(), scratch_id_);
  }
  // Uploads a copy of the replica as the snapshot of where it stands.
  void PublishSnapshot();
  // Restores the latest snapshot into the replica when the replica stands
  // more than snapshot_every objects behind it (or is empty) and the
  // snapshot passes every check; a snapshot that fails one is left alone.
  Result<void> StartFromSnapshot(int64_t at_seq);
  // The key of the latest snapshot; empty when there is none.
  Result<std::string> LatestSnapshotKey();
  // Reads the snapshot at `key`, checks it against the log object it names,
  // and leaves it as a state file at `path`. kCorruption: why it cannot be
  // used; other errors are the store's.
  Result<LogPosition> FetchSnapshot(const std::string& key, const std::string& path);
  // The last audit event (seq, hash) recorded in log objects up to `object`.
  Result<std::optional<std::pair<int64_t, std::string>>> LastEventUpTo(const LogObject& object);

  Result<void> AfterBegin(const LogPosition& at) override;
  Result<LogPosition> BeforeCommit(const LogPosition& at,
                                   const std::vector<EventRecord>& events) override;

  // A read of the replica once it has every committed write.
  template <typename Fn>
  auto Read(Fn&& read) -> decltype(read(std::declval<SqliteJournal&>())) {
    std::lock_guard lock(mu_);
    TRY(Sync());
    return read(*replica_);
  }

  ObjectStore& store_;
  Clock& clock_;
  PinnedClock pinned_;
  LogJournalOptions options_;
  std::unique_ptr<SqliteJournal> replica_;
  std::string journal_id_;
  std::mutex mu_;
  // The replica's log position as last seen by this process (the file's, read
  // in each transaction, is the truth: other processes on this machine may
  // share the replica).
  int64_t seen_seq_ = 0;
  // The snapshot this process restored into the replica (0: none).
  int64_t snapshot_used_ = 0;
  const std::string scratch_id_ = NewId(4);

 private:
  Result<void> SyncOnce();
  Result<Applied> Apply(const Value& call);
  Result<void> Replay(const std::string& where, const LogObject& object);

  enum class Mode { kLive, kReplay };
  enum class Outcome { kNone, kCommitted, kLostRace, kUnknown };
  Mode mode_ = Mode::kLive;
  // The live write in flight.
  const Value* live_call_ = nullptr;
  std::string commit_id_;
  Timestamp live_at_;
  Outcome outcome_ = Outcome::kNone;
  // The store's own refusal of this attempt's PUT (outcome kNone), if any.
  std::string refused_by_store_;
  int64_t committed_seq_ = 0;
  // The object being replayed, and whether the replica turned out to hold it
  // already (another process sharing the replica applied it first).
  const LogObject* replaying_ = nullptr;
  bool replayed_elsewhere_ = false;
  // A write whose outcome is being found out: its commit id, and what
  // applying it returned when a replay met it.
  std::string awaited_commit_id_;
  std::optional<Applied> awaited_;
  int64_t awaited_elsewhere_ = 0;  // the object, when another process applied it
};

Result<void> LogJournal::Impl::Open() {
  ASSIGN_OR_RETURN(std::optional<std::string> manifest, store_.Get(kManifestKey));
  if (!manifest) {
    if (options_.create == CreateIfMissing::kNo) {
      return MakeError(ErrorCode::kStateFile,
                       fmt::format("no flightplan state at {}: nothing has run there yet (give "
                                   "--state or FLIGHTPLAN_STATE to use another one)",
                                   store_.Describe()));
    }
    Value fresh(ValueMap{
        {"format", Value(kManifestFormat)},
        {"version", Value(kSharedStateVersion)},
        {"journal_id",
         Value(options_.new_state_journal_id.empty() ? NewId(8) : options_.new_state_journal_id)},
        {"created_at", Value(FormatTimestamp(clock_.Now()))}});
    ASSIGN_OR_RETURN(CreateOutcome created,
                     store_.CreateIfAbsent(kManifestKey, fresh.ToJson() + "\n"));
    (void)created;  // created, or another operator's came first: read what is there
    ASSIGN_OR_RETURN(manifest, store_.Get(kManifestKey));
    if (!manifest) {
      return MakeError(
          ErrorCode::kStateFile,
          fmt::format("the manifest of {} vanished right after it was written", store_.Describe()));
    }
  }
  Result<Value> parsed = Value::FromJson(*manifest);
  if (!parsed || parsed->StringAt("format") != kManifestFormat) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("{}{} is not a flightplan state manifest. flightplan left "
                                 "everything as it is; point --state at another prefix.",
                                 store_.Describe(), kManifestKey));
  }
  if (parsed->IntAt("version") > kSharedStateVersion) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("the state at {} was written by a newer flightplan (format "
                                 "{}, this flightplan reads up to {}). Upgrade flightplan; "
                                 "nothing was changed.",
                                 store_.Describe(), parsed->IntAt("version"), kSharedStateVersion));
  }
  journal_id_ = parsed->StringAt("journal_id");
  if (journal_id_.empty() || journal_id_.size() > 64 ||
      journal_id_.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("{}{} names no valid journal id. flightplan left everything "
                                 "as it is.",
                                 store_.Describe(), kManifestKey));
  }

  JournalOptions replica_options;
  replica_options.journal_id = journal_id_;
  replica_options.durability = JournalOptions::Durability::kCache;
  replica_options.busy_timeout_ms = options_.replica_busy_timeout_ms;
  Result<std::unique_ptr<SqliteJournal>> replica =
      OpenSqliteJournal(options_.cache_path, pinned_, replica_options);
  bool stale = replica && (*replica)->JournalId() != journal_id_;
  if (stale || (!replica && replica.error().code() == ErrorCode::kCorruption)) {
    // A replica of an earlier state that lived at this location, or one a
    // power cut damaged: it is a cache, so it is rebuilt from the log.
    if (replica) replica->reset();  // closed before its files go
    RemoveStateFiles(options_.cache_path);
    replica = OpenSqliteJournal(options_.cache_path, pinned_, replica_options);
  }
  if (!replica) return MakeError(replica.error());
  replica_ = std::move(*replica);
  replica_->SetCommitHook(this);
  ASSIGN_OR_RETURN(LogPosition at, replica_->GetLogPosition());
  if (at.seq > 0) {
    // The object the replica stopped at must still be there, as it was:
    // its absence or another hash means the log lost or changed what this
    // machine has seen.
    std::string key = LogObjectKey(at.seq);
    ASSIGN_OR_RETURN(std::optional<std::string> text, store_.Get(key));
    if (!text) {
      return MakeError(Corrupt(store_.Describe() + key,
                               "is missing, though this machine's replica has applied it (the "
                               "log was truncated or deleted)"));
    }
    ASSIGN_OR_RETURN(LogObject object, ParseLogObject(store_.Describe() + key, *text, journal_id_));
    if (object.hash != at.hash) {
      return MakeError(Corrupt(store_.Describe() + key,
                               "is not the object this machine's replica applied (it was "
                               "replaced)"));
    }
  }
  RemoveOrphanedScratchFiles(options_.cache_path);
  TRY(StartFromSnapshot(at.seq));
  ASSIGN_OR_RETURN(at, replica_->GetLogPosition());
  seen_seq_ = at.seq;
  return Sync();
}

// ------------------------------------------------------------------ snapshots
// "flightplan-snapshot <version>\n<header JSON>\n<SQLite file bytes>"; the
// header names the log object (seq, log_hash), the journal, and the SHA-256
// of the bytes.

void LogJournal::Impl::PublishSnapshot() {
  // Best effort, by design: the write that led here is committed, and a
  // missing snapshot only makes a new machine replay further (the next one
  // is taken snapshot_every objects later).
  const std::string path = ScratchPath("out");
  RemoveStateFiles(path);
  Result<LogPosition> at = replica_->SaveCopy(path);
  Result<std::string> bytes = at ? ReadFile(path) : Result<std::string>(MakeError(at.error()));
  RemoveStateFiles(path);
  if (!bytes || at->seq == 0) return;
  Value header(ValueMap{{"seq", Value(at->seq)},
                        {"log_hash", Value(at->hash)},
                        {"journal_id", Value(journal_id_)},
                        {"sha256", Value(Sha256Hex(*bytes))},
                        {"bytes", Value(static_cast<int64_t>(bytes->size()))}});
  std::string body =
      fmt::format("{} {}\n{}\n", kSnapshotMagic, kSharedStateVersion, header.ToJson()) + *bytes;
  (void)store_.CreateIfAbsent(SnapshotKey(at->seq), body);
}

Result<std::string> LogJournal::Impl::LatestSnapshotKey() {
  std::string latest;
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<std::string> keys, store_.List(kSnapshotPrefix, after, kListPage));
    for (const std::string& key : keys) {
      if (key.size() == SnapshotKey(0).size() && key.compare(key.size() - 3, 3, ".db") == 0) {
        latest = key;
      }
    }
    if (static_cast<int>(keys.size()) < kListPage) return latest;
    after = keys.back();
  }
}

Result<void> LogJournal::Impl::StartFromSnapshot(int64_t at_seq) {
  ASSIGN_OR_RETURN(std::string key, LatestSnapshotKey());
  if (key.empty()) return {};
  int64_t seq = std::strtoll(key.c_str() + std::string_view(kSnapshotPrefix).size(), nullptr, 10);
  if (at_seq > 0 && seq - at_seq <= options_.snapshot_every) return {};
  const std::string path = ScratchPath("in");
  Result<LogPosition> fetched = FetchSnapshot(key, path);
  Result<bool> restored = fetched ? replica_->RestoreSnapshot(path, *fetched)
                                  : Result<bool>(MakeError(fetched.error()));
  RemoveStateFiles(path);
  if (restored) {
    if (*restored) snapshot_used_ = fetched->seq;
    return {};
  }
  // An unusable snapshot is not an unusable state: the log is replayed
  // instead, and `audit verify` reports the snapshot.
  if (restored.error().code() == ErrorCode::kCorruption) return {};
  return MakeError(restored.error());
}

Result<LogPosition> LogJournal::Impl::FetchSnapshot(const std::string& key,
                                                    const std::string& path) {
  const std::string where = store_.Describe() + key;
  auto unusable = [&](const std::string& why) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("the snapshot {} cannot be used: {}", where, why));
  };
  ASSIGN_OR_RETURN(std::optional<std::string> text, store_.Get(key));
  if (!text) return unusable("it is gone");
  size_t first = text->find('\n');
  size_t second = first == std::string::npos ? first : text->find('\n', first + 1);
  if (second == std::string::npos ||
      std::string_view(*text).substr(0, first) !=
          fmt::format("{} {}", kSnapshotMagic, kSharedStateVersion)) {
    return unusable(
        fmt::format("it is not a flightplan snapshot of format {}", kSharedStateVersion));
  }
  Result<Value> header = Value::FromJson(text->substr(first + 1, second - first - 1));
  if (!header || !header->is_map()) return unusable("its header is unreadable");
  std::string_view bytes(text->data() + second + 1, text->size() - second - 1);
  LogPosition at{header->IntAt("seq"), header->StringAt("log_hash")};
  if (SnapshotKey(at.seq) != key) {
    return unusable(fmt::format("its header names log object {}", at.seq));
  }
  if (header->StringAt("journal_id") != journal_id_) return unusable("it is of another journal");
  if (Sha256Hex(bytes) != header->StringAt("sha256")) {
    return unusable("it does not match its hash (altered or cut short)");
  }
  // The log object it was taken after: still there, and the same.
  const std::string object_key = LogObjectKey(at.seq);
  ASSIGN_OR_RETURN(std::optional<std::string> named, store_.Get(object_key));
  if (!named) return unusable(fmt::format("log object {} it names is missing", at.seq));
  Result<LogObject> object = ParseLogObject(store_.Describe() + object_key, *named, journal_id_);
  if (!object) return unusable(object.error().message());
  if (object->hash != at.hash) {
    return unusable(fmt::format("log object {} is not the one it was taken after", at.seq));
  }

  RemoveStateFiles(path);
  if (Result<void> written = WriteFileSynced(path, bytes, 0600); !written) {
    return MakeError(ErrorCode::kStateFile,
                     fmt::format("could not write the snapshot {} to '{}': {}", where, path,
                                 written.error().message()));
  }
  JournalOptions copy_options;
  copy_options.create = CreateIfMissing::kNo;
  copy_options.durability = JournalOptions::Durability::kCache;
  Result<std::unique_ptr<SqliteJournal>> copy = OpenSqliteJournal(path, clock_, copy_options);
  if (!copy) return unusable(copy.error().message());
  if ((*copy)->JournalId() != journal_id_) return unusable("its rows are of another journal");
  Result<LogPosition> stands = (*copy)->GetLogPosition();
  if (!stands || stands->seq != at.seq || stands->hash != at.hash) {
    return unusable(fmt::format("its rows do not stand at log object {}", at.seq));
  }
  // Its audit chain whole, and ending where the log's does.
  Result<ChainReport> chain = (*copy)->VerifyChain();
  if (!chain || chain->first_bad_seq) {
    return unusable(
        chain ? fmt::format("its audit event {} is bad: {}", *chain->first_bad_seq, chain->problem)
              : chain.error().message());
  }
  std::optional<std::pair<int64_t, std::string>> ours;
  if (chain->events > 0) {
    EventFilter last;
    last.after_seq = chain->events - 1;
    last.limit = 1;
    Result<std::vector<EventRecord>> events = (*copy)->ListEvents(last);
    if (!events || events->size() != 1) return unusable("its last audit event cannot be read");
    ours.emplace(events->front().seq, events->front().hash);
  }
  ASSIGN_OR_RETURN(auto theirs, LastEventUpTo(*object));
  if (ours != theirs) {
    return unusable(fmt::format("its audit events end at event {}, the log's at event {}",
                                ours ? ours->first : 0, theirs ? theirs->first : 0));
  }
  return at;
}

Result<std::optional<std::pair<int64_t, std::string>>> LogJournal::Impl::LastEventUpTo(
    const LogObject& object) {
  using Last = std::optional<std::pair<int64_t, std::string>>;
  auto last_of = [](const LogObject& o) -> Last {
    const Value& e = o.events.back();
    return std::make_pair(e.IntAt("seq"), e.StringAt("hash"));
  };
  if (!object.events.empty()) return last_of(object);
  // Heartbeats come a few at a time between audited writes: a small first
  // batch, doubling up to 32.
  int64_t batch = 4;
  int64_t next = object.seq - 1;
  while (next >= 1) {
    if (object.seq - next > kSnapshotEventSearch) {
      return MakeError(ErrorCode::kCorruption,
                       fmt::format("the snapshot after log object {} cannot be checked: no "
                                   "audit event in the {} objects before it",
                                   object.seq, kSnapshotEventSearch));
    }
    std::vector<std::string> keys;
    for (int64_t seq = next; seq >= 1 && seq > next - batch; --seq) {
      keys.push_back(LogObjectKey(seq));
    }
    ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> texts, store_.GetMany(keys));
    for (size_t i = 0; i < keys.size(); ++i) {
      std::string where = store_.Describe() + keys[i];
      if (!texts[i]) return MakeError(Corrupt(where, "is missing"));
      ASSIGN_OR_RETURN(LogObject earlier, ParseLogObject(where, *texts[i], journal_id_));
      if (!earlier.events.empty()) return last_of(earlier);
    }
    next -= batch;
    batch = std::min<int64_t>(batch * 2, 32);
  }
  return Last();
}

Result<void> LogJournal::Impl::Sync() {
  Result<void> synced = SyncOnce();
  if (synced || synced.error().code() == ErrorCode::kCorruption) return synced;
  return MakeError(ErrorCode::kStateFile, fmt::format("could not read the shared state at {}: {}",
                                                      store_.Describe(), synced.error().message()));
}

Result<void> LogJournal::Impl::SyncOnce() {
  for (;;) {
    ASSIGN_OR_RETURN(LogPosition at, replica_->GetLogPosition());
    seen_seq_ = at.seq;
    // Listed after reading the position: every object past it is listed, so
    // the first must be the next number (the store is strongly consistent).
    ASSIGN_OR_RETURN(std::vector<std::string> keys,
                     store_.List(kLogPrefix, LogObjectKey(at.seq), kListPage));
    int64_t expected = at.seq + 1;
    for (const std::string& key : keys) {
      if (key != LogObjectKey(expected++)) {
        return MakeError(Corrupt(store_.Describe() + LogObjectKey(expected - 1),
                                 fmt::format("is missing (the next object is {})", key)));
      }
    }
    expected = at.seq + 1;
    ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> texts, store_.GetMany(keys));
    for (size_t i = 0; i < keys.size(); ++i) {
      std::string where = store_.Describe() + keys[i];
      const std::optional<std::string>& text = texts[i];
      if (!text) return MakeError(Corrupt(where, "was listed but cannot be read"));
      ASSIGN_OR_RETURN(LogObject object, ParseLogObject(where, *text, journal_id_));
      if (object.seq != expected) {
        return MakeError(Corrupt(where, fmt::format("says it is number {}", object.seq)));
      }
      TRY(Replay(where, object));
      ++expected;
    }
    if (static_cast<int>(keys.size()) < kListPage) return {};
  }
}

Result<void> LogJournal::Impl::Replay(const std::string& where, const LogObject& object) {
  mode_ = Mode::kReplay;
  replaying_ = &object;
  replayed_elsewhere_ = false;
  pinned_.Pin(object.at);
  Result<Applied> applied = Apply(object.call);
  bool elsewhere = replayed_elsewhere_;
  replaying_ = nullptr;
  mode_ = Mode::kLive;
  if (elsewhere) {
    // Another process on this machine applied it first; nothing to do,
    // except telling a write that waited for this very object.
    if (object.commit_id == awaited_commit_id_) awaited_elsewhere_ = object.seq;
    seen_seq_ = std::max(seen_seq_, object.seq);
    return {};
  }
  if (!applied) {
    // The replica's own trouble (locked by another process for too long, a
    // full disk) says nothing about the log object.
    if (applied.error().code() == ErrorCode::kCorruption ||
        applied.error().code() == ErrorCode::kStateFile) {
      return MakeError(applied.error());
    }
    return MakeError(Corrupt(
        where, "does not apply to the state before it (" + applied.error().message() + ")"));
  }
  seen_seq_ = object.seq;
  if (!awaited_commit_id_.empty() && object.commit_id == awaited_commit_id_) awaited_ = *applied;
  return {};
}

Result<void> LogJournal::Impl::AfterBegin(const LogPosition& at) {
  if (mode_ == Mode::kReplay && at.seq >= replaying_->seq) {
    replayed_elsewhere_ = true;
    return MakeError(ErrorCode::kConflict, "already in the replica");
  }
  return {};
}

Result<LogPosition> LogJournal::Impl::BeforeCommit(const LogPosition& at,
                                                   const std::vector<EventRecord>& events) {
  const std::string prev = at.seq == 0 ? std::string(kZeroHash) : at.hash;
  if (mode_ == Mode::kReplay) {
    const LogObject& object = *replaying_;
    if (at.seq + 1 != object.seq || object.prev != prev) {
      return MakeError(Corrupt(LogObjectKey(object.seq),
                               "does not link to the object before it (an object was "
                               "replaced, inserted or altered)"));
    }
    bool same = events.size() == object.events.size();
    for (size_t i = 0; same && i < events.size(); ++i) {
      same = events[i].seq == object.events[i].IntAt("seq") &&
             events[i].hash == object.events[i].StringAt("hash");
    }
    if (!same) {
      return MakeError(Corrupt(LogObjectKey(object.seq),
                               "records other audit events than applying its call produces "
                               "(the object or the state before it was altered)"));
    }
    return LogPosition{object.seq, object.hash};
  }
  int64_t seq = at.seq + 1;
  ValueList recorded;
  for (const EventRecord& e : events) recorded.push_back(RecordedEventValue(e));
  Value entry(ValueMap{{"seq", Value(seq)},
                       {"prev", Value(prev)},
                       {"journal_id", Value(journal_id_)},
                       {"commit_id", Value(commit_id_)},
                       {"at_ms", Value(live_at_.unix_ms)},
                       {"call", *live_call_},
                       {"events", Value(std::move(recorded))}});
  std::string entry_text = entry.ToJson();
  std::string hash = Sha256Hex(entry_text);
  std::string object =
      fmt::format("{} {}\n{}\n{}", kObjectMagic, kSharedStateVersion, hash, entry_text);
  Result<CreateOutcome> created = store_.CreateIfAbsent(LogObjectKey(seq), object);
  if (!created) {
    if (created.error().code() == ErrorCode::kTransient) {
      outcome_ = Outcome::kUnknown;
      return MakeError(created.error());
    }
    outcome_ = Outcome::kNone;
    refused_by_store_ = created.error().message();
    return MakeError(ErrorCode::kStateFile,
                     fmt::format("could not write to the shared state at {}: {} Nothing was "
                                 "recorded.",
                                 store_.Describe(), created.error().message()));
  }
  if (*created == CreateOutcome::kAlreadyExists) {
    outcome_ = Outcome::kLostRace;
    return MakeError(ErrorCode::kConflict, "another operator's write took this log position");
  }
  outcome_ = Outcome::kCommitted;
  committed_seq_ = seq;
  if (options_.after_publish) options_.after_publish();
  return LogPosition{seq, hash};
}

Result<Applied> LogJournal::Impl::Write(const Value& call) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Value parsed, Value::FromJson(call.ToJson()));
  commit_id_ = NewId(12);
  awaited_commit_id_ = commit_id_;
  awaited_.reset();
  awaited_elsewhere_ = 0;
  struct Forget {
    Impl* impl;
    ~Forget() {
      impl->awaited_commit_id_.clear();
      impl->awaited_.reset();
      impl->awaited_elsewhere_ = 0;
      impl->live_call_ = nullptr;
    }
  } forget{this};
  // Tries in a row whose PUT went unanswered (the store's client already
  // retried each); after kMaxUnansweredWrites the command stops instead of
  // trying on as if it had lost races. The outcome stays unknown: a PUT
  // that timed out may still land.
  int unanswered = 0;
  std::string unanswered_error;
  // An attempt went unanswered or its replica could not commit: its object
  // may be in the log (or land there), whatever later attempts report.
  bool maybe_landed = false;
  // A call that returns nothing is done once its object is in the log,
  // whichever process on this machine applied it to the replica.
  const std::string op = parsed.StringAt("op");
  const bool returns_nothing = op != "AcquireLease" && op != "CreateRun";
  for (int attempt = 0; attempt < options_.max_commit_attempts; ++attempt) {
    if (attempt > 0) {
      Result<void> synced = Sync();
      if (awaited_) return *awaited_;  // an earlier attempt did commit
      if (awaited_elsewhere_ > 0 && returns_nothing) return Applied{};
      if (awaited_elsewhere_ > 0) {
        return MakeError(ErrorCode::kStateFile,
                         fmt::format("this write reached the shared state at {} (log object "
                                     "{}), but another flightplan process on this machine "
                                     "recorded it first, so its result is not known here. "
                                     "Nothing is lost or doubled: run `flightplan status`, "
                                     "then go on.",
                                     store_.Describe(), awaited_elsewhere_));
      }
      if (!synced) {
        return MakeError(WriteInDoubt(fmt::format(" ({})", synced.error().message())));
      }
      if (unanswered >= kMaxUnansweredWrites) {
        return MakeError(WriteInDoubt(fmt::format(": {} tries in a row went unanswered (the "
                                                  "last: {}), and the log does not hold any "
                                                  "of them yet",
                                                  unanswered, unanswered_error),
                                      " once the store answers"));
      }
    }
    live_at_ = clock_.Now();
    pinned_.Pin(live_at_);
    live_call_ = &parsed;
    outcome_ = Outcome::kNone;
    refused_by_store_.clear();
    Result<Applied> applied = Apply(parsed);
    if (applied) {
      seen_seq_ = committed_seq_;
      if (options_.snapshot_every > 0 && committed_seq_ % options_.snapshot_every == 0) {
        PublishSnapshot();
      }
      return applied;
    }
    if (outcome_ == Outcome::kNone) {  // refused: this attempt wrote nothing
      if (!maybe_landed) return applied;
      return MakeError(WriteInDoubt(
          fmt::format(": an earlier try went unanswered and is not in "
                      "the log yet, and the next one failed ({})",
                      refused_by_store_.empty() ? applied.error().message() : refused_by_store_)));
    }
    maybe_landed = maybe_landed || outcome_ == Outcome::kUnknown || outcome_ == Outcome::kCommitted;
    if (outcome_ == Outcome::kUnknown) {
      ++unanswered;
      unanswered_error = applied.error().message();
    } else {
      unanswered = 0;
    }
    // kLostRace: read what the winner wrote and decide again. kUnknown or
    // kCommitted (the replica could not commit after the log did): the next
    // read finds out whether our object is there.
  }
  if (unanswered > 0) {
    return MakeError(WriteInDoubt(fmt::format(" after {} attempts (the last went unanswered: {})",
                                              options_.max_commit_attempts, unanswered_error)));
  }
  if (maybe_landed) {
    // An earlier try may be in the log after all: look once more.
    Result<void> synced = Sync();
    if (awaited_) return *awaited_;
    if (awaited_elsewhere_ > 0 && returns_nothing) return Applied{};
    return MakeError(WriteInDoubt(
        fmt::format(" after {} attempts (an earlier one went "
                    "unanswered{})",
                    options_.max_commit_attempts, synced ? "" : ": " + synced.error().message())));
  }
  return MakeError(ErrorCode::kConflict,
                   fmt::format("gave up writing to the shared state at {} after {} attempts: "
                               "other operators kept writing first. Nothing of this write was "
                               "recorded; try again.",
                               store_.Describe(), options_.max_commit_attempts));
}

Error LogJournal::Impl::WriteInDoubt(const std::string& what_happened,
                                     std::string_view when) const {
  return Error(ErrorCode::kStateFile,
               fmt::format("could not tell whether a write reached the shared state at {}{}. "
                           "Nothing is lost: run `flightplan status`{}, which reads the state "
                           "as it is, then go on.",
                           store_.Describe(), what_happened, when));
}

Result<Applied> LogJournal::Impl::Apply(const Value& call) {
  const std::string op = call.StringAt("op");
  Applied out;
  if (op == "AcquireLease") {
    LeaseRequest request;
    request.target = call.StringAt("target");
    request.holder = HolderFrom(call.At("holder"));
    request.ttl = Duration(call.IntAt("ttl_ms"));
    request.mode = LeaseModeFrom(call.StringAt("mode"));
    request.expected_generation = call.IntAt("expected_generation");
    ASSIGN_OR_RETURN(out.lease, replica_->AcquireLease(request));
  } else if (op == "HeartbeatLease") {
    TRY(replica_->HeartbeatLease(FenceFrom(call.At("fence")), Duration(call.IntAt("ttl_ms"))));
  } else if (op == "ReleaseLease") {
    TRY(replica_->ReleaseLease(FenceFrom(call.At("fence")), call.StringAt("operator")));
  } else if (op == "CreateRun") {
    const Value& r = call.At("run");
    RunRecord run;
    run.workflow = r.StringAt("workflow");
    run.target = r.StringAt("target");
    run.state = ParseRunState(r.StringAt("state")).value_or(RunState::kPending);
    run.definition_sha256 = r.StringAt("definition_sha256");
    run.definition_source = r.StringAt("definition_source");
    run.definition_text = r.StringAt("definition_text");
    for (const Value& w : r.At("requires").is_list() ? r.At("requires").as_list() : ValueList{}) {
      if (w.is_string()) run.requires_workflows.push_back(w.as_string());
    }
    run.params = r.At("params");
    run.operator_name = r.StringAt("operator");
    std::vector<std::string> step_ids;
    if (call.At("step_ids").is_list()) {
      for (const Value& id : call.At("step_ids").as_list()) {
        if (id.is_string()) step_ids.push_back(id.as_string());
      }
    }
    ASSIGN_OR_RETURN(out.run_id, replica_->CreateRun(FenceFrom(call.At("fence")), run, step_ids,
                                                     EventFrom(call.At("event"))));
  } else if (op == "TransitionRun") {
    TRY(replica_->TransitionRun(FenceFrom(call.At("fence")), call.IntAt("run"),
                                ParseRunState(call.StringAt("from")).value_or(RunState::kPending),
                                ParseRunState(call.StringAt("to")).value_or(RunState::kPending),
                                EventFrom(call.At("event"))));
  } else if (op == "TransitionStep") {
    const Value& u = call.At("update");
    StepUpdate update;
    update.run_id = u.IntAt("run_id");
    update.step_id = u.StringAt("step_id");
    update.from = ParseStepState(u.StringAt("from")).value_or(StepState::kPending);
    update.to = ParseStepState(u.StringAt("to")).value_or(StepState::kPending);
    if (u.Find("attempt")) update.attempt = static_cast<int>(u.IntAt("attempt"));
    if (u.Find("prepared")) update.prepared = u.At("prepared");
    if (u.Find("outputs")) update.outputs = u.At("outputs");
    if (u.Find("error")) update.error = u.StringAt("error");
    if (u.Find("note")) update.note = u.StringAt("note");
    TRY(replica_->TransitionStep(FenceFrom(call.At("fence")), update, EventFrom(call.At("event"))));
  } else if (op == "RepinDefinition") {
    TRY(replica_->RepinDefinition(FenceFrom(call.At("fence")), call.IntAt("run"),
                                  call.StringAt("sha256"), call.StringAt("source"),
                                  call.StringAt("text"), EventFrom(call.At("event"))));
  } else if (op == "AppendEvent") {
    Fence fence;
    const Fence* fence_ptr = nullptr;
    if (call.At("fence").is_map()) {
      fence = FenceFrom(call.At("fence"));
      fence_ptr = &fence;
    }
    TRY(replica_->AppendEvent(fence_ptr, EventFrom(call.At("event"))));
  } else if (op == "Import") {
    TRY(replica_->ImportAll(call.At("dump")));
  } else {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("unknown journal operation '{}' (written by a newer "
                                 "flightplan?)",
                                 op));
  }
  return out;
}

Result<ChainReport> LogJournal::Impl::VerifyStore() {
  ChainReport report;
  std::string prev = kZeroHash;
  std::string event_prev = kZeroHash;
  int64_t expected = 1;
  int64_t next_event = 1;
  std::string after;
  auto bad = [&](int64_t seq, std::string problem) {
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
    return report;
  };
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<std::string> keys, store_.List(kLogPrefix, after, kListPage));
    ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> texts, store_.GetMany(keys));
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string& key = keys[i];
      std::string where = store_.Describe() + key;
      if (key != LogObjectKey(expected)) {
        return bad(expected, fmt::format("log object {} ({}{}) is missing (the next one is {})",
                                         expected, store_.Describe(), LogObjectKey(expected), key));
      }
      const std::optional<std::string>& text = texts[i];
      if (!text) return bad(expected, fmt::format("log object {} ({}) is gone", expected, where));
      Result<LogObject> object = ParseLogObject(where, *text, journal_id_);
      if (!object) return bad(expected, object.error().message());
      if (object->seq != expected || object->prev != prev) {
        return bad(expected, fmt::format("log object {} ({}) does not link to the one before "
                                         "it (replaced, inserted or altered)",
                                         expected, where));
      }
      for (const Value& e : object->events) {
        ++report.events;
        std::string hash =
            EventHash(event_prev, e.IntAt("seq"), e.IntAt("at_ms"), e.StringAt("operator"),
                      e.IntAt("run_id"), e.StringAt("target"), e.StringAt("step_id"),
                      e.StringAt("kind"), e.StringAt("detail_json"));
        if (e.IntAt("seq") != next_event || e.StringAt("prev_hash") != event_prev ||
            e.StringAt("hash") != hash) {
          return bad(expected, fmt::format("audit event {} in log object {} ({}) does not "
                                           "match the chain",
                                           next_event, expected, where));
        }
        event_prev = hash;
        ++next_event;
      }
      prev = object->hash;
      ++expected;
      after = key;
    }
    if (static_cast<int>(keys.size()) < kListPage) break;
  }
  // The snapshot a new machine would start from, checked as it would be.
  ASSIGN_OR_RETURN(std::string snapshot, LatestSnapshotKey());
  if (snapshot.empty()) return report;
  const std::string path = ScratchPath("verify");
  Result<LogPosition> checked = FetchSnapshot(snapshot, path);
  RemoveStateFiles(path);
  if (checked) return report;
  if (checked.error().code() != ErrorCode::kCorruption) return MakeError(checked.error());
  return bad(std::strtoll(snapshot.c_str() + std::string_view(kSnapshotPrefix).size(), nullptr, 10),
             checked.error().message());
}

// ------------------------------------------------------------------ LogJournal

Result<std::unique_ptr<LogJournal>> OpenLogJournal(ObjectStore& store, Clock& clock,
                                                   const LogJournalOptions& options) {
  auto impl = std::make_unique<LogJournal::Impl>(store, clock, options);
  {
    std::lock_guard lock(impl->mu_);
    Result<void> opened = impl->Open();
    if (!opened) {
      ErrorCode code = opened.error().code();
      if (code == ErrorCode::kCorruption || code == ErrorCode::kStateFile) {
        return MakeError(opened.error());
      }
      return MakeError(ErrorCode::kStateFile,
                       fmt::format("could not open the shared state at {}: {}", store.Describe(),
                                   opened.error().message()));
    }
  }
  return std::unique_ptr<LogJournal>(new LogJournal(std::move(impl)));
}

LogJournal::LogJournal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogJournal::~LogJournal() = default;

std::string LogJournal::JournalId() const { return impl_->journal_id_; }
std::string LogJournal::Describe() const { return impl_->store_.Describe(); }
int64_t LogJournal::snapshot_used() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->snapshot_used_;
}
int64_t LogJournal::log_seq() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->seen_seq_;
}

Result<SqliteJournal*> LogJournal::UpToDateReplica() {
  std::lock_guard lock(impl_->mu_);
  TRY(impl_->Sync());
  return impl_->replica_.get();
}

Result<void> LogJournal::Import(const Value& dump) {
  Value call(ValueMap{{"op", Value("Import")}, {"dump", dump}});
  TRY(impl_->Write(call));
  return {};
}

Result<Lease> LogJournal::AcquireLease(const LeaseRequest& request) {
  Value call(ValueMap{{"op", Value("AcquireLease")},
                      {"target", Value(request.target)},
                      {"holder", HolderValue(request.holder)},
                      {"ttl_ms", Value(static_cast<int64_t>(request.ttl.count()))},
                      {"mode", Value(LeaseModeName(request.mode))},
                      {"expected_generation", Value(request.expected_generation)}});
  ASSIGN_OR_RETURN(Applied applied, impl_->Write(call));
  return applied.lease;
}

Result<void> LogJournal::HeartbeatLease(const Fence& fence, Duration ttl) {
  Value call(ValueMap{{"op", Value("HeartbeatLease")},
                      {"fence", FenceValue(fence)},
                      {"ttl_ms", Value(static_cast<int64_t>(ttl.count()))}});
  TRY(impl_->Write(call));
  return {};
}

Result<void> LogJournal::ReleaseLease(const Fence& fence, const std::string& operator_name) {
  Value call(ValueMap{{"op", Value("ReleaseLease")},
                      {"fence", FenceValue(fence)},
                      {"operator", Value(operator_name)}});
  TRY(impl_->Write(call));
  return {};
}

Result<RunId> LogJournal::CreateRun(const Fence& fence, const RunRecord& run,
                                    const std::vector<std::string>& step_ids,
                                    const NewEvent& event) {
  ValueList requires_list;
  for (const std::string& w : run.requires_workflows) requires_list.emplace_back(w);
  ValueList ids;
  for (const std::string& id : step_ids) ids.emplace_back(id);
  Value record(ValueMap{{"workflow", Value(run.workflow)},
                        {"target", Value(run.target)},
                        {"state", Value(RunStateName(run.state))},
                        {"definition_sha256", Value(run.definition_sha256)},
                        {"definition_source", Value(run.definition_source)},
                        {"definition_text", Value(run.definition_text)},
                        {"requires", Value(std::move(requires_list))},
                        {"params", run.params.is_null() ? Value(ValueMap{}) : run.params},
                        {"operator", Value(run.operator_name)}});
  Value call(ValueMap{{"op", Value("CreateRun")},
                      {"fence", FenceValue(fence)},
                      {"run", std::move(record)},
                      {"step_ids", Value(std::move(ids))},
                      {"event", EventValue(event)}});
  ASSIGN_OR_RETURN(Applied applied, impl_->Write(call));
  return applied.run_id;
}

Result<void> LogJournal::TransitionRun(const Fence& fence, RunId run, RunState from, RunState to,
                                       const NewEvent& event) {
  Value call(ValueMap{{"op", Value("TransitionRun")},
                      {"fence", FenceValue(fence)},
                      {"run", Value(run)},
                      {"from", Value(RunStateName(from))},
                      {"to", Value(RunStateName(to))},
                      {"event", EventValue(event)}});
  TRY(impl_->Write(call));
  return {};
}

Result<void> LogJournal::TransitionStep(const Fence& fence, const StepUpdate& update,
                                        const NewEvent& event) {
  Value u(ValueMap{{"run_id", Value(update.run_id)},
                   {"step_id", Value(update.step_id)},
                   {"from", Value(StepStateName(update.from))},
                   {"to", Value(StepStateName(update.to))}});
  if (update.attempt) u.Set("attempt", Value(int64_t{*update.attempt}));
  if (update.prepared) u.Set("prepared", *update.prepared);
  if (update.outputs) u.Set("outputs", *update.outputs);
  if (update.error) u.Set("error", Value(*update.error));
  if (update.note) u.Set("note", Value(*update.note));
  Value call(ValueMap{{"op", Value("TransitionStep")},
                      {"fence", FenceValue(fence)},
                      {"update", std::move(u)},
                      {"event", EventValue(event)}});
  TRY(impl_->Write(call));
  return {};
}

Result<void> LogJournal::RepinDefinition(const Fence& fence, RunId run, const std::string& sha256,
                                         const std::string& source, const std::string& text,
                                         const NewEvent& event) {
  Value call(ValueMap{{"op", Value("RepinDefinition")},
                      {"fence", FenceValue(fence)},
                      {"run", Value(run)},
                      {"sha256", Value(sha256)},
                      {"source", Value(source)},
                      {"text", Value(text)},
                      {"event", EventValue(event)}});
  TRY(impl_->Write(call));
  return {};
}

Result<void> LogJournal::AppendEvent(const Fence* fence, const NewEvent& event) {
  Value call(ValueMap{{"op", Value("AppendEvent")},
                      {"fence", fence ? FenceValue(*fence) : Value()},
                      {"event", EventValue(event)}});
  TRY(impl_->Write(call));
  return {};
}

Result<std::optional<Lease>> LogJournal::GetLease(const std::string& target) {
  return impl_->Read([&](SqliteJournal& r) { return r.GetLease(target); });
}
Result<std::vector<Lease>> LogJournal::ListLeases() {
  return impl_->Read([&](SqliteJournal& r) { return r.ListLeases(); });
}
Result<RunRecord> LogJournal::GetRun(RunId run) {
  return impl_->Read([&](SqliteJournal& r) { return r.GetRun(run); });
}
Result<std::vector<StepRecord>> LogJournal::GetSteps(RunId run) {
  return impl_->Read([&](SqliteJournal& r) { return r.GetSteps(run); });
}
Result<std::vector<RunRecord>> LogJournal::ListRuns(const std::string& workflow,
                                                    const std::string& target) {
  return impl_->Read([&](SqliteJournal& r) { return r.ListRuns(workflow, target); });
}
Result<std::vector<EventRecord>> LogJournal::ListEvents(const EventFilter& filter) {
  return impl_->Read([&](SqliteJournal& r) { return r.ListEvents(filter); });
}

Result<ChainReport> LogJournal::VerifyChain() {
  std::lock_guard lock(impl_->mu_);
  return impl_->VerifyStore();
}

}  // namespace flightplan
