// Fuzzes the ~/.aws/config / credentials INI parser and the ISO 8601 parser
// used for credential expiry.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "steps/aws/aws_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flightplan;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)aws::ParseIni(text, "fuzz");
  (void)aws::ParseIsoTimestamp(text.substr(0, 64));
  return 0;
}
