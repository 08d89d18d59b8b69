// Facts about the resources of a Gen1Project that more than one reader needs
// (the plan, the generator, the fidelity check): which resource is the main
// user pool or the GraphQL API, which functions are auth triggers or called
// by the schema, what a function is deployed with. Part of the Gen1 model
// (gen1_project.h): each fact is derived from the model alone, so every
// reader sees the same answer.
//
// Thread-safety: pure functions of their arguments. Pointers returned point
// into the Gen1Project passed in and live as long as it does.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_GEN1_FACTS_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_GEN1_FACTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/value.h"
#include "steps/amplify/gen1_project.h"

namespace flightplan::amplify {

// The user pool resource (category auth, service Cognito), or nullptr.
const Gen1Resource* MainAuth(const Gen1Project& project);
// The AppSync API, or nullptr.
const Gen1Resource* GraphQlApi(const Gen1Project& project);

// Auth trigger functions: Gen2 trigger event ("preSignUp") -> function name.
std::map<std::string, std::string> AuthTriggers(const Gen1Project& project,
                                                const Gen1Resource& auth);

// Function names the GraphQL schema calls through @function, in order.
std::vector<std::string> SchemaFunctionNames(const std::string& schema);
// Model type names (@model) in the GraphQL schema, in order.
std::vector<std::string> SchemaModels(const std::string& schema);

// The user pool's username attributes ("email", "phone_number"): the
// deployed UserPool's UsernameAttributes, else (no template) cli-inputs.json
// cognitoConfig.usernameAttributes.
std::vector<std::string> UsernameAttributes(const Gen1Resource& auth);

// The Properties of the user pool (logical id UserPool) in the auth
// resource's template; without a template, the ones Gen1's auth template
// derives from cli-inputs.json cognitoConfig: Schema (required attributes),
// UsernameAttributes, AliasAttributes, UsernameConfiguration, Policies
// (password policy), MfaConfiguration, AutoVerifiedAttributes. Null when
// neither is known.
Value UserPoolProperties(const Gen1Resource& auth);
// The attribute restrictions of the web app client (the one Gen2 keeps):
// ReadAttributes and WriteAttributes of the template's UserPoolClientWeb
// (else UserPoolClient); without a template, cli-inputs.json's
// userpoolClientReadAttributes/WriteAttributes when userpoolClientSetAttributes
// is true (Gen1 sets them on the clients only then). A map holding either
// key, or null when the client reads and writes every attribute.
Value UserPoolClientAttributes(const Gen1Resource& auth);
// The project's Node.js function a GraphQL authorization mode (an entry of
// authConfig) names as its Lambda authorizer
// (authenticationType AWS_LAMBDA, lambdaAuthorizerConfig.lambdaFunction),
// or null: another mode, or a function generate does not define with
// defineFunction.
const Gen1Resource* LambdaAuthorizer(const Gen1Project& project, const Value& mode);
// Whether the identity pool admits guests: the deployed IdentityPool's
// AllowUnauthenticatedIdentities, else cli-inputs.json's
// allowUnauthenticatedIdentities; nullopt when neither says.
std::optional<bool> IdentityPoolAllowsGuests(const Gen1Resource& auth);

// A user pool group: its name and its precedence, if set.
struct UserPoolGroup {
  std::string name;
  std::optional<int64_t> precedence;
};
// The user pool groups: the named AWS::Cognito::UserPoolGroup resources of
// the deployed Cognito-UserPool-Groups templates, in template order; when
// they name none (no deployed state, or groups never pushed), the groups
// amplify/backend/auth/userPoolGroups/user-pool-group-precedence.json
// declares, in file order.
std::vector<UserPoolGroup> UserPoolGroups(const Gen1Project& project);

// Logical ids of the resources of `type` in the resource's template
// (Gen1Resource::Template()), in order; a resource with no template at all
// gets the logical ids Gen1's category templates always use (auth:
// UserPool, IdentityPool; storage: S3Bucket, DynamoDBTable).
std::vector<std::string> StatefulLogicalIds(const Gen1Resource& r, std::string_view type);

// The Lambda runtime ("nodejs22.x", "python3.12") of the function's
// template (Gen1Resource::Template()), or "".
std::string FunctionRuntime(const Gen1Resource& function);
bool IsNodeFunction(const Gen1Resource& function);

// The settings a Gen1 function is deployed with: the properties of the
// first AWS::Lambda::Function of its template (Gen1Resource::Template()). Empty (no runtime,
// no handler, no timeout, no memory, no variables) when there is none.
struct LambdaSettings {
  std::string runtime;  // FunctionRuntime()
  std::string handler;  // "index.handler"; "" when unset
  std::optional<int64_t> timeout_seconds;
  std::optional<int64_t> memory_mb;
  // Environment variables with a literal (string) value, by name.
  std::map<std::string, std::string> literal_environment;
  // Environment variables whose value names another resource (Ref,
  // Fn::ImportValue, ...), by name, as deployed.
  std::map<std::string, Value> referenced_environment;
};
LambdaSettings DeployedLambdaSettings(const Gen1Resource& function);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_GEN1_FACTS_H_
