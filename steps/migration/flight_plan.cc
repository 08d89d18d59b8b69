#include "steps/migration/flight_plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/migration/lock.h"
#include "steps/migration/tool_leftovers.h"

namespace flightplan::migration {

using aws::StringAt;

const std::vector<PlanStepSpec>& PlanSteps() {
  static const std::vector<PlanStepSpec> kSteps = {
      {"lock", "Lock production", "lock", false, false},
      {"clone", "Clone production into a rehearsal environment", "clone", false, false},
      {"generate-clone", "Generate and deploy Gen2 for the clone", "generate", true, false},
      {"refactor-clone", "Refactor the clone (rehearsal)", "refactor", true, false},
      {"generate-prod", "Generate and deploy Gen2 for production", "generate", false, false},
      {"refactor-prod", "Refactor production", "refactor", false, false},
      {"shift", "Shift traffic to Gen2", "shift", false, false},
      {"cleanup", "Clean up the clones", "cleanup", false, false},
      {"decommission", "Decommission Gen1 production", "decommission", false, false},
      {"drift", "Drift check", "drift", false, true},
      {"backup", "Backups of the data", "backup", false, true},
  };
  return kSteps;
}

CloudFacts ReadCloudFacts(aws::AwsClient& client, Clock& clock, const std::string& app_id,
                          const std::string& env) {
  CloudFacts facts;
  aws::AmplifyClient amplify(client);
  Result<Value> backend = amplify.GetBackendEnvironment(app_id, env);
  if (!backend) {
    facts.error = backend.error().ToString();
    return facts;
  }
  const Value* be = backend->Find("backendEnvironment");
  facts.root_stack = StringAt(be != nullptr ? *be : *backend, "stackName");
  aws::CloudFormationClient cfn(client, clock);
  Result<Value> root = cfn.DescribeStack(facts.root_stack);
  if (!root) {
    facts.error = root.error().ToString();
    return facts;
  }
  facts.root_status = StringAt(*root, "StackStatus");
  Result<std::string> policy = cfn.GetStackPolicy(facts.root_stack);
  if (!policy) {
    facts.error = policy.error().ToString();
    return facts;
  }
  facts.locked = HasLockStatement(*policy);
  // Resources carrying lock's metadata, in the nested stacks.
  Result<ValueList> resources = cfn.ListStackResources(facts.root_stack);
  if (resources) {
    for (const Value& r : *resources) {
      if (StringAt(r, "ResourceType") != "AWS::CloudFormation::Stack") continue;
      Result<std::string> body = cfn.GetTemplate(StringAt(r, "PhysicalResourceId"));
      if (!body) continue;
      Result<Value> json = Value::FromJson(*body);
      if (json) facts.locked_resources += static_cast<int>(LockedResources(*json).size());
    }
  }
  Result<std::vector<AppBranch>> branches =
      DiscoverBranches(client, clock, app_id, facts.root_stack);
  std::vector<std::string> roots = {facts.root_stack};
  if (branches) {
    for (const AppBranch& b : *branches) {
      if (!b.gen2) continue;
      facts.gen2_branches.push_back(fmt::format("{} ({})", b.name, b.stack_status));
      // arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>
      std::string_view arn = b.stack_arn;
      size_t at = arn.find(":stack/");
      if (at != std::string_view::npos) {
        std::string_view rest = arn.substr(at + 7);
        roots.emplace_back(rest.substr(0, rest.find('/')));
      }
    }
  }
  Result<ToolLeftovers> leftovers =
      FindToolLeftovers(client, clock, app_id, roots, {facts.root_stack});
  if (leftovers && !leftovers->empty()) {
    std::string text = leftovers->ToText();
    size_t start = 0;
    for (size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
      facts.tool_leftovers.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  facts.read = true;
  return facts;
}

namespace {

// What to type for a step now; `env` is the row's environment (the clone's
// for the rehearsal rows), `clone_env` the clone's name ("" before it).
std::string PhaseCommand(const PlanStepSpec& spec, const std::string& app_id,
                         const std::string& env, const std::string& clone_env) {
  const std::string clone = clone_env.empty() ? "<clone-env>" : clone_env;
  const std::string branch = spec.on_clone ? "<gen2-clone-branch>" : "<gen2-branch>";
  if (spec.workflow == "generate") {
    return fmt::format(
        "flightplan generate --app-id {} --env {} --out <gen2-project> --branch {} --verify "
        "(then deploy the project to that branch)",
        app_id, env, branch);
  }
  if (spec.workflow == "refactor") {
    return fmt::format(
        "flightplan refactor --app-id {} --env {} --to-branch {} --project "
        "<gen2-project>",
        app_id, env, branch);
  }
  if (spec.workflow == "shift") {
    return fmt::format("flightplan shift --app-id {} --env {} --to-branch <gen2-branch>", app_id,
                       env);
  }
  if (spec.workflow == "clone" || spec.workflow == "cleanup") {
    return fmt::format("flightplan {} --app-id {} --env {} --clone-env {}", spec.workflow, app_id,
                       env, clone);
  }
  return fmt::format("flightplan {} --app-id {} --env {}", spec.workflow, app_id, env);
}

std::string Who(const RunRecord& run) {
  return fmt::format("by {} at {} (run {})", run.operator_name.empty() ? "?" : run.operator_name,
                     FormatTimestamp(run.updated_at), run.id);
}

// Backups and exports the backup run recorded.
std::string BackupDetail(const std::vector<StepRecord>& steps) {
  std::string out;
  for (const StepRecord& s : steps) {
    for (const char* list : {"backups", "exports"}) {
      const Value* items = s.outputs.Find(list);
      if (items == nullptr || !items->is_list()) continue;
      for (const Value& item : items->as_list()) {
        std::string arn = StringAt(item, "arn");
        if (arn.empty()) arn = StringAt(item, "export_arn");
        out += fmt::format("\n      {} {}", StringAt(item, "table"), arn);
      }
    }
  }
  return out;
}

}  // namespace

FlightPlan BuildFlightPlan(const PlanInput& input) {
  FlightPlan plan;
  plan.target = input.target;
  for (const std::string& line : input.cloud.tool_leftovers) {
    plan.warnings.push_back("left by AWS's migration tool: " + line);
  }
  int number = 0;
  for (const PlanStepSpec& spec : PlanSteps()) {
    PlanRow row;
    row.spec = spec;
    row.number = spec.extra ? 0 : ++number;
    // The rehearsal rows, and the clone and its cleanup themselves, run on
    // the clone's target.
    const bool clone_side = spec.on_clone || spec.workflow == "clone" || spec.workflow == "cleanup";
    const std::string& target = clone_side ? input.clone_target : input.target;
    row.available = std::find(input.known_workflows.begin(), input.known_workflows.end(),
                              spec.workflow) != input.known_workflows.end();
    if (!row.available) {
      row.state = "unavailable";
      row.detail = "not available in this version of flightplan";
      plan.rows.push_back(std::move(row));
      continue;
    }
    const std::string env =
        spec.on_clone ? (input.clone_env.empty() ? "<clone-env>" : input.clone_env) : input.env;
    row.command = PhaseCommand(spec, input.app_id, env, input.clone_env);
    auto it = target.empty() ? input.latest.end() : input.latest.find(spec.workflow + "@" + target);
    if (it == input.latest.end()) {
      row.state = "not-started";
      if (spec.on_clone && target.empty()) row.detail = "after the clone";
      if (spec.key == "lock" && input.cloud.read && input.cloud.locked) {
        row.state = "done";
        row.detail = fmt::format(
            "locked in the cloud ({} resources retained, root stack policy denies updates) "
            "though this state file has no run of it",
            input.cloud.locked_resources);
      }
      plan.rows.push_back(std::move(row));
      continue;
    }
    const RunRecord& run = it->second.first;
    row.run = run.id;
    switch (run.state) {
      case RunState::kSucceeded:
        row.state = "done";
        row.detail = Who(run);
        if (spec.key == "backup") row.detail += BackupDetail(it->second.second);
        if (spec.key == "drift") {
          for (const StepRecord& step : it->second.second) {
            std::string status = StringAt(step.outputs, "status");
            if (!status.empty()) row.detail += ": " + status;
          }
        }
        if (spec.key == "lock" && input.cloud.read && !input.cloud.locked) {
          row.detail += "; but the root stack policy no longer denies updates: run lock again";
          row.state = "drifted";
        }
        break;
      case RunState::kFailed:
        row.state = "failed";
        row.detail = Who(run);
        row.command = fmt::format("flightplan resume {}", run.id);
        break;
      case RunState::kPending:
      case RunState::kRunning:
        row.state = "unfinished";
        row.detail = Who(run) + ": interrupted, or running elsewhere (see `flightplan lease show`)";
        row.command = fmt::format("flightplan resume {}", run.id);
        break;
      case RunState::kRollingBack:
        row.state = "rolling-back";
        row.detail = Who(run);
        row.command = fmt::format("flightplan resume {}", run.id);
        break;
      case RunState::kRolledBack:
        row.state = "rolled-back";
        row.detail = Who(run);
        break;
      case RunState::kRollbackFailed:
        row.state = "rollback-failed";
        row.detail = Who(run) + ": the rollback FAILED; see `flightplan status " +
                     std::to_string(run.id) + "`";
        row.command = fmt::format("flightplan rollback {}", run.id);
        break;
    }
    plan.rows.push_back(std::move(row));
  }
  // `flightplan generate` (the command) journals nothing: a generate row
  // is done when the refactor that needs its code has run.
  for (size_t i = 0; i + 1 < plan.rows.size(); ++i) {
    PlanRow& row = plan.rows[i];
    const PlanRow& next = plan.rows[i + 1];
    if (row.spec.workflow == "generate" && row.state == "not-started" &&
        next.spec.workflow == "refactor" && next.state != "not-started" &&
        next.state != "unavailable") {
      row.state = "done";
      row.detail = "its refactor has run (it needs the generated, deployed code)";
    }
  }
  // Next: finish what is unfinished; otherwise the first of the nine not done.
  for (const PlanRow& row : plan.rows) {
    if (row.state == "failed" || row.state == "unfinished" || row.state == "rolling-back" ||
        row.state == "rollback-failed") {
      plan.next_command = row.command;
      plan.next_reason = fmt::format("{} is {}", row.spec.label, row.state);
      return plan;
    }
  }
  std::vector<std::string> unavailable;
  for (const PlanRow& row : plan.rows) {
    if (row.number == 0 || row.state == "done") continue;
    if (!row.available) {
      unavailable.push_back(row.spec.label);
      continue;
    }
    plan.next_command = row.command;
    plan.next_reason = row.spec.label;
    if (!unavailable.empty()) {
      plan.next_reason += fmt::format(" (before it, not available in this version: {})",
                                      fmt::join(unavailable, "; "));
    }
    return plan;
  }
  plan.next_reason = unavailable.empty()
                         ? "the migration is complete"
                         : fmt::format("nothing this version can do; still to do: {}",
                                       fmt::join(unavailable, "; "));
  return plan;
}

Value FlightPlan::ToJson() const {
  ValueList steps;
  for (const PlanRow& row : rows) {
    Value v(ValueMap{});
    v.Set("step", row.spec.key);
    if (row.number > 0) v.Set("number", row.number);
    v.Set("label", row.spec.label);
    v.Set("workflow", row.spec.workflow);
    v.Set("available", row.available);
    v.Set("state", row.state);
    v.Set("detail", row.detail);
    if (row.run) v.Set("run", static_cast<int64_t>(*row.run));
    v.Set("command", row.command);
    steps.push_back(std::move(v));
  }
  Value out(ValueMap{});
  out.Set("target", target);
  out.Set("steps", Value(std::move(steps)));
  Value next(ValueMap{});
  next.Set("command", next_command);
  next.Set("reason", next_reason);
  out.Set("next", std::move(next));
  ValueList warning_list;
  for (const std::string& w : warnings) warning_list.emplace_back(w);
  out.Set("warnings", Value(std::move(warning_list)));
  return out;
}

std::string FlightPlan::ToText() const {
  std::string out = fmt::format("flight plan of {}\n", target);
  for (const PlanRow& row : rows) {
    if (row.number == 1) out += "\n";
    if (row.number == 0 && row.spec.key == "drift") out += "\nalongside:\n";
    std::string n = row.number > 0 ? fmt::format("{}.", row.number) : " -";
    out += fmt::format("  {:<3} {:<48} {}\n", n, row.spec.label, row.state);
    if (!row.detail.empty()) out += fmt::format("      {}\n", row.detail);
  }
  out += "\n";
  for (const std::string& w : warnings) out += fmt::format("warning: {}\n", w);
  if (!next_command.empty()) {
    out += fmt::format("next: {}\n  {}\n", next_reason, next_command);
  } else {
    out += fmt::format("next: {}\n", next_reason);
  }
  return out;
}

}  // namespace flightplan::migration
