// Setup for the benchmarks that need a large journal: appends audit events to
// an existing state file quickly, continuing its hash chain exactly as
// SqliteJournal would (store/sqlite_journal.h EventHash), so VerifyChain
// accepts the result.
//
// Speed comes from doing it in one transaction with synchronous=OFF, through
// a separate raw SQLite connection. That is setup only: 100,000 events through
// the Journal API would be 100,000 durable commits (minutes on a disk where
// one fsync takes milliseconds), and what the benchmarks time afterwards goes
// through the real SqliteJournal with its normal pragmas.
#ifndef FLIGHTPLAN_BENCH_JOURNAL_FILL_H_
#define FLIGHTPLAN_BENCH_JOURNAL_FILL_H_

#include <cstdint>
#include <string>

namespace flightplan::bench {

// Appends `count` events shaped like those of real runs (run.created,
// step.started, step.succeeded... with typical detail JSON) to the state
// file at `path`, which must exist and must not be open elsewhere. Aborts
// the process on error.
void AppendFillerEvents(const std::string& path, int64_t count);

// The exact bytes EventHash feeds to SHA-256 for one event: nine fields, each
// written as <decimal byte length> ':' <bytes> ','. Kept here, apart from the
// store, so the benchmark (and docs/journal-format.md) can check the
// definition independently.
std::string HashedBytes(const std::string& prev_hash, int64_t seq, int64_t at_ms,
                        const std::string& operator_name, int64_t run_id, const std::string& target,
                        const std::string& step_id, const std::string& kind,
                        const std::string& detail_json);

}  // namespace flightplan::bench

#endif  // FLIGHTPLAN_BENCH_JOURNAL_FILL_H_
