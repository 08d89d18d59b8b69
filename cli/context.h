// What every command needs, wired from the global options: the state file,
// the step registry, the workflow catalog, the console, and the seams. This is
// the composition root's one place that chooses real implementations.
#ifndef FLIGHTPLAN_CLI_CONTEXT_H_
#define FLIGHTPLAN_CLI_CONTEXT_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/object_store.h"
#include "cli/command.h"
#include "cli/console.h"
#include "engine/executor.h"
#include "engine/journal.h"
#include "engine/step.h"
#include "engine/workflow.h"
#include "engine/workflow_loader.h"
#include "steps/aws/client_pool.h"
#include "steps/data/data_steps.h"
#include "steps/net/curl_transport.h"
#include "steps/sys/posix_process_runner.h"
#include "steps/sys/system_host.h"

namespace flightplan::cli {

// Workflows flightplan knows by name: the embedded ones, plus the *.yaml
// files beside a workflow given as a path.
class Catalog final : public WorkflowCatalog {
 public:
  struct Entry {
    std::string name;
    std::string source;  // path, or builtin:<path>
    std::string text;
    WorkflowHeader header;
  };
  Catalog();
  // Adds the workflows in `dir` (errors in them are ignored here; loading
  // the one asked for reports its own).
  void AddDirectory(const std::string& dir);
  const Entry* Find(std::string_view name) const;
  const std::vector<Entry>& entries() const { return entries_; }

  std::optional<std::vector<std::string>> RequiresOf(std::string_view name) const override;
  std::vector<std::string> Names() const override;

 private:
  std::vector<Entry> entries_;
};

class Context {
 public:
  explicit Context(const GlobalOptions& global);
  ~Context();

  // Opens the state — a file, or s3://BUCKET/PREFIX shared by operators on
  // several machines (store/log_journal.h); create=false refuses to create
  // one (read-only commands).
  Result<Journal*> OpenJournal(bool create);
  // Whether there is a state to open (for commands that treat none as
  // "nothing has run yet").
  Result<bool> StateExists();
  bool state_is_shared() const;
  // The bucket at `url` (s3://BUCKET/PREFIX), reached with the default
  // credentials and region.
  Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url);
  // Where this machine keeps its replica of the shared state at `location`.
  static std::string ReplicaPath(const std::string& location);
  const StepRegistry& registry() const { return registry_; }
  Catalog& catalog() { return catalog_; }
  Console& console() { return *console_; }
  const GlobalOptions& global() const { return global_; }
  const std::string& state_path() const { return state_path_; }

  // A workflow by name (embedded or in the catalog) or by file path.
  Result<Workflow> LoadWorkflow(const std::string& name_or_path);
  // The definition a run should continue under: its source as it is now, or
  // the pinned text when the source is gone.
  Result<Workflow> LoadRunWorkflow(const RunRecord& run, bool prefer_pinned);

  ExecutorOptions MakeExecutorOptions(const std::atomic<bool>* cancel) const;
  std::unique_ptr<Executor> MakeExecutor();
  LeaseHolder holder() const;
  SystemHost& host() { return host_; }
  aws::ClientPool& aws_clients() { return *aws_clients_; }
  Clock& clock() { return clock_; }
  // The data steps read these when they run (`data migrate` sets them).
  data::DataLimits& data_limits() { return data_limits_; }

 private:
  const GlobalOptions& global_;
  std::string state_path_;
  StepRegistry registry_;
  Catalog catalog_;
  SystemClock clock_;
  SystemHost host_;
  PosixProcessRunner processes_;
  std::unique_ptr<CurlTransport> transport_;
  std::unique_ptr<aws::ClientPool> aws_clients_;  // migration steps' AWS clients
  data::DataLimits data_limits_;
  std::unique_ptr<Console> console_;
  std::unique_ptr<Prompter> prompter_;
  std::unique_ptr<ObjectStore> state_store_;  // a shared state's bucket
  std::unique_ptr<Journal> journal_;

  Result<ObjectStore*> SharedStore();
};

// Parses repeated `--param k=v` values.
Result<ParamInput> ParseParams(const std::vector<std::string>& pairs);

// Prints a dry-run plan; `verb` says what would happen ("would run").
int PrintPlan(Console& console, const Plan& plan, const std::string& verb);

// Prints the error (with its context) to stderr and returns its exit code.
int ReportError(Console& console, const Error& error);

// Installs SIGINT/SIGTERM handlers that ask the executor to stop after the
// current step; a second signal ends the process at once.
const std::atomic<bool>* InstallInterruptHandlers();

}  // namespace flightplan::cli

#endif  // FLIGHTPLAN_CLI_CONTEXT_H_
