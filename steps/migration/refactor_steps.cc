// migration.refactor-plan: everything the refactor needs to know and check
// before any change, found by reading only, journaled as the plan the
// later refactor steps follow.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/file_io.h"
#include "steps/amplify/ts_emit.h"
#include "steps/amplify/verify.h"
#include "steps/aws/cloudformation.h"
#include "steps/aws/values.h"
#include "steps/migration/apply_template.h"
#include "steps/migration/lock.h"
#include "steps/migration/refactor_hosted_ui.h"
#include "steps/migration/refactor_plan.h"
#include "steps/migration/refactor_support.h"
#include "steps/migration/register_parts.h"
#include "steps/migration/step_support.h"
#include "steps/migration/tool_leftovers.h"

namespace flightplan::migration {
namespace {

using aws::StringAt;

// A migration.json larger than this is not one flightplan wrote.
constexpr std::uintmax_t kMaxMigrationJsonBytes = 1 << 20;

std::vector<FieldSpec> RefactorFields() {
  std::vector<FieldSpec> fields = EnvFields();
  fields.push_back({"to_branch",
                    FieldType::kString,
                    true,
                    "the Amplify branch whose Gen2 backend receives the resources",
                    {}});
  fields.push_back({"project",
                    FieldType::kString,
                    true,
                    "the generated Gen2 project (its amplify/migration.json)",
                    {}});
  return fields;
}

struct Findings {
  Gen1Environment gen1;
  std::string gen2_root_stack;
  RefactorPlan plan;
  std::vector<std::string> notes;  // for the operator, after the plan

  std::string Text() const {
    std::string out = plan.ToText();
    for (const std::string& n : notes) out += "note: " + n + "\n";
    return out;
  }
};

// The project's amplify/migration.json: for this environment, and which
// phase. Problems are appended; returns the file's JSON (null when absent).
Value CheckProject(const std::string& project, const EnvInputs& env,
                   std::vector<std::string>& problems) {
  std::filesystem::path path = std::filesystem::path(project) / "amplify" / "migration.json";
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    problems.push_back(fmt::format(
        "{} is missing: run refactor from the root of the Gen2 project `flightplan generate` "
        "wrote for {} (or name it with --project)",
        path.string(), env.Describe()));
    return Value();
  }
  if (size > kMaxMigrationJsonBytes) {
    problems.push_back(
        fmt::format("{} is {} bytes: not a file flightplan wrote", path.string(), size));
    return Value();
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  Result<Value> json = Value::FromJson(text.str());
  if (!json || !json->is_map()) {
    problems.push_back(
        fmt::format("{} is not JSON: regenerate it with `flightplan generate`", path.string()));
    return Value();
  }
  const Value* gen1 = json->Find("gen1");
  std::string generated_for = gen1 ? StringAt(*gen1, "env") : "";
  if (generated_for != env.env) {
    problems.push_back(fmt::format(
        "{} was generated for environment '{}', not '{}': generate the Gen2 code for '{}' and "
        "deploy it to the branch first",
        path.string(), generated_for, env.env, env.env));
  }
  return *json;
}

// A Gen1 pool with a hosted UI domain (made by a Gen1 custom resource,
// recorded by generate in migration.json) moves with its domain, and the
// Gen2 domain declared on the pool it takes the place of is taken out at
// relink (refactor_hosted_ui.h): what the plan tells the operator.
std::vector<std::string> HostedUiDomainNotes(const Value& migration,
                                             const std::vector<EnvStack>& gen2,
                                             const std::vector<RefactorMove>& moves) {
  std::vector<std::string> notes;
  const Value* gen1 = migration.is_map() ? migration.Find("gen1") : nullptr;
  const Value* domains = gen1 ? gen1->Find("hostedUIDomains") : nullptr;
  if (!domains || !domains->is_map() || domains->as_map().empty()) return notes;
  for (const RefactorMove& m : moves) {
    if (m.type != "AWS::Cognito::UserPool") continue;
    std::string auth = m.key.substr(0, m.key.rfind('/'));
    const Value* domain = domains->Find(auth);
    if (!domain || !domain->is_string()) continue;
    std::string gen2_domain;
    for (const EnvStack& stack : gen2) {
      if (stack.name != m.destination_stack) continue;
      Result<Value> tmpl = Value::FromJson(stack.template_body);
      const Value* resources = tmpl ? tmpl->Find("Resources") : nullptr;
      if (!resources || !resources->is_map()) continue;
      for (const auto& [id, def] : resources->as_map()) {
        const Value* props = def.Find("Properties");
        const Value* pool = props ? props->Find("UserPoolId") : nullptr;
        const Value* ref = pool ? pool->Find("Ref") : nullptr;
        if (StringAt(def, "Type") == "AWS::Cognito::UserPoolDomain" && ref && ref->is_string() &&
            ref->as_string() == m.destination_logical_id) {
          gen2_domain = fmt::format("; Gen2's own domain {} ({}) is taken out of {} at relink", id,
                                    StringAt(*props, "Domain"), stack.Label());
        }
      }
    }
    notes.push_back(fmt::format(
        "hosted UI domain '{}' stays on user pool {}, which keeps it in Gen2 (its Gen1 custom "
        "resource stays in {} with the pool id literal){}",
        domain->as_string(), m.physical_id, m.source_stack, gen2_domain));
  }
  return notes;
}

// A refactor step that reads both sides: the Gen1 environment and the
// backend stack tree of the Gen2 branch named by `to_branch`.
class BothSidesStep : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;

 protected:
  struct Sides {
    Gen1Environment gen1;
    std::vector<EnvStack> gen2;  // the branch's backend stack first
  };
  Result<Sides> ReadSides(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    std::string branch = InputString(inputs, "to_branch");
    if (branch.empty()) {
      return MakeError(ErrorCode::kInvalidInput, "to_branch names the Gen2 branch: it is empty");
    }
    Sides sides;
    ASSIGN_OR_RETURN(sides.gen1, Discover(env, ctx));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(StatefulTypes stateful, Stateful(env));
    ASSIGN_OR_RETURN(std::vector<AppBranch> branches,
                     DiscoverBranches(*client, *ctx.clock, env.app_id, sides.gen1.root_stack));
    const AppBranch* target = nullptr;
    for (const AppBranch& b : branches) {
      if (b.name == branch) target = &b;
    }
    if (target == nullptr || target->stack_arn.empty() || !target->gen2) {
      return MakeError(
          ErrorCode::kStepFailed,
          fmt::format("app {} has no Gen2 branch '{}' with a deployed backend: deploy the Gen2 "
                      "project to it first (push the branch and let Amplify build it, or `npx "
                      "ampx pipeline-deploy --branch {} --app-id {}`), then run refactor again",
                      env.app_id, branch, branch, env.app_id));
    }
    ASSIGN_OR_RETURN(sides.gen2,
                     DiscoverStackTree(*client, *ctx.clock, target->stack_arn, stateful));
    return sides;
  }
  // What AWS's migration tool left around both sides.
  Result<ToolLeftovers> Leftovers(const Value& inputs, const Sides& sides, StepContext& ctx) const {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    std::vector<std::string> stacks;
    for (const EnvStack& s : sides.gen1.stacks) stacks.push_back(s.name);
    for (const EnvStack& s : sides.gen2) stacks.push_back(s.name);
    return FindToolLeftovers(*client, *ctx.clock, env.app_id,
                             {sides.gen1.root_stack, sides.gen2.front().name}, stacks);
  }
};

class RefactorPlanStep final : public BothSidesStep {
 public:
  using BothSidesStep::BothSidesStep;
  std::string_view name() const override { return "migration.refactor-plan"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Plan the refactor and check everything before any change: the source locked, every "
        "stack deployable and without a stack policy, the Gen2 branch deployed from code "
        "generated for this environment, one destination per stateful resource",
        RefactorFields(),
        {{"plan", FieldType::kMap, false, "the moves, what stays and why (refactor_plan.h)", {}},
         {"gen2_root_stack", FieldType::kString, false, "the Gen2 branch's backend stack", {}},
         {"deployment_bucket", FieldType::kString, false, "the Gen1 deployment bucket", {}},
         {"moves", FieldType::kInteger, false, "how many resources move", {}}},
        false,
        true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format("plan the refactor of {} into branch {} and check it",
                       ReadEnvInputs(inputs) ? ReadEnvInputs(inputs)->Describe() : "the source",
                       InputString(inputs, "to_branch"));
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Findings found, Find(inputs, ctx));
    return found.Text();
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Findings found, Find(inputs, ctx));
    if (!found.plan.ok()) {
      std::string list;
      for (size_t i = 0; i < found.plan.problems.size(); ++i) {
        list += fmt::format("\n  {}. {}", i + 1, found.plan.problems[i]);
      }
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("the refactor cannot start; nothing was changed:{}", list));
    }
    if (ctx.progress != nullptr) ctx.progress->Progress(found.Text());
    Value out(ValueMap{});
    out.Set("plan", found.plan.ToJson());
    out.Set("gen2_root_stack", found.gen2_root_stack);
    out.Set("deployment_bucket", found.gen1.deployment_bucket);
    out.Set("moves", static_cast<int64_t>(found.plan.moves.size()));
    return out;
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "it only reads; reading again"};
  }

 private:
  Result<Findings> Find(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(Sides sides, ReadSides(inputs, ctx));
    Findings found;
    found.gen1 = std::move(sides.gen1);
    const std::vector<EnvStack>& gen2 = sides.gen2;
    found.gen2_root_stack = gen2.front().name;
    found.plan = PlanRefactor(found.gen1, gen2);
    std::vector<std::string>& problems = found.plan.problems;

    aws::CloudFormationClient cfn(*client, *ctx.clock);
    ASSIGN_OR_RETURN(std::string root_policy, cfn.GetStackPolicy(found.gen1.root_stack));
    if (!HasLockStatement(root_policy)) {
      problems.push_back(fmt::format(
          "environment '{}' is not locked (the root stack policy has no flightplan lock "
          "statement): run `flightplan lock --app-id {} --env {}` first",
          env.env, env.app_id, env.env));
    }
    auto check_status = [&](const EnvStack& s, const char* side) {
      if (!DeployableStatus(s.status)) {
        problems.push_back(
            fmt::format("{} {} is {}: it must be UPDATE_COMPLETE, CREATE_COMPLETE "
                        "or UPDATE_ROLLBACK_COMPLETE before refactor",
                        side, s.Label(), s.status));
      }
    };
    for (const EnvStack& s : found.gen1.stacks) check_status(s, "Gen1");
    for (const EnvStack& s : gen2) check_status(s, "Gen2");
    // Stack refactoring refuses a stack that has a policy attached.
    std::set<std::string> involved;
    for (const RefactorMove& m : found.plan.moves) {
      involved.insert(m.source_stack);
      involved.insert(m.destination_stack);
    }
    for (const std::string& stack : involved) {
      ASSIGN_OR_RETURN(std::string policy, cfn.GetStackPolicy(stack));
      if (!policy.empty()) {
        problems.push_back(fmt::format(
            "stack {} has a stack policy, and CloudFormation's stack refactoring refuses stacks "
            "with one (a policy can be replaced but never removed): move the resources by hand "
            "or ask AWS support to remove it",
            stack));
      }
    }
    Value migration = CheckProject(InputString(inputs, "project"), env, problems);
    found.notes = HostedUiDomainNotes(migration, gen2, found.plan.moves);
    sides.gen1 = found.gen1;
    ASSIGN_OR_RETURN(ToolLeftovers leftovers, Leftovers(inputs, sides, ctx));
    for (std::string& p : leftovers.Problems()) problems.push_back(std::move(p));
    return found;
  }
};

// ---------------------------------------------------------------- rescue

// migration.refactor-rescue: removes what AWS's migration tool left behind
// and holds nothing (tool_leftovers.h), so that nothing in the account can
// block the refactor or confuse whoever looks at it later.
class RescueStep final : public BothSidesStep {
 public:
  using BothSidesStep::BothSidesStep;
  std::string_view name() const override { return "migration.refactor-rescue"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Remove what AWS's migration tool left half-way and that holds nothing: empty "
        "`-holding` stacks in REVIEW_IN_PROGRESS and `gen2-migration-*` change sets",
        RefactorFields(),
        {{"found", FieldType::kMap, false, "the leftovers found (tool_leftovers.h)", {}},
         {"removed", FieldType::kMap, false, "the stacks and change sets deleted", {}}},
        false,
        true};
    return kSchema;
  }
  std::string Describe(const Value&) const override {
    return "remove what AWS's migration tool left behind and holds nothing";
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ToolLeftovers found, Find(inputs, ctx));
    return found.empty() ? std::string("nothing left by AWS's migration tool") : found.ToText();
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(ToolLeftovers found, Find(inputs, ctx));
    if (!found.empty() && ctx.progress != nullptr) ctx.progress->Progress(found.ToText());
    ASSIGN_OR_RETURN(Value removed,
                     ClearToolLeftovers(*client, *ctx.clock, found, StepWaitOptions(ctx)));
    Value out(ValueMap{});
    out.Set("found", found.ToJson());
    out.Set("removed", std::move(removed));
    return out;
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ToolLeftovers found, Find(inputs, ctx));
    for (const ToolLeftovers::HoldingStack& h : found.holding_stacks) {
      if (h.resources.empty()) {
        return CheckResult{CheckOutcome::kNotDone, Value(), h.name + " is still there"};
      }
    }
    if (!found.change_sets.empty()) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         found.change_sets.front().name + " is still there"};
    }
    return CheckResult{CheckOutcome::kNotDone, Value(),
                       "nothing is left to remove; looking again records what there is"};
  }

 private:
  Result<ToolLeftovers> Find(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(Sides sides, ReadSides(inputs, ctx));
    return Leftovers(inputs, sides, ctx);
  }
};

// ---------------------------------------------------------------- flip

constexpr std::chrono::seconds kSynthesisTimeout{600};

// Reads amplify/migration.json of `project`.
Result<Value> ReadMigrationJson(const std::filesystem::path& project) {
  std::filesystem::path path = project / "amplify" / "migration.json";
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  if (text.size() > kMaxMigrationJsonBytes) {
    return MakeError(ErrorCode::kInvalidInput, path.string() + " is too large to be flightplan's");
  }
  Result<Value> json = Value::FromJson(text);
  if (!json || !json->is_map()) {
    return MakeError(ErrorCode::kInvalidInput,
                     path.string() + " is not JSON: regenerate it with `flightplan generate`");
  }
  return *json;
}

// Sets "phase" of the project's migration.json (as generate writes it),
// atomically; nothing when it already says so.
Result<void> SetPhase(const std::filesystem::path& project, const std::string& phase) {
  ASSIGN_OR_RETURN(Value json, ReadMigrationJson(project));
  if (StringAt(json, "phase") == phase) return {};
  json.Set("phase", phase);
  return WriteFileAtomically(project / "amplify" / "migration.json", amplify::PrettyJson(json),
                             0644);
}

// Every string inside `v` (for TemplateURL's Fn::Join parts).
void Strings(const Value& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    out.push_back(v.as_string());
  } else if (v.is_list()) {
    for (const Value& item : v.as_list()) Strings(item, out);
  } else if (v.is_map()) {
    for (const auto& [key, item] : v.as_map()) Strings(item, out);
  }
}

// The synthesized nested template of the Gen2 root's nested stack
// `logical_id`: its TemplateURL ends in the asset's object key, which the
// cloud assembly's *.assets.json maps to the file it was made from.
Result<std::string> SynthesizedNestedTemplate(const std::filesystem::path& out_dir,
                                              const std::string& logical_id) {
  std::map<std::string, std::string> files;  // object key -> file
  std::vector<std::filesystem::path> roots;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir, ec)) {
    std::string file = entry.path().filename().string();
    if (file.ends_with(".assets.json")) {
      ASSIGN_OR_RETURN(std::string text, ReadFile(entry.path()));
      Result<Value> assets = Value::FromJson(text);
      const Value* listed = assets ? assets->Find("files") : nullptr;
      if (!listed || !listed->is_map()) continue;
      for (const auto& [hash, asset] : listed->as_map()) {
        const Value* source = asset.Find("source");
        std::string path = source ? StringAt(*source, "path") : "";
        const Value* destinations = asset.Find("destinations");
        if (path.empty() || !destinations || !destinations->is_map()) continue;
        for (const auto& [name, destination] : destinations->as_map()) {
          std::string key = StringAt(destination, "objectKey");
          if (!key.empty()) files[key] = path;
        }
      }
    } else if (file.ends_with(".template.json") && !file.ends_with(".nested.template.json")) {
      roots.push_back(entry.path());
    }
  }
  for (const std::filesystem::path& root_path : roots) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(root_path));
    Result<Value> root = Value::FromJson(text);
    const Value* resources = root ? root->Find("Resources") : nullptr;
    const Value* stack = resources ? resources->Find(logical_id) : nullptr;
    const Value* props = stack ? stack->Find("Properties") : nullptr;
    const Value* url = props ? props->Find("TemplateURL") : nullptr;
    if (!url) continue;
    std::vector<std::string> parts;
    Strings(*url, parts);
    for (const std::string& part : parts) {
      size_t slash = part.rfind('/');
      std::string key = slash == std::string::npos ? part : part.substr(slash + 1);
      auto it = files.find(key);
      if (it != files.end()) return ReadFile(out_dir / it->second);
    }
  }
  return MakeError(ErrorCode::kStepFailed,
                   fmt::format("the synthesized Gen2 backend has no nested stack {}: the code no "
                               "longer matches the deployed branch; deploy it once more before "
                               "refactor",
                               logical_id));
}

std::vector<FieldSpec> FlipFields() {
  std::vector<FieldSpec> fields = RefactorRunFields();
  fields.push_back({"to_branch", FieldType::kString, true, "the Gen2 branch", {}});
  fields.push_back({"project", FieldType::kString, true, "the generated Gen2 project", {}});
  fields.push_back(
      {"gen2_root_stack", FieldType::kString, true, "the Gen2 branch's backend stack", {}});
  return fields;
}

class FlipStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.refactor-flip"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Switch the Gen2 code to post-refactor (amplify/migration.json) and prove with a change "
        "set per Gen2 stack that the next deploy replaces and removes none of the moved "
        "resources",
        FlipFields(),
        {{"proof",
          FieldType::kString,
          false,
          "what the next Gen2 deploy does to each moved "
          "resource",
          {}}},
        true,
        true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format(
        "set {}/amplify/migration.json to post-refactor and prove the next Gen2 "
        "deploy keeps every moved resource",
        InputString(inputs, "project"));
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(RefactorInputs in, ReadRefactorInputs(inputs));
    std::filesystem::path project = InputString(inputs, "project");
    TRY(SetPhase(project, "post-refactor"));
    ASSIGN_OR_RETURN(std::string proof, Prove(in, inputs, ctx));
    if (ctx.progress != nullptr) ctx.progress->Progress(proof);
    return Value(ValueMap{{"proof", Value(proof)}});
  }
  Result<CheckResult> Check(const Value& inputs, StepContext&) const override {
    std::filesystem::path project = InputString(inputs, "project");
    Result<Value> json = ReadMigrationJson(project);
    if (json && StringAt(*json, "phase") == "post-refactor") {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         "the code is post-refactor; the proof is made again"};
    }
    return CheckResult{CheckOutcome::kNotDone, Value(), "the code is still pre-refactor"};
  }
  Result<void> Rollback(const Value& inputs, const Value&, StepContext&) const override {
    return SetPhase(InputString(inputs, "project"), "pre-refactor");
  }
  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext&) const override {
    Result<Value> json = ReadMigrationJson(InputString(inputs, "project"));
    if (json && StringAt(*json, "phase") == "pre-refactor") {
      return CheckResult{CheckOutcome::kDone, Value(), "the code is pre-refactor again"};
    }
    return CheckResult{CheckOutcome::kNotDone, Value(), "the code is still post-refactor"};
  }

 private:
  // Synthesizes the post-refactor code and asks CloudFormation, with a
  // change set per Gen2 stack that receives resources (created, read,
  // deleted, never executed), what the next deploy would do to each.
  Result<std::string> Prove(const RefactorInputs& in, const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(in.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    std::filesystem::path project = InputString(inputs, "project");
    std::filesystem::path out_dir = project / ".amplify" / "flightplan-proof";
    TRY(amplify::SynthesizeProject(project, out_dir, in.env.app_id,
                                   InputString(inputs, "to_branch"), kSynthesisTimeout,
                                   *ctx.processes));
    ASSIGN_OR_RETURN(ValueList nested,
                     cfn.ListStackResources(InputString(inputs, "gen2_root_stack")));
    std::string proof = "Proof: the next deploy of the post-refactor Gen2 code\n";
    for (const auto& [stack, moves] : MovesByDestination(in.plan)) {
      std::string logical_id;
      for (const Value& r : nested) {
        std::string physical = StringAt(r, "PhysicalResourceId");
        if (physical == stack || physical.find(":stack/" + stack + "/") != std::string::npos) {
          logical_id = StringAt(r, "LogicalResourceId");
        }
      }
      if (logical_id.empty()) {
        return MakeError(ErrorCode::kStepFailed,
                         fmt::format("stack {} is not a nested stack of the Gen2 branch's "
                                     "backend stack",
                                     stack));
      }
      ASSIGN_OR_RETURN(std::string body, SynthesizedNestedTemplate(out_dir, logical_id));
      std::set<std::string> kept;
      for (const RefactorMove* m : moves) kept.insert(m->destination_logical_id);
      ASSIGN_OR_RETURN(auto pool_domains, MovedPoolDomains(*client, moves));
      TemplateApply look;
      look.stack_id = stack;
      look.label = fmt::format("Gen2 stack {} (post-refactor code)", stack);
      look.body = body;
      look.change_set_name = RefactorChangeSetName(ctx, stack, "proof");
      look.client_token = look.change_set_name;
      look.upload_bucket = in.deployment_bucket;
      look.upload_key = fmt::format("flightplan/refactor/{}.json", look.change_set_name);
      look.execute = false;
      std::string lines;
      std::string label = look.label;
      const std::vector<const RefactorMove*>& receiving = moves;
      look.vet = [&lines, &receiving, kept, label, pool_domains](const Value& cs) -> Result<void> {
        TRY(VetNothingStatefulLost(cs, kept, RecreatableTypes(), label));
        TRY(VetNoSecondDomain(cs, pool_domains, label));
        for (const RefactorMove* m : receiving) {
          std::string what = "unchanged";
          for (const Value& change : aws::ListAt(cs, "Changes")) {
            const Value* rc = change.Find("ResourceChange");
            if (rc && StringAt(*rc, "LogicalResourceId") == m->destination_logical_id) {
              what = fmt::format("{} in place (no replacement)", StringAt(*rc, "Action"));
            }
          }
          lines += fmt::format("  {} ({}) in {}: {}\n", m->key, m->physical_id,
                               m->destination_stack, what);
        }
        return {};
      };
      ASSIGN_OR_RETURN(ApplyOutcome outcome,
                       ApplyTemplate(*client, *ctx.clock, look, StepWaitOptions(ctx)));
      if (outcome != ApplyOutcome::kPreviewed) {
        for (const RefactorMove* m : moves) {
          lines += fmt::format(
              "  {} ({}) in {}: unchanged (the deployed template is the "
              "code's)\n",
              m->key, m->physical_id, m->destination_stack);
        }
      }
      proof += lines;
    }
    proof += "replaces and removes none of the moved resources.";
    std::error_code ec;
    std::filesystem::remove_all(out_dir, ec);
    return proof;
  }
};

}  // namespace

void RegisterRefactorSteps(StepRegistry& registry, aws::ClientPool& clients) {
  registry.Register(std::make_unique<RefactorPlanStep>(clients));
  registry.Register(std::make_unique<RescueStep>(clients));
  registry.Register(std::make_unique<FlipStep>(clients));
}

}  // namespace flightplan::migration
