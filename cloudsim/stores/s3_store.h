// S3 state of the simulated account: buckets and their objects.
//
// Errors carry the code and HTTP status S3 answers with (NoSuchBucket 404,
// NoSuchKey 404, BucketNotEmpty 409, BucketAlreadyOwnedByYou 409,
// InvalidBucketName 400). Object bodies are kept as raw bytes and dumped as
// base64, so state round-trips through JSON for --state-dir.
//
// Thread-safety: none; the World's mutex guards every call.
#ifndef FLIGHTPLAN_CLOUDSIM_STORES_S3_STORE_H_
#define FLIGHTPLAN_CLOUDSIM_STORES_S3_STORE_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "cloudsim/sim.h"

namespace flightplan::cloudsim {

struct S3Object {
  std::string data;
  std::string etag;  // quoted hex MD5 of data: "\"9e107d...\""
  std::string content_type;
  Timestamp last_modified;
};

struct S3Bucket {
  std::string name;
  Timestamp created;
  std::string versioning;                   // "", "Enabled", "Suspended"
  std::map<std::string, std::string> tags;  // PutBucketTagging's set, key → value
  std::map<std::string, S3Object, std::less<>> objects;
};

class S3Store {
 public:
  // BucketAlreadyOwnedByYou (409) when it exists; InvalidBucketName (400)
  // when `name` breaks S3's naming rules (3-63 of [a-z0-9.-], starting and
  // ending with a letter or digit).
  SimResult<void> CreateBucket(const std::string& name, Timestamp now);
  // NoSuchBucket (404), BucketNotEmpty (409).
  SimResult<void> DeleteBucket(std::string_view name);
  // nullptr when absent.
  const S3Bucket* FindBucket(std::string_view name) const;
  S3Bucket* FindBucket(std::string_view name);
  // Creates or replaces the object; returns its quoted ETag. NoSuchBucket.
  SimResult<std::string> PutObject(std::string_view bucket, const std::string& key,
                                   std::string data, Timestamp now,
                                   std::string content_type = "binary/octet-stream");
  // NoSuchBucket / NoSuchKey (404).
  SimResult<const S3Object*> GetObject(std::string_view bucket, std::string_view key) const;
  // Deleting an absent key succeeds, as in S3. NoSuchBucket.
  SimResult<void> DeleteObject(std::string_view bucket, std::string_view key);

  // Every bucket, by name.
  const std::map<std::string, S3Bucket, std::less<>>& buckets() const { return buckets_; }

  Value Dump() const;
  Result<void> Load(const Value& state);
  void Reset();

 private:
  std::map<std::string, S3Bucket, std::less<>> buckets_;
};

// S3's error for an absent bucket / key, with the message S3 uses.
SimError NoSuchBucket(std::string_view bucket);
SimError NoSuchKey(std::string_view key);

// Hex MD5 of `data`, quoted, as S3 reports single-part ETags.
std::string S3Etag(std::string_view data);

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_STORES_S3_STORE_H_
