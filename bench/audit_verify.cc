// audit_verify: how fast `flightplan audit verify` checks the hash chain,
// against the speed of the hashing it cannot avoid.
//
// Setup: a state file of ~100,000 events. The bytes that count are exactly
// the bytes EventHash feeds to SHA-256 (the length-prefixed fields of each
// event, docs/journal-format.md); the setup rebuilds them independently of
// the store and checks that they hash to every stored hash.
//
//   BM_VerifyChain       SqliteJournal::VerifyChain() over the whole file
//   BM_RawSha256         OpenSSL SHA-256 over the same bytes, one digest per
//                        event as the chain requires (one EVP_MD fetched
//                        once, one reused context; no hex encoding)
//   BM_EvpDigestPerCall  EVP_Digest(..., EVP_sha256(), ...) per event: the
//                        per-call lookup base/digest.cc avoids (informational)
//   BM_Sha256HexHelper   base/digest.h Sha256Hex over the same bytes: what
//                        the store calls per event (informational)
//
// Judged by: VerifyChain MB/s beside raw SHA-256 MB/s; goal ratio >= 0.5.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <time.h>

#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "base/digest.h"
#include "bench/bench_support.h"
#include "bench/journal_fill.h"

namespace flightplan::bench {
namespace {

constexpr int64_t kEvents = 100'000;
constexpr double kGoalRatio = 0.5;

struct Fixture {
  std::unique_ptr<ScratchDir> dir;
  SystemClock clock;
  std::unique_ptr<SqliteJournal> journal;
  std::vector<std::string> hashed;  // per event, the bytes EventHash hashes
  size_t total_bytes = 0;
};

// Built on first use; ReleaseFixture (end of main) removes the scratch files.
std::unique_ptr<Fixture> g_fixture;

Fixture& GetFixture() {
  if (!g_fixture) {
    g_fixture = std::make_unique<Fixture>();
    Fixture* f = g_fixture.get();
    f->dir = std::make_unique<ScratchDir>("fp-bench-audit");
    const std::string path = f->dir->File("state.db");
    OpenJournalOrDie(path, f->clock).reset();
    AppendFillerEvents(path, kEvents);
    f->journal = OpenJournalOrDie(path, f->clock);
    auto events = f->journal->ListEvents(EventFilter{});
    if (!events) Die("reading the events back", events.error());
    for (const EventRecord& e : *events) {
      std::string bytes = HashedBytes(e.prev_hash, e.seq, e.at.unix_ms, e.operator_name, e.run_id,
                                      e.target, e.step_id, e.kind, e.detail_json);
      if (Sha256Hex(bytes) != e.hash) {
        Die(fmt::format("event {}: the documented hash input does not give the stored hash",
                        e.seq));
      }
      f->total_bytes += bytes.size();
      f->hashed.push_back(std::move(bytes));
    }
  }
  return *g_fixture;
}

void ReleaseFixture() {
  if (!g_fixture) return;
  g_fixture->journal.reset();
  g_fixture.reset();
}

// Wall-clock and CPU time of the whole process (VerifyChain reads a long
// chain on several threads, so its CPU time is theirs summed): the machine
// is shared, and the CPU figure is the one other processes disturb least.
struct Rate {
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t runs = 0;
  double MBps(size_t bytes) const { return PerSecond(bytes, seconds); }
  double CpuMBps(size_t bytes) const { return PerSecond(bytes, cpu_seconds); }

 private:
  double PerSecond(size_t bytes, double s) const {
    return runs == 0 ? 0 : static_cast<double>(bytes) * static_cast<double>(runs) / s / 1e6;
  }
};
Rate g_verify;
Rate g_raw;
Rate g_helper;
Rate g_digest_per_call;

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

template <typename Fn>
void Timed(benchmark::State& state, Rate& rate, Fn&& body) {
  Fixture& f = GetFixture();
  for (auto _ : state) {
    double cpu_start = ProcessCpuSeconds();
    auto start = std::chrono::steady_clock::now();
    body(f);
    double seconds = Seconds(start, std::chrono::steady_clock::now());
    state.SetIterationTime(seconds);
    rate.seconds += seconds;
    rate.cpu_seconds += ProcessCpuSeconds() - cpu_start;
    ++rate.runs;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(f.total_bytes));
  state.counters["events"] = static_cast<double>(f.hashed.size());
  state.counters["MB_per_s"] = rate.MBps(f.total_bytes);
  state.counters["MB_per_cpu_s"] = rate.CpuMBps(f.total_bytes);
}

void BM_VerifyChain(benchmark::State& state) {
  Timed(state, g_verify, [](Fixture& f) {
    auto report = f.journal->VerifyChain();
    if (!report || report->first_bad_seq) Die("the chain does not verify");
    benchmark::DoNotOptimize(report->events);
  });
}

void BM_RawSha256(benchmark::State& state) {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Timed(state, g_raw, [&](Fixture& f) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    for (const std::string& bytes : f.hashed) {
      EVP_DigestInit_ex(ctx, md, nullptr);
      EVP_DigestUpdate(ctx, bytes.data(), bytes.size());
      EVP_DigestFinal_ex(ctx, digest, &length);
      benchmark::DoNotOptimize(digest[0]);
    }
  });
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
}

// What Sha256Hex does minus the hex: EVP_Digest with EVP_sha256() per call,
// which makes OpenSSL 3 look the algorithm up every time.
void BM_EvpDigestPerCall(benchmark::State& state) {
  Timed(state, g_digest_per_call, [](Fixture& f) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    for (const std::string& bytes : f.hashed) {
      EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
      benchmark::DoNotOptimize(digest[0]);
    }
  });
}

void BM_Sha256HexHelper(benchmark::State& state) {
  Timed(state, g_helper, [](Fixture& f) {
    for (const std::string& bytes : f.hashed) {
      std::string hex = Sha256Hex(bytes);
      benchmark::DoNotOptimize(hex.data());
    }
  });
}

}  // namespace
}  // namespace flightplan::bench

int main(int argc, char** argv) {
  namespace b = flightplan::bench;
  for (auto [name, fn] : {std::pair{"BM_VerifyChain", &b::BM_VerifyChain},
                          std::pair{"BM_RawSha256", &b::BM_RawSha256},
                          std::pair{"BM_EvpDigestPerCall", &b::BM_EvpDigestPerCall},
                          std::pair{"BM_Sha256HexHelper", &b::BM_Sha256HexHelper}}) {
    benchmark::RegisterBenchmark(name, fn)->UseManualTime()->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (b::g_verify.runs == 0 || b::g_raw.runs == 0) {
    b::ReleaseFixture();
    return 0;
  }
  b::Fixture& f = b::GetFixture();
  const size_t bytes = f.total_bytes;
  double ratio = b::g_verify.MBps(bytes) / b::g_raw.MBps(bytes);
  double cpu_ratio = b::g_verify.CpuMBps(bytes) / b::g_raw.CpuMBps(bytes);
  std::printf(
      "\naudit_verify on %s: %zu events, %.1f MB hashed (mean %.0f "
      "bytes/event):\n"
      "                                 wall MB/s   CPU MB/s\n"
      "  VerifyChain()                  %9.1f  %9.1f   (%.1f ms per full "
      "verify)\n"
      "  raw OpenSSL SHA-256            %9.1f  %9.1f   (same bytes, one digest "
      "per event)\n",
      f.dir->Describe().c_str(), f.hashed.size(), static_cast<double>(bytes) / 1e6,
      static_cast<double>(bytes) / static_cast<double>(f.hashed.size()), b::g_verify.MBps(bytes),
      b::g_verify.CpuMBps(bytes), b::g_verify.seconds * 1e3 / static_cast<double>(b::g_verify.runs),
      b::g_raw.MBps(bytes), b::g_raw.CpuMBps(bytes));
  if (b::g_digest_per_call.runs > 0) {
    std::printf("  EVP_Digest(EVP_sha256()) each  %9.1f  %9.1f   (informational)\n",
                b::g_digest_per_call.MBps(bytes), b::g_digest_per_call.CpuMBps(bytes));
  }
  if (b::g_helper.runs > 0) {
    std::printf("  store Sha256Hex helper         %9.1f  %9.1f   (informational)\n",
                b::g_helper.MBps(bytes), b::g_helper.CpuMBps(bytes));
  }
  std::printf("  ratio %.2fx wall, %.2fx CPU   goal >= %.1fx   %s   (verify on %u cores)\n", ratio,
              cpu_ratio, b::kGoalRatio, ratio >= b::kGoalRatio ? "MET" : "NOT MET",
              std::thread::hardware_concurrency());
  b::ReleaseFixture();
  return 0;
}
