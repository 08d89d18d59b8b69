// The real process runner with real programs: output captured, input fed
// while the program writes (more than a pipe holds each way), a program that
// never reads its input, deadlines, and programs that cannot start.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <thread>
#include <vector>

#include "steps/sys/posix_process_runner.h"

namespace flightplan {
namespace {

ProcessSpec Program(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  return spec;
}

ProcessSpec Shell(const std::string& script) { return Program({"/bin/sh", "-c", script}); }

TEST(PosixProcessRunnerTest, CapturesOutputAndExitStatus) {
  PosixProcessRunner runner;
  auto r = runner.Run(Shell("echo out; echo err >&2; exit 3"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->stdout_text, "out\n");
  EXPECT_EQ(r->stderr_text, "err\n");
}

TEST(PosixProcessRunnerTest, WithoutInputTheProgramReadsEndOfFile) {
  PosixProcessRunner runner;
  auto r = runner.Run(Program({"wc", "-c"}));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->stdout_text, "0\n");
}

// 4 MiB through `cat`: far more than a pipe buffers, so the runner must read
// the echo while it is still writing the input.
TEST(PosixProcessRunnerTest, FeedsInputWhileReadingOutput) {
  PosixProcessRunner runner;
  ProcessSpec spec = Program({"cat"});
  spec.stdin_text.reserve(4 << 20);
  for (int i = 0; spec.stdin_text.size() < (4u << 20); ++i) {
    spec.stdin_text += "{\"id\":\"item-" + std::to_string(i) + "\"}\n";
  }
  spec.max_output_bytes = 8 << 20;
  auto r = runner.Run(spec);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_FALSE(r->output_truncated);
  EXPECT_TRUE(r->stdout_text == spec.stdin_text) << r->stdout_text.size();
}

// A program that exits without reading its input: the write fails with
// EPIPE, the runner (and this test process) survive SIGPIPE, and the exit
// status is the program's.
TEST(PosixProcessRunnerTest, AProgramThatIgnoresItsInputIsNotAnError) {
  PosixProcessRunner runner;
  ProcessSpec spec = Shell("exec 0<&-; echo done; exit 0");
  spec.stdin_text.assign(1 << 20, 'x');
  auto r = runner.Run(spec);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->stdout_text, "done\n");
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0) << "a SIGPIPE was left pending";
}

TEST(PosixProcessRunnerTest, ThreadsRunProgramsAtOnce) {
  PosixProcessRunner runner;
  std::vector<std::string> outputs(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    threads.emplace_back([&, i] {
      ProcessSpec spec = Program({"cat"});
      spec.stdin_text = std::string(200000, static_cast<char>('a' + i));
      auto r = runner.Run(spec);
      if (r && r->exit_code == 0) outputs[i] = r->stdout_text;
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(outputs[i], std::string(200000, static_cast<char>('a' + i))) << i;
  }
}

TEST(PosixProcessRunnerTest, AProgramPastItsDeadlineIsKilled) {
  PosixProcessRunner runner;
  ProcessSpec spec = Shell("sleep 30");
  spec.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  auto started = std::chrono::steady_clock::now();
  auto r = runner.Run(spec);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->timed_out);
  EXPECT_TRUE(r->signaled);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
}

TEST(PosixProcessRunnerTest, AMissingProgramIsNotFound) {
  PosixProcessRunner runner;
  auto r = runner.Run(Program({"flightplan-no-such-program"}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.error().message().find("flightplan-no-such-program"), std::string::npos);
}

}  // namespace
}  // namespace flightplan
