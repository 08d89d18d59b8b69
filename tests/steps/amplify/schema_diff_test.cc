// The schema diff: each kind of change to an @model type lands in the
// category that says what it does to the items already stored (safe,
// breaking, dangerous), with a message that names the model and field.
#include "steps/amplify/schema/schema_diff.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

namespace flightplan::amplify {
namespace {

SchemaDiff Diff(std::string_view before, std::string_view after) {
  Result<SchemaDiff> diff = DiffSchemaTexts(before, "old.graphql", after, "new.graphql");
  EXPECT_TRUE(diff) << diff.error().ToString();
  return diff ? *diff : SchemaDiff{};
}

std::string Describe(const SchemaDiff& diff) {
  std::string out;
  for (const SchemaChange& c : diff.changes) {
    out += fmt::format("{} {} {}.{}: {}\n", ChangeCategoryName(c.category), ChangeKindName(c.kind),
                       c.model, c.field, c.message);
  }
  return out;
}

// The one change in `diff`; fails the test when there is not exactly one.
SchemaChange Only(const SchemaDiff& diff) {
  EXPECT_EQ(diff.changes.size(), 1u) << Describe(diff);
  return diff.changes.empty() ? SchemaChange{} : diff.changes.front();
}

constexpr std::string_view kTodo = R"(
type Todo @model @auth(rules: [{ allow: owner }]) {
  id: ID!
  name: String!
  description: String
  completed: Boolean
  tags: [String]
  status: Status
}
enum Status { OPEN DONE }
)";

TEST(SchemaDiffTest, IdenticalSchemasHaveNoChanges) {
  EXPECT_TRUE(Diff(kTodo, kTodo).changes.empty());
}

TEST(SchemaDiffTest, CommentsFormattingAndNonModelTypesDoNotCount) {
  std::string after = std::string(kTodo) + "\n# a comment\ntype Query { hello: String }\n";
  EXPECT_TRUE(Diff(kTodo, after).changes.empty());
}

TEST(SchemaDiffTest, OptionalFieldAddedIsSafe) {
  SchemaChange c =
      Only(Diff("type T @model { id: ID! }", "type T @model { id: ID! note: String }"));
  EXPECT_EQ(c.category, ChangeCategory::kSafe);
  EXPECT_EQ(c.kind, ChangeKind::kFieldAdded);
  EXPECT_EQ(c.model, "T");
  EXPECT_EQ(c.field, "note");
  EXPECT_NE(c.message.find("existing items read it as null"), std::string::npos);
}

TEST(SchemaDiffTest, RequiredFieldAddedIsBreaking) {
  SchemaChange c =
      Only(Diff("type T @model { id: ID! }", "type T @model { id: ID! due: AWSDate! }"));
  EXPECT_EQ(c.category, ChangeCategory::kBreaking);
  EXPECT_EQ(c.kind, ChangeKind::kFieldAdded);
  EXPECT_NE(c.message.find("add a data migration that sets `due`"), std::string::npos);
}

TEST(SchemaDiffTest, NewModelIsSafe) {
  SchemaChange c = Only(Diff("type A @model { id: ID! }",
                             "type A @model { id: ID! }\ntype B @model { id: ID! x: Int! }"));
  EXPECT_EQ(c.category, ChangeCategory::kSafe);
  EXPECT_EQ(c.kind, ChangeKind::kModelAdded);
  EXPECT_EQ(c.model, "B");
}

TEST(SchemaDiffTest, NewIndexIsSafe) {
  SchemaChange c = Only(Diff("type T @model { id: ID! owner: String }",
                             "type T @model { id: ID! owner: String @index(name: \"byOwner\") }"));
  EXPECT_EQ(c.category, ChangeCategory::kSafe);
  EXPECT_EQ(c.kind, ChangeKind::kIndexAdded);
  EXPECT_EQ(c.field, "owner");
  EXPECT_NE(c.message.find("`byOwner`"), std::string::npos);
}

TEST(SchemaDiffTest, IndexRemovedOrChangedIsBreaking) {
  std::string_view with = R"(type T @model { id: ID! a: String @index(name: "byA") b: String })";
  SchemaChange removed = Only(Diff(with, "type T @model { id: ID! a: String b: String }"));
  EXPECT_EQ(removed.category, ChangeCategory::kBreaking);
  EXPECT_EQ(removed.kind, ChangeKind::kIndexRemoved);
  SchemaChange changed = Only(Diff(
      with,
      R"(type T @model { id: ID! a: String @index(name: "byA", sortKeyFields: ["b"]) b: String })"));
  EXPECT_EQ(changed.category, ChangeCategory::kBreaking);
  EXPECT_EQ(changed.kind, ChangeKind::kIndexChanged);
  EXPECT_NE(changed.message.find("from (a) to (a, b)"), std::string::npos) << changed.message;
}

TEST(SchemaDiffTest, AuthRuleChangeIsSafe) {
  std::string after = std::string(kTodo);
  after.replace(after.find("allow: owner"), 12, "allow: private");
  SchemaChange c = Only(Diff(kTodo, after));
  EXPECT_EQ(c.category, ChangeCategory::kSafe);
  EXPECT_EQ(c.kind, ChangeKind::kAuthChanged);
  EXPECT_EQ(c.model, "Todo");
}

TEST(SchemaDiffTest, FieldMadeOptionalIsSafe) {
  SchemaChange c = Only(
      Diff("type T @model { id: ID! name: String! }", "type T @model { id: ID! name: String }"));
  EXPECT_EQ(c.category, ChangeCategory::kSafe);
  EXPECT_EQ(c.kind, ChangeKind::kFieldOptional);
  EXPECT_EQ(c.field, "name");
}

TEST(SchemaDiffTest, NewEnumValueIsSafe) {
  std::string after = std::string(kTodo);
  after.replace(after.find("OPEN DONE"), 9, "OPEN DONE ARCHIVED");
  SchemaChange c = Only(Diff(kTodo, after));
  EXPECT_EQ(c.category, ChangeCategory::kSafe);
  EXPECT_EQ(c.kind, ChangeKind::kEnumValueAdded);
  EXPECT_EQ(c.enum_name, "Status");
  EXPECT_EQ(c.enum_value, "ARCHIVED");
}

TEST(SchemaDiffTest, FieldRemovedIsBreaking) {
  std::string after = std::string(kTodo);
  after.erase(after.find("  description: String\n"), 22);
  SchemaChange c = Only(Diff(kTodo, after));
  EXPECT_EQ(c.category, ChangeCategory::kBreaking);
  EXPECT_EQ(c.kind, ChangeKind::kFieldRemoved);
  EXPECT_EQ(c.model, "Todo");
  EXPECT_EQ(c.field, "description");
}

TEST(SchemaDiffTest, FieldTypeChangeIncludingListnessIsBreaking) {
  SchemaChange type =
      Only(Diff("type T @model { id: ID! n: Int }", "type T @model { id: ID! n: String }"));
  EXPECT_EQ(type.category, ChangeCategory::kBreaking);
  EXPECT_EQ(type.kind, ChangeKind::kFieldTypeChanged);
  EXPECT_NE(type.message.find("from Int to String"), std::string::npos);
  SchemaChange list =
      Only(Diff("type T @model { id: ID! n: String }", "type T @model { id: ID! n: [String] }"));
  EXPECT_EQ(list.kind, ChangeKind::kFieldTypeChanged);
  EXPECT_NE(list.message.find("a list becomes a single value"), std::string::npos);
}

TEST(SchemaDiffTest, OptionalToRequiredIsBreaking) {
  SchemaChange c =
      Only(Diff(kTodo, std::string(kTodo).replace(std::string(kTodo).find("completed: Boolean"), 18,
                                                  "completed: Boolean!")));
  EXPECT_EQ(c.category, ChangeCategory::kBreaking);
  EXPECT_EQ(c.kind, ChangeKind::kFieldRequired);
  EXPECT_EQ(c.field, "completed");
  EXPECT_EQ(c.message.substr(0, 26), "`completed` becomes requir");
  EXPECT_NE(c.message.find("existing items without it will fail to read; add a data migration "
                           "that sets it"),
            std::string::npos);
}

TEST(SchemaDiffTest, ListEntriesMadeRequiredIsBreaking) {
  SchemaChange c = Only(Diff("type T @model { id: ID! tags: [String] }",
                             "type T @model { id: ID! tags: [String!] }"));
  EXPECT_EQ(c.category, ChangeCategory::kBreaking);
  EXPECT_EQ(c.kind, ChangeKind::kFieldRequired);
  EXPECT_NE(c.message.find("entries of list `tags`"), std::string::npos);
}

TEST(SchemaDiffTest, RemovedAndAddedFieldOfTheSameTypeIsAPossibleRename) {
  SchemaChange c = Only(
      Diff("type T @model { id: ID! title: String }", "type T @model { id: ID! heading: String }"));
  EXPECT_EQ(c.category, ChangeCategory::kBreaking);
  EXPECT_EQ(c.kind, ChangeKind::kFieldPossiblyRenamed);
  EXPECT_EQ(c.field, "heading");
  EXPECT_EQ(c.previous_name, "title");
  EXPECT_NE(c.message.find("possibly renamed from `title`"), std::string::npos);
}

TEST(SchemaDiffTest, RemovedAndAddedModelWithTheSameFieldsIsAPossibleRename) {
  SchemaChange c = Only(Diff("type Task @model { id: ID! name: String! }",
                             "type Chore @model { id: ID! name: String! }"));
  EXPECT_EQ(c.category, ChangeCategory::kBreaking);
  EXPECT_EQ(c.kind, ChangeKind::kModelPossiblyRenamed);
  EXPECT_EQ(c.model, "Chore");
  EXPECT_EQ(c.previous_name, "Task");
  EXPECT_NE(c.message.find("possibly renamed from `Task`"), std::string::npos);
}

TEST(SchemaDiffTest, EnumValueRemovedIsBreakingForEveryFieldThatUsesIt) {
  std::string before = std::string(kTodo) + "type Log @model { id: ID! level: Status! }\n";
  std::string after = before;
  after.replace(after.find("OPEN DONE"), 9, "OPEN");
  SchemaDiff diff = Diff(before, after);
  ASSERT_EQ(diff.changes.size(), 2u) << Describe(diff);
  for (const SchemaChange& c : diff.changes) {
    EXPECT_EQ(c.category, ChangeCategory::kBreaking);
    EXPECT_EQ(c.kind, ChangeKind::kEnumValueRemoved);
    EXPECT_EQ(c.enum_value, "DONE");
  }
  EXPECT_EQ(diff.changes[0].model, "Log");
  EXPECT_EQ(diff.changes[0].field, "level");
  EXPECT_EQ(diff.changes[1].model, "Todo");
  EXPECT_EQ(diff.changes[1].field, "status");
}

// The fix a change suggests: a jq program for the stored items, where one is
// plain, that leaves what the deployed app still reads.
TEST(SchemaDiffTest, BreakingChangesWithAPlainFixCarryItsProgram) {
  auto fix = [](std::string_view before, std::string_view after) {
    return Only(Diff(before, after)).fix_jq;
  };
  EXPECT_EQ(
      fix("type T @model { id: ID! done: Boolean }", "type T @model { id: ID! done: Boolean! }"),
      "if .done == null then .done = false else . end");
  EXPECT_EQ(fix("type T @model { id: ID! n: Int }", "type T @model { id: ID! n: Int! }"),
            "if .n == null then .n = 0 else . end");
  EXPECT_EQ(fix("type T @model { id: ID! s: String }", "type T @model { id: ID! s: String! }"),
            "if .s == null then .s = \"\" else . end");
  EXPECT_EQ(fix("type T @model { id: ID! at: AWSDateTime }",
                "type T @model { id: ID! at: AWSDateTime! }"),
            "if .at == null then .at = \"1970-01-01T00:00:00.000Z\" else . end");
  EXPECT_EQ(fix("enum E { B A } type T @model { id: ID! e: E }",
                "enum E { B A } type T @model { id: ID! e: E! }"),
            "if .e == null then .e = \"B\" else . end");
  EXPECT_EQ(fix("type T @model { id: ID! l: [Int] }", "type T @model { id: ID! l: [Int]! }"),
            "if .l == null then .l = [] else . end");
  EXPECT_EQ(fix("type T @model { id: ID! l: [Int] }", "type T @model { id: ID! l: [Int!] }"),
            "if (.l | type) == \"array\" then .l |= map(select(. != null)) else . end");
  EXPECT_EQ(
      fix("type T @model { id: ID! title: String }", "type T @model { id: ID! heading: String }"),
      "if has(\"title\") and .heading == null then .heading = .title else . end");
  EXPECT_EQ(fix("enum E { A B } type T @model { id: ID! e: E }",
                "enum E { A } type T @model { id: ID! e: E }"),
            "if .e == \"B\" then .e = \"A\" else . end");
  // No obvious value for an object, nothing to do for a removed field.
  EXPECT_EQ(fix("type P { x: Int } type T @model { id: ID! p: P }",
                "type P { x: Int } type T @model { id: ID! p: P! }"),
            "");
  EXPECT_EQ(fix("type T @model { id: ID! old: String }", "type T @model { id: ID! }"), "");
}

TEST(SchemaDiffTest, ModelRemovedIsDangerous) {
  SchemaChange c = Only(Diff("type A @model { id: ID! }\ntype B @model { id: ID! x: Int }",
                             "type A @model { id: ID! }"));
  EXPECT_EQ(c.category, ChangeCategory::kDangerous);
  EXPECT_EQ(c.kind, ChangeKind::kModelRemoved);
  EXPECT_EQ(c.model, "B");
  EXPECT_NE(c.message.find("every item in it are deleted"), std::string::npos);
}

TEST(SchemaDiffTest, PrimaryKeyAddedChangedOrRemovedIsDangerous) {
  std::string_view implicit = "type T @model { id: ID! email: String! at: AWSDateTime! }";
  std::string_view by_email =
      "type T @model { id: ID! email: String! @primaryKey at: AWSDateTime! }";
  std::string_view by_email_and_at =
      R"(type T @model { id: ID! email: String! @primaryKey(sortKeyFields: ["at"]) at: AWSDateTime! })";
  for (auto [before, after] : {std::pair{implicit, by_email}, std::pair{by_email, by_email_and_at},
                               std::pair{by_email, implicit}}) {
    SchemaChange c = Only(Diff(before, after));
    EXPECT_EQ(c.category, ChangeCategory::kDangerous) << after;
    EXPECT_EQ(c.kind, ChangeKind::kPrimaryKeyChanged);
    EXPECT_NE(c.message.find("every existing item is dropped"), std::string::npos);
  }
  EXPECT_NE(Only(Diff(implicit, by_email)).message.find("from (id) to (email)"), std::string::npos);
}

TEST(SchemaDiffTest, TransformerV1KeyIsAPrimaryKeyOrAnIndex) {
  SchemaChange c = Only(Diff(
      R"(type T @model @key(fields: ["a"]) { a: ID! b: String })",
      R"(type T @model @key(fields: ["a"]) @key(name: "byB", fields: ["b"]) { a: ID! b: String })"));
  EXPECT_EQ(c.kind, ChangeKind::kIndexAdded);
  EXPECT_EQ(Only(Diff(R"(type T @model @key(fields: ["a"]) { a: ID! b: String })",
                      R"(type T @model @key(fields: ["a", "b"]) { a: ID! b: String })"))
                .kind,
            ChangeKind::kPrimaryKeyChanged);
}

TEST(SchemaDiffTest, ImplicitIdAndTimestampsCountAsPresent) {
  // Declaring what Amplify adds anyway, or no longer declaring it, changes
  // nothing stored.
  EXPECT_TRUE(Diff("type T @model { name: String }",
                   "type T @model { id: ID! name: String createdAt: AWSDateTime! "
                   "updatedAt: AWSDateTime! }")
                  .changes.empty());
}

TEST(SchemaDiffTest, RelationFieldsAreNotStoredData) {
  std::string_view before =
      "type P @model { id: ID! items: [C] @hasMany }\ntype C @model { id: ID! }";
  std::string_view after = "type P @model { id: ID! }\ntype C @model { id: ID! }";
  SchemaChange removed = Only(Diff(before, after));
  EXPECT_EQ(removed.kind, ChangeKind::kFieldRemoved);
  EXPECT_NE(removed.message.find("related items stay"), std::string::npos);
  SchemaChange added = Only(Diff(after, before));
  EXPECT_EQ(added.category, ChangeCategory::kSafe);
}

TEST(SchemaDiffTest, ExtensionsAreMergedIntoTheirModel) {
  SchemaChange c = Only(Diff("type T @model { id: ID! }",
                             "type T @model { id: ID! }\nextend type T { extra: String }"));
  EXPECT_EQ(c.kind, ChangeKind::kFieldAdded);
  EXPECT_EQ(c.field, "extra");
}

TEST(SchemaDiffTest, ChangesAreOrderedDangerousBreakingSafe) {
  SchemaDiff diff = Diff("type A @model { id: ID! x: Int }\ntype B @model { id: ID! }",
                         "type A @model { id: ID! x: Int! y: String }");
  ASSERT_EQ(diff.changes.size(), 3u) << Describe(diff);
  EXPECT_EQ(diff.changes[0].category, ChangeCategory::kDangerous);
  EXPECT_EQ(diff.changes[1].category, ChangeCategory::kBreaking);
  EXPECT_EQ(diff.changes[2].category, ChangeCategory::kSafe);
  EXPECT_EQ(diff.Count(ChangeCategory::kBreaking), 1u);
  EXPECT_TRUE(diff.has_dangerous());
  Value json = SchemaDiffJson(diff);
  EXPECT_EQ(json.At("summary").IntAt("dangerous"), 1);
  EXPECT_EQ(json.At("changes").as_list()[1].StringAt("kind"), "field_required");
  EXPECT_EQ(json.At("changes").as_list()[1].StringAt("field"), "x");
  EXPECT_EQ(json.At("changes").as_list()[0].Find("field"), nullptr);
}

TEST(SchemaDiffTest, SchemaErrorsNameTheFileAndLine) {
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"type T @model { id: ID! }\ntype T @model { id: ID! }",
            "new.graphql:2:1: type `T` is defined twice (first at line 1)"},
           {"type T @model {\n  id: ID!\n  id: String\n}",
            "new.graphql:3:3: field `id` is declared twice in model `T`"},
           {"extend type T { a: Int }", "new.graphql:1:1: `extend type T` extends a type"},
           {R"(type T @model { a: ID! @primaryKey(sortKeyFields: ["zz"]) })",
            "names field `zz`, which the model does not have"},
           {"type T @model { id: ID!", "new.graphql:1:24: expected a field name or '}'"},
       }) {
    Result<SchemaDiff> diff = DiffSchemaTexts("", "old.graphql", c.text, "new.graphql");
    ASSERT_FALSE(diff) << c.text;
    EXPECT_NE(diff.error().message().find(c.message), std::string::npos) << diff.error().message();
  }
}

}  // namespace
}  // namespace flightplan::amplify
