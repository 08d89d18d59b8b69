// shared_state: the state in S3 (store/log_journal.h) against the simulator's
// S3 over loopback HTTP with SigV4, each figure beside its peer measured in
// the same run:
//
//   commit       ms per journal write (an audit event under a lease: the
//                executor's commonest write), beside one conditional
//                PutObject round trip of an object of the same size through
//                the same client. Goal: one PUT per commit, ratio <= 1.3.
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

#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

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

  // --- commit latency, beside one conditional PUT of the same size.
  auto start = Clock::now();
  for (int64_t i = 0; i < commits; ++i) {
    if (auto r = writer->AppendEvent(&fence, Event(fence, i)); !r) Die("a commit", r.error());
  }
  double commit_ms = Ms(Clock::now() - start) / static_cast<double>(commits);
  auto sample = b.store->Get(LogObjectKey(writer->log_seq()));
  if (!sample || !*sample) Die("reading a log object back");
  const std::string body = **sample;
  start = Clock::now();
  for (int64_t i = 0; i < commits; ++i) {
    auto put = b.store->CreateIfAbsent(fmt::format("peer/{:020d}", i), body);
    if (!put || *put != CreateOutcome::kCreated) Die("a peer PUT");
  }
  double put_ms = Ms(Clock::now() - start) / static_cast<double>(commits);
  fmt::print(
      "commit: {:.3f} ms per journal write; one conditional PutObject of the same {} "
      "bytes: {:.3f} ms; ratio {:.2f} (goal <= 1.3): {}\n",
      commit_ms, body.size(), put_ms, commit_ms / put_ms,
      commit_ms / put_ms <= 1.3 ? "met" : "NOT met");

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
  start = Clock::now();
  for (int64_t i = 0; i < slow; ++i) {
    if (auto r = writer->AppendEvent(&fence, Event(fence, commits + i)); !r) {
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
  for (int64_t i = commits + slow; i < events; ++i) {
    if (auto r = writer->AppendEvent(&fence, Event(fence, i)); !r) Die("filling", r.error());
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
