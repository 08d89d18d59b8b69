// The clone steps (clone.h plans; docs/migration-guide.md, "Clone"):
//   migration.clone-plan       names and isolation, before anything exists
//   migration.clone-root       the clone's root stack with its own resources
//                              (deployment bucket, roles), tagged; rollback
//                              deletes the stack tree and the bucket, after
//                              proving none of it is production's
//   migration.clone-artifacts  production's deployment artefacts copied and
//                              rewritten into the clone's bucket
//   migration.clone-stacks     the root stack updated to the whole tree
//   migration.clone-register   #current-cloud-backend.zip for the clone and
//                              the Amplify backend environment
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "base/digest.h"
#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/migration/clone.h"
#include "steps/migration/cloud_backend.h"
#include "steps/migration/register_parts.h"
#include "steps/migration/step_support.h"

namespace flightplan::migration {
namespace {

namespace fs = std::filesystem;
using aws::StringAt;

std::vector<FieldSpec> CloneFields(bool with_suffix) {
  std::vector<FieldSpec> fields = EnvFields();
  fields.push_back({"clone_env", FieldType::kString, true, "the clone environment's name", {}});
  if (with_suffix) {
    fields.push_back({"suffix",
                      FieldType::kString,
                      true,
                      "the 5 hex digits of the clone's root stack name (clone-plan's output)",
                      {}});
  }
  return fields;
}

int64_t NowEpoch(const StepContext& ctx) { return ctx.clock->Now().unix_ms / 1000; }

Value TagList(const CloneNames& names) {
  ValueList tags;
  for (const auto& [k, v] : names.Tags()) {
    Value tag(ValueMap{});
    tag.Set("Key", k);
    tag.Set("Value", v);
    tags.push_back(std::move(tag));
  }
  return Value(std::move(tags));
}

bool HasCloneTags(const Value& stack, const CloneNames& names) {
  int found = 0;
  for (const Value& tag : aws::ListAt(stack, "Tags")) {
    for (const auto& [k, v] : names.Tags()) {
      if (StringAt(tag, "Key") == k && StringAt(tag, "Value") == v) ++found;
    }
  }
  return found == 2;
}

class CloneStepBase : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;

 protected:
  struct Planned {
    EnvInputs env;
    aws::AwsClient* client = nullptr;
    Gen1Environment prod;
    CloneNames names;
  };

  // Production discovered and the clone's names; `suffix` "" → from the token.
  Result<Planned> PlanFor(const Value& inputs, StepContext& ctx, std::string suffix) const {
    Planned p;
    ASSIGN_OR_RETURN(p.env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(p.client, Client(p.env));
    ASSIGN_OR_RETURN(p.prod, Discover(p.env, ctx));
    if (suffix.empty()) suffix = Sha256Hex(ctx.idempotency_token).substr(0, 5);
    ASSIGN_OR_RETURN(p.names,
                     MakeCloneNames(p.env.app_id, p.env.env, InputString(inputs, "clone_env"),
                                    p.prod.root_stack, p.prod.deployment_bucket, suffix));
    return p;
  }

  static std::string CloneRootKey() { return "root-cloudformation-stack.json"; }
};

// ---- migration.clone-plan

class ClonePlanStep final : public CloneStepBase {
 public:
  using CloneStepBase::CloneStepBase;
  std::string_view name() const override { return "migration.clone-plan"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Name the clone and prove it would share no stateful resource with production",
        CloneFields(false),
        {{"clone_root_stack", FieldType::kString, false, "the clone's root stack name", {}},
         {"clone_bucket", FieldType::kString, false, "the clone's deployment bucket", {}},
         {"suffix", FieldType::kString, false, "the 5 hex digits of the root stack name", {}},
         {"stacks", FieldType::kInteger, false, "stacks the clone will have", {}},
         {"stateful", FieldType::kInteger, false, "stateful resources it will own", {}},
         {"warnings",
          FieldType::kList,
          false,
          "what the clone keeps of production that shares no resource (resolver code naming "
          "production's ids)",
          {}}},
        /*has_auto_rollback=*/false,
        /*has_check=*/true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format("plan the clone {} of {}/{} and check its isolation",
                       InputString(inputs, "clone_env"), InputString(inputs, "app_id"),
                       InputString(inputs, "env"));
  }
  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Value out, Run(inputs, ctx));
    return fmt::format(
        "clone {} → root stack {} (bucket {}): {} stacks, {} stateful resources of its own; "
        "isolation proven\n",
        StringAt(out, "clone_env"), StringAt(out, "clone_root_stack"),
        StringAt(out, "clone_bucket"), out.Find("stacks")->ToText(),
        out.Find("stateful")->ToText());
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    return Run(inputs, ctx);
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "the plan only reads; it runs again"};
  }

 private:
  Result<Value> Run(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(Planned p, PlanFor(inputs, ctx, ""));
    aws::AmplifyClient amplify(*p.client);
    if (Result<Value> existing = amplify.GetBackendEnvironment(p.env.app_id, p.names.clone_env);
        existing) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("app {} already has an environment {}: pick another "
                                   "--clone-env, or remove that one first",
                                   p.env.app_id, p.names.clone_env));
    }
    ASSIGN_OR_RETURN(std::vector<CloneStackPlan> stacks,
                     PlanCloneStacks(p.prod, p.names, NowEpoch(ctx)));
    std::optional<Value> meta;
    if (!p.prod.deployment_bucket.empty()) {
      fs::path tmp = fs::temp_directory_path() /
                     fmt::format("flightplan-clone-{}.zip", Sha256Hex(ctx.idempotency_token));
      if (DownloadCloudBackend(*p.client, p.prod.deployment_bucket, tmp.string())) {
        TRY(ReadZipEntries(
            tmp.string(), std::string(kCloudBackendKey),
            [](const std::string& name) { return name != "amplify-meta.json"; },
            [&](const std::string&, std::string_view bytes) -> Result<void> {
              Result<Value> json = Value::FromJson(bytes);
              if (json) meta = std::move(*json);
              return {};
            }));
      }
      std::error_code ec;
      fs::remove(tmp, ec);
    }
    std::vector<IsolationProblem> problems =
        CheckIsolation(p.prod, p.names, stacks, meta ? &*meta : nullptr);
    ValueList warnings;
    std::vector<IsolationProblem> blocking;
    for (const IsolationProblem& problem : problems) {
      if (problem.blocking) {
        blocking.push_back(problem);
        continue;
      }
      std::string line = fmt::format("{}: {}", problem.stack, problem.reason);
      if (ctx.progress != nullptr) ctx.progress->Progress("warning: " + line);
      warnings.push_back(Value(line));
    }
    if (!blocking.empty()) {
      std::string lines;
      for (const IsolationProblem& problem : blocking) {
        lines += fmt::format("\n  - {}{}{}: {}", problem.stack,
                             problem.logical_id.empty() ? "" : " " + problem.logical_id,
                             problem.type.empty() ? "" : " (" + problem.type + ")", problem.reason);
      }
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("the clone {} would not be isolated from production {}; "
                                   "nothing was created:{}",
                                   p.names.clone_env, p.env.Describe(), lines));
    }
    int stateful = 0;
    for (const CloneStackPlan& s : stacks) {
      for (const EnvResource& r : s.prod->resources) stateful += r.stateful ? 1 : 0;
    }
    Value out(ValueMap{});
    out.Set("clone_env", p.names.clone_env);
    out.Set("clone_root_stack", p.names.clone_root_stack);
    out.Set("clone_bucket", p.names.clone_bucket);
    out.Set("suffix", p.names.clone_root_stack.substr(p.names.clone_root_stack.size() - 5));
    out.Set("stacks", static_cast<int64_t>(stacks.size()));
    out.Set("stateful", static_cast<int64_t>(stateful));
    out.Set("warnings", Value(std::move(warnings)));
    return out;
  }
};

// ---- migration.clone-root

class CloneRootStep final : public CloneStepBase {
 public:
  using CloneStepBase::CloneStepBase;
  std::string_view name() const override { return "migration.clone-root"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Create the clone's root stack with its own resources (deployment bucket, roles), "
        "tagged as a clone; rollback deletes the clone's stacks and bucket",
        CloneFields(true),
        {{"stack_id", FieldType::kString, false, "the clone root stack's id", {}},
         {"bucket", FieldType::kString, false, "the clone's deployment bucket", {}}},
        /*has_auto_rollback=*/true,
        /*has_check=*/true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format("create the root stack of the clone {}", InputString(inputs, "clone_env"));
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Planned p, PlanFor(inputs, ctx, InputString(inputs, "suffix")));
    aws::CloudFormationClient cfn(*p.client, *ctx.clock);
    Result<Value> existing = cfn.DescribeStack(p.names.clone_root_stack);
    if (!existing && existing.error().code() != ErrorCode::kNotFound) {
      return MakeError(existing.error());
    }
    if (existing) {
      // A resumed run finds its own stack again: never a second create.
      if (!HasCloneTags(*existing, p.names)) {
        return MakeError(ErrorCode::kConflict,
                         fmt::format("a stack {} exists without the clone's tags; clone will not "
                                     "touch it",
                                     p.names.clone_root_stack));
      }
    } else {
      ASSIGN_OR_RETURN(Value prod_root, Value::FromJson(p.prod.root().template_body));
      Value base = CloneBaseTemplate(CloneRootTemplate(prod_root, p.names));
      Value params(ValueMap{});
      params.Set("StackName", p.names.clone_root_stack);
      params.Set("TemplateBody", base.ToJson());
      ValueList parameters;
      for (const Value& prod_param : p.prod.root().parameters) {
        Value param(ValueMap{});
        param.Set("ParameterKey", StringAt(prod_param, "ParameterKey"));
        param.Set("ParameterValue", RewriteText(StringAt(prod_param, "ParameterValue"), p.names));
        parameters.push_back(std::move(param));
      }
      params.Set("Parameters", Value(std::move(parameters)));
      params.Set("Capabilities",
                 Value(ValueList{Value("CAPABILITY_IAM"), Value("CAPABILITY_NAMED_IAM"),
                                 Value("CAPABILITY_AUTO_EXPAND")}));
      params.Set("Tags", TagList(p.names));
      params.Set("ClientRequestToken", "flightplan-" + ctx.idempotency_token.substr(0, 50));
      ASSIGN_OR_RETURN(std::string id, cfn.CreateStack(params));
      (void)id;
    }
    ASSIGN_OR_RETURN(Value done, cfn.WaitForStack(p.names.clone_root_stack, StepWaitOptions(ctx)));
    aws::S3Client s3(*p.client);
    ASSIGN_OR_RETURN(Value tagged, s3.PutBucketTagging(p.names.clone_bucket, p.names.Tags()));
    (void)tagged;
    Value out(ValueMap{});
    out.Set("stack_id", StringAt(done, "StackId"));
    out.Set("bucket", p.names.clone_bucket);
    return out;
  }

  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Planned p, PlanFor(inputs, ctx, InputString(inputs, "suffix")));
    aws::CloudFormationClient cfn(*p.client, *ctx.clock);
    Result<Value> stack = cfn.DescribeStack(p.names.clone_root_stack);
    if (!stack) {
      if (stack.error().code() == ErrorCode::kNotFound) {
        return CheckResult{CheckOutcome::kNotDone, Value(), "the clone's root stack is absent"};
      }
      return MakeError(stack.error());
    }
    // Execute finds the stack and waits; running it again converges.
    return CheckResult{CheckOutcome::kNotDone, Value(),
                       fmt::format("the clone's root stack is {}; waiting for it again",
                                   StringAt(*stack, "StackStatus"))};
  }

  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Planned p, PlanFor(inputs, ctx, InputString(inputs, "suffix")));
    aws::CloudFormationClient cfn(*p.client, *ctx.clock);
    // Proof first: everything about to be deleted is the clone's.
    std::set<std::string> prod_ids;
    for (const EnvStack& s : p.prod.stacks) {
      prod_ids.insert(s.id);
      prod_ids.insert(s.name);
      for (const EnvResource& r : s.resources) prod_ids.insert(r.physical_id);
    }
    prod_ids.insert(p.prod.deployment_bucket);
    Result<Value> stack = cfn.DescribeStack(p.names.clone_root_stack);
    if (!stack && stack.error().code() != ErrorCode::kNotFound) return MakeError(stack.error());
    if (stack && StringAt(*stack, "StackStatus") != "DELETE_COMPLETE") {
      if (!HasCloneTags(*stack, p.names)) {
        return MakeError(
            ErrorCode::kConflict,
            fmt::format("the stack {} lacks the clone's tags ({}={}/{}); rollback "
                        "deletes only what it can prove is the clone's",
                        p.names.clone_root_stack, kCloneOfTag, p.names.app_id, p.names.prod_env));
      }
      ASSIGN_OR_RETURN(StatefulTypes stateful, Stateful(p.env));
      ASSIGN_OR_RETURN(
          std::vector<EnvStack> tree,
          DiscoverStackTree(*p.client, *ctx.clock, p.names.clone_root_stack, stateful));
      for (const EnvStack& s : tree) {
        for (const EnvResource& r : s.resources) {
          if (!r.IdentifiesAcrossAccount()) continue;
          if (!r.physical_id.empty() && prod_ids.count(r.physical_id) > 0) {
            return MakeError(ErrorCode::kConflict,
                             fmt::format("the clone's {} {} is production's {} — nothing deleted; "
                                         "investigate before rolling back",
                                         s.Label(), r.logical_id, r.physical_id));
          }
        }
      }
      std::string stack_id = StringAt(*stack, "StackId");
      TRY(cfn.DeleteStack(stack_id, "flightplan-rb-" + ctx.idempotency_token.substr(0, 40)));
      ASSIGN_OR_RETURN(Value deleted, cfn.WaitForStackDeleted(stack_id, StepWaitOptions(ctx)));
      (void)deleted;
    }
    // The bucket is Retain in Gen1's root template: emptied and deleted here.
    aws::S3Client s3(*p.client);
    Result<Value> head = s3.HeadBucket(p.names.clone_bucket);
    if (!head) {
      if (head.error().code() == ErrorCode::kNotFound) return {};
      return MakeError(head.error());
    }
    if (prod_ids.count(p.names.clone_bucket) > 0) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("the bucket {} is production's", p.names.clone_bucket));
    }
    ASSIGN_OR_RETURN(auto tags, s3.GetBucketTagging(p.names.clone_bucket));
    for (const auto& [k, v] : p.names.Tags()) {
      auto it = tags.find(k);
      if (it == tags.end() || it->second != v) {
        return MakeError(ErrorCode::kConflict,
                         fmt::format("the bucket {} lacks the clone's tag {}={}: not deleted",
                                     p.names.clone_bucket, k, v));
      }
    }
    ASSIGN_OR_RETURN(ValueList objects, s3.ListObjects(p.names.clone_bucket, ""));
    for (const Value& object : objects) {
      TRY(ctx.StopReason());
      ASSIGN_OR_RETURN(Value gone, s3.DeleteObject(p.names.clone_bucket, StringAt(object, "Key")));
      (void)gone;
    }
    ASSIGN_OR_RETURN(Value gone, s3.DeleteBucket(p.names.clone_bucket));
    (void)gone;
    return {};
  }

  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Planned p, PlanFor(inputs, ctx, InputString(inputs, "suffix")));
    aws::CloudFormationClient cfn(*p.client, *ctx.clock);
    Result<Value> stack = cfn.DescribeStack(p.names.clone_root_stack);
    if (stack && StringAt(*stack, "StackStatus") != "DELETE_COMPLETE") {
      return CheckResult{CheckOutcome::kNotDone, Value(), "the clone's root stack still exists"};
    }
    aws::S3Client s3(*p.client);
    if (s3.HeadBucket(p.names.clone_bucket)) {
      return CheckResult{CheckOutcome::kNotDone, Value(), "the clone's bucket still exists"};
    }
    return CheckResult{CheckOutcome::kDone, Value(), "the clone's stack and bucket are gone"};
  }
};

// ---- migration.clone-artifacts

bool IsText(const std::string& key) {
  for (std::string_view ext :
       {".json", ".txt", ".graphql", ".vtl", ".yml", ".yaml", ".js", ".ts", ".md", ".html"}) {
    if (key.ends_with(ext)) return true;
  }
  return false;
}

class CloneArtifactsStep final : public CloneStepBase {
 public:
  using CloneStepBase::CloneStepBase;
  std::string_view name() const override { return "migration.clone-artifacts"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Copy production's deployment artefacts into the clone's bucket, rewritten for the "
        "clone, and every deployed template where the clone's stacks will read it",
        CloneFields(true),
        {{"objects", FieldType::kInteger, false, "objects written", {}}},
        /*has_auto_rollback=*/false,
        /*has_check=*/true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format("copy the deployment artefacts for the clone {}",
                       InputString(inputs, "clone_env"));
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Planned p, PlanFor(inputs, ctx, InputString(inputs, "suffix")));
    ASSIGN_OR_RETURN(std::vector<CloneStackPlan> stacks,
                     PlanCloneStacks(p.prod, p.names, NowEpoch(ctx)));
    aws::S3Client s3(*p.client);
    std::map<std::string, std::string> writes;  // key → body
    if (!p.prod.deployment_bucket.empty()) {
      ASSIGN_OR_RETURN(ValueList objects, s3.ListObjects(p.prod.deployment_bucket, ""));
      for (const Value& object : objects) {
        std::string key = StringAt(object, "Key");
        // flightplan's own uploads and the zip (clone-register writes it).
        if (key.starts_with("flightplan/") || key == kCloudBackendKey) continue;
        TRY(ctx.StopReason());
        ASSIGN_OR_RETURN(Value got, s3.GetObject(p.prod.deployment_bucket, key));
        std::string body = StringAt(got, "Body");
        writes[key] = IsText(key) ? RewriteText(body, p.names) : body;
      }
    }
    // The deployed templates, as CloudFormation holds them, win over the
    // bucket's copies.
    for (const CloneStackPlan& s : stacks) {
      writes[s.path.empty() ? CloneRootKey() : s.template_key] = s.clone_template.ToJson();
    }
    for (const auto& [key, body] : writes) {
      TRY(ctx.StopReason());
      Value put(ValueMap{});
      put.Set("Bucket", p.names.clone_bucket);
      put.Set("Key", key);
      put.Set("Body", body);
      ASSIGN_OR_RETURN(Value done, s3.PutObject(put));
      (void)done;
    }
    Value out(ValueMap{});
    out.Set("objects", static_cast<int64_t>(writes.size()));
    return out;
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(),
                       "every write is idempotent (the same keys, the same bodies); it runs again"};
  }
};

// ---- migration.clone-stacks

class CloneStacksStep final : public CloneStepBase {
 public:
  using CloneStepBase::CloneStepBase;
  std::string_view name() const override { return "migration.clone-stacks"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Update the clone's root stack to production's whole template tree (its nested "
        "stacks and stateful resources are created)",
        CloneFields(true),
        {{"stack_id", FieldType::kString, false, "the clone root stack's id", {}}},
        /*has_auto_rollback=*/false,
        /*has_check=*/true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format("create the nested stacks of the clone {}",
                       InputString(inputs, "clone_env"));
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Planned p, PlanFor(inputs, ctx, InputString(inputs, "suffix")));
    aws::CloudFormationClient cfn(*p.client, *ctx.clock);
    ASSIGN_OR_RETURN(Value stack, cfn.DescribeStack(p.names.clone_root_stack));
    if (!HasCloneTags(stack, p.names)) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("{} lacks the clone's tags", p.names.clone_root_stack));
    }
    std::string status = StringAt(stack, "StackStatus");
    if (status == "CREATE_COMPLETE" || status == "UPDATE_ROLLBACK_COMPLETE") {
      Value params(ValueMap{});
      params.Set("StackName", p.names.clone_root_stack);
      params.Set("TemplateURL", fmt::format("https://s3.amazonaws.com/{}/{}", p.names.clone_bucket,
                                            CloneRootKey()));
      ValueList parameters;
      for (const Value& prod_param : p.prod.root().parameters) {
        Value param(ValueMap{});
        param.Set("ParameterKey", StringAt(prod_param, "ParameterKey"));
        param.Set("UsePreviousValue", true);
        parameters.push_back(std::move(param));
      }
      params.Set("Parameters", Value(std::move(parameters)));
      params.Set("Capabilities",
                 Value(ValueList{Value("CAPABILITY_IAM"), Value("CAPABILITY_NAMED_IAM"),
                                 Value("CAPABILITY_AUTO_EXPAND")}));
      params.Set("Tags", TagList(p.names));
      params.Set("ClientRequestToken", "flightplan-" + ctx.idempotency_token.substr(0, 50));
      ASSIGN_OR_RETURN(aws::UpdateOutcome outcome, cfn.UpdateStack(params));
      (void)outcome;
    }
    ASSIGN_OR_RETURN(Value done, cfn.WaitForStack(p.names.clone_root_stack, StepWaitOptions(ctx)));
    Value out(ValueMap{});
    out.Set("stack_id", StringAt(done, "StackId"));
    return out;
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(),
                       "a rerun finds the stack updating or updated and waits; it runs again"};
  }
};

// ---- migration.clone-register

Result<std::string> WriteZip(const std::vector<std::pair<std::string, std::string>>& entries,
                             const fs::path& path) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (archive == nullptr) {
    return MakeError(ErrorCode::kStateFile,
                     fmt::format("cannot create {} (libzip error {})", path.string(), error));
  }
  for (const auto& [name, bytes] : entries) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    if (source == nullptr || zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE) < 0) {
      if (source != nullptr) zip_source_free(source);
      std::string message = zip_strerror(archive);
      zip_discard(archive);
      return MakeError(ErrorCode::kStateFile, fmt::format("cannot add {}: {}", name, message));
    }
  }
  if (zip_close(archive) != 0) {
    std::string message = zip_strerror(archive);
    zip_discard(archive);
    return MakeError(ErrorCode::kStateFile, fmt::format("cannot write the zip: {}", message));
  }
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class CloneRegisterStep final : public CloneStepBase {
 public:
  using CloneStepBase::CloneStepBase;
  std::string_view name() const override { return "migration.clone-register"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        "Write the clone's #current-cloud-backend.zip and register the clone as an Amplify "
        "backend environment; rollback deletes the backend environment",
        CloneFields(true),
        {{"environment", FieldType::kString, false, "the registered environment", {}}},
        /*has_auto_rollback=*/true,
        /*has_check=*/true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return fmt::format("register the clone {} with Amplify", InputString(inputs, "clone_env"));
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Planned p, PlanFor(inputs, ctx, InputString(inputs, "suffix")));
    aws::CloudFormationClient cfn(*p.client, *ctx.clock);
    ASSIGN_OR_RETURN(Value root, cfn.DescribeStack(p.names.clone_root_stack));
    std::string root_id = StringAt(root, "StackId");
    // Each nested stack's outputs, by its logical id in the root.
    std::map<std::string, Value> outputs;
    ASSIGN_OR_RETURN(ValueList resources, cfn.ListStackResources(root_id));
    for (const Value& r : resources) {
      if (StringAt(r, "ResourceType") != "AWS::CloudFormation::Stack") continue;
      ASSIGN_OR_RETURN(Value child, cfn.DescribeStack(StringAt(r, "PhysicalResourceId")));
      Value map(ValueMap{});
      for (const Value& o : aws::ListAt(child, "Outputs")) {
        map.Set(StringAt(o, "OutputKey"), StringAt(o, "OutputValue"));
      }
      outputs[StringAt(r, "LogicalResourceId")] = std::move(map);
    }
    fs::path dir = fs::temp_directory_path() /
                   fmt::format("flightplan-clone-{}", Sha256Hex(ctx.idempotency_token));
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::path prod_zip = dir / "prod.zip";
    std::vector<std::pair<std::string, std::string>> entries;
    Result<void> downloaded =
        DownloadCloudBackend(*p.client, p.prod.deployment_bucket, prod_zip.string());
    if (downloaded) {
      TRY(ReadZipEntries(
          prod_zip.string(), std::string(kCloudBackendKey),
          [](const std::string&) { return false; },
          [&](const std::string& name, std::string_view bytes) -> Result<void> {
            std::string body(bytes);
            if (name == "amplify-meta.json" || name.ends_with("/amplify-meta.json")) {
              Result<Value> meta = Value::FromJson(body);
              if (meta) body = CloneAmplifyMeta(*meta, p.names, root_id, outputs).ToJson();
            } else if (name.ends_with("root-cloudformation-stack.json")) {
              // The nested stacks' `env` too, as in the deployed root: what
              // generate resolves the clone's names (TableName, pool names)
              // with.
              Result<Value> zipped_root = Value::FromJson(body);
              body = zipped_root ? CloneRootTemplate(*zipped_root, p.names).ToJson()
                                 : RewriteText(body, p.names);
            } else if (IsText(name)) {
              body = RewriteText(body, p.names);
            }
            entries.emplace_back(name, std::move(body));
            return {};
          }));
      ASSIGN_OR_RETURN(std::string zip, WriteZip(entries, dir / "clone.zip"));
      Value put(ValueMap{});
      put.Set("Bucket", p.names.clone_bucket);
      put.Set("Key", std::string(kCloudBackendKey));
      put.Set("Body", zip);
      put.Set("ContentType", "application/zip");
      aws::S3Client s3(*p.client);
      ASSIGN_OR_RETURN(Value done, s3.PutObject(put));
      (void)done;
    } else if (downloaded.error().code() != ErrorCode::kNotFound) {
      fs::remove_all(dir, ec);
      return MakeError(downloaded.error());
    }
    fs::remove_all(dir, ec);
    aws::AmplifyClient amplify(*p.client);
    Result<Value> existing = amplify.GetBackendEnvironment(p.env.app_id, p.names.clone_env);
    if (!existing) {
      Value params(ValueMap{});
      params.Set("appId", p.env.app_id);
      params.Set("environmentName", p.names.clone_env);
      params.Set("stackName", p.names.clone_root_stack);
      params.Set("deploymentArtifacts", p.names.clone_bucket);
      ASSIGN_OR_RETURN(Value created, amplify.CreateBackendEnvironment(params));
      (void)created;
    }
    Value out(ValueMap{});
    out.Set("environment", p.names.clone_env);
    return out;
  }
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "run again: every write is idempotent"};
  }
  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    std::string clone_env = InputString(inputs, "clone_env");
    aws::AmplifyClient amplify(*client);
    Result<Value> existing = amplify.GetBackendEnvironment(env.app_id, clone_env);
    if (!existing) {
      if (existing.error().code() == ErrorCode::kNotFound) return {};
      return MakeError(existing.error());
    }
    const Value* be = existing->Find("backendEnvironment");
    std::string stack = StringAt(be != nullptr ? *be : *existing, "stackName");
    std::string suffix = InputString(inputs, "suffix");
    if (!stack.ends_with("-" + clone_env + "-" + suffix)) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("the backend environment {} names the stack {}, not the "
                                   "clone's: not deleted",
                                   clone_env, stack));
    }
    (void)ctx;
    ASSIGN_OR_RETURN(Value gone, amplify.DeleteBackendEnvironment(env.app_id, clone_env));
    (void)gone;
    return {};
  }
  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext&) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    aws::AmplifyClient amplify(*client);
    Result<Value> existing =
        amplify.GetBackendEnvironment(env.app_id, InputString(inputs, "clone_env"));
    if (existing) {
      return CheckResult{CheckOutcome::kNotDone, Value(), "the backend environment still exists"};
    }
    if (existing.error().code() == ErrorCode::kNotFound) {
      return CheckResult{CheckOutcome::kDone, Value(), "the backend environment is gone"};
    }
    return MakeError(existing.error());
  }
};

}  // namespace

void RegisterCloneSteps(StepRegistry& registry, aws::ClientPool& clients) {
  registry.Register(std::make_unique<ClonePlanStep>(clients));
  registry.Register(std::make_unique<CloneRootStep>(clients));
  registry.Register(std::make_unique<CloneArtifactsStep>(clients));
  registry.Register(std::make_unique<CloneStacksStep>(clients));
  registry.Register(std::make_unique<CloneRegisterStep>(clients));
}

}  // namespace flightplan::migration
