// The shared journal's logic over an in-memory object store that keeps S3's
// contract (create-if-absent decided by the store) and can lose answers,
// refuse, or be tampered with. The same contract over real HTTP, SigV4 and
// the simulator's S3 is tested with separate processes in
// tests/e2e/shared_state_test.cc.
#include "store/log_journal.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/digest.h"
#include "tests/engine/fakes.h"
#include "tests/support/test_support.h"

namespace flightplan {
namespace {

using testing::FakeClock;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

// S3's contract in memory. `before_create` may answer instead of the store
// (a fault); `lose_answer` applies the write and then reports kTransient.
class MemoryStore final : public ObjectStore {
 public:
  Result<CreateOutcome> CreateIfAbsent(const std::string& key, const std::string& body) override {
    std::lock_guard lock(mu_);
    ++creates_;
    if (refuse_creates_ > 0) {
      --refuse_creates_;
      return MakeError(ErrorCode::kTransient, "injected: no answer, nothing applied");
    }
    if (fail_creates_ > 0) {
      --fail_creates_;
      return MakeError(ErrorCode::kPermissionDenied, "injected: access denied");
    }
    bool created = objects_.emplace(key, body).second;
    if (created && while_answering_) {
      // The object is there; the writer waits for its answer (mu_ is not
      // held meanwhile, so others can read it).
      auto hook = std::move(while_answering_);
      while_answering_ = nullptr;
      mu_.unlock();
      hook();
      mu_.lock();
    }
    if (lose_answers_ > 0 && created) {
      --lose_answers_;
      return MakeError(ErrorCode::kTransient, "injected: applied, answer lost");
    }
    return created ? CreateOutcome::kCreated : CreateOutcome::kAlreadyExists;
  }
  Result<void> Put(const std::string& key, const std::string& body) override {
    std::lock_guard lock(mu_);
    objects_[key] = body;
    return {};
  }
  Result<std::optional<std::string>> Get(const std::string& key) override {
    std::lock_guard lock(mu_);
    ++gets_;
    if (unreachable_) return MakeError(ErrorCode::kTransient, "injected: unreachable");
    auto it = objects_.find(key);
    if (it == objects_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Result<std::vector<std::string>> List(const std::string& prefix, const std::string& start_after,
                                        int limit) override {
    std::lock_guard lock(mu_);
    ++lists_;
    if (unreachable_) return MakeError(ErrorCode::kTransient, "injected: unreachable");
    std::vector<std::string> out;
    for (auto it = objects_.upper_bound(start_after);
         it != objects_.end() && static_cast<int>(out.size()) < limit; ++it) {
      if (it->first.rfind(prefix, 0) == 0) out.push_back(it->first);
    }
    return out;
  }
  std::string Describe() const override { return "mem://state/"; }

  std::map<std::string, std::string> objects() {
    std::lock_guard lock(mu_);
    return objects_;
  }
  int LogObjects() {
    int n = 0;
    for (const auto& [key, body] : objects()) n += key.rfind("log/", 0) == 0 ? 1 : 0;
    return n;
  }
  void Tamper(const std::string& key, const std::function<void(std::string&)>& edit) {
    std::lock_guard lock(mu_);
    edit(objects_[key]);
  }
  void Erase(const std::string& key) {
    std::lock_guard lock(mu_);
    objects_.erase(key);
  }

  std::mutex mu_;
  std::map<std::string, std::string> objects_;
  std::function<void()> while_answering_;  // once, after the next object is created
  int refuse_creates_ = 0;
  int fail_creates_ = 0;  // answered with a refusal, nothing applied
  int lose_answers_ = 0;
  bool unreachable_ = false;
  int creates_ = 0;
  int lists_ = 0;
  int gets_ = 0;
};

class LogJournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogJournal> Open(const std::string& replica) {
    LogJournalOptions options;
    options.cache_path = dir_.Join(replica + ".db");
    options.snapshot_every = snapshot_every_;
    auto journal = OpenLogJournal(store_, clock_, options);
    EXPECT_TRUE(journal) << journal.error().ToString();
    return journal ? std::move(*journal) : nullptr;
  }
  Result<std::unique_ptr<LogJournal>> TryOpen(const std::string& replica) {
    LogJournalOptions options;
    options.cache_path = dir_.Join(replica + ".db");
    options.snapshot_every = snapshot_every_;
    return OpenLogJournal(store_, clock_, options);
  }
  static LeaseRequest Request(const std::string& target, const std::string& who) {
    return LeaseRequest{target, LeaseHolder{who, who + "-laptop", 100, who, ""}, Duration(30000),
                        LeaseMode::kAcquire, 0};
  }
  static RunId MakeRun(Journal& j, const Fence& fence) {
    RunRecord run;
    run.workflow = "lock";
    run.target = fence.target;
    run.definition_sha256 = "abc";
    run.definition_text = "name: lock\n";
    run.params = Value(ValueMap{{"app", Value("a1")}, {"ratio", Value(0.25)}});
    run.operator_name = "alice";
    NewEvent event{"run.created", "alice", 0, fence.target, "", Value(ValueMap{})};
    auto id = j.CreateRun(fence, run, {"discover", "lock"}, event);
    EXPECT_TRUE(id) << id.error().ToString();
    return id ? *id : 0;
  }
  static Result<void> StartStep(Journal& j, const Fence& fence, RunId run, const std::string& id) {
    StepUpdate update;
    update.run_id = run;
    update.step_id = id;
    update.from = StepState::kPending;
    update.to = StepState::kRunning;
    update.attempt = 1;
    update.prepared = Value(ValueMap{{"stack", Value("amplify-a1-main")}});
    return j.TransitionStep(fence, update,
                            NewEvent{"step.started", "alice", run, fence.target, id, Value()});
  }

  // Lease (1), 18 audited writes (2-19), then heartbeats (20-25): the
  // snapshot at 20 has no event of its own, so checking it searches back.
  std::unique_ptr<LogJournal> WriteTwentyFiveObjects(Fence* fence_out = nullptr) {
    int before = store_.LogObjects();
    auto alice = Open("alice");
    Lease lease = alice->AcquireLease(Request("t", "alice")).value();
    Fence fence{lease.target, lease.generation};
    for (int i = 0; i < 18; ++i) {
      EXPECT_TRUE(alice
                      ->AppendEvent(&fence, NewEvent{"note", "alice", 0, "t", "",
                                                     Value(ValueMap{{"i", Value(i)}})})
                      .has_value());
    }
    for (int i = 0; i < 6; ++i) {
      auto beat = alice->HeartbeatLease(fence, Duration(30000));
      EXPECT_TRUE(beat) << beat.error().ToString();
    }
    EXPECT_EQ(store_.LogObjects(), before + 25);
    if (fence_out) *fence_out = fence;
    return alice;
  }
  std::string SnapshotBytes(int64_t seq) {
    std::string text = store_.objects().at(SnapshotKey(seq));
    size_t second = text.find('\n', text.find('\n') + 1);
    return text.substr(second + 1);
  }
  // Replaces snapshot `seq`'s SQLite bytes with `edit`'s result on them and
  // a header that matches (an attacker who recomputes the hash).
  void ForgeSnapshot(int64_t seq, const std::function<void(sqlite3*)>& edit) {
    std::string path = dir_.Join("forged.db");
    testing::WriteFile(path, SnapshotBytes(seq));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    edit(db);
    sqlite3_close(db);
    std::string bytes = testing::ReadFile(path);
    std::string text = store_.objects().at(SnapshotKey(seq));
    size_t first = text.find('\n');
    size_t second = text.find('\n', first + 1);
    Value header = Value::FromJson(text.substr(first + 1, second - first - 1)).value();
    header.as_map()["sha256"] = Value(Sha256Hex(bytes));
    store_.Tamper(SnapshotKey(seq), [&](std::string& t) {
      t = text.substr(0, first + 1) + header.ToJson() + "\n" + bytes;
    });
  }

  TempDir dir_;
  FakeClock clock_;
  MemoryStore store_;
  int64_t snapshot_every_ = 1000;
};

TEST_F(LogJournalTest, TwoReplicasSeeTheSameRunsEventsAndHashChain) {
  auto alice = Open("alice");
  auto bob = Open("bob");
  ASSERT_TRUE(alice && bob);
  EXPECT_EQ(alice->JournalId(), bob->JournalId());
  Lease lease = alice->AcquireLease(Request("app/a1/env/main", "alice")).value();
  Fence fence{lease.target, lease.generation};
  RunId run = MakeRun(*alice, fence);
  ASSERT_TRUE(StartStep(*alice, fence, run, "discover").has_value());

  // Bob reads what Alice wrote, and is refused her lease.
  RunRecord seen = bob->GetRun(run).value();
  EXPECT_EQ(seen.workflow, "lock");
  EXPECT_EQ(seen.params.ToJson(), R"({"app":"a1","ratio":0.25})");
  EXPECT_EQ(bob->GetSteps(run).value()[0].state, StepState::kRunning);
  auto refused = bob->AcquireLease(Request("app/a1/env/main", "bob"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kLeaseHeld);
  EXPECT_THAT(refused.error().message(), HasSubstr("alice"));

  auto a_events = alice->ListEvents({}).value();
  auto b_events = bob->ListEvents({}).value();
  ASSERT_EQ(a_events.size(), b_events.size());
  for (size_t i = 0; i < a_events.size(); ++i) EXPECT_EQ(a_events[i].hash, b_events[i].hash);
  ChainReport report = bob->VerifyChain().value();
  EXPECT_FALSE(report.first_bad_seq) << report.problem;
  EXPECT_EQ(report.events, static_cast<int64_t>(a_events.size()));
  // The refused acquire wrote nothing: lease, run, step = three objects.
  EXPECT_EQ(store_.LogObjects(), 3);

  // A third machine starting from nothing replays the same state.
  auto carol = Open("carol");
  ASSERT_TRUE(carol);
  EXPECT_EQ(carol->ListEvents({}).value().back().hash, a_events.back().hash);
}

TEST_F(LogJournalTest, AnOperatorWhoseLeaseWasTakenOverCanNeverWriteAgain) {
  auto alice = Open("alice");
  auto bob = Open("bob");
  Lease lease = alice->AcquireLease(Request("t", "alice")).value();
  Fence alice_fence{lease.target, lease.generation};
  RunId run = MakeRun(*alice, alice_fence);
  // Alice stops (SIGSTOP) past her lease's expiry; Bob takes over.
  clock_.Advance(Duration(60000));
  LeaseRequest take = Request("t", "bob");
  take.mode = LeaseMode::kTakeOverExpired;
  take.expected_generation = lease.generation;
  Lease taken = bob->AcquireLease(take).value();
  EXPECT_EQ(taken.generation, lease.generation + 1);
  int objects = store_.LogObjects();
  // Alice continues: her replica does not know yet, the log does.
  auto stale = StartStep(*alice, alice_fence, run, "discover");
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kLeaseLost);
  EXPECT_FALSE(alice->HeartbeatLease(alice_fence, Duration(30000)));
  EXPECT_EQ(store_.LogObjects(), objects) << "a fenced-out write reached the log";
  // Bob's fence works.
  EXPECT_TRUE(StartStep(*bob, Fence{"t", taken.generation}, run, "discover").has_value());
}

TEST_F(LogJournalTest, EightOperatorsRacingForOneLeaseGetExactlyOneHolder) {
  auto first = Open("setup");  // the manifest exists before the race
  ASSERT_TRUE(first);
  std::vector<std::unique_ptr<LogJournal>> operators;
  for (int i = 0; i < 8; ++i) operators.push_back(Open("op" + std::to_string(i)));
  std::vector<Result<Lease>> results(8, MakeError(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      results[i] = operators[i]->AcquireLease(Request("app/x/env/main", "op" + std::to_string(i)));
    });
  }
  for (auto& t : threads) t.join();
  int holders = 0;
  for (const auto& r : results) {
    if (r) {
      ++holders;
    } else {
      EXPECT_EQ(r.error().code(), ErrorCode::kLeaseHeld) << r.error().ToString();
    }
  }
  EXPECT_EQ(holders, 1);
  EXPECT_EQ(store_.LogObjects(), 1);
  EXPECT_FALSE(first->VerifyChain().value().first_bad_seq);
}

TEST_F(LogJournalTest, AWriteWhoseAnswerWasLostIsInTheLogExactlyOnce) {
  auto alice = Open("alice");
  Lease lease = alice->AcquireLease(Request("t", "alice")).value();
  Fence fence{lease.target, lease.generation};
  store_.lose_answers_ = 1;  // applied by the store, reported as a time-out
  RunId run = MakeRun(*alice, fence);
  EXPECT_EQ(run, 1);
  EXPECT_EQ(store_.LogObjects(), 2);
  EXPECT_EQ(alice->ListRuns("", "").value().size(), 1u);

  // Refused with no answer and not applied: tried again, once in the log.
  store_.refuse_creates_ = 1;
  ASSERT_TRUE(StartStep(*alice, fence, run, "discover").has_value());
  EXPECT_EQ(store_.LogObjects(), 3);
  auto bob = Open("bob");
  EXPECT_EQ(bob->ListRuns("", "").value().size(), 1u);
  EXPECT_EQ(bob->GetSteps(run).value()[0].attempt, 1);
}

TEST_F(LogJournalTest, AnUnreachableStoreFailsTheWriteAndSaysTheOutcomeIsUnknown) {
  auto alice = Open("alice");
  Lease lease = alice->AcquireLease(Request("t", "alice")).value();
  store_.lose_answers_ = 1;
  store_.unreachable_ = true;  // and no read afterwards either
  RunRecord run;
  run.workflow = "lock";
  run.target = "t";
  auto created = alice->CreateRun(Fence{"t", lease.generation}, run, {"a"},
                                  NewEvent{"run.created", "alice", 0, "t", "", Value(ValueMap{})});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code(), ErrorCode::kStateFile);
  EXPECT_THAT(created.error().message(), HasSubstr("could not tell whether"));
  store_.unreachable_ = false;
  // The write did land; the next read shows it, once.
  EXPECT_EQ(alice->ListRuns("", "").value().size(), 1u);
}

// A store that answers reads but never a write: after three unanswered
// tries in a row, each followed by a read not finding it, the write stops
// with its outcome unknown — not tried 64 times and blamed on other
// operators.
TEST_F(LogJournalTest, AStoreThatNeverAnswersAWriteIsReportedAsSuchAfterAFewTries) {
  auto alice = Open("alice");
  Lease lease = alice->AcquireLease(Request("t", "alice")).value();
  store_.refuse_creates_ = 1000;
  int creates_before = store_.creates_;
  auto heartbeat = alice->HeartbeatLease(Fence{"t", lease.generation}, Duration(30000));
  ASSERT_FALSE(heartbeat);
  EXPECT_EQ(heartbeat.error().code(), ErrorCode::kStateFile);
  EXPECT_THAT(heartbeat.error().message(), HasSubstr("3 tries in a row went unanswered"));
  EXPECT_THAT(heartbeat.error().message(), HasSubstr("injected: no answer"));
  EXPECT_THAT(heartbeat.error().message(), HasSubstr("run `flightplan status`"));
  EXPECT_EQ(store_.creates_ - creates_before, 3);
  EXPECT_EQ(store_.LogObjects(), 1);
  store_.refuse_creates_ = 0;
  EXPECT_TRUE(alice->HeartbeatLease(Fence{"t", lease.generation}, Duration(30000)));
  EXPECT_EQ(store_.LogObjects(), 2);
}

// A try that went unanswered, then one refused outright: the first may
// still land, so the write is in doubt — never "nothing was recorded",
// which would invite a second, duplicate write.
TEST_F(LogJournalTest, ARefusalAfterAnUnansweredTryLeavesTheWriteInDoubt) {
  auto alice = Open("alice");
  Lease lease = alice->AcquireLease(Request("t", "alice")).value();
  store_.refuse_creates_ = 1;
  store_.fail_creates_ = 1;
  auto heartbeat = alice->HeartbeatLease(Fence{"t", lease.generation}, Duration(30000));
  ASSERT_FALSE(heartbeat);
  EXPECT_EQ(heartbeat.error().code(), ErrorCode::kStateFile);
  EXPECT_THAT(heartbeat.error().message(), HasSubstr("could not tell whether"));
  EXPECT_THAT(heartbeat.error().message(), HasSubstr("injected: access denied"));
  EXPECT_THAT(heartbeat.error().message(), Not(HasSubstr("Nothing was recorded")));
  // Refused outright with nothing before it: nothing was recorded, and it says so.
  store_.fail_creates_ = 1;
  auto refused = alice->HeartbeatLease(Fence{"t", lease.generation}, Duration(30000));
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message(), HasSubstr("Nothing was recorded"));
}

// A log object whose format line is not a version, or whose entry names
// another shared state (its hash recomputed to match), is refused and named.
TEST_F(LogJournalTest, AnObjectWithAnUnreadableVersionOrOfAnotherStateIsRefused) {
  auto alice = Open("alice");
  Lease lease = alice->AcquireLease(Request("t", "alice")).value();
  Fence fence{lease.target, lease.generation};
  MakeRun(*alice, fence);
  ASSERT_EQ(store_.LogObjects(), 2);
  const std::string original = store_.objects()[LogObjectKey(2)];

  store_.Tamper(LogObjectKey(2),
                [](std::string& text) { text.replace(0, 16, "flightplan-log x"); });
  auto unreadable = TryOpen("bob");
  ASSERT_FALSE(unreadable);
  EXPECT_EQ(unreadable.error().code(), ErrorCode::kCorruption);
  EXPECT_THAT(unreadable.error().message(), HasSubstr("no readable format version"));

  store_.Tamper(LogObjectKey(2), [&](std::string& text) {
    size_t second = original.find('\n', original.find('\n') + 1);
    std::string entry = original.substr(second + 1);
    size_t at = entry.find(alice->JournalId());
    ASSERT_NE(at, std::string::npos);
    entry.replace(at, alice->JournalId().size(), std::string(alice->JournalId().size(), 'e'));
    text = "flightplan-log 1\n" + Sha256Hex(entry) + "\n" + entry;
  });
  auto foreign = TryOpen("carol");
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code(), ErrorCode::kCorruption);
  EXPECT_THAT(foreign.error().message(), HasSubstr("belongs to another shared state"));
  ChainReport report = alice->VerifyChain().value();
  ASSERT_TRUE(report.first_bad_seq);
  EXPECT_EQ(*report.first_bad_seq, 2);
}

TEST_F(LogJournalTest, TamperedAndMissingObjectsAreNamedAndRefused) {
  auto alice = Open("alice");
  Lease lease = alice->AcquireLease(Request("t", "alice")).value();
  Fence fence{lease.target, lease.generation};
  RunId run = MakeRun(*alice, fence);
  ASSERT_TRUE(StartStep(*alice, fence, run, "discover").has_value());
  ASSERT_EQ(store_.LogObjects(), 3);

  store_.Tamper(LogObjectKey(2), [](std::string& text) {
    size_t at = text.find("name: lock");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 10, "name: evil");
  });
  ChainReport report = alice->VerifyChain().value();
  ASSERT_TRUE(report.first_bad_seq);
  EXPECT_EQ(*report.first_bad_seq, 2);
  EXPECT_THAT(report.problem, HasSubstr(LogObjectKey(2)));
  auto fresh = TryOpen("newcomer");
  ASSERT_FALSE(fresh);
  EXPECT_EQ(fresh.error().code(), ErrorCode::kCorruption);

  // Put back, it verifies again; deleted, the gap is named.
  store_.Tamper(LogObjectKey(2), [](std::string& text) {
    size_t at = text.find("name: evil");
    text.replace(at, 10, "name: lock");
  });
  EXPECT_FALSE(alice->VerifyChain().value().first_bad_seq);
  store_.Erase(LogObjectKey(2));
  report = alice->VerifyChain().value();
  ASSERT_TRUE(report.first_bad_seq);
  EXPECT_EQ(*report.first_bad_seq, 2);
  EXPECT_THAT(report.problem, HasSubstr("missing"));
  auto gap = TryOpen("newcomer2");
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error().code(), ErrorCode::kCorruption);
  EXPECT_THAT(gap.error().message(), HasSubstr("missing"));
}

TEST_F(LogJournalTest, AStateFromANewerFlightplanIsRefusedUntouched) {
  store_.objects_["flightplan-state.json"] =
      R"({"format":"flightplan-shared-state","version":7,"journal_id":"abc"})";
  auto opened = TryOpen("alice");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), ErrorCode::kCorruption);
  EXPECT_THAT(opened.error().message(), HasSubstr("newer flightplan"));
  EXPECT_EQ(store_.objects().size(), 1u);

  store_.objects_.clear();
  auto alice = Open("alice");
  alice->AcquireLease(Request("t", "alice")).value();
  store_.objects_[LogObjectKey(2)] = "flightplan-log 9\nxx\n{}";
  auto bob = TryOpen("bob");
  ASSERT_FALSE(bob);
  EXPECT_THAT(bob.error().message(), HasSubstr("newer flightplan"));
  store_.objects_["flightplan-state.json"] = "not json";
  auto foreign = TryOpen("carol");
  ASSERT_FALSE(foreign);
  EXPECT_THAT(foreign.error().message(), HasSubstr("not a flightplan state"));
}

TEST_F(LogJournalTest, AReplicaOfAnEarlierStateAtTheSameLocationIsRebuilt) {
  {
    auto alice = Open("alice");
    alice->AcquireLease(Request("t", "alice")).value();
  }
  store_.objects_.clear();  // the state was deleted and a new one begun
  auto again = Open("alice");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->ListLeases().value().empty());
  EXPECT_EQ(again->log_seq(), 0);
}

// Two processes of one machine share its replica file (two terminals):
// each decides against the file as it is and writes at the position the file
// holds, and objects one of them already replayed are skipped by the other.
TEST_F(LogJournalTest, TwoProcessesSharingAReplicaNeitherDoubleNorMissAWrite) {
  auto first = Open("laptop");
  auto second = Open("laptop");
  auto bob = Open("bob");
  first->AcquireLease(Request("t1", "alice")).value();
  second->AcquireLease(Request("t2", "alice")).value();  // its own view is one object behind
  for (int i = 0; i < 20; ++i) bob->AcquireLease(Request("b" + std::to_string(i), "bob")).value();
  std::vector<std::thread> readers;
  std::vector<size_t> seen(4);
  std::vector<std::string> errors(4);
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&, i] {
      LogJournal& j = i % 2 ? *second : *first;
      auto leases = j.ListLeases();
      seen[i] = leases ? leases->size() : 0;
      if (!leases) errors[i] = leases.error().ToString();
    });
  }
  for (auto& t : readers) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(seen[i], 22u) << errors[i];
  ASSERT_TRUE(first->AcquireLease(Request("t3", "alice")).has_value());
  EXPECT_EQ(second->ListLeases().value().size(), 23u);
  EXPECT_EQ(store_.LogObjects(), 23);
  auto fresh = Open("auditor");
  EXPECT_EQ(fresh->ListEvents({}).value().back().hash, first->ListEvents({}).value().back().hash);
  EXPECT_FALSE(fresh->VerifyChain().value().first_bad_seq);
}

TEST_F(LogJournalTest, AReplicaLockedTooLongIsReportedAsBusyNotAsATamperedLog) {
  // Two processes share the replica; the first holds it while its PUT waits
  // for an answer, longer than the second will wait.
  auto writer = Open("laptop");
  LogJournalOptions options;
  options.cache_path = dir_.Join("laptop.db");
  options.replica_busy_timeout_ms = 200;
  auto reader = OpenLogJournal(store_, clock_, options);
  ASSERT_TRUE(reader) << reader.error().ToString();
  Result<std::vector<Lease>> read = std::vector<Lease>{};
  store_.while_answering_ = [&] { read = (*reader)->ListLeases(); };
  ASSERT_TRUE(writer->AcquireLease(Request("t1", "alice")).has_value());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code(), ErrorCode::kStateFile) << read.error().ToString();
  EXPECT_EQ(read.error().message().find("tampered"), std::string::npos) << read.error().ToString();
  EXPECT_EQ(read.error().message().find("altered"), std::string::npos) << read.error().ToString();
  // Once the writer is done, the reader sees its write.
  auto leases = (*reader)->ListLeases();
  ASSERT_TRUE(leases) << leases.error().ToString();
  EXPECT_EQ(leases->size(), 1u);
}

TEST_F(LogJournalTest, ADamagedReplicaIsRebuiltFromTheLog) {
  {
    auto alice = Open("alice");
    alice->AcquireLease(Request("t", "alice")).value();
  }
  testing::WriteFile(dir_.Join("alice.db"), std::string(4096, 'x'));  // a power cut's work
  std::filesystem::remove(dir_.Join("alice.db-wal"));
  auto again = Open("alice");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->ListLeases().value().size(), 1u);
  EXPECT_EQ(again->log_seq(), 1);
}

TEST_F(LogJournalTest, AReadCostsOneListAndACurrentWriteOnePut) {
  auto alice = Open("alice");
  Lease lease = alice->AcquireLease(Request("t", "alice")).value();
  Fence fence{lease.target, lease.generation};
  RunId run = MakeRun(*alice, fence);
  int lists = store_.lists_;
  int creates = store_.creates_;
  ASSERT_TRUE(StartStep(*alice, fence, run, "discover").has_value());
  EXPECT_EQ(store_.creates_ - creates, 1);
  EXPECT_EQ(store_.lists_ - lists, 0);
  (void)alice->GetSteps(run).value();
  EXPECT_EQ(store_.lists_ - lists, 1);
}

TEST_F(LogJournalTest, ANewMachineStartsFromTheLatestSnapshotAndReplaysOnlyWhatFollows) {
  snapshot_every_ = 10;
  Fence fence;
  auto alice = WriteTwentyFiveObjects(&fence);
  EXPECT_EQ(store_.objects().count(SnapshotKey(10)), 1u);
  EXPECT_EQ(store_.objects().count(SnapshotKey(20)), 1u);

  int gets = store_.gets_;
  auto carol = Open("carol");
  ASSERT_TRUE(carol);
  EXPECT_EQ(carol->snapshot_used(), 20);
  EXPECT_EQ(carol->log_seq(), 25);
  // The manifest, the snapshot, the object it names, four before it
  // (searching back for its last event: 20 is a heartbeat), and 21-25 —
  // not 25 objects.
  EXPECT_EQ(store_.gets_ - gets, 3 + 4 + 5);

  auto a_events = alice->ListEvents({}).value();
  auto c_events = carol->ListEvents({}).value();
  ASSERT_EQ(a_events.size(), c_events.size());
  for (size_t i = 0; i < a_events.size(); ++i) {
    EXPECT_EQ(a_events[i].hash, c_events[i].hash);
    EXPECT_EQ(a_events[i].detail_json, c_events[i].detail_json);
  }
  EXPECT_EQ(carol->GetLease("t").value()->heartbeat_at.unix_ms,
            alice->GetLease("t").value()->heartbeat_at.unix_ms);
  EXPECT_FALSE(carol->VerifyChain().value().first_bad_seq);

  // Carol's machine goes on from there, and a run it creates has the id
  // every other replica gives it.
  clock_.Advance(Duration(60000));
  LeaseRequest take = Request("t", "carol");
  take.mode = LeaseMode::kTakeOverExpired;
  take.expected_generation = fence.generation;
  Lease taken = carol->AcquireLease(take).value();
  RunId run = MakeRun(*carol, Fence{taken.target, taken.generation});
  EXPECT_EQ(alice->GetRun(run).value().workflow, "lock");
  auto dave = Open("dave");
  EXPECT_EQ(dave->snapshot_used(), 20);
  EXPECT_EQ(dave->GetRun(run).value().id, run);
  EXPECT_EQ(dave->ListEvents({}).value().back().hash, alice->ListEvents({}).value().back().hash);
}

TEST_F(LogJournalTest, AReplicaFarBehindCatchesUpFromASnapshotAndANearOneReplays) {
  snapshot_every_ = 10;
  {
    auto early = Open("early");
    early->AcquireLease(Request("u", "erin")).value();  // object 1
  }
  auto alice = WriteTwentyFiveObjects();  // lease on "t" is object 2 ... 26
  (void)alice;
  auto early = Open("early");  // at 1, the latest snapshot at 20: 19 behind
  EXPECT_EQ(early->snapshot_used(), 20);
  EXPECT_EQ(early->ListLeases().value().size(), 2u);
  auto near = Open("alice");  // alice's own replica, current
  EXPECT_EQ(near->snapshot_used(), 0);
}

// Two processes of one machine opening the state at once, both finding the
// replica empty: one restores the snapshot, the other finds the file already
// there and neither doubles a row.
TEST_F(LogJournalTest, TwoProcessesSharingAnEmptyReplicaStartFromOneSnapshot) {
  snapshot_every_ = 10;
  auto alice = WriteTwentyFiveObjects();
  std::unique_ptr<LogJournal> opened[2];
  std::thread first([&] { opened[0] = Open("shared"); });
  std::thread second([&] { opened[1] = Open("shared"); });
  first.join();
  second.join();
  ASSERT_TRUE(opened[0] && opened[1]);
  EXPECT_EQ(opened[0]->snapshot_used() + opened[1]->snapshot_used(), 20)
      << "exactly one of them restored the snapshot";
  auto want = alice->ListEvents({}).value();
  for (auto& j : opened) {
    auto got = j->ListEvents({}).value();
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(got.back().hash, want.back().hash);
    EXPECT_EQ(j->log_seq(), 25);
    EXPECT_FALSE(j->VerifyChain().value().first_bad_seq);
  }
}

// A process killed while it held a snapshot's scratch file leaves it beside
// the replica; the next open removes it, and leaves a live process's alone.
TEST_F(LogJournalTest, ScratchFilesOfDeadProcessesAreRemovedOnOpen) {
  const std::string dead = dir_.Join("alice.db.snapshot-in-4194305-ab12");  // above any pid_max
  const std::string live = dir_.Join(fmt::format("alice.db.snapshot-out-{}-cd34", getpid()));
  testing::WriteFile(dead, std::string(100, 'x'));
  testing::WriteFile(live, std::string(100, 'x'));
  auto alice = Open("alice");
  ASSERT_TRUE(alice);
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(live));
}

TEST_F(LogJournalTest, ASnapshotThatFailsACheckIsIgnoredAndNamedByVerify) {
  snapshot_every_ = 10;
  auto alice = WriteTwentyFiveObjects();
  std::string good = store_.objects().at(SnapshotKey(20));
  auto expect_ignored = [&](const std::string& replica, const std::string& why) {
    auto opened = Open(replica);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->snapshot_used(), 0) << why;
    EXPECT_EQ(opened->ListEvents({}).value().back().hash,
              alice->ListEvents({}).value().back().hash);
    ChainReport report = opened->VerifyChain().value();
    ASSERT_TRUE(report.first_bad_seq) << why;
    EXPECT_EQ(*report.first_bad_seq, 20);
    EXPECT_THAT(report.problem, HasSubstr(SnapshotKey(20))) << why;
    EXPECT_THAT(report.problem, HasSubstr(why));
  };

  store_.Tamper(SnapshotKey(20), [](std::string& t) { t[t.size() - 100] ^= 1; });
  expect_ignored("r1", "does not match its hash");

  // Forged with a matching hash: an audit event altered.
  store_.Tamper(SnapshotKey(20), [&](std::string& t) { t = good; });
  ForgeSnapshot(20, [](sqlite3* db) {
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE events SET record = replace(record, 'alice', 'malic') "
                           "WHERE seq = 3",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  });
  expect_ignored("r2", "audit event 3");

  // Forged with a whole chain, but cut short of the log's.
  store_.Tamper(SnapshotKey(20), [&](std::string& t) { t = good; });
  ForgeSnapshot(20, [](sqlite3* db) {
    ASSERT_EQ(sqlite3_exec(db, "DELETE FROM events WHERE seq > 10", nullptr, nullptr, nullptr),
              SQLITE_OK);
  });
  expect_ignored("r3", "end at event 10");

  // Taken after another object than the log's 20.
  store_.Tamper(SnapshotKey(20), [&](std::string& t) { t = good; });
  ForgeSnapshot(20, [](sqlite3* db) {
    ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value = 'ab' WHERE key = 'log_hash'", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
  });
  expect_ignored("r4", "do not stand at log object 20");

  // Put back, it is used and verifies.
  store_.Tamper(SnapshotKey(20), [&](std::string& t) { t = good; });
  auto fine = Open("r5");
  EXPECT_EQ(fine->snapshot_used(), 20);
  EXPECT_FALSE(fine->VerifyChain().value().first_bad_seq);
}

}  // namespace
}  // namespace flightplan
