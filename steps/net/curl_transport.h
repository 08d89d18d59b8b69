// CurlTransport: the real HttpTransport, over libcurl. The only code in
// flightplan that includes curl (docs/architecture.md, "Layout"; the layering
// test, tests/layering/, enforces it).
//
// - Connections are reused between calls (one easy handle kept alive).
// - TLS peers and host names are always verified; AWS_CA_BUNDLE (or
//   options.ca_bundle) replaces the system trust store, for proxies that
//   re-sign TLS.
// - Connect and total time-outs come from each HttpRequest.
// - A 2xx body goes to HttpRequest::response_body_file when set (streamed,
//   never held in memory), else into HttpResponse::body.
// - Any HTTP status is a response; redirects are not followed (S3 reports a
//   wrong region with a 301 the client must see).
// - Failing to exchange bytes (DNS, connect, reset, time-out, TLS handshake)
//   is kTransient; an unverifiable certificate is kPermissionDenied; a
//   malformed URL or a response over max_response_bytes is kInvalidInput.
//   Messages name scheme://host:port only, never the path or query (which
//   may hold a presigned signature).
//
// Thread-safety: Send() may be called from several threads; calls are
// serialised on the one connection cache. Use one transport per thread for
// parallel requests.
#ifndef FLIGHTPLAN_STEPS_NET_CURL_TRANSPORT_H_
#define FLIGHTPLAN_STEPS_NET_CURL_TRANSPORT_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "base/http_transport.h"

namespace flightplan {

struct CurlTransportOptions {
  std::string ca_bundle;                        // PEM file; empty: the system trust store
  size_t max_response_bytes = size_t{1} << 30;  // in memory; files unbounded

  // ca_bundle from AWS_CA_BUNDLE.
  static CurlTransportOptions FromEnvironment();
};

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  [[nodiscard]] Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  struct Handle;
  CurlTransportOptions options_;
  std::mutex mutex_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_STEPS_NET_CURL_TRANSPORT_H_
