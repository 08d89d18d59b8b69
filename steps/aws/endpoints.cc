#include "steps/aws/endpoints.h"

#include <fmt/format.h>

#include <cctype>

namespace flightplan::aws {
namespace {

bool IsValidRegion(std::string_view region) {
  if (region.empty()) return false;
  for (char c : region) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string DnsSuffix(std::string_view region) {
  if (region.starts_with("cn-")) return "amazonaws.com.cn";
  return "amazonaws.com";
}

}  // namespace

Result<Endpoint> ResolveEndpoint(const ServiceInfo& service, const EndpointConfig& config) {
  Endpoint endpoint;
  std::string override_url;
  std::string override_source;
  if (auto it = config.service_endpoint_urls.find(service.env_name);
      it != config.service_endpoint_urls.end() && !it->second.empty()) {
    override_url = it->second;
    override_source = fmt::format("AWS_ENDPOINT_URL_{}", service.env_name);
  } else if (!config.endpoint_url.empty()) {
    override_url = config.endpoint_url;
    override_source = "AWS_ENDPOINT_URL (or the profile's endpoint_url)";
  }
  std::string region = config.region;
  if (region.empty() && service.global) region = "us-east-1";
  if (region.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("no AWS region is configured for {}: set AWS_REGION (or "
                                 "AWS_DEFAULT_REGION), or `region` in the profile in "
                                 "~/.aws/config, or pass --region",
                                 service.id));
  }
  if (!IsValidRegion(region)) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("'{}' is not an AWS region name (check "
                                                           "AWS_REGION and the profile's region)",
                                                           region));
  }
  endpoint.signing_region = region;
  if (!override_url.empty()) {
    if (!override_url.starts_with("https://") && !override_url.starts_with("http://")) {
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("{} is '{}', which is not an http(s) URL", override_source, override_url));
    }
    while (override_url.ends_with('/')) override_url.pop_back();
    endpoint.url = override_url;
    endpoint.s3_addressing = S3Addressing::kPathStyle;
    endpoint.overridden = true;
    return endpoint;
  }
  if (service.global) {
    // One endpoint per partition, signed for the partition's home region.
    if (region.starts_with("cn-")) {
      endpoint.signing_region = "cn-north-1";
      endpoint.url = fmt::format("https://{}.cn-north-1.amazonaws.com.cn", service.endpoint_prefix);
    } else if (region.starts_with("us-gov-")) {
      endpoint.signing_region = "us-gov-west-1";
      endpoint.url = fmt::format("https://{}.us-gov.amazonaws.com", service.endpoint_prefix);
    } else {
      endpoint.signing_region = "us-east-1";
      endpoint.url = fmt::format("https://{}.amazonaws.com", service.endpoint_prefix);
    }
  } else {
    endpoint.url =
        fmt::format("https://{}.{}.{}", service.endpoint_prefix, region, DnsSuffix(region));
  }
  return endpoint;
}

}  // namespace flightplan::aws
