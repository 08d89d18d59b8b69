#include "steps/migration/apply_template.h"

#include <fmt/format.h>

#include "base/digest.h"
#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"

namespace flightplan::migration {

using aws::ListAt;
using aws::StringAt;

Result<std::string> UploadTemplate(aws::AwsClient& client, const std::string& bucket,
                                   const std::string& key, const std::string& body) {
  aws::S3Client s3(client);
  TRY(s3.PutObject(Value(ValueMap{{"Bucket", Value(bucket)},
                                  {"Key", Value(key)},
                                  {"Body", Value(body)},
                                  {"ContentType", Value("application/json")}}))
          .map([](const Value&) {}));
  return fmt::format("https://{}.s3.{}.amazonaws.com/{}", bucket, client.endpoint_config().region,
                     key);
}

bool SameTemplate(const std::string& a, const std::string& b) {
  if (a == b) return true;
  Result<Value> ja = Value::FromJson(a);
  Result<Value> jb = Value::FromJson(b);
  return ja && jb && *ja == *jb;
}

std::string ChangeSetName(std::string_view prefix, std::string_view unique) {
  return fmt::format("{}-{}", prefix, Sha256Hex(unique).substr(0, 16));
}

namespace {

bool InProgress(const std::string& status) {
  return status.size() > 12 && status.compare(status.size() - 12, 12, "_IN_PROGRESS") == 0;
}

bool NoChangesReason(const std::string& reason) {
  return reason.find("didn't contain changes") != std::string::npos ||
         reason.find("No updates are to be performed") != std::string::npos ||
         reason.find("does not contain changes") != std::string::npos;
}

}  // namespace

Result<void> SettleStack(aws::CloudFormationClient& cfn, const std::string& stack,
                         const aws::WaitOptions& wait) {
  ASSIGN_OR_RETURN(Value described, cfn.DescribeStack(stack));
  if (!InProgress(StringAt(described, "StackStatus"))) return {};
  Result<Value> settled = cfn.WaitForStack(stack, wait);
  if (!settled && settled.error().code() != ErrorCode::kStepFailed) {
    return MakeError(settled.error());
  }
  return {};
}

Result<ApplyOutcome> ApplyTemplate(aws::AwsClient& client, Clock& clock, const TemplateApply& apply,
                                   const aws::WaitOptions& wait) {
  aws::CloudFormationClient cfn(client, clock);
  // An operation (perhaps ours, from before a crash) may still be running.
  TRY(SettleStack(cfn, apply.stack_id, wait));
  ASSIGN_OR_RETURN(Value stack, cfn.DescribeStack(apply.stack_id));
  ASSIGN_OR_RETURN(std::string current, cfn.GetTemplate(apply.stack_id));
  if (SameTemplate(current, apply.body)) return ApplyOutcome::kAlreadyApplied;

  Result<Value> existing = cfn.DescribeChangeSet(apply.change_set_name, apply.stack_id);
  bool reuse = false;
  if (existing) {
    std::string status = StringAt(*existing, "Status");
    std::string execution = StringAt(*existing, "ExecutionStatus");
    reuse = (status == "CREATE_COMPLETE" && execution == "AVAILABLE") ||
            status == "CREATE_PENDING" || status == "CREATE_IN_PROGRESS";
    if (!reuse) TRY(cfn.DeleteChangeSet(apply.change_set_name, apply.stack_id));
  } else if (existing.error().code() != ErrorCode::kNotFound) {
    return MakeError(existing.error());
  }
  if (!reuse) {
    Value params(ValueMap{});
    params.Set("StackName", apply.stack_id);
    params.Set("ChangeSetName", apply.change_set_name);
    params.Set("ChangeSetType", apply.resources_to_import.empty() ? "UPDATE" : "IMPORT");
    if (!apply.resources_to_import.empty()) {
      params.Set("ResourcesToImport", Value(apply.resources_to_import));
    }
    params.Set("ClientToken", apply.client_token);
    params.Set("Description", "flightplan: " + apply.change_set_name);
    if (apply.body.size() > kMaxInlineTemplateBytes) {
      if (apply.upload_bucket.empty()) {
        return MakeError(ErrorCode::kStepFailed,
                         fmt::format("the template of {} is {} bytes, over CloudFormation's "
                                     "{}-byte inline limit, and the environment names no "
                                     "deployment bucket to pass it through",
                                     apply.label, apply.body.size(), kMaxInlineTemplateBytes));
      }
      ASSIGN_OR_RETURN(std::string url,
                       UploadTemplate(client, apply.upload_bucket, apply.upload_key, apply.body));
      params.Set("TemplateURL", url);
    } else {
      params.Set("TemplateBody", apply.body);
    }
    ValueList parameters;
    for (const Value& p : ListAt(stack, "Parameters")) {
      parameters.push_back(Value(ValueMap{{"ParameterKey", Value(StringAt(p, "ParameterKey"))},
                                          {"UsePreviousValue", Value(true)}}));
    }
    params.Set("Parameters", Value(std::move(parameters)));
    params.Set("Capabilities",
               Value(ValueList{Value("CAPABILITY_IAM"), Value("CAPABILITY_NAMED_IAM"),
                               Value("CAPABILITY_AUTO_EXPAND")}));
    TRY(cfn.CreateChangeSet(params).map([](const Value&) {}));
  }
  Result<Value> created = cfn.WaitForChangeSetCreated(apply.change_set_name, apply.stack_id, wait);
  if (!created) {
    if (created.error().code() != ErrorCode::kStepFailed) return MakeError(created.error());
    ASSIGN_OR_RETURN(Value failed, cfn.DescribeChangeSet(apply.change_set_name, apply.stack_id));
    std::string reason = StringAt(failed, "StatusReason");
    TRY(cfn.DeleteChangeSet(apply.change_set_name, apply.stack_id));
    if (NoChangesReason(reason)) return ApplyOutcome::kNoChanges;
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("the change set for {} failed: {}; nothing was executed",
                                 apply.label, reason.empty() ? "no reason given" : reason));
  }
  if (apply.vet) {
    if (Result<void> vetted = apply.vet(*created); !vetted) {
      Result<void> deleted = cfn.DeleteChangeSet(apply.change_set_name, apply.stack_id);
      Error error = std::move(vetted.error()).WithContext(apply.label);
      if (!deleted) {
        return MakeError(std::move(error).WithContext(
            "(and deleting the refused change set failed: " + deleted.error().message() + ")"));
      }
      return MakeError(std::move(error));
    }
  }
  if (!apply.execute) {
    TRY(cfn.DeleteChangeSet(apply.change_set_name, apply.stack_id));
    return ApplyOutcome::kPreviewed;
  }
  TRY(cfn.ExecuteChangeSet(apply.change_set_name, apply.stack_id, apply.client_token));
  Result<Value> done = cfn.WaitForStack(apply.stack_id, wait);
  if (!done) {
    if (done.error().code() == ErrorCode::kStepFailed) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("the update of {} failed and CloudFormation rolled it back "
                                   "({}); the stack holds its previous template",
                                   apply.label, done.error().message()));
    }
    return MakeError(done.error());
  }
  std::string final_status = StringAt(*done, "StackStatus");
  if (final_status != "UPDATE_COMPLETE" && final_status != "IMPORT_COMPLETE") {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("the update of {} ended {} ({})", apply.label, final_status,
                                 StringAt(*done, "StackStatusReason")));
  }
  return ApplyOutcome::kApplied;
}

}  // namespace flightplan::migration
