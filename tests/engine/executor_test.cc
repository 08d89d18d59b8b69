#include "engine/executor.h"

#include <gtest/gtest.h>

#include <map>

#include "base/digest.h"
#include "engine/target_history.h"
#include "engine/workflow_loader.h"
#include "steps/builtin/builtin_steps.h"
#include "steps/sys/posix_process_runner.h"
#include "store/sqlite_journal.h"
#include "tests/engine/fakes.h"
#include "tests/support/test_support.h"

namespace flightplan {
namespace {

using testing::FakeClock;
using testing::FakeHost;
using testing::RecordingObserver;
using testing::ScriptedPrompter;
using testing::TempDir;

// What the scripted step does, keyed by its `key` input.
struct Script {
  int transient_failures = 0;
  bool fail = false;
  CheckOutcome check = CheckOutcome::kUnknown;
  bool fail_rollback = false;
  std::string preview;  // what Preview says ("" = the description)
  bool fail_preview = false;
  int previews = 0;
  int executes = 0;
  int checks = 0;
  int rollbacks = 0;
  std::vector<std::string> tokens;
};

std::map<std::string, Script>& Scripts() {
  static std::map<std::string, Script> scripts;
  return scripts;
}

class ScriptedStep final : public StepType {
 public:
  std::string_view name() const override { return "scripted"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        .summary = "a step whose behaviour the test scripts",
        .inputs = {{"key", FieldType::kString, true, "script key", {}},
                   {"note", FieldType::kString, false, "anything", {}}},
        .outputs = {{"value", FieldType::kString, false, "the key", {}}},
        .has_auto_rollback = true,
        .has_check = true};
    return kSchema;
  }
  std::string Describe(const Value& inputs) const override {
    return "scripted " + inputs.Find("key")->ToText();
  }
  Result<std::string> Preview(const Value& inputs, StepContext&) const override {
    Script& s = Scripts()[inputs.Find("key")->ToText()];
    ++s.previews;
    if (s.fail_preview) return MakeError(ErrorCode::kTransient, "the cloud did not answer");
    return s.preview.empty() ? Describe(inputs) : s.preview;
  }
  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    Script& s = Scripts()[inputs.Find("key")->ToText()];
    ++s.executes;
    s.tokens.push_back(ctx.idempotency_token);
    if (s.transient_failures > 0) {
      --s.transient_failures;
      return MakeError(ErrorCode::kTransient, "throttled");
    }
    if (s.fail) return MakeError(ErrorCode::kStepFailed, "scripted failure");
    Value out;
    out.Set("value", inputs.Find("key")->ToText());
    if (const Value* note = inputs.Find("note")) out.Set("note", *note);
    return out;
  }
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    Script& s = Scripts()[inputs.Find("key")->ToText()];
    ++s.checks;
    s.tokens.push_back(ctx.idempotency_token);
    Value out;
    out.Set("value", inputs.Find("key")->ToText());
    return CheckResult{s.check, out, "scripted check"};
  }
  Result<void> Rollback(const Value& inputs, const Value&, StepContext&) const override {
    Script& s = Scripts()[inputs.Find("key")->ToText()];
    ++s.rollbacks;
    if (s.fail_rollback) return MakeError(ErrorCode::kStepFailed, "scripted undo failure");
    return {};
  }
};

// A step that works through `total` batches, saving a checkpoint after each;
// the first `stop_after` batches of its first call are all it does before
// it is interrupted (as a process killed there would be, with its lease lost).
struct BatchLog {
  int total = 5;
  int stop_after = -1;
  std::vector<int> processed;  // batch numbers, in the order processed
  int calls = 0;
};
BatchLog& Batches() {
  static BatchLog log;
  return log;
}

class BatchStep final : public StepType {
 public:
  std::string_view name() const override { return "batches"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema{.summary = "batches with checkpoints",
                                    .inputs = {},
                                    .outputs = {{"done", FieldType::kInteger, false, "", {}}},
                                    .has_check = true};
    return kSchema;
  }
  std::string Describe(const Value&) const override { return "work in batches"; }
  Result<Value> Prepare(const Value&, StepContext&) const override {
    return Value(ValueMap{{"plan", Value("five batches")}});
  }
  Result<Value> Execute(const Value&, StepContext& ctx) const override {
    BatchLog& log = Batches();
    bool first = log.calls++ == 0;
    EXPECT_EQ(ctx.prepared.Find("plan")->as_string(), "five batches");
    int64_t done = 0;
    if (const Value* cp = ctx.prepared.Find("checkpoint")) done = cp->Find("done")->as_int();
    for (int64_t i = done; i < log.total; ++i) {
      if (first && log.stop_after >= 0 && i == log.stop_after) {
        return MakeError(ErrorCode::kLeaseLost, "interrupted");
      }
      log.processed.push_back(static_cast<int>(i));
      TRY(ctx.checkpoints->Save(Value(ValueMap{{"done", Value(i + 1)}}),
                                Value(ValueMap{{"batch", Value(i)}})));
    }
    return Value(ValueMap{{"done", Value(int64_t{log.total})}});
  }
  Result<CheckResult> Check(const Value&, StepContext& ctx) const override {
    const Value* cp = ctx.prepared.Find("checkpoint");
    int64_t done = cp ? cp->Find("done")->as_int() : 0;
    if (done == Batches().total) {
      return CheckResult{CheckOutcome::kDone, Value(ValueMap{{"done", Value(done)}}), "all"};
    }
    return CheckResult{CheckOutcome::kNotDone, Value(), "resumes from its checkpoint"};
  }
};

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() {
    Scripts().clear();
    Batches() = BatchLog{};
    RegisterBuiltinSteps(registry_);
    registry_.Register(std::make_unique<ScriptedStep>());
    registry_.Register(std::make_unique<BatchStep>());
    auto journal = OpenSqliteJournal(dir_.Join("state.db"), clock_, JournalOptions{});
    EXPECT_TRUE(journal) << journal.error().ToString();
    journal_ = std::move(*journal);
    executor_ = std::make_unique<Executor>(*journal_, registry_, clock_, processes_, prompter_,
                                           host_, observer_);
    options_.holder = LeaseHolder{"tester", "testhost", 1000, "alice", ""};
  }

  Workflow Load(const std::string& text) {
    auto wf = LoadWorkflow(text, "wf.yaml", registry_, nullptr);
    EXPECT_TRUE(wf) << wf.error().ToString();
    return wf ? *wf : Workflow{};
  }

  std::vector<std::string> EventKinds(RunId run) {
    auto events = journal_->ListEvents(EventFilter{run, {}, 0, 0});
    std::vector<std::string> kinds;
    for (const EventRecord& e : *events) kinds.push_back(e.kind);
    return kinds;
  }

  std::string AllJournalText() {
    std::string text;
    auto events = journal_->ListEvents(EventFilter{});
    for (const EventRecord& e : *events) text += e.detail_json + e.kind + "\n";
    auto runs = journal_->ListRuns("", "");
    for (const RunRecord& r : *runs) {
      text += r.params.ToJson();
      auto steps = journal_->GetSteps(r.id);
      for (const StepRecord& s : *steps) {
        text += s.outputs.ToJson() + s.prepared.ToJson() + s.error + s.note;
      }
    }
    return text;
  }

  // Leaves a run as a process killed inside step `step` would: the step
  // recorded `running`, the lease free (its holder gone).
  RunId CrashInside(const Workflow& wf, const std::string& step) {
    Lease lease = *journal_->AcquireLease(
        LeaseRequest{wf.name, options_.holder, Duration(60000), LeaseMode::kAcquire, 0});
    Fence fence{lease.target, lease.generation};
    RunRecord run;
    run.workflow = wf.name;
    run.target = wf.name;
    run.definition_sha256 = Sha256Hex(wf.text);
    run.definition_source = wf.source;
    run.definition_text = wf.text;
    run.params = Value(ValueMap{});
    std::vector<std::string> ids;
    for (const StepSpec& s : wf.steps) ids.push_back(s.id);
    NewEvent e{"run.created", "alice", 0, wf.name, "", Value(ValueMap{})};
    RunId id = *journal_->CreateRun(fence, run, ids, e);
    EXPECT_TRUE(journal_->TransitionRun(fence, id, RunState::kPending, RunState::kRunning, e));
    for (const StepSpec& s : wf.steps) {
      EXPECT_TRUE(journal_->TransitionStep(
          fence, StepUpdate{id, s.id, StepState::kPending, StepState::kRunning, 1, {}, {}, {}, {}},
          e));
      if (s.id == step) break;
      Value out;
      out.Set("value", s.with.Find("key")->ToText());
      EXPECT_TRUE(journal_->TransitionStep(
          fence,
          StepUpdate{id, s.id, StepState::kRunning, StepState::kSucceeded, {}, {}, out, {}, {}},
          e));
    }
    EXPECT_TRUE(journal_->ReleaseLease(fence, "alice"));
    return id;
  }

  TempDir dir_;
  FakeClock clock_;
  FakeHost host_;
  ScriptedPrompter prompter_;
  RecordingObserver observer_;
  PosixProcessRunner processes_;
  StepRegistry registry_;
  std::unique_ptr<SqliteJournal> journal_;
  std::unique_ptr<Executor> executor_;
  ExecutorOptions options_;
};

constexpr char kThreeSteps[] = R"yaml(name: three
version: 1
steps:
  - {id: one, uses: scripted, with: {key: one}}
  - {id: two, uses: scripted, with: {key: two, note: '${steps.one.outputs.value}'}}
  - {id: three, uses: scripted, with: {key: three}}
)yaml";

TEST_F(ExecutorTest, RunsStepsInOrderAndRecordsOutputs) {
  Workflow wf = Load(kThreeSteps);
  auto outcome = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(outcome) << outcome.error().ToString();
  EXPECT_EQ(outcome->state, RunState::kSucceeded);
  EXPECT_EQ(observer_.started, (std::vector<std::string>{"one", "two", "three"}));
  auto steps = *journal_->GetSteps(outcome->run_id);
  EXPECT_EQ(steps[1].outputs.Find("note")->as_string(), "one");
  for (const StepRecord& s : steps) EXPECT_EQ(s.state, StepState::kSucceeded);
  EXPECT_EQ(journal_->GetRun(outcome->run_id)->operator_name, "alice");
}

TEST_F(ExecutorTest, ARepeatableWorkflowStartsANewRunAfterASucceededOne) {
  Workflow wf = Load(R"yaml(name: checker
version: 1
repeatable: true
steps:
  - {id: look, uses: scripted, with: {key: repeatable-look}}
)yaml");
  EXPECT_TRUE(wf.repeatable);
  auto first = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(first) << first.error().ToString();
  auto second = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_FALSE(second->nothing_to_do);
  EXPECT_EQ(second->state, RunState::kSucceeded);
  EXPECT_NE(second->run_id, first->run_id);
  EXPECT_EQ(Scripts()["repeatable-look"].executes, 2);
  EXPECT_EQ(journal_->ListRuns("checker", "checker")->size(), 2U);
}

TEST_F(ExecutorTest, RerunningACompletedWorkflowSaysWhoCompletedItAndDoesNothing) {
  Workflow wf = Load(kThreeSteps);
  ASSERT_TRUE(executor_->Start(wf, {}, "", options_));
  auto again = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->nothing_to_do);
  EXPECT_NE(again->message.find("already completed"), std::string::npos);
  EXPECT_NE(again->message.find("alice"), std::string::npos);
  EXPECT_EQ(Scripts()["one"].executes, 1);
}

TEST_F(ExecutorTest, ResumeAfterCrashBetweenStartAndFinishRunsCheckNotExecute) {
  Workflow wf = Load(kThreeSteps);
  RunId run = CrashInside(wf, "two");
  Scripts()["two"].check = CheckOutcome::kDone;
  auto outcome = executor_->Resume(run, wf, {}, options_);
  ASSERT_TRUE(outcome) << outcome.error().ToString();
  EXPECT_EQ(outcome->state, RunState::kSucceeded);
  EXPECT_EQ(Scripts()["two"].checks, 1);
  EXPECT_EQ(Scripts()["two"].executes, 0);
  EXPECT_EQ(Scripts()["one"].executes, 0);  // done before the crash
  EXPECT_EQ(Scripts()["three"].executes, 1);
  EXPECT_EQ(journal_->GetSteps(run)->at(1).outputs.Find("value")->as_string(), "two");
}

TEST_F(ExecutorTest, ResumeWhenCheckSaysNotDoneExecutesAgainWithTheSameToken) {
  Workflow wf = Load(kThreeSteps);
  RunId run = CrashInside(wf, "two");
  Scripts()["two"].check = CheckOutcome::kNotDone;
  auto outcome = executor_->Resume(run, wf, {}, options_);
  ASSERT_TRUE(outcome) << outcome.error().ToString();
  EXPECT_EQ(Scripts()["two"].executes, 1);
  ASSERT_EQ(Scripts()["two"].tokens.size(), 2u);
  EXPECT_EQ(Scripts()["two"].tokens[0], Scripts()["two"].tokens[1]);
  EXPECT_EQ(Scripts()["two"].tokens[0],
            executor_->IdempotencyToken(run, "two", Direction::kForward));
}

TEST_F(ExecutorTest, UnknownCheckStopsInDoubtUntilTheOperatorResolves) {
  Workflow wf = Load(kThreeSteps);
  RunId run = CrashInside(wf, "two");
  auto stopped = executor_->Resume(run, wf, {}, options_);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code(), ErrorCode::kInDoubt);
  EXPECT_NE(
      stopped.error().message().find("flightplan resolve " + std::to_string(run) + " two --done"),
      std::string::npos);
  EXPECT_EQ(Scripts()["two"].executes, 0);
  EXPECT_EQ(journal_->GetSteps(run)->at(1).state, StepState::kRunning);

  auto resolved = executor_->Resolve(run, "two", Executor::Resolution::kDone,
                                     "saw it in the console", options_);
  ASSERT_TRUE(resolved) << resolved.error().ToString();
  auto outcome = executor_->Resume(run, wf, {}, options_);
  ASSERT_TRUE(outcome) << outcome.error().ToString();
  EXPECT_EQ(outcome->state, RunState::kSucceeded);
  EXPECT_EQ(Scripts()["two"].executes, 0);
  auto kinds = EventKinds(run);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "step.resolved"), kinds.end());
}

TEST_F(ExecutorTest, ResolveRetryRunsTheStepAgain) {
  Workflow wf = Load(kThreeSteps);
  RunId run = CrashInside(wf, "two");
  ASSERT_TRUE(executor_->Resolve(run, "two", Executor::Resolution::kRetry, "", options_));
  ASSERT_TRUE(executor_->Resume(run, wf, {}, options_));
  EXPECT_EQ(Scripts()["two"].executes, 1);
}

TEST_F(ExecutorTest, TransientErrorsAreRetriedWithBackoffOnTheClock) {
  Workflow wf = Load(R"yaml(name: retry
version: 1
steps:
  - {id: flaky, uses: scripted, with: {key: flaky}, retry: {attempts: 3, delay: 2s, max_delay: 20s}}
)yaml");
  Scripts()["flaky"].transient_failures = 2;
  auto outcome = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->state, RunState::kSucceeded);
  EXPECT_EQ(Scripts()["flaky"].executes, 3);
  ASSERT_EQ(clock_.slept().size(), 2u);
  EXPECT_GE(clock_.slept()[0], Duration(1000));  // half of 2s at least
  EXPECT_LE(clock_.slept()[0], Duration(2000));
  EXPECT_GE(clock_.slept()[1], Duration(2000));  // grows: half of 4s at least
  EXPECT_LE(clock_.slept()[1], Duration(4000));
  auto kinds = EventKinds(outcome->run_id);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "step.retrying"), 2);
}

TEST_F(ExecutorTest, RetriesStopAtTheAttemptLimit) {
  Workflow wf = Load(R"yaml(name: retry
version: 1
steps:
  - {id: flaky, uses: scripted, with: {key: flaky}, retry: 2}
)yaml");
  Scripts()["flaky"].transient_failures = 5;
  auto outcome = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->state, RunState::kFailed);
  EXPECT_EQ(Scripts()["flaky"].executes, 2);
}

TEST_F(ExecutorTest, FailedStepStopsTheRunAndResumeRetriesIt) {
  Workflow wf = Load(kThreeSteps);
  Scripts()["two"].fail = true;
  auto failed = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->state, RunState::kFailed);
  EXPECT_NE(failed->message.find("flightplan resume"), std::string::npos);
  EXPECT_EQ(Scripts()["three"].executes, 0);
  Scripts()["two"].fail = false;
  auto resumed = executor_->Start(wf, {}, "", options_);  // re-running continues the run
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->run_id, failed->run_id);
  EXPECT_EQ(resumed->state, RunState::kSucceeded);
  EXPECT_EQ(Scripts()["one"].executes, 1);
  EXPECT_EQ(Scripts()["two"].executes, 2);
}

TEST_F(ExecutorTest, OnFailureRollbackUndoesSucceededStepsInReverse) {
  Workflow wf = Load(std::string(kThreeSteps) + "on_failure: rollback\n");
  Scripts()["three"].fail = true;
  auto outcome = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->state, RunState::kRolledBack);
  EXPECT_EQ(observer_.started,
            (std::vector<std::string>{"one", "two", "three", "undo:two", "undo:one"}));
  EXPECT_EQ(Scripts()["three"].rollbacks, 0);  // it failed: nothing to undo
}

TEST_F(ExecutorTest, FailedUndoEndsRollbackFailedAndNeverReportsSuccess) {
  Workflow wf = Load(kThreeSteps);
  auto done = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(done);
  Scripts()["two"].fail_rollback = true;
  auto rolled = executor_->Rollback(done->run_id, wf, {}, options_);
  ASSERT_TRUE(rolled);
  EXPECT_EQ(rolled->state, RunState::kRollbackFailed);
  EXPECT_EQ(Scripts()["one"].rollbacks, 0);  // stopped at the failure
  EXPECT_EQ(journal_->GetRun(done->run_id)->state, RunState::kRollbackFailed);

  Scripts()["two"].fail_rollback = false;
  auto again = executor_->Rollback(done->run_id, wf, {}, options_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->state, RunState::kRolledBack);
  EXPECT_EQ(Scripts()["three"].rollbacks, 1);  // undone once, not twice
  EXPECT_EQ(Scripts()["two"].rollbacks, 2);
  EXPECT_EQ(Scripts()["one"].rollbacks, 1);
}

TEST_F(ExecutorTest, RequirementsMustHaveSucceededOnTheSameTarget) {
  Workflow lock =
      Load("name: lock\nversion: 1\nsteps: [{id: a, uses: scripted, with: {key: a}}]\n");
  Workflow refactor = Load(
      "name: refactor\nversion: 1\nrequires: [lock]\nsteps: [{id: b, uses: scripted, with: {key: "
      "b}}]\n");
  auto refused = executor_->Start(refactor, {}, "app1", options_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kOrdering);
  EXPECT_NE(refused.error().message().find("flightplan run lock"), std::string::npos);
  ASSERT_TRUE(executor_->Start(lock, {}, "app2", options_));  // another target does not count
  EXPECT_FALSE(executor_->Start(refactor, {}, "app1", options_));
  ASSERT_TRUE(executor_->Start(lock, {}, "app1", options_));
  auto ok = executor_->Start(refactor, {}, "app1", options_);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->state, RunState::kSucceeded);
}

TEST_F(ExecutorTest, RollbackIsRefusedWhileADependentWorkflowIsApplied) {
  Workflow lock =
      Load("name: lock\nversion: 1\nsteps: [{id: a, uses: scripted, with: {key: a}}]\n");
  Workflow refactor = Load(
      "name: refactor\nversion: 1\nrequires: [lock]\nsteps: [{id: b, uses: scripted, with: {key: "
      "b}}]\n");
  auto locked = executor_->Start(lock, {}, "app", options_);
  auto moved = executor_->Start(refactor, {}, "app", options_);
  ASSERT_TRUE(locked && moved);
  auto refused = executor_->Rollback(locked->run_id, lock, {}, options_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kOrdering);
  EXPECT_NE(refused.error().message().find("flightplan rollback " + std::to_string(moved->run_id)),
            std::string::npos);
  ASSERT_TRUE(executor_->Rollback(moved->run_id, refactor, {}, options_));
  auto ok = executor_->Rollback(locked->run_id, lock, {}, options_);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->state, RunState::kRolledBack);
}

TEST_F(ExecutorTest, AClosingRunEndsItsTargetsHistoryAndANewOneStartsAfresh) {
  Workflow lock =
      Load("name: lock\nversion: 1\nsteps: [{id: a, uses: scripted, with: {key: a}}]\n");
  Workflow refactor = Load(
      "name: refactor\nversion: 1\nrequires: [lock]\nsteps: [{id: b, uses: scripted, with: {key: "
      "b}}]\n");
  Workflow cleanup = Load(
      "name: cleanup\nversion: 1\nrepeatable: true\ncloses_target: true\nsteps: [{id: c, uses: "
      "scripted, with: {key: c}}]\n");
  EXPECT_TRUE(cleanup.closes_target);
  auto locked = executor_->Start(lock, {}, "clone", options_);
  auto moved = executor_->Start(refactor, {}, "clone", options_);
  ASSERT_TRUE(executor_->Start(lock, {}, "prod", options_));
  ASSERT_TRUE(locked && moved);
  auto cleaned = executor_->Start(cleanup, {}, "clone", options_);
  ASSERT_TRUE(cleaned) << cleaned.error().ToString();
  EXPECT_EQ(*LastClosingRun(*journal_, "clone"), cleaned->run_id);
  EXPECT_EQ(*LastClosingRun(*journal_, "prod"), 0);
  EXPECT_TRUE(CurrentRuns(*journal_, "", "clone")->empty());
  EXPECT_EQ(journal_->ListRuns("", "clone")->size(), 3U);  // the audit keeps them

  // The old lock no longer satisfies `requires`, and nothing before the
  // close can be rolled back, the closing run included.
  auto refused = executor_->Start(refactor, {}, "clone", options_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kOrdering);
  for (RunId old : {moved->run_id, cleaned->run_id}) {
    auto undo = executor_->Rollback(old, old == moved->run_id ? refactor : cleanup, {}, options_);
    ASSERT_FALSE(undo);
    EXPECT_EQ(undo.error().code(), ErrorCode::kOrdering);
    EXPECT_NE(undo.error().message().find("closed"), std::string::npos) << undo.error().message();
  }
  EXPECT_EQ(journal_->GetRun(moved->run_id)->state, RunState::kSucceeded);

  // The same name again: a new history, not "already completed".
  auto relocked = executor_->Start(lock, {}, "clone", options_);
  ASSERT_TRUE(relocked) << relocked.error().ToString();
  EXPECT_FALSE(relocked->nothing_to_do);
  EXPECT_NE(relocked->run_id, locked->run_id);
  auto removed = executor_->Start(refactor, {}, "clone", options_);
  ASSERT_TRUE(removed) << removed.error().ToString();
  EXPECT_EQ(removed->state, RunState::kSucceeded);
  EXPECT_EQ(Scripts()["a"].executes, 3);
  EXPECT_EQ(Scripts()["b"].executes, 2);
  // Production's target was never closed: its lock is still done.
  EXPECT_TRUE(executor_->Start(lock, {}, "prod", options_)->nothing_to_do);
  EXPECT_TRUE(journal_->VerifyChain()->first_bad_seq == std::nullopt);
}

TEST_F(ExecutorTest, ChangedDefinitionIsRefusedUnlessAcceptedAndTheAcceptanceIsAudited) {
  Workflow wf = Load(kThreeSteps);
  RunId run = CrashInside(wf, "two");
  Workflow changed = Load(std::string(kThreeSteps) + "description: edited\n");
  Scripts()["two"].check = CheckOutcome::kDone;
  auto refused = executor_->Resume(run, changed, {}, options_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("--accept-definition-change"), std::string::npos);
  EXPECT_EQ(Scripts()["two"].checks, 0);
  options_.accept_definition_change = AcceptDefinitionChange::kYes;
  auto ok = executor_->Resume(run, changed, {}, options_);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(journal_->GetRun(run)->definition_sha256, Sha256Hex(changed.text));
  auto kinds = EventKinds(run);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "definition.changed"), kinds.end());
}

TEST_F(ExecutorTest, SecretParametersNeverReachTheJournal) {
  Workflow wf = Load(R"yaml(name: secrets
version: 1
params:
  token: {type: string, secret: true}
steps:
  - id: leak
    uses: exec
    with: {argv: [sh, -c, 'echo the token is ${params.token}; exit 0']}
  - id: fail
    uses: exec
    with: {argv: [sh, -c, 'echo ${params.token} >&2; exit 3']}
)yaml");
  auto outcome = executor_->Start(wf, {{"token", "hunter2-very-secret"}}, "", options_);
  ASSERT_TRUE(outcome) << outcome.error().ToString();
  EXPECT_EQ(outcome->state, RunState::kFailed);
  std::string text = AllJournalText();
  EXPECT_EQ(text.find("hunter2-very-secret"), std::string::npos) << text;
  EXPECT_NE(text.find("the token is ****"), std::string::npos) << text;
  EXPECT_EQ(outcome->message.find("hunter2-very-secret"), std::string::npos);
  // Resuming needs the secret again, and says so.
  auto resumed = executor_->Resume(outcome->run_id, wf, {}, options_);
  ASSERT_FALSE(resumed);
  EXPECT_NE(resumed.error().message().find("secrets are never stored"), std::string::npos);
}

TEST_F(ExecutorTest, SkippedValidationIsRecordedWithTheOperator) {
  Workflow wf = Load(R"yaml(name: validated
version: 1
steps:
  - {id: check, uses: assert, kind: validation, with: {that: 'false', message: drift found}}
  - {id: act, uses: scripted, with: {key: act}}
)yaml");
  auto blocked = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->state, RunState::kFailed);
  EXPECT_NE(blocked->message.find("drift found"), std::string::npos);
  options_.skip_validations = SkipValidations::kYes;
  auto ok = executor_->Resume(blocked->run_id, wf, {}, options_);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->state, RunState::kSucceeded);
  auto events = *journal_->ListEvents(EventFilter{blocked->run_id, {}, 0, 0});
  bool recorded = false;
  for (const EventRecord& e : events) {
    if (e.kind == "validation.skipped") {
      recorded = true;
      EXPECT_EQ(e.operator_name, "alice");
      EXPECT_EQ(e.step_id, "check");
    }
  }
  EXPECT_TRUE(recorded);
}

TEST_F(ExecutorTest, DryRunExecutesNothingAndRecordsOneEvent) {
  Workflow wf = Load(kThreeSteps);
  options_.dry_run = DryRun::kYes;
  auto plan = executor_->DryRun(wf, {}, "", options_);
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->steps.size(), 3u);
  EXPECT_EQ(plan->steps[0].description, "scripted one");
  EXPECT_EQ(Scripts()["one"].executes, 0);
  EXPECT_TRUE(journal_->ListRuns("", "")->empty());
  auto events = *journal_->ListEvents(EventFilter{});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "run.dry_run");
}

TEST_F(ExecutorTest, DryRunShowsEachStepsPreviewAndReportsOneThatCannotBeMade) {
  Workflow wf = Load(kThreeSteps);
  Scripts()["one"].preview = "change set for stack A:\n  Modify Table";
  Scripts()["three"].fail_preview = true;
  options_.dry_run = DryRun::kYes;
  auto plan = executor_->DryRun(wf, {}, "", options_);
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->steps.size(), 3u);
  EXPECT_EQ(plan->steps[0].detail, "change set for stack A:\n  Modify Table");
  // Step two's inputs need step one's outputs: no preview is asked for.
  EXPECT_EQ(plan->steps[1].detail, "");
  EXPECT_EQ(Scripts()["two"].previews, 0);
  EXPECT_NE(plan->steps[2].detail.find("could not preview"), std::string::npos)
      << plan->steps[2].detail;
  EXPECT_NE(plan->steps[2].detail.find("the cloud did not answer"), std::string::npos);
  EXPECT_EQ(Scripts()["one"].executes + Scripts()["three"].executes, 0);
  EXPECT_TRUE(journal_->ListRuns("", "")->empty());
}

TEST_F(ExecutorTest, ConfirmationWithoutATerminalStopsBeforeTheStepActs) {
  Workflow wf = Load(R"yaml(name: careful
version: 1
steps:
  - {id: delete, uses: scripted, with: {key: delete}, confirm: {message: 'delete prod?', typed: prod}}
)yaml");
  auto stopped = executor_->Start(wf, {}, "", options_);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code(), ErrorCode::kNeedsConfirmation);
  EXPECT_NE(stopped.error().message().find("--yes"), std::string::npos);
  EXPECT_EQ(Scripts()["delete"].executes, 0);

  prompter_.interactive = true;
  prompter_.answer = false;
  EXPECT_FALSE(executor_->Resume(1, wf, {}, options_));
  EXPECT_EQ(Scripts()["delete"].executes, 0);
  EXPECT_EQ(prompter_.asked.back(), "delete prod?|prod");

  options_.assume_yes = AssumeYes::kYes;
  auto ok = executor_->Resume(1, wf, {}, options_);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(Scripts()["delete"].executes, 1);
  auto events = *journal_->ListEvents(EventFilter{RunId{1}, {}, 0, 0});
  bool agreed = false;
  for (const EventRecord& e : events) {
    if (e.kind == "confirmation.given") {
      agreed = e.detail_json.find("--yes") != std::string::npos && e.operator_name == "alice";
    }
  }
  EXPECT_TRUE(agreed);
}

// An undo that is a step asking for confirmation (a restore) asks before it
// acts, as it would going forward; declined, the step stays done.
TEST_F(ExecutorTest, AnUndoStepThatAsksForConfirmationAsksBeforeItActs) {
  Workflow wf = Load(R"yaml(name: undoable
version: 1
steps:
  - id: write
    uses: scripted
    with: {key: write}
    rollback: {uses: confirm, with: {message: 'put the table back?'}}
)yaml");
  ASSERT_TRUE(executor_->Start(wf, {}, "", options_));
  auto stopped = executor_->Rollback(1, wf, {}, options_);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code(), ErrorCode::kNeedsConfirmation);
  EXPECT_EQ(journal_->GetSteps(1)->at(0).state, StepState::kSucceeded);

  prompter_.interactive = true;
  prompter_.answer = true;
  auto undone = executor_->Rollback(1, wf, {}, options_);
  ASSERT_TRUE(undone) << undone.error().ToString();
  EXPECT_EQ(undone->state, RunState::kRolledBack);
  EXPECT_EQ(prompter_.asked.back(), "put the table back?|");
  EXPECT_EQ(journal_->GetSteps(1)->at(0).state, StepState::kRolledBack);
  auto events = *journal_->ListEvents(EventFilter{RunId{1}, {}, 0, 0});
  bool agreed = false;
  for (const EventRecord& e : events) {
    agreed = agreed || (e.kind == "confirmation.given" && e.step_id == "write");
  }
  EXPECT_TRUE(agreed);
}

TEST_F(ExecutorTest, ARunAskedToStopBeforeAStepStopsThereAndContinuesWhenStartedAgain) {
  Workflow wf = Load(R"yaml(name: paused
version: 1
steps:
  - {id: export, uses: scripted, with: {key: e}}
  - {id: import, uses: scripted, with: {key: i}}
)yaml");
  ExecutorOptions paused = options_;
  paused.stop_before = "import";
  auto stopped = executor_->Start(wf, {}, "", paused);
  ASSERT_TRUE(stopped) << stopped.error().ToString();
  EXPECT_EQ(stopped->state, RunState::kRunning);
  EXPECT_NE(stopped->message.find("stopped before step 'import'"), std::string::npos);
  EXPECT_EQ(Scripts()["e"].executes, 1);
  EXPECT_EQ(Scripts()["i"].executes, 0);
  EXPECT_EQ(journal_->GetSteps(stopped->run_id)->at(1).state, StepState::kPending);
  auto events = *journal_->ListEvents(EventFilter{RunId{stopped->run_id}, {}, 0, 0});
  bool journaled = false;
  for (const EventRecord& e : events) {
    journaled = journaled ||
                (e.kind == "run.paused" && e.detail_json.find("\"import\"") != std::string::npos);
  }
  EXPECT_TRUE(journaled);

  auto finished = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(finished) << finished.error().ToString();
  EXPECT_EQ(finished->run_id, stopped->run_id);
  EXPECT_EQ(finished->state, RunState::kSucceeded);
  EXPECT_EQ(Scripts()["e"].executes, 1);
  EXPECT_EQ(Scripts()["i"].executes, 1);
}

TEST_F(ExecutorTest, WhenFalseSkipsTheStep) {
  Workflow wf = Load(R"yaml(name: conditional
version: 1
params:
  env: {type: string, default: dev}
steps:
  - {id: prod-only, uses: scripted, with: {key: p}, when: "params.env == 'prod'"}
  - {id: always, uses: scripted, with: {key: a}}
)yaml");
  auto outcome = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(Scripts()["p"].executes, 0);
  EXPECT_EQ(journal_->GetSteps(outcome->run_id)->at(0).state, StepState::kSkipped);
}

TEST_F(ExecutorTest, LiveLeaseOfAnotherOperatorIsRefusedNamingThem) {
  Workflow wf = Load(kThreeSteps);
  LeaseHolder bob{"bob", "otherhost", 77, "bob", ""};
  ASSERT_TRUE(
      journal_->AcquireLease(LeaseRequest{"three", bob, Duration(60000), LeaseMode::kAcquire, 0}));
  auto refused = executor_->Start(wf, {}, "", options_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kLeaseHeld);
  EXPECT_NE(refused.error().message().find("bob (bob@otherhost, pid 77)"), std::string::npos);
  EXPECT_NE(refused.error().message().find("last heartbeat"), std::string::npos);

  clock_.Advance(Duration(61000));  // bob's lease expires
  auto still = executor_->Start(wf, {}, "", options_);
  ASSERT_FALSE(still);
  EXPECT_NE(still.error().message().find("--take-over"), std::string::npos);
  options_.take_over = TakeOver::kYes;
  auto ok = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(ok) << ok.error().ToString();
  auto events = *journal_->ListEvents(EventFilter{{}, std::string("three"), 0, 0});
  bool audited = false;
  for (const EventRecord& e : events) audited = audited || e.kind == "lease.taken_over";
  EXPECT_TRUE(audited);
}

TEST_F(ExecutorTest, LeaseOfADeadLocalProcessIsTakenOverAtOnce) {
  Workflow wf = Load(kThreeSteps);
  LeaseHolder dead{"tester", "testhost", 4242, "alice", ""};  // same host, pid not alive
  ASSERT_TRUE(
      journal_->AcquireLease(LeaseRequest{"three", dead, Duration(60000), LeaseMode::kAcquire, 0}));
  auto ok = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(ok) << ok.error().ToString();
  bool said = false;
  for (const std::string& n : observer_.notices)
    said = said || n.find("no longer exists") != std::string::npos;
  EXPECT_TRUE(said);
}

// Regression: an optional parameter omitted at the start could be given any
// value on resume.
TEST_F(ExecutorTest, OptionalParameterOmittedAtTheStartStaysOmitted) {
  Workflow wf = Load(
      "name: p\nversion: 1\nparams:\n  note: {type: string}\nsteps:\n  - {id: a, "
      "uses: scripted, with: {key: a, note: '${params.note}'}}\n");
  Scripts()["a"].fail = true;
  auto failed = executor_->Start(wf, {}, "", options_);
  ASSERT_TRUE(failed);
  auto changed = executor_->Resume(failed->run_id, wf, {{"note", "late"}}, options_);
  ASSERT_FALSE(changed);
  EXPECT_NE(changed.error().message().find("a run keeps its parameters"), std::string::npos);
}

TEST_F(ExecutorTest, UnknownParameterAndMissingRequiredParameterAreUsageErrors) {
  Workflow wf = Load(
      "name: p\nversion: 1\nparams:\n  app: {type: string, required: true}\n  n: "
      "{type: integer, default: 2}\nsteps: [{id: a, uses: scripted, with: {key: a}}]\n");
  auto missing = executor_->Start(wf, {}, "", options_);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("--param app="), std::string::npos);
  auto unknown = executor_->Start(wf, {{"app", "x"}, {"ap", "y"}}, "", options_);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("no parameter 'ap'"), std::string::npos);
  auto typed = executor_->Start(wf, {{"app", "x"}, {"n", "two"}}, "", options_);
  ASSERT_FALSE(typed);
  EXPECT_NE(typed.error().message().find("must be a whole number"), std::string::npos);
  EXPECT_TRUE(journal_->ListRuns("", "")->empty());
}

TEST_F(ExecutorTest, ACheckpointedStepResumesFromItsLastCheckpointAndDoesEachBatchOnce) {
  Workflow wf = Load(R"yaml(name: batched
version: 1
steps:
  - {id: work, uses: batches}
)yaml");
  Batches().stop_after = 3;
  auto first = executor_->Start(wf, {}, "", options_);
  ASSERT_FALSE(first);
  RunId run = journal_->ListRuns("batched", "batched")->front().id;
  StepRecord step = journal_->GetSteps(run)->front();
  EXPECT_EQ(step.state, StepState::kRunning);
  EXPECT_EQ(step.prepared.Find("checkpoint")->Find("done")->as_int(), 3);
  EXPECT_EQ(step.prepared.Find("plan")->as_string(), "five batches");  // Prepare's data kept
  Timestamp started = *step.started_at;

  clock_.Advance(Duration(5000));
  auto resumed = executor_->Resume(run, wf, {}, options_);
  ASSERT_TRUE(resumed) << resumed.error().ToString();
  EXPECT_EQ(resumed->state, RunState::kSucceeded);
  EXPECT_EQ(Batches().processed, (std::vector<int>{0, 1, 2, 3, 4}));
  step = journal_->GetSteps(run)->front();
  EXPECT_EQ(step.started_at->unix_ms, started.unix_ms);  // checkpoints do not restart the step
  int progress = 0;
  for (const std::string& kind : EventKinds(run)) progress += kind == "step.progress";
  EXPECT_EQ(progress, 5);
  EXPECT_FALSE(journal_->VerifyChain()->first_bad_seq);
}

TEST_F(ExecutorTest, ACheckpointWithoutTheLeaseIsRefusedAndWritesNothing) {
  Workflow wf = Load(R"yaml(name: fenced
version: 1
steps:
  - {id: work, uses: batches}
)yaml");
  Batches().stop_after = 2;
  ASSERT_FALSE(executor_->Start(wf, {}, "", options_));
  RunId run = journal_->ListRuns("fenced", "fenced")->front().id;
  // Someone else takes the target over; a checkpoint under the old fence fails.
  Lease lease = **journal_->GetLease("fenced");
  clock_.Advance(Duration(120000));
  auto taken = journal_->AcquireLease(LeaseRequest{
      "fenced", LeaseHolder{"bob", "h", 2, "bob", ""}, Duration(60000),
      lease.released ? LeaseMode::kAcquire : LeaseMode::kTakeOverExpired, lease.generation});
  ASSERT_TRUE(taken) << taken.error().ToString();
  Fence old{"fenced", lease.generation};
  auto write = journal_->TransitionStep(
      old,
      StepUpdate{run,
                 "work",
                 StepState::kRunning,
                 StepState::kRunning,
                 {},
                 Value(ValueMap{{"checkpoint", Value(ValueMap{{"done", Value(99)}})}}),
                 {},
                 {},
                 {}},
      NewEvent{"step.progress", "alice", run, "fenced", "work", Value(ValueMap{})});
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().code(), ErrorCode::kLeaseLost);
  EXPECT_EQ(journal_->GetSteps(run)->front().prepared.Find("checkpoint")->Find("done")->as_int(),
            2);
}

}  // namespace
}  // namespace flightplan
