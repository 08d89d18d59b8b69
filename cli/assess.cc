// `flightplan assess --gen1 DIR [--env E] [--json] [--report FILE.md]`: the read-only
// migration report (docs/assess.md).
#include "steps/amplify/assess.h"

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::cli {
namespace {

struct AssessArgs {
  std::string gen1;
  std::string env;
  bool json = false;
  std::string report;
};

int RunAssess(const GlobalOptions& global, const AssessArgs& args) {
  Context ctx(global);
  Console& console = ctx.console();
  Result<amplify::Gen1Project> project = amplify::LoadGen1Project(args.gen1, {.env = args.env});
  if (!project) return ReportError(console, project.error());
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
  sub.add_option("--gen1", args->gen1, "The Gen1 project directory (holds amplify/)")->required();
  sub.add_option("--env", args->env,
                 "The Gen1 environment to read (needed when the project names none, e.g. a "
                 "fresh clone without team-provider-info.json)");
  sub.add_flag("--json", args->json, "Print the report as JSON");
  sub.add_option("--report", args->report, "Also write the report as Markdown to FILE");
  return [&global, args] { return RunAssess(global, *args); };
}

}  // namespace

extern const Command kAssessCommand{"assess",
                                    "Report what a Gen1 project holds and how it migrates", Setup};

}  // namespace flightplan::cli
