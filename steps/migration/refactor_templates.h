// The template transforms of `refactor`, as pure functions of the deployed
// facts, so what a stack refactor will be asked to do is computed and
// checked without a cloud:
//
//   DetachTemplate  rewrites a source stack so nothing that stays refers to
//                   the resources that leave, and each leaving resource's
//                   own definition is fully literal (it is placed into a
//                   stack that has none of this stack's parameters,
//                   conditions or resources). Applied through a change set,
//                   the result changes no resource: every value it writes
//                   is the value CloudFormation resolved when it deployed.
//   RemoveResources the template without some resources (the "vacate" of a
//                   stack: what stays after they leave).
//   MoveResources   the two templates CreateStackRefactor takes: the source
//                   without the moved resources, the destination with each
//                   moved definition under its destination logical id.
//   ReferencesTo    who refers to a resource, for messages and checks.
//
// What a detached template changes (docs/migration-guide.md, "How templates
// are rewritten"):
//   - in staying resources and outputs: `Ref` to a leaving resource becomes
//     its physical id, `Fn::GetAtt` its attribute value, `${leaving}` and
//     `${leaving.Attr}` in `Fn::Sub` strings are substituted, `DependsOn` on
//     a leaving resource is dropped; an output that refers to a leaving
//     resource becomes the value it has now, literally;
//   - in leaving resources: parameters (deployed values), pseudo parameters
//     and conditions are resolved, references to any resource become
//     literals, Fn::Join/Select/Split/Sub/Base64/FindInMap/If of literals are
//     folded, `DependsOn` and a true `Condition` are dropped, and
//     `DeletionPolicy`/`UpdateReplacePolicy` are `Retain`;
//   - nothing else: Parameters, Conditions, Mappings, Metadata of the
//     template and every other value stay as they are (stack refactoring
//     refuses parameter and condition changes, and the parent keeps passing
//     the parameters).
//
// An attribute value is taken from a deployed output whose Value is exactly
// that `Fn::GetAtt`, else built from the physical id where its form is
// documented and certain (AttributeFromPhysicalId), else it is an error that
// says what to do.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_TEMPLATES_H_
#define FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_TEMPLATES_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/value.h"

namespace flightplan::migration {

// The deployed facts of one stack.
struct DeployedStack {
  std::string name, id;  // stack name and ARN
  Value template_json;   // GetTemplate (Original), parsed
  ValueList parameters;  // DescribeStacks Parameters ("****": NoEcho)
  ValueList outputs;     // DescribeStacks Outputs (OutputKey, OutputValue)
  std::map<std::string, std::string> physical_ids;  // logical id -> physical id
  std::string region, account_id, partition = "aws";
};

// The template of `stack` with the resources in `leaving` detached (see the
// file comment). Errors:
//   kNotFound     a leaving id that is not a resource of the template, or has
//                 no physical id (not deployed);
//   kInvalidInput the template is not an object with Resources;
//   kStepFailed   a value that cannot be made literal: a NoEcho parameter a
//                 leaving resource needs, an attribute with no deployed
//                 output and no certain form, a leaving resource whose
//                 Condition is false, an intrinsic that cannot be decided
//                 offline (Fn::ImportValue, Fn::GetAZs, …). The message names
//                 the stack, the resource, what could not be resolved, and
//                 what to do.
// What happens to the leaving resources' own definitions: made literal (they
// move into another stack), or kept as they are with Retain (they are let
// go of, as Gen2's own copies are when vacated; only what stays must stop
// referring to them).
enum class LeavingDefinitions { kLiteral, kRetainedAsTheyAre };
[[nodiscard]] Result<Value> DetachTemplate(const DeployedStack& stack,
                                           const std::set<std::string>& leaving,
                                           LeavingDefinitions mode = LeavingDefinitions::kLiteral);

// `template_json` without the resources `ids`. Errors: kNotFound for an id
// the template does not hold; kConflict when anything that stays still
// refers to one of them (detach first; ReferencesTo names who); kConflict
// when no resource would be left (CloudFormation refuses a stack without
// resources).
[[nodiscard]] Result<Value> RemoveResources(const Value& template_json,
                                            const std::set<std::string>& ids);

struct ResourceMapping {
  std::string source_stack, source_logical_id, destination_stack, destination_logical_id;
};

// The CreateStackRefactor `ResourceMappings` parameter for `mappings`.
Value ResourceMappingsParameter(const std::vector<ResourceMapping>& mappings);

struct RefactorTemplates {
  Value source;       // the source template without the moved resources
  Value destination;  // the destination template with them
};

// The templates CreateStackRefactor takes to move `mappings` from the
// stack whose detached template is `source_detached` into the stack whose
// template is `destination`. Every mapping names the same source stack and
// the same destination stack. Each moved definition is copied as it is,
// with `DeletionPolicy` and `UpdateReplacePolicy` Retain. Errors:
//   kInvalidInput  no mappings, mappings naming different stacks, a
//                  destination id given twice, a template without Resources;
//   kNotFound      a source id the source template does not hold;
//   kConflict      a destination id already taken, a moved definition that
//                  still refers to anything (Ref, GetAtt, Sub, DependsOn,
//                  Condition: detach first), anything in the source that
//                  still refers to a moved resource, a source left empty.
[[nodiscard]] Result<RefactorTemplates> MoveResources(const Value& source_detached,
                                                      const Value& destination,
                                                      const std::vector<ResourceMapping>& mappings);

// Who in `template_json` refers to resource `logical_id`, sorted:
// "Resources.X" (Ref, Fn::GetAtt or Fn::Sub anywhere in resource X),
// "Resources.X.DependsOn", "Outputs.Y". The resource itself is not listed.
std::vector<std::string> ReferencesTo(const Value& template_json, const std::string& logical_id);

// The value of attribute `attribute` of a resource of `type` whose physical
// id is `physical_id`, where its form is documented and certain (a table's
// Arn, a user pool's Arn/ProviderName/ProviderURL, a bucket's Arn and domain
// names, …); nullopt otherwise (StreamArn, RoleId, a client's Name, …).
// `properties` are the resource's literal properties, for the forms that
// need one (an identity pool's Name, a role's Path); null when unknown.
std::optional<std::string> AttributeFromPhysicalId(std::string_view type,
                                                   std::string_view attribute,
                                                   const std::string& physical_id,
                                                   const Value& properties,
                                                   const DeployedStack& stack);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_TEMPLATES_H_
