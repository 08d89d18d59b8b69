// dynamodb.import: the items of a dynamodb.export, after the deploy that
// replaced the table (a changed key), written into the new table through an
// optional jq program or command, de-duplicated on the new key.
//
// The import refuses the very table that was exported (the same TableId):
// until the deploy replaced it, writing there would only collide with the
// items it still holds. Each item is created only where its new key is free
// (PutItem conditional on attribute_not_exists), so two old items that map to
// one new key keep the first in the export's order; the others are counted as
// duplicates and the first kListed keys listed.
//
// Journaled per page of kPage items: before a page is written, a checkpoint
// holds the data file, the line the page starts at and the counts so far. A
// resume reads the file again from that line; an item of that page found
// present and exactly as it would be written counts as imported (it was
// written before the interruption). Counts add up: read = imported +
// duplicates + dropped.
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/data/data_steps.h"
#include "steps/data/data_target.h"
#include "steps/data/export_files.h"
#include "steps/data/item_json.h"
#include "steps/data/item_program.h"
#include "steps/data/item_writes.h"
#include "steps/data/step_types.h"
#include "steps/data/write_pacer.h"

namespace flightplan::data {
namespace {

using aws::IntAt;
using aws::ListAt;
using aws::StringAt;

constexpr size_t kPage = 25;
constexpr size_t kListed = 20;  // duplicate keys listed in the outputs

struct ImportCounts {
  int64_t read = 0;
  int64_t imported = 0;
  int64_t duplicates = 0;
  int64_t dropped = 0;
  ValueList duplicate_keys;  // the first kListed

  void Into(Value& out) const {
    out.Set("read", read);
    out.Set("imported", imported);
    out.Set("duplicates", duplicates);
    out.Set("dropped", dropped);
    out.Set("duplicate_keys", Value(duplicate_keys));
  }
  static ImportCounts From(const Value& v) {
    return {IntAt(v, "read"), IntAt(v, "imported"), IntAt(v, "duplicates"), IntAt(v, "dropped"),
            ListAt(v, "duplicate_keys")};
  }
};

// A downloaded data file, removed when done with.
class TempFile {
 public:
  static Result<TempFile> Make() {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    std::string pattern = (dir / "flightplan-import-XXXXXX").string();
    int fd = mkstemp(pattern.data());
    if (fd < 0) {
      return MakeError(ErrorCode::kStepFailed,
                       "cannot create a temporary file for an export data file (is TMPDIR "
                       "writable?)");
    }
    close(fd);
    return TempFile(pattern);
  }
  TempFile(TempFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// A progress report after the first page, then at most one a second: items
// read of the export's count, the rate, the time left, what became of them.
class ImportProgress {
 public:
  ImportProgress(StepContext& ctx, std::string table, int64_t total, int64_t already)
      : ctx_(ctx),
        table_(std::move(table)),
        total_(total),
        already_(already),
        started_(ctx.clock->Monotonic()),
        last_(started_ - std::chrono::seconds(1)) {}  // the first page reports

  void Report(const ImportCounts& counts) {
    if (ctx_.progress == nullptr) return;
    auto now = ctx_.clock->Monotonic();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    double seconds = std::chrono::duration<double>(now - started_).count();
    double rate = seconds > 0 ? static_cast<double>(counts.read - already_) / seconds : 0;
    std::string line = fmt::format("{}: {} of {} exported items read", table_, counts.read, total_);
    line += fmt::format(", {:.0f} items/s", rate);
    Value figures(ValueMap{});
    figures.Set("table", table_);
    figures.Set("read", counts.read);
    figures.Set("total", total_);
    figures.Set("items_per_second", rate);
    if (total_ > counts.read && rate > 0) {
      double left = static_cast<double>(total_ - counts.read) / rate;
      line += fmt::format(", about {:.0f} s left", left);
      figures.Set("seconds_left", left);
    }
    line += fmt::format("; {} imported, {} duplicates, {} dropped", counts.imported,
                        counts.duplicates, counts.dropped);
    figures.Set("imported", counts.imported);
    figures.Set("duplicates", counts.duplicates);
    figures.Set("dropped", counts.dropped);
    ctx_.progress->Progress(line);
    ctx_.progress->Figures(figures);
  }

 private:
  StepContext& ctx_;
  std::string table_;
  int64_t total_;
  int64_t already_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_;
};

// One page read from a data file: the items as exported, and the line of
// the file the page starts at.
struct Page {
  int64_t first_line = 0;
  std::vector<Value> items;
};

class ImportStep final : public StepType {
 public:
  ImportStep(aws::ClientPool& clients, const DataLimits* limits)
      : clients_(clients), limits_(limits) {}

  std::string_view name() const override { return "dynamodb.import"; }

  const StepSchema& schema() const override {
    static const StepSchema kSchema = [] {
      StepSchema s;
      s.summary =
          "Import a dynamodb.export into the table that replaced the exported one, through an "
          "optional jq program or command, each item created only where its new key is free";
      s.inputs = DataTargetFields();
      s.inputs.push_back({"export_arn",
                          FieldType::kString,
                          true,
                          "the export to import: ${steps.<export step>.outputs.export_arn}",
                          {}});
      s.inputs.push_back({"jq",
                          FieldType::kString,
                          false,
                          "a jq program: the exported item in (plain JSON), the item to write "
                          "out, or null to leave it out (this, `command`, or neither: items as "
                          "exported)",
                          {}});
      s.inputs.push_back(CommandField(
          "a command (argv, no shell) run once per page: the exported items in on standard "
          "input as JSON Lines, exactly one line out per item (the item to write, or null); "
          "the table's name is in FLIGHTPLAN_TABLE (this, `jq`, or neither)"));
      s.inputs.push_back(CommandTimeoutField());
      for (const char* name : {"read", "imported", "duplicates", "dropped"}) {
        s.outputs.push_back(
            {name, FieldType::kInteger, false, "exported items, by what became of them", {}});
      }
      s.outputs.push_back({"table", FieldType::kString, false, "the table written", {}});
      s.outputs.push_back({"duplicate_keys",
                           FieldType::kList,
                           false,
                           "new keys that several exported items mapped to (the first 20)",
                           {}});
      s.has_check = true;
      return s;
    }();
    return kSchema;
  }

  Result<void> ValidateStatic(const Value& inputs) const override {
    return ValidateProgramInputs(inputs, ProgramNeeded::kOptional, "the import");
  }

  std::string Describe(const Value& inputs) const override {
    std::vector<std::string> argv = CommandArgv(inputs);
    std::string through = !argv.empty()                     ? " through " + ShowCommand(argv)
                          : !StringAt(inputs, "jq").empty() ? " through jq"
                                                            : "";
    return fmt::format("import the export {}{} into {}, where its key is free",
                       StringAt(inputs, "export_arn"), through, DescribeTarget(inputs));
  }

  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ResolvedTable t, ResolveDataTable(clients_, inputs, ctx));
    ASSIGN_OR_RETURN(Value description, DescribeExportOf(*t.client, inputs));
    ASSIGN_OR_RETURN(std::string live_id, TableId(*t.client, t.table));
    if (live_id == StringAt(description, "TableId")) {
      return fmt::format(
          "{}: still the table that was exported; the import will refuse it "
          "until a deploy replaces it (nothing written)",
          t.table);
    }
    ASSIGN_OR_RETURN(ExportFiles files, ReadExportFiles(*t.client, description));
    ASSIGN_OR_RETURN(std::unique_ptr<ItemProgram> program, ProgramFromInputs(inputs, t.table, ctx));
    const int64_t sample = limits_ ? limits_->sample : 0;
    ImportCounts counts;
    for (const ExportDataFile& file : files.files) {
      if (sample > 0 && counts.read >= sample) break;
      ASSIGN_OR_RETURN(TempFile local, Download(*t.client, files.bucket, file, ctx));
      ASSIGN_OR_RETURN(
          ExportItemReader reader,
          ExportItemReader::Open(local.path(), fmt::format("s3://{}/{}", files.bucket, file.key)));
      while (sample == 0 || counts.read < sample) {
        TRY(ctx.StopReason());
        ASSIGN_OR_RETURN(Page page, ReadPage(reader));
        if (page.items.empty()) break;
        ASSIGN_OR_RETURN(std::vector<Value> out, Apply(program.get(), page, t));
        counts.read += static_cast<int64_t>(page.items.size());
        for (const Value& item : out) (item.is_null() ? counts.dropped : counts.imported) += 1;
      }
    }
    return fmt::format(
        "{}: of {}{} exported items, {} would be written where their key is free, {} left out "
        "by the transform (nothing written; duplicates of a new key are found when writing)",
        t.table, sample > 0 ? "the first " : "", counts.read, counts.imported, counts.dropped);
  }

  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(ResolvedTable t, ResolveDataTable(clients_, inputs, ctx));
    ASSIGN_OR_RETURN(Value description, DescribeExportOf(*t.client, inputs));
    ASSIGN_OR_RETURN(std::string live_id, TableId(*t.client, t.table));
    if (live_id == StringAt(description, "TableId")) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("{} is still the table that was exported ({}): deploy the "
                                   "schema that replaces it first, then run `flightplan data "
                                   "migrate` again (the import continues from here)",
                                   t.table, StringAt(description, "ExportArn")));
    }
    Value prepared(ValueMap{});
    SetPreparedTable(prepared, t);
    prepared.Set("table_id", live_id);
    prepared.Set("export", description);
    // Started again after a failure: what the failed attempt journaled was
    // written, into this same table.
    if (const Value* cp = ctx.prepared.is_map() ? ctx.prepared.Find("checkpoint") : nullptr) {
      const Value* before = ctx.prepared.Find("export");
      if (StringAt(ctx.prepared, "table_id") == live_id && before != nullptr &&
          StringAt(*before, "ExportArn") == StringAt(description, "ExportArn")) {
        prepared.Set("checkpoint", *cp);
      }
    }
    return prepared;
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    if (ctx.checkpoints == nullptr) {
      return MakeError(ErrorCode::kInternal, "dynamodb.import runs only under the executor");
    }
    ASSIGN_OR_RETURN(ResolvedTable t, PreparedTable(clients_, inputs, ctx, "dynamodb.import"));
    const Value* description = ctx.prepared.Find("export");
    if (description == nullptr) {
      return MakeError(ErrorCode::kInternal, "the journaled dynamodb.import plan has no export");
    }
    ASSIGN_OR_RETURN(ExportFiles files, ReadExportFiles(*t.client, *description));
    ASSIGN_OR_RETURN(std::unique_ptr<ItemProgram> program, ProgramFromInputs(inputs, t.table, ctx));
    ImportCounts counts;
    size_t start_file = 0;
    int64_t start_line = 0;  // the page in flight at an interruption starts here
    bool resuming = false;
    if (const Value* cp = ctx.prepared.Find("checkpoint")) {
      counts = ImportCounts::From(*cp);
      start_file = static_cast<size_t>(std::max<int64_t>(IntAt(*cp, "file"), 0));
      start_line = std::max<int64_t>(IntAt(*cp, "line"), 0);
      resuming = true;
    }
    WritePacer pacer(*ctx.clock, limits_ ? limits_->max_write_rate : 0);
    ImportProgress progress(ctx, t.table, files.items, counts.read);
    for (size_t f = start_file; f < files.files.size(); ++f) {
      const ExportDataFile& file = files.files[f];
      ASSIGN_OR_RETURN(TempFile local, Download(*t.client, files.bucket, file, ctx));
      ASSIGN_OR_RETURN(
          ExportItemReader reader,
          ExportItemReader::Open(local.path(), fmt::format("s3://{}/{}", files.bucket, file.key)));
      const int64_t skip = f == start_file ? start_line : 0;
      while (reader.line() < skip) {
        ASSIGN_OR_RETURN(std::optional<Value> passed, reader.Next());
        if (!passed) break;
      }
      Progress(ctx, fmt::format("{}: data file {} of {} ({} items){}", t.table, f + 1,
                                files.files.size(), file.items,
                                skip > 0 ? fmt::format(", from line {}", skip + 1) : ""));
      while (true) {
        TRY(ctx.StopReason());
        ASSIGN_OR_RETURN(Page page, ReadPage(reader));
        if (page.items.empty()) break;
        ASSIGN_OR_RETURN(std::vector<Value> out, Apply(program.get(), page, t));
        const bool in_flight = resuming && f == start_file && page.first_line == start_line;
        TRY(SaveCheckpoint(ctx, f, page.first_line, counts, false));
        counts.read += static_cast<int64_t>(page.items.size());
        for (const Value& item : out) {
          if (item.is_null()) {
            counts.dropped += 1;
            continue;
          }
          TRY(pacer.Wait(ctx));
          ASSIGN_OR_RETURN(bool created, PutIfAbsent(t, item, in_flight, ctx));
          if (created) {
            counts.imported += 1;
          } else {
            counts.duplicates += 1;
            if (counts.duplicate_keys.size() < kListed) {
              counts.duplicate_keys.push_back(Value(KeyOf(item, t.key_names).ToJson()));
            }
          }
        }
        progress.Report(counts);
      }
    }
    TRY(SaveCheckpoint(ctx, files.files.size(), 0, counts, true));
    if (counts.duplicates > 0) {
      Progress(ctx, fmt::format("{}: {} exported items mapped to a key already imported and were "
                                "left out (duplicate_keys lists the first)",
                                t.table, counts.duplicates));
    }
    return Outputs(t.table, counts);
  }

  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    (void)inputs;
    const Value* cp = ctx.prepared.Find("checkpoint");
    if (cp == nullptr) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         "no page was journaled, so nothing was written; it starts again"};
    }
    ImportCounts counts = ImportCounts::From(*cp);
    if (!aws::BoolAt(*cp, "finished")) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         fmt::format("{} exported items were settled before the interruption; "
                                     "it resumes from its last journaled page",
                                     counts.imported + counts.duplicates + counts.dropped)};
    }
    return CheckResult{CheckOutcome::kDone, Outputs(StringAt(ctx.prepared, "table"), counts),
                       "every exported item is journaled as imported, duplicate or dropped"};
  }

  Result<void> Rollback(const Value&, const Value&, StepContext&) const override {
    return MakeError(ErrorCode::kStepFailed,
                     "dynamodb.import is not undone by flightplan: the table it filled replaced "
                     "the exported one, which a deploy removed. The export is kept in S3; to go "
                     "back, deploy the previous schema and run a migration that imports the "
                     "export into it");
  }

 private:
  static void Progress(const StepContext& ctx, const std::string& line) {
    if (ctx.progress != nullptr) ctx.progress->Progress(line);
  }

  static Result<Value> DescribeExportOf(aws::AwsClient& client, const Value& inputs) {
    std::string arn = StringAt(inputs, "export_arn");
    aws::DynamoDbClient ddb(client);
    ASSIGN_OR_RETURN(Value described, ddb.DescribeExport(arn));
    const Value* d = described.Find("ExportDescription");
    if (d == nullptr || !d->is_map()) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("DescribeExport of {} gave no ExportDescription", arn));
    }
    return *d;
  }

  static Result<std::string> TableId(aws::AwsClient& client, const std::string& table) {
    aws::DynamoDbClient ddb(client);
    ASSIGN_OR_RETURN(Value described, ddb.DescribeTable(table));
    const Value* d = described.Find("Table");
    return d != nullptr ? StringAt(*d, "TableId") : std::string();
  }

  static Result<TempFile> Download(aws::AwsClient& client, const std::string& bucket,
                                   const ExportDataFile& file, StepContext& ctx) {
    TRY(ctx.StopReason());
    ASSIGN_OR_RETURN(TempFile local, TempFile::Make());
    aws::S3Client s3(client);
    if (auto got = s3.DownloadObject(bucket, file.key, local.path()); !got) {
      return MakeError(std::move(got.error())
                           .WithContext(fmt::format("downloading the export data file s3://{}/{}",
                                                    bucket, file.key)));
    }
    return local;
  }

  static Result<Page> ReadPage(ExportItemReader& reader) {
    Page page;
    page.first_line = reader.line();
    while (page.items.size() < kPage) {
      ASSIGN_OR_RETURN(std::optional<Value> item, reader.Next());
      if (!item) break;
      page.items.push_back(std::move(*item));
    }
    return page;
  }

  // The page's items through the program (as exported without one): each
  // the item to write, holding every key attribute of the table, or null.
  static Result<std::vector<Value>> Apply(ItemProgram* program, const Page& page,
                                          const ResolvedTable& t) {
    std::vector<Value> plain;
    std::vector<std::string> labels;
    plain.reserve(page.items.size());
    for (const Value& item : page.items) {
      ASSIGN_OR_RETURN(Value json, ItemToJson(item));
      plain.push_back(std::move(json));
      labels.push_back(KeyOfPlain(plain.back()));
    }
    std::vector<Value> results = plain;
    if (program != nullptr) {
      ASSIGN_OR_RETURN(results, program->ApplyAll(plain, labels));
    }
    std::vector<Value> out;
    out.reserve(results.size());
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].is_null()) {
        out.emplace_back();
        continue;
      }
      // What the program changed, applied to the item as exported: an
      // attribute it left equal keeps its exact AttributeValue (a set's type,
      // a binary, a number's every digit).
      auto changes = Diff(page.items[i], results[i]);
      if (!changes) {
        return MakeError(
            std::move(changes.error()).WithContext(fmt::format("the exported item {}", labels[i])));
      }
      Value item = ApplyChanges(page.items[i], *changes);
      for (const std::string& key : t.key_names) {
        if (item.Find(key) == nullptr) {
          return MakeError(ErrorCode::kStepFailed,
                           fmt::format("the exported item {} has no '{}' to import it by: every "
                                       "item written into {} must hold its key ({}); give the "
                                       "import a jq program or command that sets it, or null to "
                                       "leave the item out",
                                       labels[i], key, t.table, fmt::join(t.key_names, ", ")));
        }
      }
      out.push_back(std::move(item));
    }
    return out;
  }

  // An exported item, named in messages: its JSON, shortened.
  static std::string KeyOfPlain(const Value& json) {
    std::string text = json.ToJson();
    constexpr size_t kShown = 120;
    return text.size() <= kShown ? text : text.substr(0, kShown) + "...";
  }

  static Result<void> SaveCheckpoint(StepContext& ctx, size_t file, int64_t line,
                                     const ImportCounts& counts, bool finished) {
    Value checkpoint(ValueMap{});
    checkpoint.Set("file", static_cast<int64_t>(file));
    checkpoint.Set("line", line);
    counts.Into(checkpoint);
    if (finished) checkpoint.Set("finished", true);
    Value detail(ValueMap{});
    detail.Set("read", counts.read);
    detail.Set("imported", counts.imported);
    detail.Set("duplicates", counts.duplicates);
    detail.Set("dropped", counts.dropped);
    return ctx.checkpoints->Save(checkpoint, detail);
  }

  static Value Outputs(const std::string& table, const ImportCounts& counts) {
    Value out(ValueMap{});
    out.Set("table", table);
    counts.Into(out);
    return out;
  }

  aws::ClientPool& clients_;
  const DataLimits* limits_;
};

}  // namespace

std::unique_ptr<StepType> MakeImportStep(aws::ClientPool& clients, const DataLimits* limits) {
  return std::make_unique<ImportStep>(clients, limits);
}

}  // namespace flightplan::data
