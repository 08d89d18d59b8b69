// CloudFormation templates: parsing (JSON or YAML with the short-form tags),
// validation with AWS's "Template format error" messages, parameters,
// conditions, dependency order and intrinsic-function evaluation.
//
// A template is a plain Value in the long form ({"Ref": x},
// {"Fn::GetAtt": [a, b]}); evaluation asks an EvalContext for what the
// template alone cannot know (resource physical ids and attributes, exports).
//
// Thread-safety: pure functions; an Evaluator is used from one thread.
#ifndef FLIGHTPLAN_CLOUDSIM_CFN_TEMPLATE_H_
#define FLIGHTPLAN_CLOUDSIM_CFN_TEMPLATE_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/value.h"
#include "cloudsim/sim.h"

namespace flightplan::cloudsim::cfn {

// The biggest TemplateBody CloudFormation accepts inline.
inline constexpr size_t kMaxTemplateBodyBytes = 51200;
// The biggest template CloudFormation reads from S3 (TemplateURL).
inline constexpr size_t kMaxTemplateBytes = size_t{1024} * 1024;
// The most nodes a YAML template may have once its aliases are expanded: more
// than any alias-free template of kMaxTemplateBytes holds.
inline constexpr size_t kMaxTemplateNodes = 1'000'000;

// JSON when the text starts with '{', else YAML (short tags mapped to the
// long form). Errors: ValidationError "Template format error: ...", also for
// a text over kMaxTemplateBytes or a YAML template whose aliases expand past
// kMaxTemplateNodes (with the line and column where it does).
SimResult<Value> ParseTemplate(std::string_view text);

// Structure checks CloudFormation makes before anything is created: a
// Resources map of typed resources, known intrinsic functions, references
// to declared parameters/resources/pseudo parameters only, conditions that
// exist, and no dependency cycle.
SimResult<void> ValidateTemplate(const Value& tmpl);

// The logical ids (resources and parameters) a value refers to through Ref,
// Fn::GetAtt and Fn::Sub, excluding pseudo parameters. Sorted, unique.
std::set<std::string> References(const Value& value);
// The resources `logical_id` depends on in `tmpl`: its references that are
// resources plus DependsOn.
std::set<std::string> ResourceDependencies(const Value& tmpl, std::string_view logical_id);
// Resources in creation order (dependencies first; ties by logical id).
// Errors: "Circular dependency between resources: [A, B]".
SimResult<std::vector<std::string>> DependencyOrder(const Value& tmpl);

bool IsPseudoParameter(std::string_view name);

// A resolved parameter as the stack keeps it.
struct ParameterValue {
  std::string key;
  Value value;           // string, or a list for list types
  std::string text;      // as given ("a,b" for lists)
  std::string resolved;  // SSM parameter types: the resolved value
  bool no_echo = false;
};

// Input parameters: key -> value, or key -> nullopt-like "use previous".
struct GivenParameter {
  std::string key;
  std::string value;
  bool use_previous = false;
};

// Resolves the template's Parameters against `given` (and `previous` for
// UsePreviousValue). Errors: ValidationError for a missing value
// ("Parameters: [X] must have values"), an undeclared key ("Parameters: [X]
// do not exist in the template"), a value outside AllowedValues or not a
// number.
SimResult<std::vector<ParameterValue>> ResolveParameters(
    const Value& tmpl, const std::vector<GivenParameter>& given,
    const std::vector<ParameterValue>& previous = {});

// What evaluation needs from the stack being operated on.
class EvalContext {
 public:
  virtual ~EvalContext() = default;
  // Pseudo parameters and parameters are answered by the Evaluator; this is
  // asked for resources only. Errors: the resource has no physical id yet.
  virtual SimResult<Value> ResourceRef(std::string_view logical_id) const = 0;
  virtual SimResult<Value> ResourceAttribute(std::string_view logical_id,
                                             std::string_view attribute) const = 0;
  // Fn::ImportValue. Errors: "No export named X found."
  virtual SimResult<Value> ImportValue(std::string_view export_name) const = 0;
};

struct PseudoParameters {
  std::string account_id;
  std::string region;
  std::string stack_name;
  std::string stack_id;
  std::vector<std::string> notification_arns;
};

// Evaluates intrinsic functions of one template with fixed parameters.
class Evaluator {
 public:
  Evaluator(const Value& tmpl, std::vector<ParameterValue> parameters, PseudoParameters pseudo,
            const EvalContext* context);

  // Evaluates the Conditions section; call before Condition()/Evaluate().
  SimResult<void> EvaluateConditions();
  // False for an unknown condition.
  bool Condition(std::string_view name) const;
  // Whether a resource/output exists under its "Condition" key.
  bool Included(const Value& entry) const;

  // Resolves every intrinsic function in `value`; AWS::NoValue removes the
  // enclosing map member or list element.
  SimResult<Value> Evaluate(const Value& value) const;

  const std::vector<ParameterValue>& parameters() const { return parameters_; }
  const PseudoParameters& pseudo() const { return pseudo_; }

 private:
  SimResult<Value> Ref(const std::string& name) const;
  SimResult<Value> Sub(const Value& args) const;
  SimResult<Value> Function(std::string_view name, const Value& args) const;
  SimResult<bool> ConditionValue(const std::string& name, int depth) const;
  SimResult<bool> EvaluateCondition(const Value& expression, int depth) const;
  // nullopt-like: `removed` set when the value is AWS::NoValue.
  SimResult<Value> EvaluateInner(const Value& value, bool* removed) const;

  const Value& tmpl_;
  std::vector<ParameterValue> parameters_;
  PseudoParameters pseudo_;
  const EvalContext* context_;
  mutable std::map<std::string, bool, std::less<>> conditions_;
};

// True when `v` is {"Ref": "AWS::NoValue"}.
bool IsNoValue(const Value& v);

}  // namespace flightplan::cloudsim::cfn

#endif  // FLIGHTPLAN_CLOUDSIM_CFN_TEMPLATE_H_
