// One CloudFormation stack refactor, run to the end safely and resumably.
//
// CreateStackRefactor takes no client token, so a refactor is found again by
// its Description, which carries a tag unique to the run and the stacks
// involved. Whatever a crash left, a re-run asks the cloud and continues:
//   - a refactor of this tag that executed is done (nothing is sent);
//   - one still creating or executing is waited for;
//   - one created but never executed is checked and executed, not
//     duplicated;
//   - one that failed to create, went obsolete or failed and rolled back
//     changed nothing and is passed over: a new one is created;
//   - before creating one, `already_moved` (the ground truth: where each
//     resource is now, DescribeStackResources by physical id) may say the
//     move happened (a refactor the account no longer lists).
// Never EnableStackCreation: a refactor creates no stack, so a failure can
// leave no stack in REVIEW_IN_PROGRESS behind.
//
// The planned actions are checked against the mappings before execution:
// exactly one MOVE per mapping, of the mapped resource, and nothing else.
//
// Thread-safety: borrows the client and clock for the call.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_STACK_REFACTOR_H_
#define FLIGHTPLAN_STEPS_MIGRATION_STACK_REFACTOR_H_

#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/waiter.h"
#include "steps/migration/refactor_templates.h"

namespace flightplan::migration {

struct RefactorStackDefinition {
  std::string stack_name;
  std::string template_body;  // the stack's template after the move
};

struct StackRefactorSpec {
  // In the Description; unique per run and stacks ("flightplan run 7 …").
  std::string tag;
  std::vector<RefactorStackDefinition> stacks;
  std::vector<ResourceMapping> mappings;
  // Templates over 51,200 bytes are uploaded here and passed as TemplateURL.
  std::string upload_bucket;
  std::string upload_prefix;
};

enum class StackRefactorOutcome { kExecuted, kAlreadyDone };

// Errors: kStepFailed when the refactor cannot be created (CloudFormation's
// StatusReason), its planned actions differ from the mappings (it is left
// unexecuted; nothing moved), or its execution fails — the message says
// whether CloudFormation rolled it back (both stacks as they were) or the
// rollback failed too (the stacks need attention: their statuses and what
// to run); kTimeout; the calls' errors.
[[nodiscard]] Result<StackRefactorOutcome> RunStackRefactor(
    aws::AwsClient& client, Clock& clock, const StackRefactorSpec& spec,
    const aws::WaitOptions& wait, const std::function<Result<bool>()>& already_moved);

// The stack that owns `physical_id` now and its logical id there
// (DescribeStackResources by physical id); both "" when no stack owns it.
struct ResourceOwner {
  std::string stack_name;
  std::string logical_id;
};
[[nodiscard]] Result<ResourceOwner> OwnerOf(aws::AwsClient& client, Clock& clock,
                                            const std::string& physical_id);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_STACK_REFACTOR_H_
