#include "bench/journal_fill.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>

#include "bench/bench_support.h"
#include "store/sqlite_journal.h"

namespace flightplan::bench {
namespace {

constexpr int kStepsPerFillerRun = 40;

void Field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ',';
}

void Ok(int rc, sqlite3* db, const char* doing) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    Die(fmt::format("filling the journal ({}): {}", doing,
                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
}

struct Filler {
  std::string kind;
  std::string step_id;
  std::string detail_json;
};

// The n-th event of a stream of runs of kStepsPerFillerRun steps each:
// run.created, run.started, then step.started/step.succeeded pairs, then
// run.succeeded.
Filler FillerEvent(int64_t n) {
  const int64_t per_run = 2 + 2 * kStepsPerFillerRun + 1;
  int64_t i = n % per_run;
  if (i == 0) {
    return {
        "run.created", "",
        R"({"definition_sha256":"9f2c4e61a0b7d35c88e1f0a4b6c2d9e7f5a3b1c0d8e6f4a2b0c9d7e5f3a1b2c4",)"
        R"("params":{"app_id":"d1a2b3c4e5f6g7","env":"prod","region":"eu-west-1"},)"
        R"("version":1,"workflow":"refactor"})"};
  }
  if (i == 1) return {"run.started", "", "{}"};
  if (i == per_run - 1) return {"run.succeeded", "", "{}"};
  int64_t step = (i - 2) / 2;
  std::string step_id = fmt::format("move-resource-{:02}", step);
  if ((i - 2) % 2 == 0) {
    return {"step.started", step_id, R"({"attempt":1,"uses":"cloudformation.refactor"})"};
  }
  return {"step.succeeded", step_id, fmt::format(R"({{"duration_ms":{}}})", 800 + n % 977)};
}

}  // namespace

std::string HashedBytes(const std::string& prev_hash, int64_t seq, int64_t at_ms,
                        const std::string& operator_name, int64_t run_id, const std::string& target,
                        const std::string& step_id, const std::string& kind,
                        const std::string& detail_json) {
  std::string out;
  out.reserve(prev_hash.size() + detail_json.size() + 128);
  Field(out, prev_hash);
  Field(out, std::to_string(seq));
  Field(out, std::to_string(at_ms));
  Field(out, operator_name);
  Field(out, std::to_string(run_id));
  Field(out, target);
  Field(out, step_id);
  Field(out, kind);
  Field(out, detail_json);
  return out;
}

void AppendFillerEvents(const std::string& path, int64_t count) {
  sqlite3* db = nullptr;
  Ok(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), db, "open");
  Ok(sqlite3_exec(db, "PRAGMA synchronous = OFF", nullptr, nullptr, nullptr), db, "pragma");
  Ok(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db, "begin");

  int64_t seq = 0;
  std::string prev(64, '0');
  sqlite3_stmt* last = nullptr;
  Ok(sqlite3_prepare_v2(db, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", -1, &last,
                        nullptr),
     db, "prepare");
  if (sqlite3_step(last) == SQLITE_ROW) {
    seq = sqlite3_column_int64(last, 0);
    prev = reinterpret_cast<const char*>(sqlite3_column_text(last, 1));
  }
  sqlite3_finalize(last);

  sqlite3_stmt* insert = nullptr;
  Ok(sqlite3_prepare_v2(db,
                        "INSERT INTO events(seq, run_id, target, record, hash) VALUES(?,?,?,?,?)",
                        -1, &insert, nullptr),
     db, "prepare insert");
  const std::string op = "alice@laptop";
  const int64_t per_run = 2 + 2 * kStepsPerFillerRun + 1;
  int64_t at = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count() -
               count * 1000;
  for (int64_t n = 0; n < count; ++n) {
    ++seq;
    at += 1000;
    Filler e = FillerEvent(n);
    int64_t run_id = 1'000'000 + n / per_run;  // runs not in this file: events only
    std::string target = fmt::format("app/d1a2b3c4e5f6g7/env/prod-{}", n / per_run % 7);
    // The store's own encoding and hash: what VerifyChain checks.
    std::string record =
        EventRecordBytes(prev, seq, at, op, run_id, target, e.step_id, e.kind, e.detail_json);
    std::string hash =
        EventHash(prev, seq, at, op, run_id, target, e.step_id, e.kind, e.detail_json);
    sqlite3_bind_int64(insert, 1, seq);
    sqlite3_bind_int64(insert, 2, run_id);
    sqlite3_bind_text(insert, 3, target.data(), static_cast<int>(target.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 4, record.data(), static_cast<int>(record.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 5, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
    Ok(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
    prev = std::move(hash);
  }
  sqlite3_finalize(insert);
  Ok(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  Ok(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr), db,
     "checkpoint");
  sqlite3_close(db);
}

}  // namespace flightplan::bench
