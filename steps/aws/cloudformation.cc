#include "steps/aws/cloudformation.h"

#include <fmt/format.h>

#include "steps/aws/values.h"

namespace flightplan::aws {
namespace {

constexpr std::string_view kService = "cloudformation";

Value Params(std::initializer_list<std::pair<const char*, Value>> items) {
  Value out = Value(ValueMap{});
  for (const auto& [key, value] : items) {
    if (!value.is_null()) out.Set(key, value);
  }
  return out;
}

Value Strings(const std::vector<std::string>& items) {
  ValueList list;
  for (const std::string& item : items) list.emplace_back(item);
  return Value(std::move(list));
}

}  // namespace

Result<Value> CloudFormationClient::Call(std::string_view operation, const Value& params) {
  return client_.CallOrError(kService, operation, params);
}

Result<Value> CloudFormationClient::CallAll(std::string_view operation, const Value& params) {
  AwsResult result = client_.CallAllPages(kService, operation, params);
  if (!result) return MakeError(result.error().ToError());
  return std::move(*result);
}

Result<Value> CloudFormationClient::DescribeStack(std::string_view stack) {
  ASSIGN_OR_RETURN(Value out, Call("DescribeStacks", Params({{"StackName", Value(stack)}})));
  const ValueList& stacks = ListAt(out, "Stacks");
  if (stacks.empty()) {
    return MakeError(ErrorCode::kNotFound, fmt::format("stack {} does not exist", stack));
  }
  return stacks.front();
}

Result<ValueList> CloudFormationClient::DescribeStacks() {
  ASSIGN_OR_RETURN(Value out, CallAll("DescribeStacks", Value(ValueMap{})));
  return ListAt(out, "Stacks");
}

Result<ValueList> CloudFormationClient::ListStacks(const std::vector<std::string>& status_filter) {
  Value params = Value(ValueMap{});
  if (!status_filter.empty()) params.Set("StackStatusFilter", Strings(status_filter));
  ASSIGN_OR_RETURN(Value out, CallAll("ListStacks", params));
  return ListAt(out, "StackSummaries");
}

Result<ValueList> CloudFormationClient::ListStackResources(std::string_view stack) {
  ASSIGN_OR_RETURN(Value out, CallAll("ListStackResources", Params({{"StackName", Value(stack)}})));
  return ListAt(out, "StackResourceSummaries");
}

Result<ValueList> CloudFormationClient::DescribeStackResources(
    std::string_view stack, std::string_view physical_resource_id) {
  Value params = Value(ValueMap{});
  if (!stack.empty()) params.Set("StackName", stack);
  if (!physical_resource_id.empty()) {
    params.Set("PhysicalResourceId", physical_resource_id);
  }
  ASSIGN_OR_RETURN(Value out, Call("DescribeStackResources", params));
  return ListAt(out, "StackResources");
}

Result<ValueList> CloudFormationClient::DescribeStackEvents(std::string_view stack) {
  ASSIGN_OR_RETURN(Value out,
                   CallAll("DescribeStackEvents", Params({{"StackName", Value(stack)}})));
  return ListAt(out, "StackEvents");
}

Result<std::string> CloudFormationClient::GetTemplate(std::string_view stack, TemplateStage stage) {
  ASSIGN_OR_RETURN(
      Value out,
      Call("GetTemplate",
           Params({{"StackName", Value(stack)},
                   {"TemplateStage",
                    Value(stage == TemplateStage::kOriginal ? "Original" : "Processed")}})));
  return StringAt(out, "TemplateBody");
}

Result<Value> CloudFormationClient::GetTemplateSummary(const Value& params) {
  return Call("GetTemplateSummary", params);
}

Result<std::string> CloudFormationClient::CreateStack(const Value& params) {
  ASSIGN_OR_RETURN(Value out, Call("CreateStack", params));
  return StringAt(out, "StackId");
}

Result<UpdateOutcome> CloudFormationClient::UpdateStack(const Value& params) {
  AwsResult result = client_.Call(kService, "UpdateStack", params);
  if (result) return UpdateOutcome::kUpdating;
  if (result.error().code == "ValidationError" &&
      result.error().message.find("No updates are to be performed") != std::string::npos) {
    return UpdateOutcome::kNoChanges;
  }
  return MakeError(result.error().ToError());
}

Result<void> CloudFormationClient::DeleteStack(std::string_view stack,
                                               std::string_view client_request_token,
                                               const std::vector<std::string>& retain_resources) {
  Value params = Params({{"StackName", Value(stack)}});
  if (!client_request_token.empty()) {
    params.Set("ClientRequestToken", client_request_token);
  }
  if (!retain_resources.empty()) {
    params.Set("RetainResources", Strings(retain_resources));
  }
  TRY(Call("DeleteStack", params));
  return {};
}

Result<void> CloudFormationClient::UpdateTerminationProtection(std::string_view stack,
                                                               bool enable) {
  TRY(Call("UpdateTerminationProtection",
           Params({{"StackName", Value(stack)}, {"EnableTerminationProtection", Value(enable)}})));
  return {};
}

Result<std::string> CloudFormationClient::GetStackPolicy(std::string_view stack) {
  ASSIGN_OR_RETURN(Value out, Call("GetStackPolicy", Params({{"StackName", Value(stack)}})));
  return StringAt(out, "StackPolicyBody");
}

Result<void> CloudFormationClient::SetStackPolicy(std::string_view stack,
                                                  std::string_view policy_body) {
  TRY(Call("SetStackPolicy",
           Params({{"StackName", Value(stack)}, {"StackPolicyBody", Value(policy_body)}})));
  return {};
}

Result<Value> CloudFormationClient::CreateChangeSet(const Value& params) {
  return Call("CreateChangeSet", params);
}

Result<Value> CloudFormationClient::DescribeChangeSet(std::string_view change_set,
                                                      std::string_view stack) {
  Value params = Params({{"ChangeSetName", Value(change_set)}});
  if (!stack.empty()) params.Set("StackName", stack);
  AwsResult result = client_.CallAllPages(kService, "DescribeChangeSet", params);
  if (!result) return MakeError(result.error().ToError());
  return std::move(*result);
}

Result<void> CloudFormationClient::ExecuteChangeSet(std::string_view change_set,
                                                    std::string_view stack,
                                                    std::string_view client_request_token) {
  Value params = Params({{"ChangeSetName", Value(change_set)}});
  if (!stack.empty()) params.Set("StackName", stack);
  if (!client_request_token.empty()) {
    params.Set("ClientRequestToken", client_request_token);
  }
  TRY(Call("ExecuteChangeSet", params));
  return {};
}

Result<void> CloudFormationClient::DeleteChangeSet(std::string_view change_set,
                                                   std::string_view stack) {
  Value params = Params({{"ChangeSetName", Value(change_set)}});
  if (!stack.empty()) params.Set("StackName", stack);
  TRY(Call("DeleteChangeSet", params));
  return {};
}

Result<ValueList> CloudFormationClient::ListChangeSets(std::string_view stack) {
  ASSIGN_OR_RETURN(Value out, CallAll("ListChangeSets", Params({{"StackName", Value(stack)}})));
  return ListAt(out, "Summaries");
}

Result<std::string> CloudFormationClient::DetectStackDrift(std::string_view stack) {
  ASSIGN_OR_RETURN(Value out, Call("DetectStackDrift", Params({{"StackName", Value(stack)}})));
  return StringAt(out, "StackDriftDetectionId");
}

Result<Value> CloudFormationClient::DescribeStackDriftDetectionStatus(
    std::string_view detection_id) {
  return Call("DescribeStackDriftDetectionStatus",
              Params({{"StackDriftDetectionId", Value(detection_id)}}));
}

Result<ValueList> CloudFormationClient::DescribeStackResourceDrifts(std::string_view stack) {
  // Not in paginators-1.json, so the pages are followed here.
  ValueList drifts;
  Value params = Params({{"StackName", Value(stack)}});
  for (int page = 0; page < 1000; ++page) {
    ASSIGN_OR_RETURN(Value out, Call("DescribeStackResourceDrifts", params));
    for (const Value& drift : ListAt(out, "StackResourceDrifts")) {
      drifts.push_back(drift);
    }
    std::string next = StringAt(out, "NextToken");
    if (next.empty() || next == StringAt(params, "NextToken")) return drifts;
    params.Set("NextToken", next);
  }
  return drifts;
}

Result<std::string> CloudFormationClient::CreateStackRefactor(const Value& params) {
  ASSIGN_OR_RETURN(Value out, Call("CreateStackRefactor", params));
  return StringAt(out, "StackRefactorId");
}

Result<Value> CloudFormationClient::DescribeStackRefactor(std::string_view id) {
  return Call("DescribeStackRefactor", Params({{"StackRefactorId", Value(id)}}));
}

Result<void> CloudFormationClient::ExecuteStackRefactor(std::string_view id) {
  TRY(Call("ExecuteStackRefactor", Params({{"StackRefactorId", Value(id)}})));
  return {};
}

Result<ValueList> CloudFormationClient::ListStackRefactors(
    const std::vector<std::string>& execution_status_filter) {
  Value params = Value(ValueMap{});
  if (!execution_status_filter.empty()) {
    params.Set("ExecutionStatusFilter", Strings(execution_status_filter));
  }
  ASSIGN_OR_RETURN(Value out, CallAll("ListStackRefactors", params));
  return ListAt(out, "StackRefactorSummaries");
}

Result<ValueList> CloudFormationClient::ListStackRefactorActions(std::string_view id) {
  ASSIGN_OR_RETURN(Value out,
                   CallAll("ListStackRefactorActions", Params({{"StackRefactorId", Value(id)}})));
  return ListAt(out, "StackRefactorActions");
}

Result<Value> CloudFormationClient::PollStack(std::string_view stack, const WaitOptions& options,
                                              std::string* last_event_id, bool* first_poll) {
  if (options.stack_event) {
    // Newest first, one page: enough between two polls.
    ASSIGN_OR_RETURN(Value page,
                     Call("DescribeStackEvents", Params({{"StackName", Value(stack)}})));
    const ValueList& events = ListAt(page, "StackEvents");
    size_t fresh = 0;
    while (fresh < events.size() && StringAt(events[fresh], "EventId") != *last_event_id) {
      ++fresh;
    }
    // The first poll only sets the baseline: older events are history.
    if (!*first_poll) {
      for (size_t i = fresh; i-- > 0;) options.stack_event(events[i]);
    }
    if (!events.empty()) *last_event_id = StringAt(events.front(), "EventId");
  }
  *first_poll = false;
  return DescribeStack(stack);
}

Result<Value> CloudFormationClient::WaitForStack(std::string_view stack,
                                                 const WaitOptions& options) {
  std::string last_event_id;
  bool first_poll = true;
  return WaitFor(
      clock_, options, fmt::format("stack {}", stack),
      [&] { return PollStack(stack, options, &last_event_id, &first_poll); }, ClassifyStackStatus);
}

Result<Value> CloudFormationClient::WaitForStackDeleted(std::string_view stack,
                                                        const WaitOptions& options) {
  std::string last_event_id;
  bool first_poll = true;
  return WaitFor(
      clock_, options, fmt::format("deletion of stack {}", stack),
      [&]() -> Result<Value> {
        Result<Value> described = PollStack(stack, options, &last_event_id, &first_poll);
        if (!described && described.error().code() == ErrorCode::kNotFound) {
          return Value(ValueMap{});
        }
        return described;
      },
      ClassifyStackDeletion);
}

Result<Value> CloudFormationClient::WaitForChangeSetCreated(std::string_view change_set,
                                                            std::string_view stack,
                                                            const WaitOptions& options) {
  return WaitFor(
      clock_, options, fmt::format("change set {}", change_set),
      [&] { return DescribeChangeSet(change_set, stack); }, ClassifyChangeSetCreation);
}

Result<Value> CloudFormationClient::WaitForChangeSetExecuted(std::string_view change_set,
                                                             std::string_view stack,
                                                             const WaitOptions& options) {
  return WaitFor(
      clock_, options, fmt::format("execution of change set {}", change_set),
      [&] { return DescribeChangeSet(change_set, stack); }, ClassifyChangeSetExecution);
}

Result<Value> CloudFormationClient::WaitForStackRefactorCreated(std::string_view id,
                                                                const WaitOptions& options) {
  return WaitFor(
      clock_, options, fmt::format("stack refactor {}", id),
      [&] { return DescribeStackRefactor(id); }, ClassifyStackRefactorCreation);
}

Result<Value> CloudFormationClient::WaitForStackRefactorExecuted(std::string_view id,
                                                                 const WaitOptions& options) {
  return WaitFor(
      clock_, options, fmt::format("execution of stack refactor {}", id),
      [&] { return DescribeStackRefactor(id); }, ClassifyStackRefactorExecution);
}

Result<Value> CloudFormationClient::WaitForDriftDetection(std::string_view detection_id,
                                                          const WaitOptions& options) {
  return WaitFor(
      clock_, options, fmt::format("drift detection {}", detection_id),
      [&] { return DescribeStackDriftDetectionStatus(detection_id); }, ClassifyDriftDetection);
}

}  // namespace flightplan::aws
