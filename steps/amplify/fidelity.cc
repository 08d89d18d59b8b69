#include "steps/amplify/fidelity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "steps/amplify/gen1_facts.h"

namespace flightplan::amplify {
namespace {

struct Located {
  const Value* props = nullptr;  // the resource's Properties (may be null)
  std::string file;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const Value* PropsOf(const Value& resource) {
  static const Value kEmpty = Value(ValueMap{});
  const Value* p = resource.Find("Properties");
  return p ? p : &kEmpty;
}

// Resources of `type` (and logical id, when given) in synthesized files whose
// name contains `file_part` (case-insensitive).
std::vector<Located> FindGen2(const std::vector<SynthesizedTemplate>& gen2, std::string_view type,
                              std::string_view logical_id, std::string_view file_part) {
  std::vector<Located> out;
  for (const SynthesizedTemplate& t : gen2) {
    if (!file_part.empty() && Lower(t.file).find(Lower(file_part)) == std::string::npos) continue;
    const Value* res = t.body.Find("Resources");
    if (!res || !res->is_map()) continue;
    for (const auto& [id, def] : res->as_map()) {
      if (StringField(def, "Type") != type) continue;
      if (!logical_id.empty() && id != logical_id) continue;
      out.push_back({PropsOf(def), t.file});
    }
  }
  return out;
}

// CloudFormation property names from the camelCase the Amplify table
// custom resource uses (keySchema -> KeySchema).
Value Capitalize(const Value& v) {
  if (v.is_list()) {
    ValueList out;
    for (const Value& item : v.as_list()) out.push_back(Capitalize(item));
    return Value(std::move(out));
  }
  if (!v.is_map()) return v;
  ValueMap out;
  for (const auto& [k, item] : v.as_map()) {
    std::string key = k;
    if (!key.empty()) key[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[0])));
    out.insert_or_assign(key, Capitalize(item));
  }
  return Value(std::move(out));
}

Value SortedStrings(const Value* v) {
  ValueList out;
  if (v && v->is_list()) {
    for (const Value& item : v->as_list()) out.push_back(item);
  }
  std::sort(out.begin(), out.end(),
            [](const Value& a, const Value& b) { return a.ToJson() < b.ToJson(); });
  return Value(std::move(out));
}

Value SortedBy(const Value* v, std::string_view key) {
  ValueList out;
  if (v && v->is_list()) {
    for (const Value& item : v->as_list()) out.push_back(item);
  }
  std::stable_sort(out.begin(), out.end(), [&](const Value& a, const Value& b) {
    return StringField(a, key) < StringField(b, key);
  });
  return Value(std::move(out));
}

Value Pick(const Value& map, std::initializer_list<std::string_view> keys) {
  Value out(ValueMap{});
  for (std::string_view k : keys) {
    if (const Value* v = map.Find(k)) out.Set(std::string(k), *v);
  }
  return out;
}

Value Indexes(const Value* v) {
  ValueList out;
  const Value sorted = SortedBy(v, "IndexName");
  for (const Value& index : sorted.as_list()) {
    Value kept = Pick(index, {"IndexName", "KeySchema"});
    if (const Value* projection = index.Find("Projection")) {
      Value p = Pick(*projection, {"ProjectionType"});
      if (const Value* non_key = projection->Find("NonKeyAttributes")) {
        p.Set("NonKeyAttributes", SortedStrings(non_key));
      }
      kept.Set("Projection", p);
    }
    out.push_back(std::move(kept));
  }
  return Value(std::move(out));
}

Value OrNull(const Value* v) { return v ? *v : Value(); }

class Comparer {
 public:
  Comparer(FidelityReport& report, RefactorPhase phase) : report_(report), phase_(phase) {}

  void Check(const std::string& resource, const std::string& type, const std::string& property,
             bool identity, const Value& gen1, const Value& gen2) {
    FidelityCheck c{resource,      type,         property, identity, FidelityStatus::kSame,
                    gen1.ToJson(), gen2.ToJson()};
    if (!(gen1 == gen2)) c.status = FidelityStatus::kDiffers;
    report_.checks.push_back(std::move(c));
  }

  // A physical name: must match after refactor, must not before.
  void Name(const std::string& resource, const std::string& type, const std::string& property,
            const Value& gen1, const Value& gen2) {
    FidelityCheck c{resource,      type,         property, true, FidelityStatus::kSame,
                    gen1.ToJson(), gen2.ToJson()};
    if (!(gen1 == gen2)) {
      c.status = phase_ == RefactorPhase::kPreRefactor ? FidelityStatus::kExpectedBeforeRefactor
                                                       : FidelityStatus::kDiffers;
    }
    report_.checks.push_back(std::move(c));
  }

  void Missing(const std::string& resource, const std::string& type, const std::string& where) {
    report_.checks.push_back({resource, type, "(resource)", true, FidelityStatus::kMissingInGen2,
                              "present", "no counterpart in " + where});
  }

  void Table(const std::string& resource, const Value& g1, const Value& g2, bool name_moves,
             const Value& gen1_name) {
    const std::string type = "AWS::DynamoDB::Table";
    Check(resource, type, "KeySchema", true, OrNull(g1.Find("KeySchema")),
          OrNull(g2.Find("KeySchema")));
    Check(resource, type, "AttributeDefinitions", true,
          SortedBy(g1.Find("AttributeDefinitions"), "AttributeName"),
          SortedBy(g2.Find("AttributeDefinitions"), "AttributeName"));
    Check(resource, type, "LocalSecondaryIndexes", true, Indexes(g1.Find("LocalSecondaryIndexes")),
          Indexes(g2.Find("LocalSecondaryIndexes")));
    Check(resource, type, "GlobalSecondaryIndexes", false,
          Indexes(g1.Find("GlobalSecondaryIndexes")), Indexes(g2.Find("GlobalSecondaryIndexes")));
    auto stream = [](const Value& p) {
      const Value* s = p.Find("StreamSpecification");
      return s ? OrNull(s->Find("StreamViewType")) : Value();
    };
    Check(resource, type, "StreamSpecification", false, stream(g1), stream(g2));
    auto billing = [](const Value& p) {
      const Value* b = p.Find("BillingMode");
      return b ? *b : Value("PROVISIONED");
    };
    Check(resource, type, "BillingMode", false, billing(g1), billing(g2));
    if (name_moves) {
      Name(resource, type, "TableName", gen1_name, OrNull(g2.Find("TableName")));
    } else {
      Check(resource, type, "TableName", true, gen1_name, OrNull(g2.Find("TableName")));
    }
  }

 private:
  FidelityReport& report_;
  RefactorPhase phase_;
};

const Value* Gen1Props(const Gen1Resource& r, std::string_view logical_id) {
  const Value* res = r.deployed_template.Find("Resources");
  const Value* def = res ? res->Find(logical_id) : nullptr;
  return def ? PropsOf(*def) : nullptr;
}

void CompareAuth(const Gen1Project& project, const Gen1Resource& auth,
                 const std::vector<SynthesizedTemplate>& gen2, Comparer& cmp) {
  const std::string base = "auth/" + auth.name + "/";
  if (const Value* g1 = Gen1Props(auth, "UserPool")) {
    const std::string type = "AWS::Cognito::UserPool";
    std::vector<Located> found = FindGen2(gen2, type, "", "auth");
    if (found.size() != 1) {
      cmp.Missing(base + "UserPool", type, "the auth stack");
    } else {
      const Value& g2 = *found[0].props;
      cmp.Check(base + "UserPool", type, "Schema", true, SortedBy(g1->Find("Schema"), "Name"),
                SortedBy(g2.Find("Schema"), "Name"));
      for (const char* key : {"UsernameAttributes", "AliasAttributes"}) {
        cmp.Check(base + "UserPool", type, key, true, SortedStrings(g1->Find(key)),
                  SortedStrings(g2.Find(key)));
      }
      cmp.Check(base + "UserPool", type, "UsernameConfiguration", true,
                OrNull(g1->Find("UsernameConfiguration")),
                OrNull(g2.Find("UsernameConfiguration")));
      auto password = [](const Value& p) {
        const Value* policies = p.Find("Policies");
        return policies ? OrNull(policies->Find("PasswordPolicy")) : Value();
      };
      cmp.Check(base + "UserPool", type, "PasswordPolicy", false, password(*g1), password(g2));
      cmp.Check(base + "UserPool", type, "MfaConfiguration", false,
                OrNull(g1->Find("MfaConfiguration")), OrNull(g2.Find("MfaConfiguration")));
      cmp.Check(base + "UserPool", type, "AutoVerifiedAttributes", false,
                SortedStrings(g1->Find("AutoVerifiedAttributes")),
                SortedStrings(g2.Find("AutoVerifiedAttributes")));
      // Gen1 attaches triggers through a custom resource; compare the events.
      ValueList gen1_triggers;
      for (const auto& [event, fn] : AuthTriggers(project, auth)) {
        std::string key = event;
        key[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[0])));
        gen1_triggers.emplace_back(key);
      }
      ValueList gen2_triggers;
      if (const Value* lambda = g2.Find("LambdaConfig"); lambda && lambda->is_map()) {
        for (const auto& [k, v] : lambda->as_map()) {
          if (k != "PreTokenGenerationConfig" && k != "KMSKeyID") gen2_triggers.emplace_back(k);
        }
      }
      const Value g1_triggers(std::move(gen1_triggers));
      const Value g2_triggers(std::move(gen2_triggers));
      cmp.Check(base + "UserPool", type, "Triggers", false, SortedStrings(&g1_triggers),
                SortedStrings(&g2_triggers));
      cmp.Name(base + "UserPool", type, "UserPoolName", OrNull(g1->Find("UserPoolName")),
               OrNull(g2.Find("UserPoolName")));
    }
  }
  if (const Value* g1 = Gen1Props(auth, "UserPoolClientWeb")) {
    const std::string type = "AWS::Cognito::UserPoolClient";
    std::vector<Located> found = FindGen2(gen2, type, "", "auth");
    auto secret = [](const Value& p) {
      const Value* s = p.Find("GenerateSecret");
      return s ? *s : Value(false);
    };
    for (const Located& l : found) {
      cmp.Check(base + "UserPoolClientWeb", type, "GenerateSecret", false, secret(*g1),
                secret(*l.props));
    }
  }
  if (const Value* g1 = Gen1Props(auth, "IdentityPool")) {
    const std::string type = "AWS::Cognito::IdentityPool";
    std::vector<Located> found = FindGen2(gen2, type, "", "auth");
    if (found.size() != 1) {
      cmp.Missing(base + "IdentityPool", type, "the auth stack");
    } else {
      cmp.Check(base + "IdentityPool", type, "AllowUnauthenticatedIdentities", false,
                OrNull(g1->Find("AllowUnauthenticatedIdentities")),
                OrNull(found[0].props->Find("AllowUnauthenticatedIdentities")));
      cmp.Name(base + "IdentityPool", type, "IdentityPoolName",
               OrNull(g1->Find("IdentityPoolName")),
               OrNull(found[0].props->Find("IdentityPoolName")));
    }
  }
  // Groups live in their own Gen1 resource; Gen2 puts them in the auth stack.
  ValueList gen1_groups;
  for (const Gen1Resource* r : project.OfCategory("auth")) {
    if (r->service != "Cognito-UserPool-Groups") continue;
    const Value* res = r->deployed_template.Find("Resources");
    if (!res || !res->is_map()) continue;
    for (const auto& [id, def] : res->as_map()) {
      if (StringField(def, "Type") == "AWS::Cognito::UserPoolGroup") {
        gen1_groups.push_back(Pick(*PropsOf(def), {"GroupName", "Precedence"}));
      }
    }
  }
  ValueList gen2_groups;
  for (const Located& l : FindGen2(gen2, "AWS::Cognito::UserPoolGroup", "", "auth")) {
    gen2_groups.push_back(Pick(*l.props, {"GroupName", "Precedence"}));
  }
  if (!gen1_groups.empty() || !gen2_groups.empty()) {
    Value g1(std::move(gen1_groups));
    Value g2(std::move(gen2_groups));
    cmp.Check(base + "UserPoolGroups", "AWS::Cognito::UserPoolGroup", "Groups", false,
              SortedBy(&g1, "GroupName"), SortedBy(&g2, "GroupName"));
  }
}

}  // namespace

std::string_view FidelityStatusName(FidelityStatus status) {
  switch (status) {
    case FidelityStatus::kSame:
      return "same";
    case FidelityStatus::kDiffers:
      return "DIFFERS";
    case FidelityStatus::kExpectedBeforeRefactor:
      return "differs (expected before refactor)";
    case FidelityStatus::kMissingInGen2:
      return "MISSING";
  }
  return "unknown";
}

bool FidelityReport::Failed() const {
  for (const FidelityCheck& c : checks) {
    if (c.status == FidelityStatus::kMissingInGen2) return true;
    if (c.identity && c.status == FidelityStatus::kDiffers) return true;
  }
  return false;
}

std::string FidelityReport::ToText() const {
  std::string out = "Fidelity report: Gen1 deployed stateful resources vs synthesized Gen2\n";
  std::string last;
  int differing = 0;
  for (const FidelityCheck& c : checks) {
    if (c.resource != last) {
      out += fmt::format("\n{} ({})\n", c.resource, c.type);
      last = c.resource;
    }
    out += fmt::format("  {:<32} {}{}\n", c.property + (c.identity ? " *" : ""),
                       FidelityStatusName(c.status),
                       c.status == FidelityStatus::kSame
                           ? ""
                           : fmt::format("\n      gen1: {}\n      gen2: {}", c.gen1, c.gen2));
    if (c.status == FidelityStatus::kDiffers || c.status == FidelityStatus::kMissingInGen2) {
      ++differing;
    }
  }
  out += fmt::format(
      "\n* identity-defining: a difference would replace the resource.\n"
      "{} checks, {} differences; {}\n",
      checks.size(), differing,
      Failed() ? "FAILED: a stateful resource would not be preserved"
               : "no stateful resource would be replaced");
  return out;
}

FidelityReport CompareFidelity(const Gen1Project& project,
                               const std::vector<SynthesizedTemplate>& gen2, RefactorPhase phase) {
  FidelityReport report;
  Comparer cmp(report, phase);
  if (const Gen1Resource* auth = MainAuth(project)) CompareAuth(project, *auth, gen2, cmp);
  for (const Gen1Resource* s : project.OfCategory("storage")) {
    const Value* res = s->deployed_template.Find("Resources");
    if (!res || !res->is_map()) continue;
    for (const auto& [id, def] : res->as_map()) {
      const std::string type = StringField(def, "Type");
      const std::string name = "storage/" + s->name + "/" + id;
      const Value& g1 = *PropsOf(def);
      if (type == "AWS::DynamoDB::Table") {
        std::vector<Located> found = FindGen2(gen2, type, id, "storage" + s->name);
        if (found.size() != 1) {
          cmp.Missing(name, type, "stack storage" + s->name);
          continue;
        }
        std::string physical = project.MetaOutput("storage", s->name, "Name");
        cmp.Table(name, g1, *found[0].props, true,
                  physical.empty() ? OrNull(g1.Find("TableName")) : Value(physical));
      } else if (type == "AWS::S3::Bucket") {
        std::vector<Located> found;
        for (const SynthesizedTemplate& t : gen2) {
          if (Lower(t.file).find("storage") == std::string::npos) continue;
          const Value* r2 = t.body.Find("Resources");
          if (!r2 || !r2->is_map()) continue;
          for (const auto& [id2, def2] : r2->as_map()) {
            if (StringField(def2, "Type") == type && id2.starts_with(s->name + "Bucket")) {
              found.push_back({PropsOf(def2), t.file});
            }
          }
        }
        if (found.size() != 1) {
          cmp.Missing(name, type, "the storage stack");
          continue;
        }
        const Value& g2 = *found[0].props;
        cmp.Check(name, type, "BucketEncryption", false, OrNull(g1.Find("BucketEncryption")),
                  OrNull(g2.Find("BucketEncryption")));
        cmp.Check(name, type, "VersioningConfiguration", false,
                  OrNull(g1.Find("VersioningConfiguration")),
                  OrNull(g2.Find("VersioningConfiguration")));
        std::string physical = project.MetaOutput("storage", s->name, "BucketName");
        cmp.Name(name, type, "BucketName",
                 physical.empty() ? OrNull(g1.Find("BucketName")) : Value(physical),
                 OrNull(g2.Find("BucketName")));
      }
    }
  }
  if (const Gen1Resource* api = GraphQlApi(project)) {
    std::string api_id = project.MetaOutput("api", api->name, "GraphQLAPIIdOutput");
    for (const auto& [model, tmpl] : api->model_stacks) {
      const Value* res = tmpl.Find("Resources");
      if (!res || !res->is_map()) continue;
      for (const auto& [id, def] : res->as_map()) {
        if (StringField(def, "Type") != "AWS::DynamoDB::Table") continue;
        const std::string name = "api/" + api->name + "/" + model + "/" + id;
        std::vector<Located> found;
        for (const char* t : {"Custom::ImportedAmplifyDynamoDBTable",
                              "Custom::AmplifyDynamoDBTable", "AWS::DynamoDB::Table"}) {
          for (Located& l : FindGen2(gen2, t, id, "data")) found.push_back(l);
        }
        if (found.size() != 1) {
          cmp.Missing(name, "AWS::DynamoDB::Table", "the data stacks");
          continue;
        }
        // Model tables are adopted in place: the name must match in both phases.
        cmp.Table(name, *PropsOf(def), Capitalize(*found[0].props), false,
                  api_id.empty() ? Value()
                                 : Value(fmt::format("{}-{}-{}", model, api_id, project.env_name)));
      }
    }
  }
  return report;
}

}  // namespace flightplan::amplify
