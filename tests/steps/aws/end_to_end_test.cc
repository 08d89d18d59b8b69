// The AWS client over the real CurlTransport against a loopback server that
// checks every request's SigV4 signature, and `flightplan doctor` run as a
// process against it. Nothing leaves 127.0.0.1.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdio>
#include <string>
#include <thread>

#include "base/clock.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/aws_config.h"
#include "steps/aws/doctor.h"
#include "steps/aws/services.h"
#include "steps/aws/wire/sigv4.h"
#include "steps/net/curl_transport.h"
#include "tests/steps/aws/fakes.h"

namespace flightplan::aws {
namespace {

using testing::ExampleCredentials;
using testing::FixedCredentials;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kIdentity =
    "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>"
    "arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA</UserId>"
    "<Account>123456789012</Account></GetCallerIdentityResult>"
    "</GetCallerIdentityResponse>";

constexpr std::string_view kSimulation =
    "<SimulatePrincipalPolicyResponse><SimulatePrincipalPolicyResult>"
    "<EvaluationResults><member><EvalActionName>cloudformation:DescribeStacks"
    "</EvalActionName><EvalDecision>allowed</EvalDecision></member><member>"
    "<EvalActionName>cloudformation:ExecuteStackRefactor</EvalActionName>"
    "<EvalDecision>implicitDeny</EvalDecision></member></EvaluationResults>"
    "<IsTruncated>false</IsTruncated></SimulatePrincipalPolicyResult>"
    "</SimulatePrincipalPolicyResponse>";

// Re-signs what arrived and compares: catches any header the transport adds
// or rewrites after signing.
class VerifyingServer {
 public:
  VerifyingServer() {
    server_.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests_;
      HttpRequest seen;
      seen.method = req.method;
      seen.url = fmt::format("http://{}/", req.get_header_value("Host"));
      seen.body = req.body;
      for (const auto& [name, value] : req.headers) {
        if (name == "Authorization" || name == "X-Amz-Date" || name == "X-Amz-Security-Token" ||
            name == "Host" || name == "Content-Length" || name == "Accept" ||
            name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
            name == "LOCAL_PORT") {
          continue;
        }
        seen.headers.emplace_back(name, value);
      }
      std::string amz_date = req.get_header_value("X-Amz-Date");
      std::tm tm{};
      std::sscanf(amz_date.c_str(), "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
      tm.tm_year -= 1900;
      tm.tm_mon -= 1;
      Timestamp when{static_cast<int64_t>(timegm(&tm)) * 1000};
      AwsCredentials creds = ExampleCredentials();
      // Credential=AKID/20150830/us-east-1/<service>/aws4_request
      std::string authorization = req.get_header_value("Authorization");
      std::string scope = authorization.substr(authorization.find('/') + 1);
      scope = scope.substr(scope.find('/') + 1);
      std::string region = scope.substr(0, scope.find('/'));
      scope = scope.substr(scope.find('/') + 1);
      std::string service = scope.substr(0, scope.find('/'));
      Result<SignedRequest> expected =
          SignRequest(seen, creds, SigningOptions::ForService(service, region, when));
      if (!expected || std::string(FindHeader(expected->request.headers, "Authorization")) !=
                           req.get_header_value("Authorization")) {
        ++bad_signatures_;
        res.status = 403;
        res.set_content(
            "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>"
            "mismatch</Message></Error></ErrorResponse>",
            "text/xml");
        return;
      }
      if (req.body.find("Action=SimulatePrincipalPolicy") != std::string::npos) {
        simulated_principal_ = req.body;
        res.set_content(std::string(kSimulation), "text/xml");
        return;
      }
      res.set_content(std::string(kIdentity), "text/xml");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~VerifyingServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return fmt::format("http://127.0.0.1:{}", port_); }
  int requests() const { return requests_; }
  int bad_signatures() const { return bad_signatures_; }
  std::string simulated_principal() const { return simulated_principal_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0};
  std::atomic<int> bad_signatures_{0};
  std::string simulated_principal_;
};

TEST(EndToEndTest, SignedRequestsSurviveTheCurlTransportUnchanged) {
  VerifyingServer server;
  CurlTransport transport;
  FixedCredentials credentials(ExampleCredentials());
  SystemClock clock;
  AwsClientOptions options;
  options.endpoints.region = "us-east-1";
  options.endpoints.endpoint_url = server.Url();
  AwsClient client(transport, credentials, clock, options);
  StsClient sts(client);
  for (int i = 0; i < 3; ++i) {
    Result<CallerIdentity> identity = sts.GetCallerIdentity();
    ASSERT_TRUE(identity.has_value()) << identity.error().ToString();
    EXPECT_EQ(identity->account, "123456789012");
  }
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(server.bad_signatures(), 0);
}

TEST(EndToEndTest, DoctorReportsIdentityWithoutSecrets) {
  VerifyingServer server;
  CurlTransport transport;
  FixedCredentials credentials(ExampleCredentials());
  SystemClock clock;
  Result<AwsConfig> config = AwsConfig::Load(MapEnvironment({{"HOME", "/nonexistent"},
                                                             {"AWS_REGION", "us-east-1"},
                                                             {"AWS_ENDPOINT_URL", server.Url()}}),
                                             "");
  ASSERT_TRUE(config.has_value());
  AwsClientOptions options;
  options.endpoints = config->Endpoints();
  AwsClient client(transport, credentials, clock, options);
  DoctorReport report = RunDoctor(*config, credentials, client);
  std::string text = report.ToText();
  // The simulated policy denies one action.
  EXPECT_FALSE(report.ok()) << text;
  EXPECT_THAT(text, HasSubstr("denied: cloudformation:ExecuteStackRefactor"));
  EXPECT_THAT(server.simulated_principal(),
              HasSubstr("PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Falice"));
  EXPECT_EQ(server.bad_signatures(), 0);
  EXPECT_THAT(text, HasSubstr("arn:aws:iam::123456789012:user/alice"));
  EXPECT_THAT(text, HasSubstr("AKID…MPLE"));
  EXPECT_THAT(text, HasSubstr("(from AWS_REGION)"));
  EXPECT_THAT(text, HasSubstr("(overridden)"));
  EXPECT_THAT(text, Not(HasSubstr(ExampleCredentials().secret_access_key)));
  EXPECT_THAT(text, Not(HasSubstr(ExampleCredentials().session_token)));
}

TEST(EndToEndTest, DoctorCommandRunsAsAProcess) {
  VerifyingServer server;
  AwsCredentials creds = ExampleCredentials();
  std::string command = fmt::format(
      "env -i HOME=/nonexistent AWS_ACCESS_KEY_ID={} "
      "AWS_SECRET_ACCESS_KEY={} AWS_SESSION_TOKEN={} AWS_REGION=us-east-1 "
      "AWS_ENDPOINT_URL={} {} doctor 2>&1",
      creds.access_key_id, creds.secret_access_key, creds.session_token, server.Url(),
      FLIGHTPLAN_BINARY);
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  int status = pclose(pipe);
  // Exit 1: the simulated policy denies one action.
  EXPECT_EQ(WEXITSTATUS(status), 1) << output;
  EXPECT_THAT(output, HasSubstr("denied: cloudformation:ExecuteStackRefactor"));
  EXPECT_THAT(output, HasSubstr("environment variables"));
  EXPECT_THAT(output, HasSubstr("user/alice"));
  EXPECT_THAT(output, Not(HasSubstr(creds.secret_access_key)));
  EXPECT_THAT(output, Not(HasSubstr(creds.session_token)));
}

TEST(EndToEndTest, DoctorWithoutCredentialsFailsAndSaysWhatToDo) {
  AwsCredentials creds = ExampleCredentials();
  std::string command = fmt::format("env -i HOME=/nonexistent AWS_REGION=us-east-1 {} doctor 2>&1",
                                    FLIGHTPLAN_BINARY);
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  int status = pclose(pipe);
  EXPECT_NE(WEXITSTATUS(status), 0) << output;
  EXPECT_THAT(output, HasSubstr("aws configure"));
}

}  // namespace
}  // namespace flightplan::aws
