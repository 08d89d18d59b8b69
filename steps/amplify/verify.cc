#include "steps/amplify/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <system_error>

#include "steps/amplify/cfn_resolve.h"

namespace flightplan::amplify {
namespace fs = std::filesystem;
namespace {

std::string Tail(const std::string& text, size_t max_bytes = 4000) {
  return text.size() <= max_bytes ? text : "…" + text.substr(text.size() - max_bytes);
}

Result<ProcessResult> RunStep(ProcessRunner& runner, const std::string& what, ProcessSpec spec,
                              std::chrono::seconds timeout) {
  spec.deadline = std::chrono::steady_clock::now() + timeout;
  ASSIGN_OR_RETURN(ProcessResult result, runner.Run(spec));
  if (result.timed_out) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("{} timed out after {} s", what, timeout.count()));
  }
  if (result.signaled || result.exit_code != 0) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("{} failed (exit {}):\n{}{}", what, result.exit_code,
                                 Tail(result.stdout_text), Tail(result.stderr_text)));
  }
  return result;
}

// node_modules of a previous run: a link (removed, never followed) or a
// directory of links and the function dependencies.
Result<void> RemoveNodeModules(const fs::path& modules) {
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(modules, ec))) {
    fs::remove(modules, ec);
  } else {
    fs::remove_all(modules, ec);
  }
  if (ec) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("cannot remove {}: {}", modules.string(), ec.message()));
  }
  return {};
}

// Function bundling looks for a lock file in the project root.
Result<void> CopyLockFile(const fs::path& toolchain, const fs::path& project) {
  std::error_code ec;
  fs::copy_file(toolchain / "package-lock.json", project / "package-lock.json",
                fs::copy_options::overwrite_existing, ec);
  if (ec) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("cannot copy {}: {}", (toolchain / "package-lock.json").string(),
                                 ec.message()));
  }
  return {};
}

Result<void> LinkToolchain(const fs::path& toolchain, const fs::path& project) {
  const fs::path modules = project / "node_modules";
  TRY(RemoveNodeModules(modules));
  std::error_code ec;
  fs::create_directory_symlink(fs::absolute(toolchain / "node_modules"), modules, ec);
  if (ec) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("cannot link {}: {}", modules.string(), ec.message()));
  }
  return CopyLockFile(toolchain, project);
}

// Links every package of `from` (a node_modules folder) into `to`, one
// level into scopes ("@aws-sdk/client-s3"). An existing link is replaced
// when `replace` says so for its name, else kept. Hidden entries are left
// out but for ".bin" when `with_bin` (the toolchain's tsx and tsc).
Result<void> LinkPackages(const fs::path& from, const fs::path& to, bool with_bin,
                          const std::function<bool(const std::string&)>& replace) {
  auto link_one = [&](const fs::path& target, const std::string& name) -> Result<void> {
    const fs::path link = to / name;
    std::error_code ec;
    fs::create_directories(link.parent_path(), ec);
    if (fs::is_symlink(fs::symlink_status(link))) {
      if (!replace(name)) return {};
      fs::remove(link, ec);
    }
    fs::create_directory_symlink(fs::absolute(target), link, ec);
    if (ec) {
      return MakeError(ErrorCode::kPermissionDenied,
                       fmt::format("cannot link {}: {}", link.string(), ec.message()));
    }
    return {};
  };
  auto entries = [](const fs::path& dir) -> Result<std::vector<fs::path>> {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      out.push_back(it->path());
    }
    if (ec) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("cannot list {}: {}", dir.string(), ec.message()));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  ASSIGN_OR_RETURN(std::vector<fs::path> top, entries(from));
  for (const fs::path& entry : top) {
    const std::string name = entry.filename().string();
    if (name.starts_with(".") && !(with_bin && name == ".bin")) continue;
    if (name.starts_with("@") && fs::is_directory(entry)) {
      ASSIGN_OR_RETURN(std::vector<fs::path> scoped, entries(entry));
      for (const fs::path& package : scoped) {
        TRY(link_one(package, name + "/" + package.filename().string()));
      }
      continue;
    }
    TRY(link_one(entry, name));
  }
  return {};
}

std::string NameList(const std::map<std::string, std::string>& deps) {
  std::string out;
  for (const auto& [name, range] : deps) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// npm must be there before anything is linked or installed.
Result<void> CheckNpmForFunctionDependencies(ProcessRunner& runner, const fs::path& dir,
                                             const std::map<std::string, std::string>& deps) {
  ProcessSpec version{{"npm", "--version"}, dir.string(), {}, {}};
  Result<ProcessResult> ran = RunStep(runner, "npm --version", version, std::chrono::seconds(60));
  if (!ran && ran.error().code() == ErrorCode::kNotFound) {
    return MakeError(
        ErrorCode::kNotFound,
        fmt::format("npm is not on PATH: the generated project's functions depend on {}, which "
                    "--verify --toolchain installs beside the linked toolchain with npm. Install "
                    "Node.js 20 or later with npm (and reach the npm registry, or have these "
                    "packages in the npm cache)",
                    NameList(deps)));
  }
  if (!ran) return MakeError(std::move(ran.error()));
  return {};
}

// The toolchain and the functions' own dependencies in one node_modules of
// links, without writing into the shared toolchain: the dependencies are
// installed in node_modules/.function-deps/ (npm, --prefer-offline), then
// every toolchain package and every installed one is linked into the
// project's node_modules. A name both hold is the function's, except the
// pinned toolchain packages (backend.ts and @aws-amplify/backend must load
// one aws-cdk-lib and one constructs). Node.js and esbuild resolve a
// package's own imports from its real path, so each side keeps its tree.
Result<void> OverlayToolchain(ProcessRunner& runner, const fs::path& toolchain,
                              const fs::path& project,
                              const std::map<std::string, std::string>& deps,
                              std::chrono::seconds timeout) {
  const fs::path modules = project / "node_modules";
  TRY(RemoveNodeModules(modules));
  const fs::path deps_dir = modules / ".function-deps";
  std::error_code ec;
  fs::create_directories(deps_dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("cannot create {}: {}", deps_dir.string(), ec.message()));
  }
  ValueMap dependencies;
  for (const auto& [name, range] : deps) dependencies.emplace(name, Value(range));
  Value manifest;
  manifest.Set("name", Value("flightplan-function-deps"));
  manifest.Set("private", Value(true));
  manifest.Set("dependencies", Value(std::move(dependencies)));
  {
    std::ofstream out(deps_dir / "package.json", std::ios::binary | std::ios::trunc);
    out << manifest.ToJson() << "\n";
    if (!out) {
      return MakeError(ErrorCode::kPermissionDenied,
                       fmt::format("cannot write {}", (deps_dir / "package.json").string()));
    }
  }
  ProcessSpec install{
      {"npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock"},
      deps_dir.string(),
      {},
      {}};
  Result<ProcessResult> ran =
      RunStep(runner, "npm install (the functions' dependencies)", install, timeout);
  if (!ran) {
    return MakeError(std::move(ran.error())
                         .WithContext(fmt::format(
                             "installing the functions' dependencies ({}) beside the toolchain in "
                             "{} (npm needs the npm registry or an npm cache that holds them)",
                             NameList(deps), deps_dir.string())));
  }
  const std::map<std::string, std::string>& pinned = PinnedToolchain();
  TRY(LinkPackages(deps_dir / "node_modules", modules, /*with_bin=*/false,
                   [](const std::string&) { return false; }));
  TRY(LinkPackages(toolchain / "node_modules", modules, /*with_bin=*/true,
                   [&pinned](const std::string& name) { return pinned.count(name) > 0; }));
  return CopyLockFile(toolchain, project);
}

Result<std::vector<SynthesizedTemplate>> ReadTemplates(const fs::path& out_dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(out_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().ends_with(".template.json")) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("synthesis wrote no templates to {}", out_dir.string()));
  }
  std::vector<SynthesizedTemplate> out;
  for (const fs::path& f : files) {
    ASSIGN_OR_RETURN(Value body, ReadJsonFile(f));
    // Decide what the template's own parameter defaults decide (billing
    // mode conditions of the model tables), as Gen1's side is decided.
    Value resolved = ResolveTemplate(body, EffectiveParameters(body, {}));
    out.push_back({f.filename().string(), std::move(resolved)});
  }
  return out;
}

// Every later step runs on Node.js (npm, tsx and tsc are node scripts that
// find it through PATH): without it they would fail with a shell's
// "env: 'node': No such file or directory" halfway through.
Result<void> CheckNode(ProcessRunner& runner, const fs::path& dir) {
  ProcessSpec version{{"node", "--version"}, dir.string(), {}, {}};
  Result<ProcessResult> ran = RunStep(runner, "node --version", version, std::chrono::seconds(60));
  if (!ran && ran.error().code() == ErrorCode::kNotFound) {
    return MakeError(ErrorCode::kNotFound,
                     "Node.js ('node') is not on PATH: --verify synthesizes and type-checks the "
                     "generated project with it. Install Node.js 20 or later (with npm), or "
                     "generate without --verify");
  }
  if (!ran) return MakeError(std::move(ran.error()));
  return {};
}

// Without a lock file npm resolves every range against the registry;
// --prefer-offline takes package metadata and tarballs from the npm cache
// when it has them, so a run whose packages are all cached needs no network.
Result<void> NpmInstall(ProcessRunner& runner, const fs::path& dir, std::chrono::seconds timeout) {
  ProcessSpec install{
      {"npm", "install", "--prefer-offline", "--no-audit", "--no-fund"}, dir.string(), {}, {}};
  Result<ProcessResult> ran = RunStep(runner, "npm install", install, timeout);
  if (ran) return {};
  if (ran.error().code() == ErrorCode::kNotFound) {
    return MakeError(
        ErrorCode::kNotFound,
        fmt::format("npm is not on PATH: --verify without --toolchain runs `npm install` in {}. "
                    "Install Node.js 20 or later with npm, or pass --toolchain DIR naming a "
                    "directory whose node_modules hold the pinned Gen2 toolchain",
                    dir.string()));
  }
  return MakeError(std::move(ran.error())
                       .WithContext(fmt::format(
                           "installing the Gen2 toolchain in {} (npm install needs the npm "
                           "registry or a warm npm cache; --toolchain DIR links an installed "
                           "copy instead)",
                           dir.string())));
}

}  // namespace

Result<std::map<std::string, std::string>> ProjectDependencies(const fs::path& project_dir) {
  ASSIGN_OR_RETURN(Value manifest, ReadJsonFile(project_dir / "package.json"));
  std::map<std::string, std::string> out;
  const Value* deps = manifest.Find("dependencies");
  if (!deps || !deps->is_map()) return out;
  for (const auto& [name, range] : deps->as_map()) {
    if (range.is_string()) out.emplace(name, range.as_string());
  }
  return out;
}

Result<VerifyResult> VerifyGen2Project(const Gen1Project& gen1, const fs::path& project_dir,
                                       const VerifyOptions& options, ProcessRunner& runner) {
  const fs::path dir = fs::absolute(project_dir);
  TRY(CheckNode(runner, dir));
  if (!options.toolchain_dir.empty()) {
    ASSIGN_OR_RETURN(const auto deps, ProjectDependencies(dir));
    if (deps.empty()) {
      TRY(LinkToolchain(options.toolchain_dir, dir));
    } else {
      TRY(CheckNpmForFunctionDependencies(runner, dir, deps));
      TRY(OverlayToolchain(runner, options.toolchain_dir, dir, deps, options.step_timeout));
    }
  } else {
    TRY(NpmInstall(runner, dir, options.step_timeout));
  }
  const fs::path out_dir = dir / "cdk.out";
  std::error_code ec;
  fs::remove_all(out_dir, ec);
  const std::string branch = options.branch_name.empty() ? gen1.env_name : options.branch_name;
  Value context;
  context.Set("amplify-backend-namespace", Value(gen1.project_name));
  context.Set("amplify-backend-name", Value(branch));
  context.Set("amplify-backend-type", Value("branch"));
  ProcessSpec synth{{(dir / "node_modules/.bin/tsx").string(), "amplify/backend.ts"},
                    dir.string(),
                    {{"CDK_OUTDIR", out_dir.string()},
                     {"CDK_CONTEXT_JSON", context.ToJson()},
                     {"AMPLIFY_DISABLE_TELEMETRY", "1"}},
                    {}};
  VerifyResult result;
  ASSIGN_OR_RETURN(ProcessResult synthesized, RunStep(runner, "synthesis (tsx amplify/backend.ts)",
                                                      synth, options.step_timeout));
  result.synth_output = Tail(synthesized.stdout_text + synthesized.stderr_text);
  // Type-check after synthesis: synthesis generates the $amplify/env/*
  // modules that function handlers import.
  ProcessSpec tsc{{(dir / "node_modules/.bin/tsc").string(), "--noEmit", "-p", "."},
                  (dir / "amplify").string(),
                  {},
                  {}};
  ASSIGN_OR_RETURN(ProcessResult checked,
                   RunStep(runner, "type-check (tsc --noEmit)", tsc, options.step_timeout));
  result.tsc_output = Tail(checked.stdout_text + checked.stderr_text);
  ASSIGN_OR_RETURN(std::vector<SynthesizedTemplate> templates, ReadTemplates(out_dir));
  result.fidelity = CompareFidelity(gen1, templates, options.phase);
  return result;
}

Result<void> SynthesizeProject(const fs::path& project_dir, const fs::path& out_dir,
                               const std::string& backend_namespace, const std::string& branch,
                               std::chrono::seconds timeout, ProcessRunner& runner) {
  const fs::path dir = fs::absolute(project_dir);
  TRY(CheckNode(runner, dir));
  std::error_code ec;
  if (!fs::exists(dir / "node_modules" / ".bin" / "tsx", ec)) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{} has no node_modules/.bin/tsx: install the project's "
                                 "dependencies first (`npm ci` in {})",
                                 dir.string(), dir.string()));
  }
  fs::remove_all(out_dir, ec);
  Value context;
  context.Set("amplify-backend-namespace", Value(backend_namespace));
  context.Set("amplify-backend-name", Value(branch));
  context.Set("amplify-backend-type", Value("branch"));
  ProcessSpec synth{{(dir / "node_modules/.bin/tsx").string(), "amplify/backend.ts"},
                    dir.string(),
                    {{"CDK_OUTDIR", out_dir.string()},
                     {"CDK_CONTEXT_JSON", context.ToJson()},
                     {"AMPLIFY_DISABLE_TELEMETRY", "1"}},
                    {}};
  ASSIGN_OR_RETURN(ProcessResult synthesized,
                   RunStep(runner, "synthesis (tsx amplify/backend.ts)", synth, timeout));
  (void)synthesized;
  return {};
}

}  // namespace flightplan::amplify
