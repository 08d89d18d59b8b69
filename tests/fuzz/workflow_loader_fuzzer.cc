// Feeds arbitrary bytes to the workflow loader, the expression and template
// parsers, and the JSON reader: none may crash, hang or leak, whatever the
// input. Crashes it finds become regression tests in tests/engine/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/value.h"
#include "engine/expression.h"
#include "engine/workflow_loader.h"
#include "steps/builtin/builtin_steps.h"

namespace {

const flightplan::StepRegistry& Registry() {
  static const flightplan::StepRegistry* registry = [] {
    auto* r = new flightplan::StepRegistry();
    flightplan::RegisterBuiltinSteps(*r);
    return r;
  }();
  return *registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto workflow = flightplan::LoadWorkflow(text, "fuzz.yaml", Registry(), nullptr);
  (void)workflow;
  auto header = flightplan::ReadWorkflowHeader(text, "fuzz.yaml");
  (void)header;
  flightplan::Value root;
  root.Set("params", flightplan::Value(flightplan::ValueMap{{"x", flightplan::Value("1")}}));
  flightplan::ValueScope scope(root);
  if (auto expr = flightplan::Expression::Parse(text)) (void)expr->Evaluate(scope);
  if (auto tmpl = flightplan::Template::Parse(text)) (void)tmpl->Render(scope);
  (void)flightplan::Value::FromJson(text);
  return 0;
}
