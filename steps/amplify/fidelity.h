// The fidelity report: every stateful resource of the deployed Gen1
// templates compared with its counterpart in the synthesized Gen2
// templates, property by property. Pure: templates in, report out.
//
// A difference in an identity-defining property (key schema, attribute
// schema, username attributes, local indexes, and post-refactor the
// physical name) means the next Gen2 deploy would replace the resource and
// lose its data; Failed() is then true. Other settings are reported but do
// not fail the check. Before refactor, different names are expected.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_FIDELITY_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_FIDELITY_H_

#include <string>
#include <vector>

#include "base/value.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"

namespace flightplan::amplify {

enum class FidelityStatus {
  kSame,
  kDiffers,
  kExpectedBeforeRefactor,  // a physical name, which only refactor carries over
  kMissingInGen2,
};
std::string_view FidelityStatusName(FidelityStatus status);

struct FidelityCheck {
  std::string resource;   // "auth/mediavault1f08412d/UserPool"
  std::string type;       // AWS::Cognito::UserPool
  std::string property;   // "KeySchema", "Schema", "Triggers", ...
  bool identity = false;  // identity-defining: a difference means replacement
  FidelityStatus status = FidelityStatus::kSame;
  std::string gen1;  // compact JSON of the compared values
  std::string gen2;
};

struct FidelityReport {
  std::vector<FidelityCheck> checks;
  // True when an identity-defining property differs or a counterpart is missing.
  bool Failed() const;
  std::string ToText() const;
};

// A synthesized template and the file it came from (for messages).
struct SynthesizedTemplate {
  std::string file;
  Value body;
};

[[nodiscard]] FidelityReport CompareFidelity(const Gen1Project& project,
                                             const std::vector<SynthesizedTemplate>& gen2,
                                             RefactorPhase phase);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_FIDELITY_H_
