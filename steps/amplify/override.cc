#include "steps/amplify/override.h"

#include <algorithm>
#include <regex>

#include "base/file_io.h"

namespace flightplan::amplify {

namespace {

constexpr std::string_view kHelperPackage = "@aws-amplify/cli-extensibility-helper";

// Index just past the bracket matching the one at `open` (`(`/`{`), skipping
// strings, template literals and comments; npos when unbalanced.
size_t MatchBracket(std::string_view s, size_t open) {
  const char opening = s[open];
  const char closing = opening == '(' ? ')' : '}';
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    char c = s[i];
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      size_t end = s.find('\n', i);
      if (end == std::string_view::npos) return std::string_view::npos;
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return std::string_view::npos;
      i = end + 1;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      for (++i; i < s.size() && s[i] != c; ++i) {
        if (s[i] == '\\') ++i;
      }
      if (i >= s.size()) return std::string_view::npos;
      continue;
    }
    if (c == opening) ++depth;
    if (c == closing && --depth == 0) return i + 1;
  }
  return std::string_view::npos;
}

// `s` with comments and string/template literals blanked out (same length),
// so that searching it finds code only.
std::string CodeOnly(std::string_view s) {
  std::string out(s);
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    size_t end = i;
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      end = s.find('\n', i);
      if (end == std::string_view::npos) end = s.size();
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      end = s.find("*/", i + 2);
      end = end == std::string_view::npos ? s.size() : end + 2;
    } else if (c == '\'' || c == '"' || c == '`') {
      for (end = i + 1; end < s.size() && s[end] != c; ++end) {
        if (s[end] == '\\') ++end;
      }
      end = std::min(end + 1, s.size());
    } else {
      continue;
    }
    for (size_t j = i; j < end; ++j) {
      if (out[j] != '\n') out[j] = ' ';
    }
    i = end - 1;
  }
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::optional<Gen1Override> ParseOverride(std::string_view source) {
  static const std::regex kStart(R"(export\s+(?:async\s+)?function\s+override\s*\()");
  std::string text(source);
  std::string code = CodeOnly(text);
  std::smatch match;
  if (!std::regex_search(code, match, kStart)) return std::nullopt;
  size_t open_paren = static_cast<size_t>(match.position(0) + match.length(0)) - 1;
  size_t after_params = MatchBracket(text, open_paren);
  if (after_params == std::string_view::npos) return std::nullopt;
  size_t open_brace = text.find('{', after_params);
  if (open_brace == std::string::npos) return std::nullopt;
  // Between ")" and "{" only a return type may stand.
  std::string between =
      Trim(std::string_view(text).substr(after_params, open_brace - after_params));
  if (!between.empty() && between[0] != ':') return std::nullopt;
  size_t after_body = MatchBracket(text, open_brace);
  if (after_body == std::string_view::npos) return std::nullopt;

  Gen1Override out;
  std::string params = text.substr(open_paren + 1, after_params - open_paren - 2);
  // Split at top-level commas; keep each parameter's name.
  int depth = 0;
  std::string current;
  auto flush = [&] {
    std::string p = Trim(current);
    current.clear();
    if (p.empty()) return;
    size_t end = p.find_first_of(":=?");
    out.parameters.push_back(Trim(p.substr(0, end)));
  };
  for (char c : params) {
    if (c == '<' || c == '{' || c == '(' || c == '[') ++depth;
    if (c == '>' || c == '}' || c == ')' || c == ']') --depth;
    if (c == ',' && depth == 0) {
      flush();
    } else {
      current.push_back(c);
    }
  }
  flush();
  out.body = text.substr(open_brace + 1, after_body - open_brace - 2);

  static const std::regex kImport(R"(^\s*import\s[^;]*?from\s*['"]([^'"]+)['"])",
                                  std::regex::multiline);
  // Module names are strings, blanked in `code`; match the import keyword
  // in code, the name in the text.
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kImport);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[1].str() != kHelperPackage) out.has_other_imports = true;
  }
  static const std::regex kRequire(R"(\brequire\s*\()");
  std::string body_code = CodeOnly(out.body);
  if (std::regex_search(body_code, kRequire)) out.has_other_imports = true;
  return out;
}

std::optional<Gen1Override> ReadOverride(const Gen1Resource& resource) {
  if (!resource.has_override) return std::nullopt;
  Result<std::string> text = ReadFile(resource.dir / "override.ts");
  if (!text) return std::nullopt;
  return ParseOverride(*text);
}

bool OverrideIsCarriedOver(const Gen1Resource& resource) {
  bool supported = (resource.category == "auth" && resource.service == "Cognito") ||
                   (resource.category == "storage" && resource.service == "S3");
  if (!supported) return false;
  std::optional<Gen1Override> parsed = ReadOverride(resource);
  return parsed && !parsed->has_other_imports && parsed->parameters.size() <= 2;
}

}  // namespace flightplan::amplify
