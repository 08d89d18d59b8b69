// Cognito user pools: the store API other services use, the wire service
// through flightplan's client, and conformance with the AWS CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cloudsim/test/sim_fixture.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

Value Obj(std::initializer_list<std::pair<const std::string, Value>> m) {
  return Value(ValueMap(m));
}

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
  EXPECT_THAT(client->Find("ClientId")->as_string(),
              MatchesRegex("[a-z0-9]{26}"));
  ASSERT_TRUE(store.CreateGroup(Obj({{"UserPoolId", Value(id)},
                                     {"GroupName", Value("admins")}}),
                                now));
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
  auto pool = store.CreateUserPool(Obj({{"PoolName", Value("p")},
                                        {"DeletionProtection", Value("ACTIVE")}}),
                                   world().Now());
  ASSERT_TRUE(pool.has_value());
  auto deleted = store.DeleteUserPool(pool->Find("Id")->as_string());
  ASSERT_FALSE(deleted.has_value());
  EXPECT_EQ(deleted.error().code, "InvalidParameterException");
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
