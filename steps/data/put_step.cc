// dynamodb.put: items a command produces (one profile per Cognito user, a
// default setting per tenant), each created only where no item has its key:
// PutItem conditional on the key being absent, so an item already there —
// the app's, or this step's own before a crash — is never overwritten.
//
// Journaled per page of kPage items: before a page is written, a checkpoint
// holds the digest of the command's output, where the page starts and the
// counts so far. A resume runs the command again; when its output is the
// same, it continues from the page in flight, and an item of that page found
// present and exactly as produced counts as created (it was written before
// the crash). When the output changed (a user signed up meanwhile), it starts
// over: the condition keeps that safe, and the counts start again.
#include <fmt/format.h>

#include <memory>

#include "base/digest.h"
#include "steps/aws/values.h"
#include "steps/data/data_steps.h"
#include "steps/data/data_target.h"
#include "steps/data/item_json.h"
#include "steps/data/item_program.h"
#include "steps/data/item_writes.h"
#include "steps/data/step_types.h"
#include "steps/data/write_pacer.h"

namespace flightplan::data {
namespace {

using aws::IntAt;
using aws::StringAt;

constexpr size_t kPage = 25;

struct PutCounts {
  int64_t produced = 0;
  int64_t created = 0;
  int64_t present = 0;  // an item with the key was there already; left as it was

  void Into(Value& out) const {
    out.Set("produced", produced);
    out.Set("created", created);
    out.Set("present", present);
  }
  static PutCounts From(const Value& v) {
    return {IntAt(v, "produced"), IntAt(v, "created"), IntAt(v, "present")};
  }
};

// The command's items as DynamoDB items, each holding every key attribute.
Result<std::vector<Value>> ToItems(const std::vector<Value>& produced,
                                   const std::vector<std::string>& key_names,
                                   const std::string& command) {
  std::vector<Value> items;
  items.reserve(produced.size());
  for (size_t i = 0; i < produced.size(); ++i) {
    auto item = ItemFromJson(produced[i]);
    if (!item) {
      return MakeError(
          std::move(item.error()).WithContext(fmt::format("item {} from {}", i + 1, command)));
    }
    for (const std::string& key : key_names) {
      if (item->Find(key) == nullptr) {
        return MakeError(ErrorCode::kStepFailed,
                         fmt::format("item {} from {} has no key attribute '{}': every item "
                                     "must hold the table's key ({})",
                                     i + 1, command, key, fmt::join(key_names, ", ")));
      }
    }
    items.push_back(std::move(*item));
  }
  return items;
}

std::string DigestOf(const std::vector<Value>& items) {
  Sha256Hasher hasher;
  hasher.Begin();
  for (const Value& item : items) hasher.Update(ItemDigest(item));
  return hasher.FinishHex();
}

class PutStep final : public StepType {
 public:
  PutStep(aws::ClientPool& clients, const DataLimits* limits)
      : clients_(clients), limits_(limits) {}

  std::string_view name() const override { return "dynamodb.put"; }

  const StepSchema& schema() const override {
    static const StepSchema kSchema = [] {
      StepSchema s;
      s.summary =
          "Create the items a command produces, each only where no item has its key, "
          "journaled per page";
      s.inputs = DataTargetFields();
      FieldSpec command = CommandField(
          "a command (argv, no shell) run in the current directory that writes the items, one "
          "JSON object per line, each holding the table's key; logs go to standard error; the "
          "table's name is in FLIGHTPLAN_TABLE");
      command.required = true;
      s.inputs.push_back(std::move(command));
      s.inputs.push_back(CommandTimeoutField());
      s.outputs = {
          {"table", FieldType::kString, false, "the table written", {}},
          {"produced", FieldType::kInteger, false, "items the command wrote", {}},
          {"created", FieldType::kInteger, false, "items created by this step", {}},
          {"present",
           FieldType::kInteger,
           false,
           "items whose key was taken already (left as they were)",
           {}},
      };
      s.has_check = true;
      return s;
    }();
    return kSchema;
  }

  Result<void> ValidateStatic(const Value& inputs) const override {
    return ValidateCommandInputs(inputs);
  }

  std::string Describe(const Value& inputs) const override {
    return fmt::format("create the items {} produces in {}, where absent",
                       ShowCommand(CommandArgv(inputs)), DescribeTarget(inputs));
  }

  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ResolvedTable t, ResolveDataTable(clients_, inputs, ctx));
    ASSIGN_OR_RETURN(std::vector<Value> items, Produce(inputs, t, ctx));
    const int64_t sample = limits_ ? limits_->sample : 0;
    PutCounts counts;
    for (const Value& item : items) {
      if (sample > 0 && counts.produced >= sample) break;
      counts.produced += 1;
      ASSIGN_OR_RETURN(std::optional<Value> there,
                       ReadItem(*t.client, t.table, KeyOf(item, t.key_names), ctx));
      (there ? counts.present : counts.created) += 1;
    }
    return fmt::format(
        "{}: of {}{} items {} produces, {} would be created, {} are there already and stay as "
        "they are (nothing written)",
        t.table, sample > 0 ? "the first " : "", counts.produced, ShowCommand(CommandArgv(inputs)),
        counts.created, counts.present);
  }

  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ResolvedTable t, ResolveDataTable(clients_, inputs, ctx));
    Value prepared(ValueMap{});
    SetPreparedTable(prepared, t);
    // Started again after a failure: the failed attempt's pages are written.
    if (const Value* cp = ctx.prepared.is_map() ? ctx.prepared.Find("checkpoint") : nullptr) {
      if (StringAt(ctx.prepared, "table") == t.table) prepared.Set("checkpoint", *cp);
    }
    return prepared;
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    if (ctx.checkpoints == nullptr) {
      return MakeError(ErrorCode::kInternal, "dynamodb.put runs only under the executor");
    }
    ASSIGN_OR_RETURN(ResolvedTable t, PreparedTable(clients_, inputs, ctx, "dynamodb.put"));
    ASSIGN_OR_RETURN(std::vector<Value> items, Produce(inputs, t, ctx));
    const std::string digest = DigestOf(items);
    PutCounts counts;
    size_t start = 0;
    size_t in_flight_end = 0;  // items before it may have been written before a crash
    if (const Value* cp = ctx.prepared.Find("checkpoint")) {
      if (StringAt(*cp, "digest") == digest) {
        counts = PutCounts::From(*cp);
        start = static_cast<size_t>(IntAt(*cp, "next"));
        in_flight_end = std::min(items.size(), start + kPage);
      } else if (ctx.progress != nullptr) {
        ctx.progress->Progress(fmt::format(
            "{}: {} produced other items than before the interruption; starting over (items "
            "already there are left as they are)",
            t.table, ShowCommand(CommandArgv(inputs))));
        in_flight_end = items.size();
      } else {
        in_flight_end = items.size();
      }
    }
    counts.produced = static_cast<int64_t>(items.size());
    WritePacer pacer(*ctx.clock, limits_ ? limits_->max_write_rate : 0);
    for (size_t page = start; page < items.size(); page += kPage) {
      TRY(ctx.StopReason());
      TRY(SaveCheckpoint(ctx, digest, page, counts));
      for (size_t i = page; i < std::min(items.size(), page + kPage); ++i) {
        TRY(pacer.Wait(ctx));
        ASSIGN_OR_RETURN(bool created, PutIfAbsent(t, items[i], i < in_flight_end, ctx));
        (created ? counts.created : counts.present) += 1;
      }
    }
    TRY(SaveCheckpoint(ctx, digest, items.size(), counts));
    return Outputs(t.table, counts);
  }

  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    (void)inputs;
    const Value* cp = ctx.prepared.Find("checkpoint");
    if (cp == nullptr) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         "no page was journaled, so nothing was written; it starts again"};
    }
    PutCounts counts = PutCounts::From(*cp);
    if (IntAt(*cp, "next") < counts.produced || !cp->Find("finished")) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         fmt::format("{} of {} items were settled before the interruption; it "
                                     "resumes from its last journaled page",
                                     counts.created + counts.present, counts.produced)};
    }
    return CheckResult{CheckOutcome::kDone, Outputs(StringAt(ctx.prepared, "table"), counts),
                       "every item is journaled as created or present"};
  }

  Result<void> Rollback(const Value&, const Value&, StepContext&) const override {
    return MakeError(ErrorCode::kStepFailed,
                     "dynamodb.put does not delete what it created (the app may have changed "
                     "those items since), and no dynamodb.backup step before it can restore "
                     "the table: write a migration that removes them (next time, put a "
                     "dynamodb.backup step before it to make it undoable)");
  }

 private:
  static Result<std::vector<Value>> Produce(const Value& inputs, const ResolvedTable& t,
                                            StepContext& ctx) {
    if (ctx.processes == nullptr) {
      return MakeError(ErrorCode::kInternal, "dynamodb.put has no process runner");
    }
    CommandSpec spec;
    spec.argv = CommandArgv(inputs);
    spec.timeout = std::chrono::seconds(IntAt(inputs, "command_timeout", kDefaultCommandTimeout));
    spec.deadline = ctx.deadline;
    spec.env["FLIGHTPLAN_TABLE"] = t.table;
    ASSIGN_OR_RETURN(std::vector<Value> produced, ItemsFromCommand(*ctx.processes, spec));
    return ToItems(produced, t.key_names, ShowCommand(spec.argv));
  }

  static Result<void> SaveCheckpoint(StepContext& ctx, const std::string& digest, size_t next,
                                     const PutCounts& counts) {
    Value checkpoint(ValueMap{});
    checkpoint.Set("digest", digest);
    checkpoint.Set("next", static_cast<int64_t>(next));
    counts.Into(checkpoint);
    if (next >= static_cast<size_t>(counts.produced)) checkpoint.Set("finished", true);
    Value detail(ValueMap{});
    counts.Into(detail);
    return ctx.checkpoints->Save(checkpoint, detail);
  }

  static Value Outputs(const std::string& table, const PutCounts& counts) {
    Value out(ValueMap{});
    out.Set("table", table);
    counts.Into(out);
    return out;
  }

  aws::ClientPool& clients_;
  const DataLimits* limits_;
};

}  // namespace

std::unique_ptr<StepType> MakePutStep(aws::ClientPool& clients, const DataLimits* limits) {
  return std::make_unique<PutStep>(clients, limits);
}

}  // namespace flightplan::data
