// Stack refactors and drift detections of the simulated account.
//
// A refactor is decided when it is created (the moves, or why it fails) and
// executed at once when ExecuteStackRefactor arrives; like stack operations,
// its statuses become visible after the World's operation delay: `pending_*`
// hold the statuses it reaches at `reveal_at`.
//
// Thread-safety: none; the World's mutex guards every call.
#ifndef FLIGHTPLAN_CLOUDSIM_STORES_REFACTOR_STORE_H_
#define FLIGHTPLAN_CLOUDSIM_STORES_REFACTOR_STORE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"

namespace flightplan::cloudsim {

struct StackRefactorRecord {
  std::string id;
  std::string description;
  bool enable_stack_creation = false;
  std::vector<std::string> stack_names;
  std::vector<std::string> stack_ids;
  // Per stack (same order as stack_names): the new template and its text.
  std::vector<Value> new_templates;
  std::vector<std::string> template_texts;
  // When each existing stack was last changed as the refactor was created;
  // a stack changed since makes the refactor OBSOLETE.
  std::vector<int64_t> stack_versions;
  Value moves;  // list of {SourceStack, SourceLogicalId, DestinationStack, DestinationLogicalId,
                // PhysicalResourceId, Type}
  Value created_stacks;  // list of stack names
  Value actions;         // ListStackRefactorActions entries
  std::string status;
  std::string status_reason;
  std::string execution_status;
  std::string execution_status_reason;
  // Statuses reached at reveal_at (empty: nothing pending).
  std::optional<Timestamp> reveal_at;
  std::string pending_status;
  std::string pending_status_reason;
  std::string pending_execution_status;
  std::string pending_execution_status_reason;
  Timestamp created{};

  Value ToValue() const;
  static StackRefactorRecord FromValue(const Value& value);
};

struct DriftDetection {
  std::string id;
  std::string stack_id;
  std::string stack_drift_status;  // DRIFTED, IN_SYNC
  int drifted_count = 0;
  Value resource_drifts;  // list of StackResourceDrift shapes
  Timestamp timestamp{};
};

class RefactorStore {
 public:
  std::vector<StackRefactorRecord>& refactors() { return refactors_; }
  StackRefactorRecord* Find(std::string_view id);
  std::vector<DriftDetection>& detections() { return detections_; }
  DriftDetection* FindDetection(std::string_view id);
  // The latest detection of a stack; nullptr when none.
  const DriftDetection* LatestDetection(std::string_view stack_id) const;

  Value Dump() const;
  Result<void> Load(const Value& state);
  void Reset();

 private:
  std::vector<StackRefactorRecord> refactors_;
  std::vector<DriftDetection> detections_;
};

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_STORES_REFACTOR_STORE_H_
