// The generator's driver: names every resource, then runs the category
// writers of steps/amplify/gen/ (generator_state.h) in table order.
#include "steps/amplify/generate.h"

#include <fmt/format.h>

#include <set>
#include <span>
#include <utility>

#include "steps/amplify/gen/generator_state.h"
#include "steps/amplify/gen1_facts.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify {
namespace gen {
namespace {

// A TypeScript identifier for every resource, unique in backend.ts.
Result<void> AssignIdentifiers(GenState& state) {
  std::set<std::string> used = {"backend",   "auth",         "data",      "storage",
                                "migration", "postRefactor", "gen1Names", "refs"};
  for (const Gen1Resource& r : state.project.resources) {
    std::string id = TsIdentifier(r.name);
    if (r.category == "storage" && r.service != "S3") id = TsIdentifier(r.name + "Table");
    if (r.category != "function" && r.category != "storage") {
      id = TsIdentifier(r.category + "_" + r.name);
    }
    if (r.category == "storage" && r.service == "S3") id = TsIdentifier(r.name + "Bucket");
    if (!used.insert(id).second) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}/{}: its TypeScript name \"{}\" collides with "
                                   "another resource; rename one of them in Gen1",
                                   r.category, r.name, id));
    }
    state.ids[r.category + "/" + r.name] = id;
  }
  return {};
}

// Which Gen2 stack ("resource group") each function joins, so that no two
// stacks depend on each other: auth triggers live with auth, S3 triggers
// with storage, functions the API calls or that read the API with data.
void ClassifyFunctionGroups(GenState& state) {
  if (state.auth) {
    for (const auto& [event, fn] : AuthTriggers(state.project, *state.auth))
      state.groups[fn] = "auth";
  }
  for (const Gen1Resource* s : state.project.OfCategory("storage")) {
    std::string trigger = StringField(s->cli_inputs, "triggerFunction");
    if (s->service == "S3" && !trigger.empty() && trigger != "NONE") {
      state.groups.emplace(trigger, "storage");
    }
  }
  if (state.api) {
    for (const std::string& fn : SchemaFunctionNames(state.api->graphql_schema)) {
      if (state.project.Find("function", fn)) state.groups.emplace(fn, "data");
    }
  }
  for (const Gen1Resource* fn : state.project.OfCategory("function")) {
    const Value* deps = fn->config.Find("dependsOn");
    if (!deps || !deps->is_list()) continue;
    for (const Value& d : deps->as_list()) {
      if (StringField(d, "category") == "api" && state.api &&
          StringField(d, "resourceName") == state.api->name) {
        state.groups.emplace(fn->name, "data");
      }
    }
  }
}

}  // namespace
}  // namespace gen

std::string_view RefactorPhaseName(RefactorPhase phase) {
  return phase == RefactorPhase::kPostRefactor ? "post-refactor" : "pre-refactor";
}

const std::map<std::string, std::string>& PinnedToolchain() {
  static const std::map<std::string, std::string> kPinned = {
      {"@aws-amplify/backend", "1.25.1"},
      {"@aws-amplify/backend-cli", "1.10.0"},
      {"@types/node", "20.19.43"},
      {"aws-cdk-lib", "2.276.0"},
      {"constructs", "10.8.1"},
      {"esbuild", "0.28.2"},
      {"tsx", "4.23.15"},
      {"typescript", "5.9.3"},
  };
  return kPinned;
}

Result<GeneratedFiles> GenerateGen2(const Gen1Project& project, const GenerateOptions& options) {
  gen::GenState state(project, options);
  TRY(gen::AssignIdentifiers(state));
  gen::ClassifyFunctionGroups(state);
  gen::WriteScaffold(state);
  const std::span<const gen::CategoryWriter* const> writers = gen::CategoryWriters();
  for (const gen::CategoryWriter* writer : writers) {
    if (writer->write_files) writer->write_files(state);
  }
  gen::BackendTs backend;
  for (const gen::CategoryWriter* writer : writers) {
    if (writer->write_backend) writer->write_backend(state, backend);
  }
  if (!project.project_override.empty()) {
    backend.body += gen::NotAppliedOverride("project (amplify/backend/awscloudformation)",
                                            project.project_override);
  }
  state.files["amplify/backend.ts"] = gen::AssembleBackendTs(backend);
  return std::move(state.files);
}

}  // namespace flightplan::amplify
