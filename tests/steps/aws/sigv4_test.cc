// SigV4 against the official aws-c-auth test suite (tests/data/sigv4-testsuite)
// and a few properties the suite does not cover (S3 single encoding,
// UNSIGNED-PAYLOAD, errors).
#include "steps/aws/wire/sigv4.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/value.h"
#include "tests/support/test_support.h"

namespace flightplan::aws {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kSuiteDir =
    fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests/data/sigv4-testsuite/aws-c-auth/v4";

// Every case of the suite is supported; a case that is not would be listed
// here with the reason and skipped.
const std::vector<std::string> kUnsupportedCases = {};

using flightplan::testing::ReadFile;

Timestamp ParseSuiteTime(const std::string& text) {
  std::tm tm{};
  EXPECT_EQ(std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
                        &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
            6);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return Timestamp{static_cast<int64_t>(timegm(&tm)) * 1000};
}

struct SuiteCase {
  HttpRequest request;
  std::string path_and_query;  // as on the request line
  AwsCredentials credentials;
  SigningOptions options;
};

// request.txt is an HTTP/1.1 request: request line, headers (a line that
// starts with whitespace continues the previous header), blank line, body.
SuiteCase LoadCase(const fs::path& dir) {
  SuiteCase out;
  std::string raw = ReadFile(dir / "request.txt");
  std::istringstream lines(raw);
  std::string line;
  std::getline(lines, line);
  size_t first_space = line.find(' ');
  size_t last_space = line.rfind(' ');
  out.request.method = line.substr(0, first_space);
  out.path_and_query = line.substr(first_space + 1, last_space - first_space - 1);
  std::string host;
  while (std::getline(lines, line) && !line.empty()) {
    if (line[0] == ' ' || line[0] == '\t') {
      out.request.headers.back().second += "\n" + line;
      continue;
    }
    size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    if (name == "Host") host = value;
    out.request.headers.emplace_back(name, value);
  }
  std::string body;
  std::getline(lines, body, '\0');
  out.request.body = body;
  out.request.url = "https://" + host + out.path_and_query;

  Result<Value> context = Value::FromJson(ReadFile(dir / "context.json"));
  EXPECT_TRUE(context.has_value());
  const Value& credentials = *context->Find("credentials");
  out.credentials.access_key_id = credentials.Find("access_key_id")->as_string();
  out.credentials.secret_access_key = credentials.Find("secret_access_key")->as_string();
  if (const Value* token = credentials.Find("token")) {
    out.credentials.session_token = token->as_string();
  }
  out.options.region = context->Find("region")->as_string();
  out.options.service = context->Find("service")->as_string();
  out.options.time = ParseSuiteTime(context->Find("timestamp")->as_string());
  out.options.path_normalization = context->Find("normalize")->as_bool()
                                       ? PathNormalization::kNormalize
                                       : PathNormalization::kAsIs;
  if (context->Find("sign_body")->as_bool()) {
    out.options.content_sha256_header = ContentSha256Header::kAdd;
  }
  const Value* omit = context->Find("omit_session_token");
  if (omit != nullptr && omit->as_bool()) {
    out.options.session_token = SessionTokenSigning::kAddedAfterSigning;
  }
  out.options.presign_expires =
      std::chrono::seconds(context->Find("expiration_in_seconds")->as_int());
  return out;
}

std::string HeaderLine(const std::string& signed_request, const std::string& prefix) {
  std::istringstream lines(signed_request);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

std::string FindHeader(const HttpHeaders& headers, const std::string& name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

std::vector<std::string> SuiteCaseNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kSuiteDir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    for (const std::string& unsupported : kUnsupportedCases) {
      if (unsupported == GetParam()) GTEST_SKIP() << "unsupported";
    }
  }
  fs::path dir() const { return kSuiteDir / GetParam(); }
};

TEST_P(SigV4SuiteTest, HeaderSigningMatchesCanonicalRequestStringToSignAndSignature) {
  SuiteCase c = LoadCase(dir());
  Result<SignedRequest> signed_request = SignRequest(c.request, c.credentials, c.options);
  ASSERT_TRUE(signed_request.has_value()) << signed_request.error().ToString();
  EXPECT_EQ(signed_request->canonical_request, ReadFile(dir() / "header-canonical-request.txt"));
  EXPECT_EQ(signed_request->string_to_sign, ReadFile(dir() / "header-string-to-sign.txt"));
  EXPECT_EQ(signed_request->signature, ReadFile(dir() / "header-signature.txt"));
  std::string expected_signed = ReadFile(dir() / "header-signed-request.txt");
  EXPECT_EQ(FindHeader(signed_request->request.headers, "Authorization"),
            HeaderLine(expected_signed, "Authorization:"));
  EXPECT_EQ(FindHeader(signed_request->request.headers, "X-Amz-Date"),
            HeaderLine(expected_signed, "X-Amz-Date:"));
  EXPECT_EQ(FindHeader(signed_request->request.headers, "X-Amz-Security-Token"),
            HeaderLine(expected_signed, "X-Amz-Security-Token:"));
}

TEST_P(SigV4SuiteTest, QuerySigningMatchesCanonicalRequestStringToSignAndUrl) {
  SuiteCase c = LoadCase(dir());
  Result<SignedRequest> signed_request = PresignRequest(c.request, c.credentials, c.options);
  ASSERT_TRUE(signed_request.has_value()) << signed_request.error().ToString();
  EXPECT_EQ(signed_request->canonical_request, ReadFile(dir() / "query-canonical-request.txt"));
  EXPECT_EQ(signed_request->string_to_sign, ReadFile(dir() / "query-string-to-sign.txt"));
  EXPECT_EQ(signed_request->signature, ReadFile(dir() / "query-signature.txt"));
  std::string expected_signed = ReadFile(dir() / "query-signed-request.txt");
  std::string request_line = expected_signed.substr(0, expected_signed.find('\n'));
  std::string url = signed_request->request.url;
  std::string path = url.substr(url.find('/', std::string("https://").size()));
  EXPECT_EQ(c.request.method + " " + path + " HTTP/1.1", request_line);
}

INSTANTIATE_TEST_SUITE_P(AwsCAuthV4, SigV4SuiteTest, ::testing::ValuesIn(SuiteCaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

TEST(SigV4SuiteTest, SuiteHasAllThirtyEightCases) { EXPECT_EQ(SuiteCaseNames().size(), 38u); }

AwsCredentials ExampleCredentials() {
  AwsCredentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  return credentials;
}

TEST(SigV4Test, S3EncodesThePathOnceAndAddsContentSha256) {
  HttpRequest request;
  request.method = "GET";
  request.url = "https://s3.us-east-1.amazonaws.com/bucket/a%2Bb%20c.json";
  SigningOptions options = SigningOptions::ForService("s3", "us-east-1", Timestamp{1440938160000});
  Result<SignedRequest> s3 = SignRequest(request, ExampleCredentials(), options);
  ASSERT_TRUE(s3.has_value());
  EXPECT_THAT(s3->canonical_request, HasSubstr("GET\n/bucket/a%2Bb%20c.json\n"));
  EXPECT_EQ(FindHeader(s3->request.headers, "X-Amz-Content-SHA256"), Sha256Hex(""));

  SigningOptions other =
      SigningOptions::ForService("amplify", "us-east-1", Timestamp{1440938160000});
  request.url = "https://amplify.us-east-1.amazonaws.com/apps/a%2Fb";
  Result<SignedRequest> amplify = SignRequest(request, ExampleCredentials(), other);
  ASSERT_TRUE(amplify.has_value());
  EXPECT_THAT(amplify->canonical_request, HasSubstr("GET\n/apps/a%252Fb\n"));
  EXPECT_EQ(FindHeader(amplify->request.headers, "X-Amz-Content-SHA256"), "");
}

TEST(SigV4Test, S3DoesNotNormalizeDotSegmentsInKeys) {
  HttpRequest request;
  request.url = "https://s3.us-east-1.amazonaws.com/bucket//a/./b/../c";
  SigningOptions options = SigningOptions::ForService("s3", "us-east-1", Timestamp{1440938160000});
  Result<SignedRequest> s3 = SignRequest(request, ExampleCredentials(), options);
  ASSERT_TRUE(s3.has_value());
  EXPECT_THAT(s3->canonical_request, HasSubstr("\n/bucket//a/./b/../c\n"));
}

TEST(SigV4Test, UnsignedPayloadIsUsedAsThePayloadHash) {
  HttpRequest request;
  request.method = "PUT";
  request.url = "https://s3.us-east-1.amazonaws.com/bucket/key";
  request.body = "large body";
  SigningOptions options = SigningOptions::ForService("s3", "us-east-1", Timestamp{1440938160000});
  options.payload = PayloadSigning::kUnsigned;
  Result<SignedRequest> s3 = SignRequest(request, ExampleCredentials(), options);
  ASSERT_TRUE(s3.has_value());
  EXPECT_TRUE(s3->canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_EQ(FindHeader(s3->request.headers, "X-Amz-Content-SHA256"), "UNSIGNED-PAYLOAD");
}

TEST(SigV4Test, UserAgentIsNotSignedSoTransportsMayRewriteIt) {
  HttpRequest request;
  request.url = "https://sts.us-east-1.amazonaws.com/";
  request.headers = {{"User-Agent", "flightplan/0.1"}};
  SigningOptions options = SigningOptions::ForService("sts", "us-east-1", Timestamp{1440938160000});
  Result<SignedRequest> sts = SignRequest(request, ExampleCredentials(), options);
  ASSERT_TRUE(sts.has_value());
  EXPECT_THAT(sts->canonical_request, Not(HasSubstr("user-agent")));
}

TEST(SigV4Test, ResigningReplacesThePreviousSignatureHeaders) {
  HttpRequest request;
  request.url = "https://sts.us-east-1.amazonaws.com/";
  SigningOptions options = SigningOptions::ForService("sts", "us-east-1", Timestamp{1440938160000});
  Result<SignedRequest> first = SignRequest(request, ExampleCredentials(), options);
  ASSERT_TRUE(first.has_value());
  options.time = Timestamp{1440938160000 + 60000};
  Result<SignedRequest> second = SignRequest(first->request, ExampleCredentials(), options);
  ASSERT_TRUE(second.has_value());
  int authorization_headers = 0;
  for (const auto& header : second->request.headers) {
    if (header.first == "Authorization") ++authorization_headers;
  }
  EXPECT_EQ(authorization_headers, 1);
  EXPECT_EQ(FindHeader(second->request.headers, "X-Amz-Date"), "20150830T123700Z");
}

TEST(SigV4Test, MissingSecretIsAnInvalidInputError) {
  HttpRequest request;
  request.url = "https://sts.us-east-1.amazonaws.com/";
  AwsCredentials credentials;
  credentials.access_key_id = "AKID";
  Result<SignedRequest> result = SignRequest(
      request, credentials, SigningOptions::ForService("sts", "us-east-1", Timestamp{0}));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidInput);
}

TEST(SigV4Test, RelativeUrlIsRejected) {
  HttpRequest request;
  request.url = "/no-host";
  Result<SignedRequest> result = SignRequest(
      request, ExampleCredentials(), SigningOptions::ForService("sts", "us-east-1", Timestamp{0}));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidInput);
}

TEST(SigV4Test, ParsesHttpDateForClockSkewCorrection) {
  Result<Timestamp> t = ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatAmzDate(*t), "20150830T123600Z");
  EXPECT_FALSE(ParseHttpDate("yesterday").has_value());
}

}  // namespace
}  // namespace flightplan::aws
