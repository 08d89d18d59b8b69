// engine_overhead: what the engine costs per step beyond the durability it
// promises.
//
// A run of kSteps no-op steps goes through the real Executor and the real
// SqliteJournal (WAL, synchronous=FULL, one BEGIN IMMEDIATE transaction per
// transition). The engine journals each step twice (running, then
// succeeded), so the physical limit is two durable SQLite commits per step:
// measured in the same process, on the same file system, with raw sqlite3
// calls and the same pragmas. Both are measured in every iteration, one after
// the other (alternating which goes first), so machine noise hits both alike.
//
// Judged by: engine ms/step beside limit ms/step; goal ratio <= 1.5.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>

#include "bench/bench_support.h"

namespace flightplan::bench {
namespace {

constexpr int kDefaultSteps = 1000;
constexpr double kGoalRatio = 1.5;

int EnvInt(const char* name, int fallback) {
  const char* env = std::getenv(name);
  int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : fallback;
}

// FLIGHTPLAN_BENCH_STEPS changes the workflow's length (to see how the cost
// per step grows with it).
const int kSteps = EnvInt("FLIGHTPLAN_BENCH_STEPS", kDefaultSteps);

struct Totals {
  double engine_seconds = 0;
  double engine_cpu_seconds = 0;
  double limit_seconds = 0;
  double limit_cpu_seconds = 0;
  int64_t steps = 0;
  std::string file_system;
};
Totals g_totals;

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void Check(int rc, sqlite3* db, const char* doing) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    Die(fmt::format("{}: {}", doing, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
}

// The physical limit: `steps` x two durable commits of one small row each,
// with the pragmas SqliteJournal uses. Returns the seconds the commits took.
double TimeDurableCommits(const std::string& path, int steps) {
  sqlite3* db = nullptr;
  Check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), db,
        "opening the raw SQLite file");
  Check(sqlite3_exec(db, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr), db, "WAL");
  Check(sqlite3_exec(db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr), db, "FULL");
  Check(sqlite3_exec(db, "CREATE TABLE t(seq INTEGER PRIMARY KEY, payload TEXT NOT NULL)", nullptr,
                     nullptr, nullptr),
        db, "creating the table");
  sqlite3_stmt* insert = nullptr;
  Check(sqlite3_prepare_v2(db, "INSERT INTO t(payload) VALUES(?)", -1, &insert, nullptr), db,
        "preparing the insert");
  const std::string payload(96,
                            'x');  // about one journaled transition's event row
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps * 2; ++i) {
    Check(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db, "BEGIN");
    sqlite3_bind_text(insert, 1, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
    Check(sqlite3_step(insert), db, "INSERT");
    sqlite3_reset(insert);
    Check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "COMMIT");
  }
  double seconds = Seconds(start, std::chrono::steady_clock::now());
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return seconds;
}

void BM_EngineVsTwoDurableCommitsPerStep(benchmark::State& state) {
  ScratchDir dir("fp-bench-overhead");
  g_totals.file_system = dir.Describe();
  const Workflow workflow = LoadOrDie(NoopWorkflowYaml("bench-noop", kSteps), "bench-noop.yaml");
  EngineSeams seams;
  NullObserver observer;
  ExecutorOptions options = BenchExecutorOptions(seams.host);
  int iteration = 0;
  double engine_total = 0;
  double limit_total = 0;
  for (auto _ : state) {
    ++iteration;
    double limit = 0;
    double limit_cpu = 0;
    auto measure_limit = [&] {
      double cpu_before = ProcessCpuSeconds();
      limit = TimeDurableCommits(dir.File(fmt::format("limit-{}.db", iteration)), kSteps);
      limit_cpu = ProcessCpuSeconds() - cpu_before;
    };
    // Alternate which goes first, so that neither always follows the other's
    // writes (the disk's write-back state otherwise favours one of them).
    if (iteration % 2 == 1) measure_limit();

    auto journal = OpenJournalOrDie(dir.File(fmt::format("state-{}.db", iteration)), seams.clock);
    auto executor = MakeExecutor(*journal, seams, observer);
    double cpu_before = ProcessCpuSeconds();
    auto start = std::chrono::steady_clock::now();
    auto outcome = executor->Start(workflow, {}, fmt::format("bench/{}", iteration), options);
    double engine = Seconds(start, std::chrono::steady_clock::now());
    double cpu = ProcessCpuSeconds() - cpu_before;
    if (!outcome) Die("running the no-op workflow", outcome.error());
    if (outcome->state != RunState::kSucceeded) Die("the no-op run did not succeed");
    executor.reset();
    journal.reset();
    if (iteration % 2 == 0) measure_limit();

    state.SetIterationTime(engine);
    engine_total += engine;
    limit_total += limit;
    g_totals.engine_seconds += engine;
    g_totals.engine_cpu_seconds += cpu;
    g_totals.limit_seconds += limit;
    g_totals.limit_cpu_seconds += limit_cpu;
    g_totals.steps += kSteps;
  }
  int64_t steps = static_cast<int64_t>(iteration) * kSteps;
  state.counters["steps"] = static_cast<double>(steps);
  state.counters["engine_ms_per_step"] = engine_total * 1e3 / static_cast<double>(steps);
  state.counters["limit_ms_per_step"] = limit_total * 1e3 / static_cast<double>(steps);
  state.counters["ratio"] = engine_total / limit_total;
  state.counters["goal_ratio_max"] = kGoalRatio;
}

int Iterations() { return EnvInt("FLIGHTPLAN_BENCH_ITERATIONS", 4); }

}  // namespace
}  // namespace flightplan::bench

int main(int argc, char** argv) {
  using flightplan::bench::g_totals;
  std::string name =
      fmt::format("BM_EngineVsTwoDurableCommitsPerStep/steps:{}", flightplan::bench::kSteps);
  benchmark::RegisterBenchmark(name.c_str(), flightplan::bench::BM_EngineVsTwoDurableCommitsPerStep)
      ->Iterations(flightplan::bench::Iterations())
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (g_totals.steps == 0) return 0;
  double steps = static_cast<double>(g_totals.steps);
  double engine = g_totals.engine_seconds * 1e3 / steps;
  double limit = g_totals.limit_seconds * 1e3 / steps;
  double ratio = g_totals.engine_seconds / g_totals.limit_seconds;
  std::printf(
      "\nengine_overhead on %s, %lld steps:\n"
      "  engine (Executor + SqliteJournal)       %.3f ms/step (CPU %.3f "
      "ms/step)\n"
      "  limit (2 durable SQLite commits/step)   %.3f ms/step (CPU %.3f "
      "ms/step)\n"
      "  ratio %.2fx   goal <= %.1fx   %s\n",
      g_totals.file_system.c_str(), static_cast<long long>(g_totals.steps), engine,
      g_totals.engine_cpu_seconds * 1e3 / steps, limit, g_totals.limit_cpu_seconds * 1e3 / steps,
      ratio, flightplan::bench::kGoalRatio,
      ratio <= flightplan::bench::kGoalRatio ? "MET" : "NOT MET");
  return 0;
}
