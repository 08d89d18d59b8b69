// The flight plan of one environment (`flightplan plan`): the nine steps of
// the migration plus drift and backup, each with where it stands — from the
// journal's latest run of its workflow on the environment's target, and
// from the cloud where the journal is silent — and the exact next command.
//
// Pure: the caller gathers the runs (and their steps) and the cloud facts.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_FLIGHT_PLAN_H_
#define FLIGHTPLAN_STEPS_MIGRATION_FLIGHT_PLAN_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "engine/journal.h"
#include "steps/aws/aws_client.h"
#include "steps/migration/environment.h"

namespace flightplan::migration {

// One row of the plan's table (the nine steps, then drift and backup).
struct PlanStepSpec {
  std::string key;        // "lock", "refactor-prod"
  std::string label;      // "Lock production"
  std::string workflow;   // the workflow that does it
  bool on_clone = false;  // runs on the clone environment's target
  bool extra = false;     // drift and backup: not one of the nine
};
const std::vector<PlanStepSpec>& PlanSteps();

// What the cloud says where the journal may be silent.
struct CloudFacts {
  bool read = false;  // false: not asked, or could not be read (error says why)
  std::string error;
  std::string root_stack;
  std::string root_status;
  bool locked = false;       // the root stack policy carries lock's statement
  int locked_resources = 0;  // resources carrying lock's metadata
  // Gen2 branches of the app: "<branch> (<backend stack status>)".
  std::vector<std::string> gen2_branches;
  // What AWS's own migration tool left half-way (tool_leftovers.h), one
  // line each; refactor removes what holds nothing.
  std::vector<std::string> tool_leftovers;
};

// Reads the environment's root stack policy and templates (read-only).
CloudFacts ReadCloudFacts(aws::AwsClient& client, Clock& clock, const std::string& app_id,
                          const std::string& env);

struct PlanInput {
  std::string app_id;
  std::string env;
  std::string target;        // app/<id>/env/<env>
  std::string clone_target;  // app/<id>/env/<clone env>; "" before the clone
  std::string clone_env;     // its env name; "" before the clone
  // Workflows this flightplan has (a step whose workflow is absent is
  // "not available in this version").
  std::vector<std::string> known_workflows;
  // The latest run of each workflow on each target, with its steps:
  // key "<workflow>@<target>".
  std::map<std::string, std::pair<RunRecord, std::vector<StepRecord>>> latest;
  CloudFacts cloud;
};

struct PlanRow {
  PlanStepSpec spec;
  int number = 0;  // 1..9; 0 for the extras
  bool available = false;
  std::string state;   // not-started, done, failed, unfinished, rolling-back, rolled-back,
                       // rollback-failed, unavailable
  std::string detail;  // "by alice at 2026-12-04T10:00:00Z (run 3)", backups, cloud facts
  std::optional<RunId> run;
  std::string command;  // what to type for this step now
};

struct FlightPlan {
  std::string target;
  std::vector<PlanRow> rows;
  std::string next_command;  // the exact next command
  std::string next_reason;
  std::vector<std::string> warnings;  // shown above the next command
  Value ToJson() const;
  std::string ToText() const;
};

FlightPlan BuildFlightPlan(const PlanInput& input);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_FLIGHT_PLAN_H_
