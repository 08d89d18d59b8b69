#include "steps/data/export_files.h"

#include <fmt/format.h>

#include "steps/aws/services.h"
#include "steps/aws/values.h"

namespace flightplan::data {
namespace {

using aws::IntAt;
using aws::StringAt;

Result<std::string> ObjectText(aws::S3Client& s3, const std::string& bucket,
                               const std::string& key) {
  ASSIGN_OR_RETURN(Value object, s3.GetObject(bucket, key));
  return StringAt(object, "Body");
}

Error NotAnExport(const std::string& bucket, const std::string& key, const std::string& why) {
  return Error(ErrorCode::kCorruption,
               fmt::format("s3://{}/{} is not a DynamoDB export manifest ({}); was it changed "
                           "after the export?",
                           bucket, key, why));
}

}  // namespace

Result<ExportFiles> ReadExportFiles(aws::AwsClient& client, const Value& description) {
  std::string arn = StringAt(description, "ExportArn");
  std::string status = StringAt(description, "ExportStatus");
  if (status != "COMPLETED") {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("the export {} is {}{}: only a completed export can be read", arn,
                                 status.empty() ? "unknown" : status,
                                 StringAt(description, "FailureMessage").empty()
                                     ? ""
                                     : " (" + StringAt(description, "FailureMessage") + ")"));
  }
  std::string format = StringAt(description, "ExportFormat");
  if (!format.empty() && format != "DYNAMODB_JSON") {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("the export {} is in {} format; dynamodb.import reads "
                                 "DYNAMODB_JSON exports",
                                 arn, format));
  }
  ExportFiles out;
  out.bucket = StringAt(description, "S3Bucket");
  std::string summary_key = StringAt(description, "ExportManifest");
  aws::S3Client s3(client);
  ASSIGN_OR_RETURN(std::string summary_text, ObjectText(s3, out.bucket, summary_key));
  Result<Value> summary = Value::FromJson(summary_text);
  if (!summary || !summary->is_map()) {
    return MakeError(NotAnExport(out.bucket, summary_key, "not a JSON object"));
  }
  std::string files_key = StringAt(*summary, "manifestFilesS3Key");
  if (files_key.empty()) {
    return MakeError(NotAnExport(out.bucket, summary_key, "no manifestFilesS3Key"));
  }
  ASSIGN_OR_RETURN(std::string files_text, ObjectText(s3, out.bucket, files_key));
  int64_t line_number = 0;
  for (size_t start = 0; start < files_text.size();) {
    size_t end = files_text.find('\n', start);
    if (end == std::string::npos) end = files_text.size();
    std::string_view line(files_text.data() + start, end - start);
    start = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Result<Value> entry = Value::FromJson(line);
    std::string key = entry && entry->is_map() ? StringAt(*entry, "dataFileS3Key") : "";
    if (key.empty()) {
      return MakeError(NotAnExport(out.bucket, files_key,
                                   fmt::format("line {} names no dataFileS3Key", line_number)));
    }
    int64_t items = IntAt(*entry, "itemCount");
    out.files.push_back({key, items});
    out.items += items;
  }
  return out;
}

Result<ExportItemReader> ExportItemReader::Open(const std::string& path, const std::string& name) {
  gzFile_s* file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("cannot open the downloaded export data file {}{}", path,
                                 name.empty() ? "" : " (" + name + ")"));
  }
  return ExportItemReader(name.empty() ? path : name, file);
}

Result<std::optional<Value>> ExportItemReader::Next() {
  std::string line;
  char buffer[64 * 1024];
  while (true) {
    line.clear();
    bool ended = false;
    while (!ended) {
      if (gzgets(file_.get(), buffer, sizeof(buffer)) == nullptr) {
        int code = 0;
        const char* message = gzerror(file_.get(), &code);
        if (code != Z_OK && code != Z_STREAM_END) {
          return MakeError(ErrorCode::kCorruption,
                           fmt::format("{}: line {}: the gzip stream is damaged ({})", path_,
                                       line_ + 1, message));
        }
        if (line.empty()) return std::optional<Value>();
        break;
      }
      std::string_view got(buffer);
      ended = !got.empty() && got.back() == '\n';
      line.append(got);
      if (line.size() > kMaxExportLine) {
        return MakeError(ErrorCode::kCorruption,
                         fmt::format("{}: line {} is longer than {} bytes (an item is at most "
                                     "400 KB)",
                                     path_, line_ + 1, kMaxExportLine));
      }
    }
    ++line_;
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    Result<Value> parsed = Value::FromJson(line);
    const Value* item = parsed && parsed->is_map() ? parsed->Find("Item") : nullptr;
    if (item == nullptr || !item->is_map()) {
      return MakeError(ErrorCode::kCorruption,
                       fmt::format("{}: line {} is not {{\"Item\": {{...}}}} as DynamoDB exports "
                                   "write",
                                   path_, line_));
    }
    return std::optional<Value>(*item);
  }
}

}  // namespace flightplan::data
