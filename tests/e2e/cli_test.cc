// The command line as users meet it: exit codes, messages, and the promise
// that bad input changes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "tests/support/test_support.h"
#include "tests/support/yaml_alias_bomb.h"

namespace flightplan::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// ASan reserves terabytes of address space for its shadow memory, so an
// address-space limit cannot bound a sanitized binary.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

class CliTest : public ::testing::Test {
 protected:
  RunResult Flightplan(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    Invocation inv;
    inv.args = std::move(args);
    inv.cwd = dir_.path();
    inv.env = std::move(env);
    return RunFlightplan(inv);
  }
  bool StateFileExists() { return FileExists(dir_.Join(".flightplan/state.db")); }
  TempDir dir_;
};

TEST_F(CliTest, EveryCommandHasHelp) {
  RunResult top = Flightplan({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* word :
       {"run", "resume", "rollback", "status", "history", "resolve", "audit", "lease", "workflows",
        "--state", "--operator", "--yes", "--dry-run", "--skip-validations", "Exit codes"}) {
    EXPECT_NE(top.out.find(word), std::string::npos) << word;
  }
  for (std::vector<std::string> cmd : {std::vector<std::string>{"run"},
                                       {"resume"},
                                       {"rollback"},
                                       {"status"},
                                       {"history"},
                                       {"resolve"},
                                       {"audit", "verify"},
                                       {"audit", "export"},
                                       {"lease", "show"},
                                       {"lease", "take-over"},
                                       {"workflows", "list"},
                                       {"workflows", "validate"},
                                       {"data", "new"},
                                       {"data", "status"},
                                       {"data", "migrate"},
                                       {"schema", "diff"}}) {
    cmd.push_back("--help");
    RunResult help = Flightplan(cmd);
    EXPECT_EQ(help.exit_code, 0) << cmd[0];
    EXPECT_NE(help.out.find("Usage"), std::string::npos) << cmd[0] << help.out;
  }
  RunResult version = Flightplan({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("flightplan 0."), std::string::npos);
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Flightplan({}).exit_code, 2);
  EXPECT_EQ(Flightplan({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Flightplan({"run"}).exit_code, 2);
  RunResult no_such = Flightplan({"run", "no-such-workflow"});
  EXPECT_EQ(no_such.exit_code, 2);
  EXPECT_NE(no_such.err.find("no workflow named 'no-such-workflow'"), std::string::npos);
  WriteFile(dir_.Join("ok.yaml"),
            "name: ok\nversion: 1\nsteps: [{id: a, uses: echo, with: {message: hi}}]\n");
  RunResult bad_param = Flightplan({"run", "ok.yaml", "--param", "novalue"});
  EXPECT_EQ(bad_param.exit_code, 2);
  EXPECT_NE(bad_param.err.find("name=value"), std::string::npos);
  EXPECT_FALSE(StateFileExists());
}

// The phase commands' help says what each one's --rollback does, and what
// an option is needed for; clone's rollback needs the clone's name (it is in
// the run's target) and says so before touching anything.
TEST_F(CliTest, PhaseHelpSaysWhereRollbackIsRefusedAndWhatItNeeds) {
  for (const char* phase : {"decommission", "cleanup"}) {
    RunResult help = Flightplan({phase, "--help"});
    EXPECT_EQ(help.exit_code, 0) << phase;
    EXPECT_THAT(help.out, HasSubstr("Refused (exit 2, nothing done)")) << phase;
    EXPECT_THAT(help.out, Not(HasSubstr("but not with --rollback"))) << phase;
  }
  RunResult clone = Flightplan({"clone", "--help"});
  EXPECT_THAT(clone.out, HasSubstr("app/<app-id>/env/<clone-env>"));
  EXPECT_THAT(clone.out, Not(HasSubstr("app/<app-id>/env/<env>;")));
  EXPECT_THAT(clone.out, Not(HasSubstr("but not with --rollback")));
  RunResult lock = Flightplan({"refactor", "--help"});
  EXPECT_THAT(lock.out, HasSubstr("(required, but not with --rollback)"));

  RunResult back = Flightplan({"clone", "--app-id", "d1", "--env", "main", "--rollback"});
  EXPECT_EQ(back.exit_code, 2) << back.out << back.err;
  EXPECT_THAT(back.err, HasSubstr("clone needs --clone-env"));
  EXPECT_FALSE(StateFileExists());
}

TEST_F(CliTest, MalformedYamlIsExitTwoWithPositionAndWritesNothing) {
  WriteFile(dir_.Join("bad.yaml"), "name: bad\nversion: 1\nsteps:\n  - id: a\n    uses: [echo\n");
  RunResult r = Flightplan({"run", "bad.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.yaml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not valid YAML"), std::string::npos) << r.err;
  EXPECT_FALSE(StateFileExists());
}

// Regression (issue #10): eight levels of ten aliases made `workflows
// validate` take 11.8 GB and more than a minute.
TEST_F(CliTest, AliasBombIsExitTwoWithAPositionInBoundedTimeAndMemory) {
  WriteFile(dir_.Join("bomb.yaml"),
            "name: bomb\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with:\n"
            "      message: hi\n" +
                YamlAliasBomb(8, 10, /*indent=*/6));
  // The binary inherits a 1 GiB address-space limit: expanding the aliases
  // would fail to allocate (exit 1), not swap the machine to a halt.
  struct rlimit saved {};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &saved), 0);
  if (!kAddressSanitizer) {
    struct rlimit limited = saved;
    limited.rlim_cur = std::min<rlim_t>(saved.rlim_max, rlim_t{1} << 30);
    ASSERT_EQ(setrlimit(RLIMIT_AS, &limited), 0);
  }
  auto started = std::chrono::steady_clock::now();
  RunResult r = Flightplan({"workflows", "validate", "bomb.yaml"});
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(setrlimit(RLIMIT_AS, &saved), 0);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  // l5, line 13, is where the expanded count passes a million nodes.
  EXPECT_NE(r.err.find("bomb.yaml:13:51: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("aliases"), std::string::npos) << r.err;
  // Well under a second in practice; the bound only catches expansion.
  EXPECT_LT(took, std::chrono::seconds(5));
  struct rusage children {};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &children), 0);
  if (!kAddressSanitizer) {
    EXPECT_LT(children.ru_maxrss, 512 * 1024) << "KiB at most";
  }
  EXPECT_FALSE(StateFileExists());
}

TEST_F(CliTest, AWorkflowFileOverFourMebibytesIsRefusedUnread) {
  WriteFile(dir_.Join("huge.yaml"),
            "name: huge\nversion: 1\n# " + std::string(5 << 20, 'x') + "\nsteps: []\n");
  RunResult r = Flightplan({"workflows", "validate", "huge.yaml"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("huge.yaml: the definition is larger than 4194304 bytes"), std::string::npos)
      << r.err;
}

TEST_F(CliTest, InvalidDefinitionListsEveryProblemAndWritesNothing) {
  WriteFile(dir_.Join("bad.yaml"), R"yaml(name: bad
version: 1
steps:
  - id: a
    uses: exce
  - id: b
    uses: echo
    with: {message: '${params.missing} ${steps.c.outputs.x}'}
  - id: c
    uses: echo
    with: {message: hi}
)yaml");
  RunResult r = Flightplan({"run", "bad.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.yaml:5:11: unknown step type 'exce'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("undeclared parameter 'missing'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("which runs later"), std::string::npos) << r.err;
  EXPECT_FALSE(StateFileExists());
  RunResult v = Flightplan({"workflows", "validate", "bad.yaml"});
  EXPECT_EQ(v.exit_code, 2);
}

class BadStateFileTest : public CliTest {
 protected:
  void ExpectRefused(const std::string& name) {
    std::string path = dir_.Join(name);
    std::string before = ReadFile(path);
    WriteFile(dir_.Join("ok.yaml"),
              "name: ok\nversion: 1\nsteps: [{id: a, uses: echo, with: {message: hi}}]\n");
    for (std::vector<std::string> cmd : {std::vector<std::string>{"status"},
                                         {"run", "ok.yaml"},
                                         {"history"},
                                         {"audit", "verify"}}) {
      cmd.push_back("--state");
      cmd.push_back(path);
      RunResult r = Flightplan(cmd);
      EXPECT_EQ(r.exit_code, 5) << cmd[0] << ": " << r.out << r.err;
      EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
      EXPECT_EQ(ReadFile(path), before) << cmd[0] << " changed the file";
    }
  }
};

TEST_F(BadStateFileTest, RandomBytesAreRefusedAndLeftAlone) {
  std::mt19937 rng(3);
  std::string junk(4096, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  WriteFile(dir_.Join("junk.db"), junk);
  ExpectRefused("junk.db");
}

TEST_F(BadStateFileTest, ForeignSqliteDatabaseIsRefusedAndLeftAlone) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.Join("other.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (42);", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  ExpectRefused("other.db");
}

TEST_F(BadStateFileTest, NewerVersionIsRefusedAndLeftAlone) {
  WriteFile(dir_.Join("ok.yaml"),
            "name: ok\nversion: 1\nsteps: [{id: a, uses: echo, with: {message: hi}}]\n");
  ASSERT_EQ(Flightplan({"run", "ok.yaml", "--state", dir_.Join("new.db")}).exit_code, 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.Join("new.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA user_version = 7;", nullptr, nullptr,
               nullptr);
  sqlite3_close(db);
  ExpectRefused("new.db");
  RunResult r = Flightplan({"status", "--state", dir_.Join("new.db")});
  EXPECT_NE(r.err.find("newer flightplan"), std::string::npos) << r.err;
}

TEST_F(BadStateFileTest, TruncatedFileIsRefused) {
  WriteFile(dir_.Join("cut.db"), "SQLite format 3");
  ExpectRefused("cut.db");
}

TEST_F(CliTest, MissingStateFileIsAStateFileErrorForReadCommands) {
  RunResult r = Flightplan({"status"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("nothing has run here yet"), std::string::npos) << r.err;
  EXPECT_FALSE(StateFileExists());
}

TEST_F(CliTest, EditedEventFailsAuditVerifyNamingIt) {
  WriteFile(dir_.Join("ok.yaml"),
            "name: ok\nversion: 1\nsteps: [{id: a, uses: echo, with: {message: hi}}]\n");
  ASSERT_EQ(Flightplan({"run", "ok.yaml"}).exit_code, 0);
  ASSERT_EQ(Flightplan({"audit", "verify"}).exit_code, 0);
  RunResult exported = Flightplan({"audit", "export", "--out", "audit.jsonl"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::string lines = ReadFile(dir_.Join("audit.jsonl"));
  EXPECT_NE(lines.find("\"kind\":\"run.succeeded\""), std::string::npos);
  EXPECT_NE(lines.find("\"prev_hash\""), std::string::npos);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.Join(".flightplan/state.db").c_str(), &db), SQLITE_OK);
  // The event's detail forged in place (same length, so its record still
  // reads as nine fields).
  ASSERT_EQ(sqlite3_exec(db, "UPDATE events SET record = replace(record, '{', '[') WHERE seq = 3",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  RunResult verify = Flightplan({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_NE(verify.err.find("broken at event 3"), std::string::npos) << verify.err;
}

TEST_F(CliTest, RequirementsNotMetIsExitFour) {
  WriteFile(dir_.Join("lock.yaml"),
            "name: lock\nversion: 1\nsteps: [{id: a, uses: echo, with: {message: locked}}]\n");
  WriteFile(dir_.Join("refactor.yaml"),
            "name: refactor\nversion: 1\nrequires: [lock]\nsteps: [{id: a, uses: echo, with: "
            "{message: moved}}]\n");
  RunResult refused = Flightplan({"run", "refactor.yaml", "--target", "app"});
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_NE(refused.err.find("flightplan run lock"), std::string::npos) << refused.err;
  ASSERT_EQ(Flightplan({"run", "lock.yaml", "--target", "app"}).exit_code, 0);
  ASSERT_EQ(Flightplan({"run", "refactor.yaml", "--target", "app"}).exit_code, 0);
  RunResult blocked = Flightplan({"rollback", "1"});
  EXPECT_EQ(blocked.exit_code, 4) << blocked.err;
  EXPECT_NE(blocked.err.find("flightplan rollback 2"), std::string::npos) << blocked.err;
}

TEST_F(CliTest, StepInDoubtIsExitSixUntilResolved) {
  WriteFile(dir_.Join("doubt.yaml"), R"yaml(name: doubt
version: 1
steps:
  - id: call
    uses: exec
    with: {argv: [sh, -c, 'echo called >> effects']}
  - id: next
    uses: exec
    with: {argv: [sh, -c, 'echo next >> effects']}
)yaml");
  // Killed right after recording `call` as running: its effect is unknown.
  RunResult killed =
      Flightplan({"run", "doubt.yaml"}, {{"FLIGHTPLAN_FAULT_KILL_AT_WRITE", "3:after"}});
  ASSERT_TRUE(killed.signaled);
  RunResult stuck = Flightplan({"resume"});
  EXPECT_EQ(stuck.exit_code, 6) << stuck.out << stuck.err;
  EXPECT_NE(stuck.err.find("flightplan resolve 1 call --done"), std::string::npos) << stuck.err;
  RunResult status = Flightplan({"status", "1"});
  EXPECT_NE(status.out.find("in doubt"), std::string::npos) << status.out;
  RunResult resolved =
      Flightplan({"resolve", "1", "call", "--retry", "--reason", "no effect seen"});
  EXPECT_EQ(resolved.exit_code, 0) << resolved.err;
  RunResult done = Flightplan({"resume", "1"});
  EXPECT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_EQ(ReadFile(dir_.Join("effects")), "called\nnext\n");
  EXPECT_EQ(Flightplan({"resolve", "1", "call", "--done"}).exit_code, 1);  // nothing in doubt now
  EXPECT_EQ(Flightplan({"resolve", "1", "call"}).exit_code, 2);
}

TEST_F(CliTest, ConfirmationWithoutATerminalIsExitSevenAndYesIsRecorded) {
  WriteFile(dir_.Join("careful.yaml"), R"yaml(name: careful
version: 1
steps:
  - id: ask
    uses: confirm
    with: {message: 'Delete the Gen1 environment?', typed: delete}
  - id: act
    uses: exec
    with: {argv: [sh, -c, 'echo acted >> effects']}
)yaml");
  RunResult stopped = Flightplan({"run", "careful.yaml"});
  EXPECT_EQ(stopped.exit_code, 7) << stopped.err;
  EXPECT_NE(stopped.err.find("--yes"), std::string::npos);
  EXPECT_FALSE(FileExists(dir_.Join("effects")));
  RunResult agreed = Flightplan({"run", "careful.yaml", "--yes", "--operator", "carol"});
  EXPECT_EQ(agreed.exit_code, 0) << agreed.err;
  RunResult history = Flightplan({"history", "--json"});
  EXPECT_NE(history.out.find("\"kind\":\"confirmation.given\""), std::string::npos);
  EXPECT_NE(history.out.find("\"operator\":\"carol\""), std::string::npos);
}

TEST_F(CliTest, DryRunDescribesAndExecutesNothing) {
  WriteFile(dir_.Join("plan.yaml"), R"yaml(name: plan
version: 1
params:
  who: {type: string, default: world}
steps:
  - id: write
    uses: file.write
    with: {path: hello.txt, content: 'hello ${params.who}'}
)yaml");
  RunResult r = Flightplan({"run", "plan.yaml", "--dry-run", "--param", "who=you"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("write 9 bytes to hello.txt"), std::string::npos) << r.out;
  EXPECT_FALSE(FileExists(dir_.Join("hello.txt")));
  RunResult status = Flightplan({"status", "--json"});
  EXPECT_EQ(status.out, "[]\n");
  RunResult history = Flightplan({"history"});
  EXPECT_NE(history.out.find("run.dry_run"), std::string::npos);
}

TEST_F(CliTest, FailedStepIsExitOneAndLeavesALogForSupport) {
  WriteFile(dir_.Join("fail.yaml"), R"yaml(name: fail
version: 1
steps:
  - id: boom
    uses: exec
    with: {argv: [sh, -c, 'echo broken pipe >&2; exit 3']}
)yaml");
  RunResult r = Flightplan({"run", "fail.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("exited with status 3: broken pipe"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("flightplan resume 1"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("\033["), std::string::npos) << "no colour when not a terminal";
  bool logged = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.Join(".flightplan/logs"))) {
    logged = logged || ReadFile(entry.path().string()).find("broken pipe") != std::string::npos;
  }
  EXPECT_TRUE(logged);
}

// Regression: --dry-run was ignored by rollback and resume.
TEST_F(CliTest, DryRunOfRollbackAndResumeChangesNothing) {
  WriteFile(dir_.Join("two.yaml"), R"yaml(name: two
version: 1
steps:
  - id: write
    uses: file.write
    with: {path: a.txt, content: new}
  - id: fail
    uses: exec
    with: {argv: [sh, -c, 'test -f allow']}
)yaml");
  WriteFile(dir_.Join("a.txt"), "old");
  ASSERT_EQ(Flightplan({"run", "two.yaml"}).exit_code, 1);
  RunResult resume_plan = Flightplan({"resume", "1", "--dry-run"});
  EXPECT_EQ(resume_plan.exit_code, 0) << resume_plan.err;
  EXPECT_NE(resume_plan.out.find("would still run 1 step"), std::string::npos) << resume_plan.out;
  RunResult undo_plan = Flightplan({"rollback", "1", "--dry-run"});
  EXPECT_EQ(undo_plan.exit_code, 0) << undo_plan.err;
  EXPECT_NE(undo_plan.out.find("undo: write 3 bytes to a.txt"), std::string::npos) << undo_plan.out;
  RunResult run_undo_plan = Flightplan({"run", "two.yaml", "--rollback", "--dry-run"});
  EXPECT_NE(run_undo_plan.out.find("would undo"), std::string::npos) << run_undo_plan.out;
  EXPECT_EQ(ReadFile(dir_.Join("a.txt")), "new");
  RunResult status = Flightplan({"status", "1", "--json"});
  EXPECT_NE(status.out.find("\"state\":\"failed\""), std::string::npos) << status.out;
}

// Regression: a step printing a secret parameter showed it on the console
// and in the log.
TEST_F(CliTest, SecretsNeverReachTheConsoleOrTheLog) {
  WriteFile(dir_.Join("secret.yaml"), R"yaml(name: secret
version: 1
params:
  token: {type: string, secret: true, env: DEMO_TOKEN}
steps:
  - id: say
    uses: echo
    with: {message: 'token=${params.token}'}
  - id: fail
    uses: exec
    with: {argv: [sh, -c, 'echo "$T" >&2; exit 1'], env: {T: '${params.token}'}}
)yaml");
  RunResult r = Flightplan({"run", "secret.yaml"}, {{"DEMO_TOKEN", "s3cr3t-value-42"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ((r.out + r.err).find("s3cr3t-value-42"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("token=****"), std::string::npos) << r.out;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.Join(".flightplan/logs"))) {
    EXPECT_EQ(ReadFile(entry.path().string()).find("s3cr3t-value-42"), std::string::npos);
  }
  EXPECT_EQ(ReadFile(dir_.Join(".flightplan/state.db")).find("s3cr3t-value-42"), std::string::npos);
}

TEST_F(CliTest, StepTimeoutKillsTheCommandAndRetriesWhenAsked) {
  WriteFile(dir_.Join("slow.yaml"), R"yaml(name: slow
version: 1
steps:
  - id: hang
    uses: exec
    with: {argv: [sh, -c, 'echo try >> tries; sleep 30']}
    timeout: 300ms
    retry: {attempts: 2, delay: 10ms}
)yaml");
  auto started = std::chrono::steady_clock::now();
  RunResult r = Flightplan({"run", "slow.yaml"});
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("did not finish in time"), std::string::npos) << r.out;
  EXPECT_EQ(ReadFile(dir_.Join("tries")), "try\ntry\n");
  EXPECT_LT(took, std::chrono::seconds(20)) << "the sleeping command was not killed";
}

TEST_F(CliTest, WaitPollsUntilTheConditionHolds) {
  WriteFile(dir_.Join("wait.yaml"), R"yaml(name: waiting
version: 1
steps:
  - id: ready
    uses: wait
    with:
      poll: [sh, -c, 'echo x >> polls; test $(wc -l < polls) -ge 3 && echo READY; true']
      until: contains(poll.stdout, 'READY')
      interval: 20ms
      timeout: 20s
  - id: report
    uses: echo
    with: {message: 'polled ${steps.ready.outputs.polls} times'}
)yaml");
  RunResult r = Flightplan({"run", "wait.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("polled 3 times"), std::string::npos) << r.out;
}

TEST_F(CliTest, InterruptStopsAtASafePointAndTheRunCanBeSettled) {
  WriteFile(dir_.Join("long.yaml"), R"yaml(name: long
version: 1
params:
  pause: {type: string, default: 30s}
steps:
  - id: mark
    uses: file.write
    with: {path: started, content: go}
  - id: pause
    uses: wait
    with: {duration: '${params.pause}'}
  - id: finish
    uses: exec
    with: {argv: [sh, -c, 'echo finished >> effects']}
)yaml");
  Invocation inv;
  inv.args = {"run", "long.yaml"};
  inv.cwd = dir_.path();
  Background process(inv);
  ASSERT_TRUE(WaitForFile(dir_.Join("started"), std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  process.Signal(SIGINT);
  RunResult stopped = process.Wait(std::chrono::seconds(10));
  EXPECT_EQ(stopped.exit_code, 130) << stopped.out << stopped.err;
  EXPECT_NE(stopped.err.find("flightplan resume"), std::string::npos) << stopped.err;
  EXPECT_FALSE(FileExists(dir_.Join("effects")));
  RunResult status = Flightplan({"status", "1"});
  EXPECT_NE(status.out.find("running (interrupted)"), std::string::npos) << status.out;
  // The run keeps its parameters, so a shorter pause cannot be slipped in.
  RunResult refused = Flightplan({"resume", "1", "--param", "pause=10ms"});
  EXPECT_EQ(refused.exit_code, 2);
  // Rolling back settles the interrupted wait (it changed nothing) and undoes the file.
  RunResult undone = Flightplan({"rollback", "1"});
  EXPECT_EQ(undone.exit_code, 0) << undone.out << undone.err;
  EXPECT_FALSE(FileExists(dir_.Join("started")));
}

TEST_F(CliTest, BuiltInExampleWorkflowIsListedAndValid) {
  RunResult list = Flightplan({"workflows", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("example"), std::string::npos) << list.out;
  RunResult validate =
      Flightplan({"workflows", "validate", SourceDir() + "/workflows/examples/example.yaml"});
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
}

TEST_F(CliTest, EveryBuiltInWorkflowIsListedAndValid) {
  RunResult list = Flightplan({"workflows", "list"});
  ASSERT_EQ(list.exit_code, 0);
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(SourceDir() + "/workflows")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  ASSERT_GE(files.size(), 2u);
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    RunResult validate = Flightplan({"workflows", "validate", file});
    EXPECT_EQ(validate.exit_code, 0) << validate.out << validate.err;
    std::string name = std::filesystem::path(file).stem().string();
    EXPECT_NE(list.out.find(name), std::string::npos) << list.out;
  }
}

TEST_F(CliTest, TheGenerateWorkflowRefusesAProjectOfAnotherAppAndChangesNothing) {
  std::filesystem::copy(
      SourceDir() + "/tests/data/fixtures/amplify-migration-apps/backend-only/amplify",
      dir_.Join("amplify"), std::filesystem::copy_options::recursive);
  std::string config = ReadFile(dir_.Join("amplify/backend/backend-config.json"));
  RunResult run = Flightplan({"run", "generate", "--param", "app_id=someotherapp", "--param",
                              "env=main", "--param", "backup_dir=" + dir_.Join("backups")});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE((run.out + run.err).find("someotherapp"), std::string::npos) << run.out << run.err;
  EXPECT_EQ(ReadFile(dir_.Join("amplify/backend/backend-config.json")), config);
  EXPECT_FALSE(FileExists(dir_.Join("amplify/backend.ts")));
  EXPECT_FALSE(FileExists(dir_.Join("backups")));
}

}  // namespace
}  // namespace flightplan::testing
