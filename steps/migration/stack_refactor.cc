#include "steps/migration/stack_refactor.h"

#include <fmt/format.h>

#include <set>
#include <tuple>

#include "base/digest.h"
#include "steps/aws/cloudformation.h"
#include "steps/aws/values.h"
#include "steps/migration/apply_template.h"

namespace flightplan::migration {

using aws::StringAt;

namespace {

using Mapping = std::tuple<std::string, std::string, std::string, std::string>;

// The stack name part of a name or ARN ("arn:…:stack/<name>/<uuid>").
std::string StackNameOf(const std::string& ref) {
  if (ref.rfind("arn:", 0) != 0) return ref;
  size_t start = ref.find(":stack/");
  if (start == std::string::npos) return ref;
  start += 7;
  size_t end = ref.find('/', start);
  return ref.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Every planned action is the MOVE of a mapped resource, each mapping has
// one, and no stack would be created.
Result<void> CheckActions(const ValueList& actions, const StackRefactorSpec& spec,
                          const std::string& id) {
  std::set<Mapping> expected;
  for (const ResourceMapping& m : spec.mappings) {
    expected.insert({StackNameOf(m.source_stack), m.source_logical_id,
                     StackNameOf(m.destination_stack), m.destination_logical_id});
  }
  std::set<Mapping> seen;
  for (const Value& action : actions) {
    std::string kind = StringAt(action, "Action");
    std::string entity = StringAt(action, "Entity");
    if (kind != "MOVE" || entity != "RESOURCE") {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("stack refactor {} plans a {} of a {} ({}), which flightplan "
                                   "did not ask for: it is left unexecuted and nothing moved",
                                   id, kind, entity, StringAt(action, "Description")));
    }
    const Value* mapping = action.Find("ResourceMapping");
    const Value* source = mapping ? mapping->Find("Source") : nullptr;
    const Value* destination = mapping ? mapping->Find("Destination") : nullptr;
    Mapping got{source ? StackNameOf(StringAt(*source, "StackName")) : "",
                source ? StringAt(*source, "LogicalResourceId") : "",
                destination ? StackNameOf(StringAt(*destination, "StackName")) : "",
                destination ? StringAt(*destination, "LogicalResourceId") : ""};
    if (!expected.count(got) || !seen.insert(got).second) {
      return MakeError(
          ErrorCode::kStepFailed,
          fmt::format("stack refactor {} plans to move {} {} from {} to {} as {}, which is not "
                      "one of flightplan's mappings: it is left unexecuted and nothing moved",
                      id, StringAt(action, "PhysicalResourceId"), std::get<1>(got),
                      std::get<0>(got), std::get<2>(got), std::get<3>(got)));
    }
  }
  if (seen.size() != expected.size()) {
    std::string missing;
    for (const Mapping& m : expected) {
      if (!seen.count(m)) {
        missing +=
            fmt::format("{}{}/{}", missing.empty() ? "" : ", ", std::get<0>(m), std::get<1>(m));
      }
    }
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("stack refactor {} does not plan to move {}: it is left "
                                 "unexecuted and nothing moved",
                                 id, missing));
  }
  return {};
}

Result<void> Execute(aws::CloudFormationClient& cfn, const StackRefactorSpec& spec,
                     const std::string& id) {
  ASSIGN_OR_RETURN(ValueList actions, cfn.ListStackRefactorActions(id));
  TRY(CheckActions(actions, spec, id));
  return cfn.ExecuteStackRefactor(id);
}

// Waits for an executing refactor and turns its end into an outcome.
Result<StackRefactorOutcome> AwaitExecution(aws::CloudFormationClient& cfn,
                                            const std::vector<RefactorStackDefinition>& stacks,
                                            const std::string& id, const aws::WaitOptions& wait,
                                            StackRefactorOutcome on_success) {
  Result<Value> done = cfn.WaitForStackRefactorExecuted(id, wait);
  if (done) {
    for (const RefactorStackDefinition& s : stacks) TRY(cfn.WaitForStack(s.stack_name, wait));
    return on_success;
  }
  if (done.error().code() != ErrorCode::kStepFailed) return MakeError(done.error());
  ASSIGN_OR_RETURN(Value refactor, cfn.DescribeStackRefactor(id));
  std::string status = StringAt(refactor, "ExecutionStatus");
  std::string reason = StringAt(refactor, "ExecutionStatusReason");
  std::string names;
  for (const RefactorStackDefinition& s : stacks) {
    names += fmt::format("{}{}", names.empty() ? "" : ", ", s.stack_name);
  }
  if (status == "ROLLBACK_FAILED") {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("stack refactor {} failed ({}) and CloudFormation could not roll "
                                 "it back: stacks {} need attention. `aws cloudformation "
                                 "describe-stack-refactor --stack-refactor-id {}` says what "
                                 "failed; `flightplan refactor` run again finds every resource "
                                 "where it is now and continues",
                                 id, reason.empty() ? "no reason given" : reason, names, id));
  }
  return MakeError(ErrorCode::kStepFailed,
                   fmt::format("stack refactor {} failed ({}: {}); CloudFormation rolled it "
                               "back, so stacks {} are as they were and nothing moved",
                               id, status, reason.empty() ? "no reason given" : reason, names));
}

}  // namespace

Result<StackRefactorOutcome> RunStackRefactor(aws::AwsClient& client, Clock& clock,
                                              const StackRefactorSpec& spec,
                                              const aws::WaitOptions& wait,
                                              const std::function<Result<bool>()>& already_moved) {
  aws::CloudFormationClient cfn(client, clock);
  // What an earlier attempt of this tag left.
  ASSIGN_OR_RETURN(ValueList summaries, cfn.ListStackRefactors());
  for (const Value& summary : summaries) {
    if (StringAt(summary, "Description") != spec.tag) continue;
    std::string id = StringAt(summary, "StackRefactorId");
    ASSIGN_OR_RETURN(Value refactor, cfn.DescribeStackRefactor(id));
    std::string status = StringAt(refactor, "Status");
    std::string execution = StringAt(refactor, "ExecutionStatus");
    if (execution == "EXECUTE_COMPLETE") return StackRefactorOutcome::kAlreadyDone;
    if (execution == "EXECUTE_IN_PROGRESS" || execution == "ROLLBACK_IN_PROGRESS") {
      return AwaitExecution(cfn, spec.stacks, id, wait, StackRefactorOutcome::kExecuted);
    }
    if (status == "CREATE_IN_PROGRESS") {
      Result<Value> created = cfn.WaitForStackRefactorCreated(id, wait);
      if (!created) {
        if (created.error().code() != ErrorCode::kStepFailed) return MakeError(created.error());
        continue;  // failed to create: nothing happened
      }
      status = "CREATE_COMPLETE";
      execution = "AVAILABLE";
    }
    if (status == "CREATE_COMPLETE" && execution == "AVAILABLE") {
      TRY(Execute(cfn, spec, id));
      return AwaitExecution(cfn, spec.stacks, id, wait, StackRefactorOutcome::kExecuted);
    }
    // CREATE_FAILED, OBSOLETE, EXECUTE_FAILED, ROLLBACK_COMPLETE, UNAVAILABLE:
    // nothing moved. ROLLBACK_FAILED: some resources may have; the ground
    // truth below decides. Either way a new refactor follows if needed.
  }
  ASSIGN_OR_RETURN(bool moved, already_moved());
  if (moved) return StackRefactorOutcome::kAlreadyDone;

  Value params(ValueMap{});
  params.Set("Description", spec.tag);
  params.Set("EnableStackCreation", false);
  ValueList definitions;
  for (const RefactorStackDefinition& s : spec.stacks) {
    Value def(ValueMap{});
    def.Set("StackName", s.stack_name);
    if (s.template_body.size() > kMaxInlineTemplateBytes) {
      if (spec.upload_bucket.empty()) {
        return MakeError(
            ErrorCode::kStepFailed,
            fmt::format("the refactored template of stack {} is {} bytes, over "
                        "CloudFormation's {}-byte inline limit, and there is no "
                        "bucket to pass it through",
                        s.stack_name, s.template_body.size(), kMaxInlineTemplateBytes));
      }
      std::string key = fmt::format("{}/{}.json", spec.upload_prefix,
                                    Sha256Hex(spec.tag + s.stack_name).substr(0, 16));
      ASSIGN_OR_RETURN(std::string url,
                       UploadTemplate(client, spec.upload_bucket, key, s.template_body));
      def.Set("TemplateURL", url);
    } else {
      def.Set("TemplateBody", s.template_body);
    }
    definitions.push_back(std::move(def));
  }
  params.Set("StackDefinitions", Value(std::move(definitions)));
  params.Set("ResourceMappings", ResourceMappingsParameter(spec.mappings));
  ASSIGN_OR_RETURN(std::string id, cfn.CreateStackRefactor(params));
  Result<Value> created = cfn.WaitForStackRefactorCreated(id, wait);
  if (!created) {
    if (created.error().code() != ErrorCode::kStepFailed) return MakeError(created.error());
    ASSIGN_OR_RETURN(Value refactor, cfn.DescribeStackRefactor(id));
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("CloudFormation refused stack refactor {} ({}); nothing moved", id,
                                 StringAt(refactor, "StatusReason")));
  }
  TRY(Execute(cfn, spec, id));
  return AwaitExecution(cfn, spec.stacks, id, wait, StackRefactorOutcome::kExecuted);
}

Result<ResourceOwner> OwnerOf(aws::AwsClient& client, Clock& clock,
                              const std::string& physical_id) {
  aws::CloudFormationClient cfn(client, clock);
  Result<ValueList> resources = cfn.DescribeStackResources("", physical_id);
  if (!resources) {
    // CloudFormation answers a ValidationError when no stack owns the id.
    if (resources.error().code() == ErrorCode::kNotFound ||
        resources.error().message().find("does not exist") != std::string::npos) {
      return ResourceOwner{};
    }
    return MakeError(resources.error());
  }
  for (const Value& r : *resources) {
    if (StringAt(r, "PhysicalResourceId") == physical_id) {
      return ResourceOwner{StackNameOf(StringAt(r, "StackName")), StringAt(r, "LogicalResourceId")};
    }
  }
  return ResourceOwner{};
}

}  // namespace flightplan::migration
