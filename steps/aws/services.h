// Thin typed wrappers for the STS, Amplify, S3, DynamoDB and Cognito
// operations flightplan uses. Parameters and results are Values named as in
// the API reference; list operations follow every page. Errors are
// flightplan Errors (missing resources are kNotFound).
//
// Ownership: each borrows an AwsClient. Thread-safety: as AwsClient.
#ifndef FLIGHTPLAN_STEPS_AWS_SERVICES_H_
#define FLIGHTPLAN_STEPS_AWS_SERVICES_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "steps/aws/aws_client.h"

namespace flightplan::aws {

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

class StsClient {
 public:
  explicit StsClient(AwsClient& client) : client_(client) {}
  [[nodiscard]] Result<CallerIdentity> GetCallerIdentity();

 private:
  AwsClient& client_;
};

// IAM, for `flightplan doctor`'s permission check.
class IamClient {
 public:
  explicit IamClient(AwsClient& client) : client_(client) {}
  // The EvaluationResults of SimulatePrincipalPolicy for these actions on
  // all resources ("*"): each {"EvalActionName", "EvalDecision", ...}.
  [[nodiscard]] Result<ValueList> SimulatePrincipalPolicy(std::string_view principal_arn,
                                                          const std::vector<std::string>& actions);

 private:
  AwsClient& client_;
};

class AmplifyClient {
 public:
  explicit AmplifyClient(AwsClient& client) : client_(client) {}
  [[nodiscard]] Result<Value> GetApp(std::string_view app_id);
  [[nodiscard]] Result<ValueList> ListApps();
  [[nodiscard]] Result<Value> GetBranch(std::string_view app_id, std::string_view branch);
  [[nodiscard]] Result<ValueList> ListBranches(std::string_view app_id);
  // params: appId and the fields to change (environmentVariables, ...).
  [[nodiscard]] Result<Value> UpdateApp(const Value& params);
  // params: appId, branchName, stage, enableAutoBuild, ...
  [[nodiscard]] Result<Value> CreateBranch(const Value& params);
  [[nodiscard]] Result<Value> DeleteBranch(std::string_view app_id, std::string_view branch);
  [[nodiscard]] Result<Value> DeleteBackendEnvironment(std::string_view app_id,
                                                       std::string_view env);
  // params: appId, environmentName, stackName, deploymentArtifacts.
  [[nodiscard]] Result<Value> CreateBackendEnvironment(const Value& params);
  [[nodiscard]] Result<ValueList> ListBackendEnvironments(std::string_view app_id);
  [[nodiscard]] Result<Value> GetBackendEnvironment(std::string_view app_id, std::string_view env);
  [[nodiscard]] Result<ValueList> ListDomainAssociations(std::string_view app_id);
  [[nodiscard]] Result<Value> GetDomainAssociation(std::string_view app_id,
                                                   std::string_view domain);
  // params: appId, domainName, subDomainSettings, ...
  [[nodiscard]] Result<Value> CreateDomainAssociation(const Value& params);
  [[nodiscard]] Result<Value> UpdateDomainAssociation(const Value& params);
  [[nodiscard]] Result<ValueList> ListJobs(std::string_view app_id, std::string_view branch);

 private:
  AwsClient& client_;
};

class S3Client {
 public:
  explicit S3Client(AwsClient& client) : client_(client) {}
  // {"Body": bytes, "ETag", "ContentLength", ...}
  [[nodiscard]] Result<Value> GetObject(std::string_view bucket, std::string_view key);
  // Streams the object to `path` (never held in memory); returns the
  // metadata (ETag, ContentLength, ...).
  [[nodiscard]] Result<Value> DownloadObject(std::string_view bucket, std::string_view key,
                                             const std::string& path);
  [[nodiscard]] Result<Value> HeadObject(std::string_view bucket, std::string_view key);
  [[nodiscard]] Result<Value> HeadBucket(std::string_view bucket);
  // Every object under prefix ("Contents" of all pages).
  [[nodiscard]] Result<ValueList> ListObjects(std::string_view bucket, std::string_view prefix);
  [[nodiscard]] Result<Value> PutObject(const Value& params);
  [[nodiscard]] Result<Value> DeleteObject(std::string_view bucket, std::string_view key);
  [[nodiscard]] Result<Value> GetBucketVersioning(std::string_view bucket);
  // In `region` (us-east-1 sends no location constraint).
  [[nodiscard]] Result<Value> CreateBucket(std::string_view bucket, std::string_view region);
  // The bucket must be empty (S3 refuses otherwise).
  [[nodiscard]] Result<Value> DeleteBucket(std::string_view bucket);
  // Replaces the bucket's tag set.
  [[nodiscard]] Result<Value> PutBucketTagging(
      std::string_view bucket, const std::vector<std::pair<std::string, std::string>>& tags);
  // The bucket's tags, key -> value; empty when it has none (S3's
  // NoSuchTagSet is not an error here).
  [[nodiscard]] Result<std::map<std::string, std::string>> GetBucketTagging(
      std::string_view bucket);

 private:
  AwsClient& client_;
};

// The name of the on-demand backup a step takes of `table`: the same on every
// attempt and after a crash (derived from the step's idempotency token),
// unique to the step's run, within DynamoDB's 255 characters.
std::string StepBackupName(std::string_view token, std::string_view table);
// The ClientToken of the export a step starts of `table`: the same on every
// attempt and after a crash, so DynamoDB answers a repeat with the export it
// started (derived from the step's idempotency token).
std::string StepExportToken(std::string_view token, std::string_view table);
// Whether a DescribeContinuousBackups answer says point-in-time recovery is on.
bool PointInTimeRecoveryOn(const Value& continuous_backups);

class DynamoDbClient {
 public:
  explicit DynamoDbClient(AwsClient& client) : client_(client) {}
  [[nodiscard]] Result<Value> DescribeTable(std::string_view table);
  [[nodiscard]] Result<ValueList> ListTables();
  [[nodiscard]] Result<Value> SetDeletionProtection(std::string_view table, bool enabled);
  [[nodiscard]] Result<Value> DescribeContinuousBackups(std::string_view table);
  [[nodiscard]] Result<Value> CreateBackup(std::string_view table, std::string_view backup_name);
  [[nodiscard]] Result<Value> DescribeBackup(std::string_view backup_arn);
  // BackupSummaries of every page of ListBackups for one table (user backups).
  [[nodiscard]] Result<ValueList> ListBackups(std::string_view table);
  // The backup of `table` named `name` (its ListBackups summary), unless it
  // was deleted; nullopt when there is none.
  [[nodiscard]] Result<std::optional<Value>> FindBackup(std::string_view table,
                                                        std::string_view name);
  // params: TableArn, S3Bucket, ClientToken, ExportTime (epoch seconds)...
  [[nodiscard]] Result<Value> ExportTableToPointInTime(const Value& params);
  [[nodiscard]] Result<Value> DescribeExport(std::string_view export_arn);
  // ExportSummaries of every page of ListExports for one table (NextToken
  // followed here: botocore has no paginator for it).
  [[nodiscard]] Result<ValueList> ListExports(std::string_view table_arn);
  // The latest export of the table started with `client_token` (its
  // ExportDescription); nullopt when there is none. An export that FAILED
  // is retried under the token's next attempt ("<token>-2", "-3", ...:
  // DynamoDB answers a token it knows with its export, failed or not, for
  // eight hours), so the latest is the one with the highest attempt.
  [[nodiscard]] Result<std::optional<Value>> FindExport(std::string_view table_arn,
                                                        std::string_view client_token);
  // The ExportArn of the table's export started with `client_token`:
  // FindExport's unless it FAILED, else one started now under the token's
  // next attempt (ExportTableToPointInTime, DYNAMODB_JSON, to
  // s3://bucket/prefix/). `started` says which.
  struct ExportRequest {
    std::string table_arn;
    std::string bucket;
    std::string prefix;
    std::string client_token;
  };
  [[nodiscard]] Result<std::string> ExportOnce(const ExportRequest& request, bool* started);
  [[nodiscard]] Result<Value> SetPointInTimeRecovery(std::string_view table, bool enabled);
  // Items of every page (and their count) of a Scan; params as the API's.
  [[nodiscard]] Result<ValueList> ScanAll(const Value& params);
  // Number of items, with Select=COUNT across every page.
  [[nodiscard]] Result<int64_t> CountItems(std::string_view table);
  // Refused (ValidationException) while deletion protection is on.
  [[nodiscard]] Result<Value> DeleteTable(std::string_view table);

 private:
  AwsClient& client_;
};

class CognitoClient {
 public:
  explicit CognitoClient(AwsClient& client) : client_(client) {}
  [[nodiscard]] Result<Value> DescribeUserPool(std::string_view pool_id);
  [[nodiscard]] Result<ValueList> ListUserPoolClients(std::string_view pool_id);
  [[nodiscard]] Result<Value> DescribeUserPoolClient(std::string_view pool_id,
                                                     std::string_view client_id);
  [[nodiscard]] Result<ValueList> ListGroups(std::string_view pool_id);
  [[nodiscard]] Result<Value> GetGroup(std::string_view pool_id, std::string_view group);
  [[nodiscard]] Result<Value> DescribeIdentityProvider(std::string_view pool_id,
                                                       std::string_view provider);
  [[nodiscard]] Result<ValueList> ListIdentityProviders(std::string_view pool_id);
  // A pool with a domain is refused: delete the domain first.
  [[nodiscard]] Result<Value> DeleteUserPool(std::string_view pool_id);
  [[nodiscard]] Result<Value> DeleteUserPoolDomain(std::string_view pool_id,
                                                   std::string_view domain);

 private:
  AwsClient& client_;
};

// Cognito federated identities (cognito-identity).
class CognitoIdentityClient {
 public:
  explicit CognitoIdentityClient(AwsClient& client) : client_(client) {}
  [[nodiscard]] Result<Value> DeleteIdentityPool(std::string_view identity_pool_id);
  [[nodiscard]] Result<Value> DescribeIdentityPool(std::string_view identity_pool_id);

 private:
  AwsClient& client_;
};

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_SERVICES_H_
