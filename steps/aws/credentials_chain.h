// The credentials chain, in the AWS CLI's order:
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//      (skipped when a profile is named explicitly with --profile);
//   2. the profile's role_arn + source_profile / credential_source=Environment
//      (STS AssumeRole with the source's credentials);
//   3. the profile's SSO settings (sso_session or sso_start_url) with the
//      token cached by `aws sso login` (SSO GetRoleCredentials);
//   4. static keys in the shared credentials file;
//   5. credential_process;
//   6. static keys in the config file.
// Container and instance-metadata credentials are not supported.
//
// Credentials are cached and refreshed five minutes before they expire.
// Every error names the file, variable or profile involved and what to do;
// none contains a secret.
//
// Seams: HttpTransport (STS, SSO), Clock (expiry, signing), ProcessRunner
// (credential_process), all borrowed. Thread-safety: Get() is thread-safe.
#ifndef FLIGHTPLAN_STEPS_AWS_CREDENTIALS_CHAIN_H_
#define FLIGHTPLAN_STEPS_AWS_CREDENTIALS_CHAIN_H_

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/credentials.h"
#include "base/http_transport.h"
#include "engine/process_runner.h"
#include "steps/aws/aws_config.h"

namespace flightplan::aws {

class CredentialsChain final : public CredentialsProvider {
 public:
  CredentialsChain(AwsConfig config, HttpTransport& transport, Clock& clock,
                   ProcessRunner& processes);

  // Errors: kNotFound (no credentials anywhere), kInvalidInput (a profile
  // that is set up wrongly), kPermissionDenied (an expired SSO login, a
  // refused AssumeRole), kTransient (STS/SSO unreachable).
  [[nodiscard]] Result<AwsCredentials> Get() override;

  const AwsConfig& config() const { return config_; }

 private:
  Result<AwsCredentials> Resolve();
  Result<AwsCredentials> ResolveProfile(const std::string& profile, int depth);
  Result<AwsCredentials> FromEnvironment(bool required);
  Result<AwsCredentials> AssumeRole(const std::string& profile, const AwsCredentials& source);
  Result<AwsCredentials> FromSso(const std::string& profile);
  Result<AwsCredentials> FromProcess(const std::string& profile, const std::string& command);

  AwsConfig config_;
  HttpTransport& transport_;
  Clock& clock_;
  ProcessRunner& processes_;
  std::mutex mutex_;
  std::optional<AwsCredentials> cached_;
};

// Splits a credential_process command line like a POSIX shell would split
// words (quotes and backslashes), without running a shell.
std::vector<std::string> SplitCommandLine(std::string_view command);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_CREDENTIALS_CHAIN_H_
