#include "engine/expression.h"

#include <gtest/gtest.h>

namespace flightplan {
namespace {

Value Root() {
  Value root;
  Value params;
  params.Set("env", "prod");
  params.Set("count", 3);
  params.Set("tags", Value(ValueList{Value("a"), Value("b")}));
  root.Set("params", params);
  Value outputs;
  outputs.Set("stdout", "READY\n");
  Value lock;
  lock.Set("outputs", outputs);
  Value steps;
  steps.Set("lock", lock);
  root.Set("steps", steps);
  return root;
}

Value Eval(const std::string& text) {
  auto expr = Expression::Parse(text);
  EXPECT_TRUE(expr) << expr.error().ToString();
  Value root = Root();
  ValueScope scope(root);
  auto v = expr->Evaluate(scope);
  EXPECT_TRUE(v) << v.error().ToString();
  return v ? *v : Value();
}

TEST(ExpressionTest, ComparesAndCombinesReferences) {
  EXPECT_EQ(Eval("params.env == 'prod'"), Value(true));
  EXPECT_EQ(Eval("params.env != \"prod\" || params.count >= 3"), Value(true));
  EXPECT_EQ(Eval("!(params.count < 2) && params.count <= 3"), Value(true));
  EXPECT_EQ(Eval("params.count > 3"), Value(false));
}

TEST(ExpressionTest, FunctionsWorkOnStepOutputs) {
  EXPECT_EQ(Eval("contains(steps.lock.outputs.stdout, 'READY')"), Value(true));
  EXPECT_EQ(Eval("trim(steps.lock.outputs.stdout) == 'READY'"), Value(true));
  EXPECT_EQ(Eval("len(params.tags)"), Value(2));
  EXPECT_EQ(Eval("contains(params.tags, 'b')"), Value(true));
  EXPECT_EQ(Eval("starts_with(lower('ABC'), 'ab')"), Value(true));
}

TEST(ExpressionTest, ParseErrorsSayWhere) {
  auto expr = Expression::Parse("params.env == ");
  ASSERT_FALSE(expr);
  EXPECT_EQ(expr.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(expr.error().message().find("character"), std::string::npos);
  EXPECT_FALSE(Expression::Parse("params.env = 'x'"));
  EXPECT_FALSE(Expression::Parse("'unterminated"));
  EXPECT_FALSE(Expression::Parse("nosuchfn(1)"));
  EXPECT_FALSE(Expression::Parse("len(1, 2)"));
}

TEST(ExpressionTest, DeepNestingIsRefusedNotACrash) {
  std::string deep(5000, '(');
  deep += "1";
  deep += std::string(5000, ')');
  auto expr = Expression::Parse(deep);
  ASSERT_FALSE(expr);
  EXPECT_NE(expr.error().message().find("nested too deeply"), std::string::npos);
  std::string nots(5000, '!');
  EXPECT_FALSE(Expression::Parse(nots + "true"));
}

TEST(ExpressionTest, UnknownReferenceIsAnErrorNamingIt) {
  auto expr = Expression::Parse("params.nope == 1");
  ASSERT_TRUE(expr);
  Value root = Root();
  ValueScope scope(root);
  auto v = expr->Evaluate(scope);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().ToString().find("params.nope"), std::string::npos);
}

TEST(ExpressionTest, ReferencesAreCollected) {
  auto expr = Expression::Parse("params.a == steps.x.outputs.y && run.id");
  ASSERT_TRUE(expr);
  ASSERT_EQ(expr->references().size(), 3u);
  EXPECT_EQ(JoinReference(expr->references()[1]), "steps.x.outputs.y");
}

TEST(TemplateTest, WholeExpressionKeepsItsType) {
  Value root = Root();
  ValueScope scope(root);
  auto tmpl = Template::Parse("${params.tags}");
  ASSERT_TRUE(tmpl);
  auto v = tmpl->Render(scope);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->is_list());
}

TEST(TemplateTest, MixedTextInterpolatesAndEscapes) {
  Value root = Root();
  ValueScope scope(root);
  auto tmpl = Template::Parse("deploy to ${params.env} x${params.count} $${literal}");
  ASSERT_TRUE(tmpl);
  auto v = tmpl->Render(scope);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as_string(), "deploy to prod x3 ${literal}");
  EXPECT_TRUE(Template::Parse("plain text")->is_literal());
}

TEST(TemplateTest, UnclosedBraceIsAnError) {
  auto tmpl = Template::Parse("a ${params.env");
  ASSERT_FALSE(tmpl);
  EXPECT_NE(tmpl.error().message().find("no closing"), std::string::npos);
}

TEST(TemplateTest, BraceInsideQuotedStringDoesNotCloseTheExpression) {
  Value root = Root();
  ValueScope scope(root);
  auto tmpl = Template::Parse("${params.env == '}'}");
  ASSERT_TRUE(tmpl) << tmpl.error().ToString();
  EXPECT_EQ(*tmpl->Render(scope), Value(false));
}

}  // namespace
}  // namespace flightplan
