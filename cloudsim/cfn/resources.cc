#include "cloudsim/cfn/resources.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "cloudsim/cfn/stateful.h"

namespace flightplan::cloudsim::cfn {
namespace {

// CloudFormation generates names of at most 64 characters for the types it
// names itself (an IAM role's limit, and the one the simulator uses for all).
constexpr size_t kMaxGeneratedNameLength = 64;

// The property that names a resource of a type, when it has one.
const std::map<std::string, std::string, std::less<>>& NameProperties() {
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"AWS::S3::Bucket", "BucketName"},
      {"AWS::DynamoDB::Table", "TableName"},
      {"AWS::IAM::Role", "RoleName"},
      {"AWS::IAM::User", "UserName"},
      {"AWS::IAM::Group", "GroupName"},
      {"AWS::IAM::Policy", "PolicyName"},
      {"AWS::IAM::ManagedPolicy", "ManagedPolicyName"},
      {"AWS::IAM::InstanceProfile", "InstanceProfileName"},
      {"AWS::Lambda::Function", "FunctionName"},
      {"AWS::Lambda::LayerVersion", "LayerName"},
      {"AWS::SNS::Topic", "TopicName"},
      {"AWS::SQS::Queue", "QueueName"},
      {"AWS::Logs::LogGroup", "LogGroupName"},
      {"AWS::Events::Rule", "Name"},
      {"AWS::StepFunctions::StateMachine", "StateMachineName"},
      {"AWS::AppSync::DataSource", "Name"},
      {"AWS::Cognito::UserPoolGroup", "GroupName"},
      {"AWS::Cognito::UserPoolDomain", "Domain"},
  };
  return kNames;
}

// Properties whose change replaces the resource.
const std::map<std::string, std::set<std::string>, std::less<>>& ReplacementProperties() {
  static const std::map<std::string, std::set<std::string>, std::less<>> kReplace = {
      {"AWS::S3::Bucket", {"BucketName", "ObjectLockEnabled"}},
      {"AWS::DynamoDB::Table", {"TableName", "KeySchema", "LocalSecondaryIndexes"}},
      {"Custom::AmplifyDynamoDBTable", {"tableName", "keySchema", "localSecondaryIndexes"}},
      {"Custom::ImportedAmplifyDynamoDBTable", {"tableName"}},
      {"AWS::Cognito::UserPool", {"AliasAttributes", "UsernameAttributes", "Schema"}},
      {"AWS::Cognito::UserPoolClient", {"UserPoolId", "GenerateSecret"}},
      {"AWS::Cognito::UserPoolGroup", {"GroupName", "UserPoolId"}},
      {"AWS::Cognito::UserPoolDomain", {"Domain", "UserPoolId"}},
      {"AWS::Cognito::IdentityPool", {}},
      {"AWS::IAM::Role", {"RoleName", "Path", "PermissionsBoundary"}},
      {"AWS::IAM::ManagedPolicy", {"ManagedPolicyName", "Path"}},
      {"AWS::Lambda::Function", {"FunctionName", "PackageType"}},
      {"AWS::Lambda::Permission",
       {"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount"}},
      {"AWS::SNS::Topic", {"TopicName", "FifoTopic"}},
      {"AWS::SQS::Queue", {"QueueName", "FifoQueue"}},
      {"AWS::Logs::LogGroup", {"LogGroupName"}},
      {"AWS::AppSync::DataSource", {"ApiId", "Name"}},
      {"AWS::AppSync::Resolver", {"ApiId", "TypeName", "FieldName"}},
      {"AWS::AppSync::FunctionConfiguration", {"ApiId"}},
      {"AWS::AppSync::ApiKey", {"ApiId"}},
      {"AWS::AppSync::GraphQLSchema", {"ApiId"}},
  };
  return kReplace;
}

// Attributes each well-known type supports (others accept any).
const std::map<std::string, std::set<std::string>, std::less<>>& KnownAttributes() {
  static const std::map<std::string, std::set<std::string>, std::less<>> kAttrs = {
      {"AWS::S3::Bucket",
       {"Arn", "DomainName", "DualStackDomainName", "RegionalDomainName", "WebsiteURL"}},
      {"AWS::DynamoDB::Table", {"Arn", "StreamArn"}},
      {"AWS::IAM::Role", {"Arn", "RoleId"}},
      {"AWS::IAM::User", {"Arn"}},
      {"AWS::IAM::ManagedPolicy", {"PolicyArn"}},
      {"AWS::IAM::Policy", {"Id"}},
      {"AWS::Lambda::Function", {"Arn", "SnapStartResponse"}},
      {"AWS::Lambda::LayerVersion", {"LayerVersionArn"}},
      {"AWS::SNS::Topic", {"TopicArn", "TopicName"}},
      {"AWS::SQS::Queue", {"Arn", "QueueName", "QueueUrl"}},
      {"AWS::Logs::LogGroup", {"Arn"}},
      {"AWS::Cognito::UserPool", {"Arn", "ProviderName", "ProviderURL", "UserPoolId"}},
      {"AWS::Cognito::UserPoolClient", {"ClientId", "ClientSecret", "Name"}},
      {"AWS::Cognito::IdentityPool", {"Id", "Name"}},
      {"AWS::AppSync::GraphQLApi",
       {"ApiId", "Arn", "GraphQLDns", "GraphQLUrl", "RealtimeDns", "RealtimeUrl",
        "GraphQLEndpointArn"}},
      {"AWS::AppSync::ApiKey", {"ApiKey", "ApiKeyId", "Arn"}},
      {"AWS::AppSync::DataSource", {"DataSourceArn", "Name"}},
      {"AWS::AppSync::FunctionConfiguration",
       {"DataSourceName", "FunctionArn", "FunctionId", "Name"}},
      {"AWS::AppSync::Resolver", {"FieldName", "ResolverArn", "TypeName"}},
      {"AWS::StepFunctions::StateMachine", {"Arn", "Name"}},
      {"AWS::Events::Rule", {"Arn"}},
  };
  return kAttrs;
}

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && (f->is_string() || f->is_number()) ? f->ToText() : std::string();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Region(const World& world) { return world.config().region; }
std::string Account(const World& world) { return world.config().account_id; }

// Physical id and attributes of a resource with no real backing store.
AppliedResource GenericCreate(ProviderContext& ctx, std::string_view logical_id,
                              std::string_view type, const Value& props) {
  World& world = ctx.world;
  const std::string region = Region(world);
  const std::string account = Account(world);
  std::string name;
  if (auto it = NameProperties().find(type); it != NameProperties().end()) {
    name = Str(props, it->second);
  }
  if (name.empty()) {
    name = GeneratedName(world, ctx.stack, logical_id, kMaxGeneratedNameLength, false);
  }
  if (!ctx.pinned_physical_id.empty()) name = ctx.pinned_physical_id;
  ValueMap attrs;
  std::string physical = name;
  if (type == "AWS::IAM::Role") {
    attrs["Arn"] = fmt::format("arn:aws:iam::{}:role{}{}", account,
                               Str(props, "Path").empty() ? "/" : Str(props, "Path"), name);
    attrs["RoleId"] = "AROA" + world.RandomString(17);
  } else if (type == "AWS::IAM::User") {
    attrs["Arn"] = fmt::format("arn:aws:iam::{}:user/{}", account, name);
  } else if (type == "AWS::IAM::ManagedPolicy") {
    physical = fmt::format("arn:aws:iam::{}:policy/{}", account, name);
    attrs["PolicyArn"] = physical;
  } else if (type == "AWS::IAM::Policy") {
    attrs["Id"] = name;
  } else if (type == "AWS::Lambda::Function") {
    attrs["Arn"] = fmt::format("arn:aws:lambda:{}:{}:function:{}", region, account, name);
  } else if (type == "AWS::Lambda::LayerVersion") {
    physical = fmt::format("arn:aws:lambda:{}:{}:layer:{}:1", region, account, name);
    attrs["LayerVersionArn"] = physical;
  } else if (type == "AWS::SNS::Topic") {
    physical = fmt::format("arn:aws:sns:{}:{}:{}", region, account, name);
    attrs["TopicArn"] = physical;
    attrs["TopicName"] = name;
  } else if (type == "AWS::SQS::Queue") {
    physical = fmt::format("https://sqs.{}.amazonaws.com/{}/{}", region, account, name);
    attrs["Arn"] = fmt::format("arn:aws:sqs:{}:{}:{}", region, account, name);
    attrs["QueueName"] = name;
    attrs["QueueUrl"] = physical;
  } else if (type == "AWS::Logs::LogGroup") {
    attrs["Arn"] = fmt::format("arn:aws:logs:{}:{}:log-group:{}:*", region, account, name);
  } else if (type == "AWS::StepFunctions::StateMachine") {
    physical = fmt::format("arn:aws:states:{}:{}:stateMachine:{}", region, account, name);
    attrs["Arn"] = physical;
    attrs["Name"] = name;
  } else if (type == "AWS::Events::Rule") {
    attrs["Arn"] = fmt::format("arn:aws:events:{}:{}:rule/{}", region, account, name);
  } else if (type == "AWS::Cognito::IdentityPool") {
    physical =
        ctx.pinned_physical_id.empty() ? region + ":" + world.NewUuid() : ctx.pinned_physical_id;
    attrs["Id"] = physical;
    attrs["Name"] =
        Str(props, "IdentityPoolName").empty() ? logical_id : Str(props, "IdentityPoolName");
    Value pool = props;
    pool.Set("IdentityPoolId", physical);
    pool.Set("IdentityPoolName", attrs["Name"]);
    if (pool.Find("AllowUnauthenticatedIdentities") == nullptr) {
      pool.Set("AllowUnauthenticatedIdentities", false);
    }
    world.cognito.PutIdentityPool(std::move(pool));
  } else if (type == "AWS::AppSync::GraphQLApi") {
    std::string api_id = Lower(world.RandomString(26, "abcdefghijklmnopqrstuvwxyz234567"));
    if (!ctx.pinned_physical_id.empty()) {
      std::string pinned = ctx.pinned_physical_id;
      api_id = pinned.substr(pinned.rfind('/') + 1);
    }
    physical = fmt::format("arn:aws:appsync:{}:{}:apis/{}", region, account, api_id);
    std::string host = Lower(world.RandomString(26, "abcdefghijklmnopqrstuvwxyz234567"));
    attrs["ApiId"] = api_id;
    attrs["Arn"] = physical;
    attrs["GraphQLDns"] = host + ".appsync-api." + region + ".amazonaws.com";
    attrs["GraphQLUrl"] = "https://" + host + ".appsync-api." + region + ".amazonaws.com/graphql";
    attrs["RealtimeDns"] = host + ".appsync-realtime-api." + region + ".amazonaws.com";
    attrs["RealtimeUrl"] =
        "wss://" + host + ".appsync-realtime-api." + region + ".amazonaws.com/graphql";
    attrs["GraphQLEndpointArn"] = physical;
  } else if (type.rfind("AWS::AppSync::", 0) == 0) {
    std::string api_id = Str(props, "ApiId");
    std::string api_arn = fmt::format("arn:aws:appsync:{}:{}:apis/{}", region, account, api_id);
    if (type == "AWS::AppSync::DataSource") {
      physical = api_arn + "/datasources/" + name;
      attrs["DataSourceArn"] = physical;
      attrs["Name"] = name;
    } else if (type == "AWS::AppSync::Resolver") {
      physical =
          api_arn + "/types/" + Str(props, "TypeName") + "/resolvers/" + Str(props, "FieldName");
      attrs["ResolverArn"] = physical;
      attrs["TypeName"] = Str(props, "TypeName");
      attrs["FieldName"] = Str(props, "FieldName");
    } else if (type == "AWS::AppSync::FunctionConfiguration") {
      std::string id = Lower(world.RandomString(26, "abcdefghijklmnopqrstuvwxyz234567"));
      physical = api_arn + "/functions/" + id;
      attrs["FunctionArn"] = physical;
      attrs["FunctionId"] = id;
      attrs["Name"] = Str(props, "Name");
      attrs["DataSourceName"] = Str(props, "DataSourceName");
    } else if (type == "AWS::AppSync::ApiKey") {
      std::string key = "da2-" + Lower(world.RandomString(26, "abcdefghijklmnopqrstuvwxyz234567"));
      physical = api_arn + "/apikeys/" + key;
      attrs["ApiKey"] = key;
      attrs["ApiKeyId"] = key;
      attrs["Arn"] = physical;
    } else {
      physical = api_arn + "/" + name;
    }
  }
  if (!ctx.pinned_physical_id.empty()) physical = ctx.pinned_physical_id;
  return {physical, Value(std::move(attrs)), props};
}

bool IsCustom(std::string_view type) {
  return type.rfind("Custom::", 0) == 0 || type == "AWS::CloudFormation::CustomResource";
}

}  // namespace

std::string GeneratedName(World& world, const Stack& stack, std::string_view logical_id,
                          size_t max_len, bool lower_case) {
  std::string suffix = world.RandomString(12);
  std::string stack_part = stack.name;
  std::string logical_part(logical_id);
  size_t budget = max_len > suffix.size() + 2 ? max_len - suffix.size() - 2 : 0;
  while (stack_part.size() + logical_part.size() > budget) {
    if (stack_part.size() >= logical_part.size() && !stack_part.empty()) {
      stack_part.pop_back();
    } else if (!logical_part.empty()) {
      logical_part.pop_back();
    } else {
      break;
    }
  }
  std::string name = stack_part + "-" + logical_part + "-" + suffix;
  return lower_case ? Lower(name) : name;
}

AppliedResource UnbackedResource(ProviderContext& ctx, std::string_view logical_id,
                                 std::string_view type, const Value& properties) {
  return GenericCreate(ctx, logical_id, type, properties);
}

bool IsIamType(std::string_view type) {
  static const std::set<std::string, std::less<>> kIam = {
      "AWS::IAM::Role",          "AWS::IAM::Policy",
      "AWS::IAM::ManagedPolicy", "AWS::IAM::User",
      "AWS::IAM::Group",         "AWS::IAM::InstanceProfile",
      "AWS::IAM::AccessKey",     "AWS::IAM::UserToGroupAddition"};
  return kIam.count(type) > 0;
}

bool IsNamedIam(std::string_view type, const Value& properties) {
  if (!IsIamType(type)) return false;
  for (std::string_view p :
       {"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"}) {
    if (properties.Find(p)) return true;
  }
  return false;
}

std::vector<std::string> ChangedProperties(const Value& before, const Value& after) {
  std::set<std::string> keys;
  if (before.is_map())
    for (const auto& [k, v] : before.as_map()) keys.insert(k);
  if (after.is_map())
    for (const auto& [k, v] : after.as_map()) keys.insert(k);
  std::vector<std::string> changed;
  for (const auto& k : keys) {
    const Value* a = before.Find(k);
    const Value* b = after.Find(k);
    if (!a || !b || !(*a == *b)) changed.push_back(k);
  }
  return changed;
}

bool PropertyRequiresReplacement(std::string_view type, std::string_view name) {
  auto it = ReplacementProperties().find(type);
  return it != ReplacementProperties().end() && it->second.count(std::string(name)) > 0;
}

bool RequiresReplacement(std::string_view type, const Value& before, const Value& after) {
  for (const auto& p : ChangedProperties(before, after)) {
    if (PropertyRequiresReplacement(type, p)) return true;
  }
  if (type == "AWS::DynamoDB::Table") return TableKeyAttributesChanged(before, after);
  return false;
}

SimResult<AppliedResource> CreateResource(ProviderContext& ctx, std::string_view logical_id,
                                          std::string_view type, const Value& properties) {
  if (type == "AWS::CloudFormation::Stack") {
    if (!ctx.nested) {
      return tl::unexpected(Validation("nested stacks cannot be created here"));
    }
    auto child = ctx.nested->CreateNestedStack(ctx.stack, logical_id, properties);
    if (!child) return tl::unexpected(child.error());
    return AppliedResource{*child, Value(ValueMap{}), properties};
  }
  if (IsStatefulType(type)) {
    return CreateStatefulResource(ctx, logical_id, type, properties);
  }
  if (IsHostedUiDomainResource(type, properties)) {
    return CreateHostedUiDomain(ctx, logical_id, type, properties);
  }
  return GenericCreate(ctx, logical_id, type, properties);
}

SimResult<AppliedResource> UpdateResource(ProviderContext& ctx, const StackResource& current,
                                          const Value& properties) {
  if (current.type == "AWS::CloudFormation::Stack") {
    if (!ctx.nested) return tl::unexpected(Validation("nested stacks cannot be updated here"));
    if (auto r = ctx.nested->UpdateNestedStack(current.physical_id, properties); !r) {
      return tl::unexpected(r.error());
    }
    return AppliedResource{current.physical_id, current.attributes, properties};
  }
  if (IsStatefulType(current.type)) {
    return UpdateStatefulResource(ctx, current, properties);
  }
  if (IsHostedUiDomainResource(current.type, properties)) {
    return UpdateHostedUiDomain(ctx, current, properties);
  }
  Value attributes = current.attributes;
  return AppliedResource{current.physical_id, attributes, properties};
}

SimResult<void> DeleteResource(ProviderContext& ctx, const StackResource& resource) {
  if (resource.physical_id.empty()) return {};
  if (resource.type == "AWS::CloudFormation::Stack") {
    if (!ctx.nested) return {};
    return ctx.nested->DeleteNestedStack(resource.physical_id);
  }
  if (IsStatefulType(resource.type)) return DeleteStatefulResource(ctx, resource);
  if (IsHostedUiDomainResource(resource.type, resource.properties)) {
    return DeleteHostedUiDomain(ctx, resource);
  }
  if (resource.type == "AWS::Cognito::IdentityPool") {
    (void)ctx.world.cognito.DeleteIdentityPool(resource.physical_id);
  }
  return {};
}

SimResult<Value> ResourceAttribute(const World& world, const StackResource& resource,
                                   std::string_view attribute) {
  if (resource.type == "AWS::CloudFormation::Stack") {
    if (attribute.rfind("Outputs.", 0) == 0) {
      std::string key(attribute.substr(8));
      const Stack* child = world.cloudformation.Find(resource.physical_id);
      if (child) {
        for (const auto& o : child->outputs) {
          if (o.key == key) return Value(o.value);
        }
      }
      return tl::unexpected(
          Validation(fmt::format("Template error: resource {} does not support "
                                 "attribute type {} in Fn::GetAtt",
                                 resource.logical_id, attribute)));
    }
  }
  if (const Value* v = resource.attributes.Find(attribute)) return *v;
  auto known = KnownAttributes().find(resource.type);
  bool generic = known == KnownAttributes().end() && !IsStatefulType(resource.type) &&
                 resource.type != "AWS::CloudFormation::Stack";
  if (generic || IsCustom(resource.type)) {
    // Types without a model answer any attribute plausibly.
    if (attribute.size() >= 3 && attribute.substr(attribute.size() - 3) == "Arn") {
      std::string service = "unknown";
      std::string_view t = resource.type;
      if (size_t a = t.find("::"); a != std::string_view::npos) {
        size_t b = t.find("::", a + 2);
        service = Lower(std::string(t.substr(a + 2, b == std::string_view::npos ? b : b - a - 2)));
      }
      if (resource.physical_id.rfind("arn:", 0) == 0) return Value(resource.physical_id);
      return Value(fmt::format("arn:aws:{}:{}:{}:{}", service, world.config().region,
                               world.config().account_id, resource.physical_id));
    }
    return Value(resource.physical_id);
  }
  return tl::unexpected(
      Validation(fmt::format("Template error: resource {} does not support "
                             "attribute type {} in Fn::GetAtt",
                             resource.logical_id, attribute)));
}

}  // namespace flightplan::cloudsim::cfn
