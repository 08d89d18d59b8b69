#include "cloudsim/stores/cognito_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "cloudsim/stores/records.h"
#include "cloudsim/values.h"

namespace flightplan::cloudsim {
namespace {

constexpr std::string_view kLowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

SimError NotFound(std::string message) {
  return {400, "ResourceNotFoundException", std::move(message)};
}
SimError InvalidParameter(std::string message) {
  return {400, "InvalidParameterException", std::move(message)};
}

constexpr MissingRecord kNoClient{400, "ResourceNotFoundException",
                                  "User pool client {} does not exist."};
constexpr MissingRecord kNoUser{400, "UserNotFoundException", "User does not exist."};
constexpr MissingRecord kNoGroup{400, "ResourceNotFoundException", "Group not found."};
constexpr MissingRecord kNoProvider{400, "ResourceNotFoundException",
                                    "Identity provider {} does not exist."};

// Pool settings UpdateUserPool may replace and CreateUserPool copies as given.
constexpr std::string_view kPoolSettings[] = {"Policies",
                                              "DeletionProtection",
                                              "LambdaConfig",
                                              "AutoVerifiedAttributes",
                                              "AliasAttributes",
                                              "UsernameAttributes",
                                              "SmsVerificationMessage",
                                              "EmailVerificationMessage",
                                              "EmailVerificationSubject",
                                              "VerificationMessageTemplate",
                                              "SmsAuthenticationMessage",
                                              "UserAttributeUpdateSettings",
                                              "MfaConfiguration",
                                              "DeviceConfiguration",
                                              "EmailConfiguration",
                                              "SmsConfiguration",
                                              "UserPoolTags",
                                              "AdminCreateUserConfig",
                                              "UserPoolAddOns",
                                              "UsernameConfiguration",
                                              "AccountRecoverySetting",
                                              "UserPoolTier"};

// Client settings CreateUserPoolClient/UpdateUserPoolClient copy as given.
constexpr std::string_view kClientSettings[] = {
    "RefreshTokenValidity",   "AccessTokenValidity",
    "IdTokenValidity",        "TokenValidityUnits",
    "ReadAttributes",         "WriteAttributes",
    "ExplicitAuthFlows",      "SupportedIdentityProviders",
    "CallbackURLs",           "LogoutURLs",
    "DefaultRedirectURI",     "AllowedOAuthFlows",
    "AllowedOAuthScopes",     "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration", "PreventUserExistenceErrors",
    "EnableTokenRevocation",  "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",    "ClientName"};

Value AttributeList(const Value& attributes) {
  ValueList out;
  if (!attributes.is_list()) return Value(std::move(out));
  for (const Value& a : attributes.as_list()) {
    ValueMap entry;
    entry["Name"] = StringMember(a, "Name");
    entry["Value"] = StringMember(a, "Value");
    out.push_back(Value(std::move(entry)));
  }
  return Value(std::move(out));
}

}  // namespace

void CognitoStore::Bind(std::string region, std::string account_id) {
  region_ = std::move(region);
  account_id_ = std::move(account_id);
}

std::string CognitoStore::Random(size_t length, std::string_view alphabet) {
  std::mt19937_64 rng(0xC0617011ULL ^ (++ids_issued_ * 0x9E3779B97F4A7C15ULL));
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (size_t i = 0; i < length; ++i) out.push_back(alphabet[pick(rng)]);
  return out;
}

CognitoStore::Pool* CognitoStore::FindPool(std::string_view id) {
  auto it = pools_.find(id);
  return it == pools_.end() ? nullptr : &it->second;
}
const CognitoStore::Pool* CognitoStore::FindPool(std::string_view id) const {
  auto it = pools_.find(id);
  return it == pools_.end() ? nullptr : &it->second;
}
SimResult<CognitoStore::Pool*> CognitoStore::RequirePool(std::string_view id) {
  if (Pool* p = FindPool(id)) return p;
  return tl::unexpected(NotFound(fmt::format("User pool {} does not exist.", id)));
}
SimResult<const CognitoStore::Pool*> CognitoStore::RequirePool(std::string_view id) const {
  if (const Pool* p = FindPool(id)) return p;
  return tl::unexpected(NotFound(fmt::format("User pool {} does not exist.", id)));
}

SimResult<Value> CognitoStore::CreateUserPool(const Value& input, Timestamp now) {
  std::string name = StringMember(input, "PoolName");
  if (name.empty() || name.size() > 128) {
    return tl::unexpected(
        InvalidParameter("1 validation error detected: Value at 'poolName' failed to satisfy "
                         "constraint: Member must have length between 1 and 128"));
  }
  std::string dp = StringMember(input, "DeletionProtection");
  if (!dp.empty() && dp != "ACTIVE" && dp != "INACTIVE") {
    return tl::unexpected(
        InvalidParameter("DeletionProtection must be ACTIVE or INACTIVE, not '" + dp + "'"));
  }
  // "Id" pins the pool id (seeding a fixture's deployed pool); the wire
  // operation never passes it.
  std::string id = StringMember(input, "Id");
  if (!id.empty()) {
    if (id.rfind(region_ + "_", 0) != 0 || pools_.count(id)) {
      return tl::unexpected(InvalidParameter("cannot pin user pool id '" + id +
                                             "': it must start with '" + region_ +
                                             "_' and not exist yet"));
    }
  } else {
    do {
      id = region_ + "_" + Random(9, kAlnum);
    } while (pools_.count(id));
  }
  Pool pool;
  ValueMap p;
  p["Id"] = id;
  p["Name"] = name;
  p["Arn"] = fmt::format("arn:aws:cognito-idp:{}:{}:userpool/{}", region_, account_id_, id);
  p["CreationDate"] = EpochSeconds(now);
  p["LastModifiedDate"] = EpochSeconds(now);
  p["DeletionProtection"] = "INACTIVE";
  p["MfaConfiguration"] = "OFF";
  p["LambdaConfig"] = Value(ValueMap{});
  CopyIfPresent(input, p, kPoolSettings);
  ValueList schema;
  ValueMap sub;
  sub["Name"] = "sub";
  sub["AttributeDataType"] = "String";
  sub["DeveloperOnlyAttribute"] = false;
  sub["Mutable"] = false;
  sub["Required"] = true;
  sub["StringAttributeConstraints"] =
      Value(ValueMap{{"MinLength", Value("1")}, {"MaxLength", Value("2048")}});
  schema.push_back(Value(std::move(sub)));
  if (const Value* s = input.Find("Schema"); s && s->is_list()) {
    for (const Value& attr : s->as_list()) {
      Value a = attr;
      std::string attr_name = StringMember(a, "Name");
      if (attr_name.empty()) {
        return tl::unexpected(InvalidParameter("Every schema attribute needs a Name."));
      }
      static constexpr std::string_view kStandard[] = {"address",
                                                       "birthdate",
                                                       "email",
                                                       "email_verified",
                                                       "family_name",
                                                       "gender",
                                                       "given_name",
                                                       "locale",
                                                       "middle_name",
                                                       "name",
                                                       "nickname",
                                                       "phone_number",
                                                       "phone_number_verified",
                                                       "picture",
                                                       "preferred_username",
                                                       "profile",
                                                       "updated_at",
                                                       "website",
                                                       "zoneinfo"};
      bool standard =
          std::find(std::begin(kStandard), std::end(kStandard), attr_name) != std::end(kStandard);
      if (!standard && attr_name.rfind("custom:", 0) != 0) {
        a.Set("Name", "custom:" + attr_name);
      }
      if (!a.Find("AttributeDataType")) a.Set("AttributeDataType", "String");
      schema.push_back(std::move(a));
    }
  }
  p["SchemaAttributes"] = Value(std::move(schema));
  pool.pool = Value(std::move(p));
  ValueMap mfa;
  mfa["MfaConfiguration"] = StringMember(pool.pool, "MfaConfiguration");
  pool.mfa = Value(std::move(mfa));
  pool.order = next_order_++;
  pools_[id] = std::move(pool);
  return DescribeUserPool(id);
}

SimResult<void> CognitoStore::DeleteUserPool(std::string_view pool_id) {
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  if (StringMember((*pool)->pool, "DeletionProtection") == "ACTIVE") {
    return tl::unexpected(
        InvalidParameter("The user pool cannot be deleted because deletion protection is "
                         "activated. Deletion protection must be inactivated first."));
  }
  for (auto it = domains_.begin(); it != domains_.end();) {
    it = it->second == pool_id ? domains_.erase(it) : std::next(it);
  }
  pools_.erase(pools_.find(pool_id));
  return {};
}

bool CognitoStore::HasUserPool(std::string_view pool_id) const {
  return FindPool(pool_id) != nullptr;
}

SimResult<Value> CognitoStore::DescribeUserPool(std::string_view pool_id) const {
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  Value out = (*pool)->pool;
  out.Set("EstimatedNumberOfUsers", static_cast<int64_t>((*pool)->users.size()));
  for (const auto& [domain, owner] : domains_) {
    if (owner == pool_id) out.Set("Domain", domain);
  }
  return out;
}

std::vector<std::string> CognitoStore::PoolIds() const {
  std::vector<std::pair<int64_t, std::string>> ordered;
  for (const auto& [id, pool] : pools_) ordered.emplace_back(pool.order, id);
  std::sort(ordered.begin(), ordered.end());
  std::vector<std::string> out;
  for (auto& [order, id] : ordered) out.push_back(std::move(id));
  return out;
}

SimResult<void> CognitoStore::UpdateUserPool(const Value& input, Timestamp now) {
  auto pool = RequirePool(StringMember(input, "UserPoolId"));
  if (!pool) return tl::unexpected(pool.error());
  std::string dp = StringMember(input, "DeletionProtection");
  if (!dp.empty() && dp != "ACTIVE" && dp != "INACTIVE") {
    return tl::unexpected(
        InvalidParameter("DeletionProtection must be ACTIVE or INACTIVE, not '" + dp + "'"));
  }
  Value& p = (*pool)->pool;
  for (std::string_view key : kPoolSettings) {
    if (key == "AliasAttributes" || key == "UsernameAttributes") continue;
    if (const Value* v = input.Find(key)) p.Set(std::string(key), *v);
  }
  if (const Value* v = input.Find("MfaConfiguration"); v && v->is_string()) {
    (*pool)->mfa.Set("MfaConfiguration", *v);
  }
  p.Set("LastModifiedDate", EpochSeconds(now));
  return {};
}

SimResult<Value> CognitoStore::CreateUserPoolClient(const Value& input, Timestamp now) {
  std::string pool_id = StringMember(input, "UserPoolId");
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  std::string name = StringMember(input, "ClientName");
  if (name.empty()) {
    return tl::unexpected(
        InvalidParameter("1 validation error detected: Value at 'clientName' failed to "
                         "satisfy constraint: Member must not be null"));
  }
  std::string id;
  do {
    id = Random(26, kLowerAlnum);
  } while ((*pool)->clients.count(id));
  ValueMap c;
  c["UserPoolId"] = pool_id;
  c["ClientId"] = id;
  c["CreationDate"] = EpochSeconds(now);
  c["LastModifiedDate"] = EpochSeconds(now);
  c["RefreshTokenValidity"] = int64_t{30};
  c["AllowedOAuthFlowsUserPoolClient"] = false;
  c["EnableTokenRevocation"] = true;
  c["EnablePropagateAdditionalUserContextData"] = false;
  c["AuthSessionValidity"] = int64_t{3};
  c["TokenValidityUnits"] = Value(ValueMap{});
  CopyIfPresent(input, c, kClientSettings);
  if (const Value* g = input.Find("GenerateSecret"); g && g->is_bool() && g->as_bool()) {
    c["ClientSecret"] = Random(51, kLowerAlnum);
  }
  Value record(std::move(c));
  (*pool)->clients[id] = record;
  return record;
}

SimResult<void> CognitoStore::DeleteUserPoolClient(std::string_view pool_id,
                                                   std::string_view client_id) {
  auto taken = TakeChild(RequirePool(pool_id), &Pool::clients, client_id, kNoClient);
  if (!taken) return tl::unexpected(taken.error());
  return {};
}

SimResult<Value> CognitoStore::DescribeUserPoolClient(std::string_view pool_id,
                                                      std::string_view client_id) const {
  return GetChild(RequirePool(pool_id), &Pool::clients, client_id, kNoClient);
}

SimResult<std::vector<Value>> CognitoStore::ListUserPoolClients(std::string_view pool_id) const {
  return ListChildren(RequirePool(pool_id), &Pool::clients);
}

SimResult<Value> CognitoStore::UpdateUserPoolClient(const Value& input, Timestamp now) {
  auto pool = RequirePool(StringMember(input, "UserPoolId"));
  auto client = FindChild(pool, &Pool::clients, StringMember(input, "ClientId"), kNoClient);
  if (!client) return tl::unexpected(client.error());
  CopyIfPresent(input, **client, kClientSettings);
  (*client)->Set("LastModifiedDate", EpochSeconds(now));
  return **client;
}

SimResult<void> CognitoStore::CreateGroup(const Value& input, Timestamp now) {
  std::string pool_id = StringMember(input, "UserPoolId");
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  std::string name = StringMember(input, "GroupName");
  if (name.empty()) {
    return tl::unexpected(
        InvalidParameter("1 validation error detected: Value at 'groupName' failed to satisfy "
                         "constraint: Member must not be null"));
  }
  if ((*pool)->groups.count(name)) {
    return tl::unexpected(
        SimError{400, "GroupExistsException", "A group with the name already exists."});
  }
  ValueMap g;
  g["GroupName"] = name;
  g["UserPoolId"] = pool_id;
  CopyIfPresent(input, g, {"Description", "RoleArn", "Precedence"});
  g["CreationDate"] = EpochSeconds(now);
  g["LastModifiedDate"] = EpochSeconds(now);
  (*pool)->groups[name] = Value(std::move(g));
  return {};
}

SimResult<void> CognitoStore::CreateUserPoolDomain(std::string_view pool_id,
                                                   const std::string& domain, Timestamp now) {
  (void)now;
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  if (domain.empty() || domain.size() > 63) {
    return tl::unexpected(
        InvalidParameter("1 validation error detected: Value at 'domain' failed to satisfy "
                         "constraint: Member must have length between 1 and 63"));
  }
  if (domains_.count(domain)) {
    // Cognito's answer for a prefix another pool holds (prefixes are unique
    // per Region).
    return tl::unexpected(InvalidParameter("Domain already associated with another user pool."));
  }
  // A user pool holds one prefix domain: a second is refused, whatever its
  // name, until the first is deleted.
  for (const auto& [d, owner] : domains_) {
    if (owner == pool_id) {
      return tl::unexpected(
          InvalidParameter(fmt::format("User pool {} already has a domain configured.", pool_id)));
    }
  }
  domains_[domain] = std::string(pool_id);
  return {};
}

Value CognitoStore::DescribeUserPoolDomain(std::string_view domain) const {
  auto it = domains_.find(domain);
  if (it == domains_.end()) return Value(ValueMap{});
  const Pool* pool = FindPool(it->second);
  ValueMap d;
  d["UserPoolId"] = it->second;
  d["AWSAccountId"] = account_id_;
  d["Domain"] = it->first;
  d["S3Bucket"] = "aws-cognito-prod-" + region_ + "-assets";
  d["CloudFrontDistribution"] = it->first + ".cloudfront.net";
  d["Version"] = "20260101000000";
  d["Status"] = "ACTIVE";
  (void)pool;
  return Value(std::move(d));
}

SimResult<void> CognitoStore::DeleteUserPoolDomain(std::string_view pool_id,
                                                   std::string_view domain) {
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  auto it = domains_.find(domain);
  if (it == domains_.end() || it->second != pool_id) {
    return tl::unexpected(InvalidParameter(
        fmt::format("No such domain or user pool exists: {} in {}.", domain, pool_id)));
  }
  domains_.erase(it);
  return {};
}

SimResult<void> CognitoStore::AdminCreateUser(std::string_view pool_id, const std::string& username,
                                              const Value& attributes, Timestamp now) {
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  if (username.empty() || username.size() > 128) {
    return tl::unexpected(
        InvalidParameter("1 validation error detected: Value at 'username' failed to satisfy "
                         "constraint: Member must have length between 1 and 128"));
  }
  if ((*pool)->users.count(username)) {
    return tl::unexpected(SimError{400, "UsernameExistsException", "User account already exists"});
  }
  Value attrs = AttributeList(attributes);
  for (const Value& a : attrs.as_list()) {
    std::string name = StringMember(a, "Name");
    if (name.empty()) {
      return tl::unexpected(InvalidParameter("Every user attribute needs a Name."));
    }
    if (name == "sub") {
      return tl::unexpected(InvalidParameter("Cannot modify the non-mutable attribute sub"));
    }
    if (name.rfind("custom:", 0) == 0) {
      bool declared = false;
      const Value* schema = (*pool)->pool.Find("SchemaAttributes");
      for (const Value& declared_attr : schema->as_list()) {
        declared = declared || StringMember(declared_attr, "Name") == name;
      }
      if (!declared) {
        return tl::unexpected(InvalidParameter(
            fmt::format("Attributes did not conform to the schema: {}: Attribute does "
                        "not exist in the schema.",
                        name)));
      }
    }
  }
  ValueList with_sub;
  with_sub.push_back(Value(ValueMap{
      {"Name", Value("sub")},
      {"Value", Value(Random(8, "0123456789abcdef") + "-" + Random(4, "0123456789abcdef") + "-" +
                      Random(4, "0123456789abcdef") + "-" + Random(4, "0123456789abcdef") + "-" +
                      Random(12, "0123456789abcdef"))}}));
  for (const Value& a : attrs.as_list()) with_sub.push_back(a);
  ValueMap u;
  u["Username"] = username;
  u["Attributes"] = Value(std::move(with_sub));
  u["UserCreateDate"] = EpochSeconds(now);
  u["UserLastModifiedDate"] = EpochSeconds(now);
  u["Enabled"] = true;
  u["UserStatus"] = "FORCE_CHANGE_PASSWORD";
  (*pool)->users[username] = Value(std::move(u));
  return {};
}

size_t CognitoStore::UserCount(std::string_view pool_id) const {
  const Pool* pool = FindPool(pool_id);
  return pool ? pool->users.size() : 0;
}

SimResult<Value> CognitoStore::AdminGetUser(std::string_view pool_id,
                                            std::string_view username) const {
  auto user = GetChild(RequirePool(pool_id), &Pool::users, username, kNoUser);
  if (!user) return tl::unexpected(user.error());
  ValueMap out;
  for (const auto& [k, v] : user->as_map()) {
    out[k == "Attributes" ? std::string("UserAttributes") : k] = v;
  }
  return Value(std::move(out));
}

SimResult<void> CognitoStore::AdminDeleteUser(std::string_view pool_id, std::string_view username) {
  auto pool = RequirePool(pool_id);
  auto taken = TakeChild(pool, &Pool::users, username, kNoUser);
  if (!taken) return tl::unexpected(taken.error());
  auto m = (*pool)->memberships.find(username);
  if (m != (*pool)->memberships.end()) (*pool)->memberships.erase(m);
  return {};
}

SimResult<std::vector<Value>> CognitoStore::ListUsers(std::string_view pool_id) const {
  return ListChildren(RequirePool(pool_id), &Pool::users);
}

SimResult<void> CognitoStore::SetUserAttribute(std::string_view pool_id, std::string_view username,
                                               const std::string& name, const std::string& value,
                                               Timestamp now) {
  auto user = FindChild(RequirePool(pool_id), &Pool::users, username, kNoUser);
  if (!user) return tl::unexpected(user.error());
  ValueList& attrs = (*user)->as_map()["Attributes"].as_list();
  bool found = false;
  for (Value& a : attrs) {
    if (StringMember(a, "Name") == name) {
      a.Set("Value", value);
      found = true;
    }
  }
  if (!found) {
    attrs.push_back(Value(ValueMap{{"Name", Value(name)}, {"Value", Value(value)}}));
  }
  (*user)->Set("UserLastModifiedDate", EpochSeconds(now));
  return {};
}

SimResult<Value> CognitoStore::GetGroup(std::string_view pool_id, std::string_view group) const {
  return GetChild(RequirePool(pool_id), &Pool::groups, group, kNoGroup);
}

SimResult<std::vector<Value>> CognitoStore::ListGroups(std::string_view pool_id) const {
  return ListChildren(RequirePool(pool_id), &Pool::groups);
}

SimResult<void> CognitoStore::AdminAddUserToGroup(std::string_view pool_id,
                                                  std::string_view username,
                                                  std::string_view group) {
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  if (!(*pool)->users.count(username)) return tl::unexpected(kNoUser.For(username));
  if (!(*pool)->groups.count(group)) return tl::unexpected(kNoGroup.For(group));
  auto& groups = (*pool)->memberships[std::string(username)];
  if (std::find(groups.begin(), groups.end(), group) == groups.end()) {
    groups.emplace_back(group);
  }
  return {};
}

SimResult<std::vector<Value>> CognitoStore::AdminListGroupsForUser(
    std::string_view pool_id, std::string_view username) const {
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  if (!(*pool)->users.count(username)) return tl::unexpected(kNoUser.For(username));
  std::vector<Value> out;
  auto m = (*pool)->memberships.find(username);
  if (m == (*pool)->memberships.end()) return out;
  for (const std::string& g : m->second) {
    auto it = (*pool)->groups.find(g);
    if (it != (*pool)->groups.end()) out.push_back(it->second);
  }
  return out;
}

SimResult<std::vector<Value>> CognitoStore::ListUsersInGroup(std::string_view pool_id,
                                                             std::string_view group) const {
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  if (!(*pool)->groups.count(group)) return tl::unexpected(kNoGroup.For(group));
  std::vector<Value> out;
  for (const auto& [user, groups] : (*pool)->memberships) {
    if (std::find(groups.begin(), groups.end(), group) == groups.end()) continue;
    auto it = (*pool)->users.find(user);
    if (it != (*pool)->users.end()) out.push_back(it->second);
  }
  return out;
}

SimResult<Value> CognitoStore::GetUserPoolMfaConfig(std::string_view pool_id) const {
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  return (*pool)->mfa;
}

SimResult<Value> CognitoStore::SetUserPoolMfaConfig(const Value& input) {
  auto pool = RequirePool(StringMember(input, "UserPoolId"));
  if (!pool) return tl::unexpected(pool.error());
  std::string mode = StringMember(input, "MfaConfiguration");
  if (!mode.empty() && mode != "OFF" && mode != "ON" && mode != "OPTIONAL") {
    return tl::unexpected(
        InvalidParameter("MfaConfiguration must be OFF, ON or OPTIONAL, not '" + mode + "'"));
  }
  bool any_factor = false;
  for (std::string_view key :
       {"SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration"}) {
    if (const Value* v = input.Find(key)) {
      (*pool)->mfa.Set(std::string(key), *v);
      if (const Value* e = v->Find("Enabled"); !e || !e->is_bool() || e->as_bool()) {
        any_factor = true;
      }
    }
  }
  for (std::string_view key : {"SoftwareTokenMfaConfiguration", "SmsMfaConfiguration"}) {
    const Value* v = (*pool)->mfa.Find(key);
    const Value* e = v ? v->Find("Enabled") : nullptr;
    if (e && e->is_bool() && e->as_bool()) any_factor = true;
  }
  if (mode == "ON" && !any_factor) {
    return tl::unexpected(
        InvalidParameter("At least one MFA method must be enabled to turn MFA ON."));
  }
  if (!mode.empty()) {
    (*pool)->mfa.Set("MfaConfiguration", mode);
    (*pool)->pool.Set("MfaConfiguration", mode);
  }
  return (*pool)->mfa;
}

SimResult<Value> CognitoStore::CreateIdentityProvider(const Value& input, Timestamp now) {
  std::string pool_id = StringMember(input, "UserPoolId");
  auto pool = RequirePool(pool_id);
  if (!pool) return tl::unexpected(pool.error());
  std::string name = StringMember(input, "ProviderName");
  std::string type = StringMember(input, "ProviderType");
  static constexpr std::string_view kTypes[] = {
      "SAML", "Facebook", "Google", "LoginWithAmazon", "SignInWithApple", "OIDC"};
  if (name.empty() || std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
    return tl::unexpected(InvalidParameter(
        fmt::format("ProviderName is required and ProviderType must be one of SAML, "
                    "Facebook, Google, LoginWithAmazon, SignInWithApple, OIDC (got '{}')",
                    type)));
  }
  if ((*pool)->providers.count(name)) {
    return tl::unexpected(
        SimError{400, "DuplicateProviderException",
                 "A provider with the name " + name + " already exists in this user pool."});
  }
  ValueMap p;
  p["UserPoolId"] = pool_id;
  p["ProviderName"] = name;
  p["ProviderType"] = type;
  CopyIfPresent(input, p, {"ProviderDetails", "AttributeMapping", "IdpIdentifiers"});
  p["CreationDate"] = EpochSeconds(now);
  p["LastModifiedDate"] = EpochSeconds(now);
  Value record(std::move(p));
  (*pool)->providers[name] = record;
  return record;
}

SimResult<Value> CognitoStore::DescribeIdentityProvider(std::string_view pool_id,
                                                        std::string_view name) const {
  return GetChild(RequirePool(pool_id), &Pool::providers, name, kNoProvider);
}

SimResult<std::vector<Value>> CognitoStore::ListIdentityProviders(std::string_view pool_id) const {
  return ListChildren(RequirePool(pool_id), &Pool::providers);
}

void CognitoStore::PutIdentityPool(Value pool) {
  const Value* id = pool.Find("IdentityPoolId");
  if (id == nullptr || !id->is_string()) return;
  std::string key = id->as_string();
  identity_pools_[key] = std::move(pool);
}

bool CognitoStore::HasIdentityPool(std::string_view id) const {
  return identity_pools_.find(id) != identity_pools_.end();
}

SimResult<Value> CognitoStore::DescribeIdentityPool(std::string_view id) const {
  auto it = identity_pools_.find(id);
  if (it == identity_pools_.end()) {
    return tl::unexpected(SimError{400, "ResourceNotFoundException",
                                   fmt::format("IdentityPool '{}' not found.", id)});
  }
  return it->second;
}

std::vector<Value> CognitoStore::ListIdentityPools() const {
  std::vector<Value> out;
  for (const auto& [id, pool] : identity_pools_) {
    Value item(ValueMap{});
    item.Set("IdentityPoolId", id);
    const Value* name = pool.Find("IdentityPoolName");
    item.Set("IdentityPoolName", name != nullptr ? *name : Value(""));
    out.push_back(std::move(item));
  }
  return out;
}

SimResult<void> CognitoStore::DeleteIdentityPool(std::string_view id) {
  auto it = identity_pools_.find(id);
  if (it == identity_pools_.end()) {
    return tl::unexpected(SimError{400, "ResourceNotFoundException",
                                   fmt::format("IdentityPool '{}' not found.", id)});
  }
  identity_pools_.erase(it);
  return {};
}

Value CognitoStore::Dump() const {
  ValueMap pools;
  for (const auto& [id, pool] : pools_) {
    ValueMap p;
    p["pool"] = pool.pool;
    p["clients"] = Value(pool.clients);
    p["users"] = Value(pool.users);
    p["groups"] = Value(pool.groups);
    p["providers"] = Value(pool.providers);
    ValueMap memberships;
    for (const auto& [user, groups] : pool.memberships) {
      ValueList list;
      for (const std::string& g : groups) list.push_back(g);
      memberships[user] = Value(std::move(list));
    }
    p["memberships"] = Value(std::move(memberships));
    p["mfa"] = pool.mfa;
    p["order"] = pool.order;
    pools[id] = Value(std::move(p));
  }
  ValueMap domains;
  for (const auto& [d, owner] : domains_) domains[d] = owner;
  ValueMap out;
  out["pools"] = Value(std::move(pools));
  out["domains"] = Value(std::move(domains));
  ValueMap identity_pools;
  for (const auto& [id, pool] : identity_pools_) identity_pools[id] = pool;
  out["identity_pools"] = Value(std::move(identity_pools));
  out["ids_issued"] = static_cast<int64_t>(ids_issued_);
  out["next_order"] = next_order_;
  return Value(std::move(out));
}

Result<void> CognitoStore::Load(const Value& state) {
  Reset();
  if (!state.is_map()) {
    return MakeError(ErrorCode::kCorruption, "cognito-idp state must be a JSON object");
  }
  if (const Value* pools = state.Find("pools"); pools && pools->is_map()) {
    for (const auto& [id, v] : pools->as_map()) {
      Pool pool;
      if (const Value* p = v.Find("pool"); p && p->is_map())
        pool.pool = *p;
      else {
        return MakeError(ErrorCode::kCorruption,
                         "cognito-idp state: pool " + id + " has no record");
      }
      pool.clients = MembersOf(v.Find("clients"));
      pool.users = MembersOf(v.Find("users"));
      pool.groups = MembersOf(v.Find("groups"));
      pool.providers = MembersOf(v.Find("providers"));
      if (const Value* m = v.Find("memberships"); m && m->is_map()) {
        for (const auto& [user, groups] : m->as_map()) {
          if (!groups.is_list()) continue;
          for (const Value& g : groups.as_list()) {
            if (g.is_string()) pool.memberships[user].push_back(g.as_string());
          }
        }
      }
      if (const Value* m = v.Find("mfa")) pool.mfa = *m;
      pool.order = IntMember(v, "order", pool.order);
      pools_[id] = std::move(pool);
    }
  }
  if (const Value* d = state.Find("domains"); d && d->is_map()) {
    for (const auto& [domain, owner] : d->as_map()) {
      if (owner.is_string()) domains_[domain] = owner.as_string();
    }
  }
  if (const Value* ip = state.Find("identity_pools"); ip && ip->is_map()) {
    for (const auto& [id, pool] : ip->as_map()) {
      if (pool.is_map()) identity_pools_[id] = pool;
    }
  }
  ids_issued_ =
      static_cast<uint64_t>(IntMember(state, "ids_issued", static_cast<int64_t>(ids_issued_)));
  next_order_ = IntMember(state, "next_order", next_order_);
  return {};
}

void CognitoStore::Reset() {
  pools_.clear();
  domains_.clear();
  identity_pools_.clear();
  ids_issued_ = 0;
  next_order_ = 0;
}

}  // namespace flightplan::cloudsim
