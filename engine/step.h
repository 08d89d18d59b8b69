// The step contract (docs/architecture.md, "Steps"). A step type is
// registered under the name workflows use in `uses:`, declares its inputs and
// outputs, and implements:
//   Describe      what it would do, for --dry-run and the console
//   Preview       what it would do in detail, found by reading only (a dry
//                 run calls it; it must change nothing); default: Describe
//   Prepare       capture what rollback will need, before any effect; the
//                 result is journaled with the step's `running` state
//   Execute       do it; returns the outputs
//   Check         after a crash: did Execute's effect already happen?
//   Rollback      undo, given the outputs (and the prepared data)
//   CheckRollback after a crash during Rollback: did the undo happen?
// Every call receives the same idempotency token for a given run and step, to
// pass to remote APIs (ClientRequestToken) so a retry cannot act twice.
//
// Errors: a step returns kTransient or kTimeout for failures worth retrying;
// anything else fails the step.
#ifndef FLIGHTPLAN_ENGINE_STEP_H_
#define FLIGHTPLAN_ENGINE_STEP_H_

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "engine/process_runner.h"
#include "engine/state.h"

namespace flightplan {

// kExpression: a condition in the expression language (engine/expression.h),
// checked at load time and evaluated by the step itself.
enum class FieldType {
  kString,
  kInteger,
  kNumber,
  kBoolean,
  kList,
  kMap,
  kAny,
  kDuration,
  kExpression
};
std::string_view FieldTypeName(FieldType type);

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  std::string description;
  // kExpression: reference roots the step adds to the usual ones (e.g. "poll").
  std::vector<std::string> expression_roots;
};

struct StepSchema {
  std::string summary;
  std::vector<FieldSpec> inputs;
  std::vector<FieldSpec> outputs;
  bool has_auto_rollback = false;  // `rollback: auto` is allowed
  bool has_check = false;          // Check can answer done / not done
  // The executor asks the operator before the step starts, using the
  // step's `message` and `typed` inputs (the `confirm` step type).
  bool asks_confirmation = false;
};

// Checks `inputs` (a map) against the schema: unknown names, missing required
// ones, and the types of values that hold no template.
Result<void> ValidateInputs(const StepSchema& schema, const Value& inputs);

enum class CheckOutcome { kDone, kNotDone, kUnknown };
std::string_view CheckOutcomeName(CheckOutcome outcome);

struct CheckResult {
  CheckOutcome outcome = CheckOutcome::kUnknown;
  Value outputs;            // kDone: the outputs the step would have returned
  std::string explanation;  // what was looked at, for the operator
};

// Asks the operator. The CLI's implementation reads the terminal.
class Prompter {
 public:
  virtual ~Prompter() = default;
  virtual bool IsInteractive() const = 0;
  // kNeedsConfirmation when no one can be asked; false when the operator said no.
  [[nodiscard]] virtual Result<bool> Confirm(const std::string& message,
                                             const std::string& typed_phrase) = 0;
};

// Where a step that works in batches records how far it got. Save journals
// `checkpoint` as the step's prepared["checkpoint"], with a step.progress
// event carrying `detail`, in one journal transaction, and returns once it is
// durable (kLeaseLost when this process no longer holds the lease: the step
// must stop). Save also sets ctx.prepared (so the step must not read it
// concurrently). After an interruption, Check and Execute find the last saved
// checkpoint in ctx.prepared["checkpoint"]; a step resumes from it, so work
// done after the last Save is done again and must be safe to repeat. A step
// started again after it failed is prepared anew: Prepare finds the failed
// attempt's prepared data (and checkpoint) in ctx.prepared and decides what
// of it to carry over.
class Checkpointer {
 public:
  virtual ~Checkpointer() = default;
  [[nodiscard]] virtual Result<void> Save(const Value& checkpoint, const Value& detail) = 0;
};

// Progress lines for people while a step waits on something slow.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void Progress(const std::string& line) = 0;
  // The same progress as figures for machines (a map: items done, the
  // total, the rate, seconds left...), beside the line for people. Ignored
  // unless the sink prints JSON.
  virtual void Figures(const Value& figures) { (void)figures; }
};

// What one call of a step type receives. The executor builds it for the call;
// the pointers are borrowed from the executor, which owns (or borrows) what
// they point to for longer than the call: a step may use them during the call
// and must not keep them afterwards.
struct StepContext {
  RunId run_id = 0;
  std::string step_id;
  std::string target;
  std::string operator_name;
  std::string idempotency_token;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  Value prepared;  // what Prepare returned (journaled)
  // params, steps, run, env: for steps that evaluate expressions. Owned by
  // the executor; valid for the duration of the call. Never null.
  const Value* scope = nullptr;
  bool assume_yes = false;
  // Set when the operator interrupted, or when this process lost its lease;
  // long-waiting steps check StopReason() and return its error promptly.
  // Null when nothing can stop the step that way.
  const std::atomic<bool>* cancel = nullptr;
  const std::atomic<bool>* lease_lost = nullptr;
  // The seams a step may use. Borrowed; never null when the executor calls a
  // step (tests that call a step directly set the ones it uses).
  Clock* clock = nullptr;
  ProcessRunner* processes = nullptr;
  Prompter* prompter = nullptr;
  ProgressSink* progress = nullptr;
  // Forward execution only (null in Check, Prepare and rollback calls).
  Checkpointer* checkpoints = nullptr;

  // kLeaseLost or kCancelled when the step should stop waiting; otherwise OK.
  Result<void> StopReason() const;
};

// Step types hold no per-run state: one instance serves every run, so its
// methods are const.
class StepType {
 public:
  virtual ~StepType() = default;
  virtual std::string_view name() const = 0;
  virtual const StepSchema& schema() const = 0;

  // Static checks beyond the schema, on inputs that may still hold templates.
  virtual Result<void> ValidateStatic(const Value& inputs) const;
  virtual std::string Describe(const Value& inputs) const = 0;
  virtual Result<std::string> Preview(const Value& inputs, StepContext& ctx) const;
  virtual Result<Value> Prepare(const Value& inputs, StepContext& ctx) const;
  virtual Result<Value> Execute(const Value& inputs, StepContext& ctx) const = 0;
  virtual Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const;
  virtual Result<void> Rollback(const Value& inputs, const Value& outputs, StepContext& ctx) const;
  virtual Result<CheckResult> CheckRollback(const Value& inputs, const Value& outputs,
                                            StepContext& ctx) const;
};

// Maps `uses:` names to step types. Populated once at start-up, then read-only
// (safe to share between threads).
class StepRegistry {
 public:
  void Register(std::unique_ptr<StepType> type);
  const StepType* Find(std::string_view name) const;
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, std::unique_ptr<StepType>, std::less<>> types_;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_STEP_H_
