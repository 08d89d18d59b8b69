#include "steps/aws/aws_config.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "base/file_io.h"
#include "steps/aws/wire/service.h"

namespace flightplan::aws {
namespace {

std::string Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  size_t end = s.find_last_not_of(" \t\r");
  return std::string(s.substr(begin, end - begin + 1));
}

std::string ExpandHome(const std::string& path, const EnvLookup& env) {
  if (path.starts_with("~/")) {
    return env("HOME").value_or("") + path.substr(1);
  }
  return path;
}

Result<IniFile> ReadIniFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return IniFile{};
  Result<std::string> text = ReadFile(path);
  if (!text) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("cannot read AWS configuration file {}", path));
  }
  return ParseIni(*text, path);
}

std::optional<std::string> NonEmpty(std::optional<std::string> value) {
  if (value && value->empty()) return std::nullopt;
  return value;
}

}  // namespace

EnvLookup SystemEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

EnvLookup MapEnvironment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

Result<IniFile> ParseIni(std::string_view text, std::string_view file_name) {
  IniFile file;
  IniSection* section = nullptr;
  std::string last_key;
  int line_number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (raw[0] == ' ' || raw[0] == '\t') {
      continue;  // a nested block ("s3 =\n  addressing_style = path")
    }
    if (line[0] == '[') {
      size_t close = line.find(']');
      if (close == std::string::npos) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("{}:{}: a section header needs a closing "
                                     "']': {}",
                                     file_name, line_number, line));
      }
      section = &file[Trim(line.substr(1, close - 1))];
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos || section == nullptr) {
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("{}:{}: expected 'key = value' inside a [section]", file_name, line_number));
    }
    std::string key = Trim(line.substr(0, eq));
    std::string value = Trim(line.substr(eq + 1));
    // Inline comments need a space before them, as in the AWS CLI.
    for (std::string_view marker : {" #", " ;"}) {
      if (size_t c = value.find(marker); c != std::string::npos) {
        value = Trim(value.substr(0, c));
      }
    }
    (*section)[key] = value;
  }
  return file;
}

Result<Timestamp> ParseIsoTimestamp(std::string_view text) {
  std::string s(text);
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("not an ISO 8601 time: '{}'", text));
  }
  std::string_view rest = std::string_view(s).substr(consumed);
  int64_t millis = 0;
  if (rest.starts_with('.')) {
    size_t digits = 1;
    int64_t scale = 100;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
      millis += (rest[digits] - '0') * scale;
      scale /= 10;
      ++digits;
    }
    rest = rest.substr(digits);
  }
  int64_t offset_minutes = 0;
  if (rest.starts_with('+') || rest.starts_with('-')) {
    int hours = 0;
    int minutes = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &hours, &minutes) != 2) {
      return MakeError(ErrorCode::kInvalidInput, fmt::format("not an ISO 8601 time: '{}'", text));
    }
    offset_minutes = (int64_t{hours} * 60 + minutes) * (rest[0] == '-' ? -1 : 1);
  } else if (!(rest.empty() || rest == "Z" || rest == " UTC" || rest == "UTC")) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("not an ISO 8601 time: '{}'", text));
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t seconds = static_cast<int64_t>(timegm(&tm)) - offset_minutes * 60;
  return Timestamp{seconds * 1000 + millis};
}

Result<AwsConfig> AwsConfig::Load(const EnvLookup& env, std::string explicit_profile) {
  AwsConfig config;
  config.env_ = env;
  if (!explicit_profile.empty()) {
    config.profile_ = std::move(explicit_profile);
    config.profile_source_ = ProfileSource::kExplicit;
  } else if (auto p = NonEmpty(env("AWS_PROFILE"))) {
    config.profile_ = *p;
    config.profile_source_ = ProfileSource::kAwsProfile;
  } else if (auto d = NonEmpty(env("AWS_DEFAULT_PROFILE"))) {
    config.profile_ = *d;
    config.profile_source_ = ProfileSource::kAwsDefaultProfile;
  } else {
    config.profile_ = "default";
  }
  config.config_path_ = ExpandHome(NonEmpty(env("AWS_CONFIG_FILE")).value_or("~/.aws/config"), env);
  config.credentials_path_ =
      ExpandHome(NonEmpty(env("AWS_SHARED_CREDENTIALS_FILE")).value_or("~/.aws/credentials"), env);
  ASSIGN_OR_RETURN(config.config_, ReadIniFile(config.config_path_));
  ASSIGN_OR_RETURN(config.credentials_, ReadIniFile(config.credentials_path_));
  if (auto r = NonEmpty(env("AWS_REGION"))) {
    config.region_ = *r;
    config.region_source_ = "AWS_REGION";
  } else if (auto dr = NonEmpty(env("AWS_DEFAULT_REGION"))) {
    config.region_ = *dr;
    config.region_source_ = "AWS_DEFAULT_REGION";
  } else if (auto pr = config.Setting(config.profile_, "region")) {
    config.region_ = *pr;
    config.region_source_ = fmt::format("profile '{}' in {}", config.profile_, config.config_path_);
  }
  return config;
}

std::string_view AwsConfig::ProfileSourceName() const {
  switch (profile_source_) {
    case ProfileSource::kExplicit:
      return "--profile";
    case ProfileSource::kAwsProfile:
      return "AWS_PROFILE";
    case ProfileSource::kAwsDefaultProfile:
      return "AWS_DEFAULT_PROFILE";
    case ProfileSource::kDefault:
      return "the default profile";
  }
  return "";
}

const IniSection* AwsConfig::ConfigProfile(std::string_view name) const {
  auto it = config_.find(fmt::format("profile {}", name));
  if (it == config_.end() && name == "default") it = config_.find("default");
  return it == config_.end() ? nullptr : &it->second;
}

const IniSection* AwsConfig::CredentialsProfile(std::string_view name) const {
  auto it = credentials_.find(name);
  return it == credentials_.end() ? nullptr : &it->second;
}

const IniSection* AwsConfig::SsoSession(std::string_view name) const {
  auto it = config_.find(fmt::format("sso-session {}", name));
  return it == config_.end() ? nullptr : &it->second;
}

bool AwsConfig::HasProfile(std::string_view name) const {
  return ConfigProfile(name) != nullptr || CredentialsProfile(name) != nullptr;
}

std::optional<std::string> AwsConfig::Setting(std::string_view profile,
                                              std::string_view key) const {
  for (const IniSection* section : {CredentialsProfile(profile), ConfigProfile(profile)}) {
    if (section == nullptr) continue;
    auto it = section->find(key);
    if (it != section->end() && !it->second.empty()) return it->second;
  }
  return std::nullopt;
}

EndpointConfig AwsConfig::Endpoints() const {
  EndpointConfig out;
  out.region = region_;
  std::string ignore = env_("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("");
  if (ignore == "true") return out;
  if (auto global = NonEmpty(env_("AWS_ENDPOINT_URL"))) {
    out.endpoint_url = *global;
  } else if (auto profile_url = Setting(profile_, "endpoint_url")) {
    out.endpoint_url = *profile_url;
  }
  for (std::string_view id :
       {"cloudformation", "sts", "iam", "amplify", "dynamodb", "cognito-idp", "s3", "sso"}) {
    const ServiceInfo* service = FindService(id);
    if (service == nullptr) continue;
    std::string name(service->env_name);
    if (auto url = NonEmpty(env_("AWS_ENDPOINT_URL_" + name))) {
      out.service_endpoint_urls[name] = *url;
    }
  }
  return out;
}

}  // namespace flightplan::aws
