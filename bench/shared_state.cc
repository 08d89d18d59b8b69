// shared_state: the state in S3 (store/log_journal.h) against the simulator's
// S3 over loopback HTTP with SigV4, each figure beside its peer measured in
// the same run:
//
//   commit       ms per journal write (an audit event under a lease: the
//                executor's commonest write), beside one conditional
//                PutObject round trip of an object of the same size through
//                the same client. Goal: one PUT per commit, ratio <= 1.3.
//                Beside them, the floor: that PUT inside the transaction of
//                one row of a raw SQLite file, the least a replica costs,
//                committed with each write or every 50 ms.
//   replay       a machine that has never seen the state opening it once the
//                log holds N events (N = 100,000 by default): the whole log
//                read and replayed into a new replica; and a machine whose
//                replica is current opening it and reading a run. Reported
//                beside the local file's goal (resume < 50 ms).
//   verify       audit verify over the bucket (every object fetched, its
//                hash, its link and its events' chain checked), MB/s of the
//                bytes hashed, beside OpenSSL SHA-256 over the same bytes.
//                Goal ratio >= 0.5.
//
// FLIGHTPLAN_BENCH_EVENTS sets N; FLIGHTPLAN_BENCH_COMMITS the commits timed
// (default 2,000). Scratch replicas go to FLIGHTPLAN_BENCH_DIR.
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/digest.h"
#include "bench/bench_support.h"
#include "bench/local_sim.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/s3_object_store.h"
#include "steps/net/curl_transport.h"
#include "store/log_journal.h"

namespace flightplan::bench {
namespace {

int64_t EnvOr(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoll(v) : fallback;
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Bench {
  Bench() : sim(clock) {
    client =
        std::make_unique<aws::AwsClient>(transport, sim.credentials, clock, sim.ClientOptions());
    if (!sim.simulator.world().s3.CreateBucket("bench-state", sim.simulator.world().Now())) {
      Die("creating the bucket");
    }
    // As the CLI makes it: parallel reads over transports of their own.
    store = std::make_unique<aws::S3ObjectStore>(
        *client, aws::S3Location{"bench-state", "s/"},
        [] { return std::unique_ptr<HttpTransport>(std::make_unique<CurlTransport>()); }, 8);
  }
  ~Bench() {
    store.reset();
    client.reset();
  }

  std::unique_ptr<LogJournal> Open(const std::string& replica) {
    LogJournalOptions options;
    options.cache_path = dir.File(replica);
    auto journal = OpenLogJournal(*store, clock, options);
    if (!journal) Die("opening the shared state", journal.error());
    return std::move(*journal);
  }

  SystemClock clock;
  LocalSim sim;
  CurlTransport transport;
  std::unique_ptr<aws::AwsClient> client;
  std::unique_ptr<aws::S3ObjectStore> store;
  ScratchDir dir{"fp-bench-shared"};
};

// The least a commit with a local replica can cost: a PUT of `body` through
// the bench's store inside the transaction of a raw SQLite file (WAL,
// synchronous=NORMAL, as a replica is opened) that inserts the object's text
// as one row and ends after the PUT. `held`: the transaction stays open
// across writes (each a savepoint within it) and commits once 50 ms old, as
// a replica that commits in groups would. No journal code: how much room
// the goal leaves for a replica at all.
class Floor {
 public:
  Floor(Bench& b, std::string body, bool held) : b_(b), body_(std::move(body)), held_(held) {
    std::string path = b.dir.File(held ? "floor-held.db" : "floor.db");
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK ||
        sqlite3_exec(db_,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE "
                     "log(seq INTEGER PRIMARY KEY, body TEXT NOT NULL)",
                     nullptr, nullptr, nullptr) != SQLITE_OK) {
      Die(fmt::format("opening {}: {}", path, sqlite3_errmsg(db_)));
    }
    begin_ = Prepare("BEGIN IMMEDIATE");
    savepoint_ = Prepare("SAVEPOINT w");
    insert_ = Prepare("INSERT INTO log(seq, body) VALUES(?, ?)");
    release_ = Prepare("RELEASE w");
    commit_ = Prepare("COMMIT");
  }
  ~Floor() {
    if (open_) Run(commit_);
    for (sqlite3_stmt* stmt : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  // `n` writes; their wall time.
  std::chrono::steady_clock::duration Write(int64_t n) {
    using Clock = std::chrono::steady_clock;
    auto start = Clock::now();
    for (int64_t i = 0; i < n; ++i, ++seq_) {
      bool ok = true;
      if (!open_) {
        ok = Run(begin_);
        open_ = true;
        opened_ = Clock::now();
      }
      if (held_) ok = ok && Run(savepoint_);
      sqlite3_bind_int64(insert_, 1, seq_);
      sqlite3_bind_text(insert_, 2, body_.data(), static_cast<int>(body_.size()), SQLITE_STATIC);
      ok = ok && Run(insert_);
      auto put = b_.store->CreateIfAbsent(
          fmt::format("{}/{:020d}", held_ ? "floor-held" : "floor", seq_), body_);
      ok = ok && put && *put == CreateOutcome::kCreated;
      if (held_) ok = ok && Run(release_);
      if (!held_ || Ms(Clock::now() - opened_) > 50) {
        ok = ok && Run(commit_);
        open_ = false;
      }
      if (!ok) Die(fmt::format("the floor's write {}: {}", seq_, sqlite3_errmsg(db_)));
    }
    return Clock::now() - start;
  }

 private:
  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) Die(sqlite3_errmsg(db_));
    statements_.push_back(stmt);
    return stmt;
  }
  static bool Run(sqlite3_stmt* stmt) {
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE;
  }

  Bench& b_;
  std::string body_;
  bool held_;
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> statements_;
  sqlite3_stmt *begin_, *savepoint_, *insert_, *release_, *commit_;
  bool open_ = false;
  std::chrono::steady_clock::time_point opened_;
  int64_t seq_ = 0;
};

NewEvent Event(const Fence& fence, int64_t i) {
  return NewEvent{"step.progress",
                  "bench",
                  1,
                  fence.target,
                  "s00001",
                  Value(ValueMap{{"line", Value(fmt::format("progress line {}", i))}})};
}

}  // namespace
}  // namespace flightplan::bench

int main() {
  using namespace flightplan;
  using namespace flightplan::bench;
  using Clock = std::chrono::steady_clock;
  const int64_t events = EnvOr("FLIGHTPLAN_BENCH_EVENTS", 100'000);
  const int64_t commits = EnvOr("FLIGHTPLAN_BENCH_COMMITS", 2'000);
  Bench b;
  fmt::print("replicas on {}\n", b.dir.Describe());

  auto writer = b.Open("writer.db");
  LeaseRequest request{"bench/target", LeaseHolder{"bench", "host", 1, "bench", ""},
                       Duration(3'600'000), LeaseMode::kAcquire, 0};
  auto lease = writer->AcquireLease(request);
  if (!lease) Die("taking the lease", lease.error());
  Fence fence{lease->target, lease->generation};

  // --- commit latency, beside one conditional PUT of the same size and the
  // two floors, in rounds that take turns going first (the machine's state
  // drifts: each figure sees the same stretches of it).
  int64_t next_event = 0;
  if (auto r = writer->AppendEvent(&fence, Event(fence, next_event++)); !r)
    Die("a commit", r.error());
  auto sample = b.store->Get(LogObjectKey(writer->log_seq()));
  if (!sample || !*sample) Die("reading a log object back");
  const std::string body = **sample;
  Floor floor(b, body, /*held=*/false);
  Floor held(b, body, /*held=*/true);
  constexpr int kRounds = 4;
  const int64_t per_round = std::max<int64_t>(1, commits / kRounds);
  int64_t put_seq = 0;
  std::array<std::function<Clock::duration()>, 4> measures = {
      [&] {
        auto start = Clock::now();
        for (int64_t i = 0; i < per_round; ++i) {
          if (auto r = writer->AppendEvent(&fence, Event(fence, next_event++)); !r) {
            Die("a commit", r.error());
          }
        }
        return Clock::now() - start;
      },
      [&] {
        auto start = Clock::now();
        for (int64_t i = 0; i < per_round; ++i) {
          auto put = b.store->CreateIfAbsent(fmt::format("peer/{:020d}", put_seq++), body);
          if (!put || *put != CreateOutcome::kCreated) Die("a peer PUT");
        }
        return Clock::now() - start;
      },
      [&] { return floor.Write(per_round); }, [&] { return held.Write(per_round); }};
  std::array<Clock::duration, 4> took{};
  for (int round = 0; round < kRounds; ++round) {
    for (size_t k = 0; k < measures.size(); ++k) {
      size_t which = (k + static_cast<size_t>(round)) % measures.size();
      took[which] += measures[which]();
    }
  }
  const double timed = static_cast<double>(per_round * kRounds);
  double commit_ms = Ms(took[0]) / timed;
  double put_ms = Ms(took[1]) / timed;
  double floor_ms = Ms(took[2]) / timed;
  double held_ms = Ms(took[3]) / timed;
  fmt::print(
      "commit: {:.3f} ms per journal write; one conditional PutObject of the same {} "
      "bytes: {:.3f} ms; ratio {:.2f} (goal <= 1.3): {}\n",
      commit_ms, body.size(), put_ms, commit_ms / put_ms,
      commit_ms / put_ms <= 1.3 ? "met" : "NOT met");
  fmt::print(
      "  floor: that PUT inside one raw SQLite row's transaction (WAL, synchronous=NORMAL): "
      "{:.3f} ms = {:.2f}x the PUT; the journal's write is {:.2f}x the floor\n",
      floor_ms, floor_ms / put_ms, commit_ms / floor_ms);
  fmt::print(
      "  floor with the replica committed every 50 ms (a savepoint per write): {:.3f} ms = "
      "{:.2f}x the PUT\n",
      held_ms, held_ms / put_ms);

  // --- the same where a PUT costs what it costs on S3: AWS gives the median
  // latency of small requests as tens of milliseconds; the simulator adds
  // 10 ms to every PutObject (the journal's and the peer's alike).
  const int64_t slow = EnvOr("FLIGHTPLAN_BENCH_SLOW_COMMITS", 100);
  {
    cloudsim::FaultRule rule;
    rule.service = "s3";
    rule.operation = "PutObject";
    rule.kind = "latency";
    rule.count = -1;
    rule.latency = Duration(10);
    std::lock_guard lock(b.sim.simulator.world().mutex);
    b.sim.simulator.world().faults.Add(rule);
  }
  auto start = Clock::now();
  for (int64_t i = 0; i < slow; ++i) {
    if (auto r = writer->AppendEvent(&fence, Event(fence, next_event++)); !r) {
      Die("a commit", r.error());
    }
  }
  double slow_commit_ms = Ms(Clock::now() - start) / static_cast<double>(slow);
  start = Clock::now();
  for (int64_t i = 0; i < slow; ++i) {
    auto put = b.store->CreateIfAbsent(fmt::format("peer-slow/{:020d}", i), body);
    if (!put || *put != CreateOutcome::kCreated) Die("a peer PUT");
  }
  double slow_put_ms = Ms(Clock::now() - start) / static_cast<double>(slow);
  {
    std::lock_guard lock(b.sim.simulator.world().mutex);
    b.sim.simulator.world().faults.Clear();
  }
  fmt::print(
      "commit with 10 ms per PutObject: {:.2f} ms per journal write; one conditional PutObject: "
      "{:.2f} ms; ratio {:.3f} (goal <= 1.3): {}\n",
      slow_commit_ms, slow_put_ms, slow_commit_ms / slow_put_ms,
      slow_commit_ms / slow_put_ms <= 1.3 ? "met" : "NOT met");

  // --- fill to N events, then open from nothing and from a current replica.
  start = Clock::now();
  while (next_event < events) {
    if (auto r = writer->AppendEvent(&fence, Event(fence, next_event++)); !r)
      Die("filling", r.error());
  }
  double fill_s = Ms(Clock::now() - start) / 1000.0;
  fmt::print("filled to {} events ({} log objects) in {:.1f} s\n", events, writer->log_seq(),
             fill_s);
  start = Clock::now();
  auto cold = b.Open("cold.db");
  double cold_s = Ms(Clock::now() - start) / 1000.0;
  const int64_t snapshot_at = cold->snapshot_used();
  cold.reset();
  start = Clock::now();
  auto warm = b.Open("cold.db");
  auto steps = warm->ListLeases();
  double warm_ms = Ms(Clock::now() - start);
  if (!steps) Die("reading", steps.error());
  fmt::print(
      "replay: a new machine opens the state of {} events in {:.2f} s (from the snapshot "
      "after log object {}, then {} objects replayed); a machine with a current replica "
      "opens it and reads in {:.1f} ms (the local file's resume goal: < 50 ms)\n",
      events, cold_s, snapshot_at, warm->log_seq() - snapshot_at, warm_ms);

  // --- audit verify over the bucket, beside SHA-256 over the bytes it hashes.
  auto all = warm->ListEvents(EventFilter{});
  if (!all) Die("listing events", all.error());
  std::vector<std::string> hashed;
  size_t bytes = 0;
  for (int64_t seq = 1; seq <= warm->log_seq(); ++seq) {
    auto text = b.store->Get(LogObjectKey(seq));
    if (!text || !*text) Die("reading the log");
    size_t second = (*text)->find('\n', (*text)->find('\n') + 1);
    hashed.push_back((*text)->substr(second + 1));
    bytes += hashed.back().size();
  }
  for (const EventRecord& e : *all) {
    std::string fields =
        fmt::format("{}{}{}{}{}{}{}{}{}", e.prev_hash, e.seq, e.at.unix_ms, e.operator_name,
                    e.run_id, e.target, e.step_id, e.kind, e.detail_json);
    bytes += fields.size();
    hashed.push_back(std::move(fields));
  }
  start = Clock::now();
  auto report = warm->VerifyChain();
  double verify_s = Ms(Clock::now() - start) / 1000.0;
  if (!report || report->first_bad_seq) Die("verifying");
  EVP_MD* sha = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  start = Clock::now();
  for (const std::string& h : hashed) {
    EVP_DigestInit_ex(ctx, sha, nullptr);
    EVP_DigestUpdate(ctx, h.data(), h.size());
    EVP_DigestFinal_ex(ctx, digest, nullptr);
  }
  double raw_s = Ms(Clock::now() - start) / 1000.0;
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(sha);
  double mb = static_cast<double>(bytes) / 1e6;
  fmt::print(
      "verify: audit verify over the bucket {:.1f} MB/s ({:.2f} s); SHA-256 over the "
      "same {:.1f} MB {:.1f} MB/s; ratio {:.3f} (goal >= 0.5): {}\n",
      mb / verify_s, verify_s, mb, mb / raw_s, raw_s / verify_s,
      raw_s / verify_s >= 0.5 ? "met" : "NOT met");
  return 0;
}
