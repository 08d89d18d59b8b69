#include "steps/amplify/generate_step.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "base/file_io.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"
#include "steps/sys/tree_snapshot.h"

namespace flightplan::amplify {
namespace fs = std::filesystem;
namespace {

constexpr const char* kGitignoreComment = "# Amplify Gen2 (added by flightplan generate)";
const char* const kGen2Ignores[] = {".amplify", "amplify_outputs*", "node_modules"};

std::string TopOf(const std::string& entry) { return entry.substr(0, entry.find('/')); }

std::string Input(const Value& inputs, const char* name, const std::string& fallback = "") {
  const Value* v = inputs.Find(name);
  return v == nullptr || v->is_null() || v->ToText().empty() ? fallback : v->ToText();
}

std::string PreparedText(const Value& prepared, const char* name) {
  const Value* v = prepared.Find(name);
  return v != nullptr && v->is_string() ? v->as_string() : std::string();
}

// Ids become folder names: keep them to a safe alphabet.
std::string SafeName(const std::string& id) {
  std::string out;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

// What Execute writes, worked out from a folder holding the Gen1 project
// (the project itself before the snapshot, the snapshot's copy after).
struct Plan {
  GeneratedFiles files;  // project-relative path -> bytes
  tree::TreeManifest expected;
  std::string app_id;
  std::string env;
};

Result<Plan> MakePlan(const fs::path& gen1_root, const Value& inputs) {
  std::string phase = Input(inputs, "phase", "pre-refactor");
  GenerateOptions options;
  options.phase =
      phase == "post-refactor" ? RefactorPhase::kPostRefactor : RefactorPhase::kPreRefactor;
  options.branch_name = Input(inputs, "branch");
  ASSIGN_OR_RETURN(Gen1Project project, LoadGen1Project(gen1_root));
  ASSIGN_OR_RETURN(GeneratedFiles generated, GenerateGen2(project, options));
  Plan plan;
  if (const Value* id = project.provider.Find("AmplifyAppId"); id && id->is_string()) {
    plan.app_id = id->as_string();
  }
  plan.env = project.env_name;
  ASSIGN_OR_RETURN(std::optional<std::string> package_json,
                   ReadFileIfExists(gen1_root / "package.json"));
  ASSIGN_OR_RETURN(std::optional<std::string> gitignore,
                   ReadFileIfExists(gen1_root / ".gitignore"));
  for (auto& [path, bytes] : generated) {
    if (path == "package.json") {
      Result<std::string> merged = MergePackageJson(package_json, bytes);
      if (!merged) {
        return MakeError(std::move(merged.error())
                             .WithContext("merging the Gen2 toolchain into " +
                                          (gen1_root / "package.json").string()));
      }
      plan.files[path] = *merged;
    } else if (TopOf(path) == "amplify") {
      plan.files[path] = std::move(bytes);
    } else {
      return MakeError(ErrorCode::kInternal,
                       fmt::format("the generator wrote '{}', outside the paths the step "
                                   "backs up",
                                   path));
    }
  }
  plan.files[".gitignore"] = MergeGitignore(gitignore);
  plan.expected = tree::ManifestOfFiles(GenerateReplacedPaths(), plan.files);
  return plan;
}

// The project-root entries whose content differs between two trees.
std::set<std::string> DifferingPaths(const tree::TreeManifest& a, const tree::TreeManifest& b,
                                     tree::CompareModes modes) {
  std::set<std::string> out;
  for (const std::string& d : tree::Differences(a, b, modes)) out.insert(TopOf(d));
  return out;
}

std::string JoinSome(const std::vector<std::string>& items, size_t most = 8) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < most; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > most) out += fmt::format(" and {} more", items.size() - most);
  return out;
}

// Where a snapshot goes: a fresh folder, or the one a failed earlier
// attempt of this run's step took when it still matches the project.
struct SnapshotPlace {
  fs::path dir;
  bool reuse = false;
};

Result<SnapshotPlace> ChooseSnapshotDir(const fs::path& base, const tree::TreeManifest& now) {
  for (int n = 1; n < 1000; ++n) {
    fs::path dir = n == 1 ? base : fs::path(base.string() + fmt::format(".{}", n));
    if (!tree::IsCompleteSnapshot(dir)) return SnapshotPlace{dir, false};
    Result<tree::TreeManifest> earlier = tree::OpenSnapshot(dir);
    if (earlier && tree::Differences(now, *earlier, tree::CompareModes::kYes).empty()) {
      return SnapshotPlace{dir, true};
    }
  }
  return MakeError(
      ErrorCode::kConflict,
      fmt::format("{} holds 999 snapshots of this step already; remove old ones", base.string()));
}

Result<fs::path> BackupRoot(const Value& inputs) {
  std::string dir = Input(inputs, "backup_dir");
  if (!dir.empty()) {
    std::error_code ec;
    fs::path absolute = fs::absolute(dir, ec);
    if (ec) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("cannot resolve backup_dir '{}': {}", dir, ec.message()));
    }
    return absolute;
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    return MakeError(ErrorCode::kInvalidInput,
                     "HOME is not set, so there is no default backup folder "
                     "(~/.flightplan/backups): give the step a backup_dir");
  }
  return fs::path(home) / ".flightplan" / "backups";
}

class GenerateStep final : public StepType {
 public:
  std::string_view name() const override { return "amplify.generate"; }

  const StepSchema& schema() const override {
    static const StepSchema kSchema{
        .summary =
            "Replaces a Gen1 project's amplify/ with its generated Gen2 backend (merging the "
            "toolchain into package.json and Gen2's ignores into .gitignore), after a snapshot "
            "of all three; rollback restores the snapshot exactly.",
        .inputs =
            {{"project",
              FieldType::kString,
              false,
              "the Gen1 project root, the folder holding amplify/ (default: the current folder; "
              "made absolute when the step starts)",
              {}},
             {"phase",
              FieldType::kString,
              false,
              "pre-refactor (default) or post-refactor: which refactor state "
              "amplify/migration.json "
              "starts in",
              {}},
             {"branch",
              FieldType::kString,
              false,
              "the Gen2 branch that adopts the Gen1 model tables (default: the Gen1 env)",
              {}},
             {"app_id",
              FieldType::kString,
              false,
              "when given, the project must belong to this Amplify app",
              {}},
             {"env",
              FieldType::kString,
              false,
              "when given, the project's current Gen1 env must be this one",
              {}},
             {"backup_dir",
              FieldType::kString,
              false,
              "where snapshots go (default ~/.flightplan/backups); the step's own is "
              "<backup_dir>/<run>/<step>",
              {}},
             {"force",
              FieldType::kBoolean,
              false,
              "go ahead although git shows uncommitted changes to amplify/, package.json or "
              ".gitignore (the snapshot keeps them either way)",
              {}}},
        .outputs =
            {{"project", FieldType::kString, false, "the project root, absolute", {}},
             {"backup", FieldType::kString, false, "the snapshot of the Gen1 files", {}},
             {"phase", FieldType::kString, false, "the refactor phase written", {}},
             {"files", FieldType::kInteger, false, "how many files the step wrote", {}},
             {"gen1_files", FieldType::kInteger, false, "how many files the snapshot holds", {}},
             {"digest",
              FieldType::kString,
              false,
              "SHA-256 over what the step wrote (same project, same digest)",
              {}},
             {"git",
              FieldType::kString,
              false,
              "what git said of the paths before: clean, dirty (forced), not a git work tree, or "
              "git not found",
              {}}},
        .has_auto_rollback = true,
        .has_check = true};
    return kSchema;
  }

  Result<void> ValidateStatic(const Value& inputs) const override {
    if (const Value* phase = inputs.Find("phase"); phase && phase->is_string()) {
      const std::string& p = phase->as_string();
      if (p.find("${") == std::string::npos && p != "pre-refactor" && p != "post-refactor") {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("phase '{}' must be pre-refactor or post-refactor", p));
      }
    }
    return {};
  }

  std::string Describe(const Value& inputs) const override {
    return fmt::format(
        "replace {}/amplify with the generated Gen2 backend ({}), after a "
        "snapshot of the Gen1 files",
        Input(inputs, "project", "."), Input(inputs, "phase", "pre-refactor"));
  }

  Result<Value> Prepare(const Value& inputs, StepContext& ctx) const override {
    std::error_code ec;
    const fs::path given = Input(inputs, "project", ".");
    fs::path project = fs::weakly_canonical(fs::absolute(given, ec), ec);
    if (ec || project.empty()) {
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("cannot resolve the project folder '{}': {}", given.string(), ec.message()));
    }
    if (!fs::exists(project / "amplify" / "backend" / "backend-config.json", ec) &&
        fs::exists(project / "amplify" / "backend.ts", ec)) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("{} already holds a Gen2 backend (amplify/backend.ts) and no "
                                   "Gen1 one: generate has nothing to convert. Roll back the run "
                                   "that generated it to get the Gen1 project back",
                                   (project / "amplify").string()));
    }
    ASSIGN_OR_RETURN(Plan plan, MakePlan(project, inputs));
    std::string app_id = Input(inputs, "app_id");
    std::string env = Input(inputs, "env");
    if ((!app_id.empty() && app_id != plan.app_id) || (!env.empty() && env != plan.env)) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("{} is the Gen1 project of app '{}' env '{}', but this run "
                                   "migrates app '{}' env '{}': run it from the right project "
                                   "(or `amplify env checkout {}`)",
                                   project.string(), plan.app_id, plan.env,
                                   app_id.empty() ? plan.app_id : app_id,
                                   env.empty() ? plan.env : env, env.empty() ? plan.env : env));
    }
    const Value* force = inputs.Find("force");
    ASSIGN_OR_RETURN(std::string git, GitState(project, force && force->Truthy(), ctx));

    ASSIGN_OR_RETURN(fs::path backup_root, BackupRoot(inputs));
    ASSIGN_OR_RETURN(tree::TreeManifest now, tree::ScanTree(project, GenerateReplacedPaths()));
    fs::path base = backup_root / SafeName(std::to_string(ctx.run_id)) / SafeName(ctx.step_id);
    ASSIGN_OR_RETURN(SnapshotPlace place, ChooseSnapshotDir(base, now));
    tree::TreeManifest snapshot = now;
    if (!place.reuse) {
      Result<tree::TreeManifest> taken =
          tree::TakeSnapshot(project, GenerateReplacedPaths(), place.dir);
      if (!taken) {
        return MakeError(std::move(taken.error())
                             .WithContext("backing up the Gen1 files to " + place.dir.string()));
      }
      snapshot = std::move(*taken);
    }
    Value prepared;
    prepared.Set("project", project.string());
    prepared.Set("backup", place.dir.string());
    prepared.Set("manifest_digest", snapshot.Digest());
    prepared.Set("gen1_files", static_cast<int64_t>(snapshot.FileCount()));
    prepared.Set("gen1_bytes", static_cast<int64_t>(snapshot.ByteCount()));
    prepared.Set("git", git);
    return prepared;
  }

  Result<Value> Execute(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Recalled r, Recall(inputs, ctx));
    TRY(tree::RecoverInterruptedSwap(r.project, GenerateReplacedPaths()));
    Result<void> replaced =
        tree::ReplaceWithFiles(r.project, GenerateReplacedPaths(), r.plan.files);
    if (!replaced) {
      Result<void> restored = tree::RestoreSnapshot(r.backup, r.snapshot, r.project);
      std::string after = restored ? "the Gen1 files were put back from the snapshot"
                                   : fmt::format(
                                         "putting the Gen1 files back failed too ({}); they "
                                         "are in the snapshot at {}",
                                         restored.error().ToString(), r.backup.string());
      return MakeError(
          std::move(replaced.error()).WithContext("writing the Gen2 backend (" + after + ")"));
    }
    if (ctx.progress) {
      ctx.progress->Progress(fmt::format("wrote {} files to {}; the Gen1 files are in {}",
                                         r.plan.files.size(), r.project.string(),
                                         r.backup.string()));
    }
    return Outputs(inputs, ctx, r);
  }

  Result<CheckResult> Check(const Value& inputs, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Recalled r, Recall(inputs, ctx));
    TRY(tree::RecoverInterruptedSwap(r.project, GenerateReplacedPaths()));
    ASSIGN_OR_RETURN(tree::TreeManifest now, tree::ScanTree(r.project, GenerateReplacedPaths()));
    std::set<std::string> not_new = DifferingPaths(now, r.plan.expected, tree::CompareModes::kNo);
    std::set<std::string> not_old = DifferingPaths(now, r.snapshot, tree::CompareModes::kYes);
    if (not_new.empty()) {
      return CheckResult{CheckOutcome::kDone, Outputs(inputs, ctx, r),
                         "the project holds the generated Gen2 backend"};
    }
    std::vector<std::string> neither;
    for (const std::string& p : not_new) {
      if (not_old.count(p)) neither.push_back(p);
    }
    if (neither.empty()) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         "each path holds its Gen1 version or the generated one; generating "
                         "again from the snapshot finishes the job"};
    }
    return CheckResult{CheckOutcome::kUnknown, Value(),
                       fmt::format("{} in {} hold neither the Gen1 files nor the generated "
                                   "ones (changed by someone else?); the Gen1 files are in {}",
                                   JoinSome(neither), r.project.string(), r.backup.string())};
  }

  Result<void> Rollback(const Value& inputs, const Value&, StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Recalled r, Recall(inputs, ctx, /*need_plan=*/false));
    TRY(tree::RecoverInterruptedSwap(r.project, GenerateReplacedPaths()));
    ASSIGN_OR_RETURN(tree::TreeManifest now, tree::ScanTree(r.project, GenerateReplacedPaths()));
    if (tree::Differences(now, r.snapshot, tree::CompareModes::kYes).empty()) return {};
    // Keep what is there now: the Gen2 code may have been edited since.
    ASSIGN_OR_RETURN(SnapshotPlace keep,
                     ChooseSnapshotDir(fs::path(r.backup.string() + ".replaced"), now));
    if (!keep.reuse) {
      Result<tree::TreeManifest> kept =
          tree::TakeSnapshot(r.project, GenerateReplacedPaths(), keep.dir);
      if (!kept) {
        return MakeError(std::move(kept.error())
                             .WithContext("saving the Gen2 files before restoring the Gen1 ones "
                                          "(nothing was restored)"));
      }
    }
    TRY(tree::RestoreSnapshot(r.backup, r.snapshot, r.project));
    if (ctx.progress) {
      ctx.progress->Progress(
          fmt::format("restored the Gen1 files in {}; the Gen2 files as they "
                      "were are kept in {}",
                      r.project.string(), keep.dir.string()));
    }
    return {};
  }

  Result<CheckResult> CheckRollback(const Value& inputs, const Value&,
                                    StepContext& ctx) const override {
    ASSIGN_OR_RETURN(Recalled r, Recall(inputs, ctx));
    TRY(tree::RecoverInterruptedSwap(r.project, GenerateReplacedPaths()));
    ASSIGN_OR_RETURN(tree::TreeManifest now, tree::ScanTree(r.project, GenerateReplacedPaths()));
    std::set<std::string> not_old = DifferingPaths(now, r.snapshot, tree::CompareModes::kYes);
    if (not_old.empty()) {
      return CheckResult{CheckOutcome::kDone, Value(), "the Gen1 files are back as they were"};
    }
    std::set<std::string> not_new = DifferingPaths(now, r.plan.expected, tree::CompareModes::kNo);
    std::vector<std::string> neither;
    for (const std::string& p : not_old) {
      if (not_new.count(p)) neither.push_back(p);
    }
    if (neither.empty()) {
      return CheckResult{CheckOutcome::kNotDone, Value(),
                         "some paths still hold the generated files; restoring again finishes"};
    }
    return CheckResult{CheckOutcome::kUnknown, Value(),
                       fmt::format("{} in {} hold neither the Gen1 files nor the generated "
                                   "ones; the Gen1 files are in {}",
                                   JoinSome(neither), r.project.string(), r.backup.string())};
  }

 private:
  struct Recalled {
    fs::path project;
    fs::path backup;
    tree::TreeManifest snapshot;
    Plan plan;
  };

  // What Prepare recorded, with the snapshot verified and (when asked) the
  // plan worked out again from it.
  static Result<Recalled> Recall(const Value& inputs, const StepContext& ctx,
                                 bool need_plan = true) {
    Recalled r;
    r.project = PreparedText(ctx.prepared, "project");
    r.backup = PreparedText(ctx.prepared, "backup");
    std::string digest = PreparedText(ctx.prepared, "manifest_digest");
    if (r.project.empty() || r.backup.empty() || digest.empty()) {
      return MakeError(ErrorCode::kCorruption,
                       "the journal has no record of this step's snapshot of the Gen1 files");
    }
    ASSIGN_OR_RETURN(r.snapshot, tree::OpenSnapshot(r.backup));
    if (r.snapshot.Digest() != digest) {
      return MakeError(ErrorCode::kCorruption,
                       fmt::format("the snapshot at {} is not the one this step took (its "
                                   "digest differs from the journal's); it cannot be trusted",
                                   r.backup.string()));
    }
    if (need_plan) {
      Result<Plan> plan = MakePlan(r.backup / "tree", inputs);
      if (!plan) {
        return MakeError(std::move(plan.error()).WithContext("generating from the snapshot"));
      }
      r.plan = std::move(*plan);
    }
    return r;
  }

  static Value Outputs(const Value& inputs, const StepContext& ctx, const Recalled& r) {
    Value out;
    out.Set("project", r.project.string());
    out.Set("backup", r.backup.string());
    out.Set("phase", Input(inputs, "phase", "pre-refactor"));
    out.Set("files", static_cast<int64_t>(r.plan.files.size()));
    out.Set("gen1_files", static_cast<int64_t>(r.snapshot.FileCount()));
    out.Set("digest", r.plan.expected.Digest());
    out.Set("git", PreparedText(ctx.prepared, "git"));
    return out;
  }

  // Refuses uncommitted changes to the replaced paths unless forced.
  static Result<std::string> GitState(const fs::path& project, bool force, StepContext& ctx) {
    if (ctx.processes == nullptr) return std::string("git not asked");
    ProcessSpec spec;
    spec.argv = {"git", "-C", project.string(), "status", "--porcelain=v1", "--untracked-files=all",
                 "--"};
    for (const std::string& p : GenerateReplacedPaths()) spec.argv.push_back(p);
    spec.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    Result<ProcessResult> ran = ctx.processes->Run(spec);
    if (!ran) {
      if (ran.error().code() == ErrorCode::kNotFound) return std::string("git not found");
      return MakeError(std::move(ran.error()).WithContext("asking git whether the tree is clean"));
    }
    if (ran->exit_code == 128 &&
        ran->stderr_text.find("not a git repository") != std::string::npos) {
      return std::string("not a git work tree");
    }
    if (ran->signaled || ran->timed_out || ran->exit_code != 0) {
      return MakeError(ErrorCode::kStepFailed,
                       fmt::format("`git status` in {} failed (exit {}): {}", project.string(),
                                   ran->exit_code, ran->stderr_text));
    }
    std::vector<std::string> changed;
    std::istringstream lines(ran->stdout_text);
    for (std::string line; std::getline(lines, line);) {
      if (line.size() > 3) changed.push_back(line.substr(3));
    }
    if (changed.empty()) return std::string("clean");
    if (force) return std::string("dirty (forced)");
    return MakeError(ErrorCode::kConflict,
                     fmt::format("{} has uncommitted changes that generate would replace: {}. "
                                 "Commit or stash them first (set force: true to go ahead; the "
                                 "snapshot keeps them either way)",
                                 project.string(), JoinSome(changed)));
  }
};

void SortMembers(rapidjson::Value& object) {
  std::sort(object.MemberBegin(), object.MemberEnd(), [](const auto& a, const auto& b) {
    return std::string_view(a.name.GetString(), a.name.GetStringLength()) <
           std::string_view(b.name.GetString(), b.name.GetStringLength());
  });
}

}  // namespace

const std::vector<std::string>& GenerateReplacedPaths() {
  static const std::vector<std::string> kPaths = {".gitignore", "amplify", "package.json"};
  return kPaths;
}

Result<std::string> MergePackageJson(const std::optional<std::string>& existing,
                                     const std::string& generated) {
  if (!existing) return generated;
  rapidjson::Document app;
  // Iterative: the user's file may nest deeper than the stack would allow.
  app.Parse<rapidjson::kParseIterativeFlag>(existing->data(), existing->size());
  if (app.HasParseError()) {
    return MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("package.json is not valid JSON (at byte {}: {}); fix it first",
                    app.GetErrorOffset(), rapidjson::GetParseError_En(app.GetParseError())));
  }
  // The writer below recurses per level; Value::FromJson bounds the depth.
  if (Result<Value> bounded = Value::FromJson(*existing); !bounded) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("package.json: {}; fix it first", bounded.error().message()));
  }
  if (!app.IsObject()) {
    return MakeError(ErrorCode::kInvalidInput, "package.json does not hold a JSON object");
  }
  rapidjson::Document gen;
  gen.Parse(generated.data(), generated.size());
  if (gen.HasParseError() || !gen.IsObject()) {
    return MakeError(ErrorCode::kInternal, "the generated package.json is not a JSON object");
  }
  auto& alloc = app.GetAllocator();
  // Members by index: rapidjson's iterator comparisons are ambiguous in C++20.
  for (const char* section : {"dependencies", "devDependencies"}) {
    if (!gen.HasMember(section) || !gen[section].IsObject()) continue;
    const rapidjson::Value& from = gen[section];
    if (!app.HasMember(section)) {
      app.AddMember(rapidjson::Value(section, alloc), rapidjson::Value(rapidjson::kObjectType),
                    alloc);
    }
    rapidjson::Value& to = app[section];
    if (!to.IsObject()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("package.json: \"{}\" is not an object", section));
    }
    for (rapidjson::SizeType i = 0; i < from.MemberCount(); ++i) {
      const auto& dep = *(from.MemberBegin() + i);
      if (to.HasMember(dep.name)) {
        to[dep.name].CopyFrom(dep.value, alloc);
      } else {
        to.AddMember(rapidjson::Value(dep.name, alloc), rapidjson::Value(dep.value, alloc), alloc);
      }
    }
    SortMembers(to);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  app.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string MergeGitignore(const std::optional<std::string>& existing) {
  std::set<std::string> present;
  if (existing) {
    std::istringstream lines(*existing);
    for (std::string line; std::getline(lines, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.starts_with("/")) line.erase(0, 1);
      if (line.ends_with("/")) line.pop_back();
      present.insert(line);
    }
  }
  std::string missing;
  for (const char* entry : kGen2Ignores) {
    if (!present.count(entry)) missing += std::string(entry) + "\n";
  }
  std::string out = existing.value_or("");
  if (missing.empty()) return out;
  if (!out.empty() && !out.ends_with("\n")) out += "\n";
  if (!out.empty()) out += "\n";
  return out + kGitignoreComment + "\n" + missing;
}

void RegisterAmplifySteps(StepRegistry& registry) {
  registry.Register(std::make_unique<GenerateStep>());
}

}  // namespace flightplan::amplify
