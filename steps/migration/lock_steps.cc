// migration.lock-templates and migration.lock-policy (lock.h says what they
// change; docs/migration-guide.md, "Lock", what the operator sees).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/migration/apply_template.h"
#include "steps/migration/lock.h"
#include "steps/migration/register_parts.h"
#include "steps/migration/step_support.h"

namespace flightplan::migration {
namespace {

using aws::StringAt;

// One stack as Prepare found it: what rollback restores.
struct StackPlan {
  std::string path;
  std::string name;
  std::string id;
  std::string label;
  std::string original;  // the template before lock, exactly as AWS returned it
  std::vector<std::string> locked_ids;
};

Value ToValue(const StackPlan& s) {
  ValueList ids;
  for (const std::string& id : s.locked_ids) ids.push_back(Value(id));
  Value out(ValueMap{});
  out.Set("path", s.path);
  out.Set("name", s.name);
  out.Set("id", s.id);
  out.Set("label", s.label);
  out.Set("original", s.original);
  out.Set("locked", Value(std::move(ids)));
  return out;
}

Result<std::vector<StackPlan>> PlansFrom(const Value& prepared) {
  const Value* stacks = prepared.Find("stacks");
  if (stacks == nullptr || !stacks->is_list()) {
    return MakeError(ErrorCode::kInternal, "the journaled lock plan has no stacks");
  }
  std::vector<StackPlan> out;
  for (const Value& v : stacks->as_list()) {
    StackPlan s{StringAt(v, "path"),  StringAt(v, "name"),     StringAt(v, "id"),
                StringAt(v, "label"), StringAt(v, "original"), {}};
    for (const Value& id : aws::ListAt(v, "locked")) s.locked_ids.push_back(id.ToText());
    out.push_back(std::move(s));
  }
  return out;
}

Value LockOutputs(const std::vector<StackPlan>& plans, const Value& prepared) {
  ValueList stacks;
  int64_t resources = 0;
  for (const StackPlan& s : plans) {
    ValueList ids;
    for (const std::string& id : s.locked_ids) ids.push_back(Value(id));
    resources += static_cast<int64_t>(s.locked_ids.size());
    Value stack(ValueMap{});
    stack.Set("path", s.path);
    stack.Set("name", s.name);
    stack.Set("locked", Value(std::move(ids)));
    stacks.push_back(std::move(stack));
  }
  Value out(ValueMap{});
  out.Set("stacks", Value(std::move(stacks)));
  out.Set("resources", resources);
  const Value* root_left = prepared.Find("root_left");
  out.Set("root_left", root_left != nullptr ? *root_left : Value(ValueList{}));
  return out;
}

class LockTemplatesStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.lock-templates"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Set DeletionPolicy and UpdateReplacePolicy Retain on every stateful resource and "
        "deletion protection on every DynamoDB table, one vetted change set per stack",
        EnvFields(),
        {{"stacks", FieldType::kList, false, "{path, name, locked: [logical ids]} per stack", {}},
         {"resources", FieldType::kInteger, false, "how many resources lock changed", {}},
         {"root_left",
          FieldType::kList,
          false,
          "stateful resources of the root stack that are not retained: lock leaves the root "
          "template alone and guards them with the stack policy",
          {}}},
        /*has_auto_rollback=*/true,
        /*has_check=*/true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    auto env = ReadEnvInputs(inputs);
    return fmt::format(
        "lock the stateful resources of {}: Retain policies and deletion "
        "protection, through one change set per stack that may change nothing "
        "else",
        env ? env->Describe() : "the environment");
  }

  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(LockPlan plan, Plan(inputs, ctx));
    std::string out;
    for (const StackPlan& s : plan.stacks) {
      if (s.locked_ids.empty()) continue;
      out += fmt::format("change set for {}{}:\n", s.label,
                         s.original.size() > kMaxInlineTemplateBytes ? " (template via S3)" : "");
      for (const std::string& id : s.locked_ids) {
        auto type = plan.types.find(s.path + "/" + id);
        bool table = type != plan.types.end() && StatefulTypes::IsDynamoDbTable(type->second);
        out += fmt::format(
            "  Modify {} ({}): DeletionPolicy and UpdateReplacePolicy Retain{}; "
            "nothing replaced\n",
            id, type != plan.types.end() ? type->second : "?",
            table ? ", DeletionProtectionEnabled true" : "");
      }
    }
    if (out.empty()) out = "every stateful resource is already locked; no change set\n";
    if (!plan.root_left.empty()) {
      out += fmt::format(
          "root stack: {} not retained; lock leaves the root template alone (updating it "
          "re-applies every nested stack) and guards them with the stack policy\n",
          fmt::join(plan.root_left, ", "));
    }
    return out;
  }

  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(LockPlan plan, Plan(inputs, ctx));
    ValueList stacks;
    for (const StackPlan& s : plan.stacks) stacks.push_back(ToValue(s));
    ValueList root_left;
    for (const std::string& id : plan.root_left) root_left.push_back(Value(id));
    Value prepared(ValueMap{});
    prepared.Set("stacks", Value(std::move(stacks)));
    prepared.Set("bucket", plan.bucket);
    prepared.Set("root_left", Value(std::move(root_left)));
    return prepared;
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(StatefulTypes stateful, Stateful(env));
    ASSIGN_OR_RETURN(std::vector<StackPlan> plans, PlansFrom(ctx.prepared));
    std::string bucket = StringAt(ctx.prepared, "bucket");
    std::vector<const StackPlan*> applied;
    if (const Value* left = ctx.prepared.Find("root_left");
        left != nullptr && left->is_list() && !left->as_list().empty() && ctx.progress != nullptr) {
      ValueList ids = left->as_list();
      std::string names;
      for (const Value& id : ids) names += (names.empty() ? "" : ", ") + id.ToText();
      ctx.progress->Progress(fmt::format(
          "the root stack's {} not retained: lock leaves the root template alone (updating it "
          "re-applies every nested stack) and guards them with the stack policy",
          names));
    }
    for (const StackPlan& s : plans) {
      if (s.locked_ids.empty()) continue;
      TRY(ctx.StopReason());
      ASSIGN_OR_RETURN(LockedTemplate locked, LockTemplate(s.original, stateful));
      TemplateApply apply = MakeApply(ctx, s, locked.body, "lock", bucket);
      std::vector<std::string> ids = s.locked_ids;
      apply.vet = [ids](const Value& cs) { return CheckLockChangeSet(cs, ids); };
      Result<ApplyOutcome> outcome =
          ApplyTemplate(*client, *ctx.clock, apply, StepWaitOptions(ctx));
      if (!outcome) {
        if (outcome.error().code() == ErrorCode::kLeaseLost ||
            outcome.error().code() == ErrorCode::kCancelled ||
            outcome.error().code() == ErrorCode::kTransient) {
          return MakeError(outcome.error());  // resumable: the next attempt converges
        }
        return MakeError(Undo(*client, ctx, applied, bucket, std::move(outcome.error())));
      }
      applied.push_back(&s);
      if (ctx.progress != nullptr) {
        ctx.progress->Progress(
            fmt::format("locked {} ({} resources)", s.label, s.locked_ids.size()));
      }
    }
    return LockOutputs(plans, ctx.prepared);
  }

  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(StatefulTypes stateful, Stateful(env));
    ASSIGN_OR_RETURN(std::vector<StackPlan> plans, PlansFrom(ctx.prepared));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    int pending = 0;
    for (const StackPlan& s : plans) {
      if (s.locked_ids.empty()) continue;
      ASSIGN_OR_RETURN(LockedTemplate locked, LockTemplate(s.original, stateful));
      ASSIGN_OR_RETURN(std::string current, cfn.GetTemplate(s.id));
      if (!SameTemplate(current, locked.body)) ++pending;
    }
    if (pending == 0) {
      return CheckResult{CheckOutcome::kDone, LockOutputs(plans, ctx.prepared),
                         "every stack's deployed template is the locked one"};
    }
    // Applying is idempotent per stack, so running again finishes the job.
    return CheckResult{CheckOutcome::kNotDone, Value(),
                       fmt::format("{} stacks are not locked yet", pending)};
  }

  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(std::vector<StackPlan> plans, PlansFrom(ctx.prepared));
    std::string bucket = StringAt(ctx.prepared, "bucket");
    // Every nested stack, not only those this run changed: a stack an
    // earlier, failed attempt locked (and could not unlock) is unlocked too.
    // A stack without lock's metadata is left as it is.
    for (auto it = plans.rbegin(); it != plans.rend(); ++it) {
      if (it->path.empty()) continue;  // lock never changes the root template
      TRY(ctx.StopReason());
      TRY(Restore(*client, ctx, *it, bucket));
    }
    return {};
  }

  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(std::vector<StackPlan> plans, PlansFrom(ctx.prepared));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    for (const StackPlan& s : plans) {
      if (s.path.empty()) continue;
      ASSIGN_OR_RETURN(std::string current, cfn.GetTemplate(s.id));
      ASSIGN_OR_RETURN(Value json, Value::FromJson(current));
      if (!LockedResources(json).empty()) {
        return CheckResult{CheckOutcome::kNotDone, Value(),
                           fmt::format("{} is still locked", s.label)};
      }
    }
    return CheckResult{CheckOutcome::kDone, Value(), "no stack carries lock's changes"};
  }

 private:
  struct LockPlan {
    std::vector<StackPlan> stacks;
    std::string bucket;
    std::map<std::string, std::string> types;  // "<stack path>/<logical id>" → type
    std::vector<std::string> root_left;        // stateful resources of the root not retained
  };

  Result<LockPlan> Plan(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    ASSIGN_OR_RETURN(StatefulTypes stateful, Stateful(env));
    LockPlan plan;
    plan.bucket = found.deployment_bucket;
    for (const EnvStack& s : found.stacks) {
      for (const EnvResource& r : s.resources) plan.types[s.path + "/" + r.logical_id] = r.type;
      Result<LockedTemplate> locked = LockTemplate(s.template_body, stateful);
      if (!locked) return MakeError(std::move(locked.error()).WithContext(s.Label()));
      if (s.path.empty()) {
        // The root stack's template is never changed: an update of the root
        // re-applies every nested stack from the templates in the deployment
        // bucket (its change set shows each one), which would undo lock and
        // could change anything. Its resources are guarded by the stack
        // policy lock appends; those not already retained are reported.
        plan.root_left = locked->locked;
        plan.stacks.push_back(StackPlan{s.path, s.name, s.id, s.Label(), s.template_body, {}});
        continue;
      }
      plan.stacks.push_back(
          StackPlan{s.path, s.name, s.id, s.Label(), s.template_body, locked->locked});
    }
    return plan;
  }

  TemplateApply MakeApply(const StepContext& ctx, const StackPlan& s, std::string body,
                          std::string_view direction, const std::string& bucket) const {
    TemplateApply apply;
    apply.stack_id = s.id;
    apply.label = s.label;
    apply.body = std::move(body);
    std::string unique = fmt::format("{}/{}/{}", ctx.idempotency_token, direction, s.path);
    apply.change_set_name = ChangeSetName(fmt::format("flightplan-{}", direction), unique);
    apply.client_token = apply.change_set_name;
    apply.upload_bucket = bucket;
    apply.upload_key = fmt::format("flightplan/{}/{}.json", direction, apply.change_set_name);
    return apply;
  }

  // Back to what the stack held before lock: the original text when the
  // stack holds exactly lock's template, otherwise the current template
  // with only lock's changes taken out (whatever else changed stays).
  Result<void> Restore(aws::AwsClient& client, StepContext& ctx, const StackPlan& s,
                       const std::string& bucket) const {
    aws::CloudFormationClient cfn(client, *ctx.clock);
    ASSIGN_OR_RETURN(std::string current, cfn.GetTemplate(s.id));
    ASSIGN_OR_RETURN(Value current_json, Value::FromJson(current));
    std::vector<std::string> ids = LockedResources(current_json);
    if (ids.empty()) return {};
    std::string body = s.original;
    ASSIGN_OR_RETURN(Value unlocked, UnlockTemplate(current_json));
    Result<Value> original_json = Value::FromJson(s.original);
    if (!original_json || !(*original_json == unlocked)) body = unlocked.ToJson();
    TemplateApply apply = MakeApply(ctx, s, body, "unlock", bucket);
    apply.vet = [ids](const Value& cs) { return CheckLockChangeSet(cs, ids); };
    ASSIGN_OR_RETURN(ApplyOutcome outcome,
                     ApplyTemplate(client, *ctx.clock, apply, StepWaitOptions(ctx)));
    (void)outcome;
    return {};
  }

  // Execute failed part-way: undo the stacks it locked, newest first, so a
  // failed lock leaves the environment as it was.
  Error Undo(aws::AwsClient& client, StepContext& ctx, const std::vector<const StackPlan*>& applied,
             const std::string& bucket, Error failure) const {
    for (auto it = applied.rbegin(); it != applied.rend(); ++it) {
      Result<void> restored = Restore(client, ctx, **it, bucket);
      if (!restored) {
        return std::move(failure).WithContext(fmt::format(
            "lock failed, and undoing it failed too at {} ({}); the environment is partly "
            "locked: run `flightplan lock --rollback` (or `flightplan resume`) once the cause "
            "is fixed",
            (*it)->label, restored.error().message()));
      }
    }
    return std::move(failure).WithContext(
        applied.empty() ? std::string("lock failed before it changed any stack")
                        : fmt::format("lock failed; the {} stacks it had locked were unlocked "
                                      "again, so nothing is locked",
                                      applied.size()));
  }
};

// migration.lock-policy: appends lock's deny statement to the root stack's
// policy. Prepare keeps the prior policy byte for byte; rollback puts it
// back (or allow-all when there was none: a policy cannot be removed).
class LockPolicyStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.lock-policy"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Append a statement denying Update:* to the root stack's policy (never replacing it)",
        EnvFields(),
        {{"root_stack", FieldType::kString, false, "the stack the policy is on", {}},
         {"policy", FieldType::kString, false, "the policy lock set", {}}},
        /*has_auto_rollback=*/true,
        /*has_check=*/true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    auto env = ReadEnvInputs(inputs);
    return fmt::format("append a Deny Update:* statement to the root stack policy of {}",
                       env ? env->Describe() : "the environment");
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Value prepared, Prepare(inputs, ctx));
    std::string prior = StringAt(prepared, "prior");
    ASSIGN_OR_RETURN(std::string next, AppendLockStatement(prior));
    return fmt::format("stack policy of {}: {}\n  would become {}\n",
                       StringAt(prepared, "root_stack"),
                       prior.empty() ? std::string("none") : prior, next);
  }
  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(std::string root, RootStack(*client, env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    ASSIGN_OR_RETURN(std::string prior, cfn.GetStackPolicy(root));
    if (HasLockStatement(prior)) {
      // Locked already (a crash after SetStackPolicy, before the journal
      // heard): what came before lock is the policy without our statement.
      return MakeError(ErrorCode::kConflict,
                       fmt::format("the root stack {} already carries lock's statement ({}); "
                                   "roll back the run that set it before locking again",
                                   root, kLockStatementSid));
    }
    return Value(ValueMap{{"root_stack", Value(root)},
                          {"prior", Value(prior)},
                          {"had_policy", Value(!prior.empty())}});
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    std::string root = StringAt(ctx.prepared, "root_stack");
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    ASSIGN_OR_RETURN(std::string current, cfn.GetStackPolicy(root));
    if (!HasLockStatement(current)) {
      if (current != StringAt(ctx.prepared, "prior")) {
        return MakeError(ErrorCode::kConflict,
                         fmt::format("the policy of {} changed since lock read it; run lock "
                                     "again so it appends to the policy as it is now",
                                     root));
      }
      ASSIGN_OR_RETURN(std::string next, AppendLockStatement(current));
      TRY(cfn.SetStackPolicy(root, next));
      current = next;
    }
    return Value(ValueMap{{"root_stack", Value(root)}, {"policy", Value(current)}});
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    std::string root = StringAt(ctx.prepared, "root_stack");
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    ASSIGN_OR_RETURN(std::string current, cfn.GetStackPolicy(root));
    if (HasLockStatement(current)) {
      return CheckResult{CheckOutcome::kDone,
                         Value(ValueMap{{"root_stack", Value(root)}, {"policy", Value(current)}}),
                         "the root stack policy carries lock's statement"};
    }
    return CheckResult{CheckOutcome::kNotDone, Value(),
                       "the root stack policy has no lock statement"};
  }
  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    std::string root = StringAt(ctx.prepared, "root_stack");
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    ASSIGN_OR_RETURN(std::string current, cfn.GetStackPolicy(root));
    if (!HasLockStatement(current)) return {};
    std::string prior = StringAt(ctx.prepared, "prior");
    return cfn.SetStackPolicy(root, prior.empty() ? std::string(kAllowAllPolicy) : prior);
  }
  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    ASSIGN_OR_RETURN(std::string current, cfn.GetStackPolicy(StringAt(ctx.prepared, "root_stack")));
    if (HasLockStatement(current)) {
      return CheckResult{CheckOutcome::kNotDone, Value(), "lock's statement is still there"};
    }
    return CheckResult{CheckOutcome::kDone, Value(), "lock's statement is gone"};
  }

 private:
  static Result<std::string> RootStack(aws::AwsClient& client, const EnvInputs& env) {
    aws::AmplifyClient amplify(client);
    Result<Value> backend = amplify.GetBackendEnvironment(env.app_id, env.env);
    if (!backend) {
      return MakeError(
          std::move(backend.error())
              .WithContext(fmt::format("finding the root stack of {}", env.Describe())));
    }
    const Value* be = backend->Find("backendEnvironment");
    std::string root = StringAt(be != nullptr ? *be : *backend, "stackName");
    if (root.empty()) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("{} names no root stack: it was never pushed", env.Describe()));
    }
    return root;
  }
};

}  // namespace

void RegisterLockSteps(StepRegistry& registry, aws::ClientPool& clients) {
  registry.Register(std::make_unique<LockTemplatesStep>(clients));
  registry.Register(std::make_unique<LockPolicyStep>(clients));
}

}  // namespace flightplan::migration
