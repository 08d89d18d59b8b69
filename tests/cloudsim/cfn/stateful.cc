#include "tests/cloudsim/cfn/stateful.h"

namespace flightplan::cloudsim::cfn {

bool IsStatefulType(std::string_view type) { (void)type; return false; }
bool TableKeyAttributesChanged(const Value& before, const Value& after) { (void)before; (void)after; return false; }
SimResult<AppliedResource> CreateStatefulResource(ProviderContext&, std::string_view, std::string_view, const Value&) {
  return tl::unexpected(Validation("unsupported"));
}
SimResult<AppliedResource> UpdateStatefulResource(ProviderContext&, const StackResource&, const Value&) {
  return tl::unexpected(Validation("unsupported"));
}
SimResult<void> DeleteStatefulResource(ProviderContext&, const StackResource&) { return {}; }
Value ImportedAttributes(const World&, std::string_view, std::string_view) { return Value(ValueMap{}); }
bool PhysicalResourceExists(const World&, std::string_view, std::string_view) { return true; }
SimResult<std::string> FetchTemplateUrl(const World&, std::string_view) {
  return tl::unexpected(Validation("unsupported"));
}

}  // namespace flightplan::cloudsim::cfn
