#include "cloudsim/deploy_gen2.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/digest.h"
#include "base/file_io.h"
#include "base/value.h"
#include "cloudsim/seed.h"
#include "steps/aws/wire/protocol.h"
#include "steps/aws/wire/service.h"
#include "steps/aws/wire/sigv4.h"

extern char** environ;

namespace flightplan::cloudsim {
namespace fs = std::filesystem;
namespace {

constexpr std::chrono::milliseconds kPoll{100};

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f && (f->is_string() || f->is_number()) ? f->ToText() : std::string();
}

std::string Tail(const std::string& text, size_t max_bytes = 4000) {
  return text.size() <= max_bytes ? text : "…" + text.substr(text.size() - max_bytes);
}

// ---- talking to the simulator ---------------------------------------------

// The outcome of one AWS call: the parsed output, or the service's error.
struct CallResult {
  bool ok = false;
  Value output;
  int status = 0;
  std::string code;
  std::string message;
};

class SimClient {
 public:
  SimClient(const DeployGen2Options& options) : options_(options) {}

  Result<void> Connect() {
    const std::string& url = options_.url;
    std::string rest;
    if (url.rfind("http://", 0) == 0) {
      rest = url.substr(7);
    } else {
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("--url must be http://HOST:PORT of a running simulator, not '{}'", url));
    }
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon + 1 == rest.size() ||
        rest.find('/') != std::string::npos) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("--url must be http://HOST:PORT, not '{}'", url));
    }
    host_ = rest.substr(0, colon);
    if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']') {
      host_ = host_.substr(1, host_.size() - 2);
    }
    try {
      port_ = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
      return MakeError(ErrorCode::kInvalidInput, fmt::format("--url has no port: '{}'", url));
    }
    endpoint_ = "http://" + rest;
    // The simulator's account and region come from its health endpoint.
    httplib::Client client(host_, port_);
    client.set_connection_timeout(std::chrono::seconds(10));
    auto res = client.Get("/_sim/health");
    if (!res || res->status != 200) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("no flightplan-cloudsim answers at {} (GET /_sim/health: {}); "
                                   "start one with `flightplan-cloudsim --port 0`",
                                   url, res ? std::to_string(res->status) : "no connection"));
    }
    auto health = Value::FromJson(res->body);
    if (!health) return MakeError(ErrorCode::kCorruption, "GET /_sim/health returned no JSON");
    account_ = Str(*health, "account");
    region_ = Str(*health, "region");
    if (account_.empty() || region_.empty()) {
      return MakeError(ErrorCode::kCorruption, "GET /_sim/health names no account or region");
    }
    return {};
  }

  const std::string& account() const { return account_; }
  const std::string& region() const { return region_; }
  const std::string& endpoint() const { return endpoint_; }

  // One call as the AWS SDK under `cdk deploy` makes it: throttling, 5xx
  // and dropped connections are retried (three attempts, short backoff).
  CallResult Call(std::string_view service_id, std::string_view operation, const Value& params) {
    CallResult out;
    for (int attempt = 1;; ++attempt) {
      out = CallOnce(service_id, operation, params);
      bool retryable = out.code == "Transport" || out.status >= 500 || out.code == "Throttling" ||
                       out.code == "ThrottlingException" ||
                       out.code == "TooManyRequestsException" || out.code == "SlowDown" ||
                       out.code == "RequestLimitExceeded";
      if (out.ok || !retryable || attempt == 3) return out;
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    }
  }

  // One signed call through the service's wire protocol.
  CallResult CallOnce(std::string_view service_id, std::string_view operation,
                      const Value& params) {
    CallResult out;
    const aws::ServiceInfo* service = aws::FindService(service_id);
    if (!service) {
      out.code = "Internal";
      out.message = fmt::format("unknown service {}", service_id);
      return out;
    }
    auto request = aws::SerializeRequest(*service, operation, params, endpoint_);
    if (!request) {
      out.code = "InvalidInput";
      out.message = request.error().message();
      return out;
    }
    auto response = Send(*request, service->signing_name);
    if (!response) {
      out.code = "Transport";
      out.message = response.error().message();
      return out;
    }
    out.status = response->status;
    if (response->status >= 200 && response->status < 300) {
      auto parsed = aws::ParseResponse(*service, operation, *response);
      if (!parsed) {
        out.code = "Corruption";
        out.message = parsed.error().message();
        return out;
      }
      out.ok = true;
      out.output = std::move(*parsed);
      return out;
    }
    aws::AwsError error = aws::ParseErrorResponse(*service, operation, *response);
    out.code = error.code;
    out.message = error.message;
    return out;
  }

  // A call that must succeed.
  Result<Value> Must(std::string_view service, std::string_view operation, const Value& params) {
    CallResult r = Call(service, operation, params);
    if (r.ok) return std::move(r.output);
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("{} {} failed: {} {}", service, operation, r.code, r.message));
  }

  // S3 CreateBucket (not in the wire tables: PUT /<bucket> with no body).
  Result<void> CreateBucket(const std::string& bucket) {
    HttpRequest request;
    request.method = "PUT";
    request.url = endpoint_ + "/" + bucket;
    auto response = Send(request, "s3");
    // Retried as the SDK would: a dropped connection, 5xx (S3 throttles
    // with 503 SlowDown) or 429.
    for (int attempt = 2; attempt <= 3; ++attempt) {
      if (response && response->status < 500 && response->status != 429) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
      response = Send(request, "s3");
    }
    if (!response) return MakeError(std::move(response.error()));
    if (response->status != 200) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("s3 CreateBucket {} failed: HTTP {} {}", bucket,
                                   response->status, Tail(response->body, 500)));
    }
    return {};
  }

 private:
  Result<HttpResponse> Send(const HttpRequest& request, std::string_view signing_name) {
    AwsCredentials credentials;
    credentials.access_key_id = options_.access_key;
    credentials.secret_access_key = options_.secret_key;
    SystemClock clock;
    auto signing = aws::SigningOptions::ForService(signing_name, region_, clock.Now());
    ASSIGN_OR_RETURN(aws::SignedRequest signed_request,
                     aws::SignRequest(request, credentials, signing));
    const HttpRequest& r = signed_request.request;
    httplib::Request req;
    req.method = r.method;
    req.path = r.url.substr(endpoint_.size());
    if (req.path.empty()) req.path = "/";
    for (const auto& [name, value] : r.headers) {
      if (name == "host" || name == "Host") continue;  // httplib writes host:port itself
      req.headers.emplace(name, value);
    }
    req.body = r.body;
    httplib::Client client(host_, port_);
    client.set_url_encode(false);
    client.set_connection_timeout(std::chrono::seconds(10));
    client.set_read_timeout(std::chrono::seconds(120));
    client.set_write_timeout(std::chrono::seconds(120));
    auto res = client.send(req);
    if (!res) {
      return MakeError(ErrorCode::kTransient, fmt::format("{} {}: {}", r.method, req.path,
                                                          httplib::to_string(res.error())));
    }
    HttpResponse out;
    out.status = res->status;
    for (const auto& [name, value] : res->headers) out.headers.emplace_back(name, value);
    out.body = res->body;
    return out;
  }

  const DeployGen2Options& options_;
  std::string host_;
  int port_ = 0;
  std::string endpoint_;
  std::string account_;
  std::string region_;
};

// ---- synthesis --------------------------------------------------------------

struct ProcessOutcome {
  int exit_code = -1;
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv in `cwd` with the environment plus `extra_env`, output to
// `log`, killing its process group at the deadline.
Result<ProcessOutcome> RunProcess(const std::vector<std::string>& argv, const fs::path& cwd,
                                  const std::vector<std::pair<std::string, std::string>>& extra_env,
                                  const fs::path& log, std::chrono::seconds timeout) {
  std::vector<std::string> env_text;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    bool overridden = std::any_of(extra_env.begin(), extra_env.end(), [&](const auto& kv) {
      return entry.rfind(kv.first + "=", 0) == 0;
    });
    if (!overridden) env_text.emplace_back(entry);
  }
  for (const auto& [k, v] : extra_env) env_text.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_text) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argp[0], &actions, &attr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return MakeError(rc == ENOENT ? ErrorCode::kNotFound : ErrorCode::kStepFailed,
                     fmt::format("cannot run {}: {}", argv[0], std::strerror(rc)));
  }
  ProcessOutcome outcome;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      outcome.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  auto text = ReadFile(log);
  if (text) outcome.output = std::move(*text);
  return outcome;
}

// Links the toolchain's node_modules into the project, as `generate
// --verify --toolchain` does (function bundling wants a lock file too).
Result<void> LinkToolchain(const fs::path& toolchain, const fs::path& project) {
  std::error_code ec;
  const fs::path modules = project / "node_modules";
  if (!fs::exists(toolchain / "node_modules/.bin/tsx", ec)) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("--toolchain {}: no node_modules/.bin/tsx there (run `npm ci` in "
                                 "it first)",
                                 toolchain.string()));
  }
  if (fs::is_symlink(modules, ec) || fs::is_empty(modules, ec)) fs::remove(modules, ec);
  if (fs::exists(modules, ec)) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("{} exists and is not a link: remove it, or deploy without "
                                 "--toolchain to use it",
                                 modules.string()));
  }
  fs::create_directory_symlink(fs::absolute(toolchain / "node_modules"), modules, ec);
  if (ec) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("cannot link {}: {}", modules.string(), ec.message()));
  }
  fs::copy_file(toolchain / "package-lock.json", project / "package-lock.json",
                fs::copy_options::overwrite_existing, ec);
  if (ec) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("cannot copy {}: {}", (toolchain / "package-lock.json").string(),
                                 ec.message()));
  }
  return {};
}

// A preload for node that fixes the clock synthesis reads (`new Date()`,
// `Date.now()`): what synthesis derives from the time — an AppSync API key's
// Expires — is then the same on every run, and a re-run with no change is a
// change set with no changes.
constexpr std::string_view kPinClock =
    R"(const fixed = Number(process.env.FLIGHTPLAN_SYNTH_EPOCH_MS);
if (Number.isFinite(fixed) && fixed > 0) {
  const RealDate = Date;
  class PinnedDate extends RealDate {
    constructor(...args) { if (args.length === 0) super(fixed); else super(...args); }
    static now() { return fixed; }
  }
  globalThis.Date = PinnedDate;
}
)";

Result<void> Synthesize(const DeployGen2Options& options, const fs::path& project,
                        const fs::path& out_dir, int64_t clock_ms, std::ostream& progress) {
  if (!options.toolchain.empty()) {
    TRY(LinkToolchain(options.toolchain, project));
  } else if (!fs::exists(project / "node_modules/.bin/tsx")) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{} has no node_modules/.bin/tsx: run `npm install` in it, or "
                                 "pass --toolchain DIR naming an installed Gen2 toolchain",
                                 project.string()));
  }
  Value context;
  context.Set("amplify-backend-namespace", Value(options.app_id));
  context.Set("amplify-backend-name", Value(options.branch));
  context.Set("amplify-backend-type", Value("branch"));
  const fs::path pin = out_dir.parent_path() / "pin-clock.cjs";
  TRY(WriteFileAtomically(pin, kPinClock, 0644));
  std::string node_options = "--require " + pin.string();
  if (const char* existing = std::getenv("NODE_OPTIONS"); existing && *existing) {
    node_options = std::string(existing) + " " + node_options;
  }
  progress << "synthesizing " << project.string() << " (tsx amplify/backend.ts)\n" << std::flush;
  ASSIGN_OR_RETURN(
      ProcessOutcome ran,
      RunProcess({(project / "node_modules/.bin/tsx").string(), "amplify/backend.ts"}, project,
                 {{"CDK_OUTDIR", out_dir.string()},
                  {"CDK_CONTEXT_JSON", context.ToJson()},
                  {"AMPLIFY_DISABLE_TELEMETRY", "1"},
                  {"NODE_OPTIONS", node_options},
                  {"FLIGHTPLAN_SYNTH_EPOCH_MS", std::to_string(clock_ms)}},
                 out_dir.parent_path() / "synth.log", options.synth_timeout));
  if (ran.timed_out) {
    return MakeError(ErrorCode::kTimeout,
                     fmt::format("synthesis (tsx amplify/backend.ts) timed out after {} s:\n{}",
                                 options.synth_timeout.count(), Tail(ran.output)));
  }
  if (ran.exit_code != 0) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("synthesis (tsx amplify/backend.ts) failed (exit {}):\n{}",
                                 ran.exit_code, Tail(ran.output)));
  }
  if (!fs::exists(out_dir / "manifest.json")) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("synthesis wrote no cloud assembly (no {}):\n{}",
                                 (out_dir / "manifest.json").string(), Tail(ran.output)));
  }
  return {};
}

// ---- the cloud assembly -----------------------------------------------------

struct FileAsset {
  fs::path source;  // file or directory in cdk.out
  bool zip = false;
  std::string bucket;
  std::string key;
};

struct Assembly {
  std::string stack_name;
  std::string template_url;  // the root template, as uploaded
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<FileAsset> assets;
};

std::string Substitute(std::string text, const std::string& account, const std::string& region) {
  auto replace = [&](std::string_view from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      text.replace(at, from.size(), to);
      at += to.size();
    }
  };
  replace("${AWS::AccountId}", account);
  replace("${AWS::Region}", region);
  replace("${AWS::Partition}", "aws");
  replace("${AWS::URLSuffix}", "amazonaws.com");
  return text;
}

Result<Assembly> ReadAssembly(const fs::path& out_dir, const std::string& account,
                              const std::string& region) {
  ASSIGN_OR_RETURN(std::string manifest_text, ReadFile(out_dir / "manifest.json"));
  ASSIGN_OR_RETURN(Value manifest, Value::FromJson(manifest_text));
  const Value* artifacts = manifest.Find("artifacts");
  if (!artifacts || !artifacts->is_map()) {
    return MakeError(ErrorCode::kCorruption, "cdk.out/manifest.json lists no artifacts");
  }
  Assembly assembly;
  std::vector<std::string> stacks;
  for (const auto& [id, artifact] : artifacts->as_map()) {
    const std::string type = Str(artifact, "type");
    const Value* props = artifact.Find("properties");
    if (!props) continue;
    if (type == "aws:cloudformation:stack") {
      stacks.push_back(id);
      assembly.stack_name = Str(*props, "stackName").empty() ? id : Str(*props, "stackName");
      std::string object_url =
          Substitute(Str(*props, "stackTemplateAssetObjectUrl"), account, region);
      if (object_url.rfind("s3://", 0) != 0) {
        return MakeError(
            ErrorCode::kCorruption,
            fmt::format("stack {} names no template asset (stackTemplateAssetObjectUrl "
                        "'{}')",
                        id, object_url));
      }
      assembly.template_url = fmt::format("https://s3.{}.amazonaws.com/{}", region,
                                          object_url.substr(std::string_view("s3://").size()));
      if (const Value* tags = props->Find("tags"); tags && tags->is_map()) {
        for (const auto& [k, v] : tags->as_map()) assembly.tags.emplace_back(k, v.ToText());
      }
    } else if (type == "cdk:asset-manifest") {
      ASSIGN_OR_RETURN(std::string text, ReadFile(out_dir / Str(*props, "file")));
      ASSIGN_OR_RETURN(Value assets, Value::FromJson(text));
      const Value* files = assets.Find("files");
      if (!files || !files->is_map()) continue;
      for (const auto& [hash, asset] : files->as_map()) {
        const Value* source = asset.Find("source");
        const Value* destinations = asset.Find("destinations");
        if (!source || !destinations || !destinations->is_map()) continue;
        for (const auto& [dest_id, dest] : destinations->as_map()) {
          FileAsset f;
          f.source = out_dir / Str(*source, "path");
          f.zip = Str(*source, "packaging") == "zip";
          f.bucket = Substitute(Str(dest, "bucketName"), account, region);
          f.key = Substitute(Str(dest, "objectKey"), account, region);
          assembly.assets.push_back(std::move(f));
          (void)dest_id;
        }
        (void)hash;
      }
    }
  }
  if (stacks.size() != 1) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("the cloud assembly holds {} stacks; a Gen2 branch has one root "
                                 "stack",
                                 stacks.size()));
  }
  return assembly;
}

Result<void> PublishAssets(SimClient& sim, const Assembly& assembly, std::ostream& progress) {
  std::vector<std::string> buckets;
  for (const FileAsset& a : assembly.assets) {
    if (std::find(buckets.begin(), buckets.end(), a.bucket) == buckets.end()) {
      buckets.push_back(a.bucket);
    }
  }
  for (const std::string& bucket : buckets) {
    Value head;
    head.Set("Bucket", Value(bucket));
    CallResult r = sim.Call("s3", "HeadBucket", head);
    if (r.ok) continue;
    if (r.status != 404) {
      return MakeError(ErrorCode::kStepFailed, fmt::format("s3 HeadBucket {} failed: HTTP {} {}",
                                                           bucket, r.status, r.code));
    }
    progress << "creating the CDK assets bucket " << bucket << "\n";
    TRY(sim.CreateBucket(bucket));
  }
  size_t uploaded = 0;
  for (const FileAsset& a : assembly.assets) {
    Value head;
    head.Set("Bucket", Value(a.bucket));
    head.Set("Key", Value(a.key));
    std::string bytes;
    std::error_code ec;
    if (!fs::exists(a.source, ec)) {
      return MakeError(ErrorCode::kCorruption,
                       fmt::format("the cloud assembly names the asset {} for s3://{}/{}, but "
                                   "synthesis did not write it",
                                   a.source.string(), a.bucket, a.key));
    }
    if (fs::is_directory(a.source, ec)) {
      ASSIGN_OR_RETURN(bytes, ZipDirectory(a.source));
    } else {
      ASSIGN_OR_RETURN(bytes, ReadFile(a.source));
    }
    // CDK's keys are content hashes, but the ETag (the MD5 of a single-part
    // upload) decides: an object already holding these bytes is left alone.
    CallResult existing = sim.Call("s3", "HeadObject", head);
    if (existing.ok && Str(existing.output, "ETag") == "\"" + Md5Hex(bytes) + "\"") continue;
    Value put = head;
    put.Set("Body", Value(std::move(bytes)));
    TRY(sim.Must("s3", "PutObject", put));
    ++uploaded;
  }
  progress << fmt::format("assets: {} uploaded, {} already published\n", uploaded,
                          assembly.assets.size() - uploaded);
  return {};
}

// ---- the stack --------------------------------------------------------------

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool Succeeded(std::string_view status) {
  return EndsWith(status, "_COMPLETE") && status.find("ROLLBACK") == std::string_view::npos &&
         status.rfind("DELETE", 0) != 0;
}

std::optional<Value> DescribeStack(SimClient& sim, const std::string& name) {
  Value p;
  p.Set("StackName", Value(name));
  CallResult r = sim.Call("cloudformation", "DescribeStacks", p);
  if (!r.ok) return std::nullopt;
  const Value* stacks = r.output.Find("Stacks");
  if (!stacks || !stacks->is_list() || stacks->as_list().empty()) return std::nullopt;
  return stacks->as_list().front();
}

Result<Value> WaitForStack(SimClient& sim, const std::string& name, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::optional<Value> stack = DescribeStack(sim, name);
    if (!stack) {
      return MakeError(ErrorCode::kNotFound, fmt::format("stack {} is gone", name));
    }
    if (!EndsWith(Str(*stack, "StackStatus"), "_IN_PROGRESS")) return *stack;
    if (std::chrono::steady_clock::now() >= deadline) {
      return MakeError(ErrorCode::kTimeout,
                       fmt::format("stack {} still {} after {} s", name, Str(*stack, "StackStatus"),
                                   timeout.count()));
    }
    std::this_thread::sleep_for(kPoll);
  }
}

std::vector<Value> ListOf(const Value& output, std::string_view key) {
  const Value* list = output.Find(key);
  return list && list->is_list() ? list->as_list() : std::vector<Value>{};
}

// The first failure of a stack operation, followed into nested stacks:
// "resource L (Type) in stack S: reason".
std::string RootCause(SimClient& sim, const std::string& stack, int depth = 0) {
  Value p;
  p.Set("StackName", Value(stack));
  CallResult r = sim.Call("cloudformation", "DescribeStackEvents", p);
  if (!r.ok) return fmt::format("stack {} (its events are unreadable: {})", stack, r.message);
  std::vector<Value> events = ListOf(r.output, "StackEvents");
  // Newest first: the earliest failure is the cause.
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    const std::string status = Str(*it, "ResourceStatus");
    const std::string reason = Str(*it, "ResourceStatusReason");
    if (!EndsWith(status, "_FAILED") || reason.empty()) continue;
    const std::string type = Str(*it, "ResourceType");
    std::string physical = Str(*it, "PhysicalResourceId");
    // A nested stack that failed to create names itself in the reason.
    if (size_t at = reason.find("Embedded stack arn:");
        physical.empty() && at != std::string::npos) {
      size_t begin = at + std::string_view("Embedded stack ").size();
      physical = reason.substr(begin, reason.find(' ', begin) - begin);
    }
    if (type == "AWS::CloudFormation::Stack" &&
        Str(*it, "LogicalResourceId") != Str(*it, "StackName") && !physical.empty() && depth < 8) {
      std::string nested = RootCause(sim, physical, depth + 1);
      if (!nested.empty()) return nested;
    }
    if (Str(*it, "LogicalResourceId") == Str(*it, "StackName")) continue;
    return fmt::format("resource {} ({}) in stack {} {}: {}", Str(*it, "LogicalResourceId"), type,
                       Str(*it, "StackName"), status, reason);
  }
  return {};
}

// Every nested stack under `stack_id`, recursively: (name, status).
Result<void> CheckNestedStacks(SimClient& sim, const std::string& stack_id, int depth,
                               size_t* count) {
  Value p;
  p.Set("StackName", Value(stack_id));
  std::vector<Value> resources;
  for (int page = 0; page < 100; ++page) {
    ASSIGN_OR_RETURN(Value out, sim.Must("cloudformation", "ListStackResources", p));
    for (Value& r : ListOf(out, "StackResourceSummaries")) resources.push_back(std::move(r));
    std::string next = Str(out, "NextToken");
    if (next.empty()) break;
    p.Set("NextToken", Value(next));
  }
  for (const Value& r : resources) {
    if (Str(r, "ResourceType") != "AWS::CloudFormation::Stack") continue;
    const std::string child = Str(r, "PhysicalResourceId");
    std::optional<Value> stack = child.empty() ? std::nullopt : DescribeStack(sim, child);
    if (!stack || !Succeeded(Str(*stack, "StackStatus"))) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("nested stack {} ({}) is {}", Str(r, "LogicalResourceId"), child,
                                   stack ? Str(*stack, "StackStatus") : "missing"));
    }
    ++*count;
    if (depth < 8) TRY(CheckNestedStacks(sim, child, depth + 1, count));
  }
  return {};
}

Result<DeployGen2Result> DeployStack(SimClient& sim, const Assembly& assembly,
                                     const DeployGen2Options& options, std::ostream& progress) {
  DeployGen2Result result;
  result.stack_name = assembly.stack_name;
  std::optional<Value> existing = DescribeStack(sim, assembly.stack_name);
  std::string type = "CREATE";
  if (existing) {
    const std::string status = Str(*existing, "StackStatus");
    if (EndsWith(status, "_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS") {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("stack {} is {}: wait until it settles, then deploy again",
                                   assembly.stack_name, status));
    }
    if (status == "ROLLBACK_COMPLETE" || status == "ROLLBACK_FAILED") {
      // A stack whose creation failed can only be deleted (as cdk deploy does).
      progress << "deleting " << assembly.stack_name << " (" << status << ") before creating it\n";
      Value del;
      del.Set("StackName", Value(Str(*existing, "StackId")));
      TRY(sim.Must("cloudformation", "DeleteStack", del));
      auto gone = WaitForStack(sim, Str(*existing, "StackId"), options.stack_timeout);
      if (gone && Str(*gone, "StackStatus") != "DELETE_COMPLETE") {
        return MakeError(ErrorCode::kStepFailed,
                         fmt::format("stack {} could not be deleted ({})", assembly.stack_name,
                                     Str(*gone, "StackStatus")));
      }
    } else if (status != "REVIEW_IN_PROGRESS") {
      type = "UPDATE";
    }
  }
  const std::string change_set =
      fmt::format("flightplan-deploy-gen2-{}", SystemClock().Now().unix_ms);
  Value create;
  create.Set("StackName", Value(assembly.stack_name));
  create.Set("ChangeSetName", Value(change_set));
  create.Set("ChangeSetType", Value(type));
  create.Set("TemplateURL", Value(assembly.template_url));
  create.Set("Capabilities", Value(ValueList{Value("CAPABILITY_IAM"), Value("CAPABILITY_NAMED_IAM"),
                                             Value("CAPABILITY_AUTO_EXPAND")}));
  ValueList tags;
  for (const auto& [k, v] : assembly.tags) {
    Value tag;
    tag.Set("Key", Value(k));
    tag.Set("Value", Value(v));
    tags.push_back(std::move(tag));
  }
  if (!tags.empty()) create.Set("Tags", Value(std::move(tags)));
  ASSIGN_OR_RETURN(Value created, sim.Must("cloudformation", "CreateChangeSet", create));
  result.stack_id = Str(created, "StackId");
  Value describe;
  describe.Set("StackName", Value(assembly.stack_name));
  describe.Set("ChangeSetName", Value(change_set));
  Value described;
  auto deadline = std::chrono::steady_clock::now() + options.stack_timeout;
  for (;;) {
    ASSIGN_OR_RETURN(described, sim.Must("cloudformation", "DescribeChangeSet", describe));
    const std::string status = Str(described, "Status");
    if (status == "CREATE_COMPLETE" || status == "FAILED") break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return MakeError(ErrorCode::kTimeout,
                       fmt::format("change set {} still {}", change_set, status));
    }
    std::this_thread::sleep_for(kPoll);
  }
  if (Str(described, "Status") == "FAILED") {
    const std::string reason = Str(described, "StatusReason");
    if (reason.find("didn't contain changes") == std::string::npos &&
        reason.find("No updates are to be performed") == std::string::npos) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("change set for {} failed: {}", assembly.stack_name, reason));
    }
    progress << "no changes: deleting the empty change set\n";
    TRY(sim.Must("cloudformation", "DeleteChangeSet", describe));
  } else {
    result.changed = true;
    progress << fmt::format("executing {} change set ({} changes) on {}\n", type,
                            ListOf(described, "Changes").size(), assembly.stack_name)
             << std::flush;
    TRY(sim.Must("cloudformation", "ExecuteChangeSet", describe));
  }
  ASSIGN_OR_RETURN(Value stack, WaitForStack(sim, assembly.stack_name, options.stack_timeout));
  result.stack_id = Str(stack, "StackId");
  const std::string status = Str(stack, "StackStatus");
  if (!Succeeded(status)) {
    std::string cause = RootCause(sim, result.stack_id);
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("stack {} ended {}{}{}", assembly.stack_name, status,
                                 cause.empty() ? "" : ": ", cause));
  }
  size_t nested = 0;
  TRY(CheckNestedStacks(sim, result.stack_id, 0, &nested));
  progress << fmt::format("{} {} with {} nested stacks\n", assembly.stack_name, status, nested);
  return result;
}

// ---- Amplify ----------------------------------------------------------------

// The branch exists before its first build, as in Amplify Hosting (a branch
// is connected, then built). Returns the branch's createTime in epoch ms:
// the clock synthesis runs at (PinClock).
Result<int64_t> EnsureBranch(SimClient& sim, const DeployGen2Options& options,
                             std::ostream& progress) {
  Value app;
  app.Set("appId", Value(options.app_id));
  CallResult got_app = sim.Call("amplify", "GetApp", app);
  if (!got_app.ok) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("Amplify app {} does not exist in the simulator ({}): seed the "
                                 "Gen1 app first, or pass the app id the simulator holds",
                                 options.app_id, got_app.code));
  }
  Value branch = app;
  branch.Set("branchName", Value(options.branch));
  CallResult got = sim.Call("amplify", "GetBranch", branch);
  if (!got.ok && got.status != 404) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("amplify GetBranch failed: {} {}", got.code, got.message));
  }
  Value record;
  if (got.ok) {
    if (const Value* b = got.output.Find("branch")) record = *b;
  } else {
    ASSIGN_OR_RETURN(Value created, sim.Must("amplify", "CreateBranch", branch));
    if (const Value* b = created.Find("branch")) record = *b;
    progress << "created Amplify branch " << options.app_id << "/" << options.branch << "\n";
  }
  const Value* created_at = record.Find("createTime");
  double seconds = 0;
  if (created_at && created_at->is_number()) {
    seconds = created_at->as_double();
  } else if (created_at && created_at->is_string()) {
    try {
      seconds = std::stod(created_at->as_string());
    } catch (const std::exception&) {
    }
  }
  if (seconds <= 0) return SystemClock().Now().unix_ms;
  return static_cast<int64_t>(seconds * 1000);
}

// Sets the branch's backend to the root stack and records a job.
Result<void> RegisterBackend(SimClient& sim, const DeployGen2Options& options,
                             DeployGen2Result& result, std::ostream& progress) {
  Value branch;
  branch.Set("appId", Value(options.app_id));
  branch.Set("branchName", Value(options.branch));
  ASSIGN_OR_RETURN(Value got, sim.Must("amplify", "GetBranch", branch));
  const Value* b = got.Find("branch");
  const Value* current = b ? b->Find("backend") : nullptr;
  if (!current || Str(*current, "stackArn") != result.stack_id) {
    Value backend;
    backend.Set("stackArn", Value(result.stack_id));
    Value update = branch;
    update.Set("backend", backend);
    TRY(sim.Must("amplify", "UpdateBranch", update));
  }
  result.commit_id = options.commit.empty()
                         ? Sha1Hex(fmt::format("{}/{}/{}/{}", options.app_id, options.branch,
                                               result.stack_id, SystemClock().Now().unix_ms))
                         : options.commit;
  Value job = branch;
  job.Set("jobType", Value("RELEASE"));
  job.Set("commitId", Value(result.commit_id));
  job.Set("commitMessage", Value("flightplan-cloudsim deploy-gen2"));
  ASSIGN_OR_RETURN(Value started, sim.Must("amplify", "StartJob", job));
  const Value* summary = started.Find("jobSummary");
  result.job_id = summary ? Str(*summary, "jobId") : std::string();
  progress << fmt::format("Amplify job {} (commit {}) on {}/{}\n", result.job_id, result.commit_id,
                          options.app_id, options.branch);
  return {};
}

// A temporary directory removed when this goes out of scope.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "flightplan-deploy-gen2-XXXXXX").string();
    if (mkdtemp(pattern.data())) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

Result<DeployGen2Result> DeployGen2(const DeployGen2Options& options, std::ostream& progress) {
  if (options.app_id.empty() || options.branch.empty() || options.project.empty()) {
    return MakeError(ErrorCode::kInvalidInput, "--project, --app-id and --branch are required");
  }
  const fs::path project = fs::absolute(options.project);
  if (!fs::exists(project / "amplify/backend.ts")) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} is not a Gen2 project: no amplify/backend.ts (generate one "
                                 "with `flightplan generate --gen1 APP --out DIR`)",
                                 project.string()));
  }
  SimClient sim(options);
  TRY(sim.Connect());
  ScratchDir scratch;
  if (scratch.path().empty()) {
    return MakeError(ErrorCode::kStateFile, "cannot create a temporary directory for cdk.out");
  }
  const fs::path out_dir = scratch.path() / "cdk.out";
  ASSIGN_OR_RETURN(int64_t clock_ms, EnsureBranch(sim, options, progress));
  TRY(Synthesize(options, project, out_dir, clock_ms, progress));
  ASSIGN_OR_RETURN(Assembly assembly, ReadAssembly(out_dir, sim.account(), sim.region()));
  TRY(PublishAssets(sim, assembly, progress));
  ASSIGN_OR_RETURN(DeployGen2Result result, DeployStack(sim, assembly, options, progress));
  TRY(RegisterBackend(sim, options, result, progress));
  return result;
}

}  // namespace flightplan::cloudsim
