// The decommission steps (decommission.h says what they decide;
// docs/migration-guide.md, "Decommission", what the operator sees):
//   migration.decommission-check      Gen2 healthy, no domain on a Gen1 branch,
//                                     a fresh backup, the root deployable
//   migration.decommission-inventory  every stateful resource left in a Gen1
//                                     stack, its DeletionPolicy, the verdict
//   migration.decommission-retain     Retain where it is missing (vetted
//                                     change sets on nested stacks)
//   migration.decommission-delete     DeleteStack of the root, waited for;
//                                     the backend environment removed
//   migration.decommission-verify     every listed resource still there with
//                                     its data
// None has a rollback: a deleted stack cannot be brought back.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>

#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/migration/apply_template.h"
#include "steps/migration/decommission.h"
#include "steps/migration/lock.h"
#include "steps/migration/register_parts.h"
#include "steps/migration/step_support.h"

namespace flightplan::migration {
namespace {

using aws::ListAt;
using aws::StringAt;

bool IsNotFound(const Error& e) { return e.code() == ErrorCode::kNotFound; }

int64_t InputInt(const Value& inputs, std::string_view name, int64_t fallback) {
  const Value* v = inputs.Find(name);
  if (v == nullptr || v->is_null()) return fallback;
  if (v->is_int()) return v->as_int();
  std::string text = v->ToText();
  int64_t out = fallback;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return fallback;
  return out;
}

std::vector<FieldSpec> WithEnv(std::vector<FieldSpec> more) {
  std::vector<FieldSpec> out = EnvFields();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

// ---------------------------------------------------------------------------
// migration.decommission-check

// The sub-domains of every domain association that point at one of
// `gen1_branches`: "www.example.com → main".
Result<std::vector<std::string>> DomainsOnGen1(aws::AmplifyClient& amplify,
                                               const std::string& app_id,
                                               const std::vector<std::string>& gen1_branches) {
  ASSIGN_OR_RETURN(ValueList domains, amplify.ListDomainAssociations(app_id));
  std::vector<std::string> out;
  for (const Value& d : domains) {
    std::string domain = StringAt(d, "domainName");
    for (const Value& sub : ListAt(d, "subDomains")) {
      const Value* setting = sub.Find("subDomainSetting");
      if (setting == nullptr) continue;
      std::string branch = StringAt(*setting, "branchName");
      std::string prefix = StringAt(*setting, "prefix");
      if (std::find(gen1_branches.begin(), gen1_branches.end(), branch) == gen1_branches.end()) {
        continue;
      }
      out.push_back(fmt::format("{}{} → {}", prefix.empty() ? "" : prefix + ".", domain, branch));
    }
  }
  return out;
}

class DecommissionCheckStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.decommission-check"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Check the Gen1 environment may be deleted: Gen2 production healthy, no custom domain on "
        "a Gen1 branch, a fresh backup, the root stack deployable",
        WithEnv({{"gen2_branch",
                  FieldType::kString,
                  false,
                  "the Amplify branch serving Gen2 production (default: the one refactor moved "
                  "into)",
                  {}},
                 {"backup_finished_at",
                  FieldType::kString,
                  false,
                  "Unix seconds when the latest backup run on the target succeeded; '' none",
                  {}},
                 {"backup_max_age_hours",
                  FieldType::kInteger,
                  false,
                  "how old that backup may be (default 24)",
                  {}},
                 {"skip_backup_check", FieldType::kBoolean, false, "do not ask for a backup", {}}}),
        {{"gen2_branch", FieldType::kString, false, "the Gen2 branch checked", {}},
         {"gen2_stack", FieldType::kString, false, "its backend stack", {}},
         {"root_stack", FieldType::kString, false, "the Gen1 root stack", {}},
         {"backup", FieldType::kString, false, "what was found of the backup", {}}},
        /*has_auto_rollback=*/false,
        /*has_check=*/true};
    return kSchema;
  }
  // It only reads: interrupted, it runs again (nothing to find out).
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "it only reads; it runs again"};
  }
  std::string Describe(const Value& inputs) const override {
    auto env = ReadEnvInputs(inputs);
    return fmt::format(
        "check that {} may be deleted: Gen2 branch {} healthy, no domain on a Gen1 branch, "
        "a fresh backup, the root stack deployable",
        env ? env->Describe() : "the environment",
        InputString(inputs, "gen2_branch").empty() ? std::string("(none given)")
                                                   : InputString(inputs, "gen2_branch"));
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Value out, Execute(inputs, ctx));
    return fmt::format("ready: Gen2 branch {} ({}) healthy; no domain on a Gen1 branch; {}\n",
                       StringAt(out, "gen2_branch"), StringAt(out, "gen2_stack"),
                       StringAt(out, "backup"));
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(BackendEnvironment backend,
                     FindBackendEnvironment(*client, env.app_id, env.env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    ASSIGN_OR_RETURN(Value root, cfn.DescribeStack(backend.root_stack));
    std::string root_status = StringAt(root, "StackStatus");
    std::string root_id = StringAt(root, "StackId");
    if (!DeployableStatus(root_status)) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("the root stack {} is {}, not UPDATE_COMPLETE, "
                                   "CREATE_COMPLETE or UPDATE_ROLLBACK_COMPLETE: finish or roll "
                                   "back what is in progress (or fix the failure) first",
                                   backend.root_stack, root_status));
    }

    ASSIGN_OR_RETURN(std::vector<AppBranch> branches,
                     DiscoverBranches(*client, *ctx.clock, env.app_id, backend.root_stack));
    std::string wanted = InputString(inputs, "gen2_branch");
    std::vector<std::string> gen1_branches;
    std::vector<std::string> gen2_names;
    for (const AppBranch& b : branches) {
      bool names_root =
          !b.stack_arn.empty() && (b.stack_arn == root_id || b.stack_arn == backend.root_stack);
      if (!b.gen2 && (names_root || b.name == env.env)) gen1_branches.push_back(b.name);
      if (b.gen2) gen2_names.push_back(b.name);
    }
    if (wanted.empty()) {
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("which branch serves Gen2 production? Pass --gen2-branch "
                      "(no refactor run on this target names one; the app's Gen2 "
                      "branches: {})",
                      gen2_names.empty() ? std::string("none")
                                         : fmt::format("{}", fmt::join(gen2_names, ", "))));
    }
    const AppBranch* gen2 = nullptr;
    for (const AppBranch& b : branches) {
      if (b.name == wanted) gen2 = &b;
    }
    if (gen2 == nullptr) {
      return MakeError(
          ErrorCode::kStepFailed,
          fmt::format("the app has no branch '{}' (its Gen2 branches: {})", wanted,
                      gen2_names.empty() ? std::string("none")
                                         : fmt::format("{}", fmt::join(gen2_names, ", "))));
    }
    if (!gen2->gen2) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("branch '{}' has no Gen2 backend stack of its own (it names "
                                   "{}): decommission deletes Gen1 only once Gen2 serves "
                                   "production",
                                   wanted, gen2->stack_arn.empty() ? "none" : gen2->stack_arn));
    }
    if (!DeployableStatus(gen2->stack_status)) {
      return MakeError(
          ErrorCode::kStepFailed,
          fmt::format("the Gen2 backend stack of branch '{}' ({}) is {}: Gen2 production is not "
                      "healthy; fix its deployment before deleting Gen1",
                      wanted, gen2->stack_arn,
                      gen2->stack_status.empty() ? "gone" : gen2->stack_status));
    }

    aws::AmplifyClient amplify(*client);
    ASSIGN_OR_RETURN(std::vector<std::string> pointing,
                     DomainsOnGen1(amplify, env.app_id, gen1_branches));
    if (!pointing.empty()) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("custom domain traffic still goes to the Gen1 branch: {}. "
                                   "Shift it to Gen2 first (`flightplan shift --to-branch {}`)",
                                   fmt::join(pointing, ", "), wanted));
    }

    std::string backup;
    if (InputBool(inputs, "skip_backup_check")) {
      backup = "backup check skipped (--skip-backup-check)";
      if (ctx.progress != nullptr) {
        ctx.progress->Progress(fmt::format("{} by {}", backup, ctx.operator_name));
      }
    } else {
      int64_t max_age = InputInt(inputs, "backup_max_age_hours", 24);
      int64_t now_s = ctx.clock->Now().unix_ms / 1000;
      ASSIGN_OR_RETURN(int64_t age,
                       CheckBackupFresh(InputString(inputs, "backup_finished_at"), now_s, max_age));
      backup = fmt::format("the latest backup finished {} min ago (bound {} h)", age / 60, max_age);
    }
    Value out(ValueMap{});
    out.Set("gen2_branch", wanted);
    out.Set("gen2_stack", gen2->stack_arn);
    out.Set("root_stack", backend.root_stack);
    out.Set("backup", backup);
    return out;
  }
};

// ---------------------------------------------------------------------------
// migration.decommission-inventory

class DecommissionInventoryStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.decommission-inventory"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "List every stateful resource still in a Gen1 stack with its deployed DeletionPolicy, "
        "and decide whether deleting the root stack would delete any",
        EnvFields(),
        {{"resources",
          FieldType::kList,
          false,
          "{stack_path, logical_id, physical_id, type, deletion_policy, "
          "update_replace_policy} per resource",
          {}},
         {"verdict", FieldType::kString, false, "safe, retain needed (refused fails the step)", {}},
         {"to_retain", FieldType::kList, false, "what the retain step changes", {}},
         {"summary", FieldType::kString, false, "the list and the verdict, for people", {}}},
        /*has_auto_rollback=*/false,
        /*has_check=*/true};
    return kSchema;
  }
  // It only reads: interrupted, it runs again (nothing to find out).
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "it only reads; it runs again"};
  }
  std::string Describe(const Value& inputs) const override {
    auto env = ReadEnvInputs(inputs);
    return fmt::format(
        "prove that deleting {} deletes no stateful resource: list each one left in a Gen1 "
        "stack with its deployed DeletionPolicy",
        env ? env->Describe() : "the environment");
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    ASSIGN_OR_RETURN(std::vector<StatefulHolding> holdings, InventoryStateful(found.stacks));
    return FormatInventory(holdings, Judge(holdings));
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    ASSIGN_OR_RETURN(std::vector<StatefulHolding> holdings, InventoryStateful(found.stacks));
    DecommissionVerdict verdict = Judge(holdings);
    std::string summary = FormatInventory(holdings, verdict);
    if (verdict.refused()) return MakeError(ErrorCode::kStepFailed, summary);
    if (ctx.progress != nullptr) ctx.progress->Progress(summary);
    ValueList to_retain;
    for (const std::string& s : verdict.to_retain) to_retain.push_back(Value(s));
    Value out(ValueMap{});
    out.Set("resources", ToValue(holdings));
    out.Set("verdict", verdict.Word());
    out.Set("to_retain", Value(std::move(to_retain)));
    out.Set("summary", summary);
    return out;
  }
};

// ---------------------------------------------------------------------------
// migration.decommission-retain

class DecommissionRetainStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.decommission-retain"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Set DeletionPolicy and UpdateReplacePolicy Retain (and deletion protection on tables) "
        "wherever a nested Gen1 stack's stateful resource lacks it, one vetted change set per "
        "stack",
        EnvFields(),
        {{"retained", FieldType::kList, false, "\"<stack path>/<logical id>\" changed", {}}},
        /*has_auto_rollback=*/false,
        /*has_check=*/true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    auto env = ReadEnvInputs(inputs);
    return fmt::format(
        "set Retain on every stateful resource of {} that lacks it, through change sets that "
        "may change nothing else (irreversible: the stacks are deleted next)",
        env ? env->Describe() : "the environment");
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    ASSIGN_OR_RETURN(StatefulTypes stateful, Stateful(env));
    std::string out;
    for (const EnvStack& s : found.stacks) {
      if (s.path.empty()) continue;
      ASSIGN_OR_RETURN(LockedTemplate locked,
                       LockTemplate(s.template_body, stateful, HostedUiDomainIds(s)));
      if (!locked.changed()) continue;
      out += fmt::format(
          "change set for {}{}: Retain (and deletion protection on tables) on {}\n", s.Label(),
          s.template_body.size() > kMaxInlineTemplateBytes ? " (template via S3)" : "",
          fmt::join(locked.locked, ", "));
    }
    return out.empty() ? std::string(
                             "every nested stack's stateful resources are Retain; no "
                             "change set\n")
                       : out;
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(StatefulTypes stateful, Stateful(env));
    // From the stacks as they are now: a resumed run, or a resource made
    // non-Retain since the inventory, is seen as it is.
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    ASSIGN_OR_RETURN(std::vector<StatefulHolding> holdings, InventoryStateful(found.stacks));
    DecommissionVerdict verdict = Judge(holdings);
    if (verdict.refused()) {
      return MakeError(ErrorCode::kStepFailed, FormatInventory(holdings, verdict));
    }
    ValueList retained;
    for (const EnvStack& s : found.stacks) {
      if (s.path.empty()) continue;
      TRY(ctx.StopReason());
      ASSIGN_OR_RETURN(LockedTemplate locked,
                       LockTemplate(s.template_body, stateful, HostedUiDomainIds(s)));
      if (!locked.changed()) continue;
      TemplateApply apply;
      apply.stack_id = s.id;
      apply.label = s.Label();
      apply.body = locked.body;
      apply.change_set_name =
          ChangeSetName("flightplan-retain", fmt::format("{}/{}", ctx.idempotency_token, s.path));
      apply.client_token = apply.change_set_name;
      apply.upload_bucket = found.deployment_bucket;
      apply.upload_key = fmt::format("flightplan/retain/{}.json", apply.change_set_name);
      std::vector<std::string> ids = locked.locked;
      apply.vet = [ids](const Value& cs) { return CheckLockChangeSet(cs, ids); };
      Result<ApplyOutcome> outcome =
          ApplyTemplate(*client, *ctx.clock, apply, StepWaitOptions(ctx));
      if (!outcome) {
        return MakeError(std::move(outcome.error())
                             .WithContext(fmt::format("setting Retain on {}; nothing was "
                                                      "deleted",
                                                      s.Label())));
      }
      for (const std::string& id : ids) retained.push_back(Value(s.path + "/" + id));
      if (ctx.progress != nullptr) {
        ctx.progress->Progress(
            fmt::format("Retain set on {}: {}", s.Label(), fmt::join(ids, ", ")));
      }
    }
    return Value(ValueMap{{"retained", Value(std::move(retained))}});
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    ASSIGN_OR_RETURN(std::vector<StatefulHolding> holdings, InventoryStateful(found.stacks));
    DecommissionVerdict verdict = Judge(holdings);
    if (verdict.safe_now()) {
      return CheckResult{CheckOutcome::kDone, Value(ValueMap{{"retained", Value(ValueList{})}}),
                         "every stateful resource of the Gen1 stacks is Retain"};
    }
    // Setting Retain again is idempotent per stack: running again finishes.
    return CheckResult{CheckOutcome::kNotDone, Value(),
                       fmt::format("not Retain yet: {}", fmt::join(verdict.to_retain, ", "))};
  }
};

// ---------------------------------------------------------------------------
// Counting what a resource holds (delete records it; verify compares).

// A Describe call's answer; nullopt when the resource is gone (not found).
Result<std::optional<Value>> UnlessGone(Result<Value> described) {
  if (described) return std::optional<Value>(std::move(*described));
  if (IsNotFound(described.error())) return std::optional<Value>();
  return MakeError(std::move(described.error()));
}

Result<std::optional<Observed>> Observe(aws::AwsClient& client, const StatefulHolding& h) {
  Observed seen;
  switch (h.kind()) {
    case DataKind::kTable: {
      aws::DynamoDbClient ddb(client);
      ASSIGN_OR_RETURN(std::optional<Value> described,
                       UnlessGone(ddb.DescribeTable(h.physical_id)));
      if (!described) return std::optional<Observed>(seen);
      seen.exists = true;
      ASSIGN_OR_RETURN(seen.count, ddb.CountItems(h.physical_id));
      return std::optional<Observed>(seen);
    }
    case DataKind::kUserPool: {
      aws::CognitoClient cognito(client);
      ASSIGN_OR_RETURN(std::optional<Value> described,
                       UnlessGone(cognito.DescribeUserPool(h.physical_id)));
      if (!described) return std::optional<Observed>(seen);
      seen.exists = true;
      const Value* pool = described->Find("UserPool");
      seen.count = aws::IntAt(pool != nullptr ? *pool : *described, "EstimatedNumberOfUsers", -1);
      return std::optional<Observed>(seen);
    }
    case DataKind::kBucket: {
      aws::S3Client s3(client);
      ASSIGN_OR_RETURN(std::optional<Value> head, UnlessGone(s3.HeadBucket(h.physical_id)));
      if (!head) return std::optional<Observed>(seen);
      seen.exists = true;
      ASSIGN_OR_RETURN(ValueList objects, s3.ListObjects(h.physical_id, ""));
      seen.count = static_cast<int64_t>(objects.size());
      return std::optional<Observed>(seen);
    }
    case DataKind::kHostedUiDomain: {
      // The domain is there when the pool it was on still names it.
      aws::CognitoClient cognito(client);
      ASSIGN_OR_RETURN(std::optional<Value> described,
                       UnlessGone(cognito.DescribeUserPool(h.user_pool_id)));
      if (!described) return std::optional<Observed>(seen);
      const Value* pool = described->Find("UserPool");
      seen.exists = StringAt(pool != nullptr ? *pool : *described, "Domain") == h.domain;
      return std::optional<Observed>(seen);
    }
    case DataKind::kIdentityPool: {
      // Its identities (the ids federated users are known by) are not
      // counted: the pool being there is what keeps them.
      aws::CognitoIdentityClient identity(client);
      ASSIGN_OR_RETURN(std::optional<Value> described,
                       UnlessGone(identity.DescribeIdentityPool(h.physical_id)));
      seen.exists = described.has_value();
      return std::optional<Observed>(seen);
    }
    case DataKind::kUserPoolClient: {
      aws::CognitoClient cognito(client);
      ASSIGN_OR_RETURN(std::optional<Value> described,
                       UnlessGone(cognito.DescribeUserPoolClient(h.user_pool_id, h.physical_id)));
      seen.exists = described.has_value();
      return std::optional<Observed>(seen);
    }
    case DataKind::kUserPoolGroup: {
      aws::CognitoClient cognito(client);
      ASSIGN_OR_RETURN(std::optional<Value> described,
                       UnlessGone(cognito.GetGroup(h.user_pool_id, h.physical_id)));
      seen.exists = described.has_value();
      return std::optional<Observed>(seen);
    }
    case DataKind::kOther:
      break;
  }
  return std::optional<Observed>();
}

// ---------------------------------------------------------------------------
// migration.decommission-delete

class DecommissionDeleteStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.decommission-delete"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Delete the Gen1 root stack (its nested stacks with it; Retain resources stay) and wait "
        "for DELETE_COMPLETE, then remove the Amplify backend environment",
        WithEnv({{"delete_backend_environment",
                  FieldType::kBoolean,
                  false,
                  "also DeleteBackendEnvironment (default true)",
                  {}}}),
        {{"root_stack", FieldType::kString, false, "the deleted root stack's ARN", {}},
         {"resources",
          FieldType::kList,
          false,
          "every stateful resource DeleteStack kept, with its count before the delete",
          {}},
         {"backend_environment_deleted",
          FieldType::kBoolean,
          false,
          "whether Amplify's backend environment was removed",
          {}}},
        /*has_auto_rollback=*/false,
        /*has_check=*/true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    auto env = ReadEnvInputs(inputs);
    return fmt::format(
        "DELETE the Gen1 environment {}: its root and nested stacks (every stateful resource "
        "retained) and its Amplify backend environment — irreversible",
        env ? env->Describe() : "");
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    return fmt::format(
        "DeleteStack {} ({} stacks with its nested ones), after typed confirmation; then "
        "DeleteBackendEnvironment {}{}; the deployment bucket {} stays (Retain)\n",
        found.root_stack, found.stacks.size(), env.env,
        DeleteBackend(inputs) ? "" : " (skipped: delete_backend_environment=false)",
        found.deployment_bucket.empty() ? "(none)" : found.deployment_bucket);
  }
  // After the confirmation, right before the delete: the last proof and the
  // counts verify compares with (journaled, so a resumed run keeps them).
  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    ASSIGN_OR_RETURN(std::vector<StatefulHolding> holdings, InventoryStateful(found.stacks));
    std::vector<std::string> unsafe;
    for (const StatefulHolding& h : holdings) {
      if (!h.retained()) unsafe.push_back(h.Label());
    }
    if (!unsafe.empty()) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("refusing to delete: {} would be deleted with the stack (not "
                                   "Retain any more — changed since the retain step?). Run "
                                   "decommission again; its retain step sets it",
                                   fmt::join(unsafe, ", ")));
    }
    for (StatefulHolding& h : holdings) {
      TRY(ctx.StopReason());
      ASSIGN_OR_RETURN(std::optional<Observed> seen, Observe(*client, h));
      if (seen && !seen->exists) {
        return MakeError(ErrorCode::kStepFailed,
                         fmt::format("{} is listed by its stack but does not exist (deleted "
                                     "outside CloudFormation?); nothing was deleted — find out "
                                     "what happened to it first",
                                     h.Label()));
      }
      if (seen) h.count = seen->count;
    }
    Value prepared(ValueMap{});
    prepared.Set("root_stack", found.root().id);
    prepared.Set("root_name", found.root_stack);
    prepared.Set("resources", ToValue(holdings));
    return prepared;
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    std::string root = StringAt(ctx.prepared, "root_stack");
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    Result<Value> described = cfn.DescribeStack(root);
    std::string status = described ? StringAt(*described, "StackStatus") : "";
    if (!described && !IsNotFound(described.error())) return MakeError(described.error());
    if (described && status != "DELETE_COMPLETE" && status != "DELETE_IN_PROGRESS") {
      std::string token = ChangeSetName("flightplan-decommission", ctx.idempotency_token);
      TRY(cfn.DeleteStack(root, token));
      if (ctx.progress != nullptr) {
        ctx.progress->Progress(
            fmt::format("DeleteStack {} started", StringAt(ctx.prepared, "root_name")));
      }
    }
    if (described && status != "DELETE_COMPLETE") {
      Result<Value> waited = cfn.WaitForStackDeleted(root, StepWaitOptions(ctx));
      if (!waited) {
        return MakeError(std::move(waited.error())
                             .WithContext(fmt::format(
                                 "deleting {}: see its events (`aws cloudformation "
                                 "describe-stack-events --stack-name {}`); a resource that "
                                 "failed to delete stops the stack in DELETE_FAILED — fix it "
                                 "and run `flightplan resume`",
                                 StringAt(ctx.prepared, "root_name"), root)));
      }
    }
    bool backend_deleted = false;
    if (DeleteBackend(inputs)) {
      aws::AmplifyClient amplify(*client);
      Result<Value> deleted = amplify.DeleteBackendEnvironment(env.app_id, env.env);
      if (!deleted && !IsNotFound(deleted.error())) return MakeError(deleted.error());
      backend_deleted = true;
    }
    return Outputs(ctx, backend_deleted);
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    std::string root = StringAt(ctx.prepared, "root_stack");
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    Result<Value> described = cfn.DescribeStack(root);
    if (!described && !IsNotFound(described.error())) return MakeError(described.error());
    std::string status = described ? StringAt(*described, "StackStatus") : "DELETE_COMPLETE";
    if (status != "DELETE_COMPLETE") {
      // Deleting again (or waiting for the deletion under way) is safe.
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         fmt::format("the root stack is {}", status)};
    }
    if (DeleteBackend(inputs)) {
      aws::AmplifyClient amplify(*client);
      Result<Value> backend = amplify.GetBackendEnvironment(env.app_id, env.env);
      if (backend) {
        return CheckResult{CheckOutcome::kNotDone, Value(),
                           "the stacks are deleted; the backend environment is still there"};
      }
      if (!IsNotFound(backend.error())) return MakeError(backend.error());
    }
    return CheckResult{CheckOutcome::kDone, Outputs(ctx, DeleteBackend(inputs)),
                       "the root stack is DELETE_COMPLETE"};
  }

 private:
  static bool DeleteBackend(const Value& inputs) {
    const Value* v = inputs.Find("delete_backend_environment");
    if (v == nullptr || v->is_null()) return true;
    if (v->is_bool()) return v->as_bool();
    return v->ToText() != "false";
  }
  static Value Outputs(const StepContext& ctx, bool backend_deleted) {
    Value out(ValueMap{});
    out.Set("root_stack", StringAt(ctx.prepared, "root_stack"));
    const Value* resources = ctx.prepared.Find("resources");
    out.Set("resources", resources != nullptr ? *resources : Value(ValueList{}));
    out.Set("backend_environment_deleted", backend_deleted);
    return out;
  }
};

// ---------------------------------------------------------------------------
// migration.decommission-verify

class DecommissionVerifyStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.decommission-verify"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Prove through the APIs that every stateful resource listed before the delete still "
        "exists and holds at least as many items, users or objects as before",
        WithEnv({{"resources",
                  FieldType::kList,
                  true,
                  "the delete step's resources (with their counts)",
                  {}}}),
        {{"verified", FieldType::kInteger, false, "resources found with their data", {}},
         {"unchecked",
          FieldType::kList,
          false,
          "resources of types flightplan cannot read (kept by Retain, not counted)",
          {}}},
        /*has_auto_rollback=*/false,
        /*has_check=*/true};
    return kSchema;
  }
  // It only reads: interrupted, it runs again (nothing to find out).
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "it only reads; it runs again"};
  }
  std::string Describe(const Value& inputs) const override {
    const Value* list = inputs.Find("resources");
    return fmt::format(
        "verify that the {} stateful resources kept by the delete still exist with their data",
        list != nullptr && list->is_list() ? std::to_string(list->as_list().size())
                                           : std::string("listed"));
  }
  Result<std::string> Preview(const Value&, StepContext&) const override {
    return std::string(
        "after the delete: DescribeTable + item count, DescribeUserPool + user count, "
        "HeadBucket + object count of each listed resource, compared with the counts taken "
        "right before the delete; DescribeIdentityPool of each identity pool; "
        "DescribeUserPoolClient and GetGroup of each user pool client and group; "
        "DescribeUserPool of each hosted UI domain's pool, which must still name the domain\n");
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    const Value* list = inputs.Find("resources");
    ASSIGN_OR_RETURN(std::vector<StatefulHolding> before,
                     HoldingsFrom(list != nullptr ? *list : Value()));
    std::vector<std::optional<Observed>> after;
    ValueList unchecked;
    for (const StatefulHolding& h : before) {
      TRY(ctx.StopReason());
      ASSIGN_OR_RETURN(std::optional<Observed> seen, Observe(*client, h));
      if (!seen) unchecked.push_back(Value(h.Label()));
      after.push_back(seen);
    }
    std::vector<std::string> problems = CompareAfterDelete(before, after);
    if (!problems.empty()) {
      return MakeError(
          ErrorCode::kStepFailed,
          fmt::format("DATA MISSING after the Gen1 environment was deleted: {}. Restore from the "
                      "backups `flightplan backup` recorded (`flightplan history`), and report "
                      "this as a bug",
                      fmt::join(problems, "; ")));
    }
    int64_t verified = static_cast<int64_t>(before.size() - unchecked.size());
    if (ctx.progress != nullptr) {
      ctx.progress->Progress(
          fmt::format("{} stateful resources verified with their data", verified));
    }
    Value out(ValueMap{});
    out.Set("verified", verified);
    out.Set("unchecked", Value(std::move(unchecked)));
    return out;
  }
};

}  // namespace

void RegisterDecommissionSteps(StepRegistry& registry, aws::ClientPool& clients) {
  registry.Register(std::make_unique<DecommissionCheckStep>(clients));
  registry.Register(std::make_unique<DecommissionInventoryStep>(clients));
  registry.Register(std::make_unique<DecommissionRetainStep>(clients));
  registry.Register(std::make_unique<DecommissionDeleteStep>(clients));
  registry.Register(std::make_unique<DecommissionVerifyStep>(clients));
}

}  // namespace flightplan::migration
