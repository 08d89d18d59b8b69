// CurlTransport against loopback servers on 127.0.0.1 (cpp-httplib, and a raw
// socket for resets). No test leaves the machine; every wait is bounded.
#include "steps/net/curl_transport.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

namespace flightplan {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string_view Header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), std::string(name).c_str()) == 0) return value;
  }
  return {};
}

class LoopbackServer {
 public:
  LoopbackServer() {
    server_.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Amzn-RequestId", "req-1");
      res.set_content("hello", "text/plain");
    });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
      res.set_header("X-Seen-Content-Type", req.get_header_value("Content-Type"));
      res.set_header("X-Seen-Expect", req.get_header_value("Expect"));
      res.set_header("X-Seen-Custom", req.get_header_value("X-Custom"));
    });
    server_.Put("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
    });
    server_.Delete("/thing",
                   [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    server_.Get("/error", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_content("<Error><Code>SlowDown</Code></Error>", "application/xml");
    });
    server_.Get("/redirect", [](const httplib::Request&, httplib::Response& res) {
      res.status = 301;
      res.set_header("Location", "/hello");
    });
    server_.Get("/port", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(std::to_string(req.remote_port), "text/plain");
    });
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content("late", "text/plain");
    });
    server_.Get("/large", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(8 << 20, 'x'), "application/octet-stream");
    });
    server_.set_keep_alive_max_count(100);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

HttpRequest Get(std::string url) {
  HttpRequest request;
  request.method = "GET";
  request.url = std::move(url);
  request.connect_timeout = std::chrono::milliseconds(2000);
  request.total_timeout = std::chrono::milliseconds(5000);
  return request;
}

TEST(CurlTransportTest, ReturnsStatusHeadersAndBody) {
  LoopbackServer server;
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Get(server.Url("/hello")));
  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(Header(response->headers, "x-amzn-requestid"), "req-1");
}

TEST(CurlTransportTest, ServerErrorsAreResponsesNotErrors) {
  LoopbackServer server;
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Get(server.Url("/error")));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 503);
  EXPECT_THAT(response->body, HasSubstr("SlowDown"));
}

TEST(CurlTransportTest, RedirectsAreReturnedNotFollowed) {
  LoopbackServer server;
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Get(server.Url("/redirect")));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 301);
}

TEST(CurlTransportTest, PostSendsBodyAndHeadersWithoutExpectOrInventedContentType) {
  LoopbackServer server;
  CurlTransport transport;
  HttpRequest request = Get(server.Url("/echo"));
  request.method = "POST";
  request.body = "Action=DescribeStacks&Version=2010-05-15";
  request.headers = {{"X-Custom", "v"}};
  Result<HttpResponse> response = transport.Send(request);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, request.body);
  EXPECT_EQ(Header(response->headers, "X-Seen-Custom"), "v");
  EXPECT_EQ(Header(response->headers, "X-Seen-Expect"), "");
  EXPECT_EQ(Header(response->headers, "X-Seen-Content-Type"), "");
}

TEST(CurlTransportTest, PutAndDeleteUseTheirMethods) {
  LoopbackServer server;
  CurlTransport transport;
  HttpRequest put = Get(server.Url("/echo"));
  put.method = "PUT";
  put.body = std::string(3 << 20, 'y');  // larger than any socket buffer
  Result<HttpResponse> response = transport.Send(put);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body.size(), put.body.size());
  HttpRequest del = Get(server.Url("/thing"));
  del.method = "DELETE";
  response = transport.Send(del);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 204);
}

TEST(CurlTransportTest, LargeResponseBodiesArriveWhole) {
  LoopbackServer server;
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Get(server.Url("/large")));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body.size(), size_t{8} << 20);
}

TEST(CurlTransportTest, SuccessfulBodiesStreamToAFileWhenAsked) {
  LoopbackServer server;
  CurlTransportOptions options;
  options.max_response_bytes = 1 << 20;  // applies to memory only
  CurlTransport transport(options);
  char dir_pattern[] = "/tmp/flightplan-curl-XXXXXX";
  std::string dir = mkdtemp(dir_pattern);
  HttpRequest request = Get(server.Url("/large"));
  request.response_body_file = dir + "/object.zip";
  Result<HttpResponse> response = transport.Send(request);
  ASSERT_TRUE(response.has_value()) << response.error().ToString();
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(std::filesystem::file_size(request.response_body_file), size_t{8} << 20);

  HttpRequest failing = Get(server.Url("/error"));
  failing.response_body_file = dir + "/error.zip";
  response = transport.Send(failing);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 503);
  EXPECT_THAT(response->body, HasSubstr("SlowDown"));
  EXPECT_FALSE(std::filesystem::exists(failing.response_body_file));
  std::filesystem::remove_all(dir);
}

TEST(CurlTransportTest, ResponsesOverTheLimitAreRefused) {
  LoopbackServer server;
  CurlTransportOptions options;
  options.max_response_bytes = 1 << 20;
  CurlTransport transport(options);
  Result<HttpResponse> response = transport.Send(Get(server.Url("/large")));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), ErrorCode::kInvalidInput);
}

TEST(CurlTransportTest, ConnectionsAreReused) {
  LoopbackServer server;
  CurlTransport transport;
  std::set<std::string> client_ports;
  for (int i = 0; i < 3; ++i) {
    Result<HttpResponse> response = transport.Send(Get(server.Url("/port")));
    ASSERT_TRUE(response.has_value());
    client_ports.insert(response->body);
  }
  EXPECT_EQ(client_ports.size(), 1u);
}

TEST(CurlTransportTest, TotalTimeoutIsATransientError) {
  LoopbackServer server;
  CurlTransport transport;
  HttpRequest request = Get(server.Url("/slow?X-Amz-Signature=abcdef"));
  request.total_timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> response = transport.Send(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), ErrorCode::kTransient);
  EXPECT_THAT(response.error().message(), HasSubstr("timed out"));
  EXPECT_THAT(response.error().message(), Not(HasSubstr("abcdef")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

// A port with nothing listening: bound, never listened, then closed.
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(CurlTransportTest, RefusedConnectionIsATransientError) {
  CurlTransport transport;
  Result<HttpResponse> response =
      transport.Send(Get("http://127.0.0.1:" + std::to_string(UnusedPort()) + "/"));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), ErrorCode::kTransient);
  EXPECT_THAT(response.error().message(), HasSubstr("127.0.0.1"));
}

// Accepts one connection, reads the request, and resets it (RST).
class ResettingServer {
 public:
  ResettingServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 1);
    thread_ = std::thread([this] {
      timeval timeout{5, 0};
      setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
      int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[4096];
      setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
      [[maybe_unused]] ssize_t n = recv(client, buffer, sizeof(buffer), 0);
      linger reset{1, 0};
      setsockopt(client, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
      close(client);
    });
  }
  ~ResettingServer() {
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(CurlTransportTest, ConnectionResetIsATransientError) {
  ResettingServer server;
  CurlTransport transport;
  Result<HttpResponse> response =
      transport.Send(Get("http://127.0.0.1:" + std::to_string(server.port()) + "/"));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), ErrorCode::kTransient);
}

TEST(CurlTransportTest, MalformedUrlIsInvalidInput) {
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Get("ftp://127.0.0.1/x"));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), ErrorCode::kInvalidInput);
}

TEST(CurlTransportTest, TlsIsVerifiedSoAPlainServerFailsTheHandshake) {
  LoopbackServer server;
  CurlTransportOptions options;
  options.ca_bundle = "/nonexistent/ca.pem";
  CurlTransport transport(options);
  std::string url = server.Url("/hello");
  url.replace(0, 4, "https");
  Result<HttpResponse> response = transport.Send(Get(url));
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace flightplan
