// `flightplan drift` end to end: the real binary against the in-process
// simulator, over loopback HTTP, on every fixture app. Out-of-band changes
// come through the simulator's mutate API, the AWS CLI (`s3 cp`) and edits to
// a project's files; the report is read from --json and the exit code.
#include <gtest/gtest.h>
#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/file_io.h"
#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim::testing {
namespace {

namespace fs = std::filesystem;
using flightplan::testing::Invocation;
using flightplan::testing::RunFlightplan;
using flightplan::testing::RunResult;
using flightplan::testing::TempDir;

const char* const kApps[] = {"backend-only", "discussions", "fitness-tracker", "media-vault",
                             "product-catalog"};

struct App {
  std::string name;
  std::string app_id;
  std::string env;
  std::string root_stack;
  std::string bucket;
};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file under `dir` as a zip archive (what `amplify push` uploads).
std::string ZipOf(const fs::path& dir) {
  TempDir tmp;
  std::string path = tmp.Join("backend.zip");
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  EXPECT_NE(archive, nullptr);
  if (archive == nullptr) return "";
  std::vector<std::string> keep;  // zip_source_buffer borrows until close
  keep.reserve(4096);
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    keep.push_back(ReadText(entry.path()));
    zip_source_t* source = zip_source_buffer(archive, keep.back().data(), keep.back().size(), 0);
    std::string name = fs::relative(entry.path(), dir).generic_string();
    EXPECT_GE(zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE), 0) << name;
  }
  EXPECT_EQ(zip_close(archive), 0);
  return ReadText(path);
}

class DriftTest : public SimTest {
 protected:
  App Seed(const std::string& name) {
    fs::path fixture = FixtureApp(name);
    Control("POST", "/_sim/seed", Obj({{"fixture", Value(fixture.string())}}));
    auto tpi = Value::FromJson(ReadText(fixture / "amplify" / "team-provider-info.json"));
    EXPECT_TRUE(tpi.has_value());
    App app;
    app.name = name;
    for (const auto& [env, settings] : tpi->as_map()) {
      const Value* cfn = settings.Find("awscloudformation");
      if (cfn == nullptr) continue;
      app.env = env;
      app.app_id = cfn->Find("AmplifyAppId")->as_string();
      app.root_stack = cfn->Find("StackName")->as_string();
      app.bucket = cfn->Find("DeploymentBucketName")->as_string();
      break;
    }
    return app;
  }

  std::map<std::string, std::string> Env() {
    return {{"AWS_ENDPOINT_URL", endpoint()},
            {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
            {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
            {"AWS_REGION", "us-east-1"},
            {"HOME", home_.path()}};
  }

  RunResult Flightplan(std::vector<std::string> args, const std::string& cwd = "") {
    args.push_back("--state");
    args.push_back(state_.Join("state.db"));
    Invocation inv;
    inv.args = std::move(args);
    inv.cwd = cwd.empty() ? work_.path() : cwd;
    inv.env = Env();
    return RunFlightplan(inv);
  }

  RunResult Drift(const App& app, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"drift", "--app-id", app.app_id, "--env", app.env, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Flightplan(args);
  }

  static Value Report(const RunResult& r) {
    auto parsed = Value::FromJson(r.out);
    EXPECT_TRUE(parsed.has_value()) << "stdout is not JSON: " << r.out << "\nstderr: " << r.err;
    return parsed ? *parsed : Value(ValueMap{});
  }

  static const Value& Source(const Value& report, const std::string& name) {
    static const Value kNone;
    const Value* sources = report.Find("sources");
    if (sources == nullptr) return kNone;
    for (const Value& s : sources->as_list()) {
      if (s.Find("source")->as_string() == name) return s;
    }
    return kNone;
  }
  static std::string StatusOf(const Value& report, const std::string& source) {
    const Value* status = Source(report, source).Find("status");
    return status != nullptr ? status->as_string() : "(none)";
  }
  // The findings (or filtered findings) of a source that mention `text`.
  static int Mentions(const Value& report, const std::string& source, const std::string& text,
                      const char* list = "findings") {
    const Value* items = Source(report, source).Find(list);
    int n = 0;
    if (items == nullptr) return 0;
    for (const Value& f : items->as_list()) n += f.ToJson().find(text) != std::string::npos;
    return n;
  }
  static bool FilterNamed(const Value& report, const std::string& source,
                          const std::string& filter) {
    const Value* filters = Source(report, source).Find("filters");
    if (filters == nullptr) return false;
    for (const Value& f : filters->as_list()) {
      if (f.as_string() == filter) return true;
    }
    return false;
  }

  // {stack name, logical id} of the first resource of `type` in a stack of
  // the app (the root or one whose name starts with the root's).
  std::pair<std::string, std::string> FindResource(const App& app, const std::string& type,
                                                   const std::string& logical_id = "") {
    for (const Stack& stack : world().cloudformation.stacks()) {
      if (stack.name != app.root_stack && stack.name.rfind(app.root_stack + "-", 0) != 0) continue;
      for (const StackResource& r : stack.resources) {
        if (r.type == type && (logical_id.empty() || r.logical_id == logical_id)) {
          return {stack.name, r.logical_id};
        }
      }
    }
    ADD_FAILURE() << "no " << type << " in " << app.name;
    return {};
  }

  void Mutate(const std::pair<std::string, std::string>& resource, const std::string& property,
              const Value& value) {
    Control("POST", "/_sim/mutate",
            Obj({{"service", Value("cloudformation")},
                 {"action", Value("set_resource_property")},
                 {"StackName", Value(resource.first)},
                 {"LogicalResourceId", Value(resource.second)},
                 {"Property", Value(property)},
                 {"Value", value}}));
  }

  // A project whose amplify/backend is the fixture's, and the same files
  // pushed as #current-cloud-backend.zip: a project with nothing unpushed.
  std::string PushedProject(const App& app) {
    fs::path project = fs::path(work_.path()) / ("project-" + app.name);
    fs::create_directories(project / "amplify");
    fs::copy(FixtureApp(app.name) / "amplify" / "backend", project / "amplify" / "backend",
             fs::copy_options::recursive);
    Value put(ValueMap{});
    put.Set("Bucket", app.bucket);
    put.Set("Key", "#current-cloud-backend.zip");
    put.Set("Body", ZipOf(project / "amplify" / "backend"));
    Call("s3", "PutObject", put);
    return project.string();
  }

  TempDir home_;
  TempDir state_;
  TempDir work_;
};

class DriftEveryAppTest : public DriftTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(DriftEveryAppTest, ACleanEnvironmentIsCleanOnAllThreeSources) {
  App app = Seed(GetParam());
  std::string project = PushedProject(app);
  RunResult r = Drift(app, {"--project", project});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Value report = Report(r);
  EXPECT_EQ(report.Find("status")->as_string(), "clean") << r.out;
  for (const char* source : {"cloudformation", "templates", "local"}) {
    EXPECT_EQ(StatusOf(report, source), "clean") << source << ": " << r.out;
  }
  // Every stack was asked, and the project's files were compared.
  EXPECT_GE(LogOf("cloudformation", "DetectStackDrift").size(), 5U);
  EXPECT_EQ(LogOf("s3", "GetObject").empty(), false);
  EXPECT_NE(r.out.find("compared the templates of"), std::string::npos);

  // Locked, it is still clean: lock's own changes are filtered.
  RunResult lock = Flightplan({"lock", "--app-id", app.app_id, "--env", app.env, "--yes"});
  ASSERT_EQ(lock.exit_code, 0) << lock.out << lock.err;
  r = Drift(app, {"--project", project});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  report = Report(r);
  for (const char* source : {"cloudformation", "templates", "local"}) {
    EXPECT_EQ(StatusOf(report, source), "clean") << source << " after lock: " << r.out;
  }
}

INSTANTIATE_TEST_SUITE_P(FixtureApps, DriftEveryAppTest, ::testing::ValuesIn(kApps),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           std::string name = param.param;
                           name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
                           return name;
                         });

TEST_F(DriftTest, OutsideAProjectLocalIsSkippedAndTheTextReportSaysWhy) {
  App app = Seed("backend-only");
  RunResult r = Flightplan({"drift", "--app-id", app.app_id, "--env", app.env});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Local drift (amplify/backend vs #current-cloud-backend.zip): skipped"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("CloudFormation drift (resources changed outside it): clean"),
            std::string::npos)
      << r.out;
  // A second check is a new run, not "already completed".
  RunResult again = Drift(app);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(StatusOf(Report(again), "cloudformation"), "clean");
  EXPECT_EQ(StatusOf(Report(again), "local"), "skipped");
}

TEST_F(DriftTest, ResourcesChangedOutOfBandAreReportedByName) {
  App app = Seed("backend-only");
  auto table = FindResource(app, "AWS::DynamoDB::Table");
  Mutate(table, "BillingMode", Value("PROVISIONED"));
  auto bucket = FindResource(app, "AWS::S3::Bucket", "S3Bucket");
  Mutate(bucket, "CorsConfiguration", Obj({{"CorsRules", Value(ValueList{})}}));
  RunResult r = Drift(app);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  Value report = Report(r);
  EXPECT_EQ(report.Find("status")->as_string(), "drift");
  EXPECT_EQ(StatusOf(report, "cloudformation"), "drift");
  EXPECT_EQ(StatusOf(report, "templates"), "clean");
  EXPECT_EQ(Mentions(report, "cloudformation", table.second), 1) << r.out;
  EXPECT_EQ(Mentions(report, "cloudformation", "/BillingMode"), 1) << r.out;
  EXPECT_GE(Mentions(report, "cloudformation", "/CorsConfiguration"), 1) << r.out;
  // The command always reports (fail_on_drift is lock's), so drift is 1.
  EXPECT_EQ(Drift(app, {"-p", "fail_on_drift=true"}).exit_code, 1);
  // The text report names them too.
  RunResult text = Flightplan({"drift", "--app-id", app.app_id, "--env", app.env});
  EXPECT_EQ(text.exit_code, 1) << text.err;
  EXPECT_NE(text.out.find(table.second + " (AWS::DynamoDB::Table): NOT_EQUAL /BillingMode: "
                                         "expected PAY_PER_REQUEST, actual PROVISIONED"),
            std::string::npos)
      << text.out;
}

TEST_F(DriftTest, ATemplateEditedInTheBucketIsTemplateDrift) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  App app = Seed("backend-only");
  std::string key = "amplify-cfn-templates/storage/cloudformation-template.json";
  TempDir tmp;
  ASSERT_EQ(AwsCli({"s3", "cp", "s3://" + app.bucket + "/" + key, tmp.Join("t.json")}).exit_code,
            0);
  auto tmpl = Value::FromJson(ReadText(tmp.Join("t.json")));
  ASSERT_TRUE(tmpl.has_value());
  tmpl->as_map()["Outputs"].Set("Extra", Obj({{"Value", Value("x")}}));
  {
    std::ofstream out(tmp.Join("t.json"));
    out << tmpl->ToJson();
  }
  ASSERT_EQ(AwsCli({"s3", "cp", tmp.Join("t.json"), "s3://" + app.bucket + "/" + key}).exit_code,
            0);
  RunResult r = Drift(app);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  Value report = Report(r);
  EXPECT_EQ(StatusOf(report, "templates"), "drift");
  EXPECT_EQ(StatusOf(report, "cloudformation"), "clean");
  EXPECT_EQ(Mentions(report, "templates", "storages3c31471c3"), 1) << r.out;
  EXPECT_EQ(Mentions(report, "templates", "section Outputs differs: Extra"), 1) << r.out;
}

TEST_F(DriftTest, ALocalEditNotPushedIsLocalDrift) {
  App app = Seed("media-vault");
  std::string project = PushedProject(app);
  fs::path edited;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(project) / "amplify")) {
    if (entry.path().filename() == "cli-inputs.json") {
      edited = entry.path();
      break;
    }
  }
  ASSERT_FALSE(edited.empty());
  {
    std::ofstream out(edited, std::ios::app);
    out << "\n";
  }
  std::ofstream(fs::path(project) / "amplify" / "backend" / "new-file.txt") << "x";
  // Build output and regenerated files are not drift.
  fs::create_directories(fs::path(project) / "amplify" / "backend" / "function" / "build");
  std::ofstream(fs::path(project) / "amplify" / "backend" / "function" / "build" / "x.zip") << "x";
  std::ofstream(fs::path(project) / "amplify" / "backend" / "amplify-meta.json") << "{}";

  RunResult r = Drift(app, {"--project", project});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  Value report = Report(r);
  EXPECT_EQ(StatusOf(report, "local"), "drift");
  std::string relative =
      fs::relative(edited, fs::path(project) / "amplify" / "backend").generic_string();
  EXPECT_EQ(Mentions(report, "local", relative), 1) << r.out;
  EXPECT_EQ(Mentions(report, "local", "new-file.txt"), 1) << r.out;
  EXPECT_EQ(Mentions(report, "local", "build/x.zip"), 0) << r.out;
  EXPECT_EQ(Mentions(report, "local", "amplify-meta.json"), 0) << r.out;
  EXPECT_EQ(Source(report, "local").Find("findings")->as_list().size(), 2U) << r.out;
}

TEST_F(DriftTest, ADetectionThatFailsIsIncompleteNeverClean) {
  App app = Seed("discussions");
  AddFault("cloudformation", "DetectStackDrift", "error",
           {{"status", Value(400)}, {"code", Value("ValidationError")}, {"count", Value(1)}});
  RunResult r = Drift(app);
  EXPECT_EQ(r.exit_code, 8) << r.out << r.err;
  Value report = Report(r);
  EXPECT_EQ(report.Find("status")->as_string(), "incomplete");
  EXPECT_EQ(StatusOf(report, "cloudformation"), "incomplete");
  EXPECT_EQ(Source(report, "cloudformation").Find("problems")->as_list().size(), 1U) << r.out;
}

TEST_F(DriftTest, AMissingDeploymentBucketIsIncomplete) {
  App app = Seed("product-catalog");
  std::string project = PushedProject(app);
  Control("POST", "/_sim/mutate",
          Obj({{"service", Value("s3")},
               {"action", Value("delete_bucket")},
               {"Bucket", Value(app.bucket)}}));
  RunResult r = Drift(app, {"--project", project});
  EXPECT_EQ(r.exit_code, 8) << r.out << r.err;
  Value report = Report(r);
  EXPECT_EQ(StatusOf(report, "templates"), "incomplete") << r.out;
  EXPECT_EQ(StatusOf(report, "local"), "incomplete") << r.out;
  // The bucket is a resource of the root stack: CloudFormation drift names it.
  EXPECT_EQ(StatusOf(report, "cloudformation"), "drift") << r.out;
  EXPECT_EQ(Mentions(report, "cloudformation", "DeploymentBucket"), 1) << r.out;
}

TEST_F(DriftTest, ALockedEnvironmentIsCleanAndLockFiltersAreNamed) {
  // discussions keeps a DynamoDB table in a category stack (storage/activity),
  // whose template is compared with the bucket's.
  App app = Seed("discussions");
  RunResult lock = Flightplan({"lock", "--app-id", app.app_id, "--env", app.env, "--yes"});
  ASSERT_EQ(lock.exit_code, 0) << lock.out << lock.err;
  RunResult r = Drift(app);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Value report = Report(r);
  EXPECT_EQ(report.Find("status")->as_string(), "clean") << r.out;
  EXPECT_TRUE(FilterNamed(report, "templates", "lock-retain-policies")) << r.out;

  // Deletion protection differing on a table lock protected: lock's own.
  auto table = FindResource(app, "AWS::DynamoDB::Table", "DynamoDBTable");
  Mutate(table, "DeletionProtectionEnabled", Value(false));
  r = Drift(app);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  report = Report(r);
  EXPECT_TRUE(FilterNamed(report, "cloudformation", "lock-deletion-protection")) << r.out;
  EXPECT_EQ(Mentions(report, "cloudformation", table.second, "filtered"), 1) << r.out;

  // A real change of the same table still shows.
  Mutate(table, "StreamSpecification", Obj({{"StreamViewType", Value("KEYS_ONLY")}}));
  r = Drift(app);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  report = Report(r);
  EXPECT_EQ(Mentions(report, "cloudformation", "/StreamSpecification"), 1) << r.out;
  EXPECT_EQ(Mentions(report, "cloudformation", "/DeletionProtectionEnabled"), 0) << r.out;
}

TEST_F(DriftTest, LockRefusesADriftedEnvironmentUnlessValidationsAreSkipped) {
  App app = Seed("backend-only");
  auto table = FindResource(app, "AWS::DynamoDB::Table");
  Mutate(table, "BillingMode", Value("PROVISIONED"));
  RunResult refused = Flightplan({"lock", "--app-id", app.app_id, "--env", app.env, "--yes"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE((refused.out + refused.err).find("/BillingMode"), std::string::npos)
      << refused.out << refused.err;
  EXPECT_TRUE(LogOf("cloudformation", "CreateChangeSet").empty());
  RunResult skipped =
      Flightplan({"lock", "--app-id", app.app_id, "--env", app.env, "--yes", "--skip-validations"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.out << skipped.err;
  EXPECT_FALSE(LogOf("cloudformation", "CreateChangeSet").empty());
}

TEST_F(DriftTest, InsideAProjectDriftChecksItButLockLooksAtTheCloudOnly) {
  App app = Seed("backend-only");
  // The seeded zip is the fixture's backend as pushed; an edit not pushed
  // is local drift.
  fs::path project = fs::path(work_.path()) / "unpushed";
  fs::create_directories(project / "amplify");
  fs::copy(FixtureApp(app.name) / "amplify" / "backend", project / "amplify" / "backend",
           fs::copy_options::recursive);
  std::ofstream(project / "amplify" / "backend" / "backend-config.json", std::ios::app) << "\n";
  RunResult r =
      Flightplan({"drift", "--app-id", app.app_id, "--env", app.env, "--json"}, project.string());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  Value report = Report(r);
  EXPECT_EQ(StatusOf(report, "local"), "drift") << r.out;
  EXPECT_EQ(Mentions(report, "local", "backend-config.json"), 1) << r.out;
  EXPECT_EQ(Source(report, "local").Find("findings")->as_list().size(), 1U) << r.out;
  EXPECT_EQ(StatusOf(report, "cloudformation"), "clean") << r.out;

  RunResult lock =
      Flightplan({"lock", "--app-id", app.app_id, "--env", app.env, "--yes"}, project.string());
  EXPECT_EQ(lock.exit_code, 0) << lock.out << lock.err;
}

TEST_F(DriftTest, TheS3TriggerPermissionFilterHidesOnlyItsFalsePositive) {
  App app = Seed("product-catalog");
  auto permission = FindResource(app, "AWS::Lambda::Permission", "TriggerPermissions");
  Mutate(permission, "SourceArn", Value("arn:aws:s3:::normalised-by-aws"));
  RunResult r = Drift(app);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Value report = Report(r);
  EXPECT_TRUE(FilterNamed(report, "cloudformation", "s3-trigger-permission")) << r.out;
  EXPECT_EQ(Mentions(report, "cloudformation", "TriggerPermissions", "filtered"), 1) << r.out;

  Mutate(permission, "FunctionName", Value("someone-elses-function"));
  r = Drift(app);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  report = Report(r);
  EXPECT_EQ(Mentions(report, "cloudformation", "/FunctionName"), 1) << r.out;
  EXPECT_EQ(Mentions(report, "cloudformation", "/SourceArn"), 0) << r.out;
}

TEST_F(DriftTest, TheRestApiDescriptionFilterHidesOnlyTheDescription) {
  App app = Seed("fitness-tracker");
  auto api = FindResource(app, "AWS::ApiGateway::RestApi", "adminapi");
  Mutate(api, "Description", Value("set by API Gateway"));
  RunResult r = Drift(app);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Value report = Report(r);
  EXPECT_TRUE(FilterNamed(report, "cloudformation", "rest-api-description")) << r.out;

  Mutate(api, "Name", Value("renamed-in-the-console"));
  r = Drift(app);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(Mentions(Report(r), "cloudformation", "/Name"), 1) << r.out;
}

TEST_F(DriftTest, ADryRunSaysWhichChecksAndMakesNoMutatingRequest) {
  App app = Seed("discussions");
  size_t before = simulator_->Log().size();
  RunResult r = Flightplan({"drift", "--app-id", app.app_id, "--env", app.env, "--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("DetectStackDrift on"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("root-cloudformation-stack.json"), std::string::npos) << r.out;
  std::vector<LogEntry> log = simulator_->Log();
  for (size_t i = before; i < log.size(); ++i) {
    const std::string& op = log[i].operation;
    bool reads = op.rfind("Describe", 0) == 0 || op.rfind("Get", 0) == 0 ||
                 op.rfind("List", 0) == 0 || op.rfind("Head", 0) == 0;
    EXPECT_TRUE(reads) << "a dry run called " << log[i].service << " " << op;
  }
  EXPECT_TRUE(LogOf("cloudformation", "DetectStackDrift").empty());
}

TEST_F(DriftTest, TheGeneralFormRunsTheSameWorkflow) {
  App app = Seed("backend-only");
  RunResult r =
      Flightplan({"run", "drift", "--param", "app_id=" + app.app_id, "--param", "env=" + app.env});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(LogOf("cloudformation", "DescribeStackResourceDrifts").empty());
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
