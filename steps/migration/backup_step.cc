// migration.backup: a way back for the environment's data before anything
// moves (docs/migration-guide.md, "Backup"). Every DynamoDB table of the
// root and nested stacks gets an on-demand backup (CreateBackup), or with
// `export` a point-in-time export to S3 (point-in-time recovery enabled
// first where it is off; Prepare records those tables so rollback can turn
// it off again).
//
// Idempotent without trusting the journal: the backup name and the export's
// ClientToken derive from the run's idempotency token, so Execute (and Check
// after a crash) find the backup or export this run started — ListBackups by
// table, ListExports by table ARN — before taking another.
//
// Rollback never deletes a backup or an export: it turns point-in-time
// recovery off where this step turned it on, and says what is kept.
#include <fmt/format.h>

#include <set>

#include "base/digest.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/aws/waiter.h"
#include "steps/migration/register_parts.h"
#include "steps/migration/step_support.h"

namespace flightplan::migration {
namespace {

using aws::IntAt;
using aws::ListAt;
using aws::StringAt;

constexpr std::string_view kTableType = "AWS::DynamoDB::Table";

// One table as Prepare found it.
struct TablePlan {
  std::string table;
  std::string stack;  // the stack's logical path ("" for the root)
  std::string logical_id;
  std::string arn;        // export mode only
  bool pitr_off = false;  // export mode: PITR was off before this run
};

struct BackupPlan {
  bool export_mode = false;
  std::string bucket;  // export mode: where the exports go
  std::string prefix;  // export mode: the run's prefix in the bucket
  std::vector<TablePlan> tables;
};

Value ToValue(const BackupPlan& plan) {
  ValueList tables;
  for (const TablePlan& t : plan.tables) {
    Value v(ValueMap{});
    v.Set("table", t.table);
    v.Set("stack", t.stack);
    v.Set("logical_id", t.logical_id);
    v.Set("arn", t.arn);
    v.Set("pitr_off", t.pitr_off);
    tables.push_back(std::move(v));
  }
  Value out(ValueMap{});
  out.Set("mode", plan.export_mode ? "export" : "backup");
  out.Set("bucket", plan.bucket);
  out.Set("prefix", plan.prefix);
  out.Set("tables", Value(std::move(tables)));
  return out;
}

Result<BackupPlan> PlanFrom(const Value& prepared) {
  if (!prepared.is_map() || prepared.Find("tables") == nullptr) {
    return MakeError(ErrorCode::kInternal, "the journaled backup plan has no tables");
  }
  BackupPlan plan;
  plan.export_mode = StringAt(prepared, "mode") == "export";
  plan.bucket = StringAt(prepared, "bucket");
  plan.prefix = StringAt(prepared, "prefix");
  for (const Value& v : ListAt(prepared, "tables")) {
    plan.tables.push_back(TablePlan{StringAt(v, "table"), StringAt(v, "stack"),
                                    StringAt(v, "logical_id"), StringAt(v, "arn"),
                                    aws::BoolAt(v, "pitr_off")});
  }
  return plan;
}

std::string ExportPrefix(const BackupPlan& plan, const TablePlan& t) {
  return plan.prefix + "/" + t.table;
}

Value BackupEntry(const std::string& table, const Value& details) {
  Value out(ValueMap{});
  out.Set("table", table);
  out.Set("arn", StringAt(details, "BackupArn"));
  out.Set("name", StringAt(details, "BackupName"));
  out.Set("status", StringAt(details, "BackupStatus"));
  out.Set("size", IntAt(details, "BackupSizeBytes"));
  return out;
}

Value ExportEntry(const std::string& table, const Value& description) {
  std::string bucket = StringAt(description, "S3Bucket");
  std::string manifest = StringAt(description, "ExportManifest");
  Value out(ValueMap{});
  out.Set("table", table);
  out.Set("export_arn", StringAt(description, "ExportArn"));
  out.Set("status", StringAt(description, "ExportStatus"));
  out.Set("manifest",
          manifest.empty() ? std::string() : fmt::format("s3://{}/{}", bucket, manifest));
  out.Set("bucket", bucket);
  out.Set("prefix", StringAt(description, "S3Prefix"));
  out.Set("items", IntAt(description, "ItemCount"));
  return out;
}

Value Outputs(const BackupPlan& plan, ValueList entries) {
  size_t count = entries.size();
  Value out(ValueMap{});
  out.Set("mode", plan.export_mode ? "export" : "backup");
  out.Set("tables", static_cast<int64_t>(plan.tables.size()));
  if (plan.export_mode) {
    out.Set("exports", Value(std::move(entries)));
    out.Set("backups", Value(ValueList{}));
    out.Set("summary", fmt::format("exported {} DynamoDB tables to s3://{}/{}", count, plan.bucket,
                                   plan.prefix));
  } else {
    out.Set("backups", Value(std::move(entries)));
    out.Set("exports", Value(ValueList{}));
    out.Set("summary", fmt::format("took an on-demand backup of {} DynamoDB tables", count));
  }
  return out;
}

class BackupStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.backup"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema = [] {
      std::vector<FieldSpec> inputs = EnvFields();
      inputs.push_back({"export",
                        FieldType::kBoolean,
                        false,
                        "export each table to S3 at a point in time instead of an on-demand "
                        "backup (enables point-in-time recovery where it is off)",
                        {}});
      inputs.push_back({"export_bucket",
                        FieldType::kString,
                        false,
                        "the bucket exports go to (default: the deployment bucket)",
                        {}});
      return StepSchema{
          "Back up every DynamoDB table of the environment (on-demand backups, or point-in-time "
          "exports to S3); rollback keeps them",
          std::move(inputs),
          {{"mode", FieldType::kString, false, "backup or export", {}},
           {"tables", FieldType::kInteger, false, "how many tables", {}},
           {"backups",
            FieldType::kList,
            false,
            "{table, arn, name, status, size} per table (backup mode)",
            {}},
           {"exports",
            FieldType::kList,
            false,
            "{table, export_arn, status, manifest (s3:// URL), bucket, prefix, items} per table "
            "(export mode)",
            {}},
           {"summary", FieldType::kString, false, "one line for the operator", {}}},
          /*has_auto_rollback=*/true,
          /*has_check=*/true};
    }();
    return kSchema;
  }

  std::string Describe(const Value& inputs) const override {
    auto env = ReadEnvInputs(inputs);
    std::string where = env ? env->Describe() : std::string("the environment");
    if (InputBool(inputs, "export")) {
      return fmt::format(
          "export every DynamoDB table of {} to S3 at a point in time (enabling point-in-time "
          "recovery where it is off)",
          where);
    }
    return fmt::format("take an on-demand backup of every DynamoDB table of {}", where);
  }

  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(BackupPlan plan, Plan(inputs, ctx));
    if (plan.tables.empty()) return std::string("the environment has no DynamoDB table\n");
    std::string out;
    for (const TablePlan& t : plan.tables) {
      if (plan.export_mode) {
        out += fmt::format("{} ({}{}): {}ExportTableToPointInTime to s3://{}/{}/\n", t.table,
                           t.stack.empty() ? "root stack" : t.stack, "/" + t.logical_id,
                           t.pitr_off ? "enable point-in-time recovery (off now), then " : "",
                           plan.bucket, ExportPrefix(plan, t));
      } else {
        out += fmt::format("{} ({}{}): CreateBackup\n", t.table,
                           t.stack.empty() ? "root stack" : t.stack, "/" + t.logical_id);
      }
    }
    return out;
  }

  // Export mode: which tables have PITR off (to turn off again on
  // rollback). A retried attempt keeps the tables an earlier attempt found
  // off, since that attempt may have turned them on.
  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(BackupPlan plan, Plan(inputs, ctx));
    std::set<std::string> earlier_off;
    if (Result<BackupPlan> earlier = PlanFrom(ctx.prepared)) {
      for (const TablePlan& t : earlier->tables) {
        if (t.pitr_off) earlier_off.insert(t.table);
      }
    }
    for (TablePlan& t : plan.tables) {
      if (earlier_off.count(t.table) != 0) t.pitr_off = true;
    }
    return ToValue(plan);
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(BackupPlan plan, PlanFrom(ctx.prepared));
    aws::DynamoDbClient ddb(*client);
    ValueList entries;
    for (const TablePlan& t : plan.tables) {
      TRY(ctx.StopReason());
      Result<Value> entry =
          plan.export_mode ? ExportTable(ddb, ctx, plan, t) : BackUpTable(ddb, ctx, t);
      if (!entry) return MakeError(std::move(entry.error()).WithContext("table " + t.table));
      entries.push_back(std::move(*entry));
    }
    return Outputs(plan, std::move(entries));
  }

  // Done when every table has this run's backup AVAILABLE (export: this
  // run's export COMPLETED); otherwise running again finds what exists and
  // takes only what is missing.
  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(BackupPlan plan, PlanFrom(ctx.prepared));
    aws::DynamoDbClient ddb(*client);
    ValueList entries;
    int missing = 0;
    int unfinished = 0;
    for (const TablePlan& t : plan.tables) {
      if (plan.export_mode) {
        ASSIGN_OR_RETURN(
            std::optional<Value> found,
            ddb.FindExport(t.arn, aws::StepExportToken(ctx.idempotency_token, t.table)));
        if (!found) {
          ++missing;
        } else if (StringAt(*found, "ExportStatus") != "COMPLETED") {
          ++unfinished;
        } else {
          entries.push_back(ExportEntry(t.table, *found));
        }
      } else {
        ASSIGN_OR_RETURN(
            std::optional<Value> found,
            ddb.FindBackup(t.table, aws::StepBackupName(ctx.idempotency_token, t.table)));
        if (!found) {
          ++missing;
        } else if (StringAt(*found, "BackupStatus") != "AVAILABLE") {
          ++unfinished;
        } else {
          entries.push_back(BackupEntry(t.table, *found));
        }
      }
    }
    std::string what = plan.export_mode ? "export" : "backup";
    if (missing == 0 && unfinished == 0) {
      return CheckResult{CheckOutcome::kDone, Outputs(plan, std::move(entries)),
                         fmt::format("every table has this run's {}", what)};
    }
    return CheckResult{CheckOutcome::kNotDone, Value(),
                       fmt::format("{} of {} tables have no {} of this run yet, {} unfinished",
                                   missing, plan.tables.size(), what, unfinished)};
  }

  Result<void> Rollback(const Value& inputs, const Value& outputs,
                        StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(BackupPlan plan, PlanFrom(ctx.prepared));
    aws::DynamoDbClient ddb(*client);
    for (const TablePlan& t : plan.tables) {
      if (!t.pitr_off) continue;
      TRY(ctx.StopReason());
      ASSIGN_OR_RETURN(Value described, ddb.DescribeContinuousBackups(t.table));
      if (!aws::PointInTimeRecoveryOn(described)) continue;
      TRY(ddb.SetPointInTimeRecovery(t.table, false));
      Progress(ctx, fmt::format("{}: point-in-time recovery off again (backup had turned it on)",
                                t.table));
    }
    size_t kept = ListAt(outputs, "backups").size() + ListAt(outputs, "exports").size();
    Progress(ctx, fmt::format("kept the {} {} this run took: rollback never deletes a backup "
                              "(delete them yourself when they are no longer needed)",
                              kept, plan.export_mode ? "exports" : "backups"));
    return {};
  }

  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(BackupPlan plan, PlanFrom(ctx.prepared));
    aws::DynamoDbClient ddb(*client);
    for (const TablePlan& t : plan.tables) {
      if (!t.pitr_off) continue;
      ASSIGN_OR_RETURN(Value described, ddb.DescribeContinuousBackups(t.table));
      if (aws::PointInTimeRecoveryOn(described)) {
        return CheckResult{CheckOutcome::kNotDone, Value(),
                           fmt::format("point-in-time recovery is still on for {}", t.table)};
      }
    }
    return CheckResult{CheckOutcome::kDone, Value(),
                       "point-in-time recovery is off wherever backup had turned it on"};
  }

 private:
  static void Progress(const StepContext& ctx, const std::string& line) {
    if (ctx.progress != nullptr) ctx.progress->Progress(line);
  }

  // Reads only: the tables of every stack, and in export mode where the
  // exports go and which tables have point-in-time recovery off.
  Result<BackupPlan> Plan(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    BackupPlan plan;
    plan.export_mode = InputBool(inputs, "export");
    std::set<std::string> seen;
    for (const EnvStack& s : found.stacks) {
      for (const EnvResource& r : s.resources) {
        if (r.type != kTableType || r.physical_id.empty()) continue;
        if (!seen.insert(r.physical_id).second) continue;
        plan.tables.push_back(TablePlan{r.physical_id, s.path, r.logical_id, "", false});
      }
    }
    if (!plan.export_mode) return plan;
    plan.bucket = InputString(inputs, "export_bucket");
    if (plan.bucket.empty()) plan.bucket = found.deployment_bucket;
    if (plan.bucket.empty()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{} names no deployment bucket to export to: pass "
                                   "--param export_bucket=NAME",
                                   env.Describe()));
    }
    // One prefix per run, so two runs' exports never mix.
    plan.prefix = fmt::format("flightplan/exports/{}/{}/{}", env.app_id, env.env,
                              Sha256Hex(ctx.idempotency_token).substr(0, 16));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    aws::DynamoDbClient ddb(*client);
    for (TablePlan& t : plan.tables) {
      ASSIGN_OR_RETURN(Value table, ddb.DescribeTable(t.table));
      const Value* description = table.Find("Table");
      t.arn = description != nullptr ? StringAt(*description, "TableArn") : "";
      ASSIGN_OR_RETURN(Value continuous, ddb.DescribeContinuousBackups(t.table));
      t.pitr_off = !aws::PointInTimeRecoveryOn(continuous);
    }
    return plan;
  }

  static Result<Value> BackUpTable(aws::DynamoDbClient& ddb, StepContext& ctx, const TablePlan& t) {
    std::string name = aws::StepBackupName(ctx.idempotency_token, t.table);
    ASSIGN_OR_RETURN(std::optional<Value> found, ddb.FindBackup(t.table, name));
    std::string arn;
    if (found) {
      arn = StringAt(*found, "BackupArn");
      Progress(ctx, fmt::format("{}: found this run's backup {}", t.table, arn));
    } else {
      ASSIGN_OR_RETURN(Value created, ddb.CreateBackup(t.table, name));
      const Value* details = created.Find("BackupDetails");
      arn = details != nullptr ? StringAt(*details, "BackupArn") : "";
      if (arn.empty()) {
        return MakeError(ErrorCode::kInternal, "CreateBackup answered without a BackupArn");
      }
      Progress(ctx, fmt::format("{}: backup {} taken", t.table, arn));
    }
    ASSIGN_OR_RETURN(Value described,
                     aws::WaitFor(
                         *ctx.clock, StepWaitOptions(ctx), "backup " + name,
                         [&] { return ddb.DescribeBackup(arn); }, aws::ClassifyBackupCreation));
    const Value* d = described.Find("BackupDescription");
    const Value* details = d != nullptr ? d->Find("BackupDetails") : nullptr;
    return BackupEntry(t.table, details != nullptr ? *details : Value(ValueMap{}));
  }

  static Result<Value> ExportTable(aws::DynamoDbClient& ddb, StepContext& ctx,
                                   const BackupPlan& plan, const TablePlan& t) {
    if (t.arn.empty()) {
      return MakeError(ErrorCode::kInternal, "the journaled plan has no table ARN");
    }
    ASSIGN_OR_RETURN(Value continuous, ddb.DescribeContinuousBackups(t.table));
    if (!aws::PointInTimeRecoveryOn(continuous)) {
      if (!t.pitr_off) {
        // Prepare saw it on; someone turned it off since. Rollback would
        // not know to turn it off again, so do not turn it on here.
        return MakeError(ErrorCode::kConflict,
                         "point-in-time recovery was turned off since backup looked; run "
                         "`flightplan backup --export` again (a new run records it)");
      }
      TRY(ddb.SetPointInTimeRecovery(t.table, true));
      Progress(ctx, fmt::format("{}: point-in-time recovery enabled", t.table));
    }
    bool started = false;
    ASSIGN_OR_RETURN(std::string arn,
                     ddb.ExportOnce({t.arn, plan.bucket, ExportPrefix(plan, t),
                                     aws::StepExportToken(ctx.idempotency_token, t.table)},
                                    &started));
    Progress(ctx, fmt::format("{}: {} export {}", t.table, started ? "started" : "found this run's",
                              arn));
    ASSIGN_OR_RETURN(Value described,
                     aws::WaitFor(
                         *ctx.clock, aws::ExportWaitOptions(ctx), "export of " + t.table,
                         [&] { return ddb.DescribeExport(arn); }, aws::ClassifyExport));
    const Value* d = described.Find("ExportDescription");
    return ExportEntry(t.table, d != nullptr ? *d : Value(ValueMap{}));
  }
};

}  // namespace

void RegisterBackupSteps(StepRegistry& registry, aws::ClientPool& clients) {
  registry.Register(std::make_unique<BackupStep>(clients));
}

}  // namespace flightplan::migration
