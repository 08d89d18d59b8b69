// STS, SigV4 verification, fault rules and the control API, through
// flightplan's client and the AWS CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cloudsim/sim_fixture.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;

TEST_F(SimTest, GetCallerIdentityNamesTheConfiguredUser) {
  Value identity = Call("sts", "GetCallerIdentity");
  EXPECT_EQ(identity.Find("Account")->as_string(), "123456789012");
  EXPECT_EQ(identity.Find("Arn")->as_string(), "arn:aws:iam::123456789012:user/flightplan-sim");
  ASSERT_EQ(LogOf("sts", "GetCallerIdentity").size(), 1u);
}

TEST_F(SimTest, AssumedRoleCredentialsWorkUntilTheyExpire) {
  Value assumed = Call("sts", "AssumeRole",
                       Value(ValueMap{{"RoleArn", Value("arn:aws:iam::123456789012:role/deployer")},
                                      {"RoleSessionName", Value("ops")},
                                      {"DurationSeconds", Value(900)}}));
  const Value* creds = assumed.Find("Credentials");
  ASSERT_NE(creds, nullptr);
  EXPECT_EQ(assumed.Find("AssumedRoleUser")->Find("Arn")->as_string(),
            "arn:aws:sts::123456789012:assumed-role/deployer/ops");
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  std::vector<std::string> env = {
      "AWS_ACCESS_KEY_ID=" + creds->Find("AccessKeyId")->as_string(),
      "AWS_SECRET_ACCESS_KEY=" + creds->Find("SecretAccessKey")->as_string(),
      "AWS_SESSION_TOKEN=" + creds->Find("SessionToken")->as_string()};
  CliResult ok = AwsCli({"sts", "get-caller-identity"}, env);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("assumed-role/deployer/ops"));
  clock_.Advance(std::chrono::seconds(901));
  CliResult expired = AwsCli({"sts", "get-caller-identity"}, env);
  EXPECT_NE(expired.exit_code, 0);
  EXPECT_THAT(expired.err, HasSubstr("ExpiredToken"));
}

TEST_F(SimTest, AssumeRoleIntoAnotherAccountIsDenied) {
  auto result = Try("sts", "AssumeRole",
                    Value(ValueMap{{"RoleArn", Value("arn:aws:iam::999999999999:role/x")},
                                   {"RoleSessionName", Value("ops")}}));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "AccessDenied");
}

TEST_F(SimTest, TheAwsCliIsAcceptedAndAWrongSecretIsRejected) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  CliResult ok = AwsCli({"sts", "get-caller-identity"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("\"Account\": \"123456789012\""));
  CliResult bad = AwsCli({"sts", "get-caller-identity"}, {"AWS_SECRET_ACCESS_KEY=not-the-secret"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("SignatureDoesNotMatch"));
  CliResult unknown = AwsCli({"sts", "get-caller-identity"}, {"AWS_ACCESS_KEY_ID=AKIDUNKNOWN"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("InvalidClientTokenId"));
}

TEST_F(SimTest, ThrottleFaultFiresTheGivenNumberOfTimes) {
  AddFault("sts", "GetCallerIdentity", "throttle", {{"count", Value(2)}});
  for (int i = 0; i < 2; ++i) {
    auto result = Try("sts", "GetCallerIdentity");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, "Throttling");
  }
  EXPECT_TRUE(Try("sts", "GetCallerIdentity").has_value());
  auto log = LogOf("sts", "GetCallerIdentity");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].error_code, "Throttling");
  EXPECT_EQ(log[2].status, 200);
}

TEST_F(SimTest, ErrorAndResetFaultsReachTheClient) {
  AddFault("sts", "", "error", {{"status", Value(503)}, {"code", Value("ServiceUnavailable")}});
  auto unavailable = Try("sts", "GetCallerIdentity");
  ASSERT_FALSE(unavailable.has_value());
  EXPECT_EQ(unavailable.error().http_status, 503);
  AddFault("sts", "", "reset");
  auto reset = Try("sts", "GetCallerIdentity");
  ASSERT_FALSE(reset.has_value());
  EXPECT_TRUE(Try("sts", "GetCallerIdentity").has_value());
}

TEST_F(SimTest, LatencyFaultDelaysTheCallThenLetsItThrough) {
  AddFault("sts", "", "latency", {{"latency_ms", Value(300)}});
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(Try("sts", "GetCallerIdentity").has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));
  // count 1: the next call is not delayed (and the rule is gone).
  Value rules = Control("GET", "/_sim/faults");
  EXPECT_TRUE(rules.as_list().empty()) << rules.ToJson();
}

TEST_F(SimTest, ABadFaultRuleIsRefusedWithTheReason) {
  Request request;
  request.method = "POST";
  request.path = request.target = "/_sim/faults";
  request.body = R"({"kind": "explode"})";
  Response response = simulator_->Handle(request);
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(response.body, HasSubstr("unknown fault kind 'explode'"));
}

TEST_F(SimTest, UnsignedRequestsAreRejected) {
  Request request;
  request.method = "POST";
  request.path = request.target = "/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Host", "127.0.0.1"}};
  request.body = "Action=GetCallerIdentity&Version=2011-06-15";
  Response response = simulator_->Handle(request);
  EXPECT_EQ(response.status, 403);
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
