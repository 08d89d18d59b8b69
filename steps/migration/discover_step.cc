// migration.discover, migration.check-stack-status, migration.check-cli-version.
#include <fmt/format.h>

#include "steps/migration/migration_steps.h"
#include "steps/migration/register_parts.h"
#include "steps/migration/step_support.h"

namespace flightplan::migration {
namespace {

Value StackSummary(const Gen1Environment& env) {
  ValueList stacks;
  ValueList stateful;
  for (const EnvStack& s : env.stacks) {
    Value stack(ValueMap{});
    stack.Set("path", s.path);
    stack.Set("name", s.name);
    stack.Set("status", s.status);
    stacks.push_back(std::move(stack));
    for (const EnvResource& r : s.resources) {
      if (!r.stateful) continue;
      Value res(ValueMap{});
      res.Set("stack", s.path);
      res.Set("logical_id", r.logical_id);
      res.Set("physical_id", r.physical_id);
      res.Set("type", r.type);
      stateful.push_back(std::move(res));
    }
  }
  Value out(ValueMap{});
  out.Set("root_stack", env.root_stack);
  out.Set("deployment_bucket", env.deployment_bucket);
  out.Set("region", env.region);
  out.Set("stacks", Value(std::move(stacks)));
  out.Set("stateful", Value(std::move(stateful)));
  return out;
}

class DiscoverStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.discover"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Find the Gen1 environment: root stack, deployment bucket, nested stacks, stateful "
        "resources",
        EnvFields(),
        {{"root_stack", FieldType::kString, false, "the root stack's name", {}},
         {"deployment_bucket", FieldType::kString, false, "the deployment bucket", {}},
         {"region", FieldType::kString, false, "where it is", {}},
         {"stacks", FieldType::kList, false, "{path, name, status} of every stack", {}},
         {"stateful",
          FieldType::kList,
          false,
          "{stack, logical_id, physical_id, type} of every stateful resource",
          {}}},
        false,
        true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    auto env = ReadEnvInputs(inputs);
    return env ? "find " + env->Describe() + ": its stacks and stateful resources"
               : "find the environment";
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(std::vector<AppBranch> branches,
                     DiscoverBranches(*client, *ctx.clock, env.app_id, found.root_stack));
    if (ctx.progress != nullptr) {
      ctx.progress->Progress(fmt::format("{}: {} stacks, {} stateful resources, bucket {}",
                                         found.root_stack, found.stacks.size(),
                                         found.StatefulCount(), found.deployment_bucket));
    }
    Value out = StackSummary(found);
    ValueList listed;
    for (const AppBranch& b : branches) {
      Value v(ValueMap{});
      v.Set("name", b.name);
      v.Set("stage", b.stage);
      v.Set("stack", b.stack_arn);
      v.Set("status", b.stack_status);
      v.Set("gen2", b.gen2);
      listed.push_back(std::move(v));
    }
    out.Set("branches", Value(std::move(listed)));
    return out;
  }
  // Reading changes nothing: after a crash it reads again.
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "it only reads; reading again"};
  }
};

class CheckStackStatusStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.check-stack-status"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Fail unless the root stack and every nested stack is in a deployable status",
        EnvFields(),
        {},
        false,
        true};
    return kSchema;
  }
  std::string Describe(const Value&) const override {
    return "check that every stack is UPDATE_COMPLETE, CREATE_COMPLETE or "
           "UPDATE_ROLLBACK_COMPLETE";
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    for (const EnvStack& s : found.stacks) {
      if (!DeployableStatus(s.status)) {
        return MakeError(
            ErrorCode::kStepFailed,
            fmt::format("{} is {}: lock needs every stack in UPDATE_COMPLETE, CREATE_COMPLETE "
                        "or UPDATE_ROLLBACK_COMPLETE. Wait for an operation in progress to "
                        "end, or repair a failed one (`amplify push`, or "
                        "`aws cloudformation continue-update-rollback --stack-name {}`), then "
                        "run lock again",
                        s.Label(), s.status, s.name));
      }
    }
    return Value(ValueMap{{"status", Value(found.root().status)}});
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "a validation runs again"};
  }
};

// "14.2.5" → 14; -1 when not a version.
int MajorOf(const std::string& version) {
  int major = 0;
  size_t i = 0;
  for (; i < version.size() && std::isdigit(static_cast<unsigned char>(version[i])); ++i) {
    major = major * 10 + (version[i] - '0');
    if (major > 1000) return -1;
  }
  return i == 0 ? -1 : major;
}

class CheckCliVersionStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.check-cli-version"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Fail unless the environment was last deployed by the latest major Gen1 CLI",
        EnvFields(),
        {{"version", FieldType::kString, false, "the oldest CLI version found", {}}},
        false,
        true};
    return kSchema;
  }
  std::string Describe(const Value&) const override {
    return fmt::format("check that the Gen1 CLI {}.x deployed every stack", kLatestGen1CliMajor);
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    std::string oldest;
    const EnvStack* oldest_stack = nullptr;
    for (const EnvStack& s : found.stacks) {
      std::string version = Gen1CliVersion(s.description);
      if (version.empty()) continue;
      if (oldest.empty() || MajorOf(version) < MajorOf(oldest)) {
        oldest = version;
        oldest_stack = &s;
      }
    }
    if (oldest.empty()) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("no stack of {} says which Amplify CLI deployed it (the "
                                   "`createdWith` of its description); deploy once with the "
                                   "current CLI (`npm install -g @aws-amplify/cli@{}` then "
                                   "`amplify push`), or pass --skip-validations if you know it",
                                   env.Describe(), kLatestGen1CliMajor));
    }
    if (MajorOf(oldest) < kLatestGen1CliMajor) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("{} was deployed by Amplify CLI {}; the migration needs a "
                                   "backend deployed by {}.x. Upgrade and deploy first: "
                                   "`npm install -g @aws-amplify/cli@{}` then `amplify push` "
                                   "in the project, with env {} checked out",
                                   oldest_stack->Label(), oldest, kLatestGen1CliMajor,
                                   kLatestGen1CliMajor, env.env));
    }
    return Value(ValueMap{{"version", Value(oldest)}});
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "a validation runs again"};
  }
};

}  // namespace

void RegisterMigrationSteps(StepRegistry& registry, aws::ClientPool& clients) {
  registry.Register(std::make_unique<DiscoverStep>(clients));
  registry.Register(std::make_unique<CheckStackStatusStep>(clients));
  registry.Register(std::make_unique<CheckCliVersionStep>(clients));
  RegisterLockSteps(registry, clients);
  RegisterDriftSteps(registry, clients);
  RegisterBackupSteps(registry, clients);
  RegisterRefactorSteps(registry, clients);
  RegisterRefactorMoveSteps(registry, clients);
  RegisterShiftSteps(registry, clients);
  RegisterDecommissionSteps(registry, clients);
  RegisterCleanupSteps(registry, clients);
  RegisterCloneSteps(registry, clients);
}

}  // namespace flightplan::migration
