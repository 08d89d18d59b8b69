// dynamodb.backup: an on-demand backup of a table before a migration changes
// it. `flightplan data migrate` adds one before every dynamodb.transform
// unless the transform says `backup: false` (cli/data_migrations.h).
//
// The backup's name comes from the step's idempotency token, so a retry, or a
// resume after a crash between CreateBackup and the journal, finds the backup
// it took (ListBackups by name) instead of taking a second one. It has no
// rollback: the backup is the way back, not a change to undo, and is kept.
#include <fmt/format.h>

#include <memory>

#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/aws/waiter.h"
#include "steps/data/data_steps.h"
#include "steps/data/data_target.h"
#include "steps/data/step_types.h"

namespace flightplan::data {
namespace {

using aws::IntAt;
using aws::StringAt;

Value Outputs(const std::string& table, const Value& details) {
  Value out(ValueMap{});
  out.Set("table", table);
  out.Set("backup_arn", StringAt(details, "BackupArn"));
  out.Set("backup_name", StringAt(details, "BackupName"));
  out.Set("size_bytes", IntAt(details, "BackupSizeBytes"));
  out.Set("restore",
          fmt::format("aws dynamodb restore-table-from-backup --target-table-name {}-restored "
                      "--backup-arn {}",
                      table, StringAt(details, "BackupArn")));
  return out;
}

class BackupStep final : public StepType {
 public:
  explicit BackupStep(aws::ClientPool& clients) : clients_(clients) {}

  std::string_view name() const override { return "dynamodb.backup"; }

  const StepSchema& schema() const override {
    static const StepSchema kSchema = [] {
      StepSchema s;
      s.summary =
          "Take an on-demand backup of a DynamoDB table (once per run, found again after a "
          "crash); kept on rollback";
      s.inputs = DataTargetFields();
      s.outputs = {
          {"table", FieldType::kString, false, "the table backed up", {}},
          {"backup_arn", FieldType::kString, false, "the backup's ARN", {}},
          {"backup_name", FieldType::kString, false, "the backup's name", {}},
          {"size_bytes", FieldType::kInteger, false, "the backup's size as DynamoDB gives it", {}},
          {"restore", FieldType::kString, false, "the AWS CLI command that restores it", {}},
      };
      s.has_check = true;
      return s;
    }();
    return kSchema;
  }

  std::string Describe(const Value& inputs) const override {
    return fmt::format("take an on-demand backup of {}", DescribeTarget(inputs));
  }

  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(std::string table, Resolve(inputs, ctx));
    return fmt::format("{}: an on-demand backup (CreateBackup)", table);
  }

  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(std::string table, Resolve(inputs, ctx));
    Value prepared(ValueMap{});
    prepared.Set("table", table);
    return prepared;
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    std::string table = StringAt(ctx.prepared, "table");
    ASSIGN_OR_RETURN(aws::AwsClient * client, ClientFor(inputs, ctx));
    aws::DynamoDbClient ddb(*client);
    std::string name = aws::StepBackupName(ctx.idempotency_token, table);
    ASSIGN_OR_RETURN(std::optional<Value> found, ddb.FindBackup(table, name));
    std::string arn;
    if (found) {
      arn = StringAt(*found, "BackupArn");
    } else {
      ASSIGN_OR_RETURN(Value created, ddb.CreateBackup(table, name));
      const Value* details = created.Find("BackupDetails");
      arn = details != nullptr ? StringAt(*details, "BackupArn") : "";
      if (arn.empty()) {
        return MakeError(ErrorCode::kStepFailed,
                         fmt::format("CreateBackup of {} answered without a BackupArn", table));
      }
    }
    ASSIGN_OR_RETURN(Value described,
                     aws::WaitFor(
                         *ctx.clock, aws::StepWaitOptions(ctx), "backup " + name,
                         [&] { return ddb.DescribeBackup(arn); }, aws::ClassifyBackupCreation));
    const Value* d = described.Find("BackupDescription");
    const Value* details = d != nullptr ? d->Find("BackupDetails") : nullptr;
    return Outputs(table, details != nullptr ? *details : Value(ValueMap{}));
  }

  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    std::string table = StringAt(ctx.prepared, "table");
    ASSIGN_OR_RETURN(aws::AwsClient * client, ClientFor(inputs, ctx));
    aws::DynamoDbClient ddb(*client);
    std::string name = aws::StepBackupName(ctx.idempotency_token, table);
    ASSIGN_OR_RETURN(std::optional<Value> found, ddb.FindBackup(table, name));
    if (!found) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         fmt::format("no backup {} of {}: it is taken now", name, table)};
    }
    if (StringAt(*found, "BackupStatus") != "AVAILABLE") {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         fmt::format("the backup {} of {} is {}: waiting for it", name, table,
                                     StringAt(*found, "BackupStatus"))};
    }
    return CheckResult{CheckOutcome::kDone, Outputs(table, *found),
                       fmt::format("the backup {} of {} is available", name, table)};
  }

 private:
  Result<aws::AwsClient*> ClientFor(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(DataTarget target, ReadDataTarget(inputs, ctx));
    return clients_.Get(target.profile, target.region);
  }

  Result<std::string> Resolve(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(DataTarget target, ReadDataTarget(inputs, ctx));
    ASSIGN_OR_RETURN(aws::AwsClient * client, clients_.Get(target.profile, target.region));
    return ResolveTable(*client, *ctx.clock, target);
  }

  aws::ClientPool& clients_;
};

}  // namespace

std::unique_ptr<StepType> MakeBackupStep(aws::ClientPool& clients) {
  return std::make_unique<BackupStep>(clients);
}

}  // namespace flightplan::data
