#include "tests/cloudsim/sim_fixture.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "steps/aws/wire/aws_error.h"
#include "tests/support/test_support.h"

extern char** environ;

namespace flightplan::cloudsim::testing {

namespace {

class StaticCredentials final : public CredentialsProvider {
 public:
  explicit StaticCredentials(AwsCredentials credentials) : credentials_(std::move(credentials)) {}
  Result<AwsCredentials> Get() override { return credentials_; }

 private:
  AwsCredentials credentials_;
};

// Finds `aws` on PATH or in the image's pyenv shims.
std::string AwsCliPath() {
  static const std::string path = [] {
    std::vector<std::string> dirs;
    if (const char* p = std::getenv("PATH")) {
      std::string all = p;
      size_t start = 0;
      while (start <= all.size()) {
        size_t colon = all.find(':', start);
        if (colon == std::string::npos) colon = all.size();
        dirs.push_back(all.substr(start, colon - start));
        start = colon + 1;
      }
    }
    if (const char* home = std::getenv("HOME")) {
      dirs.push_back(std::string(home) + "/.pyenv/shims");
    }
    dirs.push_back("/root/.pyenv/shims");
    for (const std::string& dir : dirs) {
      if (dir.empty()) continue;
      std::string candidate = dir + "/aws";
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::string();
  }();
  return path;
}

}  // namespace

Value Obj(std::initializer_list<std::pair<const std::string, Value>> members) {
  return Value(ValueMap(members));
}

Timestamp ManualClock::Now() const {
  std::lock_guard lock(mutex_);
  return SystemClock().Now() + offset_;
}

std::chrono::steady_clock::time_point ManualClock::Monotonic() const {
  std::lock_guard lock(mutex_);
  return std::chrono::steady_clock::now() + offset_;
}

void ManualClock::Advance(Duration d) {
  std::lock_guard lock(mutex_);
  offset_ += d;
}

void SimTest::SetUp() {
  simulator_ = std::make_unique<Simulator>(config_, &clock_);
  server_ = std::make_unique<HttpServer>(simulator_.get());
  auto port = server_->Bind("127.0.0.1", 0);
  ASSERT_TRUE(port.has_value()) << port.error().message();
  server_->ServeInBackground();
  transport_ = std::make_unique<CurlTransport>();
  AwsCredentials credentials;
  credentials.access_key_id = config_.access_key;
  credentials.secret_access_key = config_.secret_key;
  credentials_ = std::make_unique<StaticCredentials>(credentials);
  aws::AwsClientOptions options;
  options.endpoints.region = config_.region;
  options.endpoints.endpoint_url = endpoint();
  options.retry.max_attempts = 1;  // tests see every error as it is
  options.random = [] { return 0.0; };
  client_ = std::make_unique<aws::AwsClient>(*transport_, *credentials_, client_clock_, options);
}

void SimTest::TearDown() {
  // Close the client's keep-alive connections first so the server's workers
  // are not left waiting on them.
  client_.reset();
  transport_.reset();
  if (server_) server_->Stop();
}

std::string SimTest::endpoint() const {
  return fmt::format("http://127.0.0.1:{}", server_->port());
}

aws::AwsResult SimTest::Try(std::string_view service, std::string_view operation,
                            const Value& params) {
  return client_->Call(service, operation, params);
}

Value SimTest::Call(std::string_view service, std::string_view operation, const Value& params) {
  aws::AwsResult result = client_->Call(service, operation, params);
  EXPECT_TRUE(result.has_value()) << service << " " << operation << ": "
                                  << (result ? std::string() : result.error().ToString());
  return result ? *result : Value();
}

void SimTest::AddFault(std::string_view service, std::string_view operation, std::string_view kind,
                       std::initializer_list<std::pair<const std::string, Value>> fields) {
  Value rule = Obj(fields);
  rule.Set("service", Value(std::string(service)));
  if (!operation.empty()) rule.Set("operation", Value(std::string(operation)));
  rule.Set("kind", Value(std::string(kind)));
  Control("POST", "/_sim/faults", rule);
}

Value SimTest::Control(std::string_view method, std::string_view path, const Value& body) {
  Request request;
  request.method = std::string(method);
  std::string p(path);
  request.target = p;
  size_t q = p.find('?');
  request.path = p.substr(0, q);
  if (q != std::string::npos) {
    std::string query = p.substr(q + 1);
    size_t start = 0;
    while (start <= query.size()) {
      size_t end = query.find('&', start);
      if (end == std::string::npos) end = query.size();
      std::string part = query.substr(start, end - start);
      size_t eq = part.find('=');
      if (!part.empty()) {
        request.query.emplace_back(part.substr(0, eq),
                                   eq == std::string::npos ? "" : part.substr(eq + 1));
      }
      start = end + 1;
    }
  }
  if (!body.is_null()) request.body = body.ToJson();
  Response response = simulator_->Handle(request);
  auto value = Value::FromJson(response.body);
  EXPECT_TRUE(value.has_value()) << response.body;
  EXPECT_EQ(response.status, 200) << method << " " << path << ": " << response.body;
  return value ? *value : Value();
}

std::vector<LogEntry> SimTest::LogOf(std::string_view service, std::string_view operation) {
  std::vector<LogEntry> out;
  for (LogEntry& entry : simulator_->Log()) {
    if (entry.service == service && entry.operation == operation) {
      out.push_back(std::move(entry));
    }
  }
  return out;
}

std::string SimTest::ErrorCodeOf(std::string_view service, std::string_view operation,
                                 const Value& params) {
  auto result = Try(service, operation, params);
  EXPECT_FALSE(result.has_value()) << operation << " unexpectedly succeeded";
  return result ? std::string() : result.error().code;
}

bool SimTest::HaveAwsCli() { return !AwsCliPath().empty(); }

CliResult SimTest::AwsCli(const std::vector<std::string>& args,
                          const std::vector<std::string>& extra_env) {
  CliResult result;
  std::string cli = AwsCliPath();
  if (cli.empty()) return result;
  flightplan::testing::TempDir dir;
  std::string out_path = dir.path() + "/out", err_path = dir.path() + "/err";
  std::vector<std::string> argv = {cli, "--endpoint-url", endpoint(), "--output", "json"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env = {
      "AWS_ACCESS_KEY_ID=" + config_.access_key,
      "AWS_SECRET_ACCESS_KEY=" + config_.secret_key,
      "AWS_DEFAULT_REGION=" + config_.region,
      "AWS_CONFIG_FILE=/dev/null",
      "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
      "AWS_MAX_ATTEMPTS=1",
      "AWS_PAGER=",
      "HOME=" + dir.path(),
  };
  if (const char* path = std::getenv("PATH")) env.push_back(std::string("PATH=") + path);
  if (const char* pyenv = std::getenv("PYENV_ROOT")) {
    env.push_back(std::string("PYENV_ROOT=") + pyenv);
  } else {
    env.push_back("PYENV_ROOT=/root/.pyenv");
  }
  for (const std::string& e : extra_env) {
    std::string name = e.substr(0, e.find('='));
    std::erase_if(env, [&](const std::string& x) { return x.rfind(name + "=", 0) == 0; });
    env.push_back(e);
  }
  std::vector<char*> c_argv, c_env;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  for (auto& e : env) c_env.push_back(e.data());
  c_env.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, cli.c_str(), &actions, nullptr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.err = fmt::format("cannot start {}: {}", cli, std::strerror(rc));
    return result;
  }
  // Bounded wait: two minutes, then kill.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.err = "aws CLI timed out after 2 minutes\n";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = flightplan::testing::ReadFile(out_path);
  result.err += flightplan::testing::ReadFile(err_path);
  return result;
}

Value SimTest::Cli(const std::vector<std::string>& args) {
  CliResult r = AwsCli(args);
  EXPECT_EQ(r.exit_code, 0) << args[1] << ": " << r.err;
  if (r.out.find_first_not_of(" \n") == std::string::npos) {
    return Value(ValueMap{});
  }
  auto parsed = Value::FromJson(r.out);
  EXPECT_TRUE(parsed.has_value()) << r.out;
  return parsed ? *parsed : Value(ValueMap{});
}

std::filesystem::path SimTest::FixtureApp(std::string_view app) {
  return std::filesystem::path(FLIGHTPLAN_SOURCE_DIR) / "tests/data/fixtures" /
         "amplify-migration-apps" / std::string(app);
}

}  // namespace flightplan::cloudsim::testing
