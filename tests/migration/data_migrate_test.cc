// `flightplan data migrate` with dynamodb.transform against the in-process
// simulator: the real binary over loopback HTTP, the AWS CLI as the oracle
// for what the table holds (scan), and the simulator's request log for what
// was written, item by item. The transforms are not idempotent (`.count += 1`),
// so an item transformed twice shows in its content, not only in the log.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "steps/data/item_json.h"
#include "tests/migration/migration_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim::testing {
namespace {

using flightplan::testing::Background;
using flightplan::testing::RunResult;
using ::testing::HasSubstr;

constexpr char kTable[] = "Todo-abc123def456-NONE";
constexpr char kAddCompleted[] = "20261204T120000Z-add-completed";
constexpr char kBump[] = "20261204T130000Z-bump";
constexpr char kBackendStack[] = "amplify-d1app-main-branch-abc";

std::string ItemId(int i) { return fmt::format("item-{:05}", i); }

// The migration file text: one dynamodb.transform step.
std::string Migration(const std::string& name, const std::string& jq, int segments = 1,
                      int page_size = 25, const std::string& where = "") {
  return fmt::format(
      "name: {}\nversion: 1\nsteps:\n  - id: transform\n    uses: dynamodb.transform\n"
      "    with:\n      {}\n      jq: '{}'\n      segments: {}\n      page_size: {}\n",
      name, where.empty() ? fmt::format("table: {}", kTable) : where, jq, segments, page_size);
}

// Node.js runs the command transforms (a team's own JavaScript).
bool HaveNode() { return std::system("node --version > /dev/null 2>&1") == 0; }

// A command transform in JavaScript: JSON Lines in, one line out per item;
// the count one higher and the table's name (FLIGHTPLAN_TABLE) recorded. With
// a file `fail-on` in its directory naming an item, it fails on that item.
constexpr char kBumpJs[] = R"js(const fs = require('fs');
const readline = require('readline');
const failOn = fs.existsSync('fail-on') ? fs.readFileSync('fail-on', 'utf8').trim() : null;
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const item = JSON.parse(line);
  if (item.id === failOn) {
    console.error(`cannot bump ${item.id}`);
    process.exit(3);
  }
  item.count += 1;
  item.table = process.env.FLIGHTPLAN_TABLE;
  process.stdout.write(JSON.stringify(item) + '\n');
});
)js";

// Profiles for the first N items' ids (N from the file `profiles`), one per
// line, with a log line on standard error and a blank line among them.
constexpr char kProfilesJs[] = R"js(const fs = require('fs');
const n = Number(fs.readFileSync('profiles', 'utf8'));
console.error(`making ${n} profiles`);
for (let i = 0; i < n; i++) {
  const id = `item-${String(i).padStart(5, '0')}`;
  process.stdout.write(JSON.stringify({ id, owner: `user-${i}`, tags: ['new'] }) + '\n');
  if (i === 3) process.stdout.write('\n');
}
)js";

// A migration whose one step is a dynamodb.transform running `command`.
std::string CommandMigration(const std::string& name, const std::string& command, int segments,
                             int page_size) {
  return fmt::format(
      "name: {}\nversion: 1\nsteps:\n  - id: transform\n    uses: dynamodb.transform\n"
      "    with:\n      table: {}\n      command: {}\n      segments: {}\n      page_size: {}\n",
      name, kTable, command, segments, page_size);
}

class DataMigrateTest : public flightplan::testing::MigrationTest {
 protected:
  void SetUp() override {
    MigrationTest::SetUp();
    std::filesystem::create_directories(dir_.Join("migrations"));
  }

  void CreateTable(const std::string& name = kTable) {
    Call("dynamodb", "CreateTable",
         Obj({{"TableName", Value(name)},
              {"KeySchema",
               Value(ValueList{Obj({{"AttributeName", Value("id")}, {"KeyType", Value("HASH")}})})},
              {"AttributeDefinitions", Value(ValueList{Obj({{"AttributeName", Value("id")},
                                                            {"AttributeType", Value("S")}})})},
              {"BillingMode", Value("PAY_PER_REQUEST")}}));
  }

  // Items item-00000…: a count of i, a title, and `completed` on every third.
  void Seed(int n, const std::string& table = kTable) {
    for (int start = 0; start < n; start += 25) {
      ValueList requests;
      for (int i = start; i < std::min(n, start + 25); ++i) {
        Value item = Obj({{"id", Obj({{"S", Value(ItemId(i))}})},
                          {"count", Obj({{"N", Value(std::to_string(i))}})},
                          {"title", Obj({{"S", Value(fmt::format("todo {}", i))}})}});
        if (i % 3 == 0) item.Set("completed", Obj({{"BOOL", Value(true)}}));
        requests.push_back(Obj({{"PutRequest", Obj({{"Item", item}})}}));
      }
      Call("dynamodb", "BatchWriteItem",
           Obj({{"RequestItems", Obj({{table, Value(std::move(requests))}})}}));
    }
  }

  void Write(const std::string& stem, const std::string& text) {
    flightplan::testing::WriteFile(dir_.Join("migrations/" + stem + ".yaml"), text);
  }

  std::vector<std::string> Migrate(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"data", "migrate", "--app-id", "d1app", "--branch", "main"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // The table as the AWS CLI scans it: id -> item (AttributeValues).
  std::map<std::string, Value> Items(const std::string& table = kTable) {
    Value out = Cli({"dynamodb", "scan", "--table-name", table});
    std::map<std::string, Value> items;
    const Value* list = out.Find("Items");
    if (list == nullptr || !list->is_list()) return items;
    for (const Value& item : list->as_list()) {
      items[item.Find("id")->Find("S")->as_string()] = item;
    }
    return items;
  }

  static int64_t Number(const Value& item, const std::string& name) {
    const Value* a = item.Find(name);
    return a ? std::stoll(a->Find("N")->as_string()) : -1;
  }

  // How often each item was written (UpdateItem, DeleteItem, or an action
  // of a TransactWriteItems that was applied) and how many writes succeeded
  // in all.
  std::map<std::string, int> WritesPerItem(int* succeeded = nullptr) {
    std::map<std::string, int> writes;
    int ok = 0;
    for (const char* op : {"UpdateItem", "DeleteItem"}) {
      for (const LogEntry& e : LogOf("dynamodb", op)) {
        if (e.status != 200) continue;
        ++ok;
        writes[e.params.Find("Key")->as_string()] += 1;
      }
    }
    // A request sent again under the same ClientRequestToken (after a lost
    // answer) is not applied again: count each token once.
    std::set<std::string> tokens;
    for (const LogEntry& e : LogOf("dynamodb", "TransactWriteItems")) {
      if (e.status != 200) continue;
      const Value* token = e.params.Find("ClientRequestToken");
      if (token != nullptr && !tokens.insert(token->as_string()).second) continue;
      for (const Value& key : e.params.Find("Keys")->as_list()) {
        ++ok;
        writes[key.as_string()] += 1;
      }
    }
    if (succeeded) *succeeded = ok;
    return writes;
  }

  // The writes in the request log (UpdateItem, DeleteItem, TransactWriteItems).
  std::vector<LogEntry> WriteRequests() {
    std::vector<LogEntry> all;
    for (const char* op : {"UpdateItem", "DeleteItem", "TransactWriteItems"}) {
      for (LogEntry& e : LogOf("dynamodb", op)) all.push_back(std::move(e));
    }
    return all;
  }

  void ExpectBumpedOnce(int n) {
    std::map<std::string, Value> items = Items();
    ASSERT_EQ(items.size(), static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(Number(items[ItemId(i)], "count"), i + 1) << ItemId(i);
      EXPECT_EQ(items[ItemId(i)].Find("title")->Find("S")->as_string(), fmt::format("todo {}", i));
    }
    for (const auto& [key, count] : WritesPerItem()) EXPECT_EQ(count, 1) << key;
  }

  Value StatusJson(const std::string& app_id = "d1app") {
    RunResult status =
        Flightplan({"data", "status", "--app-id", app_id, "--branch", "main", "--json"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    auto v = Value::FromJson(status.out);
    EXPECT_TRUE(v) << status.out;
    return v ? *v : Value();
  }

  // The outputs a step recorded in a run (status --json).
  Value StepOutputs(int64_t run, const std::string& step = "transform") {
    RunResult status = Flightplan({"status", std::to_string(run), "--json"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    auto v = Value::FromJson(status.out);
    if (!v) return Value();
    const Value* steps = v->Find("steps");
    for (const Value& s : steps && steps->is_list() ? steps->as_list() : ValueList{}) {
      const Value* id = s.Find("id");
      const Value* outputs = s.Find("outputs");
      if (id && id->is_string() && id->as_string() == step && outputs) return *outputs;
    }
    ADD_FAILURE() << "no step " << step << " in " << status.out;
    return Value();
  }

  // A Gen2 backend stack holding `tables` (id-keyed), and an Amplify app
  // whose branch main points at it, as Amplify Hosting leaves it after a
  // deploy (made through the store: flightplan's client sends only the
  // operations flightplan uses). The app's id; empty on failure.
  std::string DeployBackend(const std::vector<std::string>& tables) {
    std::string resources;
    for (size_t i = 0; i < tables.size(); ++i) {
      resources += fmt::format(
          R"({}"Table{}": {{"Type": "AWS::DynamoDB::Table", "Properties": {{
            "TableName": "{}", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{{"AttributeName": "id", "KeyType": "HASH"}}],
            "AttributeDefinitions": [{{"AttributeName": "id", "AttributeType": "S"}}]}}}})",
          i == 0 ? "" : ", ", i, tables[i]);
    }
    return DeployResources(resources);
  }

  // The branch's backend stack holding `resources` (template JSON members),
  // and the app and branch that name it; the app's id, empty on failure.
  std::string DeployResources(const std::string& resources) {
    Value stack = Call("cloudformation", "CreateStack",
                       Obj({{"StackName", Value(kBackendStack)},
                            {"TemplateBody", Value("{\"Resources\": {" + resources + "}}")}}));
    const Value* stack_id = stack.Find("StackId");
    if (stack_id == nullptr) return "";
    std::lock_guard lock(world().mutex);
    Timestamp now = world().Now();
    auto app = world().amplify.CreateApp(Obj({{"name", Value("todo")}}), now);
    if (!app.has_value()) return "";
    std::string app_id = app->Find("appId")->as_string();
    if (!world().amplify.CreateBranch(app_id, Obj({{"branchName", Value("main")}}), now) ||
        !world().amplify.UpdateBranch(app_id, "main",
                                      Obj({{"backend", Obj({{"stackArn", *stack_id}})}}), now)) {
      return "";
    }
    return app_id;
  }

  // The app's own write: `note` set to "by the app" on item i.
  aws::AwsResult AppSetsNote(int i) {
    return Try(
        "dynamodb", "UpdateItem",
        Obj({{"TableName", Value(kTable)},
             {"Key", Obj({{"id", Obj({{"S", Value(ItemId(i))}})}})},
             {"UpdateExpression", Value("SET #n = :v")},
             {"ExpressionAttributeNames", Obj({{"#n", Value("note")}})},
             {"ExpressionAttributeValues", Obj({{":v", Obj({{"S", Value("by the app")}})}})}}));
  }

  // On its own thread: once the request log holds `count` calls of
  // `operation` (waiting 30 s at most, or until `done`), AppSetsNote(0);
  // `wrote` says whether it did (read it after joining).
  std::thread AppSetsNoteAfter(const char* operation, size_t count, const std::atomic<bool>& done,
                               bool& wrote) {
    return std::thread([this, operation, count, &done, &wrote] {
      for (int wait = 0;
           wait < 30000 && !done.load() && LogOf("dynamodb", operation).size() < count; ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (!done.load()) wrote = static_cast<bool>(AppSetsNote(0));
    });
  }

  // The live app: adds 100 to the `count` of one of the first `items` items,
  // picked at random from `seed`, every 3 ms until `done` (20,000 writes at
  // most), counting its successful writes per item in `increments` (read it
  // after joining the thread).
  std::thread AppAddingToCounts(int items, unsigned seed, const std::atomic<bool>& done,
                                std::map<std::string, int>& increments) {
    return std::thread([this, items, seed, &done, &increments] {
      std::mt19937 random(seed);
      for (int round = 0; round < 20000 && !done.load(); ++round) {
        std::string id = ItemId(std::uniform_int_distribution<int>(0, items - 1)(random));
        auto result =
            Try("dynamodb", "UpdateItem",
                Obj({{"TableName", Value(kTable)},
                     {"Key", Obj({{"id", Obj({{"S", Value(id)}})}})},
                     {"UpdateExpression", Value("ADD #c :h")},
                     {"ExpressionAttributeNames", Obj({{"#c", Value("count")}})},
                     {"ExpressionAttributeValues", Obj({{":h", Obj({{"N", Value("100")}})}})}}));
        if (result) increments[id] += 1;
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
      }
    });
  }

  // The backups of the table, as the AWS CLI lists them.
  std::vector<Value> Backups(const std::string& table = kTable) {
    Value out = Cli({"dynamodb", "list-backups", "--table-name", table});
    const Value* list = out.Find("BackupSummaries");
    return list && list->is_list() ? list->as_list() : std::vector<Value>{};
  }
};

class DataMigrateSizeTest : public DataMigrateTest, public ::testing::WithParamInterface<int> {};

// Tables of 0, 1, 25 (one full page), 26 (one more) and 257 items: every
// item without `completed` gets it, the others are not written at all.
TEST_P(DataMigrateSizeTest, AddsAFieldWhereItIsMissingAndWritesNothingElse) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  int n = GetParam();
  CreateTable();
  Seed(n);
  Write(kAddCompleted,
        Migration("add-completed", "if has(\"completed\") then . else . + {completed: false} end",
                  n > 100 ? 3 : 1));
  RunResult run = Flightplan(Migrate());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::map<std::string, Value> items = Items();
  ASSERT_EQ(items.size(), static_cast<size_t>(n));
  int expected_writes = 0;
  for (int i = 0; i < n; ++i) {
    const Value& item = items[ItemId(i)];
    ASSERT_NE(item.Find("completed"), nullptr) << ItemId(i);
    EXPECT_EQ(item.Find("completed")->Find("BOOL")->as_bool(), i % 3 == 0) << ItemId(i);
    EXPECT_EQ(Number(item, "count"), i);
    if (i % 3 != 0) ++expected_writes;
  }
  int succeeded = 0;
  std::map<std::string, int> writes = WritesPerItem(&succeeded);
  EXPECT_EQ(succeeded, expected_writes);
  for (const auto& [key, count] : writes) EXPECT_EQ(count, 1) << key;
  EXPECT_TRUE(LogOf("dynamodb", "DeleteItem").empty());
  EXPECT_TRUE(LogOf("dynamodb", "PutItem").empty());

  Value status = StatusJson();
  ASSERT_EQ(status.Find("migrations")->as_list().size(), 1u);
  EXPECT_EQ(status.Find("migrations")->as_list()[0].Find("state")->as_string(), "applied");

  // Applied once: a second migrate does nothing.
  RunResult again = Flightplan(Migrate());
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("every migration is applied"));
  int after = 0;
  WritesPerItem(&after);
  EXPECT_EQ(after, expected_writes);
}

INSTANTIATE_TEST_SUITE_P(Sizes, DataMigrateSizeTest, ::testing::Values(0, 1, 25, 26, 257));

TEST_F(DataMigrateTest, TenThousandItemsInFourSegmentsEachTransformedExactlyOnce) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 10000;
  CreateTable();
  Seed(kItems);
  Write(kBump, Migration("bump", ".count += 1", 4, 100));
  RunResult run = Flightplan(Migrate());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectBumpedOnce(kItems);
  int succeeded = 0;
  WritesPerItem(&succeeded);
  EXPECT_EQ(succeeded, kItems);
  // The four segments each scanned their share.
  std::set<std::string> segments;
  for (const LogEntry& e : LogOf("dynamodb", "Scan")) segments.insert(e.params.ToJson());
  EXPECT_FALSE(segments.empty());
}

// SIGKILL before and after journal writes: the resumed migration finishes,
// every item is transformed exactly once (its count is one more, and the log
// shows one write per item) and the step's counts add up.
TEST_F(DataMigrateTest, KilledAtJournalWritesEveryItemIsTransformedExactlyOnce) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 60;
  // Writes of an uninterrupted run: run created and started (1, 2); the
  // backup step started and succeeded (3, 4); the transform started (5); a
  // checkpoint before each of the 6 pages of 10 and one after the last
  // (6-12); the transform succeeded (13); run succeeded (14).
  constexpr int kRunWrites = 14;
  bool full = std::getenv("FLIGHTPLAN_FULL_CRASH_MATRIX") != nullptr;
  std::vector<int> cells;
  for (int n = 1; n <= kRunWrites; ++n) {
    // CI: the backup's end (before it: taken but not journaled), the
    // transform's start, a checkpoint in the middle, the last one, its end.
    if (full || n == 4 || n == 5 || n == 8 || n == 12 || n == 13) cells.push_back(n);
  }
  for (int n : cells) {
    for (const char* when : {"before", "after"}) {
      SCOPED_TRACE(fmt::format("killed at write {}:{}", n, when));
      Control("POST", "/_sim/reset");
      std::filesystem::remove(state_);
      CreateTable();
      Seed(kItems);
      Write(kBump, Migration("bump", ".count += 1", 1, 10));
      RunResult killed = Flightplan(Migrate(), fmt::format("{}:{}", n, when));
      ASSERT_TRUE(killed.signaled) << killed.exit_code << killed.out << killed.err;
      ASSERT_EQ(killed.signal, SIGKILL);
      RunResult resumed = Flightplan(Migrate());
      ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
      ExpectBumpedOnce(kItems);
      Value status = StatusJson();
      int64_t run = status.Find("migrations")->as_list()[0].Find("run")->as_int();
      Value outputs = StepOutputs(run);
      EXPECT_EQ(outputs.Find("read")->as_int(), kItems) << outputs.ToJson();
      EXPECT_EQ(outputs.Find("written")->as_int(), kItems) << outputs.ToJson();
      // One backup, however the kill fell: a resume finds the one it took.
      EXPECT_EQ(Backups().size(), 1u);
      EXPECT_EQ(LogOf("dynamodb", "CreateBackup").size(), 1u);
    }
  }
  Control("POST", "/_sim/reset");
  std::filesystem::remove(state_);
  CreateTable();
  Seed(kItems);
  RunResult whole = Flightplan(Migrate(), fmt::format("{}:before", kRunWrites + 1));
  EXPECT_EQ(whole.exit_code, 0) << "the run makes exactly " << kRunWrites << " writes\n"
                                << whole.out << whole.err;
}

// A page in flight journaled by a version before 2026-12 (each item a map
// with its digests' 64 hex digits, where this version journals a list and
// 32) is settled by this version: every item transformed exactly once.
TEST_F(DataMigrateTest, APageInFlightJournaledByAnEarlierVersionIsSettledExactlyOnce) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 30;
  CreateTable();
  Seed(kItems);
  Write(kBump, Migration("bump", ".count += 1", 1, 10));
  // Write 6: the checkpoint naming the first page's items, none written yet.
  RunResult killed = Flightplan(Migrate(), "6:after");
  ASSERT_TRUE(killed.signaled) << killed.exit_code << killed.out << killed.err;

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(state_.c_str(), &db), SQLITE_OK);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> close(db, sqlite3_close);
  sqlite3_stmt* read = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT run_id, prepared_json FROM steps WHERE step_id = "
                               "'transform' AND state = 'running'",
                               -1, &read, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);
  int64_t run = sqlite3_column_int64(read, 0);
  Value prepared = *Value::FromJson(reinterpret_cast<const char*>(sqlite3_column_text(read, 1)));
  sqlite3_finalize(read);
  Value* segment = &prepared.as_map().at("checkpoint").as_map().at("segments").as_list().at(0);
  ValueList earlier;
  for (const Value& p : segment->Find("pending")->as_list()) {
    ASSERT_TRUE(p.is_list()) << p.ToJson();
    const ValueList& entry = p.as_list();
    Value key = entry.at(0);
    Value before = Call("dynamodb", "GetItem", Obj({{"TableName", Value(kTable)}, {"Key", key}}))
                       .as_map()
                       .at("Item");
    Value after = before;
    after.Set("count", Obj({{"N", Value(std::to_string(Number(before, "count") + 1))}}));
    std::string before_digest = data::ItemDigest(before);
    std::string after_digest = data::ItemDigest(after);
    ASSERT_EQ(entry.at(1).as_string(), before_digest.substr(0, 32));
    ASSERT_EQ(entry.at(2).as_string(), after_digest.substr(0, 32));
    earlier.emplace_back(
        ValueMap{{"key", key}, {"before", Value(before_digest)}, {"after", Value(after_digest)}});
  }
  ASSERT_EQ(earlier.size(), 10u);
  segment->Set("pending", Value(std::move(earlier)));
  sqlite3_stmt* update = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "UPDATE steps SET prepared_json = ? WHERE run_id = ? AND "
                               "step_id = 'transform'",
                               -1, &update, nullptr),
            SQLITE_OK);
  std::string text = prepared.ToJson();
  sqlite3_bind_text(update, 1, text.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(update, 2, run);
  ASSERT_EQ(sqlite3_step(update), SQLITE_DONE);
  sqlite3_finalize(update);
  close.reset();

  RunResult resumed = Flightplan(Migrate());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  ExpectBumpedOnce(kItems);
  Value outputs = StepOutputs(run);
  EXPECT_EQ(outputs.Find("written")->as_int(), kItems) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("left")->as_int(), 0) << outputs.ToJson();
}

// Killed at random moments while pages are being written, several times in
// a row, then resumed to the end.
TEST_F(DataMigrateTest, KilledAtRandomMomentsDuringBatchesStillExactlyOnce) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 400;
  CreateTable();
  Seed(kItems);
  Write(kBump, Migration("bump", ".count += 1", 2, 20));
  // Every write takes a little while, so a kill lands inside a page.
  AddFault("dynamodb", "UpdateItem", "latency", {{"latency_ms", Value(2)}, {"count", Value(-1)}});
  std::mt19937 random(20261205);
  for (int kill = 0; kill < 4; ++kill) {
    Background run(FlightplanInvocation(Migrate()));
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 600)(random)));
    run.Signal(SIGKILL);
    run.Wait();
  }
  RunResult resumed = Flightplan(Migrate());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  ExpectBumpedOnce(kItems);
}

// The state in S3 (--state s3://…), each command on a new machine with an
// empty replica: killed after a checkpoint, killed again after the next
// one's log object was published but before its replica committed it, then
// finished elsewhere; still every item exactly once.
TEST_F(DataMigrateTest, OnAStateInS3ResumedOnOtherMachinesEveryItemIsTransformedOnce) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 60;
  {
    std::lock_guard lock(world().mutex);
    ASSERT_TRUE(world().s3.CreateBucket("team-migration-state", world().Now()).has_value());
  }
  state_ = "s3://team-migration-state/data";
  CreateTable();
  Seed(kItems);
  Write(kBump, Migration("bump", ".count += 1", 1, 10));
  int machine = 0;
  auto on_new_machine = [&](const std::string& kill_at) {
    flightplan::testing::Invocation inv = FlightplanInvocation(Migrate());
    inv.env["FLIGHTPLAN_STATE_CACHE"] = dir_.Join(fmt::format("machine-{}", machine++));
    if (!kill_at.empty()) inv.env["FLIGHTPLAN_FAULT_KILL_AT_WRITE"] = kill_at;
    return flightplan::testing::RunFlightplan(inv);
  };
  // Writes 1-2: run created and started; 3-4: the backup step; 5: the
  // transform started; 6 and 7: checkpoints.
  RunResult first = on_new_machine("7:after");
  ASSERT_TRUE(first.signaled) << first.out << first.err;
  // Resumed: run resumed, step checked, then checkpoints again.
  RunResult second = on_new_machine("4:published");
  ASSERT_TRUE(second.signaled) << second.out << second.err;
  RunResult last = on_new_machine("");
  ASSERT_EQ(last.exit_code, 0) << last.out << last.err;
  ExpectBumpedOnce(kItems);
  EXPECT_EQ(Backups().size(), 1u);
  EXPECT_FALSE(LogOf("s3", "PutObject").empty()) << "the state did not go to S3";
}

TEST_F(DataMigrateTest, AFailingTransformStopsBeforeWritingItsPageAndResumesWhenFixed) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 50;
  CreateTable();
  Seed(kItems);
  Write(kBump, Migration("bump",
                         "if .id == \"item-00023\" then error(\"cannot bump \\(.id)\") else "
                         ".count += 1 end",
                         1, 10));
  RunResult failed = Flightplan(Migrate());
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_THAT(failed.err + failed.out, HasSubstr("cannot bump item-00023"));
  std::map<std::string, Value> items = Items();
  for (int i = 0; i < kItems; ++i) {
    // Pages 1 and 2 were written; page 3 (items 20-29) and after were not.
    EXPECT_EQ(Number(items[ItemId(i)], "count"), i < 20 ? i + 1 : i) << ItemId(i);
  }
  EXPECT_EQ(StatusJson().Find("migrations")->as_list()[0].Find("state")->as_string(),
            "in progress");

  Write(kBump, Migration("bump", ".count += 1", 1, 10));
  RunResult refused = Flightplan(Migrate());
  EXPECT_NE(refused.exit_code, 0) << "a changed definition needs the operator's word";
  RunResult fixed = Flightplan(Migrate({"--accept-definition-change"}));
  ASSERT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  ExpectBumpedOnce(kItems);
}

// The live app keeps adding to items' counts while the migration runs: every
// one of its increments survives, and the migration's +1 lands exactly once.
TEST_F(DataMigrateTest, AConcurrentWriterIsNeverOverwritten) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 40;
  CreateTable();
  Seed(kItems);
  Write(kBump, Migration("bump", ".count += 1", 1, 8));
  // Each page's writes arrive 40 ms late: the app, writing every 3 ms,
  // changes some of the page's items in between (its own writes are not
  // delayed), and the item-by-item writes that follow a cancelled page meet
  // more of its writes.
  AddFault("dynamodb", "TransactWriteItems", "latency",
           {{"latency_ms", Value(40)}, {"count", Value(-1)}});
  std::atomic<bool> done{false};
  std::map<std::string, int> increments;
  std::thread app = AppAddingToCounts(kItems, 7, done, increments);
  RunResult run = Flightplan(Migrate());
  done = true;
  app.join();
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::map<std::string, Value> items = Items();
  for (int i = 0; i < kItems; ++i) {
    EXPECT_EQ(Number(items[ItemId(i)], "count"), i + 1 + 100 * increments[ItemId(i)]) << ItemId(i);
  }
  int64_t run_id = StatusJson().Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(run_id);
  EXPECT_GT(outputs.Find("conflicts")->as_int(), 0)
      << "the app never wrote between a read and a write: the test proved nothing "
      << outputs.ToJson();
}

// The app sets, between a page's scan and its write, the very attribute the
// migration adds where it is missing: the app's value stays (the write's
// condition includes "still absent" for each attribute it adds).
TEST_F(DataMigrateTest, AnAttributeTheAppSetsAfterTheScanIsNotReplaced) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 40;
  CreateTable();
  Seed(kItems);  // every third item has completed: true already
  Write(kAddCompleted,
        Migration("add-completed", "if has(\"completed\") then . else . + {completed: false} end",
                  1, 8));
  AddFault("dynamodb", "TransactWriteItems", "latency",
           {{"latency_ms", Value(40)}, {"count", Value(-1)}});
  std::atomic<bool> done{false};
  std::set<std::string> set_by_app;
  std::thread app([&] {
    // From the migration's first page on: writes before it only leave the
    // migration less to add (on a busy machine, nothing), and no conflict.
    for (int wait = 0; wait < 30000 && !done.load() && LogOf("dynamodb", "Scan").empty(); ++wait) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::mt19937 random(11);
    for (int round = 0; round < 20000 && !done.load(); ++round) {
      std::string id = ItemId(std::uniform_int_distribution<int>(0, kItems - 1)(random));
      auto result = Try(
          "dynamodb", "UpdateItem",
          Obj({{"TableName", Value(kTable)},
               {"Key", Obj({{"id", Obj({{"S", Value(id)}})}})},
               {"UpdateExpression", Value("SET #c = :v")},
               {"ExpressionAttributeNames", Obj({{"#c", Value("completed")}})},
               {"ExpressionAttributeValues", Obj({{":v", Obj({{"S", Value("by the app")}})}})}}));
      if (result) set_by_app.insert(id);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  });
  RunResult run = Flightplan(Migrate());
  done = true;
  app.join();
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::map<std::string, Value> items = Items();
  for (int i = 0; i < kItems; ++i) {
    const Value* completed = items[ItemId(i)].Find("completed");
    ASSERT_NE(completed, nullptr) << ItemId(i);
    if (set_by_app.count(ItemId(i))) {
      EXPECT_EQ(*completed, Obj({{"S", Value("by the app")}})) << ItemId(i);
    } else {
      EXPECT_EQ(*completed, Obj({{"BOOL", Value(i % 3 == 0)}})) << ItemId(i);
    }
  }
  int64_t run_id = StatusJson().Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(run_id);
  EXPECT_GT(outputs.Find("conflicts")->as_int(), 0)
      << "the app never wrote between a read and a write: the test proved nothing "
      << outputs.ToJson();
}

// Throttled writes and a write whose answer was lost after it was applied:
// the migration slows down and retries; nothing is lost or applied twice.
TEST_F(DataMigrateTest, ThrottlingAndLostAnswersLoseNothingAndApplyNothingTwice) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 30;
  CreateTable();
  Seed(kItems);
  // Pages of 10 go in one TransactWriteItems each: the first is throttled
  // twice, the second applied and its answer lost (the client sends it again
  // with the same ClientRequestToken, which DynamoDB answers without applying
  // it twice); items written one by one (paced) meet the same faults.
  auto faults = [&](const char* op, int throttle_skip, int reset_skip) {
    AddFault("dynamodb", op, "throttle", {{"skip", Value(throttle_skip)}, {"count", Value(2)}});
    AddFault("dynamodb", op, "reset_after", {{"skip", Value(reset_skip)}, {"count", Value(2)}});
  };
  for (bool paced : {false, true}) {
    SCOPED_TRACE(paced ? "item by item" : "in transactions");
    Control("POST", "/_sim/reset");
    std::filesystem::remove(state_);
    CreateTable();
    Seed(kItems);
    Write(kBump, Migration("bump", ".count += 1", 1, 10));
    faults(paced ? "UpdateItem" : "TransactWriteItems", 0, paced ? 12 : 2);
    RunResult run = Flightplan(paced ? Migrate({"--max-write-rate", "1000"}) : Migrate());
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    std::map<std::string, Value> items = Items();
    for (int i = 0; i < kItems; ++i) {
      EXPECT_EQ(Number(items[ItemId(i)], "count"), i + 1) << ItemId(i);
    }
    int throttled = 0;
    for (const LogEntry& e : WriteRequests()) {
      throttled += e.error_code.find("Throughput") != std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(throttled, 2) << "the faults did not meet the writes: the test proved nothing";
    if (!paced) {
      // The second page's transaction was applied and its answer lost twice;
      // sent again under the same token, it was applied once (the counts).
      int lost = 0;
      std::set<std::string> tokens;
      for (const LogEntry& e : LogOf("dynamodb", "TransactWriteItems")) {
        lost += e.error_code == "ConnectionReset" ? 1 : 0;
        // Without the token the resent request would find its items changed
        // (by itself) and be cancelled.
        EXPECT_NE(e.error_code, "TransactionCanceledException");
        tokens.insert(e.params.Find("ClientRequestToken")->as_string());
      }
      EXPECT_EQ(lost, 2);
      EXPECT_EQ(tokens.size(), 3u) << "one token per page, kept across the client's retries";
    }
  }
}

// A write applied with its answer lost, refused when the client sent it
// again (the item had changed: by that very write), and the item changed by
// the app before the step read it back: whether the step's write landed
// cannot be told, so the item is left (and listed), never transformed again.
TEST_F(DataMigrateTest, AResentWriteWhoseItemTheAppThenChangedIsLeftNotTransformedTwice) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  CreateTable();
  Seed(1);
  Write(kBump, Migration("bump", ".count += 1", 1, 10));
  AddFault("dynamodb", "UpdateItem", "reset_after", {{"count", Value(1)}});
  // The read-back waits, so that the app's write lands before it.
  AddFault("dynamodb", "GetItem", "latency", {{"latency_ms", Value(500)}, {"count", Value(1)}});
  std::atomic<bool> done{false};
  bool app_wrote = false;
  std::thread app = AppSetsNoteAfter("UpdateItem", 2, done, app_wrote);
  RunResult run = Flightplan(Migrate({"--max-write-rate", "1000"}));
  done = true;
  app.join();
  ASSERT_TRUE(app_wrote) << "the app did not write between the resend and the read-back";
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  Value item = Items()[ItemId(0)];
  EXPECT_EQ(Number(item, "count"), 1) << item.ToJson();
  EXPECT_EQ(*item.Find("note"), Obj({{"S", Value("by the app")}}));
  int64_t run_id = StatusJson().Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(run_id);
  EXPECT_EQ(outputs.Find("left")->as_int(), 1) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("written")->as_int(), 0) << outputs.ToJson();
}

// A page with nothing to write after one that wrote clears the written
// page's list from the journal: stopped later (here by the program failing
// on a later page) and resumed, the written items count as written even
// though the app changed one of them meanwhile.
TEST_F(DataMigrateTest, AWrittenPageIsNotSettledAgainAfterLaterPagesWithNothingToWrite) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 40;
  CreateTable();
  Seed(kItems);
  // Page 1 (items 0-9) is written, pages 2 and 3 have nothing to write, the
  // program fails on page 4.
  Write(kBump,
        Migration("bump",
                  "if .id == \"item-00035\" then error(\"stop at \\(.id)\") elif .count < 10 "
                  "then .count += 1 else . end",
                  1, 10));
  RunResult failed = Flightplan(Migrate());
  ASSERT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  ASSERT_THAT(failed.err + failed.out, HasSubstr("stop at item-00035"));
  ASSERT_TRUE(AppSetsNote(3));
  Write(kBump, Migration("bump", "if .count < 10 then .count += 1 else . end", 1, 10));
  RunResult resumed = Flightplan(Migrate({"--accept-definition-change"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  std::map<std::string, Value> items = Items();
  for (int i = 0; i < kItems; ++i) {
    EXPECT_EQ(Number(items[ItemId(i)], "count"), i < 10 ? i + 1 : i) << ItemId(i);
  }
  int64_t run_id = StatusJson().Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(run_id);
  EXPECT_EQ(outputs.Find("written")->as_int(), 10) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("left")->as_int(), 0) << outputs.ToJson();
}

// DynamoDB stores a number in its own text ("2e+21" written out in digits):
// a write whose answer was lost, found applied when the client sent it again,
// is still recognised as this migration's own write by the item read back —
// not taken for the app's change and applied a second time.
TEST_F(DataMigrateTest, AWriteWhoseNumbersDynamoDbRewroteIsKnownAgainAfterItsAnswerWasLost) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 10;
  CreateTable();
  Seed(kItems);
  // jq writes 2e21 as "2e+21"; DynamoDB keeps "2000000000000000000000".
  Write(kBump, Migration("bump", ".count += 1 | .scaled = .count * 1e21", 1, 5));
  AddFault("dynamodb", "UpdateItem", "reset_after", {{"skip", Value(3)}, {"count", Value(1)}});
  RunResult run = Flightplan(Migrate({"--max-write-rate", "1000"}));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::map<std::string, Value> items = Items();
  ASSERT_EQ(items.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) {
    EXPECT_EQ(Number(items[ItemId(i)], "count"), i + 1) << ItemId(i);
    const Value* scaled = items[ItemId(i)].Find("scaled");
    ASSERT_NE(scaled, nullptr) << ItemId(i);
    EXPECT_EQ(scaled->Find("N")->as_string(), std::to_string(i + 1) + std::string(21, '0'));
  }
  int lost = 0;
  for (const LogEntry& e : LogOf("dynamodb", "UpdateItem"))
    lost += e.error_code == "ConnectionReset";
  EXPECT_EQ(lost, 1) << "the fault did not meet a write: the test proved nothing";
}

// An item the app changes between every read and write of it: after five
// tries the step stops ("kept changing"). Resumed once the app is quiet, the
// item is transformed from what it then holds, once — not counted as left.
TEST_F(DataMigrateTest, AnItemThatKeptChangingIsTransformedWhenResumed) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 6;
  CreateTable();
  Seed(kItems);
  // The busy item is the first the scan returns, so it is also the first
  // a resume settles.
  Value scanned = Cli({"dynamodb", "scan", "--table-name", kTable});
  ASSERT_TRUE(scanned.Find("Items") && !scanned.Find("Items")->as_list().empty());
  const int kBusy =
      std::stoi(scanned.Find("Items")->as_list()[0].Find("id")->Find("S")->as_string().substr(5));
  Write(kBump, Migration("bump", ".count += 1", 1, 10));
  // Each write waits 100 ms before it is applied; meanwhile the app gives
  // the busy item a new count every 5 ms (straight into the store: its
  // writes are not delayed).
  AddFault("dynamodb", "UpdateItem", "latency", {{"latency_ms", Value(100)}, {"count", Value(-1)}});
  std::atomic<bool> done{false};
  std::atomic<int> app_count{1000};
  std::thread app([&] {
    for (int round = 0; round < 6000 && !done.load(); ++round) {
      Value item = Obj({{"id", Obj({{"S", Value(ItemId(kBusy))}})},
                        {"count", Obj({{"N", Value(std::to_string(app_count.load() + 1))}})},
                        {"title", Obj({{"S", Value("set by the app")}})}});
      {
        std::lock_guard lock(world().mutex);
        if (world().dynamodb.PutItem(kTable, item)) ++app_count;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  RunResult busy = Flightplan(Migrate({"--max-write-rate", "1000"}));
  done = true;
  app.join();
  EXPECT_EQ(busy.exit_code, 1) << busy.out << busy.err;
  EXPECT_THAT(busy.out + busy.err, HasSubstr("kept changing"));
  Control("DELETE", "/_sim/faults");
  // Resumed, the busy item is transformed; then reading the next pending
  // item fails and stops the step before the page's last checkpoint. The
  // busy item's write must be journaled by then, or the next resume would
  // transform it again.
  AddFault("dynamodb", "GetItem", "error",
           {{"status", Value(400)},
            {"code", Value("ValidationException")},
            {"skip", Value(1)},
            {"count", Value(1)}});
  RunResult stopped = Flightplan(Migrate({"--max-write-rate", "1000"}));
  EXPECT_EQ(stopped.exit_code, 1) << stopped.out << stopped.err;
  EXPECT_EQ(Number(Items()[ItemId(kBusy)], "count"), app_count.load() + 1);
  Control("DELETE", "/_sim/faults");
  RunResult resumed = Flightplan(Migrate({"--max-write-rate", "1000"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  std::map<std::string, Value> items = Items();
  for (int i = 0; i < kItems; ++i) {
    EXPECT_EQ(Number(items[ItemId(i)], "count"), i == kBusy ? app_count.load() + 1 : i + 1)
        << ItemId(i);
  }
  int64_t run_id = StatusJson().Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(run_id);
  EXPECT_EQ(outputs.Find("left")->as_int(), 0) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("written")->as_int(), kItems) << outputs.ToJson();
}

// An item held by the app's own transaction refuses a write with
// TransactionConflictException: the migration waits and tries again.
TEST_F(DataMigrateTest, AWriteRefusedByAnotherTransactionIsTriedAgain) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 10;
  CreateTable();
  Seed(kItems);
  Write(kBump, Migration("bump", ".count += 1", 1, 5));
  AddFault("dynamodb", "UpdateItem", "error",
           {{"status", Value(400)},
            {"code", Value("TransactionConflictException")},
            {"message", Value("Transaction is ongoing for the item")},
            {"skip", Value(3)},
            {"count", Value(2)}});
  RunResult run = Flightplan(Migrate({"--max-write-rate", "1000"}));  // item by item
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::map<std::string, Value> items = Items();
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(Number(items[ItemId(i)], "count"), i + 1) << ItemId(i);
  int refused = 0;
  for (const LogEntry& e : LogOf("dynamodb", "UpdateItem")) {
    refused += e.error_code == "TransactionConflictException";
  }
  EXPECT_EQ(refused, 2) << "the fault did not meet a write: the test proved nothing";
}

TEST_F(DataMigrateTest, DryRunTransformsEveryItemAndWritesNothing) {
  constexpr int kItems = 30;
  CreateTable();
  Seed(kItems);
  Write(kAddCompleted,
        Migration("add-completed", "if has(\"completed\") then . else . + {completed: false} end"));
  RunResult dry = Flightplan(Migrate({"--dry-run"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("of 30 items, 20 would change, 0 would be deleted, 10 stay"));
  EXPECT_THAT(dry.out, HasSubstr("set completed=false"));
  EXPECT_TRUE(WriteRequests().empty());
  EXPECT_TRUE(LogOf("dynamodb", "DeleteItem").empty());
  EXPECT_EQ(StatusJson().Find("migrations")->as_list()[0].Find("state")->as_string(), "pending");
}

// data migrate backs the table up before a transform changes it: the backup
// holds the items as they were (restored through the AWS CLI), is taken
// before the first write, once; `backup: false` leaves it out.
TEST_F(DataMigrateTest, ABackupOfTheTableAsItWasIsTakenBeforeTheFirstWrite) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 30;
  CreateTable();
  Seed(kItems);
  Write(kBump, Migration("bump", ".count += 1", 2, 10));
  RunResult run = Flightplan(Migrate());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectBumpedOnce(kItems);

  std::vector<Value> backups = Backups();
  ASSERT_EQ(backups.size(), 1u);
  std::string arn = backups[0].Find("BackupArn")->as_string();
  std::vector<LogEntry> created = LogOf("dynamodb", "CreateBackup");
  std::vector<LogEntry> writes = WriteRequests();
  ASSERT_EQ(created.size(), 1u);
  ASSERT_FALSE(writes.empty());
  for (const LogEntry& w : writes) EXPECT_LT(created[0].seq, w.seq);
  int64_t run_id = StatusJson().Find("migrations")->as_list()[0].Find("run")->as_int();
  EXPECT_EQ(StepOutputs(run_id, "backup-transform").Find("backup_arn")->as_string(), arn);

  Cli({"dynamodb", "restore-table-from-backup", "--target-table-name", "Todo-restored",
       "--backup-arn", arn});
  std::map<std::string, Value> restored = Items("Todo-restored");
  ASSERT_EQ(restored.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(Number(restored[ItemId(i)], "count"), i);

  // Applied: a second migrate takes no second backup.
  ASSERT_EQ(Flightplan(Migrate()).exit_code, 0);
  EXPECT_EQ(Backups().size(), 1u);

  // A migration that says `backup: false` takes none.
  Write("20261204T140000Z-again",
        "name: again\nversion: 1\nsteps:\n  - id: transform\n    uses: dynamodb.transform\n"
        "    with:\n      table: Todo-abc123def456-NONE\n      jq: '.count += 1'\n"
        "      backup: false\n");
  RunResult again = Flightplan(Migrate());
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(Backups().size(), 1u);
  EXPECT_EQ(LogOf("dynamodb", "CreateBackup").size(), 1u);

  // The backup's id never takes one the migration uses: here `backup-fix` is
  // the migration's own step, so the backup before `fix` is `backup-fix-2`.
  Write("20261204T150000Z-ids",
        "name: ids\nversion: 1\nsteps:\n  - id: backup-fix\n    uses: dynamodb.transform\n"
        "    with:\n      table: Todo-abc123def456-NONE\n      jq: '.count += 1'\n"
        "      backup: false\n  - id: fix\n    uses: dynamodb.transform\n"
        "    with:\n      table: Todo-abc123def456-NONE\n      jq: '.count -= 1'\n");
  RunResult ids = Flightplan(Migrate());
  ASSERT_EQ(ids.exit_code, 0) << ids.out << ids.err;
  int64_t ids_run = StatusJson().Find("migrations")->as_list()[2].Find("run")->as_int();
  EXPECT_FALSE(StepOutputs(ids_run, "backup-fix-2").Find("backup_arn")->as_string().empty());
  EXPECT_EQ(Backups().size(), 2u);
}

// --sample N: the dry run transforms the first N items only, and says so.
TEST_F(DataMigrateTest, DryRunWithASampleTransformsOnlyTheFirstItems) {
  CreateTable();
  Seed(60);
  Write(kBump, Migration("bump", ".count += 1"));
  RunResult dry = Flightplan(Migrate({"--dry-run", "--sample", "7"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out,
              HasSubstr("of the first 7 items, 7 would change, 0 would be deleted, 0 stay"));
  EXPECT_TRUE(WriteRequests().empty());
  EXPECT_EQ(LogOf("dynamodb", "Scan").size(), 1u);  // one page of 7, not the table
  EXPECT_EQ(StatusJson().Find("migrations")->as_list()[0].Find("state")->as_string(), "pending");

  // Without --dry-run a sample makes no sense: refused before anything runs.
  RunResult wrong = Flightplan(Migrate({"--sample", "7"}));
  EXPECT_EQ(wrong.exit_code, 2) << wrong.out << wrong.err;
  EXPECT_THAT(wrong.err, HasSubstr("--sample N goes with --dry-run"));
  EXPECT_TRUE(WriteRequests().empty());
}

// --max-write-rate N: the writes of all segments together, as the simulator
// received them, span at least (writes - 1) / N seconds; each item once.
TEST_F(DataMigrateTest, MaxWriteRateSpacesTheWritesOfAllSegments) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 41;
  constexpr double kRate = 20;
  CreateTable();
  Seed(kItems);
  Write(kBump, Migration("bump", ".count += 1", 3, 10));
  RunResult run = Flightplan(Migrate({"--max-write-rate", "20"}));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectBumpedOnce(kItems);
  std::vector<int64_t> times;
  for (const LogEntry& e : LogOf("dynamodb", "UpdateItem")) times.push_back(e.time.unix_ms);
  ASSERT_EQ(times.size(), static_cast<size_t>(kItems));
  std::sort(times.begin(), times.end());
  // Unpaced, 41 writes on loopback take a few tens of milliseconds. The log's
  // times are when requests arrived: allow 100 ms of network jitter.
  EXPECT_GE(times.back() - times.front(), static_cast<int64_t>((kItems - 1) / kRate * 1000) - 100);
  // No second holds more than N + 1 of them (jitter again: + 2).
  for (size_t i = 0; i < times.size(); ++i) {
    size_t in_second = 0;
    for (size_t j = i; j < times.size() && times[j] < times[i] + 1000; ++j) ++in_second;
    EXPECT_LE(in_second, static_cast<size_t>(kRate) + 3) << "from write " << i;
  }

  RunResult bad = Flightplan(Migrate({"--max-write-rate", "0"}));
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
}

// A transform written in JavaScript, run once per page: every item bumped
// exactly once over two segments, the dry run first writing nothing.
TEST_F(DataMigrateTest, ACommandTransformInJavaScriptTransformsEveryItemOnce) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  if (!HaveNode()) GTEST_SKIP() << "node is not on PATH";
  constexpr int kItems = 60;
  CreateTable();
  Seed(kItems);
  std::filesystem::create_directories(dir_.Join("transforms"));
  flightplan::testing::WriteFile(dir_.Join("transforms/bump.js"), kBumpJs);
  Write(kBump, CommandMigration("bump", "[node, transforms/bump.js]", 2, 10));

  RunResult dry = Flightplan(Migrate({"--dry-run"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("of 60 items, 60 would change, 0 would be deleted, 0 stay"));
  EXPECT_TRUE(WriteRequests().empty());

  RunResult run = Flightplan(Migrate());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectBumpedOnce(kItems);
  EXPECT_EQ(Items()[ItemId(7)].Find("table")->Find("S")->as_string(), kTable);
  int64_t run_id = StatusJson().Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(run_id);
  EXPECT_EQ(outputs.Find("read")->as_int(), kItems) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("written")->as_int(), kItems) << outputs.ToJson();
}

// The command fails on one item (exit 3): nothing of that page is written,
// its message reaches the operator, and once the item is fixed a resume
// transforms the rest, each item once.
TEST_F(DataMigrateTest, ACommandFailingOnAnItemStopsBeforeItsPageAndResumes) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  if (!HaveNode()) GTEST_SKIP() << "node is not on PATH";
  constexpr int kItems = 50;
  CreateTable();
  Seed(kItems);
  flightplan::testing::WriteFile(dir_.Join("bump.js"), kBumpJs);
  flightplan::testing::WriteFile(dir_.Join("fail-on"), ItemId(23));
  Write(kBump, CommandMigration("bump", "[node, bump.js]", 1, 10));
  RunResult failed = Flightplan(Migrate());
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_THAT(failed.err + failed.out, HasSubstr("cannot bump item-00023"));
  EXPECT_THAT(failed.err + failed.out, HasSubstr("`node bump.js` exited with status 3"));
  std::map<std::string, Value> items = Items();
  for (int i = 0; i < kItems; ++i) {
    EXPECT_EQ(Number(items[ItemId(i)], "count"), i < 20 ? i + 1 : i) << ItemId(i);
  }
  std::filesystem::remove(dir_.Join("fail-on"));
  RunResult fixed = Flightplan(Migrate());
  ASSERT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  ExpectBumpedOnce(kItems);
}

// What a command writes must be one JSON object (or null) per item read:
// fewer lines, or a line that is not JSON, fails the step before its page is
// written, saying what is wrong.
TEST_F(DataMigrateTest, ACommandsMalformedOutputIsRefusedBeforeAnythingIsWritten) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  CreateTable();
  Seed(12);
  Write(kBump, CommandMigration("bump", "[sh, -c, 'head -n 1']", 1, 10));
  RunResult fewer = Flightplan(Migrate());
  EXPECT_EQ(fewer.exit_code, 1) << fewer.out << fewer.err;
  EXPECT_THAT(fewer.err, HasSubstr("wrote 1 lines for 10 items"));
  EXPECT_TRUE(WriteRequests().empty());

  Write(kBump, CommandMigration("bump", "[sh, -c, 'sed s/^/x/']", 1, 10));
  RunResult garbage = Flightplan(Migrate({"--accept-definition-change"}));
  EXPECT_EQ(garbage.exit_code, 1) << garbage.out << garbage.err;
  EXPECT_THAT(garbage.err, HasSubstr("line 1 of `sh -c 'sed s/^/x/'`'s output is not JSON"));
  EXPECT_TRUE(WriteRequests().empty());

  Write(kBump,
        "name: bump\nversion: 1\nsteps:\n  - id: transform\n    uses: dynamodb.transform\n"
        "    with: {table: t, jq: '.', command: [cat]}\n");
  RunResult both = Flightplan(Migrate({"--accept-definition-change"}));
  EXPECT_EQ(both.exit_code, 2) << both.out << both.err;
  EXPECT_THAT(both.err, HasSubstr("either `jq`"));
}

// dynamodb.put: profiles made by a command, created only where no item has
// the key — the ten items already there keep their content — exactly once
// per item however a kill falls between its journal writes.
TEST_F(DataMigrateTest, PutCreatesTheCommandsItemsOnlyWhereAbsentExactlyOnce) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  if (!HaveNode()) GTEST_SKIP() << "node is not on PATH";
  constexpr int kProduced = 60;
  constexpr int kPresent = 10;
  flightplan::testing::WriteFile(dir_.Join("profiles.js"), kProfilesJs);
  flightplan::testing::WriteFile(dir_.Join("profiles"), std::to_string(kProduced));
  const std::string migration =
      "name: profiles\nversion: 1\nsteps:\n  - id: profiles\n    uses: dynamodb.put\n"
      "    with:\n      table: " +
      std::string(kTable) + "\n      command: [node, profiles.js]\n";
  auto check = [&] {
    std::map<std::string, Value> items = Items();
    ASSERT_EQ(items.size(), static_cast<size_t>(kProduced));
    for (int i = 0; i < kProduced; ++i) {
      const Value& item = items[ItemId(i)];
      if (i < kPresent) {
        EXPECT_EQ(Number(item, "count"), i) << "an item there before is left as it was";
        EXPECT_EQ(item.Find("owner"), nullptr) << ItemId(i);
      } else {
        EXPECT_EQ(item.Find("owner")->Find("S")->as_string(), fmt::format("user-{}", i));
        EXPECT_EQ(item.Find("tags")->Find("L")->as_list().size(), 1u) << ItemId(i);
      }
    }
    int created = 0;
    for (const LogEntry& e : LogOf("dynamodb", "PutItem")) created += e.status == 200 ? 1 : 0;
    // A second PutItem of a key fails its condition: successes are creations.
    EXPECT_EQ(created, kProduced - kPresent);
    int64_t run = StatusJson().Find("migrations")->as_list()[0].Find("run")->as_int();
    Value outputs = StepOutputs(run, "profiles");
    EXPECT_EQ(outputs.Find("produced")->as_int(), kProduced) << outputs.ToJson();
    EXPECT_EQ(outputs.Find("created")->as_int(), kProduced - kPresent) << outputs.ToJson();
    EXPECT_EQ(outputs.Find("present")->as_int(), kPresent) << outputs.ToJson();
  };

  CreateTable();
  Seed(kPresent);
  Write("20261204T140000Z-profiles", migration);
  RunResult dry = Flightplan(Migrate({"--dry-run"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("of 60 items `node profiles.js` produces, 50 would be created, "
                                 "10 are there already"));
  RunResult run = Flightplan(Migrate());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  check();
  EXPECT_TRUE(Backups().empty()) << "creating items where absent changes nothing to back up";

  // The run makes 9 journal writes (checked below); 4 to 8 are the step's
  // checkpoints (before each page of 25 and at the end) and its end.
  for (int n : {4, 5, 6, 7, 8}) {
    for (const char* when : {"before", "after"}) {
      SCOPED_TRACE(fmt::format("killed at write {}:{}", n, when));
      Control("POST", "/_sim/reset");
      std::filesystem::remove(state_);
      CreateTable();
      Seed(kPresent);
      RunResult killed = Flightplan(Migrate(), fmt::format("{}:{}", n, when));
      ASSERT_TRUE(killed.signaled) << killed.exit_code << killed.out << killed.err;
      RunResult resumed = Flightplan(Migrate());
      ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
      check();
    }
  }
  // The command's items changed across the kill (more users): the resume
  // starts over, and every item ends up created once.
  Control("POST", "/_sim/reset");
  std::filesystem::remove(state_);
  CreateTable();
  RunResult cut = Flightplan(Migrate(), "6:after");
  ASSERT_TRUE(cut.signaled) << cut.out << cut.err;
  flightplan::testing::WriteFile(dir_.Join("profiles"), "70");
  RunResult grown = Flightplan(Migrate());
  ASSERT_EQ(grown.exit_code, 0) << grown.out << grown.err;
  EXPECT_THAT(grown.out + grown.err, HasSubstr("produced other items than before"));
  EXPECT_EQ(Items().size(), 70u);
  int created = 0;
  for (const LogEntry& e : LogOf("dynamodb", "PutItem")) created += e.status == 200 ? 1 : 0;
  EXPECT_EQ(created, 70);
  int64_t grown_run = StatusJson().Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(grown_run, "profiles");
  EXPECT_EQ(outputs.Find("produced")->as_int(), 70) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("created")->as_int() + outputs.Find("present")->as_int(), 70)
      << outputs.ToJson();
  flightplan::testing::WriteFile(dir_.Join("profiles"), std::to_string(kProduced));

  Control("POST", "/_sim/reset");
  std::filesystem::remove(state_);
  CreateTable();
  RunResult whole = Flightplan(Migrate(), "10:before");
  EXPECT_EQ(whole.exit_code, 0) << "the run makes exactly 9 writes\n" << whole.out << whole.err;
}

TEST_F(DataMigrateTest, MigrationsApplyInOrderOnceAndAnEditedOneStopsEverythingAfterIt) {
  constexpr int kItems = 12;
  CreateTable();
  Seed(kItems);
  Write(kAddCompleted,
        Migration("add-completed", "if has(\"completed\") then . else . + {completed: false} end"));
  Write(kBump, Migration("bump", "if .completed then .count += 1000 else . end"));
  flightplan::testing::WriteFile(dir_.Join("migrations/README.md"), "notes\n");
  RunResult run = Flightplan(Migrate({"--to", "add-completed"}));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  Value status = StatusJson();
  const ValueList& list = status.Find("migrations")->as_list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].Find("state")->as_string(), "applied");
  EXPECT_EQ(list[1].Find("state")->as_string(), "pending");
  EXPECT_EQ(status.Find("ignored")->as_list().front().as_string(), "README.md");

  RunResult rest = Flightplan(Migrate());
  ASSERT_EQ(rest.exit_code, 0) << rest.out << rest.err;
  std::map<std::string, Value> items = Items();
  for (int i = 0; i < kItems; ++i) {
    EXPECT_EQ(Number(items[ItemId(i)], "count"), i % 3 == 0 ? i + 1000 : i) << ItemId(i);
  }

  // Someone edits an applied migration and adds a new one: nothing runs.
  Write(kAddCompleted, Migration("add-completed", ". + {completed: true}"));
  Write("20261205T090000Z-later", Migration("later", ". + {later: true}"));
  int writes_before = 0;
  WritesPerItem(&writes_before);
  RunResult refused = Flightplan(Migrate());
  EXPECT_EQ(refused.exit_code, 4) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("was edited after it was applied"));
  int writes_after = 0;
  WritesPerItem(&writes_after);
  EXPECT_EQ(writes_after, writes_before);
  status = StatusJson();
  EXPECT_EQ(status.Find("migrations")->as_list()[0].Find("state")->as_string(),
            "changed after it was applied");
  EXPECT_EQ(status.Find("migrations")->as_list()[2].Find("state")->as_string(), "pending");
}

TEST_F(DataMigrateTest, AModelIsFoundThroughTheBranchsBackendStack) {
  std::string table = "Todo-zzzz9999-NONE";
  std::string app_id = DeployBackend({table});
  ASSERT_FALSE(app_id.empty());
  Seed(5, table);
  Write(kBump, Migration("bump", ".count += 1", 1, 25, "model: Todo"));
  RunResult run = Flightplan({"data", "migrate", "--app-id", app_id, "--branch", "main"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  int succeeded = 0;
  WritesPerItem(&succeeded);
  EXPECT_EQ(succeeded, 5);

  Write("20261205T000000Z-nope", Migration("nope", ". ", 1, 25, "model: Nope"));
  RunResult missing = Flightplan({"data", "migrate", "--app-id", app_id, "--branch", "main"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err + missing.out, HasSubstr("no table of model 'Nope'"));
}

// A backend nesting more stacks than the search reads is refused with a
// message, not searched in part: an unread stack may hold the model's table.
TEST_F(DataMigrateTest, AModelInABackendOfMoreStacksThanTheSearchReadsIsRefused) {
  {
    std::lock_guard lock(world().mutex);
    ASSERT_TRUE(world().s3.CreateBucket("many-stacks", world().Now()).has_value());
  }
  Call(
      "s3", "PutObject",
      Obj({{"Bucket", Value("many-stacks")},
           {"Key", Value("leaf.json")},
           {"Body",
            Value(
                R"({"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}})")}}));
  // The root and 200 nested stacks: 201, one more than the search reads.
  std::string resources;
  for (int i = 0; i < 200; ++i) {
    resources += fmt::format(
        R"({}"Nested{}": {{"Type": "AWS::CloudFormation::Stack", "Properties": {{
          "TemplateURL": "https://s3.amazonaws.com/many-stacks/leaf.json"}}}})",
        i == 0 ? "" : ", ", i);
  }
  std::string app_id = DeployResources(resources);
  ASSERT_FALSE(app_id.empty());
  Write(kBump, Migration("bump", ".count += 1", 1, 25, "model: Todo"));
  RunResult run = Flightplan({"data", "migrate", "--app-id", app_id, "--branch", "main"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.err + run.out, HasSubstr("nests more than 200 stacks"));
  EXPECT_THAT(run.err + run.out, HasSubstr("name the table with `table`"));
  EXPECT_TRUE(LogOf("dynamodb", "TransactWriteItems").empty());
  EXPECT_TRUE(LogOf("dynamodb", "Scan").empty());
}

// schema diff with --app-id/--branch: each change that touches stored items
// carries how many of the deployed items it touches, counted in the tables
// the branch's backend stack holds.
TEST_F(DataMigrateTest, SchemaDiffCountsTheDeployedItemsEachChangeTouches) {
  const std::string tasks_table = "Todo-zzzz9999-NONE";
  const std::string notes_table = "Note-zzzz9999-NONE";
  std::string app_id = DeployBackend({tasks_table, notes_table});
  ASSERT_FALSE(app_id.empty());
  Seed(10, tasks_table);  // items 0, 3, 6 and 9 have `completed`
  for (const char* id : {"done-1", "done-2"}) {
    Call("dynamodb", "PutItem",
         Obj({{"TableName", Value(tasks_table)},
              {"Item", Obj({{"id", Obj({{"S", Value(id)}})},
                            {"title", Obj({{"S", Value("done")}})},
                            {"completed", Obj({{"BOOL", Value(true)}})},
                            {"status", Obj({{"S", Value("DONE")}})}})}}));
  }
  Seed(3, notes_table);
  flightplan::testing::WriteFile(dir_.Join("old.graphql"), R"(enum Status { OPEN DONE }
type Todo @model { id: ID! title: String count: Int completed: Boolean status: Status }
type Note @model { id: ID! body: String }
)");
  flightplan::testing::WriteFile(dir_.Join("new.graphql"), R"(enum Status { OPEN }
type Todo @model { id: ID! count: Int completed: Boolean! status: Status }
)");
  RunResult diff = Flightplan({"schema", "diff", "old.graphql", "new.graphql", "--app-id", app_id,
                               "--branch", "main", "--json"});
  EXPECT_EQ(diff.exit_code, 10) << "a model removed is dangerous\n" << diff.out << diff.err;
  auto json = Value::FromJson(diff.out);
  ASSERT_TRUE(json) << diff.out << diff.err;
  std::map<std::string, Value> items_by_kind;
  for (const Value& change : json->Find("changes")->as_list()) {
    if (const Value* items = change.Find("items")) {
      items_by_kind[change.Find("kind")->as_string()] = *items;
    }
  }
  auto affected = [&](const std::string& kind) -> int64_t {
    auto it = items_by_kind.find(kind);
    return it == items_by_kind.end() ? -1 : it->second.Find("affected")->as_int();
  };
  EXPECT_EQ(affected("field_required"), 6) << diff.out;  // 12 items, 6 with `completed`
  EXPECT_EQ(affected("field_removed"), 12) << diff.out;  // every Todo has a title
  EXPECT_EQ(affected("enum_value_removed"), 2) << diff.out;
  EXPECT_EQ(affected("model_removed"), 3) << diff.out;
  EXPECT_EQ(items_by_kind["field_required"].Find("total")->as_int(), 12);
  EXPECT_EQ(items_by_kind["field_required"].Find("table")->as_string(), tasks_table);
  EXPECT_EQ(items_by_kind["model_removed"].Find("table")->as_string(), notes_table);
  // Only reads: one scan per model.
  EXPECT_EQ(LogOf("dynamodb", "Scan").size(), 2u);

  RunResult text = Flightplan({"schema", "diff", "old.graphql", "new.graphql", "--app-id", app_id,
                               "--branch", "main", "--accept-dangerous"});
  EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_THAT(text.out, HasSubstr("[6 of 12 items in " + tasks_table + " lack it]"));
  EXPECT_THAT(text.out, HasSubstr("[3 items are stored in " + notes_table + "]"));

  // The migration it writes brings the items in line: applied, the same
  // diff counts none left for the changes it fixes.
  RunResult write =
      Flightplan({"schema", "diff", "old.graphql", "new.graphql", "--app-id", app_id, "--branch",
                  "main", "--accept-dangerous", "--write-migration", "complete-todos"});
  EXPECT_EQ(write.exit_code, 1) << write.out << write.err;
  EXPECT_THAT(write.err, HasSubstr("-complete-todos.yaml"));
  RunResult apply = Flightplan({"data", "migrate", "--app-id", app_id, "--branch", "main"});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  std::map<std::string, Value> items = Items(tasks_table);
  EXPECT_EQ(items["item-00001"].Find("completed")->Find("BOOL")->as_bool(), false);
  EXPECT_EQ(items["item-00003"].Find("completed")->Find("BOOL")->as_bool(), true);
  EXPECT_EQ(items["done-1"].Find("status")->Find("S")->as_string(), "OPEN");
  EXPECT_EQ(items["done-1"].Find("title")->Find("S")->as_string(), "done")
      << "the deployed app still reads what the fixes leave";
  RunResult after = Flightplan({"schema", "diff", "old.graphql", "new.graphql", "--app-id", app_id,
                                "--branch", "main", "--json"});
  auto again = Value::FromJson(after.out);
  ASSERT_TRUE(again) << after.out << after.err;
  for (const Value& change : again->Find("changes")->as_list()) {
    const std::string kind = change.Find("kind")->as_string();
    if (kind == "field_required" || kind == "enum_value_removed") {
      EXPECT_EQ(change.Find("items")->Find("affected")->as_int(), 0) << kind;
    }
  }

  flightplan::testing::WriteFile(dir_.Join("old.graphql"),
                                 "type Ghost @model { id: ID! body: String }\n");
  RunResult ghost = Flightplan(
      {"schema", "diff", "old.graphql", "new.graphql", "--app-id", app_id, "--branch", "main"});
  EXPECT_NE(ghost.exit_code, 0);
  EXPECT_THAT(ghost.err, HasSubstr("no table of model 'Ghost'"));
  RunResult half = Flightplan({"schema", "diff", "old.graphql", "new.graphql", "--app-id", app_id});
  EXPECT_EQ(half.exit_code, 2) << half.out << half.err;
}

// The operations of the simulator's request log at or after `seq` that
// succeeded.
int CountSince(const std::vector<LogEntry>& log, int64_t seq) {
  return static_cast<int>(std::count_if(
      log.begin(), log.end(), [&](const LogEntry& e) { return e.seq >= seq && e.status == 200; }));
}

// `data rollback` restores the backup taken before the transform, in place:
// the table holds exactly what it held before the migration (items changed
// and deleted by the migration put back, an item the app added since
// deleted), only what differed was written, the scratch table is gone, the
// restore was agreed to and journaled, and the migration is pending again.
TEST_F(DataMigrateTest, RollbackPutsTheTableBackAsItWasAndTheMigrationIsPendingAgain) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 30;
  CreateTable();
  Seed(kItems);
  std::map<std::string, Value> before = Items();
  ASSERT_EQ(before.size(), static_cast<size_t>(kItems));
  constexpr char kReshape[] = "20261204T120000Z-reshape";
  Write(kReshape, Migration("reshape",
                            "if .count % 5 == 0 then null elif .completed then .count += 100 "
                            "else . end",
                            2, 10));
  RunResult run = Flightplan(Migrate());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ASSERT_EQ(Items().size(), static_cast<size_t>(kItems - 6));
  // The live app adds an item after the migration.
  Call("dynamodb", "PutItem",
       Obj({{"TableName", Value(kTable)},
            {"Item", Obj({{"id", Obj({{"S", Value("app-1")}})},
                          {"title", Obj({{"S", Value("added by the app")}})}})}}));
  std::map<std::string, Value> migrated = Items();

  std::vector<std::string> rollback = {"data",  "rollback", "reshape", "--app-id",
                                       "d1app", "--branch", "main"};
  // The plan, read only.
  std::vector<std::string> plan = rollback;
  plan.push_back("--dry-run");
  RunResult planned = Flightplan(plan);
  EXPECT_EQ(planned.exit_code, 0) << planned.out << planned.err;
  EXPECT_THAT(planned.out, HasSubstr("put the items of table Todo-abc123def456-NONE back"));
  EXPECT_EQ(Items(), migrated);
  EXPECT_EQ(StatusJson().Find("migrations")->as_list()[0].Find("state")->as_string(), "applied");
  // Without a terminal and without --yes nothing is restored.
  RunResult asked = Flightplan(rollback);
  EXPECT_EQ(asked.exit_code, 7) << asked.out << asked.err;
  EXPECT_THAT(asked.err, HasSubstr("needs your confirmation"));
  EXPECT_EQ(Items(), migrated);
  EXPECT_EQ(StatusJson().Find("migrations")->as_list()[0].Find("state")->as_string(),
            "rolling back");
  // Nothing migrates past a migration that is being rolled back.
  RunResult stopped = Flightplan(Migrate());
  EXPECT_EQ(stopped.exit_code, 4) << stopped.out << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("is being rolled back"));

  int64_t from = 0;
  for (const LogEntry& e : LogOf("dynamodb", "PutItem")) from = std::max(from, e.seq + 1);
  std::vector<std::string> agreed = rollback;
  agreed.push_back("--yes");
  RunResult undone = Flightplan(agreed);
  ASSERT_EQ(undone.exit_code, 0) << undone.out << undone.err;
  EXPECT_EQ(Items(), before);
  // Written: the 6 items the migration deleted and the 8 it changed (every
  // third, not every fifth), put back; the app's item deleted.
  EXPECT_EQ(CountSince(LogOf("dynamodb", "PutItem"), from), 14);
  EXPECT_EQ(CountSince(LogOf("dynamodb", "DeleteItem"), from), 1);
  EXPECT_EQ(CountSince(LogOf("dynamodb", "UpdateItem"), from), 0);
  EXPECT_EQ(CountSince(LogOf("dynamodb", "RestoreTableFromBackup"), from), 1);
  // The scratch table is on demand, so its one scan is never throttled.
  for (const LogEntry& e : LogOf("dynamodb", "RestoreTableFromBackup")) {
    const Value* billing = e.params.Find("BillingModeOverride");
    ASSERT_NE(billing, nullptr) << e.params.ToJson();
    EXPECT_EQ(billing->as_string(), "PAY_PER_REQUEST");
  }
  Value tables = Cli({"dynamodb", "list-tables"});
  ASSERT_TRUE(tables.Find("TableNames") != nullptr);
  EXPECT_EQ(tables.Find("TableNames")->as_list(), ValueList{Value(kTable)});
  EXPECT_EQ(Backups().size(), 1u);  // kept
  RunResult history = Flightplan({"history", "--json"});
  EXPECT_THAT(history.out, HasSubstr("\"kind\":\"confirmation.given\""));
  EXPECT_THAT(history.out, HasSubstr("\"operator\":\"tester\""));
  Value status = StatusJson();
  int64_t first_run = status.Find("migrations")->as_list()[0].Find("run")->as_int();
  EXPECT_EQ(status.Find("migrations")->as_list()[0].Find("state")->as_string(), "pending");
  EXPECT_EQ(StepOutputs(first_run, "backup-transform").Find("table")->as_string(), kTable);

  // Rolled back twice: nothing to do. Migrated again: a new run, applied.
  RunResult twice = Flightplan(agreed);
  EXPECT_EQ(twice.exit_code, 0) << twice.err;
  EXPECT_THAT(twice.out, HasSubstr("already rolled back"));
  RunResult again = Flightplan(Migrate());
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  std::map<std::string, Value> reapplied = Items();
  EXPECT_EQ(reapplied.size(), static_cast<size_t>(kItems - 6));
  EXPECT_EQ(Number(reapplied[ItemId(3)], "count"), 103);
  status = StatusJson();
  EXPECT_EQ(status.Find("migrations")->as_list()[0].Find("state")->as_string(), "applied");
  EXPECT_NE(status.Find("migrations")->as_list()[0].Find("run")->as_int(), first_run);
}

// Killed at each journal write of the rollback, `data rollback` again
// finishes it: the table as it was before the migration, each differing
// item written back once, no scratch table left.
TEST_F(DataMigrateTest, RollbackKilledAtEachJournalWriteFinishesWhenRunAgain) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 20;
  // Writes of an uninterrupted rollback: the run rolling back (1); the
  // transform left as it is (2); the restore agreed to (3), started (4) and
  // done (5); the run rolled back (6).
  constexpr int kRollbackWrites = 6;
  std::vector<std::string> rollback = {"data",  "rollback", "bump", "--app-id",
                                       "d1app", "--branch", "main", "--yes"};
  bool full = std::getenv("FLIGHTPLAN_FULL_CRASH_MATRIX") != nullptr;
  for (int n = 1; n <= kRollbackWrites + 1; ++n) {
    // CI: around the restore (agreed, started, done) and the whole rollback.
    if (!full && n != 4 && n != 5 && n != kRollbackWrites + 1) continue;
    for (const char* when : {"before", "after"}) {
      if (n == kRollbackWrites + 1 && std::string(when) == "after") continue;
      SCOPED_TRACE(fmt::format("killed at write {}:{}", n, when));
      Control("POST", "/_sim/reset");
      std::filesystem::remove(state_);
      CreateTable();
      Seed(kItems);
      std::map<std::string, Value> before = Items();
      Write(kBump, Migration("bump", ".count += 1", 1, 10));
      ASSERT_EQ(Flightplan(Migrate()).exit_code, 0);
      int64_t from = 0;
      for (const LogEntry& e : LogOf("dynamodb", "BatchWriteItem")) from = e.seq + 1;
      for (const LogEntry& e : WriteRequests()) from = std::max(from, e.seq + 1);
      RunResult killed = Flightplan(rollback, fmt::format("{}:{}", n, when));
      if (n == kRollbackWrites + 1) {
        EXPECT_EQ(killed.exit_code, 0)
            << "the rollback makes exactly " << kRollbackWrites << " journal writes\n"
            << killed.out << killed.err;
      } else {
        ASSERT_TRUE(killed.signaled) << killed.exit_code << killed.out << killed.err;
        RunResult again = Flightplan(rollback);
        ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
      }
      EXPECT_EQ(Items(), before);
      EXPECT_EQ(CountSince(LogOf("dynamodb", "PutItem"), from), kItems);
      Value tables = Cli({"dynamodb", "list-tables"});
      EXPECT_EQ(tables.Find("TableNames")->as_list(), ValueList{Value(kTable)});
      Value status = StatusJson();
      EXPECT_EQ(status.Find("migrations")->as_list()[0].Find("state")->as_string(), "pending");
    }
  }
}

// The app writing during a restore: an item it changes between the
// restore's read and its write is read again and put back (never from a
// stale read); the app's writes after an item is put back are kept.
TEST_F(DataMigrateTest, RollbackNeverOverwritesAWriteTheAppMakesDuringTheRestore) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 40;
  CreateTable();
  Seed(kItems);
  Write(kBump, Migration("bump", ".count += 1", 1, 10));
  ASSERT_EQ(Flightplan(Migrate()).exit_code, 0);
  // Each put-back arrives 40 ms late; the app adds 100 to a random item
  // every 3 ms meanwhile.
  AddFault("dynamodb", "PutItem", "latency", {{"latency_ms", Value(40)}, {"count", Value(-1)}});
  std::atomic<bool> done{false};
  std::map<std::string, int> increments;
  std::thread app = AppAddingToCounts(kItems, 11, done, increments);
  RunResult undone =
      Flightplan({"data", "rollback", "bump", "--app-id", "d1app", "--branch", "main", "--yes"});
  done = true;
  app.join();
  ASSERT_EQ(undone.exit_code, 0) << undone.out << undone.err;

  RunResult history = Flightplan({"history", "--json"});
  Value outputs;
  for (std::string_view rest = history.out; !rest.empty();) {
    size_t end = rest.find('\n');
    auto event = Value::FromJson(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    const Value* kind = event ? event->Find("kind") : nullptr;
    const Value* detail = event ? event->Find("detail") : nullptr;
    if (kind && kind->is_string() && kind->as_string() == "step.rolled_back" && detail &&
        detail->Find("outputs")) {
      outputs = *detail->Find("outputs");
    }
  }
  ASSERT_TRUE(outputs.is_map()) << history.out;
  std::set<std::string> conflicted;
  for (const Value& key : outputs.Find("conflicted_keys")->as_list()) {
    conflicted.insert(Value::FromJson(key.as_string())->Find("id")->Find("S")->as_string());
  }
  ASSERT_EQ(outputs.Find("conflicted")->as_int(), static_cast<int64_t>(conflicted.size()));
  int refused = 0;
  for (const LogEntry& e : LogOf("dynamodb", "PutItem")) {
    refused += e.error_code == "ConditionalCheckFailedException" ? 1 : 0;
  }
  EXPECT_GT(refused, 0) << "the app never wrote between a read and a write: the test proved "
                           "nothing "
                        << outputs.ToJson();
  std::map<std::string, Value> items = Items();
  for (int i = 0; i < kItems; ++i) {
    std::string id = ItemId(i);
    int64_t count = Number(items[id], "count");
    if (conflicted.count(id) != 0) {
      // Never put back: the migration's value and every one of the app's writes.
      EXPECT_EQ(count, i + 1 + 100 * increments[id]) << id;
    } else {
      // Put back as backed up; the app's writes after that are kept.
      EXPECT_EQ(count % 100, i) << id;
      EXPECT_LE(count / 100, increments[id]) << id;
    }
  }
  EXPECT_EQ(outputs.Find("put_back")->as_int() + outputs.Find("conflicted")->as_int(), kItems);
}

// A table replaced since its backup with another key (a Gen2 deploy that
// changed the model's key) cannot take the backup's items in place: the
// restore says so and writes nothing, leaving the restored copy to read.
TEST_F(DataMigrateTest, RollbackRefusesATableReplacedWithAnotherKeyAndWritesNothing) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  CreateTable();
  Seed(5);
  Write(kBump, Migration("bump", ".count += 1"));
  ASSERT_EQ(Flightplan(Migrate()).exit_code, 0);
  Call("dynamodb", "DeleteTable", Obj({{"TableName", Value(kTable)}}));
  Call("dynamodb", "CreateTable",
       Obj({{"TableName", Value(kTable)},
            {"KeySchema", Value(ValueList{Obj(
                              {{"AttributeName", Value("author")}, {"KeyType", Value("HASH")}})})},
            {"AttributeDefinitions", Value(ValueList{Obj({{"AttributeName", Value("author")},
                                                          {"AttributeType", Value("S")}})})},
            {"BillingMode", Value("PAY_PER_REQUEST")}}));
  int64_t from = 0;
  for (const LogEntry& e : LogOf("dynamodb", "CreateTable")) from = e.seq + 1;
  RunResult refused =
      Flightplan({"data", "rollback", "bump", "--app-id", "d1app", "--branch", "main", "--yes"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.out + refused.err, HasSubstr("has another key (id) than"));
  EXPECT_EQ(CountSince(LogOf("dynamodb", "PutItem"), from), 0);
  EXPECT_EQ(CountSince(LogOf("dynamodb", "DeleteItem"), from), 0);
  EXPECT_TRUE(Items().empty());
  EXPECT_EQ(StatusJson().Find("migrations")->as_list()[0].Find("state")->as_string(),
            "rolling back");
}

// Migrations are rolled back newest first; one without a backup or a
// rollback of its own fails its rollback (never reported rolled back).
// A backup the migration takes itself but keeps on rollback (`rollback:
// {none: …}`) cannot undo the transform after it: the transform gets the
// automatic backup, and the rollback puts the items back.
TEST_F(DataMigrateTest, ABackupKeptOnRollbackDoesNotStandInForTheTransformsOwn) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 6;
  CreateTable();
  Seed(kItems);
  std::map<std::string, Value> before = Items();
  Write(kBump, fmt::format("name: bump\nversion: 1\nsteps:\n"
                           "  - id: snap\n    uses: dynamodb.backup\n"
                           "    with: {{table: {}}}\n    rollback: {{none: kept for the audit}}\n"
                           "  - id: transform\n    uses: dynamodb.transform\n"
                           "    with: {{table: {}, jq: '.count += 1'}}\n",
                           kTable, kTable));
  RunResult run = Flightplan(Migrate());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(Backups().size(), 2u) << "the transform's own backup was not taken";
  RunResult back =
      Flightplan({"data", "rollback", "bump", "--app-id", "d1app", "--branch", "main", "--yes"});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_EQ(Items(), before);
}

// Two files of the same name: a bare name is refused, naming both stems.
TEST_F(DataMigrateTest, ANameTwoMigrationsShareIsRefusedNamingBoth) {
  CreateTable();
  Seed(2);
  Write("20261204T120000Z-fix", Migration("fix", ".count += 1"));
  Write("20261205T120000Z-fix", Migration("fix", ".count += 2"));
  RunResult to = Flightplan(Migrate({"--to", "fix"}));
  EXPECT_EQ(to.exit_code, 2) << to.out << to.err;
  EXPECT_THAT(to.err, HasSubstr("20261204T120000Z-fix, 20261205T120000Z-fix"));
  RunResult back =
      Flightplan({"data", "rollback", "fix", "--app-id", "d1app", "--branch", "main", "--yes"});
  EXPECT_EQ(back.exit_code, 2) << back.out << back.err;
  EXPECT_THAT(back.err, HasSubstr("name one by its file stem"));
  EXPECT_TRUE(LogOf("dynamodb", "TransactWriteItems").empty());
  RunResult first = Flightplan(Migrate({"--to", "20261204T120000Z-fix"}));
  EXPECT_EQ(first.exit_code, 0) << first.out << first.err;
}

// The restore's put-back applied with its answer lost, refused when the
// client sent it again (by its own write), and the app changing the item
// before the restore read it back: the app's write, made after the restore
// reached the item, is kept, not written over with the backup.
TEST_F(DataMigrateTest, RollbackKeepsAnAppWriteMadeAfterAPutBackWhoseAnswerWasLost) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  CreateTable();
  Seed(1);
  Write(kBump, Migration("bump", ".count += 1"));
  ASSERT_EQ(Flightplan(Migrate()).exit_code, 0);
  const size_t puts_before = LogOf("dynamodb", "PutItem").size();
  AddFault("dynamodb", "PutItem", "reset_after", {{"count", Value(1)}});
  AddFault("dynamodb", "GetItem", "latency", {{"latency_ms", Value(500)}, {"count", Value(1)}});
  std::atomic<bool> done{false};
  bool app_wrote = false;
  std::thread app = AppSetsNoteAfter("PutItem", puts_before + 2, done, app_wrote);
  RunResult back =
      Flightplan({"data", "rollback", "bump", "--app-id", "d1app", "--branch", "main", "--yes"});
  done = true;
  app.join();
  ASSERT_TRUE(app_wrote) << "the app did not write between the resend and the read-back";
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  Value item = Items()[ItemId(0)];
  EXPECT_EQ(Number(item, "count"), 0) << item.ToJson();
  ASSERT_NE(item.Find("note"), nullptr) << "the app's write was overwritten: " << item.ToJson();
  EXPECT_EQ(*item.Find("note"), Obj({{"S", Value("by the app")}}));
  EXPECT_EQ(LogOf("dynamodb", "PutItem").size(), puts_before + 2) << "a third put-back";
}

TEST_F(DataMigrateTest, RollbackGoesNewestFirstAndAMigrationWithoutABackupFailsItsRollback) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  constexpr int kItems = 12;
  CreateTable();
  Seed(kItems);
  std::map<std::string, Value> before = Items();
  Write(kAddCompleted,
        Migration("add-completed", "if has(\"completed\") then . else . + {completed: false} end"));
  Write(kBump, Migration("bump", ".count += 1"));
  ASSERT_EQ(Flightplan(Migrate()).exit_code, 0);
  std::map<std::string, Value> migrated = Items();

  auto rollback = [&](const std::string& name) {
    return Flightplan({"data", "rollback", name, "--app-id", "d1app", "--branch", "main", "--yes"});
  };
  RunResult refused = rollback("add-completed");
  EXPECT_EQ(refused.exit_code, 4) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("Roll those back first"));
  EXPECT_THAT(refused.err, HasSubstr("20261204T130000Z-bump"));
  EXPECT_EQ(Items(), migrated);
  RunResult unknown = rollback("no-such-migration");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;

  RunResult bump = rollback("bump");
  ASSERT_EQ(bump.exit_code, 0) << bump.out << bump.err;
  for (const auto& [id, item] : Items()) {
    EXPECT_EQ(Number(item, "count"), Number(before[id], "count")) << id;
    EXPECT_NE(item.Find("completed"), nullptr) << id;
  }
  RunResult first = rollback("20261204T120000Z-add-completed");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_EQ(Items(), before);
  Value status = StatusJson();
  for (const Value& m : status.Find("migrations")->as_list()) {
    EXPECT_EQ(m.Find("state")->as_string(), "pending");
  }

  // `backup: false`: nothing can put the items back; the rollback fails and
  // says so, and the table is left as the migration made it.
  ASSERT_EQ(Flightplan(Migrate({"--to", "add-completed"})).exit_code, 0);
  Write("20261204T125000Z-unsafe",
        "name: unsafe\nversion: 1\nsteps:\n  - id: transform\n    uses: dynamodb.transform\n"
        "    with:\n      table: Todo-abc123def456-NONE\n      jq: '.count += 7'\n"
        "      backup: false\n");
  ASSERT_EQ(Flightplan(Migrate({"--to", "unsafe"})).exit_code, 0);
  std::map<std::string, Value> unsafe = Items();
  RunResult failed = rollback("unsafe");
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_THAT(failed.out + failed.err, HasSubstr("backup: false"));
  EXPECT_EQ(Items(), unsafe);
  EXPECT_EQ(StatusJson().Find("migrations")->as_list()[1].Find("state")->as_string(),
            "rolling back");
}

TEST_F(DataMigrateTest, BadMigrationFilesAreRefusedBeforeAnythingRuns) {
  CreateTable();
  Seed(3);
  Write(kBump, Migration("bump", ".count += ", 1, 10));
  RunResult bad_jq = Flightplan(Migrate());
  EXPECT_EQ(bad_jq.exit_code, 2) << bad_jq.out << bad_jq.err;
  EXPECT_THAT(bad_jq.err, HasSubstr("does not compile"));

  Write(kBump, Migration("other-name", ".count += 1", 1, 10));
  RunResult bad_name = Flightplan(Migrate());
  EXPECT_EQ(bad_name.exit_code, 2) << bad_name.out << bad_name.err;
  EXPECT_THAT(bad_name.err, HasSubstr("its file name says 'bump'"));
  EXPECT_TRUE(LogOf("dynamodb", "Scan").empty());

  RunResult no_dir =
      Flightplan({"data", "status", "--app-id", "a", "--branch", "b", "--dir", "nowhere"});
  EXPECT_NE(no_dir.exit_code, 0);
  EXPECT_THAT(no_dir.err, HasSubstr("no migrations folder 'nowhere'"));

  RunResult bad_new = Flightplan({"data", "new", "Add Field"});
  EXPECT_EQ(bad_new.exit_code, 2);
  RunResult made = Flightplan({"data", "new", "add-field"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_THAT(made.out, HasSubstr("-add-field.yaml"));
}

// ---- A key change (seed 003: Book keyed by id, then by author and title) ----

constexpr char kBooks[] = "Book-abc123def456-NONE";
constexpr char kBookKey[] = "20261206T090000Z-book-key";
constexpr int kBookItems = 30;  // the last 3 repeat the first 3's author and title

// The Book model's table as Amplify Data declares it: Amplify's table
// manager (Custom::AmplifyDynamoDBTable), keyed by id, or after the key
// change by author and title.
std::string BookTableResource(bool new_key) {
  std::string keys = new_key ? R"([{"attributeName": "author", "keyType": "HASH"},
                   {"attributeName": "title", "keyType": "RANGE"}])"
                             : R"([{"attributeName": "id", "keyType": "HASH"}])";
  std::string definitions = new_key ? R"([{"attributeName": "author", "attributeType": "S"},
                   {"attributeName": "title", "attributeType": "S"}])"
                                    : R"([{"attributeName": "id", "attributeType": "S"}])";
  return fmt::format(
      R"j("BookTable": {{"Type": "Custom::AmplifyDynamoDBTable", "Properties": {{
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:table-manager",
        "tableName": "{}", "billingMode": "PAY_PER_REQUEST",
        "keySchema": {}, "attributeDefinitions": {}}}}})j",
      kBooks, keys, definitions);
}

// Exports the books, then imports them keyed by author and title, each
// without its old id.
constexpr char kBookKeyMigration[] = R"y(name: book-key
version: 1
steps:
  - id: export-books
    uses: dynamodb.export
    with:
      model: Book
      bucket: book-exports
  - id: import-books
    uses: dynamodb.import
    with:
      model: Book
      export_arn: ${steps.export-books.outputs.export_arn}
      jq: 'del(.id)'
)y";

class DataKeyChangeTest : public DataMigrateTest {
 protected:
  // Attributes plain JSON cannot carry as they are, which the import must
  // write exactly as exported: a string set, a binary (base64), a number of
  // more digits than a double holds.
  static ValueList Tags(int book) {
    return {Value("fiction"), Value(fmt::format("year-{}", 1950 + book))};
  }
  static std::string Cover(int book) { return book % 2 ? "AAECAwQ=" : "/+7dzLuqmQ=="; }
  static std::string Isbn(int book) { return fmt::format("97812345678901234567890{:05}", book); }

  // The deployed backend with the Book table keyed by id and its books, the
  // export bucket, the migration; sets app_id_.
  void Deploy(int books = kBookItems, int repeats = 3) {
    app_id_ = DeployResources(BookTableResource(false));
    ASSERT_FALSE(app_id_.empty());
    {
      std::lock_guard lock(world().mutex);
      ASSERT_TRUE(world().s3.CreateBucket("book-exports", world().Now()).has_value());
    }
    ValueList requests;
    for (int i = 0; i < books; ++i) {
      int book = i < books - repeats ? i : i - (books - repeats);
      Value item = Obj({{"id", Obj({{"S", Value(fmt::format("book-{:03}", i))}})},
                        {"author", Obj({{"S", Value(fmt::format("author {}", book % 7))}})},
                        {"title", Obj({{"S", Value(fmt::format("title {}", book))}})},
                        {"year", Obj({{"N", Value(std::to_string(1950 + book))}})},
                        {"tags", Obj({{"SS", Value(Tags(book))}})},
                        {"cover", Obj({{"B", Value(Cover(book))}})},
                        {"isbn", Obj({{"N", Value(Isbn(book))}})}});
      requests.push_back(Obj({{"PutRequest", Obj({{"Item", item}})}}));
      if (requests.size() == 25 || i == books - 1) {
        Call("dynamodb", "BatchWriteItem",
             Obj({{"RequestItems", Obj({{kBooks, Value(std::move(requests))}})}}));
        requests.clear();
      }
    }
    Write(kBookKey, kBookKeyMigration);
  }

  // The deploy of the schema with the new key: CloudFormation through the
  // AWS CLI; Amplify's table manager replaces the table.
  void DeployNewKey() {
    Cli({"cloudformation", "update-stack", "--stack-name", kBackendStack, "--template-body",
         "{\"Resources\": {" + BookTableResource(true) + "}}"});
  }

  std::vector<std::string> Data(const std::string& verb) {
    return {"data", verb, "--app-id", app_id_, "--branch", "main"};
  }

  // The Book table as the AWS CLI scans it: "author|title" -> item.
  std::map<std::string, Value> Books() {
    Value out = Cli({"dynamodb", "scan", "--table-name", kBooks});
    std::map<std::string, Value> books;
    for (const Value& item : out.Find("Items") ? out.Find("Items")->as_list() : ValueList{}) {
      books[item.Find("author")->Find("S")->as_string() + "|" +
            item.Find("title")->Find("S")->as_string()] = item;
    }
    return books;
  }

  // The books imported: one per author and title, without the old id.
  void ExpectImported(int distinct = kBookItems - 3) {
    std::map<std::string, Value> books = Books();
    ASSERT_EQ(books.size(), static_cast<size_t>(distinct));
    for (int book = 0; book < distinct; ++book) {
      std::string key = fmt::format("author {}|title {}", book % 7, book);
      ASSERT_TRUE(books.count(key)) << key;
      EXPECT_EQ(books[key],
                Obj({{"author", Obj({{"S", Value(fmt::format("author {}", book % 7))}})},
                     {"title", Obj({{"S", Value(fmt::format("title {}", book))}})},
                     {"year", Obj({{"N", Value(std::to_string(1950 + book))}})},
                     {"tags", Obj({{"SS", Value(Tags(book))}})},
                     {"cover", Obj({{"B", Value(Cover(book))}})},
                     {"isbn", Obj({{"N", Value(Isbn(book))}})}}))
          << key << ": " << books[key].ToJson();
    }
  }

  int SucceededPutsSince(int64_t seq) {
    int n = 0;
    for (const LogEntry& e : LogOf("dynamodb", "PutItem")) n += e.seq >= seq && e.status == 200;
    return n;
  }

  int64_t NextSeq() {
    int64_t next = 0;
    for (const char* op : {"PutItem", "UpdateStack", "DescribeTable", "Scan"}) {
      for (const LogEntry& e :
           LogOf(op == std::string("UpdateStack") ? "cloudformation" : "dynamodb", op)) {
        next = std::max(next, e.seq + 1);
      }
    }
    return next;
  }

  std::string app_id_;
};

TEST_F(DataKeyChangeTest, ExportDeployImportKeepsEveryBookOncePerNewKey) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Deploy();
  RunResult exported = Flightplan(Data("export"));
  ASSERT_EQ(exported.exit_code, 0) << exported.out << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("Now deploy the schema"));
  // The export, as the AWS CLI sees it: point-in-time recovery on, one
  // completed export, its manifest and data file in the bucket.
  Value pitr = Cli({"dynamodb", "describe-continuous-backups", "--table-name", kBooks});
  EXPECT_EQ(pitr.Find("ContinuousBackupsDescription")
                ->Find("PointInTimeRecoveryDescription")
                ->Find("PointInTimeRecoveryStatus")
                ->as_string(),
            "ENABLED");
  Value table = Cli({"dynamodb", "describe-table", "--table-name", kBooks});
  Value exports = Cli({"dynamodb", "list-exports", "--table-arn",
                       table.Find("Table")->Find("TableArn")->as_string()});
  ASSERT_EQ(exports.Find("ExportSummaries")->as_list().size(), 1u);
  Value objects = Cli({"s3api", "list-objects-v2", "--bucket", "book-exports"});
  std::string keys = objects.ToJson();
  EXPECT_THAT(keys, HasSubstr("flightplan/exports/Book-abc123def456-NONE/AWSDynamoDB/"));
  EXPECT_THAT(keys, HasSubstr("manifest-summary.json"));
  EXPECT_THAT(keys, HasSubstr(".json.gz"));
  Value status = StatusJson(app_id_);
  EXPECT_EQ(status.Find("migrations")->as_list()[0].Find("state")->as_string(), "in progress");
  EXPECT_EQ(LogOf("dynamodb", "PutItem").size(), 0u);

  // Before the deploy the import refuses the table it was exported from.
  RunResult early = Flightplan(Data("migrate"));
  EXPECT_EQ(early.exit_code, 1) << early.out << early.err;
  EXPECT_THAT(early.out + early.err, HasSubstr("is still the table that was exported"));
  EXPECT_EQ(LogOf("dynamodb", "PutItem").size(), 0u);
  EXPECT_EQ(Books().size(), static_cast<size_t>(kBookItems - 3));  // 27 distinct of 30 by key

  DeployNewKey();
  EXPECT_TRUE(Books().empty()) << "the deploy replaced the table, dropping its items";
  int64_t deployed = NextSeq();
  std::vector<std::string> json = Data("migrate");
  json.push_back("--json");
  RunResult imported = Flightplan(json);
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  ExpectImported();
  // --json: every line of stdout an event for machines, the people's lines on stderr.
  std::map<std::string, Value> last_event;
  for (std::string_view rest = imported.out; !rest.empty();) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.empty()) continue;
    auto event = Value::FromJson(line);
    ASSERT_TRUE(event && event->Find("event")) << line;
    last_event[event->Find("event")->as_string()] = *event;
  }
  ASSERT_TRUE(last_event.count("progress")) << imported.out;
  EXPECT_EQ(last_event["progress"].Find("step")->as_string(), "import-books");
  EXPECT_EQ(last_event["progress"].Find("total")->as_int(), kBookItems);
  EXPECT_GT(last_event["progress"].Find("read")->as_int(), 0);
  EXPECT_EQ(last_event["migrate.finished"].Find("applied")->as_int(), 1) << imported.out;
  EXPECT_EQ(last_event["run.finished"].Find("state")->as_string(), "succeeded");
  EXPECT_THAT(imported.err, HasSubstr("import-books"));
  EXPECT_EQ(SucceededPutsSince(deployed), kBookItems - 3);
  int64_t run = StatusJson(app_id_).Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(run, "import-books");
  EXPECT_EQ(outputs.Find("read")->as_int(), kBookItems) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("imported")->as_int(), kBookItems - 3) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("duplicates")->as_int(), 3) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("duplicate_keys")->as_list().size(), 3u) << outputs.ToJson();
  EXPECT_EQ(StatusJson(app_id_).Find("migrations")->as_list()[0].Find("state")->as_string(),
            "applied");
  // Only one export, however often the migration ran.
  EXPECT_EQ(LogOf("dynamodb", "ExportTableToPointInTime").size(), 1u);
}

TEST_F(DataKeyChangeTest, AFailedExportIsStartedAgainAndWhatTheFirstAttemptTurnedOnIsRemembered) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Deploy();
  {
    std::lock_guard lock(world().mutex);
    ASSERT_TRUE(world().s3.DeleteBucket("book-exports").has_value());
  }
  // No bucket: the export is accepted, then FAILED (S3NoSuchBucket); the
  // step turned point-in-time recovery on first.
  RunResult failed = Flightplan(Data("export"));
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_THAT(failed.out + failed.err, HasSubstr("S3NoSuchBucket"));
  Value pitr = Cli({"dynamodb", "describe-continuous-backups", "--table-name", kBooks});
  EXPECT_EQ(pitr.Find("ContinuousBackupsDescription")
                ->Find("PointInTimeRecoveryDescription")
                ->Find("PointInTimeRecoveryStatus")
                ->as_string(),
            "ENABLED");
  {
    std::lock_guard lock(world().mutex);
    ASSERT_TRUE(world().s3.CreateBucket("book-exports", world().Now()).has_value());
  }
  // DynamoDB answers a ClientToken it knows with its export, failed or not:
  // the second attempt runs under the token's next attempt.
  RunResult exported = Flightplan(Data("export"));
  ASSERT_EQ(exported.exit_code, 0) << exported.out << exported.err;
  Value table = Cli({"dynamodb", "describe-table", "--table-name", kBooks});
  Value exports = Cli({"dynamodb", "list-exports", "--table-arn",
                       table.Find("Table")->Find("TableArn")->as_string()});
  ASSERT_EQ(exports.Find("ExportSummaries")->as_list().size(), 2u) << exports.ToJson();
  std::map<std::string, std::string> token_by_status;
  for (const Value& e : exports.Find("ExportSummaries")->as_list()) {
    Value d =
        Cli({"dynamodb", "describe-export", "--export-arn", e.Find("ExportArn")->as_string()});
    const Value& description = *d.Find("ExportDescription");
    token_by_status[description.Find("ExportStatus")->as_string()] =
        description.Find("ClientToken")->as_string();
  }
  ASSERT_TRUE(token_by_status.count("FAILED") && token_by_status.count("COMPLETED"))
      << exports.ToJson();
  EXPECT_EQ(token_by_status["COMPLETED"], token_by_status["FAILED"] + "-2");
  // Recovery was off before the first attempt turned it on: the step says
  // so, so that its rollback turns it off again.
  int64_t run = StatusJson(app_id_).Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(run, "export-books");
  EXPECT_TRUE(outputs.Find("pitr_enabled") && outputs.Find("pitr_enabled")->as_bool())
      << outputs.ToJson();
  // A third run finds the completed export and starts nothing.
  DeployNewKey();
  RunResult imported = Flightplan(Data("migrate"));
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  ExpectImported();
  EXPECT_EQ(LogOf("dynamodb", "ExportTableToPointInTime").size(), 2u);
}

TEST_F(DataKeyChangeTest, AnImportedItemWhoseAnswerWasLostIsCountedAsImported) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Deploy();
  RunResult exported = Flightplan(Data("export"));
  ASSERT_EQ(exported.exit_code, 0) << exported.out << exported.err;
  DeployNewKey();
  // The 6th PutItem is applied and its answer lost: the client sends it
  // again, and its condition fails on the item it created itself.
  AddFault("dynamodb", "PutItem", "reset_after", {{"skip", Value(5)}, {"count", Value(1)}});
  RunResult imported = Flightplan(Data("migrate"));
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  ExpectImported();
  int lost = 0;
  for (const LogEntry& e : LogOf("dynamodb", "PutItem")) lost += e.error_code == "ConnectionReset";
  EXPECT_EQ(lost, 1) << "the fault did not meet a write: the test proved nothing";
  int64_t run = StatusJson(app_id_).Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(run, "import-books");
  EXPECT_EQ(outputs.Find("imported")->as_int(), kBookItems - 3) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("duplicates")->as_int(), 3) << outputs.ToJson();
}

TEST_F(DataKeyChangeTest, ImportKilledAtEachJournalWriteImportsEveryBookOnce) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  // Journal writes of the import after the deploy: the run resumed (1), the
  // step started (2), a checkpoint before each of its 2 pages (3, 4) and
  // after the last (5), the step succeeded (6), the run succeeded (7).
  constexpr int kImportWrites = 7;
  bool full = std::getenv("FLIGHTPLAN_FULL_CRASH_MATRIX") != nullptr;
  for (int n = 1; n <= kImportWrites + 1; ++n) {
    // CI: inside the pages (the second in flight, the last written) and the whole run.
    if (!full && n != 4 && n != 5 && n != kImportWrites + 1) continue;
    for (const char* when : {"before", "after"}) {
      if (n == kImportWrites + 1 && std::string(when) == "after") continue;
      SCOPED_TRACE(fmt::format("killed at write {}:{}", n, when));
      Control("POST", "/_sim/reset");
      std::filesystem::remove(state_);
      Deploy();
      ASSERT_EQ(Flightplan(Data("export")).exit_code, 0);
      DeployNewKey();
      int64_t deployed = NextSeq();
      RunResult killed = Flightplan(Data("migrate"), fmt::format("{}:{}", n, when));
      if (n == kImportWrites + 1) {
        EXPECT_EQ(killed.exit_code, 0)
            << "the import makes exactly " << kImportWrites << " journal writes\n"
            << killed.out << killed.err;
      } else {
        ASSERT_TRUE(killed.signaled) << killed.exit_code << killed.out << killed.err;
        RunResult again = Flightplan(Data("migrate"));
        ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
      }
      ExpectImported();
      EXPECT_EQ(SucceededPutsSince(deployed), kBookItems - 3);
      int64_t run = StatusJson(app_id_).Find("migrations")->as_list()[0].Find("run")->as_int();
      Value outputs = StepOutputs(run, "import-books");
      EXPECT_EQ(outputs.Find("read")->as_int(), kBookItems) << outputs.ToJson();
      EXPECT_EQ(outputs.Find("imported")->as_int() + outputs.Find("duplicates")->as_int(),
                kBookItems)
          << outputs.ToJson();
    }
  }
}

class DataKeyChangeSizeTest : public DataKeyChangeTest,
                              public ::testing::WithParamInterface<int> {};

// Exports of 0, 1, 25 (one page), 26 (one more) and 10,000 items, all
// distinct under the new key: every item imported once, nothing else.
TEST_P(DataKeyChangeSizeTest, EveryExportedItemIsImportedOnce) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  const int n = GetParam();
  Deploy(n, 0);
  ASSERT_EQ(Flightplan(Data("export")).exit_code, 0);
  DeployNewKey();
  int64_t deployed = NextSeq();
  RunResult imported = Flightplan(Data("migrate"));
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  if (n <= 26) {
    ExpectImported(n);
  } else {
    EXPECT_EQ(Books().size(), static_cast<size_t>(n));
  }
  EXPECT_EQ(SucceededPutsSince(deployed), n);
  int64_t run = StatusJson(app_id_).Find("migrations")->as_list()[0].Find("run")->as_int();
  Value outputs = StepOutputs(run, "import-books");
  EXPECT_EQ(outputs.Find("read")->as_int(), n) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("imported")->as_int(), n) << outputs.ToJson();
  EXPECT_EQ(outputs.Find("duplicates")->as_int(), 0) << outputs.ToJson();
}

INSTANTIATE_TEST_SUITE_P(Sizes, DataKeyChangeSizeTest, ::testing::Values(0, 1, 25, 26, 10000));

}  // namespace
}  // namespace flightplan::cloudsim::testing
