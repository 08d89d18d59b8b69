#include "cli/data_migrations.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <regex>
#include <set>

namespace flightplan::cli {
namespace {

// <YYYYMMDD>T<HHMMSS>Z-<name>.yaml
const std::regex& FileNamePattern() {
  static const std::regex kPattern(R"(^([0-9]{8}T[0-9]{6}Z)-([a-z0-9][a-z0-9-]{0,62})\.ya?ml$)");
  return kPattern;
}

bool ValidName(std::string_view name) {
  static const std::regex kName(R"(^[a-z0-9][a-z0-9-]{0,62}$)");
  return std::regex_match(name.begin(), name.end(), kName);
}

void Declare(Workflow& wf, const char* name, bool required, const char* description) {
  if (wf.FindParam(name) != nullptr) return;
  ParamSpec p;
  p.name = name;
  p.required = required;
  if (!required) p.default_value = Value(std::string());
  p.description = description;
  wf.params.push_back(std::move(p));
}

// The inputs that name a data step's table (DataTargetFields).
Value TargetInputs(const StepSpec& step) {
  Value target(ValueMap{});
  for (const char* key : {"table", "model", "app_id", "branch", "region", "profile"}) {
    if (const Value* v = step.with.Find(key)) target.Set(key, *v);
  }
  return target;
}

bool ChangesItems(const StepSpec& step) {
  return step.uses == "dynamodb.transform" || step.uses == "dynamodb.put" ||
         step.uses == "dynamodb.import";
}

// A backup step's undo, unless the file gave it one: the table's items put
// back as the backup holds them (dynamodb.restore, which asks first).
void RestoreOnRollback(StepSpec& backup, const Value& target) {
  if (backup.rollback.mode != RollbackMode::kNone || !backup.rollback.reason.empty()) return;
  backup.rollback.mode = RollbackMode::kExplicit;
  backup.rollback.uses = "dynamodb.restore";
  backup.rollback.with = target;
  backup.rollback.with.Set("backup_arn",
                           fmt::format("${{steps.{}.outputs.backup_arn}}", backup.id));
}

// Before each step that changes items, a backup of its table, unless the
// step says `backup: false` or the migration backs that table up before it.
// Rolling the migration back restores each backup in place; a step that
// changes items and was given no rollback is undone by the restore of the
// backup before it, or, without one, fails its rollback (its own Rollback
// says why) rather than being skipped as if nothing needed undoing.
void AddBackups(Workflow& wf) {
  std::vector<StepSpec> steps;
  std::vector<std::pair<Value, std::string>> backed_up;  // target, backup step id
  std::set<std::string> ids;
  for (const StepSpec& step : wf.steps) ids.insert(step.id);
  auto backup_of = [&](const Value& target) -> const std::string* {
    for (const auto& [t, id] : backed_up) {
      if (t == target) return &id;
    }
    return nullptr;
  };
  for (StepSpec& step : wf.steps) {
    Value target = TargetInputs(step);
    if (step.uses == "dynamodb.backup") {
      RestoreOnRollback(step, target);
      // Only a backup that always runs and whose rollback restores it
      // undoes the steps after it (one with `rollback: none` or a `when:`
      // leaves them to a backup of their own).
      if (step.rollback.uses == "dynamodb.restore" && step.when.empty()) {
        backed_up.emplace_back(target, step.id);
      }
    }
    const Value* wanted = step.with.Find("backup");
    bool skip = wanted != nullptr && wanted->is_bool() && !wanted->as_bool();
    if (step.uses == "dynamodb.transform" && !skip && backup_of(target) == nullptr) {
      StepSpec backup;
      backup.id = "backup-" + step.id;
      for (int n = 2; ids.count(backup.id) != 0; ++n) {
        backup.id = fmt::format("backup-{}-{}", step.id, n);
      }
      ids.insert(backup.id);
      backup.uses = "dynamodb.backup";
      backup.with = target;
      backup.description = fmt::format(
          "an on-demand backup of the table before '{}' changes it "
          "(added by data migrate; `backup: false` on '{}' leaves it "
          "out)",
          step.id, step.id);
      backup.rollback.mode = RollbackMode::kNone;
      RestoreOnRollback(backup, target);
      backup.location = step.location;
      backed_up.emplace_back(target, backup.id);
      steps.push_back(std::move(backup));
    }
    bool no_rollback_given =
        step.rollback.mode == RollbackMode::kNone && step.rollback.reason.empty();
    if (ChangesItems(step) && no_rollback_given) {
      if (const std::string* backup = backup_of(target)) {
        step.rollback.reason = fmt::format(
            "undone by the rollback of '{}', which puts the table's items back as that backup "
            "holds them",
            *backup);
      } else {
        step.rollback.mode = RollbackMode::kAuto;
      }
    }
    steps.push_back(std::move(step));
  }
  wf.steps = std::move(steps);
}

}  // namespace

Result<MigrationFolder> ListMigrations(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("no migrations folder '{}' (create one with `flightplan data "
                                 "new NAME`, or say where it is with --dir)",
                                 dir));
  }
  MigrationFolder folder;
  std::filesystem::directory_iterator it(dir, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::filesystem::directory_entry& entry = *it;
    std::error_code type_ec;  // a dangling link is not a file, not a listing error
    if (!entry.is_regular_file(type_ec)) continue;
    std::string file = entry.path().filename().string();
    std::smatch m;
    if (!std::regex_match(file, m, FileNamePattern())) {
      folder.ignored.push_back(file);
      continue;
    }
    MigrationFile f;
    f.path = entry.path().string();
    f.stem = entry.path().stem().string();
    f.name = m[2];
    folder.files.push_back(std::move(f));
  }
  if (ec) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("cannot list '{}': {}", dir, ec.message()));
  }
  std::sort(folder.files.begin(), folder.files.end(),
            [](const MigrationFile& a, const MigrationFile& b) { return a.stem < b.stem; });
  for (size_t i = 1; i < folder.files.size(); ++i) {
    if (folder.files[i].stem == folder.files[i - 1].stem) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("two migration files are both '{}' (.yaml and .yml); keep one",
                                   folder.files[i].stem));
    }
  }
  std::sort(folder.ignored.begin(), folder.ignored.end());
  return folder;
}

Result<MigrationFile> FindMigration(const MigrationFolder& folder, const std::string& wanted,
                                    const std::string& dir) {
  std::vector<const MigrationFile*> named;
  for (const MigrationFile& f : folder.files) {
    if (f.stem == wanted) return f;
    if (f.name == wanted) named.push_back(&f);
  }
  if (named.empty()) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no migration '{}' in {}", wanted, dir));
  }
  if (named.size() > 1) {
    std::string stems;
    for (const MigrationFile* f : named) stems += (stems.empty() ? "" : ", ") + f->stem;
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} migrations in {} are named '{}' ({}); name one by its file "
                                 "stem",
                                 named.size(), dir, wanted, stems));
  }
  return *named.front();
}

Result<std::string> NewMigrationFileName(std::string_view name, Timestamp now) {
  if (!ValidName(name)) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("'{}' cannot name a migration: use lower-case letters, digits "
                                 "and dashes (up to 63), starting with a letter or digit",
                                 name));
  }
  std::time_t seconds = static_cast<std::time_t>(now.unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}.yaml", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, name);
}

std::string NewMigrationText(std::string_view name) {
  return fmt::format(
      "# A data migration (docs/data-migrations.md). `flightplan data migrate` applies it\n"
      "# once per app and branch, after the files named before it. Once applied, do not\n"
      "# edit it: write a new migration.\n"
      "name: {}\n"
      "version: 1\n"
      "description: what this migration does to the data\n"
      "steps:\n"
      "  - id: transform\n"
      "    uses: dynamodb.transform\n"
      "    with:\n"
      "      model: Todo            # or   table: Todo-abc123-NONE\n"
      "      # The item in (plain JSON), the new item out; null deletes it.\n"
      "      jq: 'if has(\"done\") then . else . + {{done: false}} end'\n"
      "      # Or your own program: a page of items in as JSON Lines on stdin, one\n"
      "      # line out per item (the new item, or null):\n"
      "      # command: [node, transforms/add-done.js]\n",
      name);
}

Result<void> AsDataMigration(Workflow& workflow, const MigrationFile& file) {
  if (workflow.name != file.name) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: its `name` is '{}' but its file name says '{}'; make them "
                                 "the same",
                                 file.path, workflow.name, file.name));
  }
  workflow.name = file.run_workflow();
  workflow.target = std::string(kDataTarget);
  Declare(workflow, "app_id", true, "the Amplify app whose data this migration changes");
  Declare(workflow, "branch", true, "the app's branch (the Gen2 backend) whose data it changes");
  Declare(workflow, "region", false, "AWS region (default: the AWS CLI's)");
  Declare(workflow, "profile", false, "AWS CLI profile (default: the AWS CLI's)");
  AddBackups(workflow);
  return {};
}

std::optional<std::string> DataMigrationStem(const RunRecord& run) {
  if (run.workflow.rfind(kDataRunPrefix, 0) != 0) return std::nullopt;
  return run.workflow.substr(kDataRunPrefix.size());
}

std::string_view MigrationStateName(MigrationState state) {
  switch (state) {
    case MigrationState::kPending:
      return "pending";
    case MigrationState::kApplied:
      return "applied";
    case MigrationState::kChanged:
      return "changed after it was applied";
    case MigrationState::kInProgress:
      return "in progress";
    case MigrationState::kRollingBack:
      return "rolling back";
  }
  return "unknown";
}

}  // namespace flightplan::cli
