// S3ObjectStore: the ObjectStore (base/object_store.h) of a shared state in
// S3, at s3://BUCKET/PREFIX. CreateIfAbsent is PutObject with
// `If-None-Match: *`, so S3 itself decides which of two racing writers
// creates a key (412 PreconditionFailed for the other). S3's 409
// ConditionalRequestConflict is retried here a few times; an answer lost on
// the way (reset, time-out, 5xx after the client's own retries) is kTransient:
// the object may exist, and the caller reads it to find out.
//
// Ownership: borrows the AwsClient. Thread-safety: as the AwsClient.
#ifndef FLIGHTPLAN_STEPS_AWS_S3_OBJECT_STORE_H_
#define FLIGHTPLAN_STEPS_AWS_S3_OBJECT_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/object_store.h"
#include "steps/aws/aws_client.h"

namespace flightplan::aws {

struct S3Location {
  std::string bucket;
  std::string prefix;  // "" or ending in '/'
  std::string ToString() const { return "s3://" + bucket + "/" + prefix; }
};

// Parses "s3://bucket/some/prefix" (the prefix gains a trailing '/').
// Errors: kInvalidInput naming what is wrong.
[[nodiscard]] Result<S3Location> ParseS3Location(const std::string& url);

class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(AwsClient& client, S3Location location);

  Result<CreateOutcome> CreateIfAbsent(const std::string& key, const std::string& body) override;
  Result<void> Put(const std::string& key, const std::string& body) override;
  Result<std::optional<std::string>> Get(const std::string& key) override;
  Result<std::vector<std::string>> List(const std::string& prefix, const std::string& start_after,
                                        int limit) override;
  std::string Describe() const override { return location_.ToString(); }

  const S3Location& location() const { return location_; }

 private:
  AwsClient& client_;
  S3Location location_;
};

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_S3_OBJECT_STORE_H_
