// Gen1Project: a read-only model of an Amplify Gen1 project directory — what
// the user configured (amplify/backend) and what is deployed
// (amplify/#current-cloud-backend, whose built category templates are the
// truth about the cloud). assess, generate and verify read only this model.
//
// Projects without deployed state (a fresh clone: no team-provider-info.json
// or no #current-cloud-backend/) load from amplify/backend/ alone for the env
// LoadOptions names; the model then says which facts are approximate.
//
// LoadGen1Project never throws and never crashes on bad input: a missing
// required file or a malformed one is an Error naming the file (and field);
// optional files that are absent leave their member empty.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_GEN1_PROJECT_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_GEN1_PROJECT_H_

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/value.h"

namespace flightplan::amplify {

// One resource of backend-config.json, e.g. auth/mediavault1f08412d.
struct Gen1Resource {
  std::string category;       // "auth", "api", "storage", "function", "custom", ...
  std::string name;           // the resource name (directory name)
  std::string service;        // "Cognito", "AppSync", "S3", "DynamoDB", "Lambda", ...
  std::filesystem::path dir;  // amplify/backend/<category>/<name>

  Value config;                // its backend-config.json entry
  Value meta_output;           // amplify-meta.json "output" (deployed values), or null
  Value cli_inputs;            // cli-inputs.json, or null when absent
  Value parameters;            // parameters.json (backend and build/), merged, or null
  Value custom_policies;       // custom-policies.json, or null
  Value function_parameters;   // function-parameters.json, or null
  Value package_json;          // src/package.json of a function, or null
  std::string graphql_schema;  // schema.graphql or schema/*.graphql, joined
  // Source files of a function (src/) or layer (lib/): path relative to
  // that folder -> bytes. Dependencies (node_modules), lock files and
  // sample events are left out.
  std::map<std::string, std::string> source_files;
  bool has_override = false;  // override.ts present

  // The deployed category template (from #current-cloud-backend) with its
  // Refs to parameters, Fn::If on known conditions and Fn::Join resolved;
  // null when the resource was never pushed.
  Value deployed_template;
  std::filesystem::path deployed_template_path;
  // Without a deployed template: the category template kept under
  // amplify/backend/<category>/<name>/ (a function's
  // <name>-cloudformation-template.json, or the build/ output of an earlier
  // `amplify build`), resolved the same way; for a Lambda function with
  // neither, the template `amplify add function` writes, rebuilt from
  // backend-config.json (handler, timeout, ENV, REGION, dependsOn
  // variables); null otherwise.
  Value backend_template;
  // Deployed nested model stacks of an AppSync API: model name -> template.
  std::map<std::string, Value> model_stacks;

  // The template the readers of template facts use: the deployed one, else
  // backend_template (approximate), else null.
  const Value& Template() const;
  // The AWS resource type of a logical id in Template(), or "".
  std::string DeployedType(std::string_view logical_id) const;
  // "<category><name>", the nested stack's logical id in the root stack.
  std::string StackLogicalId() const { return category + name; }
};

struct Gen1Project {
  std::filesystem::path root;  // the directory holding amplify/
  std::string project_name;    // from .config/project-config.json or root stack
  std::string env_name;        // the current env (amplify-meta / team-provider-info)
  Value provider;              // providers.awscloudformation of amplify-meta.json
  Value cli_json;              // amplify/cli.json, or null
  Value team_provider_info;    // amplify/team-provider-info.json, or null
  // Sorted by (category, name): every consumer sees the same order.
  std::vector<Gen1Resource> resources;
  // Files that were absent or unusable but did not prevent loading.
  std::vector<std::string> warnings;
  // False when amplify/team-provider-info.json or amplify/#current-cloud-backend/
  // is absent: every fact then comes from amplify/backend/.
  bool has_deployed_state = true;
  // Without deployed state: the facts that are approximate or unknown, one
  // sentence each (assess and generate print them). Empty otherwise.
  std::vector<std::string> approximations;
  // amplify/backend/awscloudformation/override.ts (the project-level
  // override of the root stack's roles and deployment bucket), or "".
  std::string project_override;
  // amplify/backend/auth/userPoolGroups/user-pool-group-precedence.json (a
  // list of {groupName, precedence}), or null when absent.
  Value declared_user_pool_groups;

  const Gen1Resource* Find(std::string_view category, std::string_view name) const;
  std::vector<const Gen1Resource*> OfCategory(std::string_view category) const;
  // The deployed value of amplify-meta output `key` of a resource, or "".
  std::string MetaOutput(std::string_view category, std::string_view name,
                         std::string_view key) const;
};

struct LoadOptions {
  // The Gen1 environment (`--env`): overrides the checked-out one; needed
  // when the project names none (no local-env-info.json, no
  // team-provider-info.json, no amplify-meta.json stack name).
  std::string env;
};

// Reads the Gen1 project rooted at `dir` (the folder that contains amplify/).
// Errors: kNotFound when amplify/backend/backend-config.json is missing;
// kInvalidInput when no environment can be found (the message names --env);
// kInvalidInput for malformed JSON (naming the file and offset) or fields of
// the wrong type (naming the field), and for resources written by a CLI older
// than v7 (no cli-inputs.json), with the command that upgrades them.
[[nodiscard]] Result<Gen1Project> LoadGen1Project(const std::filesystem::path& dir,
                                                  const LoadOptions& options = {});

// Reads and parses one JSON file; the error names the file.
[[nodiscard]] Result<Value> ReadJsonFile(const std::filesystem::path& path);
// Reads a whole file; kNotFound when it is absent.
[[nodiscard]] Result<std::string> ReadTextFile(const std::filesystem::path& path);

// The string member `key` of a map, or "" when absent or not a string.
std::string StringField(const Value& map, std::string_view key);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_GEN1_PROJECT_H_
