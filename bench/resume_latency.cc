// resume_latency: how long an operator waits, on a journal that has seen a
// lot of history, between starting `flightplan resume` and the engine
// continuing the interrupted run.
//
// Setup: a state file holding 100,000 audit events and one unfinished run of
// no-op steps (interrupted after its first step). Each timed iteration opens
// the state file with the real SqliteJournal, builds an Executor and calls
// Resume; the clock stops when the engine starts the next step (its
// `step.started` transition is durable), which is "the point it continues".
// The step then finishes and the run is interrupted again before the step
// after it, so every iteration resumes the same way.
//
// Judged by: resume latency in ms beside the 50 ms goal.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "bench/bench_support.h"
#include "bench/journal_fill.h"

namespace flightplan::bench {
namespace {

constexpr int64_t kEvents = 100'000;
constexpr double kGoalMs = 50.0;

struct Figures {
  double total_ms = 0;
  double open_ms = 0;
  double worst_ms = 0;
  int resumes = 0;
  int64_t events = 0;
  double file_mib = 0;
  std::string file_system;
};
Figures g_figures;

// Stops the clock when the resumed run starts its next step, and asks the
// executor to stop after that step.
class ContinueObserver final : public RunObserver {
 public:
  explicit ContinueObserver(std::atomic<bool>& cancel) : cancel_(cancel) {}
  void RunStarted(const RunRecord&, bool, Direction) override {}
  void StepStarted(const std::string&, const std::string&, Direction, int) override {
    if (!continued_at_) continued_at_ = std::chrono::steady_clock::now();
    cancel_.store(true);
  }
  void StepFinished(const std::string&, StepState, Duration, const std::string&) override {
    cancel_.store(true);
  }
  void Notice(const std::string&) override {}
  void RunFinished(const RunRecord&, RunState) override {}

  std::optional<std::chrono::steady_clock::time_point> continued_at() const {
    return continued_at_;
  }
  void Reset() { continued_at_.reset(); }

 private:
  std::atomic<bool>& cancel_;
  std::optional<std::chrono::steady_clock::time_point> continued_at_;
};

int Iterations() {
  const char* env = std::getenv("FLIGHTPLAN_BENCH_ITERATIONS");
  int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : 30;
}

void BM_ResumeAfter100kEvents(benchmark::State& state) {
  const int resumes = static_cast<int>(state.max_iterations);
  ScratchDir dir("fp-bench-resume");
  g_figures.file_system = dir.Describe();
  const std::string path = dir.File("state.db");
  const Workflow workflow =
      LoadOrDie(NoopWorkflowYaml("bench-resume", resumes + 2), "bench-resume.yaml");
  EngineSeams seams;
  std::atomic<bool> cancel{false};
  ContinueObserver observer(cancel);
  ExecutorOptions options = BenchExecutorOptions(seams.host);
  options.cancel = &cancel;

  // A state file with history, then the run that will be resumed: it runs
  // its first step and is interrupted (cancelled) before the second.
  OpenJournalOrDie(path, seams.clock).reset();
  AppendFillerEvents(path, kEvents);
  RunId run_id = 0;
  {
    auto journal = OpenJournalOrDie(path, seams.clock);
    auto executor = MakeExecutor(*journal, seams, observer);
    auto outcome = executor->Start(workflow, {}, "bench/resume", options);
    if (outcome || outcome.error().code() != ErrorCode::kCancelled) {
      Die("the run to resume was expected to stop after its first step");
    }
    auto runs = journal->ListRuns(workflow.name, "bench/resume");
    if (!runs || runs->empty()) Die("the interrupted run is not in the journal");
    run_id = runs->front().id;
    auto report = journal->VerifyChain();
    if (!report || report->first_bad_seq) Die("the filled journal does not verify");
    g_figures.events = report->events;
  }

  double total = 0;
  double open_total = 0;
  double worst = 0;
  int done = 0;
  for (auto _ : state) {
    cancel.store(false);
    observer.Reset();
    auto start = std::chrono::steady_clock::now();
    auto journal = OpenJournalOrDie(path, seams.clock);
    auto opened = std::chrono::steady_clock::now();
    auto executor = MakeExecutor(*journal, seams, observer);
    auto outcome = executor->Resume(run_id, workflow, {}, options);
    if (!observer.continued_at()) {
      Die(outcome ? "resume did not continue the run: " + outcome->message
                  : "resume failed: " + outcome.error().ToString());
    }
    double latency = Seconds(start, *observer.continued_at());
    state.SetIterationTime(latency);
    total += latency;
    open_total += Seconds(start, opened);
    worst = std::max(worst, latency);
    ++done;
  }
  state.counters["events"] = static_cast<double>(g_figures.events);
  state.counters["resume_ms"] = total * 1e3 / done;
  state.counters["open_ms"] = open_total * 1e3 / done;
  state.counters["worst_ms"] = worst * 1e3;
  state.counters["goal_ms"] = kGoalMs;
  g_figures.total_ms += total * 1e3;
  g_figures.open_ms += open_total * 1e3;
  g_figures.worst_ms = std::max(g_figures.worst_ms, worst * 1e3);
  g_figures.resumes += done;
  std::error_code ec;
  g_figures.file_mib = static_cast<double>(std::filesystem::file_size(path, ec)) / (1 << 20);
}

}  // namespace
}  // namespace flightplan::bench

int main(int argc, char** argv) {
  using flightplan::bench::g_figures;
  benchmark::RegisterBenchmark("BM_ResumeAfter100kEvents",
                               flightplan::bench::BM_ResumeAfter100kEvents)
      ->Iterations(flightplan::bench::Iterations())
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (g_figures.resumes == 0) return 0;
  double mean = g_figures.total_ms / g_figures.resumes;
  std::printf(
      "\nresume_latency on %s (%lld events, %.1f MiB state file, warm page "
      "cache), %d resumes:\n"
      "  open state file + Executor::Resume until the next step starts: mean "
      "%.1f ms, worst "
      "%.1f ms (of which opening %.1f ms)\n"
      "  goal < %.0f ms   %s\n",
      g_figures.file_system.c_str(), static_cast<long long>(g_figures.events), g_figures.file_mib,
      g_figures.resumes, mean, g_figures.worst_ms, g_figures.open_ms / g_figures.resumes,
      flightplan::bench::kGoalMs, mean < flightplan::bench::kGoalMs ? "MET" : "NOT MET");
  return 0;
}
