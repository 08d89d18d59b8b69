#include "cloudsim/server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>

#include "steps/aws/wire/sigv4.h"

namespace flightplan::cloudsim {

namespace {

Request ToRequest(const httplib::Request& in) {
  Request out;
  out.method = in.method;
  out.target = in.target;
  std::string raw_path = in.target.substr(0, in.target.find('?'));
  out.path = aws::UriDecode(raw_path);
  size_t q = in.target.find('?');
  if (q != std::string::npos) {
    std::string_view query(in.target);
    query.remove_prefix(q + 1);
    size_t start = 0;
    while (start <= query.size()) {
      size_t end = query.find('&', start);
      if (end == std::string_view::npos) end = query.size();
      std::string_view part = query.substr(start, end - start);
      if (!part.empty()) {
        size_t eq = part.find('=');
        out.query.emplace_back(
            aws::UriDecode(part.substr(0, eq)),
            eq == std::string_view::npos ? std::string() : aws::UriDecode(part.substr(eq + 1)));
      }
      start = end + 1;
    }
  }
  for (const auto& [name, value] : in.headers) {
    // httplib adds these for its own bookkeeping; they were not sent.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT") {
      continue;
    }
    out.headers.emplace_back(name, value);
  }
  out.body = in.body;
  return out;
}

}  // namespace

HttpServer::HttpServer(Simulator* simulator)
    : simulator_(simulator), server_(std::make_unique<httplib::Server>()) {
  server_->set_payload_max_length(size_t{512} * 1024 * 1024);
  server_->set_keep_alive_max_count(1000);
  // A keep-alive connection holds a worker while it is open; AWS serves many
  // clients (and a client's parallel connections) at once, so the pool is
  // larger than httplib's default of 8, past which a new connection would
  // wait for an idle one to time out.
  server_->new_task_queue = [] { return new httplib::ThreadPool(64); };
  // Headers and body go out in separate writes; without TCP_NODELAY the
  // second waits for the client's delayed ACK (~40 ms per request).
  server_->set_tcp_nodelay(true);
  // Regular handlers, not a pre-routing one: httplib reads the body only
  // for these.
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Response response = simulator_->Handle(ToRequest(req));
    res.status = response.status;
    std::string content_type = "application/octet-stream";
    for (const auto& [name, value] : response.headers) {
      if (strcasecmp(name.c_str(), "Content-Type") == 0) {
        content_type = value;
      } else {
        res.set_header(name, value);
      }
    }
    if (response.drop_connection) {
      // Promise a body and never send it: the client sees the connection
      // close mid-response, as after a reset.
      res.set_content_provider(1024, content_type,
                               [](size_t, size_t, httplib::DataSink&) { return false; });
      return;
    }
    // For HEAD (routed to the GET handler) httplib sends the length of
    // this content and no body.
    res.set_content(response.body, content_type);
  };
  const std::string any = ".*";  // HEAD is routed to the GET handler
  server_->Get(any, handler);
  // POST bodies are read through a content reader: httplib's plain handlers
  // refuse form-encoded bodies over 8 KiB with 413 (a limit compiled into the
  // library), and Query-protocol calls such as CreateStack carry templates of
  // up to 51,200 bytes inline.
  server_->Post(any, [handler](const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& content_reader) {
    if (req.is_multipart_form_data()) {
      res.status = 400;
      res.set_content("multipart/form-data uploads are not supported", "text/plain");
      return;
    }
    httplib::Request with_body = req;
    content_reader([&](const char* data, size_t length) {
      with_body.body.append(data, length);
      return true;
    });
    handler(with_body, res);
  });
  server_->Put(any, handler);
  server_->Delete(any, handler);
  server_->Patch(any, handler);
  server_->Options(any, handler);
}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Bind(const std::string& host, int port) {
  if (host != "127.0.0.1" && host != "::1" && host != "localhost") {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("flightplan-cloudsim listens on loopback only "
                                 "(127.0.0.1 or ::1), not '{}'",
                                 host));
  }
  int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return MakeError(ErrorCode::kStateFile,
                     fmt::format("cannot listen on {}:{} (is the port in use?)", host, port));
  }
  port_ = bound;
  return bound;
}

void HttpServer::Serve() { server_->listen_after_bind(); }

void HttpServer::ServeInBackground() {
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void HttpServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace flightplan::cloudsim
