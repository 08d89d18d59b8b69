// Resource providers: what creating, updating and deleting one resource of
// a stack does. Every type gets a plausible physical id and GetAtt
// attributes; S3 buckets, DynamoDB tables and Cognito user pools (with
// clients, groups and domains) are real resources in the World's stores;
// AWS::CloudFormation::Stack creates a child stack through NestedStackHost.
//
// Thread-safety: the caller holds the World's mutex.
#ifndef FLIGHTPLAN_CLOUDSIM_CFN_RESOURCES_H_
#define FLIGHTPLAN_CLOUDSIM_CFN_RESOURCES_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/value.h"
#include "cloudsim/sim.h"
#include "cloudsim/stores/cfn_store.h"
#include "cloudsim/world.h"

namespace flightplan::cloudsim::cfn {

// Child stacks of AWS::CloudFormation::Stack resources (the stack engine).
class NestedStackHost {
 public:
  virtual ~NestedStackHost() = default;
  // Creates the child of `parent`'s resource `logical_id` from the
  // resource's TemplateURL and Parameters; returns the child's stack id.
  // Errors: the reason the resource failed ("Embedded stack ... was not
  // successfully created: ...").
  virtual SimResult<std::string> CreateNestedStack(const Stack& parent, std::string_view logical_id,
                                                   const Value& properties) = 0;
  virtual SimResult<void> UpdateNestedStack(std::string_view child_id, const Value& properties) = 0;
  virtual SimResult<void> DeleteNestedStack(std::string_view child_id) = 0;
};

struct ProviderContext {
  World& world;
  const Stack& stack;       // the stack the resource belongs to
  NestedStackHost* nested;  // may be null: nested stacks then fail
  // Seeding: the physical id to use instead of a generated one.
  std::string pinned_physical_id;
  // Seeding: stacks are built in name order, so a resource may refer to a
  // physical resource another stack has not created yet.
  bool seeding = false;
};

// What a provider reports after creating or updating a resource.
struct AppliedResource {
  std::string physical_id;
  Value attributes;  // GetAtt attributes, a map
  Value actual;      // the properties as applied
};

SimResult<AppliedResource> CreateResource(ProviderContext& ctx, std::string_view logical_id,
                                          std::string_view type, const Value& properties);

// CloudFormation's generated physical name, "<stack>-<LogicalId>-<RANDOM12>":
// the longer of the stack and logical parts is shortened until the name fits
// `max_len`; all lower case with `lower_case` (S3 bucket names).
std::string GeneratedName(World& world, const Stack& stack, std::string_view logical_id,
                          size_t max_len, bool lower_case);

// A resource with a plausible physical id and attributes but nothing
// behind it in the stores (seeding falls back to it when a store refuses,
// e.g. a user pool id from the fixture that the store cannot pin).
AppliedResource UnbackedResource(ProviderContext& ctx, std::string_view logical_id,
                                 std::string_view type, const Value& properties);

// "True" when a change of `before` -> `after` replaces the resource,
// "False" when it is updated in place.
bool RequiresReplacement(std::string_view type, const Value& before, const Value& after);
// The top-level properties that differ between `before` and `after`.
std::vector<std::string> ChangedProperties(const Value& before, const Value& after);
// Whether changing property `name` of `type` replaces the resource.
bool PropertyRequiresReplacement(std::string_view type, std::string_view name);

// Updates in place (RequiresReplacement was false).
SimResult<AppliedResource> UpdateResource(ProviderContext& ctx, const StackResource& current,
                                          const Value& properties);

// Deletes the physical resource. Errors: the reason the delete failed
// (a non-empty bucket: "The bucket you tried to delete is not empty").
SimResult<void> DeleteResource(ProviderContext& ctx, const StackResource& resource);

// Fn::GetAtt of a created resource. Errors: ValidationError "Template
// error: resource X does not support attribute type Y in Fn::GetAtt".
SimResult<Value> ResourceAttribute(const World& world, const StackResource& resource,
                                   std::string_view attribute);

// IAM resources need CAPABILITY_IAM; named ones CAPABILITY_NAMED_IAM.
bool IsIamType(std::string_view type);
bool IsNamedIam(std::string_view type, const Value& properties);

}  // namespace flightplan::cloudsim::cfn

#endif  // FLIGHTPLAN_CLOUDSIM_CFN_RESOURCES_H_
