// Feeds arbitrary bytes to the GraphQL SDL parser, and what parses to the
// model extraction and the schema diff: none may crash, hang, recurse without
// bound or leak, whatever the input. Crashes it finds become regression tests
// in tests/steps/amplify/graphql_sdl_test.cc.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "steps/amplify/schema/graphql_sdl.h"
#include "steps/amplify/schema/schema_diff.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto document = flightplan::graphql::ParseSdl(text, "fuzz.graphql");
  if (!document) return 0;
  for (const auto& definition : document->definitions) {
    for (const auto& directive : definition.directives) (void)directive.ToString();
    for (const auto& field : definition.fields) {
      (void)field.type.ToString();
      for (const auto& directive : field.directives) (void)directive.ToString();
    }
  }
  auto models = flightplan::amplify::ExtractModels(*document, "fuzz.graphql");
  if (!models) return 0;
  flightplan::amplify::SchemaModels empty;
  (void)flightplan::amplify::SchemaDiffJson(flightplan::amplify::DiffSchemas(empty, *models));
  (void)flightplan::amplify::DiffSchemas(*models, empty);
  (void)flightplan::amplify::DiffSchemas(*models, *models);
  return 0;
}
