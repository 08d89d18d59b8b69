// Loads and validates a workflow definition. Nothing runs before a definition
// passes every check: YAML syntax, unknown or duplicate keys, types, step
// types and their input schemas, references (params, outputs of earlier
// steps, run values, declared environment variables), duplicate ids, and
// `requires` naming unknown workflows or forming a cycle.
//
// Errors are kInvalidInput; the message lists every problem found (up to 20),
// one per line, each as "file:line:col: what is wrong — how to fix it".
#ifndef FLIGHTPLAN_ENGINE_WORKFLOW_LOADER_H_
#define FLIGHTPLAN_ENGINE_WORKFLOW_LOADER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "engine/step.h"
#include "engine/workflow.h"

namespace flightplan {

// The other workflows a definition may require, by name.
class WorkflowCatalog {
 public:
  virtual ~WorkflowCatalog() = default;
  // The `requires` list of the named workflow, or nullopt when unknown.
  virtual std::optional<std::vector<std::string>> RequiresOf(std::string_view name) const = 0;
  virtual std::vector<std::string> Names() const = 0;
};

// The largest definition LoadWorkflow reads; callers reading a file may
// refuse a larger one before reading it.
inline constexpr size_t kMaxWorkflowBytes = 4 << 20;
// The most YAML nodes a definition may hold once its aliases are expanded
// (the built-in workflows hold a few hundred). Past it, or with an alias
// inside its own anchor's node, a definition is refused at that alias before
// anything expands it: nested aliases cost exponential time and memory.
inline constexpr size_t kMaxWorkflowNodes = 1'000'000;

// `source` names the file in messages (a path, or builtin:<path>). `catalog`
// may be null: then `requires` is checked against nothing but itself.
Result<Workflow> LoadWorkflow(std::string_view text, const std::string& source,
                              const StepRegistry& registry, const WorkflowCatalog* catalog);

// Reads only `name` and `requires` from a definition, for catalogs. Errors
// when the text is not a YAML map with a string `name`.
struct WorkflowHeader {
  std::string name;
  std::string description;
  std::string phase;
  std::vector<std::string> requires_workflows;
};
Result<WorkflowHeader> ReadWorkflowHeader(std::string_view text, const std::string& source);

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_WORKFLOW_LOADER_H_
