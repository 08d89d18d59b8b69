// amplify/backend.ts: the migration phase switch, defineBackend with the
// members the category writers name, then their statements.
#include <fmt/format.h>

#include <optional>

#include "steps/amplify/gen/generator_state.h"
#include "steps/amplify/override.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify::gen {

std::string AssembleBackendTs(const BackendTs& backend) {
  // Import exactly what the body uses, in a fixed order.
  std::vector<std::string> cdk;
  for (const auto& [name, marker] :
       std::vector<std::pair<std::string, std::string>>{{"Duration", "Duration."},
                                                        {"RemovalPolicy", "RemovalPolicy."},
                                                        {"Token", "Token."},
                                                        {"aws_iam as iam", "new iam."},
                                                        {"aws_lambda as lambda", "new lambda."}}) {
    if (backend.body.find(marker) != std::string::npos) cdk.push_back(name);
  }
  std::string cdk_imports =
      cdk.empty() ? "" : fmt::format("import {{ {} }} from 'aws-cdk-lib';\n", ListOf(cdk));
  std::string header = fmt::format(
      "import {{ readFileSync }} from 'node:fs';\n"
      "{}"
      "import {{ defineBackend }} from '@aws-amplify/backend';\n"
      "{}"
      "import {{ addGen1Resources, readGen1Template }} from './gen1/cfn';\n"
      "{}\n"
      "// amplify/migration.json says whether the Gen1 stateful resources have\n"
      "// been moved into this backend (flightplan refactor flips \"phase\").\n"
      "// Before: Gen2 creates its own, differently named. After: the code names\n"
      "// each moved resource exactly as deployed and retains it.\n"
      "type Migration = {{\n"
      "  phase: 'pre-refactor' | 'post-refactor';\n"
      "  gen1: {{ env: string; resources: Record<string, {{ name: string }}> }};\n"
      "}};\n"
      "const migration = JSON.parse(\n"
      "  readFileSync(new URL('./migration.json', import.meta.url), 'utf8'),\n"
      ") as Migration;\n"
      "const postRefactor = migration.phase === 'post-refactor';\n"
      "const gen1Name = (key: string): string => {{\n"
      "  const resource = migration.gen1.resources[key];\n"
      "  if (!resource) throw new Error(`amplify/migration.json names no Gen1 resource "
      "${{key}}`);\n"
      "  return resource.name;\n"
      "}};\n\n"
      "const backend = defineBackend({{\n",
      backend.body.find("fileURLToPath(") != std::string::npos
          ? "import { fileURLToPath } from 'node:url';\n"
          : "",
      cdk_imports, backend.imports);
  for (const std::string& m : backend.members) header += fmt::format("  {},\n", m);
  header += "});\n\n";
  std::string out = header + backend.body;
  while (out.ends_with("\n\n")) out.pop_back();
  return out;
}

std::string NotAppliedOverride(std::string_view label, std::string_view text) {
  std::string out = fmt::format(
      "// --- {}: Gen1 override.ts, NOT APPLIED ---\n"
      "// Gen2 has no resources under the names it changes; `flightplan assess`\n"
      "// lists it as manual work. Port it to the Gen2 resources by hand:\n",
      label);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    out += line.empty() ? "//\n" : fmt::format("//   {}\n", line);
    start = end + 1;
  }
  return out + "\n";
}

std::string OverrideSection(const GenState& state, const Gen1Resource& r,
                            const std::vector<std::pair<std::string, std::string>>& resources) {
  if (!r.has_override) return "";
  if (!OverrideIsCarriedOver(r)) {
    Result<std::string> text = ReadTextFile(r.dir / "override.ts");
    return text ? NotAppliedOverride(r.category + " " + r.name, *text) : "";
  }
  std::optional<Gen1Override> parsed = ReadOverride(r);
  if (!parsed) return "";
  std::string fn = "gen1Override_" + r.category + "_" + state.Id(r);
  std::string params;
  std::string args;
  std::string members;
  for (const auto& [name, expr] : resources) members += fmt::format("      {}: {},\n", name, expr);
  if (!parsed->parameters.empty()) {
    params += fmt::format("  {}: any,\n", parsed->parameters[0]);
    args += fmt::format("    {{\n{}    }},\n", members);
  }
  if (parsed->parameters.size() > 1) {
    params +=
        fmt::format("  {}: {{ envName: string; projectName: string }},\n", parsed->parameters[1]);
    args += fmt::format("    {{ envName: migration.gen1.env, projectName: {} }},\n",
                        TsString(state.project.project_name));
  }
  std::string body = parsed->body;
  while (!body.empty() && body.front() == '\n') body.erase(body.begin());
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
  return fmt::format(
      "// --- {0} {1}: Gen1 override.ts, carried over verbatim ---\n"
      "// Gen1 called override() with its CloudFormation resources; the same L1\n"
      "// resources of this backend are passed under Gen1's names. `flightplan\n"
      "// assess` lists it as manual work: review it.\n"
      "// eslint-disable-next-line @typescript-eslint/no-explicit-any\n"
      "function {2}(\n{3}): void {{\n{4}\n}}\n"
      "try {{\n  {2}(\n{5}  );\n}} catch (error) {{\n"
      "  throw new Error(`the Gen1 override of {0}/{1} fails on the Gen2 resources "
      "(amplify/backend.ts): ${{String(error)}}`);\n}}\n\n",
      r.category, r.name, fn, params, body, args);
}

}  // namespace flightplan::amplify::gen
