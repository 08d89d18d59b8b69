#include "steps/migration/tool_leftovers.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"

namespace flightplan::migration {

using aws::StringAt;

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::vector<std::string> ToolLeftovers::Problems() const {
  std::vector<std::string> out;
  for (const HoldingStack& h : holding_stacks) {
    if (h.resources.empty()) continue;
    out.push_back(fmt::format(
        "stack {} was left by AWS's migration tool (`amplify gen2-migration refactor`) and "
        "holds {} resource(s) it moved there: {}. flightplan does not take over a move that "
        "tool started: finish or undo it with that tool (`amplify gen2-migration refactor "
        "--rollback`), then run flightplan's refactor again",
        h.name, h.resources.size(), fmt::join(h.resources, "; ")));
  }
  return out;
}

std::string ToolLeftovers::ToText() const {
  std::string out;
  for (const HoldingStack& h : holding_stacks) {
    out += h.resources.empty() ? fmt::format("holding stack {} ({}, empty): refactor deletes it\n",
                                             h.name, h.status)
                               : fmt::format("holding stack {} ({}) holds {} resource(s)\n", h.name,
                                             h.status, h.resources.size());
  }
  for (const ChangeSet& c : change_sets) {
    out +=
        fmt::format("change set {} on {} ({}): refactor deletes it\n", c.name, c.stack, c.status);
  }
  if (!environment_name.empty()) {
    out += fmt::format(
        "app variable {}={} (set by AWS's migration tool; flightplan does not use it — remove "
        "it in the Amplify console when no build reads it)\n",
        kToolEnvironmentVariable, environment_name);
  }
  return out;
}

Value ToolLeftovers::ToJson() const {
  ValueList stacks;
  for (const HoldingStack& h : holding_stacks) {
    Value v(ValueMap{});
    v.Set("name", h.name);
    v.Set("status", h.status);
    ValueList resources;
    for (const std::string& r : h.resources) resources.emplace_back(r);
    v.Set("resources", Value(std::move(resources)));
    stacks.push_back(std::move(v));
  }
  ValueList sets;
  for (const ChangeSet& c : change_sets) {
    Value v(ValueMap{});
    v.Set("stack", c.stack);
    v.Set("name", c.name);
    v.Set("status", c.status);
    sets.push_back(std::move(v));
  }
  Value out(ValueMap{});
  out.Set("holding_stacks", Value(std::move(stacks)));
  out.Set("change_sets", Value(std::move(sets)));
  out.Set("environment_name", environment_name);
  return out;
}

Result<ToolLeftovers> FindToolLeftovers(aws::AwsClient& client, Clock& clock,
                                        const std::string& app_id,
                                        const std::vector<std::string>& root_stacks,
                                        const std::vector<std::string>& stacks) {
  ToolLeftovers found;
  aws::AmplifyClient amplify(client);
  ASSIGN_OR_RETURN(Value app, amplify.GetApp(app_id));
  const Value* body = app.Find("app");
  const Value* variables = (body != nullptr ? *body : app).Find("environmentVariables");
  if (variables != nullptr && variables->is_map()) {
    found.environment_name = StringAt(*variables, kToolEnvironmentVariable);
  }

  aws::CloudFormationClient cfn(client, clock);
  ASSIGN_OR_RETURN(ValueList summaries, cfn.ListStacks());
  for (const Value& s : summaries) {
    std::string name = StringAt(s, "StackName");
    std::string status = StringAt(s, "StackStatus");
    if (status == "DELETE_COMPLETE" || !EndsWith(name, kToolHoldingSuffix)) continue;
    bool ours = false;
    for (const std::string& root : root_stacks) ours = ours || StartsWith(name, root + "-");
    if (!ours) continue;
    ToolLeftovers::HoldingStack holding{name, status, {}};
    ASSIGN_OR_RETURN(ValueList resources, cfn.ListStackResources(name));
    for (const Value& r : resources) {
      holding.resources.push_back(fmt::format("{} ({}) {}", StringAt(r, "LogicalResourceId"),
                                              StringAt(r, "ResourceType"),
                                              StringAt(r, "PhysicalResourceId")));
    }
    found.holding_stacks.push_back(std::move(holding));
  }
  for (const std::string& stack : stacks) {
    ASSIGN_OR_RETURN(ValueList sets, cfn.ListChangeSets(stack));
    for (const Value& c : sets) {
      std::string name = StringAt(c, "ChangeSetName");
      if (!StartsWith(name, kToolChangeSetPrefix)) continue;
      found.change_sets.push_back({stack, name, StringAt(c, "ExecutionStatus")});
    }
  }
  return found;
}

Result<Value> ClearToolLeftovers(aws::AwsClient& client, Clock& clock, const ToolLeftovers& found,
                                 const aws::WaitOptions& wait) {
  aws::CloudFormationClient cfn(client, clock);
  ValueList stacks;
  ValueList change_sets;
  for (const ToolLeftovers::ChangeSet& c : found.change_sets) {
    if (c.status == "EXECUTE_IN_PROGRESS") continue;
    Result<void> deleted = cfn.DeleteChangeSet(c.name, c.stack);
    if (!deleted && deleted.error().code() != ErrorCode::kNotFound) {
      return tl::unexpected(deleted.error());
    }
    change_sets.emplace_back(c.stack + "/" + c.name);
  }
  for (const ToolLeftovers::HoldingStack& h : found.holding_stacks) {
    if (!h.resources.empty()) continue;
    TRY(cfn.DeleteStack(h.name, ""));
    TRY(cfn.WaitForStackDeleted(h.name, wait));
    stacks.emplace_back(h.name);
  }
  Value out(ValueMap{});
  out.Set("stacks", Value(std::move(stacks)));
  out.Set("change_sets", Value(std::move(change_sets)));
  return out;
}

}  // namespace flightplan::migration
