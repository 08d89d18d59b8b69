// Shared pieces of the benchmarks: a step type that does nothing, a prompter
// that never asks, a scratch directory on the file system the benchmark is
// judged on, and helpers that build no-op workflows and the executor around a
// real SqliteJournal.
//
// Everything here is for bench/ only; none of it is linked into flightplan.
#ifndef FLIGHTPLAN_BENCH_BENCH_SUPPORT_H_
#define FLIGHTPLAN_BENCH_BENCH_SUPPORT_H_

#include <chrono>
#include <memory>
#include <string>

#include "base/clock.h"
#include "engine/executor.h"
#include "engine/observer.h"
#include "engine/step.h"
#include "engine/workflow.h"
#include "steps/sys/posix_process_runner.h"
#include "steps/sys/system_host.h"
#include "store/sqlite_journal.h"

namespace flightplan::bench {

// `uses: noop`: no inputs, no outputs, no effect; Check answers done. Lets a
// benchmark measure the engine and the journal, not a step's work.
class NoopStep final : public StepType {
 public:
  std::string_view name() const override { return "noop"; }
  const StepSchema& schema() const override;
  std::string Describe(const Value& inputs) const override;
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override;
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override;
};

// Never asks; any confirmation is refused as "no terminal".
class NeverPrompter final : public Prompter {
 public:
  bool IsInteractive() const override { return false; }
  Result<bool> Confirm(const std::string& message, const std::string& typed) override;
};

// A directory created under $FLIGHTPLAN_BENCH_DIR (default: the system temp
// directory) and removed with everything in it on destruction. Print where()
// so a reader knows which file system the figures describe.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // "ext2/3/4 (/tmp/fp-bench-resume-a1B2c3)" or similar, for the summary.
  std::string Describe() const;

 private:
  std::string path_;
};

// YAML for a workflow `name` of `steps` no-op steps with ids s00000, s00001...
std::string NoopWorkflowYaml(const std::string& name, int steps);

// The registry the benchmarks load workflows with: the built-in step types
// plus NoopStep.
const StepRegistry& BenchRegistry();

// Loads `yaml`; aborts the benchmark process with a message on error (a
// benchmark cannot run on a definition that does not load).
Workflow LoadOrDie(const std::string& yaml, const std::string& source);

// Opens (creating) a state file with the real SqliteJournal; aborts on error.
std::unique_ptr<SqliteJournal> OpenJournalOrDie(const std::string& path, Clock& clock);

// The seams an Executor needs, real where they exist (clock, host, process
// runner, SHA-256) and silent where they would talk to a person.
struct EngineSeams {
  SystemClock clock;
  SystemHost host;
  PosixProcessRunner processes;
  NeverPrompter prompter;
};

ExecutorOptions BenchExecutorOptions(const Host& host);
std::unique_ptr<Executor> MakeExecutor(Journal& journal, EngineSeams& seams, RunObserver& observer);

// Seconds between two steady_clock readings.
inline double Seconds(std::chrono::steady_clock::time_point from,
                      std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// Aborts with `what` and the error when `result` holds one.
[[noreturn]] void Die(const std::string& what, const Error& error);
[[noreturn]] void Die(const std::string& what);

}  // namespace flightplan::bench

#endif  // FLIGHTPLAN_BENCH_BENCH_SUPPORT_H_
