#include "steps/aws/credentials_chain.h"

#include <fmt/format.h>

#include <filesystem>

#include "base/digest.h"
#include "base/file_io.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/redact.h"

namespace flightplan::aws {
namespace {

constexpr Duration kRefreshBefore = std::chrono::minutes(5);
constexpr int kMaxRoleChain = 5;

class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(AwsCredentials credentials) : credentials_(std::move(credentials)) {}
  Result<AwsCredentials> Get() override { return credentials_; }

 private:
  AwsCredentials credentials_;
};

const std::string* StringField(const Value& map, std::string_view key) {
  const Value* v = map.Find(key);
  return v != nullptr && v->is_string() && !v->as_string().empty() ? &v->as_string() : nullptr;
}

}  // namespace

std::vector<std::string> SplitCommandLine(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < command.size()) {
        word.push_back(command[++i]);
      } else {
        word.push_back(c);
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < command.size()) {
      word.push_back(command[++i]);
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

CredentialsChain::CredentialsChain(AwsConfig config, HttpTransport& transport, Clock& clock,
                                   ProcessRunner& processes)
    : config_(std::move(config)), transport_(transport), clock_(clock), processes_(processes) {}

Result<AwsCredentials> CredentialsChain::Get() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cached_ && (!cached_->expiration || clock_.Now() + kRefreshBefore < *cached_->expiration)) {
    return *cached_;
  }
  Result<AwsCredentials> fresh = Resolve();
  if (!fresh) return fresh;
  if (fresh->expiration && *fresh->expiration <= clock_.Now()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("the AWS credentials from {} expired at {}; "
                                 "refresh them and run flightplan again",
                                 fresh->source, FormatTimestamp(*fresh->expiration)));
  }
  cached_ = *fresh;
  return fresh;
}

Result<AwsCredentials> CredentialsChain::FromEnvironment(bool required) {
  const EnvLookup& env = config_.env();
  std::string key = env("AWS_ACCESS_KEY_ID").value_or("");
  std::string secret = env("AWS_SECRET_ACCESS_KEY").value_or("");
  if (key.empty() && secret.empty() && !required) {
    return MakeError(ErrorCode::kNotFound, "no credentials in the environment");
  }
  if (key.empty() || secret.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} is set but {} is not; set both, or unset it to use a "
                                 "profile",
                                 key.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID",
                                 key.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"));
  }
  AwsCredentials out;
  out.access_key_id = key;
  out.secret_access_key = secret;
  out.session_token = env("AWS_SESSION_TOKEN").value_or("");
  if (auto expiration = env("AWS_CREDENTIAL_EXPIRATION"); expiration && !expiration->empty()) {
    if (Result<Timestamp> t = ParseIsoTimestamp(*expiration)) out.expiration = *t;
  }
  out.source = "environment variables (AWS_ACCESS_KEY_ID)";
  return out;
}

Result<AwsCredentials> CredentialsChain::Resolve() {
  if (config_.profile_source() != ProfileSource::kExplicit) {
    Result<AwsCredentials> env = FromEnvironment(/*required=*/false);
    if (env || env.error().code() != ErrorCode::kNotFound) return env;
  }
  const std::string& profile = config_.profile();
  if (!config_.HasProfile(profile)) {
    if (config_.profile_source() != ProfileSource::kDefault) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("the AWS profile '{}' (from {}) is not in {} or {}; "
                                   "check its name or run `aws configure --profile {}`",
                                   profile, config_.ProfileSourceName(), config_.config_path(),
                                   config_.credentials_path(), profile));
    }
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("no AWS credentials found: AWS_ACCESS_KEY_ID is not set "
                                 "and there is no [default] profile in {} or {}; run `aws "
                                 "configure` (or `aws sso login`), or set AWS_PROFILE",
                                 config_.config_path(), config_.credentials_path()));
  }
  return ResolveProfile(profile, 0);
}

Result<AwsCredentials> CredentialsChain::ResolveProfile(const std::string& profile, int depth) {
  if (depth > kMaxRoleChain) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("profile '{}': source_profile chain is longer "
                                 "than {} or loops; check source_profile in {}",
                                 profile, kMaxRoleChain, config_.config_path()));
  }
  if (!config_.HasProfile(profile)) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("the AWS profile '{}' is not in {} or {}", profile,
                                 config_.config_path(), config_.credentials_path()));
  }
  auto setting = [&](std::string_view key) { return config_.Setting(profile, key); };
  auto static_keys = [&](const IniSection* section,
                         const std::string& file) -> Result<AwsCredentials> {
    auto key = section->find("aws_access_key_id");
    auto secret = section->find("aws_secret_access_key");
    if (secret == section->end() || secret->second.empty()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("profile '{}' in {} has aws_access_key_id "
                                   "but no aws_secret_access_key",
                                   profile, file));
    }
    AwsCredentials out;
    out.access_key_id = key->second;
    out.secret_access_key = secret->second;
    if (auto token = section->find("aws_session_token"); token != section->end()) {
      out.session_token = token->second;
    }
    out.source = fmt::format("profile '{}' in {}", profile, file);
    return out;
  };
  auto has_key = [](const IniSection* section) {
    if (section == nullptr) return false;
    auto it = section->find("aws_access_key_id");
    return it != section->end() && !it->second.empty();
  };

  if (auto role_arn = setting("role_arn")) {
    if (setting("mfa_serial")) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("profile '{}' needs an MFA code (mfa_serial), which "
                                   "flightplan cannot prompt for; run `aws sts "
                                   "get-session-token` or use an SSO profile",
                                   profile));
    }
    AwsCredentials source;
    if (auto source_profile = setting("source_profile")) {
      if (*source_profile == profile) {
        const IniSection* section = config_.CredentialsProfile(profile);
        if (!has_key(section)) section = config_.ConfigProfile(profile);
        if (!has_key(section)) {
          return MakeError(ErrorCode::kInvalidInput,
                           fmt::format("profile '{}' is its own source_profile "
                                       "but has no aws_access_key_id",
                                       profile));
        }
        ASSIGN_OR_RETURN(source, static_keys(section, config_.credentials_path()));
      } else {
        Result<AwsCredentials> resolved = ResolveProfile(*source_profile, depth + 1);
        if (!resolved) {
          return MakeError(std::move(resolved.error())
                               .WithContext(fmt::format("source_profile '{}' of profile '{}'",
                                                        *source_profile, profile)));
        }
        source = std::move(*resolved);
      }
    } else if (setting("credential_source") == std::optional<std::string>("Environment")) {
      ASSIGN_OR_RETURN(source, FromEnvironment(/*required=*/true));
    } else if (auto credential_source = setting("credential_source")) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("profile '{}': credential_source = {} is "
                                   "not supported by flightplan (only "
                                   "Environment); use source_profile",
                                   profile, *credential_source));
    } else {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("profile '{}' in {} has role_arn but neither "
                                   "source_profile nor credential_source",
                                   profile, config_.config_path()));
    }
    return AssumeRole(profile, source);
  }
  if (setting("sso_session") || setting("sso_start_url")) return FromSso(profile);
  if (const IniSection* section = config_.CredentialsProfile(profile); has_key(section)) {
    return static_keys(section, config_.credentials_path());
  }
  if (auto process = setting("credential_process")) {
    return FromProcess(profile, *process);
  }
  if (const IniSection* section = config_.ConfigProfile(profile); has_key(section)) {
    return static_keys(section, config_.config_path());
  }
  return MakeError(ErrorCode::kNotFound,
                   fmt::format("profile '{}' has no credentials: no aws_access_key_id, "
                               "role_arn, sso_session/sso_start_url or credential_process "
                               "in {} or {}",
                               profile, config_.config_path(), config_.credentials_path()));
}

Result<AwsCredentials> CredentialsChain::AssumeRole(const std::string& profile,
                                                    const AwsCredentials& source) {
  const std::string role_arn = *config_.Setting(profile, "role_arn");
  StaticProvider source_provider(source);
  AwsClientOptions options;
  options.endpoints = config_.Endpoints();
  if (auto region = config_.Setting(profile, "region")) {
    options.endpoints.region = *region;
  }
  if (options.endpoints.region.empty()) options.endpoints.region = "us-east-1";
  AwsClient sts(transport_, source_provider, clock_, options);
  Value params;
  params.Set("RoleArn", role_arn);
  params.Set("RoleSessionName", config_.Setting(profile, "role_session_name")
                                    .value_or(fmt::format("flightplan-{}", clock_.Now().unix_ms)));
  if (auto external_id = config_.Setting(profile, "external_id")) {
    params.Set("ExternalId", *external_id);
  }
  if (auto duration = config_.Setting(profile, "duration_seconds")) {
    params.Set("DurationSeconds", *duration);
  }
  AwsResult result = sts.Call("sts", "AssumeRole", params);
  if (!result) {
    return MakeError(result.error().ToError().WithContext(
        fmt::format("assuming role {} for profile '{}' (with credentials from "
                    "{})",
                    role_arn, profile, source.source)));
  }
  const Value* credentials = result->Find("Credentials");
  if (credentials == nullptr || !StringField(*credentials, "AccessKeyId") ||
      !StringField(*credentials, "SecretAccessKey")) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("STS AssumeRole for profile '{}' returned no "
                                 "credentials",
                                 profile));
  }
  AwsCredentials out;
  out.access_key_id = *StringField(*credentials, "AccessKeyId");
  out.secret_access_key = *StringField(*credentials, "SecretAccessKey");
  if (auto* token = StringField(*credentials, "SessionToken")) out.session_token = *token;
  if (auto* expiration = StringField(*credentials, "Expiration")) {
    if (Result<Timestamp> t = ParseIsoTimestamp(*expiration)) out.expiration = *t;
  }
  out.source = fmt::format("role {} assumed via profile '{}'", role_arn, profile);
  return out;
}

Result<AwsCredentials> CredentialsChain::FromSso(const std::string& profile) {
  auto setting = [&](std::string_view key) { return config_.Setting(profile, key); };
  std::string cache_key;
  std::string sso_region;
  std::string login_hint = fmt::format("aws sso login --profile {}", profile);
  if (auto session = setting("sso_session")) {
    const IniSection* section = config_.SsoSession(*session);
    if (section == nullptr) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("profile '{}' names sso_session '{}', but {} "
                                   "has no [sso-session {}] section",
                                   profile, *session, config_.config_path(), *session));
    }
    cache_key = *session;
    if (auto it = section->find("sso_region"); it != section->end()) {
      sso_region = it->second;
    }
  } else {
    cache_key = *setting("sso_start_url");
    sso_region = setting("sso_region").value_or("");
  }
  auto account = setting("sso_account_id");
  auto role = setting("sso_role_name");
  if (!account || !role || sso_region.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("SSO profile '{}' in {} needs sso_account_id, "
                                 "sso_role_name and sso_region",
                                 profile, config_.config_path()));
  }
  std::string cache_file = fmt::format("{}/.aws/sso/cache/{}.json",
                                       config_.env()("HOME").value_or(""), Sha1Hex(cache_key));
  Result<std::string> cached = ReadFile(cache_file);
  if (!cached) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("profile '{}' uses AWS SSO but there is no "
                                 "cached login ({}); run `{}`",
                                 profile, cache_file, login_hint));
  }
  Result<Value> token = Value::FromJson(*cached);
  const std::string* access_token =
      token && token->is_map() ? StringField(*token, "accessToken") : nullptr;
  const std::string* expires_at =
      token && token->is_map() ? StringField(*token, "expiresAt") : nullptr;
  if (access_token == nullptr || expires_at == nullptr) {
    return MakeError(
        ErrorCode::kPermissionDenied,
        fmt::format("the SSO login cache {} is unreadable; run `{}`", cache_file, login_hint));
  }
  Result<Timestamp> expiry = ParseIsoTimestamp(*expires_at);
  if (!expiry || *expiry <= clock_.Now()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("the AWS SSO login for profile '{}' has "
                                 "expired; run `{}`",
                                 profile, login_hint));
  }
  StaticProvider unused(AwsCredentials{});
  AwsClientOptions options;
  options.endpoints = config_.Endpoints();
  options.endpoints.region = sso_region;
  AwsClient sso(transport_, unused, clock_, options);
  Value params;
  params.Set("roleName", *role);
  params.Set("accountId", *account);
  params.Set("accessToken", *access_token);
  AwsResult result = sso.Call("sso", "GetRoleCredentials", params);
  if (!result) {
    Error error = result.error().ToError();
    if (result.error().kind == AwsErrorKind::kAuth) {
      return MakeError(ErrorCode::kPermissionDenied,
                       fmt::format("AWS SSO refused the cached login for "
                                   "profile '{}' ({}); run `{}`",
                                   profile, result.error().code, login_hint));
    }
    return MakeError(std::move(error).WithContext(
        fmt::format("getting SSO role credentials for profile '{}'", profile)));
  }
  const Value* credentials = result->Find("roleCredentials");
  if (credentials == nullptr || !StringField(*credentials, "accessKeyId") ||
      !StringField(*credentials, "secretAccessKey")) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("AWS SSO returned no credentials for profile "
                                 "'{}'",
                                 profile));
  }
  AwsCredentials out;
  out.access_key_id = *StringField(*credentials, "accessKeyId");
  out.secret_access_key = *StringField(*credentials, "secretAccessKey");
  if (auto* t = StringField(*credentials, "sessionToken")) out.session_token = *t;
  if (const Value* expiration = credentials->Find("expiration");
      expiration != nullptr && expiration->is_number()) {
    out.expiration = Timestamp{static_cast<int64_t>(expiration->as_double())};
  }
  out.source =
      fmt::format("AWS SSO role {} in account {} (profile '{}')", *role, *account, profile);
  return out;
}

Result<AwsCredentials> CredentialsChain::FromProcess(const std::string& profile,
                                                     const std::string& command) {
  ProcessSpec spec;
  spec.argv = SplitCommandLine(command);
  if (spec.argv.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("profile '{}' has an empty credential_process", profile));
  }
  spec.deadline = clock_.Monotonic() + std::chrono::minutes(1);
  std::string what = fmt::format("credential_process of profile '{}' ({})", profile, spec.argv[0]);
  Result<ProcessResult> ran = processes_.Run(spec);
  if (!ran) {
    return MakeError(std::move(ran.error()).WithContext("running " + what));
  }
  if (ran->timed_out || ran->signaled || ran->exit_code != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("{} failed (exit {}): {}", what, ran->exit_code,
                                 Redact(ran->stderr_text.substr(0, 500))));
  }
  Result<Value> output = Value::FromJson(ran->stdout_text);
  if (!output || !output->is_map()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} did not print the JSON the AWS CLI "
                                 "expects ({{\"Version\": 1, \"AccessKeyId\": "
                                 "...}})",
                                 what));
  }
  const Value* version = output->Find("Version");
  if (version == nullptr || !version->is_int() || version->as_int() != 1) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} printed an unsupported Version (must be 1)", what));
  }
  const std::string* key = StringField(*output, "AccessKeyId");
  const std::string* secret = StringField(*output, "SecretAccessKey");
  if (key == nullptr || secret == nullptr) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("{} printed no AccessKeyId or "
                                                           "SecretAccessKey",
                                                           what));
  }
  AwsCredentials out;
  out.access_key_id = *key;
  out.secret_access_key = *secret;
  if (auto* token = StringField(*output, "SessionToken")) out.session_token = *token;
  if (auto* expiration = StringField(*output, "Expiration")) {
    ASSIGN_OR_RETURN(Timestamp t, ParseIsoTimestamp(*expiration));
    out.expiration = t;
  }
  out.source = what;
  return out;
}

}  // namespace flightplan::aws
