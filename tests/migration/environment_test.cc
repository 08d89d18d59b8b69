// Environment discovery against the simulator: a root stack of more than
// one page of resources (ListStackResources answers 100 at a time), nested
// stacks found by their exact logical path, stateful resources classified,
// and the messages when the app, environment or stack does not exist.
#include "steps/migration/environment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cloudsim/sim_fixture.h"

namespace flightplan::migration {
namespace {

using cloudsim::testing::Obj;
using ::testing::HasSubstr;

class EnvironmentTest : public cloudsim::testing::SimTest {
 protected:
  // An Amplify app "bigapp" whose env "dev" is a root stack of `handles`
  // generic resources, a table, and two nested stacks "Api" and "ApiExtra"
  // (a name that starts like the other), each holding one table.
  void MakeEnvironment(int handles) {
    const std::string nested =
        R"({"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
          "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
          "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
          "BillingMode": "PAY_PER_REQUEST"}}}})";
    {
      // Set up as an Amplify CLI push would have left it (flightplan's own
      // client does not send these operations).
      std::lock_guard lock(world().mutex);
      ASSERT_TRUE(world().s3.CreateBucket("big-deployment", world().Now()));
      Value app(ValueMap{});
      app.Set("name", "bigapp");
      app.Set("appId", "bigapp");
      ASSERT_TRUE(world().amplify.CreateApp(app, world().Now()));
      Value backend(ValueMap{});
      backend.Set("environmentName", "dev");
      backend.Set("stackName", "amplify-bigapp-dev-12345");
      backend.Set("deploymentArtifacts", "big-deployment");
      ASSERT_TRUE(world().amplify.CreateBackendEnvironment("bigapp", backend, world().Now()));
    }
    Call("s3", "PutObject",
         Obj({{"Bucket", Value("big-deployment")},
              {"Key", Value("nested.json")},
              {"Body", Value(nested)}}));
    Value resources(ValueMap{});
    for (int i = 0; i < handles; ++i) {
      resources.Set("Handle" + std::to_string(i),
                    Obj({{"Type", Value("AWS::CloudFormation::WaitConditionHandle")}}));
    }
    Result<Value> table = Value::FromJson(nested);
    resources.Set("RootTable", *table->Find("Resources")->Find("Table"));
    for (const char* id : {"Api", "ApiExtra"}) {
      resources.Set(id,
                    Obj({{"Type", Value("AWS::CloudFormation::Stack")},
                         {"Properties",
                          Obj({{"TemplateURL",
                                Value("https://big-deployment.s3.amazonaws.com/nested.json")}})}}));
    }
    Value tmpl(ValueMap{});
    tmpl.Set("Resources", resources);
    Call("cloudformation", "CreateStack",
         Obj({{"StackName", Value("amplify-bigapp-dev-12345")},
              {"TemplateBody", Value(tmpl.ToJson())}}));
  }
};

TEST_F(EnvironmentTest, EveryPageEveryNestedStackExactPathsAndStatefulResources) {
  MakeEnvironment(150);
  Result<Gen1Environment> env =
      DiscoverEnvironment(*client_, client_clock_, "bigapp", "dev", StatefulTypes());
  ASSERT_TRUE(env) << env.error().ToString();
  EXPECT_EQ(env->root_stack, "amplify-bigapp-dev-12345");
  EXPECT_EQ(env->deployment_bucket, "big-deployment");
  ASSERT_EQ(env->stacks.size(), 3u);
  EXPECT_EQ(env->root().resources.size(), 153u);  // two pages
  EXPECT_EQ(env->StatefulCount(), 3);
  const EnvStack* api = env->FindStack("Api");
  const EnvStack* extra = env->FindStack("ApiExtra");
  ASSERT_TRUE(api != nullptr && extra != nullptr);
  EXPECT_NE(api->id, extra->id);
  EXPECT_THAT(api->name, HasSubstr("-Api-"));
  EXPECT_EQ(env->FindStack("Ap"), nullptr);  // never a prefix
  EXPECT_EQ(env->FindStack("api"), nullptr);
  EXPECT_GE(LogOf("cloudformation", "ListStackResources").size(), 4u);
}

TEST_F(EnvironmentTest, AnUnknownAppOrEnvironmentSaysWhatToCheck) {
  MakeEnvironment(1);
  Result<Gen1Environment> env =
      DiscoverEnvironment(*client_, client_clock_, "bigapp", "prod", StatefulTypes());
  ASSERT_FALSE(env);
  EXPECT_EQ(env.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(env.error().message(), HasSubstr("no backend environment 'prod' of app 'bigapp'"));
  EXPECT_THAT(env.error().message(), HasSubstr("list-backend-environments --app-id bigapp"));
  Result<Gen1Environment> app =
      DiscoverEnvironment(*client_, client_clock_, "nosuchapp", "dev", StatefulTypes());
  ASSERT_FALSE(app);
  EXPECT_EQ(app.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace flightplan::migration
