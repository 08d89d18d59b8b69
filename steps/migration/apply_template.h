// Applying a new template to an existing stack the safe way: through a
// change set that is vetted before it is executed, with the stack's
// parameters passed as UsePreviousValue (a NoEcho parameter is never sent as
// its masked "****"), and a body over 51,200 bytes uploaded to the
// deployment bucket and passed as TemplateURL.
//
// Idempotent under a crash: a stack whose template already equals the body
// is left alone; a change set of the same name left by an interrupted
// attempt is reused when it is still executable and replaced otherwise; a
// change set that contains no changes is deleted and counts as applied.
//
// Thread-safety: borrows the client and clock for the call.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_APPLY_TEMPLATE_H_
#define FLIGHTPLAN_STEPS_MIGRATION_APPLY_TEMPLATE_H_

#include <functional>
#include <string>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/cloudformation.h"
#include "steps/aws/waiter.h"

namespace flightplan::migration {

// CloudFormation's limit on an inline TemplateBody.
inline constexpr size_t kMaxInlineTemplateBytes = 51200;

struct TemplateApply {
  std::string stack_id;         // the stack's ARN (or name)
  std::string label;            // "nested stack apiapp/Todo (…)", for messages
  std::string body;             // the template to apply
  std::string change_set_name;  // deterministic per run, stack and direction
  std::string client_token;     // for CreateChangeSet and ExecuteChangeSet
  std::string upload_bucket;    // where a body over the limit goes
  std::string upload_key;
  // Non-empty: an IMPORT change set bringing these existing resources
  // ({ResourceType, LogicalResourceId, ResourceIdentifier}) into the stack.
  ValueList resources_to_import;
  // Decides whether the described change set may run; its error is
  // returned (after the change set is deleted) and nothing is executed.
  std::function<Result<void>(const Value& change_set)> vet;
  // false: only look — the change set is created, shown to `vet`, and
  // deleted unexecuted (kPreviewed).
  bool execute = true;
};

enum class ApplyOutcome { kApplied, kAlreadyApplied, kNoChanges, kPreviewed };

// Errors: the vet's; kStepFailed when the change set fails or the update
// rolls back (the stack is then as it was, and the message says so);
// kTimeout; the calls' errors.
[[nodiscard]] Result<ApplyOutcome> ApplyTemplate(aws::AwsClient& client, Clock& clock,
                                                 const TemplateApply& apply,
                                                 const aws::WaitOptions& wait);

// Waits out an operation in progress on `stack` (returns at once when there
// is none). An operation that ends in a rollback is not an error here: the
// stack has settled, and the caller reads what it settled on.
[[nodiscard]] Result<void> SettleStack(aws::CloudFormationClient& cfn, const std::string& stack,
                                       const aws::WaitOptions& wait);

// Puts `body` at s3://bucket/key and returns the URL CloudFormation reads a
// template from (TemplateURL).
[[nodiscard]] Result<std::string> UploadTemplate(aws::AwsClient& client, const std::string& bucket,
                                                 const std::string& key, const std::string& body);

// True when two template texts are the same JSON document (or the same
// text); what "already applied" means.
bool SameTemplate(const std::string& a, const std::string& b);

// A change set name ([A-Za-z][-A-Za-z0-9]*, ≤128) from a prefix and the
// parts that make it unique.
std::string ChangeSetName(std::string_view prefix, std::string_view unique);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_APPLY_TEMPLATE_H_
