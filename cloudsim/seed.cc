#include "cloudsim/seed.h"

#include <fmt/format.h>
#include <zip.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include "base/file_io.h"
#include "cloudsim/stores/cfn_store.h"

namespace flightplan::cloudsim {

namespace fs = std::filesystem;

namespace {

struct FixtureStack {
  std::string name;
  Value template_body;
  std::vector<std::pair<std::string, std::string>> parameters;
  std::vector<std::pair<std::string, std::string>> outputs;
  std::string description;
  std::string parent;      // resolved below
  std::string logical_id;  // in the parent
  int depth = 0;
};

Result<Value> ReadJson(const fs::path& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto value = Value::FromJson(text);
  if (!value) {
    return MakeError(ErrorCode::kInvalidInput, fmt::format("{} is not valid JSON: {}",
                                                           path.string(), value.error().message()));
  }
  return value;
}

std::string Str(const Value& map, std::string_view key) {
  const Value* v = map.is_map() ? map.Find(key) : nullptr;
  return v && v->is_string() ? v->as_string() : std::string();
}

// [{"ParameterKey": k, "ParameterValue": v}] (or Output*) -> pairs.
std::vector<std::pair<std::string, std::string>> Pairs(const Value& list, std::string_view key,
                                                       std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!list.is_list()) return out;
  for (const Value& entry : list.as_list()) {
    out.emplace_back(Str(entry, key), Str(entry, value));
  }
  return out;
}

Result<std::vector<FixtureStack>> LoadStacks(const fs::path& dir) {
  std::vector<FixtureStack> stacks;
  constexpr std::string_view kSuffix = ".template.json";
  std::vector<fs::path> templates;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string file = entry.path().filename().string();
    if (file.size() > kSuffix.size() &&
        file.compare(file.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
      templates.push_back(entry.path());
    }
  }
  std::sort(templates.begin(), templates.end());
  for (const fs::path& path : templates) {
    std::string file = path.filename().string();
    FixtureStack stack;
    stack.name = file.substr(0, file.size() - kSuffix.size());
    ASSIGN_OR_RETURN(stack.template_body, ReadJson(path));
    fs::path base = dir / stack.name;
    if (fs::exists(base.string() + ".parameters.json")) {
      ASSIGN_OR_RETURN(Value params, ReadJson(base.string() + ".parameters.json"));
      stack.parameters = Pairs(params, "ParameterKey", "ParameterValue");
    }
    if (fs::exists(base.string() + ".outputs.json")) {
      ASSIGN_OR_RETURN(Value outputs, ReadJson(base.string() + ".outputs.json"));
      stack.outputs = Pairs(outputs, "OutputKey", "OutputValue");
    }
    if (fs::exists(base.string() + ".description.txt")) {
      ASSIGN_OR_RETURN(stack.description, ReadFile(base.string() + ".description.txt"));
    }
    stacks.push_back(std::move(stack));
  }
  return stacks;
}

// CloudFormation names a nested stack "<parent prefix>-<logical id
// prefix>-<RANDOM>". Finds, for each stack, the parent and logical id whose
// prefixes explain its name best (longest match), each used once.
void LinkNestedStacks(std::vector<FixtureStack>& stacks) {
  std::set<std::pair<std::string, std::string>> taken;
  for (FixtureStack& child : stacks) {
    size_t last_dash = child.name.rfind('-');
    if (last_dash == std::string::npos) continue;
    std::string stem = child.name.substr(0, last_dash);
    size_t best = 0;
    for (const FixtureStack& parent : stacks) {
      if (&parent == &child) continue;
      const Value* resources = parent.template_body.Find("Resources");
      if (!resources || !resources->is_map()) continue;
      for (const auto& [logical_id, resource] : resources->as_map()) {
        if (Str(resource, "Type") != "AWS::CloudFormation::Stack") continue;
        if (taken.count({parent.name, logical_id})) continue;
        // stem == parent[:a] + "-" + logical_id[:b], a, b > 0
        for (size_t dash = stem.find('-'); dash != std::string::npos;
             dash = stem.find('-', dash + 1)) {
          std::string_view left(stem.data(), dash);
          std::string_view right(stem.data() + dash + 1, stem.size() - dash - 1);
          if (left.empty() || right.empty()) continue;
          if (parent.name.compare(0, left.size(), left) != 0) continue;
          if (logical_id.compare(0, right.size(), right) != 0) continue;
          if (left.size() + right.size() > best) {
            best = left.size() + right.size();
            child.parent = parent.name;
            child.logical_id = logical_id;
          }
        }
      }
    }
    if (!child.parent.empty()) taken.insert({child.parent, child.logical_id});
  }
  // Depth for ordering parents before children (bounded by the count).
  std::map<std::string, const FixtureStack*> by_name;
  for (const FixtureStack& s : stacks) by_name[s.name] = &s;
  for (FixtureStack& s : stacks) {
    const FixtureStack* at = &s;
    int depth = 0;
    while (!at->parent.empty() && depth < static_cast<int>(stacks.size())) {
      at = by_name[at->parent];
      ++depth;
    }
    s.depth = depth;
  }
  std::stable_sort(stacks.begin(), stacks.end(),
                   [](const FixtureStack& a, const FixtureStack& b) { return a.depth < b.depth; });
}

// Outputs that are a plain Ref of a resource pin that resource's physical id
// to the deployed value, so that ids other stacks' parameters carry agree.
std::map<std::string, std::string> PinnedPhysicalIds(const FixtureStack& stack) {
  std::map<std::string, std::string> out;
  const Value* outputs = stack.template_body.Find("Outputs");
  const Value* resources = stack.template_body.Find("Resources");
  if (!outputs || !outputs->is_map() || !resources || !resources->is_map()) {
    return out;
  }
  for (const auto& [key, value] : stack.outputs) {
    const Value* output = outputs->Find(key);
    if (!output) continue;
    const Value* expr = output->Find("Value");
    if (!expr || !expr->is_map() || expr->as_map().size() != 1) continue;
    const Value* ref = expr->Find("Ref");
    if (!ref || !ref->is_string() || !resources->Find(ref->as_string())) continue;
    if (!value.empty()) out[ref->as_string()] = value;
  }
  return out;
}

// #current-cloud-backend.zip as `amplify push` leaves it: the pushed copy of
// amplify/backend/ (node_modules left out) with the build output of
// amplify/#current-cloud-backend/ over it (fixtures keep only that part of
// the cloud copy). Entries sorted and dated 1980-01-01 so the bytes are the
// same on every run.
Result<std::string> ZipCloudBackend(const fs::path& backend, const fs::path& current) {
  std::map<std::string, fs::path> files;  // entry name -> file; the cloud copy wins
  for (const fs::path& dir : {backend, current}) {
    if (!fs::is_directory(dir)) continue;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
      if (it->is_directory() && it->path().filename() == "node_modules") {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) {
        files[fs::relative(it->path(), dir).generic_string()] = it->path();
      }
    }
  }
  fs::path tmp = fs::temp_directory_path() / fmt::format("cloudsim-seed-{}.zip", ::getpid());
  int error = 0;
  zip_t* archive = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!archive) {
    return MakeError(ErrorCode::kStateFile,
                     fmt::format("cannot create {} (libzip error {})", tmp.string(), error));
  }
  for (const auto& [name, file] : files) {
    zip_source_t* source = zip_source_file(archive, file.c_str(), 0, -1);
    zip_int64_t index = source ? zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE) : -1;
    if (index < 0) {
      if (source) zip_source_free(source);
      std::string message = zip_strerror(archive);
      zip_discard(archive);
      return MakeError(ErrorCode::kStateFile,
                       fmt::format("cannot add {} to the zip: {}", name, message));
    }
    zip_file_set_mtime(archive, static_cast<zip_uint64_t>(index), 315532800, 0);
  }
  if (zip_close(archive) != 0) {
    std::string message = zip_strerror(archive);
    zip_discard(archive);
    return MakeError(ErrorCode::kStateFile, fmt::format("cannot write the zip: {}", message));
  }
  auto bytes = ReadFile(tmp);
  std::error_code ec;
  fs::remove(tmp, ec);
  return bytes;
}

// "https://s3.amazonaws.com/<bucket>/<key>" -> (bucket, key).
std::optional<std::pair<std::string, std::string>> SplitS3Url(std::string_view url) {
  constexpr std::string_view kPrefix = "https://s3.amazonaws.com/";
  if (url.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  url.remove_prefix(kPrefix.size());
  size_t slash = url.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(url.substr(0, slash)), std::string(url.substr(slash + 1)));
}

// A value of the key attribute's type, distinct per index.
Value KeyValue(std::string_view type, int index, std::string_view name) {
  ValueMap out;
  if (type == "N") {
    out["N"] = std::to_string(index);
  } else if (type == "B") {
    out["B"] = "c2VlZA==";
  } else {
    out["S"] = fmt::format("seed-{}-{}", name, index);
  }
  return Value(std::move(out));
}

Result<int> SeedItems(World& world, const std::string& table) {
  auto description = world.dynamodb.DescribeTable(table);
  if (!description) return 0;
  const Value* keys = description->Find("KeySchema");
  const Value* attributes = description->Find("AttributeDefinitions");
  if (!keys || !keys->is_list()) return 0;
  auto type_of = [&](const std::string& name) {
    if (attributes && attributes->is_list()) {
      for (const Value& a : attributes->as_list()) {
        if (Str(a, "AttributeName") == name) return Str(a, "AttributeType");
      }
    }
    return std::string("S");
  };
  constexpr int kItems = 3;
  for (int i = 1; i <= kItems; ++i) {
    ValueMap item;
    for (const Value& key : keys->as_list()) {
      std::string name = Str(key, "AttributeName");
      item[name] = KeyValue(type_of(name), i, name);
    }
    item["seededBy"] = Value(ValueMap{{"S", Value("flightplan-cloudsim")}});
    auto put = world.dynamodb.PutItem(table, Value(std::move(item)));
    if (!put) {
      return MakeError(ErrorCode::kInvalidInput, fmt::format("cannot seed items into table {}: {}",
                                                             table, put.error().message));
    }
  }
  return kItems;
}

}  // namespace

Result<std::string> ZipDirectory(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  static std::atomic<int> counter{0};
  fs::path tmp = fs::temp_directory_path() /
                 fmt::format("cloudsim-zip-{}-{}.zip", ::getpid(), counter.fetch_add(1));
  int error = 0;
  zip_t* archive = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!archive) {
    return MakeError(ErrorCode::kStateFile,
                     fmt::format("cannot create {} (libzip error {})", tmp.string(), error));
  }
  for (const fs::path& file : files) {
    std::string name = fs::relative(file, dir).generic_string();
    zip_source_t* source = zip_source_file(archive, file.c_str(), 0, -1);
    zip_int64_t index = source ? zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE) : -1;
    if (index < 0) {
      if (source) zip_source_free(source);
      std::string message = zip_strerror(archive);
      zip_discard(archive);
      return MakeError(ErrorCode::kStateFile,
                       fmt::format("cannot add {} to the zip: {}", name, message));
    }
    zip_file_set_mtime(archive, static_cast<zip_uint64_t>(index), 315532800, 0);
  }
  if (zip_close(archive) != 0) {
    std::string message = zip_strerror(archive);
    zip_discard(archive);
    return MakeError(ErrorCode::kStateFile, fmt::format("cannot write the zip: {}", message));
  }
  auto bytes = ReadFile(tmp);
  std::error_code ec;
  fs::remove(tmp, ec);
  return bytes;
}

Result<Value> SeedFixture(World& world, const fs::path& app_dir) {
  fs::path stacks_dir = app_dir / "pre.refactor";
  if (!fs::is_directory(stacks_dir)) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{} is not a fixture app: it has no pre.refactor/ folder "
                                 "of deployed stacks (expected "
                                 "…/amplify-migration-apps/<app>)",
                                 app_dir.string()));
  }
  fs::path amplify_dir = app_dir / "amplify";
  if (!fs::is_directory(amplify_dir)) amplify_dir = app_dir / "pre.generate" / "amplify";

  ASSIGN_OR_RETURN(std::vector<FixtureStack> stacks, LoadStacks(stacks_dir));
  if (stacks.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{} holds no <stack>.template.json files", stacks_dir.string()));
  }
  LinkNestedStacks(stacks);

  ValueList stack_names;
  std::map<std::string, std::string> stack_ids;
  for (const FixtureStack& stack : stacks) {
    SeedStackSpec spec;
    spec.name = stack.name;
    spec.template_body = stack.template_body;
    spec.parameters = stack.parameters;
    spec.description = stack.description;
    spec.physical_ids = PinnedPhysicalIds(stack);
    spec.parent_name = stack.parent;
    spec.logical_id_in_parent = stack.logical_id;
    for (const auto& [key, value] : stack.outputs) {
      if (key == "StackId" && value.find(":stack/" + stack.name + "/") != std::string::npos) {
        spec.stack_id = value;
      }
    }
    auto id = SeedStack(world, spec);
    if (!id) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("cannot create stack {} from {}: {} ({})", stack.name,
                                   (stacks_dir / (stack.name + ".template.json")).string(),
                                   id.error().message, id.error().code));
    }
    stack_ids[stack.name] = *id;
    stack_names.push_back(Value(stack.name));
  }

  ValueMap summary;
  summary["stacks"] = std::move(stack_names);

  // The Gen1 environment: Amplify app, deployment bucket contents.
  auto team = ReadJson(amplify_dir / "team-provider-info.json");
  ValueList environments;
  if (team && team->is_map()) {
    for (const auto& [env, settings] : team->as_map()) {
      const Value* provider = settings.Find("awscloudformation");
      if (!provider) continue;
      std::string app_id = Str(*provider, "AmplifyAppId");
      std::string stack_name = Str(*provider, "StackName");
      std::string bucket = Str(*provider, "DeploymentBucketName");
      environments.push_back(Value(env));
      if (!app_id.empty() && !world.amplify.GetApp(app_id).has_value()) {
        std::string project = app_id;
        if (auto config = ReadJson(amplify_dir / ".config" / "project-config.json")) {
          if (std::string p = Str(*config, "projectName"); !p.empty()) project = p;
        }
        ValueMap app;
        app["appId"] = app_id;
        app["name"] = project;
        app["platform"] = "WEB";
        auto created = world.amplify.CreateApp(Value(std::move(app)), world.Now());
        if (!created) {
          return MakeError(ErrorCode::kInvalidInput, fmt::format("cannot create Amplify app {}: {}",
                                                                 app_id, created.error().message));
        }
        summary["app_id"] = app_id;
      }
      if (!app_id.empty()) {
        ValueMap backend;
        backend["environmentName"] = env;
        backend["stackName"] = stack_name;
        backend["deploymentArtifacts"] = bucket;
        auto created =
            world.amplify.CreateBackendEnvironment(app_id, Value(std::move(backend)), world.Now());
        if (!created) {
          return MakeError(ErrorCode::kInvalidInput,
                           fmt::format("cannot create backend environment {}: {}", env,
                                       created.error().message));
        }
        ValueMap branch;
        branch["branchName"] = env;
        branch["stage"] = "PRODUCTION";
        if (auto it = stack_ids.find(stack_name); it != stack_ids.end()) {
          branch["backend"] = Value(ValueMap{{"stackArn", Value(it->second)}});
        }
        auto made = world.amplify.CreateBranch(app_id, Value(std::move(branch)), world.Now());
        if (!made) {
          return MakeError(ErrorCode::kInvalidInput,
                           fmt::format("cannot create branch {}: {}", env, made.error().message));
        }
      }
      if (bucket.empty() || !world.s3.FindBucket(bucket)) continue;
      // #current-cloud-backend.zip and the templates as the CLI uploads them.
      fs::path current = amplify_dir / "#current-cloud-backend";
      if (fs::is_directory(current)) {
        ASSIGN_OR_RETURN(std::string zip, ZipCloudBackend(amplify_dir / "backend", current));
        auto put = world.s3.PutObject(bucket, "#current-cloud-backend.zip", std::move(zip),
                                      world.Now(), "application/zip");
        if (!put) {
          return MakeError(ErrorCode::kInvalidInput, put.error().message);
        }
      }
      for (const FixtureStack& stack : stacks) {
        if (stack.name == stack_name) {
          (void)world.s3.PutObject(bucket, "root-cloudformation-stack.json",
                                   stack.template_body.ToJson(), world.Now(), "application/json");
        }
        if (stack.parent.empty()) continue;
        // The parent's TemplateURL names where the child's template lives.
        for (const FixtureStack& parent : stacks) {
          if (parent.name != stack.parent) continue;
          const Value* resources = parent.template_body.Find("Resources");
          const Value* resource = resources ? resources->Find(stack.logical_id) : nullptr;
          const Value* props = resource ? resource->Find("Properties") : nullptr;
          std::string url = props ? Str(*props, "TemplateURL") : std::string();
          auto location = SplitS3Url(url);
          if (location && location->first == bucket) {
            (void)world.s3.PutObject(bucket, location->second, stack.template_body.ToJson(),
                                     world.Now(), "application/json");
          }
        }
      }
    }
  }
  summary["environments"] = std::move(environments);

  // Data in every stateful resource, so that loss or duplication shows.
  ValueList tables;
  int items = 0;
  std::vector<std::string> table_names;
  for (const auto& [name, table] : world.dynamodb.tables()) table_names.push_back(name);
  for (const std::string& table : table_names) {
    ASSIGN_OR_RETURN(int added, SeedItems(world, table));
    items += added;
    tables.push_back(Value(table));
  }
  ValueList pools;
  for (const std::string& pool : world.cognito.PoolIds()) {
    for (int i = 1; i <= 2; ++i) {
      ValueList attributes;
      attributes.push_back(Value(ValueMap{
          {"Name", Value("email")}, {"Value", Value(fmt::format("seed-user-{}@example.com", i))}}));
      auto created = world.cognito.AdminCreateUser(pool, fmt::format("seed-user-{}", i),
                                                   Value(std::move(attributes)), world.Now());
      if (!created) {
        return MakeError(ErrorCode::kInvalidInput, fmt::format("cannot seed users into {}: {}",
                                                               pool, created.error().message));
      }
    }
    pools.push_back(Value(pool));
  }
  ValueList buckets;
  std::vector<std::string> bucket_names;
  for (const auto& [name, b] : world.s3.buckets()) bucket_names.push_back(name);
  for (const std::string& bucket : bucket_names) {
    buckets.push_back(Value(bucket));
    const S3Bucket* b = world.s3.FindBucket(bucket);
    if (b && b->objects.empty()) {
      for (int i = 1; i <= 2; ++i) {
        (void)world.s3.PutObject(bucket, fmt::format("public/seed-{}.txt", i),
                                 fmt::format("seeded object {}\n", i), world.Now(), "text/plain");
      }
    }
  }
  summary["tables"] = std::move(tables);
  summary["items"] = items;
  summary["user_pools"] = std::move(pools);
  summary["buckets"] = std::move(buckets);
  return Value(std::move(summary));
}

}  // namespace flightplan::cloudsim
