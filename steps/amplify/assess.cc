#include "steps/amplify/assess.h"

#include <fmt/format.h>

#include "steps/amplify/plan.h"

namespace flightplan::amplify {
namespace {

Value Findings(const std::vector<Finding>& findings) {
  ValueList out;
  for (const Finding& f : findings) {
    Value item;
    item.Set("message", Value(f.message));
    item.Set("doc", Value(f.doc));
    out.push_back(std::move(item));
  }
  return Value(std::move(out));
}

std::string Cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Value AssessJson(const Gen1Project& project) {
  MigrationPlan plan = PlanMigration(project);
  ValueList resources;
  for (const ResourcePlan& p : plan.resources) {
    ValueList stateful;
    for (const StatefulResource& s : p.stateful) {
      Value item;
      item.Set("logicalId", Value(s.logical_id));
      item.Set("type", Value(s.type));
      item.Set("physicalId", Value(s.physical_id));
      item.Set("moved", Value(s.moved));
      stateful.push_back(std::move(item));
    }
    Value item;
    item.Set("category", Value(p.resource->category));
    item.Set("name", Value(p.resource->name));
    item.Set("service", Value(p.resource->service));
    item.Set("generation", Value(GenerationName(p.generation)));
    item.Set("target", Value(p.target));
    item.Set("stateful", Value(std::move(stateful)));
    item.Set("manual", Findings(p.manual));
    item.Set("blockers", Findings(p.blockers));
    resources.push_back(std::move(item));
  }
  ValueList warnings;
  for (const std::string& w : project.warnings) warnings.push_back(Value(w));
  Value out;
  out.Set("project", Value(project.project_name));
  out.Set("env", Value(project.env_name));
  out.Set("stackName", Value(StringField(project.provider, "StackName")));
  out.Set("resources", Value(std::move(resources)));
  out.Set("warnings", Value(std::move(warnings)));
  out.Set("blocked", Value(plan.HasBlockers()));
  if (!plan.project_manual.empty()) out.Set("manual", Findings(plan.project_manual));
  if (!project.has_deployed_state) {
    ValueList approximate;
    for (const std::string& a : project.approximations) approximate.push_back(Value(a));
    out.Set("deployedState", Value(false));
    out.Set("approximate", Value(std::move(approximate)));
  }
  return out;
}

std::string AssessMarkdown(const Gen1Project& project) {
  MigrationPlan plan = PlanMigration(project);
  std::string out =
      fmt::format("# Migration assessment: {} ({})\n\n", project.project_name, project.env_name);
  std::string stack = StringField(project.provider, "StackName");
  if (!stack.empty()) out += fmt::format("Root stack `{}`.\n\n", stack);
  out += plan.HasBlockers()
             ? "**Blocked**: resolve the blockers below before `flightplan generate`.\n\n"
             : "No blockers: `flightplan generate` can write the Gen2 backend.\n\n";
  out +=
      "## Resources\n\n| category | resource | service | generated as | stateful resources moved "
      "by refactor |\n|---|---|---|---|---|\n";
  for (const ResourcePlan& p : plan.resources) {
    std::string stateful;
    for (const StatefulResource& s : p.stateful) {
      if (!stateful.empty()) stateful += "<br>";
      stateful +=
          fmt::format("{} `{}`{}", s.type, s.physical_id.empty() ? s.logical_id : s.physical_id,
                      s.moved ? "" : " (used in place, not moved)");
    }
    out +=
        fmt::format("| {} | {} | {} | {} ({}) | {} |\n", Cell(p.resource->category),
                    Cell(p.resource->name), Cell(p.resource->service), GenerationName(p.generation),
                    Cell(p.target), stateful.empty() ? "—" : stateful);
  }
  auto section = [&](std::string_view title, auto member) {
    std::string body;
    for (const ResourcePlan& p : plan.resources) {
      for (const Finding& f : p.*member) {
        body += fmt::format("- **{}/{}**: {} ([details]({}))\n", p.resource->category,
                            p.resource->name, f.message, f.doc);
      }
    }
    if (!body.empty()) out += fmt::format("\n## {}\n\n{}", title, body);
  };
  if (!project.approximations.empty()) {
    out += "\n## Approximate without deployed state\n\n";
    for (const std::string& a : project.approximations) out += fmt::format("- {}\n", a);
  }
  section("Blockers", &ResourcePlan::blockers);
  section("Manual work", &ResourcePlan::manual);
  if (!plan.project_manual.empty()) {
    if (out.find("\n## Manual work\n") == std::string::npos) out += "\n## Manual work\n\n";
    for (const Finding& f : plan.project_manual) {
      out += fmt::format("- **project**: {} ([details]({}))\n", f.message, f.doc);
    }
  }
  if (!project.warnings.empty()) {
    out += "\n## Warnings\n\n";
    for (const std::string& w : project.warnings) out += fmt::format("- {}\n", w);
  }
  return out;
}

}  // namespace flightplan::amplify
