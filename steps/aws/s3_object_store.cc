#include "steps/aws/s3_object_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "steps/aws/values.h"

namespace flightplan::aws {

namespace {

// S3 answers 409 ConditionalRequestConflict while another conditional write
// to the same key is in flight; the loser of that race learns the outcome
// from its retry (412 when the other write created the key).
constexpr int kConflictRetries = 5;

Error OutcomeUnknown(const std::string& where, const AwsError& error) {
  return Error(ErrorCode::kTransient,
               fmt::format("the write of {} got no answer S3 could be trusted on ({}): it may "
                           "or may not have been applied",
                           where, error.ToError().message()));
}

}  // namespace

Result<S3Location> ParseS3Location(const std::string& url) {
  constexpr std::string_view kScheme = "s3://";
  if (url.rfind(kScheme, 0) != 0) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("'{}' is not an S3 location: write s3://BUCKET/PREFIX", url));
  }
  std::string rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  S3Location out;
  out.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) out.prefix = rest.substr(slash + 1);
  if (out.bucket.size() < 3 || out.bucket.size() > 63 ||
      out.bucket.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("'{}' does not name an S3 bucket (3 to 63 lower-case letters, "
                                 "digits, dots and hyphens): write s3://BUCKET/PREFIX",
                                 url));
  }
  while (!out.prefix.empty() && out.prefix.front() == '/') out.prefix.erase(0, 1);
  if (!out.prefix.empty() && out.prefix.back() != '/') out.prefix += '/';
  return out;
}

S3ObjectStore::S3ObjectStore(AwsClient& client, S3Location location,
                             TransportFactory parallel_transports, int parallelism)
    : client_(client),
      location_(std::move(location)),
      parallel_transports_(std::move(parallel_transports)),
      parallelism_(std::max(1, parallelism)) {}

S3ObjectStore::~S3ObjectStore() = default;

Result<CreateOutcome> S3ObjectStore::CreateIfAbsent(const std::string& key,
                                                    const std::string& body) {
  Value params(ValueMap{});
  params.Set("Bucket", location_.bucket);
  params.Set("Key", location_.prefix + key);
  params.Set("Body", body);
  params.Set("IfNoneMatch", "*");
  params.Set("ContentType", "application/json");
  std::string where = location_.ToString() + key;
  for (int attempt = 0;; ++attempt) {
    AwsResult put = client_.Call("s3", "PutObject", params);
    if (put) return CreateOutcome::kCreated;
    const AwsError& e = put.error();
    if (e.http_status == 412 || e.code == "PreconditionFailed") {
      return CreateOutcome::kAlreadyExists;
    }
    if (e.code == "ConditionalRequestConflict" && attempt < kConflictRetries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20 << attempt));
      continue;
    }
    // Sent more than once, an earlier attempt may have been applied however
    // the last one ended.
    if (e.kind == AwsErrorKind::kTransient || e.kind == AwsErrorKind::kThrottling ||
        e.code == "ConditionalRequestConflict" || e.attempts > 1) {
      return MakeError(OutcomeUnknown(where, e));
    }
    return MakeError(e.ToError());
  }
}

Result<void> S3ObjectStore::Put(const std::string& key, const std::string& body) {
  Value params(ValueMap{});
  params.Set("Bucket", location_.bucket);
  params.Set("Key", location_.prefix + key);
  params.Set("Body", body);
  AwsResult put = client_.Call("s3", "PutObject", params);
  if (!put) return MakeError(put.error().ToError());
  return {};
}

Result<std::optional<std::string>> S3ObjectStore::Get(const std::string& key) {
  return GetWith(client_, location_, key);
}

Result<std::vector<std::optional<std::string>>> S3ObjectStore::GetMany(
    const std::vector<std::string>& keys) {
  if (!parallel_transports_ || keys.size() < 2) return ObjectStore::GetMany(keys);
  std::lock_guard lock(workers_mu_);
  size_t wanted = std::min(keys.size(), static_cast<size_t>(parallelism_));
  while (workers_.size() < wanted) {
    transports_.push_back(parallel_transports_());
    workers_.push_back(client_.OverTransport(*transports_.back()));
  }
  std::vector<std::optional<std::string>> out(keys.size());
  std::vector<std::optional<Error>> errors(keys.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < wanted; ++w) {
    threads.emplace_back([&, w] {
      for (size_t i = next++; i < keys.size(); i = next++) {
        Result<std::optional<std::string>> one = GetWith(*workers_[w], location_, keys[i]);
        if (one) {
          out[i] = std::move(*one);
        } else {
          errors[i] = std::move(one.error());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (std::optional<Error>& e : errors) {
    if (e) return MakeError(std::move(*e));
  }
  return out;
}

Result<std::optional<std::string>> S3ObjectStore::GetWith(AwsClient& client,
                                                          const S3Location& location,
                                                          const std::string& key) {
  Value params(ValueMap{});
  params.Set("Bucket", location.bucket);
  params.Set("Key", location.prefix + key);
  AwsResult got = client.Call("s3", "GetObject", params);
  if (!got) {
    if (got.error().code == "NoSuchKey") return std::optional<std::string>();
    return MakeError(got.error().ToError());
  }
  return std::optional<std::string>(StringAt(*got, "Body"));
}

Result<std::vector<std::string>> S3ObjectStore::List(const std::string& prefix,
                                                     const std::string& start_after, int limit) {
  std::vector<std::string> keys;
  std::string token;
  const size_t strip = location_.prefix.size();
  while (static_cast<int>(keys.size()) < limit) {
    Value params(ValueMap{});
    params.Set("Bucket", location_.bucket);
    params.Set("Prefix", location_.prefix + prefix);
    params.Set("MaxKeys",
               static_cast<int64_t>(std::min(1000, limit - static_cast<int>(keys.size()))));
    if (!start_after.empty()) params.Set("StartAfter", location_.prefix + start_after);
    if (!token.empty()) params.Set("ContinuationToken", token);
    AwsResult page = client_.Call("s3", "ListObjectsV2", params);
    if (!page) return MakeError(page.error().ToError());
    for (const Value& object : ListAt(*page, "Contents")) {
      std::string key = StringAt(object, "Key");
      if (key.size() >= strip) keys.push_back(key.substr(strip));
    }
    token = StringAt(*page, "NextContinuationToken");
    if (token.empty()) break;
  }
  return keys;
}

}  // namespace flightplan::aws
