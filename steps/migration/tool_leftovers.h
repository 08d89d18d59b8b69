// What AWS's own migration tool (`amplify gen2-migration`) leaves in an
// account when it stops half-way, found so that flightplan's refactor can
// start from a clean state instead of tripping over it:
//   - holding stacks, `<Gen2 stack>-holding`: after a failed move the tool's
//     refactor created one and left it in REVIEW_IN_PROGRESS, empty, where it
//     blocks every later run of that tool;
//   - change sets named `gen2-migration-*` its plan phase left behind;
//   - the app's GEN2_MIGRATION_ENVIRONMENT_NAME environment variable.
// An empty holding stack and the change sets hold nothing and are removed by
// ClearToolLeftovers; a holding stack that holds resources (Gen2's own copies
// the tool moved there) is a problem for the operator, with what to do.
//
// Thread-safety: functions borrow the client for the call.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_TOOL_LEFTOVERS_H_
#define FLIGHTPLAN_STEPS_MIGRATION_TOOL_LEFTOVERS_H_

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/waiter.h"

namespace flightplan::migration {

inline constexpr char kToolChangeSetPrefix[] = "gen2-migration-";
inline constexpr char kToolHoldingSuffix[] = "-holding";
inline constexpr char kToolEnvironmentVariable[] = "GEN2_MIGRATION_ENVIRONMENT_NAME";

struct ToolLeftovers {
  struct HoldingStack {
    std::string name;
    std::string status;
    std::vector<std::string> resources;  // "<logical id> (<type>) <physical id>"
  };
  struct ChangeSet {
    std::string stack;
    std::string name;
    std::string status;  // ExecutionStatus
  };
  std::vector<HoldingStack> holding_stacks;
  std::vector<ChangeSet> change_sets;
  std::string environment_name;  // the variable's value; "" when the app has none

  bool empty() const {
    return holding_stacks.empty() && change_sets.empty() && environment_name.empty();
  }
  // What ClearToolLeftovers cannot remove: each says what to do.
  std::vector<std::string> Problems() const;
  // One line per leftover, "" when there is none.
  std::string ToText() const;
  Value ToJson() const;
};

// Looks at the app's environment variables, at every live stack named
// `<s>-holding` for a stack `s` that starts with one of `root_stacks` (the
// Gen1 root and the Gen2 branch's backend stack: nested stacks start with
// their root's name), and at the change sets of `stacks`.
[[nodiscard]] Result<ToolLeftovers> FindToolLeftovers(aws::AwsClient& client, Clock& clock,
                                                      const std::string& app_id,
                                                      const std::vector<std::string>& root_stacks,
                                                      const std::vector<std::string>& stacks);

// Deletes the empty holding stacks (waiting until each is gone) and the
// tool's change sets that are not executing; returns what it removed
// ({"stacks": [...], "change_sets": ["<stack>/<name>", ...]}). Leaves holding
// stacks with resources and the environment variable as they are.
[[nodiscard]] Result<Value> ClearToolLeftovers(aws::AwsClient& client, Clock& clock,
                                               const ToolLeftovers& found,
                                               const aws::WaitOptions& wait);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_TOOL_LEFTOVERS_H_
