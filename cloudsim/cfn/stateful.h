// Providers backed by the World's stores: AWS::S3::Bucket,
// AWS::DynamoDB::Table and AWS::Cognito::UserPool/UserPoolClient/
// UserPoolGroup/UserPoolDomain; and reading a TemplateURL out of S3.
//
// Thread-safety: the caller holds the World's mutex.
#ifndef FLIGHTPLAN_CLOUDSIM_CFN_STATEFUL_H_
#define FLIGHTPLAN_CLOUDSIM_CFN_STATEFUL_H_

#include <string>
#include <string_view>

#include "cloudsim/cfn/resources.h"

namespace flightplan::cloudsim::cfn {

bool IsStatefulType(std::string_view type);
// DynamoDB: whether the attribute definitions of key attributes changed.
bool TableKeyAttributesChanged(const Value& before, const Value& after);

SimResult<AppliedResource> CreateStatefulResource(ProviderContext& ctx, std::string_view logical_id,
                                                  std::string_view type, const Value& properties);
SimResult<AppliedResource> UpdateStatefulResource(ProviderContext& ctx,
                                                  const StackResource& current,
                                                  const Value& properties);
SimResult<void> DeleteStatefulResource(ProviderContext& ctx, const StackResource& resource);

// The GetAtt attributes of an existing physical resource adopted by an
// IMPORT change set ({} for types without a store).
Value ImportedAttributes(const World& world, std::string_view type, std::string_view physical_id);
// Whether the physical resource exists (true for types without a store).
bool PhysicalResourceExists(const World& world, std::string_view type,
                            std::string_view physical_id);

// The template a TemplateURL names, from the simulator's S3:
// https://s3.amazonaws.com/<b>/<k>, https://<b>.s3.amazonaws.com/<k>,
// https://s3.<region>.amazonaws.com/<b>/<k>, http://127.0.0.1:<port>/<b>/<k>.
// Errors: ValidationError "TemplateURL must be a supported URL." or
// "S3 error: Access Denied" style messages for missing objects.
SimResult<std::string> FetchTemplateUrl(const World& world, std::string_view url);

}  // namespace flightplan::cloudsim::cfn

#endif  // FLIGHTPLAN_CLOUDSIM_CFN_STATEFUL_H_
