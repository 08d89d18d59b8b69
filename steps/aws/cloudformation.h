// CloudFormation operations flightplan uses, as thin wrappers over
// AwsClient: parameters and results are Values named as in the API
// reference (shape dumps in the models), lists are followed across pages,
// and errors are flightplan Errors (a missing stack is kNotFound). The
// Wait* calls poll until a terminal state (waiter.h).
//
// Ownership: borrows the AwsClient and Clock. Thread-safety: as AwsClient.
#ifndef FLIGHTPLAN_STEPS_AWS_CLOUDFORMATION_H_
#define FLIGHTPLAN_STEPS_AWS_CLOUDFORMATION_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/waiter.h"

namespace flightplan::aws {

enum class UpdateOutcome { kUpdating, kNoChanges };
enum class TemplateStage { kOriginal, kProcessed };

class CloudFormationClient {
 public:
  CloudFormationClient(AwsClient& client, Clock& clock) : client_(client), clock_(clock) {}

  // Stacks
  [[nodiscard]] Result<Value> DescribeStack(std::string_view stack);
  [[nodiscard]] Result<ValueList> DescribeStacks();
  [[nodiscard]] Result<ValueList> ListStacks(const std::vector<std::string>& status_filter = {});
  [[nodiscard]] Result<ValueList> ListStackResources(std::string_view stack);
  // By stack name, or by physical resource id (stack left empty).
  [[nodiscard]] Result<ValueList> DescribeStackResources(
      std::string_view stack, std::string_view physical_resource_id = "");
  [[nodiscard]] Result<ValueList> DescribeStackEvents(std::string_view stack);
  [[nodiscard]] Result<std::string> GetTemplate(std::string_view stack,
                                                TemplateStage stage = TemplateStage::kOriginal);
  [[nodiscard]] Result<Value> GetTemplateSummary(const Value& params);
  // Returns the stack id.
  [[nodiscard]] Result<std::string> CreateStack(const Value& params);
  // "No updates are to be performed" is kNoChanges, not an error.
  [[nodiscard]] Result<UpdateOutcome> UpdateStack(const Value& params);
  [[nodiscard]] Result<void> DeleteStack(std::string_view stack,
                                         std::string_view client_request_token,
                                         const std::vector<std::string>& retain_resources = {});
  [[nodiscard]] Result<void> UpdateTerminationProtection(std::string_view stack, bool enable);
  // The policy body, or "" when the stack has none.
  [[nodiscard]] Result<std::string> GetStackPolicy(std::string_view stack);
  [[nodiscard]] Result<void> SetStackPolicy(std::string_view stack, std::string_view policy_body);

  // Change sets. CreateChangeSet returns {"Id", "StackId"}.
  [[nodiscard]] Result<Value> CreateChangeSet(const Value& params);
  // All pages of Changes merged.
  [[nodiscard]] Result<Value> DescribeChangeSet(std::string_view change_set,
                                                std::string_view stack);
  [[nodiscard]] Result<void> ExecuteChangeSet(std::string_view change_set, std::string_view stack,
                                              std::string_view client_request_token);
  [[nodiscard]] Result<void> DeleteChangeSet(std::string_view change_set, std::string_view stack);
  // Summaries of every page of ListChangeSets for one stack.
  [[nodiscard]] Result<ValueList> ListChangeSets(std::string_view stack);

  // Drift. DetectStackDrift returns the detection id.
  [[nodiscard]] Result<std::string> DetectStackDrift(std::string_view stack);
  [[nodiscard]] Result<Value> DescribeStackDriftDetectionStatus(std::string_view detection_id);
  [[nodiscard]] Result<ValueList> DescribeStackResourceDrifts(std::string_view stack);

  // Stack refactoring. CreateStackRefactor returns the refactor id.
  [[nodiscard]] Result<std::string> CreateStackRefactor(const Value& params);
  [[nodiscard]] Result<Value> DescribeStackRefactor(std::string_view id);
  [[nodiscard]] Result<void> ExecuteStackRefactor(std::string_view id);
  [[nodiscard]] Result<ValueList> ListStackRefactorActions(std::string_view id);
  // Every page of StackRefactorSummaries, optionally of some execution statuses.
  [[nodiscard]] Result<ValueList> ListStackRefactors(
      const std::vector<std::string>& execution_status_filter = {});

  // Waiters: the final observation, or kStepFailed / kTimeout.
  [[nodiscard]] Result<Value> WaitForStack(std::string_view stack, const WaitOptions& options);
  [[nodiscard]] Result<Value> WaitForStackDeleted(std::string_view stack,
                                                  const WaitOptions& options);
  [[nodiscard]] Result<Value> WaitForChangeSetCreated(std::string_view change_set,
                                                      std::string_view stack,
                                                      const WaitOptions& options);
  [[nodiscard]] Result<Value> WaitForChangeSetExecuted(std::string_view change_set,
                                                       std::string_view stack,
                                                       const WaitOptions& options);
  [[nodiscard]] Result<Value> WaitForStackRefactorCreated(std::string_view id,
                                                          const WaitOptions& options);
  [[nodiscard]] Result<Value> WaitForStackRefactorExecuted(std::string_view id,
                                                           const WaitOptions& options);
  [[nodiscard]] Result<Value> WaitForDriftDetection(std::string_view detection_id,
                                                    const WaitOptions& options);

 private:
  Result<Value> Call(std::string_view operation, const Value& params);
  // Polls the stack, first reporting events newer than *last_event_id.
  Result<Value> PollStack(std::string_view stack, const WaitOptions& options,
                          std::string* last_event_id, bool* first_poll);
  Result<Value> CallAll(std::string_view operation, const Value& params);

  AwsClient& client_;
  Clock& clock_;
};

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_CLOUDFORMATION_H_
