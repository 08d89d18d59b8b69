#include "steps/sys/posix_process_runner.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

extern char** environ;

namespace flightplan {
namespace {

struct Pipe {
  int read_fd = -1;
  int write_fd = -1;
  ~Pipe() {
    if (read_fd >= 0) close(read_fd);
    if (write_fd >= 0) close(write_fd);
  }
};

bool MakePipe(Pipe& p) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  p.read_fd = fds[0];
  p.write_fd = fds[1];
  return true;
}

std::vector<std::string> BuildEnvironment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    if (overrides.count(name) == 0) env.push_back(std::move(entry));
  }
  for (const auto& [name, value] : overrides) env.push_back(name + "=" + value);
  return env;
}

// Blocks SIGPIPE in the calling thread for its lifetime: a write to a pipe
// whose reader is gone then fails with EPIPE instead of killing the process,
// and the signal it raised is taken off the thread's pending set again.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  }
  ~ScopedSigpipeBlock() {
    if (!blocked_) return;
    if (!was_pending_) {
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
  bool blocked_ = false;
};

}  // namespace

Result<ProcessResult> PosixProcessRunner::Run(const ProcessSpec& spec) {
  if (spec.argv.empty()) {
    return MakeError(ErrorCode::kInvalidInput, "argv is empty: nothing to run");
  }
  const bool feed = !spec.stdin_text.empty();
  Pipe in, out, err, exec_status;
  if ((feed && !MakePipe(in)) || !MakePipe(out) || !MakePipe(err) || !MakePipe(exec_status)) {
    return MakeError(ErrorCode::kInternal,
                     fmt::format("cannot create pipes: {}", std::strerror(errno)));
  }

  std::vector<std::string> env_strings = BuildEnvironment(spec.env);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = spec.argv;
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) {
    return MakeError(ErrorCode::kInternal, fmt::format("fork failed: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(out.write_fd, STDOUT_FILENO);
    dup2(err.write_fd, STDERR_FILENO);
    if (feed) {
      dup2(in.read_fd, STDIN_FILENO);
    } else {
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    }
    if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) {
      int e = errno;
      (void)!write(exec_status.write_fd, &e, sizeof e);
      _exit(127);
    }
    environ = envp.data();
    execvp(argv[0], argv.data());
    int e = errno;
    (void)!write(exec_status.write_fd, &e, sizeof e);
    _exit(127);
  }

  if (feed) {
    close(in.read_fd);
    in.read_fd = -1;
  }
  close(out.write_fd);
  out.write_fd = -1;
  close(err.write_fd);
  err.write_fd = -1;
  close(exec_status.write_fd);
  exec_status.write_fd = -1;

  int exec_errno = 0;
  ssize_t n = read(exec_status.read_fd, &exec_errno, sizeof exec_errno);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    waitpid(pid, nullptr, 0);
    ErrorCode code = (exec_errno == ENOENT)   ? ErrorCode::kNotFound
                     : (exec_errno == EACCES) ? ErrorCode::kPermissionDenied
                                              : ErrorCode::kInvalidInput;
    std::string what =
        spec.cwd.empty() || exec_errno != ENOENT
            ? fmt::format("cannot run '{}': {}", spec.argv[0], std::strerror(exec_errno))
            : fmt::format("cannot run '{}' in '{}': {}", spec.argv[0], spec.cwd,
                          std::strerror(exec_errno));
    return MakeError(code, what);
  }

  // The program's input is written as it reads, between reads of its output
  // (a program that writes before it has read everything would otherwise
  // block on a full pipe while this blocks on writing its input).
  ScopedSigpipeBlock no_sigpipe;
  size_t fed = 0;
  if (feed) fcntl(in.write_fd, F_SETFL, fcntl(in.write_fd, F_GETFL) | O_NONBLOCK);
  auto stop_feeding = [&] {
    close(in.write_fd);
    in.write_fd = -1;
  };

  ProcessResult result;
  pollfd fds[3] = {{out.read_fd, POLLIN, 0}, {err.read_fd, POLLIN, 0}, {in.write_fd, POLLOUT, 0}};
  std::string* sinks[2] = {&result.stdout_text, &result.stderr_text};
  int open_streams = 2;
  char buffer[65536];
  while (open_streams > 0) {
    int timeout_ms = -1;
    if (spec.deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *spec.deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        result.timed_out = true;
        break;
      }
      timeout_ms = static_cast<int>(std::min<int64_t>(left.count(), 1000));
    }
    fds[2].fd = in.write_fd;
    int ready = poll(fds, 3, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[2].fd >= 0 && fds[2].revents != 0) {
      ssize_t put = write(in.write_fd, spec.stdin_text.data() + fed, spec.stdin_text.size() - fed);
      if (put > 0) fed += static_cast<size_t>(put);
      if (fed == spec.stdin_text.size() || (put < 0 && errno != EINTR && errno != EAGAIN)) {
        stop_feeding();  // all written, or the program closed its input
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        size_t room =
            spec.max_output_bytes > sinks[i]->size() ? spec.max_output_bytes - sinks[i]->size() : 0;
        size_t keep = std::min(room, static_cast<size_t>(got));
        sinks[i]->append(buffer, keep);
        if (keep < static_cast<size_t>(got)) result.output_truncated = true;
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        fds[i].fd = -1;
        --open_streams;
      }
    }
  }
  if (in.write_fd >= 0) stop_feeding();
  if (result.timed_out) kill(-pid, SIGKILL);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace flightplan
