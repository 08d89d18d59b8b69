// The api category's GraphQL API: defineData with the Gen1 schema
// (amplify/data/resource.ts), adopting the Gen1 model tables by name.
#include <fmt/format.h>

#include "steps/amplify/gen/generator_state.h"
#include "steps/amplify/gen1_facts.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify::gen {
namespace {

std::string AuthModeName(std::string_view gen1) {
  if (gen1 == "API_KEY") return "apiKey";
  if (gen1 == "AMAZON_COGNITO_USER_POOLS") return "userPool";
  if (gen1 == "AWS_IAM") return "iam";
  if (gen1 == "OPENID_CONNECT") return "oidc";
  if (gen1 == "AWS_LAMBDA") return "lambda";
  return "";
}

std::string DataResource(const GenState& state) {
  std::string schema = state.api->graphql_schema;
  // @function(name: "x-${env}"): a Gen1 function of this project becomes
  // the Gen2 function "x"; any other keeps calling the deployed Gen1 one.
  std::string fn_imports;
  std::string fn_map;
  for (const std::string& name : SchemaFunctionNames(schema)) {
    const Gen1Resource* fn = state.project.Find("function", name);
    std::string from = fmt::format("\"{}-${{env}}\"", name);
    std::string to =
        fn ? fmt::format("\"{}\"", name) : fmt::format("\"{}-{}\"", name, state.project.env_name);
    for (size_t at = schema.find(from); at != std::string::npos; at = schema.find(from, at)) {
      schema.replace(at, from.size(), to);
      at += to.size();
    }
    if (fn && IsNodeFunction(*fn)) {
      fn_imports +=
          fmt::format("import {{ {} }} from '../functions/{}/resource';\n", state.Id(*fn), name);
      fn_map += fmt::format("    {}: {},\n", TsKey(name), state.Id(*fn));
    }
  }
  std::string modes;
  const Value* auth_config = nullptr;
  if (const Value* output = state.api->config.Find("output"))
    auth_config = output->Find("authConfig");
  if (auth_config) {
    const Value* def = auth_config->Find("defaultAuthentication");
    std::string default_mode = def ? AuthModeName(StringField(*def, "authenticationType")) : "";
    std::vector<const Value*> all;
    if (def) all.push_back(def);
    if (const Value* extra = auth_config->Find("additionalAuthenticationProviders");
        extra && extra->is_list()) {
      for (const Value& e : extra->as_list()) all.push_back(&e);
    }
    if (!default_mode.empty()) {
      modes += fmt::format("    defaultAuthorizationMode: {},\n", TsString(default_mode));
    }
    for (const Value* m : all) {
      if (StringField(*m, "authenticationType") != "API_KEY") continue;
      int64_t days = 7;
      if (const Value* key = m->Find("apiKeyConfig")) {
        if (const Value* d = key->Find("apiKeyExpirationDays"); d && d->is_int())
          days = d->as_int();
      }
      modes += fmt::format("    apiKeyAuthorizationMode: {{ expiresInDays: {} }},\n", days);
    }
    // A Lambda authorizer that is a function of this project.
    for (const Value* m : all) {
      const Gen1Resource* fn = LambdaAuthorizer(state.project, *m);
      if (!fn) continue;
      std::string ttl;
      if (const Value* config = m->Find("lambdaAuthorizerConfig")) {
        const Value* t = config->Find("ttlSeconds");
        std::string text = t && (t->is_string() || t->is_number()) ? t->ToText() : "";
        if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
          ttl = fmt::format("      timeToLiveInSeconds: {},\n", text);
        }
      }
      if (fn_imports.find(fmt::format("{{ {} }}", state.Id(*fn))) == std::string::npos) {
        fn_imports += fmt::format("import {{ {} }} from '../functions/{}/resource';\n",
                                  state.Id(*fn), fn->name);
      }
      modes += fmt::format("    lambdaAuthorizationMode: {{\n      function: {},\n{}    }},\n",
                           state.Id(*fn), ttl);
      break;
    }
  }
  std::string mapping;
  std::string api_id = state.project.MetaOutput("api", state.api->name, "GraphQLAPIIdOutput");
  for (const std::string& model : SchemaModels(state.api->graphql_schema)) {
    if (api_id.empty()) break;
    mapping +=
        fmt::format("        {}: {},\n", TsKey(model),
                    TsString(fmt::format("{}-{}-{}", model, api_id, state.project.env_name)));
  }
  std::string body = "  schema,\n";
  body += fmt::format("  name: {},\n", TsString(state.api->name));
  if (!modes.empty()) body += "  authorizationModes: {\n" + modes + "  },\n";
  if (!fn_map.empty()) body += "  functions: {\n" + fn_map + "  },\n";
  if (!mapping.empty()) {
    body += fmt::format(
        "  // The Gen1 model tables stay where they are: Gen2 adopts them by name.\n"
        "  migratedAmplifyGen1DynamoDbTableMappings: [\n    {{\n"
        "      branchName: {},\n      modelNameToTableNameMapping: {{\n{}      }},\n"
        "    }},\n  ],\n",
        TsString(state.branch), mapping);
  }
  return fmt::format(
      "import {{ defineData }} from '@aws-amplify/backend';\n{}\n"
      "// The Gen1 GraphQL schema of API {}, unchanged but for @function names.\n"
      "const schema = /* GraphQL */ {};\n\n"
      "export const data = defineData({{\n{}}});\n",
      fn_imports, state.api->name, TsTemplateString(schema), body);
}

bool ClaimsGraphQlApi(const Gen1Resource& resource) {
  return resource.category == "api" && resource.service == "AppSync";
}

void WriteDataFiles(GenState& state) {
  if (state.api) state.files["amplify/data/resource.ts"] = DataResource(state);
}

void WriteDataBackend(GenState& state, BackendTs& backend) {
  if (!state.api) return;
  backend.imports += "import { data } from './data/resource';\n";
  backend.members.push_back("data");
  backend.body += OverrideSection(state, *state.api, {});
}

}  // namespace

const CategoryWriter kDataWriter = {.name = "data",
                                    .claims = ClaimsGraphQlApi,
                                    .write_files = WriteDataFiles,
                                    .write_backend = WriteDataBackend};

}  // namespace flightplan::amplify::gen
