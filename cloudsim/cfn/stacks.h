// The stack engine: CreateStack/UpdateStack/DeleteStack semantics over the
// CfnStore and the resource providers, change-set planning, and seeding.
//
// Every operation is decided when it starts: resources are created,
// updated or deleted in the stores at once (dependency order; reverse for
// deletes), and the stack's final status and events are parked in
// Stack::pending until World::config().operation_delay has passed.
// Failures (a provider error, an evaluation error, the fail_stack_operation
// fault, a stack-policy denial) roll back as CloudFormation does.
//
// Thread-safety: the caller holds the World's mutex.
#ifndef FLIGHTPLAN_CLOUDSIM_CFN_STACKS_H_
#define FLIGHTPLAN_CLOUDSIM_CFN_STACKS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/value.h"
#include "cloudsim/cfn/resources.h"
#include "cloudsim/cfn/template.h"
#include "cloudsim/faults.h"
#include "cloudsim/stores/cfn_store.h"
#include "cloudsim/world.h"

namespace flightplan::cloudsim::cfn {

// A CreateStack/UpdateStack request, after the wire layer read it.
struct StackInput {
  std::string name;           // StackName (name or id for updates)
  std::string template_text;  // TemplateBody or the TemplateURL's content
  bool use_previous_template = false;
  std::vector<GivenParameter> parameters;
  std::vector<std::string> capabilities;
  std::optional<std::vector<std::pair<std::string, std::string>>> tags;
  bool termination_protection = false;
  std::string stack_policy;                // StackPolicyBody
  std::string stack_policy_during_update;  // StackPolicyDuringUpdateBody
  std::string on_failure;                  // ROLLBACK (default), DO_NOTHING, DELETE
  bool disable_rollback = false;
  std::string client_request_token;
  std::vector<std::string> notification_arns;
  std::string operation = "CreateStack";  // for fault matching
  std::string parent_id;                  // nested stacks: the parent's id
  std::string root_id;                    // nested stacks: the root's id
  std::string stack_id;                   // pinned id (CREATE change sets); else generated
};

// One change a change set (or an update) would make.
struct PlannedChange {
  std::string logical_id;
  std::string physical_id;  // empty for Add
  std::string type;
  std::string action;                           // Add, Modify, Remove, Import
  std::string replacement;                      // True, False, Conditional ("" for Add/Remove)
  std::vector<std::string> changed_properties;  // Modify only
  bool metadata_changed = false;                // Modify only: the resource's Metadata
  Value ToValue() const;                        // the Change shape DescribeChangeSet returns
};

class StackEngine final : public NestedStackHost {
 public:
  explicit StackEngine(World& world) : world_(world) {}

  // Returns the new stack's id. Errors: AlreadyExistsException, template
  // and parameter ValidationErrors, InsufficientCapabilitiesException.
  SimResult<std::string> Create(const StackInput& input);
  // Returns the stack id. Errors: "No updates are to be performed.", a
  // stack not in an updatable state, validation errors as Create.
  SimResult<std::string> Update(const StackInput& input);
  // Errors: termination protection, an export in use.
  SimResult<void> Delete(std::string_view name_or_id,
                         const std::vector<std::string>& retain_resources,
                         std::string_view operation = "DeleteStack");

  // What updating `stack` (nullptr: a new stack) to `tmpl` with `params`
  // would change. Errors: template/parameter validation errors.
  SimResult<std::vector<PlannedChange>> Plan(const Stack* stack, const Value& tmpl,
                                             const std::vector<ParameterValue>& params,
                                             std::string_view stack_name);

  // Adopts existing physical resources into a stack (IMPORT change sets).
  SimResult<void> Import(Stack& stack, const Value& tmpl, const std::vector<ParameterValue>& params,
                         const Value& resources_to_import);

  // Re-evaluates a stack's outputs against its resources as they are now
  // (seeding links children after their parents). Keeps outputs that fail.
  void RefreshOutputs(Stack& stack);

  // SeedStack (cfn_store.h) does its work here.
  SimResult<std::string> Seed(const SeedStackSpec& spec);

  // Checks capabilities for `tmpl`. Errors: InsufficientCapabilitiesException.
  static SimResult<void> CheckCapabilities(const Value& tmpl,
                                           const std::vector<std::string>& capabilities);

  // NestedStackHost.
  SimResult<std::string> CreateNestedStack(const Stack& parent, std::string_view logical_id,
                                           const Value& properties) override;
  SimResult<void> UpdateNestedStack(std::string_view child_id, const Value& properties) override;
  SimResult<void> DeleteNestedStack(std::string_view child_id) override;

 private:
  World& world_;
};

// The template text for a request: TemplateBody, or TemplateURL read from
// the simulator's S3. Errors: ValidationError for both/neither given or a
// body over 51,200 bytes.
SimResult<std::string> TemplateText(const World& world, const Value& params, bool allow_previous);

// ParameterValue <-> the store's CfnParameter.
std::vector<CfnParameter> ToStoreParameters(const std::vector<ParameterValue>& params);
std::vector<ParameterValue> FromStoreParameters(const Stack& stack);

}  // namespace flightplan::cloudsim::cfn

#endif  // FLIGHTPLAN_CLOUDSIM_CFN_STACKS_H_
