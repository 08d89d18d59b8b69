// What a change to an Amplify GraphQL schema does to the data already stored
// in its tables: `flightplan schema diff OLD NEW` (docs/data-migrations.md).
//
// Only @model types hold data (one DynamoDB table each), so only they, and the
// enums their fields use, are compared. Each change is classified:
//
//   kSafe       existing items keep working: an optional field or a new model
//               added, an index added, @auth rules changed, a field made
//               optional, an enum value added;
//   kBreaking   existing items or the clients that read them stop working
//               until a data migration (or a client change) follows: a field
//               removed, renamed, retyped or made required, a required field
//               added, a model renamed, an index removed or changed, an enum
//               value removed;
//   kDangerous  the deployment deletes stored items: a model removed (its
//               table goes), a primary key changed, added or removed (the
//               table is replaced).
//
// The diff is a pure function of the two schemas. Each change names its model
// and field, so a later step can attach live numbers (how many items lack the
// field, hold the removed enum value, …) to it without re-deriving anything.
//
// Thread-safety: pure functions; the results are plain values.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_SCHEMA_SCHEMA_DIFF_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_SCHEMA_SCHEMA_DIFF_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "steps/amplify/schema/graphql_sdl.h"

namespace flightplan::amplify {

// One stored field of a model as the table sees it.
struct ModelField {
  std::string name;
  graphql::TypeRef type;
  // A relation (@hasMany, @hasOne, @belongsTo, @manyToMany, v1 @connection):
  // resolved by a query, not stored in the item under this name.
  bool virtual_relation = false;
  // Not written in the schema but added by Amplify (`id`, `createdAt`,
  // `updatedAt`).
  bool implicit = false;
};

struct ModelIndex {
  std::string name;
  std::vector<std::string> fields;  // partition key, then sort keys
};

// An @model type: the shape of one table.
struct Model {
  std::string name;
  std::vector<ModelField> fields;  // declared order, implicit fields last
  // Partition key, then sort keys: @primaryKey (or v1 @key without a name);
  // `id` when the schema names none.
  std::vector<std::string> primary_key;
  bool explicit_primary_key = false;
  std::vector<ModelIndex> indexes;  // @index (or v1 @key with a name), by name
  // The @auth directives on the type and its fields, as canonical text, for
  // comparison only.
  std::string auth;

  const ModelField* FindField(std::string_view field) const;
};

// The tables of a schema, and its enums' values (by enum name).
struct SchemaModels {
  std::map<std::string, Model> models;
  std::map<std::string, std::vector<std::string>> enums;
};

// The models and enums of a parsed schema (with `extend type` merged in).
// Errors are kInvalidInput naming `source_name` and the line: a type or enum
// defined twice, a field declared twice in a model, a key that names a field
// the model does not have.
[[nodiscard]] Result<SchemaModels> ExtractModels(const graphql::Document& document,
                                                 std::string_view source_name = {});

enum class ChangeCategory { kSafe, kBreaking, kDangerous };

enum class ChangeKind {
  kModelAdded,
  kModelRemoved,
  kModelPossiblyRenamed,
  kPrimaryKeyChanged,
  kFieldAdded,
  kFieldRemoved,
  kFieldPossiblyRenamed,
  kFieldTypeChanged,
  kFieldRequired,
  kFieldOptional,
  kIndexAdded,
  kIndexRemoved,
  kIndexChanged,
  kAuthChanged,
  kEnumValueAdded,
  kEnumValueRemoved,
};

struct SchemaChange {
  ChangeCategory category = ChangeCategory::kSafe;
  ChangeKind kind = ChangeKind::kFieldAdded;
  // The model (table) whose items the change touches: the new name for a
  // rename. Empty for an enum value added (one change per enum), and for a
  // removed value that no model's field uses (otherwise one change per field
  // that uses the enum).
  std::string model;
  // The field the change is about (the new name for a rename); empty for a
  // change of the whole model, its key, its indexes or its @auth.
  std::string field;
  std::string previous_name;  // renames: the old model or field name
  std::string enum_name;      // enum value changes: the enum
  std::string enum_value;     // enum value changes: the value
  // One line a person can act on: what happens to existing items, and what
  // to do about it.
  std::string message;
  // A jq program for a dynamodb.transform that brings the stored items in
  // line before the new schema is deployed, where one is plain (a required
  // field given its type's zero value or the enum's first value, a renamed
  // field's values copied, a removed enum value mapped to the first one left,
  // nulls dropped from a list); empty otherwise. Its values are defaults for
  // a person to review, and it leaves what the deployed app still reads.
  std::string fix_jq;
};

struct SchemaDiff {
  // Dangerous first, then breaking, then safe; within each, by model and
  // field.
  std::vector<SchemaChange> changes;

  std::size_t Count(ChangeCategory category) const;
  bool has_breaking() const { return Count(ChangeCategory::kBreaking) > 0; }
  bool has_dangerous() const { return Count(ChangeCategory::kDangerous) > 0; }
};

// Compares the tables of `before` with those of `after`.
SchemaDiff DiffSchemas(const SchemaModels& before, const SchemaModels& after);

// Parses both texts and diffs them; errors are the parser's or
// ExtractModels', naming the source and line:column.
[[nodiscard]] Result<SchemaDiff> DiffSchemaTexts(std::string_view before_text,
                                                 std::string_view before_name,
                                                 std::string_view after_text,
                                                 std::string_view after_name);

std::string_view ChangeCategoryName(ChangeCategory category);  // "safe", "breaking", "dangerous"
std::string_view ChangeKindName(ChangeKind kind);              // "field_removed", …

// {"changes": [{category, kind, model, field, …, message}], "summary":
// {"safe": n, "breaking": n, "dangerous": n}}; a change's empty strings are
// left out.
Value SchemaDiffJson(const SchemaDiff& diff);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_SCHEMA_SCHEMA_DIFF_H_
