// The in-memory form of a workflow file (docs/workflow-reference.md). Built
// only by LoadWorkflow (engine/workflow_loader.h), which validates everything
// before a Workflow exists, so code holding one may rely on: unique step ids,
// known step types, inputs that match their schemas, and references only to
// declared params and to outputs of earlier steps.
#ifndef FLIGHTPLAN_ENGINE_WORKFLOW_H_
#define FLIGHTPLAN_ENGINE_WORKFLOW_H_

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/value.h"

namespace flightplan {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string ToString() const;
};

enum class ParamType { kString, kInteger, kNumber, kBoolean, kList, kMap };
std::string_view ParamTypeName(ParamType type);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  bool required = false;
  std::optional<Value> default_value;
  bool secret = false;  // never journaled or logged; re-supplied on resume
  std::string env;      // environment variable that supplies the value
  std::string description;
  SourceLocation location;
};

enum class StepKind { kAction, kValidation };
enum class RollbackMode { kAuto, kExplicit, kNone };
enum class OnFailure { kStop, kRollback };

struct RollbackSpec {
  RollbackMode mode = RollbackMode::kAuto;
  std::string uses;    // kExplicit: the step type that undoes
  Value with;          // kExplicit: its inputs (templates)
  std::string reason;  // kNone: why nothing can be undone
};

struct RetrySpec {
  int attempts = 1;  // total tries, including the first
  Duration initial_delay{1000};
  Duration max_delay{20000};
  double multiplier = 2.0;
};

struct ConfirmSpec {
  bool required = false;
  std::string message;
  std::string typed;  // when set, the operator must type exactly this
};

struct StepSpec {
  std::string id;
  std::string uses;
  Value with;  // ValueMap of templates
  StepKind kind = StepKind::kAction;
  RollbackSpec rollback;
  RetrySpec retry;
  std::optional<Duration> timeout;
  ConfirmSpec confirm;
  std::string when;  // expression; empty means always
  std::string description;
  SourceLocation location;
};

struct Workflow {
  std::string name;
  int version = 1;
  std::string description;
  std::string phase;
  std::string target;  // template; empty: the workflow's name
  std::vector<std::string> requires_workflows;
  std::vector<ParamSpec> params;
  OnFailure on_failure = OnFailure::kStop;
  // A read-only workflow (drift) whose succeeded run does not end it on its
  // target: each start is a new run.
  bool repeatable = false;
  // A workflow whose succeeded run ends its target's history (cleanup):
  // engine/target_history.h.
  bool closes_target = false;
  std::vector<StepSpec> steps;

  std::string source;  // file path, or "builtin:<path>" for embedded ones
  std::string text;    // the definition as loaded; its SHA-256 is pinned by a run

  const StepSpec* FindStep(std::string_view id) const;
  const ParamSpec* FindParam(std::string_view param_name) const;
};

// "90s", "5m", "1h30m", "250ms", or a bare number of seconds.
Result<Duration> ParseDuration(std::string_view text);
std::string FormatDuration(Duration d);

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_WORKFLOW_H_
