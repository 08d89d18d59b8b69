#include "steps/aws/doctor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "steps/aws/redact.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"

namespace flightplan::aws {

bool DoctorReport::ok() const {
  return std::all_of(checks.begin(), checks.end(), [](const DoctorCheck& c) { return c.ok; });
}

std::string DoctorReport::ToText() const {
  size_t width = 0;
  for (const DoctorCheck& check : checks) width = std::max(width, check.name.size());
  std::string out;
  for (const DoctorCheck& check : checks) {
    out += fmt::format("{}{:<{}}  {}\n", check.ok ? "  " : "! ", check.name + ":", width + 1,
                       check.detail);
  }
  out += ok() ? "AWS access looks good.\n"
              : "Some checks failed (marked !); see docs/aws-client.md.\n";
  return out;
}

void CheckStateBucket(AwsClient& client, const std::string& bucket, const std::string& prefix,
                      DoctorReport& report) {
  std::string where = fmt::format("s3://{}/{}", bucket, prefix);
  Value params(ValueMap{{"Bucket", Value(bucket)}});
  AwsResult head = client.Call("s3", "HeadBucket", params);
  if (!head) {
    report.checks.push_back({"state bucket",
                             fmt::format("{}: {} — create it, or fix the name or the "
                                         "credentials' access to it",
                                         where, head.error().ToError().message()),
                             false});
    return;
  }
  report.checks.push_back({"state bucket", where + " reachable", true});
  AwsResult versioning = client.Call("s3", "GetBucketVersioning", params);
  if (!versioning) {
    report.checks.push_back({"state versioning", versioning.error().ToError().message(), false});
  } else if (StringAt(*versioning, "Status") == "Enabled") {
    report.checks.push_back({"state versioning", "enabled", true});
  } else {
    report.checks.push_back(
        {"state versioning",
         fmt::format("off (recommended: an altered or deleted log object can then be "
                     "restored; aws s3api put-bucket-versioning --bucket {} "
                     "--versioning-configuration Status=Enabled)",
                     bucket),
         true});
  }
  AwsResult encryption = client.Call("s3", "GetBucketEncryption", params);
  if (!encryption) {
    report.checks.push_back({"state encryption", encryption.error().ToError().message(), false});
  } else {
    // The configuration is the response's payload, left as its XML text.
    std::string text = StringAt(*encryption, "ServerSideEncryptionConfiguration");
    std::string algorithm;
    size_t open = text.find("<SSEAlgorithm>");
    size_t close = text.find("</SSEAlgorithm>");
    if (open != std::string::npos && close != std::string::npos && close > open) {
      algorithm = text.substr(open + 14, close - open - 14);
    }
    report.checks.push_back(
        {"state encryption",
         algorithm.empty() ? std::string("default rule not readable") : algorithm + " by default",
         true});
  }
  Value list(ValueMap{{"Bucket", Value(bucket)},
                      {"Prefix", Value(prefix + "log/")},
                      {"MaxKeys", Value(int64_t{1})}});
  AwsResult listed = client.Call("s3", "ListObjectsV2", list);
  Value get(ValueMap{{"Bucket", Value(bucket)}, {"Key", Value(prefix + "flightplan-state.json")}});
  AwsResult manifest = client.Call("s3", "GetObject", get);
  bool no_state = !manifest && manifest.error().code == "NoSuchKey";
  bool ok = listed && (manifest || no_state);
  std::string detail;
  if (!listed) {
    detail = "s3:ListBucket refused: " + listed.error().ToError().message();
  } else if (!manifest && !no_state) {
    detail = "s3:GetObject refused: " + manifest.error().ToError().message();
  } else {
    detail = fmt::format("list and read allowed ({}); s3:PutObject not tested (it would write)",
                         no_state ? "no state there yet" : "a flightplan state is there");
  }
  report.checks.push_back({"state access", detail, ok});
}

std::string MaskAccessKeyId(std::string_view access_key_id) {
  if (access_key_id.size() <= 8) return "****";
  return fmt::format("{}…{}", access_key_id.substr(0, 4),
                     access_key_id.substr(access_key_id.size() - 4));
}

namespace {

// The actions the workflows need most; docs/permissions.md has them all.
const std::vector<std::string> kCheckedActions = {
    "cloudformation:DescribeStacks",
    "cloudformation:CreateChangeSet",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:SetStackPolicy",
    "cloudformation:CreateStackRefactor",
    "cloudformation:ExecuteStackRefactor",
    "cloudformation:DetectStackDrift",
    "amplify:GetApp",
    "amplify:UpdateDomainAssociation",
    "s3:GetObject",
    "dynamodb:DescribeTable",
    "dynamodb:UpdateTable",
    "dynamodb:CreateBackup",
    "cognito-idp:DescribeUserPool",
};

// SimulatePrincipalPolicy takes an IAM user or role ARN; STS reports an
// assumed role as arn:aws:sts::<account>:assumed-role/<role>/<session>.
std::string PrincipalArn(const CallerIdentity& identity) {
  constexpr std::string_view kAssumed = ":assumed-role/";
  size_t at = identity.arn.find(kAssumed);
  if (at == std::string::npos) return identity.arn;
  std::string role = identity.arn.substr(at + kAssumed.size());
  role = role.substr(0, role.find('/'));
  return fmt::format("arn:aws:iam::{}:role/{}", identity.account, role);
}

DoctorCheck CheckPermissions(AwsClient& client, const CallerIdentity& identity,
                             const AwsCredentials& credentials) {
  if (identity.arn.ends_with(":root")) {
    return {"permissions",
            "cannot tell: the account root user cannot be "
            "simulated (and should not run migrations)",
            true};
  }
  IamClient iam(client);
  Result<ValueList> results = iam.SimulatePrincipalPolicy(PrincipalArn(identity), kCheckedActions);
  if (!results) {
    return {"permissions",
            "cannot tell: " + Redact(results.error().message(), credentials) +
                " (iam:SimulatePrincipalPolicy is needed to check; see "
                "docs/permissions.md for the list)",
            true};
  }
  if (results->empty()) {
    return {"permissions", "cannot tell: IAM returned no evaluation results", true};
  }
  std::vector<std::string> denied;
  for (const Value& result : *results) {
    if (StringAt(result, "EvalDecision") != "allowed") {
      denied.push_back(StringAt(result, "EvalActionName"));
    }
  }
  if (denied.empty()) {
    return {"permissions",
            fmt::format("the {} key actions checked are allowed (identity "
                        "policies only; SCPs and resource policies may still "
                        "deny)",
                        results->size()),
            true};
  }
  return {"permissions", fmt::format("denied: {} (docs/permissions.md)", fmt::join(denied, ", ")),
          false};
}

}  // namespace

DoctorReport RunDoctor(const AwsConfig& config, CredentialsProvider& credentials,
                       AwsClient& client) {
  DoctorReport report;
  report.checks.push_back(
      {"profile", fmt::format("{} (from {})", config.profile(), config.ProfileSourceName()), true});
  report.checks.push_back({"config file", config.config_path(), true});
  report.checks.push_back({"credentials file", config.credentials_path(), true});

  Result<AwsCredentials> creds = credentials.Get();
  if (creds) {
    std::string expiry =
        creds->expiration ? "expires " + FormatTimestamp(*creds->expiration) : "does not expire";
    report.checks.push_back(
        {"credentials",
         fmt::format("{}; key {}, {}, {}", creds->source, MaskAccessKeyId(creds->access_key_id),
                     creds->session_token.empty() ? "long-term" : "temporary (session token)",
                     expiry),
         true});
  } else {
    report.checks.push_back({"credentials", Redact(creds.error().ToString()), false});
  }

  const EndpointConfig& endpoints = client.endpoint_config();
  report.checks.push_back(
      {"region",
       endpoints.region.empty()
           ? "not set: set AWS_REGION or `region` in the profile"
           : fmt::format("{} (from {})", endpoints.region,
                         endpoints.region == config.region() && !config.region_source().empty()
                             ? config.region_source()
                             : std::string("--region")),
       !endpoints.region.empty()});
  for (std::string_view service :
       {"cloudformation", "amplify", "s3", "sts", "dynamodb", "cognito-idp", "sso"}) {
    Result<Endpoint> endpoint = client.EndpointFor(service);
    if (endpoint) {
      report.checks.push_back({fmt::format("endpoint {}", service),
                               endpoint->url + (endpoint->overridden ? " (overridden)" : ""),
                               true});
    } else if (!endpoints.region.empty()) {
      report.checks.push_back(
          {fmt::format("endpoint {}", service), endpoint.error().message(), false});
    }
  }

  if (creds && !endpoints.region.empty()) {
    StsClient sts(client);
    Result<CallerIdentity> identity = sts.GetCallerIdentity();
    if (identity) {
      report.checks.push_back(
          {"caller", fmt::format("{} (account {})", identity->arn, identity->account), true});
      report.checks.push_back(CheckPermissions(client, *identity, *creds));
    } else {
      report.checks.push_back({"caller", Redact(identity.error().ToString(), *creds), false});
    }
  }
  return report;
}

}  // namespace flightplan::aws
