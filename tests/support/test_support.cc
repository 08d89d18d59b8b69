#include "tests/support/test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/file_io.h"

namespace flightplan::testing {
namespace {

std::vector<std::string> BaseEnvironment(const Invocation& inv) {
  std::map<std::string, std::string> env;
  for (const char* name : {"PATH", "LANG", "TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  // Logs and anything else under HOME stay inside the test's directory.
  env["HOME"] = inv.cwd.empty() ? std::string("/tmp") : inv.cwd;
  env["NO_COLOR"] = "1";
  for (const auto& [k, v] : inv.env) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

pid_t Spawn(const Invocation& inv, const std::string& out_path, const std::string& err_path) {
  std::vector<std::string> argv_strings{inv.binary.empty() ? FlightplanBinary() : inv.binary};
  argv_strings.insert(argv_strings.end(), inv.args.begin(), inv.args.end());
  std::vector<std::string> env_strings = BaseEnvironment(inv);
  std::vector<char*> argv, envp;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (!inv.cwd.empty() && chdir(inv.cwd.c_str()) != 0) _exit(126);
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

RunResult Reap(pid_t pid, std::chrono::milliseconds timeout) {
  RunResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.err = "[test harness: killed after timeout]\n";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.signal = WTERMSIG(status);
  }
  return result;
}

int g_counter = 0;

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base ? base : "/tmp") + "/flightplan-test-XXXXXX";
  char* made = mkdtemp(templ.data());
  path_ = made ? made : templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

RunResult RunFlightplan(const Invocation& inv) {
  std::string stem = (inv.cwd.empty() ? std::string("/tmp") : inv.cwd) + "/.fp-" +
                     std::to_string(getpid()) + "-" + std::to_string(++g_counter);
  std::string out_path = stem + ".out", err_path = stem + ".err";
  pid_t pid = Spawn(inv, out_path, err_path);
  RunResult result = Reap(pid, inv.timeout);
  result.out = ReadFile(out_path);
  result.err += ReadFile(err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return result;
}

Background::Background(const Invocation& inv) {
  std::string stem = (inv.cwd.empty() ? std::string("/tmp") : inv.cwd) + "/.fp-bg-" +
                     std::to_string(getpid()) + "-" + std::to_string(++g_counter);
  out_path_ = stem + ".out";
  err_path_ = stem + ".err";
  pid_ = Spawn(inv, out_path_, err_path_);
}

Background::~Background() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGCONT);
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
  unlink(out_path_.c_str());
  unlink(err_path_.c_str());
}

RunResult Background::Wait(std::chrono::milliseconds timeout) {
  if (!reaped_) {
    result_ = Reap(pid_, timeout);
    result_.out = ReadFile(out_path_);
    result_.err += ReadFile(err_path_);
    reaped_ = true;
  }
  return result_;
}

void Background::Signal(int signal_number) {
  if (!reaped_) kill(pid_, signal_number);
}

std::string ReadFile(const std::filesystem::path& path) {
  return flightplan::ReadFile(path).value_or(std::string());
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

bool FileExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

RunResult RunFlightplanIn(const std::string& cwd, std::vector<std::string> args,
                          const std::string& kill_at) {
  Invocation inv;
  inv.args = std::move(args);
  inv.cwd = cwd;
  if (!kill_at.empty()) inv.env["FLIGHTPLAN_FAULT_KILL_AT_WRITE"] = kill_at;
  return RunFlightplan(inv);
}

std::vector<RunResult> RerunUntilSuccess(const std::string& cwd,
                                         const std::vector<std::string>& args, int attempts) {
  std::vector<RunResult> failed;
  for (int i = 0; i < attempts; ++i) {
    RunResult r = RunFlightplanIn(cwd, args);
    if (r.exit_code == 0) break;
    failed.push_back(std::move(r));
  }
  return failed;
}

bool WaitForFile(const std::string& path, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (FileExists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return FileExists(path);
}

std::string FlightplanBinary() { return FLIGHTPLAN_BINARY; }
std::string SourceDir() { return FLIGHTPLAN_SOURCE_DIR; }

}  // namespace flightplan::testing
