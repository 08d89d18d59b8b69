// Cognito user pools: the store API other services use, the wire service
// through flightplan's client, and conformance with the AWS CLI.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "tests/cloudsim/sim_fixture.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST_F(SimTest, CognitoStoreKeepsPoolsClientsUsersAcrossDumpAndLoad) {
  CognitoStore& store = world().cognito;
  Timestamp now = world().Now();
  auto pool = store.CreateUserPool(Obj({{"PoolName", Value("app-pool")}}), now);
  ASSERT_TRUE(pool.has_value()) << pool.error().message;
  std::string id = pool->Find("Id")->as_string();
  EXPECT_THAT(id, MatchesRegex("us-east-1_[A-Za-z0-9]{9}"));
  EXPECT_EQ(pool->Find("Arn")->as_string(),
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + id);
  auto client = store.CreateUserPoolClient(
      Obj({{"UserPoolId", Value(id)}, {"ClientName", Value("web")}}), now);
  ASSERT_TRUE(client.has_value());
  EXPECT_THAT(client->Find("ClientId")->as_string(), MatchesRegex("[a-z0-9]{26}"));
  ASSERT_TRUE(
      store.CreateGroup(Obj({{"UserPoolId", Value(id)}, {"GroupName", Value("admins")}}), now));
  ASSERT_TRUE(store.CreateUserPoolDomain(id, "app-login", now));
  Value attrs(ValueList{Obj({{"Name", Value("email")}, {"Value", Value("a@x.io")}})});
  ASSERT_TRUE(store.AdminCreateUser(id, "alice", attrs, now));
  auto again = store.AdminCreateUser(id, "alice", attrs, now);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, "UsernameExistsException");
  EXPECT_EQ(store.UserCount(id), 1u);

  Value dumped = store.Dump();
  CognitoStore copy;
  ASSERT_TRUE(copy.Load(Value::FromJson(dumped.ToJson()).value()));
  EXPECT_EQ(copy.Dump(), dumped);
  EXPECT_TRUE(copy.HasUserPool(id));
  EXPECT_EQ(copy.UserCount(id), 1u);
  EXPECT_EQ(copy.DescribeUserPool(id)->Find("Domain")->as_string(), "app-login");

  ASSERT_TRUE(store.DeleteUserPool(id));
  EXPECT_FALSE(store.HasUserPool(id));
  EXPECT_EQ(store.UserCount(id), 0u);
  EXPECT_EQ(store.DeleteUserPool(id).error().code, "ResourceNotFoundException");
  store.Reset();
  EXPECT_TRUE(store.PoolIds().empty());
}

TEST_F(SimTest, CognitoStoreRefusesToDeleteAProtectedPool) {
  CognitoStore& store = world().cognito;
  auto pool = store.CreateUserPool(
      Obj({{"PoolName", Value("p")}, {"DeletionProtection", Value("ACTIVE")}}), world().Now());
  ASSERT_TRUE(pool.has_value());
  auto deleted = store.DeleteUserPool(pool->Find("Id")->as_string());
  ASSERT_FALSE(deleted.has_value());
  EXPECT_EQ(deleted.error().code, "InvalidParameterException");
}

class CognitoTest : public SimTest {
 protected:
  std::string NewPool(const std::string& name, const char* protection = "INACTIVE") {
    Value pool = Call("cognito-idp", "CreateUserPool",
                      Obj({{"PoolName", Value(name)}, {"DeletionProtection", Value(protection)}}));
    return pool.Find("UserPool")->Find("Id")->as_string();
  }
  void NewUser(const std::string& pool, const std::string& name, const std::string& email) {
    Call("cognito-idp", "AdminCreateUser",
         Obj({{"UserPoolId", Value(pool)},
              {"Username", Value(name)},
              {"UserAttributes",
               Value(ValueList{Obj({{"Name", Value("email")}, {"Value", Value(email)}})})}}));
  }
  std::string ErrorOf(std::string_view op, const Value& params) {
    return ErrorCodeOf("cognito-idp", op, params);
  }
};

std::vector<std::string> Names(const Value& list, std::string_view key) {
  std::vector<std::string> out;
  for (const Value& v : list.as_list()) out.push_back(v.Find(key)->as_string());
  return out;
}

TEST_F(CognitoTest, ListUserPoolsPagesWithMaxResultsAndNextToken) {
  for (std::string name : {"a", "b", "c"}) NewPool(name);
  Value first = Call("cognito-idp", "ListUserPools", Obj({{"MaxResults", Value(2)}}));
  EXPECT_EQ(Names(*first.Find("UserPools"), "Name"), (std::vector<std::string>{"a", "b"}));
  ASSERT_NE(first.Find("NextToken"), nullptr);
  Value second = Call("cognito-idp", "ListUserPools",
                      Obj({{"MaxResults", Value(2)}, {"NextToken", *first.Find("NextToken")}}));
  EXPECT_EQ(Names(*second.Find("UserPools"), "Name"), (std::vector<std::string>{"c"}));
  EXPECT_EQ(second.Find("NextToken"), nullptr);
  EXPECT_EQ(ErrorOf("ListUserPools", Obj({{"MaxResults", Value(61)}})),
            "InvalidParameterException");
  // A token too large for any offset is refused, not a crash.
  EXPECT_EQ(ErrorOf("ListUserPools", Obj({{"MaxResults", Value(2)},
                                          {"NextToken", Value("page-99999999999999999999")}})),
            "InvalidParameterException");
}

TEST_F(CognitoTest, DeletionProtectionRefusesDeleteUntilTurnedOff) {
  std::string pool = NewPool("guarded", "ACTIVE");
  EXPECT_EQ(ErrorOf("DeleteUserPool", Obj({{"UserPoolId", Value(pool)}})),
            "InvalidParameterException");
  EXPECT_TRUE(world().cognito.HasUserPool(pool));
  Call("cognito-idp", "UpdateUserPool",
       Obj({{"UserPoolId", Value(pool)}, {"DeletionProtection", Value("INACTIVE")}}));
  Call("cognito-idp", "DeleteUserPool", Obj({{"UserPoolId", Value(pool)}}));
  EXPECT_EQ(ErrorOf("DescribeUserPool", Obj({{"UserPoolId", Value(pool)}})),
            "ResourceNotFoundException");
  EXPECT_EQ(LogOf("cognito-idp", "DeleteUserPool").size(), 2u);
}

TEST_F(CognitoTest, UsersAreListedFilteredPagedAndLostWithTheirPool) {
  std::string pool = NewPool("people");
  NewUser(pool, "alice", "alice@example.com");
  NewUser(pool, "bob", "bob@example.com");
  NewUser(pool, "carol", "carol@other.org");
  EXPECT_EQ(
      ErrorOf("AdminCreateUser", Obj({{"UserPoolId", Value(pool)}, {"Username", Value("bob")}})),
      "UsernameExistsException");
  EXPECT_EQ(ErrorOf("AdminCreateUser",
                    Obj({{"UserPoolId", Value(pool)},
                         {"Username", Value("dave")},
                         {"UserAttributes", Value(ValueList{Obj({{"Name", Value("custom:tenant")},
                                                                 {"Value", Value("t1")}})})}})),
            "InvalidParameterException");
  EXPECT_EQ(world().cognito.UserCount(pool), 3u);
  EXPECT_EQ(LogOf("cognito-idp", "AdminCreateUser").size(), 5u);

  Value user = Call("cognito-idp", "AdminGetUser",
                    Obj({{"UserPoolId", Value(pool)}, {"Username", Value("alice")}}));
  EXPECT_EQ(user.Find("UserStatus")->as_string(), "FORCE_CHANGE_PASSWORD");
  EXPECT_EQ(user.Find("UserAttributes")->as_list()[0].Find("Name")->as_string(), "sub");

  Value page =
      Call("cognito-idp", "ListUsers", Obj({{"UserPoolId", Value(pool)}, {"Limit", Value(2)}}));
  EXPECT_EQ(Names(*page.Find("Users"), "Username"), (std::vector<std::string>{"alice", "bob"}));
  Value rest =
      Call("cognito-idp", "ListUsers",
           Obj({{"UserPoolId", Value(pool)}, {"PaginationToken", *page.Find("PaginationToken")}}));
  EXPECT_EQ(Names(*rest.Find("Users"), "Username"), (std::vector<std::string>{"carol"}));

  Value exact =
      Call("cognito-idp", "ListUsers",
           Obj({{"UserPoolId", Value(pool)}, {"Filter", Value("email = \"bob@example.com\"")}}));
  EXPECT_EQ(Names(*exact.Find("Users"), "Username"), (std::vector<std::string>{"bob"}));
  Value prefix = Call("cognito-idp", "ListUsers",
                      Obj({{"UserPoolId", Value(pool)}, {"Filter", Value("username ^= \"c\"")}}));
  EXPECT_EQ(Names(*prefix.Find("Users"), "Username"), (std::vector<std::string>{"carol"}));
  EXPECT_EQ(
      ErrorOf("ListUsers", Obj({{"UserPoolId", Value(pool)}, {"Filter", Value("email ~ x")}})),
      "InvalidParameterException");

  Call("cognito-idp", "AdminDeleteUser",
       Obj({{"UserPoolId", Value(pool)}, {"Username", Value("carol")}}));
  EXPECT_EQ(
      ErrorOf("AdminGetUser", Obj({{"UserPoolId", Value(pool)}, {"Username", Value("carol")}})),
      "UserNotFoundException");
  Value described = Call("cognito-idp", "DescribeUserPool", Obj({{"UserPoolId", Value(pool)}}));
  EXPECT_EQ(described.Find("UserPool")->Find("EstimatedNumberOfUsers")->as_int(), 2);

  Call("cognito-idp", "DeleteUserPool", Obj({{"UserPoolId", Value(pool)}}));
  EXPECT_EQ(world().cognito.UserCount(pool), 0u);
  EXPECT_EQ(ErrorOf("ListUsers", Obj({{"UserPoolId", Value(pool)}})), "ResourceNotFoundException");
  // A new pool of the same name does not bring the users back.
  std::string again = NewPool("people");
  EXPECT_NE(again, pool);
  EXPECT_EQ(world().cognito.UserCount(again), 0u);
}

TEST_F(CognitoTest, ClientsGroupsDomainsMfaAndProviders) {
  std::string pool = NewPool("app");
  Value client = Call("cognito-idp", "CreateUserPoolClient",
                      Obj({{"UserPoolId", Value(pool)}, {"ClientName", Value("web")}}));
  std::string client_id = client.Find("UserPoolClient")->Find("ClientId")->as_string();
  Call("cognito-idp", "UpdateUserPoolClient",
       Obj({{"UserPoolId", Value(pool)},
            {"ClientId", Value(client_id)},
            {"ClientName", Value("web2")}}));
  Value clients = Call("cognito-idp", "ListUserPoolClients", Obj({{"UserPoolId", Value(pool)}}));
  EXPECT_EQ(Names(*clients.Find("UserPoolClients"), "ClientName"),
            (std::vector<std::string>{"web2"}));
  Call("cognito-idp", "DeleteUserPoolClient",
       Obj({{"UserPoolId", Value(pool)}, {"ClientId", Value(client_id)}}));
  EXPECT_EQ(ErrorOf("DescribeUserPoolClient",
                    Obj({{"UserPoolId", Value(pool)}, {"ClientId", Value(client_id)}})),
            "ResourceNotFoundException");

  NewUser(pool, "alice", "a@x.io");
  Call("cognito-idp", "CreateGroup",
       Obj({{"UserPoolId", Value(pool)}, {"GroupName", Value("admins")}}));
  EXPECT_EQ(
      ErrorOf("CreateGroup", Obj({{"UserPoolId", Value(pool)}, {"GroupName", Value("admins")}})),
      "GroupExistsException");
  Call("cognito-idp", "AdminAddUserToGroup",
       Obj({{"UserPoolId", Value(pool)},
            {"Username", Value("alice")},
            {"GroupName", Value("admins")}}));
  Value in_group = Call("cognito-idp", "ListUsersInGroup",
                        Obj({{"UserPoolId", Value(pool)}, {"GroupName", Value("admins")}}));
  EXPECT_EQ(Names(*in_group.Find("Users"), "Username"), (std::vector<std::string>{"alice"}));
  Value groups = Call("cognito-idp", "AdminListGroupsForUser",
                      Obj({{"UserPoolId", Value(pool)}, {"Username", Value("alice")}}));
  EXPECT_EQ(Names(*groups.Find("Groups"), "GroupName"), (std::vector<std::string>{"admins"}));

  Call("cognito-idp", "CreateUserPoolDomain",
       Obj({{"UserPoolId", Value(pool)}, {"Domain", Value("app-login")}}));
  std::string other = NewPool("other");
  EXPECT_EQ(ErrorOf("CreateUserPoolDomain",
                    Obj({{"UserPoolId", Value(other)}, {"Domain", Value("app-login")}})),
            "InvalidParameterException");
  Value domain =
      Call("cognito-idp", "DescribeUserPoolDomain", Obj({{"Domain", Value("app-login")}}));
  EXPECT_EQ(domain.Find("DomainDescription")->Find("UserPoolId")->as_string(), pool);
  Call("cognito-idp", "DeleteUserPoolDomain",
       Obj({{"UserPoolId", Value(pool)}, {"Domain", Value("app-login")}}));
  Value gone = Call("cognito-idp", "DescribeUserPoolDomain", Obj({{"Domain", Value("app-login")}}));
  EXPECT_EQ(gone.Find("DomainDescription")->Find("UserPoolId"), nullptr);

  EXPECT_EQ(ErrorOf("SetUserPoolMfaConfig",
                    Obj({{"UserPoolId", Value(pool)}, {"MfaConfiguration", Value("ON")}})),
            "InvalidParameterException");
  Call("cognito-idp", "SetUserPoolMfaConfig",
       Obj({{"UserPoolId", Value(pool)},
            {"MfaConfiguration", Value("OPTIONAL")},
            {"SoftwareTokenMfaConfiguration", Obj({{"Enabled", Value(true)}})}}));
  Value mfa = Call("cognito-idp", "GetUserPoolMfaConfig", Obj({{"UserPoolId", Value(pool)}}));
  EXPECT_EQ(mfa.Find("MfaConfiguration")->as_string(), "OPTIONAL");

  Call("cognito-idp", "CreateIdentityProvider",
       Obj({{"UserPoolId", Value(pool)},
            {"ProviderName", Value("corp")},
            {"ProviderType", Value("OIDC")},
            {"ProviderDetails", Obj({{"oidc_issuer", Value("https://idp.example.com")}})}}));
  EXPECT_EQ(ErrorOf("CreateIdentityProvider", Obj({{"UserPoolId", Value(pool)},
                                                   {"ProviderName", Value("corp")},
                                                   {"ProviderType", Value("OIDC")}})),
            "DuplicateProviderException");
  Value idp = Call("cognito-idp", "DescribeIdentityProvider",
                   Obj({{"UserPoolId", Value(pool)}, {"ProviderName", Value("corp")}}));
  EXPECT_EQ(idp.Find("IdentityProvider")->Find("ProviderDetails")->Find("oidc_issuer")->as_string(),
            "https://idp.example.com");
  Value idps = Call("cognito-idp", "ListIdentityProviders", Obj({{"UserPoolId", Value(pool)}}));
  EXPECT_EQ(Names(*idps.Find("Providers"), "ProviderType"), (std::vector<std::string>{"OIDC"}));
}

TEST_F(CognitoTest, OutOfBandUserDeletionIsSeenByTheNextCall) {
  std::string pool = NewPool("p");
  NewUser(pool, "alice", "a@x.io");
  Control("POST", "/_sim/mutate",
          Obj({{"service", Value("cognito-idp")},
               {"action", Value("admin_delete_user")},
               {"UserPoolId", Value(pool)},
               {"Username", Value("alice")}}));
  EXPECT_EQ(
      ErrorOf("AdminGetUser", Obj({{"UserPoolId", Value(pool)}, {"Username", Value("alice")}})),
      "UserNotFoundException");
  EXPECT_TRUE(LogOf("cognito-idp", "AdminDeleteUser").empty());
}

TEST_F(CognitoTest, TheAwsCliDrivesEveryOperation) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Value pool = Cli({"cognito-idp", "create-user-pool", "--pool-name", "cli-pool", "--schema",
                    "Name=tenant,AttributeDataType=String"});
  std::string id = pool.Find("UserPool")->Find("Id")->as_string();
  EXPECT_THAT(id, MatchesRegex("us-east-1_[A-Za-z0-9]{9}"));
  EXPECT_EQ(Cli({"cognito-idp", "describe-user-pool", "--user-pool-id", id})
                .Find("UserPool")
                ->Find("Name")
                ->as_string(),
            "cli-pool");
  EXPECT_EQ(Cli({"cognito-idp", "list-user-pools", "--max-results", "10"})
                .Find("UserPools")
                ->as_list()
                .size(),
            1u);
  Cli({"cognito-idp", "update-user-pool", "--user-pool-id", id, "--user-pool-tags", "team=web"});
  Value client =
      Cli({"cognito-idp", "create-user-pool-client", "--user-pool-id", id, "--client-name", "web"});
  std::string client_id = client.Find("UserPoolClient")->Find("ClientId")->as_string();
  EXPECT_THAT(client_id, MatchesRegex("[a-z0-9]{26}"));
  EXPECT_EQ(Cli({"cognito-idp", "describe-user-pool-client", "--user-pool-id", id, "--client-id",
                 client_id})
                .Find("UserPoolClient")
                ->Find("ClientName")
                ->as_string(),
            "web");
  Cli({"cognito-idp", "update-user-pool-client", "--user-pool-id", id, "--client-id", client_id,
       "--client-name", "web2"});
  EXPECT_EQ(Cli({"cognito-idp", "list-user-pool-clients", "--user-pool-id", id})
                .Find("UserPoolClients")
                ->as_list()[0]
                .Find("ClientName")
                ->as_string(),
            "web2");
  Value user = Cli({"cognito-idp", "admin-create-user", "--user-pool-id", id, "--username", "alice",
                    "--user-attributes", "Name=email,Value=alice@example.com"});
  EXPECT_EQ(user.Find("User")->Find("UserStatus")->as_string(), "FORCE_CHANGE_PASSWORD");
  EXPECT_EQ(Cli({"cognito-idp", "admin-get-user", "--user-pool-id", id, "--username", "alice"})
                .Find("Username")
                ->as_string(),
            "alice");
  EXPECT_EQ(
      Cli({"cognito-idp", "list-users", "--user-pool-id", id, "--filter", "email ^= \"alice@\""})
          .Find("Users")
          ->as_list()
          .size(),
      1u);
  Cli({"cognito-idp", "create-group", "--user-pool-id", id, "--group-name", "admins"});
  EXPECT_EQ(Cli({"cognito-idp", "get-group", "--user-pool-id", id, "--group-name", "admins"})
                .Find("Group")
                ->Find("GroupName")
                ->as_string(),
            "admins");
  EXPECT_EQ(
      Cli({"cognito-idp", "list-groups", "--user-pool-id", id}).Find("Groups")->as_list().size(),
      1u);
  Cli({"cognito-idp", "admin-add-user-to-group", "--user-pool-id", id, "--username", "alice",
       "--group-name", "admins"});
  EXPECT_EQ(Cli({"cognito-idp", "admin-list-groups-for-user", "--user-pool-id", id, "--username",
                 "alice"})
                .Find("Groups")
                ->as_list()
                .size(),
            1u);
  EXPECT_EQ(
      Cli({"cognito-idp", "list-users-in-group", "--user-pool-id", id, "--group-name", "admins"})
          .Find("Users")
          ->as_list()[0]
          .Find("Username")
          ->as_string(),
      "alice");
  Cli({"cognito-idp", "create-user-pool-domain", "--user-pool-id", id, "--domain", "cli-login"});
  EXPECT_EQ(Cli({"cognito-idp", "describe-user-pool-domain", "--domain", "cli-login"})
                .Find("DomainDescription")
                ->Find("UserPoolId")
                ->as_string(),
            id);
  Cli({"cognito-idp", "delete-user-pool-domain", "--user-pool-id", id, "--domain", "cli-login"});
  Cli({"cognito-idp", "set-user-pool-mfa-config", "--user-pool-id", id,
       "--software-token-mfa-configuration", "Enabled=true", "--mfa-configuration", "OPTIONAL"});
  EXPECT_EQ(Cli({"cognito-idp", "get-user-pool-mfa-config", "--user-pool-id", id})
                .Find("MfaConfiguration")
                ->as_string(),
            "OPTIONAL");
  Cli({"cognito-idp", "create-identity-provider", "--user-pool-id", id, "--provider-name", "Google",
       "--provider-type", "Google", "--provider-details",
       "client_id=abc,client_secret=def,authorize_scopes=email"});
  EXPECT_EQ(Cli({"cognito-idp", "describe-identity-provider", "--user-pool-id", id,
                 "--provider-name", "Google"})
                .Find("IdentityProvider")
                ->Find("ProviderType")
                ->as_string(),
            "Google");
  EXPECT_EQ(Cli({"cognito-idp", "list-identity-providers", "--user-pool-id", id})
                .Find("Providers")
                ->as_list()
                .size(),
            1u);
  Cli({"cognito-idp", "admin-delete-user", "--user-pool-id", id, "--username", "alice"});
  Cli({"cognito-idp", "delete-user-pool-client", "--user-pool-id", id, "--client-id", client_id});
  Cli({"cognito-idp", "delete-user-pool", "--user-pool-id", id});
  EXPECT_FALSE(world().cognito.HasUserPool(id));

  CliResult missing = AwsCli({"cognito-idp", "describe-user-pool", "--user-pool-id", id});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("ResourceNotFoundException"));
  CliResult bad = AwsCli({"cognito-idp", "list-user-pools", "--max-results", "1"},
                         {"AWS_SECRET_ACCESS_KEY=not-the-secret"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("Signature"));
}

TEST_F(CognitoTest, ThrottlingAnswersTooManyRequestsException) {
  std::string pool = NewPool("p");
  AddFault("cognito-idp", "DescribeUserPool", "throttle", {{"count", Value(1)}});
  EXPECT_EQ(ErrorOf("DescribeUserPool", Obj({{"UserPoolId", Value(pool)}})),
            "TooManyRequestsException");
  EXPECT_TRUE(Try("cognito-idp", "DescribeUserPool", Obj({{"UserPoolId", Value(pool)}})));
}

TEST_F(CognitoTest, SimulatorStateRoundTripsPoolsAndUsers) {
  std::string pool = NewPool("kept");
  NewUser(pool, "alice", "a@x.io");
  Value state = Control("GET", "/_sim/state");
  ASSERT_NE(state.Find("cognito-idp"), nullptr);
  World restored(config_, &clock_);
  ASSERT_TRUE(restored.Load(state));
  EXPECT_EQ(restored.cognito.UserCount(pool), 1u);
  auto next = restored.cognito.CreateUserPool(Obj({{"PoolName", Value("new")}}), clock_.Now());
  ASSERT_TRUE(next.has_value());
  EXPECT_NE(next->Find("Id")->as_string(), pool);
}

}  // namespace
}  // namespace flightplan::cloudsim::testing

namespace flightplan::cloudsim::testing {
namespace {

// Identity pools: made by CloudFormation, read and deleted through the
// cognito-identity API (the AWS CLI as the client); a retained pool
// outlives its stack, a deleted stack takes a pool that is not retained.
TEST_F(SimTest, IdentityPoolsComeFromStacksAndAreDescribedListedAndDeleted) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  for (const char* policy : {"Retain", "Delete"}) {
    std::string name = std::string("ids-") + policy;
    Call("cloudformation", "CreateStack",
         Obj({{"StackName", Value(name)},
              {"TemplateBody",
               Value(fmt::format(R"({{"Resources": {{"Ids": {{"Type": "AWS::Cognito::IdentityPool",
                   "DeletionPolicy": "{}", "Properties": {{"IdentityPoolName": "pool_{}",
                   "AllowUnauthenticatedIdentities": true}}}}}}}})",
                                 policy, policy))}}));
  }
  Value listed = Cli({"cognito-identity", "list-identity-pools", "--max-results", "60"});
  const Value* pools = listed.Find("IdentityPools");
  ASSERT_TRUE(pools != nullptr && pools->is_list());
  ASSERT_EQ(pools->as_list().size(), 2u) << listed.ToJson();
  std::map<std::string, std::string> by_name;
  for (const Value& p : pools->as_list()) {
    by_name[p.Find("IdentityPoolName")->as_string()] = p.Find("IdentityPoolId")->as_string();
  }
  Value described = Cli(
      {"cognito-identity", "describe-identity-pool", "--identity-pool-id", by_name["pool_Retain"]});
  EXPECT_TRUE(described.Find("AllowUnauthenticatedIdentities")->as_bool());

  for (const char* name : {"ids-Retain", "ids-Delete"}) {
    Call("cloudformation", "DeleteStack", Obj({{"StackName", Value(name)}}));
  }
  EXPECT_EQ(AwsCli({"cognito-identity", "describe-identity-pool", "--identity-pool-id",
                    by_name["pool_Retain"]})
                .exit_code,
            0);
  CliResult gone = AwsCli(
      {"cognito-identity", "describe-identity-pool", "--identity-pool-id", by_name["pool_Delete"]});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_THAT(gone.err, ::testing::HasSubstr("ResourceNotFoundException"));

  Cli({"cognito-identity", "delete-identity-pool", "--identity-pool-id", by_name["pool_Retain"]});
  Value after = Cli({"cognito-identity", "list-identity-pools", "--max-results", "60"});
  EXPECT_TRUE(after.Find("IdentityPools")->as_list().empty()) << after.ToJson();
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
