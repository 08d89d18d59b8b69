#include "steps/migration/cloud_backend.h"

#include <fmt/format.h>
#include <zip.h>

#include <cstdlib>
#include <fstream>

#include "base/file_io.h"
#include "base/value.h"
#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"
#include "steps/migration/environment.h"

namespace flightplan::migration {
namespace {

namespace fs = std::filesystem;
using aws::ListAt;
using aws::StringAt;

int64_t LengthOf(const Value& head) {
  const Value* v = head.Find("ContentLength");
  if (v == nullptr) return -1;
  if (v->is_int()) return v->as_int();
  char* end = nullptr;
  std::string text = v->ToText();
  long long n = std::strtoll(text.c_str(), &end, 10);
  return end != nullptr && *end == '\0' && !text.empty() ? n : -1;
}

// Whether an entry name stays inside the folder it is unpacked into: not
// absolute, no ".." component, no backslash (a separator elsewhere).
bool StaysInside(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find('\\') != std::string::npos) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    if (name.compare(start, end - start, "..") == 0 && end - start == 2) return false;
    start = end + 1;
  }
  return true;
}

Result<void> WriteEntry(const fs::path& dest, const std::string& name, std::string_view bytes) {
  fs::path target = dest / fs::path(name).lexically_normal();
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    return MakeError(
        ErrorCode::kPermissionDenied,
        fmt::format("cannot create {}: {}", target.parent_path().string(), ec.message()));
  }
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    return MakeError(ErrorCode::kPermissionDenied, fmt::format("cannot write {}", target.string()));
  }
  return {};
}

// The bucket the root stack's DeploymentBucketName parameter names, when
// Amplify's backend environment names none.
Result<std::string> BucketOfRootStack(aws::AwsClient& client, Clock& clock,
                                      const std::string& root_stack) {
  aws::CloudFormationClient cfn(client, clock);
  ASSIGN_OR_RETURN(Value described, cfn.DescribeStack(root_stack));
  for (const Value& p : ListAt(described, "Parameters")) {
    if (StringAt(p, "ParameterKey") == "DeploymentBucketName") {
      return StringAt(p, "ParameterValue");
    }
  }
  return std::string();
}

}  // namespace

Result<void> ReadZipEntries(
    const std::string& path, const std::string& label,
    const std::function<bool(const std::string& name)>& skip,
    const std::function<Result<void>(const std::string& name, std::string_view bytes)>& on_entry) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (archive == nullptr) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} is not a readable zip (libzip error {})", label, error));
  }
  struct Close {
    zip_t* z;
    ~Close() { zip_discard(z); }
  } close_archive{archive};
  zip_int64_t entries = zip_get_num_entries(archive, 0);
  if (entries < 0 || static_cast<uint64_t>(entries) > kMaxCloudBackendFiles) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} holds {} entries; at most {} are read", label, entries,
                                 kMaxCloudBackendFiles));
  }
  std::string buffer(1 << 16, '\0');
  std::string bytes;
  int64_t total = 0;
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st) != 0 || st.name == nullptr ||
        (st.valid & ZIP_STAT_SIZE) == 0) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}: entry {} cannot be read", label, i));
    }
    std::string name = st.name;
    while (name.rfind("./", 0) == 0) name.erase(0, 2);
    if (name.empty() || name.back() == '/') continue;
    if (!StaysInside(name)) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}: entry '{}' leaves the folder", label, name));
    }
    if (skip && skip(name)) continue;
    auto size = static_cast<int64_t>(st.size);
    total += size;
    if (size > kMaxCloudBackendEntryBytes || total > kMaxCloudBackendUnzippedBytes) {
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("{}: '{}' makes the unzipped size pass the bound ({} bytes a "
                      "file, {} in all)",
                      label, name, kMaxCloudBackendEntryBytes, kMaxCloudBackendUnzippedBytes));
    }
    zip_file_t* file = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    if (file == nullptr) {
      return MakeError(ErrorCode::kInvalidInput, fmt::format("{}: '{}' cannot be opened: {}", label,
                                                             name, zip_strerror(archive)));
    }
    bytes.clear();
    zip_int64_t n = 0;
    while ((n = zip_fread(file, buffer.data(), buffer.size())) > 0) {
      if (static_cast<int64_t>(bytes.size()) + n > size) {
        n = -1;
        break;
      }
      bytes.append(buffer.data(), static_cast<size_t>(n));
    }
    zip_fclose(file);
    if (n < 0 || static_cast<int64_t>(bytes.size()) != size) {
      return MakeError(ErrorCode::kInvalidInput, fmt::format("{}: '{}' is damaged", label, name));
    }
    TRY(on_entry(name, bytes));
  }
  return {};
}

Result<void> DownloadCloudBackend(aws::AwsClient& client, const std::string& bucket,
                                  const std::string& dest) {
  aws::S3Client s3(client);
  const std::string key(kCloudBackendKey);
  Result<Value> head = s3.HeadObject(bucket, key);
  if (!head) {
    if (head.error().code() != ErrorCode::kNotFound) return MakeError(std::move(head.error()));
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("s3://{}/{} does not exist: the environment was never pushed "
                                 "with the Amplify CLI (`amplify push` uploads it), or the bucket "
                                 "is not its deployment bucket",
                                 bucket, key));
  }
  int64_t length = LengthOf(*head);
  if (length < 0 || length > kMaxCloudBackendZipBytes) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("s3://{}/{} is {} bytes, over the {} read", bucket, key, length,
                                 kMaxCloudBackendZipBytes));
  }
  TRY(s3.DownloadObject(bucket, key, dest));
  std::error_code ec;
  auto size = static_cast<int64_t>(fs::file_size(dest, ec));
  if (ec || size > kMaxCloudBackendZipBytes) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("s3://{}/{} is over {} bytes", bucket,
                                                           key, kMaxCloudBackendZipBytes));
  }
  return {};
}

Result<size_t> UnpackZip(const std::string& zip_path, const std::string& label,
                         const fs::path& dest) {
  size_t files = 0;
  TRY(ReadZipEntries(zip_path, label, nullptr,
                     [&](const std::string& name, std::string_view bytes) -> Result<void> {
                       TRY(WriteEntry(dest, name, bytes));
                       ++files;
                       return {};
                     }));
  return files;
}

Result<CloudProject> FetchCloudProject(aws::AwsClient& client, Clock& clock,
                                       const std::string& app_id, const std::string& env,
                                       const fs::path& root) {
  CloudProject out;
  out.root = root;
  out.app_id = app_id;
  out.env = env;
  ASSIGN_OR_RETURN(BackendEnvironment found, FindBackendEnvironment(client, app_id, env));
  out.root_stack = found.root_stack;
  out.deployment_bucket = found.deployment_bucket;
  if (out.deployment_bucket.empty()) {
    ASSIGN_OR_RETURN(out.deployment_bucket, BucketOfRootStack(client, clock, out.root_stack));
  }
  if (out.deployment_bucket.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("backend environment '{}' of app '{}' names no deployment "
                                 "bucket, and its root stack {} has no DeploymentBucketName "
                                 "parameter: there is no #current-cloud-backend.zip to read",
                                 env, app_id, out.root_stack));
  }

  const fs::path amplify_dir = root / "amplify";
  const fs::path cloud = amplify_dir / "#current-cloud-backend";
  const fs::path backend = amplify_dir / "backend";
  const fs::path zip_path = root / "current-cloud-backend.zip";
  std::error_code ec;
  fs::create_directories(cloud, ec);
  if (!ec) fs::create_directories(backend, ec);
  if (ec) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("cannot create {}: {}", amplify_dir.string(), ec.message()));
  }
  TRY(DownloadCloudBackend(client, out.deployment_bucket, zip_path.string()));
  const std::string label = fmt::format("s3://{}/{}", out.deployment_bucket, kCloudBackendKey);
  // What was pushed is what the project held: every entry goes to both
  // folders, as `amplify pull` lays them out.
  size_t files = 0;
  TRY(ReadZipEntries(zip_path.string(), label, nullptr,
                     [&](const std::string& name, std::string_view bytes) -> Result<void> {
                       TRY(WriteEntry(cloud, name, bytes));
                       TRY(WriteEntry(backend, name, bytes));
                       ++files;
                       return {};
                     }));
  fs::remove(zip_path, ec);
  out.files = files;
  if (!fs::is_regular_file(backend / "backend-config.json", ec)) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} holds no backend-config.json: it is not an Amplify Gen1 "
                                 "backend (is {} the environment's deployment bucket?)",
                                 label, out.deployment_bucket));
  }

  // team-provider-info.json: the env and its provider block.
  Value provider(ValueMap{});
  Result<std::string> meta_text = ReadFile(backend / "amplify-meta.json");
  if (meta_text) {
    Result<Value> meta = Value::FromJson(*meta_text);
    if (meta && meta->is_map()) {
      const Value* providers = meta->Find("providers");
      const Value* aws = providers != nullptr ? providers->Find("awscloudformation") : nullptr;
      if (aws != nullptr && aws->is_map()) provider = *aws;
    }
  }
  if (StringAt(provider, "AmplifyAppId").empty()) provider.Set("AmplifyAppId", app_id);
  if (StringAt(provider, "StackName").empty()) provider.Set("StackName", out.root_stack);
  if (StringAt(provider, "DeploymentBucketName").empty()) {
    provider.Set("DeploymentBucketName", out.deployment_bucket);
  }
  Value block(ValueMap{});
  block.Set("awscloudformation", std::move(provider));
  Value team(ValueMap{});
  team.Set(env, std::move(block));
  std::ofstream tpi(amplify_dir / "team-provider-info.json", std::ios::binary | std::ios::trunc);
  tpi << team.ToJson();
  tpi.close();
  if (!tpi) {
    return MakeError(
        ErrorCode::kPermissionDenied,
        fmt::format("cannot write {}", (amplify_dir / "team-provider-info.json").string()));
  }
  return out;
}

}  // namespace flightplan::migration
