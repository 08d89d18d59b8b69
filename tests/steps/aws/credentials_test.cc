// The credentials chain and the shared configuration, with a temporary HOME,
// a map environment, a fake transport (STS, SSO) and a fake process runner.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/digest.h"
#include "steps/aws/credentials_chain.h"
#include "steps/aws/wire/protocol.h"
#include "tests/steps/aws/fakes.h"

namespace flightplan::aws {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::FakeClock;
using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;

class FakeProcessRunner final : public ProcessRunner {
 public:
  Result<ProcessResult> Run(const ProcessSpec& spec) override {
    specs.push_back(spec);
    return result;
  }
  ProcessResult result;
  std::vector<ProcessSpec> specs;
};

constexpr std::string_view kSecret = "SOURCEsecretKEYdoNOTleak";

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialsTest() {
    char pattern[] = "/tmp/flightplan-aws-home-XXXXXX";
    home_ = mkdtemp(pattern);
    fs::create_directories(home_ / ".aws");
    env_["HOME"] = home_.string();
  }
  ~CredentialsTest() override { fs::remove_all(home_); }

  void Write(const fs::path& relative, std::string_view text) {
    fs::create_directories((home_ / relative).parent_path());
    std::ofstream(home_ / relative) << text;
  }

  Result<AwsCredentials> Get(std::string explicit_profile = "") {
    Result<AwsConfig> config = AwsConfig::Load(MapEnvironment(env_), explicit_profile);
    if (!config) return tl::unexpected(config.error());
    chain_ = std::make_unique<CredentialsChain>(std::move(*config), transport_, clock_, processes_);
    return chain_->Get();
  }

  fs::path home_;
  std::map<std::string, std::string> env_;
  FakeTransport transport_;
  FakeClock clock_;
  FakeProcessRunner processes_;
  std::unique_ptr<CredentialsChain> chain_;
};

TEST_F(CredentialsTest, EnvironmentVariablesComeBeforeTheDefaultProfile) {
  Write(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n");
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_["AWS_SECRET_ACCESS_KEY"] = "secret";
  env_["AWS_SESSION_TOKEN"] = "token";
  Result<AwsCredentials> creds = Get();
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  EXPECT_EQ(creds->access_key_id, "AKIDENV");
  EXPECT_EQ(creds->session_token, "token");
  EXPECT_THAT(creds->source, HasSubstr("environment"));
}

TEST_F(CredentialsTest, ExplicitProfileWinsOverEnvironmentVariables) {
  Write(".aws/credentials", "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n");
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_["AWS_SECRET_ACCESS_KEY"] = "secret";
  Result<AwsCredentials> creds = Get("dev");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->access_key_id, "AKIDDEV");
  EXPECT_THAT(creds->source, HasSubstr("profile 'dev'"));
}

TEST_F(CredentialsTest, AwsProfileSelectsTheProfile) {
  Write(".aws/credentials",
        "# comment\n[default]\naws_access_key_id = "
        "AKIDDEF\naws_secret_access_key = s\n"
        "[ci]\naws_access_key_id = AKIDCI ; inline "
        "comment\naws_secret_access_key = s\n");
  env_["AWS_PROFILE"] = "ci";
  Result<AwsCredentials> creds = Get();
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->access_key_id, "AKIDCI");
}

TEST_F(CredentialsTest, FileLocationsComeFromTheEnvironment) {
  Write("elsewhere/creds", "[default]\naws_access_key_id = AKIDX\naws_secret_access_key = s\n");
  Write("elsewhere/config", "[default]\nregion = eu-central-1\n");
  env_["AWS_SHARED_CREDENTIALS_FILE"] = (home_ / "elsewhere/creds").string();
  env_["AWS_CONFIG_FILE"] = (home_ / "elsewhere/config").string();
  Result<AwsCredentials> creds = Get();
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->access_key_id, "AKIDX");
  EXPECT_EQ(chain_->config().region(), "eu-central-1");
}

TEST_F(CredentialsTest, ConfigFileProfileWithStaticKeys) {
  Write(".aws/config",
        "[profile dev]\nregion = us-west-2\naws_access_key_id = AKIDCFG\n"
        "aws_secret_access_key = s\ns3 =\n  addressing_style = path\n");
  Result<AwsCredentials> creds = Get("dev");
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  EXPECT_EQ(creds->access_key_id, "AKIDCFG");
  EXPECT_EQ(chain_->config().region(), "us-west-2");
}

std::string AssumeRoleResponse(std::string_view expiration) {
  return fmt::format(
      "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
      "<AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>rolesecret"
      "</SecretAccessKey><SessionToken>roletoken</SessionToken>"
      "<Expiration>{}</Expiration></Credentials></AssumeRoleResult>"
      "</AssumeRoleResponse>",
      expiration);
}

TEST_F(CredentialsTest, RoleArnWithSourceProfileAssumesTheRoleWithSTS) {
  Write(".aws/credentials",
        fmt::format("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = {}\n", kSecret));
  Write(".aws/config",
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\n"
        "source_profile = base\nregion = eu-west-1\nexternal_id = ext-1\n"
        "role_session_name = fp\n");
  transport_.Reply(200, AssumeRoleResponse("2015-08-30T13:36:00Z"));
  Result<AwsCredentials> creds = Get("admin");
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  EXPECT_EQ(creds->access_key_id, "ASIAROLE");
  EXPECT_EQ(creds->session_token, "roletoken");
  ASSERT_TRUE(creds->expiration.has_value());
  EXPECT_EQ(FormatTimestamp(*creds->expiration), "2015-08-30T13:36:00.000Z");
  EXPECT_THAT(creds->source, HasSubstr("role/Admin"));
  ASSERT_EQ(transport_.requests().size(), 1u);
  const HttpRequest& request = transport_.requests()[0];
  EXPECT_EQ(request.url, "https://sts.eu-west-1.amazonaws.com/");
  EXPECT_THAT(request.body, HasSubstr("Action=AssumeRole"));
  EXPECT_THAT(request.body, HasSubstr("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FAdmin"));
  EXPECT_THAT(request.body, HasSubstr("ExternalId=ext-1"));
  EXPECT_THAT(request.body, HasSubstr("RoleSessionName=fp"));
  EXPECT_THAT(std::string(FindHeader(request.headers, "Authorization")),
              HasSubstr("Credential=AKIDBASE/"));
}

TEST_F(CredentialsTest, AssumedRoleIsCachedUntilFiveMinutesBeforeExpiry) {
  Write(".aws/credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
  Write(".aws/config",
        "[profile admin]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = "
        "base\n");
  transport_.Reply(200, AssumeRoleResponse("2015-08-30T13:36:00Z"));
  ASSERT_TRUE(Get("admin").has_value());
  ASSERT_TRUE(chain_->Get().has_value());
  EXPECT_EQ(transport_.requests().size(), 1u);
  clock_.Advance(std::chrono::minutes(54));
  ASSERT_TRUE(chain_->Get().has_value());
  EXPECT_EQ(transport_.requests().size(), 1u);
  clock_.Advance(std::chrono::minutes(2));  // 4 minutes left
  transport_.Reply(200, AssumeRoleResponse("2015-08-30T14:36:00Z"));
  ASSERT_TRUE(chain_->Get().has_value());
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(CredentialsTest, RefusedAssumeRoleNamesTheRoleAndNeverTheSecret) {
  Write(".aws/credentials",
        fmt::format("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = {}\n", kSecret));
  Write(".aws/config",
        "[profile admin]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = "
        "base\n");
  transport_.Reply(403,
                   "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not "
                   "authorized to perform sts:AssumeRole</Message></Error>"
                   "</ErrorResponse>");
  Result<AwsCredentials> creds = Get("admin");
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(creds.error().ToString(), HasSubstr("arn:aws:iam::1:role/A"));
  EXPECT_THAT(creds.error().ToString(), HasSubstr("profile 'admin'"));
  EXPECT_THAT(creds.error().ToString(), Not(HasSubstr(kSecret)));
}

TEST_F(CredentialsTest, RoleWithoutSourceIsExplained) {
  Write(".aws/config", "[profile admin]\nrole_arn = arn:aws:iam::1:role/A\n");
  Result<AwsCredentials> creds = Get("admin");
  ASSERT_FALSE(creds.has_value());
  EXPECT_THAT(creds.error().message(), HasSubstr("neither source_profile nor credential_source"));
}

TEST_F(CredentialsTest, SourceProfileLoopIsDetected) {
  Write(".aws/config",
        "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
        "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = a\n");
  Result<AwsCredentials> creds = Get("a");
  ASSERT_FALSE(creds.has_value());
  EXPECT_THAT(creds.error().ToString(), HasSubstr("loops"));
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CredentialsTest, SsoProfileUsesTheCachedTokenFromAwsSsoLogin) {
  Write(".aws/config",
        "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = Admin\nregion = us-east-1\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = eu-west-1\n");
  Write(".aws/sso/cache/" + Sha1Hex("corp") + ".json",
        R"({"accessToken": "cached-token", "expiresAt": "2015-08-30T20:00:00Z"})");
  transport_.Reply(
      200,
      R"({"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "ssosecret", "sessionToken": "ssotoken", "expiration": 1440963360000}})");
  Result<AwsCredentials> creds = Get("sso");
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  EXPECT_EQ(creds->access_key_id, "ASIASSO");
  EXPECT_EQ(creds->expiration->unix_ms, 1440963360000);
  ASSERT_EQ(transport_.requests().size(), 1u);
  const HttpRequest& request = transport_.requests()[0];
  EXPECT_EQ(request.url,
            "https://portal.sso.eu-west-1.amazonaws.com/federation/"
            "credentials?role_name=Admin&account_id=123456789012");
  EXPECT_EQ(FindHeader(request.headers, "x-amz-sso_bearer_token"), "cached-token");
  EXPECT_EQ(FindHeader(request.headers, "Authorization"), "");
}

TEST_F(CredentialsTest, ExpiredSsoLoginSaysToRunAwsSsoLogin) {
  Write(".aws/config",
        "[profile sso]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n");
  Write(".aws/sso/cache/" + Sha1Hex("https://corp.awsapps.com/start") + ".json",
        R"({"accessToken": "t", "expiresAt": "2015-08-30T12:00:00UTC"})");
  Result<AwsCredentials> creds = Get("sso");
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(creds.error().message(), HasSubstr("aws sso login --profile sso"));
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(CredentialsTest, CredentialProcessOutputIsUsed) {
  Write(".aws/config",
        "[profile proc]\ncredential_process = /usr/bin/get-creds --account "
        "\"my acct\" 'x y'\n");
  processes_.result.exit_code = 0;
  processes_.result.stdout_text =
      R"({"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2015-08-30T14:00:00Z"})";
  Result<AwsCredentials> creds = Get("proc");
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  EXPECT_EQ(creds->access_key_id, "AKIDPROC");
  ASSERT_EQ(processes_.specs.size(), 1u);
  EXPECT_THAT(processes_.specs[0].argv,
              ElementsAre("/usr/bin/get-creds", "--account", "my acct", "x y"));
  EXPECT_TRUE(processes_.specs[0].deadline.has_value());
}

TEST_F(CredentialsTest, FailingCredentialProcessNamesTheProfile) {
  Write(".aws/config", "[profile proc]\ncredential_process = get-creds\n");
  processes_.result.exit_code = 2;
  processes_.result.stderr_text = "vault sealed";
  Result<AwsCredentials> creds = Get("proc");
  ASSERT_FALSE(creds.has_value());
  EXPECT_THAT(creds.error().message(), HasSubstr("profile 'proc'"));
  EXPECT_THAT(creds.error().message(), HasSubstr("vault sealed"));
}

TEST_F(CredentialsTest, UnknownProfileNamesTheVariableAndTheFiles) {
  env_["AWS_PROFILE"] = "typo";
  Result<AwsCredentials> creds = Get();
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(creds.error().message(), HasSubstr("'typo' (from AWS_PROFILE)"));
  EXPECT_THAT(creds.error().message(), HasSubstr(".aws/config"));
}

TEST_F(CredentialsTest, NoCredentialsAnywhereSaysWhatToDo) {
  Result<AwsCredentials> creds = Get();
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(creds.error().message(), HasSubstr("aws configure"));
}

TEST_F(CredentialsTest, HalfSetEnvironmentVariablesAreAnError) {
  env_["AWS_ACCESS_KEY_ID"] = "AKID";
  Result<AwsCredentials> creds = Get();
  ASSERT_FALSE(creds.has_value());
  EXPECT_THAT(creds.error().message(), HasSubstr("AWS_SECRET_ACCESS_KEY"));
}

TEST_F(CredentialsTest, MalformedConfigFileNamesFileAndLine) {
  Write(".aws/config", "[default]\nregion = us-east-1\nthis line is wrong\n");
  Result<AwsCredentials> creds = Get();
  ASSERT_FALSE(creds.has_value());
  EXPECT_THAT(creds.error().message(), HasSubstr(".aws/config:3"));
}

TEST_F(CredentialsTest, RegionComesFromAwsRegionThenDefaultRegionThenProfile) {
  Write(".aws/config", "[default]\nregion = ap-south-1\n");
  auto region = [&] {
    Result<AwsConfig> config = AwsConfig::Load(MapEnvironment(env_), "");
    return config ? config->region() : std::string("error");
  };
  EXPECT_EQ(region(), "ap-south-1");
  env_["AWS_DEFAULT_REGION"] = "us-west-1";
  EXPECT_EQ(region(), "us-west-1");
  env_["AWS_REGION"] = "eu-north-1";
  EXPECT_EQ(region(), "eu-north-1");
}

TEST_F(CredentialsTest, EndpointOverridesFromEnvironmentAndProfile) {
  Write(".aws/config", "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:4566\n");
  env_["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:9000";
  Result<AwsConfig> config = AwsConfig::Load(MapEnvironment(env_), "");
  ASSERT_TRUE(config.has_value());
  EndpointConfig endpoints = config->Endpoints();
  EXPECT_EQ(ResolveEndpoint(*FindService("cloudformation"), endpoints)->url,
            "http://127.0.0.1:4566");
  EXPECT_EQ(ResolveEndpoint(*FindService("s3"), endpoints)->url, "http://127.0.0.1:9000");
  env_["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  config = AwsConfig::Load(MapEnvironment(env_), "");
  EXPECT_EQ(ResolveEndpoint(*FindService("cloudformation"), config->Endpoints())->url,
            "https://cloudformation.us-east-1.amazonaws.com");
}

TEST(IsoTimestampTest, ParsesTheFormatsAwsUses) {
  EXPECT_EQ(ParseIsoTimestamp("2015-08-30T12:36:00Z")->unix_ms, 1440938160000);
  EXPECT_EQ(ParseIsoTimestamp("2015-08-30T12:36:00.250Z")->unix_ms, 1440938160250);
  EXPECT_EQ(ParseIsoTimestamp("2015-08-30T14:36:00+02:00")->unix_ms, 1440938160000);
  EXPECT_EQ(ParseIsoTimestamp("2015-08-30T12:36:00UTC")->unix_ms, 1440938160000);
  EXPECT_FALSE(ParseIsoTimestamp("soon").has_value());
}

}  // namespace
}  // namespace flightplan::aws
