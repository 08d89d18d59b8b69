// Fuzzes the REST-XML (S3) parsers: flattened lists, header-bound members and
// error bodies.
#include <cstddef>
#include <cstdint>
#include <string>

#include "steps/aws/wire/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flightplan;
  const aws::ServiceInfo& s3 = *aws::FindService("s3");
  HttpResponse response;
  response.status = 200;
  response.headers = {{"ETag", "\"e\""}, {"Content-Length", "5"}};
  response.body.assign(reinterpret_cast<const char*>(data), size);
  (void)aws::ParseResponse(s3, "ListObjectsV2", response);
  (void)aws::ParseResponse(s3, "GetBucketLocation", response);
  response.status = 403;
  (void)aws::ParseErrorResponse(s3, "ListObjectsV2", response);
  return 0;
}
