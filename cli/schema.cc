// `flightplan schema diff OLD NEW [--json] [--accept-dangerous] [--app-id ID
// --branch B]`: what a change to an Amplify GraphQL schema does to the data
// already stored, before it is deployed — with an app and branch, how many
// of the deployed items each change touches (docs/data-migrations.md).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "cli/command.h"
#include "cli/context.h"
#include "cli/data_migrations.h"
#include "cli/exit_codes.h"
#include "steps/amplify/schema/schema_diff.h"
#include "steps/amplify/ts_emit.h"
#include "steps/data/item_census.h"

namespace flightplan::cli {
namespace {

struct SchemaDiffArgs {
  std::string old_path;
  std::string new_path;
  bool json = false;
  bool accept_dangerous = false;
  std::string app_id;  // with branch: count the deployed items each change touches
  std::string branch;
  std::string region;
  std::string profile;
  std::string write_migration;  // a migration of the fixes, named so, into `dir`
  std::string dir = "migrations";
};

// What a change means for the stored items of its model: the question that
// picks the items it touches (none: every item), and how to say the count.
struct ItemImpact {
  std::string model;  // whose table holds the items (the old name of a renamed model)
  std::optional<data::ItemQuestion> question;
  std::string says;  // "lack it": "N of M items lack it"
};

std::optional<ItemImpact> ImpactOf(const amplify::SchemaChange& c) {
  using amplify::ChangeKind;
  using Kind = data::ItemQuestion::Kind;
  auto on = [&](Kind kind, const std::string& attribute, std::string says,
                const std::string& value = "") {
    return ItemImpact{c.model, data::ItemQuestion{kind, attribute, value}, std::move(says)};
  };
  switch (c.kind) {
    case ChangeKind::kFieldRequired:
      return on(Kind::kLacks, c.field, "lack it");
    case ChangeKind::kFieldRemoved:
      return on(Kind::kHas, c.field, "hold a value for it");
    case ChangeKind::kFieldTypeChanged:
      return on(Kind::kHas, c.field, "hold a value of the old type");
    case ChangeKind::kFieldPossiblyRenamed:
      return on(Kind::kHas, c.previous_name, fmt::format("hold '{}'", c.previous_name));
    case ChangeKind::kEnumValueRemoved:
      if (c.field.empty()) return std::nullopt;
      return on(Kind::kEquals, c.field, fmt::format("hold {}", c.enum_value), c.enum_value);
    case ChangeKind::kPrimaryKeyChanged:
    case ChangeKind::kModelRemoved:
      return ItemImpact{c.model, std::nullopt, "are stored"};
    case ChangeKind::kModelPossiblyRenamed:
      return ItemImpact{c.previous_name, std::nullopt, "are stored"};
    default:
      return std::nullopt;
  }
}

// Per change (by index), the items it touches and the table's items.
struct ChangeCount {
  std::string table;
  int64_t affected = 0;
  int64_t total = 0;
  std::string says;
};

// One scan per model that a change touches.
Result<std::map<size_t, ChangeCount>> CountDeployedItems(Context& ctx, const SchemaDiffArgs& args,
                                                         const amplify::SchemaDiff& diff) {
  std::map<std::string, std::vector<size_t>> by_model;
  std::map<size_t, ItemImpact> impacts;
  for (size_t i = 0; i < diff.changes.size(); ++i) {
    std::optional<ItemImpact> impact = ImpactOf(diff.changes[i]);
    if (!impact || impact->model.empty()) continue;
    by_model[impact->model].push_back(i);
    impacts.emplace(i, std::move(*impact));
  }
  std::map<size_t, ChangeCount> counts;
  for (const auto& [model, changes] : by_model) {
    std::vector<data::ItemQuestion> questions;
    for (size_t i : changes) {
      if (impacts.at(i).question) questions.push_back(*impacts.at(i).question);
    }
    data::DataTarget target;
    target.app_id = args.app_id;
    target.branch = args.branch;
    target.region = args.region;
    target.profile = args.profile;
    target.model = model;
    ctx.console().Log(fmt::format("counting the items of model {}", model));
    ASSIGN_OR_RETURN(data::ItemCensus census,
                     data::CountItems(ctx.aws_clients(), ctx.clock(), target, questions));
    size_t q = 0;
    for (size_t i : changes) {
      const ItemImpact& impact = impacts.at(i);
      int64_t affected = impact.question ? census.answers[q++] : census.items;
      counts[i] = ChangeCount{census.table, affected, census.items, impact.says};
    }
  }
  return counts;
}

std::string CountText(const ChangeCount& c) {
  if (c.says == "are stored") {
    return fmt::format("{} item{} {} in {}", c.total, c.total == 1 ? "" : "s", c.says, c.table);
  }
  return fmt::format("{} of {} item{} in {} {}", c.affected, c.total, c.total == 1 ? "" : "s",
                     c.table, c.says);
}

std::string Subject(const amplify::SchemaChange& change) {
  if (change.model.empty()) return change.enum_name.empty() ? "" : "enum " + change.enum_name;
  return change.field.empty() ? change.model : change.model + "." + change.field;
}

std::string Label(const Console& console, amplify::ChangeCategory category) {
  switch (category) {
    case amplify::ChangeCategory::kSafe:
      return console.Green("safe     ");
    case amplify::ChangeCategory::kBreaking:
      return console.Yellow("breaking ");
    case amplify::ChangeCategory::kDangerous:
      return console.Red("dangerous");
  }
  return "";
}

// A data migration with one dynamodb.transform per change that has a fix and
// touches stored items; nullopt when there is none.
std::optional<std::string> FixMigrationText(const SchemaDiffArgs& args,
                                            const amplify::SchemaDiff& diff,
                                            const std::map<size_t, ChangeCount>& counts) {
  std::string steps;
  std::set<std::string> ids;
  for (const auto& [i, count] : counts) {
    const amplify::SchemaChange& change = diff.changes[i];
    if (change.fix_jq.empty() || count.affected == 0) continue;
    std::string id =
        fmt::format("{}-{}-{}", change.model, change.field, amplify::ChangeKindName(change.kind));
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char ch) {
      return ch == '_' ? '-' : static_cast<char>(std::tolower(ch));
    });
    std::string unique = id;
    for (int n = 2; !ids.insert(unique).second; ++n) unique = fmt::format("{}-{}", id, n);
    std::string jq = change.fix_jq;
    for (size_t at = jq.find('\''); at != std::string::npos; at = jq.find('\'', at + 2)) {
      jq.insert(at, "'");
    }
    steps += fmt::format(
        "  # {}: {} of {} items touched.\n"
        "  - id: {}\n"
        "    uses: dynamodb.transform\n"
        "    with:\n"
        "      model: {}\n"
        "      jq: '{}'\n",
        Subject(change), count.affected, count.total, unique, change.model, jq);
  }
  if (steps.empty()) return std::nullopt;
  return fmt::format(
      "# Written by: flightplan schema diff {} {} --app-id {} --branch {}\n"
      "# The stored items the new schema would fail to read, brought in line before it is\n"
      "# deployed. The values are defaults: review each one, then\n"
      "#   flightplan data migrate --app-id {} --branch {} --dry-run\n"
      "# Once applied, do not edit it: write a new migration.\n"
      "name: {}\n"
      "version: 1\n"
      "description: stored items in line with {}\n"
      "steps:\n{}",
      args.old_path, args.new_path, args.app_id, args.branch, args.app_id, args.branch,
      args.write_migration, args.new_path, steps);
}

Result<std::string> WriteFixMigration(Context& ctx, const SchemaDiffArgs& args,
                                      const std::string& text) {
  ASSIGN_OR_RETURN(std::string file, NewMigrationFileName(args.write_migration, ctx.clock().Now()));
  std::filesystem::path path = std::filesystem::path(args.dir) / file;
  std::error_code ec;
  std::filesystem::create_directories(args.dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("cannot create '{}': {}", args.dir, ec.message()));
  }
  if (std::filesystem::exists(path, ec)) {
    return MakeError(
        ErrorCode::kConflict,
        fmt::format("{} already exists; wait a second or pick another name", path.string()));
  }
  TRY(WriteFileAtomically(path, text, 0644));
  return path.string();
}

int RunSchemaDiff(const GlobalOptions& global, const SchemaDiffArgs& args) {
  Context ctx(global);
  Console& console = ctx.console();
  if (args.json) console.LinesToStderr();
  Result<std::string> before = ReadFile(args.old_path);
  if (!before) return ReportError(console, before.error());
  Result<std::string> after = ReadFile(args.new_path);
  if (!after) return ReportError(console, after.error());
  Result<amplify::SchemaDiff> diff =
      amplify::DiffSchemaTexts(*before, args.old_path, *after, args.new_path);
  if (!diff) return ReportError(console, diff.error());
  std::map<size_t, ChangeCount> counts;
  if (!args.write_migration.empty() && args.app_id.empty()) {
    return ReportError(console, Error(ErrorCode::kInvalidInput,
                                      "--write-migration needs --app-id and --branch: it fixes "
                                      "the deployed items the changes touch"));
  }
  if (args.app_id.empty() != args.branch.empty()) {
    return ReportError(console, Error(ErrorCode::kInvalidInput,
                                      "--app-id and --branch go together: they name the "
                                      "deployed backend whose items are counted"));
  }
  if (!args.app_id.empty()) {
    Result<std::map<size_t, ChangeCount>> counted = CountDeployedItems(ctx, args, *diff);
    if (!counted) return ReportError(console, counted.error());
    counts = std::move(*counted);
  }

  std::size_t safe = diff->Count(amplify::ChangeCategory::kSafe);
  std::size_t breaking = diff->Count(amplify::ChangeCategory::kBreaking);
  std::size_t dangerous = diff->Count(amplify::ChangeCategory::kDangerous);
  if (args.json) {
    Value out = amplify::SchemaDiffJson(*diff);
    auto changes = out.as_map().find("changes");
    if (changes != out.as_map().end() && changes->second.is_list()) {
      ValueList& list = changes->second.as_list();
      for (const auto& [i, c] : counts) {
        if (i >= list.size()) continue;
        list[i].Set("items", Value(ValueMap{{"table", Value(c.table)},
                                            {"affected", Value(c.affected)},
                                            {"total", Value(c.total)}}));
      }
    }
    console.Write(amplify::PrettyJson(out));
  } else if (diff->changes.empty()) {
    console.Out("no change to the @model types: the stored data is unaffected");
  } else {
    for (size_t i = 0; i < diff->changes.size(); ++i) {
      const amplify::SchemaChange& change = diff->changes[i];
      auto count = counts.find(i);
      console.Out(fmt::format("{}  {}: {}{}", Label(console, change.category),
                              console.Bold(Subject(change)), change.message,
                              count == counts.end() ? "" : " [" + CountText(count->second) + "]"));
    }
    console.Out(fmt::format("{} change{}: {} dangerous, {} breaking, {} safe", diff->changes.size(),
                            diff->changes.size() == 1 ? "" : "s", dangerous, breaking, safe));
  }
  std::optional<std::string> fixes = FixMigrationText(args, *diff, counts);
  if (fixes && !args.write_migration.empty()) {
    Result<std::string> path = WriteFixMigration(ctx, args, *fixes);
    if (!path) return ReportError(console, path.error());
    console.Err(
        fmt::format("wrote {}: a data migration for the stored items these changes "
                    "touch; review its values, then `flightplan data migrate`",
                    *path));
  } else if (fixes) {
    console.Err(
        "a data migration can bring the touched items in line: run again with "
        "--write-migration NAME to write it into migrations/ for review");
  } else if (!args.write_migration.empty()) {
    console.Err(
        "no migration written: no counted change has a plain fix (see each change's "
        "message)");
  }
  if (dangerous > 0 && !args.accept_dangerous) {
    console.Err(fmt::format(
        "{} {} dangerous change{} delete{} stored items on deploy; back the tables up, then run "
        "again with --accept-dangerous to accept the loss",
        console.Red("flightplan:"), dangerous, dangerous == 1 ? "" : "s",
        dangerous == 1 ? "s" : ""));
    return kExitDangerousChange;
  }
  if (breaking > 0) {
    console.Err(fmt::format(
        "{} {} breaking change{}: existing items need a data migration (or clients a change) "
        "before this schema is deployed",
        console.Yellow("flightplan:"), breaking, breaking == 1 ? "" : "s"));
    return kExitBreakingChange;
  }
  return kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<SchemaDiffArgs>();
  auto action = std::make_shared<CommandAction>();
  sub.require_subcommand(1);
  CLI::App* diff = sub.add_subcommand(
      "diff",
      "Compare two schema.graphql files and classify what the change does to stored data: "
      "safe, breaking (needs a data migration) or dangerous (deletes items)");
  diff->add_option("old", args->old_path, "The schema as deployed now (OLD schema.graphql)")
      ->required();
  diff->add_option("new", args->new_path, "The schema you intend to deploy (NEW schema.graphql)")
      ->required();
  diff->add_flag("--json", args->json,
                 "Print the changes as JSON ({changes: [{category, kind, model, field, "
                 "message, …}], summary}) on standard output; other lines go to standard error");
  diff->add_option("--app-id", args->app_id,
                   "Count, in this Amplify app's deployed tables, the items each change touches "
                   "(needs --branch; one scan of each model's table)");
  diff->add_option("--branch", args->branch,
                   "The branch whose backend stack holds the tables (with --app-id)");
  AddAwsOptions(*diff, args->region, args->profile);
  diff->add_option("--write-migration", args->write_migration,
                   "With --app-id/--branch: write a data migration named NAME (into --dir) that "
                   "brings the touched items in line — a required field set to its type's zero "
                   "value, a renamed field's values copied, a removed enum value mapped — for "
                   "you to review and apply with `data migrate`");
  diff->add_option("--dir", args->dir, "Where --write-migration writes (default: migrations)");
  diff->add_flag("--accept-dangerous", args->accept_dangerous,
                 "Accept changes that delete stored items (a model removed, a primary key "
                 "changed): they no longer make the command exit 10");
  diff->footer(
      "Exit codes: 0 every change is safe (or there is none), 1 breaking changes (a data "
      "migration is needed; also with --accept-dangerous while breaking changes remain), 10 "
      "dangerous changes without --accept-dangerous (wins over 1), 2 a file is missing or not "
      "valid GraphQL (FILE:LINE:COL names the problem), or only one of --app-id and --branch. "
      "With --app-id and "
      "--branch each change that touches stored items is followed by how many of the "
      "deployed items it touches ([N of M items in TABLE lack it]; in --json an `items` "
      "object: table, affected, total); the models are the OLD schema's, found in the "
      "branch's backend stack. See docs/data-migrations.md.");
  diff->callback([&global, args, action] {
    *action = [&global, args] { return RunSchemaDiff(global, *args); };
  });
  return [action] { return (*action)(); };
}

}  // namespace

extern const Command kSchemaCommand{
    "schema", "Check what a GraphQL schema change does to the stored data (schema diff)", Setup};

}  // namespace flightplan::cli
