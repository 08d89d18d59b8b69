// Reading a completed DynamoDB export to S3 (private to steps/data/), in the
// layout DynamoDB writes: <prefix>/AWSDynamoDB/<export id>/
// manifest-summary.json names manifest-files.json, whose lines each name one
// gzip'd data file of "{"Item": {...}}" lines (DYNAMODB_JSON format).
#ifndef FLIGHTPLAN_STEPS_DATA_EXPORT_FILES_H_
#define FLIGHTPLAN_STEPS_DATA_EXPORT_FILES_H_

#include <zlib.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "steps/aws/aws_client.h"

namespace flightplan::data {

struct ExportDataFile {
  std::string key;    // its S3 key
  int64_t items = 0;  // as the manifest counts them
};

struct ExportFiles {
  std::string bucket;
  std::vector<ExportDataFile> files;  // in the manifest's order
  int64_t items = 0;
};

// The data files of the export `description` (an ExportDescription) names.
// kStepFailed when the export is not COMPLETED or not DYNAMODB_JSON;
// kCorruption naming the object when a manifest is not what DynamoDB writes.
[[nodiscard]] Result<ExportFiles> ReadExportFiles(aws::AwsClient& client, const Value& description);

// The items of one data file downloaded to a local path, one at a time
// (memory bounded by one line: at most kMaxExportLine bytes).
class ExportItemReader {
 public:
  static constexpr size_t kMaxExportLine = size_t{4} << 20;

  // kStepFailed naming the path when it cannot be opened. Errors name the
  // file as `name` (where it came from: s3://bucket/key), else as `path`.
  [[nodiscard]] static Result<ExportItemReader> Open(const std::string& path,
                                                     const std::string& name = "");

  // The next item (its AttributeValues), or nullopt at the end; kCorruption
  // naming the file and line for a line that is not {"Item": {...}}, longer
  // than kMaxExportLine, or a gzip stream that is damaged.
  [[nodiscard]] Result<std::optional<Value>> Next();
  // Lines read so far (items returned, blank lines included).
  int64_t line() const { return line_; }

 private:
  struct Closer {
    void operator()(gzFile_s* f) const { gzclose(f); }
  };
  ExportItemReader(std::string path, gzFile_s* file) : path_(std::move(path)), file_(file) {}

  std::string path_;
  std::unique_ptr<gzFile_s, Closer> file_;
  int64_t line_ = 0;
};

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_EXPORT_FILES_H_
