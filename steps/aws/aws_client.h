// AwsClient: calls one AWS operation — serialize the Value parameters for the
// service's protocol, resolve the endpoint, sign with SigV4, send through the
// HttpTransport, retry what is worth retrying (standard mode), correct a
// skewed local clock, and parse the answer or the error.
//
// Seams: HttpTransport, CredentialsProvider and Clock are borrowed (they
// must outlive the client); randomness is injected through the options.
// Idempotency tokens in the parameters (ClientRequestToken, ClientToken) are
// sent unchanged on every retry, so AWS can recognise the repeat.
//
// Secrets never leave: log lines and error messages are redacted.
// Thread-safety: Call may run concurrently if the seams are thread-safe.
#ifndef FLIGHTPLAN_STEPS_AWS_AWS_CLIENT_H_
#define FLIGHTPLAN_STEPS_AWS_AWS_CLIENT_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

#include "base/clock.h"
#include "base/credentials.h"
#include "base/error.h"
#include "base/http_transport.h"
#include "base/value.h"
#include "steps/aws/endpoints.h"
#include "steps/aws/retry.h"
#include "steps/aws/wire/aws_error.h"

namespace flightplan::aws {

using AwsResult = tl::expected<Value, AwsError>;

struct CallOptions {
  // Stream a successful response's body (S3 GetObject) to this file; the
  // output then has no "Body". Retries rewrite the file from the start.
  std::string response_body_file;
};

struct AwsClientOptions {
  EndpointConfig endpoints;
  RetryConfig retry;
  RandomSource random;  // empty: DefaultRandomSource()
  // Receives one redacted line per attempt and outcome; may be empty.
  std::function<void(std::string_view)> log;
  std::string user_agent = "flightplan";
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{60000};
  int max_pages = 1000;  // bound on CallAllPages
};

class AwsClient {
 public:
  AwsClient(HttpTransport& transport, CredentialsProvider& credentials, Clock& clock,
            AwsClientOptions options);
  AwsClient(const AwsClient&) = delete;
  AwsClient& operator=(const AwsClient&) = delete;

  // One operation, with retries. `service` is a ServiceInfo id
  // ("cloudformation"); `params` a map named as in the model.
  [[nodiscard]] AwsResult Call(std::string_view service, std::string_view operation,
                               const Value& params, const CallOptions& call_options = {});
  // Every page of a paginated operation (paginators-1.json), with the result
  // lists concatenated and the next-token removed. Bounded by max_pages.
  [[nodiscard]] AwsResult CallAllPages(std::string_view service, std::string_view operation,
                                       Value params);
  // Call() with the error converted to flightplan's Error.
  [[nodiscard]] Result<Value> CallOrError(std::string_view service, std::string_view operation,
                                          const Value& params);

  // A client with this one's credentials, clock and options over another
  // transport (which must outlive it): for requests in parallel, since a
  // transport serialises its calls on one connection.
  std::unique_ptr<AwsClient> OverTransport(HttpTransport& transport) const;

  // Where a service is reached (for `flightplan doctor`).
  [[nodiscard]] Result<Endpoint> EndpointFor(std::string_view service) const;
  const EndpointConfig& endpoint_config() const { return options_.endpoints; }
  // Server time minus local time, learnt from a clock-skew error.
  Duration clock_skew() const { return Duration(skew_ms_.load()); }
  int retry_quota_available() const { return quota_.available(); }

 private:
  void Log(std::string_view line, const AwsCredentials& credentials) const;

  HttpTransport& transport_;
  CredentialsProvider& credentials_;
  Clock& clock_;
  AwsClientOptions options_;
  RetryQuota quota_;
  std::atomic<int64_t> skew_ms_{0};
};

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_AWS_CLIENT_H_
