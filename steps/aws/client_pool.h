// ClientPool: the AwsClient for a profile and region, made on first use from
// the AWS CLI's configuration (aws_config.h) and kept for the process's
// lifetime, so steps that run one after another share credentials, the
// retry quota and the learnt clock skew. An empty profile or region means
// the AWS CLI's default (AWS_PROFILE…, AWS_REGION…).
//
// Ownership: borrows the transport, clock and process runner, which must
// outlive the pool; owns the clients it made. Thread-safety: Get may be
// called concurrently; the clients are as thread-safe as AwsClient.
#ifndef FLIGHTPLAN_STEPS_AWS_CLIENT_POOL_H_
#define FLIGHTPLAN_STEPS_AWS_CLIENT_POOL_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "base/clock.h"
#include "base/error.h"
#include "base/http_transport.h"
#include "engine/process_runner.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/aws_config.h"

namespace flightplan::aws {

class ClientPool {
 public:
  ClientPool(HttpTransport& transport, Clock& clock, ProcessRunner& processes, EnvLookup env);
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  // Errors: the configuration's (a malformed ~/.aws/config names the file
  // and line); kInvalidInput when no region is configured anywhere.
  [[nodiscard]] Result<AwsClient*> Get(const std::string& profile, const std::string& region);

  // Receives every client's redacted attempt lines (AwsClientOptions::log).
  void set_log(std::function<void(std::string_view)> log) { log_ = std::move(log); }

 private:
  struct Entry;
  HttpTransport& transport_;
  Clock& clock_;
  ProcessRunner& processes_;
  EnvLookup env_;
  std::function<void(std::string_view)> log_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Entry>> entries_;
};

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_CLIENT_POOL_H_
