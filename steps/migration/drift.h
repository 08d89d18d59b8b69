// What `drift` compares, as pure functions over what the cloud and the
// project answered, so every comparison and filter is tested without a cloud
// (migration.drift in drift_step.cc does the reading).
//
// Three sources, each reported on its own:
//   cloudformation  DescribeStackResourceDrifts of the root and every nested
//                   stack: resources MODIFIED or DELETED behind CloudFormation
//   templates       the templates Gen1 left in the deployment bucket
//                   (root-cloudformation-stack.json, amplify-cfn-templates/…)
//                   against the ones deployed (GetTemplate), after lock's own
//                   changes are taken out (UnlockTemplate)
//   local           a Gen1 project's amplify/backend against
//                   #current-cloud-backend.zip: changes not pushed
// A source is clean, drift, incomplete (a check could not finish: never
// reported clean) or skipped (local, outside a Gen1 project).
//
// Filters hide drift flightplan itself made and known false positives of
// AWS's drift detector, property difference by property difference, so a
// real change to the same resource still shows. Each hidden difference names
// its filter in the report:
//   lock-retain-policies          template drift that is lock's Retain
//                                 policies, deletion protection and metadata
//   lock-deletion-protection      a DynamoDB table's DeletionProtectionEnabled
//                                 NOT_EQUAL on a table lock protected
//   s3-trigger-permission         SourceArn/SourceAccount of the
//                                 AWS::Lambda::Permission that lets S3 invoke
//                                 an auth/storage trigger
//   auth-trigger-custom-resource  a user pool's LambdaConfig when the
//                                 environment attaches auth triggers by
//                                 custom resource (AuthTriggerCustomLambdaStack)
//   rest-api-description          AWS::ApiGateway::RestApi Description
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_DRIFT_H_
#define FLIGHTPLAN_STEPS_MIGRATION_DRIFT_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/value.h"

namespace flightplan::migration {

inline constexpr std::string_view kFilterLockRetain = "lock-retain-policies";
inline constexpr std::string_view kFilterLockDeletionProtection = "lock-deletion-protection";
inline constexpr std::string_view kFilterS3TriggerPermission = "s3-trigger-permission";
inline constexpr std::string_view kFilterAuthTriggerCustomResource = "auth-trigger-custom-resource";
inline constexpr std::string_view kFilterRestApiDescription = "rest-api-description";

enum class DriftStatus { kClean, kDrift, kIncomplete, kSkipped };
std::string_view DriftStatusName(DriftStatus status);  // "clean", "drift", …

struct DriftFinding {
  std::string stack;       // the stack's logical path ("" root); a file path for local
  std::string logical_id;  // "" when the finding is about the stack or file
  std::string type;        // resource type, when known
  std::string difference;  // what differs, for people
  std::string filter;      // "" real drift; else the filter that hid it
};

struct SourceReport {
  explicit SourceReport(std::string name = "") : source(std::move(name)) {}
  std::string source;  // "cloudformation", "templates", "local"
  DriftStatus status = DriftStatus::kClean;
  std::vector<DriftFinding> findings;  // real drift
  std::vector<DriftFinding> filtered;  // hidden, each naming its filter
  std::vector<std::string> problems;   // why a check could not complete
  std::vector<std::string> notes;      // what was compared, what was not and why
  // status from the findings and problems (skipped stays skipped).
  void Settle();
};

struct DriftReport {
  std::string app_id;
  std::string env;
  SourceReport cloudformation{"cloudformation"};
  SourceReport templates{"templates"};
  SourceReport local{"local"};

  // incomplete when any source is; else drift when any is; else clean.
  DriftStatus Overall() const;
  // {status, app_id, env, sources: [{source, status, findings, filtered,
  // filters, problems, notes}]}; findings {stack, logical_id, type,
  // difference} (+ filter in filtered).
  Value ToValue() const;
  // Several lines for people: each source, its findings and filters.
  std::string ToText() const;
};

// A report read back from ToValue's form (the journaled step output).
[[nodiscard]] Result<DriftReport> DriftReportFromValue(const Value& value);

// --- CloudFormation drift ---

// What the environment's templates say that some filters need.
struct EnvironmentFacts {
  // Some template has an AuthTriggerCustomLambdaStack resource or a custom
  // resource carrying a user pool's lambdaConfig.
  bool auth_triggers_by_custom_resource = false;
};
// Facts from every deployed template of the environment (parsed JSON).
EnvironmentFacts FactsFromTemplates(const std::vector<Value>& templates);

// The findings of one stack's DescribeStackResourceDrifts answer
// (StackResourceDrifts entries), with the filters applied. `deployed` is the
// stack's deployed template (lock's metadata, a permission's principal).
// MODIFIED and DELETED resources are drift; IN_SYNC and NOT_CHECKED not.
void AddResourceDrifts(const std::string& stack_path, const ValueList& drifts,
                       const Value& deployed, const EnvironmentFacts& facts, SourceReport& out);

// --- template drift ---

// Where a nested stack's template lives: the TemplateURL of the stack
// resource `logical_id` (exact id) in `parent`, when it is a literal S3 URL
// (https://s3.amazonaws.com/B/K, https://B.s3.amazonaws.com/K,
// https://s3.R.amazonaws.com/B/K, https://B.s3.R.amazonaws.com/K).
// Returns {bucket, key}; nullopt when the resource is absent, not a stack, or
// its URL is not a literal S3 URL.
std::optional<std::pair<std::string, std::string>> NestedTemplateLocation(
    const Value& parent, const std::string& logical_id);

// Compares the template in the bucket with the deployed one (both parsed)
// after lock's changes are taken out of the deployed one (a difference that
// disappears that way is filtered as lock-retain-policies). Findings per
// resource (added, removed, changed: which attributes) and per other
// top-level section.
void AddTemplateDrift(const std::string& stack_path, const Value& bucket_template,
                      const Value& deployed_template, SourceReport& out);

// --- local drift ---

// Files of amplify/backend that are not compared: build output (any `build`
// folder, the root stack's awscloudformation/build/ included),
// node_modules, .temp, dist, and what Amplify regenerates on every push or
// pull (amplify-meta.json, types/amplify-dependent-resources-ref.d.ts,
// team-provider-info.json, .DS_Store). `relative` uses '/'.
bool IgnoredBackendPath(std::string_view relative);

// Files by relative path → SHA-256 of their bytes. Findings: changed,
// only in the project (not pushed), only in the cloud backend (removed
// locally). Ignored paths must already be left out.
void AddLocalDrift(const std::map<std::string, std::string>& project,
                   const std::map<std::string, std::string>& cloud, SourceReport& out);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_DRIFT_H_
