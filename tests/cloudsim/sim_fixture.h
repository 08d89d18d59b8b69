// Test harness for the simulator: an in-process Simulator on a loopback
// port, flightplan's own AwsClient (real CurlTransport) pointed at it, the
// control API, and the AWS CLI as an independent client.
#ifndef FLIGHTPLAN_TESTS_CLOUDSIM_SIM_FIXTURE_H_
#define FLIGHTPLAN_TESTS_CLOUDSIM_SIM_FIXTURE_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/value.h"
#include "cloudsim/server.h"
#include "cloudsim/simulator.h"
#include "steps/aws/aws_client.h"
#include "steps/net/curl_transport.h"

namespace flightplan::cloudsim::testing {

// A clock tests can move: starts at the system time, Advance() adds to it.
class ManualClock final : public Clock {
 public:
  Timestamp Now() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  void Sleep(Duration d) override { Advance(d); }
  void Advance(Duration d);

 private:
  mutable std::mutex mutex_;
  Duration offset_{0};
};

// A map Value from its members: Obj({{"name", Value("x")}}).
Value Obj(std::initializer_list<std::pair<const std::string, Value>> members);

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class SimTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Calls through flightplan's AwsClient; fails the test on an error.
  Value Call(std::string_view service, std::string_view operation,
             const Value& params = Value(ValueMap{}));
  // The raw outcome, for asserting on errors.
  aws::AwsResult Try(std::string_view service, std::string_view operation,
                     const Value& params = Value(ValueMap{}));
  // The error code of a call expected to fail; "" (and a test failure) when
  // it succeeds.
  std::string ErrorCodeOf(std::string_view service, std::string_view operation,
                          const Value& params);

  // Control API.
  Value Control(std::string_view method, std::string_view path, const Value& body = Value());
  // Adds a fault rule (POST /_sim/faults): `kind` ("throttle", "latency",
  // "reset_after", "error", ...) on `operation` of `service` (every
  // operation when ""), with the rule's other fields (count, skip,
  // latency_ms, status, code, match, options).
  void AddFault(std::string_view service, std::string_view operation, std::string_view kind,
                std::initializer_list<std::pair<const std::string, Value>> fields = {});
  std::vector<LogEntry> LogOf(std::string_view service, std::string_view operation);

  // Runs `aws --endpoint-url <sim> <args>` with the simulator's keys;
  // `skip` reports whether the CLI is absent (call GTEST_SKIP then).
  static bool HaveAwsCli();
  CliResult AwsCli(const std::vector<std::string>& args,
                   const std::vector<std::string>& extra_env = {});
  // AwsCli expected to succeed: its JSON output, an empty map for none; a
  // test failure (and an empty map) on a non-zero exit or output not JSON.
  Value Cli(const std::vector<std::string>& args);

  // tests/data/fixtures/amplify-migration-apps/<app>
  static std::filesystem::path FixtureApp(std::string_view app);

  std::string endpoint() const;
  World& world() { return simulator_->world(); }

  ManualClock clock_;
  SimConfig config_;
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<CurlTransport> transport_;
  std::unique_ptr<CredentialsProvider> credentials_;
  std::unique_ptr<aws::AwsClient> client_;
  SystemClock client_clock_;
};

}  // namespace flightplan::cloudsim::testing

#endif  // FLIGHTPLAN_TESTS_CLOUDSIM_SIM_FIXTURE_H_
