// A deployed Gen1 environment, found from the app id and the environment name
// alone (no local files): Amplify's GetBackendEnvironment names the root
// stack and the deployment bucket; the root stack and every nested stack
// below it (ListStackResources follows every page, so environments over 100
// resources are whole) give their status, original templates, parameters
// and resources, each classified stateful or not (stateful_types.h).
// docs/migration-guide.md, "Finding the environment", says what is read.
//
// A nested stack is identified by its logical path from the root
// ("apibackendonly/Todo"), matched exactly, never by prefix.
//
// Thread-safety: functions borrow the client for the call.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_ENVIRONMENT_H_
#define FLIGHTPLAN_STEPS_MIGRATION_ENVIRONMENT_H_

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "steps/aws/aws_client.h"
#include "steps/migration/stateful_types.h"

namespace flightplan::migration {

struct EnvResource {
  std::string logical_id;
  std::string physical_id;
  std::string type;
  std::string status;
  bool stateful = false;

  // Whether the physical id names this resource across the account (a
  // stack, a stateful resource, an ARN), so that two stacks listing the same
  // id hold the same resource. Inline policies and user pool groups are
  // names within their parent (a role, a pool), and other ids (CDK
  // metadata, custom resources) may repeat from environment to environment:
  // comparing them would see production where there is none.
  bool IdentifiesAcrossAccount() const;
};

struct EnvStack {
  std::string path;  // "" for the root, else "apibackendonly/Todo"
  std::string name;  // the stack name
  std::string id;    // the stack ARN
  std::string status;
  std::string description;
  std::string template_body;  // GetTemplate, original stage, as AWS returns it
  ValueList parameters;       // DescribeStacks' Parameters
  std::vector<EnvResource> resources;

  // "root stack" or "nested stack apibackendonly/Todo", for messages.
  std::string Label() const;
};

struct Gen1Environment {
  std::string app_id;
  std::string env;
  std::string region;
  std::string root_stack;         // the root stack's name
  std::string deployment_bucket;  // "" when Amplify names none
  std::vector<EnvStack> stacks;   // the root first, then depth-first

  const EnvStack& root() const { return stacks.front(); }
  // Exact match on the logical path; null when absent.
  const EnvStack* FindStack(const std::string& path) const;
  // How many resources are stateful, across every stack.
  int StatefulCount() const;
};

// Nested stacks deeper than this are refused (Gen1 nests three levels).
constexpr int kMaxStackDepth = 8;
// Stacks in one environment, a bound against a runaway listing.
constexpr int kMaxStacks = 500;

// A root stack and every nested stack below it, depth-first, the root
// first (Gen2 branches' backend stacks are read the same way). Errors: the
// calls' own, with the stack being read as context; kInvalidInput past
// kMaxStackDepth or kMaxStacks.
[[nodiscard]] Result<std::vector<EnvStack>> DiscoverStackTree(aws::AwsClient& client, Clock& clock,
                                                              const std::string& root_stack,
                                                              const StatefulTypes& stateful);
// What Amplify's GetBackendEnvironment names for an environment.
struct BackendEnvironment {
  std::string root_stack;
  std::string deployment_bucket;  // "" when Amplify names none
};

// The first step of DiscoverEnvironment alone. Errors: kNotFound naming the
// app and environment with what to check (also when the environment names
// no root stack: never pushed); the call's own errors otherwise.
[[nodiscard]] Result<BackendEnvironment> FindBackendEnvironment(aws::AwsClient& client,
                                                                const std::string& app_id,
                                                                const std::string& env);

// Errors: kNotFound naming the app and environment (or the stack) with what
// to check; the calls' own errors otherwise.
[[nodiscard]] Result<Gen1Environment> DiscoverEnvironment(aws::AwsClient& client, Clock& clock,
                                                          const std::string& app_id,
                                                          const std::string& env,
                                                          const StatefulTypes& stateful);

// An Amplify branch of the app and the backend stack it names (Gen2
// branches name their own; a Gen1 branch names the environment's root
// stack or none).
struct AppBranch {
  std::string name;
  std::string stage;
  std::string stack_arn;     // backend.stackArn; "" when none
  std::string stack_status;  // DescribeStacks of it; "" when none or gone
  bool gen2 = false;         // names a backend stack other than the Gen1 root stack
};

// Every branch of the app (all pages of ListBranches), with the status of
// the backend stack each names. `gen1_root_stack` tells Gen1's apart.
[[nodiscard]] Result<std::vector<AppBranch>> DiscoverBranches(aws::AwsClient& client, Clock& clock,
                                                              const std::string& app_id,
                                                              const std::string& gen1_root_stack);

// UPDATE_COMPLETE, CREATE_COMPLETE or UPDATE_ROLLBACK_COMPLETE: a stack an
// update may start from.
bool DeployableStatus(const std::string& status);

// The Gen1 CLI version that last deployed the stack ("14.2.5"), read from
// the JSON Amplify writes into a stack's description (`createdWith`); ""
// when the description holds none.
std::string Gen1CliVersion(const std::string& description);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_ENVIRONMENT_H_
