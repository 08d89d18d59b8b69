// The shift phase's steps (shift.h has the logic; docs/migration-guide.md,
// "Shift", what the operator sees):
//   migration.shift-plan        which branch serves Gen1, which domains move
//   migration.shift-check-gen2  the Gen2 branch is deployed and healthy
//   migration.shift-repoint     UpdateDomainAssociation, the old one journaled
//   migration.shift-wait        until each association is AVAILABLE again
#include <fmt/format.h>

#include <algorithm>

#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/aws/waiter.h"
#include "steps/migration/register_parts.h"
#include "steps/migration/shift.h"
#include "steps/migration/step_support.h"

namespace flightplan::migration {
namespace {

using aws::StringAt;

std::vector<FieldSpec> WithEnv(std::vector<FieldSpec> more) {
  std::vector<FieldSpec> out = EnvFields();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

FieldSpec ToBranchField() {
  return {"to_branch", FieldType::kString, true, "the Amplify branch of the Gen2 backend", {}};
}
FieldSpec DomainsField() {
  return {"domains", FieldType::kList, true, "the domain associations to re-point", {}};
}

// The record inside Amplify's answer ({"domainAssociation": {...}}).
Value Member(const Value& answer, std::string_view key) {
  const Value* inner = answer.Find(key);
  return inner != nullptr && inner->is_map() ? *inner : Value(ValueMap{});
}

Result<Value> GetAssociation(aws::AmplifyClient& amplify, const std::string& app_id,
                             const std::string& domain) {
  ASSIGN_OR_RETURN(Value answer, amplify.GetDomainAssociation(app_id, domain));
  return Member(answer, "domainAssociation");
}

// What shift-plan finds, by reading only.
struct ShiftPlan {
  std::vector<std::string> gen1_branches;
  std::vector<std::string> domains;
  std::vector<Value> associations;  // one per domain, as GetDomainAssociation returns it
  std::string root_stack;
};

Result<ShiftPlan> MakePlan(aws::AwsClient& client, const EnvInputs& env,
                           const std::string& to_branch, const std::string& domain) {
  ShiftPlan plan;
  ASSIGN_OR_RETURN(BackendEnvironment backend, FindBackendEnvironment(client, env.app_id, env.env));
  plan.root_stack = backend.root_stack;
  aws::AmplifyClient amplify(client);
  ASSIGN_OR_RETURN(ValueList branches, amplify.ListBranches(env.app_id));
  std::string names;
  bool found = false;
  for (const Value& b : branches) {
    std::string name = StringAt(b, "branchName");
    names += (names.empty() ? "" : ", ") + name;
    found = found || name == to_branch;
  }
  if (!found) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("app {} has no branch '{}' (its branches: {}). Deploy the Gen2 "
                                 "app to a branch first, then pass it with --to-branch",
                                 env.app_id, to_branch, names.empty() ? "none" : names));
  }
  if (env.env == to_branch) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("--to-branch {} is the Gen1 branch of environment {}; name the "
                                 "branch the Gen2 backend was deployed to",
                                 to_branch, env.env));
  }
  plan.gen1_branches = Gen1BranchesOf(branches, env.env, backend.root_stack, to_branch);
  if (plan.gen1_branches.empty()) {
    return MakeError(
        ErrorCode::kNotFound,
        fmt::format("no branch of app {} serves the Gen1 environment {} (none is named {}, "
                    "linked to it, or names its root stack {}); its branches: {}. Nothing "
                    "serves Gen1 traffic that shift could move",
                    env.app_id, env.env, env.env, backend.root_stack, names));
  }
  ASSIGN_OR_RETURN(ValueList associations, amplify.ListDomainAssociations(env.app_id));
  ASSIGN_OR_RETURN(plan.domains,
                   DomainsToShift(associations, domain, plan.gen1_branches, to_branch, env.app_id));
  for (const std::string& d : plan.domains) {
    ASSIGN_OR_RETURN(Value association, GetAssociation(amplify, env.app_id, d));
    plan.associations.push_back(std::move(association));
  }
  return plan;
}

std::string PlanText(const ShiftPlan& plan, const EnvInputs& env, const std::string& to_branch) {
  if (plan.domains.empty()) {
    return fmt::format(
        "app {} has no custom domain on the Gen1 branch {} (nor on {}): nothing to re-point. "
        "Traffic reaches the branches at their amplifyapp.com addresses; shift succeeds and "
        "changes nothing\n",
        env.app_id, plan.gen1_branches.front(), to_branch);
  }
  std::string out;
  for (const Value& a : plan.associations) {
    std::vector<SubDomainSetting> before = SettingsOf(a);
    std::vector<SubDomainSetting> after = Repointed(before, plan.gen1_branches, to_branch);
    std::string domain = StringAt(a, "domainName");
    if (before == after) {
      out += fmt::format("domain {}: already on {} ({}); nothing to do\n", domain, to_branch,
                         DescribeSettings(before));
      continue;
    }
    out += fmt::format("domain {} (now {}):\n", domain, StringAt(a, "domainStatus"));
    for (size_t i = 0; i < before.size(); ++i) {
      std::string prefix = before[i].prefix.empty() ? "(apex)" : before[i].prefix;
      if (before[i] == after[i]) {
        out += fmt::format("  {} stays on {}\n", prefix, before[i].branch);
      } else {
        out += fmt::format("  {} moves {} → {}\n", prefix, before[i].branch, after[i].branch);
      }
    }
  }
  return out;
}

class ShiftPlanStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.shift-plan"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Find the Gen1 branch of the environment and the domain associations whose "
        "sub-domains move to the Gen2 branch (reads only)",
        WithEnv({ToBranchField(),
                 {"domain", FieldType::kString, false, "one domain; '' for every one", {}}}),
        {{"domains", FieldType::kList, false, "the domain associations to re-point", {}},
         {"gen1_branches", FieldType::kList, false, "the branches serving Gen1", {}},
         {"summary", FieldType::kString, false, "what shift will do, in a sentence", {}}},
        false,
        true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format("find the domains on the Gen1 branch to re-point to {}",
                       InputString(inputs, "to_branch"));
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    (void)ctx;
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    std::string to_branch = InputString(inputs, "to_branch");
    ASSIGN_OR_RETURN(ShiftPlan plan,
                     MakePlan(*client, env, to_branch, InputString(inputs, "domain")));
    return PlanText(plan, env, to_branch);
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    std::string to_branch = InputString(inputs, "to_branch");
    ASSIGN_OR_RETURN(ShiftPlan plan,
                     MakePlan(*client, env, to_branch, InputString(inputs, "domain")));
    std::string text = PlanText(plan, env, to_branch);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (ctx.progress != nullptr) ctx.progress->Progress(text);
    std::string summary;
    if (plan.domains.empty()) {
      summary = fmt::format("app {} has no custom domain on the Gen1 branch; nothing re-pointed",
                            env.app_id);
    } else {
      std::string list;
      for (const std::string& d : plan.domains) list += (list.empty() ? "" : ", ") + d;
      summary = fmt::format("domains {} now serve branch {}", list, to_branch);
    }
    Value out(ValueMap{});
    out.Set("domains", ToList(plan.domains));
    out.Set("gen1_branches", ToList(plan.gen1_branches));
    out.Set("summary", summary);
    return out;
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "reading runs again"};
  }
};

class ShiftCheckGen2Step final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.shift-check-gen2"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Fail unless the Gen2 branch's backend stack is deployable and its latest job "
        "succeeded",
        WithEnv({ToBranchField()}),
        {{"stack", FieldType::kString, false, "the branch's backend stack (ARN)", {}},
         {"stack_status", FieldType::kString, false, "its status", {}},
         {"commit", FieldType::kString, false, "the commit the latest job deployed", {}}},
        false,
        true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format(
        "check that branch {} is deployed at its latest commit and its backend stack is "
        "healthy",
        InputString(inputs, "to_branch"));
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    std::string to_branch = InputString(inputs, "to_branch");
    aws::AmplifyClient amplify(*client);
    ASSIGN_OR_RETURN(Value answer, amplify.GetBranch(env.app_id, to_branch));
    Value branch = Member(answer, "branch");
    std::string stack;
    if (const Value* backend = branch.Find("backend")) stack = StringAt(*backend, "stackArn");
    if (stack.empty()) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("branch {} names no backend stack (backend.stackArn): it "
                                   "has no Gen2 backend. Deploy the Gen2 project to it, then "
                                   "run shift again",
                                   to_branch));
    }
    aws::CloudFormationClient cfn(*client, *ctx.clock);
    Result<Value> described = cfn.DescribeStack(stack);
    if (!described) {
      if (described.error().code() != ErrorCode::kNotFound) return MakeError(described.error());
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("branch {}'s backend stack {} does not exist; deploy the "
                                   "Gen2 project to the branch again",
                                   to_branch, stack));
    }
    std::string status = StringAt(*described, "StackStatus");
    if (!DeployableStatus(status)) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("branch {}'s backend stack {} is {}: shift sends traffic only "
                                   "to a healthy backend (UPDATE_COMPLETE, CREATE_COMPLETE or "
                                   "UPDATE_ROLLBACK_COMPLETE). Wait for an operation in "
                                   "progress, or repair and redeploy the branch, then run shift "
                                   "again",
                                   to_branch, stack, status));
    }
    ASSIGN_OR_RETURN(ValueList jobs, amplify.ListJobs(env.app_id, to_branch));
    ASSIGN_OR_RETURN(std::string commit, LatestJobSucceeded(jobs, to_branch));
    Value out(ValueMap{});
    out.Set("stack", stack);
    out.Set("stack_status", status);
    out.Set("commit", commit);
    return out;
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "a validation runs again"};
  }
};

// The associations as Prepare journaled them.
std::vector<Value> PreviousOf(const Value& prepared) {
  std::vector<Value> out;
  for (const Value& a : aws::ListAt(prepared, "previous")) out.push_back(a);
  return out;
}

Value RepointOutputs(const std::vector<Value>& previous, const std::vector<std::string>& changed,
                     int sub_domains) {
  ValueList list(previous.begin(), previous.end());
  Value out(ValueMap{});
  out.Set("previous", Value(std::move(list)));
  out.Set("changed", ToList(changed));
  out.Set("sub_domains", static_cast<int64_t>(sub_domains));
  return out;
}

// Waits until `domain` is AVAILABLE; kStepFailed with the statusReason when
// it is FAILED.
Result<Value> WaitAvailable(aws::AwsClient& client, StepContext& ctx, const std::string& app_id,
                            const std::string& domain) {
  aws::AmplifyClient amplify(client);
  return aws::WaitFor(
      *ctx.clock, StepWaitOptions(ctx), "domain " + domain,
      [&]() -> Result<Value> {
        TRY(ctx.StopReason());
        return GetAssociation(amplify, app_id, domain);
      },
      [](const Value& a) {
        std::string status = StringAt(a, "domainStatus");
        aws::Observation o;
        o.status = status;
        o.reason = StringAt(a, "statusReason");
        o.state = status == "AVAILABLE" ? aws::PollState::kSucceeded
                  : status == "FAILED"  ? aws::PollState::kFailed
                                        : aws::PollState::kPending;
        return o;
      });
}

class ShiftRepointStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.shift-repoint"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Re-point the Gen1 branch's sub-domains of each domain association to the Gen2 branch "
        "(UpdateDomainAssociation, every other setting kept)",
        WithEnv({ToBranchField(),
                 DomainsField(),
                 {"gen1_branches", FieldType::kList, true, "the branches serving Gen1", {}}}),
        {{"previous",
          FieldType::kList,
          false,
          "each association exactly as it was before (what rollback restores)",
          {}},
         {"changed", FieldType::kList, false, "the domains this run updated", {}},
         {"sub_domains", FieldType::kInteger, false, "how many sub-domains moved", {}}},
        /*has_auto_rollback=*/true,
        /*has_check=*/true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format("re-point the domains' Gen1 sub-domains to branch {}",
                       InputString(inputs, "to_branch"));
  }
  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    aws::AmplifyClient amplify(*client);
    // A step attempted before (failed part-way, run again) keeps what its
    // first attempt recorded: a domain it already updated must not be
    // recorded as it is now.
    std::vector<Value> earlier = PreviousOf(ctx.prepared);
    ValueList previous;
    for (const std::string& d : FromList(inputs.Find("domains"))) {
      auto kept = std::find_if(earlier.begin(), earlier.end(),
                               [&](const Value& a) { return StringAt(a, "domainName") == d; });
      if (kept != earlier.end()) {
        previous.push_back(*kept);
        continue;
      }
      ASSIGN_OR_RETURN(Value association, GetAssociation(amplify, env.app_id, d));
      previous.push_back(std::move(association));
    }
    Value prepared(ValueMap{});
    prepared.Set("previous", Value(std::move(previous)));
    return prepared;
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    aws::AmplifyClient amplify(*client);
    std::string to_branch = InputString(inputs, "to_branch");
    std::vector<std::string> gen1 = FromList(inputs.Find("gen1_branches"));
    std::vector<Value> previous = PreviousOf(ctx.prepared);
    std::vector<std::string> changed;
    int moved = 0;
    for (const Value& before : previous) {
      TRY(ctx.StopReason());
      std::string domain = StringAt(before, "domainName");
      std::vector<SubDomainSetting> want = Repointed(SettingsOf(before), gen1, to_branch);
      moved += CountOn(SettingsOf(before), gen1);
      // Resumed: the cloud says whether this one was already updated.
      ASSIGN_OR_RETURN(Value now, GetAssociation(amplify, env.app_id, domain));
      if (SettingsOf(now) == want) continue;
      ASSIGN_OR_RETURN(Value updated,
                       amplify.UpdateDomainAssociation(UpdateRequest(env.app_id, before, want)));
      (void)updated;
      changed.push_back(domain);
      if (ctx.progress != nullptr) {
        ctx.progress->Progress(fmt::format("domain {}: {} (was {})", domain, DescribeSettings(want),
                                           DescribeSettings(SettingsOf(before))));
      }
    }
    return RepointOutputs(previous, changed, moved);
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    aws::AmplifyClient amplify(*client);
    std::string to_branch = InputString(inputs, "to_branch");
    std::vector<std::string> gen1 = FromList(inputs.Find("gen1_branches"));
    std::vector<Value> previous = PreviousOf(ctx.prepared);
    std::vector<std::string> changed;
    int moved = 0;
    for (const Value& before : previous) {
      std::string domain = StringAt(before, "domainName");
      std::vector<SubDomainSetting> want = Repointed(SettingsOf(before), gen1, to_branch);
      ASSIGN_OR_RETURN(Value now, GetAssociation(amplify, env.app_id, domain));
      if (SettingsOf(now) != want) {
        return CheckResult{CheckOutcome::kNotDone, Value(),
                           fmt::format("domain {} is {}, not yet {}", domain,
                                       DescribeSettings(SettingsOf(now)), DescribeSettings(want))};
      }
      if (SettingsOf(before) != want) changed.push_back(domain);
      moved += CountOn(SettingsOf(before), gen1);
    }
    return CheckResult{CheckOutcome::kDone, RepointOutputs(previous, changed, moved),
                       "every domain's sub-domains are on " + to_branch};
  }
  Result<void> Rollback(const Value& inputs, const Value& outputs,
                        StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    aws::AmplifyClient amplify(*client);
    std::vector<Value> previous = Previous(outputs, ctx);
    for (const Value& before : previous) {
      TRY(ctx.StopReason());
      std::string domain = StringAt(before, "domainName");
      std::vector<SubDomainSetting> want = SettingsOf(before);
      ASSIGN_OR_RETURN(Value now, GetAssociation(amplify, env.app_id, domain));
      if (SettingsOf(now) != want) {
        ASSIGN_OR_RETURN(Value updated,
                         amplify.UpdateDomainAssociation(UpdateRequest(env.app_id, before, want)));
        (void)updated;
        if (ctx.progress != nullptr) {
          ctx.progress->Progress(
              fmt::format("domain {}: back to {}", domain, DescribeSettings(want)));
        }
      }
      Result<Value> settled = WaitAvailable(*client, ctx, env.app_id, domain);
      if (!settled) {
        return MakeError(settled.error().code(),
                         fmt::format("domain {} was pointed back to {} but did not become "
                                     "AVAILABLE: {}. `aws amplify get-domain-association "
                                     "--app-id {} --domain-name {}` shows it; run the rollback "
                                     "again once it settles",
                                     domain, DescribeSettings(want), settled.error().message(),
                                     env.app_id, domain));
      }
    }
    return {};
  }
  Result<CheckResult> CheckRollback(const Value& inputs, const Value& outputs,
                                    StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    aws::AmplifyClient amplify(*client);
    for (const Value& before : Previous(outputs, ctx)) {
      std::string domain = StringAt(before, "domainName");
      ASSIGN_OR_RETURN(Value now, GetAssociation(amplify, env.app_id, domain));
      if (SettingsOf(now) != SettingsOf(before) || StringAt(now, "domainStatus") != "AVAILABLE") {
        return CheckResult{
            CheckOutcome::kNotDone, Value(),
            fmt::format("domain {} is {} ({}), not yet back to {}", domain,
                        DescribeSettings(SettingsOf(now)), StringAt(now, "domainStatus"),
                        DescribeSettings(SettingsOf(before)))};
      }
    }
    return CheckResult{CheckOutcome::kDone, Value(), "every domain is back as it was"};
  }

 private:
  // The outputs' record of the associations; the journaled Prepare when the
  // step failed before it had outputs.
  static std::vector<Value> Previous(const Value& outputs, const StepContext& ctx) {
    if (const Value* p = outputs.Find("previous"); p != nullptr && p->is_list()) {
      return PreviousOf(outputs);
    }
    return PreviousOf(ctx.prepared);
  }
};

class ShiftWaitStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.shift-wait"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Wait until every re-pointed domain association is AVAILABLE again; FAILED is an "
        "error with Amplify's reason",
        WithEnv({DomainsField()}),
        {{"status", FieldType::kList, false, "{domain, domainStatus, sub_domains} per domain", {}}},
        false,
        true};
    return kSchema;
  }
  std::string Describe(const Value&) const override {
    return "wait until each domain association is AVAILABLE again";
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ValueList status;
    for (const std::string& domain : FromList(inputs.Find("domains"))) {
      Result<Value> settled = WaitAvailable(*client, ctx, env.app_id, domain);
      if (!settled) {
        if (settled.error().code() != ErrorCode::kStepFailed) return MakeError(settled.error());
        return MakeError(ErrorCode::kStepFailed,
                         fmt::format("{}. Amplify could not apply the new sub-domains; fix what "
                                     "the reason says (`aws amplify get-domain-association "
                                     "--app-id {} --domain-name {}`), or `flightplan shift "
                                     "--rollback` to point the domain back",
                                     settled.error().message(), env.app_id, domain));
      }
      Value entry(ValueMap{});
      entry.Set("domain", domain);
      entry.Set("domainStatus", StringAt(*settled, "domainStatus"));
      entry.Set("sub_domains", DescribeSettings(SettingsOf(*settled)));
      if (ctx.progress != nullptr) {
        ctx.progress->Progress(fmt::format("domain {}: AVAILABLE ({})", domain,
                                           DescribeSettings(SettingsOf(*settled))));
      }
      status.push_back(std::move(entry));
    }
    Value out(ValueMap{});
    out.Set("status", Value(std::move(status)));
    return out;
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "waiting again costs reads only"};
  }
};

}  // namespace

void RegisterShiftSteps(StepRegistry& registry, aws::ClientPool& clients) {
  registry.Register(std::make_unique<ShiftPlanStep>(clients));
  registry.Register(std::make_unique<ShiftCheckGen2Step>(clients));
  registry.Register(std::make_unique<ShiftRepointStep>(clients));
  registry.Register(std::make_unique<ShiftWaitStep>(clients));
}

}  // namespace flightplan::migration
