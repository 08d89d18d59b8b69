// The AWS CLI's configuration as flightplan reads it: the shared files
// (~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE /
// AWS_SHARED_CREDENTIALS_FILE), the chosen profile (explicit, AWS_PROFILE,
// AWS_DEFAULT_PROFILE, "default"), the region (AWS_REGION,
// AWS_DEFAULT_REGION, the profile's region) and endpoint overrides
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, the profile's endpoint_url).
//
// The environment is a seam (EnvLookup) so tests use a map and a temporary
// HOME. Thread-safety: an AwsConfig is an immutable value once loaded.
#ifndef FLIGHTPLAN_STEPS_AWS_AWS_CONFIG_H_
#define FLIGHTPLAN_STEPS_AWS_AWS_CONFIG_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/error.h"
#include "steps/aws/endpoints.h"

namespace flightplan::aws {

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
// The process environment (getenv).
EnvLookup SystemEnvironment();
// A fixed environment, for tests.
EnvLookup MapEnvironment(std::map<std::string, std::string> values);

using IniSection = std::map<std::string, std::string, std::less<>>;
using IniFile = std::map<std::string, IniSection, std::less<>>;

// Parses the shared-file INI dialect: [section], key = value, # and ;
// comments, indented lines continue a nested block (ignored). Errors:
// kInvalidInput naming file:line.
[[nodiscard]] Result<IniFile> ParseIni(std::string_view text, std::string_view file_name);

// ISO 8601 / RFC 3339 ("2026-11-22T12:00:00Z", ".123Z", "+00:00", " UTC").
[[nodiscard]] Result<Timestamp> ParseIsoTimestamp(std::string_view text);

enum class ProfileSource { kExplicit, kAwsProfile, kAwsDefaultProfile, kDefault };

class AwsConfig {
 public:
  // Reads both files; a missing file is empty, an unreadable or malformed one
  // is an error naming it. explicit_profile: --profile, or empty.
  [[nodiscard]] static Result<AwsConfig> Load(const EnvLookup& env, std::string explicit_profile);

  const std::string& profile() const { return profile_; }
  ProfileSource profile_source() const { return profile_source_; }
  // "AWS_PROFILE", "--profile", ... for messages.
  std::string_view ProfileSourceName() const;
  const std::string& config_path() const { return config_path_; }
  const std::string& credentials_path() const { return credentials_path_; }

  // A profile's settings: [profile name] / [default] of the config file.
  const IniSection* ConfigProfile(std::string_view name) const;
  // A profile's section of the credentials file ([name]).
  const IniSection* CredentialsProfile(std::string_view name) const;
  const IniSection* SsoSession(std::string_view name) const;
  bool HasProfile(std::string_view name) const;
  // Config setting of a profile (credentials file first, then config file).
  std::optional<std::string> Setting(std::string_view profile, std::string_view key) const;

  // Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region; empty if
  // none. region_source() says which, for `flightplan doctor`.
  const std::string& region() const { return region_; }
  const std::string& region_source() const { return region_source_; }
  // Region and endpoint overrides for the client.
  EndpointConfig Endpoints() const;
  const EnvLookup& env() const { return env_; }

 private:
  EnvLookup env_;
  std::string profile_;
  ProfileSource profile_source_ = ProfileSource::kDefault;
  std::string config_path_;
  std::string credentials_path_;
  IniFile config_;
  IniFile credentials_;
  std::string region_;
  std::string region_source_;
};

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_AWS_CONFIG_H_
