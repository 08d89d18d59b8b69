// Amplify Hosting: the store API the seeder uses, the wire service through
// flightplan's client, and conformance with the AWS CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/cloudsim/sim_fixture.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST_F(SimTest, AmplifyStoreKeepsAppsBranchesBackendsAcrossDumpAndLoad) {
  AmplifyStore& store = world().amplify;
  Timestamp now = world().Now();
  auto app = store.CreateApp(Obj({{"name", Value("notes")}}), now);
  ASSERT_TRUE(app.has_value()) << app.error().message;
  std::string id = app->Find("appId")->as_string();
  EXPECT_THAT(id, MatchesRegex("d[a-z0-9]{13}"));
  EXPECT_EQ(app->Find("appArn")->as_string(), "arn:aws:amplify:us-east-1:123456789012:apps/" + id);
  auto pinned =
      store.CreateApp(Obj({{"name", Value("seeded")}, {"appId", Value("d1234567890abc")}}), now);
  ASSERT_TRUE(pinned.has_value());
  EXPECT_EQ(pinned->Find("appId")->as_string(), "d1234567890abc");
  auto env = store.CreateBackendEnvironment(
      id,
      Obj({{"environmentName", Value("dev")},
           {"stackName", Value("amplify-notes-dev-123")},
           {"deploymentArtifacts", Value("amplify-notes-dev-123-deployment")}}),
      now);
  ASSERT_TRUE(env.has_value());
  auto branch =
      store.CreateBranch(id,
                         Obj({{"branchName", Value("main")},
                              {"backend", Obj({{"stackArn", Value("arn:aws:cloudformation:x")}})}}),
                         now);
  ASSERT_TRUE(branch.has_value());
  EXPECT_EQ(store.CreateBranch("dmissing", Obj({{"branchName", Value("x")}}), now).error().code,
            "NotFoundException");

  Value dumped = store.Dump();
  AmplifyStore copy;
  ASSERT_TRUE(copy.Load(Value::FromJson(dumped.ToJson()).value()));
  EXPECT_EQ(copy.Dump(), dumped);
  EXPECT_EQ(copy.GetBackendEnvironment(id, "dev")->Find("stackName")->as_string(),
            "amplify-notes-dev-123");
  EXPECT_EQ(copy.ListApps().size(), 2u);
}

class AmplifyTest : public SimTest {
 protected:
  // An app with branches `main` and `dev` and backend environment `dev`,
  // made through the store as the fixture seeder does.
  std::string SeedApp(const std::string& name) {
    Timestamp now = world().Now();
    auto app = world().amplify.CreateApp(
        Obj({{"name", Value(name)},
             {"environmentVariables", Obj({{"AMPLIFY_ENV", Value("dev")}})}}),
        now);
    EXPECT_TRUE(app.has_value());
    std::string id = app->Find("appId")->as_string();
    for (std::string branch : {"main", "dev"}) {
      EXPECT_TRUE(world().amplify.CreateBranch(id, Obj({{"branchName", Value(branch)}}), now));
    }
    EXPECT_TRUE(world().amplify.CreateBackendEnvironment(
        id,
        Obj({{"environmentName", Value("dev")},
             {"stackName", Value("amplify-" + name + "-dev-1")},
             {"deploymentArtifacts", Value("amplify-" + name + "-dev-1-deployment")}}),
        now));
    return id;
  }
  std::string ErrorOf(std::string_view op, const Value& params) {
    return ErrorCodeOf("amplify", op, params);
  }
};

TEST_F(AmplifyTest, AppsAndBranchesThroughFlightplansClient) {
  std::string id = SeedApp("notes");
  Value app = Call("amplify", "GetApp", Obj({{"appId", Value(id)}}));
  EXPECT_EQ(app.Find("app")->Find("name")->as_string(), "notes");
  EXPECT_EQ(app.Find("app")->Find("defaultDomain")->as_string(), id + ".amplifyapp.com");
  Value updated = Call(
      "amplify", "UpdateApp",
      Obj({{"appId", Value(id)}, {"environmentVariables", Obj({{"AMPLIFY_ENV", Value("prod")}})}}));
  EXPECT_EQ(updated.Find("app")->Find("environmentVariables")->Find("AMPLIFY_ENV")->as_string(),
            "prod");
  Value listed = Call("amplify", "ListApps", Obj({{"maxResults", Value(1)}}));
  EXPECT_EQ(listed.Find("apps")->as_list().size(), 1u);

  Call("amplify", "CreateBranch",
       Obj({{"appId", Value(id)}, {"branchName", Value("feature")}, {"stage", Value("BETA")}}));
  EXPECT_EQ(ErrorOf("CreateBranch", Obj({{"appId", Value(id)}, {"branchName", Value("feature")}})),
            "BadRequestException");
  Value branch = Call(
      "amplify", "UpdateBranch",
      Obj({{"appId", Value(id)},
           {"branchName", Value("main")},
           {"backend",
            Obj({{"stackArn", Value("arn:aws:cloudformation:us-east-1:123456789012:stack/s/1")}})},
           {"environmentVariables", Obj({{"K", Value("V")}})}}));
  EXPECT_EQ(branch.Find("branch")->Find("backend")->Find("stackArn")->as_string(),
            "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1");
  EXPECT_EQ(Call("amplify", "GetBranch", Obj({{"appId", Value(id)}, {"branchName", Value("main")}}))
                .Find("branch")
                ->Find("environmentVariables")
                ->Find("K")
                ->as_string(),
            "V");
  Value page =
      Call("amplify", "ListBranches", Obj({{"appId", Value(id)}, {"maxResults", Value(2)}}));
  EXPECT_EQ(page.Find("branches")->as_list().size(), 2u);
  ASSERT_NE(page.Find("nextToken"), nullptr);
  Value rest = Call("amplify", "ListBranches",
                    Obj({{"appId", Value(id)}, {"nextToken", *page.Find("nextToken")}}));
  EXPECT_EQ(rest.Find("branches")->as_list().size(), 1u);
  Call("amplify", "DeleteBranch", Obj({{"appId", Value(id)}, {"branchName", Value("feature")}}));
  EXPECT_EQ(ErrorOf("GetBranch", Obj({{"appId", Value(id)}, {"branchName", Value("feature")}})),
            "NotFoundException");
  EXPECT_EQ(ErrorOf("GetApp", Obj({{"appId", Value("dnosuchapp")}})), "NotFoundException");
  ASSERT_EQ(LogOf("amplify", "UpdateBranch").size(), 1u);
  EXPECT_EQ(LogOf("amplify", "UpdateBranch")[0].params.Find("branchName")->as_string(), "main");
}

TEST_F(AmplifyTest, BackendEnvironmentsAreReadAndDeleted) {
  std::string id = SeedApp("notes");
  Value env = Call("amplify", "GetBackendEnvironment",
                   Obj({{"appId", Value(id)}, {"environmentName", Value("dev")}}));
  EXPECT_EQ(env.Find("backendEnvironment")->Find("stackName")->as_string(), "amplify-notes-dev-1");
  EXPECT_EQ(env.Find("backendEnvironment")->Find("backendEnvironmentArn")->as_string(),
            "arn:aws:amplify:us-east-1:123456789012:apps/" + id + "/backendenvironments/dev");
  Value list = Call("amplify", "ListBackendEnvironments", Obj({{"appId", Value(id)}}));
  EXPECT_EQ(list.Find("backendEnvironments")->as_list().size(), 1u);
  Call("amplify", "DeleteBackendEnvironment",
       Obj({{"appId", Value(id)}, {"environmentName", Value("dev")}}));
  EXPECT_EQ(ErrorOf("GetBackendEnvironment",
                    Obj({{"appId", Value(id)}, {"environmentName", Value("dev")}})),
            "NotFoundException");
}

TEST_F(AmplifyTest, ADomainUpdateIsUpdatingForTheOperationDelayThenAvailable) {
  std::string id = SeedApp("notes");
  auto created = world().amplify.CreateDomainAssociation(
      id,
      Obj({{"domainName", Value("example.com")},
           {"subDomainSettings",
            Value(ValueList{Obj({{"prefix", Value("www")}, {"branchName", Value("main")}})})}}),
      world().Now());
  ASSERT_TRUE(created.has_value()) << created.error().message;
  auto status = [&] {
    Value got = Call("amplify", "GetDomainAssociation",
                     Obj({{"appId", Value(id)}, {"domainName", Value("example.com")}}));
    return got.Find("domainAssociation")->Find("domainStatus")->as_string();
  };
  EXPECT_EQ(status(), "AVAILABLE");
  Control("POST", "/_sim/config", Obj({{"operation_delay_ms", Value(300)}}));
  Value updated = Call(
      "amplify", "UpdateDomainAssociation",
      Obj({{"appId", Value(id)},
           {"domainName", Value("example.com")},
           {"subDomainSettings",
            Value(ValueList{Obj({{"prefix", Value("www")}, {"branchName", Value("dev")}})})}}));
  EXPECT_EQ(updated.Find("domainAssociation")->Find("domainStatus")->as_string(), "UPDATING");
  EXPECT_EQ(updated.Find("domainAssociation")->Find("updateStatus")->as_string(),
            "PENDING_DEPLOYMENT");
  EXPECT_EQ(status(), "UPDATING");
  // The pending update survives a state snapshot.
  Value state = world().Dump();
  ASSERT_TRUE(world().Load(state));
  std::string last = status();
  for (int i = 0; i < 40 && last == "UPDATING"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    last = status();
  }
  EXPECT_EQ(last, "AVAILABLE");
  Control("POST", "/_sim/mutate",
          Obj({{"service", Value("amplify")},
               {"action", Value("set_domain_status")},
               {"appId", Value(id)},
               {"domainName", Value("example.com")},
               {"domainStatus", Value("FAILED")},
               {"statusReason", Value("CNAME conflict")}}));
  EXPECT_EQ(status(), "FAILED");
  Control("POST", "/_sim/mutate",
          Obj({{"service", Value("amplify")},
               {"action", Value("start_job")},
               {"appId", Value(id)},
               {"branchName", Value("main")},
               {"status", Value("FAILED")}}));
  Value jobs =
      Call("amplify", "ListJobs", Obj({{"appId", Value(id)}, {"branchName", Value("main")}}));
  EXPECT_EQ(jobs.Find("jobSummaries")->as_list().front().Find("status")->as_string(), "FAILED");
}

TEST_F(AmplifyTest, DomainAssociationsMapPrefixesToExistingBranchesOnly) {
  std::string id = SeedApp("notes");
  auto created = world().amplify.CreateDomainAssociation(
      id,
      Obj({{"domainName", Value("example.com")},
           {"subDomainSettings",
            Value(ValueList{Obj({{"prefix", Value("www")}, {"branchName", Value("main")}})})}}),
      world().Now());
  ASSERT_TRUE(created.has_value()) << created.error().message;
  Value updated = Call(
      "amplify", "UpdateDomainAssociation",
      Obj({{"appId", Value(id)},
           {"domainName", Value("example.com")},
           {"subDomainSettings",
            Value(ValueList{Obj({{"prefix", Value("www")}, {"branchName", Value("main")}}),
                            Obj({{"prefix", Value("dev")}, {"branchName", Value("dev")}})})}}));
  const Value& subs = *updated.Find("domainAssociation")->Find("subDomains");
  ASSERT_EQ(subs.as_list().size(), 2u);
  EXPECT_EQ(subs.as_list()[1].Find("subDomainSetting")->Find("branchName")->as_string(), "dev");
  auto refused =
      Try("amplify", "UpdateDomainAssociation",
          Obj({{"appId", Value(id)},
               {"domainName", Value("example.com")},
               {"subDomainSettings",
                Value(ValueList{Obj({{"prefix", Value("x")}, {"branchName", Value("nope")}})})}}));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, "BadRequestException");
  EXPECT_EQ(refused.error().http_status, 400);
  EXPECT_THAT(refused.error().message, HasSubstr("nope"));
  // The refused update changed nothing.
  Value got = Call("amplify", "GetDomainAssociation",
                   Obj({{"appId", Value(id)}, {"domainName", Value("example.com")}}));
  EXPECT_EQ(got.Find("domainAssociation")->Find("subDomains")->as_list().size(), 2u);
  EXPECT_EQ(Call("amplify", "ListDomainAssociations", Obj({{"appId", Value(id)}}))
                .Find("domainAssociations")
                ->as_list()
                .size(),
            1u);
}

TEST_F(AmplifyTest, ListJobsNamesTheLatestCommitPerBranchFirst) {
  std::string id = SeedApp("notes");
  for (std::string commit : {"aaa111", "bbb222"}) {
    Call("amplify", "StartJob",
         Obj({{"appId", Value(id)},
              {"branchName", Value("main")},
              {"jobType", Value("RELEASE")},
              {"commitId", Value(commit)}}));
  }
  Control("POST", "/_sim/mutate",
          Obj({{"service", Value("amplify")},
               {"action", Value("start_job")},
               {"appId", Value(id)},
               {"branchName", Value("dev")},
               {"commitId", Value("ccc333")}}));
  Value main_jobs =
      Call("amplify", "ListJobs", Obj({{"appId", Value(id)}, {"branchName", Value("main")}}));
  const ValueList& summaries = main_jobs.Find("jobSummaries")->as_list();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].Find("commitId")->as_string(), "bbb222");
  EXPECT_EQ(summaries[0].Find("jobId")->as_string(), "2");
  Value dev_jobs =
      Call("amplify", "ListJobs", Obj({{"appId", Value(id)}, {"branchName", Value("dev")}}));
  EXPECT_EQ(dev_jobs.Find("jobSummaries")->as_list()[0].Find("commitId")->as_string(), "ccc333");
  Value job =
      Call("amplify", "GetJob",
           Obj({{"appId", Value(id)}, {"branchName", Value("main")}, {"jobId", Value("1")}}));
  EXPECT_EQ(job.Find("job")->Find("summary")->Find("commitId")->as_string(), "aaa111");
  EXPECT_EQ(Call("amplify", "GetBranch", Obj({{"appId", Value(id)}, {"branchName", Value("main")}}))
                .Find("branch")
                ->Find("totalNumberOfJobs")
                ->as_string(),
            "2");
  EXPECT_EQ(LogOf("amplify", "StartJob").size(), 2u);
}

TEST_F(AmplifyTest, OutOfBandBranchUpdateIsSeenByTheNextRead) {
  std::string id = SeedApp("notes");
  Control("POST", "/_sim/mutate",
          Obj({{"service", Value("amplify")},
               {"action", Value("update_branch")},
               {"appId", Value(id)},
               {"branchName", Value("main")},
               {"backend", Obj({{"stackArn", Value("arn:drifted")}})}}));
  Value branch =
      Call("amplify", "GetBranch", Obj({{"appId", Value(id)}, {"branchName", Value("main")}}));
  EXPECT_EQ(branch.Find("branch")->Find("backend")->Find("stackArn")->as_string(), "arn:drifted");
  EXPECT_TRUE(LogOf("amplify", "UpdateBranch").empty());
}

TEST_F(AmplifyTest, TheAwsCliDrivesEveryOperation) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Value created =
      Cli({"amplify", "create-app", "--name", "cli-app", "--environment-variables", "A=1"});
  std::string id = created.Find("app")->Find("appId")->as_string();
  EXPECT_THAT(id, MatchesRegex("d[a-z0-9]{13}"));
  EXPECT_TRUE(created.Find("app")->Find("createTime")->is_number());
  EXPECT_EQ(Cli({"amplify", "get-app", "--app-id", id}).Find("app")->Find("name")->as_string(),
            "cli-app");
  EXPECT_EQ(Cli({"amplify", "list-apps"}).Find("apps")->as_list().size(), 1u);
  EXPECT_EQ(Cli({"amplify", "update-app", "--app-id", id, "--environment-variables", "A=2"})
                .Find("app")
                ->Find("environmentVariables")
                ->Find("A")
                ->as_string(),
            "2");
  Cli({"amplify", "create-branch", "--app-id", id, "--branch-name", "main", "--stage",
       "PRODUCTION"});
  EXPECT_EQ(Cli({"amplify", "get-branch", "--app-id", id, "--branch-name", "main"})
                .Find("branch")
                ->Find("stage")
                ->as_string(),
            "PRODUCTION");
  EXPECT_EQ(Cli({"amplify", "update-branch", "--app-id", id, "--branch-name", "main", "--backend",
                 "stackArn=arn:aws:cloudformation:us-east-1:123456789012:stack/x/1"})
                .Find("branch")
                ->Find("backend")
                ->Find("stackArn")
                ->as_string(),
            "arn:aws:cloudformation:us-east-1:123456789012:stack/x/1");
  EXPECT_EQ(Cli({"amplify", "list-branches", "--app-id", id}).Find("branches")->as_list().size(),
            1u);
  Cli({"amplify", "create-backend-environment", "--app-id", id, "--environment-name", "dev",
       "--stack-name", "amplify-cli-dev", "--deployment-artifacts", "amplify-cli-dev-deployment"});
  EXPECT_EQ(Cli({"amplify", "get-backend-environment", "--app-id", id, "--environment-name", "dev"})
                .Find("backendEnvironment")
                ->Find("stackName")
                ->as_string(),
            "amplify-cli-dev");
  EXPECT_EQ(Cli({"amplify", "list-backend-environments", "--app-id", id})
                .Find("backendEnvironments")
                ->as_list()
                .size(),
            1u);
  Cli({"amplify", "create-domain-association", "--app-id", id, "--domain-name", "example.com",
       "--sub-domain-settings", "prefix=www,branchName=main"});
  EXPECT_EQ(
      Cli({"amplify", "get-domain-association", "--app-id", id, "--domain-name", "example.com"})
          .Find("domainAssociation")
          ->Find("domainStatus")
          ->as_string(),
      "AVAILABLE");
  Cli({"amplify", "update-domain-association", "--app-id", id, "--domain-name", "example.com",
       "--sub-domain-settings", "prefix=app,branchName=main"});
  EXPECT_EQ(Cli({"amplify", "list-domain-associations", "--app-id", id})
                .Find("domainAssociations")
                ->as_list()[0]
                .Find("subDomains")
                ->as_list()[0]
                .Find("subDomainSetting")
                ->Find("prefix")
                ->as_string(),
            "app");
  CliResult refused =
      AwsCli({"amplify", "create-domain-association", "--app-id", id, "--domain-name", "other.com",
              "--sub-domain-settings", "prefix=x,branchName=missing"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("BadRequestException"));
  Value job = Cli({"amplify", "start-job", "--app-id", id, "--branch-name", "main", "--job-type",
                   "RELEASE", "--commit-id", "abc123"});
  EXPECT_EQ(job.Find("jobSummary")->Find("commitId")->as_string(), "abc123");
  EXPECT_EQ(Cli({"amplify", "get-job", "--app-id", id, "--branch-name", "main", "--job-id", "1"})
                .Find("job")
                ->Find("summary")
                ->Find("status")
                ->as_string(),
            "SUCCEED");
  EXPECT_EQ(Cli({"amplify", "list-jobs", "--app-id", id, "--branch-name", "main"})
                .Find("jobSummaries")
                ->as_list()[0]
                .Find("commitId")
                ->as_string(),
            "abc123");
  Cli({"amplify", "delete-domain-association", "--app-id", id, "--domain-name", "example.com"});
  Cli({"amplify", "delete-backend-environment", "--app-id", id, "--environment-name", "dev"});
  Cli({"amplify", "delete-branch", "--app-id", id, "--branch-name", "main"});
  Cli({"amplify", "delete-app", "--app-id", id});
  CliResult missing = AwsCli({"amplify", "get-app", "--app-id", id});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("NotFoundException"));
  CliResult bad = AwsCli({"amplify", "list-apps"}, {"AWS_SECRET_ACCESS_KEY=not-the-secret"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("Signature"));
}

TEST_F(AmplifyTest, ThrottlingAnswersLimitExceededException) {
  std::string id = SeedApp("notes");
  AddFault("amplify", "GetApp", "throttle", {{"count", Value(1)}});
  auto throttled = Try("amplify", "GetApp", Obj({{"appId", Value(id)}}));
  ASSERT_FALSE(throttled.has_value());
  EXPECT_EQ(throttled.error().code, "LimitExceededException");
  EXPECT_EQ(throttled.error().http_status, 429);
  EXPECT_TRUE(Try("amplify", "GetApp", Obj({{"appId", Value(id)}})));
}

TEST_F(AmplifyTest, SimulatorStateRoundTripsAppsAndJobs) {
  std::string id = SeedApp("kept");
  Call("amplify", "StartJob",
       Obj({{"appId", Value(id)},
            {"branchName", Value("main")},
            {"jobType", Value("RELEASE")},
            {"commitId", Value("abc")}}));
  Value state = Control("GET", "/_sim/state");
  World restored(config_, &clock_);
  ASSERT_TRUE(restored.Load(state));
  auto jobs = restored.amplify.ListJobs(id, "main");
  ASSERT_TRUE(jobs.has_value());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].Find("commitId")->as_string(), "abc");
  auto next = restored.amplify.CreateApp(Obj({{"name", Value("new")}}), clock_.Now());
  ASSERT_TRUE(next.has_value());
  EXPECT_NE(next->Find("appId")->as_string(), id);
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
