// flightplan-cloudsim as a process: state kept in --state-dir survives a
// SIGKILL, a state file that is not the simulator's stops the start and is
// left untouched, and bad options get their exit codes and messages.
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "base/clock.h"
#include "steps/aws/aws_client.h"
#include "steps/net/curl_transport.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim {
namespace {

using flightplan::testing::ReadFile;
using flightplan::testing::TempDir;
using flightplan::testing::WriteFile;
using ::testing::HasSubstr;

class Sim {
 public:
  Sim(const TempDir& dir, std::vector<std::string> args) : dir_(dir) {
    static int counter = 0;
    std::string stem = dir.Join(fmt::format("sim-{}", ++counter));
    out_ = stem + ".out";
    err_ = stem + ".err";
    port_file_ = stem + ".port";
    std::vector<std::string> argv = {CLOUDSIM_BINARY, "--port-file", port_file_};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c_argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char* env[] = {nullptr};
    EXPECT_EQ(posix_spawn(&pid_, CLOUDSIM_BINARY, &actions, nullptr, c_argv.data(), env), 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Sim() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
  }

  // The port once listening; 0 if the process ended or 20 s passed.
  int Port() {
    for (int i = 0; i < 2000; ++i) {
      std::string text = ReadFile(port_file_);
      if (!text.empty()) return std::atoi(text.c_str());
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return 0;
  }
  // Signals and waits (bounded); the exit code, or -signal.
  int Stop(int signal_number) {
    if (!reaped_) {
      kill(pid_, signal_number);
      Wait();
    }
    return exit_code_;
  }
  int Wait() {
    for (int i = 0; i < 2000 && !reaped_; ++i) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_code_;
  }
  std::string err() const { return ReadFile(err_); }
  std::string out() const { return ReadFile(out_); }

 private:
  const TempDir& dir_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1000;
  std::string out_, err_, port_file_;
};

class StaticCredentials final : public CredentialsProvider {
 public:
  Result<AwsCredentials> Get() override {
    AwsCredentials c;
    c.access_key_id = "AKIDFLIGHTPLANSIM";
    c.secret_access_key = "flightplan-cloudsim-secret-key";
    return c;
  }
};

aws::AwsResult CallSim(int port, std::string_view service, std::string_view op,
                       const Value& params) {
  CurlTransport transport;
  StaticCredentials credentials;
  SystemClock clock;
  aws::AwsClientOptions options;
  options.endpoints.region = "us-east-1";
  options.endpoints.endpoint_url = fmt::format("http://127.0.0.1:{}", port);
  options.retry.max_attempts = 1;
  aws::AwsClient client(transport, credentials, clock, options);
  return client.Call(service, op, params);
}

Value Key(const char* id) { return Value(ValueMap{{"id", Value(ValueMap{{"S", Value(id)}})}}); }

TEST(CloudsimProcess, StateInTheStateDirSurvivesASigkill) {
  TempDir dir;
  std::string state = dir.Join("state");
  {
    Sim sim(dir, {"--port", "0", "--state-dir", state});
    int port = sim.Port();
    ASSERT_GT(port, 0) << sim.err();
    ValueList keys{Value(ValueMap{{"AttributeName", Value("id")}, {"KeyType", Value("HASH")}})};
    ValueList attrs{Value(ValueMap{{"AttributeName", Value("id")}, {"AttributeType", Value("S")}})};
    ASSERT_TRUE(CallSim(port, "dynamodb", "CreateTable",
                        Value(ValueMap{{"TableName", Value("kept")},
                                       {"KeySchema", Value(keys)},
                                       {"AttributeDefinitions", Value(attrs)},
                                       {"BillingMode", Value("PAY_PER_REQUEST")}})));
    ASSERT_TRUE(CallSim(port, "dynamodb", "PutItem",
                        Value(ValueMap{{"TableName", Value("kept")}, {"Item", Key("a")}})));
    EXPECT_EQ(sim.Stop(SIGKILL), -SIGKILL);
  }
  Sim again(dir, {"--port", "0", "--state-dir", state});
  int port = again.Port();
  ASSERT_GT(port, 0) << again.err();
  auto item = CallSim(port, "dynamodb", "GetItem",
                      Value(ValueMap{{"TableName", Value("kept")}, {"Key", Key("a")}}));
  ASSERT_TRUE(item.has_value()) << item.error().ToString();
  EXPECT_NE(item->Find("Item"), nullptr) << item->ToJson();
  EXPECT_EQ(again.Stop(SIGTERM), 0);
}

TEST(CloudsimProcess, AStateFileThatIsNotTheSimulatorsStopsTheStartUntouched) {
  TempDir dir;
  std::string state = dir.Join("state");
  ASSERT_EQ(mkdir(state.c_str(), 0700), 0);
  for (const char* content : {"{not json", R"({"format": "something-else/9"})"}) {
    WriteFile(state + "/state.json", content);
    Sim sim(dir, {"--port", "0", "--state-dir", state});
    EXPECT_EQ(sim.Port(), 0);
    EXPECT_EQ(sim.Wait(), 5);
    EXPECT_THAT(sim.err(), HasSubstr("state.json"));
    EXPECT_EQ(ReadFile(state + "/state.json"), content);
  }
}

TEST(CloudsimProcess, BadOptionsGetTheirExitCodes) {
  TempDir dir;
  Sim wide(dir, {"--port", "0", "--host", "0.0.0.0"});
  EXPECT_EQ(wide.Wait(), 3);
  EXPECT_THAT(wide.err(), HasSubstr("loopback only"));
  Sim seed(dir, {"--port", "0", "--seed", dir.Join("not-an-app")});
  EXPECT_EQ(seed.Wait(), 4);
  EXPECT_THAT(seed.err(), HasSubstr("no pre.refactor/"));
  Sim usage(dir, {"--port", "not-a-number"});
  EXPECT_EQ(usage.Wait(), 2);
}

}  // namespace
}  // namespace flightplan::cloudsim
