// What every cloud-side migration step shares (private to steps/migration/):
// the inputs that name the environment (app id, env, region, profile, the
// extra stateful-types file), the AWS client for them, environment
// discovery, and the wait options a step's context implies.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_STEP_SUPPORT_H_
#define FLIGHTPLAN_STEPS_MIGRATION_STEP_SUPPORT_H_

#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "engine/step.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/client_pool.h"
#include "steps/aws/waiter.h"
#include "steps/migration/environment.h"
#include "steps/migration/stateful_types.h"

namespace flightplan::migration {

struct EnvInputs {
  std::string app_id;
  std::string env;
  std::string region;   // "" → the AWS CLI's default
  std::string profile;  // "" → the AWS CLI's default
  std::string stateful_types_file;

  std::string Describe() const;  // "app d1abc env main"
};

// app_id and env (required), region, profile, stateful_types (optional);
// a step's schema starts with these.
std::vector<FieldSpec> EnvFields();
// kInvalidInput naming the field when app_id or env is empty.
[[nodiscard]] Result<EnvInputs> ReadEnvInputs(const Value& inputs);

// A migration step type: holds the client pool (borrowed; it outlives the
// registry), no per-run state.
class MigrationStep : public StepType {
 public:
  explicit MigrationStep(aws::ClientPool& clients) : clients_(clients) {}

 protected:
  [[nodiscard]] Result<aws::AwsClient*> Client(const EnvInputs& env) const;
  [[nodiscard]] Result<Gen1Environment> Discover(const EnvInputs& env, StepContext& ctx) const;
  [[nodiscard]] Result<StatefulTypes> Stateful(const EnvInputs& env) const;

 private:
  aws::ClientPool& clients_;
};

using aws::StepWaitOptions;

// Text of the input `name`, "" when absent.
std::string InputString(const Value& inputs, std::string_view name);
bool InputBool(const Value& inputs, std::string_view name);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_STEP_SUPPORT_H_
