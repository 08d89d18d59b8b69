#include "engine/expression.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>

namespace flightplan {

std::string JoinReference(const ReferencePath& path) {
  std::string out;
  for (const std::string& part : path) {
    if (!out.empty()) out += '.';
    out += part;
  }
  return out;
}

Result<Value> ValueScope::Lookup(const ReferencePath& path) const {
  const Value* current = &root_;
  for (size_t i = 0; i < path.size(); ++i) {
    const Value* next = current->Find(path[i]);
    if (next == nullptr) {
      ReferencePath known(path.begin(), path.begin() + static_cast<long>(i));
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("'{}' is not defined{}", JoinReference(path),
                                   known.empty() ? ""
                                                 : fmt::format(" ('{}' has no '{}')",
                                                               JoinReference(known), path[i])));
    }
    current = next;
  }
  return *current;
}

enum class NodeKind { kLiteral, kReference, kNot, kAnd, kOr, kCompare, kCall };

struct ExprNode {
  NodeKind kind;
  Value literal;
  ReferencePath reference;
  std::string op;  // comparison operator or function name
  std::vector<std::shared_ptr<const ExprNode>> children;
};

namespace {

constexpr int kMaxDepth = 64;

using NodePtr = std::shared_ptr<const ExprNode>;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<NodePtr> ParseAll(std::vector<ReferencePath>& refs) {
    refs_ = &refs;
    ASSIGN_OR_RETURN(NodePtr node, ParseOr(0));
    SkipSpace();
    if (pos_ != text_.size()) {
      return Fail(fmt::format("unexpected '{}'", text_.substr(pos_, 1)));
    }
    return node;
  }

 private:
  tl::unexpected<Error> Fail(std::string what) const {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{} at character {} of expression '{}'", what, pos_ + 1, text_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }

  bool Consume(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) == token) {
      pos_ += token.size();
      return true;
    }
    return false;
  }

  Result<NodePtr> ParseOr(int depth) {
    if (depth > kMaxDepth) return Fail("expression nested too deeply");
    ASSIGN_OR_RETURN(NodePtr left, ParseAnd(depth + 1));
    while (Consume("||")) {
      ASSIGN_OR_RETURN(NodePtr right, ParseAnd(depth + 1));
      left = std::make_shared<ExprNode>(ExprNode{NodeKind::kOr, {}, {}, "||", {left, right}});
    }
    return left;
  }

  Result<NodePtr> ParseAnd(int depth) {
    ASSIGN_OR_RETURN(NodePtr left, ParseNot(depth + 1));
    while (Consume("&&")) {
      ASSIGN_OR_RETURN(NodePtr right, ParseNot(depth + 1));
      left = std::make_shared<ExprNode>(ExprNode{NodeKind::kAnd, {}, {}, "&&", {left, right}});
    }
    return left;
  }

  Result<NodePtr> ParseNot(int depth) {
    if (depth > kMaxDepth) return Fail("expression nested too deeply");
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '!' &&
        (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '=')) {
      ++pos_;
      ASSIGN_OR_RETURN(NodePtr inner, ParseNot(depth + 1));
      return std::make_shared<ExprNode>(ExprNode{NodeKind::kNot, {}, {}, "!", {inner}});
    }
    return ParseCompare(depth + 1);
  }

  Result<NodePtr> ParseCompare(int depth) {
    ASSIGN_OR_RETURN(NodePtr left, ParsePrimary(depth + 1));
    static constexpr std::string_view kOps[] = {"==", "!=", "<=", ">=", "<", ">"};
    for (std::string_view op : kOps) {
      if (Consume(op)) {
        ASSIGN_OR_RETURN(NodePtr right, ParsePrimary(depth + 1));
        return std::make_shared<ExprNode>(
            ExprNode{NodeKind::kCompare, {}, {}, std::string(op), {left, right}});
      }
    }
    return left;
  }

  Result<NodePtr> ParsePrimary(int depth) {
    if (depth > kMaxDepth) return Fail("expression nested too deeply");
    SkipSpace();
    if (pos_ >= text_.size()) return Fail("expression ends where a value was expected");
    char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      ASSIGN_OR_RETURN(NodePtr inner, ParseOr(depth + 1));
      if (!Consume(")")) return Fail("missing ')'");
      return inner;
    }
    if (c == '\'' || c == '"') return ParseString(c);
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') return ParseNumber();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return ParseName(depth);
    return Fail(fmt::format("unexpected '{}'", std::string(1, c)));
  }

  Result<NodePtr> ParseString(char quote) {
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) return Fail("unterminated string");
    ++pos_;
    return Literal(Value(std::move(out)));
  }

  Result<NodePtr> ParseNumber() {
    size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    bool is_double = false;
    while (pos_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) {
      if (text_[pos_] == '.') is_double = true;
      ++pos_;
    }
    std::string_view digits = text_.substr(start, pos_ - start);
    if (digits == "-" || digits.empty()) return Fail("expected a number");
    if (is_double) {
      double d = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
      if (ec != std::errc() || ptr != digits.data() + digits.size()) {
        return Fail(fmt::format("'{}' is not a number", digits));
      }
      return Literal(Value(d));
    }
    int64_t i = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      return Fail(fmt::format("'{}' is not a number", digits));
    }
    return Literal(Value(i));
  }

  std::string ReadIdentifier() {
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '_' || text_[pos_] == '-')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  Result<NodePtr> ParseName(int depth) {
    std::string first = ReadIdentifier();
    if (first == "true") return Literal(Value(true));
    if (first == "false") return Literal(Value(false));
    if (first == "null") return Literal(Value());
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      static constexpr std::string_view kFunctions[] = {
          "contains", "len", "trim", "lower", "upper", "starts_with", "ends_with"};
      if (std::find(std::begin(kFunctions), std::end(kFunctions), first) == std::end(kFunctions)) {
        return Fail(
            fmt::format("unknown function '{}' (known: contains, len, trim, lower, upper, "
                        "starts_with, ends_with)",
                        first));
      }
      auto call = std::make_shared<ExprNode>(ExprNode{NodeKind::kCall, {}, {}, first, {}});
      if (!Consume(")")) {
        do {
          ASSIGN_OR_RETURN(NodePtr arg, ParseOr(depth + 1));
          call->children.push_back(arg);
        } while (Consume(","));
        if (!Consume(")")) return Fail("missing ')' after function arguments");
      }
      size_t expected =
          (first == "len" || first == "trim" || first == "lower" || first == "upper") ? 1 : 2;
      if (call->children.size() != expected) {
        return Fail(
            fmt::format("{}() takes {} argument{}", first, expected, expected == 1 ? "" : "s"));
      }
      return NodePtr(call);
    }
    ReferencePath path{first};
    while (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      std::string part = ReadIdentifier();
      if (part.empty()) return Fail("expected a name after '.'");
      path.push_back(std::move(part));
    }
    refs_->push_back(path);
    return std::make_shared<const ExprNode>(
        ExprNode{NodeKind::kReference, {}, std::move(path), {}, {}});
  }

  static NodePtr Literal(Value v) {
    return std::make_shared<const ExprNode>(ExprNode{NodeKind::kLiteral, std::move(v), {}, {}, {}});
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::vector<ReferencePath>* refs_ = nullptr;
};

Result<Value> Eval(const ExprNode& node, const Scope& scope);

Result<Value> Compare(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return Value(a == b);
  if (op == "!=") return Value(!(a == b));
  int order = 0;
  if (a.is_number() && b.is_number()) {
    order = a.as_double() < b.as_double() ? -1 : (a.as_double() > b.as_double() ? 1 : 0);
  } else if (a.is_string() && b.is_string()) {
    order = a.as_string().compare(b.as_string());
  } else {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("cannot order a {} and a {} with '{}'", ValueTypeName(a.type()),
                                 ValueTypeName(b.type()), op));
  }
  if (op == "<") return Value(order < 0);
  if (op == "<=") return Value(order <= 0);
  if (op == ">") return Value(order > 0);
  return Value(order >= 0);
}

Result<Value> Call(const std::string& name, const std::vector<Value>& args) {
  auto need_string = [&](size_t i) -> Result<std::string> {
    if (args[i].is_string()) return args[i].as_string();
    if (args[i].is_number() || args[i].is_bool()) return args[i].ToText();
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}() needs text, got a {}", name, ValueTypeName(args[i].type())));
  };
  if (name == "len") {
    const Value& v = args[0];
    if (v.is_string()) return Value(static_cast<int64_t>(v.as_string().size()));
    if (v.is_list()) return Value(static_cast<int64_t>(v.as_list().size()));
    if (v.is_map()) return Value(static_cast<int64_t>(v.as_map().size()));
    if (v.is_null()) return Value(int64_t{0});
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("len() of a {}", ValueTypeName(v.type())));
  }
  if (name == "contains") {
    if (args[0].is_list()) {
      const ValueList& list = args[0].as_list();
      return Value(std::find(list.begin(), list.end(), args[1]) != list.end());
    }
    if (args[0].is_map()) {
      ASSIGN_OR_RETURN(std::string key, need_string(1));
      return Value(args[0].Find(key) != nullptr);
    }
    ASSIGN_OR_RETURN(std::string haystack, need_string(0));
    ASSIGN_OR_RETURN(std::string needle, need_string(1));
    return Value(haystack.find(needle) != std::string::npos);
  }
  ASSIGN_OR_RETURN(std::string s, need_string(0));
  if (name == "trim") {
    size_t b = s.find_first_not_of(" \t\r\n");
    size_t e = s.find_last_not_of(" \t\r\n");
    return Value(b == std::string::npos ? std::string() : s.substr(b, e - b + 1));
  }
  if (name == "lower" || name == "upper") {
    for (char& c : s) {
      c = static_cast<char>(name == "lower" ? std::tolower(static_cast<unsigned char>(c))
                                            : std::toupper(static_cast<unsigned char>(c)));
    }
    return Value(std::move(s));
  }
  ASSIGN_OR_RETURN(std::string affix, need_string(1));
  if (name == "starts_with") return Value(s.rfind(affix, 0) == 0);
  return Value(s.size() >= affix.size() &&
               s.compare(s.size() - affix.size(), affix.size(), affix) == 0);
}

Result<Value> Eval(const ExprNode& node, const Scope& scope) {
  switch (node.kind) {
    case NodeKind::kLiteral:
      return node.literal;
    case NodeKind::kReference:
      return scope.Lookup(node.reference);
    case NodeKind::kNot: {
      ASSIGN_OR_RETURN(Value v, Eval(*node.children[0], scope));
      return Value(!v.Truthy());
    }
    case NodeKind::kAnd: {
      ASSIGN_OR_RETURN(Value left, Eval(*node.children[0], scope));
      if (!left.Truthy()) return Value(false);
      ASSIGN_OR_RETURN(Value right, Eval(*node.children[1], scope));
      return Value(right.Truthy());
    }
    case NodeKind::kOr: {
      ASSIGN_OR_RETURN(Value left, Eval(*node.children[0], scope));
      if (left.Truthy()) return Value(true);
      ASSIGN_OR_RETURN(Value right, Eval(*node.children[1], scope));
      return Value(right.Truthy());
    }
    case NodeKind::kCompare: {
      ASSIGN_OR_RETURN(Value left, Eval(*node.children[0], scope));
      ASSIGN_OR_RETURN(Value right, Eval(*node.children[1], scope));
      return Compare(node.op, left, right);
    }
    case NodeKind::kCall: {
      std::vector<Value> args;
      for (const auto& child : node.children) {
        ASSIGN_OR_RETURN(Value v, Eval(*child, scope));
        args.push_back(std::move(v));
      }
      return Call(node.op, args);
    }
  }
  return MakeError(ErrorCode::kInternal, "unknown expression node");
}

}  // namespace

Result<Expression> Expression::Parse(std::string_view text) {
  Expression expr;
  expr.text_ = std::string(text);
  Parser parser(expr.text_);
  ASSIGN_OR_RETURN(expr.root_, parser.ParseAll(expr.references_));
  return expr;
}

Result<Value> Expression::Evaluate(const Scope& scope) const {
  if (!root_) return MakeError(ErrorCode::kInternal, "empty expression");
  auto value = Eval(*root_, scope);
  if (!value) {
    return MakeError(std::move(value.error()).WithContext(fmt::format("in '{}'", text_)));
  }
  return value;
}

Result<Template> Template::Parse(std::string_view text) {
  Template tmpl;
  std::string literal;
  size_t pos = 0;
  while (pos < text.size()) {
    if (text.compare(pos, 3, "$${") == 0) {
      literal += "${";
      pos += 3;
      continue;
    }
    if (text.compare(pos, 2, "${") == 0) {
      // Find the closing brace outside quotes.
      size_t end = pos + 2;
      char quote = 0;
      while (end < text.size()) {
        char c = text[end];
        if (quote) {
          if (c == '\\')
            ++end;
          else if (c == quote)
            quote = 0;
        } else if (c == '\'' || c == '"') {
          quote = c;
        } else if (c == '}') {
          break;
        }
        ++end;
      }
      if (end >= text.size()) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("'${{' at character {} has no closing '}}'", pos + 1));
      }
      if (!literal.empty()) {
        tmpl.parts_.push_back(Part{false, std::move(literal), {}});
        literal.clear();
      }
      auto expr = Expression::Parse(text.substr(pos + 2, end - pos - 2));
      if (!expr) return MakeError(std::move(expr.error()));
      tmpl.parts_.push_back(Part{true, {}, std::move(*expr)});
      pos = end + 1;
      continue;
    }
    literal += text[pos++];
  }
  if (!literal.empty() || tmpl.parts_.empty()) {
    tmpl.parts_.push_back(Part{false, std::move(literal), {}});
  }
  return tmpl;
}

bool Template::is_literal() const {
  return std::none_of(parts_.begin(), parts_.end(), [](const Part& p) { return p.is_expression; });
}

Result<Value> Template::Render(const Scope& scope) const {
  if (parts_.size() == 1 && parts_[0].is_expression) {
    return parts_[0].expression.Evaluate(scope);
  }
  std::string out;
  for (const Part& part : parts_) {
    if (!part.is_expression) {
      out += part.literal;
      continue;
    }
    ASSIGN_OR_RETURN(Value v, part.expression.Evaluate(scope));
    out += v.ToText();
  }
  return Value(std::move(out));
}

std::vector<ReferencePath> Template::references() const {
  std::vector<ReferencePath> refs;
  for (const Part& part : parts_) {
    if (!part.is_expression) continue;
    refs.insert(refs.end(), part.expression.references().begin(),
                part.expression.references().end());
  }
  return refs;
}

Result<Value> RenderValue(const Value& value, const Scope& scope) {
  switch (value.type()) {
    case ValueType::kString: {
      ASSIGN_OR_RETURN(Template tmpl, Template::Parse(value.as_string()));
      return tmpl.Render(scope);
    }
    case ValueType::kList: {
      ValueList out;
      for (const Value& item : value.as_list()) {
        ASSIGN_OR_RETURN(Value rendered, RenderValue(item, scope));
        out.push_back(std::move(rendered));
      }
      return Value(std::move(out));
    }
    case ValueType::kMap: {
      ValueMap out;
      for (const auto& [key, item] : value.as_map()) {
        ASSIGN_OR_RETURN(Value rendered, RenderValue(item, scope));
        out.emplace(key, std::move(rendered));
      }
      return Value(std::move(out));
    }
    default:
      return value;
  }
}

Result<std::vector<ReferencePath>> ValueReferences(const Value& value) {
  std::vector<ReferencePath> refs;
  std::function<Result<void>(const Value&)> walk = [&](const Value& v) -> Result<void> {
    if (v.is_string()) {
      ASSIGN_OR_RETURN(Template tmpl, Template::Parse(v.as_string()));
      auto more = tmpl.references();
      refs.insert(refs.end(), more.begin(), more.end());
    } else if (v.is_list()) {
      for (const Value& item : v.as_list()) TRY(walk(item));
    } else if (v.is_map()) {
      for (const auto& [key, item] : v.as_map()) TRY(walk(item));
    }
    return {};
  };
  TRY(walk(value));
  return refs;
}

}  // namespace flightplan
