// Fakes for the engine's seams: a clock whose Sleep advances instantly, a
// host with a settable set of live processes, a prompter with scripted
// answers, an observer that records what it was told.
#ifndef FLIGHTPLAN_TESTS_ENGINE_FAKES_H_
#define FLIGHTPLAN_TESTS_ENGINE_FAKES_H_

#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "engine/host.h"
#include "engine/observer.h"
#include "engine/step.h"

namespace flightplan::testing {

class FakeClock final : public Clock {
 public:
  Timestamp Now() const override { return Timestamp{1'800'000'000'000 + elapsed_ms_}; }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(elapsed_ms_));
  }
  void Sleep(Duration d) override {
    slept_.push_back(d);
    elapsed_ms_ += d.count();
  }
  void Advance(Duration d) { elapsed_ms_ += d.count(); }
  const std::vector<Duration>& slept() const { return slept_; }

 private:
  int64_t elapsed_ms_ = 0;
  std::vector<Duration> slept_;
};

class FakeHost final : public Host {
 public:
  std::string UserName() const override { return user; }
  std::string HostName() const override { return host; }
  int64_t ProcessId() const override { return pid; }
  bool IsProcessAlive(int64_t p) const override { return p == pid || alive.count(p) > 0; }

  std::string user = "tester";
  std::string host = "testhost";
  int64_t pid = 1000;
  std::set<int64_t> alive;
};

class ScriptedPrompter final : public Prompter {
 public:
  bool IsInteractive() const override { return interactive; }
  Result<bool> Confirm(const std::string& message, const std::string& typed) override {
    asked.push_back(message + "|" + typed);
    if (!interactive) return MakeError(ErrorCode::kNeedsConfirmation, "no terminal");
    return answer;
  }
  bool interactive = false;
  bool answer = true;
  std::vector<std::string> asked;
};

class RecordingObserver final : public RunObserver {
 public:
  void RunStarted(const RunRecord&, bool, Direction) override {}
  void StepStarted(const std::string& id, const std::string&, Direction d, int) override {
    started.push_back((d == Direction::kRollback ? "undo:" : "") + id);
  }
  void StepFinished(const std::string& id, StepState s, Duration, const std::string&) override {
    finished.push_back(id + ":" + std::string(StepStateName(s)));
  }
  void Notice(const std::string& text) override { notices.push_back(text); }
  void RunFinished(const RunRecord&, RunState) override {}

  std::vector<std::string> started;
  std::vector<std::string> finished;
  std::vector<std::string> notices;
};

}  // namespace flightplan::testing

#endif  // FLIGHTPLAN_TESTS_ENGINE_FAKES_H_
