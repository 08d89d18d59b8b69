// Fuzzes the import scanner (steps/amplify/import_scan.h), which reads the
// Lambda sources of any Gen1 project: it must never crash or loop, and what
// it reports must hold together (a line inside the text, a package only for
// a package import).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "steps/amplify/import_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flightplan::amplify;
  std::string_view source(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : source) lines += c == '\n' ? 1 : 0;
  for (const ImportRef& ref : ScanImports(source)) {
    if (ref.line < 1 || ref.line > lines) std::abort();
    if ((ref.kind == ImportKind::kPackage) == ref.package.empty()) std::abort();
  }
  (void)PackageOfSpecifier(source);
  (void)IsNodeBuiltin(source);
  return 0;
}
