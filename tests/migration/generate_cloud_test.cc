// `generate --app-id ID --env ENV` and `assess --app-id ID --env ENV`: the
// Gen1 project read from the environment's #current-cloud-backend.zip in the
// simulator (seeded with each fixture app), with the real binary. The oracle
// is the same command on the local project (--gen1): the generated trees
// must be the same byte for byte. Each way the cloud can fail is a clear
// message, the phase commands' exit code, nothing in --out and no temporary
// folder left behind.
#include <gtest/gtest.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/migration/migration_fixture.h"

namespace flightplan::testing {
namespace {

namespace fs = std::filesystem;
using cloudsim::testing::Obj;

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Relative path -> bytes of every file under `dir`.
std::map<std::string, std::string> Tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      out[fs::relative(entry.path(), dir).generic_string()] = ReadBytes(entry.path());
    }
  }
  return out;
}

// A zip holding `entries` (name -> bytes) as given, names unchecked.
std::string ZipOf(const std::map<std::string, std::string>& entries) {
  TempDir tmp;
  std::string path = tmp.Join("x.zip");
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  EXPECT_NE(archive, nullptr);
  if (archive == nullptr) return "";
  for (const auto& [name, bytes] : entries) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    EXPECT_GE(zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE), 0) << name;
  }
  EXPECT_EQ(zip_close(archive), 0);
  return ReadBytes(path);
}

class GenerateCloudTest : public MigrationTest {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    fs::create_directories(tmpdir_);
  }

  // flightplan with TMPDIR pointed at a folder the test watches.
  RunResult Run(std::vector<std::string> args) {
    Invocation inv;
    inv.args = {"--state", state_};
    inv.args.insert(inv.args.end(), args.begin(), args.end());
    inv.cwd = dir_.path();
    inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
               {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
               {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
               {"AWS_REGION", "us-east-1"},
               {"HOME", dir_.path()},
               {"TMPDIR", tmpdir_.string()}};
    inv.timeout = std::chrono::milliseconds(120000);
    return RunFlightplan(inv);
  }

  std::string Bucket() {
    Value env = Call("amplify", "GetBackendEnvironment",
                     Obj({{"appId", Value(app_id_)}, {"environmentName", Value(env_)}}));
    return env.Find("backendEnvironment")->Find("deploymentArtifacts")->as_string();
  }

  void PutZip(const std::string& body) {
    Value put(ValueMap{});
    put.Set("Bucket", Bucket());
    put.Set("Key", "#current-cloud-backend.zip");
    put.Set("Body", body);
    Call("s3", "PutObject", put);
  }

  // A cloud generate that must fail: the message, exit 1, no --out, and the
  // temporary folder removed.
  void ExpectRefused(const std::string& app_id, const std::string& env,
                     const std::string& message) {
    fs::path out = fs::path(dir_.path()) / "refused";
    RunResult r = Run({"generate", "--app-id", app_id, "--env", env, "--out", out.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out)) << "nothing may be written to --out";
    EXPECT_TRUE(fs::is_empty(tmpdir_)) << "the temporary project folder is left behind";
  }

  fs::path tmpdir_ = fs::path(dir_.path()) / "tmp";
};

class GenerateCloudAppTest : public GenerateCloudTest,
                             public ::testing::WithParamInterface<const char*> {};

TEST_P(GenerateCloudAppTest, FromTheCloudGivesTheSameFilesAsFromTheProject) {
  Seed(GetParam());
  fs::path from_cloud = fs::path(dir_.path()) / "cloud";
  fs::path from_project = fs::path(dir_.path()) / "project";
  RunResult cloud =
      Run({"generate", "--app-id", app_id_, "--env", env_, "--out", from_cloud.string()});
  ASSERT_EQ(cloud.exit_code, 0) << cloud.out << cloud.err;
  EXPECT_NE(cloud.err.find("#current-cloud-backend.zip of app " + app_id_), std::string::npos)
      << cloud.err;
  RunResult local =
      Run({"generate", "--gen1", FixtureApp(GetParam()).string(), "--out", from_project.string()});
  ASSERT_EQ(local.exit_code, 0) << local.out << local.err;

  std::map<std::string, std::string> a = Tree(from_cloud);
  std::map<std::string, std::string> b = Tree(from_project);
  ASSERT_FALSE(a.empty());
  std::vector<std::string> differ;
  for (const auto& [path, bytes] : b) {
    auto it = a.find(path);
    if (it == a.end() || it->second != bytes) differ.push_back(path);
  }
  for (const auto& [path, bytes] : a) {
    if (!b.count(path)) differ.push_back(path + " (only from the cloud)");
  }
  EXPECT_TRUE(differ.empty()) << ::testing::PrintToString(differ);
  EXPECT_TRUE(fs::is_empty(tmpdir_)) << "the temporary project folder is left behind";

  // assess reads the same project.
  RunResult assess_cloud = Run({"assess", "--app-id", app_id_, "--env", env_, "--json"});
  RunResult assess_local = Run({"assess", "--gen1", FixtureApp(GetParam()).string(), "--json"});
  ASSERT_EQ(assess_cloud.exit_code, 0) << assess_cloud.err;
  ASSERT_EQ(assess_local.exit_code, 0) << assess_local.err;
  EXPECT_EQ(assess_cloud.out, assess_local.out);
}

const char* const kApps[] = {"backend-only", "discussions", "fitness-tracker", "media-vault",
                             "product-catalog"};
INSTANTIATE_TEST_SUITE_P(Apps, GenerateCloudAppTest, ::testing::ValuesIn(kApps),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

// The two-environments Gen1 case (tests/data/gen1-cases/): main is deployed
// from the project's files, dev is the same backend pushed as env dev. Each
// environment is generated from its own #current-cloud-backend.zip and names
// its own resources.
TEST_F(GenerateCloudTest, EachOfTwoEnvironmentsIsGeneratedFromItsOwnCloudBackend) {
  const fs::path amplify =
      fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests/data/gen1-cases/two-environments/amplify";
  // The app as the Amplify console made it (CreateApp is not a call
  // flightplan sends): straight into the simulator's world.
  const std::string app_id = "d2twoenvs";
  {
    std::lock_guard lock(world().mutex);
    ASSERT_TRUE(world().amplify.CreateApp(
        Obj({{"appId", Value(app_id)}, {"name", Value("twoenvs")}, {"platform", Value("WEB")}}),
        world().Now()));
  }
  for (const std::string env : {"main", "dev"}) {
    // What `amplify push` uploads for the env: backend/ with the build
    // output over it, the env's names in place of main's.
    std::map<std::string, std::string> files;
    for (const fs::path& dir : {amplify / "backend", amplify / "#current-cloud-backend"}) {
      for (const auto& [path, bytes] : Tree(dir)) {
        std::string text = bytes;
        if (env != "main") {
          for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
                   {"-main-5e0fa", "-dev-7a1b2"}, {"\"main\"", "\"dev\""}, {"__main", "__dev"}}) {
            for (size_t at = text.find(from); at != std::string::npos;
                 at = text.find(from, at + to.size())) {
              text.replace(at, from.size(), to);
            }
          }
        }
        files[path] = text;
      }
    }
    const std::string bucket = "amplify-twoenvs-" + env + "-deployment";
    std::lock_guard lock(world().mutex);
    ASSERT_TRUE(world().s3.CreateBucket(bucket, world().Now()));
    ASSERT_TRUE(world().s3.PutObject(bucket, "#current-cloud-backend.zip", ZipOf(files),
                                     world().Now(), "application/zip"));
    ASSERT_TRUE(world().amplify.CreateBackendEnvironment(
        app_id,
        Obj({{"environmentName", Value(env)},
             {"stackName", Value("amplify-twoenvs-" + env + (env == "main" ? "-5e0fa" : "-7a1b2"))},
             {"deploymentArtifacts", Value(bucket)}}),
        world().Now()));
  }
  for (const std::string env : {"main", "dev"}) {
    SCOPED_TRACE(env);
    fs::path out = fs::path(dir_.path()) / ("gen2-" + env);
    RunResult r = Run({"generate", "--app-id", app_id, "--env", env, "--out", out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::string migration = ReadBytes(out / "amplify" / "migration.json");
    EXPECT_NE(migration.find("\"env\": \"" + env + "\""), std::string::npos) << migration;
    EXPECT_NE(migration.find("_userpool_f8c4c57b-" + env + "\""), std::string::npos) << migration;
    const std::string other = env == "main" ? "dev" : "main";
    EXPECT_EQ(migration.find("_userpool_f8c4c57b-" + other + "\""), std::string::npos) << migration;
  }
}

TEST_F(GenerateCloudTest, AnUnknownAppOrEnvironmentIsRefusedAsThePhasesRefuseIt) {
  Seed("backend-only");
  ExpectRefused("nosuchapp", env_, "Amplify knows no backend environment");
  ExpectRefused(app_id_, "nosuchenv", "Amplify knows no backend environment 'nosuchenv'");
  // The phase commands give the same exit code for the same mistake.
  RunResult lock = Run({"lock", "--app-id", "nosuchapp", "--env", env_, "--yes"});
  EXPECT_EQ(lock.exit_code, 1) << lock.out << lock.err;
  EXPECT_NE(lock.err.find("Amplify knows no backend environment"), std::string::npos) << lock.err;
}

TEST_F(GenerateCloudTest, AMissingOrCorruptZipIsRefused) {
  Seed("media-vault");
  std::string bucket = Bucket();
  Call("s3", "DeleteObject",
       Obj({{"Bucket", Value(bucket)}, {"Key", Value("#current-cloud-backend.zip")}}));
  ExpectRefused(app_id_, env_, "#current-cloud-backend.zip does not exist");

  PutZip("PK\x03\x04 this is not a zip");
  ExpectRefused(app_id_, env_, "is not a readable zip");

  PutZip(ZipOf({{"amplify-meta.json", "{}"}}));
  ExpectRefused(app_id_, env_, "holds no backend-config.json");
}

TEST_F(GenerateCloudTest, AnEntryThatLeavesTheFolderIsRefusedAndNothingIsWrittenOutside) {
  Seed("backend-only");
  for (const char* evil :
       {"../escaped.txt", "a/../../escaped.txt", "/abs/escaped.txt", "a\\..\\escaped.txt"}) {
    SCOPED_TRACE(evil);
    PutZip(ZipOf({{"backend-config.json", "{}"}, {evil, "gotcha"}}));
    ExpectRefused(app_id_, env_, "leaves the folder");
    EXPECT_FALSE(fs::exists(fs::path(dir_.path()) / "escaped.txt"));
    EXPECT_FALSE(fs::exists(tmpdir_.parent_path() / "escaped.txt"));
  }
}

TEST_F(GenerateCloudTest, AnEntryOverTheSizeBoundIsRefusedBeforeItIsInflated) {
  Seed("backend-only");
  // 65 MiB of zeros compress to a few dozen KiB: the bound is on what the
  // zip's directory says, not on what was downloaded.
  PutZip(ZipOf({{"backend-config.json", "{}"}, {"big.bin", std::string(65u << 20, '\0')}}));
  ExpectRefused(app_id_, env_, "'big.bin' makes the unzipped size pass the bound");
}

TEST_F(GenerateCloudTest, OptionsThatNameNoProjectAreUsageErrors) {
  RunResult none = Run({"generate", "--out", dir_.Join("x")});
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_NE(none.err.find("--gen1 DIR"), std::string::npos) << none.err;
  RunResult no_env = Run({"generate", "--app-id", "d123", "--out", dir_.Join("x")});
  EXPECT_EQ(no_env.exit_code, 2) << no_env.err;
  EXPECT_NE(no_env.err.find("--app-id needs --env"), std::string::npos) << no_env.err;
  RunResult both = Run({"assess", "--app-id", "d123", "--env", "main", "--gen1", dir_.path()});
  EXPECT_EQ(both.exit_code, 2) << both.err;
  EXPECT_FALSE(fs::exists(dir_.Join("x")));
}

}  // namespace
}  // namespace flightplan::testing
