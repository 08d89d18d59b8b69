// The amplify.generate workflow step on copies of the fixture apps, called
// through the step contract as the executor calls it: forward, check after
// every state a crash can leave, rollback to the exact Gen1 tree, and the
// refusals that leave everything as it was. Real git and real files.
#include "steps/amplify/generate_step.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"
#include "steps/sys/posix_process_runner.h"
#include "steps/sys/tree_snapshot.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using testing::CopyFixture;
using testing::FixtureApps;
using ::testing::HasSubstr;
using testing::ReadFile;
using testing::ScratchDir;
using testing::WriteFile;

// --- package.json and .gitignore -----------------------------------------

const char kGenerated[] = R"({"dependencies":{"cli-table3":"0.6.5"},
"devDependencies":{"@aws-amplify/backend":"1.25.1","aws-cdk-lib":"2.276.0"},
"name":"x-gen2","private":true,"type":"module","version":"1.0.0"})";

TEST(MergePackageJsonTest, WithoutAnAppPackageTheGeneratedOneIsUsed) {
  Result<std::string> merged = MergePackageJson(std::nullopt, kGenerated);
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged, kGenerated);
}

TEST(MergePackageJsonTest, TheAppKeepsItsFieldsAndOrderAndGainsTheToolchain) {
  Result<std::string> merged = MergePackageJson(
      R"({"name": "shop", "version": "2.0.0", "scripts": {"start": "vite"},
          "dependencies": {"react": "^18.2.0", "aws-amplify": "^6"},
          "devDependencies": {"aws-cdk-lib": "2.100.0"}})",
      kGenerated);
  ASSERT_TRUE(merged) << merged.error().ToString();
  EXPECT_EQ(*merged, R"({
  "name": "shop",
  "version": "2.0.0",
  "scripts": {
    "start": "vite"
  },
  "dependencies": {
    "aws-amplify": "^6",
    "cli-table3": "0.6.5",
    "react": "^18.2.0"
  },
  "devDependencies": {
    "@aws-amplify/backend": "1.25.1",
    "aws-cdk-lib": "2.276.0"
  }
}
)");
}

TEST(MergePackageJsonTest, ABrokenAppPackageIsRefusedWithWhereAndWhat) {
  Result<std::string> broken = MergePackageJson(std::string(R"({"name": "shop",)"), kGenerated);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(broken.error().message(), HasSubstr("not valid JSON (at byte"));

  Result<std::string> list = MergePackageJson(std::string("[1, 2]"), kGenerated);
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code(), ErrorCode::kInvalidInput);

  Result<std::string> deps =
      MergePackageJson(std::string(R"({"devDependencies": "none"})"), kGenerated);
  ASSERT_FALSE(deps);
  EXPECT_THAT(deps.error().message(), HasSubstr("\"devDependencies\" is not an object"));
}

TEST(MergePackageJsonTest, AnAppPackageNestedAbsurdlyDeepIsRefusedNotACrash) {
  // RapidJSON's recursive parser and writer would overflow the stack here.
  std::string deep = R"({"name": "shop", "config": )" + std::string(1'000'000, '[') +
                     std::string(1'000'000, ']') + "}";
  Result<std::string> merged = MergePackageJson(deep, kGenerated);
  ASSERT_FALSE(merged);
  EXPECT_EQ(merged.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(merged.error().message(), HasSubstr("nested more than"));
}

TEST(MergeGitignoreTest, AddsOnlyTheMissingEntriesUnderAComment) {
  EXPECT_EQ(MergeGitignore(std::nullopt),
            "# Amplify Gen2 (added by flightplan generate)\n.amplify\namplify_outputs*\n"
            "node_modules\n");
  EXPECT_EQ(MergeGitignore(std::string("/node_modules/\nbuild")),
            "/node_modules/\nbuild\n\n# Amplify Gen2 (added by flightplan generate)\n"
            ".amplify\namplify_outputs*\n");
  std::string complete = "node_modules\n.amplify/\namplify_outputs*\n";
  EXPECT_EQ(MergeGitignore(complete), complete);
}

// --- the step ---------------------------------------------------------------

class GenerateStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterAmplifySteps(registry_);
    step_ = registry_.Find("amplify.generate");
    ASSERT_NE(step_, nullptr);
    backups_ = scratch_.path() / "backups";
  }

  fs::path Project(const std::string& app = "media-vault") {
    fs::create_directories(scratch_.path() / "work");
    project_ = CopyFixture(app, scratch_.path() / "work");
    return project_;
  }

  Value Inputs(Value extra = Value(ValueMap{})) {
    Value inputs = std::move(extra);
    inputs.Set("project", project_.string());
    inputs.Set("backup_dir", backups_.string());
    return inputs;
  }

  StepContext Context() {
    StepContext ctx;
    ctx.run_id = 7;
    ctx.step_id = "generate";
    ctx.processes = &runner_;
    ctx.prepared = prepared_;
    return ctx;
  }

  Result<Value> Prepare(const Value& inputs) {
    StepContext ctx = Context();
    Result<Value> p = step_->Prepare(inputs, ctx);
    if (p) prepared_ = *p;
    return p;
  }

  Result<Value> Execute(const Value& inputs) {
    StepContext ctx = Context();
    return step_->Execute(inputs, ctx);
  }

  CheckResult Check(const Value& inputs) {
    StepContext ctx = Context();
    Result<CheckResult> c = step_->Check(inputs, ctx);
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? *c : CheckResult{};
  }

  CheckResult CheckRollback(const Value& inputs) {
    StepContext ctx = Context();
    Result<CheckResult> c = step_->CheckRollback(inputs, ctx.prepared, ctx);
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? *c : CheckResult{};
  }

  Result<void> Rollback(const Value& inputs) {
    StepContext ctx = Context();
    return step_->Rollback(inputs, Value(), ctx);
  }

  tree::TreeManifest Scan() {
    Result<tree::TreeManifest> m = tree::ScanTree(project_, GenerateReplacedPaths());
    EXPECT_TRUE(m) << m.error().ToString();
    return m ? *m : tree::TreeManifest{};
  }

  fs::path Backup() const { return prepared_.Find("backup")->as_string(); }

  void Git(const std::vector<std::string>& args) {
    ProcessSpec spec;
    spec.argv = {"git", "-C", project_.string(), "-c", "user.name=t", "-c", "user.email=t@t"};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    Result<ProcessResult> r = runner_.Run(spec);
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ(r->exit_code, 0) << r->stderr_text;
  }

  bool HaveGit() {
    ProcessSpec spec;
    spec.argv = {"git", "--version"};
    Result<ProcessResult> r = runner_.Run(spec);
    return r && r->exit_code == 0;
  }

  ScratchDir scratch_;
  StepRegistry registry_;
  const StepType* step_ = nullptr;
  PosixProcessRunner runner_;
  fs::path project_;
  fs::path backups_;
  Value prepared_;
};

TEST_F(GenerateStepTest, EveryFixtureAppIsReplacedByItsGen2BackendAndRestoredExactly) {
  for (const std::string& app : FixtureApps()) {
    SCOPED_TRACE(app);
    fs::remove_all(scratch_.path() / "work");
    fs::remove_all(backups_);
    Project(app);
    WriteFile(project_ / "package.json", R"({"name": "frontend", "dependencies": {"vue": "^3"}})");
    tree::TreeManifest gen1 = Scan();
    Result<Gen1Project> loaded = LoadGen1Project(project_);
    ASSERT_TRUE(loaded);
    Result<GeneratedFiles> expected = GenerateGen2(*loaded, {});
    ASSERT_TRUE(expected);

    Value inputs = Inputs();
    Result<Value> prepared = Prepare(inputs);
    ASSERT_TRUE(prepared) << prepared.error().ToString();
    EXPECT_EQ(prepared->Find("git")->as_string(), "not a git work tree");
    Result<Value> out = Execute(inputs);
    ASSERT_TRUE(out) << out.error().ToString();

    // amplify/ holds exactly the generated files, byte for byte.
    size_t amplify_files = 0;
    for (const auto& [path, bytes] : *expected) {
      if (path == "package.json") continue;
      ++amplify_files;
      EXPECT_EQ(ReadFile(project_ / path), bytes) << path;
    }
    size_t on_disk = 0;
    for (const auto& e : fs::recursive_directory_iterator(project_ / "amplify")) {
      on_disk += e.is_regular_file() ? 1 : 0;
    }
    EXPECT_EQ(on_disk, amplify_files);
    EXPECT_THAT(ReadFile(project_ / "package.json"), HasSubstr("\"vue\": \"^3\""));
    EXPECT_THAT(ReadFile(project_ / "package.json"), HasSubstr("\"aws-cdk-lib\": \"2.276.0\""));
    EXPECT_THAT(ReadFile(project_ / ".gitignore"), HasSubstr("amplify_outputs*"));
    EXPECT_EQ(out->Find("gen1_files")->as_int(), static_cast<int64_t>(gen1.FileCount()));
    EXPECT_EQ(out->Find("files")->as_int(), static_cast<int64_t>(expected->size() + 1));

    CheckResult done = Check(inputs);
    EXPECT_EQ(done.outcome, CheckOutcome::kDone) << done.explanation;
    EXPECT_EQ(done.outputs, *out);

    ASSERT_TRUE(Rollback(inputs));
    EXPECT_TRUE(tree::Differences(Scan(), gen1, tree::CompareModes::kYes).empty());
    EXPECT_EQ(Scan().Digest(), gen1.Digest());
    EXPECT_EQ(CheckRollback(inputs).outcome, CheckOutcome::kDone);
    // A second rollback finds nothing to do.
    ASSERT_TRUE(Rollback(inputs));
  }
}

TEST_F(GenerateStepTest, TheSameProjectGivesTheSameDigest) {
  Project();
  Value inputs = Inputs();
  ASSERT_TRUE(Prepare(inputs));
  Result<Value> first = Execute(inputs);
  ASSERT_TRUE(first);
  ASSERT_TRUE(Rollback(inputs));
  ASSERT_TRUE(Execute(inputs));
  Result<Value> second = Execute(inputs);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->Find("digest")->as_string(), second->Find("digest")->as_string());
}

TEST_F(GenerateStepTest, RestoreKeepsModesAndTimesOfTheGen1Files) {
  Project();
  fs::path cli = project_ / "amplify" / "cli.json";
  chmod(cli.c_str(), 0600);
  struct timespec times[2] = {{0, UTIME_OMIT}, {1234567890, 42}};
  ASSERT_EQ(utimensat(AT_FDCWD, cli.c_str(), times, 0), 0);
  Value inputs = Inputs();
  ASSERT_TRUE(Prepare(inputs));
  ASSERT_TRUE(Execute(inputs));
  EXPECT_FALSE(fs::exists(cli));
  ASSERT_TRUE(Rollback(inputs));
  struct stat st {};
  ASSERT_EQ(stat(cli.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1234567890);
  EXPECT_EQ(st.st_mtim.tv_nsec, 42);
  EXPECT_FALSE(fs::exists(project_ / "package.json"));
  EXPECT_FALSE(fs::exists(project_ / ".gitignore"));
}

TEST_F(GenerateStepTest, AfterPrepareAloneTheCheckSaysNotDone) {
  Project();
  Value inputs = Inputs();
  ASSERT_TRUE(Prepare(inputs));
  CheckResult c = Check(inputs);
  EXPECT_EQ(c.outcome, CheckOutcome::kNotDone) << c.explanation;
}

TEST_F(GenerateStepTest, ASwapCutShortByACrashIsFinishedByExecutingAgain) {
  Project();
  Value inputs = Inputs();
  ASSERT_TRUE(Prepare(inputs));
  // Killed between moving Gen1's amplify/ aside and moving the new one in.
  fs::rename(project_ / "amplify", project_ / ".amplify.flightplan-old");
  fs::create_directories(project_ / ".amplify.flightplan-new");
  WriteFile(project_ / ".amplify.flightplan-new" / "backend.ts", "half written");
  CheckResult c = Check(inputs);
  EXPECT_EQ(c.outcome, CheckOutcome::kNotDone) << c.explanation;
  EXPECT_TRUE(fs::exists(project_ / "amplify" / "backend" / "backend-config.json"));
  EXPECT_FALSE(fs::exists(project_ / ".amplify.flightplan-new"));
  ASSERT_TRUE(Execute(inputs));
  EXPECT_EQ(Check(inputs).outcome, CheckOutcome::kDone);
}

TEST_F(GenerateStepTest, AmplifySwappedButPackageJsonNotYetIsNotDone) {
  Project();
  Value inputs = Inputs();
  ASSERT_TRUE(Prepare(inputs));
  ASSERT_TRUE(Execute(inputs));
  fs::remove(project_ / "package.json");  // as it was before the step
  CheckResult c = Check(inputs);
  EXPECT_EQ(c.outcome, CheckOutcome::kNotDone) << c.explanation;
  EXPECT_EQ(CheckRollback(inputs).outcome, CheckOutcome::kNotDone);
  ASSERT_TRUE(Execute(inputs));
  EXPECT_EQ(Check(inputs).outcome, CheckOutcome::kDone);
}

TEST_F(GenerateStepTest, EditsMadeAfterGenerateAreUnknownToCheckAndKeptByRollback) {
  Project();
  tree::TreeManifest gen1 = Scan();
  Value inputs = Inputs();
  ASSERT_TRUE(Prepare(inputs));
  ASSERT_TRUE(Execute(inputs));
  std::string backend = ReadFile(project_ / "amplify" / "backend.ts");
  WriteFile(project_ / "amplify" / "backend.ts", backend + "// my change\n");
  CheckResult c = Check(inputs);
  EXPECT_EQ(c.outcome, CheckOutcome::kUnknown);
  EXPECT_THAT(c.explanation, HasSubstr("amplify"));

  ASSERT_TRUE(Rollback(inputs));
  EXPECT_TRUE(tree::Differences(Scan(), gen1, tree::CompareModes::kYes).empty());
  fs::path kept = fs::path(Backup().string() + ".replaced") / "tree" / "amplify" / "backend.ts";
  EXPECT_EQ(ReadFile(kept), backend + "// my change\n");
}

TEST_F(GenerateStepTest, ADamagedSnapshotStopsExecuteAndRollbackWithoutAChange) {
  Project();
  Value inputs = Inputs();
  ASSERT_TRUE(Prepare(inputs));
  WriteFile(Backup() / "tree" / "amplify" / "cli.json", "{}");
  tree::TreeManifest gen1 = Scan();
  Result<Value> out = Execute(inputs);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code(), ErrorCode::kCorruption);
  EXPECT_THAT(out.error().message(), HasSubstr("cli.json"));
  EXPECT_TRUE(tree::Differences(Scan(), gen1, tree::CompareModes::kYes).empty());

  Result<void> back = Rollback(inputs);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code(), ErrorCode::kCorruption);
  EXPECT_TRUE(tree::Differences(Scan(), gen1, tree::CompareModes::kYes).empty());
}

TEST_F(GenerateStepTest, ASnapshotSwappedForAnotherIsRefused) {
  Project();
  Value inputs = Inputs();
  ASSERT_TRUE(Prepare(inputs));
  Value forged = prepared_;
  forged.Set("manifest_digest", std::string(64, '0'));
  prepared_ = forged;
  Result<Value> out = Execute(inputs);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code(), ErrorCode::kCorruption);
  EXPECT_TRUE(fs::exists(project_ / "amplify" / "backend" / "backend-config.json"));
}

TEST_F(GenerateStepTest, PreparingAgainReusesAMatchingSnapshotAndNeverOverwritesOne) {
  Project();
  Value inputs = Inputs();
  ASSERT_TRUE(Prepare(inputs));
  fs::path first = Backup();
  ASSERT_TRUE(Prepare(inputs));
  EXPECT_EQ(Backup(), first);
  WriteFile(project_ / "package.json", R"({"name": "changed"})");
  ASSERT_TRUE(Prepare(inputs));
  EXPECT_EQ(Backup(), fs::path(first.string() + ".2"));
  EXPECT_FALSE(fs::exists(first / "tree" / "package.json"));
}

TEST_F(GenerateStepTest, RefusalsChangeNothingAndSayWhatToDo) {
  Project();
  tree::TreeManifest gen1 = Scan();

  Value wrong_app = Inputs();
  wrong_app.Set("app_id", "someotherapp");
  Result<Value> p = Prepare(wrong_app);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kConflict);
  EXPECT_THAT(p.error().message(), HasSubstr("app 'mediavault'"));
  EXPECT_THAT(p.error().message(), HasSubstr("someotherapp"));

  WriteFile(project_ / "package.json", "{\"name\": ");
  p = Prepare(Inputs());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kInvalidInput);
  EXPECT_THAT(p.error().ToString(), HasSubstr("package.json"));
  fs::remove(project_ / "package.json");

  EXPECT_TRUE(tree::Differences(Scan(), gen1, tree::CompareModes::kYes).empty());
  EXPECT_FALSE(fs::exists(backups_));

  ASSERT_TRUE(Prepare(Inputs()));
  ASSERT_TRUE(Execute(Inputs()));
  prepared_ = Value();
  Result<Value> again = Prepare(Inputs());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  EXPECT_THAT(again.error().message(), HasSubstr("already holds a Gen2 backend"));
}

TEST_F(GenerateStepTest, ADirtyGitTreeIsRefusedUnlessForced) {
  if (!HaveGit()) GTEST_SKIP() << "git is not installed";
  Project();
  Git({"init", "-q"});
  Git({"add", "-A"});
  Git({"commit", "-q", "-m", "gen1"});
  ASSERT_TRUE(Prepare(Inputs()));
  EXPECT_EQ(prepared_.Find("git")->as_string(), "clean");

  WriteFile(project_ / "amplify" / "backend" / "function" / "thumbnailgen" / "src" / "new.js", "1");
  fs::remove_all(backups_);
  tree::TreeManifest dirty = Scan();
  Result<Value> refused = Prepare(Inputs());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
  EXPECT_THAT(refused.error().message(), HasSubstr("thumbnailgen/src/new.js"));
  EXPECT_THAT(refused.error().message(), HasSubstr("force: true"));
  EXPECT_FALSE(fs::exists(backups_));
  EXPECT_TRUE(tree::Differences(Scan(), dirty, tree::CompareModes::kYes).empty());

  Value forced = Inputs();
  forced.Set("force", true);
  ASSERT_TRUE(Prepare(forced));
  EXPECT_EQ(prepared_.Find("git")->as_string(), "dirty (forced)");
  ASSERT_TRUE(Execute(forced));
  ASSERT_TRUE(Rollback(forced));
  EXPECT_EQ(
      ReadFile(project_ / "amplify" / "backend" / "function" / "thumbnailgen" / "src" / "new.js"),
      "1");
}

TEST_F(GenerateStepTest, AFailedWriteLeavesTheGen1FilesInPlace) {
  Project();
  tree::TreeManifest gen1 = Scan();
  Value inputs = Inputs();
  ASSERT_TRUE(Prepare(inputs));
  // A full disk, as far as this process can tell: no write may exceed 16
  // bytes (root ignores folder permissions, so those cannot stand in).
  struct rlimit old_limit {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit tiny = old_limit;
  tiny.rlim_cur = 16;
  sighandler_t old_handler = signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tiny), 0);
  Result<Value> out = Execute(inputs);
  setrlimit(RLIMIT_FSIZE, &old_limit);
  signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(out.error().ToString(), HasSubstr("writing the Gen2 backend"));
  EXPECT_TRUE(tree::Differences(Scan(), gen1, tree::CompareModes::kYes).empty());
}

TEST_F(GenerateStepTest, StaticValidationRefusesAnUnknownPhase) {
  Value inputs;
  inputs.Set("phase", "mid-refactor");
  Result<void> v = step_->ValidateStatic(inputs);
  ASSERT_FALSE(v);
  EXPECT_THAT(v.error().message(), HasSubstr("pre-refactor or post-refactor"));
  inputs.Set("phase", "${params.phase}");
  EXPECT_TRUE(step_->ValidateStatic(inputs));
}

}  // namespace
}  // namespace flightplan::amplify
