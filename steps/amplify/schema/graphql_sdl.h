// A parser for the GraphQL type-system language (SDL), the language of an
// Amplify API's schema.graphql, following the type-system grammar of the
// GraphQL specification (October 2021): comments, commas, strings and block
// strings, descriptions, `schema`, `scalar`, `type … implements A & B`,
// `interface`, `union`, `enum`, `input`, every `extend …` form, `directive @x
// (…) repeatable on …` definitions, field arguments with default values,
// list and non-null type references, and directive applications whose
// arguments are constant values (int, float, string, boolean, null, enum,
// list, object). Executable definitions (queries, fragments) are refused: a
// schema file holds none.
//
// The parser checks syntax only. Semantic rules (a type defined twice, a
// field type that names no type) are its callers' business: schema_diff.h
// checks what it relies on.
//
// Hostile input is bounded (ParseLimits): the text's size, the number of
// nodes in the tree, and the nesting of list types and of list/object values,
// so no input can exhaust the stack or memory. Nothing throws.
//
// Thread-safety: pure functions of their arguments; the tree is a plain value.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_SCHEMA_GRAPHQL_SDL_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_SCHEMA_GRAPHQL_SDL_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace flightplan::graphql {

// 1-based; the column counts characters (UTF-8 code points), not bytes.
struct SourceLocation {
  int line = 0;
  int column = 0;
};

struct ObjectField;

// A constant value: a directive's argument or an argument's default.
struct ConstValue {
  enum class Kind { kInt, kFloat, kString, kBoolean, kNull, kEnum, kList, kObject };

  Kind kind = Kind::kNull;
  // kInt, kFloat: the literal as written ("-12", "1.5e3"); kString: the
  // value with escapes resolved (a block string's indentation removed);
  // kEnum: the name; kBoolean: "true" or "false".
  std::string text;
  std::vector<ConstValue> list;     // kList
  std::vector<ObjectField> fields;  // kObject, in source order
  SourceLocation location;

  bool boolean() const { return kind == Kind::kBoolean && text == "true"; }
  // kObject: the value of field `name`, or null when there is none.
  const ConstValue* Field(std::string_view name) const;
  // kString, or a kList of kString: the strings (anything else: none).
  std::vector<std::string> Strings() const;
  // Canonical GraphQL text: `{allow: owner, operations: [read]}`.
  std::string ToString() const;
};

struct ObjectField {
  std::string name;
  ConstValue value;
};

struct Argument {
  std::string name;
  ConstValue value;
  SourceLocation location;
};

// An application such as `@index(name: "byProduct")`.
struct Directive {
  std::string name;  // without the @
  std::vector<Argument> arguments;
  SourceLocation location;

  // The argument's value, or null when it is not given.
  const ConstValue* Find(std::string_view argument) const;
  std::string ToString() const;  // `@index(name: "byProduct")`
};

const Directive* FindDirective(const std::vector<Directive>& directives, std::string_view name);

enum class TypeWrapper { kList, kNonNull };

// A type reference such as `[String!]!`: the named type inside, and the
// wrappers around it, outermost first ({kNonNull, kList, kNonNull}). Flat,
// so comparing and copying never recurse.
struct TypeRef {
  std::string name;
  std::vector<TypeWrapper> wrappers;

  bool non_null() const { return !wrappers.empty() && wrappers.front() == TypeWrapper::kNonNull; }
  bool is_list() const;
  std::string ToString() const;
  friend bool operator==(const TypeRef&, const TypeRef&) = default;
};

// An argument of a field or a directive definition, or a field of an input
// type.
struct InputValueDefinition {
  std::optional<std::string> description;
  std::string name;
  TypeRef type;
  std::optional<ConstValue> default_value;
  std::vector<Directive> directives;
  SourceLocation location;
};

struct FieldDefinition {
  std::optional<std::string> description;
  std::string name;
  std::vector<InputValueDefinition> arguments;
  TypeRef type;
  std::vector<Directive> directives;
  SourceLocation location;
};

struct EnumValueDefinition {
  std::optional<std::string> description;
  std::string name;
  std::vector<Directive> directives;
  SourceLocation location;
};

struct RootOperationType {
  std::string operation;  // query, mutation or subscription
  std::string type;
};

enum class DefinitionKind {
  kSchema,
  kScalar,
  kObject,
  kInterface,
  kUnion,
  kEnum,
  kInputObject,
  kDirective,
};

// One top-level definition or extension; which members are filled depends
// on the kind.
struct Definition {
  DefinitionKind kind = DefinitionKind::kObject;
  bool extension = false;  // `extend …` (never for kDirective)
  std::optional<std::string> description;
  std::string name;                             // empty for kSchema
  std::vector<std::string> interfaces;          // kObject, kInterface
  std::vector<Directive> directives;            // all but kDirective
  std::vector<FieldDefinition> fields;          // kObject, kInterface
  std::vector<InputValueDefinition> arguments;  // kInputObject's fields, kDirective's arguments
  std::vector<EnumValueDefinition> values;      // kEnum
  std::vector<std::string> members;             // kUnion
  std::vector<RootOperationType> operations;    // kSchema
  bool repeatable = false;                      // kDirective
  std::vector<std::string> locations;           // kDirective
  SourceLocation location;                      // of the keyword (`extend`, `type`, …)
};

struct Document {
  std::vector<Definition> definitions;  // in source order
};

struct ParseLimits {
  // Longer input is refused before it is read.
  std::size_t max_bytes = std::size_t{8} * 1024 * 1024;
  // Deepest nesting of list types (`[[[T]]]`) and of list/object values.
  int max_depth = 64;
  // Most nodes (definitions, fields, arguments, directives, values) in the
  // tree, so that a text within max_bytes cannot grow a tree many times its
  // size (`[0,0,0,…]` is two bytes a value). Real schemas hold thousands.
  std::size_t max_nodes = 250000;
};

std::string_view DefinitionKindName(DefinitionKind kind);  // "type", "enum", …

// Parses `text` as a GraphQL type-system document. Errors are kInvalidInput
// with the message "SOURCE:LINE:COL: expected X, found Y" (SOURCE and its
// colon left out when `source_name` is empty), naming the first problem.
[[nodiscard]] Result<Document> ParseSdl(std::string_view text, std::string_view source_name = {},
                                        const ParseLimits& limits = {});

}  // namespace flightplan::graphql

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_SCHEMA_GRAPHQL_SDL_H_
