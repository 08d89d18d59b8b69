// Fuzzes the AWS Query protocol's XML parsers (CloudFormation, STS): success
// bodies and error bodies must never crash, only succeed or fail cleanly.
#include <cstddef>
#include <cstdint>
#include <string>

#include "steps/aws/wire/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flightplan;
  const aws::ServiceInfo& service = *aws::FindService("cloudformation");
  HttpResponse response;
  response.status = 200;
  response.body.assign(reinterpret_cast<const char*>(data), size);
  (void)aws::ParseResponse(service, "DescribeStacks", response);
  response.status = 400;
  (void)aws::ParseErrorResponse(service, "DescribeStacks", response);
  return 0;
}
