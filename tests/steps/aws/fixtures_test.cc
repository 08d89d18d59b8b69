// Real-service responses from botocore's response-parsing fixtures
// (tests/data/botocore-response-parsing), parsed by the generic protocol
// parsers and compared with botocore's output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "steps/aws/wire/protocol.h"
#include "tests/steps/aws/test_data.h"

namespace flightplan::aws {
namespace {

using testing::ExpectSameOutput;
using testing::ReadTestFile;
using testing::ReadTestJson;
using testing::TestDataDir;

constexpr const char* kDir = "botocore-response-parsing/";

struct SuccessCase {
  const char* file;
  const char* service;
  const char* operation;
};

class FixtureResponseTest : public ::testing::TestWithParam<SuccessCase> {};

TEST_P(FixtureResponseTest, ParsesLikeBotocore) {
  const SuccessCase& c = GetParam();
  HttpResponse response;
  response.status = 200;
  response.body = ReadTestFile(TestDataDir() / (std::string(kDir) + c.file + ".xml"));
  Result<Value> parsed = ParseResponse(*FindService(c.service), c.operation, response);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  Value expected = ReadTestJson(std::string(kDir) + c.file + ".json");
  if (std::string_view(c.operation) == "GetTemplate") {
    // botocore decodes the template JSON; we hand the text on.
    Result<Value> body = Value::FromJson(parsed->Find("TemplateBody")->as_string());
    ASSERT_TRUE(body.has_value());
    EXPECT_EQ(*body, *expected.Find("TemplateBody"));
    return;
  }
  ExpectSameOutput(*parsed, expected, c.file);
}

INSTANTIATE_TEST_SUITE_P(
    Botocore, FixtureResponseTest,
    ::testing::Values(SuccessCase{"cloudformation-describe-stacks", "cloudformation",
                                  "DescribeStacks"},
                      SuccessCase{"cloudformation-list-stacks", "cloudformation", "ListStacks"},
                      SuccessCase{"cloudformation-get-template", "cloudformation", "GetTemplate"},
                      SuccessCase{"sts-get-session-token", "sts", "GetSessionToken"},
                      SuccessCase{"s3-get-bucket-location", "s3", "GetBucketLocation"}),
    [](const ::testing::TestParamInfo<SuccessCase>& param_info) {
      std::string name = param_info.param.file;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

struct ErrorCase {
  const char* file;
  const char* service;
  const char* operation;
  int status;
  const char* body_extension;
  AwsErrorKind kind;
};

class FixtureErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FixtureErrorTest, ErrorCodeMessageAndClassification) {
  const ErrorCase& c = GetParam();
  HttpResponse response;
  response.status = c.status;
  response.body = ReadTestFile(TestDataDir() / (std::string(kDir) + c.file + c.body_extension));
  AwsError error = ParseErrorResponse(*FindService(c.service), c.operation, response);
  Value expected = ReadTestJson(std::string(kDir) + c.file + ".json");
  EXPECT_EQ(error.code, expected.Find("Error")->Find("Code")->as_string());
  EXPECT_EQ(error.message, expected.Find("Error")->Find("Message")->as_string());
  const Value* request_id = expected.Find("ResponseMetadata")->Find("RequestId");
  if (request_id != nullptr) {
    EXPECT_EQ(error.request_id, request_id->as_string());
  }
  EXPECT_EQ(error.kind, c.kind) << AwsErrorKindName(error.kind);
}

INSTANTIATE_TEST_SUITE_P(Botocore, FixtureErrorTest,
                         ::testing::Values(
                             // "Stack: foobar does not exist" is how CloudFormation says not found.
                             ErrorCase{"cloudformation-cancel-update-stack-error", "cloudformation",
                                       "CancelUpdateStack", 400, ".xml", AwsErrorKind::kNotFound},
                             ErrorCase{"s3-create-bucket-error", "s3", "CreateBucket", 409, ".xml",
                                       AwsErrorKind::kConflict},
                             ErrorCase{"s3-list-objects-error", "s3", "ListObjectsV2", 403, ".xml",
                                       AwsErrorKind::kAuth},
                             ErrorCase{"sts-get-session-token-error", "sts", "GetSessionToken", 403,
                                       ".xml", AwsErrorKind::kAuth},
                             ErrorCase{"dynamodb-put-item-error", "dynamodb", "PutItem", 400,
                                       ".body.json", AwsErrorKind::kThrottling}),
                         [](const ::testing::TestParamInfo<ErrorCase>& param_info) {
                           std::string name = param_info.param.file;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Smithy's protocol compliance cases for error responses
// (tests/data/smithy-protocol-tests/error-responses.json): error type in
// X-Amzn-Errortype, __type or code, with namespaces and URIs to strip.
TEST(SmithyErrorCasesTest, ErrorCodesAndMessagesAreExtractedForEveryProtocol) {
  const std::map<std::string, std::string> service_for_protocol = {{"restJson1", "amplify"},
                                                                   {"awsJson1_0", "dynamodb"},
                                                                   {"restXml", "s3"},
                                                                   {"awsQuery", "cloudformation"}};
  Value data = ReadTestJson("smithy-protocol-tests/error-responses.json");
  int checked = 0;
  for (const Value& c : data.Find("cases")->as_list()) {
    SCOPED_TRACE(c.Find("id")->as_string());
    HttpResponse response;
    response.status = static_cast<int>(c.Find("status")->as_int());
    for (const auto& [name, value] : c.Find("headers")->as_map()) {
      response.headers.emplace_back(name, value.as_string());
    }
    response.body = c.Find("body")->as_string();
    const std::string& service = service_for_protocol.at(c.Find("protocol")->as_string());
    AwsError error = ParseErrorResponse(*FindService(service), "Operation", response);
    EXPECT_EQ(error.code, c.Find("expected_code")->as_string());
    if (c.Find("expected_message")->is_string()) {
      EXPECT_EQ(error.message, c.Find("expected_message")->as_string());
    }
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

}  // namespace
}  // namespace flightplan::aws
