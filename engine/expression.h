// Expressions and templates used in workflow files.
//
// An expression is a small, side-effect-free language:
//   references   params.name  steps.<id>.outputs.<key>  run.id  run.operator
//                run.target  run.workflow  env.NAME  (and names a step adds,
//                such as poll.stdout inside a `wait`)
//   literals     'text' "text" 42 1.5 true false null
//   operators    == != < <= > >=   && || !   ( )
//   functions    contains(a, b)  len(x)  trim(s)  lower(s)  upper(s)
//                starts_with(s, p)  ends_with(s, p)
// A template is a string in which each `${ expression }` is replaced by the
// expression's value; `$${` writes a literal `${`. A template that is exactly
// one `${...}` keeps the value's type (a list stays a list).
//
// Parsing is pure and bounded (nesting depth at most 64); evaluation reads
// values through a Scope and never fails silently: an unknown reference is an
// error naming it.
#ifndef FLIGHTPLAN_ENGINE_EXPRESSION_H_
#define FLIGHTPLAN_ENGINE_EXPRESSION_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/value.h"

namespace flightplan {

// A dotted reference such as {"steps", "lock", "outputs", "policy"}.
using ReferencePath = std::vector<std::string>;
std::string JoinReference(const ReferencePath& path);

// Resolves references during evaluation.
class Scope {
 public:
  virtual ~Scope() = default;
  [[nodiscard]] virtual Result<Value> Lookup(const ReferencePath& path) const = 0;
};

// A scope over one Value tree: {"params": {...}, "steps": {...}, ...}.
class ValueScope final : public Scope {
 public:
  explicit ValueScope(const Value& root) : root_(root) {}
  Result<Value> Lookup(const ReferencePath& path) const override;

 private:
  const Value& root_;
};

struct ExprNode;

class Expression {
 public:
  // Errors are kInvalidInput naming the 1-based character where parsing stopped.
  static Result<Expression> Parse(std::string_view text);

  Result<Value> Evaluate(const Scope& scope) const;
  // Every reference the expression makes, in order of appearance.
  const std::vector<ReferencePath>& references() const { return references_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const ExprNode> root_;
  std::vector<ReferencePath> references_;
};

class Template {
 public:
  static Result<Template> Parse(std::string_view text);

  // The rendered value: typed when the template is one whole expression,
  // otherwise a string.
  Result<Value> Render(const Scope& scope) const;
  // True when the text holds no expression.
  bool is_literal() const;
  std::vector<ReferencePath> references() const;

 private:
  struct Part {
    bool is_expression = false;
    std::string literal;
    Expression expression;
  };
  std::vector<Part> parts_;
};

// Renders every string inside `value` (recursively through lists and maps)
// as a template.
Result<Value> RenderValue(const Value& value, const Scope& scope);
// Collects the references of every template inside `value`.
Result<std::vector<ReferencePath>> ValueReferences(const Value& value);

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_EXPRESSION_H_
