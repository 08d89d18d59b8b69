#include "steps/aws/doctor.h"

#include <fmt/format.h>

#include <algorithm>

#include "steps/aws/redact.h"
#include "steps/aws/services.h"

namespace flightplan::aws {

bool DoctorReport::ok() const {
  return std::all_of(checks.begin(), checks.end(),
                     [](const DoctorCheck& c) { return c.ok; });
}

std::string DoctorReport::ToText() const {
  size_t width = 0;
  for (const DoctorCheck& check : checks)
    width = std::max(width, check.name.size());
  std::string out;
  for (const DoctorCheck& check : checks) {
    out += fmt::format("{}{:<{}}  {}\n", check.ok ? "  " : "! ",
                       check.name + ":", width + 1, check.detail);
  }
  out += ok() ? "AWS access looks good.\n"
              : "Some checks failed (marked !); see docs/aws-client.md.\n";
  return out;
}

std::string MaskAccessKeyId(std::string_view access_key_id) {
  if (access_key_id.size() <= 8) return "****";
  return fmt::format("{}…{}", access_key_id.substr(0, 4),
                     access_key_id.substr(access_key_id.size() - 4));
}

DoctorReport RunDoctor(const AwsConfig& config,
                       CredentialsProvider& credentials, AwsClient& client) {
  DoctorReport report;
  report.checks.push_back({"profile",
                           fmt::format("{} (from {})", config.profile(),
                                       config.ProfileSourceName()),
                           true});
  report.checks.push_back({"config file", config.config_path(), true});
  report.checks.push_back(
      {"credentials file", config.credentials_path(), true});

  Result<AwsCredentials> creds = credentials.Get();
  if (creds) {
    std::string expiry = creds->expiration
                             ? "expires " + FormatTimestamp(*creds->expiration)
                             : "does not expire";
    report.checks.push_back(
        {"credentials",
         fmt::format("{}; key {}, {}, {}", creds->source,
                     MaskAccessKeyId(creds->access_key_id),
                     creds->session_token.empty() ? "long-term"
                                                  : "temporary (session token)",
                     expiry),
         true});
  } else {
    report.checks.push_back(
        {"credentials", Redact(creds.error().ToString()), false});
  }

  const EndpointConfig& endpoints = client.endpoint_config();
  report.checks.push_back(
      {"region",
       endpoints.region.empty()
           ? "not set: set AWS_REGION or `region` in the profile"
           : fmt::format("{} (from {})", endpoints.region,
                         endpoints.region == config.region() &&
                                 !config.region_source().empty()
                             ? config.region_source()
                             : std::string("--region")),
       !endpoints.region.empty()});
  for (std::string_view service : {"cloudformation", "amplify", "s3", "sts",
                                   "dynamodb", "cognito-idp", "sso"}) {
    Result<Endpoint> endpoint = client.EndpointFor(service);
    if (endpoint) {
      report.checks.push_back(
          {fmt::format("endpoint {}", service),
           endpoint->url + (endpoint->overridden ? " (overridden)" : ""),
           true});
    } else if (!endpoints.region.empty()) {
      report.checks.push_back({fmt::format("endpoint {}", service),
                               endpoint.error().message(), false});
    }
  }

  if (creds && !endpoints.region.empty()) {
    StsClient sts(client);
    Result<CallerIdentity> identity = sts.GetCallerIdentity();
    if (identity) {
      report.checks.push_back(
          {"caller",
           fmt::format("{} (account {})", identity->arn, identity->account),
           true});
    } else {
      report.checks.push_back(
          {"caller", Redact(identity.error().ToString(), *creds), false});
    }
  }
  return report;
}

}  // namespace flightplan::aws
