// DynamoDB: the store API other services use, the JSON 1.0 service through
// flightplan's client, and conformance with the AWS CLI.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <set>

#include "tests/cloudsim/sim_fixture.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;

Value Json(std::string_view text) {
  auto v = Value::FromJson(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? *v : Value();
}

TEST(DynamoDbStoreTest, TablesAndItemsRoundTripThroughDumpAndLoad) {
  DynamoDbStore store;
  Timestamp now{1700000000000};
  Value input = Json(R"({"TableName":"Todo-dev","BillingMode":"PAY_PER_REQUEST",
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]})");
  auto description = store.CreateTable(input, now);
  ASSERT_TRUE(description.has_value()) << description.error().message;
  EXPECT_EQ(description->Find("TableStatus")->as_string(), "ACTIVE");
  EXPECT_EQ(description->Find("TableArn")->as_string(),
            "arn:aws:dynamodb:us-east-1:123456789012:table/Todo-dev");
  EXPECT_EQ(store.CreateTable(input, now).error().code, "ResourceInUseException");

  ASSERT_TRUE(store.PutItem("Todo-dev", Json(R"({"id":{"S":"1"},"n":{"N":"5"}})")));
  ASSERT_TRUE(store.PutItem("Todo-dev", Json(R"({"id":{"S":"2"}})")));
  ASSERT_TRUE(store.PutItem("Todo-dev", Json(R"({"id":{"S":"1"}})")));  // replaces
  EXPECT_EQ(store.ItemCount("Todo-dev"), 2u);
  auto missing = store.PutItem("Todo-dev", Json(R"({"name":{"S":"x"}})"));
  EXPECT_EQ(missing.error().message,
            "One or more parameter values were invalid: Missing the key id in "
            "the item");
  auto mistyped = store.PutItem("Todo-dev", Json(R"({"id":{"N":"1"}})"));
  EXPECT_EQ(mistyped.error().message,
            "One or more parameter values were invalid: Type mismatch for key id "
            "expected: S actual: N");

  DynamoDbStore loaded;
  ASSERT_TRUE(loaded.Load(*Value::FromJson(store.Dump().ToJson())).has_value());
  EXPECT_EQ(loaded.ItemCount("Todo-dev"), 2u);
  EXPECT_EQ(loaded.DescribeTable("Todo-dev")->Find("ItemCount")->as_int(), 2);

  ASSERT_TRUE(loaded.DeleteTable("Todo-dev").has_value());
  EXPECT_FALSE(loaded.HasTable("Todo-dev"));
  EXPECT_EQ(loaded.ItemCount("Todo-dev"), 0u);
  EXPECT_EQ(loaded.DeleteTable("Todo-dev").error().code, "ResourceNotFoundException");
}

TEST(DynamoDbStoreTest, DeletionProtectionRefusesDelete) {
  DynamoDbStore store;
  Value input = Json(R"({"TableName":"Keep","BillingMode":"PAY_PER_REQUEST",
    "DeletionProtectionEnabled":true,
    "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
    "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]})");
  ASSERT_TRUE(store.CreateTable(input, Timestamp{0}).has_value());
  auto refused = store.DeleteTable("Keep");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, "ValidationException");
  EXPECT_THAT(refused.error().message, HasSubstr("protected against deletion"));
  EXPECT_TRUE(store.HasTable("Keep"));
}

class DynamoDbTest : public SimTest {
 protected:
  // A table with hash key pk (S) and range key sk (N), and a GSI on owner.
  void CreateOrders(std::string_view name = "Orders") {
    Call("dynamodb", "CreateTable",
         Json(fmt::format(R"({{"TableName":"{}",
      "BillingMode":"PAY_PER_REQUEST",
      "AttributeDefinitions":[{{"AttributeName":"pk","AttributeType":"S"}},
        {{"AttributeName":"sk","AttributeType":"N"}},{{"AttributeName":"owner","AttributeType":"S"}}],
      "KeySchema":[{{"AttributeName":"pk","KeyType":"HASH"}},{{"AttributeName":"sk","KeyType":"RANGE"}}],
      "GlobalSecondaryIndexes":[{{"IndexName":"byOwner",
        "KeySchema":[{{"AttributeName":"owner","KeyType":"HASH"}}],
        "Projection":{{"ProjectionType":"ALL"}}}}]}})",
                          name)));
  }
  void Put(std::string_view pk, int sk, std::string_view owner = "ann") {
    Call(
        "dynamodb", "PutItem",
        Json(fmt::format(
            R"({{"TableName":"Orders","Item":{{"pk":{{"S":"{}"}},"sk":{{"N":"{}"}},"owner":{{"S":"{}"}}}}}})",
            pk, sk, owner)));
  }
  static std::vector<int64_t> SortKeys(const Value& result) {
    std::vector<int64_t> out;
    for (const Value& item : result.Find("Items")->as_list()) {
      out.push_back(std::stoll(item.Find("sk")->Find("N")->as_string()));
    }
    return out;
  }
};

TEST_F(DynamoDbTest, QueryOrdersByRangeKeyAndPaginates) {
  CreateOrders();
  for (int sk : {5, 1, 30, 12, 7}) Put("a", sk);
  Put("b", 3, "bob");
  Value names = Json(R"({"#p":"pk","#s":"sk"})");
  auto query = [&](std::string_view condition, Value values, Value extra = Value(ValueMap{})) {
    Value params = Json(R"({"TableName":"Orders"})");
    params.Set("KeyConditionExpression", Value(condition));
    params.Set("ExpressionAttributeNames", names);
    params.Set("ExpressionAttributeValues", std::move(values));
    for (const auto& [k, v] : extra.as_map()) params.Set(k, v);
    return Call("dynamodb", "Query", params);
  };
  Value a = Json(R"({":p":{"S":"a"},":lo":{"N":"5"},":hi":{"N":"12"}})");
  EXPECT_EQ(SortKeys(query("#p = :p", a)), (std::vector<int64_t>{1, 5, 7, 12, 30}));
  EXPECT_EQ(SortKeys(query("#p = :p AND #s BETWEEN :lo AND :hi", a)),
            (std::vector<int64_t>{5, 7, 12}));
  EXPECT_EQ(SortKeys(query("#p = :p AND #s > :lo", a)), (std::vector<int64_t>{7, 12, 30}));
  EXPECT_EQ(SortKeys(query("#p = :p AND #s <= :lo", a, Json(R"({"ScanIndexForward":false})"))),
            (std::vector<int64_t>{5, 1}));
  Value page1 = query("#p = :p", a, Json(R"({"Limit":2})"));
  EXPECT_EQ(SortKeys(page1), (std::vector<int64_t>{1, 5}));
  ASSERT_NE(page1.Find("LastEvaluatedKey"), nullptr);
  Value extra(
      ValueMap{{"Limit", Value(2)}, {"ExclusiveStartKey", *page1.Find("LastEvaluatedKey")}});
  EXPECT_EQ(SortKeys(query("#p = :p", a, extra)), (std::vector<int64_t>{7, 12}));
  Value count = query("#p = :p", a, Json(R"({"Select":"COUNT"})"));
  EXPECT_EQ(count.Find("Count")->as_int(), 5);
  EXPECT_EQ(count.Find("Items"), nullptr);
  Value by_owner = Call("dynamodb", "Query", Json(R"({"TableName":"Orders","IndexName":"byOwner",
      "KeyConditionExpression":"#o = :o","ExpressionAttributeNames":{"#o":"owner"},
      "ExpressionAttributeValues":{":o":{"S":"bob"}}})"));
  ASSERT_EQ(by_owner.Find("Count")->as_int(), 1);
  EXPECT_EQ(by_owner.Find("Items")->as_list()[0].Find("pk")->Find("S")->as_string(), "b");
  auto missed = Try("dynamodb", "Query", Json(R"({"TableName":"Orders",
      "KeyConditionExpression":"sk = :v","ExpressionAttributeValues":{":v":{"N":"1"}}})"));
  ASSERT_FALSE(missed.has_value());
  EXPECT_EQ(missed.error().code, "ValidationException");
  EXPECT_EQ(missed.error().message, "Query condition missed key schema element: pk");
}

TEST_F(DynamoDbTest, ConditionsUpdatesAndKeyValidation) {
  CreateOrders();
  Value put = Json(
      R"j({"TableName":"Orders","Item":{"pk":{"S":"x"},"sk":{"N":"1"},"qty":{"N":"2"}},
      "ConditionExpression":"attribute_not_exists(pk)"})j");
  Call("dynamodb", "PutItem", put);
  auto again = Try("dynamodb", "PutItem", put);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, "ConditionalCheckFailedException");
  put.Set("ConditionExpression", "attribute_exists(pk)");
  put.Set("ReturnValues", "ALL_OLD");
  Value replaced = Call("dynamodb", "PutItem", put);
  EXPECT_EQ(replaced.Find("Attributes")->Find("qty")->Find("N")->as_string(), "2");

  Value updated = Call("dynamodb", "UpdateItem", Json(R"({"TableName":"Orders",
      "Key":{"pk":{"S":"x"},"sk":{"N":"1"}},
      "UpdateExpression":"SET qty = qty + :one, #st = :s REMOVE owner",
      "ExpressionAttributeNames":{"#st":"status"},
      "ExpressionAttributeValues":{":one":{"N":"1"},":s":{"S":"shipped"}},
      "ReturnValues":"ALL_NEW"})"));
  const Value* attributes = updated.Find("Attributes");
  ASSERT_NE(attributes, nullptr);
  EXPECT_EQ(attributes->Find("qty")->Find("N")->as_string(), "3");
  EXPECT_EQ(attributes->Find("status")->Find("S")->as_string(), "shipped");

  auto bad_key =
      Try("dynamodb", "GetItem", Json(R"({"TableName":"Orders","Key":{"pk":{"S":"x"}}})"));
  ASSERT_FALSE(bad_key.has_value());
  EXPECT_EQ(bad_key.error().message, "The provided key element does not match the schema");
  auto missing =
      Try("dynamodb", "PutItem", Json(R"({"TableName":"Orders","Item":{"pk":{"S":"x"}}})"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message,
            "One or more parameter values were invalid: Missing the key sk in "
            "the item");
  auto no_table =
      Try("dynamodb", "GetItem", Json(R"({"TableName":"Nope","Key":{"pk":{"S":"x"}}})"));
  ASSERT_FALSE(no_table.has_value());
  EXPECT_EQ(no_table.error().code, "ResourceNotFoundException");

  Call("dynamodb", "DeleteItem",
       Json(R"({"TableName":"Orders","Key":{"pk":{"S":"x"},"sk":{"N":"1"}}})"));
  EXPECT_EQ(world().dynamodb.ItemCount("Orders"), 0u);
}

TEST_F(DynamoDbTest, ScanPaginatesAndFilters) {
  CreateOrders();
  for (int i = 0; i < 7; ++i) Put(fmt::format("p{}", i), i, i % 2 ? "odd" : "even");
  Value params = Json(R"({"TableName":"Orders","Limit":3})");
  size_t seen = 0;
  for (int page = 0; page < 10; ++page) {
    Value result = Call("dynamodb", "Scan", params);
    seen += result.Find("Items")->as_list().size();
    const Value* last = result.Find("LastEvaluatedKey");
    if (last == nullptr) break;
    params.Set("ExclusiveStartKey", *last);
  }
  EXPECT_EQ(seen, 7u);
  Value odd = Call("dynamodb", "Scan", Json(R"({"TableName":"Orders",
      "FilterExpression":"#o = :o","ExpressionAttributeNames":{"#o":"owner"},
      "ExpressionAttributeValues":{":o":{"S":"odd"}}})"));
  EXPECT_EQ(odd.Find("Count")->as_int(), 3);
  EXPECT_EQ(odd.Find("ScannedCount")->as_int(), 7);
}

// A parallel scan: the segments split the items between them (by partition
// key, every item in exactly one), each paginating on its own.
TEST_F(DynamoDbTest, ParallelScanSegmentsSplitTheTableBetweenThem) {
  CreateOrders();
  for (int i = 0; i < 40; ++i) Put(fmt::format("p{:02}", i), i % 3);
  std::multiset<std::string> seen;
  std::set<size_t> sizes;
  for (int segment = 0; segment < 4; ++segment) {
    Value params = Json(fmt::format(
        R"({{"TableName":"Orders","Limit":3,"Segment":{},"TotalSegments":4}})", segment));
    size_t in_segment = 0;
    for (int page = 0; page < 100; ++page) {
      Value result = Call("dynamodb", "Scan", params);
      for (const Value& item : result.Find("Items")->as_list()) {
        seen.insert(item.Find("pk")->Find("S")->as_string());
        ++in_segment;
      }
      const Value* last = result.Find("LastEvaluatedKey");
      if (last == nullptr) break;
      params.Set("ExclusiveStartKey", *last);
    }
    sizes.insert(in_segment);
  }
  EXPECT_EQ(seen.size(), 40u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 40u) << "an item in two";
  EXPECT_GT(sizes.size(), 1u) << "every segment the same size: the split looks fake";

  EXPECT_EQ(ErrorCodeOf("dynamodb", "Scan", Json(R"({"TableName":"Orders","Segment":1})")),
            "ValidationException");
  EXPECT_EQ(ErrorCodeOf("dynamodb", "Scan", Json(R"({"TableName":"Orders","TotalSegments":2})")),
            "ValidationException");
  EXPECT_EQ(ErrorCodeOf("dynamodb", "Scan",
                        Json(R"({"TableName":"Orders","Segment":2,"TotalSegments":2})")),
            "ValidationException");
  EXPECT_EQ(ErrorCodeOf("dynamodb", "Query",
                        Json(R"({"TableName":"Orders","KeyConditionExpression":"pk = :p",
      "ExpressionAttributeValues":{":p":{"S":"p01"}},"Segment":0,"TotalSegments":2})")),
            "ValidationException");
  if (!HaveAwsCli()) return;
  size_t through_cli = 0;
  for (int segment = 0; segment < 4; ++segment) {
    Value out = Cli({"dynamodb", "scan", "--table-name", "Orders", "--segment",
                     std::to_string(segment), "--total-segments", "4"});
    through_cli += out.Find("Items")->as_list().size();
  }
  EXPECT_EQ(through_cli, 40u);
}

TEST_F(DynamoDbTest, DeletingATableLosesItsItemsUnlessProtected) {
  CreateOrders();
  Put("a", 1);
  Call("dynamodb", "UpdateTable",
       Json(R"({"TableName":"Orders","DeletionProtectionEnabled":true})"));
  auto refused = Try("dynamodb", "DeleteTable", Json(R"({"TableName":"Orders"})"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, "ValidationException");
  Call("dynamodb", "UpdateTable",
       Json(R"({"TableName":"Orders","DeletionProtectionEnabled":false})"));
  Value deleted = Call("dynamodb", "DeleteTable", Json(R"({"TableName":"Orders"})"));
  EXPECT_EQ(deleted.Find("TableDescription")->Find("TableStatus")->as_string(), "DELETING");
  CreateOrders();
  Value scan = Call("dynamodb", "Scan", Json(R"({"TableName":"Orders"})"));
  EXPECT_EQ(scan.Find("Count")->as_int(), 0);
  EXPECT_EQ(LogOf("dynamodb", "DeleteTable").size(), 2u);
}

TEST_F(DynamoDbTest, BatchWriteHonoursTheUnprocessedItemsFault) {
  CreateOrders();
  Value batch = Json(R"({"RequestItems":{"Orders":[
      {"PutRequest":{"Item":{"pk":{"S":"a"},"sk":{"N":"1"}}}},
      {"PutRequest":{"Item":{"pk":{"S":"a"},"sk":{"N":"2"}}}}]}})");
  AddFault("dynamodb", "BatchWriteItem", "unprocessed_items",
           {{"match", Value(ValueMap{{"TableName", Value("Orders")}})}});
  Value first = Call("dynamodb", "BatchWriteItem", batch);
  EXPECT_EQ(first.Find("UnprocessedItems")->Find("Orders")->as_list().size(), 2u);
  EXPECT_EQ(world().dynamodb.ItemCount("Orders"), 0u);
  Value second = Call("dynamodb", "BatchWriteItem", batch);
  EXPECT_TRUE(second.Find("UnprocessedItems")->as_map().empty());
  EXPECT_EQ(world().dynamodb.ItemCount("Orders"), 2u);
  auto log = LogOf("dynamodb", "BatchWriteItem");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].params.Find("TableName")->as_string(), "Orders");
  auto duplicates = Try("dynamodb", "BatchWriteItem", Json(R"({"RequestItems":{"Orders":[
      {"PutRequest":{"Item":{"pk":{"S":"d"},"sk":{"N":"1"}}}},
      {"DeleteRequest":{"Key":{"pk":{"S":"d"},"sk":{"N":"1"}}}}]}})"));
  ASSERT_FALSE(duplicates.has_value());
  EXPECT_EQ(duplicates.error().message, "Provided list of item keys contains duplicates");
  Value got = Call("dynamodb", "BatchGetItem", Json(R"({"RequestItems":{"Orders":{"Keys":[
      {"pk":{"S":"a"},"sk":{"N":"2"}},{"pk":{"S":"a"},"sk":{"N":"9"}}]}}})"));
  EXPECT_EQ(got.Find("Responses")->Find("Orders")->as_list().size(), 1u);
}

TEST_F(DynamoDbTest, ThrottlingUsesTheDataAndControlPlaneCodes) {
  CreateOrders();
  AddFault("dynamodb", "", "throttle", {{"count", Value(-1)}});
  auto item = Try("dynamodb", "GetItem",
                  Json(R"({"TableName":"Orders","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}})"));
  ASSERT_FALSE(item.has_value());
  EXPECT_EQ(item.error().code, "ProvisionedThroughputExceededException");
  auto table = Try("dynamodb", "DescribeTable", Json(R"({"TableName":"Orders"})"));
  ASSERT_FALSE(table.has_value());
  EXPECT_EQ(table.error().code, "ThrottlingException");
}

TEST_F(DynamoDbTest, BackupsRestoreTheirItemsAndExportsLandInS3) {
  CreateOrders();
  Put("a", 1);
  Put("a", 2);
  Value backup =
      Call("dynamodb", "CreateBackup", Json(R"({"TableName":"Orders","BackupName":"before"})"));
  std::string arn = backup.Find("BackupDetails")->Find("BackupArn")->as_string();
  Put("a", 3);
  Value restored = Call(
      "dynamodb", "RestoreTableFromBackup",
      Value(ValueMap{{"TargetTableName", Value("OrdersRestored")}, {"BackupArn", Value(arn)}}));
  EXPECT_EQ(restored.Find("TableDescription")->Find("ItemCount")->as_int(), 2);
  EXPECT_EQ(world().dynamodb.ItemCount("OrdersRestored"), 2u);
  clock_.Advance(std::chrono::seconds(1));  // backup ARNs sort by creation time
  Call("dynamodb", "CreateBackup", Json(R"({"TableName":"Orders","BackupName":"after"})"));
  Value listed = Call("dynamodb", "ListBackups", Json(R"({"TableName":"Orders","Limit":1})"));
  EXPECT_EQ(listed.Find("BackupSummaries")->as_list().size(), 1u);
  EXPECT_EQ(listed.Find("LastEvaluatedBackupArn")->as_string(), arn);

  std::string table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders";
  Value export_params(ValueMap{{"TableArn", Value(table_arn)},
                               {"S3Bucket", Value("exports-bucket")},
                               {"S3Prefix", Value("snap")}});
  auto no_pitr = Try("dynamodb", "ExportTableToPointInTime", export_params);
  ASSERT_FALSE(no_pitr.has_value());
  EXPECT_EQ(no_pitr.error().code, "PointInTimeRecoveryUnavailableException");
  Call("dynamodb", "UpdateContinuousBackups", Json(R"({"TableName":"Orders",
      "PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}})"));
  ASSERT_TRUE(world().s3.CreateBucket("exports-bucket", world().Now()).has_value());
  Value exported = Call("dynamodb", "ExportTableToPointInTime", export_params);
  const Value* description = exported.Find("ExportDescription");
  EXPECT_EQ(description->Find("ExportStatus")->as_string(), "COMPLETED");
  std::string manifest = description->Find("ExportManifest")->as_string();
  EXPECT_EQ(manifest.rfind("snap/AWSDynamoDB/", 0), 0u) << manifest;
  Value summary = *Value::FromJson(
      Call("s3", "GetObject",
           Value(ValueMap{{"Bucket", Value("exports-bucket")}, {"Key", Value(manifest)}}))
          .Find("Body")
          ->as_string());
  EXPECT_EQ(summary.Find("itemCount")->as_int(), 3);
  std::string files_key = summary.Find("manifestFilesS3Key")->as_string();
  Value files = *Value::FromJson(world().s3.GetObject("exports-bucket", files_key).value()->data);
  std::string data_key = files.Find("dataFileS3Key")->as_string();
  std::string gz =
      Call("s3", "GetObject",
           Value(ValueMap{{"Bucket", Value("exports-bucket")}, {"Key", Value(data_key)}}))
          .Find("Body")
          ->as_string();
  // Gunzip and count the lines.
  z_stream stream{};
  ASSERT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string plain(1 << 16, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(gz.data());
  stream.avail_in = static_cast<uInt>(gz.size());
  stream.next_out = reinterpret_cast<Bytef*>(plain.data());
  stream.avail_out = static_cast<uInt>(plain.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  plain.resize(stream.total_out);
  inflateEnd(&stream);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), '\n'), 3);
  EXPECT_THAT(plain, HasSubstr(R"({"Item":{"owner":{"S":"ann"},"pk":{"S":"a"},"sk":{"N":"1"}}})"));
  std::string export_arn = description->Find("ExportArn")->as_string();
  Value described =
      Call("dynamodb", "DescribeExport", Value(ValueMap{{"ExportArn", Value(export_arn)}}));
  EXPECT_EQ(described.Find("ExportDescription")->Find("ItemCount")->as_int(), 3);
  EXPECT_EQ(Call("dynamodb", "ListExports").Find("ExportSummaries")->as_list().size(), 1u);
}

// A resumed client repeats ExportTableToPointInTime with its ClientToken and
// must get the export it started, not a second one; ListExports pages.
TEST_F(DynamoDbTest, ExportClientTokenIsIdempotentAndListExportsPages) {
  CreateOrders();
  Put("a", 1);
  Call("dynamodb", "UpdateContinuousBackups", Json(R"({"TableName":"Orders",
      "PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}})"));
  ASSERT_TRUE(world().s3.CreateBucket("exports-bucket", world().Now()).has_value());
  std::string table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders";
  Value params(ValueMap{{"TableArn", Value(table_arn)},
                        {"S3Bucket", Value("exports-bucket")},
                        {"S3Prefix", Value("snap")},
                        {"ClientToken", Value("token-1")}});
  Value first = Call("dynamodb", "ExportTableToPointInTime", params);
  clock_.Advance(std::chrono::seconds(1));
  Value again = Call("dynamodb", "ExportTableToPointInTime", params);
  std::string arn = first.Find("ExportDescription")->Find("ExportArn")->as_string();
  EXPECT_EQ(again.Find("ExportDescription")->Find("ExportArn")->as_string(), arn);
  EXPECT_EQ(again.Find("ExportDescription")->Find("ClientToken")->as_string(), "token-1");
  EXPECT_EQ(world().dynamodb.exports().size(), 1u);

  Value other = params;
  other.Set("S3Prefix", "elsewhere");
  EXPECT_EQ(ErrorCodeOf("dynamodb", "ExportTableToPointInTime", other),
            "IdempotentParameterMismatchException");

  params.Set("ClientToken", "token-2");
  Value second = Call("dynamodb", "ExportTableToPointInTime", params);
  std::string second_arn = second.Find("ExportDescription")->Find("ExportArn")->as_string();
  EXPECT_NE(second_arn, arn);
  Value page = Call("dynamodb", "ListExports",
                    Value(ValueMap{{"TableArn", Value(table_arn)}, {"MaxResults", Value(1)}}));
  ASSERT_EQ(page.Find("ExportSummaries")->as_list().size(), 1u);
  std::string token = page.Find("NextToken")->as_string();
  Value rest = Call("dynamodb", "ListExports",
                    Value(ValueMap{{"TableArn", Value(table_arn)}, {"NextToken", Value(token)}}));
  ASSERT_EQ(rest.Find("ExportSummaries")->as_list().size(), 1u);
  EXPECT_EQ(rest.Find("NextToken"), nullptr);
  std::set<std::string> arns = {
      page.Find("ExportSummaries")->as_list()[0].Find("ExportArn")->as_string(),
      rest.Find("ExportSummaries")->as_list()[0].Find("ExportArn")->as_string()};
  EXPECT_EQ(arns, (std::set<std::string>{arn, second_arn}));
  EXPECT_EQ(ErrorCodeOf("dynamodb", "ListExports", Json(R"({"MaxResults":26})")),
            "ValidationException");
  if (!HaveAwsCli()) return;
  Value listed = Cli({"dynamodb", "list-exports", "--table-arn", table_arn});
  EXPECT_EQ(listed.Find("ExportSummaries")->as_list().size(), 2u) << listed.ToJson();
}

TEST_F(DynamoDbTest, MutateDeletesItemsBehindTheAppsBack) {
  CreateOrders();
  Put("a", 1);
  Value result =
      Control("POST", "/_sim/mutate", Json(R"({"service":"dynamodb","action":"delete_item",
      "TableName":"Orders","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}})"));
  EXPECT_EQ(world().dynamodb.ItemCount("Orders"), 0u);
  Control("POST", "/_sim/mutate", Json(R"({"service":"dynamodb","action":"put_item",
      "TableName":"Orders","Item":{"pk":{"S":"b"},"sk":{"N":"1"}}})"));
  EXPECT_EQ(world().dynamodb.ItemCount("Orders"), 1u);
  Control("POST", "/_sim/mutate",
          Json(R"({"service":"dynamodb","action":"delete_table","TableName":"Orders"})"));
  EXPECT_FALSE(world().dynamodb.HasTable("Orders"));
}

TEST_F(DynamoDbTest, ListTablesPaginatesAndTablesKeepTags) {
  for (std::string_view name : {"Alpha", "Beta", "Gamma"}) CreateOrders(name);
  Value first = Call("dynamodb", "ListTables", Json(R"({"Limit":2})"));
  ASSERT_EQ(first.Find("TableNames")->as_list().size(), 2u);
  EXPECT_EQ(first.Find("LastEvaluatedTableName")->as_string(), "Beta");
  Value rest =
      Call("dynamodb", "ListTables", Value(ValueMap{{"ExclusiveStartTableName", Value("Beta")}}));
  ASSERT_EQ(rest.Find("TableNames")->as_list().size(), 1u);
  EXPECT_EQ(rest.Find("TableNames")->as_list()[0].as_string(), "Gamma");
  EXPECT_EQ(rest.Find("LastEvaluatedTableName"), nullptr);
  std::string arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Alpha";
  Call("dynamodb", "TagResource",
       Value(ValueMap{
           {"ResourceArn", Value(arn)},
           {"Tags", Json(R"([{"Key":"env","Value":"dev"},{"Key":"app","Value":"todo"}])")}}));
  Call("dynamodb", "UntagResource",
       Value(ValueMap{{"ResourceArn", Value(arn)}, {"TagKeys", Json(R"(["app"])")}}));
  Value tags = Call("dynamodb", "ListTagsOfResource", Value(ValueMap{{"ResourceArn", Value(arn)}}));
  ASSERT_EQ(tags.Find("Tags")->as_list().size(), 1u);
  EXPECT_EQ(tags.Find("Tags")->as_list()[0].Find("Value")->as_string(), "dev");
  auto empty_query = Try("dynamodb", "Query", Json(R"({"TableName":"Alpha",
      "KeyConditionExpression":"sk = :v","ExpressionAttributeValues":{":v":{"N":"1"}}})"));
  ASSERT_FALSE(empty_query.has_value());
  EXPECT_EQ(empty_query.error().message, "Query condition missed key schema element: pk");
}

// TransactWriteItems as the AWS CLI sends it: all actions or none, a failed
// condition cancelling the whole with its reasons, a ClientRequestToken
// making a repeat a no-op, two actions on one item refused.
TEST_F(DynamoDbTest, TheAwsCliTransactWritesAllOrNothing) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  auto run = [&](const std::vector<std::string>& args) { return AwsCli(args); };
  auto value_of = [&](const std::string& pk) -> std::string {
    CliResult r = run({"dynamodb", "get-item", "--table-name", "TxItems", "--key",
                       fmt::format(R"j({{"pk":{{"S":"{}"}}}})j", pk)});
    auto v = Value::FromJson(r.out.empty() ? "{}" : r.out);
    const Value* item = v ? v->Find("Item") : nullptr;
    return item ? item->Find("v")->Find("N")->as_string() : "absent";
  };
  CliResult created =
      run({"dynamodb", "create-table", "--table-name", "TxItems", "--attribute-definitions",
           "AttributeName=pk,AttributeType=S", "--key-schema", "AttributeName=pk,KeyType=HASH",
           "--billing-mode", "PAY_PER_REQUEST"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_EQ(run({"dynamodb", "put-item", "--table-name", "TxItems", "--item",
                 R"j({"pk":{"S":"a"},"v":{"N":"1"}})j"})
                .exit_code,
            0);
  const std::string update_a_if_1 =
      R"j({"Update":{"TableName":"TxItems","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET v = :two",)j"
      R"j("ConditionExpression":"v = :one","ExpressionAttributeValues":{":one":{"N":"1"},":two":{"N":"2"}}}})j";
  const std::string put_b =
      R"j({"Put":{"TableName":"TxItems","Item":{"pk":{"S":"b"},"v":{"N":"7"}},)j"
      R"j("ConditionExpression":"attribute_not_exists(pk)"}})j";
  CliResult applied = run({"dynamodb", "transact-write-items", "--transact-items",
                           "[" + update_a_if_1 + "," + put_b + "]"});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(value_of("a"), "2");
  EXPECT_EQ(value_of("b"), "7");

  // a is 2 now: its condition fails, so c is not put either.
  const std::string put_c =
      R"j({"Put":{"TableName":"TxItems","Item":{"pk":{"S":"c"},"v":{"N":"3"}}}})j";
  CliResult cancelled = run({"dynamodb", "transact-write-items", "--transact-items",
                             "[" + put_c + "," + update_a_if_1 + "]"});
  EXPECT_NE(cancelled.exit_code, 0);
  EXPECT_NE(cancelled.err.find("TransactionCanceledException"), std::string::npos) << cancelled.err;
  EXPECT_NE(cancelled.err.find("[None, ConditionalCheckFailed]"), std::string::npos)
      << cancelled.err;
  EXPECT_EQ(value_of("c"), "absent");
  EXPECT_EQ(value_of("a"), "2");

  const std::string add_one =
      R"j([{"Update":{"TableName":"TxItems","Key":{"pk":{"S":"b"}},"UpdateExpression":"ADD v :one",)j"
      R"j("ExpressionAttributeValues":{":one":{"N":"1"}}}}])j";
  for (int i = 0; i < 2; ++i) {
    CliResult r = run({"dynamodb", "transact-write-items", "--transact-items", add_one,
                       "--client-request-token", "token-1"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(value_of("b"), "8") << "the repeat under the same token is not applied again";
  std::string other = add_one;
  other.replace(other.find("\"N\":\"1\""), 7, "\"N\":\"5\"");
  CliResult mismatch = run({"dynamodb", "transact-write-items", "--transact-items", other,
                            "--client-request-token", "token-1"});
  EXPECT_NE(mismatch.err.find("IdempotentParameterMismatch"), std::string::npos) << mismatch.err;
  EXPECT_EQ(value_of("b"), "8");

  CliResult twice = run(
      {"dynamodb", "transact-write-items", "--transact-items", "[" + put_c + "," + put_c + "]"});
  EXPECT_NE(twice.err.find("multiple operations on one item"), std::string::npos) << twice.err;
  EXPECT_EQ(value_of("c"), "absent");
}

// DynamoDB trims a number's zeros and writes its exponent out; it refuses
// what is not a number, more than 38 digits, or out of its range. Numbers
// in keys are the same key whatever their text.
TEST_F(DynamoDbTest, TheAwsCliSeesNumbersStoredAsDynamoDbStoresThem) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  auto run = [&](const std::vector<std::string>& args) { return AwsCli(args); };
  CliResult created =
      run({"dynamodb", "create-table", "--table-name", "Numbers", "--attribute-definitions",
           "AttributeName=n,AttributeType=N", "--key-schema", "AttributeName=n,KeyType=HASH",
           "--billing-mode", "PAY_PER_REQUEST"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  CliResult put = run({"dynamodb", "put-item", "--table-name", "Numbers", "--item",
                       R"j({"n":{"N":"1.50"},"big":{"N":"2e+21"},"small":{"N":"1e-05"},)j"
                       R"j("set":{"NS":["007","1E2"]},"m":{"M":{"z":{"N":"-0.0"}}}})j"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  CliResult got =
      run({"dynamodb", "get-item", "--table-name", "Numbers", "--key", R"j({"n":{"N":"15e-1"}})j"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  auto item = Value::FromJson(got.out);
  ASSERT_TRUE(item && item->Find("Item")) << got.out;
  const Value& stored = *item->Find("Item");
  EXPECT_EQ(stored.Find("n")->Find("N")->as_string(), "1.5");
  EXPECT_EQ(stored.Find("big")->Find("N")->as_string(), "2000000000000000000000");
  EXPECT_EQ(stored.Find("small")->Find("N")->as_string(), "0.00001");
  EXPECT_EQ(stored.Find("set")->Find("NS")->ToJson(), R"(["7","100"])");
  EXPECT_EQ(stored.Find("m")->Find("M")->Find("z")->Find("N")->as_string(), "0");

  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"abc", "cannot be converted to a numeric value"},
           {"123456789012345678901234567890123456789", "more than 38 significant digits"},
           {"1e126", "Number overflow"},
           {"1e-131", "Number underflow"}}) {
    CliResult refused = run({"dynamodb", "put-item", "--table-name", "Numbers", "--item",
                             fmt::format(R"j({{"n":{{"N":"2"}},"x":{{"N":"{}"}}}})j", text)});
    EXPECT_NE(refused.exit_code, 0) << text;
    EXPECT_NE(refused.err.find("ValidationException"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find(message), std::string::npos) << refused.err;
  }
  CliResult twice = run({"dynamodb", "put-item", "--table-name", "Numbers", "--item",
                         R"j({"n":{"N":"3"},"set":{"NS":["1","1.0"]}})j"});
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_NE(twice.err.find("contains duplicates"), std::string::npos) << twice.err;
  CliResult scan = run({"dynamodb", "scan", "--table-name", "Numbers", "--select", "COUNT"});
  EXPECT_NE(scan.out.find("\"Count\": 1"), std::string::npos) << scan.out;
}

TEST_F(DynamoDbTest, TheAwsCliDrivesEveryOperation) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  auto ok = [&](const std::vector<std::string>& args) {
    CliResult r = AwsCli(args);
    EXPECT_EQ(r.exit_code, 0) << args[1] << ": " << r.err;
    auto parsed = Value::FromJson(r.out.empty() ? "{}" : r.out);
    EXPECT_TRUE(parsed.has_value()) << r.out;
    return parsed ? *parsed : Value();
  };
  Value created = ok({"dynamodb", "create-table", "--table-name", "Cli", "--attribute-definitions",
                      "AttributeName=pk,AttributeType=S", "AttributeName=sk,AttributeType=N",
                      "--key-schema", "AttributeName=pk,KeyType=HASH",
                      "AttributeName=sk,KeyType=RANGE", "--billing-mode", "PAY_PER_REQUEST"});
  EXPECT_EQ(created.Find("TableDescription")->Find("TableStatus")->as_string(), "ACTIVE");
  EXPECT_EQ(ok({"dynamodb", "describe-table", "--table-name", "Cli"})
                .Find("Table")
                ->Find("KeySchema")
                ->as_list()
                .size(),
            2u);
  EXPECT_EQ(ok({"dynamodb", "list-tables"}).Find("TableNames")->as_list()[0].as_string(), "Cli");
  Value updated = ok({"dynamodb", "update-table", "--table-name", "Cli", "--stream-specification",
                      "StreamEnabled=true,StreamViewType=NEW_IMAGE"});
  EXPECT_NE(updated.Find("TableDescription")->Find("LatestStreamArn"), nullptr);
  ok({"dynamodb", "put-item", "--table-name", "Cli", "--item",
      R"({"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"one"}})"});
  EXPECT_EQ(ok({"dynamodb", "get-item", "--table-name", "Cli", "--key",
                R"({"pk":{"S":"a"},"sk":{"N":"1"}})"})
                .Find("Item")
                ->Find("v")
                ->Find("S")
                ->as_string(),
            "one");
  Value after_update = ok({"dynamodb", "update-item", "--table-name", "Cli", "--key",
                           R"({"pk":{"S":"a"},"sk":{"N":"1"}})", "--update-expression",
                           "SET v = :v", "--expression-attribute-values", R"({":v":{"S":"uno"}})",
                           "--return-values", "UPDATED_NEW"});
  EXPECT_EQ(after_update.Find("Attributes")->Find("v")->Find("S")->as_string(), "uno");
  ok({"dynamodb", "batch-write-item", "--request-items",
      R"({"Cli":[{"PutRequest":{"Item":{"pk":{"S":"a"},"sk":{"N":"2"}}}},{"PutRequest":{"Item":{"pk":{"S":"b"},"sk":{"N":"1"}}}}]})"});
  Value queried = ok({"dynamodb", "query", "--table-name", "Cli", "--key-condition-expression",
                      "pk = :p AND sk >= :s", "--expression-attribute-values",
                      R"({":p":{"S":"a"},":s":{"N":"1"}})", "--no-scan-index-forward"});
  EXPECT_EQ(queried.Find("Count")->as_int(), 2);
  EXPECT_EQ(queried.Find("Items")->as_list()[0].Find("sk")->Find("N")->as_string(), "2");
  EXPECT_EQ(ok({"dynamodb", "scan", "--table-name", "Cli"}).Find("Count")->as_int(), 3);
  Value got = ok({"dynamodb", "batch-get-item", "--request-items",
                  R"({"Cli":{"Keys":[{"pk":{"S":"b"},"sk":{"N":"1"}}]}})"});
  EXPECT_EQ(got.Find("Responses")->Find("Cli")->as_list().size(), 1u);
  ok({"dynamodb", "delete-item", "--table-name", "Cli", "--key",
      R"({"pk":{"S":"b"},"sk":{"N":"1"}})"});
  EXPECT_EQ(world().dynamodb.ItemCount("Cli"), 2u);

  Value backup = ok({"dynamodb", "create-backup", "--table-name", "Cli", "--backup-name", "snap"});
  std::string backup_arn = backup.Find("BackupDetails")->Find("BackupArn")->as_string();
  EXPECT_EQ(ok({"dynamodb", "describe-backup", "--backup-arn", backup_arn})
                .Find("BackupDescription")
                ->Find("SourceTableDetails")
                ->Find("ItemCount")
                ->as_int(),
            2);
  EXPECT_EQ(ok({"dynamodb", "list-backups"}).Find("BackupSummaries")->as_list().size(), 1u);
  Value restored = ok({"dynamodb", "restore-table-from-backup", "--target-table-name", "CliCopy",
                       "--backup-arn", backup_arn});
  EXPECT_EQ(restored.Find("TableDescription")->Find("ItemCount")->as_int(), 2);
  ok({"dynamodb", "delete-backup", "--backup-arn", backup_arn});
  ok({"dynamodb", "update-continuous-backups", "--table-name", "Cli",
      "--point-in-time-recovery-specification", "PointInTimeRecoveryEnabled=true"});
  EXPECT_EQ(ok({"dynamodb", "describe-continuous-backups", "--table-name", "Cli"})
                .Find("ContinuousBackupsDescription")
                ->Find("PointInTimeRecoveryDescription")
                ->Find("PointInTimeRecoveryStatus")
                ->as_string(),
            "ENABLED");
  ASSERT_TRUE(world().s3.CreateBucket("cli-exports", world().Now()).has_value());
  Value exported =
      ok({"dynamodb", "export-table-to-point-in-time", "--table-arn",
          "arn:aws:dynamodb:us-east-1:123456789012:table/Cli", "--s3-bucket", "cli-exports"});
  std::string export_arn = exported.Find("ExportDescription")->Find("ExportArn")->as_string();
  EXPECT_EQ(ok({"dynamodb", "describe-export", "--export-arn", export_arn})
                .Find("ExportDescription")
                ->Find("ExportStatus")
                ->as_string(),
            "COMPLETED");
  EXPECT_EQ(ok({"dynamodb", "list-exports"}).Find("ExportSummaries")->as_list().size(), 1u);
  EXPECT_EQ(world().s3.FindBucket("cli-exports")->objects.size(), 3u);
  EXPECT_EQ(ok({"dynamodb", "delete-table", "--table-name", "CliCopy"})
                .Find("TableDescription")
                ->Find("TableStatus")
                ->as_string(),
            "DELETING");
  CliResult bad = AwsCli({"dynamodb", "list-tables"}, {"AWS_SECRET_ACCESS_KEY=not-the-secret"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("InvalidSignatureException"));
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
