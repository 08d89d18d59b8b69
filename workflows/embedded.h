// The workflow definitions under workflows/, embedded in the binary.
#ifndef FLIGHTPLAN_WORKFLOWS_EMBEDDED_H_
#define FLIGHTPLAN_WORKFLOWS_EMBEDDED_H_

#include <string_view>
#include <vector>

namespace flightplan {

struct EmbeddedWorkflow {
  std::string_view path;  // relative to workflows/, e.g. "examples/demo.yaml"
  std::string_view text;
};

const std::vector<EmbeddedWorkflow>& EmbeddedWorkflows();

}  // namespace flightplan

#endif  // FLIGHTPLAN_WORKFLOWS_EMBEDDED_H_
