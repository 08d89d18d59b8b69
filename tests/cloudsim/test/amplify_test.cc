// Amplify Hosting: the store API the seeder uses, the wire service through
// flightplan's client, and conformance with the AWS CLI.
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

TEST_F(SimTest, AmplifyStoreKeepsAppsBranchesBackendsAcrossDumpAndLoad) {
  AmplifyStore& store = world().amplify;
  Timestamp now = world().Now();
  auto app = store.CreateApp(Obj({{"name", Value("notes")}}), now);
  ASSERT_TRUE(app.has_value()) << app.error().message;
  std::string id = app->Find("appId")->as_string();
  EXPECT_THAT(id, MatchesRegex("d[a-z0-9]{13}"));
  EXPECT_EQ(app->Find("appArn")->as_string(),
            "arn:aws:amplify:us-east-1:123456789012:apps/" + id);
  auto pinned = store.CreateApp(
      Obj({{"name", Value("seeded")}, {"appId", Value("d1234567890abc")}}), now);
  ASSERT_TRUE(pinned.has_value());
  EXPECT_EQ(pinned->Find("appId")->as_string(), "d1234567890abc");
  auto env = store.CreateBackendEnvironment(
      id,
      Obj({{"environmentName", Value("dev")},
           {"stackName", Value("amplify-notes-dev-123")},
           {"deploymentArtifacts", Value("amplify-notes-dev-123-deployment")}}),
      now);
  ASSERT_TRUE(env.has_value());
  auto branch = store.CreateBranch(
      id,
      Obj({{"branchName", Value("main")},
           {"backend", Obj({{"stackArn", Value("arn:aws:cloudformation:x")}})}}),
      now);
  ASSERT_TRUE(branch.has_value());
  EXPECT_EQ(store.CreateBranch("dmissing", Obj({{"branchName", Value("x")}}), now)
                .error()
                .code,
            "NotFoundException");

  Value dumped = store.Dump();
  AmplifyStore copy;
  ASSERT_TRUE(copy.Load(Value::FromJson(dumped.ToJson()).value()));
  EXPECT_EQ(copy.Dump(), dumped);
  EXPECT_EQ(copy.GetBackendEnvironment(id, "dev")->Find("stackName")->as_string(),
            "amplify-notes-dev-123");
  EXPECT_EQ(copy.ListApps().size(), 2u);
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
