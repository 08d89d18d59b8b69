// The refactor with several resources of one type in one category, end to
// end: tests/data/multi-storage/two-buckets-two-tables (backend-only with a
// second S3 storage resource and two DynamoDB storage tables, derived by
// make_app.py) seeded, generated (`--verify` with the pinned toolchain),
// deployed as Gen2 by `flightplan-cloudsim deploy-gen2`, locked, refactored
// and rolled back with the real binary. Judged through the AWS CLI: both
// buckets and both tables owned by the Gen2 stacks (the two buckets by two
// logical ids of Gen2's one storage stack), their objects and items kept,
// Gen2's own copies orphaned but still there; after the rollback everything
// back in Gen1, Gen1's templates as before.
//
// Needs Node.js, `npm ci` in tests/gen2-toolchain and the AWS CLI; skipped
// otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/migration/refactor_fixture.h"

namespace flightplan::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class MultiStorageRefactorTest : public RefactorFlowTest {
 protected:
  fs::path AppDir() const override {
    return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests" / "data" / "multi-storage" /
           "two-buckets-two-tables";
  }

  // Items in `table`, counted by a Scan through the AWS CLI.
  int Items(const std::string& table) {
    Value out = Cli({"dynamodb", "scan", "--table-name", table, "--select", "COUNT"});
    const Value* count = out.Find("Count");
    return count && count->is_number() ? static_cast<int>(count->as_double()) : -1;
  }
  // The item of `table` whose key is (id, userId), through GetItem; "" when
  // there is none.
  std::string NoteOf(const std::string& table, const std::string& id) {
    Value out = Cli({"dynamodb", "get-item", "--table-name", table, "--key",
                     R"({"id": {"S": ")" + id + R"("}, "userId": {"S": "u1"}})"});
    const Value* item = out.Find("Item");
    const Value* note = item ? item->Find("note") : nullptr;
    return note ? Str(*note, "S") : "";
  }
  bool BucketExists(const std::string& bucket) {
    return AwsCli({"s3api", "head-bucket", "--bucket", bucket}).exit_code == 0;
  }
  bool TableExists(const std::string& table) {
    return AwsCli({"dynamodb", "describe-table", "--table-name", table}).exit_code == 0;
  }
};

TEST_P(MultiStorageRefactorTest, TwoBucketsAndTwoTablesMoveWithTheirDataAndComeBack) {
  ASSERT_NO_FATAL_FAILURE(GenerateAndDeploy());
  RunResult locked = Flightplan({"lock", "--yes", "--app-id", app_id_, "--env", env_});
  ASSERT_EQ(locked.exit_code, 0) << locked.out << locked.err;

  // Gen1's storage: two buckets, two tables, each in its own nested stack.
  std::map<std::string, Owned> gen1 = StatefulOwners(root_stack_);
  std::vector<std::string> buckets;
  std::vector<std::string> tables;
  for (const auto& [physical, owner] : gen1) {
    if (owner.stack.find("-storage") == std::string::npos) continue;
    if (owner.logical_id == "S3Bucket") buckets.push_back(physical);
    if (owner.logical_id == "DynamoDBTable") tables.push_back(physical);
  }
  ASSERT_EQ(buckets.size(), 2u) << "two Gen1 storage buckets";
  ASSERT_EQ(tables.size(), 2u) << "two Gen1 storage tables";

  // Data the move must keep, beside what the seed put there: one object
  // and one item of our own in each.
  WriteFile(dir_.Join("note.txt"), "kept across the refactor");
  for (const std::string& bucket : buckets) {
    Cli({"s3api", "put-object", "--bucket", bucket, "--key", "public/" + bucket + ".txt", "--body",
         dir_.Join("note.txt")});
  }
  for (const std::string& table : tables) {
    Cli({"dynamodb", "put-item", "--table-name", table, "--item",
         R"({"id": {"S": "mine"}, "userId": {"S": "u1"}, "note": {"S": ")" + table + R"("}})"});
  }
  std::map<std::string, int> objects;
  std::map<std::string, int> items;
  for (const std::string& b : buckets) objects[b] = Objects(b);
  for (const std::string& t : tables) items[t] = Items(t);
  for (const auto& [b, n] : objects) EXPECT_GE(n, 1) << b;
  for (const auto& [t, n] : items) EXPECT_GE(n, 1) << t;

  // Gen2's own buckets and tables: the destinations' present occupants.
  std::map<std::string, Owned> gen2_before = StatefulOwners(gen2_root_);
  std::vector<std::string> gen2_copies;
  for (const auto& [physical, owner] : gen2_before) {
    if (gen1.count(physical) != 0 || owner.stack.find("-storage") == std::string::npos) continue;
    Value described = Cli({"cloudformation", "describe-stack-resource", "--stack-name", owner.stack,
                           "--logical-resource-id", owner.logical_id});
    const Value* detail = described.Find("StackResourceDetail");
    std::string type = detail ? Str(*detail, "ResourceType") : "";
    if (type == "AWS::S3::Bucket" || type == "AWS::DynamoDB::Table")
      gen2_copies.push_back(physical);
  }
  EXPECT_GE(gen2_copies.size(), 4u) << "Gen2's own two buckets and two tables";
  std::map<std::string, StackSnapshot> before = Snapshot();

  RunResult dry = Refactor({"--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  for (const char* key : {"storage/s3c31471c3/S3Bucket", "storage/s3a7e2b9d4/S3Bucket",
                          "storage/activity/DynamoDBTable", "storage/auditlog/DynamoDBTable"}) {
    EXPECT_THAT(dry.out, HasSubstr(key));
  }
  EXPECT_THAT(dry.out, ::testing::Not(HasSubstr("BLOCKED")));

  RunResult refactored = Refactor();
  ASSERT_EQ(refactored.exit_code, 0) << refactored.out << refactored.err;

  // Both buckets in Gen2's storage stack under two logical ids; each table
  // in a Gen2 stack of its own.
  std::set<std::string> bucket_stacks;
  std::set<std::string> bucket_ids;
  std::set<std::string> table_stacks;
  for (const std::string& b : buckets) {
    Owned now = OwnerByCli(b);
    EXPECT_EQ(now.stack.rfind(gen2_root_, 0), 0u) << b << " is still in " << now.stack;
    bucket_stacks.insert(now.stack);
    bucket_ids.insert(now.logical_id);
    EXPECT_EQ(Objects(b), objects[b]) << b;
  }
  EXPECT_EQ(bucket_stacks.size(), 1u) << "Gen2 keeps every bucket in its storage stack";
  EXPECT_EQ(bucket_ids.size(), 2u);
  for (const std::string& t : tables) {
    Owned now = OwnerByCli(t);
    EXPECT_EQ(now.stack.rfind(gen2_root_, 0), 0u) << t << " is still in " << now.stack;
    table_stacks.insert(now.stack);
    EXPECT_EQ(Items(t), items[t]) << t;
    EXPECT_EQ(NoteOf(t, "mine"), t);
  }
  EXPECT_EQ(table_stacks.size(), 2u);
  // A table's Gen2 stack held only Gen2's copy: vacate kept a placeholder
  // in it, and relink took it out again.
  for (const std::string& stack : table_stacks) {
    Value listed = Cli({"cloudformation", "list-stack-resources", "--stack-name", stack});
    for (const Value& r : List(listed, "StackResourceSummaries")) {
      EXPECT_NE(Str(r, "LogicalResourceId"), "FlightplanPlaceholder") << stack;
    }
  }
  // Gen2's own copies: in no stack, but still there.
  for (const std::string& copy : gen2_copies) {
    EXPECT_EQ(OwnerByCli(copy).stack, "") << "Gen2's own " << copy << " is still in a stack";
    EXPECT_TRUE(BucketExists(copy) || TableExists(copy)) << copy << " is gone";
  }
  EXPECT_THAT(StatefulDeletes(), IsEmpty());
  EXPECT_EQ(CountCalls("cloudformation", "CreateStackRefactor"),
            CountCalls("cloudformation", "ExecuteStackRefactor"));
  // auth, and one per Gen1 storage stack (two into Gen2's storage stack).
  EXPECT_GE(CountCalls("cloudformation", "ExecuteStackRefactor"), 5);

  RunResult rolled = Refactor({"--rollback"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  ExpectWhereTheyStarted(gen1);
  for (const std::string& copy : gen2_copies) {
    EXPECT_EQ(OwnerByCli(copy), gen2_before[copy]) << "Gen2's own " << copy;
  }
  for (const std::string& b : buckets) EXPECT_EQ(Objects(b), objects[b]) << b;
  for (const std::string& t : tables) {
    EXPECT_EQ(Items(t), items[t]) << t;
    EXPECT_EQ(NoteOf(t, "mine"), t);
  }
  ExpectTemplatesAsBefore(before, root_stack_);  // Gen1 stacks: exactly as before
  EXPECT_THAT(StatefulDeletes(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(TwoBucketsTwoTables, MultiStorageRefactorTest,
                         ::testing::Values("two-buckets-two-tables"),
                         [](const ::testing::TestParamInfo<std::string>&) {
                           return std::string("two_buckets_two_tables");
                         });

}  // namespace
}  // namespace flightplan::testing
