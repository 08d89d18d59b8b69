// Retry delays for steps: exponential growth from the initial delay, capped,
// with "equal jitter" (between half and all of the computed delay) so that
// several operators retrying at once spread out. Pure: the random number is
// passed in.
#ifndef FLIGHTPLAN_ENGINE_BACKOFF_H_
#define FLIGHTPLAN_ENGINE_BACKOFF_H_

#include "engine/workflow.h"

namespace flightplan {

// `attempt` is the attempt that just failed (1 for the first); `random01` is
// uniform in [0, 1).
Duration RetryDelay(const RetrySpec& retry, int attempt, double random01);

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_BACKOFF_H_
