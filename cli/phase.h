// The migration's phase commands (`flightplan lock`, `drift`, `backup`, …):
// each is a built-in workflow under workflows/migration/ run on the target
// app/<app-id>/env/<env>, with the options every phase shares:
//   --app-id, --env     which environment (read from the Gen1 project in the
//                       current directory when omitted)
//   --region, --profile as the AWS CLI takes them
//   --stateful-types    a file of extra stateful resource types
//   --rollback          roll back the phase's latest run on the target
//   -p/--param          any other workflow parameter, name=value
// and the global options (--dry-run, --yes, --skip-validations, …). A phase
// may add boolean flags that set a parameter to "true".
#ifndef FLIGHTPLAN_CLI_PHASE_H_
#define FLIGHTPLAN_CLI_PHASE_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "cli/command.h"
#include "engine/executor.h"

namespace flightplan::cli {

struct PhaseFlag {
  std::string_view flag;   // "--export"
  std::string_view param;  // "export"
  std::string_view help;
};

// An option with a value that sets a parameter ("--to-branch main").
struct PhaseOption {
  std::string_view flag;   // "--to-branch"
  std::string_view param;  // "to_branch"
  std::string_view help;
  bool required = false;
  bool path = false;         // made absolute before the run starts
  bool default_cwd = false;  // absent: the current directory (implies path)
  // Part of the run's target (clone's --clone-env): needed with --rollback
  // too, to find the run.
  bool names_target = false;
};

// A parameter the command fills in from the journal when it is not given:
// the latest run of `workflow` on the same target. `from` is a parameter of
// that run ("to_branch"), or "@succeeded_at" for the Unix seconds at which it
// succeeded ("" when its latest run did not succeed).
struct PriorRunParam {
  std::string_view param;     // "gen2_branch"
  std::string_view workflow;  // "refactor"
  std::string_view from;      // "to_branch" or "@succeeded_at"
};
struct PhaseTarget;

// Sets further parameters of a new run from the journal (cleanup reads the
// clone's refactor run); an error stops the command before the run starts.
using PhaseParamsHook = Result<void> (*)(Journal& journal, const PhaseTarget& target,
                                         ParamInput& params);

struct Phase {
  std::string_view command;   // "lock"
  std::string_view workflow;  // the built-in workflow's name
  std::string_view summary;
  std::string_view footer;  // what it does, for --help
  std::vector<PhaseFlag> flags;
  std::vector<PhaseOption> options = {};
  std::vector<PriorRunParam> from_runs = {};
  // A failure of this step exits with `alarm_exit` instead of 1 (a loud,
  // distinct code: decommission's verify).
  std::string_view alarm_step = {};
  int alarm_exit = 0;
  // Non-empty: --rollback is refused with this explanation (an
  // irreversible phase, whose steps have no rollback).
  std::string_view irreversible = {};
  PhaseParamsHook add_params = nullptr;
  std::string_view target = "app/<app-id>/env/<env>";  // the run's target, for --help
};

// The phases, in migration order; cli/phase.cc makes each a command.
const std::vector<const Phase*>& Phases();

// What the environment options resolve to: the values given, else those the
// Gen1 project at `project_dir` names (team-provider-info.json,
// amplify-meta.json, .config/local-env-info.json), or the generated Gen2
// project there (amplify/migration.json: the environment and region). kInvalidInput saying what
// to pass when app id or env cannot be found.
struct PhaseTarget {
  std::string app_id;
  std::string env;
  std::string region;
};
[[nodiscard]] Result<PhaseTarget> ResolvePhaseTarget(const std::string& project_dir,
                                                     PhaseTarget given);

// Adds --app-id, --env, --region and --profile (the options that name an
// environment, shared by the phase commands, `drift` and `plan`).
void AddEnvironmentOptions(CLI::App& sub, PhaseTarget& target, std::string& profile);
// Adds --stateful-types FILE.
void AddStatefulTypesOption(CLI::App& sub, std::string& file);

}  // namespace flightplan::cli

#endif  // FLIGHTPLAN_CLI_PHASE_H_
