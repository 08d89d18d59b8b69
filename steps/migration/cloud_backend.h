// #current-cloud-backend.zip, the copy of amplify/#current-cloud-backend/
// that `amplify push` leaves in the environment's deployment bucket: fetched
// within a size bound and read entry by entry within bounds (drift hashes the
// entries; generate --app-id unpacks them into a Gen1 project folder).
//
// The reader refuses, naming the zip and the entry: an archive that is not a
// zip, more than kMaxCloudBackendFiles entries, an entry whose name leaves the
// folder (absolute, "..", a backslash or NUL), a file over
// kMaxCloudBackendEntryBytes or a total over kMaxCloudBackendUnzippedBytes,
// and a damaged entry (its bytes not the size the directory says). The
// bounds are checked before an entry is read, so a zip bomb is refused
// without being inflated.
//
// Thread-safety: functions borrow the client for the call.
#ifndef FLIGHTPLAN_STEPS_MIGRATION_CLOUD_BACKEND_H_
#define FLIGHTPLAN_STEPS_MIGRATION_CLOUD_BACKEND_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/error.h"
#include "steps/aws/aws_client.h"

namespace flightplan::migration {

inline constexpr std::string_view kCloudBackendKey = "#current-cloud-backend.zip";
inline constexpr int64_t kMaxCloudBackendZipBytes = 256LL << 20;
inline constexpr int64_t kMaxCloudBackendEntryBytes = 64LL << 20;
inline constexpr int64_t kMaxCloudBackendUnzippedBytes = 512LL << 20;
inline constexpr size_t kMaxCloudBackendFiles = 20000;

// Calls `on_entry(name, bytes)` for every file entry of the zip at `path`,
// in the archive's order; names use '/', a leading "./" removed; folder
// entries and names `skip` accepts are passed over unread. `label` names the
// zip in errors. Errors: kInvalidInput as the header says; on_entry's own.
[[nodiscard]] Result<void> ReadZipEntries(
    const std::string& path, const std::string& label,
    const std::function<bool(const std::string& name)>& skip,
    const std::function<Result<void>(const std::string& name, std::string_view bytes)>& on_entry);

// Downloads s3://bucket/#current-cloud-backend.zip to `dest` (streamed, never
// held in memory), after HeadObject says it is at most
// kMaxCloudBackendZipBytes. Errors: kNotFound when the object is absent
// (the environment was never pushed, or the bucket is not Amplify's);
// kInvalidInput when it is too large; the calls' own otherwise.
[[nodiscard]] Result<void> DownloadCloudBackend(aws::AwsClient& client, const std::string& bucket,
                                                const std::string& dest);

// Writes every entry of the zip at `zip_path` under `dest` (a folder that
// exists), creating folders as needed; returns how many files it wrote.
// Errors as ReadZipEntries; kPermissionDenied when a file cannot be written.
[[nodiscard]] Result<size_t> UnpackZip(const std::string& zip_path, const std::string& label,
                                       const std::filesystem::path& dest);

// A Gen1 project folder rebuilt from a deployed environment, for the
// project model (steps/amplify/gen1_project.h) to load as it loads a local
// one: <root>/amplify/#current-cloud-backend/ is the zip unpacked,
// <root>/amplify/backend/ the same files (what was pushed is what the
// project held), and amplify/team-provider-info.json names the environment
// with the provider block of the zip's amplify-meta.json (completed with the
// app id, root stack and bucket Amplify names).
struct CloudProject {
  std::filesystem::path root;
  std::string app_id;
  std::string env;
  std::string root_stack;
  std::string deployment_bucket;
  size_t files = 0;  // entries unpacked
};

// Finds the environment (Amplify GetBackendEnvironment: root stack,
// deployment bucket), downloads its #current-cloud-backend.zip and lays the
// project out under `root` (a folder that exists and is empty). Errors, each
// saying what to check: kNotFound for an unknown app or environment (as
// DiscoverEnvironment says it), an environment without a deployment bucket
// or without the zip; kInvalidInput for a zip that is corrupt, outside the
// bounds, or holds no backend-config.json.
[[nodiscard]] Result<CloudProject> FetchCloudProject(aws::AwsClient& client, Clock& clock,
                                                     const std::string& app_id,
                                                     const std::string& env,
                                                     const std::filesystem::path& root);

}  // namespace flightplan::migration

#endif  // FLIGHTPLAN_STEPS_MIGRATION_CLOUD_BACKEND_H_
