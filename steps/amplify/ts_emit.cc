#include "steps/amplify/ts_emit.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <array>
#include <cctype>

namespace flightplan::amplify {
namespace {

constexpr std::array<std::string_view, 46> kReserved = {
    "break",      "case",    "catch",     "class",    "const", "continue",   "debugger",
    "default",    "delete",  "do",        "else",     "enum",  "export",     "extends",
    "false",      "finally", "for",       "function", "if",    "import",     "in",
    "instanceof", "new",     "null",      "return",   "super", "switch",     "this",
    "throw",      "true",    "try",       "typeof",   "var",   "void",       "while",
    "with",       "let",     "static",    "yield",    "await", "implements", "interface",
    "package",    "private", "protected", "public"};

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_' || s[0] == '$')) {
    return false;
  }
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$')) return false;
  }
  for (std::string_view r : kReserved) {
    if (s == r) return false;
  }
  return true;
}

}  // namespace

std::string TsString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    switch (c) {
      case '\'':
        out += "\\'";
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
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "'";
}

std::string TsTemplateString(std::string_view s) {
  std::string out = "`";
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '`' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      out += "\\$";
    } else {
      out += c;
    }
  }
  return out + "`";
}

std::string TsKey(std::string_view key) {
  return IsIdentifier(key) ? std::string(key) : TsString(key);
}

std::string TsIdentifier(std::string_view name) {
  std::string out;
  bool upper_next = false;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      out += upper_next ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper_next = false;
    } else {
      upper_next = !out.empty();
    }
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "r" + out;
  if (!IsIdentifier(out)) out += "Resource";
  return out;
}

std::string TsLiteral(const Value& v, int indent, const TsSubstitution& substitute) {
  const std::string pad(indent + 2, ' ');
  const std::string close(indent, ' ');
  switch (v.type()) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return v.as_bool() ? "true" : "false";
    case ValueType::kInt:
      return std::to_string(v.as_int());
    case ValueType::kDouble:
      return v.ToJson();
    case ValueType::kString:
      return TsString(v.as_string());
    case ValueType::kList: {
      if (v.as_list().empty()) return "[]";
      bool scalars = true;
      for (const Value& item : v.as_list()) {
        if (item.is_list() || item.is_map()) scalars = false;
      }
      if (scalars && v.as_list().size() <= 8) {
        std::string out = "[";
        for (size_t i = 0; i < v.as_list().size(); ++i) {
          if (i > 0) out += ", ";
          out += TsLiteral(v.as_list()[i], indent, substitute);
        }
        return out + "]";
      }
      std::string out = "[\n";
      for (const Value& item : v.as_list()) {
        out += pad + TsLiteral(item, indent + 2, substitute) + ",\n";
      }
      return out + close + "]";
    }
    case ValueType::kMap: {
      if (substitute) {
        if (std::optional<std::string> code = substitute(v)) return *code;
      }
      if (v.as_map().empty()) return "{}";
      std::string out = "{\n";
      for (const auto& [key, item] : v.as_map()) {
        out += pad + TsKey(key) + ": " + TsLiteral(item, indent + 2, substitute) + ",\n";
      }
      return out + close + "}";
    }
  }
  return "null";
}

std::string PrettyJson(const Value& v) {
  // Value writes compact JSON with keys in order; RapidJSON keeps that order
  // when it re-indents.
  const std::string compact = v.ToJson();
  rapidjson::Document doc;
  doc.Parse(compact.data(), compact.size());
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace flightplan::amplify
