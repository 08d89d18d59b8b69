// jq in process: one result per item, errors as values with jq's message.
#include "steps/data/jq_program.h"

#include <gtest/gtest.h>

namespace flightplan::data {
namespace {

Value Json(std::string_view text) { return *Value::FromJson(text); }

Value Apply(const std::string& program, std::string_view input) {
  auto jq = JqProgram::Compile(program);
  EXPECT_TRUE(jq) << jq.error().ToString();
  auto out = (*jq)->Apply(Json(input));
  EXPECT_TRUE(out) << out.error().ToString();
  return out ? *out : Value("<error>");
}

TEST(JqProgramTest, TransformsAnItem) {
  EXPECT_EQ(Apply(". + {completed: false}", R"({"id": "a"})"),
            Json(R"({"id": "a", "completed": false})"));
  EXPECT_EQ(Apply("del(.old)", R"({"id": "a", "old": 1})"), Json(R"({"id": "a"})"));
  EXPECT_EQ(Apply("if has(\"done\") then . else . + {done: true} end", R"({"done": false})"),
            Json(R"({"done": false})"));
  EXPECT_EQ(Apply(".n += 1", R"({"n": 41})"), Json(R"({"n": 42})"));
  EXPECT_TRUE(Apply("if .drop then null else . end", R"({"drop": true})").is_null());
}

TEST(JqProgramTest, OneProgramServesManyItems) {
  auto jq = JqProgram::Compile(".n * 2 | {n: .}");
  ASSERT_TRUE(jq);
  for (int i = 0; i < 1000; ++i) {
    auto out = (*jq)->Apply(Value(ValueMap{{"n", Value(i)}}));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->Find("n")->as_int(), 2 * i);
  }
}

TEST(JqProgramTest, AProgramThatDoesNotCompileSaysWhy) {
  auto jq = JqProgram::Compile(". + {completed: }");
  ASSERT_FALSE(jq);
  EXPECT_EQ(jq.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(jq.error().ToString().find("does not compile"), std::string::npos);
  EXPECT_NE(jq.error().ToString().find("syntax error"), std::string::npos);
}

TEST(JqProgramTest, NoResultSeveralResultsAndRuntimeErrorsAreErrors) {
  auto jq = JqProgram::Compile("empty");
  ASSERT_TRUE(jq);
  auto none = (*jq)->Apply(Json("{}"));
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().ToString().find("no result"), std::string::npos);

  jq = JqProgram::Compile("., .");
  ASSERT_TRUE(jq);
  auto two = (*jq)->Apply(Json("{}"));
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().ToString().find("more than one"), std::string::npos);

  jq = JqProgram::Compile("if .id == \"bad\" then error(\"cannot migrate \\(.id)\") else . end");
  ASSERT_TRUE(jq);
  auto failed = (*jq)->Apply(Json(R"({"id": "bad"})"));
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().ToString().find("cannot migrate bad"), std::string::npos);
  // The program still works for the next item.
  auto next = (*jq)->Apply(Json(R"({"id": "good"})"));
  ASSERT_TRUE(next) << next.error().ToString();

  jq = JqProgram::Compile(".a.b.c = (1 | tostring | tonumber) | .x[\"y\"] += 1");
  ASSERT_TRUE(jq);
  EXPECT_FALSE((*jq)->Apply(Json(R"({"x": 5})")));
}

TEST(JqProgramTest, AnInfiniteStreamIsCutAtTheSecondResult) {
  auto jq = JqProgram::Compile("repeat(.)");
  ASSERT_TRUE(jq);
  auto out = (*jq)->Apply(Json("{}"));
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().ToString().find("more than one"), std::string::npos);
}

}  // namespace
}  // namespace flightplan::data
