// The assessment: a read-only report of what a Gen1 project holds and what
// generate and refactor will do with it (MigrationPlan), rendered for people
// (Markdown) and machines (JSON). Pure functions of the project.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_ASSESS_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_ASSESS_H_

#include <string>

#include "base/value.h"
#include "steps/amplify/gen1_project.h"

namespace flightplan::amplify {

// {"project", "env", "stackName", "resources": [{category, name, service,
//  generation, target, stateful: [{logicalId, type, physicalId, moved}],
//  manual: [{message, doc}], blockers: [...]}], "warnings": [...],
//  "blocked": bool}
[[nodiscard]] Value AssessJson(const Gen1Project& project);

// The same report as Markdown, with links into docs/.
[[nodiscard]] std::string AssessMarkdown(const Gen1Project& project);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_ASSESS_H_
