// Which Gen1 stateful resources the refactor moves, and where to: a pure
// function of the deployed Gen1 environment and the deployed Gen2 branch.
//
// A destination is found by identity alone: generated Gen2 code marks each
// resource a Gen1 resource takes the place of with
// `Metadata."flightplan:gen1"` = the Gen1 resource's key in
// amplify/migration.json ("auth/<resource>/UserPool"), and the key names the
// Gen1 nested stack (`<category><resource>` under the root) and logical id
// exactly — never a logical-id prefix or "the first resource of that type",
// so several tables or buckets per category map one to one.
//
// Every stateful Gen1 resource is accounted for: it moves (exactly one
// destination), or it stays for a stated reason (model tables, which Gen2
// adopts by name; app clients; the deployment bucket), or the plan carries
// a problem that blocks the refactor and says what to do.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_PLAN_H_
#define FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_PLAN_H_

#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "steps/migration/environment.h"

namespace flightplan::migration {

struct RefactorMove {
  std::string key;   // amplify/migration.json's key, "auth/<resource>/UserPool"
  std::string type;  // AWS::Cognito::UserPool, ...
  std::string physical_id;
  // Where it is (Gen1) and where it goes (Gen2).
  std::string source_stack;  // stack name
  std::string source_path;   // "authbackendonlyf8c4c57b"
  std::string source_logical_id;
  std::string destination_stack;
  std::string destination_path;  // "auth179371D7" (the Gen2 root's nested stack)
  std::string destination_logical_id;
  // Gen2's own resource at the destination now; "" when the id is free.
  std::string displaced_physical_id;
};

struct StayingResource {
  std::string stack_path;
  std::string logical_id;
  std::string type;
  std::string physical_id;
  std::string reason;
};

struct RefactorPlan {
  std::vector<RefactorMove> moves;
  std::vector<StayingResource> staying;
  // Each blocks the refactor; the message says what to do.
  std::vector<std::string> problems;

  bool ok() const { return problems.empty(); }
  // The pairs of stacks one CreateStackRefactor moves between, in a fixed
  // order: (source stack, destination stack).
  std::vector<std::pair<std::string, std::string>> StackPairs() const;
  std::string ToText() const;
  Value ToJson() const;
  // The inverse of ToJson (as journaled by the plan step); kInvalidInput
  // when `json` is not a plan.
  [[nodiscard]] static Result<RefactorPlan> FromJson(const Value& json);
};

// `gen2` is the branch's backend stack tree (DiscoverStackTree), the root
// first. Stateful means `gen1`'s own classification (stateful_types.h).
[[nodiscard]] RefactorPlan PlanRefactor(const Gen1Environment& gen1,
                                        const std::vector<EnvStack>& gen2);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_PLAN_H_
