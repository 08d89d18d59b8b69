// Gen1's hosted UI domain as the simulator models it: the Lambda-backed
// custom resource (Custom::LambdaCallout with hostedUIDomainName and
// userPoolId) does what its Lambda does — creates the domain, moves the
// pool to a new name on Update, deletes the domain on Delete unless the
// resource is retained — and Cognito refuses a second domain on a pool.
// Stacks are driven through flightplan's client; what Cognito holds is read
// through the AWS CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cloudsim/sim_fixture.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;

// A stack as Gen1's auth template has it: the pool and the custom resource
// that gives it its hosted UI domain ({Ref: UserPool}, or a literal pool id
// as after refactor's detach).
std::string Template(const std::string& domain, const std::string& pool_id = "",
                     const std::string& deletion_policy = "Delete") {
  std::string pool = pool_id.empty() ? R"({"Ref": "UserPool"})" : "\"" + pool_id + "\"";
  return R"({"Resources": {
    "UserPool": {"Type": "AWS::Cognito::UserPool", "DeletionPolicy": "Retain",
                 "Properties": {"UserPoolName": "vault-pool"}},
    "HostedUICustomResourceInputs": {"Type": "Custom::LambdaCallout",
      "DeletionPolicy": ")" +
         deletion_policy + R"(",
      "Properties": {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:hosted-ui",
        "hostedUIDomainName": ")" +
         domain + R"(", "userPoolId": )" + pool + "}}}}";
}

class CognitoHostedUiDomainTest : public SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  }
  std::string Status(const std::string& stack) {
    Value d = Call("cloudformation", "DescribeStacks", Obj({{"StackName", Value(stack)}}));
    return d.Find("Stacks")->as_list().front().Find("StackStatus")->as_string();
  }
  void Deploy(const std::string& stack, const std::string& body, bool create) {
    Call("cloudformation", create ? "CreateStack" : "UpdateStack",
         Obj({{"StackName", Value(stack)}, {"TemplateBody", Value(body)}}));
  }
  std::string PoolOf(const std::string& stack) {
    Value r = Call("cloudformation", "DescribeStackResource",
                   Obj({{"StackName", Value(stack)}, {"LogicalResourceId", Value("UserPool")}}));
    return r.Find("StackResourceDetail")->Find("PhysicalResourceId")->as_string();
  }
  // The pool that holds `domain` ("" when nobody does), by the AWS CLI.
  std::string Owner(const std::string& domain) {
    Value d = Cli({"cognito-idp", "describe-user-pool-domain", "--domain", domain});
    const Value* desc = d.Find("DomainDescription");
    const Value* pool = desc ? desc->Find("UserPoolId") : nullptr;
    return pool && pool->is_string() ? pool->as_string() : "";
  }
};

TEST_F(CognitoHostedUiDomainTest, TheCustomResourceCreatesMovesAndDeletesTheDomainAsItsLambdaDoes) {
  Deploy("auth", Template("vault-main"), true);
  ASSERT_EQ(Status("auth"), "CREATE_COMPLETE");
  const std::string pool = PoolOf("auth");
  EXPECT_EQ(Owner("vault-main"), pool);

  // A pool holds one domain: Cognito refuses a second, as it answers.
  CliResult second = AwsCli(
      {"cognito-idp", "create-user-pool-domain", "--domain", "gen2-own", "--user-pool-id", pool});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.err, HasSubstr("InvalidParameterException"));
  EXPECT_THAT(second.err, HasSubstr("already has a domain configured"));
  // A name another pool holds is refused too.
  Value other = Call("cognito-idp", "CreateUserPool", Obj({{"PoolName", Value("other")}}));
  const std::string other_pool = other.Find("UserPool")->Find("Id")->as_string();
  CliResult taken = AwsCli({"cognito-idp", "create-user-pool-domain", "--domain", "vault-main",
                            "--user-pool-id", other_pool});
  EXPECT_NE(taken.exit_code, 0);
  EXPECT_THAT(taken.err, HasSubstr("Domain already associated with another user pool"));

  // The Ref made literal (refactor's detach): the same values, no Update.
  Deploy("auth", Template("vault-main", pool), false);
  EXPECT_EQ(Status("auth"), "UPDATE_COMPLETE");
  EXPECT_EQ(Owner("vault-main"), pool);

  // A new name: the pool's domain is deleted and the new one created.
  Deploy("auth", Template("vault-next", pool), false);
  EXPECT_EQ(Status("auth"), "UPDATE_COMPLETE");
  EXPECT_EQ(Owner("vault-main"), "");
  EXPECT_EQ(Owner("vault-next"), pool);

  // The same name on another pool: "Domain not available", rolled back.
  Deploy("auth", Template("vault-next", other_pool), false);
  EXPECT_EQ(Status("auth"), "UPDATE_ROLLBACK_COMPLETE");
  EXPECT_EQ(Owner("vault-next"), pool);

  // Delete runs the Lambda's Delete: the domain goes, the retained pool stays.
  Call("cloudformation", "DeleteStack", Obj({{"StackName", Value("auth")}}));
  EXPECT_EQ(Owner("vault-next"), "");
  Value described = Cli({"cognito-idp", "describe-user-pool", "--user-pool-id", pool});
  EXPECT_EQ(described.Find("UserPool")->Find("Id")->as_string(), pool);
}

// After refactor the custom resource names a pool that lives elsewhere:
// deleting its stack takes the domain off that pool — unless it is Retain.
TEST_F(CognitoHostedUiDomainTest, DeletingTheGen1StackTakesTheDomainOffAMovedPoolUnlessRetained) {
  Value made = Call("cognito-idp", "CreateUserPool", Obj({{"PoolName", Value("moved")}}));
  const std::string pool = made.Find("UserPool")->Find("Id")->as_string();
  auto custom_only = [&](const std::string& domain, const std::string& policy) {
    return R"({"Resources": {"HostedUICustomResourceInputs": {"Type": "Custom::LambdaCallout",
      "DeletionPolicy": ")" +
           policy + R"(", "Properties": {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:hosted-ui",
        "hostedUIDomainName": ")" +
           domain + R"(", "userPoolId": ")" + pool + R"("}}}})";
  };
  Deploy("gen1-auth", custom_only("vault-main", "Delete"), true);
  ASSERT_EQ(Owner("vault-main"), pool);
  Call("cloudformation", "DeleteStack", Obj({{"StackName", Value("gen1-auth")}}));
  EXPECT_EQ(Owner("vault-main"), "") << "the Lambda's Delete ran: the data-loss path";

  Deploy("gen1-auth-2", custom_only("vault-kept", "Retain"), true);
  ASSERT_EQ(Owner("vault-kept"), pool);
  Call("cloudformation", "DeleteStack", Obj({{"StackName", Value("gen1-auth-2")}}));
  EXPECT_EQ(Owner("vault-kept"), pool) << "Retain: CloudFormation never asked the Lambda";
  Value described = Cli({"cognito-idp", "describe-user-pool", "--user-pool-id", pool});
  EXPECT_EQ(described.Find("UserPool")->Find("Domain")->as_string(), "vault-kept");
}

// The seeded Gen1 media-vault has its hosted UI domain, made by the
// custom resource of its auth stack (one source: the template).
TEST_F(CognitoHostedUiDomainTest, SeededMediaVaultHasItsHostedUiDomainOnItsPool) {
  Control("POST", "/_sim/seed", Obj({{"fixture", Value(FixtureApp("media-vault").string())}}));
  EXPECT_EQ(Owner("mediavault1f08412d-1f08412d-main"), "us-east-1_gekM9OHb7");
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
