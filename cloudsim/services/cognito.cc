// Cognito user pools (signing name "cognito-idp", JSON 1.1,
// X-Amz-Target: AWSCognitoIdentityProviderService.<Op>). State lives in
// CognitoStore; this file maps the wire operations onto it.
//
// Operations: CreateUserPool, DescribeUserPool, ListUserPools, UpdateUserPool,
// DeleteUserPool, CreateUserPoolClient, DescribeUserPoolClient,
// ListUserPoolClients, UpdateUserPoolClient, DeleteUserPoolClient,
// AdminCreateUser, AdminGetUser, AdminDeleteUser, ListUsers (Filter
// `attr = "v"` / `attr ^= "v"`), CreateGroup, GetGroup, ListGroups,
// AdminAddUserToGroup, AdminListGroupsForUser, ListUsersInGroup,
// CreateUserPoolDomain, DescribeUserPoolDomain, DeleteUserPoolDomain,
// GetUserPoolMfaConfig, SetUserPoolMfaConfig, CreateIdentityProvider,
// DescribeIdentityProvider, ListIdentityProviders. List operations page with
// an opaque token (the offset of the next item).
//
// Out-of-band changes (POST /_sim/mutate {"service": "cognito-idp", ...}):
//   {"action": "admin_delete_user", "UserPoolId": .., "Username": ..}
//   {"action": "delete_user_pool", "UserPoolId": ..}  (ignores protection)
//   {"action": "set_user_attribute", "UserPoolId": .., "Username": ..,
//    "Name": .., "Value": ..}
//   {"action": "update_user_pool", "UserPoolId": .., <UpdateUserPool fields>}
// Each answers {"ok": true}.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "cloudsim/service.h"
#include "cloudsim/wire.h"

namespace flightplan::cloudsim {
namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.1";
constexpr std::string_view kTargetPrefix = "AWSCognitoIdentityProviderService.";

constexpr std::string_view kOperations[] = {"CreateUserPool",
                                            "DescribeUserPool",
                                            "ListUserPools",
                                            "UpdateUserPool",
                                            "DeleteUserPool",
                                            "CreateUserPoolClient",
                                            "DescribeUserPoolClient",
                                            "ListUserPoolClients",
                                            "UpdateUserPoolClient",
                                            "DeleteUserPoolClient",
                                            "AdminCreateUser",
                                            "AdminGetUser",
                                            "AdminDeleteUser",
                                            "ListUsers",
                                            "CreateGroup",
                                            "GetGroup",
                                            "ListGroups",
                                            "AdminAddUserToGroup",
                                            "AdminListGroupsForUser",
                                            "ListUsersInGroup",
                                            "CreateUserPoolDomain",
                                            "DescribeUserPoolDomain",
                                            "DeleteUserPoolDomain",
                                            "GetUserPoolMfaConfig",
                                            "SetUserPoolMfaConfig",
                                            "CreateIdentityProvider",
                                            "DescribeIdentityProvider",
                                            "ListIdentityProviders"};

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && f->is_string() ? f->as_string() : std::string();
}

SimError InvalidParameter(std::string message) {
  return {400, "InvalidParameterException", std::move(message)};
}

// A map Value from alternating keys and values.
Value Obj(const std::vector<std::pair<std::string, Value>>& fields) {
  Value out(ValueMap{});
  for (const auto& [key, value] : fields) out.Set(key, value);
  return out;
}

// One page of `items`: `limit_key` members (default and maximum `max`),
// continuing from `token_key`; the result lists them under `list_key` and
// names the next page under `next_key`.
SimResult<Value> Page(const Value& params, std::vector<Value> items, std::string_view limit_key,
                      std::string_view token_key, std::string_view list_key,
                      std::string_view next_key, int64_t max, bool limit_required = false) {
  int64_t limit = max;
  const Value* l = params.Find(limit_key);
  if (l && l->is_number()) {
    limit = static_cast<int64_t>(l->as_double());
    if (limit < 1 || limit > max) {
      return tl::unexpected(InvalidParameter(
          fmt::format("1 validation error detected: Value '{}' at '{}' failed to satisfy "
                      "constraint: Member must have value between 1 and {}",
                      limit, limit_key, max)));
    }
  } else if (limit_required) {
    return tl::unexpected(InvalidParameter(
        fmt::format("1 validation error detected: Value null at '{}' failed to satisfy "
                    "constraint: Member must not be null",
                    limit_key)));
  }
  size_t start = 0;
  if (std::string token = Str(params, token_key); !token.empty()) {
    std::optional<size_t> offset = PageTokenOffset(token);
    if (!offset) {
      return tl::unexpected(InvalidParameter("The pagination token is not valid: " + token));
    }
    start = *offset;
  }
  return PageOfItems(std::move(items), start, static_cast<size_t>(limit), list_key, next_key);
}

// ListUsers' Filter: `name = "value"` (exact) or `name ^= "value"` (prefix).
struct UserFilter {
  std::string attribute;
  std::string value;
  bool prefix = false;
};

SimResult<std::optional<UserFilter>> ParseFilter(const std::string& filter) {
  if (filter.empty()) return std::optional<UserFilter>();
  auto bad = [&] {
    return tl::unexpected(
        InvalidParameter("Error while parsing filter: expected 'attribute = \"value\"' or "
                         "'attribute ^= \"value\"', got: " +
                         filter));
  };
  size_t op = filter.find('=');
  if (op == std::string::npos || op == 0) return bad();
  UserFilter f;
  size_t name_end = op;
  if (filter[op - 1] == '^') {
    f.prefix = true;
    name_end = op - 1;
  }
  auto trim = [](const std::string& s) {
    size_t a = s.find_first_not_of(" \t");
    size_t b = s.find_last_not_of(" \t");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
  };
  f.attribute = trim(filter.substr(0, name_end));
  std::string rhs = trim(filter.substr(op + 1));
  if (f.attribute.empty() || rhs.size() < 2 || rhs.front() != '"' || rhs.back() != '"') {
    return bad();
  }
  f.value = rhs.substr(1, rhs.size() - 2);
  static constexpr std::string_view kSearchable[] = {
      "username",   "email",       "phone_number",       "name",
      "given_name", "family_name", "preferred_username", "cognito:user_status",
      "status",     "sub"};
  if (std::find(std::begin(kSearchable), std::end(kSearchable), f.attribute) ==
      std::end(kSearchable)) {
    return tl::unexpected(InvalidParameter("Invalid search attribute: " + f.attribute));
  }
  return std::optional<UserFilter>(f);
}

bool Matches(const UserFilter& f, const Value& user) {
  std::string actual;
  if (f.attribute == "username") {
    actual = Str(user, "Username");
  } else if (f.attribute == "cognito:user_status") {
    actual = Str(user, "UserStatus");
  } else if (f.attribute == "status") {
    const Value* e = user.Find("Enabled");
    actual = e && e->is_bool() && e->as_bool() ? "Enabled" : "Disabled";
  } else if (const Value* attrs = user.Find("Attributes"); attrs && attrs->is_list()) {
    for (const Value& a : attrs->as_list()) {
      if (Str(a, "Name") == f.attribute) actual = Str(a, "Value");
    }
  }
  return f.prefix ? actual.rfind(f.value, 0) == 0 : actual == f.value;
}

class CognitoService final : public Service {
 public:
  std::string_view signing_name() const override { return "cognito-idp"; }
  aws::Protocol protocol() const override { return aws::Protocol::kJson; }

  std::string OperationOf(const Request& request) const override {
    return JsonTargetOperation(request, kTargetPrefix, kOperations);
  }

  Response Error(const SimError& error, const Request& request,
                 std::string_view request_id) const override {
    (void)request;
    return JsonError(error, "", kContentType, request_id);
  }

  bool IsReadOnly(std::string_view operation) const override {
    return operation == "AdminGetUser" || operation == "AdminListGroupsForUser" ||
           Service::IsReadOnly(operation);
  }

  SimError ThrottlingError(std::string_view operation) const override {
    (void)operation;
    return {400, "TooManyRequestsException", "Rate exceeded"};
  }

  Response Handle(World& world, const Request& request, std::string_view operation) override {
    world.cognito.Bind(world.config().region, world.config().account_id);
    SimResult<Value> params = JsonRequestParams(request, "The request body is not a JSON object");
    if (!params) return Error(params.error(), request, request.request_id);
    SimResult<Value> result = Run(world, *params, operation);
    if (!result) return Error(result.error(), request, request.request_id);
    return JsonResponse(*result, kContentType, request.request_id);
  }

  // Runs before every request (any service's), so the store names ids and
  // ARNs after the current region and account even when CloudFormation or
  // the seeder, not this service, is the caller.
  void Tick(World& world) override {
    world.cognito.Bind(world.config().region, world.config().account_id);
  }

  Result<Value> Mutate(World& world, const Value& command) override {
    world.cognito.Bind(world.config().region, world.config().account_id);
    std::string action = Str(command, "action");
    std::string pool = Str(command, "UserPoolId");
    SimResult<void> done;
    if (action == "admin_delete_user") {
      done = world.cognito.AdminDeleteUser(pool, Str(command, "Username"));
    } else if (action == "delete_user_pool") {
      Value update = Obj({{"UserPoolId", Value(pool)}, {"DeletionProtection", Value("INACTIVE")}});
      done = world.cognito.UpdateUserPool(update, world.Now());
      if (done) done = world.cognito.DeleteUserPool(pool);
    } else if (action == "set_user_attribute") {
      done = world.cognito.SetUserAttribute(pool, Str(command, "Username"), Str(command, "Name"),
                                            Str(command, "Value"), world.Now());
    } else if (action == "update_user_pool") {
      done = world.cognito.UpdateUserPool(command, world.Now());
    } else {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("cognito-idp has no action '{}' (admin_delete_user, "
                                   "delete_user_pool, set_user_attribute, update_user_pool)",
                                   action));
    }
    return MutateDone(done);
  }

 private:
  static SimResult<Value> Empty(SimResult<void> r) {
    if (!r) return tl::unexpected(r.error());
    return Value(ValueMap{});
  }
  static SimResult<Value> Wrap(SimResult<Value> r, std::string_view key) {
    if (!r) return tl::unexpected(r.error());
    Value out(ValueMap{});
    out.Set(std::string(key), std::move(*r));
    return out;
  }

  SimResult<Value> Run(World& world, const Value& p, std::string_view op) {
    CognitoStore& store = world.cognito;
    Timestamp now = world.Now();
    std::string pool = Str(p, "UserPoolId");
    if (op == "CreateUserPool") {
      Value input = p;
      if (input.is_map()) input.as_map().erase("Id");  // pinning is for seeding only
      return Wrap(store.CreateUserPool(input, now), "UserPool");
    }
    if (op == "DescribeUserPool") {
      return Wrap(store.DescribeUserPool(pool), "UserPool");
    }
    if (op == "ListUserPools") {
      std::vector<Value> items;
      for (const std::string& id : store.PoolIds()) {
        Value full = *store.DescribeUserPool(id);
        Value brief(ValueMap{});
        for (std::string_view key :
             {"Id", "Name", "LambdaConfig", "LastModifiedDate", "CreationDate"}) {
          if (const Value* v = full.Find(key)) brief.Set(std::string(key), *v);
        }
        items.push_back(std::move(brief));
      }
      return Page(p, std::move(items), "MaxResults", "NextToken", "UserPools", "NextToken", 60,
                  /*limit_required=*/true);
    }
    if (op == "UpdateUserPool") return Empty(store.UpdateUserPool(p, now));
    if (op == "DeleteUserPool") return Empty(store.DeleteUserPool(pool));
    if (op == "CreateUserPoolClient") {
      return Wrap(store.CreateUserPoolClient(p, now), "UserPoolClient");
    }
    if (op == "DescribeUserPoolClient") {
      return Wrap(store.DescribeUserPoolClient(pool, Str(p, "ClientId")), "UserPoolClient");
    }
    if (op == "ListUserPoolClients") {
      auto clients = store.ListUserPoolClients(pool);
      if (!clients) return tl::unexpected(clients.error());
      std::vector<Value> items;
      for (const Value& c : *clients) {
        items.push_back(Obj({{"ClientId", Value(Str(c, "ClientId"))},
                             {"UserPoolId", Value(pool)},
                             {"ClientName", Value(Str(c, "ClientName"))}}));
      }
      return Page(p, std::move(items), "MaxResults", "NextToken", "UserPoolClients", "NextToken",
                  60);
    }
    if (op == "UpdateUserPoolClient") {
      return Wrap(store.UpdateUserPoolClient(p, now), "UserPoolClient");
    }
    if (op == "DeleteUserPoolClient") {
      return Empty(store.DeleteUserPoolClient(pool, Str(p, "ClientId")));
    }
    if (op == "AdminCreateUser") {
      std::string username = Str(p, "Username");
      const Value* attrs = p.Find("UserAttributes");
      static const Value kNone = Value(ValueList{});
      auto created = store.AdminCreateUser(pool, username, attrs ? *attrs : kNone, now);
      if (!created) return tl::unexpected(created.error());
      auto user = store.ListUsers(pool);
      for (const Value& u : *user) {
        if (Str(u, "Username") == username) return Obj({{"User", u}});
      }
      return tl::unexpected(
          SimError{500, "InternalErrorException", "the user just created is missing"});
    }
    if (op == "AdminGetUser") return store.AdminGetUser(pool, Str(p, "Username"));
    if (op == "AdminDeleteUser") {
      return Empty(store.AdminDeleteUser(pool, Str(p, "Username")));
    }
    if (op == "ListUsers") {
      auto filter = ParseFilter(Str(p, "Filter"));
      if (!filter) return tl::unexpected(filter.error());
      auto users = store.ListUsers(pool);
      if (!users) return tl::unexpected(users.error());
      std::vector<Value> items;
      for (Value& u : *users) {
        if (*filter && !Matches(**filter, u)) continue;
        if (const Value* only = p.Find("AttributesToGet"); only && only->is_list()) {
          ValueList kept;
          for (const Value& a : u.Find("Attributes")->as_list()) {
            for (const Value& name : only->as_list()) {
              if (name.is_string() && name.as_string() == Str(a, "Name")) {
                kept.push_back(a);
              }
            }
          }
          u.Set("Attributes", Value(std::move(kept)));
        }
        items.push_back(std::move(u));
      }
      return Page(p, std::move(items), "Limit", "PaginationToken", "Users", "PaginationToken", 60);
    }
    if (op == "CreateGroup") {
      auto created = store.CreateGroup(p, now);
      if (!created) return tl::unexpected(created.error());
      return Wrap(store.GetGroup(pool, Str(p, "GroupName")), "Group");
    }
    if (op == "GetGroup") {
      return Wrap(store.GetGroup(pool, Str(p, "GroupName")), "Group");
    }
    if (op == "ListGroups") {
      auto groups = store.ListGroups(pool);
      if (!groups) return tl::unexpected(groups.error());
      return Page(p, std::move(*groups), "Limit", "NextToken", "Groups", "NextToken", 60);
    }
    if (op == "AdminAddUserToGroup") {
      return Empty(store.AdminAddUserToGroup(pool, Str(p, "Username"), Str(p, "GroupName")));
    }
    if (op == "AdminListGroupsForUser") {
      auto groups = store.AdminListGroupsForUser(pool, Str(p, "Username"));
      if (!groups) return tl::unexpected(groups.error());
      return Page(p, std::move(*groups), "Limit", "NextToken", "Groups", "NextToken", 60);
    }
    if (op == "ListUsersInGroup") {
      auto users = store.ListUsersInGroup(pool, Str(p, "GroupName"));
      if (!users) return tl::unexpected(users.error());
      return Page(p, std::move(*users), "Limit", "NextToken", "Users", "NextToken", 60);
    }
    if (op == "CreateUserPoolDomain") {
      std::string domain = Str(p, "Domain");
      auto created = store.CreateUserPoolDomain(pool, domain, now);
      if (!created) return tl::unexpected(created.error());
      return Obj({{"CloudFrontDomain", Value(domain + ".cloudfront.net")}});
    }
    if (op == "DescribeUserPoolDomain") {
      return Obj({{"DomainDescription", store.DescribeUserPoolDomain(Str(p, "Domain"))}});
    }
    if (op == "DeleteUserPoolDomain") {
      return Empty(store.DeleteUserPoolDomain(pool, Str(p, "Domain")));
    }
    if (op == "GetUserPoolMfaConfig") return store.GetUserPoolMfaConfig(pool);
    if (op == "SetUserPoolMfaConfig") return store.SetUserPoolMfaConfig(p);
    if (op == "CreateIdentityProvider") {
      return Wrap(store.CreateIdentityProvider(p, now), "IdentityProvider");
    }
    if (op == "DescribeIdentityProvider") {
      return Wrap(store.DescribeIdentityProvider(pool, Str(p, "ProviderName")), "IdentityProvider");
    }
    if (op == "ListIdentityProviders") {
      auto providers = store.ListIdentityProviders(pool);
      if (!providers) return tl::unexpected(providers.error());
      std::vector<Value> items;
      for (const Value& v : *providers) {
        Value brief(ValueMap{});
        for (std::string_view key :
             {"ProviderName", "ProviderType", "LastModifiedDate", "CreationDate"}) {
          if (const Value* x = v.Find(key)) brief.Set(std::string(key), *x);
        }
        items.push_back(std::move(brief));
      }
      return Page(p, std::move(items), "MaxResults", "NextToken", "Providers", "NextToken", 60);
    }
    return tl::unexpected(SimError{400, "InvalidAction", fmt::format("unknown operation {}", op)});
  }
};

}  // namespace

std::unique_ptr<Service> MakeCognitoService() { return std::make_unique<CognitoService>(); }

namespace {

constexpr std::string_view kIdentityTargetPrefix = "AWSCognitoIdentityService.";
constexpr std::string_view kIdentityOperations[] = {"DescribeIdentityPool", "ListIdentityPools",
                                                    "DeleteIdentityPool"};

// Cognito identity pools (signing name "cognito-identity", JSON 1.1,
// X-Amz-Target: AWSCognitoIdentityService.<Op>): DescribeIdentityPool,
// ListIdentityPools (MaxResults 1-60, required), DeleteIdentityPool. Pools
// are made by CloudFormation (AWS::Cognito::IdentityPool) and kept in
// CognitoStore; a retained pool outlives its stack, as on AWS.
class CognitoIdentityService final : public Service {
 public:
  std::string_view signing_name() const override { return "cognito-identity"; }
  aws::Protocol protocol() const override { return aws::Protocol::kJson; }

  std::string OperationOf(const Request& request) const override {
    return JsonTargetOperation(request, kIdentityTargetPrefix, kIdentityOperations);
  }

  Response Error(const SimError& error, const Request& request,
                 std::string_view request_id) const override {
    (void)request;
    return JsonError(error, "", kContentType, request_id);
  }

  SimError ThrottlingError(std::string_view operation) const override {
    (void)operation;
    return {400, "TooManyRequestsException", "Rate exceeded"};
  }

  Response Handle(World& world, const Request& request, std::string_view operation) override {
    SimResult<Value> params = JsonRequestParams(request, "The request body is not a JSON object");
    if (!params) return Error(params.error(), request, request.request_id);
    SimResult<Value> result = Run(world, *params, operation);
    if (!result) return Error(result.error(), request, request.request_id);
    return JsonResponse(*result, kContentType, request.request_id);
  }

 private:
  static SimResult<Value> Run(World& world, const Value& params, std::string_view operation) {
    std::string id = Str(params, "IdentityPoolId");
    if (operation == "DescribeIdentityPool") return world.cognito.DescribeIdentityPool(id);
    if (operation == "DeleteIdentityPool") {
      auto deleted = world.cognito.DeleteIdentityPool(id);
      if (!deleted) return tl::unexpected(deleted.error());
      return Value(ValueMap{});
    }
    return Page(params, world.cognito.ListIdentityPools(), "MaxResults", "NextToken",
                "IdentityPools", "NextToken", 60, /*limit_required=*/true);
  }
};

}  // namespace

std::unique_ptr<Service> MakeCognitoIdentityService() {
  return std::make_unique<CognitoIdentityService>();
}

}  // namespace flightplan::cloudsim
