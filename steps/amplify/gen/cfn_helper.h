// The TypeScript helper every generated project carries as
// amplify/gen1/cfn.ts: it adds the resources of a Gen1 template to a stack as
// L1 CfnResources, replacing references to Gen1 parameters with Gen2 values
// and, post-refactor, naming moved stateful resources exactly as deployed.
// The source is steps/amplify/gen/cfn_helper.ts, embedded at build time
// (cmake/embed_file.cmake).
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_GEN_CFN_HELPER_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_GEN_CFN_HELPER_H_

#include <string_view>

namespace flightplan::amplify::gen {

// The bytes of cfn_helper.ts; static storage, valid for the program's life.
std::string_view CfnHelperTs();

}  // namespace flightplan::amplify::gen

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_GEN_CFN_HELPER_H_
