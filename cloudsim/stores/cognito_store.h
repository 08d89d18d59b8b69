// Cognito user pools of the simulated account: pools, app clients, users,
// groups, hosted-UI domains, identity providers and MFA settings. Records are
// kept in the API's own shapes (UserPoolType, UserPoolClientType, UserType,
// GroupType, IdentityProviderType) with timestamps as epoch seconds, so the
// service returns them as they are. Users are data: deleting a pool destroys
// its users, clients, groups and domain.
//
// Errors carry the codes Cognito uses (all HTTP 400):
// ResourceNotFoundException, InvalidParameterException,
// UsernameExistsException, GroupExistsException, DuplicateProviderException.
//
// Thread-safety: none; the World's mutex guards every call.
#ifndef FLIGHTPLAN_CLOUDSIM_STORES_COGNITO_STORE_H_
#define FLIGHTPLAN_CLOUDSIM_STORES_COGNITO_STORE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "cloudsim/sim.h"
#include "cloudsim/stores/records.h"

namespace flightplan::cloudsim {

class CognitoStore {
 public:
  // The region and account ids and ARNs are made in. Defaults match
  // SimConfig's; the service re-binds before every request
  // (Service::Tick).
  void Bind(std::string region, std::string account_id);

  // --- The cross-service API (see /_sim docs: CloudFormation and seeding).
  SimResult<Value> CreateUserPool(const Value& input, Timestamp now);
  SimResult<void> DeleteUserPool(std::string_view pool_id);
  bool HasUserPool(std::string_view pool_id) const;
  SimResult<Value> DescribeUserPool(std::string_view pool_id) const;
  SimResult<Value> CreateUserPoolClient(const Value& input, Timestamp now);
  SimResult<void> DeleteUserPoolClient(std::string_view pool_id, std::string_view client_id);
  SimResult<void> CreateGroup(const Value& input, Timestamp now);
  SimResult<void> CreateUserPoolDomain(std::string_view pool_id, const std::string& domain,
                                       Timestamp now);
  SimResult<void> AdminCreateUser(std::string_view pool_id, const std::string& username,
                                  const Value& attributes, Timestamp now);
  size_t UserCount(std::string_view pool_id) const;

  // --- What the wire service needs besides.
  std::vector<std::string> PoolIds() const;  // in creation order
  // UpdateUserPool shape: replaces the updatable settings given.
  SimResult<void> UpdateUserPool(const Value& input, Timestamp now);
  SimResult<Value> DescribeUserPoolClient(std::string_view pool_id,
                                          std::string_view client_id) const;
  SimResult<std::vector<Value>> ListUserPoolClients(std::string_view pool_id) const;
  SimResult<Value> UpdateUserPoolClient(const Value& input, Timestamp now);

  // AdminGetUser's shape for `username` (UserAttributes, not Attributes).
  SimResult<Value> AdminGetUser(std::string_view pool_id, std::string_view username) const;
  SimResult<void> AdminDeleteUser(std::string_view pool_id, std::string_view username);
  // UserType records in username order.
  SimResult<std::vector<Value>> ListUsers(std::string_view pool_id) const;
  SimResult<void> SetUserAttribute(std::string_view pool_id, std::string_view username,
                                   const std::string& name, const std::string& value,
                                   Timestamp now);

  SimResult<Value> GetGroup(std::string_view pool_id, std::string_view group) const;
  SimResult<std::vector<Value>> ListGroups(std::string_view pool_id) const;
  SimResult<void> AdminAddUserToGroup(std::string_view pool_id, std::string_view username,
                                      std::string_view group);
  SimResult<std::vector<Value>> AdminListGroupsForUser(std::string_view pool_id,
                                                       std::string_view username) const;
  SimResult<std::vector<Value>> ListUsersInGroup(std::string_view pool_id,
                                                 std::string_view group) const;

  // DomainDescriptionType; an empty map for a domain nobody owns (as AWS).
  Value DescribeUserPoolDomain(std::string_view domain) const;
  SimResult<void> DeleteUserPoolDomain(std::string_view pool_id, std::string_view domain);

  SimResult<Value> GetUserPoolMfaConfig(std::string_view pool_id) const;
  // SetUserPoolMfaConfig shape; returns the resulting configuration.
  SimResult<Value> SetUserPoolMfaConfig(const Value& input);

  // CreateIdentityProvider shape; returns IdentityProviderType.
  SimResult<Value> CreateIdentityProvider(const Value& input, Timestamp now);
  SimResult<Value> DescribeIdentityProvider(std::string_view pool_id, std::string_view name) const;
  SimResult<std::vector<Value>> ListIdentityProviders(std::string_view pool_id) const;

  // --- Identity pools (signing name "cognito-identity"). CloudFormation
  // creates them; the wire service describes, lists and deletes them.
  // `pool` is IdentityPool's shape: IdentityPoolId, IdentityPoolName, ...
  void PutIdentityPool(Value pool);
  bool HasIdentityPool(std::string_view id) const;
  SimResult<Value> DescribeIdentityPool(std::string_view id) const;
  // {IdentityPoolId, IdentityPoolName} of each, in id order.
  std::vector<Value> ListIdentityPools() const;
  SimResult<void> DeleteIdentityPool(std::string_view id);

  Value Dump() const;
  Result<void> Load(const Value& state);
  void Reset();

 private:
  struct Pool {
    Value pool;         // UserPoolType without the derived EstimatedNumberOfUsers
    Records clients;    // by ClientId
    Records users;      // by Username
    Records groups;     // by GroupName
    Records providers;  // by ProviderName
    std::map<std::string, std::vector<std::string>, std::less<>>
        memberships;  // username -> group names
    Value mfa;        // GetUserPoolMfaConfig response
    int64_t order = 0;
  };

  Pool* FindPool(std::string_view id);
  const Pool* FindPool(std::string_view id) const;
  SimResult<Pool*> RequirePool(std::string_view id);
  SimResult<const Pool*> RequirePool(std::string_view id) const;
  std::string Random(size_t length, std::string_view alphabet);

  std::string region_ = "us-east-1";
  std::string account_id_ = "123456789012";
  std::map<std::string, Pool, std::less<>> pools_;
  std::map<std::string, std::string, std::less<>> domains_;   // -> pool id
  std::map<std::string, Value, std::less<>> identity_pools_;  // by IdentityPoolId
  uint64_t ids_issued_ = 0;
  int64_t next_order_ = 0;
};

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_STORES_COGNITO_STORE_H_
