// S3: the store API other services use, the REST-XML service through
// flightplan's client, and conformance with the AWS CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/cloudsim/test/sim_fixture.h"

namespace flightplan::cloudsim::testing {
namespace {

using ::testing::HasSubstr;

TEST(S3StoreTest, ObjectsRoundTripThroughDumpAndLoad) {
  S3Store store;
  Timestamp now{1700000000000};
  ASSERT_TRUE(store.CreateBucket("deploy-bucket", now).has_value());
  EXPECT_EQ(store.CreateBucket("deploy-bucket", now).error().code,
            "BucketAlreadyOwnedByYou");
  EXPECT_EQ(store.CreateBucket("Bad_Name", now).error().code,
            "InvalidBucketName");
  std::string binary("a\0b\xff", 4);
  auto etag = store.PutObject("deploy-bucket", "k/x.bin", binary, now);
  ASSERT_TRUE(etag.has_value());
  EXPECT_EQ(etag->front(), '"');
  EXPECT_EQ(store.PutObject("nope-bucket", "k", "x", now).error().code,
            "NoSuchBucket");
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

}  // namespace
}  // namespace flightplan::cloudsim::testing
