// Endpoint resolution: where each service is reached for a region, and the
// overrides the AWS CLI honours (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>,
// a profile's endpoint_url). S3 uses virtual-hosted addressing on AWS and
// path-style on an overridden endpoint (local simulators, MinIO).
//
// Thread-safety: pure function.
#ifndef FLIGHTPLAN_STEPS_AWS_ENDPOINTS_H_
#define FLIGHTPLAN_STEPS_AWS_ENDPOINTS_H_

#include <map>
#include <string>

#include "base/error.h"
#include "steps/aws/wire/protocol.h"
#include "steps/aws/wire/service.h"

namespace flightplan::aws {

struct EndpointConfig {
  std::string region;
  std::string endpoint_url;  // AWS_ENDPOINT_URL or the profile's endpoint_url
  // By ServiceInfo::env_name ("CLOUDFORMATION"): AWS_ENDPOINT_URL_<NAME>.
  std::map<std::string, std::string, std::less<>> service_endpoint_urls;
};

struct Endpoint {
  std::string url;  // "https://cloudformation.us-east-1.amazonaws.com"
  std::string signing_region;
  S3Addressing s3_addressing = S3Addressing::kVirtualHosted;
  bool overridden = false;
};

// Errors: kInvalidInput when no region is configured (and the service is
// regional) or an override is not an http(s) URL; the message says which
// variable or profile setting to fix.
[[nodiscard]] Result<Endpoint> ResolveEndpoint(const ServiceInfo& service,
                                               const EndpointConfig& config);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_ENDPOINTS_H_
