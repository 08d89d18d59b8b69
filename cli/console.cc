#include "cli/console.h"

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "engine/workflow.h"

namespace flightplan::cli {

Console::Console(bool no_color, int verbose, std::string log_dir)
    : color_(!no_color && std::getenv("NO_COLOR") == nullptr && isatty(STDOUT_FILENO) &&
             isatty(STDERR_FILENO)),
      verbose_(verbose),
      log_dir_(std::move(log_dir)) {}

Console::~Console() {
  if (log_) log_->flush();
}

namespace {
std::string Paint(bool on, const char* code, const std::string& s) {
  return on ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
}
}  // namespace

std::string Console::Bold(const std::string& s) const { return Paint(color_, "1", s); }
std::string Console::Green(const std::string& s) const { return Paint(color_, "32", s); }
std::string Console::Red(const std::string& s) const { return Paint(color_, "31", s); }
std::string Console::Yellow(const std::string& s) const { return Paint(color_, "33", s); }
std::string Console::Dim(const std::string& s) const { return Paint(color_, "2", s); }

void Console::Out(const std::string& line) {
  (lines_to_stderr_ ? std::cerr : std::cout) << line << '\n' << std::flush;
  Log(line);
}

void Console::Write(const std::string& text) {
  std::cout << text << std::flush;
  Log(text);
}

void Console::Err(const std::string& line) {
  std::cerr << line << '\n' << std::flush;
  Log(line);
}

void Console::Log(const std::string& line) {
  if (!log_) return;
  std::string plain;
  plain.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\033') {
      while (i < line.size() && line[i] != 'm') ++i;
      continue;
    }
    plain += line[i];
  }
  log_->info("{}", plain);
  log_->flush();
}

void Console::OpenLog(const std::string& name) {
  if (log_dir_.empty() || log_) return;
  std::error_code ec;
  std::filesystem::create_directories(log_dir_, ec);
  if (ec) return;
  log_path_ = (std::filesystem::path(log_dir_) / name).string();
  try {
    log_ = std::make_shared<spdlog::logger>(
        "run", std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_path_, false));
    log_->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %v");
  } catch (const spdlog::spdlog_ex&) {
    log_.reset();  // logging is for support; never a reason to fail a run
  }
}

void Console::Event(const Value& event) {
  if (!json_events_) return;
  std::string line = event.ToJson() + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

void Console::RunStarted(const RunRecord& run, bool resumed, Direction direction) {
  OpenLog(fmt::format("run-{}-{}.log", run.id, run.workflow));
  Event(Value(
      ValueMap{{"event", Value("run.started")},
               {"run", Value(run.id)},
               {"workflow", Value(run.workflow)},
               {"target", Value(run.target)},
               {"resumed", Value(resumed)},
               {"direction", Value(direction == Direction::kRollback ? "rollback" : "forward")}}));
  std::string verb = direction == Direction::kRollback
                         ? (resumed ? "continuing rollback of" : "rolling back")
                         : (resumed ? "resuming" : "starting");
  Out(fmt::format("{} run {} of '{}' on '{}'", Bold(verb), run.id, run.workflow, run.target));
}

void Console::StepStarted(const std::string& step_id, const std::string& description,
                          Direction direction, int attempt) {
  current_step_ = step_id;
  Event(Value(ValueMap{{"event", Value("step.started")},
                       {"step", Value(step_id)},
                       {"description", Value(description)},
                       {"attempt", Value(static_cast<int64_t>(attempt))}}));
  std::string what = direction == Direction::kRollback ? "undo" : "step";
  Out(fmt::format("  {} {} {}{}", Dim("▸"), what, Bold(step_id),
                  Dim(fmt::format(": {}{}", description,
                                  attempt > 1 ? fmt::format(" (attempt {})", attempt) : ""))));
}

void Console::StepFinished(const std::string& step_id, StepState state, Duration took,
                           const std::string& detail) {
  Event(Value(ValueMap{{"event", Value("step.finished")},
                       {"step", Value(step_id)},
                       {"state", Value(std::string(StepStateName(state)))},
                       {"ms", Value(static_cast<int64_t>(took.count()))},
                       {"detail", Value(detail)}}));
  std::string mark;
  switch (state) {
    case StepState::kSucceeded:
      mark = Green("✓");
      break;
    case StepState::kRolledBack:
      mark = Green("↶");
      break;
    case StepState::kSkipped:
      mark = Yellow("-");
      break;
    default:
      mark = Red("✗");
      break;
  }
  std::string line = fmt::format("  {} {} {} {}", mark, Bold(step_id), StepStateName(state),
                                 Dim(FormatDuration(took)));
  if (!detail.empty())
    line += "\n      " + (state == StepState::kFailed || state == StepState::kRollbackFailed
                              ? Red(detail)
                              : Dim(detail));
  Out(line);
}

void Console::Notice(const std::string& text) {
  Event(Value(
      ValueMap{{"event", Value("notice")}, {"step", Value(current_step_)}, {"text", Value(text)}}));
  Out(fmt::format("  {} {}", Yellow("!"), text));
}

void Console::Figures(const Value& figures) {
  if (!json_events_ || !figures.is_map()) return;
  Value event = figures;
  event.Set("event", "progress");
  event.Set("step", current_step_);
  Event(event);
}

void Console::RunFinished(const RunRecord& run, RunState state) {
  Event(Value(ValueMap{{"event", Value("run.finished")},
                       {"run", Value(run.id)},
                       {"state", Value(std::string(RunStateName(state)))}}));
  std::string word(RunStateName(state));
  std::string painted =
      (state == RunState::kSucceeded || state == RunState::kRolledBack) ? Green(word) : Red(word);
  Out(fmt::format("run {} {}", run.id, painted));
  if (!log_path_.empty() && verbose_ > 0) Out(Dim("log: " + log_path_));
}

bool TerminalPrompter::IsInteractive() const {
  return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

Result<bool> TerminalPrompter::Confirm(const std::string& message,
                                       const std::string& typed_phrase) {
  if (!IsInteractive()) {
    return MakeError(ErrorCode::kNeedsConfirmation, "no terminal to ask on");
  }
  std::string expected = typed_phrase.empty() ? "yes" : typed_phrase;
  std::cerr << message << "\nType '" << expected << "' to continue: " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  while (!answer.empty() && (answer.back() == '\r' || answer.back() == ' ')) answer.pop_back();
  return answer == expected;
}

}  // namespace flightplan::cli
