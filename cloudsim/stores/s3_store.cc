#include "cloudsim/stores/s3_store.h"

#include <fmt/format.h>

#include "base/base64.h"
#include "base/digest.h"

namespace flightplan::cloudsim {
namespace {

bool ValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return alnum(name.front()) && alnum(name.back()) && name.find("..") == std::string_view::npos;
}

}  // namespace

SimError NoSuchBucket(std::string_view bucket) {
  (void)bucket;
  return {404, "NoSuchBucket", "The specified bucket does not exist"};
}

SimError NoSuchKey(std::string_view key) {
  (void)key;
  return {404, "NoSuchKey", "The specified key does not exist."};
}

std::string S3Etag(std::string_view data) { return "\"" + Md5Hex(data) + "\""; }

SimResult<void> S3Store::CreateBucket(const std::string& name, Timestamp now) {
  if (!ValidBucketName(name)) {
    return tl::unexpected(SimError{400, "InvalidBucketName", "The specified bucket is not valid."});
  }
  if (buckets_.count(name) != 0) {
    return tl::unexpected(
        SimError{409, "BucketAlreadyOwnedByYou",
                 "Your previous request to create the named bucket succeeded and you "
                 "already own it."});
  }
  S3Bucket bucket;
  bucket.name = name;
  bucket.created = now;
  buckets_.emplace(name, std::move(bucket));
  return {};
}

SimResult<void> S3Store::DeleteBucket(std::string_view name) {
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return tl::unexpected(NoSuchBucket(name));
  if (!it->second.objects.empty()) {
    return tl::unexpected(
        SimError{409, "BucketNotEmpty", "The bucket you tried to delete is not empty"});
  }
  buckets_.erase(it);
  return {};
}

const S3Bucket* S3Store::FindBucket(std::string_view name) const {
  auto it = buckets_.find(name);
  return it == buckets_.end() ? nullptr : &it->second;
}

S3Bucket* S3Store::FindBucket(std::string_view name) {
  auto it = buckets_.find(name);
  return it == buckets_.end() ? nullptr : &it->second;
}

SimResult<std::string> S3Store::PutObject(std::string_view bucket, const std::string& key,
                                          std::string data, Timestamp now,
                                          std::string content_type) {
  S3Bucket* b = FindBucket(bucket);
  if (b == nullptr) return tl::unexpected(NoSuchBucket(bucket));
  if (key.empty() || key.size() > 1024) {
    return tl::unexpected(SimError{400, "KeyTooLongError", "Your key is too long"});
  }
  S3Object object;
  object.etag = S3Etag(data);
  object.data = std::move(data);
  object.content_type = content_type.empty() ? "binary/octet-stream" : std::move(content_type);
  object.last_modified = now;
  std::string etag = object.etag;
  b->objects[key] = std::move(object);
  return etag;
}

SimResult<const S3Object*> S3Store::GetObject(std::string_view bucket, std::string_view key) const {
  const S3Bucket* b = FindBucket(bucket);
  if (b == nullptr) return tl::unexpected(NoSuchBucket(bucket));
  auto it = b->objects.find(key);
  if (it == b->objects.end()) return tl::unexpected(NoSuchKey(key));
  return &it->second;
}

SimResult<void> S3Store::DeleteObject(std::string_view bucket, std::string_view key) {
  S3Bucket* b = FindBucket(bucket);
  if (b == nullptr) return tl::unexpected(NoSuchBucket(bucket));
  auto it = b->objects.find(key);
  if (it != b->objects.end()) b->objects.erase(it);
  return {};
}

Value S3Store::Dump() const {
  ValueMap buckets;
  for (const auto& [name, bucket] : buckets_) {
    ValueMap objects;
    for (const auto& [key, object] : bucket.objects) {
      objects[key] = Value(ValueMap{{"data", Value(Base64Encode(object.data))},
                                    {"etag", Value(object.etag)},
                                    {"content_type", Value(object.content_type)},
                                    {"last_modified", Value(object.last_modified.unix_ms)}});
    }
    ValueMap tags;
    for (const auto& [key, value] : bucket.tags) tags[key] = Value(value);
    Value entry(ValueMap{});
    entry.Set("created", Value(bucket.created.unix_ms));
    entry.Set("versioning", Value(bucket.versioning));
    entry.Set("objects", Value(std::move(objects)));
    if (!tags.empty()) entry.Set("tags", Value(std::move(tags)));
    buckets[name] = std::move(entry);
  }
  return Value(ValueMap{{"buckets", Value(std::move(buckets))}});
}

Result<void> S3Store::Load(const Value& state) {
  Reset();
  if (!state.is_map()) return {};
  const Value* buckets = state.Find("buckets");
  if (buckets == nullptr || !buckets->is_map()) return {};
  auto str = [](const Value& v, std::string_view k) {
    const Value* f = v.Find(k);
    return f && f->is_string() ? f->as_string() : std::string();
  };
  auto num = [](const Value& v, std::string_view k) -> int64_t {
    const Value* f = v.Find(k);
    return f && f->is_int() ? f->as_int() : 0;
  };
  for (const auto& [name, b] : buckets->as_map()) {
    if (!b.is_map()) {
      return MakeError(ErrorCode::kCorruption,
                       fmt::format("s3 state: bucket {} is not an object", name));
    }
    S3Bucket bucket;
    bucket.name = name;
    bucket.created = Timestamp{num(b, "created")};
    bucket.versioning = str(b, "versioning");
    if (const Value* tags = b.Find("tags"); tags && tags->is_map()) {
      for (const auto& [key, value] : tags->as_map()) bucket.tags[key] = value.ToText();
    }
    if (const Value* objects = b.Find("objects"); objects && objects->is_map()) {
      for (const auto& [key, o] : objects->as_map()) {
        S3Object object;
        Result<std::string> data = Base64Decode(str(o, "data"));
        if (!data) {
          return MakeError(ErrorCode::kCorruption,
                           fmt::format("s3 state: object {}/{} has data that "
                                       "is not base64",
                                       name, key));
        }
        object.data = std::move(*data);
        object.etag = str(o, "etag");
        object.content_type = str(o, "content_type");
        object.last_modified = Timestamp{num(o, "last_modified")};
        bucket.objects[key] = std::move(object);
      }
    }
    buckets_[name] = std::move(bucket);
  }
  return {};
}

void S3Store::Reset() { buckets_.clear(); }

}  // namespace flightplan::cloudsim
