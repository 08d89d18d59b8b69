// The command table: each command is one file in cli/ that fills in a
// Command; cli/commands.cc lists them all. A command's setup adds its options
// to its CLI11 sub-app and returns the action that runs when it is chosen.
#ifndef FLIGHTPLAN_CLI_COMMAND_H_
#define FLIGHTPLAN_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace flightplan::cli {

// Options that every command accepts, before or after the command name.
struct GlobalOptions {
  std::string state_path;     // --state, FLIGHTPLAN_STATE, default .flightplan/state.db
  std::string operator_name;  // --operator
  bool yes = false;           // --yes
  bool dry_run = false;       // --dry-run
  bool skip_validations = false;
  int verbose = 0;  // -v, repeatable
  bool allow_network_fs = false;
  bool take_over = false;      // --take-over
  int lease_ttl_seconds = 60;  // --lease-ttl
  bool no_color = false;       // --no-color (NO_COLOR works too)
};

// Adds --region and --profile, as every command that calls AWS takes them.
// `prefix` starts both help texts (e.g. "With --app-id: "), `region_from`
// says where the region comes from when --region is not given.
void AddAwsOptions(CLI::App& sub, std::string& region, std::string& profile,
                   std::string_view prefix = "",
                   std::string_view region_from = "AWS_REGION, then the profile's");

// Runs the command; returns the process exit code (cli/exit_codes.h).
using CommandAction = std::function<int()>;

struct Command {
  std::string_view name;
  std::string_view summary;
  CommandAction (*setup)(CLI::App& sub, const GlobalOptions& global);
};

const std::vector<Command>& Commands();

// Parses argv, runs the chosen command, and returns the exit code.
int RunMain(int argc, char** argv);

}  // namespace flightplan::cli

#endif  // FLIGHTPLAN_CLI_COMMAND_H_
