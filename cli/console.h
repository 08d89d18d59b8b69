// Console output for people (colour only on a terminal, never with NO_COLOR
// or --no-color) and a per-run log file under ~/.flightplan/logs/ for
// support. Implements RunObserver so the executor reports through it.
#ifndef FLIGHTPLAN_CLI_CONSOLE_H_
#define FLIGHTPLAN_CLI_CONSOLE_H_

#include <cstdio>
#include <memory>
#include <string>

#include "engine/observer.h"
#include "engine/step.h"

namespace spdlog {
class logger;
}

namespace flightplan::cli {

class Console final : public RunObserver {
 public:
  Console(bool no_color, int verbose, std::string log_dir);
  ~Console() override;

  bool color() const { return color_; }
  std::string Bold(const std::string& s) const;
  std::string Green(const std::string& s) const;
  std::string Red(const std::string& s) const;
  std::string Yellow(const std::string& s) const;
  std::string Dim(const std::string& s) const;

  void Out(const std::string& line);  // stdout, and the log
  // Out's lines go to stderr from now on, so stdout holds only what Write
  // prints (a --json document).
  void LinesToStderr() { lines_to_stderr_ = true; }
  // Events for machines: from now on each run event, step event, notice and
  // progress figure is also one JSON object on its own line on stdout
  // ({"event": "run.started" | "step.started" | "step.finished" | "notice" |
  // "progress" | "run.finished", ...}), and the lines for people go to
  // stderr.
  void EventsAsJsonLines() {
    json_events_ = true;
    lines_to_stderr_ = true;
  }
  // One JSON object on its own line on stdout (with EventsAsJsonLines).
  void Event(const Value& event);
  // stdout as it is, for a document that ends its own lines (a report), and
  // the log.
  void Write(const std::string& text);
  void Err(const std::string& line);  // stderr, and the log
  void Log(const std::string& line);  // the log only

  void RunStarted(const RunRecord& run, bool resumed, Direction direction) override;
  void StepStarted(const std::string& step_id, const std::string& description, Direction direction,
                   int attempt) override;
  void StepFinished(const std::string& step_id, StepState state, Duration took,
                    const std::string& detail) override;
  void Notice(const std::string& text) override;
  void RunFinished(const RunRecord& run, RunState state) override;
  void Figures(const Value& figures) override;

  const std::string& log_path() const { return log_path_; }

 private:
  void OpenLog(const std::string& name);

  bool color_;
  int verbose_;
  std::string log_dir_;
  std::string log_path_;
  std::shared_ptr<spdlog::logger> log_;
  std::string current_step_;
  bool lines_to_stderr_ = false;
  bool json_events_ = false;
};

// Asks on the terminal (stdin/stderr); never when either is not a TTY.
class TerminalPrompter final : public Prompter {
 public:
  bool IsInteractive() const override;
  Result<bool> Confirm(const std::string& message, const std::string& typed_phrase) override;
};

}  // namespace flightplan::cli

#endif  // FLIGHTPLAN_CLI_CONSOLE_H_
