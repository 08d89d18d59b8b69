// The refactor's change-set vets (steps/migration/refactor_support.h) on
// change sets shaped as CloudFormation describes them, without a cloud.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "steps/migration/refactor_support.h"

namespace flightplan::migration {
namespace {

using ::testing::HasSubstr;

// One ResourceChange of DescribeChangeSet.
Value Change(const std::string& action, const std::string& id, const std::string& type,
             const std::string& replacement = "False",
             const std::vector<std::string>& properties = {}) {
  Value rc(ValueMap{});
  rc.Set("Action", action);
  rc.Set("LogicalResourceId", id);
  rc.Set("ResourceType", type);
  rc.Set("Replacement", replacement);
  ValueList details;
  for (const std::string& p : properties) {
    Value target(ValueMap{});
    target.Set("Attribute", "Properties");
    target.Set("Name", p);
    Value detail(ValueMap{});
    detail.Set("Target", std::move(target));
    details.push_back(std::move(detail));
  }
  rc.Set("Details", Value(std::move(details)));
  Value change(ValueMap{});
  change.Set("Type", "Resource");
  change.Set("ResourceChange", std::move(rc));
  return change;
}

Value ChangeSet(ValueList changes) {
  Value cs(ValueMap{});
  cs.Set("Changes", Value(std::move(changes)));
  return cs;
}

TEST(RefactorVetTest, ARefusedChangeNamesTheResourceAndThePropertiesItWouldChange) {
  Value cs = ChangeSet({Change("Modify", "UserPool", "AWS::Cognito::UserPool", "False",
                               {"UsernameAttributes", "Policies"})});
  Result<void> vetted = VetNoResourceChange(cs, "stack auth (detach)");
  ASSERT_FALSE(vetted);
  EXPECT_EQ(vetted.error().code(), ErrorCode::kStepFailed);
  EXPECT_THAT(vetted.error().message(),
              HasSubstr("UserPool (AWS::Cognito::UserPool, properties UsernameAttributes, "
                        "Policies)"));
  EXPECT_THAT(vetted.error().message(), HasSubstr("nothing was executed"));
  EXPECT_TRUE(VetNoResourceChange(ChangeSet({}), "stack auth (detach)"));
}

TEST(RefactorVetTest, RelinkMayRecreateWhatHoldsNoDataButNeverAMovedOrStatefulResource) {
  const std::set<std::string> kept = {"UserPool", "Bucket"};
  // A trigger's permission naming the moved pool, an app client: recreated.
  Value harmless = ChangeSet(
      {Change("Modify", "PreSignUpPermission", "AWS::Lambda::Permission", "True", {"SourceArn"}),
       Change("Modify", "Client", "AWS::Cognito::UserPoolClient", "True", {"UserPoolId"}),
       Change("Modify", "UserPool", "AWS::Cognito::UserPool", "False", {"LambdaConfig"}),
       Change("Add", "Domain", "AWS::Cognito::UserPoolDomain")});
  Result<void> ok = VetNothingStatefulLost(harmless, kept, RecreatableTypes(), "relink");
  EXPECT_TRUE(ok) << ok.error().message();

  Result<void> moved = VetNothingStatefulLost(
      ChangeSet({Change("Modify", "Bucket", "AWS::S3::Bucket", "True", {"BucketName"})}), kept,
      RecreatableTypes(), "relink");
  ASSERT_FALSE(moved);
  EXPECT_THAT(moved.error().message(), HasSubstr("it is a moved resource"));

  for (const char* type : {"AWS::DynamoDB::Table", "AWS::IAM::Role"}) {
    Result<void> other = VetNothingStatefulLost(ChangeSet({Change("Remove", "Other", type)}), kept,
                                                RecreatableTypes(), "relink");
    ASSERT_FALSE(other) << type;
    EXPECT_THAT(other.error().message(), HasSubstr("only resources that hold no data"));
  }
}

}  // namespace
}  // namespace flightplan::migration
