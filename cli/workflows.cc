// flightplan workflows list|validate — the workflows flightplan knows.
#include <fmt/format.h>

#include <memory>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"

namespace flightplan::cli {
namespace {

struct WorkflowsArgs {
  std::vector<std::string> files;
};

int DoList(const GlobalOptions& global) {
  Context ctx(global);
  for (const Catalog::Entry& e : ctx.catalog().entries()) {
    std::string requires_text;
    for (const std::string& r : e.header.requires_workflows) {
      requires_text += requires_text.empty() ? r : ", " + r;
    }
    ctx.console().Out(
        fmt::format("{:<16} {:<12} {}{}", e.name, e.header.phase, e.header.description,
                    requires_text.empty() ? "" : " (requires " + requires_text + ")"));
  }
  return kExitOk;
}

int DoValidate(const GlobalOptions& global, const WorkflowsArgs& args) {
  Context ctx(global);
  int status = kExitOk;
  for (const std::string& file : args.files) {
    auto wf = ctx.LoadWorkflow(file);
    if (!wf) {
      ctx.console().Err(wf.error().ToString());
      status = kExitUsage;
      continue;
    }
    ctx.console().Out(fmt::format("{}: ok — '{}' version {}, {} step{}", file, wf->name,
                                  wf->version, wf->steps.size(), wf->steps.size() == 1 ? "" : "s"));
  }
  return status;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<WorkflowsArgs>();
  auto action = std::make_shared<CommandAction>();
  sub.require_subcommand(1);
  CLI::App* list = sub.add_subcommand("list", "List the built-in workflows");
  list->callback([&global, action] { *action = [&global] { return DoList(global); }; });
  CLI::App* validate = sub.add_subcommand(
      "validate", "Check workflow files without running them (exit 2 on any problem)");
  validate->add_option("files", args->files, "Workflow files")->required();
  validate->callback(
      [&global, args, action] { *action = [&global, args] { return DoValidate(global, *args); }; });
  return [action] { return (*action)(); };
}

}  // namespace

extern const Command kWorkflowsCommand{"workflows", "List built-in workflows or validate files",
                                       Setup};

}  // namespace flightplan::cli
