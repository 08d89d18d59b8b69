// S3: the store API other services use, the REST-XML service through
// flightplan's client, and conformance with the AWS CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "steps/aws/wire/sigv4.h"
#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;

TEST(S3StoreTest, ObjectsRoundTripThroughDumpAndLoad) {
  S3Store store;
  Timestamp now{1700000000000};
  ASSERT_TRUE(store.CreateBucket("deploy-bucket", now).has_value());
  EXPECT_EQ(store.CreateBucket("deploy-bucket", now).error().code, "BucketAlreadyOwnedByYou");
  EXPECT_EQ(store.CreateBucket("Bad_Name", now).error().code, "InvalidBucketName");
  std::string binary("a\0b\xff", 4);
  auto etag = store.PutObject("deploy-bucket", "k/x.bin", binary, now);
  ASSERT_TRUE(etag.has_value());
  EXPECT_EQ(etag->front(), '"');
  EXPECT_EQ(store.PutObject("nope-bucket", "k", "x", now).error().code, "NoSuchBucket");
  EXPECT_EQ(store.DeleteBucket("deploy-bucket").error().code, "BucketNotEmpty");

  auto json = store.Dump().ToJson();
  S3Store loaded;
  ASSERT_TRUE(loaded.Load(*Value::FromJson(json)).has_value());
  auto object = loaded.GetObject("deploy-bucket", "k/x.bin");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ((*object)->data, binary);
  EXPECT_EQ((*object)->etag, *etag);
  EXPECT_EQ(loaded.GetObject("deploy-bucket", "other").error().code, "NoSuchKey");
  EXPECT_EQ(loaded.GetObject("deploy-bucket", "other").error().status, 404);
  loaded.Reset();
  EXPECT_EQ(loaded.FindBucket("deploy-bucket"), nullptr);
}

Value Params(std::initializer_list<std::pair<const std::string, Value>> members) {
  return Value(ValueMap(members));
}

class S3Test : public SimTest {
 protected:
  std::filesystem::path TempFile(std::string_view name, std::string_view text) {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("cloudsim-s3-" + std::to_string(::getpid()) + "-" + std::string(name));
    std::ofstream(path, std::ios::binary) << text;
    files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& f : files_) std::filesystem::remove(f);
    SimTest::TearDown();
  }
  std::vector<std::filesystem::path> files_;
};

TEST_F(S3Test, ObjectsLifecycleThroughFlightplansClient) {
  // flightplan's client sends no CreateBucket/DeleteBucket; the CLI test
  // covers those on the wire.
  ASSERT_TRUE(world().s3.CreateBucket("app-bucket", world().Now()).has_value());
  EXPECT_TRUE(
      Call("s3", "GetBucketVersioning", Params({{"Bucket", Value("app-bucket")}})).Find("Status") ==
      nullptr);
  Value put = Call("s3", "PutObject",
                   Params({{"Bucket", Value("app-bucket")},
                           {"Key", Value("dir/a b.txt")},
                           {"Body", Value("hello world")},
                           {"ContentType", Value("text/plain")}}));
  EXPECT_EQ(put.Find("ETag")->as_string(), "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
  Value got = Call("s3", "GetObject",
                   Params({{"Bucket", Value("app-bucket")}, {"Key", Value("dir/a b.txt")}}));
  EXPECT_EQ(got.Find("Body")->as_string(), "hello world");
  EXPECT_EQ(got.Find("ContentType")->as_string(), "text/plain");
  Value ranged = Call("s3", "GetObject",
                      Params({{"Bucket", Value("app-bucket")},
                              {"Key", Value("dir/a b.txt")},
                              {"Range", Value("bytes=6-")}}));
  EXPECT_EQ(ranged.Find("Body")->as_string(), "world");
  Value head = Call("s3", "HeadObject",
                    Params({{"Bucket", Value("app-bucket")}, {"Key", Value("dir/a b.txt")}}));
  EXPECT_EQ(head.Find("ContentLength")->as_string(), "11");
  auto missing =
      Try("s3", "GetObject", Params({{"Bucket", Value("app-bucket")}, {"Key", Value("nope")}}));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, "NoSuchKey");
  Call("s3", "DeleteObject",
       Params({{"Bucket", Value("app-bucket")}, {"Key", Value("dir/a b.txt")}}));
  EXPECT_TRUE(world().s3.FindBucket("app-bucket")->objects.empty());
  ASSERT_TRUE(world().s3.DeleteBucket("app-bucket").has_value());
  auto gone = Try("s3", "HeadBucket", Params({{"Bucket", Value("app-bucket")}}));
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().http_status, 404);
  EXPECT_EQ(LogOf("s3", "PutObject").size(), 1u);
}

TEST_F(S3Test, ListObjectsV2PaginatesAndGroupsByDelimiter) {
  ASSERT_TRUE(world().s3.CreateBucket("list-bucket", world().Now()).has_value());
  for (std::string key : {"a.txt", "b.txt", "logs/1", "logs/2", "z/y/x"}) {
    ASSERT_TRUE(world().s3.PutObject("list-bucket", key, "x", world().Now()).has_value());
  }
  Value grouped = Call("s3", "ListObjectsV2",
                       Params({{"Bucket", Value("list-bucket")}, {"Delimiter", Value("/")}}));
  EXPECT_EQ(grouped.Find("KeyCount")->as_string(), "4");
  EXPECT_EQ(grouped.Find("Contents")->as_list().size(), 2u);
  ASSERT_EQ(grouped.Find("CommonPrefixes")->as_list().size(), 2u);
  EXPECT_EQ(grouped.Find("CommonPrefixes")->as_list()[0].Find("Prefix")->as_string(), "logs/");
  Value page = Call("s3", "ListObjectsV2",
                    Params({{"Bucket", Value("list-bucket")}, {"MaxKeys", Value(2)}}));
  EXPECT_EQ(page.Find("IsTruncated")->as_string(), "true");  // XML text
  EXPECT_EQ(page.Find("Contents")->as_list()[1].Find("Key")->as_string(), "b.txt");
  Value next = Call("s3", "ListObjectsV2",
                    Params({{"Bucket", Value("list-bucket")},
                            {"MaxKeys", Value(2)},
                            {"ContinuationToken", *page.Find("NextContinuationToken")}}));
  EXPECT_EQ(next.Find("Contents")->as_list()[0].Find("Key")->as_string(), "logs/1");
  Value prefixed = Call("s3", "ListObjectsV2",
                        Params({{"Bucket", Value("list-bucket")},
                                {"Prefix", Value("logs/")},
                                {"StartAfter", Value("logs/1")}}));
  ASSERT_EQ(prefixed.Find("KeyCount")->as_string(), "1");
  EXPECT_EQ(prefixed.Find("Contents")->as_list()[0].Find("Key")->as_string(), "logs/2");
}

TEST_F(S3Test, ThrottleIsSlowDownAndMutateDeletesBehindTheAppsBack) {
  ASSERT_TRUE(world().s3.CreateBucket("mut-bucket", world().Now()).has_value());
  Control("POST", "/_sim/mutate",
          Value(ValueMap{{"service", Value("s3")},
                         {"action", Value("put_object")},
                         {"Bucket", Value("mut-bucket")},
                         {"Key", Value("k")},
                         {"Body", Value("v")}}));
  EXPECT_EQ(world().s3.GetObject("mut-bucket", "k").value()->data, "v");
  Control("POST", "/_sim/mutate",
          Value(ValueMap{{"service", Value("s3")},
                         {"action", Value("delete_object")},
                         {"Bucket", Value("mut-bucket")},
                         {"Key", Value("k")}}));
  EXPECT_FALSE(world().s3.GetObject("mut-bucket", "k").has_value());
  Control(
      "POST", "/_sim/faults",
      Value(ValueMap{{"service", Value("s3")}, {"kind", Value("throttle")}, {"count", Value(-1)}}));
  auto throttled = Try("s3", "ListObjectsV2", Params({{"Bucket", Value("mut-bucket")}}));
  ASSERT_FALSE(throttled.has_value());
  EXPECT_EQ(throttled.error().code, "SlowDown");
  EXPECT_EQ(throttled.error().http_status, 503);
}

TEST_F(S3Test, ConditionalWritesCreateOnlyWhenAbsentAndReplaceOnlyTheExpectedVersion) {
  ASSERT_TRUE(world().s3.CreateBucket("cond-bucket", world().Now()).has_value());
  auto put = [&](std::string body, std::string header, std::string value) {
    Value params = Params({{"Bucket", Value("cond-bucket")},
                           {"Key", Value("log/0001")},
                           {"Body", Value(std::move(body))}});
    params.Set(header, Value(std::move(value)));
    return Try("s3", "PutObject", params);
  };
  auto created = put("first", "IfNoneMatch", "*");
  ASSERT_TRUE(created.has_value()) << created.error().message;
  auto again = put("second", "IfNoneMatch", "*");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, "PreconditionFailed");
  EXPECT_EQ(again.error().http_status, 412);
  EXPECT_EQ(world().s3.GetObject("cond-bucket", "log/0001").value()->data, "first");
  std::string etag = world().s3.GetObject("cond-bucket", "log/0001").value()->etag;
  EXPECT_EQ(put("third", "IfMatch", "\"0123\"").error().code, "PreconditionFailed");
  ASSERT_TRUE(put("fourth", "IfMatch", etag).has_value());
  EXPECT_EQ(world().s3.GetObject("cond-bucket", "log/0001").value()->data, "fourth");
  Value absent = Params({{"Bucket", Value("cond-bucket")},
                         {"Key", Value("log/0002")},
                         {"Body", Value("x")},
                         {"IfMatch", Value(etag)}});
  EXPECT_EQ(Try("s3", "PutObject", absent).error().code, "NoSuchKey");
  EXPECT_EQ(put("fifth", "IfNoneMatch", etag).error().http_status, 501);

  // reset_after: the write happens, the answer is lost.
  AddFault("s3", "PutObject", "reset_after", {{"count", Value(-1)}});
  Value lost = Params({{"Bucket", Value("cond-bucket")},
                       {"Key", Value("log/0003")},
                       {"Body", Value("applied")},
                       {"IfNoneMatch", Value("*")}});
  EXPECT_FALSE(Try("s3", "PutObject", lost).has_value());
  EXPECT_EQ(world().s3.GetObject("cond-bucket", "log/0003").value()->data, "applied");
}

TEST_F(S3Test, TheAwsCliWritesConditionally) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  ASSERT_TRUE(world().s3.CreateBucket("cli-cond", world().Now()).has_value());
  auto file = TempFile("cond.txt", "entry one");
  std::vector<std::string> create = {
      "s3api",  "put-object",  "--bucket",        "cli-cond", "--key", "state/log/1.json",
      "--body", file.string(), "--if-none-match", "*"};
  CliResult first = AwsCli(create);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  Value answer = *Value::FromJson(first.out);
  ASSERT_NE(answer.Find("ETag"), nullptr) << first.out;
  std::string etag = answer.Find("ETag")->as_string();
  CliResult second = AwsCli(create);
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.err, HasSubstr("PreconditionFailed"));
  std::vector<std::string> replace = {"s3api",      "put-object",       "--bucket", "cli-cond",
                                      "--key",      "state/log/1.json", "--body",   file.string(),
                                      "--if-match", "\"not-the-etag\""};
  CliResult stale = AwsCli(replace);
  EXPECT_NE(stale.exit_code, 0);
  EXPECT_THAT(stale.err, HasSubstr("PreconditionFailed"));
  replace.back() = etag;
  CliResult current = AwsCli(replace);
  EXPECT_EQ(current.exit_code, 0) << current.err;
  // Every bucket's default encryption, as the CLI reads it.
  CliResult encryption = AwsCli({"s3api", "get-bucket-encryption", "--bucket", "cli-cond"});
  EXPECT_EQ(encryption.exit_code, 0) << encryption.err;
  EXPECT_THAT(encryption.out, HasSubstr("\"SSEAlgorithm\": \"AES256\""));
}

TEST_F(S3Test, AwsChunkedBodiesAreDecoded) {
  ASSERT_TRUE(world().s3.CreateBucket("chunk-bucket", world().Now()).has_value());
  HttpRequest http;
  http.method = "PUT";
  http.url = "http://127.0.0.1/chunk-bucket/obj";
  http.headers = {{"Host", "127.0.0.1"},
                  {"Content-Encoding", "aws-chunked"},
                  {"x-amz-decoded-content-length", "11"},
                  {"x-amz-trailer", "x-amz-checksum-crc32"}};
  http.body = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  aws::SigningOptions options = aws::SigningOptions::ForService("s3", "us-east-1", world().Now());
  options.payload = aws::PayloadSigning::kUnsigned;
  AwsCredentials credentials;
  credentials.access_key_id = config_.access_key;
  credentials.secret_access_key = config_.secret_key;
  auto signed_request = aws::SignRequest(http, credentials, options);
  ASSERT_TRUE(signed_request.has_value());
  Request request;
  request.method = "PUT";
  request.path = request.target = "/chunk-bucket/obj";
  request.headers = signed_request->request.headers;
  request.body = http.body;
  Response response = simulator_->Handle(request);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(world().s3.GetObject("chunk-bucket", "obj").value()->data, "hello world");
}

TEST_F(S3Test, VirtualHostedRequestsAndDownloadsToAFile) {
  ASSERT_TRUE(world().s3.CreateBucket("vh-bucket", world().Now()).has_value());
  ASSERT_TRUE(
      world().s3.PutObject("vh-bucket", "notes/a.txt", "virtual", world().Now()).has_value());
  HttpRequest http;
  http.method = "GET";
  http.url = "http://vh-bucket.localhost/notes/a.txt";
  http.headers = {{"Host", "vh-bucket.localhost"}};
  AwsCredentials credentials;
  credentials.access_key_id = config_.access_key;
  credentials.secret_access_key = config_.secret_key;
  auto signed_request = aws::SignRequest(
      http, credentials, aws::SigningOptions::ForService("s3", "us-east-1", world().Now()));
  ASSERT_TRUE(signed_request.has_value());
  Request request;
  request.method = "GET";
  request.path = request.target = "/notes/a.txt";
  request.headers = signed_request->request.headers;
  Response response = simulator_->Handle(request);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, "virtual");

  auto file = TempFile("download.txt", "");
  aws::CallOptions options;
  options.response_body_file = file.string();
  auto downloaded = client_->Call(
      "s3", "GetObject", Params({{"Bucket", Value("vh-bucket")}, {"Key", Value("notes/a.txt")}}),
      options);
  ASSERT_TRUE(downloaded.has_value());
  EXPECT_EQ(flightplan::testing::ReadFile(file), "virtual");
}

TEST_F(S3Test, TheAwsCliDrivesEveryOperation) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  auto ok = [&](const std::vector<std::string>& args) {
    CliResult r = AwsCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  };
  ok({"s3api", "create-bucket", "--bucket", "cli-bucket"});
  CliResult elsewhere = AwsCli({"s3api", "create-bucket", "--bucket", "cli-bucket-2",
                                "--create-bucket-configuration", "LocationConstraint=eu-west-1"});
  EXPECT_NE(elsewhere.exit_code, 0);
  EXPECT_THAT(elsewhere.err, HasSubstr("IllegalLocationConstraintException"));
  CliResult twice = AwsCli({"s3api", "create-bucket", "--bucket", "cli-bucket"});
  EXPECT_THAT(twice.err, HasSubstr("BucketAlreadyOwnedByYou"));
  EXPECT_THAT(ok({"s3api", "list-buckets"}).out, HasSubstr("\"Name\": \"cli-bucket\""));
  ok({"s3api", "head-bucket", "--bucket", "cli-bucket"});
  ok({"s3api", "get-bucket-location", "--bucket", "cli-bucket"});
  ok({"s3api", "put-bucket-versioning", "--bucket", "cli-bucket", "--versioning-configuration",
      "Status=Enabled"});
  EXPECT_THAT(ok({"s3api", "get-bucket-versioning", "--bucket", "cli-bucket"}).out,
              HasSubstr("\"Status\": \"Enabled\""));
  auto file = TempFile("body.txt", "payload from the cli");
  EXPECT_THAT(ok({"s3api", "put-object", "--bucket", "cli-bucket", "--key", "docs/one.txt",
                  "--body", file.string()})
                  .out,
              HasSubstr("ETag"));
  EXPECT_EQ(world().s3.GetObject("cli-bucket", "docs/one.txt").value()->data,
            "payload from the cli");
  ok({"s3", "cp", file.string(), "s3://cli-bucket/docs/two.txt"});
  EXPECT_EQ(world().s3.GetObject("cli-bucket", "docs/two.txt").value()->data,
            "payload from the cli");
  ok({"s3api", "copy-object", "--bucket", "cli-bucket", "--key", "copy.txt", "--copy-source",
      "cli-bucket/docs/one.txt"});
  EXPECT_THAT(ok({"s3api", "head-object", "--bucket", "cli-bucket", "--key", "copy.txt"}).out,
              HasSubstr("\"ContentLength\": 20"));
  auto out =
      std::filesystem::temp_directory_path() / ("cloudsim-s3-out-" + std::to_string(::getpid()));
  files_.push_back(out);
  ok({"s3api", "get-object", "--bucket", "cli-bucket", "--key", "docs/one.txt", "--range",
      "bytes=0-6", out.string()});
  EXPECT_EQ(flightplan::testing::ReadFile(out), "payload");
  CliResult listed = ok({"s3api", "list-objects-v2", "--bucket", "cli-bucket", "--delimiter", "/"});
  EXPECT_THAT(listed.out, HasSubstr("\"Prefix\": \"docs/\""));
  EXPECT_THAT(listed.out, HasSubstr("\"Key\": \"copy.txt\""));
  ok({"s3api", "delete-objects", "--bucket", "cli-bucket", "--delete",
      "Objects=[{Key=docs/one.txt},{Key=docs/two.txt}]"});
  ok({"s3api", "delete-object", "--bucket", "cli-bucket", "--key", "copy.txt"});
  EXPECT_TRUE(world().s3.FindBucket("cli-bucket")->objects.empty());
  ok({"s3api", "delete-bucket", "--bucket", "cli-bucket"});
  CliResult bad = AwsCli({"s3api", "list-buckets"}, {"AWS_SECRET_ACCESS_KEY=not-the-secret"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("SignatureDoesNotMatch"));
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
