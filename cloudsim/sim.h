// The simulator's request and response as its services see them, and the
// error a service returns. A Request is already authenticated when a service
// gets it; `service` is the SigV4 signing name from the credential scope.
//
// Thread-safety: plain values; a Request's JsonBody() fills a cache, so one
// request is read by one thread at a time (each HTTP call has its own copy).
#ifndef FLIGHTPLAN_CLOUDSIM_SIM_H_
#define FLIGHTPLAN_CLOUDSIM_SIM_H_

#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

#include "base/http_transport.h"
#include "base/value.h"

namespace flightplan::cloudsim {

struct Request {
  std::string method;
  std::string target;  // path and query exactly as sent ("/b/k%20x?list-type=2")
  std::string path;    // percent-decoded path ("/b/k x")
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  HttpHeaders headers;
  std::string body;

  // The body as JSON, parsed on its first use and kept: the request log,
  // fault rules and the service all read it. Null when the body is empty or
  // not JSON.
  const Value& JsonBody() const;
  mutable std::optional<Value> json_body;  // JsonBody()'s, once parsed

  // Filled by the dispatcher after authentication.
  std::string service;     // "cloudformation", "s3", "dynamodb", ...
  std::string access_key;  // the caller's key id
  std::string caller_arn;  // arn:aws:iam::<account>:user/... or assumed role
  std::string request_id;  // echoed in the response and its metadata

  std::string_view Header(std::string_view name) const;  // "" when absent
  // First query value named `name`; "" when absent.
  std::string_view QueryParam(std::string_view name) const;
  bool HasQueryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  HttpHeaders headers;
  std::string body;
  // Fault injection: close the connection before a complete response.
  bool drop_connection = false;

  void SetHeader(std::string name, std::string value);
};

// An AWS error: the HTTP status, the code clients classify on ("Throttling",
// "ValidationError", "ResourceNotFoundException") and a message for people.
struct SimError {
  int status = 400;
  std::string code;
  std::string message;
};

// What store operations return: a value or the AWS error to answer with.
template <typename T>
using SimResult = tl::expected<T, SimError>;

inline SimError Validation(std::string message) {
  return {400, "ValidationError", std::move(message)};
}

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_SIM_H_
