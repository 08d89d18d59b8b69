// dynamodb.transform: every item of a table through a program — jq, or a
// command reading JSON Lines (item_program.h) — written back only where the
// program changed it.
//
// Each write is conditional on the item being exactly as it was read (every
// attribute equal), and writes only the attributes that changed (UpdateItem
// SET/REMOVE; DeleteItem when the program returns null): an attribute the
// live app added meanwhile survives, and an item the app changed meanwhile
// fails the condition, is read again and transformed again (a conflict,
// counted), so the app's write is never overwritten.
//
// Exactly once, journaled per page: the table is scanned in parallel segments;
// for each page a segment transforms every item first (one command run per
// page; a program that fails on one item stops the step before anything of
// the page is written), then
// journals a checkpoint — where the next page starts, the counts so far, and
// for each item it is about to write, its key and the digests of the item as
// read and as it will be — and only then writes. After a crash the step
// resumes from the checkpoint: each item of the page in flight is read again;
// one that is as planned was written, one that is as read is transformed and
// written now, and one that is neither was changed by someone else across the
// crash: it is left as they wrote it, counted and listed (never transformed
// twice). The counts always add up: read = unchanged + written + dropped +
// vanished (deleted by someone else first) + left.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

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

using aws::AwsClient;
using aws::IntAt;
using aws::ListAt;
using aws::StringAt;

constexpr int64_t kDefaultSegments = 4;
constexpr int64_t kMaxSegments = 64;
constexpr int64_t kDefaultPageSize = 100;
constexpr int64_t kMaxPageSize = 1000;
constexpr int kMaxConflictRetries = 5;
constexpr size_t kMaxListedKeys = 20;
// One TransactWriteItems: DynamoDB's limits are 100 actions and 4 MB.
constexpr size_t kMaxTransactionItems = 100;
constexpr size_t kMaxTransactionBytes = size_t{3} << 20;
constexpr std::string_view kDropped = "drop";
// A pending item's `after` once the step knows it did not write the item
// (it kept changing): a resume transforms whatever the item then holds.
constexpr std::string_view kNotWritten = "not-written";
// A pending item's digests are journaled by their first 32 hex digits (128
// bits tell an item's states apart as surely, in half the bytes); versions
// before 2026-12 journaled all 64, which a prefix compare reads as well.
constexpr size_t kJournaledDigestChars = 32;

std::string JournaledDigest(const std::string& digest) {
  return digest.substr(0, kJournaledDigestChars);
}

// Whether `journaled` (a digest as the journal holds it, or a marker) stands
// for `value` (a whole digest, or the same marker).
bool Journals(const std::string& journaled, const std::string& value) {
  if (journaled == value) return true;
  return journaled.size() >= kJournaledDigestChars &&
         value.compare(0, journaled.size(), journaled) == 0;
}

struct Counts {
  int64_t read = 0;
  int64_t unchanged = 0;
  int64_t written = 0;
  int64_t dropped = 0;
  int64_t conflicts = 0;  // conditional writes that found the item changed (retried)
  int64_t vanished = 0;   // deleted by someone else before this step wrote it
  int64_t left = 0;       // changed by someone else across a crash; left as they wrote it

  void Add(const Counts& o) {
    read += o.read;
    unchanged += o.unchanged;
    written += o.written;
    dropped += o.dropped;
    conflicts += o.conflicts;
    vanished += o.vanished;
    left += o.left;
  }
  int64_t settled() const { return unchanged + written + dropped + vanished + left; }
  void Into(Value& out) const {
    out.Set("read", read);
    out.Set("unchanged", unchanged);
    out.Set("written", written);
    out.Set("dropped", dropped);
    out.Set("conflicts", conflicts);
    out.Set("vanished", vanished);
    out.Set("left", left);
  }
  static Counts From(const Value& v) {
    return {IntAt(v, "read"),      IntAt(v, "unchanged"), IntAt(v, "written"), IntAt(v, "dropped"),
            IntAt(v, "conflicts"), IntAt(v, "vanished"),  IntAt(v, "left")};
  }
};

// An item the segment is about to write: its key, and the digests of the
// item as read and as it will be (kDropped: deleted). Journaled as a list
// [key, before, after] with the digests shortened (JournaledDigest).
struct Pending {
  Value key;
  std::string before;
  std::string after;
};

struct Segment {
  Value next_key;  // where the next page starts; null: the segment's start
  bool done = false;
  std::vector<Pending> pending;
  Counts counts;
  std::vector<std::string> left_keys;  // JSON of the keys of items left (the first few)

  Value ToValue() const {
    Value out(ValueMap{});
    out.Set("next_key", next_key);
    out.Set("done", done);
    ValueList items;
    items.reserve(pending.size());
    for (const Pending& p : pending) {
      items.emplace_back(
          ValueList{p.key, Value(JournaledDigest(p.before)), Value(JournaledDigest(p.after))});
    }
    out.Set("pending", Value(std::move(items)));
    counts.Into(out);
    ValueList keys(left_keys.begin(), left_keys.end());
    out.Set("left_keys", Value(std::move(keys)));
    return out;
  }
  static Segment From(const Value& v) {
    Segment s;
    if (const Value* k = v.Find("next_key")) s.next_key = *k;
    const Value* done = v.Find("done");
    s.done = done != nullptr && done->is_bool() && done->as_bool();
    for (const Value& p : ListAt(v, "pending")) {
      if (p.is_list() && p.as_list().size() == 3) {
        const ValueList& l = p.as_list();
        auto text = [](const Value& t) { return t.is_string() ? t.as_string() : std::string(); };
        s.pending.push_back({l[0], text(l[1]), text(l[2])});
      } else {  // as versions before 2026-12 journaled it
        s.pending.push_back({p.Find("key") ? *p.Find("key") : Value(), StringAt(p, "before"),
                             StringAt(p, "after")});
      }
    }
    s.counts = Counts::From(v);
    for (const Value& k : ListAt(v, "left_keys")) {
      if (k.is_string()) s.left_keys.push_back(k.as_string());
    }
    return s;
  }
};

// What Prepare found, journaled before the first write.
struct Plan {
  std::string table;
  std::vector<std::string> key_names;
  int64_t segments = kDefaultSegments;
  int64_t page_size = kDefaultPageSize;
  int64_t estimate = 0;  // DescribeTable's ItemCount (updated about every six hours)
};

Value ToValue(const Plan& plan) {
  Value out(ValueMap{});
  out.Set("table", plan.table);
  ValueList keys(plan.key_names.begin(), plan.key_names.end());
  out.Set("keys", Value(std::move(keys)));
  out.Set("segments", plan.segments);
  out.Set("page_size", plan.page_size);
  out.Set("estimate", plan.estimate);
  return out;
}

Result<Plan> PlanFrom(const Value& prepared) {
  Plan plan;
  plan.table = StringAt(prepared, "table");
  for (const Value& k : ListAt(prepared, "keys")) {
    if (k.is_string()) plan.key_names.push_back(k.as_string());
  }
  plan.segments = IntAt(prepared, "segments", kDefaultSegments);
  plan.page_size = IntAt(prepared, "page_size", kDefaultPageSize);
  plan.estimate = IntAt(prepared, "estimate");
  if (plan.table.empty() || plan.key_names.empty() || plan.segments < 1 ||
      plan.segments > kMaxSegments) {
    return MakeError(ErrorCode::kInternal, "the journaled transform plan is incomplete");
  }
  return plan;
}

// The transform's program (ValidateStatic made sure it names one).
Result<std::unique_ptr<ItemProgram>> TransformProgram(const Value& inputs, const std::string& table,
                                                      StepContext& ctx) {
  ASSIGN_OR_RETURN(std::unique_ptr<ItemProgram> program, ProgramFromInputs(inputs, table, ctx));
  if (!program) {
    return MakeError(ErrorCode::kInvalidInput, "the transform names neither `jq` nor `command`");
  }
  return program;
}

// What the program makes of one item.
struct Outcome {
  enum Kind { kUnchanged, kUpdate, kDelete } kind = kUnchanged;
  ItemChanges changes;
  std::string after;  // digest of the item as it will be, or kDropped
};

// What `result` (the program's plain JSON for `item`) means for the item.
Result<Outcome> OutcomeOf(const Value& item, const Value* result,
                          const std::vector<std::string>& keys) {
  auto fail = [&](Error e) {
    return MakeError(std::move(e).WithContext(
        fmt::format("transforming the item {}", KeyOf(item, keys).ToJson())));
  };
  Outcome out;
  if (result->is_null()) {
    out.kind = Outcome::kDelete;
    out.after = std::string(kDropped);
    return out;
  }
  auto changes = Diff(item, *result);
  if (!changes) return fail(std::move(changes.error()));
  for (const std::string& key : keys) {
    bool removed =
        std::find(changes->remove.begin(), changes->remove.end(), key) != changes->remove.end();
    if (removed || changes->set.count(key) != 0) {
      return fail(Error(ErrorCode::kInvalidInput,
                        fmt::format("the program changes the key attribute '{}'; an item's key "
                                    "cannot change in place (a new key needs a new table: "
                                    "export, then import through the transform)",
                                    key)));
    }
  }
  if (changes->empty()) return out;
  out.kind = Outcome::kUpdate;
  out.after = ItemDigest(ApplyChanges(item, *changes));
  out.changes = std::move(*changes);
  return out;
}

// Every item through the program at once (one command run for all).
Result<std::vector<Outcome>> TransformAll(ItemProgram& program,
                                          const std::vector<const Value*>& items,
                                          const std::vector<std::string>& keys) {
  std::vector<Value> inputs;
  std::vector<std::string> labels;
  for (const Value* item : items) {
    labels.push_back(KeyOf(*item, keys).ToJson());
    auto json = ItemToJson(*item);
    if (!json) {
      return MakeError(std::move(json.error()).WithContext("reading the item " + labels.back()));
    }
    inputs.push_back(std::move(*json));
  }
  ASSIGN_OR_RETURN(std::vector<Value> results, program.ApplyAll(inputs, labels));
  std::vector<Outcome> outcomes;
  for (size_t i = 0; i < items.size(); ++i) {
    ASSIGN_OR_RETURN(Outcome o, OutcomeOf(*items[i], &results[i], keys));
    outcomes.push_back(std::move(o));
  }
  return outcomes;
}

Result<Outcome> Transform(ItemProgram& program, const Value& item,
                          const std::vector<std::string>& keys) {
  ASSIGN_OR_RETURN(std::vector<Outcome> one, TransformAll(program, {&item}, keys));
  return std::move(one.front());
}

// Writes one outcome, conditional on `item` being unchanged. Returns false
// when the condition failed (someone changed or deleted the item).
// About how many bytes `v` takes as JSON (without building it).
size_t ApproximateJsonSize(const Value& v) {
  if (v.is_string()) return v.as_string().size() + 2;
  if (v.is_map()) {
    size_t size = 2;
    for (const auto& [k, e] : v.as_map()) size += k.size() + 4 + ApproximateJsonSize(e);
    return size;
  }
  if (v.is_list()) {
    size_t size = 2;
    for (const Value& e : v.as_list()) size += 1 + ApproximateJsonSize(e);
    return size;
  }
  return 24;
}

// The parameters of the write of `o` (UpdateItem, or DeleteItem when
// `*update` comes back false), conditional on `item` being unchanged.
Value WriteParams(const Plan& plan, const Value& item, const Outcome& o, bool* update) {
  Value params(ValueMap{});
  params.Set("TableName", plan.table);
  params.Set("Key", KeyOf(item, plan.key_names));
  Value names(ValueMap{});
  Value values(ValueMap{});
  AddUnchangedCondition(item, params, names, values);
  *update = o.kind == Outcome::kUpdate;
  if (*update) {
    std::string set;
    std::string remove;
    std::string absent;
    int i = 0;
    for (const auto& [name, v] : o.changes.set) {
      names.Set(fmt::format("#s{}", i), name);
      values.Set(fmt::format(":s{}", i), v);
      set += fmt::format("{}#s{} = :s{}", set.empty() ? "" : ", ", i, i);
      // An attribute the item lacked when read must still be absent: the
      // app may have set it since, and its value is not ours to replace.
      if (item.Find(name) == nullptr) absent += fmt::format(" AND attribute_not_exists(#s{})", i);
      ++i;
    }
    if (!absent.empty()) {
      params.Set("ConditionExpression", params.StringAt("ConditionExpression") + absent);
    }
    i = 0;
    for (const std::string& name : o.changes.remove) {
      names.Set(fmt::format("#r{}", i), name);
      remove += fmt::format("{}#r{}", remove.empty() ? "" : ", ", i);
      ++i;
    }
    std::string expression;
    if (!set.empty()) expression = "SET " + set;
    if (!remove.empty())
      expression += (expression.empty() ? "" : " ") + std::string("REMOVE ") + remove;
    params.Set("UpdateExpression", expression);
  }
  params.Set("ExpressionAttributeNames", names);
  if (!values.as_map().empty()) params.Set("ExpressionAttributeValues", values);
  return params;
}

// What became of one conditional write.
enum class WriteAnswer {
  kWritten,
  kRefused,  // the item was not as read: someone changed it
  // Refused, but an earlier send got no answer (or a 5xx): it may have
  // written the item, and the refusal may be of this very write.
  kRefusedAfterResend,
};

Result<WriteAnswer> Write(AwsClient& client, const Plan& plan, const Value& item, const Outcome& o,
                          StepContext& ctx) {
  bool update = false;
  Value params = WriteParams(plan, item, o, &update);
  aws::AwsResult result = CallPatiently(client, update ? "UpdateItem" : "DeleteItem", params, ctx);
  if (result) return WriteAnswer::kWritten;
  if (IsConditionFailure(result.error())) {
    return result.error().unanswered > 0 ? WriteAnswer::kRefusedAfterResend : WriteAnswer::kRefused;
  }
  return MakeError(result.error().ToError().WithContext(
      fmt::format("writing the item {}", KeyOf(item, plan.key_names).ToJson())));
}

// Shared by a run's segment workers: the checkpoint of every segment, saved
// whole, one save at a time.
class Progress {
 public:
  Progress(StepContext& ctx, const Plan& plan, std::vector<Segment> segments)
      : ctx_(ctx),
        plan_(plan),
        segments_(std::move(segments)),
        started_(ctx.clock->Monotonic()),
        last_line_(started_) {
    for (const Segment& s : segments_) start_read_ += s.counts.read;
  }

  const Segment& segment(size_t i) const { return segments_[i]; }

  // Journals the checkpoint of every segment, segment i's replaced. Only
  // segment i is converted; the others' values are kept from their last
  // save and lent to the checkpoint rather than copied.
  Result<void> Save(size_t i, const Segment& segment) {
    std::lock_guard lock(mu_);
    segments_[i] = segment;
    if (values_.size() != segments_.size()) {
      values_.clear();
      for (const Segment& s : segments_) values_.push_back(s.ToValue());
    } else {
      values_[i] = segment.ToValue();
    }
    Counts total = Totals();
    Value checkpoint(ValueMap{});
    checkpoint.Set("segments", Value(std::move(values_)));
    Value detail(ValueMap{});
    detail.Set("segment", static_cast<int64_t>(i));
    total.Into(detail);
    Result<void> saved = ctx_.checkpoints->Save(checkpoint, detail);
    values_ = std::move(checkpoint.as_map().at("segments").as_list());
    TRY(saved);
    ReportLocked(total);
    return {};
  }

  Counts Totals() const {
    Counts total;
    for (const Segment& s : segments_) total.Add(s.counts);
    return total;
  }

  std::vector<std::string> LeftKeys() const {
    std::vector<std::string> keys;
    for (const Segment& s : segments_) {
      for (const std::string& k : s.left_keys) {
        if (keys.size() < kMaxListedKeys) keys.push_back(k);
      }
    }
    return keys;
  }

 private:
  void ReportLocked(const Counts& total) {
    if (ctx_.progress == nullptr) return;
    auto now = ctx_.clock->Monotonic();
    if (now - last_line_ < std::chrono::seconds(1)) return;
    last_line_ = now;
    double seconds = std::chrono::duration<double>(now - started_).count();
    double rate = seconds > 0 ? static_cast<double>(total.read - start_read_) / seconds : 0;
    std::string line = fmt::format("{}: {} items read", plan_.table, total.read);
    if (plan_.estimate > 0) {
      line += fmt::format(" of about {} ({}%)", plan_.estimate,
                          std::min<int64_t>(100, total.read * 100 / plan_.estimate));
    }
    line += fmt::format(", {:.0f} items/s", rate);
    if (plan_.estimate > total.read && rate > 0) {
      line += fmt::format(", about {:.0f} s left",
                          static_cast<double>(plan_.estimate - total.read) / rate);
    }
    line += fmt::format("; {} written, {} dropped, {} conflicts", total.written, total.dropped,
                        total.conflicts);
    ctx_.progress->Progress(line);
    Value figures(ValueMap{});
    figures.Set("table", plan_.table);
    figures.Set("read", total.read);
    figures.Set("estimate", plan_.estimate);
    figures.Set("items_per_second", rate);
    if (plan_.estimate > total.read && rate > 0) {
      figures.Set("seconds_left", static_cast<double>(plan_.estimate - total.read) / rate);
    }
    figures.Set("written", total.written);
    figures.Set("dropped", total.dropped);
    figures.Set("conflicts", total.conflicts);
    ctx_.progress->Figures(figures);
  }

  StepContext& ctx_;
  const Plan& plan_;
  std::mutex mu_;
  std::vector<Segment> segments_;
  ValueList values_;  // Segment::ToValue of each of segments_
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_line_;
  int64_t start_read_ = 0;
};

class Worker {
 public:
  Worker(AwsClient& client, ItemProgram& program, const Plan& plan, Progress& progress,
         WritePacer& pacer, size_t index, StepContext& ctx, const std::atomic<bool>& stop)
      : client_(client),
        program_(program),
        plan_(plan),
        progress_(progress),
        pacer_(pacer),
        index_(index),
        ctx_(ctx),
        stop_(stop),
        segment_(progress.segment(index)) {}

  Result<void> Run() {
    TRY(SettlePending());
    while (!segment_.done) {
      TRY(ctx_.StopReason());
      if (stop_.load()) return {};
      TRY(Page());
    }
    return {};
  }

 private:
  // After an interruption: each item of the page in flight, read again. The
  // list stays journaled until all are settled (an item that keeps
  // changing updates its entry), with the counts from before it.
  Result<void> SettlePending() {
    if (segment_.pending.empty()) return {};
    journaled_counts_ = segment_.counts;
    journaled_left_keys_ = segment_.left_keys.size();
    for (size_t i = 0; i < segment_.pending.size(); ++i) {
      const Pending p = segment_.pending[i];
      ASSIGN_OR_RETURN(std::optional<Value> now, ReadItem(client_, plan_.table, p.key, ctx_));
      if (!now) {
        (p.after == kDropped ? segment_.counts.dropped : segment_.counts.vanished) += 1;
        continue;
      }
      // The digest as this version takes it, or as the version that wrote
      // the checkpoint took it (the item's JSON as read, sets in the order
      // DynamoDB returned them).
      std::string digest = ItemDigest(*now);
      std::string plain = Sha256Hex(now->ToJson());
      auto is = [&](const std::string& journaled) {
        return Journals(journaled, digest) || Journals(journaled, plain);
      };
      if (is(p.after)) {
        segment_.counts.written += 1;
      } else if (is(p.before) || p.after == kNotWritten) {
        TRY(Settle(*now, i));
      } else {
        segment_.counts.left += 1;
        if (segment_.left_keys.size() < kMaxListedKeys)
          segment_.left_keys.push_back(p.key.ToJson());
      }
    }
    segment_.pending.clear();
    return Journal(segment_);
  }

  Result<void> Page() {
    Value params(ValueMap{});
    params.Set("TableName", plan_.table);
    params.Set("Limit", plan_.page_size);
    params.Set("ConsistentRead", true);
    if (plan_.segments > 1) {
      params.Set("Segment", static_cast<int64_t>(index_));
      params.Set("TotalSegments", plan_.segments);
    }
    if (segment_.next_key.is_map() && !segment_.next_key.as_map().empty()) {
      params.Set("ExclusiveStartKey", segment_.next_key);
    }
    aws::AwsResult page = CallPatiently(client_, "Scan", params, ctx_);
    if (!page) return MakeError(page.error().ToError());
    const ValueList& items = ListAt(*page, "Items");
    // Every item of the page through the program before anything is written.
    std::vector<std::pair<const Value*, Outcome>> writes;
    Counts page_counts;
    page_counts.read = static_cast<int64_t>(items.size());
    std::vector<const Value*> read;
    for (const Value& item : items) read.push_back(&item);
    ASSIGN_OR_RETURN(std::vector<Outcome> outcomes, TransformAll(program_, read, plan_.key_names));
    for (size_t i = 0; i < read.size(); ++i) {
      if (outcomes[i].kind == Outcome::kUnchanged) {
        page_counts.unchanged += 1;
      } else {
        writes.emplace_back(read[i], std::move(outcomes[i]));
      }
    }
    const Value* last = page->Find("LastEvaluatedKey");
    bool more = last != nullptr && last->is_map() && !last->as_map().empty();
    segment_.counts.read += page_counts.read;
    segment_.counts.unchanged += page_counts.unchanged;
    segment_.next_key = more ? *last : Value();
    segment_.done = !more;
    segment_.pending.clear();
    for (const auto& [item, o] : writes) {
      segment_.pending.push_back({KeyOf(*item, plan_.key_names), ItemDigest(*item), o.after});
    }
    // A page with nothing to write is journaled only to end the segment, or
    // to clear the last written page's list (left journaled, it would make
    // a resume re-read those items and count any the app changed since as
    // left, though this step wrote them).
    if (!writes.empty() || !more || journal_has_pending_) TRY(Journal(segment_));
    journaled_counts_ = segment_.counts;
    journaled_left_keys_ = segment_.left_keys.size();
    if (pacer_.paced()) {
      for (size_t i = 0; i < writes.size(); ++i) {
        TRY(WriteOne(*writes[i].first, writes[i].second, i));
      }
    } else {
      for (size_t first = 0; first < writes.size();) {
        ASSIGN_OR_RETURN(size_t written, WriteTogether(writes, first));
        first += written;
      }
    }
    segment_.pending.clear();
    if (!more && !writes.empty()) TRY(Journal(segment_));
    return {};
  }

  // From writes[first] on, as many as one TransactWriteItems carries (at
  // most 100 actions and about 3 MB), all or none, each conditional on its
  // item being as read. Returns how many it settled. A cancelled transaction
  // (someone changed one of the items) writes them one by one instead, each
  // conflict handled as in WriteOne. The ClientRequestToken, a digest of the
  // step's idempotency token and the request, makes the client's retry after
  // a lost answer a no-op for DynamoDB.
  Result<size_t> WriteTogether(const std::vector<std::pair<const Value*, Outcome>>& writes,
                               size_t first) {
    ValueList actions;
    size_t bytes = 0;
    size_t end = first;
    // The token: the step's, the segment, and what each write changes.
    Sha256Hasher token;
    token.Begin();
    token.Update(ctx_.idempotency_token);
    token.Update(std::to_string(index_));
    for (; end < writes.size() && actions.size() < kMaxTransactionItems; ++end) {
      bool update = false;
      Value params = WriteParams(plan_, *writes[end].first, writes[end].second, &update);
      size_t size = ApproximateJsonSize(params);
      if (!actions.empty() && bytes + size > kMaxTransactionBytes) break;
      bytes += size;
      token.Update(segment_.pending[end].key.ToJson());
      token.Update(segment_.pending[end].before);
      token.Update(segment_.pending[end].after);
      actions.emplace_back(ValueMap{{update ? "Update" : "Delete", std::move(params)}});
    }
    if (end - first == 1) {
      TRY(WriteOne(*writes[first].first, writes[first].second, first));
      return size_t{1};
    }
    Value request(ValueMap{});
    request.Set("TransactItems", Value(std::move(actions)));
    request.Set("ClientRequestToken", token.FinishHex().substr(0, 36));
    aws::AwsResult result = CallPatiently(client_, "TransactWriteItems", request, ctx_);
    if (!result && result.error().code != "TransactionCanceledException") {
      return MakeError(result.error().ToError().WithContext(fmt::format(
          "writing the {} items {} to {} in one transaction", end - first,
          segment_.pending[first].key.ToJson(), segment_.pending[end - 1].key.ToJson())));
    }
    for (size_t i = first; i < end; ++i) {
      if (result) {
        const bool dropped = writes[i].second.kind == Outcome::kDelete;
        (dropped ? segment_.counts.dropped : segment_.counts.written) += 1;
      } else {
        TRY(WriteOne(*writes[i].first, writes[i].second, i));
      }
    }
    return end - first;
  }

  // The item as read, pending_index in the pending list: transform it and
  // write it, journaling the plan first when it is not the one journaled (an
  // item journaled as not written), so that a later resume knows the write.
  Result<void> Settle(const Value& item, size_t pending_index) {
    ASSIGN_OR_RETURN(Outcome o, Transform(program_, item, plan_.key_names));
    if (o.kind == Outcome::kUnchanged) {
      segment_.counts.unchanged += 1;
      return {};
    }
    Pending& p = segment_.pending[pending_index];
    std::string before = ItemDigest(item);
    if (!Journals(p.before, before) || !Journals(p.after, o.after)) {
      p.before = std::move(before);
      p.after = o.after;
      TRY(SaveJournaledPage());
    }
    return WriteOne(item, o, pending_index);
  }

  // Writes `o`; when someone changed the item meanwhile, reads it again and
  // transforms that (journaling the new plan for it first, when it is in the
  // page's pending list). After kMaxConflictRetries the step stops, the
  // item journaled as not written (kNotWritten), so that a resumed run
  // transforms whatever it then holds rather than counting it as left.
  Result<void> WriteOne(const Value& first, const Outcome& first_outcome,
                        std::optional<size_t> pending_index) {
    Value item = first;
    Outcome o = first_outcome;
    for (int attempt = 1;; ++attempt) {
      TRY(pacer_.Wait(ctx_));
      ASSIGN_OR_RETURN(WriteAnswer answer, Write(client_, plan_, item, o, ctx_));
      if (answer == WriteAnswer::kWritten) {
        (o.kind == Outcome::kDelete ? segment_.counts.dropped : segment_.counts.written) += 1;
        return {};
      }
      ASSIGN_OR_RETURN(std::optional<Value> now,
                       ReadItem(client_, plan_.table, KeyOf(item, plan_.key_names), ctx_));
      // The write may have landed after all (an answer lost on the way back,
      // the client's retry then found the item changed — by this write).
      if (!now) {
        (o.kind == Outcome::kDelete ? segment_.counts.dropped : segment_.counts.vanished) += 1;
        return {};
      }
      const std::string digest = ItemDigest(*now);
      if (o.kind == Outcome::kUpdate && digest == o.after) {
        segment_.counts.written += 1;
        return {};
      }
      // Sent more than once, and now neither as read nor as this step would
      // write it: whether an earlier send wrote it before someone changed it
      // cannot be told, and transforming it again could apply the program
      // twice. Left alone and listed, as after an interruption.
      if (answer == WriteAnswer::kRefusedAfterResend && digest != ItemDigest(item)) {
        segment_.counts.left += 1;
        if (segment_.left_keys.size() < kMaxListedKeys) {
          segment_.left_keys.push_back(KeyOf(item, plan_.key_names).ToJson());
        }
        return {};
      }
      if (attempt >= kMaxConflictRetries) {
        if (pending_index) {
          segment_.pending[*pending_index].after = std::string(kNotWritten);
          TRY(SaveJournaledPage());
        }
        return MakeError(
            ErrorCode::kTransient,
            fmt::format("the item {} of {} kept changing while it was being "
                        "transformed ({} attempts); resume to try again",
                        KeyOf(item, plan_.key_names).ToJson(), plan_.table, kMaxConflictRetries));
      }
      segment_.counts.conflicts += 1;
      item = *now;
      ASSIGN_OR_RETURN(o, Transform(program_, item, plan_.key_names));
      if (o.kind == Outcome::kUnchanged) {
        segment_.counts.unchanged += 1;
        return {};
      }
      if (pending_index) {
        Pending& p = segment_.pending[*pending_index];
        p.before = ItemDigest(item);
        p.after = o.after;
        TRY(SaveJournaledPage());
      }
    }
  }

  // Journals `s` as this segment's checkpoint.
  Result<void> Journal(const Segment& s) {
    TRY(progress_.Save(index_, s));
    journal_has_pending_ = !s.pending.empty();
    return {};
  }

  // The page's pending list as it stands now, with the counts from before
  // the page: they must not hold the outcomes of its items yet, since after
  // a crash the pending list settles them.
  Result<void> SaveJournaledPage() {
    Segment journaled = segment_;
    journaled.counts = journaled_counts_;
    journaled.left_keys.resize(journaled_left_keys_);
    return Journal(journaled);
  }

  AwsClient& client_;
  ItemProgram& program_;
  const Plan& plan_;
  Progress& progress_;
  WritePacer& pacer_;
  size_t index_;
  StepContext& ctx_;
  const std::atomic<bool>& stop_;
  Segment segment_;
  // segment_.counts and how many left_keys, as the page's checkpoint holds them
  Counts journaled_counts_;
  size_t journaled_left_keys_ = 0;
  // The last checkpoint journaled lists items in flight.
  bool journal_has_pending_ = false;
};

class TransformStep final : public StepType {
 public:
  TransformStep(aws::ClientPool& clients, TransportFactory transports, const DataLimits* limits)
      : clients_(clients), transports_(std::move(transports)), limits_(limits) {}

  std::string_view name() const override { return "dynamodb.transform"; }

  const StepSchema& schema() const override {
    static const StepSchema kSchema = [] {
      StepSchema s;
      s.summary =
          "Transform every item of a DynamoDB table with a jq program or a command, journaled "
          "per page, each write conditional on the item being unchanged";
      s.inputs = DataTargetFields();
      s.inputs.push_back({"jq",
                          FieldType::kString,
                          false,
                          "the jq program: the item in (plain JSON), the new item out, or null "
                          "to delete it (this or `command`)",
                          {}});
      s.inputs.push_back(CommandField(
          "a command (argv, no shell) run once per page in the current directory: the page's "
          "items in on standard input as JSON Lines, exactly one line out per item, in order "
          "(the new item, or null to delete it); logs go to standard error; the table's name "
          "is in FLIGHTPLAN_TABLE (this or `jq`)"));
      s.inputs.push_back(CommandTimeoutField());
      s.inputs.push_back({"backup",
                          FieldType::kBoolean,
                          false,
                          "whether `data migrate` takes an on-demand backup of the table first "
                          "(a dynamodb.backup step before this one; default true)",
                          {}});
      s.inputs.push_back({"segments",
                          FieldType::kInteger,
                          false,
                          "parallel scan segments (default 4, at most 64)",
                          {}});
      s.inputs.push_back({"page_size",
                          FieldType::kInteger,
                          false,
                          "items per page, the unit journaled (default 100, at most 1000)",
                          {}});
      for (const char* name :
           {"read", "unchanged", "written", "dropped", "conflicts", "vanished", "left"}) {
        s.outputs.push_back(
            {name, FieldType::kInteger, false, "items, by what became of them", {}});
      }
      s.outputs.push_back({"table", FieldType::kString, false, "the table transformed", {}});
      s.outputs.push_back({"left_keys",
                           FieldType::kList,
                           false,
                           "keys of items left as someone else wrote them",
                           {}});
      s.has_check = true;
      return s;
    }();
    return kSchema;
  }

  Result<void> ValidateStatic(const Value& inputs) const override {
    TRY(ValidateProgramInputs(inputs, ProgramNeeded::kRequired, "the transform"));
    int64_t segments = IntAt(inputs, "segments", kDefaultSegments);
    int64_t page = IntAt(inputs, "page_size", kDefaultPageSize);
    if (segments < 1 || segments > kMaxSegments) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("segments must be 1 to {}", kMaxSegments));
    }
    if (page < 1 || page > kMaxPageSize) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("page_size must be 1 to {}", kMaxPageSize));
    }
    return {};
  }

  std::string Describe(const Value& inputs) const override {
    std::vector<std::string> argv = CommandArgv(inputs);
    if (!argv.empty()) {
      return fmt::format("transform every item of {} with {}", DescribeTarget(inputs),
                         ShowCommand(argv));
    }
    return fmt::format("transform every item of {} with jq '{}'", DescribeTarget(inputs),
                       StringAt(inputs, "jq"));
  }

  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Plan plan, MakePlan(inputs, ctx));
    ASSIGN_OR_RETURN(AwsClient * client, ClientFor(inputs, ctx));
    ASSIGN_OR_RETURN(auto program, TransformProgram(inputs, plan.table, ctx));
    Value params(ValueMap{});
    params.Set("TableName", plan.table);
    const int64_t sample = limits_ ? limits_->sample : 0;
    Counts counts;
    std::string samples;
    int shown = 0;
    Value next;
    for (int page = 0; page < 1000000; ++page) {
      if (next.is_map()) params.Set("ExclusiveStartKey", next);
      if (sample > 0) params.Set("Limit", std::min<int64_t>(sample - counts.read, kMaxPageSize));
      aws::AwsResult out = CallPatiently(*client, "Scan", params, ctx);
      if (!out) return MakeError(out.error().ToError());
      std::vector<const Value*> items;
      for (const Value& item : ListAt(*out, "Items")) {
        if (sample > 0 && counts.read + static_cast<int64_t>(items.size()) >= sample) break;
        items.push_back(&item);
      }
      ASSIGN_OR_RETURN(std::vector<Outcome> outcomes,
                       TransformAll(*program, items, plan.key_names));
      for (size_t i = 0; i < items.size(); ++i) {
        const Value& item = *items[i];
        const Outcome& o = outcomes[i];
        counts.read += 1;
        if (o.kind == Outcome::kUnchanged) {
          counts.unchanged += 1;
          continue;
        }
        (o.kind == Outcome::kDelete ? counts.dropped : counts.written) += 1;
        if (shown++ < 3) {
          std::string change = o.kind == Outcome::kDelete ? " deleted" : "";
          for (const auto& [n, v] : o.changes.set) {
            auto plain = ItemToJson(Value(ValueMap{{n, v}}));
            change += fmt::format(" set {}={}", n, plain ? plain->Find(n)->ToJson() : v.ToJson());
          }
          for (const std::string& n : o.changes.remove) change += " remove " + n;
          samples += fmt::format("\n    {}:{}", KeyOf(item, plan.key_names).ToJson(), change);
        }
      }
      const Value* last = out->Find("LastEvaluatedKey");
      if (last == nullptr || !last->is_map() || last->as_map().empty()) break;
      if (sample > 0 && counts.read >= sample) break;
      next = *last;
    }
    return fmt::format(
        "{}: of {}{} items, {} would change, {} would be deleted, {} stay as they "
        "are (nothing written){}",
        plan.table, sample > 0 ? "the first " : "", counts.read, counts.written, counts.dropped,
        counts.unchanged, samples);
  }

  // A step started again after it failed continues from the failed
  // attempt's checkpoint: its pages are written, and transforming them again
  // would apply the program twice.
  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Plan plan, MakePlan(inputs, ctx));
    Value prepared = ToValue(plan);
    const Value* checkpoint = ctx.prepared.is_map() ? ctx.prepared.Find("checkpoint") : nullptr;
    if (checkpoint == nullptr) return prepared;
    auto before = PlanFrom(ctx.prepared);
    if (!before) return MakeError(before.error());
    if (before->table != plan.table || before->segments != plan.segments) {
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("this transform was interrupted part-way through {} with {} segments; it "
                      "can only continue on the same table with the same number of segments "
                      "(now {} with {})",
                      before->table, before->segments, plan.table, plan.segments));
    }
    prepared.Set("checkpoint", *checkpoint);
    return prepared;
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    if (ctx.checkpoints == nullptr) {
      return MakeError(ErrorCode::kInternal, "dynamodb.transform runs only under the executor");
    }
    ASSIGN_OR_RETURN(Plan plan, PlanFrom(ctx.prepared));
    ASSIGN_OR_RETURN(AwsClient * client, ClientFor(inputs, ctx));
    std::vector<Segment> segments(static_cast<size_t>(plan.segments));
    if (const Value* cp = ctx.prepared.Find("checkpoint")) {
      const ValueList& saved = ListAt(*cp, "segments");
      if (saved.size() != segments.size()) {
        return MakeError(ErrorCode::kInternal,
                         "the journaled checkpoint has another number of "
                         "segments than the plan");
      }
      for (size_t i = 0; i < saved.size(); ++i) segments[i] = Segment::From(saved[i]);
    }
    Progress progress(ctx, plan, std::move(segments));
    WritePacer pacer(*ctx.clock, limits_ ? limits_->max_write_rate : 0);
    if (pacer.paced() && ctx.progress != nullptr) {
      ctx.progress->Progress(fmt::format("{}: writes limited to {:g} per second", plan.table,
                                         limits_->max_write_rate));
    }
    std::vector<std::unique_ptr<HttpTransport>> transports;
    std::vector<std::unique_ptr<AwsClient>> clients;
    std::vector<std::unique_ptr<ItemProgram>> programs;
    for (int64_t i = 0; i < plan.segments; ++i) {
      ASSIGN_OR_RETURN(auto program, TransformProgram(inputs, plan.table, ctx));
      programs.push_back(std::move(program));
      if (plan.segments > 1 && transports_) {
        transports.push_back(transports_());
        clients.push_back(client->OverTransport(*transports.back()));
      }
    }
    std::atomic<bool> stop{false};
    std::vector<std::optional<Error>> errors(static_cast<size_t>(plan.segments));
    auto run = [&](size_t i) {
      AwsClient& c = clients.empty() ? *client : *clients[i];
      Worker worker(c, *programs[i], plan, progress, pacer, i, ctx, stop);
      Result<void> done = worker.Run();
      if (!done) {
        errors[i] = std::move(done.error());
        stop = true;
      }
    };
    if (plan.segments == 1) {
      run(0);
    } else {
      std::vector<std::thread> threads;
      for (size_t i = 0; i < static_cast<size_t>(plan.segments); ++i) threads.emplace_back(run, i);
      for (std::thread& t : threads) t.join();
    }
    for (std::optional<Error>& e : errors) {
      if (e) return MakeError(std::move(*e));
    }
    return Outputs(plan, progress.Totals(), progress.LeftKeys());
  }

  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    (void)inputs;
    const Value* cp = ctx.prepared.Find("checkpoint");
    if (cp == nullptr) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         "no page was journaled, so nothing was written; it starts again"};
    }
    Counts total;
    bool done = true;
    std::vector<std::string> left;
    for (const Value& v : ListAt(*cp, "segments")) {
      Segment s = Segment::From(v);
      done = done && s.done && s.pending.empty();
      total.Add(s.counts);
      for (const std::string& k : s.left_keys) {
        if (left.size() < kMaxListedKeys) left.push_back(k);
      }
    }
    if (!done) {
      return CheckResult{
          CheckOutcome::kNotDone, Value(),
          fmt::format("{} items were read before the interruption; it resumes from its last "
                      "journaled page",
                      total.read)};
    }
    auto plan = PlanFrom(ctx.prepared);
    if (!plan) return MakeError(plan.error());
    return CheckResult{CheckOutcome::kDone, Outputs(*plan, total, left),
                       "every segment's last page is journaled as written"};
  }

  Result<void> Rollback(const Value&, const Value&, StepContext&) const override {
    return MakeError(ErrorCode::kStepFailed,
                     "a transform cannot be undone by itself, and this one ran without a backup "
                     "before it (`backup: false`): write a migration that transforms the items "
                     "back, or restore the table from point-in-time recovery by hand "
                     "(docs/data-migrations.md, \"Rolling back\")");
  }

 private:
  Result<AwsClient*> ClientFor(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(DataTarget target, ReadDataTarget(inputs, ctx));
    return clients_.Get(target.profile, target.region);
  }

  Result<Plan> MakePlan(const Value& inputs, StepContext& ctx) const {
    ASSIGN_OR_RETURN(DataTarget target, ReadDataTarget(inputs, ctx));
    ASSIGN_OR_RETURN(AwsClient * client, clients_.Get(target.profile, target.region));
    Plan plan;
    ASSIGN_OR_RETURN(plan.table, ResolveTable(*client, *ctx.clock, target));
    ASSIGN_OR_RETURN(TableShape shape, DescribeTableShape(*client, plan.table));
    plan.key_names = std::move(shape.key_names);
    plan.estimate = shape.item_count;
    plan.segments = IntAt(inputs, "segments", kDefaultSegments);
    plan.page_size = IntAt(inputs, "page_size", kDefaultPageSize);
    return plan;
  }

  static Value Outputs(const Plan& plan, const Counts& total,
                       const std::vector<std::string>& left_keys) {
    Value out(ValueMap{});
    out.Set("table", plan.table);
    total.Into(out);
    ValueList keys(left_keys.begin(), left_keys.end());
    out.Set("left_keys", Value(std::move(keys)));
    return out;
  }

  aws::ClientPool& clients_;
  TransportFactory transports_;
  const DataLimits* limits_;
};

}  // namespace

void RegisterDataSteps(StepRegistry& registry, aws::ClientPool& clients,
                       TransportFactory transports, const DataLimits* limits) {
  registry.Register(std::make_unique<TransformStep>(clients, std::move(transports), limits));
  registry.Register(MakeBackupStep(clients));
  registry.Register(MakePutStep(clients, limits));
  registry.Register(MakeRestoreStep(clients));
  registry.Register(MakeExportStep(clients));
  registry.Register(MakeImportStep(clients, limits));
}

}  // namespace flightplan::data
