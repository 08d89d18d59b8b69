#include "cli/context.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "base/digest.h"
#include "base/file_io.h"
#include "cli/data_migrations.h"
#include "cli/exit_codes.h"
#include "cli/fault_injection.h"
#include "steps/amplify/generate_step.h"
#include "steps/aws/s3_object_store.h"
#include "steps/builtin/builtin_steps.h"
#include "steps/data/data_steps.h"
#include "steps/migration/migration_steps.h"
#include "store/log_journal.h"
#include "store/sqlite_journal.h"
#include "workflows/embedded.h"

namespace flightplan::cli {
namespace {

std::string DefaultLogDir() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return "";
  return (std::filesystem::path(home) / ".flightplan" / "logs").string();
}

}  // namespace

// $FLIGHTPLAN_STATE_CACHE, else ~/.flightplan/state-cache; one file per
// state location.
std::string Context::ReplicaPath(const std::string& location) {
  std::filesystem::path dir;
  if (const char* env = std::getenv("FLIGHTPLAN_STATE_CACHE"); env != nullptr && *env != '\0') {
    dir = env;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = std::filesystem::path(home) / ".flightplan" / "state-cache";
  } else {
    dir = ".flightplan/state-cache";
  }
  return (dir / (Sha256Hex(location).substr(0, 16) + ".db")).string();
}

namespace {

Result<std::string> ReadTextFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no workflow file '{}'", path));
  }
  // Refused before it is read: the loader would refuse it anyway.
  if (uintmax_t size = std::filesystem::file_size(path, ec); !ec && size > kMaxWorkflowBytes) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: the definition is larger than {} bytes ({} bytes)", path,
                                 kMaxWorkflowBytes, size));
  }
  Result<std::string> text = ReadFile(path);
  if (!text) return MakeError(ErrorCode::kNotFound, fmt::format("cannot read '{}'", path));
  return text;
}

std::atomic<bool> g_cancel{false};

extern "C" void OnInterrupt(int signal_number) {
  if (g_cancel.exchange(true)) {
    // Second signal: stop now. The journal is consistent at every instant.
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
    return;
  }
  static const char kMessage[] =
      "\nflightplan: stopping after the current step (press Ctrl-C again to stop at once; "
      "`flightplan resume` continues either way)\n";
  (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
}

}  // namespace

Catalog::Catalog() {
  for (const EmbeddedWorkflow& w : EmbeddedWorkflows()) {
    std::string source = "builtin:" + std::string(w.path);
    auto header = ReadWorkflowHeader(w.text, source);
    if (!header) continue;
    entries_.push_back(Entry{header->name, source, std::string(w.text), *header});
  }
}

void Catalog::AddDirectory(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    auto text = ReadTextFile(path.string());
    if (!text) continue;
    auto header = ReadWorkflowHeader(*text, path.string());
    if (!header) continue;
    // A file beside the workflow shadows an embedded one of the same name.
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                  [&](const Entry& e) { return e.name == header->name; }),
                   entries_.end());
    entries_.push_back(Entry{header->name, path.string(), *text, *header});
  }
}

const Catalog::Entry* Catalog::Find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::optional<std::vector<std::string>> Catalog::RequiresOf(std::string_view name) const {
  const Entry* e = Find(name);
  if (e == nullptr) return std::nullopt;
  return e->header.requires_workflows;
}

std::vector<std::string> Catalog::Names() const {
  std::vector<std::string> names;
  for (const Entry& e : entries_) names.push_back(e.name);
  return names;
}

Context::Context(const GlobalOptions& global) : global_(global) {
  state_path_ = global.state_path.empty() ? ".flightplan/state.db" : global.state_path;
  RegisterBuiltinSteps(registry_);
  amplify::RegisterAmplifySteps(registry_);
  transport_ = std::make_unique<CurlTransport>(CurlTransportOptions::FromEnvironment());
  aws_clients_ =
      std::make_unique<aws::ClientPool>(*transport_, clock_, processes_, aws::SystemEnvironment());
  migration::RegisterMigrationSteps(registry_, *aws_clients_);
  data::RegisterDataSteps(
      registry_, *aws_clients_,
      [] { return std::make_unique<CurlTransport>(CurlTransportOptions::FromEnvironment()); },
      &data_limits_);
  console_ = std::make_unique<Console>(global.no_color, global.verbose, DefaultLogDir());
  prompter_ = std::make_unique<TerminalPrompter>();
}

Context::~Context() = default;

bool Context::state_is_shared() const { return state_path_.rfind("s3://", 0) == 0; }

Result<bool> Context::StateExists() {
  if (journal_) return true;
  if (!state_is_shared()) {
    std::error_code ec;
    return std::filesystem::exists(state_path_, ec);
  }
  ASSIGN_OR_RETURN(ObjectStore * store, SharedStore());
  ASSIGN_OR_RETURN(std::optional<std::string> manifest, store->Get(kSharedStateManifestKey));
  return manifest.has_value();
}

Result<std::unique_ptr<ObjectStore>> Context::OpenObjectStore(const std::string& url) {
  ASSIGN_OR_RETURN(aws::S3Location location, aws::ParseS3Location(url));
  ASSIGN_OR_RETURN(aws::AwsClient * client, aws_clients_->Get("", ""));
  // Reads of many log objects (a machine catching up, audit verify) go in
  // parallel, each worker over a transport of its own.
  aws::TransportFactory transports = [] {
    return std::unique_ptr<HttpTransport>(
        std::make_unique<CurlTransport>(CurlTransportOptions::FromEnvironment()));
  };
  return std::unique_ptr<ObjectStore>(std::make_unique<aws::S3ObjectStore>(
      *client, std::move(location), std::move(transports), /*parallelism=*/8));
}

Result<ObjectStore*> Context::SharedStore() {
  if (!state_store_) {
    ASSIGN_OR_RETURN(state_store_, OpenObjectStore(state_path_));
  }
  return state_store_.get();
}

Result<Journal*> Context::OpenJournal(bool create) {
  if (journal_) return journal_.get();
  if (state_is_shared()) {
    ASSIGN_OR_RETURN(ObjectStore * store, SharedStore());
    LogJournalOptions options;
    options.cache_path = ReplicaPath(store->Describe());
    options.create = create ? CreateIfMissing::kYes : CreateIfMissing::kNo;
    options.after_publish = KillIfArmedOnPublish;
    if (const char* every = std::getenv("FLIGHTPLAN_STATE_SNAPSHOT_EVERY");
        every != nullptr && *every != '\0') {
      char* end = nullptr;
      long long n = std::strtoll(every, &end, 10);
      if (*end != '\0' || n < 0) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("FLIGHTPLAN_STATE_SNAPSHOT_EVERY is '{}': give a number of "
                                     "log objects (0: publish no snapshots)",
                                     every));
      }
      options.snapshot_every = n;
    }
    ASSIGN_OR_RETURN(std::unique_ptr<LogJournal> journal, OpenLogJournal(*store, clock_, options));
    journal_ = MaybeInjectCrashes(std::move(journal));
    return journal_.get();
  }
  JournalOptions options;
  options.network_fs = global_.allow_network_fs ? NetworkFs::kAllow : NetworkFs::kRefuse;
  options.create = create ? CreateIfMissing::kYes : CreateIfMissing::kNo;
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteJournal> journal,
                   OpenSqliteJournal(state_path_, clock_, options));
  journal_ = MaybeInjectCrashes(std::move(journal));
  return journal_.get();
}

Result<Workflow> Context::LoadWorkflow(const std::string& name_or_path) {
  bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                         name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml");
  std::error_code ec;
  if (looks_like_path || std::filesystem::is_regular_file(name_or_path, ec)) {
    ASSIGN_OR_RETURN(std::string text, ReadTextFile(name_or_path));
    std::string dir = std::filesystem::path(name_or_path).parent_path().string();
    catalog_.AddDirectory(dir.empty() ? "." : dir);
    return flightplan::LoadWorkflow(text, name_or_path, registry_, &catalog_);
  }
  const Catalog::Entry* entry = catalog_.Find(name_or_path);
  if (entry == nullptr) {
    std::string known;
    for (const std::string& n : catalog_.Names()) known += known.empty() ? n : ", " + n;
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("no workflow named '{}' (built in: {}); give a file path to "
                                 "run your own",
                                 name_or_path, known.empty() ? "none" : known));
  }
  return flightplan::LoadWorkflow(entry->text, entry->source, registry_, &catalog_);
}

namespace {

// A data migration's run continues as `data migrate` started it (its name,
// target and parameters are not in the file).
Result<void> AdaptDataMigration(const RunRecord& run, Workflow& wf) {
  std::optional<std::string> stem = DataMigrationStem(run);
  if (!stem) return {};
  MigrationFile file{run.definition_source, *stem, wf.name};
  return AsDataMigration(wf, file);
}

}  // namespace

Result<Workflow> Context::LoadRunWorkflow(const RunRecord& run, bool prefer_pinned) {
  if (!prefer_pinned) {
    if (run.definition_source.rfind("builtin:", 0) == 0) {
      if (const Catalog::Entry* e = catalog_.Find(run.workflow)) {
        return flightplan::LoadWorkflow(e->text, e->source, registry_, &catalog_);
      }
    } else {
      std::error_code ec;
      if (std::filesystem::is_regular_file(run.definition_source, ec)) {
        ASSIGN_OR_RETURN(Workflow wf, LoadWorkflow(run.definition_source));
        TRY(AdaptDataMigration(run, wf));
        return wf;
      }
      console_->Notice(fmt::format("'{}' is gone; using the definition run {} pinned",
                                   run.definition_source, run.id));
    }
  }
  std::string dir = std::filesystem::path(run.definition_source).parent_path().string();
  if (run.definition_source.rfind("builtin:", 0) != 0 && !dir.empty()) {
    catalog_.AddDirectory(dir);
  }
  ASSIGN_OR_RETURN(Workflow wf, flightplan::LoadWorkflow(run.definition_text, run.definition_source,
                                                         registry_, &catalog_));
  TRY(AdaptDataMigration(run, wf));
  return wf;
}

LeaseHolder Context::holder() const {
  LeaseHolder h;
  h.user = host_.UserName();
  h.host = host_.HostName();
  h.pid = host_.ProcessId();
  h.operator_name = global_.operator_name.empty() ? h.user + "@" + h.host : global_.operator_name;
  return h;
}

ExecutorOptions Context::MakeExecutorOptions(const std::atomic<bool>* cancel) const {
  ExecutorOptions options;
  options.holder = holder();
  options.lease_ttl = Duration(int64_t{global_.lease_ttl_seconds} * 1000);
  options.take_over = global_.take_over ? TakeOver::kYes : TakeOver::kNo;
  options.assume_yes = global_.yes ? AssumeYes::kYes : AssumeYes::kNo;
  options.dry_run = global_.dry_run ? DryRun::kYes : DryRun::kNo;
  options.skip_validations =
      global_.skip_validations ? SkipValidations::kYes : SkipValidations::kNo;
  options.cancel = cancel;
  return options;
}

std::unique_ptr<Executor> Context::MakeExecutor() {
  return std::make_unique<Executor>(*journal_, registry_, clock_, processes_, *prompter_, host_,
                                    *console_);
}

Result<ParamInput> ParseParams(const std::vector<std::string>& pairs) {
  ParamInput params;
  for (const std::string& pair : pairs) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("--param '{}' must look like name=value", pair));
    }
    params[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return params;
}

int PrintPlan(Console& console, const Plan& plan, const std::string& verb) {
  console.Out(fmt::format("{} '{}' on '{}' {} {} step{}:", console.Bold("dry run:"), plan.workflow,
                          plan.target, verb, plan.steps.size(), plan.steps.size() == 1 ? "" : "s"));
  int n = 0;
  for (const PlannedStep& step : plan.steps) {
    console.Out(fmt::format("  {}. {} ({}): {}{}", ++n, console.Bold(step.step_id), step.uses,
                            step.description,
                            step.note.empty() ? "" : console.Dim("  [" + step.note + "]")));
    size_t start = 0;
    while (start < step.detail.size()) {
      size_t end = step.detail.find('\n', start);
      if (end == std::string::npos) end = step.detail.size();
      console.Out("       " + step.detail.substr(start, end - start));
      start = end + 1;
    }
  }
  console.Out("nothing was executed; the audit records this dry run");
  return kExitOk;
}

int ReportError(Console& console, const Error& error) {
  console.Err(fmt::format("{} {}", console.Red("flightplan:"), error.ToString()));
  return ExitCodeFor(error);
}

const std::atomic<bool>* InstallInterruptHandlers() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return &g_cancel;
}

}  // namespace flightplan::cli
