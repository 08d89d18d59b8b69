#include "store/sqlite_journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/digest.h"

namespace flightplan {
namespace {

constexpr char kZeroHash[] = "0000000000000000000000000000000000000000000000000000000000000000";

// Schema 2 keeps each event as the exact bytes its hash covers (`record`,
// docs/journal-format.md), so verifying reads and hashes one column; the
// columns beside it are the ones history is filtered by.
constexpr const char* kEventsTable = R"(CREATE TABLE events(
         seq INTEGER PRIMARY KEY,
         run_id INTEGER NOT NULL,
         target TEXT NOT NULL,
         record TEXT NOT NULL,
         hash TEXT NOT NULL))";
constexpr const char* kEventsByRun = "CREATE INDEX events_by_run ON events(run_id, seq)";
constexpr const char* kEventsByTarget = "CREATE INDEX events_by_target ON events(target, seq)";

// Events are dumped as their fields, whatever the storage (format 1 stored
// them so; a dump stays readable by every flightplan that reads format 1).
constexpr const char* kEventDumpColumns[] = {"seq",       "at",      "operator", "run_id",
                                             "target",    "step_id", "kind",     "detail_json",
                                             "prev_hash", "hash"};

constexpr const char* kSchema[] = {
    R"(CREATE TABLE meta(
         key TEXT PRIMARY KEY,
         value TEXT NOT NULL))",
    R"(CREATE TABLE runs(
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         workflow TEXT NOT NULL,
         target TEXT NOT NULL,
         state TEXT NOT NULL,
         definition_sha256 TEXT NOT NULL,
         definition_source TEXT NOT NULL,
         definition_text TEXT NOT NULL,
         requires_json TEXT NOT NULL,
         params_json TEXT NOT NULL,
         operator TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL))",
    "CREATE INDEX runs_by_workflow_target ON runs(workflow, target, id)",
    R"(CREATE TABLE steps(
         run_id INTEGER NOT NULL REFERENCES runs(id),
         idx INTEGER NOT NULL,
         step_id TEXT NOT NULL,
         state TEXT NOT NULL,
         attempt INTEGER NOT NULL DEFAULT 0,
         prepared_json TEXT NOT NULL DEFAULT '{}',
         outputs_json TEXT NOT NULL DEFAULT '{}',
         error TEXT NOT NULL DEFAULT '',
         note TEXT NOT NULL DEFAULT '',
         started_at INTEGER,
         finished_at INTEGER,
         PRIMARY KEY(run_id, step_id)))",
    kEventsTable,
    kEventsByRun,
    kEventsByTarget,
    R"(CREATE TABLE leases(
         target TEXT PRIMARY KEY,
         holder_user TEXT NOT NULL,
         holder_host TEXT NOT NULL,
         holder_pid INTEGER NOT NULL,
         holder_operator TEXT NOT NULL,
         holder_arn TEXT NOT NULL,
         generation INTEGER NOT NULL,
         acquired_at INTEGER NOT NULL,
         heartbeat_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL,
         released INTEGER NOT NULL))",
};

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) {
    // Fall back to the time and pid: the id need only differ between files.
    return fmt::format("{:x}{:x}", static_cast<uint64_t>(time(nullptr)),
                       static_cast<uint64_t>(getpid()));
  }
  std::string out;
  for (unsigned char b : buf) out += fmt::format("{:02x}", b);
  return out;
}

uint32_t ReadBigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

namespace {

// Writes one event's record — the bytes its hash covers, each field as
// <decimal length>:<bytes>, in the documented order — into `buffer` (reused
// across events, so no allocation once it has grown).
void EncodeRecord(std::string& buffer, std::string_view prev_hash, int64_t seq, int64_t at_ms,
                  std::string_view operator_name, int64_t run_id, std::string_view target,
                  std::string_view step_id, std::string_view kind, std::string_view detail_json) {
  buffer.clear();
  auto field = [&](std::string_view value) {
    char length[24];
    auto [end, ec] = std::to_chars(length, length + sizeof length, value.size());
    (void)ec;
    *end++ = ':';
    buffer.append(length, static_cast<size_t>(end - length));
    buffer.append(value);
    buffer.push_back(',');
  };
  auto number = [&](int64_t value) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    (void)ec;
    field(std::string_view(digits, static_cast<size_t>(end - digits)));
  };
  field(prev_hash);
  number(seq);
  number(at_ms);
  field(operator_name);
  number(run_id);
  field(target);
  field(step_id);
  field(kind);
  field(detail_json);
}

// A record's nine fields, in order; false when it is not exactly nine
// well-formed fields (an altered record).
constexpr size_t kRecordFields = 9;
bool SplitRecord(std::string_view record, std::array<std::string_view, kRecordFields>& out) {
  size_t pos = 0;
  for (std::string_view& f : out) {
    size_t colon = record.find(':', pos);
    if (colon == std::string_view::npos || colon == pos || colon - pos > 18) return false;
    uint64_t length = 0;
    auto [end, ec] = std::from_chars(record.data() + pos, record.data() + colon, length);
    if (ec != std::errc() || end != record.data() + colon) return false;
    size_t value = colon + 1;
    if (length > record.size() - value || value + length >= record.size() ||
        record[value + length] != ',') {
      return false;
    }
    f = record.substr(value, length);
    pos = value + length + 1;
  }
  return pos == record.size();
}

bool ParseInt(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// The event a stored row holds; kCorruption when its record is unreadable
// or disagrees with the columns beside it.
Result<EventRecord> DecodeEvent(int64_t seq, int64_t run_id, std::string_view target,
                                std::string_view record, std::string_view hash) {
  std::array<std::string_view, kRecordFields> f;
  EventRecord e;
  if (!SplitRecord(record, f) || !ParseInt(f[1], e.seq) || !ParseInt(f[2], e.at.unix_ms) ||
      !ParseInt(f[4], e.run_id) || e.seq != seq || e.run_id != run_id || f[5] != target) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("audit event {} in the state file is unreadable (the file was "
                                 "altered or damaged); `flightplan audit verify` names the first "
                                 "bad event",
                                 seq));
  }
  e.prev_hash = std::string(f[0]);
  e.operator_name = std::string(f[3]);
  e.target = std::string(f[5]);
  e.step_id = std::string(f[6]);
  e.kind = std::string(f[7]);
  e.detail_json = std::string(f[8]);
  e.hash = std::string(hash);
  return e;
}

std::string_view ColumnText(sqlite3_stmt* stmt, int col) {
  const unsigned char* p = sqlite3_column_text(stmt, col);
  int n = sqlite3_column_bytes(stmt, col);
  return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
           : std::string_view();
}

// A TEXT column's bytes as they are stored (no conversion, no terminating
// NUL asked for). Valid until the statement steps again.
std::string_view ColumnBytes(sqlite3_stmt* stmt, int col) {
  const void* p = sqlite3_column_blob(stmt, col);
  int n = sqlite3_column_bytes(stmt, col);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n))
           : std::string_view();
}

// The event of a row selected as (seq, run_id, target, record, hash).
Result<EventRecord> EventFromRow(sqlite3_stmt* row) {
  return DecodeEvent(sqlite3_column_int64(row, 0), sqlite3_column_int64(row, 1),
                     ColumnBytes(row, 2), ColumnBytes(row, 3), ColumnBytes(row, 4));
}

}  // namespace

std::string EventHash(const std::string& prev_hash, int64_t seq, int64_t at_ms,
                      const std::string& operator_name, int64_t run_id, const std::string& target,
                      const std::string& step_id, const std::string& kind,
                      const std::string& detail_json) {
  return Sha256Hex(EventRecordBytes(prev_hash, seq, at_ms, operator_name, run_id, target, step_id,
                                    kind, detail_json));
}

std::string EventRecordBytes(std::string_view prev_hash, int64_t seq, int64_t at_ms,
                             std::string_view operator_name, int64_t run_id,
                             std::string_view target, std::string_view step_id,
                             std::string_view kind, std::string_view detail_json) {
  std::string record;
  EncodeRecord(record, prev_hash, seq, at_ms, operator_name, run_id, target, step_id, kind,
               detail_json);
  return record;
}

std::string NetworkFilesystemName(int64_t type) {
  switch (static_cast<uint32_t>(type)) {
    case 0x6969:
      return "NFS";
    case 0x517B:
      return "SMB";
    case 0xFF534D42:
      return "CIFS";
    case 0xFE534D42:
      return "SMB2";
    case 0x65735546:
      return "FUSE (sshfs, s3fs, ...)";
    case 0x5346414F:
      return "AFS";
    case 0x00C36400:
      return "CephFS";
    case 0x01161970:
      return "GFS2";
    case 0x0BD00BD0:
      return "Lustre";
    case 0x01021997:
      return "9P";
    case 0x47504653:
      return "GPFS";
    default:
      return "";
  }
}

// --- SQLite helpers -------------------------------------------------------

class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() {
    if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  Statement& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }
  sqlite3_stmt* raw() const { return stmt_; }
  // Makes the statement ready to run again with new bindings.
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
             : std::string();
  }

 private:
  sqlite3_stmt* stmt_;
};

class SqliteJournal::Impl {
 public:
  Impl(sqlite3* db, Clock& clock) : db_(db), clock_(clock) {}
  ~Impl() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  Error SqlError(int rc, std::string_view doing) const {
    ErrorCode code = ErrorCode::kStateFile;
    std::string hint;
    int primary = rc & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
      code = ErrorCode::kCorruption;
      hint =
          " The state file is damaged; restore it from a backup or `flightplan audit "
          "export` copy. flightplan did not change it.";
    } else if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      code = ErrorCode::kStateFile;
      hint =
          " Another flightplan process kept the state file locked for too long; try "
          "again.";
    } else if (primary == SQLITE_FULL || primary == SQLITE_IOERR) {
      hint = " Check free disk space and that the disk is healthy.";
    } else if (primary == SQLITE_READONLY || primary == SQLITE_PERM || primary == SQLITE_CANTOPEN) {
      hint = " Check the permissions of the state file and its directory.";
    }
    return Error(code,
                 fmt::format("state file error while {}: {}.{}", doing, sqlite3_errstr(rc), hint));
  }

  Result<Statement> Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Result<Statement>(tl::in_place, it->second);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return MakeError(SqlError(rc, "preparing a query"));
    cache_.emplace(sql, stmt);
    return Result<Statement>(tl::in_place, stmt);
  }

  // Runs a statement without results (BEGIN, COMMIT) through the statement
  // cache: every write begins and commits, and compiling the same text each
  // time costs more than running it. Returns SQLite's result code.
  int RunCached(const char* sql) {
    Result<Statement> s = Prepare(sql);
    if (!s) return SQLITE_ERROR;
    int rc = s->Step();
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  }

  Result<void> Exec(const char* sql, std::string_view doing) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string detail = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      Error e = SqlError(rc, doing);
      return MakeError(e.code(), e.message() + " (" + detail + ")");
    }
    return {};
  }

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back on error.
  // With a commit hook, the hook is asked first whether to go on and has
  // the last word before COMMIT.
  template <typename Fn>
  auto Write(std::string_view doing, Fn&& body) -> decltype(body()) {
    if (int rc = RunCached("BEGIN IMMEDIATE"); rc != SQLITE_OK) {
      return MakeError(SqlError(rc, doing));
    }
    pending_events_.clear();
    // The position read after BEGIN IMMEDIATE holds for the whole
    // transaction: no other connection can write until it ends.
    LogPosition at_begin;
    if (hook_ != nullptr) {
      Result<LogPosition> at = ReadLogPosition();
      Result<void> go = at ? hook_->AfterBegin(*at) : Result<void>(MakeError(at.error()));
      if (!go) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return MakeError(std::move(go.error()));
      }
      at_begin = std::move(*at);
    }
    auto result = body();
    if (result && hook_ != nullptr) {
      Result<void> hooked = CallHook(at_begin);
      if (!hooked) result = MakeError(std::move(hooked.error()));
    }
    if (!result) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return result;
    }
    int rc = RunCached("COMMIT");
    if (rc != SQLITE_OK) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return MakeError(SqlError(rc, doing));
    }
    return result;
  }

  template <typename Fn>
  auto Read(std::string_view doing, Fn&& body) -> decltype(body()) {
    if (int rc = RunCached("BEGIN"); rc != SQLITE_OK) return MakeError(SqlError(rc, doing));
    auto result = body();
    (void)RunCached("COMMIT");
    return result;
  }

  // The log position recorded in this file, or in the one attached as
  // "copy" or "snapshot" (statements are cached by their literal's address).
  Result<LogPosition> ReadLogPosition(std::string_view schema = "main") {
    LogPosition at;
    const char* sql =
        schema == "copy" ? "SELECT key, value FROM copy.meta WHERE key IN ('log_seq', 'log_hash')"
        : schema == "snapshot"
            ? "SELECT key, value FROM snapshot.meta WHERE key IN ('log_seq', 'log_hash')"
            : "SELECT key, value FROM main.meta WHERE key IN ('log_seq', 'log_hash')";
    ASSIGN_OR_RETURN(Statement s, Prepare(sql));
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      if (s.Text(0) == "log_seq") at.seq = std::strtoll(s.Text(1).c_str(), nullptr, 10);
      if (s.Text(0) == "log_hash") at.hash = s.Text(1);
    }
    if (rc != SQLITE_DONE) return MakeError(SqlError(rc, "reading the log position"));
    return at;
  }

  Result<void> WriteLogPosition(const LogPosition& at) {
    ASSIGN_OR_RETURN(Statement s,
                     Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('log_seq', ?), "
                             "('log_hash', ?)"));
    s.Bind(1, std::to_string(at.seq)).Bind(2, at.hash);
    if (int rc = s.Step(); rc != SQLITE_DONE) {
      return MakeError(SqlError(rc, "recording the log position"));
    }
    return {};
  }

  // The hook's turn, inside the open transaction: it sees the position the
  // file holds (`at`, read after BEGIN), and the position it returns is
  // recorded with the rows.
  Result<void> CallHook(const LogPosition& at) {
    ASSIGN_OR_RETURN(LogPosition next, hook_->BeforeCommit(at, pending_events_));
    return WriteLogPosition(next);
  }

  // Another state file, readable as `schema` until Detach.
  Result<void> Attach(const std::string& path, std::string_view schema) {
    std::string sql = fmt::format("ATTACH ? AS {}", schema);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_bind_text(stmt, 1, path.c_str(), static_cast<int>(path.size()), SQLITE_TRANSIENT);
      rc = sqlite3_step(stmt);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_OK) {
      return MakeError(SqlError(rc, fmt::format("opening '{}' beside the state file", path)));
    }
    return {};
  }
  void Detach(std::string_view schema) {
    sqlite3_exec(db_, fmt::format("DETACH {}", schema).c_str(), nullptr, nullptr, nullptr);
  }

  Result<void> CheckFence(const Fence& fence) {
    ASSIGN_OR_RETURN(Statement s,
                     Prepare("SELECT generation, released, holder_operator FROM leases "
                             "WHERE target = ?"));
    s.Bind(1, fence.target);
    int rc = s.Step();
    if (rc == SQLITE_ROW && s.Int(0) == fence.generation && s.Int(1) == 0) return {};
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return MakeError(SqlError(rc, "checking the lease"));
    std::string who = rc != SQLITE_ROW ? std::string("nobody")
                      : s.Int(1) != 0  ? s.Text(2) + ", who has since released it"
                                       : s.Text(2);
    return MakeError(ErrorCode::kLeaseLost,
                     fmt::format("this process no longer holds the lease on '{}' (generation "
                                 "{} was replaced; taken by {}); it stops without writing. "
                                 "Run `flightplan status` to see the current state.",
                                 fence.target, fence.generation, who));
  }

  Result<void> InsertEvent(const NewEvent& event) {
    int64_t seq = 1;
    std::string prev = kZeroHash;
    {
      ASSIGN_OR_RETURN(Statement last,
                       Prepare("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"));
      int rc = last.Step();
      if (rc == SQLITE_ROW) {
        seq = last.Int(0) + 1;
        prev = last.Text(1);
      } else if (rc != SQLITE_DONE) {
        return MakeError(SqlError(rc, "reading the last audit event"));
      }
    }
    int64_t at = clock_.Now().unix_ms;
    Value detail = event.detail.is_null() ? Value(ValueMap{}) : event.detail;
    std::string detail_json = detail.ToJson();
    EncodeRecord(record_buffer_, prev, seq, at, event.operator_name, event.run_id, event.target,
                 event.step_id, event.kind, detail_json);
    std::string hash = Sha256Hex(record_buffer_);
    ASSIGN_OR_RETURN(Statement s, Prepare("INSERT INTO events(seq, run_id, target, record, hash) "
                                          "VALUES(?,?,?,?,?)"));
    s.Bind(1, seq).Bind(2, event.run_id).Bind(3, event.target).Bind(4, record_buffer_);
    s.Bind(5, hash);
    int rc = s.Step();
    if (rc != SQLITE_DONE) return MakeError(SqlError(rc, "appending an audit event"));
    EventRecord record;
    record.seq = seq;
    record.at = {at};
    record.operator_name = event.operator_name;
    record.run_id = event.run_id;
    record.target = event.target;
    record.step_id = event.step_id;
    record.kind = event.kind;
    record.detail_json = std::move(detail_json);
    record.prev_hash = std::move(prev);
    record.hash = std::move(hash);
    pending_events_.push_back(std::move(record));
    return {};
  }

  // Format 1 -> 2: each event's columns become its record, its hash kept
  // as it was (an event altered before the upgrade still fails to verify).
  Result<void> MigrateEventsToRecords() {
    const char* doing = "upgrading the state file's audit events";
    TRY(Exec("DROP INDEX events_by_run", doing));
    TRY(Exec("DROP INDEX events_by_target", doing));
    TRY(Exec("ALTER TABLE events RENAME TO events_format1", doing));
    TRY(Exec(kEventsTable, doing));
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_,
                                "SELECT seq, at, operator, run_id, target, step_id, kind, "
                                "detail_json, prev_hash, hash FROM events_format1 ORDER BY seq",
                                -1, &raw, nullptr);
    if (rc != SQLITE_OK) return MakeError(SqlError(rc, doing));
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> old(raw, sqlite3_finalize);
    ASSIGN_OR_RETURN(Statement insert, Prepare("INSERT INTO events(seq, run_id, target, record, "
                                               "hash) VALUES(?,?,?,?,?)"));
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
      EncodeRecord(record_buffer_, ColumnText(raw, 8), sqlite3_column_int64(raw, 0),
                   sqlite3_column_int64(raw, 1), ColumnText(raw, 2), sqlite3_column_int64(raw, 3),
                   ColumnText(raw, 4), ColumnText(raw, 5), ColumnText(raw, 6), ColumnText(raw, 7));
      insert.Reset();
      insert.Bind(1, static_cast<int64_t>(sqlite3_column_int64(raw, 0)))
          .Bind(2, static_cast<int64_t>(sqlite3_column_int64(raw, 3)))
          .Bind(3, std::string(ColumnText(raw, 4)))
          .Bind(4, record_buffer_)
          .Bind(5, std::string(ColumnText(raw, 9)));
      if (int step = insert.Step(); step != SQLITE_DONE) return MakeError(SqlError(step, doing));
    }
    if (rc != SQLITE_DONE) return MakeError(SqlError(rc, doing));
    old.reset();
    insert.Reset();
    TRY(Exec("DROP TABLE events_format1", doing));
    TRY(Exec(kEventsByRun, doing));
    TRY(Exec(kEventsByTarget, doing));
    return Exec("PRAGMA user_version = 2", doing);
  }

  // The events of a dump (ExportAll), stored as they were — hashes included,
  // so a dump that was altered fails verification afterwards.
  Result<void> ImportEvents(const ValueList& columns, const ValueList& rows) {
    std::array<int, std::size(kEventDumpColumns)> at{};
    at.fill(-1);
    for (size_t i = 0; i < columns.size(); ++i) {
      const Value& c = columns[i];
      auto known =
          std::find_if(std::begin(kEventDumpColumns), std::end(kEventDumpColumns),
                       [&](const char* name) { return c.is_string() && c.as_string() == name; });
      if (known == std::end(kEventDumpColumns)) {
        return MakeError(ErrorCode::kCorruption,
                         fmt::format("the journal to import has a column '{}' that table events "
                                     "does not have (written by a newer flightplan?)",
                                     c.is_string() ? c.as_string() : c.ToJson()));
      }
      at[static_cast<size_t>(known - std::begin(kEventDumpColumns))] = static_cast<int>(i);
    }
    for (size_t k = 0; k < at.size(); ++k) {
      if (at[k] < 0) {
        return MakeError(ErrorCode::kCorruption,
                         fmt::format("the journal to import has no column '{}' in its events",
                                     kEventDumpColumns[k]));
      }
    }
    ASSIGN_OR_RETURN(Statement s, Prepare("INSERT INTO events(seq, run_id, target, record, hash) "
                                          "VALUES(?,?,?,?,?)"));
    for (const Value& row : rows) {
      const ValueList* cells = row.is_list() ? &row.as_list() : nullptr;
      auto cell = [&](size_t k) -> const Value& { return (*cells)[static_cast<size_t>(at[k])]; };
      bool ok = cells != nullptr && cells->size() == columns.size();
      for (size_t k = 0; ok && k < at.size(); ++k) {
        bool number = k == 0 || k == 1 || k == 3;  // seq, at, run_id
        ok = number ? cell(k).is_int() : cell(k).is_string();
      }
      if (!ok) {
        return MakeError(ErrorCode::kCorruption,
                         "a row of 'events' in the journal to import does not match its columns");
      }
      EncodeRecord(record_buffer_, cell(8).as_string(), cell(0).as_int(), cell(1).as_int(),
                   cell(2).as_string(), cell(3).as_int(), cell(4).as_string(), cell(5).as_string(),
                   cell(6).as_string(), cell(7).as_string());
      s.Reset();
      s.Bind(1, cell(0).as_int()).Bind(2, cell(3).as_int()).Bind(3, cell(4).as_string());
      s.Bind(4, record_buffer_).Bind(5, cell(9).as_string());
      if (int rc = s.Step(); rc != SQLITE_DONE) {
        return MakeError(SqlError(rc, "importing events"));
      }
    }
    return {};
  }

  Result<std::optional<Lease>> ReadLease(const std::string& target) {
    ASSIGN_OR_RETURN(Statement s,
                     Prepare("SELECT target, holder_user, holder_host, holder_pid, "
                             "holder_operator, holder_arn, generation, acquired_at, "
                             "heartbeat_at, expires_at, released FROM leases WHERE target = ?"));
    s.Bind(1, target);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<Lease>();
    if (rc != SQLITE_ROW) return MakeError(SqlError(rc, "reading a lease"));
    return std::optional<Lease>(LeaseFromRow(s));
  }

  static Lease LeaseFromRow(Statement& s) {
    Lease lease;
    lease.target = s.Text(0);
    lease.holder.user = s.Text(1);
    lease.holder.host = s.Text(2);
    lease.holder.pid = s.Int(3);
    lease.holder.operator_name = s.Text(4);
    lease.holder.caller_arn = s.Text(5);
    lease.generation = s.Int(6);
    lease.acquired_at = {s.Int(7)};
    lease.heartbeat_at = {s.Int(8)};
    lease.expires_at = {s.Int(9)};
    lease.released = s.Int(10) != 0;
    return lease;
  }

  static RunRecord RunFromRow(Statement& s) {
    RunRecord run;
    run.id = s.Int(0);
    run.workflow = s.Text(1);
    run.target = s.Text(2);
    run.state = ParseRunState(s.Text(3)).value_or(RunState::kFailed);
    run.definition_sha256 = s.Text(4);
    run.definition_source = s.Text(5);
    run.definition_text = s.Text(6);
    auto requires_value = Value::FromJson(s.Text(7));
    if (requires_value && requires_value->is_list()) {
      for (const Value& v : requires_value->as_list()) {
        if (v.is_string()) run.requires_workflows.push_back(v.as_string());
      }
    }
    run.params = Value::FromJson(s.Text(8)).value_or(Value(ValueMap{}));
    run.operator_name = s.Text(9);
    run.created_at = {s.Int(10)};
    run.updated_at = {s.Int(11)};
    return run;
  }

  sqlite3* db_;
  Clock& clock_;
  std::mutex mu_;
  std::string journal_id_;
  std::string record_buffer_;  // InsertEvent's, reused
  int verify_threads_ = 0;
  int64_t parallel_verify_from_ = 20000;
  std::map<const char*, sqlite3_stmt*> cache_;
  CommitHook* hook_ = nullptr;
  std::vector<EventRecord> pending_events_;  // written by the open transaction
};

namespace {

constexpr const char* kRunColumns =
    "SELECT id, workflow, target, state, definition_sha256, definition_source, "
    "definition_text, requires_json, params_json, operator, created_at, updated_at FROM runs ";

Result<void> CheckLocation(const std::string& path, const JournalOptions& options) {
  std::filesystem::path p(path);
  std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  struct statfs fs {};
  if (statfs(dir.c_str(), &fs) == 0) {
    std::string network = NetworkFilesystemName(static_cast<int64_t>(fs.f_type));
    if (!network.empty() && options.network_fs == NetworkFs::kRefuse) {
      return MakeError(
          ErrorCode::kStateFile,
          fmt::format("the state file '{}' is on a network filesystem ({}), where SQLite's "
                      "locking is unsafe and two operators could corrupt it. Keep the state "
                      "file on a local disk (--state), or pass --allow-network-fs if only "
                      "one machine ever uses it.",
                      path, network));
    }
  }
  return {};
}

// Reads the 100-byte SQLite header without opening the database, so a foreign
// or newer file is refused without a single write.
Result<void> CheckHeader(const std::string& path, off_t size) {
  if (size < 100) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("'{}' is not a flightplan state file: it is {} bytes long, "
                                 "too short to be a SQLite database (truncated?). flightplan "
                                 "left it as it is; restore it from a backup or choose "
                                 "another --state.",
                                 path, size));
  }
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kStateFile, fmt::format("cannot read the state file '{}': {}", path,
                                                        std::strerror(errno)));
  }
  std::array<unsigned char, 100> header{};
  ssize_t n = read(fd, header.data(), header.size());
  close(fd);
  if (n != 100 || std::memcmp(header.data(), "SQLite format 3\0", 16) != 0) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("'{}' is not a flightplan state file: it is not a SQLite "
                                 "database (damaged, or some other file). flightplan left it "
                                 "as it is; restore it from a backup or choose another --state.",
                                 path));
  }
  uint32_t user_version = ReadBigEndian32(header.data() + 60);
  uint32_t application_id = ReadBigEndian32(header.data() + 68);
  if (application_id != static_cast<uint32_t>(kJournalApplicationId)) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("'{}' is a SQLite database but not a flightplan state file "
                                 "(application id {:#x}). flightplan left it as it is; point "
                                 "--state at a flightplan state file or a new path.",
                                 path, application_id));
  }
  if (user_version > static_cast<uint32_t>(kJournalSchemaVersion)) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("'{}' was written by a newer flightplan (state format {}, this "
                                 "flightplan reads up to {}). Upgrade flightplan; the file was "
                                 "left as it is.",
                                 path, user_version, kJournalSchemaVersion));
  }
  return {};
}

Result<void> CreateEmptyFile(const std::string& path) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    bool existed = std::filesystem::exists(p.parent_path(), ec);
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) {
      return MakeError(ErrorCode::kStateFile,
                       fmt::format("cannot create the directory '{}' for the state file: {}",
                                   p.parent_path().string(), ec.message()));
    }
    if (!existed) chmod(p.parent_path().c_str(), 0700);
  }
  int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST) {
    return MakeError(ErrorCode::kStateFile, fmt::format("cannot create the state file '{}': {}",
                                                        path, std::strerror(errno)));
  }
  if (fd >= 0) close(fd);
  return {};
}

}  // namespace

Result<std::unique_ptr<SqliteJournal>> OpenSqliteJournal(const std::string& path, Clock& clock,
                                                         const JournalOptions& options) {
  struct stat st {};
  bool exists = stat(path.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) {
    return MakeError(ErrorCode::kStateFile,
                     fmt::format("the state file '{}' is not a regular file", path));
  }
  if (!exists && options.create == CreateIfMissing::kNo) {
    return MakeError(ErrorCode::kStateFile,
                     fmt::format("no state file at '{}': nothing has run here yet (give "
                                 "--state or FLIGHTPLAN_STATE to use another one)",
                                 path));
  }
  if (exists) {
    TRY(CheckLocation(path, options));
  } else {
    TRY(CreateEmptyFile(path));
    TRY(CheckLocation(path, options));
  }
  bool fresh = !exists || st.st_size == 0;
  if (!fresh) TRY(CheckHeader(path, st.st_size));

  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, nullptr);
  auto impl = std::make_unique<SqliteJournal::Impl>(db, clock);
  if (rc != SQLITE_OK) return MakeError(impl->SqlError(rc, "opening the state file"));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);

  if (fresh) {
    // application_id and user_version first, while still in rollback-journal
    // mode, so they reach the main file's header before anything else.
    TRY(impl->Write("creating the state file", [&]() -> Result<void> {
      // Several processes may find the same new file; the first to take the
      // write lock creates the schema and the others find it done.
      ASSIGN_OR_RETURN(Statement schema_present,
                       impl->Prepare("SELECT count(*) FROM sqlite_master WHERE name = 'meta'"));
      if (schema_present.Step() == SQLITE_ROW && schema_present.Int(0) > 0) return {};
      TRY(impl->Exec(fmt::format("PRAGMA application_id = {}", kJournalApplicationId).c_str(),
                     "creating the state file"));
      for (const char* sql : kSchema) TRY(impl->Exec(sql, "creating the state file"));
      ASSIGN_OR_RETURN(Statement s, impl->Prepare("INSERT INTO meta(key, value) VALUES(?, ?)"));
      s.Bind(1, std::string("journal_id"))
          .Bind(2, options.journal_id.empty() ? RandomHex(8) : options.journal_id);
      if (int step = s.Step(); step != SQLITE_DONE) {
        return MakeError(impl->SqlError(step, "creating the state file"));
      }
      TRY(impl->Exec(fmt::format("PRAGMA user_version = {}", kJournalSchemaVersion).c_str(),
                     "creating the state file"));
      return {};
    }));
  }

  // The header said flightplan; confirm through SQLite (it also sees a WAL).
  int64_t version = 0;
  int64_t app_id = 0;
  {
    ASSIGN_OR_RETURN(Statement s, impl->Prepare("PRAGMA user_version"));
    if (int step = s.Step(); step == SQLITE_ROW) {
      version = s.Int(0);
    } else {
      return MakeError(impl->SqlError(step, "reading the state file's version"));
    }
  }
  {
    ASSIGN_OR_RETURN(Statement s, impl->Prepare("PRAGMA application_id"));
    if (s.Step() == SQLITE_ROW) app_id = s.Int(0);
  }
  if (app_id != kJournalApplicationId) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("'{}' is not a flightplan state file. flightplan left it as "
                                 "it is.",
                                 path));
  }
  if (version > kJournalSchemaVersion) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("'{}' was written by a newer flightplan (state format {}, "
                                 "this flightplan reads up to {}). Upgrade flightplan.",
                                 path, version, kJournalSchemaVersion));
  }
  if (version < 1) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("'{}' is an incomplete flightplan state file (format {}); "
                                 "it was left as it is.",
                                 path, version));
  }
  // Older formats are migrated, each step in one transaction (another
  // process opening the file at the same time finds it done).
  if (version < kJournalSchemaVersion) {
    TRY(impl->Write("upgrading the state file", [&]() -> Result<void> {
      int64_t now = 0;
      {
        ASSIGN_OR_RETURN(Statement s, impl->Prepare("PRAGMA user_version"));
        if (s.Step() == SQLITE_ROW) now = s.Int(0);
      }  // reset: a statement left running would lock the tables
      if (now >= 2) return {};
      return impl->MigrateEventsToRecords();
    }));
  }

  // Switching to WAL takes the write lock while holding a read lock. When
  // other processes open a new state file at the same moment (several
  // operators starting at once), SQLite answers BUSY at once instead of
  // waiting, since waiting could deadlock; so the switch is tried again
  // until the busy timeout.
  {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
    for (;;) {
      int wal = sqlite3_exec(db, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
      if (wal == SQLITE_OK) break;
      if ((wal & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
        return MakeError(impl->SqlError(wal, "switching to WAL mode"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  TRY(impl->Exec(options.durability == JournalOptions::Durability::kDurable
                     ? "PRAGMA synchronous = FULL"
                     : "PRAGMA synchronous = NORMAL",
                 "setting durability"));
  TRY(impl->Exec("PRAGMA foreign_keys = ON", "enabling foreign keys"));
  // Reads (history, audit verify) go through memory-mapped pages instead of
  // copies; writes still go through the WAL.
  TRY(impl->Exec("PRAGMA mmap_size = 268435456", "configuring reads"));
  TRY(impl->Exec("PRAGMA cache_size = -16384", "configuring reads"));
  {
    ASSIGN_OR_RETURN(Statement s, impl->Prepare("SELECT value FROM meta WHERE key = 'journal_id'"));
    int step = s.Step();
    if (step == SQLITE_ROW) {
      impl->journal_id_ = s.Text(0);
      impl->verify_threads_ = options.verify_threads;
      impl->parallel_verify_from_ = options.parallel_verify_from;
    } else {
      return MakeError(
          impl->SqlError(step == SQLITE_DONE ? SQLITE_CORRUPT : step, "reading the journal id"));
    }
  }
  return std::unique_ptr<SqliteJournal>(new SqliteJournal(path, std::move(impl)));
}

SqliteJournal::SqliteJournal(std::string path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}

SqliteJournal::~SqliteJournal() = default;

std::string SqliteJournal::JournalId() const { return impl_->journal_id_; }

void SqliteJournal::SetCommitHook(CommitHook* hook) {
  std::lock_guard lock(impl_->mu_);
  impl_->hook_ = hook;
}

Result<LogPosition> SqliteJournal::GetLogPosition() {
  std::lock_guard lock(impl_->mu_);
  return impl_->Read("reading the log position",
                     [&]() -> Result<LogPosition> { return impl_->ReadLogPosition(); });
}

namespace {

constexpr const char* kDumpTables[] = {"runs", "steps", "leases", "events"};
constexpr const char* kCountQueries[] = {"SELECT count(*) FROM runs", "SELECT count(*) FROM steps",
                                         "SELECT count(*) FROM leases",
                                         "SELECT count(*) FROM events"};

}  // namespace

Result<Value> SqliteJournal::ExportAll() {
  std::lock_guard lock(impl_->mu_);
  return impl_->Read("exporting the journal", [&]() -> Result<Value> {
    Value dump(ValueMap{});
    for (const char* table : kDumpTables) {
      if (std::string_view(table) == "events") {
        ValueList columns;
        for (const char* c : kEventDumpColumns) columns.emplace_back(std::string(c));
        ASSIGN_OR_RETURN(Statement s, impl_->Prepare("SELECT seq, run_id, target, record, hash "
                                                     "FROM events ORDER BY seq"));
        ValueList rows;
        int rc;
        while ((rc = s.Step()) == SQLITE_ROW) {
          ASSIGN_OR_RETURN(EventRecord e, EventFromRow(s.raw()));
          rows.emplace_back(ValueList{Value(e.seq), Value(e.at.unix_ms), Value(e.operator_name),
                                      Value(e.run_id), Value(e.target), Value(e.step_id),
                                      Value(e.kind), Value(e.detail_json), Value(e.prev_hash),
                                      Value(e.hash)});
        }
        if (rc != SQLITE_DONE) return MakeError(impl_->SqlError(rc, "exporting the journal"));
        dump.Set(table, Value(ValueMap{{"columns", Value(std::move(columns))},
                                       {"rows", Value(std::move(rows))}}));
        continue;
      }
      std::string sql = fmt::format("SELECT * FROM {} ORDER BY rowid", table);
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v2(impl_->db_, sql.c_str(), -1, &raw, nullptr);
      if (rc != SQLITE_OK) return MakeError(impl_->SqlError(rc, "exporting the journal"));
      std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
      ValueList columns;
      int n = sqlite3_column_count(raw);
      for (int i = 0; i < n; ++i) columns.emplace_back(std::string(sqlite3_column_name(raw, i)));
      ValueList rows;
      while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
        ValueList row;
        for (int i = 0; i < n; ++i) {
          switch (sqlite3_column_type(raw, i)) {
            case SQLITE_NULL:
              row.emplace_back();
              break;
            case SQLITE_INTEGER:
              row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(raw, i)));
              break;
            default:
              row.emplace_back(std::string(ColumnText(raw, i)));
          }
        }
        rows.emplace_back(std::move(row));
      }
      if (rc != SQLITE_DONE) return MakeError(impl_->SqlError(rc, "exporting the journal"));
      dump.Set(table, Value(ValueMap{{"columns", Value(std::move(columns))},
                                     {"rows", Value(std::move(rows))}}));
    }
    return dump;
  });
}

Result<void> SqliteJournal::ImportAll(const Value& dump) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Write("importing a journal", [&]() -> Result<void> {
    for (size_t i = 0; i < std::size(kDumpTables); ++i) {
      ASSIGN_OR_RETURN(Statement count, impl_->Prepare(kCountQueries[i]));
      if (count.Step() != SQLITE_ROW || count.Int(0) != 0) {
        return MakeError(ErrorCode::kConflict,
                         fmt::format("the journal already holds {}; a journal is imported only "
                                     "into an empty one",
                                     kDumpTables[i]));
      }
    }
    for (const char* table : kDumpTables) {
      const Value* part = dump.is_map() ? dump.Find(table) : nullptr;
      const Value* columns = part && part->is_map() ? part->Find("columns") : nullptr;
      const Value* rows = part && part->is_map() ? part->Find("rows") : nullptr;
      if (!columns || !columns->is_list() || !rows || !rows->is_list()) {
        return MakeError(ErrorCode::kCorruption,
                         fmt::format("the journal to import has no readable '{}'", table));
      }
      if (std::string_view(table) == "events") {
        TRY(impl_->ImportEvents(columns->as_list(), rows->as_list()));
        continue;
      }
      // Only this schema's own columns reach the SQL text.
      std::set<std::string> known;
      {
        std::string probe = fmt::format("SELECT * FROM {} LIMIT 0", table);
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v2(impl_->db_, probe.c_str(), -1, &raw, nullptr);
        if (rc != SQLITE_OK) return MakeError(impl_->SqlError(rc, "importing a journal"));
        for (int i = 0; i < sqlite3_column_count(raw); ++i)
          known.insert(sqlite3_column_name(raw, i));
        sqlite3_finalize(raw);
      }
      std::string names, marks;
      for (const Value& c : columns->as_list()) {
        if (!c.is_string() || !known.count(c.as_string())) {
          return MakeError(ErrorCode::kCorruption,
                           fmt::format("the journal to import has a column '{}' that table {} "
                                       "does not have (written by a newer flightplan?)",
                                       c.is_string() ? c.as_string() : c.ToJson(), table));
        }
        names += (names.empty() ? "" : ", ") + c.as_string();
        marks += marks.empty() ? "?" : ", ?";
      }
      std::string sql = fmt::format("INSERT INTO {}({}) VALUES({})", table, names, marks);
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v2(impl_->db_, sql.c_str(), -1, &raw, nullptr);
      if (rc != SQLITE_OK) return MakeError(impl_->SqlError(rc, "importing a journal"));
      std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
      const size_t width = columns->as_list().size();
      for (const Value& row : rows->as_list()) {
        if (!row.is_list() || row.as_list().size() != width) {
          return MakeError(ErrorCode::kCorruption,
                           fmt::format("a row of '{}' in the journal to import does not match "
                                       "its columns",
                                       table));
        }
        sqlite3_reset(raw);
        sqlite3_clear_bindings(raw);
        for (size_t i = 0; i < width; ++i) {
          const Value& v = row.as_list()[i];
          int at = static_cast<int>(i) + 1;
          if (v.is_null()) {
            sqlite3_bind_null(raw, at);
          } else if (v.is_int()) {
            sqlite3_bind_int64(raw, at, v.as_int());
          } else if (v.is_string()) {
            sqlite3_bind_text(raw, at, v.as_string().data(), static_cast<int>(v.as_string().size()),
                              SQLITE_TRANSIENT);
          } else {
            std::string text = v.ToJson();
            sqlite3_bind_text(raw, at, text.data(), static_cast<int>(text.size()),
                              SQLITE_TRANSIENT);
          }
        }
        if (int step = sqlite3_step(raw); step != SQLITE_DONE) {
          return MakeError(impl_->SqlError(step, fmt::format("importing {}", table)));
        }
      }
    }
    // The hook sees the imported events as this transaction's.
    ASSIGN_OR_RETURN(Statement events,
                     impl_->Prepare("SELECT seq, run_id, target, record, hash FROM events "
                                    "ORDER BY seq"));
    int rc;
    while ((rc = events.Step()) == SQLITE_ROW) {
      ASSIGN_OR_RETURN(EventRecord e, EventFromRow(events.raw()));
      impl_->pending_events_.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return MakeError(impl_->SqlError(rc, "importing events"));
    return {};
  });
}

Result<LogPosition> SqliteJournal::SaveCopy(const std::string& path) {
  std::lock_guard lock(impl_->mu_);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return MakeError(ErrorCode::kStateFile,
                     fmt::format("'{}' already exists; flightplan does not overwrite a state "
                                 "file. Choose a new path.",
                                 path));
  }
  {
    ASSIGN_OR_RETURN(Statement s, impl_->Prepare("VACUUM INTO ?"));
    s.Bind(1, path);
    if (int rc = s.Step(); rc != SQLITE_DONE) {
      return MakeError(impl_->SqlError(rc, fmt::format("copying the state to '{}'", path)));
    }
  }
  chmod(path.c_str(), 0600);
  // Other processes sharing this file may have written since the copy began:
  // its position is read from the copy itself.
  TRY(impl_->Attach(path, "copy"));
  Result<LogPosition> at = impl_->ReadLogPosition("copy");
  impl_->Detach("copy");
  return at;
}

Result<bool> SqliteJournal::RestoreSnapshot(const std::string& path, const LogPosition& at) {
  std::lock_guard lock(impl_->mu_);
  TRY(impl_->Attach(path, "snapshot"));
  struct Detach {
    SqliteJournal::Impl* impl;
    ~Detach() { impl->Detach("snapshot"); }
  } detach{impl_.get()};
  auto refuse = [&](const std::string& why) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("'{}' cannot be restored into '{}': {}", path, path_, why));
  };
  struct Expected {
    const char* pragma;
    int64_t value;
  };
  for (const Expected& e : {Expected{"PRAGMA snapshot.application_id", kJournalApplicationId},
                            Expected{"PRAGMA snapshot.user_version", kJournalSchemaVersion}}) {
    ASSIGN_OR_RETURN(Statement s, impl_->Prepare(e.pragma));
    if (s.Step() != SQLITE_ROW || s.Int(0) != e.value) {
      return refuse(
          fmt::format("it is not a flightplan state file of format {}", kJournalSchemaVersion));
    }
  }
  {
    ASSIGN_OR_RETURN(Statement s,
                     impl_->Prepare("SELECT value FROM snapshot.meta WHERE key = 'journal_id'"));
    if (s.Step() != SQLITE_ROW || s.Text(0) != impl_->journal_id_) {
      return refuse("it is a state of another journal");
    }
  }
  ASSIGN_OR_RETURN(LogPosition theirs, impl_->ReadLogPosition("snapshot"));
  if (theirs.seq != at.seq || theirs.hash != at.hash) {
    return refuse(fmt::format("it stands at log object {}, not {}", theirs.seq, at.seq));
  }
  TRY(impl_->Exec("BEGIN IMMEDIATE", "restoring a snapshot"));
  auto restored = [&]() -> Result<bool> {
    ASSIGN_OR_RETURN(LogPosition ours, impl_->ReadLogPosition());
    if (ours.seq >= at.seq) return false;
    // Children before parents (steps reference runs), and back in the
    // opposite order.
    for (const char* sql :
         {"DELETE FROM main.steps", "DELETE FROM main.events", "DELETE FROM main.leases",
          "DELETE FROM main.runs", "DELETE FROM main.sqlite_sequence",
          "INSERT INTO main.runs SELECT * FROM snapshot.runs",
          "INSERT INTO main.steps SELECT * FROM snapshot.steps",
          "INSERT INTO main.leases SELECT * FROM snapshot.leases",
          "INSERT INTO main.events SELECT * FROM snapshot.events",
          "INSERT INTO main.sqlite_sequence SELECT * FROM snapshot.sqlite_sequence"}) {
      TRY(impl_->Exec(sql, "restoring a snapshot"));
    }
    TRY(impl_->WriteLogPosition(at));
    return true;
  }();
  if (!restored) {
    sqlite3_exec(impl_->db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return restored;
  }
  if (int rc = sqlite3_exec(impl_->db_, "COMMIT", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    sqlite3_exec(impl_->db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return MakeError(impl_->SqlError(rc, "restoring a snapshot"));
  }
  return restored;
}

Result<Lease> SqliteJournal::AcquireLease(const LeaseRequest& request) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Write("acquiring the lease", [&]() -> Result<Lease> {
    Timestamp now = impl_->clock_.Now();
    ASSIGN_OR_RETURN(std::optional<Lease> current, impl_->ReadLease(request.target));
    std::string event_kind = "lease.acquired";
    Value detail(ValueMap{});
    if (current && !current->released) {
      bool expired = current->expires_at <= now;
      bool matches = current->generation == request.expected_generation;
      bool allowed = (request.mode == LeaseMode::kTakeOverExpired && expired && matches) ||
                     (request.mode == LeaseMode::kTakeOverStale && matches);
      if (!allowed) {
        return MakeError(
            ErrorCode::kLeaseHeld,
            fmt::format("target '{}' is leased by {}", request.target, current->holder.ToString()));
      }
      event_kind =
          request.mode == LeaseMode::kTakeOverStale ? "lease.taken_over_stale" : "lease.taken_over";
      detail.Set("previous_holder", current->holder.ToString());
      detail.Set("previous_generation", current->generation);
      detail.Set("previous_heartbeat", FormatTimestamp(current->heartbeat_at));
    }
    Lease lease;
    lease.target = request.target;
    lease.holder = request.holder;
    lease.generation = current ? current->generation + 1 : 1;
    lease.acquired_at = now;
    lease.heartbeat_at = now;
    lease.expires_at = now + request.ttl;
    ASSIGN_OR_RETURN(Statement s,
                     impl_->Prepare("INSERT OR REPLACE INTO leases(target, holder_user, "
                                    "holder_host, holder_pid, holder_operator, holder_arn, "
                                    "generation, acquired_at, heartbeat_at, expires_at, "
                                    "released) VALUES(?,?,?,?,?,?,?,?,?,?,0)"));
    s.Bind(1, lease.target).Bind(2, lease.holder.user).Bind(3, lease.holder.host);
    s.Bind(4, lease.holder.pid).Bind(5, lease.holder.operator_name);
    s.Bind(6, lease.holder.caller_arn).Bind(7, lease.generation);
    s.Bind(8, now.unix_ms).Bind(9, now.unix_ms).Bind(10, lease.expires_at.unix_ms);
    if (int rc = s.Step(); rc != SQLITE_DONE) {
      return MakeError(impl_->SqlError(rc, "recording the lease"));
    }
    detail.Set("holder", lease.holder.ToString());
    detail.Set("generation", lease.generation);
    detail.Set("expires_at", FormatTimestamp(lease.expires_at));
    NewEvent event{event_kind, request.holder.operator_name, 0, request.target, "", detail};
    TRY(impl_->InsertEvent(event));
    return lease;
  });
}

Result<void> SqliteJournal::HeartbeatLease(const Fence& fence, Duration ttl) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Write("renewing the lease", [&]() -> Result<void> {
    TRY(impl_->CheckFence(fence));
    Timestamp now = impl_->clock_.Now();
    ASSIGN_OR_RETURN(Statement s,
                     impl_->Prepare("UPDATE leases SET heartbeat_at = ?, expires_at = ? "
                                    "WHERE target = ? AND generation = ?"));
    s.Bind(1, now.unix_ms).Bind(2, (now + ttl).unix_ms).Bind(3, fence.target);
    s.Bind(4, fence.generation);
    if (int rc = s.Step(); rc != SQLITE_DONE) {
      return MakeError(impl_->SqlError(rc, "renewing the lease"));
    }
    return {};
  });
}

Result<void> SqliteJournal::ReleaseLease(const Fence& fence, const std::string& operator_name) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Write("releasing the lease", [&]() -> Result<void> {
    TRY(impl_->CheckFence(fence));
    ASSIGN_OR_RETURN(Statement s,
                     impl_->Prepare("UPDATE leases SET released = 1 WHERE target = ? AND "
                                    "generation = ?"));
    s.Bind(1, fence.target).Bind(2, fence.generation);
    if (int rc = s.Step(); rc != SQLITE_DONE) {
      return MakeError(impl_->SqlError(rc, "releasing the lease"));
    }
    Value detail;
    detail.Set("generation", fence.generation);
    return impl_->InsertEvent(
        NewEvent{"lease.released", operator_name, 0, fence.target, "", detail});
  });
}

Result<std::optional<Lease>> SqliteJournal::GetLease(const std::string& target) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Read("reading a lease", [&] { return impl_->ReadLease(target); });
}

Result<std::vector<Lease>> SqliteJournal::ListLeases() {
  std::lock_guard lock(impl_->mu_);
  return impl_->Read("listing leases", [&]() -> Result<std::vector<Lease>> {
    ASSIGN_OR_RETURN(Statement s,
                     impl_->Prepare("SELECT target, holder_user, holder_host, holder_pid, "
                                    "holder_operator, holder_arn, generation, acquired_at, "
                                    "heartbeat_at, expires_at, released FROM leases ORDER BY "
                                    "target"));
    std::vector<Lease> leases;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) leases.push_back(Impl::LeaseFromRow(s));
    if (rc != SQLITE_DONE) return MakeError(impl_->SqlError(rc, "listing leases"));
    return leases;
  });
}

Result<RunId> SqliteJournal::CreateRun(const Fence& fence, const RunRecord& run,
                                       const std::vector<std::string>& step_ids,
                                       const NewEvent& event) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Write("creating a run", [&]() -> Result<RunId> {
    TRY(impl_->CheckFence(fence));
    int64_t now = impl_->clock_.Now().unix_ms;
    ValueList requires_list;
    for (const std::string& r : run.requires_workflows) requires_list.emplace_back(r);
    ASSIGN_OR_RETURN(Statement s,
                     impl_->Prepare("INSERT INTO runs(workflow, target, state, "
                                    "definition_sha256, definition_source, definition_text, "
                                    "requires_json, params_json, operator, created_at, "
                                    "updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?)"));
    s.Bind(1, run.workflow).Bind(2, run.target).Bind(3, std::string(RunStateName(run.state)));
    s.Bind(4, run.definition_sha256).Bind(5, run.definition_source);
    s.Bind(6, run.definition_text).Bind(7, Value(requires_list).ToJson());
    s.Bind(8, (run.params.is_null() ? Value(ValueMap{}) : run.params).ToJson());
    s.Bind(9, run.operator_name).Bind(10, now).Bind(11, now);
    if (int rc = s.Step(); rc != SQLITE_DONE) {
      return MakeError(impl_->SqlError(rc, "creating a run"));
    }
    RunId id = sqlite3_last_insert_rowid(impl_->db_);
    ASSIGN_OR_RETURN(Statement step,
                     impl_->Prepare("INSERT INTO steps(run_id, idx, step_id, state) "
                                    "VALUES(?,?,?,'pending')"));
    for (size_t i = 0; i < step_ids.size(); ++i) {
      step.Bind(1, id).Bind(2, static_cast<int64_t>(i)).Bind(3, step_ids[i]);
      if (int rc = step.Step(); rc != SQLITE_DONE) {
        return MakeError(impl_->SqlError(rc, "creating a run's steps"));
      }
      step.Reset();
    }
    NewEvent e = event;
    e.run_id = id;
    TRY(impl_->InsertEvent(e));
    return id;
  });
}

Result<void> SqliteJournal::TransitionRun(const Fence& fence, RunId run, RunState from, RunState to,
                                          const NewEvent& event) {
  if (!IsAllowed(from, to)) {
    return MakeError(ErrorCode::kInternal, fmt::format("run {} cannot go from {} to {}", run,
                                                       RunStateName(from), RunStateName(to)));
  }
  std::lock_guard lock(impl_->mu_);
  return impl_->Write("recording a run's state", [&]() -> Result<void> {
    TRY(impl_->CheckFence(fence));
    ASSIGN_OR_RETURN(Statement s,
                     impl_->Prepare("UPDATE runs SET state = ?, updated_at = ? WHERE id = ? "
                                    "AND state = ?"));
    s.Bind(1, std::string(RunStateName(to))).Bind(2, impl_->clock_.Now().unix_ms);
    s.Bind(3, run).Bind(4, std::string(RunStateName(from)));
    if (int rc = s.Step(); rc != SQLITE_DONE) {
      return MakeError(impl_->SqlError(rc, "recording a run's state"));
    }
    if (sqlite3_changes(impl_->db_) != 1) {
      return MakeError(
          ErrorCode::kConflict,
          fmt::format("run {} is no longer {}; someone else changed it", run, RunStateName(from)));
    }
    return impl_->InsertEvent(event);
  });
}

Result<void> SqliteJournal::TransitionStep(const Fence& fence, const StepUpdate& u,
                                           const NewEvent& event) {
  if (!IsAllowed(u.from, u.to)) {
    return MakeError(ErrorCode::kInternal, fmt::format("step {} cannot go from {} to {}", u.step_id,
                                                       StepStateName(u.from), StepStateName(u.to)));
  }
  std::lock_guard lock(impl_->mu_);
  return impl_->Write("recording a step's state", [&]() -> Result<void> {
    TRY(impl_->CheckFence(fence));
    int64_t now = impl_->clock_.Now().unix_ms;
    // A checkpoint (running -> running) keeps the step's start time.
    bool checkpoint = u.from == StepState::kRunning && u.to == StepState::kRunning;
    bool starting = !checkpoint && (u.to == StepState::kRunning || u.to == StepState::kRollingBack);
    ASSIGN_OR_RETURN(Statement s,
                     impl_->Prepare("UPDATE steps SET state = ?1, "
                                    "attempt = COALESCE(?2, attempt), "
                                    "prepared_json = COALESCE(?3, prepared_json), "
                                    "outputs_json = COALESCE(?4, outputs_json), "
                                    "error = COALESCE(?5, error), "
                                    "note = COALESCE(?6, note), "
                                    "started_at = CASE WHEN ?7 THEN ?8 ELSE started_at END, "
                                    "finished_at = CASE WHEN ?7 OR ?12 THEN NULL ELSE ?8 END "
                                    "WHERE run_id = ?9 AND step_id = ?10 AND state = ?11"));
    s.Bind(1, std::string(StepStateName(u.to)));
    if (u.attempt)
      s.Bind(2, int64_t{*u.attempt});
    else
      s.BindNull(2);
    if (u.prepared)
      s.Bind(3, u.prepared->ToJson());
    else
      s.BindNull(3);
    if (u.outputs)
      s.Bind(4, u.outputs->ToJson());
    else
      s.BindNull(4);
    if (u.error)
      s.Bind(5, *u.error);
    else
      s.BindNull(5);
    if (u.note)
      s.Bind(6, *u.note);
    else
      s.BindNull(6);
    s.Bind(7, int64_t{starting ? 1 : 0}).Bind(8, now).Bind(9, u.run_id).Bind(10, u.step_id);
    s.Bind(11, std::string(StepStateName(u.from))).Bind(12, int64_t{checkpoint ? 1 : 0});
    if (int rc = s.Step(); rc != SQLITE_DONE) {
      return MakeError(impl_->SqlError(rc, "recording a step's state"));
    }
    if (sqlite3_changes(impl_->db_) != 1) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("step '{}' of run {} is no longer {}; someone else changed "
                                   "it",
                                   u.step_id, u.run_id, StepStateName(u.from)));
    }
    ASSIGN_OR_RETURN(Statement touch,
                     impl_->Prepare("UPDATE runs SET updated_at = ? WHERE id = ?"));
    touch.Bind(1, now).Bind(2, u.run_id);
    if (int rc = touch.Step(); rc != SQLITE_DONE) {
      return MakeError(impl_->SqlError(rc, "recording a step's state"));
    }
    return impl_->InsertEvent(event);
  });
}

Result<void> SqliteJournal::RepinDefinition(const Fence& fence, RunId run,
                                            const std::string& sha256, const std::string& source,
                                            const std::string& text, const NewEvent& event) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Write("recording a changed definition", [&]() -> Result<void> {
    TRY(impl_->CheckFence(fence));
    ASSIGN_OR_RETURN(Statement s,
                     impl_->Prepare("UPDATE runs SET definition_sha256 = ?, "
                                    "definition_source = ?, definition_text = ?, updated_at = ? "
                                    "WHERE id = ?"));
    s.Bind(1, sha256).Bind(2, source).Bind(3, text).Bind(4, impl_->clock_.Now().unix_ms);
    s.Bind(5, run);
    if (int rc = s.Step(); rc != SQLITE_DONE) {
      return MakeError(impl_->SqlError(rc, "recording a changed definition"));
    }
    return impl_->InsertEvent(event);
  });
}

Result<void> SqliteJournal::AppendEvent(const Fence* fence, const NewEvent& event) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Write("appending an audit event", [&]() -> Result<void> {
    if (fence != nullptr) TRY(impl_->CheckFence(*fence));
    return impl_->InsertEvent(event);
  });
}

Result<RunRecord> SqliteJournal::GetRun(RunId run) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Read("reading a run", [&]() -> Result<RunRecord> {
    static const std::string sql = std::string(kRunColumns) + "WHERE id = ?";
    ASSIGN_OR_RETURN(Statement s, impl_->Prepare(sql.c_str()));
    s.Bind(1, run);
    int rc = s.Step();
    if (rc == SQLITE_DONE) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("there is no run {} in this state file (see `flightplan "
                                   "status`)",
                                   run));
    }
    if (rc != SQLITE_ROW) return MakeError(impl_->SqlError(rc, "reading a run"));
    return Impl::RunFromRow(s);
  });
}

Result<std::vector<StepRecord>> SqliteJournal::GetSteps(RunId run) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Read("reading a run's steps", [&]() -> Result<std::vector<StepRecord>> {
    ASSIGN_OR_RETURN(Statement s,
                     impl_->Prepare("SELECT idx, step_id, state, attempt, prepared_json, "
                                    "outputs_json, error, note, started_at, finished_at FROM "
                                    "steps WHERE run_id = ? ORDER BY idx"));
    s.Bind(1, run);
    std::vector<StepRecord> steps;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      StepRecord step;
      step.run_id = run;
      step.index = static_cast<int>(s.Int(0));
      step.step_id = s.Text(1);
      step.state = ParseStepState(s.Text(2)).value_or(StepState::kFailed);
      step.attempt = static_cast<int>(s.Int(3));
      step.prepared = Value::FromJson(s.Text(4)).value_or(Value(ValueMap{}));
      step.outputs = Value::FromJson(s.Text(5)).value_or(Value(ValueMap{}));
      step.error = s.Text(6);
      step.note = s.Text(7);
      if (!s.IsNull(8)) step.started_at = Timestamp{s.Int(8)};
      if (!s.IsNull(9)) step.finished_at = Timestamp{s.Int(9)};
      steps.push_back(std::move(step));
    }
    if (rc != SQLITE_DONE) return MakeError(impl_->SqlError(rc, "reading a run's steps"));
    return steps;
  });
}

Result<std::vector<RunRecord>> SqliteJournal::ListRuns(const std::string& workflow,
                                                       const std::string& target) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Read("listing runs", [&]() -> Result<std::vector<RunRecord>> {
    static const std::string sql =
        std::string(kRunColumns) +
        "WHERE (?1 = '' OR workflow = ?1) AND (?2 = '' OR target = ?2) ORDER BY id DESC";
    ASSIGN_OR_RETURN(Statement s, impl_->Prepare(sql.c_str()));
    s.Bind(1, workflow).Bind(2, target);
    std::vector<RunRecord> runs;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) runs.push_back(Impl::RunFromRow(s));
    if (rc != SQLITE_DONE) return MakeError(impl_->SqlError(rc, "listing runs"));
    return runs;
  });
}

Result<std::vector<EventRecord>> SqliteJournal::ListEvents(const EventFilter& filter) {
  std::lock_guard lock(impl_->mu_);
  return impl_->Read("reading the audit", [&]() -> Result<std::vector<EventRecord>> {
    ASSIGN_OR_RETURN(
        Statement s,
        impl_->Prepare("SELECT seq, run_id, target, record, hash FROM events WHERE seq > ?1 "
                       "AND (?2 = 0 OR run_id = ?3) AND (?4 = 0 OR target = ?5) ORDER BY seq "
                       "LIMIT ?6"));
    s.Bind(1, filter.after_seq);
    s.Bind(2, int64_t{filter.run_id ? 1 : 0}).Bind(3, filter.run_id.value_or(0));
    s.Bind(4, int64_t{filter.target ? 1 : 0}).Bind(5, filter.target.value_or(""));
    s.Bind(6, filter.limit > 0 ? filter.limit : int64_t{-1});
    std::vector<EventRecord> events;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      ASSIGN_OR_RETURN(EventRecord e, EventFromRow(s.raw()));
      events.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return MakeError(impl_->SqlError(rc, "reading the audit"));
    return events;
  });
}

namespace {

// One stretch of the chain, verified on its own connection. Rows are
// checked for consecutive numbers from `first` and for their own hash, and
// each is linked to the row before it inside the stretch; the first row's
// link (to the stretch before) is checked by the caller.
struct ChainStretch {
  int64_t rows = 0;  // rows read, up to and including a bad one
  int64_t first_seq = 0;
  std::string first_prev;       // the first row's previous-hash
  bool first_readable = false;  // whether the first row's record could be read
  std::string last_hash;        // the hash of the last row read
  int64_t last_seq = 0;
  std::optional<int64_t> bad_seq;
  std::string problem;
  int sql_error = SQLITE_OK;
};

ChainStretch VerifyStretch(sqlite3* db, int64_t first, int64_t last) {
  ChainStretch out;
  sqlite3_stmt* row = nullptr;
  int rc = sqlite3_prepare_v2(db,
                              "SELECT seq, run_id, target, record, hash FROM events WHERE seq "
                              "BETWEEN ? AND ? ORDER BY seq",
                              -1, &row, nullptr);
  if (rc != SQLITE_OK) {
    out.sql_error = rc;
    return out;
  }
  sqlite3_bind_int64(row, 1, first);
  sqlite3_bind_int64(row, 2, last);
  Sha256Hasher hasher;
  std::array<std::string_view, kRecordFields> f;
  char prev[64];
  int64_t expected_seq = 0;
  while ((rc = sqlite3_step(row)) == SQLITE_ROW) {
    ++out.rows;
    int64_t seq = sqlite3_column_int64(row, 0);
    if (out.rows == 1) {
      // Whether it is the first expected, and links to the stretch before,
      // is the caller's to judge.
      out.first_seq = seq;
      expected_seq = seq;
    }
    if (seq != expected_seq) {
      out.bad_seq = expected_seq;
      out.problem = fmt::format("event {} is missing (the next one is {})", expected_seq, seq);
      break;
    }
    std::string_view record = ColumnBytes(row, 3);
    int64_t recorded_seq = 0;
    int64_t recorded_run = 0;
    if (!SplitRecord(record, f) || !ParseInt(f[1], recorded_seq) || !ParseInt(f[4], recorded_run) ||
        recorded_seq != seq || recorded_run != sqlite3_column_int64(row, 1) ||
        f[5] != ColumnBytes(row, 2)) {
      out.bad_seq = seq;
      out.problem =
          "its record is unreadable or disagrees with the columns beside it (the event was "
          "altered)";
      break;
    }
    if (out.rows == 1) {
      out.first_prev = std::string(f[0]);
      out.first_readable = true;
    } else if (f[0].size() != 64 || std::memcmp(f[0].data(), prev, 64) != 0) {
      out.bad_seq = seq;
      out.problem =
          "its previous-hash does not match the event before it (an event was removed, "
          "inserted or altered)";
      break;
    }
    hasher.Begin();
    hasher.Update(record);
    char computed[64];
    hasher.FinishHex(computed);
    if (ColumnBytes(row, 4) != std::string_view(computed, 64)) {
      out.bad_seq = seq;
      out.problem = "its content does not match its hash (the event was altered)";
      break;
    }
    std::memcpy(prev, computed, 64);
    out.last_seq = seq;
    expected_seq = seq + 1;
  }
  if (!out.bad_seq && rc != SQLITE_DONE) out.sql_error = rc;
  if (out.last_seq > 0) out.last_hash.assign(prev, 64);
  sqlite3_finalize(row);
  return out;
}

}  // namespace

Result<ChainReport> SqliteJournal::VerifyChain() {
  std::lock_guard lock(impl_->mu_);
  // Read through a memory map: the whole chain is read once, in order.
  (void)impl_->Exec("PRAGMA mmap_size = 1073741824", "mapping the state file");
  return impl_->Read("verifying the audit chain", [&]() -> Result<ChainReport> {
    int64_t last = 0;
    {
      ASSIGN_OR_RETURN(Statement s, impl_->Prepare("SELECT max(seq) FROM events"));
      if (s.Step() == SQLITE_ROW) last = s.Int(0);
    }
    ChainReport report;
    if (last == 0) return report;
    // A long chain is cut into stretches verified side by side, each on its
    // own read-only connection to this file (WAL readers do not block one
    // another); the links between stretches are checked here, in order.
    int64_t threads = impl_->verify_threads_ > 0
                          ? impl_->verify_threads_
                          : std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, 4);
    if (last < impl_->parallel_verify_from_) threads = 1;
    threads = std::min(threads, last);
    std::vector<std::pair<int64_t, int64_t>> bounds;
    for (int64_t t = 0; t < threads; ++t) {
      bounds.emplace_back(1 + last * t / threads, last * (t + 1) / threads);
    }
    std::vector<ChainStretch> stretches(bounds.size());
    std::vector<std::thread> workers;
    std::vector<std::string> open_errors(bounds.size());
    for (size_t t = 1; t < bounds.size(); ++t) {
      workers.emplace_back([&, t] {
        sqlite3* db = nullptr;
        int rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
        if (rc == SQLITE_OK) {
          sqlite3_busy_timeout(db, 10000);
          sqlite3_exec(db, "PRAGMA mmap_size = 1073741824", nullptr, nullptr, nullptr);
          rc = sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
        }
        if (rc == SQLITE_OK) {
          stretches[t] = VerifyStretch(db, bounds[t].first, bounds[t].second);
          sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        } else {
          stretches[t].sql_error = rc;
        }
        sqlite3_close(db);
      });
    }
    stretches[0] = VerifyStretch(impl_->db_, bounds[0].first, bounds[0].second);
    for (std::thread& w : workers) w.join();

    std::string prev = kZeroHash;
    int64_t expected_next = 1;
    for (const ChainStretch& stretch : stretches) {
      if (stretch.sql_error != SQLITE_OK) {
        return MakeError(impl_->SqlError(stretch.sql_error, "verifying the audit chain"));
      }
      if (stretch.rows == 0) continue;  // every event of it is missing: the next one says so
      auto bad = [&](int64_t seq, std::string problem, int64_t rows) {
        report.events += rows;
        report.first_bad_seq = seq;
        report.problem = std::move(problem);
        return report;
      };
      // Its first event must follow the last one before it, and link to it.
      if (stretch.first_seq != expected_next) {
        return bad(expected_next,
                   fmt::format("event {} is missing (the next one is {})", expected_next,
                               stretch.first_seq),
                   1);
      }
      if (!stretch.first_readable) return bad(*stretch.bad_seq, stretch.problem, 1);
      if (stretch.first_prev != prev) {
        return bad(stretch.first_seq,
                   "its previous-hash does not match the event before it (an event was "
                   "removed, inserted or altered)",
                   1);
      }
      if (stretch.bad_seq) return bad(*stretch.bad_seq, stretch.problem, stretch.rows);
      report.events += stretch.rows;
      prev = stretch.last_hash;
      expected_next = stretch.last_seq + 1;
    }
    return report;
  });
}

}  // namespace flightplan
