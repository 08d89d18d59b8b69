// flightplan state push|pull — move a migration's state from a local file to
// a shared state in S3 and back, refusing to overwrite anything and checking
// the audit chain on both sides. docs/cli.md, docs/journal-format.md.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "store/log_journal.h"
#include "store/sqlite_journal.h"

namespace flightplan::cli {
namespace {

struct StateArgs {
  std::string destination;  // push: s3://BUCKET/PREFIX
  std::string file;         // pull: the new local file
};

// The chain of `journal` verifies; otherwise the error that says where not.
Result<ChainReport> Verified(Journal& journal, const std::string& where) {
  ASSIGN_OR_RETURN(ChainReport report, journal.VerifyChain());
  if (report.first_bad_seq) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("the audit chain of {} is broken at {}: {}. Nothing was "
                                 "copied; restore that state before moving it.",
                                 where, *report.first_bad_seq, report.problem));
  }
  return report;
}

std::string LastHash(Journal& journal) {
  auto events = journal.ListEvents(EventFilter{});
  return events && !events->empty() ? events->back().hash : std::string("(no events)");
}

int DoPush(const GlobalOptions& global, const StateArgs& args) {
  Context ctx(global);
  Console& console = ctx.console();
  if (ctx.state_is_shared()) {
    return ReportError(console, Error(ErrorCode::kInvalidInput,
                                      "state push copies a local state file to S3: give the "
                                      "file with --state (default .flightplan/state.db), not "
                                      "an s3:// location"));
  }
  JournalOptions local_options;
  local_options.create = CreateIfMissing::kNo;
  local_options.network_fs = global.allow_network_fs ? NetworkFs::kAllow : NetworkFs::kRefuse;
  auto local = OpenSqliteJournal(ctx.state_path(), ctx.clock(), local_options);
  if (!local) return ReportError(console, local.error());
  auto local_chain = Verified(**local, ctx.state_path());
  if (!local_chain) return ReportError(console, local_chain.error());
  auto leases = (*local)->ListLeases();
  if (!leases) return ReportError(console, leases.error());
  Timestamp now = ctx.clock().Now();
  for (const Lease& lease : *leases) {
    if (!lease.released && lease.expires_at > now) {
      return ReportError(console,
                         Error(ErrorCode::kLeaseHeld,
                               fmt::format("target '{}' is being worked on by {} (lease until {}): "
                                           "push when no command is running on this state file",
                                           lease.target, lease.holder.ToString(),
                                           FormatTimestamp(lease.expires_at))));
    }
  }

  auto store = ctx.OpenObjectStore(args.destination);
  if (!store) return ReportError(console, store.error());
  auto manifest = (*store)->Get(kSharedStateManifestKey);
  if (!manifest) return ReportError(console, manifest.error());
  if (*manifest) {
    auto log = (*store)->List("log/", "", 1);
    if (!log) return ReportError(console, log.error());
    bool ours = (*manifest)->find("\"" + (*local)->JournalId() + "\"") != std::string::npos;
    if (!ours || !log->empty()) {
      return ReportError(
          console,
          Error(ErrorCode::kStateFile,
                fmt::format("{} already holds a flightplan state{}; state push never "
                            "overwrites one. Choose another prefix, or use that "
                            "state with --state {}.",
                            (*store)->Describe(), ours ? " (this very journal, pushed before)" : "",
                            args.destination)));
    }
    // Ours with an empty log: an earlier push stopped after the manifest.
  }
  LogJournalOptions options;
  options.cache_path = Context::ReplicaPath((*store)->Describe());
  options.new_state_journal_id = (*local)->JournalId();
  auto shared = OpenLogJournal(**store, ctx.clock(), options);
  if (!shared) return ReportError(console, shared.error());
  auto dump = (*local)->ExportAll();
  if (!dump) return ReportError(console, dump.error());
  if (auto imported = (*shared)->Import(*dump); !imported) {
    return ReportError(console, imported.error());
  }
  auto shared_chain = Verified(**shared, (*store)->Describe());
  if (!shared_chain) return ReportError(console, shared_chain.error());
  std::string local_head = LastHash(**local);
  std::string shared_head = LastHash(**shared);
  if (shared_chain->events != local_chain->events || shared_head != local_head) {
    return ReportError(
        console, Error(ErrorCode::kCorruption,
                       fmt::format("the state in {} does not hold the same audit chain as "
                                   "{} ({} events, last hash {}; local: {} events, {})",
                                   (*store)->Describe(), ctx.state_path(), shared_chain->events,
                                   shared_head, local_chain->events, local_head)));
  }
  auto runs = (*shared)->ListRuns("", "");
  console.Out(fmt::format(
      "pushed {} to {}: {} run{}, {} audit events; the chain verifies on both sides (last "
      "hash {}).\nFrom now on, every operator uses --state {} (or FLIGHTPLAN_STATE); {} was "
      "left as it is — keep it as a backup or delete it, but do not go on with it.",
      ctx.state_path(), (*store)->Describe(), runs ? runs->size() : 0,
      runs && runs->size() == 1 ? "" : "s", shared_chain->events, shared_head.substr(0, 16),
      args.destination, ctx.state_path()));
  return kExitOk;
}

int DoPull(const GlobalOptions& global, const StateArgs& args) {
  Context ctx(global);
  Console& console = ctx.console();
  if (!ctx.state_is_shared()) {
    return ReportError(console, Error(ErrorCode::kInvalidInput,
                                      "state pull copies a shared state to a local file: give "
                                      "the state with --state s3://BUCKET/PREFIX (or "
                                      "FLIGHTPLAN_STATE)"));
  }
  auto journal = ctx.OpenJournal(/*create=*/false);
  if (!journal) return ReportError(console, journal.error());
  auto* shared = dynamic_cast<LogJournal*>(*journal);
  if (shared == nullptr) {
    return ReportError(console,
                       Error(ErrorCode::kInternal, "the shared state did not open as one"));
  }
  auto shared_chain = Verified(*shared, shared->Describe());
  if (!shared_chain) return ReportError(console, shared_chain.error());
  auto replica = shared->UpToDateReplica();
  if (!replica) return ReportError(console, replica.error());
  if (auto saved = (*replica)->SaveCopy(args.file); !saved) {
    return ReportError(console, saved.error());
  }
  JournalOptions copy_options;
  copy_options.create = CreateIfMissing::kNo;
  auto copy = OpenSqliteJournal(args.file, ctx.clock(), copy_options);
  if (!copy) return ReportError(console, copy.error());
  auto copy_chain = Verified(**copy, args.file);
  if (!copy_chain) return ReportError(console, copy_chain.error());
  if (copy_chain->events != shared_chain->events || LastHash(**copy) != LastHash(*shared)) {
    return ReportError(console,
                       Error(ErrorCode::kCorruption,
                             fmt::format("{} does not hold the audit chain of {}; delete it and "
                                         "pull again",
                                         args.file, shared->Describe())));
  }
  console.Out(fmt::format(
      "pulled {} into {}: {} audit events (log object {}); the chain verifies on both sides.\n"
      "It is a copy: operators who go on with it no longer share their work through {}.",
      shared->Describe(), args.file, copy_chain->events, shared->log_seq(), shared->Describe()));
  return kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<StateArgs>();
  auto action = std::make_shared<CommandAction>();
  sub.require_subcommand(1);
  CLI::App* push = sub.add_subcommand(
      "push",
      "Copy the local state file (--state, default .flightplan/state.db) to a new shared state "
      "in S3, checking the audit chain on both sides; never overwrites a state");
  push->add_option("destination", args->destination, "s3://BUCKET/PREFIX (must hold no state)")
      ->required();
  push->callback(
      [&global, args, action] { *action = [&global, args] { return DoPush(global, *args); }; });
  CLI::App* pull = sub.add_subcommand(
      "pull",
      "Copy the shared state (--state s3://BUCKET/PREFIX) into a new local state file, "
      "checking the audit chain on both sides");
  pull->add_option("file", args->file, "the new state file (must not exist)")->required();
  pull->callback(
      [&global, args, action] { *action = [&global, args] { return DoPull(global, *args); }; });
  return [action] { return (*action)(); };
}

}  // namespace

extern const Command kStateCommand{
    "state", "Move a state between a local file and S3 (push, pull), audit chain checked", Setup};

}  // namespace flightplan::cli
