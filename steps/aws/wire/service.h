// The AWS services flightplan talks to: wire protocol, signing name, API
// version and endpoint prefix, taken from the botocore models' metadata.
//
// Thread-safety: immutable table.
#ifndef FLIGHTPLAN_STEPS_AWS_WIRE_SERVICE_H_
#define FLIGHTPLAN_STEPS_AWS_WIRE_SERVICE_H_

#include <string_view>

namespace flightplan::aws {

enum class Protocol {
  kQuery,     // form-encoded POST, XML response (CloudFormation, STS, IAM)
  kJson,      // POST with X-Amz-Target, JSON response (DynamoDB 1.0, Cognito 1.1)
  kRestJson,  // HTTP bindings + JSON body (Amplify, SSO)
  kRestXml,   // HTTP bindings + XML body (S3)
};

struct ServiceInfo {
  std::string_view id;               // "cloudformation", "cognito-idp"
  std::string_view signing_name;     // "awsssoportal" for sso
  std::string_view endpoint_prefix;  // "portal.sso" for sso
  Protocol protocol;
  std::string_view api_version;    // query protocol "Version"
  std::string_view target_prefix;  // json protocol X-Amz-Target prefix
  std::string_view json_version;   // "1.0" / "1.1"
  bool global = false;             // one endpoint for all regions (IAM)
  // Name of AWS_ENDPOINT_URL_<SERVICE> (the SDKs' service id, upper snake).
  std::string_view env_name;
};

// nullptr for a service flightplan does not know.
const ServiceInfo* FindService(std::string_view id);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_WIRE_SERVICE_H_
