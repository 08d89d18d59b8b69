// Helpers for tests that drive the real flightplan binary: temporary
// directories, running the binary to completion or in the background, and
// reading files. Every child is started with a bounded lifetime by the test.
#ifndef FLIGHTPLAN_TESTS_SUPPORT_TEST_SUPPORT_H_
#define FLIGHTPLAN_TESTS_SUPPORT_TEST_SUPPORT_H_

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace flightplan::testing {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct RunResult {
  int exit_code = -1;
  bool signaled = false;
  int signal = 0;
  std::string out;
  std::string err;
};

struct Invocation {
  std::vector<std::string> args;           // without the binary itself
  std::string cwd;                         // where it runs
  std::map<std::string, std::string> env;  // added to a clean base environment
  std::chrono::milliseconds timeout{60000};
  std::string binary{};  // the program to run; empty: the flightplan binary
};

// Runs the flightplan binary (or `binary`) to completion (killed at the
// timeout).
RunResult RunFlightplan(const Invocation& invocation);

// Runs the binary in `cwd`; with `kill_at` ("N:before" or "N:after") it
// SIGKILLs itself at its Nth journal write (cli/fault_injection.h).
RunResult RunFlightplanIn(const std::string& cwd, std::vector<std::string> args,
                          const std::string& kill_at = "");

// Runs `args` in `cwd` again and again until it exits 0, at most `attempts`
// times, as an operator does after a crash; returns the failed attempts.
std::vector<RunResult> RerunUntilSuccess(const std::string& cwd,
                                         const std::vector<std::string>& args, int attempts = 5);

// Starts the binary in the background; output goes to files in `cwd`.
class Background {
 public:
  explicit Background(const Invocation& invocation);
  ~Background();  // kills the process if it still runs
  pid_t pid() const { return pid_; }
  // Waits (bounded) for the process to end.
  RunResult Wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(60000));
  void Signal(int signal_number);

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
  bool reaped_ = false;
  RunResult result_;
};

// The file's bytes; empty when it cannot be read (base/file_io.h's ReadFile
// says why, for code that must tell).
std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::string& path, const std::string& content);
bool FileExists(const std::string& path);
// Polls until `path` exists (bounded); true when it appeared.
bool WaitForFile(const std::string& path, std::chrono::milliseconds timeout);

// Path of the binary under test and of the source tree.
std::string FlightplanBinary();
std::string SourceDir();

}  // namespace flightplan::testing

#endif  // FLIGHTPLAN_TESTS_SUPPORT_TEST_SUPPORT_H_
