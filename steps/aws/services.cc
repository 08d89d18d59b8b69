#include "steps/aws/services.h"

#include <fmt/format.h>

#include "base/base64.h"
#include "base/digest.h"
#include "steps/aws/values.h"

namespace flightplan::aws {
namespace {

Value Params(std::initializer_list<std::pair<const char*, Value>> items) {
  Value out = Value(ValueMap{});
  for (const auto& [key, value] : items) out.Set(key, value);
  return out;
}

Result<Value> One(AwsClient& client, std::string_view service, std::string_view operation,
                  const Value& params) {
  return client.CallOrError(service, operation, params);
}

Result<ValueList> All(AwsClient& client, std::string_view service, std::string_view operation,
                      const Value& params, std::string_view key) {
  AwsResult result = client.CallAllPages(service, operation, params);
  if (!result) return MakeError(result.error().ToError());
  return ListAt(*result, key);
}

}  // namespace

Result<CallerIdentity> StsClient::GetCallerIdentity() {
  ASSIGN_OR_RETURN(Value out, One(client_, "sts", "GetCallerIdentity", Value(ValueMap{})));
  return CallerIdentity{StringAt(out, "Account"), StringAt(out, "Arn"), StringAt(out, "UserId")};
}

Result<Value> AmplifyClient::GetApp(std::string_view app_id) {
  return One(client_, "amplify", "GetApp", Params({{"appId", app_id}}));
}
Result<ValueList> AmplifyClient::ListApps() {
  return All(client_, "amplify", "ListApps", Value(ValueMap{}), "apps");
}
Result<Value> AmplifyClient::GetBranch(std::string_view app_id, std::string_view branch) {
  return One(client_, "amplify", "GetBranch", Params({{"appId", app_id}, {"branchName", branch}}));
}
Result<ValueList> AmplifyClient::ListBranches(std::string_view app_id) {
  return All(client_, "amplify", "ListBranches", Params({{"appId", app_id}}), "branches");
}
Result<ValueList> IamClient::SimulatePrincipalPolicy(std::string_view principal_arn,
                                                     const std::vector<std::string>& actions) {
  ValueList names;
  for (const std::string& action : actions) names.emplace_back(action);
  return All(client_, "iam", "SimulatePrincipalPolicy",
             Params({{"PolicySourceArn", principal_arn}, {"ActionNames", Value(std::move(names))}}),
             "EvaluationResults");
}

Result<Value> AmplifyClient::UpdateApp(const Value& params) {
  return One(client_, "amplify", "UpdateApp", params);
}
Result<Value> AmplifyClient::CreateBranch(const Value& params) {
  return One(client_, "amplify", "CreateBranch", params);
}
Result<Value> AmplifyClient::DeleteBackendEnvironment(std::string_view app_id,
                                                      std::string_view env) {
  return One(client_, "amplify", "DeleteBackendEnvironment",
             Params({{"appId", app_id}, {"environmentName", env}}));
}
Result<Value> AmplifyClient::CreateBackendEnvironment(const Value& params) {
  return One(client_, "amplify", "CreateBackendEnvironment", params);
}
Result<Value> AmplifyClient::DeleteBranch(std::string_view app_id, std::string_view branch) {
  return One(client_, "amplify", "DeleteBranch",
             Params({{"appId", app_id}, {"branchName", branch}}));
}
Result<ValueList> AmplifyClient::ListBackendEnvironments(std::string_view app_id) {
  return All(client_, "amplify", "ListBackendEnvironments", Params({{"appId", app_id}}),
             "backendEnvironments");
}
Result<Value> AmplifyClient::GetBackendEnvironment(std::string_view app_id, std::string_view env) {
  return One(client_, "amplify", "GetBackendEnvironment",
             Params({{"appId", app_id}, {"environmentName", env}}));
}
Result<ValueList> AmplifyClient::ListDomainAssociations(std::string_view app_id) {
  return All(client_, "amplify", "ListDomainAssociations", Params({{"appId", app_id}}),
             "domainAssociations");
}
Result<Value> AmplifyClient::GetDomainAssociation(std::string_view app_id,
                                                  std::string_view domain) {
  return One(client_, "amplify", "GetDomainAssociation",
             Params({{"appId", app_id}, {"domainName", domain}}));
}
Result<Value> AmplifyClient::CreateDomainAssociation(const Value& params) {
  return One(client_, "amplify", "CreateDomainAssociation", params);
}
Result<Value> AmplifyClient::UpdateDomainAssociation(const Value& params) {
  return One(client_, "amplify", "UpdateDomainAssociation", params);
}
Result<ValueList> AmplifyClient::ListJobs(std::string_view app_id, std::string_view branch) {
  return All(client_, "amplify", "ListJobs", Params({{"appId", app_id}, {"branchName", branch}}),
             "jobSummaries");
}

Result<Value> S3Client::GetObject(std::string_view bucket, std::string_view key) {
  return One(client_, "s3", "GetObject", Params({{"Bucket", bucket}, {"Key", key}}));
}
Result<Value> S3Client::DownloadObject(std::string_view bucket, std::string_view key,
                                       const std::string& path) {
  CallOptions options;
  options.response_body_file = path;
  AwsResult result =
      client_.Call("s3", "GetObject", Params({{"Bucket", bucket}, {"Key", key}}), options);
  if (!result) return MakeError(result.error().ToError());
  return std::move(*result);
}
Result<Value> S3Client::HeadObject(std::string_view bucket, std::string_view key) {
  return One(client_, "s3", "HeadObject", Params({{"Bucket", bucket}, {"Key", key}}));
}
Result<Value> S3Client::HeadBucket(std::string_view bucket) {
  return One(client_, "s3", "HeadBucket", Params({{"Bucket", bucket}}));
}
Result<ValueList> S3Client::ListObjects(std::string_view bucket, std::string_view prefix) {
  return All(client_, "s3", "ListObjectsV2", Params({{"Bucket", bucket}, {"Prefix", prefix}}),
             "Contents");
}
Result<Value> S3Client::PutObject(const Value& params) {
  return One(client_, "s3", "PutObject", params);
}

Result<Value> S3Client::DeleteObject(std::string_view bucket, std::string_view key) {
  return One(client_, "s3", "DeleteObject", Params({{"Bucket", bucket}, {"Key", key}}));
}
Result<Value> S3Client::GetBucketVersioning(std::string_view bucket) {
  return One(client_, "s3", "GetBucketVersioning", Params({{"Bucket", bucket}}));
}
Result<Value> S3Client::CreateBucket(std::string_view bucket, std::string_view region) {
  Value params = Params({{"Bucket", bucket}});
  if (!region.empty() && region != "us-east-1") {
    params.Set("CreateBucketConfiguration",
               fmt::format("<CreateBucketConfiguration "
                           "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                           "<LocationConstraint>{}</LocationConstraint>"
                           "</CreateBucketConfiguration>",
                           region));
  }
  return One(client_, "s3", "CreateBucket", params);
}
Result<Value> S3Client::DeleteBucket(std::string_view bucket) {
  return One(client_, "s3", "DeleteBucket", Params({{"Bucket", bucket}}));
}

namespace {
std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string HexToBytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}
}  // namespace

Result<Value> S3Client::PutBucketTagging(
    std::string_view bucket, const std::vector<std::pair<std::string, std::string>>& tags) {
  std::string body = "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>";
  for (const auto& [key, value] : tags) {
    body +=
        fmt::format("<Tag><Key>{}</Key><Value>{}</Value></Tag>", XmlEscape(key), XmlEscape(value));
  }
  body += "</TagSet></Tagging>";
  Value params = Params({{"Bucket", bucket}});
  // S3 requires the body's MD5 on this operation.
  params.Set("ContentMD5", Base64Encode(HexToBytes(Md5Hex(body))));
  params.Set("Tagging", body);
  return One(client_, "s3", "PutBucketTagging", params);
}

Result<std::map<std::string, std::string>> S3Client::GetBucketTagging(std::string_view bucket) {
  AwsResult result = client_.Call("s3", "GetBucketTagging", Params({{"Bucket", bucket}}));
  std::map<std::string, std::string> tags;
  if (!result) {
    if (result.error().code == "NoSuchTagSet") return tags;
    return MakeError(result.error().ToError());
  }
  const Value* set = result->Find("TagSet");
  const Value* list = set != nullptr ? set->Find("Tag") : nullptr;
  if (list == nullptr) return tags;
  ValueList items = list->is_list() ? list->as_list() : ValueList{*list};
  for (const Value& tag : items) {
    const Value* key = tag.Find("Key");
    const Value* value = tag.Find("Value");
    if (key != nullptr && key->is_string()) {
      tags[key->as_string()] = value != nullptr && value->is_string() ? value->as_string() : "";
    }
  }
  return tags;
}

Result<Value> DynamoDbClient::DescribeTable(std::string_view table) {
  return One(client_, "dynamodb", "DescribeTable", Params({{"TableName", table}}));
}
Result<ValueList> DynamoDbClient::ListTables() {
  return All(client_, "dynamodb", "ListTables", Value(ValueMap{}), "TableNames");
}
Result<Value> DynamoDbClient::SetDeletionProtection(std::string_view table, bool enabled) {
  return One(client_, "dynamodb", "UpdateTable",
             Params({{"TableName", table}, {"DeletionProtectionEnabled", enabled}}));
}
Result<Value> DynamoDbClient::DescribeContinuousBackups(std::string_view table) {
  return One(client_, "dynamodb", "DescribeContinuousBackups", Params({{"TableName", table}}));
}
Result<Value> DynamoDbClient::CreateBackup(std::string_view table, std::string_view backup_name) {
  return One(client_, "dynamodb", "CreateBackup",
             Params({{"TableName", table}, {"BackupName", backup_name}}));
}
Result<Value> DynamoDbClient::DescribeBackup(std::string_view backup_arn) {
  return One(client_, "dynamodb", "DescribeBackup", Params({{"BackupArn", backup_arn}}));
}
Result<ValueList> DynamoDbClient::ListBackups(std::string_view table) {
  return All(client_, "dynamodb", "ListBackups", Params({{"TableName", table}}), "BackupSummaries");
}
Result<std::optional<Value>> DynamoDbClient::FindBackup(std::string_view table,
                                                        std::string_view name) {
  ASSIGN_OR_RETURN(ValueList summaries, ListBackups(table));
  for (const Value& s : summaries) {
    if (StringAt(s, "BackupName") == name && StringAt(s, "BackupStatus") != "DELETED") return s;
  }
  return std::optional<Value>();
}

std::string StepBackupName(std::string_view token, std::string_view table) {
  constexpr size_t kMaxBackupName = 255;  // DynamoDB: [a-zA-Z0-9_.-]+, 3 to 255
  std::string run = Sha256Hex(token).substr(0, 16);
  std::string head = "flightplan-";
  size_t room = kMaxBackupName - head.size() - run.size() - 1;
  return head + std::string(table.substr(0, room)) + "-" + run;
}

std::string StepExportToken(std::string_view token, std::string_view table) {
  return "flightplan-" +
         Sha256Hex(std::string(token) + "/export/" + std::string(table)).substr(0, 32);
}

bool PointInTimeRecoveryOn(const Value& continuous_backups) {
  const Value* d = continuous_backups.Find("ContinuousBackupsDescription");
  const Value* pitr = d != nullptr ? d->Find("PointInTimeRecoveryDescription") : nullptr;
  return pitr != nullptr && StringAt(*pitr, "PointInTimeRecoveryStatus") == "ENABLED";
}

namespace {

// The attempt `token` is of `base` (1: the base itself, N: "<base>-N"); 0
// when it is not one of them.
int ExportAttempt(std::string_view token, std::string_view base) {
  if (token == base) return 1;
  if (token.size() <= base.size() + 1 || token.substr(0, base.size()) != base ||
      token[base.size()] != '-') {
    return 0;
  }
  int attempt = 0;
  for (char c : token.substr(base.size() + 1)) {
    if (c < '0' || c > '9' || attempt > 100'000) return 0;
    attempt = attempt * 10 + (c - '0');
  }
  return attempt;
}

std::string ExportAttemptToken(std::string_view base, int attempt) {
  return attempt <= 1 ? std::string(base) : fmt::format("{}-{}", base, attempt);
}

}  // namespace

Result<std::optional<Value>> DynamoDbClient::FindExport(std::string_view table_arn,
                                                        std::string_view client_token) {
  ASSIGN_OR_RETURN(ValueList summaries, ListExports(table_arn));
  std::optional<Value> latest;
  int latest_attempt = 0;
  for (const Value& s : summaries) {
    ASSIGN_OR_RETURN(Value described, DescribeExport(StringAt(s, "ExportArn")));
    const Value* d = described.Find("ExportDescription");
    if (d == nullptr) continue;
    int attempt = ExportAttempt(StringAt(*d, "ClientToken"), client_token);
    if (attempt > latest_attempt) {
      latest_attempt = attempt;
      latest = *d;
    }
  }
  return latest;
}

Result<std::string> DynamoDbClient::ExportOnce(const ExportRequest& request, bool* started) {
  ASSIGN_OR_RETURN(std::optional<Value> found, FindExport(request.table_arn, request.client_token));
  *started = !found || StringAt(*found, "ExportStatus") == "FAILED";
  if (!*started) return StringAt(*found, "ExportArn");
  const int attempt =
      found ? ExportAttempt(StringAt(*found, "ClientToken"), request.client_token) + 1 : 1;
  ASSIGN_OR_RETURN(Value answer,
                   ExportTableToPointInTime(Params({
                       {"TableArn", request.table_arn},
                       {"S3Bucket", request.bucket},
                       {"S3Prefix", request.prefix},
                       {"ExportFormat", "DYNAMODB_JSON"},
                       {"ClientToken", ExportAttemptToken(request.client_token, attempt)},
                   })));
  const Value* d = answer.Find("ExportDescription");
  std::string arn = d != nullptr ? StringAt(*d, "ExportArn") : "";
  if (arn.empty()) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("ExportTableToPointInTime of {} answered without an ExportArn",
                                 request.table_arn));
  }
  return arn;
}

Result<Value> DynamoDbClient::ExportTableToPointInTime(const Value& params) {
  return One(client_, "dynamodb", "ExportTableToPointInTime", params);
}
Result<Value> DynamoDbClient::DescribeExport(std::string_view export_arn) {
  return One(client_, "dynamodb", "DescribeExport", Params({{"ExportArn", export_arn}}));
}
Result<ValueList> DynamoDbClient::ListExports(std::string_view table_arn) {
  Value params = Params({{"TableArn", table_arn}});
  ValueList out;
  for (int page = 0; page < 1000; ++page) {
    ASSIGN_OR_RETURN(Value listed, One(client_, "dynamodb", "ListExports", params));
    for (const Value& summary : ListAt(listed, "ExportSummaries")) out.push_back(summary);
    std::string next = StringAt(listed, "NextToken");
    if (next.empty()) return out;
    params.Set("NextToken", next);
  }
  return MakeError(ErrorCode::kInternal, "dynamodb ListExports: too many pages");
}

Result<Value> DynamoDbClient::SetPointInTimeRecovery(std::string_view table, bool enabled) {
  Value spec = Params({{"PointInTimeRecoveryEnabled", enabled}});
  return One(client_, "dynamodb", "UpdateContinuousBackups",
             Params({{"TableName", table}, {"PointInTimeRecoverySpecification", spec}}));
}

Result<ValueList> DynamoDbClient::ScanAll(const Value& params) {
  return All(client_, "dynamodb", "Scan", params, "Items");
}

Result<Value> DynamoDbClient::DeleteTable(std::string_view table) {
  return One(client_, "dynamodb", "DeleteTable", Params({{"TableName", table}}));
}
Result<int64_t> DynamoDbClient::CountItems(std::string_view table) {
  Value params = Params({{"TableName", table}, {"Select", "COUNT"}});
  int64_t count = 0;
  // Scan's paginator result keys are Items/Count/ScannedCount; follow
  // LastEvaluatedKey here so the counts add up.
  for (int page = 0; page < 100000; ++page) {
    ASSIGN_OR_RETURN(Value out, One(client_, "dynamodb", "Scan", params));
    count += IntAt(out, "Count");
    const Value* last = out.Find("LastEvaluatedKey");
    if (last == nullptr || !last->is_map() || last->as_map().empty()) {
      return count;
    }
    params.Set("ExclusiveStartKey", *last);
  }
  return MakeError(ErrorCode::kInternal, "dynamodb Scan: too many pages while counting items");
}

Result<Value> CognitoClient::DescribeUserPool(std::string_view pool_id) {
  return One(client_, "cognito-idp", "DescribeUserPool", Params({{"UserPoolId", pool_id}}));
}
Result<ValueList> CognitoClient::ListUserPoolClients(std::string_view pool_id) {
  return All(client_, "cognito-idp", "ListUserPoolClients",
             Params({{"UserPoolId", pool_id}, {"MaxResults", 60}}), "UserPoolClients");
}
Result<Value> CognitoClient::DescribeUserPoolClient(std::string_view pool_id,
                                                    std::string_view client_id) {
  return One(client_, "cognito-idp", "DescribeUserPoolClient",
             Params({{"UserPoolId", pool_id}, {"ClientId", client_id}}));
}
Result<ValueList> CognitoClient::ListGroups(std::string_view pool_id) {
  return All(client_, "cognito-idp", "ListGroups", Params({{"UserPoolId", pool_id}}), "Groups");
}
Result<Value> CognitoClient::GetGroup(std::string_view pool_id, std::string_view group) {
  return One(client_, "cognito-idp", "GetGroup",
             Params({{"UserPoolId", pool_id}, {"GroupName", group}}));
}
Result<ValueList> CognitoClient::ListIdentityProviders(std::string_view pool_id) {
  return All(client_, "cognito-idp", "ListIdentityProviders",
             Params({{"UserPoolId", pool_id}, {"MaxResults", 60}}), "Providers");
}
Result<Value> CognitoClient::DeleteUserPool(std::string_view pool_id) {
  return One(client_, "cognito-idp", "DeleteUserPool", Params({{"UserPoolId", pool_id}}));
}
Result<Value> CognitoClient::DeleteUserPoolDomain(std::string_view pool_id,
                                                  std::string_view domain) {
  return One(client_, "cognito-idp", "DeleteUserPoolDomain",
             Params({{"UserPoolId", pool_id}, {"Domain", domain}}));
}
Result<Value> CognitoIdentityClient::DeleteIdentityPool(std::string_view identity_pool_id) {
  return One(client_, "cognito-identity", "DeleteIdentityPool",
             Params({{"IdentityPoolId", identity_pool_id}}));
}
Result<Value> CognitoIdentityClient::DescribeIdentityPool(std::string_view identity_pool_id) {
  return One(client_, "cognito-identity", "DescribeIdentityPool",
             Params({{"IdentityPoolId", identity_pool_id}}));
}
Result<Value> CognitoClient::DescribeIdentityProvider(std::string_view pool_id,
                                                      std::string_view provider) {
  return One(client_, "cognito-idp", "DescribeIdentityProvider",
             Params({{"UserPoolId", pool_id}, {"ProviderName", provider}}));
}

}  // namespace flightplan::aws
