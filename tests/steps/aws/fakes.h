// Fakes for the AWS client's seams: a clock whose Sleep advances instantly, a
// transport that replays scripted responses and records requests, and fixed
// credentials.
#ifndef FLIGHTPLAN_TESTS_STEPS_AWS_FAKES_H_
#define FLIGHTPLAN_TESTS_STEPS_AWS_FAKES_H_

#include <deque>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/credentials.h"
#include "base/http_transport.h"

namespace flightplan::aws::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = Timestamp{1440938160000}) : now_(start) {}
  Timestamp Now() const override { return now_; }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_.unix_ms));
  }
  void Sleep(Duration d) override {
    sleeps_.push_back(d);
    now_ = now_ + d;
  }
  void Advance(Duration d) { now_ = now_ + d; }
  const std::vector<Duration>& sleeps() const { return sleeps_; }

 private:
  Timestamp now_;
  std::vector<Duration> sleeps_;
};

class FakeTransport final : public HttpTransport {
 public:
  void Reply(int status, std::string body, HttpHeaders headers = {}) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    replies_.emplace_back(std::move(response));
  }
  void Fail(ErrorCode code, std::string message) {
    replies_.emplace_back(tl::unexpected(Error(code, std::move(message))));
  }
  Result<HttpResponse> Send(const HttpRequest& request) override {
    requests_.push_back(request);
    if (replies_.empty()) {
      return tl::unexpected(Error(ErrorCode::kInternal, "no scripted reply"));
    }
    Result<HttpResponse> reply = std::move(replies_.front());
    replies_.pop_front();
    if (reply && !request.response_body_file.empty() && reply->status >= 200 &&
        reply->status < 300) {
      std::ofstream(request.response_body_file, std::ios::binary) << reply->body;
      reply->body.clear();
    }
    return reply;
  }
  const std::vector<HttpRequest>& requests() const { return requests_; }

 private:
  std::deque<Result<HttpResponse>> replies_;
  std::vector<HttpRequest> requests_;
};

class FixedCredentials final : public CredentialsProvider {
 public:
  explicit FixedCredentials(AwsCredentials credentials) : credentials_(std::move(credentials)) {}
  Result<AwsCredentials> Get() override {
    ++calls_;
    return credentials_;
  }
  int calls() const { return calls_; }

 private:
  AwsCredentials credentials_;
  int calls_ = 0;
};

inline AwsCredentials ExampleCredentials(bool with_token = true) {
  AwsCredentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  if (with_token) c.session_token = "AQoDYXdzEPT//////////wEXAMPLEtoken";
  c.source = "test";
  return c;
}

}  // namespace flightplan::aws::testing

#endif  // FLIGHTPLAN_TESTS_STEPS_AWS_FAKES_H_
