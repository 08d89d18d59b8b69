// `flightplan assess (--gen1 DIR [--env E] | --app-id ID --env E [--region R]
// [--profile P]) [--json] [--report FILE.md]`: the read-only migration report
// (docs/assess.md), of a local project or of a deployed environment.
#include "steps/amplify/assess.h"

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/gen1_source.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::cli {
namespace {

struct AssessArgs {
  Gen1Source source;
  bool json = false;
  std::string report;
};

int RunAssess(const GlobalOptions& global, AssessArgs& args) {
  Context ctx(global);
  Console& console = ctx.console();
  auto project = std::make_unique<amplify::Gen1Project>();
  if (std::optional<int> failed = args.source.Load(ctx, *project, /*print_notes=*/false)) {
    return *failed;
  }
  std::string markdown = amplify::AssessMarkdown(*project);
  if (!args.report.empty()) {
    std::ofstream out(args.report, std::ios::binary | std::ios::trunc);
    out << markdown;
    out.close();
    if (!out) {
      return ReportError(console, Error(ErrorCode::kPermissionDenied,
                                        fmt::format("cannot write {}", args.report)));
    }
  }
  console.Write(args.json ? amplify::PrettyJson(amplify::AssessJson(*project)) : markdown);
  return kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<AssessArgs>();
  args->source.AddOptions(sub);
  sub.add_flag("--json", args->json, "Print the report as JSON");
  sub.add_option("--report", args->report, "Also write the report as Markdown to FILE");
  return [&global, args] { return RunAssess(global, *args); };
}

}  // namespace

extern const Command kAssessCommand{"assess",
                                    "Report what a Gen1 project holds and how it migrates", Setup};

}  // namespace flightplan::cli
