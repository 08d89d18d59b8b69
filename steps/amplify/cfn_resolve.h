// Pure helpers that turn a deployed CloudFormation template into the values
// CloudFormation saw: parameter Refs replaced by their deployed values,
// Fn::If on conditions that can be decided, and Fn::Join, Fn::Split and Fn::Select of
// literals.
// Anything that cannot be decided offline (GetAtt, Refs to resources, pseudo
// parameters other than AWS::Region) is left as it was.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_CFN_RESOLVE_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_CFN_RESOLVE_H_

#include <map>
#include <string>

#include "base/value.h"

namespace flightplan::amplify {

using ParameterValues = std::map<std::string, Value, std::less<>>;

// The effective parameter values of `template_json`: each parameter's
// Default, overlaid with `given`; CommaDelimitedList strings become lists.
ParameterValues EffectiveParameters(const Value& template_json, const ParameterValues& given);

// Returns `template_json` with every resolvable intrinsic resolved (see the
// file comment). Pure; never fails: what cannot be resolved stays.
Value ResolveTemplate(const Value& template_json, const ParameterValues& params);

// True when `v` still contains an intrinsic function or Ref.
bool HasIntrinsic(const Value& v);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_CFN_RESOLVE_H_
