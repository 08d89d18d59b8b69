// dynamodb.restore: puts a table's items back as they were in an on-demand
// backup, in place — how `flightplan data rollback` undoes a migration.
//
// DynamoDB restores a backup only into a new table, and the app must keep
// its table (its name is in the app's configuration, its stream and alarms
// are attached to it). So the step restores the backup into a scratch table
// named from the step's idempotency token (found again after a crash), then
// makes the live table's items equal to the scratch table's: each backed-up
// item that differs from the live one, or is missing, is put back; each live
// item the backup does not hold is deleted; then the scratch table is
// deleted. Only what differs is written. Each write is conditional on the
// live item being as it was just read: an item the app writes in between is
// read again and written over (the restore wins over writes made before it
// reaches an item; the app's writes after that are kept); one still changing
// after 5 tries is left as the app wrote it, counted as conflicted and listed.
//
// Repeating the step is safe: it compares again and writes what still
// differs. It is destructive by design — whatever was written since the
// backup, by the migration and by the app, is undone — so the executor asks
// the operator first. A backup of another key schema (the table was replaced
// since) is refused before anything is written.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "base/digest.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/aws/waiter.h"
#include "steps/data/data_target.h"
#include "steps/data/item_json.h"
#include "steps/data/item_writes.h"
#include "steps/data/step_types.h"

namespace flightplan::data {
namespace {

using aws::AwsClient;
using aws::IntAt;
using aws::ListAt;
using aws::StringAt;

// BatchGetItem's limit, and the Scan page that matches it.
constexpr int64_t kPage = 100;
constexpr int kMaxBatchGetRounds = 12;
constexpr int kMaxConflictRetries = 5;
constexpr size_t kMaxListedKeys = 20;

struct RestoreCounts {
  int64_t compared = 0;  // items of the backup and of the live table looked at
  int64_t put_back = 0;  // backed-up items written back (changed or deleted since)
  int64_t deleted = 0;   // live items the backup does not hold
  // still changing after kMaxConflictRetries tries, or changed by the app
  // after a put-back or delete that may have landed (a send went unanswered)
  int64_t conflicted = 0;
  std::vector<std::string> conflicted_keys;

  void Conflict(const Value& key) {
    ++conflicted;
    if (conflicted_keys.size() < kMaxListedKeys) conflicted_keys.push_back(key.ToJson());
  }
};

// "<table>-restore-<12 hex of the token>": the same on every attempt, within
// DynamoDB's 255 characters.
std::string ScratchTableName(const std::string& token, const std::string& table) {
  return fmt::format("{}-restore-{}", table.substr(0, 200), Sha256Hex(token).substr(0, 12));
}

aws::Observation ClassifyTableCreation(const Value& described) {
  const Value* t = described.Find("Table");
  std::string status = t != nullptr ? StringAt(*t, "TableStatus") : "";
  if (status == "ACTIVE") return {aws::PollState::kSucceeded, status, ""};
  if (status == "CREATING" || status == "UPDATING") return {aws::PollState::kPending, status, ""};
  return {aws::PollState::kFailed, status.empty() ? std::string("unknown") : status,
          "the restored table is not becoming active"};
}

// Compares and writes for one restore: the live table against the scratch
// table holding the backup.
class Restorer {
 public:
  Restorer(AwsClient& client, std::string live, std::string scratch,
           std::vector<std::string> key_names, StepContext& ctx)
      : client_(client),
        live_(std::move(live)),
        scratch_(std::move(scratch)),
        key_names_(std::move(key_names)),
        ctx_(ctx) {}

  // Every backed-up item that is not in the live table as it was backed up
  // is put back.
  Result<void> PutBackChanged() {
    return EachPage(scratch_, [&](const ValueList& backed_up) -> Result<void> {
      ASSIGN_OR_RETURN(auto live, Get(live_, backed_up));
      for (const Value& item : backed_up) {
        counts_.compared++;
        auto found = live.find(KeyOf(item, key_names_).ToJson());
        if (found != live.end() && ItemDigest(found->second) == ItemDigest(item)) continue;
        TRY(PutBack(item, found != live.end() ? &found->second : nullptr));
      }
      return {};
    });
  }

  // Every live item the backup does not hold is deleted.
  Result<void> DeleteAdded() {
    return EachPage(live_, [&](const ValueList& live) -> Result<void> {
      ASSIGN_OR_RETURN(auto backed_up, Get(scratch_, live));
      for (const Value& item : live) {
        counts_.compared++;
        if (backed_up.count(KeyOf(item, key_names_).ToJson()) != 0) continue;
        TRY(Delete(item));
      }
      return {};
    });
  }

  const RestoreCounts& counts() const { return counts_; }

 private:
  Result<void> EachPage(const std::string& table,
                        const std::function<Result<void>(const ValueList&)>& page) {
    Value start;
    do {
      TRY(ctx_.StopReason());
      Value params(ValueMap{});
      params.Set("TableName", table);
      params.Set("Limit", kPage);
      params.Set("ConsistentRead", true);
      if (!start.is_null()) params.Set("ExclusiveStartKey", start);
      aws::AwsResult out = CallPatiently(client_, "Scan", params, ctx_);
      if (!out) return MakeError(out.error().ToError());
      TRY(page(ListAt(*out, "Items")));
      const Value* last = out->Find("LastEvaluatedKey");
      start = last != nullptr && last->is_map() && !last->as_map().empty() ? *last : Value();
      if (ctx_.progress != nullptr && ++pages_ % 20 == 0) {
        ctx_.progress->Progress(
            fmt::format("restoring {}: {} items compared, {} put back, {} "
                        "deleted",
                        live_, counts_.compared, counts_.put_back, counts_.deleted));
      }
    } while (!start.is_null());
    return {};
  }

  // The items of `table` with the keys of `items`, by key JSON (consistent
  // reads; unprocessed keys asked for again after a pause).
  Result<std::map<std::string, Value>> Get(const std::string& table, const ValueList& items) {
    std::map<std::string, Value> found;
    ValueList keys;
    for (const Value& item : items) keys.push_back(KeyOf(item, key_names_));
    for (int round = 0; !keys.empty(); ++round) {
      if (round == kMaxBatchGetRounds) {
        return MakeError(ErrorCode::kTransient,
                         fmt::format("BatchGetItem on {} left {} keys unprocessed after {} "
                                     "rounds; the table is throttled: try again later",
                                     table, keys.size(), round));
      }
      if (round > 0) ctx_.clock->Sleep(std::chrono::milliseconds(100 << std::min(round, 6)));
      Value request(ValueMap{});
      request.Set("Keys", Value(std::move(keys)));
      request.Set("ConsistentRead", true);
      Value params(ValueMap{});
      params.Set("RequestItems", Value(ValueMap{{table, std::move(request)}}));
      aws::AwsResult out = CallPatiently(client_, "BatchGetItem", params, ctx_);
      if (!out) return MakeError(out.error().ToError());
      const Value* responses = out->Find("Responses");
      if (responses != nullptr) {
        for (const Value& item : ListAt(*responses, table)) {
          found[KeyOf(item, key_names_).ToJson()] = item;
        }
      }
      keys = ValueList();
      const Value* unprocessed = out->Find("UnprocessedKeys");
      const Value* left = unprocessed != nullptr ? unprocessed->Find(table) : nullptr;
      if (left != nullptr) keys = ListAt(*left, "Keys");
    }
    return found;
  }

  // Writes `item` over the live item as it was read (`live`; null: absent),
  // conditional on it being still so; when the app changed it meanwhile, it
  // is read again and written over that, up to kMaxConflictRetries times.
  // A refusal after a send that got no answer (or a 5xx) may be of this
  // write itself, which the app may then have changed: the item is written
  // over only if it is still not the backup's, and left (a conflict) if the
  // put-back may have landed before the app's write.
  Result<void> PutBack(const Value& item, const Value* live) {
    std::optional<Value> now;
    if (live != nullptr) now = *live;
    const std::string wanted = ItemDigest(item);
    bool maybe_landed = false;
    for (int attempt = 0; attempt <= kMaxConflictRetries; ++attempt) {
      if (attempt > 0) {
        ASSIGN_OR_RETURN(now, ReadLive(KeyOf(item, key_names_)));
        if (now && ItemDigest(*now) == wanted) {
          if (maybe_landed) counts_.put_back++;
          return {};
        }
        if (maybe_landed) break;
      }
      Value params(ValueMap{});
      params.Set("TableName", live_);
      params.Set("Item", item);
      Value names(ValueMap{});
      Value values(ValueMap{});
      if (now) {
        AddUnchangedCondition(*now, params, names, values);
        params.Set("ExpressionAttributeValues", values);
      } else {
        names.Set("#k", key_names_.front());
        params.Set("ConditionExpression", "attribute_not_exists(#k)");
      }
      params.Set("ExpressionAttributeNames", names);
      aws::AwsResult out = CallPatiently(client_, "PutItem", params, ctx_);
      if (out) {
        counts_.put_back++;
        return {};
      }
      if (!IsConditionFailure(out.error())) {
        return MakeError(out.error().ToError().WithContext(fmt::format(
            "putting back the item {} of {}", KeyOf(item, key_names_).ToJson(), live_)));
      }
      maybe_landed = out.error().unanswered > 0;
    }
    counts_.Conflict(KeyOf(item, key_names_));
    return {};
  }

  // Deletes the live item, conditional on it being as read; read again and
  // tried again when the app changed it meanwhile, as PutBack (an item there
  // again after a refusal that may be of this delete itself is the app's,
  // made after the delete: left, a conflict).
  Result<void> Delete(const Value& live) {
    Value key = KeyOf(live, key_names_);
    Value now = live;
    bool maybe_landed = false;
    for (int attempt = 0; attempt <= kMaxConflictRetries; ++attempt) {
      if (attempt > 0) {
        ASSIGN_OR_RETURN(std::optional<Value> again, ReadLive(key));
        if (!again) {  // deleted: by this delete, or by someone else, as the backup has it
          if (maybe_landed) counts_.deleted++;
          return {};
        }
        if (maybe_landed) break;
        now = std::move(*again);
      }
      Value params(ValueMap{});
      params.Set("TableName", live_);
      params.Set("Key", key);
      Value names(ValueMap{});
      Value values(ValueMap{});
      AddUnchangedCondition(now, params, names, values);
      params.Set("ExpressionAttributeNames", names);
      params.Set("ExpressionAttributeValues", values);
      aws::AwsResult out = CallPatiently(client_, "DeleteItem", params, ctx_);
      if (out) {
        counts_.deleted++;
        return {};
      }
      if (!IsConditionFailure(out.error())) {
        return MakeError(out.error().ToError().WithContext(
            fmt::format("deleting the item {} of {}", key.ToJson(), live_)));
      }
      maybe_landed = out.error().unanswered > 0;
    }
    counts_.Conflict(key);
    return {};
  }

  Result<std::optional<Value>> ReadLive(const Value& key) {
    return ReadItem(client_, live_, key, ctx_);
  }

  AwsClient& client_;
  std::string live_;
  std::string scratch_;
  std::vector<std::string> key_names_;
  StepContext& ctx_;
  RestoreCounts counts_;
  int64_t pages_ = 0;
};

class RestoreStep final : public StepType {
 public:
  explicit RestoreStep(aws::ClientPool& clients) : clients_(clients) {}

  std::string_view name() const override { return "dynamodb.restore"; }

  const StepSchema& schema() const override {
    static const StepSchema kSchema = [] {
      StepSchema s;
      s.summary =
          "Put a table's items back as they were in an on-demand backup, in place (writes "
          "only what differs; asks first)";
      s.inputs = DataTargetFields();
      s.inputs.push_back({"backup_arn",
                          FieldType::kString,
                          true,
                          "the backup to restore (a dynamodb.backup step's backup_arn)",
                          {}});
      s.outputs = {
          {"table", FieldType::kString, false, "the table restored", {}},
          {"compared", FieldType::kInteger, false, "items compared (backup and live table)", {}},
          {"put_back", FieldType::kInteger, false, "items written back as backed up", {}},
          {"deleted", FieldType::kInteger, false, "items deleted: added since the backup", {}},
          {"conflicted",
           FieldType::kInteger,
           false,
           "items the app kept changing during the restore, left as it wrote them",
           {}},
          {"conflicted_keys", FieldType::kList, false, "the first 20 of those items' keys", {}},
      };
      s.has_check = true;
      s.asks_confirmation = true;
      return s;
    }();
    return kSchema;
  }

  std::string Describe(const Value& inputs) const override {
    return fmt::format(
        "put the items of {} back as they were in the backup {}: every item written since (by "
        "the migration and by the app) is reverted, every item added since is deleted",
        DescribeTarget(inputs), StringAt(inputs, "backup_arn"));
  }

  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ResolvedTable t, ResolveDataTable(clients_, inputs, ctx));
    aws::DynamoDbClient ddb(*t.client);
    ASSIGN_OR_RETURN(Value described, ddb.DescribeBackup(StringAt(inputs, "backup_arn")));
    const Value* d = described.Find("BackupDescription");
    const Value* source = d != nullptr ? d->Find("SourceTableDetails") : nullptr;
    return fmt::format(
        "{}: restore the backup {} ({} items) into a scratch table, write back what differs "
        "from it, delete the items it does not hold, then delete the scratch table",
        t.table, StringAt(inputs, "backup_arn"),
        source != nullptr ? IntAt(*source, "ItemCount") : 0);
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ResolvedTable t, ResolveDataTable(clients_, inputs, ctx));
    std::string arn = StringAt(inputs, "backup_arn");
    if (arn.empty()) {
      return MakeError(ErrorCode::kInvalidInput, "dynamodb.restore needs a backup_arn");
    }
    aws::DynamoDbClient ddb(*t.client);
    std::string scratch = ScratchTableName(ctx.idempotency_token, t.table);
    TRY(RestoreInto(ddb, *t.client, arn, scratch, ctx));
    ASSIGN_OR_RETURN(TableShape backed_up, DescribeTableShape(*t.client, scratch));
    if (backed_up.key_names != t.key_names) {
      return MakeError(
          ErrorCode::kStepFailed,
          fmt::format("the backup {} has another key ({}) than {} ({}): the table was replaced "
                      "since, and its items cannot be put back in place. Nothing was written; "
                      "the backup is restored as {} for you to copy from (delete it when done).",
                      arn, fmt::join(backed_up.key_names, ", "), t.table,
                      fmt::join(t.key_names, ", "), scratch));
    }
    Restorer restorer(*t.client, t.table, scratch, t.key_names, ctx);
    TRY(restorer.PutBackChanged());
    TRY(restorer.DeleteAdded());
    auto deleted = ddb.DeleteTable(scratch);
    if (!deleted && deleted.error().code() != ErrorCode::kNotFound) {
      return MakeError(std::move(deleted.error())
                           .WithContext(fmt::format("the items of {} are restored; deleting the "
                                                    "scratch table {}",
                                                    t.table, scratch)));
    }
    const RestoreCounts& c = restorer.counts();
    Value out(ValueMap{});
    out.Set("table", t.table);
    out.Set("compared", c.compared);
    out.Set("put_back", c.put_back);
    out.Set("deleted", c.deleted);
    out.Set("conflicted", c.conflicted);
    out.Set("conflicted_keys",
            Value(ValueList(c.conflicted_keys.begin(), c.conflicted_keys.end())));
    return out;
  }

  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    (void)inputs;
    (void)ctx;
    return CheckResult{CheckOutcome::kNotDone, Value(),
                       "a restore compares the table with the backup again from the start and "
                       "writes only what still differs, so it runs again"};
  }

 private:
  // The backup restored as `scratch`, active (restored now unless an earlier
  // attempt did).
  static Result<void> RestoreInto(aws::DynamoDbClient& ddb, AwsClient& client,
                                  const std::string& arn, const std::string& scratch,
                                  StepContext& ctx) {
    auto existing = ddb.DescribeTable(scratch);
    if (!existing && existing.error().code() != ErrorCode::kNotFound) {
      return MakeError(existing.error());
    }
    if (!existing) {
      Value params(ValueMap{});
      params.Set("TargetTableName", scratch);
      params.Set("BackupArn", arn);
      // On demand, whatever the backed-up table's capacity: the scratch
      // table is scanned once at full speed and deleted, and a low
      // provisioned read capacity would throttle that scan.
      params.Set("BillingModeOverride", "PAY_PER_REQUEST");
      aws::AwsResult restored = client.Call("dynamodb", "RestoreTableFromBackup", params);
      if (!restored) {
        Error e = restored.error().ToError();
        if (e.code() == ErrorCode::kNotFound) {
          return MakeError(ErrorCode::kStepFailed,
                           fmt::format("the backup {} is gone (deleted?): nothing was changed. "
                                       "Restore from another backup or point in time by hand "
                                       "(docs/data-migrations.md, \"Rolling back\")",
                                       arn));
        }
        return MakeError(std::move(e).WithContext("restoring the backup " + arn));
      }
    }
    ASSIGN_OR_RETURN(Value active,
                     aws::WaitFor(
                         *ctx.clock, aws::StepWaitOptions(ctx), "restored table " + scratch,
                         [&] { return ddb.DescribeTable(scratch); }, ClassifyTableCreation));
    (void)active;
    return {};
  }

  aws::ClientPool& clients_;
};

}  // namespace

std::unique_ptr<StepType> MakeRestoreStep(aws::ClientPool& clients) {
  return std::make_unique<RestoreStep>(clients);
}

}  // namespace flightplan::data
