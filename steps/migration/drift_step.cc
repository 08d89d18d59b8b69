// migration.drift: reads the three drift sources of drift.h from the cloud
// and the project and reports them (docs/migration-guide.md, "Drift"). It
// only reads: Check says not done, so a resumed run reads again.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/digest.h"
#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/migration/cloud_backend.h"
#include "steps/migration/drift.h"
#include "steps/migration/register_parts.h"
#include "steps/migration/step_support.h"

namespace flightplan::migration {
namespace {

namespace fs = std::filesystem;
using aws::StringAt;

constexpr int64_t kMaxTemplateBytes = 4 << 20;                  // CloudFormation's limit is 1 MB
constexpr int64_t kMaxEntryBytes = kMaxCloudBackendEntryBytes;  // one file of the project
constexpr size_t kMaxFiles = kMaxCloudBackendFiles;             // files of the project
constexpr std::string_view kRootTemplateKey = "root-cloudformation-stack.json";

// The operator stopped the run or the lease is gone: the step stops too,
// rather than reporting a check as incomplete.
bool Stops(const Error& e) {
  return e.code() == ErrorCode::kCancelled || e.code() == ErrorCode::kLeaseLost;
}

int64_t LengthOf(const Value& head) {
  const Value* v = head.Find("ContentLength");
  if (v == nullptr) return -1;
  if (v->is_int()) return v->as_int();
  char* end = nullptr;
  std::string text = v->ToText();
  long long n = std::strtoll(text.c_str(), &end, 10);
  return end != nullptr && *end == '\0' && !text.empty() ? n : -1;
}

// An object's bytes, refused past `max` (HeadObject first, so a huge object
// is never fetched).
Result<std::string> ReadBoundedObject(aws::S3Client& s3, const std::string& bucket,
                                      const std::string& key, int64_t max) {
  ASSIGN_OR_RETURN(Value head, s3.HeadObject(bucket, key));
  int64_t length = LengthOf(head);
  if (length < 0 || length > max) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("s3://{}/{} is {} bytes, over the {} bytes drift reads", bucket,
                                 key, length, max));
  }
  ASSIGN_OR_RETURN(Value object, s3.GetObject(bucket, key));
  return StringAt(object, "Body");
}

std::string ProjectBackend(const std::string& project) {
  return (fs::path(project) / "amplify" / "backend").string();
}

class DriftStep final : public MigrationStep {
 public:
  using MigrationStep::MigrationStep;
  std::string_view name() const override { return "migration.drift"; }
  const StepSchema& schema() const override {
    static const StepSchema kSchema = [] {
      std::vector<FieldSpec> inputs = EnvFields();
      inputs.push_back({"project",
                        FieldType::kString,
                        false,
                        "a Gen1 project folder for local drift (default: the current directory "
                        "when it holds amplify/backend)",
                        {}});
      inputs.push_back({"check_local",
                        FieldType::kBoolean,
                        false,
                        "compare a local project at all (default true; lock's validation sets "
                        "false: lock acts on the cloud only)",
                        {}});
      inputs.push_back({"fail_on_drift",
                        FieldType::kBoolean,
                        false,
                        "fail the step unless every source is clean (lock's validation)",
                        {}});
      return StepSchema{
          "Compare the environment with what Amplify deployed: CloudFormation drift, the "
          "deployment bucket's templates, and the local project's unpushed changes",
          std::move(inputs),
          {{"status", FieldType::kString, false, "clean, drift or incomplete", {}},
           {"report", FieldType::kMap, false, "each source's status, findings and filters", {}}},
          /*has_auto_rollback=*/false,
          /*has_check=*/true};
    }();
    return kSchema;
  }

  std::string Describe(const Value& inputs) const override {
    auto env = ReadEnvInputs(inputs);
    return fmt::format(
        "check {} for drift: CloudFormation drift detection on every stack, the deployment "
        "bucket's templates against the deployed ones, and local changes not pushed",
        env ? env->Describe() : "the environment");
  }

  Result<std::string> Preview(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    std::string out = fmt::format(
        "DetectStackDrift on {} stacks (the root {} and every nested stack), then "
        "DescribeStackResourceDrifts of each\n",
        found.stacks.size(), found.root_stack);
    out += fmt::format(
        "compare s3://{}/{} and the root's nested stack templates under amplify-cfn-templates/ "
        "with GetTemplate of each stack\n",
        found.deployment_bucket, kRootTemplateKey);
    std::string project = ProjectDir(inputs);
    out += !CheckLocalWanted(inputs) ? "no local check (check_local is false)\n"
           : project.empty()
               ? "no local check: no amplify/backend in the current directory (--project DIR)\n"
               : fmt::format("compare {} with s3://{}/{}\n", ProjectBackend(project),
                             found.deployment_bucket, kCloudBackendKey);
    return out;
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(EnvInputs env, ReadEnvInputs(inputs));
    ASSIGN_OR_RETURN(aws::AwsClient * client, Client(env));
    ASSIGN_OR_RETURN(Gen1Environment found, Discover(env, ctx));
    DriftReport report;
    report.app_id = env.app_id;
    report.env = env.env;

    std::vector<Value> deployed;
    for (const EnvStack& s : found.stacks) {
      Result<Value> parsed = Value::FromJson(s.template_body);
      deployed.push_back(parsed ? std::move(*parsed) : Value());
      if (!parsed) {
        for (SourceReport* r : {&report.cloudformation, &report.templates}) {
          r->problems.push_back(
              fmt::format("the deployed template of the {} is not JSON", s.Label()));
        }
      }
    }
    TRY(CheckCloudFormation(*client, ctx, found, deployed, report.cloudformation));
    TRY(CheckTemplates(*client, ctx, found, deployed, report.templates));
    if (CheckLocalWanted(inputs)) {
      TRY(CheckLocal(*client, ctx, found, ProjectDir(inputs), InputString(inputs, "project"),
                     report.local));
    } else {
      report.local.status = DriftStatus::kSkipped;
      report.local.notes.push_back("not asked for (check_local is false)");
    }
    for (SourceReport* r : {&report.cloudformation, &report.templates, &report.local}) r->Settle();

    DriftStatus overall = report.Overall();
    if (ctx.progress != nullptr) {
      ctx.progress->Progress(fmt::format(
          "drift: {} (cloudformation {}, templates {}, local {})", DriftStatusName(overall),
          DriftStatusName(report.cloudformation.status), DriftStatusName(report.templates.status),
          DriftStatusName(report.local.status)));
    }
    if (InputBool(inputs, "fail_on_drift") && overall != DriftStatus::kClean) {
      return MakeError(
          ErrorCode::kStepFailed,
          fmt::format("{}\n{}", report.ToText(),
                      overall == DriftStatus::kDrift
                          ? "The environment has drifted: bring it back to what Amplify "
                            "deployed (`amplify push`, or undo the change), then run again; or "
                            "pass --skip-validations if you accept it"
                          : "A drift check could not complete, so the environment is not known "
                            "to be clean: fix what is named above, then run again"));
    }
    Value out(ValueMap{});
    out.Set("status", std::string(DriftStatusName(overall)));
    out.Set("report", report.ToValue());
    return out;
  }

  // It only reads: after a crash it reads again.
  Result<CheckResult> Check(const Value&, StepContext&) const override {
    return CheckResult{CheckOutcome::kNotDone, Value(), "it only reads; reading again"};
  }

 private:
  static bool CheckLocalWanted(const Value& inputs) {
    const Value* v = inputs.Find("check_local");
    return v == nullptr || (v->is_bool() ? v->as_bool() : v->ToText() != "false");
  }

  // The project folder to compare: `project` when given, else the current
  // directory when it holds amplify/backend, else "" (no local check).
  static std::string ProjectDir(const Value& inputs) {
    if (!CheckLocalWanted(inputs)) return "";
    std::string given = InputString(inputs, "project");
    if (!given.empty()) return given;
    std::error_code ec;
    return fs::is_directory(ProjectBackend("."), ec) ? "." : "";
  }

  Result<void> CheckCloudFormation(aws::AwsClient& client, StepContext& ctx,
                                   const Gen1Environment& found, const std::vector<Value>& deployed,
                                   SourceReport& out) const {
    aws::CloudFormationClient cfn(client, *ctx.clock);
    EnvironmentFacts facts = FactsFromTemplates(deployed);
    std::vector<std::string> detections(found.stacks.size());
    // Start every detection first: they run at the same time.
    for (size_t i = 0; i < found.stacks.size(); ++i) {
      TRY(ctx.StopReason());
      Result<std::string> id = cfn.DetectStackDrift(found.stacks[i].id);
      if (!id) {
        if (Stops(id.error())) return MakeError(std::move(id.error()));
        out.problems.push_back(fmt::format("DetectStackDrift on the {} failed: {}",
                                           found.stacks[i].Label(), id.error().ToString()));
        continue;
      }
      detections[i] = *id;
    }
    int checked = 0;
    for (size_t i = 0; i < found.stacks.size(); ++i) {
      if (detections[i].empty()) continue;
      const EnvStack& s = found.stacks[i];
      Result<Value> status = cfn.WaitForDriftDetection(detections[i], StepWaitOptions(ctx));
      if (!status) {
        if (Stops(status.error())) return MakeError(std::move(status.error()));
        out.problems.push_back(fmt::format("drift detection on the {} did not complete: {}",
                                           s.Label(), status.error().ToString()));
        continue;
      }
      Result<ValueList> drifts = cfn.DescribeStackResourceDrifts(s.id);
      if (!drifts) {
        if (Stops(drifts.error())) return MakeError(std::move(drifts.error()));
        out.problems.push_back(fmt::format("DescribeStackResourceDrifts on the {} failed: {}",
                                           s.Label(), drifts.error().ToString()));
        continue;
      }
      AddResourceDrifts(s.path, *drifts, deployed[i], facts, out);
      ++checked;
    }
    out.notes.push_back(
        fmt::format("drift detection completed on {} of {} stacks", checked, found.stacks.size()));
    return {};
  }

  Result<void> CheckTemplates(aws::AwsClient& client, StepContext& ctx,
                              const Gen1Environment& found, const std::vector<Value>& deployed,
                              SourceReport& out) const {
    if (found.deployment_bucket.empty()) {
      out.problems.push_back(fmt::format(
          "Amplify names no deployment bucket for {}/{}: the templates cannot be compared",
          found.app_id, found.env));
      return {};
    }
    aws::S3Client s3(client);
    auto compare = [&](const std::string& path, const std::string& bucket, const std::string& key,
                       const Value& deployed_template) -> Result<void> {
      TRY(ctx.StopReason());
      Result<std::string> body = ReadBoundedObject(s3, bucket, key, kMaxTemplateBytes);
      if (!body) {
        if (Stops(body.error())) return MakeError(std::move(body.error()));
        out.problems.push_back(fmt::format("cannot read s3://{}/{} ({}): {}", bucket, key,
                                           path.empty() ? "root stack" : path,
                                           body.error().ToString()));
        return {};
      }
      Result<Value> parsed = Value::FromJson(*body);
      if (!parsed) {
        out.problems.push_back(fmt::format("s3://{}/{} is not a JSON template: {}", bucket, key,
                                           parsed.error().message()));
        return {};
      }
      AddTemplateDrift(path, *parsed, deployed_template, out);
      return {};
    };
    TRY(compare("", found.deployment_bucket, std::string(kRootTemplateKey), deployed.front()));
    int compared = 1;
    int deeper = 0;
    for (size_t i = 1; i < found.stacks.size(); ++i) {
      const EnvStack& s = found.stacks[i];
      if (s.path.find('/') != std::string::npos) {
        ++deeper;
        continue;
      }
      auto location = NestedTemplateLocation(deployed.front(), s.path);
      if (!location) {
        out.problems.push_back(fmt::format(
            "the root template's {} has no literal S3 TemplateURL: its template in the bucket "
            "cannot be found",
            s.path));
        continue;
      }
      if (location->first != found.deployment_bucket) {
        out.notes.push_back(fmt::format("{}'s template is in s3://{}, not the deployment bucket",
                                        s.path, location->first));
      }
      TRY(compare(s.path, location->first, location->second, deployed[i]));
      ++compared;
    }
    out.notes.push_back(fmt::format("compared the templates of {} stacks", compared));
    if (deeper > 0) {
      out.notes.push_back(fmt::format(
          "{} stacks nested inside category stacks (the API's model stacks) not compared: "
          "their templates are not among the bucket's category templates",
          deeper));
    }
    return {};
  }

  Result<void> CheckLocal(aws::AwsClient& client, StepContext& ctx, const Gen1Environment& found,
                          const std::string& project, const std::string& given,
                          SourceReport& out) const {
    if (project.empty()) {
      out.status = DriftStatus::kSkipped;
      out.notes.push_back(
          "not run inside a Gen1 project (no amplify/backend in the current directory; "
          "--project DIR names one)");
      return {};
    }
    std::error_code ec;
    std::string backend = ProjectBackend(project);
    if (!fs::is_directory(backend, ec)) {
      out.problems.push_back(
          fmt::format("{} has no amplify/backend folder: is it a Gen1 project?", given));
      return {};
    }
    std::map<std::string, std::string> local;
    if (!HashProject(backend, local, out)) return {};
    if (found.deployment_bucket.empty()) {
      out.problems.push_back("Amplify names no deployment bucket: no cloud backend to compare");
      return {};
    }
    std::map<std::string, std::string> cloud;
    TRY(ReadCloudBackend(client, ctx, found.deployment_bucket, cloud, out));
    if (!out.problems.empty()) return {};
    AddLocalDrift(local, cloud, out);
    out.notes.push_back(fmt::format(
        "compared {} files of {} with {} of s3://{}/{} (build output and files Amplify "
        "regenerates ignored)",
        local.size(), backend, cloud.size(), found.deployment_bucket, kCloudBackendKey));
    return {};
  }

  // SHA-256 of every compared file under `backend`; false (with a problem)
  // when a bound is passed or a file cannot be read.
  static bool HashProject(const std::string& backend, std::map<std::string, std::string>& out,
                          SourceReport& report) {
    std::error_code ec;
    fs::recursive_directory_iterator it(backend, fs::directory_options::none, ec);
    if (ec) {
      report.problems.push_back(fmt::format("cannot list {}: {}", backend, ec.message()));
      return false;
    }
    Sha256Hasher hasher;
    std::string buffer(1 << 16, '\0');
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        report.problems.push_back(fmt::format("cannot list {}: {}", backend, ec.message()));
        return false;
      }
      std::string relative = fs::relative(it->path(), backend, ec).generic_string();
      if (it->is_symlink(ec)) continue;
      if (it->is_directory(ec)) {
        if (IgnoredBackendPath(relative + "/x")) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec) || IgnoredBackendPath(relative)) continue;
      if (out.size() >= kMaxFiles) {
        report.problems.push_back(fmt::format(
            "{} holds more than {} files; drift compares at most that", backend, kMaxFiles));
        return false;
      }
      auto size = static_cast<int64_t>(it->file_size(ec));
      if (ec || size > kMaxEntryBytes) {
        report.problems.push_back(fmt::format("{} cannot be compared ({} bytes, at most {})",
                                              it->path().string(), size, kMaxEntryBytes));
        return false;
      }
      std::ifstream in(it->path(), std::ios::binary);
      hasher.Begin();
      while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        hasher.Update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
      }
      if (in.bad()) {
        report.problems.push_back(fmt::format("cannot read {}", it->path().string()));
        return false;
      }
      out[relative] = hasher.FinishHex();
    }
    return true;
  }

  // SHA-256 of every compared file in #current-cloud-backend.zip. The zip is
  // downloaded to a temporary file and read entry by entry within the
  // bounds of cloud_backend.h.
  static Result<void> ReadCloudBackend(aws::AwsClient& client, StepContext& ctx,
                                       const std::string& bucket,
                                       std::map<std::string, std::string>& out,
                                       SourceReport& report) {
    const std::string label = fmt::format("s3://{}/{}", bucket, kCloudBackendKey);
    std::error_code ec;
    std::string pattern = (fs::temp_directory_path(ec) / "flightplan-drift-XXXXXX").string();
    int fd = mkstemp(pattern.data());
    if (fd < 0) {
      report.problems.push_back("cannot create a temporary file for the cloud backend");
      return {};
    }
    close(fd);
    struct Remove {
      std::string path;
      ~Remove() { std::remove(path.c_str()); }
    } remove{pattern};
    TRY(ctx.StopReason());
    Result<void> downloaded = DownloadCloudBackend(client, bucket, pattern);
    if (!downloaded) {
      if (Stops(downloaded.error())) return MakeError(std::move(downloaded.error()));
      report.problems.push_back(
          fmt::format("cannot read {}: {}", label, downloaded.error().ToString()));
      return {};
    }
    Sha256Hasher hasher;
    Result<void> read = ReadZipEntries(
        pattern, label, [](const std::string& name) { return IgnoredBackendPath(name); },
        [&](const std::string& name, std::string_view bytes) -> Result<void> {
          hasher.Begin();
          hasher.Update(bytes);
          out[name] = hasher.FinishHex();
          return {};
        });
    if (!read) report.problems.push_back(read.error().message());
    return {};
  }
};

}  // namespace

void RegisterDriftSteps(StepRegistry& registry, aws::ClientPool& clients) {
  registry.Register(std::make_unique<DriftStep>(clients));
}

}  // namespace flightplan::migration
