#include "steps/net/curl_transport.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace flightplan {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// scheme://host[:port] only: the path and query may carry secrets.
std::string Origin(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(0, end);
}

struct ResponseSink {
  HttpResponse* response;
  size_t limit;
  CURL* curl = nullptr;
  const std::string* file_path = nullptr;  // for 2xx bodies, when set
  std::FILE* file = nullptr;
  bool file_failed = false;
  bool too_large = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<ResponseSink*>(user);
  size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &status);
  if (sink->file_path != nullptr && status >= 200 && status < 300) {
    if (sink->file == nullptr) {
      sink->file = std::fopen(sink->file_path->c_str(), "wb");
      if (sink->file == nullptr) {
        sink->file_failed = true;
        return 0;
      }
    }
    if (std::fwrite(data, 1, bytes, sink->file) != bytes) {
      sink->file_failed = true;
      return 0;
    }
    return bytes;
  }
  if (sink->response->body.size() + bytes > sink->limit) {
    sink->too_large = true;
    return 0;  // aborts the transfer
  }
  sink->response->body.append(data, bytes);
  return bytes;
}

std::string TrimHeader(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t");
  size_t end = s.find_last_not_of(" \t\r\n");
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    return "";
  }
  return std::string(s.substr(begin, end - begin + 1));
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<ResponseSink*>(user);
  size_t bytes = size * count;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    // A new status line (after 100 Continue): only the last one counts.
    sink->response->headers.clear();
    return bytes;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    sink->response->headers.emplace_back(TrimHeader(line.substr(0, colon)),
                                         TrimHeader(line.substr(colon + 1)));
  }
  return bytes;
}

bool HasHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return true;
    }
  }
  return false;
}

ErrorCode ClassifyCurlError(CURLcode code) {
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return ErrorCode::kInvalidInput;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return ErrorCode::kPermissionDenied;
    default:
      return ErrorCode::kTransient;
  }
}

}  // namespace

struct CurlTransport::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

CurlTransportOptions CurlTransportOptions::FromEnvironment() {
  CurlTransportOptions options;
  if (const char* bundle = std::getenv("AWS_CA_BUNDLE")) {
    options.ca_bundle = bundle;
  }
  return options;
}

CurlTransport::CurlTransport(CurlTransportOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {
  GlobalInit();
}

CurlTransport::~CurlTransport() = default;

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (handle_->curl == nullptr) {
    handle_->curl = curl_easy_init();
    if (handle_->curl == nullptr) {
      return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
    }
  }
  CURL* curl = handle_->curl;
  // Reset keeps the connection cache, so the next call reuses the socket.
  curl_easy_reset(curl);

  HttpResponse response;
  ResponseSink sink{&response, options_.max_response_bytes};
  sink.curl = curl;
  if (!request.response_body_file.empty()) {
    sink.file_path = &request.response_body_file;
  }
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_bundle.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (request.method == "POST" || !request.body.empty() || request.method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    }
  }

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is curl's way to send a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    headers = curl_slist_append(headers, line.c_str());
  }
  // No 100-continue round trip, and no Content-Type curl would invent.
  headers = curl_slist_append(headers, "Expect:");
  if (!HasHeader(request.headers, "Content-Type")) {
    headers = curl_slist_append(headers, "Content-Type:");
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (sink.file != nullptr && std::fclose(sink.file) != 0) {
    sink.file_failed = true;
  }
  if (sink.file_failed) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("cannot write the response from {} to {}", Origin(request.url),
                                 request.response_body_file));
  }
  if (code == CURLE_OK && sink.file_path != nullptr && sink.file == nullptr) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      // An empty 2xx body still leaves an (empty) file.
      std::FILE* empty = std::fopen(request.response_body_file.c_str(), "wb");
      if (empty == nullptr || std::fclose(empty) != 0) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("cannot create {}", request.response_body_file));
      }
    }
  }
  if (sink.too_large) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} sent a response larger than {} bytes", Origin(request.url),
                                 options_.max_response_bytes));
  }
  if (code != CURLE_OK) {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    // curl's messages can quote the URL; keep only the origin.
    if (size_t at = detail.find(request.url); at != std::string::npos) {
      detail.replace(at, request.url.size(), Origin(request.url));
    }
    std::string hint;
    if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE) {
      hint =
          "; if a proxy re-signs TLS, point AWS_CA_BUNDLE at its CA "
          "certificate";
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
      detail = fmt::format("timed out ({})", detail);
    }
    return MakeError(ClassifyCurlError(code), fmt::format("HTTP request to {} failed: {}{}",
                                                          Origin(request.url), detail, hint));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace flightplan
