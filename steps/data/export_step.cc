// dynamodb.export: a point-in-time export of a table to S3, taken before a
// deploy replaces the table (a changed key drops every item), so that
// dynamodb.import can bring the items into the new table afterwards.
//
// Point-in-time recovery is turned on first when it is off (Prepare records
// that it was off, before anything changes, so the rollback turns it off
// again). The export's ClientToken comes from the step's idempotency token:
// a retry, or a resume after a crash between the call and the journal, finds
// the export it started instead of starting a second one. The exported files
// are kept on rollback: they are the data, not a change to undo.
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

using aws::BoolAt;
using aws::IntAt;
using aws::StringAt;

// The table as Prepare found it: name, ARN, id (a replaced table has another
// id under the same name) and whether point-in-time recovery was off.
struct ExportedTable {
  std::string table;
  std::string arn;
  std::string id;
  bool pitr_off = false;
};

ExportedTable FromPrepared(const Value& prepared) {
  return {StringAt(prepared, "table"), StringAt(prepared, "table_arn"),
          StringAt(prepared, "table_id"), BoolAt(prepared, "pitr_off")};
}

Value Outputs(const ExportedTable& t, const Value& description) {
  std::string bucket = StringAt(description, "S3Bucket");
  std::string manifest = StringAt(description, "ExportManifest");
  Value out(ValueMap{});
  out.Set("table", t.table);
  out.Set("table_id", t.id);
  out.Set("export_arn", StringAt(description, "ExportArn"));
  out.Set("bucket", bucket);
  out.Set("prefix", StringAt(description, "S3Prefix"));
  out.Set("manifest",
          manifest.empty() ? std::string() : fmt::format("s3://{}/{}", bucket, manifest));
  out.Set("items", IntAt(description, "ItemCount"));
  out.Set("pitr_enabled", t.pitr_off);
  return out;
}

class ExportStep final : public StepType {
 public:
  explicit ExportStep(aws::ClientPool& clients) : clients_(clients) {}

  std::string_view name() const override { return "dynamodb.export"; }

  const StepSchema& schema() const override {
    static const StepSchema kSchema = [] {
      StepSchema s;
      s.summary =
          "Export a DynamoDB table to S3 as of now (point-in-time recovery turned on if off), "
          "before a deploy replaces the table; the files are kept on rollback";
      s.inputs = DataTargetFields();
      s.inputs.push_back({"bucket",
                          FieldType::kString,
                          true,
                          "the S3 bucket the export is written to (in the table's account)",
                          {}});
      s.inputs.push_back({"prefix",
                          FieldType::kString,
                          false,
                          "the key prefix of the export (default flightplan/exports/<table>); "
                          "DynamoDB adds AWSDynamoDB/<export id>/",
                          {}});
      s.outputs = {
          {"table", FieldType::kString, false, "the table exported", {}},
          {"table_id", FieldType::kString, false, "its TableId (a replaced table has another)", {}},
          {"export_arn",
           FieldType::kString,
           false,
           "the export's ARN (dynamodb.import reads it)",
           {}},
          {"bucket", FieldType::kString, false, "where the export is", {}},
          {"prefix", FieldType::kString, false, "its key prefix", {}},
          {"manifest", FieldType::kString, false, "s3:// address of manifest-summary.json", {}},
          {"items", FieldType::kInteger, false, "items exported, as DynamoDB counts them", {}},
          {"pitr_enabled",
           FieldType::kBoolean,
           false,
           "point-in-time recovery was off and this step turned it on",
           {}},
      };
      s.has_check = true;
      return s;
    }();
    return kSchema;
  }

  std::string Describe(const Value& inputs) const override {
    return fmt::format("export {} to s3://{}/", DescribeTarget(inputs), StringAt(inputs, "bucket"));
  }

  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ExportedTable t, Look(inputs, ctx));
    return fmt::format("{}: {}ExportTableToPointInTime to s3://{}/{}/", t.table,
                       t.pitr_off ? "point-in-time recovery turned on, then " : "",
                       StringAt(inputs, "bucket"), Prefix(inputs, t.table));
  }

  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ExportedTable t, Look(inputs, ctx));
    Value prepared(ValueMap{});
    prepared.Set("table", t.table);
    prepared.Set("table_arn", t.arn);
    prepared.Set("table_id", t.id);
    // Prepared again after a failed attempt, which may have turned recovery
    // on itself: what that attempt found stays the truth for the rollback.
    const bool turned_on_before =
        StringAt(ctx.prepared, "table_id") == t.id && BoolAt(ctx.prepared, "pitr_off");
    prepared.Set("pitr_off", t.pitr_off || turned_on_before);
    return prepared;
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ExportedTable t = FromPrepared(ctx.prepared);
    if (t.arn.empty()) {
      return MakeError(ErrorCode::kInternal, "the journaled dynamodb.export plan has no table ARN");
    }
    ASSIGN_OR_RETURN(aws::AwsClient * client, ClientFor(inputs, ctx));
    aws::DynamoDbClient ddb(*client);
    ASSIGN_OR_RETURN(Value continuous, ddb.DescribeContinuousBackups(t.table));
    if (!aws::PointInTimeRecoveryOn(continuous)) {
      if (!t.pitr_off) {
        // It was on when the step prepared; someone turned it off since. The
        // rollback would not know to turn it off, so it is not turned on here.
        return MakeError(ErrorCode::kConflict,
                         fmt::format("point-in-time recovery of {} was turned off after this "
                                     "step looked; turn it on again (aws dynamodb "
                                     "update-continuous-backups) and resume",
                                     t.table));
      }
      TRY(ddb.SetPointInTimeRecovery(t.table, true));
      Progress(ctx, fmt::format("{}: point-in-time recovery turned on", t.table));
    }
    bool started = false;
    ASSIGN_OR_RETURN(std::string arn,
                     ddb.ExportOnce({t.arn, StringAt(inputs, "bucket"), Prefix(inputs, t.table),
                                     aws::StepExportToken(ctx.idempotency_token, t.table)},
                                    &started));
    Progress(ctx, fmt::format("{}: {} export {}", t.table, started ? "started" : "found this run's",
                              arn));
    ASSIGN_OR_RETURN(Value described,
                     aws::WaitFor(
                         *ctx.clock, aws::ExportWaitOptions(ctx), "export of " + t.table,
                         [&] { return ddb.DescribeExport(arn); }, aws::ClassifyExport));
    const Value* d = described.Find("ExportDescription");
    return Outputs(t, d != nullptr ? *d : Value(ValueMap{}));
  }

  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ExportedTable t = FromPrepared(ctx.prepared);
    ASSIGN_OR_RETURN(aws::AwsClient * client, ClientFor(inputs, ctx));
    aws::DynamoDbClient ddb(*client);
    ASSIGN_OR_RETURN(std::optional<Value> found,
                     ddb.FindExport(t.arn, aws::StepExportToken(ctx.idempotency_token, t.table)));
    if (!found) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         fmt::format("no export of {} by this step: it is started now", t.table)};
    }
    if (StringAt(*found, "ExportStatus") != "COMPLETED") {
      return CheckResult{
          CheckOutcome::kNotDone, Value(),
          fmt::format("this step's export of {} is {}: {}", t.table,
                      StringAt(*found, "ExportStatus"),
                      StringAt(*found, "ExportStatus") == "IN_PROGRESS" ? "waiting for it"
                                                                        : "it is started again")};
    }
    return CheckResult{CheckOutcome::kDone, Outputs(t, *found),
                       fmt::format("this step's export of {} is complete", t.table)};
  }

  // Turns point-in-time recovery off again when this step turned it on and
  // the table is still the one exported; the export's files are kept.
  Result<void> Rollback(const Value& inputs, const Value& outputs,
                        StepContext& ctx) const override {
    ExportedTable t = FromPrepared(ctx.prepared);
    ASSIGN_OR_RETURN(aws::AwsClient * client, ClientFor(inputs, ctx));
    aws::DynamoDbClient ddb(*client);
    if (t.pitr_off) {
      ASSIGN_OR_RETURN(bool same, SameTable(ddb, t));
      if (!same) {
        Progress(ctx, fmt::format("{} is no longer the table exported (it was replaced or "
                                  "deleted): its point-in-time recovery is left as it is",
                                  t.table));
      } else {
        ASSIGN_OR_RETURN(Value continuous, ddb.DescribeContinuousBackups(t.table));
        if (aws::PointInTimeRecoveryOn(continuous)) {
          TRY(ddb.SetPointInTimeRecovery(t.table, false));
          Progress(ctx, fmt::format("{}: point-in-time recovery off again (the export had "
                                    "turned it on)",
                                    t.table));
        }
      }
    }
    std::string manifest = StringAt(outputs, "manifest");
    Progress(ctx, fmt::format("kept the export{}: rollback never deletes exported data (delete "
                              "it yourself when it is no longer needed)",
                              manifest.empty() ? std::string() : " " + manifest));
    return {};
  }

  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    ExportedTable t = FromPrepared(ctx.prepared);
    if (t.pitr_off) {
      ASSIGN_OR_RETURN(aws::AwsClient * client, ClientFor(inputs, ctx));
      aws::DynamoDbClient ddb(*client);
      ASSIGN_OR_RETURN(bool same, SameTable(ddb, t));
      if (same) {
        ASSIGN_OR_RETURN(Value continuous, ddb.DescribeContinuousBackups(t.table));
        if (aws::PointInTimeRecoveryOn(continuous)) {
          return CheckResult{CheckOutcome::kNotDone, Value(),
                             fmt::format("point-in-time recovery of {} is still on", t.table)};
        }
      }
    }
    return CheckResult{CheckOutcome::kDone, Value(), "nothing this step turned on is left on"};
  }

 private:
  static void Progress(const StepContext& ctx, const std::string& line) {
    if (ctx.progress != nullptr) ctx.progress->Progress(line);
  }

  static std::string Prefix(const Value& inputs, const std::string& table) {
    std::string prefix = StringAt(inputs, "prefix");
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    return prefix.empty() ? "flightplan/exports/" + table : prefix;
  }

  // Whether the table under the exported name is the one exported.
  static Result<bool> SameTable(aws::DynamoDbClient& ddb, const ExportedTable& t) {
    auto described = ddb.DescribeTable(t.table);
    if (!described) {
      if (described.error().code() == ErrorCode::kNotFound) return false;
      return MakeError(std::move(described.error()));
    }
    const Value* table = described->Find("Table");
    return table != nullptr && StringAt(*table, "TableId") == t.id;
  }

  Result<aws::AwsClient*> ClientFor(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(DataTarget target, ReadDataTarget(inputs, ctx));
    return clients_.Get(target.profile, target.region);
  }

  // Reads only: the table's name, ARN, id and point-in-time recovery.
  Result<ExportedTable> Look(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(DataTarget target, ReadDataTarget(inputs, ctx));
    ASSIGN_OR_RETURN(aws::AwsClient * client, clients_.Get(target.profile, target.region));
    ExportedTable t;
    ASSIGN_OR_RETURN(t.table, ResolveTable(*client, *ctx.clock, target));
    aws::DynamoDbClient ddb(*client);
    ASSIGN_OR_RETURN(Value described, ddb.DescribeTable(t.table));
    const Value* table = described.Find("Table");
    t.arn = table != nullptr ? StringAt(*table, "TableArn") : "";
    t.id = table != nullptr ? StringAt(*table, "TableId") : "";
    if (t.arn.empty()) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("DescribeTable of {} gave no TableArn", t.table));
    }
    ASSIGN_OR_RETURN(Value continuous, ddb.DescribeContinuousBackups(t.table));
    t.pitr_off = !aws::PointInTimeRecoveryOn(continuous);
    return t;
  }

  aws::ClientPool& clients_;
};

}  // namespace

std::unique_ptr<StepType> MakeExportStep(aws::ClientPool& clients) {
  return std::make_unique<ExportStep>(clients);
}

}  // namespace flightplan::data
