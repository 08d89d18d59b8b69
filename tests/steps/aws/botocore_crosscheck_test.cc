// Cross-checks flightplan's serialization + SigV4 against botocore's signer,
// an independent implementation, on requests with awkward characters. Skipped
// (with the reason) when python3 or botocore is missing.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "steps/aws/endpoints.h"
#include "steps/aws/wire/protocol.h"
#include "steps/aws/wire/sigv4.h"
#include "tests/steps/aws/fakes.h"

namespace flightplan::aws {
namespace {

using testing::ExampleCredentials;

std::string RunCapture(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  if (pclose(pipe) != 0) return "";
  return out;
}

bool HaveBotocore() {
  return RunCapture("python3 -c 'import botocore; print(1)' 2>/dev/null") == "1\n";
}

struct Case {
  const char* service;
  const char* operation;
  const char* params_json;
};

class BotocoreCrossCheckTest : public ::testing::TestWithParam<Case> {};

TEST_P(BotocoreCrossCheckTest, BotocoreComputesTheSameSignature) {
  if (!HaveBotocore()) GTEST_SKIP() << "python3 with botocore is not installed";
  const Case& c = GetParam();
  const ServiceInfo& service = *FindService(c.service);
  Result<Value> params = Value::FromJson(c.params_json);
  ASSERT_TRUE(params.has_value());
  Result<Endpoint> endpoint = ResolveEndpoint(service, EndpointConfig{"eu-west-1", "", {}});
  ASSERT_TRUE(endpoint.has_value());
  Result<HttpRequest> request =
      SerializeRequest(service, c.operation, *params, endpoint->url, endpoint->s3_addressing);
  ASSERT_TRUE(request.has_value()) << request.error().ToString();
  for (bool with_token : {false, true}) {
    AwsCredentials creds = ExampleCredentials(with_token);
    Result<SignedRequest> signed_request = SignRequest(
        *request, creds,
        SigningOptions::ForService(service.signing_name, "eu-west-1", Timestamp{1763810000000}));
    ASSERT_TRUE(signed_request.has_value());
    Value input;
    input.Set("method", signed_request->request.method);
    input.Set("url", signed_request->request.url);
    ValueList headers;
    for (const auto& [name, value] : signed_request->request.headers) {
      ValueList pair;
      pair.emplace_back(name);
      pair.emplace_back(value);
      headers.emplace_back(std::move(pair));
    }
    input.Set("headers", Value(std::move(headers)));
    input.Set("body", signed_request->request.body);
    input.Set("service", std::string(service.signing_name));
    input.Set("region", "eu-west-1");
    input.Set("amz_date", FormatAmzDate(Timestamp{1763810000000}));
    input.Set("access_key", creds.access_key_id);
    input.Set("secret_key", creds.secret_access_key);
    input.Set("token", creds.session_token);
    char path[] = "/tmp/flightplan-botocore-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    std::ofstream(path) << input.ToJson();
    std::string output = RunCapture(
        fmt::format("python3 {}/tests/steps/aws/botocore_sign.py {}", FLIGHTPLAN_SOURCE_DIR, path));
    std::remove(path);
    Result<Value> theirs = Value::FromJson(output);
    ASSERT_TRUE(theirs.has_value()) << output;
    EXPECT_EQ(signed_request->canonical_request, theirs->Find("canonical_request")->as_string());
    EXPECT_EQ(signed_request->signature, theirs->Find("signature")->as_string());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Awkward, BotocoreCrossCheckTest,
    ::testing::Values(
        Case{
            "cloudformation", "CreateStack",
            R"({"StackName": "amplify-app-main-1234", "TemplateBody": "{\"a\": \"é ~*+/=&\"}", "Parameters": [{"ParameterKey": "env", "ParameterValue": "a b+c"}], "Capabilities": ["CAPABILITY_IAM"], "ClientRequestToken": "fp-1"})"},
        Case{"amplify", "GetBranch",
             R"({"appId": "d1a2b3", "branchName": "feature/ünï code+x~y z"})"},
        Case{"amplify", "ListBranches", R"({"appId": "d1", "nextToken": "a/b+c=="})"},
        Case{"s3", "GetObject",
             R"({"Bucket": "deployment-bucket", "Key": "#current-cloud-backend.zip"})"},
        Case{"s3", "ListObjectsV2",
             R"({"Bucket": "my.dotted.bucket", "Prefix": "a b/ü+~*", "MaxKeys": 5})"},
        Case{
            "s3", "PutObject",
            R"({"Bucket": "b-1", "Key": "dir//x/../y z", "Body": "hello", "ContentType": "text/plain"})"},
        Case{"dynamodb", "Scan",
             R"({"TableName": "Todo-main", "ExclusiveStartKey": {"id": {"S": "é"}}})"},
        Case{"cognito-idp", "DescribeUserPool", R"({"UserPoolId": "eu-west-1_abc"})"}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      std::string name = std::string(param_info.param.service) + "_" + param_info.param.operation;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

}  // namespace
}  // namespace flightplan::aws
