// MigrationPlan: how each Gen1 resource becomes Gen2 code, which stateful
// resources the refactor moves, what blocks the migration and what a person
// must finish by hand. Shared by assess (which reports it) and generate
// (which follows it), so the two never disagree. Pure.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_PLAN_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_PLAN_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "steps/amplify/gen1_project.h"

namespace flightplan::amplify {

enum class Generation {
  kNative,        // define* (defineAuth, defineData, defineStorage, defineFunction)
  kCdk,           // a CDK construct in a custom stack
  kL1,            // CfnResources copied from the deployed template, same logical ids
  kNotGenerated,  // nothing to generate (e.g. hosting); reported, never silent
};
std::string_view GenerationName(Generation g);

// Something the report tells the user; `doc` is a path into docs/ with anchor.
struct Finding {
  std::string message;
  std::string doc;
};

struct StatefulResource {
  std::string logical_id;   // in the Gen1 category template
  std::string type;         // AWS::Cognito::UserPool, AWS::DynamoDB::Table, ...
  std::string physical_id;  // the deployed id/name ("" when unknown)
  bool moved = true;        // false: Gen2 uses it in place (model tables)
};

struct ResourcePlan {
  const Gen1Resource* resource = nullptr;
  Generation generation = Generation::kNotGenerated;
  std::string target;  // what is written, e.g. "defineAuth", "CDK lambda.Function"
  std::vector<StatefulResource> stateful;
  std::vector<Finding> manual;
  std::vector<Finding> blockers;
};

// One entry per resource, in the project's order.
struct MigrationPlan {
  std::vector<ResourcePlan> resources;
  // Manual work of the project as a whole (the project-level override.ts).
  std::vector<Finding> project_manual;
  bool HasBlockers() const;
};

[[nodiscard]] MigrationPlan PlanMigration(const Gen1Project& project);

// The metadata key generated Gen2 code puts on each resource a moved Gen1
// resource takes the place of, in both refactor phases; its value is the
// Gen1 resource's key in amplify/migration.json ("auth/<name>/UserPool").
// `flightplan refactor` finds every destination by it, never by logical id.
inline constexpr std::string_view kGen1IdentityMark = "flightplan:gen1";

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_PLAN_H_
