// What a data step runs on items: a jq program in process, or a command — a
// program of the team's own (node, python, `npx tsx`) that reads items as
// JSON Lines on its standard input and writes its results, one line each, on
// its standard output. Items in and out are plain JSON (item_json.h).
//
// Contract of ApplyAll: exactly one result per input, in order — the new
// item (an object) or null to drop it. Anything else is an error that says
// what and names the item(s) by their labels: a result missing or extra, a
// line that is not JSON, a result neither object nor null, a command that
// exited non-zero (its standard error's end quoted), timed out or wrote more
// than kMaxCommandOutput.
//
// Thread-safety: an ItemProgram is used by one thread at a time (make one per
// worker); commands may run in several at once.
#ifndef FLIGHTPLAN_STEPS_DATA_ITEM_PROGRAM_H_
#define FLIGHTPLAN_STEPS_DATA_ITEM_PROGRAM_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "engine/process_runner.h"
#include "engine/step.h"

namespace flightplan::data {

// A command's standard output is read up to this much per call (items are at
// most 400 KB each; a page of 100 fits).
constexpr size_t kMaxCommandOutput = size_t{64} << 20;
// Seconds one run of a command may take unless the step says otherwise.
constexpr int64_t kDefaultCommandTimeout = 300;

class ItemProgram {
 public:
  virtual ~ItemProgram() = default;
  // `labels[i]` names items[i] in messages (its key as JSON).
  [[nodiscard]] virtual Result<std::vector<Value>> ApplyAll(
      const std::vector<Value>& items, const std::vector<std::string>& labels) = 0;
};

struct CommandSpec {
  std::vector<std::string> argv;                         // no shell; run in the current directory
  std::chrono::seconds timeout{kDefaultCommandTimeout};  // per run
  std::optional<std::chrono::steady_clock::time_point> deadline;  // the step's, if any
  std::map<std::string, std::string> env;  // added to the inherited environment
};

// A jq program (kInvalidInput with jq's messages when it does not compile).
[[nodiscard]] Result<std::unique_ptr<ItemProgram>> JqItems(const std::string& program);

// A command run once per ApplyAll, the items on its standard input.
std::unique_ptr<ItemProgram> CommandItems(ProcessRunner& runner, CommandSpec spec);

// Runs a command with nothing on its standard input and reads the items it
// writes: one JSON object per line.
[[nodiscard]] Result<std::vector<Value>> ItemsFromCommand(ProcessRunner& runner,
                                                          const CommandSpec& spec);

// The `command` and `command_timeout` inputs of a data step that runs one.
FieldSpec CommandField(const std::string& description);
FieldSpec CommandTimeoutField();
// The `command` input's argv (empty when there is none).
std::vector<std::string> CommandArgv(const Value& inputs);
// kInvalidInput unless `command` (when given) is a non-empty list of strings
// and `command_timeout` (when given) is 1 to 86400 seconds.
[[nodiscard]] Result<void> ValidateCommandInputs(const Value& inputs);

// Whether a step gives its program as `jq` or `command`.
enum class ProgramNeeded { kRequired, kOptional };
// kInvalidInput unless the inputs give `jq` or `command` (at most one, and
// one when kRequired), the command as ValidateCommandInputs wants it, and a
// jq program that compiles (unless it holds a template). `step` names the
// step type in the message ("the transform").
[[nodiscard]] Result<void> ValidateProgramInputs(const Value& inputs, ProgramNeeded needed,
                                                 std::string_view step);
// The inputs' program: jq in process, or the command run in the current
// directory with FLIGHTPLAN_TABLE=`table` under the step's deadline and
// `command_timeout`; null when the inputs give neither.
[[nodiscard]] Result<std::unique_ptr<ItemProgram>> ProgramFromInputs(const Value& inputs,
                                                                     const std::string& table,
                                                                     StepContext& ctx);

// "`node transforms/split.js`": how messages show a command.
std::string ShowCommand(const std::vector<std::string>& argv);

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_ITEM_PROGRAM_H_
