// Private to the Gen2 generator (steps/amplify/generate.cc and the files of
// steps/amplify/gen/): the state one run of GenerateGen2 shares between its
// category writers, the helpers they share, and the table of writers.
//
// One file per Gen1 category: gen/auth.cc (defineAuth and the user pool
// pins), gen/data.cc (defineData), gen/storage.cc (defineStorage and the
// DynamoDB tables), gen/function.cc (defineFunction, CDK functions, layers),
// gen/l1_copy.cc (every other category, copied as L1 CfnResources);
// gen/scaffold.cc writes the files every project has, gen/backend_ts.cc puts
// amplify/backend.ts together.
//
// Adding a Gen1 category means one new file plus a line in a table: write
// gen/<category>.cc defining a CategoryWriter (which resources it claims, the
// files it writes, what it adds to backend.ts) and list it in
// CategoryWriters() (gen/categories.cc); the rest is bookkeeping (its
// `extern` below, its source line in steps/amplify/CMakeLists.txt). Nothing
// else changes: resources no writer claims are copied into backend.ts as L1
// CfnResources, so none is silently dropped meanwhile.
//
// Thread-safety: a GenState belongs to one run on one thread.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_GEN_GENERATOR_STATE_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_GEN_GENERATOR_STATE_H_

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/value.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"
#include "steps/amplify/plan.h"

namespace flightplan::amplify::gen {

// A reference from a Gen1 template (Ref to a parameter, GetAtt) and the
// Gen2 TypeScript that replaces it.
using RefMap = std::map<std::string, std::string>;

// One run of the generator. Borrows the project and the options, which
// must outlive it; `files` collects the output.
struct GenState {
  GenState(const Gen1Project& gen1_project, const GenerateOptions& generate_options);

  // The TypeScript identifier of a resource (assigned before any writer runs).
  const std::string& Id(const Gen1Resource& r) const;
  // The Gen2 resource group ("auth", "data", "storage") a function joins, or "".
  std::string GroupOf(const std::string& function) const;
  // The plan entry of a resource (an empty plan when it has none).
  const ResourcePlan& PlanFor(const Gen1Resource& r) const;

  const Gen1Project& project;
  const GenerateOptions& options;
  const std::string branch;                   // the Gen2 branch that adopts the Gen1 model tables
  const Gen1Resource* const auth;             // MainAuth(project), or nullptr
  const Gen1Resource* const api;              // GraphQlApi(project), or nullptr
  const MigrationPlan plan;                   // PlanMigration(project)
  std::map<std::string, std::string> ids;     // "<category>/<name>" -> identifier
  std::map<std::string, std::string> groups;  // function name -> resource group
  GeneratedFiles files;
};

// amplify/backend.ts in parts, as the writers add to it.
struct BackendTs {
  std::string imports;               // import lines of the defineBackend members
  std::vector<std::string> members;  // defineBackend({ ... }) members, in order
  std::string body;                  // the statements after defineBackend
};

// What one Gen1 category contributes. Writers run in table order: first
// every write_files, then every write_backend, so the order of the table is
// the order of backend.ts. Null members contribute nothing.
struct CategoryWriter {
  std::string_view name;
  // Whether this writer generates `resource` (so it is not copied as L1).
  bool (*claims)(const Gen1Resource& resource);
  // Adds the category's own files (resource.ts, sources) to state.files.
  void (*write_files)(GenState& state);
  // Adds the category's imports, defineBackend members and statements.
  void (*write_backend)(GenState& state, BackendTs& backend);
};

extern const CategoryWriter kAuthWriter;      // gen/auth.cc
extern const CategoryWriter kDataWriter;      // gen/data.cc
extern const CategoryWriter kStorageWriter;   // gen/storage.cc
extern const CategoryWriter kFunctionWriter;  // gen/function.cc
extern const CategoryWriter kHostingWriter;   // gen/categories.cc
extern const CategoryWriter kL1CopyWriter;    // gen/l1_copy.cc, last: the rest

// Every writer, in the order backend.ts lists them.
std::span<const CategoryWriter* const> CategoryWriters();

// Whether any writer of the table claims `resource`.
bool IsClaimed(const Gen1Resource& resource);

// --- gen/scaffold.cc, gen/backend_ts.cc ---

// amplify/package.json, tsconfig.json, gen1/cfn.ts, migration.json and the
// root package.json.
void WriteScaffold(GenState& state);
// amplify/backend.ts from what the writers added.
std::string AssembleBackendTs(const BackendTs& backend);
// A Gen1 override.ts carried over verbatim (override.h), called with the
// Gen2 L1 resources under the names Gen1 gave them (name -> expression);
// An override.ts that is not carried over (another category, other imports,
// not parseable) is copied as a comment block marked NOT APPLIED, so it is
// never dropped; "" when the resource has no override.ts.
std::string OverrideSection(const GenState& state, const Gen1Resource& r,
                            const std::vector<std::pair<std::string, std::string>>& resources);
// An override.ts that Gen2 cannot apply, as a comment block under `label`.
std::string NotAppliedOverride(std::string_view label, std::string_view text);

// --- gen/references.cc: references between resources ---

// The Gen2 expression for a Gen1 dependency parameter "<cat><res><Attr>",
// or the deployed Gen1 value when `literal_only` (to avoid a dependency
// cycle between stacks), or nullopt.
std::optional<std::string> DependencyRef(const GenState& state, const std::string& param,
                                         bool literal_only);
// The Gen2 value of a Gen1 model table export
// (Fn::ImportValue "${api<name>GraphQLAPIIdOutput}:GetAtt:<Model>Table:<Attr>"),
// or the deployed Gen1 value when `literal_only`; nullopt when neither.
std::optional<std::string> ModelTableImport(const GenState& state, const Value& v,
                                            bool literal_only);
// Gen1 names a user pool group's role "<pool id>-<Group>GroupRole" (REST
// API policies attach to it by that name); Gen2 names it differently.
std::optional<std::string> GroupRoleName(const GenState& state, const Value& v);

// --- gen/l1_copy.cc: resources copied from a deployed Gen1 template ---

struct L1Copy {
  Value tmpl;                         // {"Resources": {...}} as written to amplify/gen1/<file>
  RefMap refs;                        // parameter -> TypeScript
  std::vector<std::string> names;     // logical ids named post-refactor
  std::vector<std::string> stateful;  // logical ids marked with their Gen1 identity
};

// Builds the copy of the deployed resources of `r` (all, or all but
// `skip`). Non-stateful physical names are dropped (Gen1 still holds them);
// stateful ones are dropped too and set again post-refactor.
L1Copy CopyResources(const GenState& state, const Gen1Resource& r,
                     const std::set<std::string>& skip, const RefMap& local_refs,
                     bool literal_only);
// Writes the copy to amplify/gen1/<category>-<name>.json and returns the
// backend.ts statement that adds it to `scope` (as `const <var>` unless
// `var` is empty).
std::string EmitL1(GenState& state, const Gen1Resource& r, const L1Copy& copy,
                   const std::string& scope, const std::string& var, bool keep_ids);

// --- gen/generator_state.cc: small helpers ---

// The Properties of a template resource, or nullptr.
const Value* Props(const Value& resource);
// A resource of the template of `r` (Gen1Resource::Template(): the
// deployed one, else the one amplify/backend/ keeps), or nullptr.
const Value* DeployedResource(const Gen1Resource& r, std::string_view logical_id);
// Properties that name a resource physically, by resource type; a copy must
// drop them before refactor (the Gen1 resource still holds the name).
const std::map<std::string, std::string, std::less<>>& NameProperties();
// A small decimal number; nullopt when `s` is not one (or is out of range).
std::optional<int> SmallNumber(const std::string& s);
std::string ListOf(const std::vector<std::string>& items, std::string_view sep = ", ");
// The string items of a list value (others skipped); empty for a non-list.
std::vector<std::string> Strings(const Value* v);

}  // namespace flightplan::amplify::gen

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_GEN_GENERATOR_STATE_H_
