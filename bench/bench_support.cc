#include "bench/bench_support.h"

#include <fmt/format.h>
#include <sys/vfs.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "engine/workflow_loader.h"
#include "steps/builtin/builtin_steps.h"

namespace flightplan::bench {

const StepSchema& NoopStep::schema() const {
  static const StepSchema kSchema{
      .summary = "Does nothing (benchmarks only).", .inputs = {}, .outputs = {}, .has_check = true};
  return kSchema;
}

std::string NoopStep::Describe(const Value&) const { return "do nothing"; }

Result<Value> NoopStep::Execute(const Value&, StepContext&) const { return Value(ValueMap{}); }

Result<CheckResult> NoopStep::Check(const Value&, StepContext&) const {
  return CheckResult{CheckOutcome::kDone, Value(ValueMap{}), "a no-op is always done"};
}

Result<bool> NeverPrompter::Confirm(const std::string&, const std::string&) {
  return MakeError(ErrorCode::kNeedsConfirmation, "benchmarks never ask");
}

ScratchDir::ScratchDir(const std::string& prefix) {
  const char* base = std::getenv("FLIGHTPLAN_BENCH_DIR");
  std::string dir = base != nullptr && *base != '\0'
                        ? std::string(base)
                        : std::filesystem::temp_directory_path().string();
  std::string pattern = dir + "/" + prefix + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) Die("cannot create a scratch directory in " + dir);
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::Describe() const {
  struct statfs fs {};
  std::string type = "unknown file system";
  if (statfs(path_.c_str(), &fs) == 0) {
    switch (static_cast<uint32_t>(fs.f_type)) {
      case 0xEF53:
        type = "ext2/3/4";
        break;
      case 0x58465342:
        type = "xfs";
        break;
      case 0x9123683E:
        type = "btrfs";
        break;
      case 0x01021994:
        type = "tmpfs (fsync is free: figures are not durable-disk figures)";
        break;
      case 0x794C7630:
        type = "overlayfs";
        break;
      default:
        type = fmt::format("file system type {:#x}", static_cast<uint32_t>(fs.f_type));
    }
  }
  return fmt::format("{} ({})", type, path_);
}

std::string NoopWorkflowYaml(const std::string& name, int steps) {
  std::string yaml = fmt::format(
      "name: {}\nversion: 1\ndescription: {} no-op steps (benchmark)\nsteps:\n", name, steps);
  for (int i = 0; i < steps; ++i) {
    // `with: {}` spelled out: the loader rejects a step without `with`
    // (bench/README.md, "Engine findings").
    yaml += fmt::format("  - id: s{:05}\n    uses: noop\n    with: {{}}\n", i);
  }
  return yaml;
}

const StepRegistry& BenchRegistry() {
  static const StepRegistry* registry = [] {
    auto* r = new StepRegistry();
    RegisterBuiltinSteps(*r);
    r->Register(std::make_unique<NoopStep>());
    return r;
  }();
  return *registry;
}

Workflow LoadOrDie(const std::string& yaml, const std::string& source) {
  auto workflow = LoadWorkflow(yaml, source, BenchRegistry(), nullptr);
  if (!workflow) Die("loading " + source, workflow.error());
  return std::move(*workflow);
}

std::unique_ptr<SqliteJournal> OpenJournalOrDie(const std::string& path, Clock& clock) {
  auto journal = OpenSqliteJournal(path, clock, JournalOptions{});
  if (!journal) Die("opening " + path, journal.error());
  return std::move(*journal);
}

ExecutorOptions BenchExecutorOptions(const Host& host) {
  ExecutorOptions options;
  options.holder.user = host.UserName();
  options.holder.host = host.HostName();
  options.holder.pid = host.ProcessId();
  options.holder.operator_name = "bench";
  options.assume_yes = AssumeYes::kYes;
  return options;
}

std::unique_ptr<Executor> MakeExecutor(Journal& journal, EngineSeams& seams,
                                       RunObserver& observer) {
  return std::make_unique<Executor>(journal, BenchRegistry(), seams.clock, seams.processes,
                                    seams.prompter, seams.host, observer);
}

void Die(const std::string& what, const Error& error) {
  std::fprintf(stderr, "benchmark setup failed while %s: %s\n", what.c_str(),
               error.ToString().c_str());
  std::exit(1);
}

void Die(const std::string& what) {
  std::fprintf(stderr, "benchmark setup failed: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace flightplan::bench
