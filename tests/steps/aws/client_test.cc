// AwsClient: retries (standard mode), clock-skew correction, idempotency
// tokens across retries, pagination, redaction — with a fake transport, a fake
// clock and injected randomness, so every schedule is deterministic.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "steps/aws/aws_client.h"
#include "steps/aws/redact.h"
#include "steps/aws/wire/protocol.h"
#include "tests/steps/aws/fakes.h"

namespace flightplan::aws {
namespace {

using ::testing::ElementsAre;
using testing::ExampleCredentials;
using testing::FakeClock;
using testing::FakeTransport;
using testing::FixedCredentials;
using ::testing::HasSubstr;
using ::testing::Not;

std::string QueryError(std::string_view code, std::string_view message) {
  return fmt::format(
      "<ErrorResponse><Error><Type>Sender</Type><Code>{}</Code><Message>{}"
      "</Message></Error><RequestId>req-1</RequestId></ErrorResponse>",
      code, message);
}

constexpr std::string_view kEmptyDescribeStacks =
    "<DescribeStacksResponse><DescribeStacksResult><Stacks/>"
    "</DescribeStacksResult></DescribeStacksResponse>";

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() : credentials_(ExampleCredentials()) {}

  AwsClient& client(RetryConfig retry = {}) {
    AwsClientOptions options;
    options.endpoints.region = "us-east-1";
    options.retry = retry;
    options.random = [this] { return random_; };
    options.log = [this](std::string_view line) { logs_.emplace_back(line); };
    client_ = std::make_unique<AwsClient>(transport_, credentials_, clock_, std::move(options));
    return *client_;
  }

  Value StackParams() {
    Value params;
    params.Set("StackName", "app");
    return params;
  }

  FakeTransport transport_;
  FixedCredentials credentials_;
  FakeClock clock_;
  double random_ = 0.5;
  std::vector<std::string> logs_;
  std::unique_ptr<AwsClient> client_;
};

TEST_F(ClientTest, ThrottlingIsRetriedThreeTimesWithFullJitterBackoff) {
  for (int i = 0; i < 3; ++i) transport_.Reply(400, QueryError("Throttling", "Rate exceeded"));
  AwsResult result = client().Call("cloudformation", "DescribeStacks", StackParams());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, AwsErrorKind::kThrottling);
  EXPECT_EQ(result.error().attempts, 3);
  EXPECT_EQ(transport_.requests().size(), 3u);
  // random 0.5 * min(2^(n-1), 20) s
  EXPECT_THAT(clock_.sleeps(), ElementsAre(Duration(500), Duration(1000)));
  EXPECT_EQ(result.error().ToError().code(), ErrorCode::kTransient);
  EXPECT_THAT(result.error().ToString(), HasSubstr("after 3 attempts"));
}

TEST_F(ClientTest, ServerErrorThenSuccessReturnsTheResult) {
  transport_.Reply(503, "");
  transport_.Reply(200, std::string(kEmptyDescribeStacks));
  AwsResult result = client().Call("cloudformation", "DescribeStacks", StackParams());
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

TEST_F(ClientTest, ClientErrorIsNotRetried) {
  transport_.Reply(400, QueryError("ValidationError", "Template format error"));
  AwsResult result = client().Call("cloudformation", "DescribeStacks", StackParams());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, AwsErrorKind::kClient);
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(ClientTest, MissingStackIsNotFound) {
  transport_.Reply(400, QueryError("ValidationError", "Stack with id app does not exist"));
  Result<Value> result = client().CallOrError("cloudformation", "DescribeStacks", StackParams());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
}

TEST_F(ClientTest, TransportFailuresAreRetriedAndReportedAsTransient) {
  for (int i = 0; i < 3; ++i) transport_.Fail(ErrorCode::kTransient, "connection reset by peer");
  Result<Value> result = client().CallOrError("sts", "GetCallerIdentity", Value(ValueMap{}));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kTransient);
  EXPECT_THAT(result.error().message(), HasSubstr("connection reset"));
  EXPECT_EQ(transport_.requests().size(), 3u);
}

TEST_F(ClientTest, IdempotencyTokenIsSentUnchangedOnEveryRetry) {
  transport_.Reply(500, "");
  transport_.Reply(400, QueryError("Throttling", "slow down"));
  transport_.Reply(200,
                   "<CreateStackResponse><CreateStackResult><StackId>id-1"
                   "</StackId></CreateStackResult></CreateStackResponse>");
  Value params = StackParams();
  params.Set("ClientRequestToken", "fp-run-7-step-3");
  params.Set("TemplateBody", "{}");
  AwsResult result = client().Call("cloudformation", "CreateStack", params);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->Find("StackId")->as_string(), "id-1");
  ASSERT_EQ(transport_.requests().size(), 3u);
  for (const HttpRequest& request : transport_.requests()) {
    EXPECT_EQ(request.body, transport_.requests()[0].body);
    EXPECT_THAT(request.body, HasSubstr("ClientRequestToken=fp-run-7-step-3"));
  }
}

TEST_F(ClientTest, EveryAttemptIsSignedAtItsOwnTime) {
  transport_.Reply(503, "");
  transport_.Reply(200, std::string(kEmptyDescribeStacks));
  random_ = 1.0;
  ASSERT_TRUE(client().Call("cloudformation", "DescribeStacks", StackParams()));
  EXPECT_EQ(FindHeader(transport_.requests()[0].headers, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(FindHeader(transport_.requests()[1].headers, "X-Amz-Date"), "20150830T123601Z");
}

TEST_F(ClientTest, ClockSkewIsCorrectedFromTheServerDateAndRetried) {
  transport_.Reply(400, QueryError("RequestTimeTooSkewed", "too skewed"),
                   {{"Date", "Sun, 30 Aug 2015 13:36:00 GMT"}});
  transport_.Reply(200, std::string(kEmptyDescribeStacks));
  AwsClient& c = client();
  AwsResult result = c.Call("cloudformation", "DescribeStacks", StackParams());
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(FindHeader(transport_.requests()[1].headers, "X-Amz-Date"), "20150830T133600Z");
  EXPECT_EQ(c.clock_skew(), std::chrono::hours(1));
  EXPECT_TRUE(clock_.sleeps().empty());
  // Later calls keep the correction.
  transport_.Reply(200, std::string(kEmptyDescribeStacks));
  ASSERT_TRUE(c.Call("cloudformation", "DescribeStacks", StackParams()));
  EXPECT_EQ(FindHeader(transport_.requests()[2].headers, "X-Amz-Date"), "20150830T133600Z");
}

TEST_F(ClientTest, SignatureMismatchWithASkewedDateIsCorrectedToo) {
  transport_.Reply(403, QueryError("SignatureDoesNotMatch", "Signature expired"),
                   {{"Date", "Sun, 30 Aug 2015 12:16:00 GMT"}});
  transport_.Reply(200, std::string(kEmptyDescribeStacks));
  AwsClient& c = client();
  ASSERT_TRUE(c.Call("cloudformation", "DescribeStacks", StackParams()));
  EXPECT_EQ(c.clock_skew(), -std::chrono::minutes(20));
  EXPECT_EQ(FindHeader(transport_.requests()[1].headers, "X-Amz-Date"), "20150830T121600Z");
}

TEST_F(ClientTest, SignatureMismatchWithoutSkewIsAnAuthErrorNotRetried) {
  transport_.Reply(403, QueryError("SignatureDoesNotMatch", "bad"),
                   {{"Date", "Sun, 30 Aug 2015 12:36:10 GMT"}});
  AwsResult result = client().Call("cloudformation", "DescribeStacks", StackParams());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, AwsErrorKind::kAuth);
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(result.error().ToError().code(), ErrorCode::kPermissionDenied);
}

TEST_F(ClientTest, RetryQuotaExhaustionStopsRetrying) {
  RetryConfig retry;
  retry.quota_capacity = 10;  // two retries' worth
  AwsClient& c = client(retry);
  for (int i = 0; i < 3; ++i) transport_.Reply(500, "");
  EXPECT_FALSE(c.Call("sts", "GetCallerIdentity", Value(ValueMap{})));
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(c.retry_quota_available(), 0);
  transport_.Reply(500, "");
  AwsResult result = c.Call("sts", "GetCallerIdentity", Value(ValueMap{}));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(transport_.requests().size(), 4u);  // no retry
  EXPECT_THAT(result.error().message, HasSubstr("retry quota"));
}

TEST_F(ClientTest, SuccessRefillsTheRetryQuota) {
  RetryConfig retry;
  retry.quota_capacity = 10;
  AwsClient& c = client(retry);
  transport_.Reply(500, "");
  transport_.Reply(200, "<GetCallerIdentityResponse/>");
  ASSERT_TRUE(c.Call("sts", "GetCallerIdentity", Value(ValueMap{})));
  EXPECT_EQ(c.retry_quota_available(), 10);
}

TEST(RetryTest, BackoffIsFullJitterCappedAtTwentySeconds) {
  const Duration cap = std::chrono::seconds(20);
  EXPECT_EQ(BackoffDelay(1, 0.0, cap), Duration(0));
  EXPECT_EQ(BackoffDelay(1, 0.5, cap), Duration(500));
  EXPECT_EQ(BackoffDelay(3, 1.0, cap), Duration(4000));
  EXPECT_EQ(BackoffDelay(5, 1.0, cap), Duration(16000));
  EXPECT_EQ(BackoffDelay(6, 1.0, cap), Duration(20000));
  EXPECT_EQ(BackoffDelay(60, 1.0, cap), Duration(20000));
}

TEST(RetryTest, QuotaChargesTimeoutsMore) {
  RetryQuota quota{RetryConfig{}};
  EXPECT_EQ(quota.available(), 500);
  EXPECT_EQ(quota.Acquire(/*timeout=*/false), 5);
  EXPECT_EQ(quota.Acquire(/*timeout=*/true), 10);
  EXPECT_EQ(quota.available(), 485);
  quota.Release(10);
  quota.Release(0);
  EXPECT_EQ(quota.available(), 496);
}

TEST_F(ClientTest, SecretsNeverReachLogsOrErrors) {
  AwsCredentials creds = ExampleCredentials();
  // AWS echoes the canonical request (with the token) in this error.
  transport_.Reply(403, QueryError("SignatureDoesNotMatch",
                                   "The canonical request was x-amz-security-token:" +
                                       creds.session_token + " secret " + creds.secret_access_key));
  AwsResult result = client().Call("cloudformation", "DescribeStacks", StackParams());
  ASSERT_FALSE(result.has_value());
  std::vector<std::string> texts = logs_;
  texts.push_back(result.error().ToString());
  texts.push_back(result.error().ToError().ToString());
  ASSERT_FALSE(logs_.empty());
  const std::string signature = "Signature=" + std::string(64, 'x');
  for (const std::string& text : texts) {
    EXPECT_THAT(text, Not(HasSubstr(creds.secret_access_key)));
    EXPECT_THAT(text, Not(HasSubstr(creds.session_token)));
    EXPECT_THAT(text, Not(HasSubstr("AWS4-HMAC-SHA256 Credential")));
  }
  // The request did carry them.
  EXPECT_EQ(FindHeader(transport_.requests()[0].headers, "X-Amz-Security-Token"),
            creds.session_token);
}

TEST(RedactTest, RemovesSignaturesTokensAndKeysInKnownShapes) {
  std::string text =
      "GET https://b.s3.amazonaws.com/k?X-Amz-Security-Token=abc%2Fdef&"
      "X-Amz-Signature=0123abcd&x=1\n"
      "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=deadbeef\n"
      "aws_secret_access_key = SECRETSECRET\n"
      "{\"SecretAccessKey\":\"s3cr3t\",\"AccessKeyId\":\"AKID\"}\n"
      "<SessionToken>tok</SessionToken>";
  std::string redacted = Redact(text);
  for (const char* secret :
       {"abc%2Fdef", "0123abcd", "deadbeef", "SECRETSECRET", "s3cr3t", "tok<"}) {
    EXPECT_THAT(redacted, Not(HasSubstr(secret))) << redacted;
  }
  EXPECT_THAT(redacted, HasSubstr("x=1"));
  EXPECT_THAT(redacted, HasSubstr("AccessKeyId\":\"AKID\""));
}

TEST_F(ClientTest, AllPagesAreFollowedAndConcatenated) {
  auto page = [](std::string_view name, std::string_view token) {
    std::string next = token.empty() ? "" : fmt::format("<NextToken>{}</NextToken>", token);
    return fmt::format(
        "<DescribeStacksResponse><DescribeStacksResult><Stacks><member>"
        "<StackName>{}</StackName></member></Stacks>{}</DescribeStacksResult>"
        "</DescribeStacksResponse>",
        name, next);
  };
  transport_.Reply(200, page("a", "t1"));
  transport_.Reply(200, page("b", "t2"));
  transport_.Reply(200, page("c", ""));
  AwsResult result = client().CallAllPages("cloudformation", "DescribeStacks", Value(ValueMap{}));
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  const ValueList& stacks = result->Find("Stacks")->as_list();
  ASSERT_EQ(stacks.size(), 3u);
  EXPECT_EQ(stacks[2].Find("StackName")->as_string(), "c");
  EXPECT_EQ(result->Find("NextToken"), nullptr);
  EXPECT_THAT(transport_.requests()[1].body, HasSubstr("NextToken=t1"));
  EXPECT_THAT(transport_.requests()[2].body, HasSubstr("NextToken=t2"));
}

TEST_F(ClientTest, RepeatedPageTokenStopsPagination) {
  std::string body =
      "<ListStacksResponse><ListStacksResult><StackSummaries/><NextToken>same"
      "</NextToken></ListStacksResult></ListStacksResponse>";
  transport_.Reply(200, body);
  transport_.Reply(200, body);
  AwsResult result = client().CallAllPages("cloudformation", "ListStacks", Value(ValueMap{}));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(transport_.requests().size(), 2u);
}

class FailingCredentials final : public CredentialsProvider {
 public:
  Result<AwsCredentials> Get() override {
    return MakeError(ErrorCode::kPermissionDenied,
                     "no AWS credentials found: set AWS_PROFILE or run `aws "
                     "sso login`");
  }
};

TEST(ClientErrorsTest, CredentialErrorsReachTheCallerUnchanged) {
  FakeTransport transport;
  FailingCredentials credentials;
  FakeClock clock;
  AwsClientOptions options;
  options.endpoints.region = "us-east-1";
  AwsClient c(transport, credentials, clock, options);
  Result<Value> result = c.CallOrError("sts", "GetCallerIdentity", Value(ValueMap{}));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(result.error().ToString(), HasSubstr("aws sso login"));
  EXPECT_TRUE(transport.requests().empty());
}

TEST(ClientErrorsTest, MissingRegionNamesTheSettingsToFix) {
  FakeTransport transport;
  FixedCredentials credentials(ExampleCredentials());
  FakeClock clock;
  AwsClient c(transport, credentials, clock, AwsClientOptions{});
  Result<Value> result = c.CallOrError("cloudformation", "DescribeStacks", Value(ValueMap{}));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(result.error().ToString(), HasSubstr("AWS_REGION"));
}

TEST(EndpointsTest, StandardEndpointsPerService) {
  EndpointConfig config;
  config.region = "eu-west-1";
  auto url = [&](std::string_view service) {
    return ResolveEndpoint(*FindService(service), config)->url;
  };
  EXPECT_EQ(url("cloudformation"), "https://cloudformation.eu-west-1.amazonaws.com");
  EXPECT_EQ(url("amplify"), "https://amplify.eu-west-1.amazonaws.com");
  EXPECT_EQ(url("s3"), "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(url("sts"), "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(url("dynamodb"), "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(url("cognito-idp"), "https://cognito-idp.eu-west-1.amazonaws.com");
  EXPECT_EQ(url("sso"), "https://portal.sso.eu-west-1.amazonaws.com");
  EXPECT_EQ(url("iam"), "https://iam.amazonaws.com");
  config.region = "us-gov-west-1";
  EXPECT_EQ(url("cloudformation"), "https://cloudformation.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(url("iam"), "https://iam.us-gov.amazonaws.com");
  config.region = "cn-northwest-1";
  EXPECT_EQ(url("iam"), "https://iam.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(ResolveEndpoint(*FindService("iam"), config)->signing_region, "cn-north-1");
  config.region = "eu-west-1";
  EXPECT_EQ(ResolveEndpoint(*FindService("iam"), config)->signing_region, "us-east-1");
  config.region = "cn-north-1";
  EXPECT_EQ(url("cloudformation"), "https://cloudformation.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(ResolveEndpoint(*FindService("s3"), config)->s3_addressing,
            S3Addressing::kVirtualHosted);
}

TEST(EndpointsTest, ServiceOverrideBeatsGlobalOverrideAndS3GoesPathStyle) {
  EndpointConfig config;
  config.region = "us-east-1";
  config.endpoint_url = "http://127.0.0.1:4566/";
  config.service_endpoint_urls["S3"] = "http://127.0.0.1:9000";
  Result<Endpoint> s3 = ResolveEndpoint(*FindService("s3"), config);
  ASSERT_TRUE(s3.has_value());
  EXPECT_EQ(s3->url, "http://127.0.0.1:9000");
  EXPECT_EQ(s3->s3_addressing, S3Addressing::kPathStyle);
  EXPECT_EQ(ResolveEndpoint(*FindService("sts"), config)->url, "http://127.0.0.1:4566");
}

TEST(EndpointsTest, BadOverrideNamesTheVariable) {
  EndpointConfig config;
  config.region = "us-east-1";
  config.service_endpoint_urls["CLOUDFORMATION"] = "localhost:4566";
  Result<Endpoint> endpoint = ResolveEndpoint(*FindService("cloudformation"), config);
  ASSERT_FALSE(endpoint.has_value());
  EXPECT_THAT(endpoint.error().message(), HasSubstr("AWS_ENDPOINT_URL_CLOUDFORMATION"));
}

}  // namespace
}  // namespace flightplan::aws
