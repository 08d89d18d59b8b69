// `flightplan schema diff OLD NEW [--json] [--accept-dangerous]`: what a
// change to an Amplify GraphQL schema does to the data already stored, before
// it is deployed (docs/data-migrations.md).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "base/file_io.h"
#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "steps/amplify/schema/schema_diff.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::cli {
namespace {

struct SchemaDiffArgs {
  std::string old_path;
  std::string new_path;
  bool json = false;
  bool accept_dangerous = false;
};

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

  std::size_t safe = diff->Count(amplify::ChangeCategory::kSafe);
  std::size_t breaking = diff->Count(amplify::ChangeCategory::kBreaking);
  std::size_t dangerous = diff->Count(amplify::ChangeCategory::kDangerous);
  if (args.json) {
    console.Write(amplify::PrettyJson(amplify::SchemaDiffJson(*diff)));
  } else if (diff->changes.empty()) {
    console.Out("no change to the @model types: the stored data is unaffected");
  } else {
    for (const amplify::SchemaChange& change : diff->changes) {
      console.Out(fmt::format("{}  {}: {}", Label(console, change.category),
                              console.Bold(Subject(change)), change.message));
    }
    console.Out(fmt::format("{} change{}: {} dangerous, {} breaking, {} safe", diff->changes.size(),
                            diff->changes.size() == 1 ? "" : "s", dangerous, breaking, safe));
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
  diff->add_flag("--accept-dangerous", args->accept_dangerous,
                 "Accept changes that delete stored items (a model removed, a primary key "
                 "changed): they no longer make the command exit 10");
  diff->footer(
      "Exit codes: 0 every change is safe (or there is none), 1 breaking changes (a data "
      "migration is needed), 10 dangerous changes without --accept-dangerous, 2 a file is "
      "missing or not valid GraphQL (FILE:LINE:COL names the problem). See "
      "docs/data-migrations.md.");
  diff->callback([&global, args, action] {
    *action = [&global, args] { return RunSchemaDiff(global, *args); };
  });
  return [action] { return (*action)(); };
}

}  // namespace

extern const Command kSchemaCommand{
    "schema", "Check what a GraphQL schema change does to the stored data (schema diff)", Setup};

}  // namespace flightplan::cli
