// The storage category: defineStorage for the S3 buckets (amplify/storage/
// resource.ts, with Gen1's encryption and, post-refactor, Gen1's name pinned
// in backend.ts) and the DynamoDB tables as L1 copies, one stack each.
#include <fmt/format.h>

#include <algorithm>

#include "steps/amplify/cfn_resolve.h"
#include "steps/amplify/gen/generator_state.h"
#include "steps/amplify/gen1_facts.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify::gen {
namespace {

std::vector<std::string> Gen2Access(const Value* gen1) {
  std::vector<std::string> out;
  std::vector<std::string> in = Strings(gen1);
  auto has = [&](std::string_view a) { return std::find(in.begin(), in.end(), a) != in.end(); };
  if (has("READ")) out.push_back("'read'");
  if (has("CREATE_AND_UPDATE")) out.push_back("'write'");
  if (has("DELETE")) out.push_back("'delete'");
  return out;
}

std::string StorageResource(const GenState& state) {
  std::string out;
  std::string fn_imports;
  bool first = true;
  for (const Gen1Resource* s : state.project.OfCategory("storage")) {
    if (s->service != "S3") continue;
    const Value& in = s->cli_inputs;
    std::vector<std::string> auth = Gen2Access(in.Find("authAccess"));
    std::vector<std::string> guest = Gen2Access(in.Find("guestAccess"));
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    if (const Value* g = in.Find("groupAccess"); g && g->is_map()) {
      for (const auto& [name, access] : g->as_map()) groups.emplace_back(name, Gen2Access(&access));
    }
    auto rule = [&](const std::string& path, const std::vector<std::string>& rules) {
      if (rules.empty()) return std::string();
      std::string r = fmt::format("    {}: [\n", TsString(path));
      for (const std::string& x : rules) r += "      " + x + ",\n";
      return r + "    ],\n";
    };
    auto to = [](std::string who, const std::vector<std::string>& access) {
      return access.empty() ? std::string() : fmt::format("{}.to([{}])", who, ListOf(access));
    };
    auto collect = [](std::initializer_list<std::string> items) {
      std::vector<std::string> v;
      for (const std::string& i : items) {
        if (!i.empty()) v.push_back(i);
      }
      return v;
    };
    std::vector<std::string> group_rules;
    for (const auto& [name, access] : groups) {
      if (!access.empty())
        group_rules.push_back(to(fmt::format("allow.groups([{}])", TsString(name)), access));
    }
    auto with_groups = [&](std::vector<std::string> v) {
      v.insert(v.end(), group_rules.begin(), group_rules.end());
      return v;
    };
    std::vector<std::string> guest_read;
    if (std::find(guest.begin(), guest.end(), "'read'") != guest.end())
      guest_read.push_back("'read'");
    std::vector<std::string> auth_read;
    if (std::find(auth.begin(), auth.end(), "'read'") != auth.end()) auth_read.push_back("'read'");
    std::vector<std::string> auth_write;
    if (std::find(auth.begin(), auth.end(), "'write'") != auth.end())
      auth_write.push_back("'write'");
    std::vector<std::string> guest_write;
    if (std::find(guest.begin(), guest.end(), "'write'") != guest.end())
      guest_write.push_back("'write'");
    std::string rules;
    rules +=
        rule("public/*",
             with_groups(collect({to("allow.guest", guest), to("allow.authenticated", auth)})));
    rules += rule(
        "protected/{entity_id}/*",
        with_groups(collect({to("allow.guest", guest_read), to("allow.authenticated", auth_read),
                             to("allow.entity('identity')", auth)})));
    rules +=
        rule("private/{entity_id}/*", with_groups(collect({to("allow.entity('identity')", auth)})));
    rules += rule("uploads/*", with_groups(collect({to("allow.guest", guest_write),
                                                    to("allow.authenticated", auth_write)})));
    std::string triggers;
    std::string trigger = StringField(in, "triggerFunction");
    if (const Gen1Resource* fn = state.project.Find("function", trigger);
        fn && IsNodeFunction(*fn)) {
      fn_imports +=
          fmt::format("import {{ {} }} from '../functions/{}/resource';\n", state.Id(*fn), trigger);
      triggers = fmt::format("  triggers: {{\n    onUpload: {0},\n    onDelete: {0},\n  }},\n",
                             state.Id(*fn));
    }
    std::string versioned;
    if (const Value* bucket = DeployedResource(*s, "S3Bucket"); bucket && Props(*bucket)) {
      const Value* v = Props(*bucket)->Find("VersioningConfiguration");
      if (v && StringField(*v, "Status") == "Enabled") versioned = "  versioned: true,\n";
    }
    out += fmt::format(
        "\n// Gen1 S3 resource {}: the same access per prefix as Gen1 gave. The\n"
        "// bucket (and, after refactor, Gen1's data in it) survives stack deletion.\n"
        "export const {} = defineStorage({{\n  name: {},\n{}  keepOnDelete: true,\n{}"
        "  access: (allow) => ({{\n{}  }}),\n{}}});\n",
        s->name, state.Id(*s), TsString(s->name), first ? "  isDefault: true,\n" : "", versioned,
        rules, triggers);
    first = false;
  }
  if (out.empty()) return "";
  return "import { defineStorage } from '@aws-amplify/backend';\n" + fn_imports + out;
}

bool ClaimsStorage(const Gen1Resource& resource) { return resource.category == "storage"; }

void WriteStorageFiles(GenState& state) {
  std::string storage = StorageResource(state);
  if (!storage.empty()) state.files["amplify/storage/resource.ts"] = storage;
}

void WriteStorageBackend(GenState& state, BackendTs& backend) {
  std::vector<std::string> buckets;
  for (const Gen1Resource* s : state.project.OfCategory("storage")) {
    if (s->service == "S3") buckets.push_back(state.Id(*s));
  }
  if (!buckets.empty()) {
    backend.imports += fmt::format("import {{ {} }} from './storage/resource';\n", ListOf(buckets));
    for (const std::string& b : buckets) backend.members.push_back(b);
  }
  for (const Gen1Resource* s : state.project.OfCategory("storage")) {
    if (s->service != "S3") continue;
    for (const StatefulResource& st : state.PlanFor(*s).stateful) {
      std::string pins;
      const Value* bucket = DeployedResource(*s, st.logical_id);
      // Settings defineStorage has no option for, pinned as deployed:
      // encryption, and Transfer Acceleration (only where Gen1 set it, so a
      // region without acceleration never gets it).
      for (const char* key : {"BucketEncryption", "AccelerateConfiguration"}) {
        const Value* setting = bucket && Props(*bucket) ? Props(*bucket)->Find(key) : nullptr;
        if (!setting || HasIntrinsic(*setting)) continue;
        pins += fmt::format("{}.resources.cfnResources.cfnBucket.addPropertyOverride({}, {});\n",
                            "backend." + state.Id(*s), TsString(key), TsLiteral(*setting, 0));
      }
      backend.body += fmt::format(
          "// --- storage {0}: Gen1's encryption and acceleration; the Gen1 name after "
          "refactor ---\n{3}"
          "backend.{1}.resources.cfnResources.cfnBucket.addMetadata({4}, {2});\n"
          "if (postRefactor) {{\n"
          "  const cfnBucket = backend.{1}.resources.cfnResources.cfnBucket;\n"
          "  cfnBucket.bucketName = gen1Name({2});\n"
          "  cfnBucket.applyRemovalPolicy(RemovalPolicy.RETAIN);\n}}\n\n",
          s->name, state.Id(*s), TsString(fmt::format("storage/{}/{}", s->name, st.logical_id)),
          pins, TsString(std::string(kGen1IdentityMark)));
    }
    backend.body += OverrideSection(
        state, *s,
        {{"s3Bucket", fmt::format("backend.{}.resources.cfnResources.cfnBucket", state.Id(*s))}});
  }
  // Stateful storage other than S3 (DynamoDB tables) in one custom stack each.
  for (const Gen1Resource* s : state.project.OfCategory("storage")) {
    if (s->service == "S3") continue;
    L1Copy copy = CopyResources(state, *s, {}, {}, false);
    backend.body += fmt::format("// --- storage {}: {} (Gen1 logical ids kept for refactor) ---\n",
                                s->name, s->service);
    backend.body += EmitL1(state, *s, copy,
                           fmt::format("backend.createStack({})", TsString("storage" + s->name)),
                           state.Id(*s), true);
    backend.body += "\n";
  }
}

}  // namespace

const CategoryWriter kStorageWriter = {.name = "storage",
                                       .claims = ClaimsStorage,
                                       .write_files = WriteStorageFiles,
                                       .write_backend = WriteStorageBackend};

}  // namespace flightplan::amplify::gen
