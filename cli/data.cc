// flightplan data new|status|migrate|export|rollback — data migrations (docs/data-migrations.md).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "base/digest.h"
#include "base/file_io.h"
#include "cli/command.h"
#include "cli/context.h"
#include "cli/data_migrations.h"
#include "cli/exit_codes.h"
#include "cli/run_driver.h"

namespace flightplan::cli {
namespace {

struct DataArgs {
  std::string dir = "migrations";
  std::string name;  // new
  std::string app_id;
  std::string branch;
  std::string region;
  std::string profile;
  std::string to;  // migrate --to
  bool json = false;
  bool accept_definition_change = false;
  double max_write_rate = 0;  // migrate --max-write-rate
  int64_t sample = 0;         // migrate --sample (with --dry-run)
};

std::string TargetOf(const DataArgs& args) {
  return fmt::format("app/{}/branch/{}", args.app_id, args.branch);
}

Result<void> RequireTarget(const DataArgs& args) {
  if (args.app_id.empty() || args.branch.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "say whose data: --app-id ID --branch BRANCH (the Gen2 branch the "
                     "migrations apply to)");
  }
  return {};
}

// Where every migration in the folder stands on the target. `journal` may be
// null (no state yet: everything is pending).
Result<std::vector<MigrationStatus>> Statuses(Journal* journal, const MigrationFolder& folder,
                                              const std::string& target) {
  std::vector<MigrationStatus> out;
  for (const MigrationFile& f : folder.files) {
    MigrationStatus s;
    s.file = f;
    ASSIGN_OR_RETURN(std::string text, ReadFile(f.path));
    s.sha256 = Sha256Hex(text);
    if (journal != nullptr) {
      ASSIGN_OR_RETURN(std::vector<RunRecord> runs, journal->ListRuns(f.run_workflow(), target));
      if (!runs.empty()) s.run = runs.front();
    }
    if (!s.run || s.run->state == RunState::kRolledBack) {
      s.state = MigrationState::kPending;
    } else if (s.run->state == RunState::kRollingBack ||
               s.run->state == RunState::kRollbackFailed) {
      s.state = MigrationState::kRollingBack;
    } else if (s.run->state == RunState::kSucceeded) {
      s.state = s.run->definition_sha256 == s.sha256 ? MigrationState::kApplied
                                                     : MigrationState::kChanged;
    } else {
      s.state = MigrationState::kInProgress;
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<Journal*> OpenIfExists(Context& ctx) {
  ASSIGN_OR_RETURN(bool exists, ctx.StateExists());
  if (!exists) return nullptr;
  return ctx.OpenJournal(/*create=*/false);
}

// The folder's migrations and where each stands on the target, reading the
// state only (no state yet: every migration is pending).
struct FolderStatus {
  MigrationFolder folder;
  std::vector<MigrationStatus> statuses;
};
Result<FolderStatus> ReadFolderStatus(Context& ctx, const DataArgs& args) {
  TRY(RequireTarget(args));
  FolderStatus out;
  ASSIGN_OR_RETURN(out.folder, ListMigrations(args.dir));
  ASSIGN_OR_RETURN(Journal * journal, OpenIfExists(ctx));
  ASSIGN_OR_RETURN(out.statuses, Statuses(journal, out.folder, TargetOf(args)));
  return out;
}

int DoNew(const GlobalOptions& global, const DataArgs& args) {
  Context ctx(global);
  auto file = NewMigrationFileName(args.name, ctx.clock().Now());
  if (!file) return ReportError(ctx.console(), file.error());
  std::error_code ec;
  std::filesystem::create_directories(args.dir, ec);
  if (ec) {
    return ReportError(ctx.console(),
                       Error(ErrorCode::kPermissionDenied,
                             fmt::format("cannot create '{}': {}", args.dir, ec.message())));
  }
  std::filesystem::path path = std::filesystem::path(args.dir) / *file;
  if (std::filesystem::exists(path, ec)) {
    return ReportError(
        ctx.console(),
        Error(ErrorCode::kConflict,
              fmt::format("{} already exists; wait a second or pick another name", path.string())));
  }
  auto written = WriteFileAtomically(path, NewMigrationText(args.name), 0644);
  if (!written) return ReportError(ctx.console(), written.error());
  ctx.console().Out(path.string());
  return kExitOk;
}

int DoStatus(const GlobalOptions& global, const DataArgs& args) {
  Context ctx(global);
  auto read = ReadFolderStatus(ctx, args);
  if (!read) return ReportError(ctx.console(), read.error());
  const MigrationFolder* folder = &read->folder;
  const std::vector<MigrationStatus>* statuses = &read->statuses;
  if (args.json) {
    ValueList list;
    for (const MigrationStatus& s : *statuses) {
      Value v(ValueMap{});
      v.Set("name", s.file.name);
      v.Set("file", s.file.path);
      v.Set("state", std::string(MigrationStateName(s.state)));
      v.Set("sha256", s.sha256);
      if (s.run) {
        v.Set("run", s.run->id);
        v.Set("run_state", std::string(RunStateName(s.run->state)));
        v.Set("operator", s.run->operator_name);
        v.Set("updated_at", FormatTimestamp(s.run->updated_at));
        v.Set("applied_sha256", s.run->definition_sha256);
      }
      list.push_back(std::move(v));
    }
    Value out(ValueMap{});
    out.Set("target", TargetOf(args));
    out.Set("migrations", Value(std::move(list)));
    ValueList ignored(folder->ignored.begin(), folder->ignored.end());
    out.Set("ignored", Value(std::move(ignored)));
    ctx.console().Out(out.ToJson());
    return kExitOk;
  }
  ctx.console().Out(
      fmt::format("{} ({} migrations in {})", TargetOf(args), statuses->size(), args.dir));
  for (const MigrationStatus& s : *statuses) {
    std::string line = fmt::format("  {:<40} {}", s.file.stem, MigrationStateName(s.state));
    if (s.run && s.state != MigrationState::kPending) {
      line += fmt::format(" (run {}, {} by {}, checksum {})", s.run->id,
                          FormatTimestamp(s.run->updated_at), s.run->operator_name,
                          s.run->definition_sha256.substr(0, 12));
    }
    if (s.state == MigrationState::kChanged) {
      line += fmt::format("; the file's checksum is now {}", s.sha256.substr(0, 12));
    }
    ctx.console().Out(line);
  }
  for (const std::string& f : folder->ignored) {
    ctx.console().Out(fmt::format("  ignored: {} (not <YYYYMMDD>T<HHMMSS>Z-<name>.yaml)", f));
  }
  return kExitOk;
}

// Where `data export` stops: in the first migration not yet applied that
// exports a table, before the step after its last dynamodb.export ("" when
// the export is its last step: the migration is applied whole).
struct ExportStop {
  std::string stem;
  std::string stop_before;
};

// The migrations a command has loaded and checked, by stem: each file is
// read once per command.
using LoadedMigrations = std::map<std::string, Workflow>;

Result<const Workflow*> LoadMigration(Context& ctx, const MigrationFile& file,
                                      LoadedMigrations& loaded) {
  if (auto it = loaded.find(file.stem); it != loaded.end()) return &it->second;
  ASSIGN_OR_RETURN(Workflow workflow, ctx.LoadWorkflow(file.path));
  TRY(AsDataMigration(workflow, file));
  return &loaded.emplace(file.stem, std::move(workflow)).first->second;
}

Result<std::optional<ExportStop>> FindExportStop(Context& ctx,
                                                 const std::vector<MigrationStatus>& statuses,
                                                 LoadedMigrations& loaded) {
  for (const MigrationStatus& s : statuses) {
    if (s.state != MigrationState::kPending && s.state != MigrationState::kInProgress) continue;
    ASSIGN_OR_RETURN(const Workflow* loaded_workflow, LoadMigration(ctx, s.file, loaded));
    const Workflow& workflow = *loaded_workflow;
    std::optional<size_t> last_export;
    for (size_t i = 0; i < workflow.steps.size(); ++i) {
      if (workflow.steps[i].uses == "dynamodb.export") last_export = i;
    }
    if (!last_export) continue;
    ExportStop stop{s.file.stem, ""};
    if (*last_export + 1 < workflow.steps.size()) {
      stop.stop_before = workflow.steps[*last_export + 1].id;
    }
    return std::optional<ExportStop>(stop);
  }
  return std::optional<ExportStop>();
}

// `data migrate`, or with `export_only` `data export`: the migrations up to
// the first one that exports a table, which stops after its exports.
int DoMigrate(const GlobalOptions& global, const DataArgs& args, bool export_only = false) {
  Context ctx(global);
  if (auto ok = RequireTarget(args); !ok) return ReportError(ctx.console(), ok.error());
  if (args.sample > 0 && !global.dry_run) {
    return ReportError(ctx.console(),
                       Error(ErrorCode::kInvalidInput,
                             "--sample N goes with --dry-run: it transforms the first N items of "
                             "each table and writes nothing (a migration itself changes every "
                             "item)"));
  }
  if (args.json) ctx.console().EventsAsJsonLines();
  ctx.data_limits().max_write_rate = args.max_write_rate;
  ctx.data_limits().sample = args.sample;
  auto folder = ListMigrations(args.dir);
  if (!folder) return ReportError(ctx.console(), folder.error());
  std::string to_stem;
  if (!args.to.empty()) {
    auto to = FindMigration(*folder, args.to, args.dir);
    if (!to) return ReportError(ctx.console(), to.error());
    to_stem = to->stem;
  }
  auto journal = ctx.OpenJournal(/*create=*/true);
  if (!journal) return ReportError(ctx.console(), journal.error());
  std::string target = TargetOf(args);
  auto statuses = Statuses(*journal, *folder, target);
  if (!statuses) return ReportError(ctx.console(), statuses.error());
  LoadedMigrations loaded;
  std::optional<ExportStop> export_stop;
  if (export_only) {
    auto found = FindExportStop(ctx, *statuses, loaded);
    if (!found) return ReportError(ctx.console(), found.error());
    if (!*found) {
      ctx.console().Out(fmt::format(
          "{}: no pending migration in {} exports a table (dynamodb.export); nothing to do", target,
          args.dir));
      return kExitOk;
    }
    export_stop = **found;
  }
  ParamInput params{{"app_id", args.app_id}, {"branch", args.branch}};
  if (!args.region.empty()) params["region"] = args.region;
  if (!args.profile.empty()) params["profile"] = args.profile;
  int applied = 0;
  for (const MigrationStatus& s : *statuses) {
    if (s.state == MigrationState::kChanged) {
      return ReportError(
          ctx.console(),
          Error(ErrorCode::kOrdering,
                fmt::format("{} was edited after it was applied to {} (run {}: checksum {}, the "
                            "file's is now {}); nothing after it runs. Restore the file as it "
                            "was applied, and put the change in a new migration (`flightplan "
                            "data new`).",
                            s.file.path, target, s.run->id, s.run->definition_sha256.substr(0, 12),
                            s.sha256.substr(0, 12))));
    }
    if (s.state == MigrationState::kRollingBack) {
      return ReportError(
          ctx.console(),
          Error(ErrorCode::kOrdering,
                fmt::format("{} is being rolled back on {} (run {} is {}); nothing after it "
                            "runs. Finish the rollback with `flightplan data rollback {}` (see "
                            "`flightplan status {}` for where it stopped), then migrate.",
                            s.file.stem, target, s.run->id, RunStateName(s.run->state), s.file.name,
                            s.run->id)));
    }
    bool last =
        export_stop ? s.file.stem == export_stop->stem : !to_stem.empty() && s.file.stem == to_stem;
    if (s.state != MigrationState::kApplied) {
      auto workflow = LoadMigration(ctx, s.file, loaded);
      if (!workflow) return ReportError(ctx.console(), workflow.error());
      ctx.console().Out(fmt::format("== {} ({})", s.file.stem,
                                    global.dry_run                           ? "dry run"
                                    : s.state == MigrationState::kInProgress ? "resuming"
                                                                             : "applying"));
      DriveRequest request;
      request.drive = Drive::kStart;
      request.accept_definition_change = args.accept_definition_change
                                             ? AcceptDefinitionChange::kYes
                                             : AcceptDefinitionChange::kNo;
      if (last && export_stop) request.stop_before = export_stop->stop_before;
      int code = DriveRun(ctx, **workflow, params, request);
      if (code != kExitOk) return code;
      ++applied;
    }
    if (last) break;
  }
  if (export_stop && !global.dry_run) {
    ctx.console().Event(Value(ValueMap{{"event", Value("export.finished")},
                                       {"target", Value(target)},
                                       {"migration", Value(export_stop->stem)},
                                       {"stopped_before", Value(export_stop->stop_before)}}));
    ctx.console().Out(fmt::format(
        "{}: {} exported its tables{}. Now deploy the schema that replaces them, then run "
        "`flightplan data migrate --app-id {} --branch {}`: it continues with the import.",
        target, export_stop->stem,
        export_stop->stop_before.empty()
            ? ""
            : fmt::format(" and stopped before '{}'", export_stop->stop_before),
        args.app_id, args.branch));
    return kExitOk;
  }
  if (!global.dry_run) {
    ctx.console().Event(Value(ValueMap{{"event", Value("migrate.finished")},
                                       {"target", Value(target)},
                                       {"applied", Value(static_cast<int64_t>(applied))}}));
    ctx.console().Out(applied == 0 ? fmt::format("{}: every migration is applied", target)
                                   : fmt::format("{}: {} migration(s) applied", target, applied));
  }
  return kExitOk;
}

int DoRollback(const GlobalOptions& global, const DataArgs& args) {
  Context ctx(global);
  auto read = ReadFolderStatus(ctx, args);
  if (!read) return ReportError(ctx.console(), read.error());
  std::string target = TargetOf(args);
  std::vector<MigrationStatus>* statuses = &read->statuses;
  MigrationFolder folder;
  for (const MigrationStatus& s : *statuses) folder.files.push_back(s.file);
  auto wanted = FindMigration(folder, args.name, args.dir);
  if (!wanted) return ReportError(ctx.console(), wanted.error());
  auto it = std::find_if(statuses->begin(), statuses->end(),
                         [&](const MigrationStatus& s) { return s.file.stem == wanted->stem; });
  if (!it->run) {
    ctx.console().Out(
        fmt::format("{} was never applied to {}: nothing to roll back", it->file.stem, target));
    return kExitOk;
  }
  if (it->run->state == RunState::kRolledBack) {
    ctx.console().Out(fmt::format("{} is already rolled back on {} (run {}, {} by {})",
                                  it->file.stem, target, it->run->id,
                                  FormatTimestamp(it->run->updated_at), it->run->operator_name));
    return kExitOk;
  }
  std::vector<std::string> later;
  for (auto after = statuses->rbegin(); after.base() != it + 1; ++after) {
    if (after->state != MigrationState::kPending) later.push_back(after->file.stem);
  }
  if (!later.empty()) {
    return ReportError(
        ctx.console(),
        Error(ErrorCode::kOrdering,
              fmt::format("{} has later migrations applied to {} that may depend on it: {}. "
                          "Roll those back first, newest first (`flightplan data rollback {} "
                          "...`), then this one.",
                          it->file.stem, target, fmt::join(later, ", "), later.front())));
  }
  ParamInput params{{"app_id", args.app_id}, {"branch", args.branch}};
  if (!args.region.empty()) params["region"] = args.region;
  if (!args.profile.empty()) params["profile"] = args.profile;
  ctx.console().Out(fmt::format("== {} (rolling back run {})", it->file.stem, it->run->id));
  return RollBackRun(ctx, *it->run, params);
}

void AddTargetOptions(CLI::App& sub, DataArgs& args) {
  sub.add_option("--app-id", args.app_id, "The Amplify app whose data the migrations change")
      ->required();
  sub.add_option("--branch", args.branch, "The app's branch (its Gen2 backend)")->required();
  sub.add_option("--dir", args.dir, "The migrations folder (default: migrations)");
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<DataArgs>();
  auto action = std::make_shared<CommandAction>();
  sub.require_subcommand(1);
  CLI::App* create = sub.add_subcommand(
      "new", "Write migrations/<UTC timestamp>-NAME.yaml, a migration to fill in");
  create->add_option("name", args->name, "The migration's name: lower-case letters, digits, dashes")
      ->required();
  create->add_option("--dir", args->dir, "The migrations folder (default: migrations)");
  create->footer(
      "Writes DIR/<YYYYMMDD>T<HHMMSS>Z-NAME.yaml (UTC, now) with one dynamodb.transform step to\n"
      "fill in, and prints its path. Exit 0, or 2 for a NAME that is not lower-case letters,\n"
      "digits and dashes.");
  create->callback(
      [&global, args, action] { *action = [&global, args] { return DoNew(global, *args); }; });

  CLI::App* status = sub.add_subcommand(
      "status",
      "Which migrations are applied to a branch (who, when, checksum), pending, in "
      "progress, or edited after they were applied");
  AddTargetOptions(*status, *args);
  status->add_flag("--json", args->json, "Machine-readable output");
  status->footer(
      "Each migration in the folder, in the order it applies: pending, applied (run, when, who,\n"
      "checksum), in progress (interrupted or failed: `data migrate` resumes it) or changed\n"
      "after it was applied; and the files that are not migrations. Reads the state only.\n"
      "Exit 0, or 2/5 when the folder or the state cannot be read.");
  status->callback(
      [&global, args, action] { *action = [&global, args] { return DoStatus(global, *args); }; });

  CLI::App* migrate = sub.add_subcommand(
      "migrate", "Apply the pending migrations to a branch's data, in order, each once");
  AddTargetOptions(*migrate, *args);
  migrate->add_option("--to", args->to, "Stop after this migration (its name or file stem)");
  migrate->add_flag("--json", args->json,
                    "Events for machines on stdout, one JSON object per line (run, step, "
                    "progress figures, notices, the end); the lines for people go to stderr");
  AddAwsOptions(*migrate, args->region, args->profile);
  migrate->add_flag("--accept-definition-change", args->accept_definition_change,
                    "Continue an interrupted migration whose file changed since it started "
                    "(recorded in the audit)");
  migrate
      ->add_option("--max-write-rate", args->max_write_rate,
                   "At most N item writes per second over all segments, to leave the live "
                   "app its write capacity (0.001 to 1,000,000; default: no limit); may differ "
                   "on a resume")
      ->check(CLI::Range(0.001, 1000000.0));
  migrate
      ->add_option("--sample", args->sample,
                   "With --dry-run: transform only the first N items of each table")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000000}));
  migrate->footer(
      "Applies the migrations in file-name order; one already applied is skipped, one that was\n"
      "interrupted resumes from its last journaled page, and one edited after it was applied\n"
      "stops everything (exit 4). Step types: dynamodb.transform (jq, or a command reading\n"
      "JSON Lines, run from the current directory), dynamodb.put (items a command writes,\n"
      "created where absent), dynamodb.backup, dynamodb.export and dynamodb.import (a key\n"
      "change: see `data export`). --dry-run runs each transform over every item\n"
      "(or the first N with --sample N) and writes nothing, showing the counts and a few\n"
      "items' changes.\n"
      "--json prints events for machines on stdout, one JSON object per line: run.started,\n"
      "step.started, progress (step, table, read, estimate or total, items_per_second,\n"
      "seconds_left, written, dropped, conflicts; about once a second), notice, step.finished,\n"
      "run.finished, migrate.finished (target, applied); the lines for people go to stderr.\n"
      "--max-write-rate N spaces the item writes of all segments to N per second (reads are\n"
      "not limited); throttling by DynamoDB is waited out either way. The target's lease keeps\n"
      "two operators from migrating at once. Before each dynamodb.transform an on-demand\n"
      "backup of its table is taken (a dynamodb.backup step; `backup: false` on the transform\n"
      "leaves it out); its ARN is in `flightplan status RUN`.\n"
      "Exit 0 when every migration asked for is applied; otherwise as `flightplan run`.");
  migrate->callback(
      [&global, args, action] { *action = [&global, args] { return DoMigrate(global, *args); }; });
  CLI::App* exporter = sub.add_subcommand(
      "export",
      "Before a deploy that replaces a table: take the point-in-time exports the pending "
      "migrations need");
  AddTargetOptions(*exporter, *args);
  AddAwsOptions(*exporter, args->region, args->profile);
  exporter->add_flag("--json", args->json,
                     "Events for machines on stdout, one JSON object per line, as `data "
                     "migrate --json`");
  exporter->add_flag("--accept-definition-change", args->accept_definition_change,
                     "Continue an interrupted migration whose file changed since it started "
                     "(recorded in the audit)");
  exporter->footer(
      "For a schema change that replaces a table (a model's key changed: the deploy drops\n"
      "every item). Applies the pending migrations in order up to the first one with a\n"
      "dynamodb.export step, and runs that one up to and including its last export: point-in-\n"
      "time recovery is turned on where it is off (recorded; its rollback turns it off again)\n"
      "and each table is exported to S3. That migration stays in progress. Then deploy the\n"
      "new schema and run `flightplan data migrate`: it continues with the migration's\n"
      "dynamodb.import, which refuses the table until the deploy has replaced it. Running\n"
      "`data migrate` without `data export` works too: the export runs, and the import stops\n"
      "(exit 1) until the deploy. With no pending export: a message, exit 0.\n"
      "Exit 0 when the exports are taken; otherwise as `data migrate`.");
  exporter->callback([&global, args, action] {
    *action = [&global, args] { return DoMigrate(global, *args, /*export_only=*/true); };
  });

  CLI::App* rollback = sub.add_subcommand(
      "rollback", "Undo a migration on a branch: restore its tables from the backups it took");
  rollback->add_option("name", args->name, "The migration (its name or file stem)")->required();
  AddTargetOptions(*rollback, *args);
  AddAwsOptions(*rollback, args->region, args->profile);
  rollback->footer(
      "Undoes the migration's run on the branch, its steps in reverse order, under the\n"
      "definition it ran with. Each backup the migration took (the one data migrate adds\n"
      "before a transform, or a dynamodb.backup step of its own) is restored in place\n"
      "(dynamodb.restore): the backup goes into a scratch table, every item that differs is\n"
      "written back, every item added since is deleted, the scratch table is deleted. Whatever\n"
      "was written to those tables since the backup, by the migration and by the app, is\n"
      "undone, so each restore asks first (--yes agrees; recorded in the audit with your name).\n"
      "A step with its own `rollback:` runs that instead; a transform or put with neither a\n"
      "backup before it nor a rollback of its own fails its rollback (the run ends\n"
      "rollback_failed, exit 1, never rolled_back). Refused while a later migration is applied\n"
      "(roll those back first, newest first; exit 4). Afterwards `data status` shows the\n"
      "migration pending and `data migrate` applies it again. A migration never applied, or\n"
      "already rolled back, is reported and left alone (exit 0). --dry-run shows the plan.\n"
      "Exit 7 when a restore needs confirmation and there is no terminal (--yes agrees).");
  rollback->callback(
      [&global, args, action] { *action = [&global, args] { return DoRollback(global, *args); }; });
  sub.footer("Data migrations are workflows in a folder (docs/data-migrations.md).");
  return [action] { return (*action)(); };
}

}  // namespace

extern const Command kDataCommand{"data", "Data migrations: change the items of a branch's tables",
                                  Setup};

}  // namespace flightplan::cli
