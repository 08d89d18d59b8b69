#include "steps/amplify/schema/schema_diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

namespace flightplan::amplify {
namespace {

using graphql::Definition;
using graphql::DefinitionKind;
using graphql::Directive;
using graphql::FieldDefinition;
using graphql::TypeRef;
using graphql::TypeWrapper;

tl::unexpected<Error> SchemaError(std::string_view source_name, graphql::SourceLocation at,
                                  const std::string& message) {
  std::string where = fmt::format("{}:{}", at.line, at.column);
  if (!source_name.empty()) where = fmt::format("{}:{}", source_name, where);
  return MakeError(ErrorCode::kInvalidInput, fmt::format("{}: {}", where, message));
}

bool IsRelation(const FieldDefinition& field) {
  for (const char* name : {"hasMany", "hasOne", "belongsTo", "manyToMany", "connection"}) {
    if (graphql::FindDirective(field.directives, name)) return true;
  }
  return false;
}

std::string Capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string JoinKey(const std::vector<std::string>& fields) {
  std::string out;
  for (const std::string& f : fields) {
    if (!out.empty()) out += ", ";
    out += f;
  }
  return "(" + out + ")";
}

// The names Amplify gives the timestamps it adds: @model(timestamps: …)
// renames them or (null) leaves them out.
std::vector<std::string> TimestampFields(const Directive& model) {
  const graphql::ConstValue* timestamps = model.Find("timestamps");
  if (!timestamps) return {"createdAt", "updatedAt"};
  std::vector<std::string> out;
  if (timestamps->kind != graphql::ConstValue::Kind::kObject) return out;
  for (const char* key : {"createdAt", "updatedAt"}) {
    const graphql::ConstValue* name = timestamps->Field(key);
    if (!name) {
      out.emplace_back(key);
    } else if (name->kind == graphql::ConstValue::Kind::kString) {
      out.push_back(name->text);
    }
  }
  return out;
}

// Builds one model from its type (extensions already merged).
Result<Model> BuildModel(const Definition& type, const Directive& model_directive,
                         std::string_view source_name) {
  Model model;
  model.name = type.name;
  std::set<std::string> seen;
  const FieldDefinition* key_field = nullptr;
  for (const FieldDefinition& field : type.fields) {
    if (!seen.insert(field.name).second) {
      return SchemaError(
          source_name, field.location,
          fmt::format("field `{}` is declared twice in model `{}`", field.name, type.name));
    }
    model.fields.push_back({field.name, field.type, IsRelation(field), false});
    for (const Directive& d : field.directives) {
      if (d.name == "primaryKey") {
        if (key_field) {
          return SchemaError(source_name, d.location,
                             fmt::format("model `{}` has a second @primaryKey (the first is on "
                                         "`{}`)",
                                         type.name, key_field->name));
        }
        key_field = &field;
        model.explicit_primary_key = true;
        model.primary_key = {field.name};
        if (const graphql::ConstValue* sort = d.Find("sortKeyFields")) {
          for (std::string& s : sort->Strings()) model.primary_key.push_back(std::move(s));
        }
      } else if (d.name == "index") {
        ModelIndex index;
        index.fields = {field.name};
        if (const graphql::ConstValue* sort = d.Find("sortKeyFields")) {
          for (std::string& s : sort->Strings()) index.fields.push_back(std::move(s));
        }
        const graphql::ConstValue* name = d.Find("name");
        if (name && name->kind == graphql::ConstValue::Kind::kString) {
          index.name = name->text;
        } else {
          index.name = "by" + Capitalized(field.name);
          for (std::size_t i = 1; i < index.fields.size(); ++i) {
            index.name += "And" + Capitalized(index.fields[i]);
          }
        }
        model.indexes.push_back(std::move(index));
      }
    }
  }
  // Transformer v1: @key(fields: […]) is the primary key, @key(name: …,
  // fields: […]) an index.
  for (const Directive& d : type.directives) {
    if (d.name != "key") continue;
    const graphql::ConstValue* fields = d.Find("fields");
    std::vector<std::string> key = fields ? fields->Strings() : std::vector<std::string>{};
    if (key.empty()) continue;
    const graphql::ConstValue* name = d.Find("name");
    if (name && name->kind == graphql::ConstValue::Kind::kString) {
      model.indexes.push_back({name->text, std::move(key)});
    } else if (model.explicit_primary_key) {
      return SchemaError(source_name, d.location,
                         fmt::format("model `{}` has a second primary key", type.name));
    } else {
      model.explicit_primary_key = true;
      model.primary_key = std::move(key);
    }
  }
  if (!model.explicit_primary_key) {
    model.primary_key = {"id"};
    if (!seen.count("id"))
      model.fields.push_back({"id", {"ID", {TypeWrapper::kNonNull}}, false, true});
  }
  for (const std::string& stamp : TimestampFields(model_directive)) {
    if (seen.insert(stamp).second) {
      model.fields.push_back({stamp, {"AWSDateTime", {TypeWrapper::kNonNull}}, false, true});
    }
  }
  for (const std::string& key : model.primary_key) {
    if (!model.FindField(key)) {
      return SchemaError(source_name, type.location,
                         fmt::format("the primary key of model `{}` names field `{}`, which the "
                                     "model does not have",
                                     type.name, key));
    }
  }
  std::sort(model.indexes.begin(), model.indexes.end(),
            [](const ModelIndex& a, const ModelIndex& b) { return a.name < b.name; });
  for (std::size_t i = 1; i < model.indexes.size(); ++i) {
    if (model.indexes[i].name == model.indexes[i - 1].name) {
      return SchemaError(
          source_name, type.location,
          fmt::format("model `{}` declares index `{}` twice", type.name, model.indexes[i].name));
    }
  }
  for (const Directive& d : type.directives) {
    if (d.name == "auth") model.auth += d.ToString() + "\n";
  }
  for (const FieldDefinition& field : type.fields) {
    for (const Directive& d : field.directives) {
      if (d.name == "auth") model.auth += field.name + ": " + d.ToString() + "\n";
    }
  }
  return model;
}

// The nullability of each level of a type: [0] the value itself, [k] the
// items of the k-th nested list.
std::vector<bool> NonNullLevels(const TypeRef& type) {
  std::vector<bool> levels{false};
  for (TypeWrapper w : type.wrappers) {
    if (w == TypeWrapper::kNonNull) {
      levels.back() = true;
    } else {
      levels.push_back(false);
    }
  }
  return levels;
}

// The type with every non-null removed: what values it can hold.
std::string Shape(const TypeRef& type) {
  TypeRef shape{type.name, {}};
  for (TypeWrapper w : type.wrappers) {
    if (w == TypeWrapper::kList) shape.wrappers.push_back(w);
  }
  return shape.ToString();
}

// A model's fields as (name, type) pairs, sorted: two models with the same
// signature store the same items.
std::vector<std::pair<std::string, std::string>> Signature(const Model& model) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const ModelField& f : model.fields) out.emplace_back(f.name, f.type.ToString());
  std::sort(out.begin(), out.end());
  return out;
}

// The value a required field gets in items that lack it: its type's zero
// value as jq text ("" for a string, 0, false, [] for a list, an enum's
// first value); empty for an object type, which has no obvious one.
std::string ZeroValue(const graphql::TypeRef& type, const SchemaModels& schema) {
  if (type.is_list()) return "[]";
  static const std::map<std::string, std::string, std::less<>> kScalars = {
      {"ID", "\"\""},
      {"String", "\"\""},
      {"AWSEmail", "\"\""},
      {"AWSURL", "\"\""},
      {"AWSPhone", "\"\""},
      {"AWSIPAddress", "\"\""},
      {"Int", "0"},
      {"Float", "0"},
      {"AWSTimestamp", "0"},
      {"Boolean", "false"},
      {"AWSJSON", "\"{}\""},
      {"AWSDate", "\"1970-01-01\""},
      {"AWSTime", "\"00:00:00.000Z\""},
      {"AWSDateTime", "\"1970-01-01T00:00:00.000Z\""},
  };
  if (auto scalar = kScalars.find(type.name); scalar != kScalars.end()) return scalar->second;
  auto e = schema.enums.find(type.name);
  if (e != schema.enums.end() && !e->second.empty()) return "\"" + e->second.front() + "\"";
  return "";
}

class Differ {
 public:
  SchemaDiff Run(const SchemaModels& before, const SchemaModels& after) {
    after_ = &after;
    DiffModels(before, after);
    DiffEnums(before, after);
    std::stable_sort(changes_.begin(), changes_.end(),
                     [](const SchemaChange& a, const SchemaChange& b) {
                       return std::make_tuple(-static_cast<int>(a.category), a.model, a.field) <
                              std::make_tuple(-static_cast<int>(b.category), b.model, b.field);
                     });
    return SchemaDiff{std::move(changes_)};
  }

 private:
  const SchemaModels* after_ = nullptr;

  SchemaChange& Add(ChangeCategory category, ChangeKind kind, std::string model, std::string field,
                    std::string message) {
    SchemaChange change;
    change.category = category;
    change.kind = kind;
    change.model = std::move(model);
    change.field = std::move(field);
    change.message = std::move(message);
    changes_.push_back(std::move(change));
    return changes_.back();
  }

  void DiffModels(const SchemaModels& before, const SchemaModels& after) {
    std::vector<const Model*> removed;
    std::vector<const Model*> added;
    for (const auto& [name, model] : before.models) {
      if (!after.models.count(name)) removed.push_back(&model);
    }
    for (const auto& [name, model] : after.models) {
      auto old = before.models.find(name);
      if (old == before.models.end()) {
        added.push_back(&model);
      } else {
        DiffModel(old->second, model);
      }
    }
    for (const Model* gone : removed) {
      auto twin = std::find_if(added.begin(), added.end(), [&](const Model* candidate) {
        return Signature(*candidate) == Signature(*gone);
      });
      if (twin != added.end()) {
        Add(ChangeCategory::kBreaking, ChangeKind::kModelPossiblyRenamed, (*twin)->name, "",
            fmt::format("model `{0}` is possibly renamed from `{1}` (same fields): Gen2 creates "
                        "a new, empty table for `{0}` and the `{1}` table's items are not "
                        "carried over; copy them with a data migration before the old table is "
                        "deleted",
                        (*twin)->name, gone->name))
            .previous_name = gone->name;
        added.erase(twin);
        continue;
      }
      Add(ChangeCategory::kDangerous, ChangeKind::kModelRemoved, gone->name, "",
          fmt::format("model `{}` is removed: its table and every item in it are deleted on "
                      "deploy; back the table up (flightplan backup) or export the items first",
                      gone->name));
    }
    for (const Model* model : added) {
      Add(ChangeCategory::kSafe, ChangeKind::kModelAdded, model->name, "",
          fmt::format("model `{}` is added: a new, empty table; existing data is untouched",
                      model->name));
    }
  }

  void DiffModel(const Model& before, const Model& after) {
    const std::string& model = after.name;
    if (before.primary_key != after.primary_key) {
      Add(ChangeCategory::kDangerous, ChangeKind::kPrimaryKeyChanged, model, "",
          fmt::format("the primary key of `{}` changes from {} to {}: DynamoDB cannot change a "
                      "table's key, so the table is replaced and every existing item is dropped; "
                      "back the table up and copy its items into the new table with a data "
                      "migration",
                      model, JoinKey(before.primary_key), JoinKey(after.primary_key)));
    }
    DiffFields(before, after);
    DiffIndexes(before, after);
    if (before.auth != after.auth) {
      Add(ChangeCategory::kSafe, ChangeKind::kAuthChanged, model, "",
          fmt::format("the @auth rules of `{}` change: items are unchanged, but who may read and "
                      "write them changes; check that existing items' owner and group fields "
                      "still grant the access you expect",
                      model));
    }
  }

  void DiffFields(const Model& before, const Model& after) {
    const std::string& model = after.name;
    std::vector<const ModelField*> removed;
    std::vector<const ModelField*> added;
    for (const ModelField& f : before.fields) {
      if (!after.FindField(f.name)) removed.push_back(&f);
    }
    for (const ModelField& f : after.fields) {
      const ModelField* old = before.FindField(f.name);
      if (!old) {
        added.push_back(&f);
      } else {
        DiffField(model, *old, f);
      }
    }
    for (const ModelField* gone : removed) {
      if (!gone->virtual_relation) {
        auto twin = std::find_if(added.begin(), added.end(), [&](const ModelField* candidate) {
          return !candidate->virtual_relation && candidate->type == gone->type;
        });
        if (twin != added.end()) {
          Add(ChangeCategory::kBreaking, ChangeKind::kFieldPossiblyRenamed, model, (*twin)->name,
              fmt::format("`{0}` is possibly renamed from `{1}` (both {2}): existing items keep "
                          "their values under `{1}` and read `{0}` as empty; add a data migration "
                          "that copies `{1}` to `{0}`",
                          (*twin)->name, gone->name, gone->type.ToString()))
              .previous_name = gone->name;
          changes_.back().fix_jq =
              fmt::format("if has(\"{1}\") and .{0} == null then .{0} = .{1} else . end",
                          (*twin)->name, gone->name);
          added.erase(twin);
          continue;
        }
      }
      if (gone->virtual_relation) {
        Add(ChangeCategory::kBreaking, ChangeKind::kFieldRemoved, model, gone->name,
            fmt::format("relation `{}` is removed: the related items stay in their table, but "
                        "clients that query `{}` fail; update them",
                        gone->name, gone->name));
      } else {
        Add(ChangeCategory::kBreaking, ChangeKind::kFieldRemoved, model, gone->name,
            fmt::format("`{0}` is removed: existing items keep its values but nothing reads "
                        "them any more, and clients that query `{0}` fail; copy the values "
                        "elsewhere with a data migration if you need them",
                        gone->name));
      }
    }
    for (const ModelField* field : added) {
      if (field->virtual_relation || !field->type.non_null()) {
        Add(ChangeCategory::kSafe, ChangeKind::kFieldAdded, model, field->name,
            fmt::format("{} `{}` ({}) is added: existing items read it as null",
                        field->virtual_relation ? "relation" : "optional field", field->name,
                        field->type.ToString()));
      } else {
        Add(ChangeCategory::kBreaking, ChangeKind::kFieldAdded, model, field->name,
            fmt::format("required field `{0}` ({1}) is added: existing items lack it and will "
                        "fail to read; add a data migration that sets `{0}` on every item, or "
                        "add it as optional first",
                        field->name, field->type.ToString()));
      }
    }
  }

  void DiffField(const std::string& model, const ModelField& before, const ModelField& after) {
    const std::string& name = after.name;
    if (Shape(before.type) != Shape(after.type)) {
      bool list_change = before.type.is_list() != after.type.is_list();
      Add(ChangeCategory::kBreaking, ChangeKind::kFieldTypeChanged, model, name,
          fmt::format("`{}` changes type from {} to {}{}: existing items hold values of the old "
                      "type, which will fail to read; add a data migration that converts them",
                      name, before.type.ToString(), after.type.ToString(),
                      list_change ? " (a list becomes a single value or the reverse)" : ""));
      return;
    }
    if (before.virtual_relation || after.virtual_relation) return;
    std::vector<bool> was = NonNullLevels(before.type);
    std::vector<bool> now = NonNullLevels(after.type);
    bool tightened_value = !was[0] && now[0];
    bool tightened_items = false;
    bool loosened = false;
    for (std::size_t i = 0; i < was.size() && i < now.size(); ++i) {
      if (i > 0 && !was[i] && now[i]) tightened_items = true;
      if (was[i] && !now[i]) loosened = true;
    }
    if (tightened_value) {
      SchemaChange& change = Add(
          ChangeCategory::kBreaking, ChangeKind::kFieldRequired, model, name,
          fmt::format("`{0}` becomes required ({1} to {2}): existing items without it will fail "
                      "to read; add a data migration that sets it",
                      name, before.type.ToString(), after.type.ToString()));
      std::string zero = ZeroValue(after.type, *after_);
      if (!zero.empty()) {
        change.fix_jq = fmt::format("if .{0} == null then .{0} = {1} else . end", name, zero);
      }
    }
    if (tightened_items) {
      Add(ChangeCategory::kBreaking, ChangeKind::kFieldRequired, model, name,
          fmt::format("the entries of list `{0}` become required ({1} to {2}): existing items "
                      "whose list holds a null will fail to read; add a data migration that "
                      "removes the nulls",
                      name, before.type.ToString(), after.type.ToString()))
          .fix_jq = fmt::format(
          "if (.{0} | type) == \"array\" then .{0} |= map(select(. != null)) else . end", name);
    }
    if (loosened && !tightened_value && !tightened_items) {
      Add(ChangeCategory::kSafe, ChangeKind::kFieldOptional, model, name,
          fmt::format("`{}` becomes optional ({} to {}): existing items are unaffected; clients "
                      "must now handle null",
                      name, before.type.ToString(), after.type.ToString()));
    }
  }

  void DiffIndexes(const Model& before, const Model& after) {
    const std::string& model = after.name;
    auto find = [](const Model& m, const std::string& name) -> const ModelIndex* {
      for (const ModelIndex& i : m.indexes) {
        if (i.name == name) return &i;
      }
      return nullptr;
    };
    for (const ModelIndex& old : before.indexes) {
      const ModelIndex* now = find(after, old.name);
      if (!now) {
        Add(ChangeCategory::kBreaking, ChangeKind::kIndexRemoved, model, old.fields.front(),
            fmt::format("index `{}` {} of `{}` is removed: no items are lost, but the queries "
                        "that use it fail; update the clients first",
                        old.name, JoinKey(old.fields), model));
      } else if (now->fields != old.fields) {
        Add(ChangeCategory::kBreaking, ChangeKind::kIndexChanged, model, now->fields.front(),
            fmt::format("index `{}` of `{}` changes from {} to {}: it is deleted and rebuilt "
                        "from the existing items, and queries through it fail or return partial "
                        "results until the rebuild ends; deploy it on its own",
                        old.name, model, JoinKey(old.fields), JoinKey(now->fields)));
      }
    }
    for (const ModelIndex& index : after.indexes) {
      if (find(before, index.name)) continue;
      Add(ChangeCategory::kSafe, ChangeKind::kIndexAdded, model, index.fields.front(),
          fmt::format("index `{}` {} is added to `{}`: DynamoDB fills it from the existing "
                      "items; queries through it return partial results until it is active",
                      index.name, JoinKey(index.fields), model));
    }
  }

  void DiffEnums(const SchemaModels& before, const SchemaModels& after) {
    for (const auto& entry : before.enums) {
      // Named, not bound: lambdas below capture them.
      const std::string& name = entry.first;
      const std::vector<std::string>& old_values = entry.second;
      auto now = after.enums.find(name);
      if (now == after.enums.end()) continue;
      std::vector<std::pair<const Model*, const ModelField*>> users = Users(after, name);
      if (users.empty()) users = Users(before, name);
      for (const std::string& value : old_values) {
        if (std::find(now->second.begin(), now->second.end(), value) != now->second.end()) {
          continue;
        }
        auto add = [&](const std::string& model, const std::string& field) {
          std::string message =
              field.empty() ? fmt::format(
                                  "enum `{}` loses the value {}: no model's field uses the enum, "
                                  "so no stored item is affected; clients that send it fail",
                                  name, value)
                            : fmt::format(
                                  "`{}` (enum {}) loses the value {}: existing items holding it "
                                  "will fail to read; add a data migration that maps {} to "
                                  "another value",
                                  field, name, value, value);
          SchemaChange& change = Add(ChangeCategory::kBreaking, ChangeKind::kEnumValueRemoved,
                                     model, field, std::move(message));
          change.enum_name = name;
          change.enum_value = value;
          if (!field.empty() && !now->second.empty()) {
            change.fix_jq = fmt::format("if .{0} == \"{1}\" then .{0} = \"{2}\" else . end", field,
                                        value, now->second.front());
          }
        };
        if (users.empty()) add("", "");
        for (const auto& [model, field] : users) add(model->name, field->name);
      }
      for (const std::string& value : now->second) {
        if (std::find(old_values.begin(), old_values.end(), value) != old_values.end()) continue;
        SchemaChange& change =
            Add(ChangeCategory::kSafe, ChangeKind::kEnumValueAdded, "", "",
                fmt::format("enum `{}` gains the value {}: existing items are unaffected; "
                            "clients that switch over the enum must handle it",
                            name, value));
        change.enum_name = name;
        change.enum_value = value;
      }
    }
  }

  static std::vector<std::pair<const Model*, const ModelField*>> Users(const SchemaModels& schema,
                                                                       const std::string& name) {
    std::vector<std::pair<const Model*, const ModelField*>> out;
    for (const auto& [model_name, model] : schema.models) {
      for (const ModelField& f : model.fields) {
        if (!f.virtual_relation && f.type.name == name) out.emplace_back(&model, &f);
      }
    }
    return out;
  }

  std::vector<SchemaChange> changes_;
};

}  // namespace

const ModelField* Model::FindField(std::string_view field) const {
  for (const ModelField& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

Result<SchemaModels> ExtractModels(const graphql::Document& document,
                                   std::string_view source_name) {
  std::map<std::string, Definition> types;
  std::map<std::string, Definition> enums;
  for (const Definition& d : document.definitions) {
    if (d.extension) continue;
    if (d.kind != DefinitionKind::kObject && d.kind != DefinitionKind::kEnum) continue;
    auto& table = d.kind == DefinitionKind::kObject ? types : enums;
    auto [it, inserted] = table.emplace(d.name, d);
    if (!inserted) {
      return SchemaError(
          source_name, d.location,
          fmt::format("{} `{}` is defined twice (first at line {})",
                      graphql::DefinitionKindName(d.kind), d.name, it->second.location.line));
    }
  }
  for (const Definition& d : document.definitions) {
    if (!d.extension) continue;
    if (d.kind != DefinitionKind::kObject && d.kind != DefinitionKind::kEnum) continue;
    auto& table = d.kind == DefinitionKind::kObject ? types : enums;
    auto it = table.find(d.name);
    if (it == table.end()) {
      return SchemaError(source_name, d.location,
                         fmt::format("`extend {} {}` extends a {} the schema does not define",
                                     graphql::DefinitionKindName(d.kind), d.name,
                                     graphql::DefinitionKindName(d.kind)));
    }
    Definition& base = it->second;
    base.directives.insert(base.directives.end(), d.directives.begin(), d.directives.end());
    base.fields.insert(base.fields.end(), d.fields.begin(), d.fields.end());
    base.values.insert(base.values.end(), d.values.begin(), d.values.end());
  }
  SchemaModels out;
  for (const auto& [name, definition] : enums) {
    std::vector<std::string>& values = out.enums[name];
    for (const graphql::EnumValueDefinition& v : definition.values) values.push_back(v.name);
  }
  for (const auto& [name, definition] : types) {
    const Directive* model = graphql::FindDirective(definition.directives, "model");
    if (!model) continue;
    ASSIGN_OR_RETURN(Model built, BuildModel(definition, *model, source_name));
    out.models.emplace(name, std::move(built));
  }
  return out;
}

std::size_t SchemaDiff::Count(ChangeCategory category) const {
  return static_cast<std::size_t>(
      std::count_if(changes.begin(), changes.end(),
                    [category](const SchemaChange& c) { return c.category == category; }));
}

SchemaDiff DiffSchemas(const SchemaModels& before, const SchemaModels& after) {
  return Differ().Run(before, after);
}

Result<SchemaDiff> DiffSchemaTexts(std::string_view before_text, std::string_view before_name,
                                   std::string_view after_text, std::string_view after_name) {
  ASSIGN_OR_RETURN(graphql::Document before_doc, graphql::ParseSdl(before_text, before_name));
  ASSIGN_OR_RETURN(graphql::Document after_doc, graphql::ParseSdl(after_text, after_name));
  ASSIGN_OR_RETURN(SchemaModels before, ExtractModels(before_doc, before_name));
  ASSIGN_OR_RETURN(SchemaModels after, ExtractModels(after_doc, after_name));
  return DiffSchemas(before, after);
}

std::string_view ChangeCategoryName(ChangeCategory category) {
  switch (category) {
    case ChangeCategory::kSafe:
      return "safe";
    case ChangeCategory::kBreaking:
      return "breaking";
    case ChangeCategory::kDangerous:
      return "dangerous";
  }
  return "?";
}

std::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kModelAdded:
      return "model_added";
    case ChangeKind::kModelRemoved:
      return "model_removed";
    case ChangeKind::kModelPossiblyRenamed:
      return "model_possibly_renamed";
    case ChangeKind::kPrimaryKeyChanged:
      return "primary_key_changed";
    case ChangeKind::kFieldAdded:
      return "field_added";
    case ChangeKind::kFieldRemoved:
      return "field_removed";
    case ChangeKind::kFieldPossiblyRenamed:
      return "field_possibly_renamed";
    case ChangeKind::kFieldTypeChanged:
      return "field_type_changed";
    case ChangeKind::kFieldRequired:
      return "field_required";
    case ChangeKind::kFieldOptional:
      return "field_optional";
    case ChangeKind::kIndexAdded:
      return "index_added";
    case ChangeKind::kIndexRemoved:
      return "index_removed";
    case ChangeKind::kIndexChanged:
      return "index_changed";
    case ChangeKind::kAuthChanged:
      return "auth_changed";
    case ChangeKind::kEnumValueAdded:
      return "enum_value_added";
    case ChangeKind::kEnumValueRemoved:
      return "enum_value_removed";
  }
  return "?";
}

Value SchemaDiffJson(const SchemaDiff& diff) {
  ValueList changes;
  for (const SchemaChange& c : diff.changes) {
    Value v;
    v.Set("category", ChangeCategoryName(c.category));
    v.Set("kind", ChangeKindName(c.kind));
    if (!c.model.empty()) v.Set("model", c.model);
    if (!c.field.empty()) v.Set("field", c.field);
    if (!c.previous_name.empty()) v.Set("previous_name", c.previous_name);
    if (!c.enum_name.empty()) v.Set("enum", c.enum_name);
    if (!c.enum_value.empty()) v.Set("enum_value", c.enum_value);
    v.Set("message", c.message);
    if (!c.fix_jq.empty()) v.Set("fix_jq", c.fix_jq);
    changes.push_back(std::move(v));
  }
  Value summary;
  for (ChangeCategory category :
       {ChangeCategory::kSafe, ChangeCategory::kBreaking, ChangeCategory::kDangerous}) {
    summary.Set(std::string(ChangeCategoryName(category)),
                static_cast<int64_t>(diff.Count(category)));
  }
  Value out;
  out.Set("changes", Value(std::move(changes)));
  out.Set("summary", std::move(summary));
  return out;
}

}  // namespace flightplan::amplify
