// Fault rules (/_sim/faults): what to do to the next matching calls.
//
// Transport-level kinds are applied by the dispatcher before a service runs:
// throttle (the service's throttling error), error (a given status and code),
// reset (the connection closes mid-response), reset_after (the call is
// applied, then the connection closes before the answer: a timeout after the
// write happened), latency (a delay, then the call proceeds). Semantic kinds are consulted by the
// services themselves: fail_stack_operation (a stack create/update/delete fails part-way and rolls
// back), fail_refactor (ExecuteStackRefactor fails and rolls back, or with "rollback_fails": true
// ends ROLLBACK_FAILED), unprocessed_items (BatchWriteItem returns every item as unprocessed).
//
// A rule matches a service ("*" = any), an operation ("*" = any) and,
// optionally, parameters that must appear in the call's key parameters. It
// lets `skip` matching calls through, then fires `count` times (-1 = always).
//
// Thread-safety: none; guarded by the World's mutex like everything else.
#ifndef FLIGHTPLAN_CLOUDSIM_FAULTS_H_
#define FLIGHTPLAN_CLOUDSIM_FAULTS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"

namespace flightplan::cloudsim {

struct FaultRule {
  std::string id;
  std::string service = "*";
  std::string operation = "*";
  std::string
      kind;  // throttle|error|reset|reset_after|latency|fail_stack_operation|fail_refactor|unprocessed_items
  Value match;  // map of key parameters that must be equal, or null
  int skip = 0;
  int count = 1;     // -1: every matching call
  int status = 500;  // kind error
  std::string code = "InternalFailure";
  std::string message = "injected fault";
  Duration latency{0};  // kind latency
  Value options;        // kind-specific ("rollback_fails", "after_resources")
  int fired = 0;

  Value ToValue() const;
  // Errors: kInvalidInput naming the bad field.
  static Result<FaultRule> FromValue(const Value& value);
};

class FaultSet {
 public:
  // Adds a rule, assigning an id when it has none; returns the id.
  std::string Add(FaultRule rule);
  void Clear() { rules_.clear(); }
  bool Remove(std::string_view id);
  Value ToValue() const;

  // The first live rule of one of `kinds` matching the call, consumed (its
  // skip/count updated); nullopt when none fires.
  std::optional<FaultRule> Take(std::string_view service, std::string_view operation,
                                const Value& key_params,
                                const std::vector<std::string_view>& kinds);

 private:
  std::vector<FaultRule> rules_;
  int next_id_ = 1;
};

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_FAULTS_H_
