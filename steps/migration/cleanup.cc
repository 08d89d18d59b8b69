// The cleanup plan and proof (cleanup.h).
#include "steps/migration/cleanup.h"

#include <fmt/format.h>

#include <set>

namespace flightplan::migration {
namespace {

std::string Text(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f != nullptr && f->is_string() ? f->as_string() : "";
}

Value Strings(const std::vector<std::string>& list) {
  ValueList out;
  for (const std::string& s : list) out.emplace_back(s);
  return Value(std::move(out));
}

std::vector<std::string> StringsOf(const Value* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_list()) return out;
  for (const Value& s : v->as_list()) out.push_back(s.ToText());
  return out;
}

std::string Tag(const std::map<std::string, std::string>& tags, std::string_view key) {
  auto it = tags.find(std::string(key));
  return it == tags.end() ? "" : it->second;
}

// The project name of a Gen1 root stack "amplify-<project>-<env>-<hex>".
std::string ProjectOf(const std::string& root_stack, const std::string& env) {
  std::string prefix = "amplify-";
  std::string middle = "-" + env + "-";
  if (root_stack.rfind(prefix, 0) != 0) return "";
  size_t at = root_stack.rfind(middle);
  if (at == std::string::npos || at < prefix.size()) return "";
  return root_stack.substr(prefix.size(), at - prefix.size());
}

Error Refuse(const std::string& what) {
  return Error(ErrorCode::kStepFailed,
               fmt::format("cleanup refused, nothing was deleted: {}", what));
}

class PlanBuilder {
 public:
  explicit PlanBuilder(const CleanupFacts& facts) : facts_(facts) {}

  // kStepFailed when `id` is production's.
  Result<void> NotProduction(const std::string& id, const std::string& what) {
    if (id.empty()) return {};
    auto it = facts_.production_ids.find(id);
    if (it == facts_.production_ids.end()) return {};
    return tl::unexpected(Refuse(fmt::format(
        "{} {} belongs to production ({}). Check which environment and branch you named: "
        "--env is production, --clone-env the clone, --clone-branch the rehearsal's Gen2 branch",
        what, id, it->second)));
  }

  void Add(std::string part, std::string kind, std::string id, std::string type, std::string why) {
    if (!seen_.insert(kind + "\n" + id).second) return;
    plan_.items.push_back(CleanupItem{std::move(part), std::move(kind), std::move(id),
                                      std::move(type), std::move(why)});
  }

  // Every stack and resource of `tree`, proven not production's; the root
  // stack and then its explicitly deleted resources added to the plan.
  Result<void> AddTree(const std::string& part, const CleanupTree& tree, const std::string& label,
                       const std::string& why) {
    for (const std::string& stack : tree.stacks) {
      TRY(NotProduction(stack, fmt::format("a stack of the {}:", label)));
    }
    for (const CleanupResource& r : tree.resources) {
      TRY(NotProduction(r.physical_id, fmt::format("{} {} in stack {} of the {}:", r.type,
                                                   r.logical_id, r.stack, label)));
    }
    size_t stacks = 0;  // tree.stacks holds each stack's name and ARN
    for (const std::string& stack : tree.stacks) stacks += stack.rfind("arn:", 0) == 0 ? 0 : 1;
    plan_.proof.push_back(fmt::format("{}: {} stacks and {} resources, none of them production's",
                                      label, stacks, tree.resources.size()));
    Add(part, "stack", tree.root_id.empty() ? tree.root_name : tree.root_id, "",
        fmt::format("{} ({})", why, tree.root_name));
    for (const CleanupResource& r : tree.resources) {
      std::string kind = CleanupKindOf(r.type);
      if (kind.empty()) continue;
      Add(part, kind, r.physical_id, r.type,
          fmt::format("{} of stack {} ({}), retained when the stack is deleted", r.logical_id,
                      r.stack, label));
    }
    return {};
  }

  Result<CleanupPlan> Build() {
    const CleanupFacts& f = facts_;
    if (f.clone_env.empty() || f.clone_env == f.prod_env) {
      return tl::unexpected(Refuse(fmt::format(
          "the clone environment '{}' is the production environment; name the clone with "
          "--clone-env",
          f.clone_env)));
    }
    plan_.proof.push_back(fmt::format(
        "production's ids: {} physical ids of {}/{} (its stacks, every other branch's backend "
        "stacks, its deployment bucket)",
        f.production_ids.size(), f.app_id, f.prod_env));
    TRY(PlanGen2());
    TRY(PlanGen1());
    return plan_;
  }

 private:
  Result<void> PlanGen2() {
    const CleanupFacts& f = facts_;
    if (f.clone_branch.empty()) {
      plan_.proof.push_back(
          "no Gen2 clone branch: no refactor run on the clone names one and --clone-branch was "
          "not given");
    } else {
      std::string label = fmt::format("Gen2 clone branch {}", f.clone_branch);
      if (f.clone_branch == f.prod_refactor_to_branch) {
        return tl::unexpected(Refuse(fmt::format(
            "branch {} is production's Gen2 branch: production's refactor moved {}/{} into it",
            f.clone_branch, f.app_id, f.prod_env)));
      }
      if (!f.branch_domains.empty()) {
        std::string domains;
        for (const std::string& d : f.branch_domains) domains += (domains.empty() ? "" : ", ") + d;
        return tl::unexpected(Refuse(
            fmt::format("branch {} serves the custom domain ({}): a clone branch serves no domain",
                        f.clone_branch, domains)));
      }
      plan_.proof.push_back(
          fmt::format("{}: named by {}; not production's refactor branch; no custom domain on it",
                      label, f.clone_branch_source));
      if (f.has_branch_tree) {
        TRY(AddTree("gen2", f.gen2, label,
                    fmt::format("backend stack of the clone branch {}", f.clone_branch)));
      } else if (f.branch_exists) {
        plan_.proof.push_back(label + ": names no backend stack (or it is gone)");
      }
      if (f.branch_exists) {
        Add("gen2", "branch", f.clone_branch, "",
            fmt::format("the clone branch, named by {}", f.clone_branch_source));
      } else {
        plan_.proof.push_back(label + ": already gone");
      }
    }
    for (const CleanupResource& r : f.orphaned) {
      TRY(NotProduction(r.physical_id, fmt::format("{} {} orphaned by the clone's refactor from "
                                                   "stack {}:",
                                                   r.type, r.logical_id, r.stack)));
      std::string kind = CleanupKindOf(r.type);
      if (kind.empty()) {
        plan_.left.push_back(
            fmt::format("{} {} ({}): orphaned by the clone's refactor; delete it "
                        "by hand",
                        r.type, r.physical_id, r.logical_id));
        continue;
      }
      Add("gen2", kind, r.physical_id, r.type,
          fmt::format("Gen2's own copy {} of stack {}, orphaned by the clone's refactor",
                      r.logical_id, r.stack));
    }
    if (!f.orphaned.empty()) {
      plan_.proof.push_back(fmt::format(
          "{} Gen2 copies orphaned by the clone's refactor (its vacate step), none production's",
          f.orphaned.size()));
    }
    return {};
  }

  Result<void> PlanGen1() {
    const CleanupFacts& f = facts_;
    std::string expected_of = f.app_id + "/" + f.prod_env;
    std::string label = fmt::format("Gen1 clone {}", f.clone_env);
    if (f.has_tree) {
      std::string of = Tag(f.gen1.tags, kCloneOfTag);
      std::string env = Tag(f.gen1.tags, kCloneEnvTag);
      if (of != expected_of || env != f.clone_env) {
        return tl::unexpected(Refuse(fmt::format(
            "root stack {} of environment {} does not carry the clone tags {}={} and {}={} (it "
            "has '{}' and '{}'): only an environment `flightplan clone` made is deleted",
            f.gen1.root_name, f.clone_env, kCloneOfTag, expected_of, kCloneEnvTag, f.clone_env, of,
            env)));
      }
      std::string project = ProjectOf(f.prod_root_stack, f.prod_env);
      if (!project.empty() && ProjectOf(f.gen1.root_name, f.clone_env) != project) {
        return tl::unexpected(
            Refuse(fmt::format("root stack {} is not named amplify-{}-{}-<hex> as a clone of {} is",
                               f.gen1.root_name, project, f.clone_env, f.prod_root_stack)));
      }
      plan_.proof.push_back(fmt::format("{}: root stack {} tagged {}={}, {}={}", label,
                                        f.gen1.root_name, kCloneOfTag, of, kCloneEnvTag, env));
      TRY(AddTree("gen1", f.gen1, label,
                  fmt::format("root stack of the clone environment {}", f.clone_env)));
    } else {
      plan_.proof.push_back(label + ": no root stack (already gone)");
    }
    if (f.bucket_exists) {
      std::string of = Tag(f.bucket_tags, kCloneOfTag);
      std::string env = Tag(f.bucket_tags, kCloneEnvTag);
      if (of != expected_of || env != f.clone_env) {
        return tl::unexpected(Refuse(fmt::format(
            "deployment bucket {} of environment {} does not carry the clone tags {}={} and "
            "{}={}",
            f.deployment_bucket, f.clone_env, kCloneOfTag, expected_of, kCloneEnvTag,
            f.clone_env)));
      }
      TRY(NotProduction(f.deployment_bucket, "the clone's deployment bucket"));
      plan_.proof.push_back(fmt::format("{}: deployment bucket {} tagged as the clone's", label,
                                        f.deployment_bucket));
      Add("gen1", "bucket", f.deployment_bucket, "AWS::S3::Bucket",
          fmt::format("deployment bucket of the clone environment {} (tagged)", f.clone_env));
    }
    if (f.backend_env) {
      if (!f.has_tree && !f.backend_stack.empty()) {
        TRY(NotProduction(f.backend_stack, "the root stack Amplify names for the clone:"));
      }
      Add("gen1", "backend-environment", f.clone_env, "",
          fmt::format("Amplify's backend environment {} (its root stack is the clone's)",
                      f.clone_env));
    } else {
      plan_.proof.push_back(label + ": no Amplify backend environment (already gone)");
    }
    return {};
  }

  const CleanupFacts& facts_;
  CleanupPlan plan_;
  std::set<std::string> seen_;
};

}  // namespace

std::string CleanupKindOf(const std::string& type) {
  if (type == "AWS::DynamoDB::Table") return "table";
  if (type == "AWS::S3::Bucket") return "bucket";
  if (type == "AWS::Cognito::UserPool") return "user-pool";
  if (type == "AWS::Cognito::IdentityPool") return "identity-pool";
  return "";
}

Result<CleanupPlan> PlanCleanup(const CleanupFacts& facts) { return PlanBuilder(facts).Build(); }

Value CleanupPlan::ToValue() const {
  ValueList list;
  for (const CleanupItem& i : items) {
    Value item(ValueMap{});
    item.Set("part", i.part);
    item.Set("kind", i.kind);
    item.Set("id", i.id);
    item.Set("type", i.type);
    item.Set("why", i.why);
    list.push_back(std::move(item));
  }
  Value out(ValueMap{});
  out.Set("items", Value(std::move(list)));
  out.Set("proof", Strings(proof));
  out.Set("left", Strings(left));
  return out;
}

Result<CleanupPlan> CleanupPlan::FromValue(const Value& v) {
  const Value* items = v.Find("items");
  if (!v.is_map() || items == nullptr || !items->is_list()) {
    return MakeError(ErrorCode::kInvalidInput, "the cleanup plan has no items list");
  }
  CleanupPlan plan;
  for (const Value& i : items->as_list()) {
    CleanupItem item{Text(i, "part"), Text(i, "kind"), Text(i, "id"), Text(i, "type"),
                     Text(i, "why")};
    if (item.kind.empty() || item.id.empty()) {
      return MakeError(ErrorCode::kInvalidInput, "a cleanup plan item has no kind or id");
    }
    plan.items.push_back(std::move(item));
  }
  plan.proof = StringsOf(v.Find("proof"));
  plan.left = StringsOf(v.Find("left"));
  return plan;
}

std::string CleanupPlan::Describe() const {
  std::string out = items.empty() ? "Nothing to delete.\n" : "To delete, in order:\n";
  for (const CleanupItem& i : items) {
    out += fmt::format("  [{}] {} {} — {}\n", i.part, i.kind, i.id, i.why);
  }
  out += "Proof that none of it is production's:\n";
  for (const std::string& p : proof) out += "  " + p + "\n";
  if (!left.empty()) {
    out += "Kept (no delete call for the type; delete by hand):\n";
    for (const std::string& l : left) out += "  " + l + "\n";
  }
  return out;
}

std::vector<CleanupResource> OrphanedCopies(const Value& orphaned,
                                            const Value& original_templates) {
  std::vector<CleanupResource> out;
  if (!orphaned.is_map()) return out;
  for (const auto& [stack, ids] : orphaned.as_map()) {
    if (!ids.is_map()) continue;
    Value tmpl;
    if (const Value* body = original_templates.is_map() ? original_templates.Find(stack) : nullptr;
        body != nullptr && body->is_string()) {
      if (Result<Value> parsed = Value::FromJson(body->as_string())) tmpl = std::move(*parsed);
    }
    const Value* resources = tmpl.is_map() ? tmpl.Find("Resources") : nullptr;
    for (const auto& [logical, physical] : ids.as_map()) {
      std::string type;
      if (resources != nullptr) {
        if (const Value* def = resources->Find(logical)) type = Text(*def, "Type");
      }
      out.push_back(CleanupResource{stack, logical, physical.ToText(), type});
    }
  }
  return out;
}

}  // namespace flightplan::migration
