#include "steps/aws/aws_client.h"

#include <fmt/format.h>

#include <cstdlib>
#include <utility>

#include "steps/aws/redact.h"
#include "steps/aws/wire/model_tables.h"
#include "steps/aws/wire/protocol.h"
#include "steps/aws/wire/service.h"
#include "steps/aws/wire/sigv4.h"

namespace flightplan::aws {
namespace {

// A clock that is off by more than this is corrected from the server's Date.
constexpr Duration kSkewTolerance = std::chrono::seconds(60);

AwsError LocalError(std::string_view service, std::string_view operation, Error error) {
  AwsError out;
  out.service = std::string(service);
  out.operation = std::string(operation);
  out.code = std::string(ErrorCodeName(error.code()));
  out.message = error.message();
  out.kind =
      error.code() == ErrorCode::kPermissionDenied ? AwsErrorKind::kAuth : AwsErrorKind::kClient;
  out.local_error = std::move(error).WithContext(fmt::format("{} {}", service, operation));
  return out;
}

// Operations authenticated by a bearer token rather than SigV4.
bool IsUnsigned(const ServiceInfo& service) { return service.id == "sso"; }

}  // namespace

AwsClient::AwsClient(HttpTransport& transport, CredentialsProvider& credentials, Clock& clock,
                     AwsClientOptions options)
    : transport_(transport),
      credentials_(credentials),
      clock_(clock),
      options_(std::move(options)),
      quota_(options_.retry) {
  if (!options_.random) options_.random = DefaultRandomSource();
}

std::unique_ptr<AwsClient> AwsClient::OverTransport(HttpTransport& transport) const {
  return std::make_unique<AwsClient>(transport, credentials_, clock_, options_);
}

void AwsClient::Log(std::string_view line, const AwsCredentials& credentials) const {
  if (options_.log) options_.log(Redact(line, credentials));
}

Result<Endpoint> AwsClient::EndpointFor(std::string_view service) const {
  const ServiceInfo* info = FindService(service);
  if (info == nullptr) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("unknown AWS service '{}'", service));
  }
  return ResolveEndpoint(*info, options_.endpoints);
}

AwsResult AwsClient::Call(std::string_view service_id, std::string_view operation,
                          const Value& params, const CallOptions& call_options) {
  const ServiceInfo* service = FindService(service_id);
  if (service == nullptr) {
    return tl::unexpected(LocalError(
        service_id, operation,
        Error(ErrorCode::kInvalidInput, fmt::format("unknown AWS service '{}'", service_id))));
  }
  Result<Endpoint> endpoint = ResolveEndpoint(*service, options_.endpoints);
  if (!endpoint) {
    return tl::unexpected(LocalError(service_id, operation, endpoint.error()));
  }
  // Serialized once: every attempt sends the same bytes, idempotency tokens
  // included.
  Result<HttpRequest> unsigned_request =
      SerializeRequest(*service, operation, params, endpoint->url, endpoint->s3_addressing);
  if (!unsigned_request) {
    return tl::unexpected(LocalError(service_id, operation, unsigned_request.error()));
  }
  unsigned_request->headers.emplace_back("User-Agent", options_.user_agent);
  unsigned_request->connect_timeout = options_.connect_timeout;
  unsigned_request->total_timeout = options_.total_timeout;
  unsigned_request->response_body_file = call_options.response_body_file;

  int last_acquired = 0;
  int unanswered = 0;
  AwsError last_error;
  const int max_attempts = std::max(1, options_.retry.max_attempts);
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    AwsCredentials credentials;
    HttpRequest request = *unsigned_request;
    if (!IsUnsigned(*service)) {
      Result<AwsCredentials> got = credentials_.Get();
      if (!got) {
        return tl::unexpected(LocalError(service_id, operation, got.error()));
      }
      credentials = std::move(*got);
      Timestamp now = clock_.Now() + Duration(skew_ms_.load());
      SigningOptions signing =
          SigningOptions::ForService(service->signing_name, endpoint->signing_region, now);
      Result<SignedRequest> signed_request = SignRequest(request, credentials, signing);
      if (!signed_request) {
        return tl::unexpected(LocalError(service_id, operation, signed_request.error()));
      }
      request = std::move(signed_request->request);
    }
    if (options_.log) {  // describing a request costs a pass over its headers
      Log(fmt::format("aws: {} {} attempt {}/{}: {}", service_id, operation, attempt, max_attempts,
                      DescribeRequestForLog(request, credentials)),
          credentials);
    }

    Result<HttpResponse> response = transport_.Send(request);
    AwsError error;
    bool timeout = false;
    if (!response) {
      error.service = std::string(service_id);
      error.operation = std::string(operation);
      error.code = "NetworkError";
      error.message = response.error().message();
      error.kind = response.error().code() == ErrorCode::kTransient ||
                           response.error().code() == ErrorCode::kTimeout
                       ? AwsErrorKind::kTransient
                       : AwsErrorKind::kClient;
      timeout = response.error().code() == ErrorCode::kTimeout ||
                error.message.find("timed out") != std::string::npos;
    } else if (response->status >= 200 && response->status < 300) {
      quota_.Release(last_acquired);
      Result<Value> parsed = ParseResponse(*service, operation, *response);
      if (!parsed) {
        return tl::unexpected(LocalError(service_id, operation, parsed.error()));
      }
      Log(fmt::format("aws: {} {} -> HTTP {}", service_id, operation, response->status),
          credentials);
      return std::move(*parsed);
    } else {
      error = ParseErrorResponse(*service, operation, *response);
    }
    error.message = Redact(error.message, credentials);
    error.attempts = attempt;
    if (!response || response->status >= 500) ++unanswered;
    error.unanswered = unanswered;
    last_error = error;

    bool skew_corrected = false;
    if (response && IsClockSkewCode(error.code)) {
      std::string_view date = FindHeader(response->headers, "Date");
      if (Result<Timestamp> server = ParseHttpDate(date); server) {
        Duration skew = *server - clock_.Now();
        if (std::abs((skew - Duration(skew_ms_.load())).count()) >= kSkewTolerance.count()) {
          skew_ms_.store(skew.count());
          skew_corrected = true;
          Log(fmt::format("aws: local clock is off by {} s; using the "
                          "server's time",
                          skew.count() / 1000),
              credentials);
        }
      }
    }
    if (attempt == max_attempts || !(error.retryable() || skew_corrected)) {
      Log(fmt::format("aws: {} -> giving up", error.ToString()), credentials);
      return tl::unexpected(std::move(error));
    }
    if (!skew_corrected) {
      last_acquired = quota_.Acquire(timeout);
      if (last_acquired == 0) {
        error.message +=
            " (not retried: the client's retry quota is spent, "
            "AWS has been failing repeatedly)";
        Log(fmt::format("aws: {} -> giving up", error.ToString()), credentials);
        return tl::unexpected(std::move(error));
      }
      Duration delay = BackoffDelay(attempt, options_.random(), options_.retry.max_backoff);
      Log(fmt::format("aws: {} -> retrying in {} ms", error.ToString(), delay.count()),
          credentials);
      clock_.Sleep(delay);
    }
  }
  return tl::unexpected(std::move(last_error));
}

AwsResult AwsClient::CallAllPages(std::string_view service, std::string_view operation,
                                  Value params) {
  const Paginator* paginator = FindPaginator(service, operation);
  if (paginator == nullptr) return Call(service, operation, params);
  if (params.is_null()) params = Value(ValueMap{});
  Value merged;
  Value previous_token;
  for (int page = 0; page < options_.max_pages; ++page) {
    AwsResult result = Call(service, operation, params);
    if (!result) return result;
    Value& output = *result;
    if (merged.is_null()) {
      merged = output;
      for (std::string_view key : paginator->result_keys) {
        const Value* items = merged.Find(key);
        if (items != nullptr && !items->is_list() && !items->is_string()) {
          continue;  // a per-page scalar such as Scan's Count
        }
        if (items == nullptr || !items->is_list()) {
          merged.Set(std::string(key), Value(ValueList{}));
        }
      }
    } else {
      for (std::string_view key : paginator->result_keys) {
        const Value* items = output.Find(key);
        if (items == nullptr || !items->is_list()) continue;
        ValueList& into = merged.as_map()[std::string(key)].as_list();
        into.insert(into.end(), items->as_list().begin(), items->as_list().end());
      }
    }
    // Tokens are usually strings; DynamoDB's are key maps.
    const Value* token = output.Find(paginator->output_token);
    bool done = token == nullptr || token->is_null() ||
                (token->is_string() && token->as_string().empty()) ||
                (token->is_map() && token->as_map().empty()) ||
                *token == previous_token;  // a repeated token would loop
    if (done) {
      merged.as_map().erase(std::string(paginator->output_token));
      return merged;
    }
    previous_token = *token;
    params.Set(std::string(paginator->input_token), *token);
  }
  AwsError error;
  error.service = std::string(service);
  error.operation = std::string(operation);
  error.code = "TooManyPages";
  error.message = fmt::format("stopped after {} pages", options_.max_pages);
  error.local_error =
      Error(ErrorCode::kInternal,
            fmt::format("{} {}: stopped after {} pages", service, operation, options_.max_pages));
  return tl::unexpected(std::move(error));
}

Result<Value> AwsClient::CallOrError(std::string_view service, std::string_view operation,
                                     const Value& params) {
  AwsResult result = Call(service, operation, params);
  if (!result) return MakeError(result.error().ToError());
  return std::move(*result);
}

}  // namespace flightplan::aws
