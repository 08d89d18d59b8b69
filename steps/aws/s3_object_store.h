// S3ObjectStore: the ObjectStore (base/object_store.h) of a shared state in
// S3, at s3://BUCKET/PREFIX. CreateIfAbsent is PutObject with
// `If-None-Match: *`, so S3 itself decides which of two racing writers
// creates a key (412 PreconditionFailed for the other). S3's 409
// ConditionalRequestConflict is retried here a few times; an answer lost on
// the way (reset, time-out, 5xx after the client's own retries) is kTransient:
// the object may exist, and the caller reads it to find out.
//
// Ownership: borrows the AwsClient; owns the parallel readers' transports
// and clients. Thread-safety: as the AwsClient; GetMany calls are serialised.
#ifndef FLIGHTPLAN_STEPS_AWS_S3_OBJECT_STORE_H_
#define FLIGHTPLAN_STEPS_AWS_S3_OBJECT_STORE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/http_transport.h"
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

// Makes the transports of parallel reads (chosen by the composition root).
using TransportFactory = std::function<std::unique_ptr<HttpTransport>()>;

class S3ObjectStore final : public ObjectStore {
 public:
  // With `parallel_transports`, GetMany reads with up to `parallelism`
  // requests at once, each worker over a transport of its own (made on
  // first use, kept); without, one at a time over `client`.
  S3ObjectStore(AwsClient& client, S3Location location, TransportFactory parallel_transports = {},
                int parallelism = 8);
  ~S3ObjectStore() override;

  Result<CreateOutcome> CreateIfAbsent(const std::string& key, const std::string& body) override;
  Result<void> Put(const std::string& key, const std::string& body) override;
  Result<std::optional<std::string>> Get(const std::string& key) override;
  Result<std::vector<std::optional<std::string>>> GetMany(
      const std::vector<std::string>& keys) override;
  Result<std::vector<std::string>> List(const std::string& prefix, const std::string& start_after,
                                        int limit) override;
  std::string Describe() const override { return location_.ToString(); }

  const S3Location& location() const { return location_; }

 private:
  static Result<std::optional<std::string>> GetWith(AwsClient& client, const S3Location& location,
                                                    const std::string& key);

  AwsClient& client_;
  S3Location location_;
  TransportFactory parallel_transports_;
  int parallelism_;
  std::mutex workers_mu_;
  std::vector<std::unique_ptr<HttpTransport>> transports_;
  std::vector<std::unique_ptr<AwsClient>> workers_;
};

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_S3_OBJECT_STORE_H_
