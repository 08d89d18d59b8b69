#include <fmt/format.h>

#include <regex>

#include "steps/amplify/gen/generator_state.h"
#include "steps/amplify/gen1_facts.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify::gen {

std::optional<std::string> DependencyRef(const GenState& state, const std::string& param,
                                         bool literal_only) {
  if (param == "env") return TsString(state.project.env_name);
  const Gen1Resource* best = nullptr;
  for (const Gen1Resource& r : state.project.resources) {
    std::string prefix = r.category + r.name;
    if (param.starts_with(prefix) && param.size() > prefix.size() &&
        (!best || prefix.size() > best->StackLogicalId().size())) {
      best = &r;
    }
  }
  if (!best) return std::nullopt;
  std::string attr = param.substr(best->StackLogicalId().size());
  std::string meta = state.project.MetaOutput(best->category, best->name, attr);
  auto literal = [&]() -> std::optional<std::string> {
    if (meta.empty()) return std::nullopt;
    return TsString(meta);
  };
  if (literal_only) return literal();
  const Gen1Resource& r = *best;
  if (&r == state.auth) {
    if (attr == "UserPoolId") return "backend.auth.resources.userPool.userPoolId";
    if (attr == "UserPoolArn") return "backend.auth.resources.userPool.userPoolArn";
    if (attr == "IdentityPoolId") return "backend.auth.resources.cfnResources.cfnIdentityPool.ref";
    if (attr == "AppClientIDWeb") return "backend.auth.resources.userPoolClient.userPoolClientId";
  }
  if (r.service == "Cognito-UserPool-Groups" && attr.ends_with("GroupRole")) {
    std::string group = attr.substr(0, attr.size() - 9);
    return fmt::format("backend.auth.resources.groups[{}].role.roleArn", TsString(group));
  }
  if (&r == state.api) {
    if (attr == "GraphQLAPIIdOutput") return "backend.data.resources.graphqlApi.apiId";
    if (attr == "GraphQLAPIEndpointOutput") return "backend.data.graphqlUrl";
  }
  if (r.category == "storage" && r.service == "S3" && attr == "BucketName") {
    return fmt::format("backend.{}.resources.bucket.bucketName", state.Id(r));
  }
  if (r.category == "storage" && r.service == "DynamoDB") {
    if (attr == "Name") return fmt::format("{}.DynamoDBTable.ref", state.Id(r));
    if (attr == "Arn")
      return fmt::format("Token.asString({}.DynamoDBTable.getAtt('Arn'))", state.Id(r));
    if (attr == "StreamArn")
      return fmt::format("Token.asString({}.DynamoDBTable.getAtt('StreamArn'))", state.Id(r));
  }
  if (r.category == "function" && r.service == "Lambda" && IsNodeFunction(r)) {
    if (attr == "Name") return fmt::format("backend.{}.resources.lambda.functionName", state.Id(r));
    if (attr == "Arn") return fmt::format("backend.{}.resources.lambda.functionArn", state.Id(r));
    if (attr == "LambdaExecutionRole") {
      return fmt::format("backend.{}.resources.lambda.role?.roleName", state.Id(r));
    }
  }
  if (r.category == "function" && r.service == "Lambda") {
    if (attr == "Name") return fmt::format("{}.functionName", state.Id(r));
    if (attr == "Arn") return fmt::format("{}.functionArn", state.Id(r));
  }
  return literal();
}

std::optional<std::string> ModelTableImport(const GenState& state, const Value& v,
                                            bool literal_only) {
  const Value* imp = v.Find("Fn::ImportValue");
  if (!state.api || !imp || v.as_map().size() != 1 || !imp->Find("Fn::Sub")) return std::nullopt;
  static const std::regex kExport(
      R"(\$\{api(\w+)GraphQLAPIIdOutput\}:GetAtt:(\w+)Table:(StreamArn|Name|Arn))");
  std::string sub = StringField(*imp, "Fn::Sub");
  std::smatch m;
  if (!std::regex_match(sub, m, kExport) || m[1].str() != state.api->name) return std::nullopt;
  const std::string model = m[2].str();
  const std::string attr = m[3].str();
  if (literal_only) {
    std::string api_id = state.project.MetaOutput("api", state.api->name, "GraphQLAPIIdOutput");
    if (api_id.empty()) return std::nullopt;
    std::string table = fmt::format("{}-{}-{}", model, api_id, state.project.env_name);
    if (attr == "Name") return TsString(table);
    std::string stack_id = StringField(state.project.provider, "StackId");
    std::string region = StringField(state.project.provider, "Region");
    // arn:aws:cloudformation:<region>:<account>:stack/...
    std::vector<std::string> parts;
    for (size_t start = 0, at = 0; at != std::string::npos; start = at + 1) {
      at = stack_id.find(':', start);
      parts.push_back(stack_id.substr(start, at == std::string::npos ? at : at - start));
    }
    if (attr == "Arn" && parts.size() > 4 && !region.empty()) {
      return TsString(fmt::format("arn:aws:dynamodb:{}:{}:table/{}", region, parts[4], table));
    }
    return std::nullopt;
  }
  std::string table = fmt::format("backend.data.resources.tables[{}]", TsString(model));
  if (attr == "StreamArn") return table + ".tableStreamArn!";
  if (attr == "Name") return table + ".tableName";
  return table + ".tableArn";
}

std::optional<std::string> GroupRoleName(const GenState& state, const Value& v) {
  const Value* join = v.Find("Fn::Join");
  if (!state.auth || !join || v.as_map().size() != 1 || !join->is_list() ||
      join->as_list().size() != 2) {
    return std::nullopt;
  }
  const Value& sep = join->as_list()[0];
  const Value& parts = join->as_list()[1];
  if (!sep.is_string() || sep.as_string() != "-" || !parts.is_list() ||
      parts.as_list().size() != 2 || !parts.as_list()[1].is_string()) {
    return std::nullopt;
  }
  const Value* ref = parts.as_list()[0].Find("Ref");
  const std::string& suffix = parts.as_list()[1].as_string();
  if (!ref || !ref->is_string() || ref->as_string() != "auth" + state.auth->name + "UserPoolId" ||
      !suffix.ends_with("GroupRole") || suffix.size() == 9) {
    return std::nullopt;
  }
  std::string group = suffix.substr(0, suffix.size() - 9);
  return fmt::format("backend.auth.resources.groups[{}].role.roleName", TsString(group));
}

}  // namespace flightplan::amplify::gen
