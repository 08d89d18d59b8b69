#include "steps/migration/step_support.h"

#include <fmt/format.h>

namespace flightplan::migration {

std::string EnvInputs::Describe() const {
  std::string out = fmt::format("app {} env {}", app_id, env);
  if (!region.empty()) out += " in " + region;
  return out;
}

std::vector<FieldSpec> EnvFields() {
  return {
      {"app_id", FieldType::kString, true, "the Amplify app id", {}},
      {"env", FieldType::kString, true, "the Gen1 environment name", {}},
      {"region", FieldType::kString, false, "AWS region (default: the AWS CLI's)", {}},
      {"profile", FieldType::kString, false, "AWS profile (default: the AWS CLI's)", {}},
      {"stateful_types",
       FieldType::kString,
       false,
       "a file of extra stateful resource types, one per line",
       {}},
  };
}

std::string InputString(const Value& inputs, std::string_view name) {
  const Value* v = inputs.Find(name);
  if (v == nullptr || v->is_null()) return "";
  return v->is_string() ? v->as_string() : v->ToText();
}

bool InputBool(const Value& inputs, std::string_view name) {
  const Value* v = inputs.Find(name);
  if (v == nullptr) return false;
  if (v->is_bool()) return v->as_bool();
  return v->is_string() && v->as_string() == "true";
}

Result<EnvInputs> ReadEnvInputs(const Value& inputs) {
  EnvInputs out;
  out.app_id = InputString(inputs, "app_id");
  out.env = InputString(inputs, "env");
  out.region = InputString(inputs, "region");
  out.profile = InputString(inputs, "profile");
  out.stateful_types_file = InputString(inputs, "stateful_types");
  if (out.app_id.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "no app id: pass --app-id (or run inside the Gen1 project)");
  }
  if (out.env.empty()) return MakeError(ErrorCode::kInvalidInput, "no environment: pass --env");
  return out;
}

Result<aws::AwsClient*> MigrationStep::Client(const EnvInputs& env) const {
  return clients_.Get(env.profile, env.region);
}

Result<StatefulTypes> MigrationStep::Stateful(const EnvInputs& env) const {
  return StatefulTypes::WithExtraFile(env.stateful_types_file);
}

Result<Gen1Environment> MigrationStep::Discover(const EnvInputs& env, StepContext& ctx) const {
  ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
  ASSIGN_OR_RETURN(StatefulTypes stateful, Stateful(env));
  return DiscoverEnvironment(*client, *ctx.clock, env.app_id, env.env, stateful);
}

}  // namespace flightplan::migration
