#include "cloudsim/cfn/stateful.h"

#include <fmt/format.h>

#include <regex>
#include <set>

#include "cloudsim/cfn/template.h"

namespace flightplan::cloudsim::cfn {
namespace {

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && (f->is_string() || f->is_number() || f->is_bool()) ? f->ToText() : std::string();
}

void BindStores(World& world) {
  world.dynamodb.SetAccount(world.config().region, world.config().account_id);
  world.cognito.Bind(world.config().region, world.config().account_id);
}

bool AlreadyExists(const SimError& e) {
  return e.code == "BucketAlreadyOwnedByYou" || e.code == "ResourceInUseException";
}

// ---- S3 ----

Value BucketAttributes(const World& world, const std::string& name) {
  const std::string& region = world.config().region;
  return Value(ValueMap{
      {"Arn", Value("arn:aws:s3:::" + name)},
      {"DomainName", Value(name + ".s3.amazonaws.com")},
      {"DualStackDomainName", Value(name + ".s3.dualstack." + region + ".amazonaws.com")},
      {"RegionalDomainName", Value(name + ".s3." + region + ".amazonaws.com")},
      {"WebsiteURL", Value("http://" + name + ".s3-website-" + region + ".amazonaws.com")}});
}

void ApplyBucketProperties(World& world, const std::string& name, const Value& props) {
  S3Bucket* bucket = world.s3.FindBucket(name);
  if (!bucket) return;
  if (const Value* v = props.Find("VersioningConfiguration")) {
    bucket->versioning = Str(*v, "Status");
  }
}

SimResult<AppliedResource> CreateBucket(ProviderContext& ctx, std::string_view logical_id,
                                        const Value& props) {
  std::string name = Str(props, "BucketName");
  if (name.empty()) name = GeneratedName(ctx.world, ctx.stack, logical_id, 63, true);
  if (!ctx.pinned_physical_id.empty()) name = ctx.pinned_physical_id;
  auto created = ctx.world.s3.CreateBucket(name, ctx.world.Now());
  if (!created && !(AlreadyExists(created.error()) && !ctx.pinned_physical_id.empty())) {
    if (created.error().code == "BucketAlreadyOwnedByYou") {
      return tl::unexpected(Validation(fmt::format("{} already exists", name)));
    }
    return tl::unexpected(Validation(created.error().message));
  }
  ApplyBucketProperties(ctx.world, name, props);
  return AppliedResource{name, BucketAttributes(ctx.world, name), props};
}

// ---- DynamoDB ----

Value CreateTableInput(const std::string& name, const Value& props) {
  ValueMap in;
  in["TableName"] = name;
  for (const char* key :
       {"KeySchema", "AttributeDefinitions", "BillingMode", "ProvisionedThroughput",
        "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "SSESpecification",
        "DeletionProtectionEnabled", "TableClass", "Tags"}) {
    if (const Value* v = props.Find(key)) in[key] = *v;
  }
  if (!in.count("BillingMode") && !in.count("ProvisionedThroughput")) {
    in["BillingMode"] = "PROVISIONED";
    in["ProvisionedThroughput"] =
        Value(ValueMap{{"ReadCapacityUnits", Value(5)}, {"WriteCapacityUnits", Value(5)}});
  }
  if (const Value* s = props.Find("StreamSpecification"); s && s->is_map()) {
    in["StreamSpecification"] = Value(ValueMap{
        {"StreamEnabled", Value(true)}, {"StreamViewType", Value(Str(*s, "StreamViewType"))}});
  }
  // CloudFormation takes "true"/"false" strings too.
  if (auto it = in.find("DeletionProtectionEnabled"); it != in.end() && it->second.is_string()) {
    it->second = Value(it->second.as_string() == "true");
  }
  return Value(std::move(in));
}

Value TableAttributes(const Value& description) {
  ValueMap attrs;
  attrs["Arn"] = Str(description, "TableArn");
  if (const Value* s = description.Find("LatestStreamArn")) attrs["StreamArn"] = *s;
  return Value(std::move(attrs));
}

SimResult<AppliedResource> CreateTable(ProviderContext& ctx, std::string_view logical_id,
                                       const Value& props) {
  std::string name = Str(props, "TableName");
  if (name.empty()) name = GeneratedName(ctx.world, ctx.stack, logical_id, 255, false);
  if (!ctx.pinned_physical_id.empty()) name = ctx.pinned_physical_id;
  if (!ctx.pinned_physical_id.empty() && ctx.world.dynamodb.HasTable(name)) {
    auto d = ctx.world.dynamodb.DescribeTable(name);
    return AppliedResource{name, d ? TableAttributes(*d) : Value(ValueMap{}), props};
  }
  auto d = ctx.world.dynamodb.CreateTable(CreateTableInput(name, props), ctx.world.Now());
  if (!d) {
    if (d.error().code == "ResourceInUseException") {
      return tl::unexpected(Validation(fmt::format("{} already exists", name)));
    }
    return tl::unexpected(Validation(d.error().message));
  }
  return AppliedResource{name, TableAttributes(*d), props};
}

// ---- Amplify's model tables (Custom::AmplifyDynamoDBTable) ----
//
// Amplify Data's table manager is a custom resource whose Lambda creates the
// table; the simulator models what it does instead of running it. Its
// properties are the CreateTable input in lower camel case ("tableName",
// "keySchema", "sseSpecification"); the Gen1-to-Gen2 migration marks a table
// that already exists with "isImported": true (and the type
// Custom::ImportedAmplifyDynamoDBTable): that table is adopted by name, never
// created, changed or deleted.

bool IsAmplifyTableType(std::string_view type) {
  return type == "Custom::AmplifyDynamoDBTable" || type == "Custom::ImportedAmplifyDynamoDBTable";
}

bool IsImportedAmplifyTable(std::string_view type, const Value& props) {
  if (type == "Custom::ImportedAmplifyDynamoDBTable") return true;
  const Value* imported = props.Find("isImported");
  return imported != nullptr && ((imported->is_bool() && imported->as_bool()) ||
                                 (imported->is_string() && imported->as_string() == "true"));
}

}  // namespace

bool ReplacedUnderTheSameName(const StackResource& current, std::string_view type,
                              const Value& properties) {
  return current.type == type && type == "Custom::AmplifyDynamoDBTable" &&
         !IsImportedAmplifyTable(type, properties) &&
         current.physical_id == Str(properties, "tableName");
}

namespace {

// "sseSpecification" -> "SSESpecification", "keySchema" -> "KeySchema",
// recursively: the AWS::DynamoDB::Table shape CreateTableInput reads.
Value UpperCamel(const Value& v) {
  if (v.is_list()) {
    ValueList out;
    for (const Value& e : v.as_list()) out.push_back(UpperCamel(e));
    return Value(std::move(out));
  }
  if (!v.is_map()) return v;
  ValueMap out;
  for (const auto& [key, value] : v.as_map()) {
    std::string k = key;
    if (k.rfind("sse", 0) == 0) {
      k = "SSE" + k.substr(3);
    } else if (!k.empty()) {
      k[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(k[0])));
    }
    out[k] = UpperCamel(value);
  }
  return Value(std::move(out));
}

// Numbers from Number parameters arrive as text.
void NumbersFromText(Value& v) {
  if (v.is_list()) {
    for (Value& e : v.as_list()) NumbersFromText(e);
  } else if (v.is_map()) {
    for (auto& [key, value] : v.as_map()) {
      if ((key == "ReadCapacityUnits" || key == "WriteCapacityUnits") && value.is_string()) {
        try {
          value = Value(static_cast<int64_t>(std::stoll(value.as_string())));
        } catch (const std::exception&) {
        }
      } else {
        NumbersFromText(value);
      }
    }
  }
}

Value AmplifyTableAttributes(const Value& description) {
  ValueMap attrs;
  attrs["TableArn"] = Str(description, "TableArn");
  attrs["TableName"] = Str(description, "TableName");
  if (const Value* s = description.Find("LatestStreamArn")) attrs["TableStreamArn"] = *s;
  return Value(std::move(attrs));
}

SimResult<AppliedResource> CreateAmplifyTable(ProviderContext& ctx, std::string_view logical_id,
                                              std::string_view type, const Value& props) {
  std::string name = Str(props, "tableName");
  if (name.empty()) name = GeneratedName(ctx.world, ctx.stack, logical_id, 255, false);
  if (!ctx.pinned_physical_id.empty()) name = ctx.pinned_physical_id;
  if (!ctx.pinned_physical_id.empty() && ctx.world.dynamodb.HasTable(name)) {
    auto d = ctx.world.dynamodb.DescribeTable(name);
    return AppliedResource{name, d ? AmplifyTableAttributes(*d) : Value(ValueMap{}), props};
  }
  if (IsImportedAmplifyTable(type, props)) {
    auto d = ctx.world.dynamodb.DescribeTable(name);
    if (!d && ctx.seeding) {
      // The Gen1 stack that creates the table is seeded later.
      Value attrs;
      attrs.Set("TableArn",
                Value(fmt::format("arn:aws:dynamodb:{}:{}:table/{}", ctx.world.config().region,
                                  ctx.world.config().account_id, name)));
      attrs.Set("TableName", Value(name));
      return AppliedResource{name, attrs, props};
    }
    if (!d) {
      return tl::unexpected(Validation(fmt::format(
          "CloudFormation did not receive a response from your Custom Resource: the table {} to "
          "import does not exist",
          name)));
    }
    return AppliedResource{name, AmplifyTableAttributes(*d), props};
  }
  Value table = UpperCamel(props);
  table.as_map().erase("ServiceToken");
  if (Str(table, "BillingMode").empty() && !table.Find("ProvisionedThroughput")) {
    table.Set("BillingMode", Value("PAY_PER_REQUEST"));
  }
  if (Str(table, "BillingMode") == "PAY_PER_REQUEST") {
    // On-demand tables and their indexes carry no throughput.
    table.as_map().erase("ProvisionedThroughput");
    if (Value* gsis = table.as_map().count("GlobalSecondaryIndexes")
                          ? &table.as_map().at("GlobalSecondaryIndexes")
                          : nullptr;
        gsis && gsis->is_list()) {
      for (Value& gsi : gsis->as_list()) {
        if (gsi.is_map()) gsi.as_map().erase("ProvisionedThroughput");
      }
    }
  }
  NumbersFromText(table);
  auto d = ctx.world.dynamodb.CreateTable(CreateTableInput(name, table), ctx.world.Now());
  if (!d) {
    if (d.error().code == "ResourceInUseException") {
      return tl::unexpected(Validation(fmt::format("Table {} already exists", name)));
    }
    return tl::unexpected(Validation(d.error().message));
  }
  return AppliedResource{name, AmplifyTableAttributes(*d), props};
}

std::set<std::string> KeyNames(const Value& props) {
  std::set<std::string> out;
  auto add_schema = [&](const Value* schema) {
    if (!schema || !schema->is_list()) return;
    for (const Value& k : schema->as_list()) out.insert(Str(k, "AttributeName"));
  };
  add_schema(props.Find("KeySchema"));
  return out;
}

Value DefinitionOf(const Value& props, const std::string& name) {
  if (const Value* defs = props.Find("AttributeDefinitions"); defs && defs->is_list()) {
    for (const Value& d : defs->as_list()) {
      if (Str(d, "AttributeName") == name) return d;
    }
  }
  return Value();
}

// ---- Cognito ----

Value UserPoolInput(const std::string& name, const Value& props) {
  ValueMap in;
  if (props.is_map()) {
    for (const auto& [k, v] : props.as_map()) {
      if (k == "UserPoolName" || k == "UserPoolTags") continue;
      in[k] = v;
    }
  }
  in["PoolName"] = name;
  if (const Value* tags = props.Find("UserPoolTags")) in["UserPoolTags"] = *tags;
  return Value(std::move(in));
}

Value UserPoolAttributes(const World& world, const std::string& id, const std::string& arn) {
  std::string provider = "cognito-idp." + world.config().region + ".amazonaws.com/" + id;
  return Value(ValueMap{{"Arn", Value(arn)},
                        {"ProviderName", Value(provider)},
                        {"ProviderURL", Value("https://" + provider)},
                        {"UserPoolId", Value(id)}});
}

SimResult<AppliedResource> CreatePool(ProviderContext& ctx, std::string_view logical_id,
                                      const Value& props) {
  std::string name = Str(props, "UserPoolName");
  if (name.empty()) name = std::string(logical_id) + "-" + ctx.world.RandomString(12);
  Value input = UserPoolInput(name, props);
  if (!ctx.pinned_physical_id.empty()) input.Set("Id", Value(ctx.pinned_physical_id));
  auto pool = ctx.world.cognito.CreateUserPool(input, ctx.world.Now());
  if (!pool) return tl::unexpected(Validation(pool.error().message));
  std::string id = Str(*pool, "Id");
  return AppliedResource{id, UserPoolAttributes(ctx.world, id, Str(*pool, "Arn")), props};
}

SimResult<AppliedResource> CreatePoolClient(ProviderContext& ctx, std::string_view logical_id,
                                            const Value& props) {
  Value in = props;
  if (Str(in, "ClientName").empty()) in.Set("ClientName", Value(std::string(logical_id)));
  auto client = ctx.world.cognito.CreateUserPoolClient(in, ctx.world.Now());
  if (!client) return tl::unexpected(Validation(client.error().message));
  std::string id = Str(*client, "ClientId");
  ValueMap attrs{{"ClientId", Value(id)}, {"Name", Value(Str(*client, "ClientName"))}};
  if (const Value* secret = client->Find("ClientSecret")) attrs["ClientSecret"] = *secret;
  return AppliedResource{id, Value(std::move(attrs)), props};
}

SimResult<AppliedResource> CreatePoolGroup(ProviderContext& ctx, std::string_view logical_id,
                                           const Value& props) {
  Value in = props;
  std::string name = Str(props, "GroupName");
  if (name.empty()) {
    name = GeneratedName(ctx.world, ctx.stack, logical_id, 128, false);
    in.Set("GroupName", Value(name));
  }
  auto created = ctx.world.cognito.CreateGroup(in, ctx.world.Now());
  if (!created) return tl::unexpected(Validation(created.error().message));
  return AppliedResource{name, Value(ValueMap{}), props};
}

SimResult<AppliedResource> CreatePoolDomain(ProviderContext& ctx, const Value& props) {
  std::string domain = Str(props, "Domain");
  auto created =
      ctx.world.cognito.CreateUserPoolDomain(Str(props, "UserPoolId"), domain, ctx.world.Now());
  if (!created) return tl::unexpected(Validation(created.error().message));
  return AppliedResource{
      domain, Value(ValueMap{{"CloudFrontDistribution", Value("d111111abcdef8.cloudfront.net")}}),
      props};
}

// ---- Gen1's hosted UI domain (Custom::LambdaCallout) ----

SimError CustomResourceFailed(ProviderContext& ctx, const std::string& why) {
  return Validation(fmt::format(
      "Received response status [FAILED] from custom resource. Message returned: See the "
      "details in CloudWatch Log Stream: [$LATEST]{} (the simulated Lambda: {})",
      ctx.world.RandomString(32, "0123456789abcdef"), why));
}

// The Lambda's createOrUpdateDomain(hostedUIDomainName, userPoolId).
SimResult<void> EnsureHostedUiDomain(ProviderContext& ctx, const Value& props) {
  BindStores(ctx.world);
  std::string pool_id = Str(props, "userPoolId");
  std::string name = Str(props, "hostedUIDomainName");
  auto pool = ctx.world.cognito.DescribeUserPool(pool_id);
  if (!pool) return tl::unexpected(CustomResourceFailed(ctx, pool.error().message));
  std::string current = Str(*pool, "Domain");
  if (current == name) return {};
  if (!name.empty()) {
    Value owner = ctx.world.cognito.DescribeUserPoolDomain(name);
    if (!Str(owner, "UserPoolId").empty()) {
      return tl::unexpected(CustomResourceFailed(ctx, "Domain not available"));
    }
    if (!current.empty()) {
      if (auto r = ctx.world.cognito.DeleteUserPoolDomain(pool_id, current); !r) {
        return tl::unexpected(CustomResourceFailed(ctx, r.error().message));
      }
    }
    if (auto r = ctx.world.cognito.CreateUserPoolDomain(pool_id, name, ctx.world.Now()); !r) {
      return tl::unexpected(CustomResourceFailed(ctx, r.error().message));
    }
    return {};
  }
  if (auto r = ctx.world.cognito.DeleteUserPoolDomain(pool_id, current); !r) {
    return tl::unexpected(CustomResourceFailed(ctx, r.error().message));
  }
  return {};
}

}  // namespace

bool IsHostedUiDomainResource(std::string_view type, const Value& properties) {
  return type == "Custom::LambdaCallout" && properties.is_map() &&
         properties.Find("hostedUIDomainName") != nullptr &&
         properties.Find("userPoolId") != nullptr;
}

SimResult<AppliedResource> CreateHostedUiDomain(ProviderContext& ctx, std::string_view logical_id,
                                                std::string_view type, const Value& properties) {
  if (auto r = EnsureHostedUiDomain(ctx, properties); !r) return tl::unexpected(r.error());
  return UnbackedResource(ctx, logical_id, type, properties);
}

SimResult<AppliedResource> UpdateHostedUiDomain(ProviderContext& ctx, const StackResource& current,
                                                const Value& properties) {
  if (auto r = EnsureHostedUiDomain(ctx, properties); !r) return tl::unexpected(r.error());
  return AppliedResource{current.physical_id, current.attributes, properties};
}

SimResult<void> DeleteHostedUiDomain(ProviderContext& ctx, const StackResource& resource) {
  BindStores(ctx.world);
  auto r = ctx.world.cognito.DeleteUserPoolDomain(Str(resource.properties, "userPoolId"),
                                                  Str(resource.properties, "hostedUIDomainName"));
  if (!r) return tl::unexpected(CustomResourceFailed(ctx, r.error().message));
  return {};
}

bool IsStatefulType(std::string_view type) {
  return type == "AWS::S3::Bucket" || type == "AWS::DynamoDB::Table" ||
         type == "AWS::Cognito::UserPool" || type == "AWS::Cognito::UserPoolClient" ||
         type == "AWS::Cognito::UserPoolGroup" || type == "AWS::Cognito::UserPoolDomain" ||
         IsAmplifyTableType(type);
}

bool TableKeyAttributesChanged(const Value& before, const Value& after) {
  std::set<std::string> keys = KeyNames(before);
  for (const auto& k : KeyNames(after)) keys.insert(k);
  for (const auto& k : keys) {
    if (!(DefinitionOf(before, k) == DefinitionOf(after, k))) return true;
  }
  return false;
}

SimResult<AppliedResource> CreateStatefulResource(ProviderContext& ctx, std::string_view logical_id,
                                                  std::string_view type, const Value& properties) {
  BindStores(ctx.world);
  if (type == "AWS::S3::Bucket") return CreateBucket(ctx, logical_id, properties);
  if (type == "AWS::DynamoDB::Table") return CreateTable(ctx, logical_id, properties);
  if (IsAmplifyTableType(type)) return CreateAmplifyTable(ctx, logical_id, type, properties);
  if (type == "AWS::Cognito::UserPool") return CreatePool(ctx, logical_id, properties);
  if (type == "AWS::Cognito::UserPoolClient") return CreatePoolClient(ctx, logical_id, properties);
  if (type == "AWS::Cognito::UserPoolGroup") return CreatePoolGroup(ctx, logical_id, properties);
  return CreatePoolDomain(ctx, properties);
}

SimResult<AppliedResource> UpdateStatefulResource(ProviderContext& ctx,
                                                  const StackResource& current,
                                                  const Value& properties) {
  BindStores(ctx.world);
  AppliedResource applied{current.physical_id, current.attributes, properties};
  if (current.type == "AWS::S3::Bucket") {
    ApplyBucketProperties(ctx.world, current.physical_id, properties);
  } else if (current.type == "AWS::Cognito::UserPool") {
    Value in = UserPoolInput(Str(properties, "UserPoolName"), properties);
    in.as_map().erase("PoolName");
    for (const char* immutable : {"AliasAttributes", "UsernameAttributes", "Schema"}) {
      in.as_map().erase(immutable);
    }
    in.Set("UserPoolId", Value(current.physical_id));
    if (auto r = ctx.world.cognito.UpdateUserPool(in, ctx.world.Now()); !r) {
      return tl::unexpected(Validation(r.error().message));
    }
  } else if (current.type == "AWS::DynamoDB::Table") {
    // What an in-place table update changes that later reads show: deletion
    // protection (CloudFormation accepts "true"/"false" text too).
    if (DynamoTable* table = ctx.world.dynamodb.FindTable(current.physical_id)) {
      const Value* protection = properties.Find("DeletionProtectionEnabled");
      bool enabled =
          protection != nullptr && ((protection->is_bool() && protection->as_bool()) ||
                                    (protection->is_string() && protection->as_string() == "true"));
      table->description.Set("DeletionProtectionEnabled", enabled);
    }
  } else if (IsAmplifyTableType(current.type) &&
             !IsImportedAmplifyTable(current.type, current.properties)) {
    if (DynamoTable* table = ctx.world.dynamodb.FindTable(current.physical_id)) {
      const Value* protection = properties.Find("deletionProtectionEnabled");
      bool enabled =
          protection != nullptr && ((protection->is_bool() && protection->as_bool()) ||
                                    (protection->is_string() && protection->as_string() == "true"));
      table->description.Set("DeletionProtectionEnabled", enabled);
    }
  } else if (current.type == "AWS::Cognito::UserPoolClient") {
    Value in = properties;
    in.Set("ClientId", Value(current.physical_id));
    if (auto r = ctx.world.cognito.UpdateUserPoolClient(in, ctx.world.Now()); !r) {
      return tl::unexpected(Validation(r.error().message));
    }
  }
  return applied;
}

SimResult<void> DeleteStatefulResource(ProviderContext& ctx, const StackResource& resource) {
  BindStores(ctx.world);
  const std::string& id = resource.physical_id;
  if (resource.type == "AWS::S3::Bucket") {
    auto r = ctx.world.s3.DeleteBucket(id);
    if (!r && r.error().code == "BucketNotEmpty") {
      return tl::unexpected(
          Validation(fmt::format("The bucket you tried to delete is not empty (Service: "
                                 "S3, Status Code: 409, Request ID: {})",
                                 ctx.world.RandomString(16))));
    }
    return {};  // already gone is fine
  }
  if (resource.type == "AWS::DynamoDB::Table") {
    auto r = ctx.world.dynamodb.DeleteTable(id);
    if (!r && r.error().code != "ResourceNotFoundException") {
      return tl::unexpected(Validation(r.error().message));
    }
    return {};
  }
  if (IsAmplifyTableType(resource.type)) {
    // An imported Gen1 table is never deleted: it holds the app's data.
    if (IsImportedAmplifyTable(resource.type, resource.properties)) return {};
    auto r = ctx.world.dynamodb.DeleteTable(id);
    if (!r && r.error().code != "ResourceNotFoundException") {
      return tl::unexpected(Validation(r.error().message));
    }
    return {};
  }
  if (resource.type == "AWS::Cognito::UserPool") {
    auto r = ctx.world.cognito.DeleteUserPool(id);
    if (!r && r.error().code != "ResourceNotFoundException") {
      return tl::unexpected(Validation(r.error().message));
    }
    return {};
  }
  if (resource.type == "AWS::Cognito::UserPoolClient") {
    (void)ctx.world.cognito.DeleteUserPoolClient(Str(resource.properties, "UserPoolId"), id);
    return {};
  }
  if (resource.type == "AWS::Cognito::UserPoolDomain") {
    (void)ctx.world.cognito.DeleteUserPoolDomain(Str(resource.properties, "UserPoolId"), id);
    return {};
  }
  return {};  // groups go with their pool
}

Value ImportedAttributes(const World& world, std::string_view type, std::string_view physical_id) {
  std::string id(physical_id);
  if (type == "AWS::S3::Bucket") return BucketAttributes(world, id);
  if (type == "AWS::DynamoDB::Table") {
    auto d = world.dynamodb.DescribeTable(id);
    return d ? TableAttributes(*d) : Value(ValueMap{});
  }
  if (IsAmplifyTableType(type)) {
    auto d = world.dynamodb.DescribeTable(id);
    return d ? AmplifyTableAttributes(*d) : Value(ValueMap{});
  }
  if (type == "AWS::Cognito::UserPool") {
    auto d = world.cognito.DescribeUserPool(id);
    return UserPoolAttributes(world, id, d ? Str(*d, "Arn") : std::string());
  }
  if (type == "AWS::Cognito::UserPoolClient") return Value(ValueMap{{"ClientId", Value(id)}});
  return Value(ValueMap{});
}

bool PhysicalResourceExists(const World& world, std::string_view type,
                            std::string_view physical_id) {
  if (type == "AWS::S3::Bucket") return world.s3.FindBucket(physical_id) != nullptr;
  if (type == "AWS::DynamoDB::Table" || IsAmplifyTableType(type)) {
    return world.dynamodb.HasTable(physical_id);
  }
  if (type == "AWS::Cognito::UserPool") return world.cognito.HasUserPool(physical_id);
  if (type == "AWS::Cognito::IdentityPool") return world.cognito.HasIdentityPool(physical_id);
  return true;
}

SimResult<std::string> FetchTemplateUrl(const World& world, std::string_view url) {
  static const std::regex kPathStyle(
      R"(https://s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com/([^/]+)/(.+))");
  static const std::regex kVirtualHost(
      R"(https://([^/]+?)\.s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com/(.+))");
  static const std::regex kLoopback(R"(https?://(?:127\.0\.0\.1|localhost)(?::\d+)?/([^/]+)/(.+))");
  std::string text(url);
  std::smatch m;
  std::string bucket, key;
  if (std::regex_match(text, m, kPathStyle)) {
    bucket = m[2];
    key = m[3];
  } else if (std::regex_match(text, m, kVirtualHost)) {
    bucket = m[1];
    key = m[3];
  } else if (std::regex_match(text, m, kLoopback)) {
    bucket = m[1];
    key = m[2];
  } else {
    return tl::unexpected(Validation("TemplateURL must be a supported URL."));
  }
  if (size_t q = key.find('?'); q != std::string::npos) key.resize(q);
  // Percent-decoding.
  std::string decoded;
  for (size_t i = 0; i < key.size(); ++i) {
    if (key[i] == '%' && i + 2 < key.size() &&
        std::isxdigit(static_cast<unsigned char>(key[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(key[i + 2]))) {
      decoded += static_cast<char>(std::stoi(key.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      decoded += key[i];
    }
  }
  auto object = world.s3.GetObject(bucket, decoded);
  if (!object) {
    return tl::unexpected(
        Validation("S3 error: Access Denied\nFor more information check "
                   "http://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html"));
  }
  if ((*object)->data.size() > kMaxTemplateBytes) {
    return tl::unexpected(
        Validation(fmt::format("Template may not exceed {} bytes in size.", kMaxTemplateBytes)));
  }
  return (*object)->data;
}

}  // namespace flightplan::cloudsim::cfn
