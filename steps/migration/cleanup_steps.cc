// The cleanup phase's steps (docs/migration-guide.md, "Cleanup"):
//   migration.cleanup-plan    reads the cloud into CleanupFacts (cleanup.h)
//                             and outputs the delete list with its proof;
//                             refuses when anything on it is production's.
//   migration.cleanup-delete  deletes one part of the plan ("gen2": the clone
//                             branch's stack, its retained resources, the
//                             orphaned copies, the branch; "gen1": the clone's
//                             root stack, its retained resources, the
//                             deployment bucket, the backend environment).
// Deleting is idempotent: a resource already gone counts as deleted, so a
// resumed run finishes what a killed one started. Nothing is undone
// (rollback: none in the workflow); a rehearsal is made again with `clone`.
#include <fmt/format.h>

#include <set>

#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/migration/cleanup.h"
#include "steps/migration/register_parts.h"
#include "steps/migration/step_support.h"

namespace flightplan::migration {
namespace {

using aws::StringAt;

bool IsNotFound(const Error& e) { return e.code() == ErrorCode::kNotFound; }

std::map<std::string, std::string> StackTags(const Value& stack) {
  std::map<std::string, std::string> tags;
  if (const Value* list = stack.Find("Tags"); list != nullptr && list->is_list()) {
    for (const Value& t : list->as_list()) tags[StringAt(t, "Key")] = StringAt(t, "Value");
  }
  return tags;
}

// A JSON text parameter ("" or absent: null).
Result<Value> JsonInput(const Value& inputs, std::string_view name) {
  const Value* v = inputs.Find(name);
  if (v == nullptr || v->is_null()) return Value();
  if (!v->is_string()) return *v;
  if (v->as_string().empty()) return Value();
  Result<Value> parsed = Value::FromJson(v->as_string());
  if (!parsed) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("input {} is not JSON: {}", name, parsed.error().message()));
  }
  return *parsed;
}

// The stack tree below `root` (name or ARN); false when the stack is gone.
Result<bool> ReadTree(aws::AwsClient& client, Clock& clock, const std::string& root,
                      const StatefulTypes& stateful, CleanupTree& tree) {
  aws::CloudFormationClient cfn(client, clock);
  Result<Value> described = cfn.DescribeStack(root);
  if (!described) {
    if (IsNotFound(described.error())) return false;
    return MakeError(described.error());
  }
  if (StringAt(*described, "StackStatus") == "DELETE_COMPLETE") return false;
  tree.root_name = StringAt(*described, "StackName");
  tree.root_id = StringAt(*described, "StackId");
  tree.tags = StackTags(*described);
  ASSIGN_OR_RETURN(std::vector<EnvStack> stacks,
                   DiscoverStackTree(client, clock, tree.root_id, stateful));
  for (const EnvStack& s : stacks) {
    tree.stacks.push_back(s.name);
    if (!s.id.empty()) tree.stacks.push_back(s.id);
    for (const EnvResource& r : s.resources) {
      if (r.physical_id.empty() || r.type == "AWS::CloudFormation::Stack") continue;
      tree.resources.push_back(CleanupResource{s.name, r.logical_id, r.physical_id, r.type});
    }
  }
  return true;
}

// Every physical id of a stack tree, into `ids` with where it was found.
void AddProductionTree(const std::vector<EnvStack>& stacks, const std::string& where,
                       std::map<std::string, std::string>& ids) {
  for (const EnvStack& s : stacks) {
    ids.emplace(s.name, fmt::format("{}: stack", where));
    if (!s.id.empty()) ids.emplace(s.id, fmt::format("{}: stack {}", where, s.name));
    for (const EnvResource& r : s.resources) {
      if (r.physical_id.empty() || !r.IdentifiesAcrossAccount()) continue;
      ids.emplace(r.physical_id,
                  fmt::format("{}: {} {} in stack {}", where, r.type, r.logical_id, s.name));
    }
  }
}

std::vector<FieldSpec> PlanFields() {
  std::vector<FieldSpec> fields = EnvFields();
  fields.push_back({"clone_env", FieldType::kString, true, "the Gen1 clone environment", {}});
  fields.push_back({"clone_branch", FieldType::kString, false, "the Gen2 clone branch", {}});
  fields.push_back({"clone_branch_source",
                    FieldType::kString,
                    false,
                    "what named the clone branch (for the proof)",
                    {}});
  fields.push_back({"prod_to_branch",
                    FieldType::kString,
                    false,
                    "the to_branch of production's latest refactor run",
                    {}});
  fields.push_back({"orphaned",
                    FieldType::kAny,
                    false,
                    "the clone refactor's vacate output `orphaned` (JSON text)",
                    {}});
  fields.push_back({"original_templates",
                    FieldType::kAny,
                    false,
                    "the clone refactor's vacate output `original_templates` (JSON text)",
                    {}});
  return fields;
}

class CleanupPlanStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.cleanup-plan"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "List what cleanup deletes (the Gen1 clone, the Gen2 clone branch, the orphaned Gen2 "
        "copies), each with why it is the clone's, and prove none of it is production's",
        PlanFields(),
        {{"plan", FieldType::kMap, false, "items (part, kind, id, type, why), proof, left", {}},
         {"items", FieldType::kInteger, false, "how many deletions", {}},
         {"summary", FieldType::kString, false, "the list and the proof, as text", {}}},
        false,
        true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format("list what to delete of clone {} and prove none of it is production's",
                       InputString(inputs, "clone_env"));
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(CleanupPlan plan, Plan(inputs, ctx));
    return plan.Describe();
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(CleanupPlan plan, Plan(inputs, ctx));
    Value out(ValueMap{});
    out.Set("plan", plan.ToValue());
    out.Set("items", Value(static_cast<int64_t>(plan.items.size())));
    out.Set("summary", plan.Describe());
    return out;
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "the plan is read again"};
  }

 private:
  Result<CleanupPlan> Plan(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(StatefulTypes stateful, Stateful(env));
    ASSIGN_OR_RETURN(CleanupFacts facts, Gather(*client, *ctx.clock, env, stateful, inputs));
    return PlanCleanup(facts);
  }

  static Result<CleanupFacts> Gather(aws::AwsClient& client, Clock& clock, const EnvInputs& env,
                                     const StatefulTypes& stateful, const Value& inputs) {
    CleanupFacts f;
    f.app_id = env.app_id;
    f.prod_env = env.env;
    f.clone_env = InputString(inputs, "clone_env");
    f.clone_branch = InputString(inputs, "clone_branch");
    f.clone_branch_source = InputString(inputs, "clone_branch_source");
    if (f.clone_branch_source.empty()) f.clone_branch_source = "--clone-branch";
    f.prod_refactor_to_branch = InputString(inputs, "prod_to_branch");
    ASSIGN_OR_RETURN(Value orphaned, JsonInput(inputs, "orphaned"));
    ASSIGN_OR_RETURN(Value templates, JsonInput(inputs, "original_templates"));
    f.orphaned = OrphanedCopies(orphaned, templates);

    // Production: its Gen1 environment (when it still exists) …
    Result<Gen1Environment> prod =
        DiscoverEnvironment(client, clock, env.app_id, env.env, stateful);
    if (prod) {
      f.prod_root_stack = prod->root_stack;
      AddProductionTree(prod->stacks, "production environment " + env.env, f.production_ids);
      if (!prod->deployment_bucket.empty()) {
        f.production_ids.emplace(prod->deployment_bucket, "production's deployment bucket");
      }
    } else if (!IsNotFound(prod.error())) {
      return MakeError(prod.error());
    }
    // … and every branch's backend stack but the clone branch's.
    ASSIGN_OR_RETURN(std::vector<AppBranch> branches,
                     DiscoverBranches(client, clock, env.app_id, f.prod_root_stack));
    std::set<std::string> read_stacks;
    if (prod) read_stacks.insert(prod->root().id);
    for (const AppBranch& b : branches) {
      if (b.name == f.clone_branch) {
        f.branch_exists = true;
        continue;
      }
      if (b.stack_arn.empty() || b.stack_status.empty()) continue;
      if (!read_stacks.insert(b.stack_arn).second) continue;
      ASSIGN_OR_RETURN(std::vector<EnvStack> stacks,
                       DiscoverStackTree(client, clock, b.stack_arn, stateful));
      if (!stacks.empty()) read_stacks.insert(stacks.front().id);
      AddProductionTree(stacks, "branch " + b.name, f.production_ids);
    }

    aws::AmplifyClient amplify(client);
    // The clone branch: its backend stack and the domains on it.
    if (f.branch_exists) {
      ASSIGN_OR_RETURN(Value branch, amplify.GetBranch(env.app_id, f.clone_branch));
      const Value* b = branch.Find("branch");
      std::string stack_arn;
      if (const Value* backend = b != nullptr ? b->Find("backend") : nullptr) {
        stack_arn = StringAt(*backend, "stackArn");
      }
      if (!stack_arn.empty()) {
        ASSIGN_OR_RETURN(f.has_branch_tree, ReadTree(client, clock, stack_arn, stateful, f.gen2));
      }
    }
    if (!f.clone_branch.empty()) {
      ASSIGN_OR_RETURN(ValueList domains, amplify.ListDomainAssociations(env.app_id));
      for (const Value& d : domains) {
        const Value* subs = d.Find("subDomains");
        if (subs == nullptr || !subs->is_list()) continue;
        for (const Value& s : subs->as_list()) {
          const Value* setting = s.Find("subDomainSetting");
          if (setting == nullptr || StringAt(*setting, "branchName") != f.clone_branch) continue;
          f.branch_domains.push_back(
              fmt::format("{} ({})", StringAt(d, "domainName"), StringAt(*setting, "prefix")));
        }
      }
    }

    // The Gen1 clone: Amplify's backend environment, its root stack, its bucket.
    Result<BackendEnvironment> backend = FindBackendEnvironment(client, env.app_id, f.clone_env);
    if (backend) {
      f.backend_env = true;
      f.backend_stack = backend->root_stack;
      f.deployment_bucket = backend->deployment_bucket;
      ASSIGN_OR_RETURN(f.has_tree, ReadTree(client, clock, backend->root_stack, stateful, f.gen1));
    } else if (!IsNotFound(backend.error())) {
      return MakeError(backend.error());
    } else {
      // Never pushed, or the environment is gone: the bucket may remain.
      Result<ValueList> envs = amplify.ListBackendEnvironments(env.app_id);
      if (!envs) return MakeError(envs.error());
      for (const Value& e : *envs) {
        if (StringAt(e, "environmentName") != f.clone_env) continue;
        f.backend_env = true;
        f.deployment_bucket = StringAt(e, "deploymentArtifacts");
      }
    }
    if (f.deployment_bucket.empty() && f.has_tree) {
      f.deployment_bucket = f.gen1.root_name + "-deployment";
    }
    if (!f.deployment_bucket.empty()) {
      aws::S3Client s3(client);
      Result<std::map<std::string, std::string>> tags = s3.GetBucketTagging(f.deployment_bucket);
      if (tags) {
        f.bucket_exists = true;
        f.bucket_tags = std::move(*tags);
      } else if (!IsNotFound(tags.error())) {
        return MakeError(tags.error());
      }
    }
    return f;
  }
};

// ---------------------------------------------------------------- delete

struct Outcome {
  bool deleted = false;  // false: it was gone already
};

class CleanupDeleteStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.cleanup-delete"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Delete one part of the cleanup plan, in order: stacks (waiting), then what they "
        "retained, buckets emptied first, tables' deletion protection turned off first; "
        "anything already gone counts as deleted",
        [] {
          std::vector<FieldSpec> fields = EnvFields();
          fields.push_back({"plan", FieldType::kMap, true, "migration.cleanup-plan's plan", {}});
          fields.push_back({"part", FieldType::kString, true, "gen2 or gen1", {}});
          return fields;
        }(),
        {{"deleted", FieldType::kList, false, "each item: kind, id, outcome (deleted|gone)", {}},
         {"count", FieldType::kInteger, false, "how many items this run deleted", {}}},
        false,
        true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return InputString(inputs, "part") == "gen1"
               ? "delete the Gen1 clone (root stack, retained resources, deployment bucket, "
                 "backend environment)"
               : "delete the Gen2 clone branch (its stack, retained resources, the orphaned "
                 "copies, the branch)";
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(std::vector<CleanupItem> items, Items(inputs));
    ValueList deleted;
    int64_t count = 0;
    for (const CleanupItem& item : items) {
      TRY(ctx.StopReason());
      ASSIGN_OR_RETURN(Outcome outcome, DeleteItem(*client, ctx, env, item));
      Value record(ValueMap{});
      record.Set("kind", item.kind);
      record.Set("id", item.id);
      record.Set("outcome", outcome.deleted ? "deleted" : "gone");
      deleted.push_back(std::move(record));
      if (outcome.deleted) ++count;
      if (ctx.progress != nullptr) {
        ctx.progress->Progress(fmt::format(
            "{} {} {}", outcome.deleted ? "deleted" : "already gone:", item.kind, item.id));
      }
    }
    Value out(ValueMap{});
    out.Set("deleted", Value(std::move(deleted)));
    out.Set("count", Value(count));
    return out;
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(std::vector<CleanupItem> items, Items(inputs));
    ValueList deleted;
    for (const CleanupItem& item : items) {
      ASSIGN_OR_RETURN(bool exists, Exists(*client, ctx, env, item));
      if (exists) {
        return CheckResult{CheckOutcome::kNotDone, Value(),
                           fmt::format("{} {} still exists", item.kind, item.id)};
      }
      Value record(ValueMap{});
      record.Set("kind", item.kind);
      record.Set("id", item.id);
      record.Set("outcome", "gone");
      deleted.push_back(std::move(record));
    }
    Value out(ValueMap{});
    out.Set("deleted", Value(std::move(deleted)));
    out.Set("count", Value(int64_t{0}));
    return CheckResult{CheckOutcome::kDone, out, "every item of the part is gone"};
  }

 private:
  static Result<std::vector<CleanupItem>> Items(const Value& inputs) {
    const Value* plan_value = inputs.Find("plan");
    if (plan_value == nullptr) return MakeError(ErrorCode::kInvalidInput, "no plan");
    ASSIGN_OR_RETURN(CleanupPlan plan, CleanupPlan::FromValue(*plan_value));
    std::string part = InputString(inputs, "part");
    if (part != "gen1" && part != "gen2") {
      return MakeError(ErrorCode::kInvalidInput, "part must be gen1 or gen2, not '" + part + "'");
    }
    std::vector<CleanupItem> out;
    for (const CleanupItem& i : plan.items) {
      if (i.part == part) out.push_back(i);
    }
    return out;
  }

  // Whether the item still exists (a stack in DELETE_COMPLETE does not).
  static Result<bool> Exists(aws::AwsClient& client, StepContext& ctx, const EnvInputs& env,
                             const CleanupItem& item) {
    Result<Value> found = Value();
    if (item.kind == "stack") {
      aws::CloudFormationClient cfn(client, *ctx.clock);
      found = cfn.DescribeStack(item.id);
      if (found && StringAt(*found, "StackStatus") == "DELETE_COMPLETE") return false;
    } else if (item.kind == "table") {
      found = aws::DynamoDbClient(client).DescribeTable(item.id);
    } else if (item.kind == "bucket") {
      found = aws::S3Client(client).HeadBucket(item.id);
    } else if (item.kind == "user-pool") {
      found = aws::CognitoClient(client).DescribeUserPool(item.id);
    } else if (item.kind == "identity-pool") {
      // Not read back here (no DescribeIdentityPool in the client): taken
      // as still there, so a resumed part deletes again, and NotFound says gone.
      return true;
    } else if (item.kind == "backend-environment") {
      found = aws::AmplifyClient(client).GetBackendEnvironment(env.app_id, item.id);
    } else if (item.kind == "branch") {
      found = aws::AmplifyClient(client).GetBranch(env.app_id, item.id);
    } else {
      return MakeError(ErrorCode::kInvalidInput, "unknown cleanup item kind " + item.kind);
    }
    if (found) return true;
    if (IsNotFound(found.error())) return false;
    return MakeError(found.error());
  }

  // A delete call's result: NotFound means it was gone already.
  static Result<Outcome> Gone(Result<Value> result) {
    if (result) return Outcome{true};
    if (IsNotFound(result.error())) return Outcome{false};
    return MakeError(result.error());
  }

  static Result<Outcome> DeleteItem(aws::AwsClient& client, StepContext& ctx, const EnvInputs& env,
                                    const CleanupItem& item) {
    if (item.kind == "stack") {
      ASSIGN_OR_RETURN(bool exists, Exists(client, ctx, env, item));
      if (!exists) return Outcome{false};
      aws::CloudFormationClient cfn(client, *ctx.clock);
      Result<void> started = cfn.DeleteStack(item.id, "");
      if (!started && !IsNotFound(started.error())) return MakeError(started.error());
      ASSIGN_OR_RETURN(Value last, cfn.WaitForStackDeleted(item.id, StepWaitOptions(ctx)));
      (void)last;
      return Outcome{true};
    }
    if (item.kind == "table") {
      aws::DynamoDbClient ddb(client);
      Result<Value> table = ddb.DescribeTable(item.id);
      if (!table) return Gone(std::move(table));
      const Value* t = table->Find("Table");
      const Value* protect = t != nullptr ? t->Find("DeletionProtectionEnabled") : nullptr;
      if (protect != nullptr && protect->is_bool() && protect->as_bool()) {
        Result<Value> off = ddb.SetDeletionProtection(item.id, false);
        if (!off) return Gone(std::move(off));
      }
      return Gone(ddb.DeleteTable(item.id));
    }
    if (item.kind == "bucket") {
      aws::S3Client s3(client);
      Result<ValueList> objects = s3.ListObjects(item.id, "");
      if (!objects) {
        if (IsNotFound(objects.error())) return Outcome{false};
        return MakeError(objects.error());
      }
      for (const Value& o : *objects) {
        TRY(ctx.StopReason());
        Result<Value> gone = s3.DeleteObject(item.id, StringAt(o, "Key"));
        if (!gone && !IsNotFound(gone.error())) return MakeError(gone.error());
      }
      return Gone(s3.DeleteBucket(item.id));
    }
    if (item.kind == "user-pool") {
      aws::CognitoClient cognito(client);
      Result<Value> pool = cognito.DescribeUserPool(item.id);
      if (!pool) return Gone(std::move(pool));
      const Value* p = pool->Find("UserPool");
      for (std::string_view field : {"Domain", "CustomDomain"}) {
        std::string domain = p != nullptr ? StringAt(*p, field) : "";
        if (domain.empty()) continue;
        Result<Value> removed = cognito.DeleteUserPoolDomain(item.id, domain);
        if (!removed && !IsNotFound(removed.error())) return MakeError(removed.error());
      }
      return Gone(cognito.DeleteUserPool(item.id));
    }
    if (item.kind == "identity-pool") {
      return Gone(aws::CognitoIdentityClient(client).DeleteIdentityPool(item.id));
    }
    if (item.kind == "backend-environment") {
      return Gone(aws::AmplifyClient(client).DeleteBackendEnvironment(env.app_id, item.id));
    }
    if (item.kind == "branch") {
      return Gone(aws::AmplifyClient(client).DeleteBranch(env.app_id, item.id));
    }
    return MakeError(ErrorCode::kInvalidInput, "unknown cleanup item kind " + item.kind);
  }
};

}  // namespace

void RegisterCleanupSteps(StepRegistry& registry, aws::ClientPool& clients) {
  registry.Register(std::make_unique<CleanupPlanStep>(clients));
  registry.Register(std::make_unique<CleanupDeleteStep>(clients));
}

}  // namespace flightplan::migration
