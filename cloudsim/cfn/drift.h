// Drift between what a template expects of a resource and what the resource
// actually is, computed the way DescribeStackResourceDrifts reports it: only
// properties the template sets are checked; a changed value is NOT_EQUAL, a
// list element or property that is gone is REMOVE, an extra list element is
// ADD. Paths are JSON-pointer-like ("/BillingMode", "/Tags/1/Value").
// Scalars compare by their text, so 5 and "5" are equal, as they are to
// CloudFormation.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_CLOUDSIM_CFN_DRIFT_H_
#define FLIGHTPLAN_CLOUDSIM_CFN_DRIFT_H_

#include "base/value.h"

namespace flightplan::cloudsim {

// A list of PropertyDifference maps (PropertyPath, ExpectedValue,
// ActualValue, DifferenceType); empty when in sync.
Value PropertyDifferences(const Value& expected, const Value& actual);

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_CFN_DRIFT_H_
