// ProcessRunner seam: runs a program (argv, no shell) to completion and
// captures its output. The real one is steps/sys/posix_process_runner.h; tests
// substitute a fake that records the calls.
//
// Contract: a program that cannot be started is an Error (kNotFound or
// kPermissionDenied); a program that ran is a ProcessResult whatever its exit
// status. A program still running at the deadline is killed (its whole
// process group) and reported with timed_out = true.
#ifndef FLIGHTPLAN_ENGINE_PROCESS_RUNNER_H_
#define FLIGHTPLAN_ENGINE_PROCESS_RUNNER_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace flightplan {

struct ProcessSpec {
  std::vector<std::string> argv;
  std::string cwd;                         // empty: inherit
  std::map<std::string, std::string> env;  // added to (or replacing in) the inherited environment
  std::optional<std::chrono::steady_clock::time_point> deadline;
  size_t max_output_bytes = 1 << 20;  // per stream; the rest is dropped
  // Written to the program's standard input, which is then closed (empty:
  // /dev/null). A program that exits or closes its input before reading all
  // of it is not an error of the runner: its exit status tells.
  std::string stdin_text = {};
};

struct ProcessResult {
  int exit_code = -1;  // valid when !signaled
  bool signaled = false;
  int signal = 0;
  bool timed_out = false;
  bool output_truncated = false;
  std::string stdout_text;
  std::string stderr_text;
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  [[nodiscard]] virtual Result<ProcessResult> Run(const ProcessSpec& spec) = 0;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_PROCESS_RUNNER_H_
