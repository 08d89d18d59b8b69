#include "steps/amplify/gen/generator_state.h"

#include <charconv>
#include <system_error>

#include "steps/amplify/gen1_facts.h"

namespace flightplan::amplify::gen {

GenState::GenState(const Gen1Project& gen1_project, const GenerateOptions& generate_options)
    : project(gen1_project),
      options(generate_options),
      branch(generate_options.branch_name.empty() ? gen1_project.env_name
                                                  : generate_options.branch_name),
      auth(MainAuth(gen1_project)),
      api(GraphQlApi(gen1_project)),
      plan(PlanMigration(gen1_project)) {}

const std::string& GenState::Id(const Gen1Resource& r) const {
  return ids.at(r.category + "/" + r.name);
}

std::string GenState::GroupOf(const std::string& function) const {
  auto it = groups.find(function);
  return it == groups.end() ? "" : it->second;
}

const ResourcePlan& GenState::PlanFor(const Gen1Resource& r) const {
  for (const ResourcePlan& p : plan.resources) {
    if (p.resource == &r) return p;
  }
  static const ResourcePlan kEmpty;
  return kEmpty;
}

const std::map<std::string, std::string, std::less<>>& NameProperties() {
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"AWS::DynamoDB::Table", "TableName"},
      {"AWS::S3::Bucket", "BucketName"},
      {"AWS::Kinesis::Stream", "Name"},
      {"AWS::IAM::Role", "RoleName"},
      {"AWS::Lambda::Function", "FunctionName"},
      {"AWS::Cognito::UserPool", "UserPoolName"},
      {"AWS::Cognito::IdentityPool", "IdentityPoolName"},
      {"AWS::SNS::Topic", "TopicName"},
      {"AWS::SQS::Queue", "QueueName"},
      {"AWS::Events::Rule", "Name"},
  };
  return kNames;
}

const Value* Props(const Value& resource) { return resource.Find("Properties"); }

std::optional<int> SmallNumber(const std::string& s) {
  int n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

const Value* DeployedResource(const Gen1Resource& r, std::string_view logical_id) {
  const Value* res = r.Template().Find("Resources");
  return res ? res->Find(logical_id) : nullptr;
}

std::string ListOf(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

std::vector<std::string> Strings(const Value* v) {
  std::vector<std::string> out;
  if (v && v->is_list()) {
    for (const Value& item : v->as_list()) {
      if (item.is_string()) out.push_back(item.as_string());
    }
  }
  return out;
}

}  // namespace flightplan::amplify::gen
