#include "store/sqlite_journal.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "tests/engine/fakes.h"
#include "tests/support/test_support.h"

namespace flightplan {
namespace {

using testing::FakeClock;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

class JournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteJournal> Open(const std::string& name = "state.db") {
    auto journal = OpenSqliteJournal(dir_.Join(name), clock_, JournalOptions{});
    EXPECT_TRUE(journal) << journal.error().ToString();
    return journal ? std::move(*journal) : nullptr;
  }

  Lease Acquire(SqliteJournal& j, const std::string& target, const std::string& who) {
    auto lease = j.AcquireLease(LeaseRequest{target, LeaseHolder{who, "host", 1, who, ""},
                                             Duration(30000), LeaseMode::kAcquire, 0});
    EXPECT_TRUE(lease) << lease.error().ToString();
    return *lease;
  }

  RunId MakeRun(SqliteJournal& j, const Fence& fence) {
    RunRecord run;
    run.workflow = "wf";
    run.target = fence.target;
    run.definition_sha256 = "abc";
    run.params = Value(ValueMap{});
    auto id = j.CreateRun(fence, run, {"a", "b"},
                          NewEvent{"run.created", "alice", 0, fence.target, "", Value(ValueMap{})});
    EXPECT_TRUE(id) << id.error().ToString();
    return *id;
  }

  TempDir dir_;
  FakeClock clock_;
};

TEST_F(JournalTest, NewStateFileIsPrivateToItsOwner) {
  auto j = Open("sub/dir/state.db");
  struct stat st {};
  ASSERT_EQ(stat(dir_.Join("sub/dir/state.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(dir_.Join("sub/dir").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(JournalTest, EventsFormAHashChainThatVerifies) {
  auto j = Open();
  Lease lease = Acquire(*j, "t", "alice");
  Fence fence{lease.target, lease.generation};
  RunId run = MakeRun(*j, fence);
  ASSERT_TRUE(j->TransitionRun(fence, run, RunState::kPending, RunState::kRunning,
                               NewEvent{"run.started", "alice", run, "t", "", Value(ValueMap{})}));
  auto events = *j->ListEvents(EventFilter{});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].prev_hash, std::string(64, '0'));
  for (size_t i = 1; i < events.size(); ++i) EXPECT_EQ(events[i].prev_hash, events[i - 1].hash);
  const EventRecord& e = events[2];
  EXPECT_EQ(e.hash, EventHash(e.prev_hash, e.seq, e.at.unix_ms, e.operator_name, e.run_id, e.target,
                              e.step_id, e.kind, e.detail_json));
  auto report = j->VerifyChain();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->events, 3);
  EXPECT_FALSE(report->first_bad_seq);
}

TEST_F(JournalTest, HashCoversEveryFieldWithoutAmbiguity) {
  // Moving a character between two fields must change the hash.
  EXPECT_NE(EventHash("p", 1, 2, "ab", 3, "t", "s", "k", "{}"),
            EventHash("p", 1, 2, "a", 3, "bt", "s", "k", "{}"));
  EXPECT_EQ(EventHash("p", 1, 2, "ab", 3, "t", "s", "k", "{}").size(), 64u);
}

TEST_F(JournalTest, EditedEventIsFoundByVerify) {
  {
    auto j = Open();
    Lease lease = Acquire(*j, "t", "alice");
    Fence fence{lease.target, lease.generation};
    MakeRun(*j, fence);
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(j->AppendEvent(&fence, NewEvent{"note", "alice", 0, "t", "", Value(ValueMap{})}));
    }
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.Join("state.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE events SET record = replace(record, 'alice', 'malic') "
                         "WHERE seq = 4",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto j = Open();
  auto report = j->VerifyChain();
  ASSERT_TRUE(report);
  ASSERT_TRUE(report->first_bad_seq);
  EXPECT_EQ(*report->first_bad_seq, 4);
  EXPECT_NE(report->problem.find("altered"), std::string::npos);
}

TEST_F(JournalTest, DeletedEventIsFoundByVerify) {
  {
    auto j = Open();
    Lease lease = Acquire(*j, "t", "alice");
    Fence fence{lease.target, lease.generation};
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(j->AppendEvent(&fence, NewEvent{"note", "alice", 0, "t", "", Value(ValueMap{})}));
    }
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.Join("state.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM events WHERE seq = 3", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto report = Open()->VerifyChain();
  ASSERT_TRUE(report && report->first_bad_seq);
  EXPECT_EQ(*report->first_bad_seq, 3);
}

// VerifyChain cuts a long chain into stretches verified side by side; the
// first bad event must be the same wherever the stretches meet. Every event
// of a 23-event chain is altered, deleted, or starts a deleted run of
// events, in turn; four stretches and one must report the same event, with
// the same problem.
TEST_F(JournalTest, VerifyInStretchesFindsTheFirstBadEventWhereverTheyMeet) {
  {
    auto j = Open("pristine.db");
    Lease lease = Acquire(*j, "t", "alice");
    Fence fence{lease.target, lease.generation};
    while (j->ListEvents(EventFilter{}).value().size() < 23) {
      ASSERT_TRUE(j->AppendEvent(&fence, NewEvent{"note", "alice", 0, "t", "", Value(ValueMap{})}));
    }
  }
  auto verify = [&](const std::string& name, int threads) {
    JournalOptions options;
    options.verify_threads = threads;
    options.parallel_verify_from = 1;
    auto j = OpenSqliteJournal(dir_.Join(name), clock_, options);
    EXPECT_TRUE(j) << j.error().ToString();
    auto report = (*j)->VerifyChain();
    EXPECT_TRUE(report) << report.error().ToString();
    return *report;
  };
  ChainReport whole = verify("pristine.db", 4);
  EXPECT_EQ(whole.events, 23);
  EXPECT_FALSE(whole.first_bad_seq) << whole.problem;

  struct Damage {
    const char* sql;  // {0}: the event
    const char* problem;
  };
  const Damage damages[] = {
      {"UPDATE events SET record = replace(record, 'alice', 'malic') WHERE seq = {0}",
       "does not match its hash"},
      {"DELETE FROM events WHERE seq = {0} AND seq < 23", "missing"},
      {"DELETE FROM events WHERE seq BETWEEN {0} AND {0} + 4 AND seq < 23", "missing"},
      // The previous-hash inside the record (after "64:") replaced by its own.
      {"UPDATE events SET record = replace(record, substr(record, 4, 64), hash) WHERE seq = {0}",
       "previous-hash"},
      {"UPDATE events SET run_id = run_id + 1 WHERE seq = {0}", "disagrees with the columns"},
      {"UPDATE events SET record = substr(record, 1, length(record) - 1) WHERE seq = {0}",
       "unreadable"},
  };
  int cases = 0;
  for (const Damage& damage : damages) {
    for (int seq = 1; seq <= 23; ++seq) {
      if (std::string(damage.problem) == "missing" && seq == 23) continue;  // truncation
      std::string name = fmt::format("case-{}.db", ++cases);
      std::filesystem::copy_file(dir_.Join("pristine.db"), dir_.Join(name));
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open(dir_.Join(name).c_str(), &db), SQLITE_OK);
      std::string sql = fmt::format(fmt::runtime(damage.sql), seq);
      ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
      sqlite3_close(db);
      ChainReport four = verify(name, 4);
      ChainReport one = verify(name, 1);
      ASSERT_TRUE(four.first_bad_seq) << sql;
      EXPECT_EQ(*four.first_bad_seq, seq) << sql;
      EXPECT_THAT(four.problem, ::testing::HasSubstr(damage.problem)) << sql;
      ASSERT_TRUE(one.first_bad_seq) << sql;
      EXPECT_EQ(*one.first_bad_seq, seq) << sql;
      EXPECT_EQ(four.problem, one.problem) << sql;
      EXPECT_EQ(four.events, one.events) << sql;
    }
  }
}

// A state file of format 1 (events as columns) is upgraded to format 2
// (events as the bytes their hash covers) when opened: every event reads as
// before, the chain verifies, and an event altered before the upgrade is
// still found.
TEST_F(JournalTest, AStateFileOfFormatOneIsUpgradedWhenOpenedAndKeepsItsChain) {
  std::vector<EventRecord> before;
  {
    auto j = Open("v1.db");
    Lease lease = Acquire(*j, "t", "alice");
    Fence fence{lease.target, lease.generation};
    RunId run = MakeRun(*j, fence);
    ASSERT_TRUE(j->AppendEvent(&fence, NewEvent{"note", "alice", run, "t", "step-a",
                                                Value(ValueMap{{"n", Value(int64_t{7})}})}));
    before = j->ListEvents(EventFilter{}).value();
  }
  ASSERT_EQ(before.size(), 3u);
  // Back to format 1, as a flightplan of that format wrote it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.Join("v1.db").c_str(), &db), SQLITE_OK);
  for (const char* sql :
       {"DROP TABLE events",
        R"(CREATE TABLE events(seq INTEGER PRIMARY KEY, at INTEGER NOT NULL,
                               operator TEXT NOT NULL, run_id INTEGER NOT NULL,
                               target TEXT NOT NULL, step_id TEXT NOT NULL, kind TEXT NOT NULL,
                               detail_json TEXT NOT NULL, prev_hash TEXT NOT NULL,
                               hash TEXT NOT NULL))",
        "CREATE INDEX events_by_run ON events(run_id, seq)",
        "CREATE INDEX events_by_target ON events(target, seq)", "PRAGMA user_version = 1"}) {
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?,?)", -1, &insert,
                               nullptr),
            SQLITE_OK);
  for (const EventRecord& e : before) {
    sqlite3_bind_int64(insert, 1, e.seq);
    sqlite3_bind_int64(insert, 2, e.at.unix_ms);
    sqlite3_bind_text(insert, 3, e.operator_name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 4, e.run_id);
    sqlite3_bind_text(insert, 5, e.target.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 6, e.step_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 7, e.kind.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 8, e.detail_json.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 9, e.prev_hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 10, e.hash.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  std::filesystem::copy_file(dir_.Join("v1.db"), dir_.Join("v1-forged.db"));
  ASSERT_EQ(sqlite3_open(dir_.Join("v1-forged.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE events SET operator = 'mallory' WHERE seq = 2", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  auto j = Open("v1.db");
  ASSERT_TRUE(j);
  std::vector<EventRecord> after = j->ListEvents(EventFilter{}).value();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].seq, before[i].seq);
    EXPECT_EQ(after[i].at.unix_ms, before[i].at.unix_ms);
    EXPECT_EQ(after[i].operator_name, before[i].operator_name);
    EXPECT_EQ(after[i].run_id, before[i].run_id);
    EXPECT_EQ(after[i].target, before[i].target);
    EXPECT_EQ(after[i].step_id, before[i].step_id);
    EXPECT_EQ(after[i].kind, before[i].kind);
    EXPECT_EQ(after[i].detail_json, before[i].detail_json);
    EXPECT_EQ(after[i].prev_hash, before[i].prev_hash);
    EXPECT_EQ(after[i].hash, before[i].hash);
  }
  ChainReport report = j->VerifyChain().value();
  EXPECT_FALSE(report.first_bad_seq) << report.problem;
  Fence fence{"t", j->GetLease("t").value()->generation};
  ASSERT_TRUE(j->AppendEvent(&fence, NewEvent{"note", "alice", 0, "t", "", Value(ValueMap{})}));
  EXPECT_EQ(j->VerifyChain().value().events, 4);
  ASSERT_EQ(sqlite3_open(dir_.Join("v1.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* version = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &version, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(version), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(version, 0), kJournalSchemaVersion);
  sqlite3_finalize(version);
  sqlite3_close(db);

  ChainReport forged = Open("v1-forged.db")->VerifyChain().value();
  ASSERT_TRUE(forged.first_bad_seq);
  EXPECT_EQ(*forged.first_bad_seq, 2);
  EXPECT_THAT(forged.problem, ::testing::HasSubstr("does not match its hash"));
}

TEST_F(JournalTest, WritesWithATakenOverLeaseAreFencedOff) {
  auto j = Open();
  Lease alice = Acquire(*j, "t", "alice");
  Fence alice_fence{alice.target, alice.generation};
  RunId run = MakeRun(*j, alice_fence);
  clock_.Advance(Duration(31000));  // alice's lease expires
  auto bob =
      j->AcquireLease(LeaseRequest{"t", LeaseHolder{"bob", "h2", 2, "bob", ""}, Duration(30000),
                                   LeaseMode::kTakeOverExpired, alice.generation});
  ASSERT_TRUE(bob) << bob.error().ToString();
  EXPECT_EQ(bob->generation, alice.generation + 1);
  size_t before = j->ListEvents(EventFilter{})->size();
  auto write = j->TransitionRun(alice_fence, run, RunState::kPending, RunState::kRunning,
                                NewEvent{"run.started", "alice", run, "t", "", Value(ValueMap{})});
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().code(), ErrorCode::kLeaseLost);
  EXPECT_EQ(j->GetRun(run)->state, RunState::kPending);
  EXPECT_EQ(j->ListEvents(EventFilter{})->size(), before);
  EXPECT_FALSE(j->HeartbeatLease(alice_fence, Duration(30000)));
  EXPECT_FALSE(j->AppendEvent(&alice_fence, NewEvent{"x", "alice", 0, "t", "", Value()}));
}

TEST_F(JournalTest, LiveLeaseCannotBeTakenOverAndExpiredOnlyWithTheRightGeneration) {
  auto j = Open();
  Lease alice = Acquire(*j, "t", "alice");
  LeaseHolder bob{"bob", "h2", 2, "bob", ""};
  auto plain = j->AcquireLease(LeaseRequest{"t", bob, Duration(30000), LeaseMode::kAcquire, 0});
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().code(), ErrorCode::kLeaseHeld);
  EXPECT_NE(plain.error().message().find("alice"), std::string::npos);
  auto early = j->AcquireLease(
      LeaseRequest{"t", bob, Duration(30000), LeaseMode::kTakeOverExpired, alice.generation});
  EXPECT_FALSE(early);
  clock_.Advance(Duration(31000));
  auto wrong = j->AcquireLease(
      LeaseRequest{"t", bob, Duration(30000), LeaseMode::kTakeOverExpired, alice.generation + 7});
  EXPECT_FALSE(wrong);
  ASSERT_TRUE(j->AcquireLease(
      LeaseRequest{"t", bob, Duration(30000), LeaseMode::kTakeOverExpired, alice.generation}));
}

TEST_F(JournalTest, HeartbeatExtendsTheLease) {
  auto j = Open();
  Lease alice = Acquire(*j, "t", "alice");
  clock_.Advance(Duration(20000));
  ASSERT_TRUE(j->HeartbeatLease(Fence{"t", alice.generation}, Duration(30000)));
  clock_.Advance(Duration(20000));  // 40 s after acquiring, 20 s after the heartbeat
  auto lease = *j->GetLease("t");
  ASSERT_TRUE(lease);
  EXPECT_GT(lease->expires_at, clock_.Now());
}

TEST_F(JournalTest, TransitionsAreCompareAndSet) {
  auto j = Open();
  Lease lease = Acquire(*j, "t", "alice");
  Fence fence{lease.target, lease.generation};
  RunId run = MakeRun(*j, fence);
  NewEvent e{"x", "alice", run, "t", "", Value(ValueMap{})};
  ASSERT_TRUE(j->TransitionRun(fence, run, RunState::kPending, RunState::kRunning, e));
  auto stale = j->TransitionRun(fence, run, RunState::kPending, RunState::kRunning, e);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kConflict);
  auto illegal = j->TransitionRun(fence, run, RunState::kRunning, RunState::kRolledBack, e);
  ASSERT_FALSE(illegal);
  auto step_stale = j->TransitionStep(
      fence, StepUpdate{run, "a", StepState::kRunning, StepState::kSucceeded, {}, {}, {}, {}, {}},
      e);
  ASSERT_FALSE(step_stale);
  EXPECT_EQ(step_stale.error().code(), ErrorCode::kConflict);
}

TEST_F(JournalTest, StepUpdatesKeepPreparedDataAndOutputs) {
  auto j = Open();
  Lease lease = Acquire(*j, "t", "alice");
  Fence fence{lease.target, lease.generation};
  RunId run = MakeRun(*j, fence);
  NewEvent e{"x", "alice", run, "t", "a", Value(ValueMap{})};
  Value prepared;
  prepared.Set("previous", "old");
  ASSERT_TRUE(j->TransitionStep(
      fence,
      StepUpdate{run, "a", StepState::kPending, StepState::kRunning, 1, prepared, {}, {}, {}}, e));
  Value out;
  out.Set("id", "stack-1");
  ASSERT_TRUE(j->TransitionStep(
      fence, StepUpdate{run, "a", StepState::kRunning, StepState::kSucceeded, {}, {}, out, {}, {}},
      e));
  auto steps = *j->GetSteps(run);
  EXPECT_EQ(steps[0].prepared, prepared);
  EXPECT_EQ(steps[0].outputs, out);
  EXPECT_EQ(steps[0].attempt, 1);
  EXPECT_TRUE(steps[0].finished_at);
  EXPECT_EQ(steps[1].state, StepState::kPending);
}

// --- files that are not ours: refused, and left byte for byte as they were ---

class RefusedFileTest : public JournalTest {
 protected:
  void ExpectRefusedUntouched(const std::string& path, const std::string& phrase) {
    std::string before = ReadFile(path);
    auto j = OpenSqliteJournal(path, clock_, JournalOptions{});
    ASSERT_FALSE(j);
    EXPECT_EQ(j.error().code(), ErrorCode::kCorruption);
    EXPECT_NE(j.error().message().find(phrase), std::string::npos) << j.error().message();
    EXPECT_EQ(ReadFile(path), before);
    EXPECT_FALSE(testing::FileExists(path + "-wal"));
  }
};

TEST_F(RefusedFileTest, RandomBytes) {
  std::mt19937 rng(7);
  std::string junk(8192, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  WriteFile(dir_.Join("junk.db"), junk);
  ExpectRefusedUntouched(dir_.Join("junk.db"), "not a SQLite database");
}

TEST_F(RefusedFileTest, TruncatedHeader) {
  Open();
  std::string whole = ReadFile(dir_.Join("state.db"));
  WriteFile(dir_.Join("short.db"), whole.substr(0, 50));
  ExpectRefusedUntouched(dir_.Join("short.db"), "too short");
}

TEST_F(RefusedFileTest, ForeignSqliteDatabase) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.Join("other.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE notes(x); INSERT INTO notes VALUES(1);", nullptr, nullptr,
               nullptr);
  sqlite3_close(db);
  ExpectRefusedUntouched(dir_.Join("other.db"), "not a flightplan state file");
}

TEST_F(RefusedFileTest, NewerSchemaVersion) {
  { Open(); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.Join("state.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA user_version = 99;", nullptr, nullptr,
               nullptr);
  sqlite3_close(db);
  ExpectRefusedUntouched(dir_.Join("state.db"), "newer flightplan");
}

TEST_F(JournalTest, TruncatedBodyIsReportedAsCorruptionNotACrash) {
  {
    auto j = Open();
    Lease lease = Acquire(*j, "t", "alice");
    Fence fence{lease.target, lease.generation};
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(
          j->AppendEvent(&fence, NewEvent{"note", "alice", 0, "t", "",
                                          Value(ValueMap{{"pad", Value(std::string(200, 'x'))}})}));
    }
  }
  std::string whole = ReadFile(dir_.Join("state.db"));
  ASSERT_GT(whole.size(), 20000u);
  std::string cut = whole.substr(0, whole.size() / 2);
  WriteFile(dir_.Join("cut.db"), cut);
  auto j = OpenSqliteJournal(dir_.Join("cut.db"), clock_, JournalOptions{});
  if (!j) {
    EXPECT_EQ(j.error().code(), ErrorCode::kCorruption) << j.error().ToString();
    return;
  }
  auto verified = (*j)->VerifyChain();
  ASSERT_FALSE(verified && !verified->first_bad_seq && verified->events == 300)
      << "half a file cannot hold every event";
  if (!verified) {
    EXPECT_EQ(verified.error().code(), ErrorCode::kCorruption) << verified.error().ToString();
  }
}

TEST_F(JournalTest, MissingFileIsNotCreatedWhenNotAskedTo) {
  JournalOptions options;
  options.create = CreateIfMissing::kNo;
  auto j = OpenSqliteJournal(dir_.Join("absent.db"), clock_, options);
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code(), ErrorCode::kStateFile);
  EXPECT_FALSE(testing::FileExists(dir_.Join("absent.db")));
}

TEST(NetworkFilesystemTest, KnownNetworkFilesystemsAreNamed) {
  EXPECT_EQ(NetworkFilesystemName(0x6969), "NFS");
  EXPECT_EQ(NetworkFilesystemName(0xFF534D42), "CIFS");
  EXPECT_NE(NetworkFilesystemName(0x65735546).find("FUSE"), std::string::npos);
  EXPECT_EQ(NetworkFilesystemName(0xEF53), "");      // ext4
  EXPECT_EQ(NetworkFilesystemName(0x01021994), "");  // tmpfs
}

}  // namespace
}  // namespace flightplan
