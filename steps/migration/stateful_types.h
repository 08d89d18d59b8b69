// Which CloudFormation resource types hold data a migration must never lose:
// one table (DynamoDB tables, Cognito user and identity pools and their
// clients, S3 buckets, Kinesis streams, KMS keys, log groups, SQS queues,
// secrets, databases, file systems, search domains), which a user extends
// with a file of extra types (one per line, `#` comments), as lock, refactor
// and decommission all classify with the same table.
//
// Thread-safety: an immutable value once built.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_STATEFUL_TYPES_H_
#define FLIGHTPLAN_STEPS_MIGRATION_STATEFUL_TYPES_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace flightplan::migration {

class StatefulTypes {
 public:
  // The built-in table only.
  StatefulTypes();
  // The table plus the types listed in `path` (empty: none). Errors:
  // kNotFound for a missing file; kInvalidInput naming file:line for a
  // line that is not a resource type ("Service::Group::Name") and for a file
  // over 64 KiB.
  [[nodiscard]] static Result<StatefulTypes> WithExtraFile(const std::string& path);

  bool IsStateful(std::string_view type) const;
  // Model tables and tables alike: deletion protection applies.
  static bool IsDynamoDbTable(std::string_view type);
  const std::set<std::string, std::less<>>& types() const { return types_; }
  const std::vector<std::string>& extra() const { return extra_; }

 private:
  std::set<std::string, std::less<>> types_;
  std::vector<std::string> extra_;  // in file order
};

// The built-in table, for the docs and `--help`.
const std::vector<std::string>& BuiltinStatefulTypes();

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_STATEFUL_TYPES_H_
