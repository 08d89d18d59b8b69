#include "steps/migration/environment.h"

#include <fmt/format.h>

#include <functional>

#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"

namespace flightplan::migration {

using aws::ListAt;
using aws::StringAt;

std::string EnvStack::Label() const {
  return path.empty() ? fmt::format("root stack {}", name)
                      : fmt::format("nested stack {} ({})", path, name);
}

const EnvStack* Gen1Environment::FindStack(const std::string& path) const {
  for (const EnvStack& s : stacks) {
    if (s.path == path) return &s;
  }
  return nullptr;
}

int Gen1Environment::StatefulCount() const {
  int n = 0;
  for (const EnvStack& s : stacks) {
    for (const EnvResource& r : s.resources) n += r.stateful ? 1 : 0;
  }
  return n;
}

namespace {

Result<EnvStack> ReadStack(aws::CloudFormationClient& cfn, const std::string& stack_ref,
                           const std::string& path, const StatefulTypes& stateful) {
  EnvStack out;
  out.path = path;
  ASSIGN_OR_RETURN(Value described, cfn.DescribeStack(stack_ref));
  out.name = StringAt(described, "StackName");
  out.id = StringAt(described, "StackId");
  out.status = StringAt(described, "StackStatus");
  out.description = StringAt(described, "Description");
  out.parameters = ListAt(described, "Parameters");
  ASSIGN_OR_RETURN(out.template_body, cfn.GetTemplate(out.id, aws::TemplateStage::kOriginal));
  ASSIGN_OR_RETURN(ValueList resources, cfn.ListStackResources(out.id));
  for (const Value& r : resources) {
    EnvResource res;
    res.logical_id = StringAt(r, "LogicalResourceId");
    res.physical_id = StringAt(r, "PhysicalResourceId");
    res.type = StringAt(r, "ResourceType");
    res.status = StringAt(r, "ResourceStatus");
    res.stateful = stateful.IsStateful(res.type);
    out.resources.push_back(std::move(res));
  }
  return out;
}

}  // namespace

Result<BackendEnvironment> FindBackendEnvironment(aws::AwsClient& client, const std::string& app_id,
                                                  const std::string& env) {
  aws::AmplifyClient amplify(client);
  Result<Value> backend = amplify.GetBackendEnvironment(app_id, env);
  if (!backend) {
    if (backend.error().code() != ErrorCode::kNotFound) return MakeError(backend.error());
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("Amplify knows no backend environment '{}' of app '{}' in {}: "
                                 "check --app-id, --env and --region (`aws amplify "
                                 "list-backend-environments --app-id {}` lists them)",
                                 env, app_id, client.endpoint_config().region, app_id));
  }
  const Value* be = backend->Find("backendEnvironment");
  const Value& envinfo = be != nullptr ? *be : *backend;
  BackendEnvironment out;
  out.root_stack = StringAt(envinfo, "stackName");
  out.deployment_bucket = StringAt(envinfo, "deploymentArtifacts");
  if (out.root_stack.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("backend environment '{}' of app '{}' names no root stack: it "
                                 "was never pushed (`amplify push` deploys it)",
                                 env, app_id));
  }
  return out;
}

Result<std::vector<EnvStack>> DiscoverStackTree(aws::AwsClient& client, Clock& clock,
                                                const std::string& root_stack,
                                                const StatefulTypes& stateful) {
  std::vector<EnvStack> stacks;
  aws::CloudFormationClient cfn(client, clock);
  std::function<Result<void>(const std::string&, const std::string&, int)> walk =
      [&](const std::string& ref, const std::string& path, int depth) -> Result<void> {
    if (depth > kMaxStackDepth) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("nested stack {} is deeper than {} levels; Gen1 environments "
                                   "nest three",
                                   path, kMaxStackDepth));
    }
    if (static_cast<int>(stacks.size()) >= kMaxStacks) {
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("the stack tree of {} has more than {} stacks", root_stack, kMaxStacks));
    }
    Result<EnvStack> stack = ReadStack(cfn, ref, path, stateful);
    if (!stack) {
      return MakeError(std::move(stack.error())
                           .WithContext(path.empty()
                                            ? fmt::format("reading root stack {}", ref)
                                            : fmt::format("reading nested stack {}", path)));
    }
    std::vector<std::pair<std::string, std::string>> children;
    for (const EnvResource& r : stack->resources) {
      if (r.type == "AWS::CloudFormation::Stack" && !r.physical_id.empty()) {
        children.emplace_back(r.physical_id,
                              path.empty() ? r.logical_id : path + "/" + r.logical_id);
      }
    }
    stacks.push_back(std::move(*stack));
    for (const auto& [child_ref, child_path] : children)
      TRY(walk(child_ref, child_path, depth + 1));
    return {};
  };
  TRY(walk(root_stack, "", 0));
  return stacks;
}

Result<Gen1Environment> DiscoverEnvironment(aws::AwsClient& client, Clock& clock,
                                            const std::string& app_id, const std::string& env,
                                            const StatefulTypes& stateful) {
  Gen1Environment out;
  out.app_id = app_id;
  out.env = env;
  out.region = client.endpoint_config().region;
  ASSIGN_OR_RETURN(BackendEnvironment found, FindBackendEnvironment(client, app_id, env));
  out.root_stack = std::move(found.root_stack);
  out.deployment_bucket = std::move(found.deployment_bucket);
  ASSIGN_OR_RETURN(out.stacks, DiscoverStackTree(client, clock, out.root_stack, stateful));
  if (out.deployment_bucket.empty()) {
    for (const Value& p : out.root().parameters) {
      if (StringAt(p, "ParameterKey") == "DeploymentBucketName") {
        out.deployment_bucket = StringAt(p, "ParameterValue");
      }
    }
  }
  return out;
}

Result<std::vector<AppBranch>> DiscoverBranches(aws::AwsClient& client, Clock& clock,
                                                const std::string& app_id,
                                                const std::string& gen1_root_stack) {
  aws::AmplifyClient amplify(client);
  ASSIGN_OR_RETURN(ValueList branches, amplify.ListBranches(app_id));
  aws::CloudFormationClient cfn(client, clock);
  std::vector<AppBranch> out;
  for (const Value& b : branches) {
    AppBranch branch;
    branch.name = StringAt(b, "branchName");
    branch.stage = StringAt(b, "stage");
    if (const Value* backend = b.Find("backend")) branch.stack_arn = StringAt(*backend, "stackArn");
    if (!branch.stack_arn.empty()) {
      Result<Value> stack = cfn.DescribeStack(branch.stack_arn);
      if (stack) {
        branch.stack_status = StringAt(*stack, "StackStatus");
        branch.gen2 = StringAt(*stack, "StackName") != gen1_root_stack;
      } else if (stack.error().code() != ErrorCode::kNotFound) {
        return MakeError(stack.error());
      }
    }
    out.push_back(std::move(branch));
  }
  return out;
}

bool EnvResource::IdentifiesAcrossAccount() const {
  if (type == "AWS::Cognito::UserPoolGroup" || type == "AWS::IAM::Policy") return false;
  return stateful || type == "AWS::CloudFormation::Stack" || physical_id.starts_with("arn:");
}

bool DeployableStatus(const std::string& status) {
  return status == "UPDATE_COMPLETE" || status == "CREATE_COMPLETE" ||
         status == "UPDATE_ROLLBACK_COMPLETE";
}

std::string Gen1CliVersion(const std::string& description) {
  size_t brace = description.find('{');
  if (brace == std::string::npos) return "";
  // Descriptions may put text before the JSON ("An auto-generated nested
  // stack.{...}"); the JSON runs to the last brace.
  size_t last = description.rfind('}');
  if (last == std::string::npos || last < brace) return "";
  Result<Value> json = Value::FromJson(description.substr(brace, last - brace + 1));
  if (!json || !json->is_map()) return "";
  return StringAt(*json, "createdWith");
}

}  // namespace flightplan::migration
