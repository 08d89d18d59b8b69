#include "steps/amplify/schema/graphql_sdl.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace flightplan::graphql {
namespace {

bool IsNameStart(char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameContinue(char c) { return IsNameStart(c) || IsDigit(c); }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The spec's BlockStringValue(): common indentation and blank first and last
// lines removed, line terminators normalised to \n.
std::string BlockStringValue(std::string_view raw) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n' || raw[i] == '\r') {
      lines.push_back(raw.substr(start, i - start));
      if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  lines.push_back(raw.substr(start));
  auto indent_of = [](std::string_view line) {
    std::size_t n = 0;
    while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
    return n;
  };
  std::optional<std::size_t> common;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::size_t indent = indent_of(lines[i]);
    if (indent < lines[i].size() && (!common || indent < *common)) common = indent;
  }
  if (common) {
    for (std::size_t i = 1; i < lines.size(); ++i) {
      lines[i].remove_prefix(std::min(*common, lines[i].size()));
    }
  }
  auto blank = [&](std::string_view line) { return indent_of(line) == line.size(); };
  std::size_t first = 0;
  std::size_t last = lines.size();
  while (first < last && blank(lines[first])) ++first;
  while (last > first && blank(lines[last - 1])) --last;
  std::string out;
  for (std::size_t i = first; i < last; ++i) {
    if (i > first) out += '\n';
    out += lines[i];
  }
  return out;
}

enum class TokenKind { kEnd, kPunctuator, kName, kInt, kFloat, kString, kBlockString };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // punctuator, name, number as written, string value
  SourceLocation location;
};

std::string Describe(const Token& token) {
  auto shorten = [](const std::string& s) { return s.size() > 40 ? s.substr(0, 37) + "..." : s; };
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of input";
    case TokenKind::kPunctuator:
      return fmt::format("'{}'", token.text);
    case TokenKind::kName:
      return fmt::format("`{}`", shorten(token.text));
    case TokenKind::kInt:
    case TokenKind::kFloat:
      return fmt::format("number {}", shorten(token.text));
    case TokenKind::kString:
    case TokenKind::kBlockString:
      return fmt::format("string \"{}\"", shorten(token.text));
  }
  return "?";
}

// Splits the text into tokens, skipping what the spec ignores (a byte-order
// mark, white space, line terminators, commas, comments).
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // Errors are the message and where; the parser formats them.
  struct LexError {
    std::string message;
    SourceLocation location;
  };

  tl::expected<Token, LexError> Next() {
    SkipIgnored();
    Token token;
    token.location = Here();
    if (pos_ >= text_.size()) return token;
    char c = text_[pos_];
    if (c == '.') {
      if (text_.substr(pos_, 3) == "...") {
        Bump(3);
        token.kind = TokenKind::kPunctuator;
        token.text = "...";
        return token;
      }
      return Fail("unexpected '.' (a number needs a digit before its '.')");
    }
    if (std::string_view("!$&()[]{}:=@|").find(c) != std::string_view::npos) {
      Bump(1);
      token.kind = TokenKind::kPunctuator;
      token.text = std::string(1, c);
      return token;
    }
    if (IsNameStart(c)) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && IsNameContinue(text_[pos_])) Bump(1);
      token.kind = TokenKind::kName;
      token.text = std::string(text_.substr(start, pos_ - start));
      return token;
    }
    if (c == '-' || IsDigit(c)) return Number(token);
    if (c == '"') {
      if (text_.substr(pos_, 3) == "\"\"\"") return BlockString(token);
      return String(token);
    }
    return Fail(UnexpectedCharacter(c));
  }

  SourceLocation Here() const { return {line_, column_}; }

 private:
  tl::unexpected<LexError> Fail(std::string message) const {
    return tl::unexpected<LexError>(LexError{std::move(message), Here()});
  }
  tl::unexpected<LexError> FailAt(std::string message, SourceLocation at) const {
    return tl::unexpected<LexError>(LexError{std::move(message), at});
  }

  static std::string UnexpectedCharacter(char c) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) return fmt::format("unexpected character '{}'", c);
    return fmt::format("unexpected character 0x{:02X}", byte);
  }

  // Moves over `n` bytes, keeping line and column.
  void Bump(std::size_t n) {
    for (std::size_t i = 0; i < n && pos_ < text_.size(); ++i) {
      char c = text_[pos_++];
      if (c == '\n' || (c == '\r' && (pos_ >= text_.size() || text_[pos_] != '\n'))) {
        ++line_;
        column_ = 1;
      } else if (c != '\r' && (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++column_;
      }
    }
  }

  void SkipIgnored() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r') {
        Bump(1);
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') Bump(1);
      } else if (text_.substr(pos_, 3) == "\xEF\xBB\xBF") {
        Bump(3);
      } else {
        return;
      }
    }
  }

  tl::expected<Token, LexError> Number(Token token) {
    std::size_t start = pos_;
    if (text_[pos_] == '-') Bump(1);
    if (pos_ >= text_.size() || !IsDigit(text_[pos_])) return Fail("expected a digit after '-'");
    if (text_[pos_] == '0') {
      Bump(1);
      if (pos_ < text_.size() && IsDigit(text_[pos_])) {
        return Fail("a number must not start with 0 followed by a digit");
      }
    } else {
      while (pos_ < text_.size() && IsDigit(text_[pos_])) Bump(1);
    }
    bool is_float = false;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      is_float = true;
      Bump(1);
      if (pos_ >= text_.size() || !IsDigit(text_[pos_])) return Fail("expected a digit after '.'");
      while (pos_ < text_.size() && IsDigit(text_[pos_])) Bump(1);
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      is_float = true;
      Bump(1);
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) Bump(1);
      if (pos_ >= text_.size() || !IsDigit(text_[pos_])) {
        return Fail("expected a digit in the number's exponent");
      }
      while (pos_ < text_.size() && IsDigit(text_[pos_])) Bump(1);
    }
    if (pos_ < text_.size() && (text_[pos_] == '.' || IsNameStart(text_[pos_]))) {
      return Fail(fmt::format("unexpected '{}' after a number", text_[pos_]));
    }
    token.kind = is_float ? TokenKind::kFloat : TokenKind::kInt;
    token.text = std::string(text_.substr(start, pos_ - start));
    return token;
  }

  // Four hex digits at pos_ (after "\u"), or -1.
  int Hex4() const {
    if (pos_ + 4 > text_.size()) return -1;
    int value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      int d = HexDigit(text_[pos_ + i]);
      if (d < 0) return -1;
      value = value * 16 + d;
    }
    return value;
  }

  // After "\u": XXXX, a surrogate pair \uXXXX\uXXXX, or {X…}.
  tl::expected<uint32_t, LexError> UnicodeEscape(SourceLocation at) {
    if (pos_ < text_.size() && text_[pos_] == '{') {
      Bump(1);
      uint32_t value = 0;
      std::size_t digits = 0;
      while (pos_ < text_.size() && text_[pos_] != '}') {
        int d = HexDigit(text_[pos_]);
        if (d < 0 || ++digits > 6) return FailAt("invalid \\u{…} escape", at);
        value = value * 16 + static_cast<uint32_t>(d);
        Bump(1);
      }
      if (pos_ >= text_.size() || digits == 0) return FailAt("invalid \\u{…} escape", at);
      Bump(1);
      if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        return FailAt("\\u{…} escape is not a Unicode scalar value", at);
      }
      return value;
    }
    int high = Hex4();
    if (high < 0) return FailAt("expected four hex digits after \\u", at);
    Bump(4);
    if (high >= 0xDC00 && high <= 0xDFFF) return FailAt("lone low surrogate in \\u escape", at);
    if (high < 0xD800 || high > 0xDBFF) return static_cast<uint32_t>(high);
    if (text_.substr(pos_, 2) != "\\u") return FailAt("lone high surrogate in \\u escape", at);
    Bump(2);
    int low = Hex4();
    if (low < 0xDC00 || low > 0xDFFF) return FailAt("invalid surrogate pair in \\u escape", at);
    Bump(4);
    return 0x10000 + ((static_cast<uint32_t>(high) - 0xD800) << 10) +
           (static_cast<uint32_t>(low) - 0xDC00);
  }

  tl::expected<Token, LexError> String(Token token) {
    Bump(1);
    std::string value;
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] == '\n' || text_[pos_] == '\r') {
        return FailAt("unterminated string", token.location);
      }
      char c = text_[pos_];
      if (c == '"') {
        Bump(1);
        break;
      }
      if (c != '\\') {
        value += c;
        Bump(1);
        continue;
      }
      SourceLocation at = Here();
      Bump(1);
      if (pos_ >= text_.size()) return FailAt("unterminated string", token.location);
      char e = text_[pos_];
      Bump(1);
      switch (e) {
        case '"':
        case '\\':
        case '/':
          value += e;
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case 'u': {
          auto cp = UnicodeEscape(at);
          if (!cp) return tl::unexpected(cp.error());
          AppendUtf8(value, *cp);
          break;
        }
        default:
          return FailAt(fmt::format("invalid escape sequence \\{}", e), at);
      }
    }
    token.kind = TokenKind::kString;
    token.text = std::move(value);
    return token;
  }

  tl::expected<Token, LexError> BlockString(Token token) {
    Bump(3);
    std::string raw;
    while (true) {
      if (pos_ >= text_.size()) return FailAt("unterminated block string", token.location);
      if (text_.substr(pos_, 3) == "\"\"\"") {
        Bump(3);
        break;
      }
      if (text_.substr(pos_, 4) == "\\\"\"\"") {
        raw += "\"\"\"";
        Bump(4);
        continue;
      }
      raw += text_[pos_];
      Bump(1);
    }
    token.kind = TokenKind::kBlockString;
    token.text = BlockStringValue(raw);
    return token;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

constexpr std::array<std::string_view, 19> kDirectiveLocations = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
    "SCHEMA",
    "SCALAR",
    "OBJECT",
    "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION",
    "INTERFACE",
    "UNION",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
};

// Recursive descent over the type-system grammar, one token of lookahead.
// Only type references and values nest; both carry a depth checked against
// the limit.
class Parser {
 public:
  Parser(std::string_view text, std::string_view source_name, const ParseLimits& limits)
      : lexer_(text), source_name_(source_name), limits_(limits) {}

  Result<Document> Parse() {
    TRY(Advance());
    Document document;
    while (token_.kind != TokenKind::kEnd) {
      ASSIGN_OR_RETURN(Definition definition, ParseDefinition());
      document.definitions.push_back(std::move(definition));
    }
    return document;
  }

 private:
  tl::unexpected<Error> ErrorAt(SourceLocation at, const std::string& message) const {
    std::string where = fmt::format("{}:{}", at.line, at.column);
    if (!source_name_.empty()) where = fmt::format("{}:{}", source_name_, where);
    return MakeError(ErrorCode::kInvalidInput, fmt::format("{}: {}", where, message));
  }
  tl::unexpected<Error> Expected(std::string_view what) const {
    return ErrorAt(token_.location, fmt::format("expected {}, found {}", what, Describe(token_)));
  }

  Result<void> Advance() {
    auto next = lexer_.Next();
    if (!next) return ErrorAt(next.error().location, next.error().message);
    token_ = std::move(*next);
    return {};
  }

  Result<void> CountNode() {
    if (++nodes_ > limits_.max_nodes) {
      return ErrorAt(token_.location,
                     fmt::format("the schema is too large (more than {} definitions, fields, "
                                 "arguments, directives and values)",
                                 limits_.max_nodes));
    }
    return {};
  }

  Result<void> EnterNesting(int depth) const {
    if (depth > limits_.max_depth) {
      return ErrorAt(token_.location,
                     fmt::format("nested more than {} levels deep", limits_.max_depth));
    }
    return {};
  }

  bool Peek(std::string_view punctuator) const {
    return token_.kind == TokenKind::kPunctuator && token_.text == punctuator;
  }
  bool PeekName(std::string_view keyword) const {
    return token_.kind == TokenKind::kName && token_.text == keyword;
  }
  bool PeekString() const {
    return token_.kind == TokenKind::kString || token_.kind == TokenKind::kBlockString;
  }

  Result<void> Expect(std::string_view punctuator, std::string_view what) {
    if (!Peek(punctuator)) return Expected(what);
    return Advance();
  }
  // Consumes `punctuator` when it is next.
  Result<bool> Skip(std::string_view punctuator) {
    if (!Peek(punctuator)) return false;
    TRY(Advance());
    return true;
  }

  Result<std::string> ExpectName(std::string_view what) {
    if (token_.kind != TokenKind::kName) return Expected(what);
    std::string name = token_.text;
    TRY(Advance());
    return name;
  }

  Result<std::optional<std::string>> OptionalDescription() {
    if (!PeekString()) return std::optional<std::string>();
    std::string text = token_.text;
    TRY(Advance());
    return std::optional<std::string>(std::move(text));
  }

  Result<Definition> ParseDefinition() {
    TRY(CountNode());
    ASSIGN_OR_RETURN(std::optional<std::string> description, OptionalDescription());
    Definition definition;
    definition.description = std::move(description);
    definition.location = token_.location;
    if (Peek("{")) {
      return ErrorAt(token_.location,
                     "a query does not belong in a schema (expected a type-system definition)");
    }
    if (token_.kind != TokenKind::kName) {
      return Expected(definition.description ? "a definition after the description"
                                             : "a definition (type, enum, input, …)");
    }
    if (PeekName("extend")) {
      if (definition.description) {
        return ErrorAt(token_.location, "an extension cannot have a description");
      }
      definition.extension = true;
      TRY(Advance());
      if (token_.kind != TokenKind::kName || token_.text == "directive") {
        return Expected(
            "what `extend` extends (schema, scalar, type, interface, union, enum or input)");
      }
    }
    const std::string keyword = token_.text;
    if (keyword == "query" || keyword == "mutation" || keyword == "subscription" ||
        keyword == "fragment") {
      return ErrorAt(token_.location, fmt::format("a {} does not belong in a schema (expected a "
                                                  "type-system definition)",
                                                  keyword));
    }
    if (keyword == "schema") {
      definition.kind = DefinitionKind::kSchema;
      TRY(Advance());
      TRY(ParseSchemaBody(definition));
    } else if (keyword == "scalar") {
      definition.kind = DefinitionKind::kScalar;
      TRY(Advance());
      ASSIGN_OR_RETURN(definition.name, ExpectName("the scalar's name"));
      TRY(ParseDirectives(definition.directives));
      if (definition.extension && definition.directives.empty()) {
        return Expected("a directive (a scalar extension adds directives)");
      }
    } else if (keyword == "type" || keyword == "interface") {
      definition.kind = keyword == "type" ? DefinitionKind::kObject : DefinitionKind::kInterface;
      TRY(Advance());
      ASSIGN_OR_RETURN(definition.name, ExpectName(fmt::format("the {}'s name", keyword)));
      TRY(ParseImplements(definition));
      TRY(ParseDirectives(definition.directives));
      if (Peek("{")) {
        TRY(ParseFields(definition));
      } else if (definition.extension && definition.interfaces.empty() &&
                 definition.directives.empty()) {
        return Expected("'{', `implements` or a directive (an extension must add something)");
      }
    } else if (keyword == "union") {
      definition.kind = DefinitionKind::kUnion;
      TRY(Advance());
      ASSIGN_OR_RETURN(definition.name, ExpectName("the union's name"));
      TRY(ParseDirectives(definition.directives));
      ASSIGN_OR_RETURN(bool has_members, Skip("="));
      if (has_members) {
        TRY(Skip("|"));
        while (true) {
          ASSIGN_OR_RETURN(std::string member, ExpectName("a member type of the union"));
          definition.members.push_back(std::move(member));
          ASSIGN_OR_RETURN(bool more, Skip("|"));
          if (!more) break;
        }
      } else if (definition.extension && definition.directives.empty()) {
        return Expected("'=' or a directive (an extension must add something)");
      }
    } else if (keyword == "enum") {
      definition.kind = DefinitionKind::kEnum;
      TRY(Advance());
      ASSIGN_OR_RETURN(definition.name, ExpectName("the enum's name"));
      TRY(ParseDirectives(definition.directives));
      if (Peek("{")) {
        TRY(ParseEnumValues(definition));
      } else if (definition.extension && definition.directives.empty()) {
        return Expected("'{' or a directive (an extension must add something)");
      }
    } else if (keyword == "input") {
      definition.kind = DefinitionKind::kInputObject;
      TRY(Advance());
      ASSIGN_OR_RETURN(definition.name, ExpectName("the input type's name"));
      TRY(ParseDirectives(definition.directives));
      if (Peek("{")) {
        TRY(ParseInputValues(definition.arguments, "{", "}", "an input field"));
      } else if (definition.extension && definition.directives.empty()) {
        return Expected("'{' or a directive (an extension must add something)");
      }
    } else if (keyword == "directive" && !definition.extension) {
      definition.kind = DefinitionKind::kDirective;
      TRY(Advance());
      TRY(ParseDirectiveDefinition(definition));
    } else {
      return Expected(definition.extension
                          ? "what `extend` extends (schema, scalar, type, interface, union, enum "
                            "or input)"
                          : "a definition (schema, scalar, type, interface, union, enum, input, "
                            "directive or extend)");
    }
    return definition;
  }

  Result<void> ParseSchemaBody(Definition& definition) {
    TRY(ParseDirectives(definition.directives));
    if (!Peek("{")) {
      if (definition.extension && !definition.directives.empty()) return {};
      return Expected("'{' and the root operation types");
    }
    TRY(Advance());
    do {
      RootOperationType op;
      if (!PeekName("query") && !PeekName("mutation") && !PeekName("subscription")) {
        return Expected("query, mutation or subscription");
      }
      op.operation = token_.text;
      TRY(Advance());
      TRY(Expect(":", fmt::format("':' after `{}`", op.operation)));
      ASSIGN_OR_RETURN(op.type, ExpectName("the root operation's type name"));
      definition.operations.push_back(std::move(op));
    } while (!Peek("}"));
    return Advance();
  }

  Result<void> ParseImplements(Definition& definition) {
    if (!PeekName("implements")) return {};
    TRY(Advance());
    TRY(Skip("&"));
    while (true) {
      ASSIGN_OR_RETURN(std::string name, ExpectName("an interface name after `implements`"));
      definition.interfaces.push_back(std::move(name));
      ASSIGN_OR_RETURN(bool more, Skip("&"));
      if (!more) return {};
    }
  }

  Result<void> ParseFields(Definition& definition) {
    TRY(Advance());  // {
    do {
      TRY(CountNode());
      FieldDefinition field;
      ASSIGN_OR_RETURN(field.description, OptionalDescription());
      field.location = token_.location;
      ASSIGN_OR_RETURN(field.name, ExpectName(definition.fields.empty() ? "a field name"
                                                                        : "a field name or '}'"));
      if (Peek("(")) TRY(ParseInputValues(field.arguments, "(", ")", "an argument"));
      TRY(Expect(":", fmt::format("':' and the type of field `{}`", field.name)));
      ASSIGN_OR_RETURN(field.type, ParseType(0));
      TRY(ParseDirectives(field.directives));
      definition.fields.push_back(std::move(field));
    } while (!Peek("}"));
    return Advance();
  }

  Result<void> ParseEnumValues(Definition& definition) {
    TRY(Advance());  // {
    do {
      TRY(CountNode());
      EnumValueDefinition value;
      ASSIGN_OR_RETURN(value.description, OptionalDescription());
      value.location = token_.location;
      if (PeekName("true") || PeekName("false") || PeekName("null")) {
        return ErrorAt(token_.location, fmt::format("`{}` cannot be an enum value", token_.text));
      }
      ASSIGN_OR_RETURN(value.name, ExpectName(definition.values.empty() ? "an enum value"
                                                                        : "an enum value or '}'"));
      TRY(ParseDirectives(value.directives));
      definition.values.push_back(std::move(value));
    } while (!Peek("}"));
    return Advance();
  }

  // `open` InputValueDefinition+ `close`: arguments or input fields.
  Result<void> ParseInputValues(std::vector<InputValueDefinition>& out, std::string_view open,
                                std::string_view close, std::string_view what) {
    TRY(Expect(open, fmt::format("'{}'", open)));
    do {
      TRY(CountNode());
      InputValueDefinition value;
      ASSIGN_OR_RETURN(value.description, OptionalDescription());
      value.location = token_.location;
      ASSIGN_OR_RETURN(value.name,
                       ExpectName(out.empty() ? fmt::format("{} name", what)
                                              : fmt::format("{} name or '{}'", what, close)));
      TRY(Expect(":", fmt::format("':' and the type of `{}`", value.name)));
      ASSIGN_OR_RETURN(value.type, ParseType(0));
      ASSIGN_OR_RETURN(bool has_default, Skip("="));
      if (has_default) {
        ASSIGN_OR_RETURN(ConstValue default_value, ParseValue(0));
        value.default_value = std::move(default_value);
      }
      TRY(ParseDirectives(value.directives));
      out.push_back(std::move(value));
    } while (!Peek(close));
    return Advance();
  }

  Result<void> ParseDirectiveDefinition(Definition& definition) {
    TRY(Expect("@", "'@' and the directive's name"));
    ASSIGN_OR_RETURN(definition.name, ExpectName("the directive's name"));
    if (Peek("(")) TRY(ParseInputValues(definition.arguments, "(", ")", "an argument"));
    if (PeekName("repeatable")) {
      definition.repeatable = true;
      TRY(Advance());
    }
    if (!PeekName("on")) return Expected("`on` and the directive's locations");
    TRY(Advance());
    TRY(Skip("|"));
    while (true) {
      if (token_.kind != TokenKind::kName ||
          std::find(kDirectiveLocations.begin(), kDirectiveLocations.end(), token_.text) ==
              kDirectiveLocations.end()) {
        return Expected("a directive location (OBJECT, FIELD_DEFINITION, …)");
      }
      definition.locations.push_back(token_.text);
      TRY(Advance());
      ASSIGN_OR_RETURN(bool more, Skip("|"));
      if (!more) return {};
    }
  }

  Result<void> ParseDirectives(std::vector<Directive>& out) {
    while (Peek("@")) {
      TRY(CountNode());
      Directive directive;
      directive.location = token_.location;
      TRY(Advance());
      ASSIGN_OR_RETURN(directive.name, ExpectName("a directive name after '@'"));
      if (Peek("(")) {
        TRY(Advance());
        do {
          TRY(CountNode());
          Argument argument;
          argument.location = token_.location;
          ASSIGN_OR_RETURN(argument.name,
                           ExpectName(directive.arguments.empty() ? "an argument name"
                                                                  : "an argument name or ')'"));
          TRY(Expect(":", fmt::format("':' and a value for `{}`", argument.name)));
          ASSIGN_OR_RETURN(argument.value, ParseValue(0));
          directive.arguments.push_back(std::move(argument));
        } while (!Peek(")"));
        TRY(Advance());
      }
      out.push_back(std::move(directive));
    }
    return {};
  }

  Result<TypeRef> ParseType(int depth) {
    TRY(EnterNesting(depth));
    TypeRef type;
    if (Peek("[")) {
      TRY(Advance());
      ASSIGN_OR_RETURN(TypeRef inner, ParseType(depth + 1));
      TRY(Expect("]", "']' to close the list type"));
      type.name = std::move(inner.name);
      type.wrappers.reserve(inner.wrappers.size() + 2);
      type.wrappers.push_back(TypeWrapper::kList);
      type.wrappers.insert(type.wrappers.end(), inner.wrappers.begin(), inner.wrappers.end());
    } else {
      ASSIGN_OR_RETURN(type.name, ExpectName("a type"));
    }
    if (Peek("!")) {
      type.wrappers.insert(type.wrappers.begin(), TypeWrapper::kNonNull);
      TRY(Advance());
    }
    return type;
  }

  Result<ConstValue> ParseValue(int depth) {
    TRY(CountNode());
    TRY(EnterNesting(depth));
    ConstValue value;
    value.location = token_.location;
    switch (token_.kind) {
      case TokenKind::kInt:
        value.kind = ConstValue::Kind::kInt;
        break;
      case TokenKind::kFloat:
        value.kind = ConstValue::Kind::kFloat;
        break;
      case TokenKind::kString:
      case TokenKind::kBlockString:
        value.kind = ConstValue::Kind::kString;
        break;
      case TokenKind::kName:
        value.kind = token_.text == "true" || token_.text == "false" ? ConstValue::Kind::kBoolean
                     : token_.text == "null"                         ? ConstValue::Kind::kNull
                                                                     : ConstValue::Kind::kEnum;
        break;
      case TokenKind::kPunctuator:
        if (Peek("[")) return ParseListValue(std::move(value), depth);
        if (Peek("{")) return ParseObjectValue(std::move(value), depth);
        if (Peek("$")) {
          return ErrorAt(token_.location,
                         "a variable cannot appear in a schema (expected a "
                         "constant value)");
        }
        return Expected("a value");
      case TokenKind::kEnd:
        return Expected("a value");
    }
    value.text = std::move(token_.text);
    TRY(Advance());
    return value;
  }

  Result<ConstValue> ParseListValue(ConstValue value, int depth) {
    value.kind = ConstValue::Kind::kList;
    TRY(Advance());  // [
    while (!Peek("]")) {
      if (token_.kind == TokenKind::kEnd) return Expected("a value or ']'");
      ASSIGN_OR_RETURN(ConstValue item, ParseValue(depth + 1));
      value.list.push_back(std::move(item));
    }
    TRY(Advance());
    return value;
  }

  Result<ConstValue> ParseObjectValue(ConstValue value, int depth) {
    value.kind = ConstValue::Kind::kObject;
    TRY(Advance());  // {
    while (!Peek("}")) {
      ASSIGN_OR_RETURN(std::string name, ExpectName("a field name or '}'"));
      TRY(Expect(":", fmt::format("':' and a value for `{}`", name)));
      ASSIGN_OR_RETURN(ConstValue field, ParseValue(depth + 1));
      value.fields.push_back({std::move(name), std::move(field)});
    }
    TRY(Advance());
    return value;
  }

  Lexer lexer_;
  std::string_view source_name_;
  const ParseLimits& limits_;
  Token token_;
  std::size_t nodes_ = 0;
};

void AppendQuoted(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Iterative, so a deep value cannot exhaust the stack here either.
std::string ValueToString(const ConstValue& root) {
  struct Frame {
    const ConstValue* value;
    std::size_t next = 0;  // the child to print next
  };
  std::string out;
  std::vector<Frame> stack{{&root}};
  while (!stack.empty()) {
    Frame& frame = stack.back();
    const ConstValue& v = *frame.value;
    if (v.kind == ConstValue::Kind::kList || v.kind == ConstValue::Kind::kObject) {
      bool list = v.kind == ConstValue::Kind::kList;
      std::size_t count = list ? v.list.size() : v.fields.size();
      if (frame.next == 0) out += list ? '[' : '{';
      if (frame.next == count) {
        out += list ? ']' : '}';
        stack.pop_back();
        continue;
      }
      if (frame.next > 0) out += ", ";
      std::size_t i = frame.next++;
      if (list) {
        stack.push_back({&v.list[i]});
      } else {
        out += v.fields[i].name;
        out += ": ";
        stack.push_back({&v.fields[i].value});
      }
      continue;
    }
    if (v.kind == ConstValue::Kind::kString) {
      AppendQuoted(out, v.text);
    } else if (v.kind == ConstValue::Kind::kNull) {
      out += "null";
    } else {
      out += v.text;
    }
    stack.pop_back();
  }
  return out;
}

}  // namespace

const ConstValue* ConstValue::Field(std::string_view name) const {
  for (const ObjectField& field : fields) {
    if (field.name == name) return &field.value;
  }
  return nullptr;
}

std::vector<std::string> ConstValue::Strings() const {
  if (kind == Kind::kString) return {text};
  std::vector<std::string> out;
  if (kind != Kind::kList) return out;
  for (const ConstValue& item : list) {
    if (item.kind != Kind::kString) return {};
    out.push_back(item.text);
  }
  return out;
}

std::string ConstValue::ToString() const { return ValueToString(*this); }

const ConstValue* Directive::Find(std::string_view argument) const {
  for (const Argument& a : arguments) {
    if (a.name == argument) return &a.value;
  }
  return nullptr;
}

std::string Directive::ToString() const {
  std::string out = "@" + name;
  if (arguments.empty()) return out;
  out += '(';
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    if (i > 0) out += ", ";
    out += arguments[i].name;
    out += ": ";
    out += arguments[i].value.ToString();
  }
  out += ')';
  return out;
}

const Directive* FindDirective(const std::vector<Directive>& directives, std::string_view name) {
  for (const Directive& d : directives) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

bool TypeRef::is_list() const {
  for (TypeWrapper w : wrappers) {
    if (w == TypeWrapper::kList) return true;
  }
  return false;
}

std::string TypeRef::ToString() const {
  std::string out = name;
  // Wrappers are outermost first: apply them from the inside out.
  for (std::size_t i = wrappers.size(); i-- > 0;) {
    out = wrappers[i] == TypeWrapper::kList ? "[" + out + "]" : out + "!";
  }
  return out;
}

std::string_view DefinitionKindName(DefinitionKind kind) {
  switch (kind) {
    case DefinitionKind::kSchema:
      return "schema";
    case DefinitionKind::kScalar:
      return "scalar";
    case DefinitionKind::kObject:
      return "type";
    case DefinitionKind::kInterface:
      return "interface";
    case DefinitionKind::kUnion:
      return "union";
    case DefinitionKind::kEnum:
      return "enum";
    case DefinitionKind::kInputObject:
      return "input";
    case DefinitionKind::kDirective:
      return "directive";
  }
  return "?";
}

Result<Document> ParseSdl(std::string_view text, std::string_view source_name,
                          const ParseLimits& limits) {
  if (text.size() > limits.max_bytes) {
    std::string where = source_name.empty() ? "" : fmt::format("{}: ", source_name);
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}the schema is {} bytes, more than the {} a schema may have",
                                 where, text.size(), limits.max_bytes));
  }
  return Parser(text, source_name, limits).Parse();
}

}  // namespace flightplan::graphql
