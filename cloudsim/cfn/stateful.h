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

// Gen1's hosted UI domain. Amplify Gen1 does not declare an
// AWS::Cognito::UserPoolDomain: a Lambda-backed custom resource
// (Custom::LambdaCallout, properties `hostedUIDomainName` and `userPoolId`)
// calls Cognito. The simulator does what that Lambda does (the ZipFile of
// HostedUICustomResource in every Gen1 auth template) instead of running it:
//   Create, Update  the pool `userPoolId` ends up with the domain
//                   `hostedUIDomainName`: nothing when it has it already;
//                   when the name is free, the pool's other domain (if any)
//                   is deleted and the name created on it; a name another
//                   pool holds fails ("Domain not available"), so a changed
//                   `userPoolId` with the same name fails too; an empty
//                   name deletes the pool's domain;
//   Delete          DeleteUserPoolDomain(name, userPoolId) — whatever pool
//                   the id names now, so deleting a Gen1 stack whose pool
//                   moved away takes the domain off the moved pool, unless
//                   the resource's DeletionPolicy is Retain (the stack
//                   engine then never asks). A missing domain fails the
//                   delete, as the Lambda reports FAILED.
// Failures read as CloudFormation reports a custom resource's FAILED
// response.
bool IsHostedUiDomainResource(std::string_view type, const Value& properties);
SimResult<AppliedResource> CreateHostedUiDomain(ProviderContext& ctx, std::string_view logical_id,
                                                std::string_view type, const Value& properties);
SimResult<AppliedResource> UpdateHostedUiDomain(ProviderContext& ctx, const StackResource& current,
                                                const Value& properties);
SimResult<void> DeleteHostedUiDomain(ProviderContext& ctx, const StackResource& resource);

// Amplify's table manager replaces a model table whose key (or local
// secondary indexes) changed under the same name: it deletes the table, and
// its items with it, then creates the new one. True when replacing `current`
// (a Custom::AmplifyDynamoDBTable, not an imported one) by `properties` keeps
// the table's name.
bool ReplacedUnderTheSameName(const StackResource& current, std::string_view type,
                              const Value& properties);

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
