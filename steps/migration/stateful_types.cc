#include "steps/migration/stateful_types.h"

#include <fmt/format.h>

#include <filesystem>
#include <regex>

#include "base/file_io.h"

namespace flightplan::migration {

constexpr uintmax_t kMaxExtraFileBytes = uintmax_t{64} * 1024;

const std::vector<std::string>& BuiltinStatefulTypes() {
  static const std::vector<std::string> kTypes = {
      "AWS::Cognito::IdentityPool",
      "AWS::Cognito::UserPool",
      "AWS::Cognito::UserPoolClient",
      "AWS::Cognito::UserPoolDomain",
      "AWS::Cognito::UserPoolGroup",
      "AWS::DocDB::DBCluster",
      "AWS::DynamoDB::GlobalTable",
      "AWS::DynamoDB::Table",
      "AWS::EFS::FileSystem",
      "AWS::Elasticsearch::Domain",
      "AWS::Kinesis::Stream",
      "AWS::KinesisFirehose::DeliveryStream",
      "AWS::KMS::Key",
      "AWS::Logs::LogGroup",
      "AWS::OpenSearchService::Domain",
      "AWS::RDS::DBCluster",
      "AWS::RDS::DBInstance",
      "AWS::S3::Bucket",
      "AWS::SecretsManager::Secret",
      "AWS::SQS::Queue",
      "AWS::SSM::Parameter",
      "AWS::Timestream::Table",
  };
  return kTypes;
}

StatefulTypes::StatefulTypes() {
  for (const std::string& t : BuiltinStatefulTypes()) types_.insert(t);
}

Result<StatefulTypes> StatefulTypes::WithExtraFile(const std::string& path) {
  StatefulTypes out;
  if (path.empty()) return out;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("no stateful-types file '{}' (one resource type per line, "
                                 "e.g. AWS::Timestream::Database)",
                                 path));
  }
  if (std::filesystem::file_size(path, ec) > kMaxExtraFileBytes) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: larger than {} bytes; it should list resource types, one "
                                 "per line",
                                 path, kMaxExtraFileBytes));
  }
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  static const std::regex kType(R"(^[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*$)");
  size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t first = 0;
    while (first < line.size() && std::isspace(static_cast<unsigned char>(line[first]))) ++first;
    line.erase(0, first);
    if (line.empty()) continue;
    if (!std::regex_match(line, kType)) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}:{}: '{}' is not a resource type (write one per line, "
                                   "like AWS::Timestream::Database)",
                                   path, line_number, line));
    }
    if (out.types_.insert(line).second) out.extra_.push_back(line);
  }
  return out;
}

bool StatefulTypes::IsStateful(std::string_view type) const { return types_.count(type) > 0; }

bool StatefulTypes::IsDynamoDbTable(std::string_view type) {
  return type == "AWS::DynamoDB::Table";
}

}  // namespace flightplan::migration
