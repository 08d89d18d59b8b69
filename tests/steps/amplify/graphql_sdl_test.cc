// The GraphQL SDL parser: the real Amplify schemas in the fixtures, every
// corner of the type-system grammar, and malformed or hostile input, which
// must come back as an error naming line:column, never as a crash.
#include "steps/amplify/schema/graphql_sdl.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace flightplan::graphql {
namespace {

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const Definition* Find(const Document& doc, std::string_view name, bool extension = false) {
  for (const Definition& d : doc.definitions) {
    if (d.name == name && d.extension == extension) return &d;
  }
  return nullptr;
}

std::vector<std::string> FieldNames(const Definition& d) {
  std::vector<std::string> out;
  for (const FieldDefinition& f : d.fields) out.push_back(f.name);
  return out;
}

using ModelFields = std::map<std::string, std::vector<std::string>>;

// What each fixture's schema.graphql declares, field by field.
const std::map<std::string, ModelFields>& FixtureModels() {
  static const std::map<std::string, ModelFields> kModels = {
      {"backend-only/amplify/backend/api/backendonly/schema.graphql",
       {{"Project", {"id", "title", "description", "status", "deadline", "color", "todos"}},
        {"Todo", {"id", "name", "description", "images", "projectID"}}}},
      {"discussions/amplify/backend/api/discussions/schema.graphql",
       {{"Topic", {"id", "createdByUserId", "content", "posts"}},
        {"Post", {"id", "createdByUserId", "content", "comments", "topic"}},
        {"Comment", {"id", "createdByUserId", "content", "post"}}}},
      {"fitness-tracker/amplify/backend/api/fitnesstracker/schema.graphql",
       {{"WorkoutProgram",
         {"id", "title", "description", "status", "deadline", "color", "exercises"}},
        {"Exercise", {"id", "workoutProgramId", "name", "description"}},
        {"Meal", {"id", "userName", "content", "timestamp"}}}},
      {"media-vault/amplify/backend/api/mediavault/schema.graphql",
       {{"Note", {"id", "title", "content"}}}},
      {"product-catalog/amplify/backend/api/productcatalog/schema.graphql",
       {{"User", {"id", "email", "name", "role", "createdAt", "updatedAt"}},
        {"Product",
         {"id", "serialno", "engword", "price", "category", "description", "stock", "brand",
          "imageKey", "imageUploadedAt", "images", "createdBy", "updatedBy", "createdAt",
          "updatedAt", "comments"}},
        {"Comment",
         {"id", "productId", "authorId", "authorName", "content", "createdAt", "updatedAt"}}}},
  };
  return kModels;
}

const std::string kFixtures =
    std::string(FLIGHTPLAN_SOURCE_DIR) + "/tests/data/fixtures/amplify-migration-apps/";

TEST(GraphqlSdlTest, EveryFixtureSchemaParsesWithEveryModelAndField) {
  for (const auto& [file, expected] : FixtureModels()) {
    std::string text = ReadText(kFixtures + file);
    ASSERT_FALSE(text.empty()) << file;
    Result<Document> doc = ParseSdl(text, file);
    ASSERT_TRUE(doc) << doc.error().ToString();
    ModelFields found;
    for (const Definition& d : doc->definitions) {
      if (d.kind == DefinitionKind::kObject && FindDirective(d.directives, "model")) {
        found[d.name] = FieldNames(d);
      }
    }
    EXPECT_EQ(found, expected) << file;
    // Cross-check the table against the text itself: every `type X @model`.
    static const std::regex kModel(R"(type\s+(\w+)\s+@model)");
    std::set<std::string> in_text;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kModel);
         it != std::sregex_iterator(); ++it) {
      in_text.insert((*it)[1]);
    }
    std::set<std::string> names;
    for (const auto& [name, fields] : found) names.insert(name);
    EXPECT_EQ(names, in_text) << file;
  }
}

TEST(GraphqlSdlTest, FixtureDirectiveArgumentsAreRead) {
  std::string file = "product-catalog/amplify/backend/api/productcatalog/schema.graphql";
  Result<Document> doc = ParseSdl(ReadText(kFixtures + file), file);
  ASSERT_TRUE(doc) << doc.error().ToString();
  const Definition* comment = Find(*doc, "Comment");
  ASSERT_NE(comment, nullptr);
  const Directive* auth = FindDirective(comment->directives, "auth");
  ASSERT_NE(auth, nullptr);
  const ConstValue* rules = auth->Find("rules");
  ASSERT_NE(rules, nullptr);
  ASSERT_EQ(rules->kind, ConstValue::Kind::kList);
  ASSERT_EQ(rules->list.size(), 2u);
  EXPECT_EQ(rules->list[1].Field("allow")->kind, ConstValue::Kind::kEnum);
  EXPECT_EQ(rules->list[1].Field("ownerField")->text, "authorId");
  EXPECT_EQ(
      auth->ToString(),
      R"(@auth(rules: [{allow: private, provider: iam}, {allow: owner, ownerField: "authorId"}]))");
  const Directive* index = FindDirective(comment->fields[1].directives, "index");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->Find("name")->text, "byProduct");
  const Definition* response = Find(*doc, "LowStockResponse");
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->fields[1].type.ToString(), "[LowStockProduct!]!");
  const Definition* query = Find(*doc, "Query");
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(FindDirective(query->fields[0].directives, "function")->Find("name")->text,
            "lowstockproducts-${env}");
}

constexpr std::string_view kCorners = R"graphql(# A comment, then commas,,, which are ignored
"""
  The schema's description
    keeps relative indentation
"""
schema @a { query: Query mutation: Mutation }
extend schema @b
scalar Date @specifiedBy(url: "https://example.com")
extend scalar Date @c
"An interface"
interface Node { id: ID! }
interface Named implements Node & Entity { id: ID! name: String }
type Query implements & Node & Named @d(a: 1, b: -2.5e3, c: "s\n\"\u00e9\uD83D\uDE00\u{1F600}", d: true, e: null, f: ENUM, g: [1, [2]], h: {x: {y: [false]}}) {
  "field desc" id: ID!
  search(
    "argument desc"
    text: String = "x", limit: Int = 10 @x,
    filter: Filter = {a: [1, 2], b: null}
    tags: [String!]! = []
  ): [[Result!]]! @deprecated(reason: """
      multi
        line \""" quoted
  """)
}
union Result = | A | B
union Empty @x
extend union Result = C
enum Color { RED "green" GREEN @deprecated BLUE }
extend enum Color { PINK }
input Filter { a: [Int] = [1, 2] b: String @x }
extend input Filter { c: Boolean }
directive @d(a: Int, b: Float = 1.0) repeatable on OBJECT | FIELD_DEFINITION
directive @x on | UNION | INPUT_FIELD_DEFINITION | SCHEMA | ARGUMENT_DEFINITION
extend type Query @e
extend interface Node @f
)graphql";

TEST(GraphqlSdlTest, ParsesEveryCornerOfTheTypeSystemGrammar) {
  Result<Document> doc = ParseSdl(kCorners);
  ASSERT_TRUE(doc) << doc.error().ToString();
  ASSERT_EQ(doc->definitions.size(), 18u);

  const Definition& schema = doc->definitions[0];
  EXPECT_EQ(schema.kind, DefinitionKind::kSchema);
  EXPECT_EQ(schema.description.value_or(""),
            "The schema's description\n  keeps relative indentation");
  ASSERT_EQ(schema.operations.size(), 2u);
  EXPECT_EQ(schema.operations[1].operation, "mutation");
  EXPECT_EQ(schema.operations[1].type, "Mutation");
  EXPECT_TRUE(doc->definitions[1].extension);
  EXPECT_EQ(doc->definitions[1].kind, DefinitionKind::kSchema);

  const Definition* date = Find(*doc, "Date");
  ASSERT_NE(date, nullptr);
  EXPECT_EQ(date->kind, DefinitionKind::kScalar);
  EXPECT_EQ(date->directives[0].Find("url")->text, "https://example.com");
  ASSERT_NE(Find(*doc, "Date", /*extension=*/true), nullptr);

  const Definition* named = Find(*doc, "Named");
  ASSERT_NE(named, nullptr);
  EXPECT_EQ(named->kind, DefinitionKind::kInterface);
  EXPECT_EQ(named->interfaces, (std::vector<std::string>{"Node", "Entity"}));
  EXPECT_EQ(Find(*doc, "Node")->description.value_or(""), "An interface");

  const Definition* query = Find(*doc, "Query");
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->interfaces, (std::vector<std::string>{"Node", "Named"}));
  const Directive& d = query->directives[0];
  EXPECT_EQ(d.Find("a")->kind, ConstValue::Kind::kInt);
  EXPECT_EQ(d.Find("a")->text, "1");
  EXPECT_EQ(d.Find("b")->kind, ConstValue::Kind::kFloat);
  EXPECT_EQ(d.Find("b")->text, "-2.5e3");
  EXPECT_EQ(d.Find("c")->text, "s\n\"\xC3\xA9\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
  EXPECT_TRUE(d.Find("d")->boolean());
  EXPECT_EQ(d.Find("e")->kind, ConstValue::Kind::kNull);
  EXPECT_EQ(d.Find("f")->kind, ConstValue::Kind::kEnum);
  EXPECT_EQ(d.Find("g")->ToString(), "[1, [2]]");
  EXPECT_EQ(d.Find("h")->ToString(), "{x: {y: [false]}}");
  EXPECT_EQ(d.Find("h")->Field("x")->Field("y")->list[0].kind, ConstValue::Kind::kBoolean);

  ASSERT_EQ(query->fields.size(), 2u);
  EXPECT_EQ(query->fields[0].description.value_or(""), "field desc");
  const FieldDefinition& search = query->fields[1];
  EXPECT_EQ(search.type.ToString(), "[[Result!]]!");
  EXPECT_EQ(search.type.wrappers,
            (std::vector<TypeWrapper>{TypeWrapper::kNonNull, TypeWrapper::kList, TypeWrapper::kList,
                                      TypeWrapper::kNonNull}));
  EXPECT_TRUE(search.type.non_null());
  EXPECT_TRUE(search.type.is_list());
  ASSERT_EQ(search.arguments.size(), 4u);
  EXPECT_EQ(search.arguments[0].description.value_or(""), "argument desc");
  EXPECT_EQ(search.arguments[0].default_value->text, "x");
  EXPECT_EQ(search.arguments[1].default_value->text, "10");
  EXPECT_EQ(search.arguments[1].directives[0].name, "x");
  EXPECT_EQ(search.arguments[2].default_value->ToString(), "{a: [1, 2], b: null}");
  EXPECT_EQ(search.arguments[3].type.ToString(), "[String!]!");
  EXPECT_EQ(search.arguments[3].default_value->ToString(), "[]");
  EXPECT_EQ(search.directives[0].Find("reason")->text, "multi\n  line \"\"\" quoted");

  const Definition* result = Find(*doc, "Result");
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->members, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(Find(*doc, "Result", true)->members, (std::vector<std::string>{"C"}));
  EXPECT_TRUE(Find(*doc, "Empty")->members.empty());

  const Definition* color = Find(*doc, "Color");
  ASSERT_EQ(color->values.size(), 3u);
  EXPECT_EQ(color->values[1].description.value_or(""), "green");
  EXPECT_EQ(color->values[1].directives[0].name, "deprecated");
  EXPECT_EQ(Find(*doc, "Color", true)->values[0].name, "PINK");

  const Definition* filter = Find(*doc, "Filter");
  EXPECT_EQ(filter->kind, DefinitionKind::kInputObject);
  ASSERT_EQ(filter->arguments.size(), 2u);
  EXPECT_EQ(filter->arguments[0].default_value->ToString(), "[1, 2]");

  const Definition* directive_d = Find(*doc, "d");
  ASSERT_NE(directive_d, nullptr);
  EXPECT_EQ(directive_d->kind, DefinitionKind::kDirective);
  EXPECT_TRUE(directive_d->repeatable);
  EXPECT_EQ(directive_d->locations, (std::vector<std::string>{"OBJECT", "FIELD_DEFINITION"}));
  EXPECT_EQ(directive_d->arguments[1].default_value->text, "1.0");
  EXPECT_FALSE(Find(*doc, "x")->repeatable);
  EXPECT_EQ(Find(*doc, "x")->locations.size(), 4u);
  EXPECT_EQ(Find(*doc, "Query", true)->directives[0].name, "e");
  EXPECT_EQ(Find(*doc, "Node", true)->kind, DefinitionKind::kInterface);
}

TEST(GraphqlSdlTest, LocationsCountLinesAndCharacters) {
  Result<Document> doc = ParseSdl("\xEF\xBB\xBF# bom and comment\r\n\r\ntype A {\r\n  id: ID\n}");
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_EQ(doc->definitions[0].location.line, 3);
  EXPECT_EQ(doc->definitions[0].location.column, 1);
  EXPECT_EQ(doc->definitions[0].fields[0].location.line, 4);
  EXPECT_EQ(doc->definitions[0].fields[0].location.column, 3);
}

TEST(GraphqlSdlTest, AnEmptyDocumentHasNoDefinitions) {
  Result<Document> doc = ParseSdl("  # only a comment\n,,\n");
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_TRUE(doc->definitions.empty());
}

struct Malformed {
  std::string text;
  std::string where;    // "LINE:COL"
  std::string message;  // part of what follows
};

TEST(GraphqlSdlTest, MalformedInputIsAnErrorAtLineAndColumn) {
  const std::vector<Malformed> cases = {
      {"type A {\n  id: ID!\n", "3:1", "expected a field name or '}', found end of input"},
      {"type A { id ID }", "1:13", "expected ':' and the type of field `id`, found `ID`"},
      {"type A { id: [ID }", "1:18", "expected ']' to close the list type, found '}'"},
      {"type A @ { id: ID }", "1:10", "expected a directive name after '@'"},
      {"type A {}", "1:9", "expected a field name, found '}'"},
      {"type A { id: ID! } ?", "1:20", "unexpected character '?'"},
      {"type A { id: ID! } \x01", "1:20", "unexpected character 0x01"},
      {"scalar S @d(a: \"abc\n)", "1:16", "unterminated string"},
      {"scalar S @d(a: \"\"\"abc)", "1:16", "unterminated block string"},
      {"scalar S @d(a: \"a\\qb\")", "1:18", "invalid escape sequence \\q"},
      {"scalar S @d(a: \"\\uD800\")", "1:17", "lone high surrogate"},
      {"scalar S @d(a: \"\\u12\")", "1:17", "expected four hex digits"},
      {"scalar S @d(a: 012)", "1:17", "must not start with 0"},
      {"scalar S @d(a: 1.)", "1:18", "expected a digit after '.'"},
      {"scalar S @d(a: 1e)", "1:18", "exponent"},
      {"scalar S @d(a: -x)", "1:17", "expected a digit after '-'"},
      {"scalar S @d(a: 12ab)", "1:18", "after a number"},
      {"scalar S @d(a: .5)", "1:16", "unexpected '.'"},
      {"scalar S @d(a: $v)", "1:16", "a variable cannot appear in a schema"},
      {"scalar S @d(a: [1, 2)", "1:21", "expected a value, found ')'"},
      {"scalar S @d(a: {b 1})", "1:19", "expected ':' and a value for `b`"},
      {"scalar S @d(a:)", "1:15", "expected a value, found ')'"},
      {"scalar S @d()", "1:13", "expected an argument name, found ')'"},
      {"query { a }", "1:1", "a query does not belong in a schema"},
      {"{ a }", "1:1", "a query does not belong in a schema"},
      {"fragment F on T { a }", "1:1", "a fragment does not belong in a schema"},
      {"enum E { true }", "1:10", "`true` cannot be an enum value"},
      {"enum E { }", "1:10", "expected an enum value, found '}'"},
      {"directive @x on NOWHERE", "1:17", "expected a directive location"},
      {"directive @x(a: Int)", "1:21", "expected `on`"},
      {"directive x on OBJECT", "1:11", "expected '@'"},
      {"extend type A", "1:14", "an extension must add something"},
      {"extend scalar S", "1:16", "a scalar extension adds directives"},
      {"extend directive @x on OBJECT", "1:8", "what `extend` extends"},
      {"\"desc\" extend type A @x", "1:8", "an extension cannot have a description"},
      {"\"desc\"", "1:7", "expected a definition after the description, found end of input"},
      {"typo A { id: ID }", "1:1", "expected a definition (schema, scalar, type"},
      {"type { id: ID }", "1:6", "expected the type's name, found '{'"},
      {"type A implements { id: ID }", "1:19", "expected an interface name"},
      {"union U = ", "1:11", "expected a member type of the union"},
      {"schema { query Q }", "1:16", "expected ':' after `query`"},
      {"schema { }", "1:10", "expected query, mutation or subscription"},
      {"input I { a: Int = }", "1:20", "expected a value"},
      {"type A {\r\n  id ID\r\n}", "2:6", "expected ':'"},
      {"scalar S @d(a: \"\xC3\xA9\xC3\xA9\") ?", "1:22", "unexpected character '?'"},
  };
  for (const Malformed& c : cases) {
    Result<Document> doc = ParseSdl(c.text, "schema.graphql");
    ASSERT_FALSE(doc) << c.text;
    EXPECT_EQ(doc.error().code(), ErrorCode::kInvalidInput);
    const std::string& message = doc.error().message();
    EXPECT_EQ(message.rfind("schema.graphql:" + c.where + ": ", 0), 0u)
        << c.text << " -> " << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << c.text << " -> " << message;
  }
}

TEST(GraphqlSdlTest, WithoutASourceNameTheErrorStartsAtTheLine) {
  Result<Document> doc = ParseSdl("type A { id ID }");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().message().rfind("1:13: ", 0), 0u) << doc.error().message();
}

TEST(GraphqlSdlTest, DeepListTypesAreRefusedNotRecursedInto) {
  std::string deep =
      "type A { f: " + std::string(100000, '[') + "Int" + std::string(100000, ']') + " }";
  Result<Document> doc = ParseSdl(deep);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message().find("nested more than 64 levels"), std::string::npos);
  std::string ok = "type A { f: " + std::string(64, '[') + "Int" + std::string(64, ']') + " }";
  EXPECT_TRUE(ParseSdl(ok)) << "64 levels are within the limit";
}

TEST(GraphqlSdlTest, DeepValuesAreRefusedNotRecursedInto) {
  std::string lists = "scalar S @d(a: " + std::string(100000, '[') + ")";
  Result<Document> doc = ParseSdl(lists);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message().find("nested more than"), std::string::npos);
  std::string objects = "scalar S @d(a: ";
  for (int i = 0; i < 100000; ++i) objects += "{a: ";
  doc = ParseSdl(objects);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message().find("nested more than"), std::string::npos);
}

TEST(GraphqlSdlTest, SizeAndNodeLimitsBoundTheTree) {
  ParseLimits limits;
  limits.max_bytes = 16;
  Result<Document> doc = ParseSdl("type A { id: ID! }", "big.graphql", limits);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message().find("big.graphql: the schema is 18 bytes, more than the 16"),
            std::string::npos)
      << doc.error().message();

  limits = ParseLimits{};
  limits.max_nodes = 100;
  std::string many = "scalar S @d(a: [";
  for (int i = 0; i < 1000; ++i) many += "0,";
  many += "])";
  doc = ParseSdl(many, "", limits);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message().find("too large"), std::string::npos);
}

TEST(GraphqlSdlTest, ValueToStringEscapesStrings) {
  Result<Document> doc = ParseSdl(R"(scalar S @d(a: "q\"b\\s\n"))");
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_EQ(doc->definitions[0].directives[0].ToString(), R"(@d(a: "q\"b\\s\n"))");
}

}  // namespace
}  // namespace flightplan::graphql
