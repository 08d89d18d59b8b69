// HttpTransport seam: sends one HTTP request and returns the response. The
// real one (libcurl) lives in steps/net/; tests use a fake that records
// requests and replays responses.
//
// Contract: a failure to exchange bytes (DNS, connect, TLS, reset, timeout) is
// an Error (kTransient for the retryable ones); any HTTP status, 5xx included,
// is a response.
#ifndef FLIGHTPLAN_BASE_HTTP_TRANSPORT_H_
#define FLIGHTPLAN_BASE_HTTP_TRANSPORT_H_

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace flightplan {

// Header names keep the case they were given; lookups are case-insensitive.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute, already encoded
  HttpHeaders headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{60000};
  // When set, a 2xx response's body is written to this file (created or
  // truncated) instead of HttpResponse::body; other responses keep theirs.
  std::string response_body_file;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  [[nodiscard]] virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_BASE_HTTP_TRANSPORT_H_
