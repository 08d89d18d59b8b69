#include "steps/amplify/import_scan.h"

#include <array>
#include <cstddef>
#include <set>

namespace flightplan::amplify {
namespace {

enum class TokenType { kIdentifier, kString, kTemplate, kNumber, kPunct, kRegex };

struct Token {
  TokenType type = TokenType::kPunct;
  std::string text;  // identifier, punctuation, string value, template head
  int line = 0;
  bool substitutions = false;  // kTemplate: has ${…}
};

bool IsIdentifierChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || u >= 0x80;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Keywords after which a '/' starts a regular expression, not a division.
bool KeywordBeforeExpression(std::string_view word) {
  static const std::set<std::string_view> kWords = {
      "return", "typeof", "instanceof", "in", "of",   "new",   "delete",
      "void",   "throw",  "case",       "do", "else", "yield", "await"};
  return kWords.count(word) > 0;
}

// Splits JavaScript/TypeScript into the tokens the import rules need.
// Template literals are followed by the tokens of their substitutions; the
// literal text after the first substitution is skipped.
class Tokenizer {
 public:
  explicit Tokenizer(std::string_view source) : src_(source) {}

  std::vector<Token> Run() {
    if (src_.starts_with("#!")) SkipLine();
    while (pos_ < src_.size()) {
      const char c = src_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
      } else if (c == '/' && Peek(1) == '/') {
        SkipLine();
      } else if (c == '/' && Peek(1) == '*') {
        SkipBlockComment();
      } else if (c == '/' && RegexAllowed()) {
        SkipRegex();
      } else if (c == '\'' || c == '"') {
        ReadString(c);
      } else if (c == '`') {
        ++pos_;
        ReadTemplate(/*emit=*/true);
      } else if (c == '{') {
        if (!braces_.empty()) ++braces_.back();
        Emit(TokenType::kPunct, "{");
        ++pos_;
      } else if (c == '}') {
        ++pos_;
        if (!braces_.empty() && braces_.back() == 0) {
          braces_.pop_back();  // the end of a ${…}: the template goes on
          ReadTemplate(/*emit=*/false);
        } else {
          if (!braces_.empty()) --braces_.back();
          Emit(TokenType::kPunct, "}");
        }
      } else if (IsDigit(c)) {
        size_t start = pos_;
        while (pos_ < src_.size() && (IsIdentifierChar(src_[pos_]) || src_[pos_] == '.')) ++pos_;
        Emit(TokenType::kNumber, std::string(src_.substr(start, pos_ - start)));
      } else if (IsIdentifierChar(c)) {
        size_t start = pos_;
        while (pos_ < src_.size() && IsIdentifierChar(src_[pos_])) ++pos_;
        Emit(TokenType::kIdentifier, std::string(src_.substr(start, pos_ - start)));
      } else {
        Emit(TokenType::kPunct, std::string(1, c));
        ++pos_;
      }
    }
    return std::move(tokens_);
  }

 private:
  char Peek(size_t ahead) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0'; }

  void Emit(TokenType type, std::string text, bool substitutions = false) {
    tokens_.push_back({type, std::move(text), line_, substitutions});
  }

  void SkipLine() {
    while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
  }

  void SkipBlockComment() {
    pos_ += 2;
    while (pos_ < src_.size() && !(src_[pos_] == '*' && Peek(1) == '/')) {
      if (src_[pos_] == '\n') ++line_;
      ++pos_;
    }
    pos_ = std::min(pos_ + 2, src_.size());
  }

  bool RegexAllowed() const {
    if (tokens_.empty()) return true;
    const Token& last = tokens_.back();
    switch (last.type) {
      case TokenType::kIdentifier:
        return KeywordBeforeExpression(last.text);
      case TokenType::kPunct:
        return last.text != ")" && last.text != "]" && last.text != "}";
      default:
        return false;
    }
  }

  // A regular expression literal: to the unescaped '/' outside a class,
  // then its flags. One that reaches the end of the line was a division.
  void SkipRegex() {
    size_t p = pos_ + 1;
    bool in_class = false;
    while (p < src_.size() && src_[p] != '\n') {
      const char c = src_[p];
      if (c == '\\') {
        p += 2;
        continue;
      }
      if (c == '[') in_class = true;
      if (c == ']') in_class = false;
      if (c == '/' && !in_class) break;
      ++p;
    }
    if (p >= src_.size() || src_[p] == '\n') {
      Emit(TokenType::kPunct, "/");
      ++pos_;
      return;
    }
    pos_ = p + 1;
    while (pos_ < src_.size() && IsIdentifierChar(src_[pos_])) ++pos_;
    Emit(TokenType::kRegex, "");
  }

  void ReadString(char quote) {
    const int line = line_;
    std::string value;
    ++pos_;
    while (pos_ < src_.size() && src_[pos_] != quote && src_[pos_] != '\n') {
      if (src_[pos_] == '\\' && pos_ + 1 < src_.size()) {
        if (src_[pos_ + 1] == '\n') ++line_;
        value += src_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      value += src_[pos_++];
    }
    if (pos_ < src_.size() && src_[pos_] == quote) ++pos_;
    tokens_.push_back({TokenType::kString, std::move(value), line, false});
  }

  // After the opening backtick (emit: a new template, whose head is
  // emitted) or after the '}' that closes a substitution.
  void ReadTemplate(bool emit) {
    const int line = line_;
    std::string head;
    while (pos_ < src_.size()) {
      const char c = src_[pos_];
      if (c == '\\' && pos_ + 1 < src_.size()) {
        if (src_[pos_ + 1] == '\n') ++line_;
        head += src_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      if (c == '`') {
        ++pos_;
        if (emit) tokens_.push_back({TokenType::kTemplate, std::move(head), line, false});
        return;
      }
      if (c == '$' && Peek(1) == '{') {
        pos_ += 2;
        if (emit) tokens_.push_back({TokenType::kTemplate, std::move(head), line, true});
        braces_.push_back(0);
        return;
      }
      if (c == '\n') ++line_;
      head += c;
      ++pos_;
    }
    if (emit) tokens_.push_back({TokenType::kTemplate, std::move(head), line, false});
  }

  std::string_view src_;
  size_t pos_ = 0;
  int line_ = 1;
  std::vector<Token> tokens_;
  // One entry per open ${…}: the '{' nesting inside it.
  std::vector<int> braces_;
};

bool IsRelative(std::string_view spec) {
  return spec.starts_with("./") || spec.starts_with("../") || spec.starts_with("/") ||
         spec == "." || spec == "..";
}

ImportRef Classify(int line, std::string spec) {
  ImportRef ref;
  ref.line = line;
  if (IsRelative(spec)) {
    ref.kind = ImportKind::kRelative;
  } else if (IsNodeBuiltin(spec)) {
    ref.kind = ImportKind::kBuiltin;
  } else if (spec.starts_with("$amplify/")) {
    ref.kind = ImportKind::kProvided;
  } else if (spec.find(':') != std::string::npos) {
    ref.kind = ImportKind::kUnknown;  // a URL or another scheme
  } else {
    ref.package = PackageOfSpecifier(spec);
    ref.kind = ref.package.empty() ? ImportKind::kUnknown : ImportKind::kPackage;
  }
  ref.specifier = std::move(spec);
  return ref;
}

class ImportParser {
 public:
  explicit ImportParser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  std::vector<ImportRef> Run() {
    for (size_t i = 0; i < t_.size(); ++i) {
      if (t_[i].type != TokenType::kIdentifier) continue;
      if (i > 0 && IsPunct(i - 1, ".")) continue;  // obj.require(…), obj.import
      const std::string& word = t_[i].text;
      if (word == "require" && IsPunct(i + 1, "(")) {
        CallArgument(i, i + 2);
      } else if (word == "import") {
        Import(i);
      } else if (word == "export") {
        Export(i);
      }
    }
    return std::move(out_);
  }

 private:
  bool Is(size_t i, TokenType type) const { return i < t_.size() && t_[i].type == type; }
  bool IsPunct(size_t i, std::string_view p) const {
    return Is(i, TokenType::kPunct) && t_[i].text == p;
  }
  bool IsWord(size_t i, std::string_view w) const {
    return Is(i, TokenType::kIdentifier) && t_[i].text == w;
  }

  // require(arg) or import(arg); keyword at k, argument at a.
  void CallArgument(size_t k, size_t a) {
    const int line = t_[k].line;
    if (a >= t_.size() || IsPunct(a, ")")) return;
    const Token& arg = t_[a];
    const bool literal = (arg.type == TokenType::kString ||
                          (arg.type == TokenType::kTemplate && !arg.substitutions)) &&
                         (a + 1 >= t_.size() || IsPunct(a + 1, ")") || IsPunct(a + 1, ","));
    if (literal) {
      out_.push_back(Classify(line, arg.text));
      return;
    }
    // Computed: a relative literal head means a file of this function.
    const bool has_head = arg.type == TokenType::kTemplate || arg.type == TokenType::kString;
    ImportRef ref;
    ref.line = line;
    ref.kind = has_head && IsRelative(arg.text) ? ImportKind::kRelative : ImportKind::kUnknown;
    ref.specifier = arg.type == TokenType::kTemplate ? "`" + arg.text + "${…}`"
                    : arg.type == TokenType::kString ? "'" + arg.text + "' + …"
                                                     : arg.text;
    out_.push_back(std::move(ref));
  }

  // From the token after `import`/`export` to `from '<x>'`: the module and
  // whether anything but types is bound. Nothing when the clause is not an
  // import clause.
  void Clause(size_t k, size_t start) {
    bool value = false;
    bool braced_only = true;  // all bindings are inside { }
    bool in_braces = false;
    bool expect_specifier = false;
    for (size_t j = start; j < t_.size() && j < start + 400; ++j) {
      const Token& tok = t_[j];
      if (in_braces) {
        if (IsPunct(j, "}")) {
          in_braces = false;
        } else if (IsPunct(j, ",")) {
          expect_specifier = true;
        } else if (expect_specifier && tok.type == TokenType::kIdentifier) {
          expect_specifier = false;
          // `type A` (not `type as x`, `type,`, `type }`) binds a type only.
          const bool type_only =
              tok.text == "type" && Is(j + 1, TokenType::kIdentifier) && t_[j + 1].text != "as";
          if (!type_only) value = true;
        } else if (expect_specifier && tok.type == TokenType::kString) {
          expect_specifier = false;  // import { "a-b" as ab }
          value = true;
        }
        continue;
      }
      if (IsPunct(j, "{")) {
        in_braces = true;
        expect_specifier = true;
      } else if (IsWord(j, "from") && Is(j + 1, TokenType::kString)) {
        if (value || !braced_only || j == start + 2) {
          out_.push_back(Classify(t_[k].line, t_[j + 1].text));
        }
        return;
      } else if (IsPunct(j, "*")) {
        braced_only = false;
      } else if (tok.type == TokenType::kIdentifier) {
        if (tok.text != "as") braced_only = false;
      } else if (!IsPunct(j, ",")) {
        return;  // not an import clause (`import x = require(…)`, …)
      }
    }
  }

  void Import(size_t k) {
    // import.meta, and `import type … from '…'` (but `import type from`,
    // a default import named "type"), load nothing.
    const bool type_only = IsWord(k + 1, "type") && !IsWord(k + 2, "from") &&
                           !IsPunct(k + 2, ",") && !IsPunct(k + 2, "=");
    if (IsPunct(k + 1, ".") || type_only) return;
    if (IsPunct(k + 1, "(")) {
      CallArgument(k, k + 2);
    } else if (Is(k + 1, TokenType::kString)) {
      out_.push_back(Classify(t_[k].line, t_[k + 1].text));
    } else {
      Clause(k, k + 1);
    }
  }

  void Export(size_t k) {
    if (IsWord(k + 1, "type")) return;  // export type { … } from '…'
    if (IsPunct(k + 1, "*") || IsPunct(k + 1, "{")) Clause(k, k + 1);
  }

  std::vector<Token> t_;
  std::vector<ImportRef> out_;
};

}  // namespace

std::vector<ImportRef> ScanImports(std::string_view source) {
  return ImportParser(Tokenizer(source).Run()).Run();
}

std::string PackageOfSpecifier(std::string_view specifier) {
  size_t slash = specifier.find('/');
  if (specifier.starts_with('@')) {
    if (slash == std::string_view::npos || slash == 1 || slash + 1 == specifier.size()) return "";
    size_t second = specifier.find('/', slash + 1);
    return std::string(specifier.substr(0, second));
  }
  return std::string(specifier.substr(0, slash));
}

bool IsNodeBuiltin(std::string_view specifier) {
  if (specifier.starts_with("node:")) return specifier.size() > 5;
  static const std::set<std::string_view> kBuiltins = {"assert",
                                                       "async_hooks",
                                                       "buffer",
                                                       "child_process",
                                                       "cluster",
                                                       "console",
                                                       "constants",
                                                       "crypto",
                                                       "dgram",
                                                       "diagnostics_channel",
                                                       "dns",
                                                       "domain",
                                                       "events",
                                                       "fs",
                                                       "http",
                                                       "http2",
                                                       "https",
                                                       "inspector",
                                                       "module",
                                                       "net",
                                                       "os",
                                                       "path",
                                                       "perf_hooks",
                                                       "process",
                                                       "punycode",
                                                       "querystring",
                                                       "readline",
                                                       "repl",
                                                       "stream",
                                                       "string_decoder",
                                                       "sys",
                                                       "timers",
                                                       "tls",
                                                       "trace_events",
                                                       "tty",
                                                       "url",
                                                       "util",
                                                       "v8",
                                                       "vm",
                                                       "wasi",
                                                       "worker_threads",
                                                       "zlib"};
  return kBuiltins.count(specifier.substr(0, specifier.find('/'))) > 0;
}

bool IsScannedSourceFile(std::string_view path) {
  if (path.ends_with(".d.ts") || path.ends_with(".d.mts") || path.ends_with(".d.cts")) {
    return false;
  }
  static constexpr std::array<std::string_view, 8> kExtensions = {".js", ".mjs", ".cjs", ".jsx",
                                                                  ".ts", ".mts", ".cts", ".tsx"};
  for (std::string_view ext : kExtensions) {
    if (path.ends_with(ext)) return true;
  }
  return false;
}

}  // namespace flightplan::amplify
