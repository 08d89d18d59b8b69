// Planning the clone of a Gen1 environment (pure; clone_steps.cc acts on
// it). A clone is a new environment <clone_env> of the same Amplify app,
// created from production's deployed templates: the root stack
// amplify-<project>-<clone_env>-<5 hex>, its deployment bucket
// <root stack>-deployment, every template re-parameterised for it (the
// production root stack's name, which every Gen1 bucket, role and template
// URL starts with, becomes the clone's; the `env` parameter of each nested
// stack becomes <clone_env>; AppSync API key expiry is refreshed), and its
// own stateful resources. docs/migration-guide.md, "Clone".
//
// Isolation: before anything is created, the physical name every stateful
// resource of the clone will get is computed with the clone's parameters;
// the clone is refused when one would be production's, is hard-coded, or
// names an imported resource (shared between environments by design).
#ifndef FLIGHTPLAN_STEPS_MIGRATION_CLONE_H_
#define FLIGHTPLAN_STEPS_MIGRATION_CLONE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "steps/migration/environment.h"

namespace flightplan::migration {

// The tags a clone's stacks and deployment bucket carry (the clone ⇄
// cleanup contract): clone-of = "<app id>/<production env>".
inline constexpr std::string_view kCloneOfTag = "flightplan:clone-of";
inline constexpr std::string_view kCloneEnvTag = "flightplan:clone-env";

struct CloneNames {
  std::string app_id;
  std::string prod_env;
  std::string clone_env;
  std::string project;           // from the production root stack's name
  std::string prod_root_stack;   // amplify-<project>-<prod env>-<hex>
  std::string prod_bucket;       // production's deployment bucket
  std::string clone_root_stack;  // amplify-<project>-<clone env>-<hex>
  std::string clone_bucket;      // <clone root stack>-deployment

  // [{Key, Value}] for CreateStack, and the same pairs for S3.
  std::vector<std::pair<std::string, std::string>> Tags() const;
};

// The names of a clone. `hex5` is 5 lower-case hex digits. Errors
// (kInvalidInput, saying what to pass): a clone env that is not [a-z]{2,10}
// (Gen1's rule) or equals production's; a production root stack not named
// amplify-<project>-<env>-<hex>.
[[nodiscard]] Result<CloneNames> MakeCloneNames(
    const std::string& app_id, const std::string& prod_env, const std::string& clone_env,
    const std::string& prod_root_stack, const std::string& prod_bucket, const std::string& hex5);

// A text with production's root stack name (and so its bucket and role
// names) replaced by the clone's.
std::string RewriteText(const std::string& text, const CloneNames& names);

// Production's root template for the clone: every string rewritten, and the
// `env` parameter of each nested stack set to the clone env.
Value CloneRootTemplate(const Value& prod_root, const CloneNames& names);
// The clone's first root template: the root's own resources (deployment
// bucket and its policy, roles), without the nested stacks and what refers
// to them; CreateStack makes the bucket the artefacts are copied into.
Value CloneBaseTemplate(const Value& clone_root);
// A nested template for the clone: every string rewritten; the Expires of
// each AWS::AppSync::ApiKey set to `now_epoch` + 7 days as Gen1 does.
Value CloneNestedTemplate(const Value& prod_template, const CloneNames& names, int64_t now_epoch);

// A clone stack's parameter values, from production's deployed ones
// (DescribeStacks' Parameters): strings rewritten, `env` the clone env.
// Parameters whose value the parent computes from its own resources
// (`clone_computed`) get a placeholder that names them: the clone's value
// is its own and not yet known.
std::map<std::string, Value, std::less<>> CloneParameters(
    const ValueList& prod_parameters, const CloneNames& names,
    const std::vector<std::string>& clone_computed);

// One stack of the clone: the path, the production stack it copies, its
// template and parameters for the clone, and the S3 key in the clone bucket
// its parent's TemplateURL names (root: "").
struct CloneStackPlan {
  std::string path;
  const EnvStack* prod = nullptr;
  Value clone_template;
  std::map<std::string, Value, std::less<>> parameters;
  std::string template_key;
};

// Every stack of the clone, the root first. Errors: kInvalidInput when a
// nested stack's TemplateURL cannot be computed or names another bucket.
[[nodiscard]] Result<std::vector<CloneStackPlan>> PlanCloneStacks(const Gen1Environment& prod,
                                                                  const CloneNames& names,
                                                                  int64_t now_epoch);

// A resource the clone would share with production, or cannot prove it
// would not.
struct IsolationProblem {
  std::string stack;  // the stack's label
  std::string logical_id;
  std::string type;
  std::string reason;
  bool blocking = true;  // false: a warning the plan reports, not a refusal
};

// The checks of the file comment. `amplify_meta` is the amplify-meta.json
// of production's #current-cloud-backend.zip (null when absent): resources
// with serviceType "imported" are refused.
std::vector<IsolationProblem> CheckIsolation(const Gen1Environment& prod, const CloneNames& names,
                                             const std::vector<CloneStackPlan>& stacks,
                                             const Value* amplify_meta);

// The physical name a clone resource of `type` with `properties` (resolved
// with the clone's parameters) would get: nullopt when CloudFormation
// generates it (no name property).
std::optional<Value> CloneNameProperty(const std::string& type, const Value& properties);

// amplify-meta.json rewritten for the clone: every string rewritten, the
// provider block's StackId the clone's, and each resource's `output` the
// Outputs of the clone's nested stack of the same logical id
// (providerMetadata.logicalId) where `outputs` has it.
Value CloneAmplifyMeta(const Value& prod_meta, const CloneNames& names,
                       const std::string& clone_stack_id,
                       const std::map<std::string, Value>& outputs);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_CLONE_H_
