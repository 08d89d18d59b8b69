#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>

#include "cli/command.h"
#include "cli/exit_codes.h"

namespace flightplan::cli {
namespace {

constexpr const char* kDescription =
    "flightplan migrates an AWS Amplify Gen1 backend to Gen2 without losing "
    "data.\nEach migration phase is a workflow whose every step is journaled "
    "in a SQLite\nstate file, so a migration can be resumed where it stopped, "
    "rolled back step by\nstep, shared between operators, and audited.\n\n"
    "Exit codes: 0 ok, 1 a step failed, 2 usage or definition error, 3 lease "
    "held by\nanother operator, 4 ordering violation, 5 state file problem, "
    "6 step in doubt\n(run `flightplan resolve`), 7 confirmation needed, 8 a drift "
    "check could not\ncomplete, 9 data missing after decommission, 10 a dangerous schema "
    "change,\n130 interrupted. See docs/cli.md.";

void AddGlobalOptions(CLI::App& app, GlobalOptions& global) {
  app.add_option("--state", global.state_path,
                 "State file (default .flightplan/state.db), or s3://BUCKET/PREFIX to share "
                 "one migration between operators on different machines")
      ->envname("FLIGHTPLAN_STATE")
      ->group("Global options");
  app.add_option("--operator", global.operator_name,
                 "Your name as it appears in the audit (default user@host)")
      ->envname("FLIGHTPLAN_OPERATOR")
      ->group("Global options");
  app.add_flag("--yes,-y", global.yes,
               "Agree to confirmations without asking (journaled with your name)")
      ->group("Global options");
  app.add_flag("--dry-run", global.dry_run, "Describe what would happen; execute nothing")
      ->group("Global options");
  app.add_flag("--skip-validations", global.skip_validations,
               "Skip validation steps (recorded in the audit)")
      ->group("Global options");
  app.add_flag("-v,--verbose", global.verbose,
               "At the end of a run, also print the path of its log file")
      ->group("Global options");
  app.add_flag("--allow-network-fs", global.allow_network_fs,
               "Allow a state file on NFS/SMB/FUSE, where SQLite locking is unsafe")
      ->group("Global options");
  app.add_flag("--take-over", global.take_over,
               "Take over an expired lease held by another operator (audited)")
      ->group("Global options");
  app.add_option("--lease-ttl", global.lease_ttl_seconds,
                 "Seconds a lease lives without a heartbeat (default 60)")
      ->envname("FLIGHTPLAN_LEASE_TTL")
      ->check(CLI::Range(1, 86400))
      ->group("Global options");
  app.add_flag("--no-color", global.no_color, "No colours (NO_COLOR works too)")
      ->group("Global options");
}

}  // namespace

void AddAwsOptions(CLI::App& sub, std::string& region, std::string& profile,
                   std::string_view prefix, std::string_view region_from) {
  sub.add_option("--region", region,
                 fmt::format("{}AWS region (default: {})", prefix, region_from));
  sub.add_option("--profile", profile,
                 fmt::format("{}AWS profile (default: AWS_PROFILE, then 'default')", prefix));
}

int RunMain(int argc, char** argv) {
  CLI::App app(kDescription, "flightplan");
  app.set_version_flag("--version", std::string("flightplan ") + FLIGHTPLAN_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  AddGlobalOptions(app, global);

  CommandAction chosen;
  for (const Command& command : Commands()) {
    CLI::App* sub = app.add_subcommand(std::string(command.name), std::string(command.summary));
    auto action = std::make_shared<CommandAction>(command.setup(*sub, global));
    sub->callback([&chosen, action] { chosen = *action; });
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (!chosen) return kExitUsage;
  try {
    return chosen();
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "flightplan: internal error: %s\nThe state file was not left "
                 "half-written (every change is one transaction). Please "
                 "report this with the log under ~/.flightplan/logs/.\n",
                 e.what());
    return kExitStepFailed;
  }
}

}  // namespace flightplan::cli
