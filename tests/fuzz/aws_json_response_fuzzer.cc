// Fuzzes the JSON protocols' parsers (DynamoDB JSON 1.0, Amplify REST-JSON):
// success bodies and error bodies, with the first line of the input used as
// the x-amzn-ErrorType header.
#include <cstddef>
#include <cstdint>
#include <string>

#include "steps/aws/wire/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flightplan;
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  HttpResponse response;
  response.status = 200;
  response.body = newline == std::string::npos ? input : input.substr(newline + 1);
  (void)aws::ParseResponse(*aws::FindService("dynamodb"), "DescribeTable", response);
  (void)aws::ParseResponse(*aws::FindService("amplify"), "GetApp", response);
  response.status = 404;
  if (newline != std::string::npos) {
    response.headers = {{"x-amzn-ErrorType", input.substr(0, newline)}};
  }
  (void)aws::ParseErrorResponse(*aws::FindService("amplify"), "GetApp", response);
  (void)aws::ParseErrorResponse(*aws::FindService("dynamodb"), "DescribeTable", response);
  return 0;
}
