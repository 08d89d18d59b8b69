// A moved user pool keeps Gen1's hosted UI domain. A user pool holds one
// (prefix) domain, and Gen1's was made not by a resource the refactor can
// move but by a Lambda-backed custom resource (Custom::LambdaCallout) that
// stays in the Gen1 stack, its `Ref: UserPool` made literal by detach, and
// that goes on managing the domain until decommission retains it. Gen2's
// own AWS::Cognito::UserPoolDomain cannot follow onto the moved pool:
//   - relink takes it out of Gen2's template (Gen2's copy of the domain is
//     deleted from Gen2's own, orphaned pool; relink's rollback recreates
//     it), and what referred to it names the moved pool's domain instead;
//   - flip refuses post-refactor code that still declares a domain for that
//     pool (generate's post-refactor code removes the construct's domain).
// docs/migration-guide.md, "Refactor".
#ifndef FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_HOSTED_UI_H_
#define FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_HOSTED_UI_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "steps/aws/aws_client.h"
#include "steps/migration/refactor_plan.h"

namespace flightplan::migration {

// Destination logical id -> domain, for each moved user pool of `moves`
// that has a domain now (DescribeUserPool's Domain, else CustomDomain).
[[nodiscard]] Result<std::map<std::string, std::string>> MovedPoolDomains(
    aws::AwsClient& client, const std::vector<const RefactorMove*>& moves);

// Takes out of `template_json` each AWS::Cognito::UserPoolDomain whose
// UserPoolId is `Ref` to a pool of `pool_domains`; a `Ref` to a removed
// domain (an output, another resource) becomes that pool's domain. Returns
// the ids removed (none: the template is unchanged). Errors: kStepFailed
// when something uses an attribute of a removed domain (Fn::GetAtt), which
// has no value without it, naming it and what to do.
[[nodiscard]] Result<std::set<std::string>> DropPoolDomains(
    Value& template_json, const std::map<std::string, std::string>& pool_domains,
    const std::string& stack);

// Flip's vet for a stack receiving the pools of `pool_domains`: refuses a
// change set that adds (or replaces) an AWS::Cognito::UserPoolDomain, which
// the next deploy would try to put on a pool that has a domain already.
[[nodiscard]] Result<void> VetNoSecondDomain(const Value& change_set,
                                             const std::map<std::string, std::string>& pool_domains,
                                             const std::string& label);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_REFACTOR_HOSTED_UI_H_
