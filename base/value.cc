#include "base/value.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

namespace flightplan {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return "boolean";
    case ValueType::kInt:
      return "integer";
    case ValueType::kDouble:
      return "number";
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kMap:
      return "map";
  }
  return "unknown";
}

const Value* Value::Find(std::string_view key) const {
  if (!is_map()) return nullptr;
  const ValueMap& map = as_map();
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

std::string Value::StringAt(std::string_view key) const {
  const Value* f = Find(key);
  return f && f->is_string() ? f->as_string() : std::string();
}

int64_t Value::IntAt(std::string_view key) const {
  const Value* f = Find(key);
  return f && f->is_int() ? f->as_int() : 0;
}

const Value& Value::At(std::string_view key) const {
  static const Value kNull;
  const Value* f = Find(key);
  return f ? *f : kNull;
}

Value& Value::Set(std::string key, Value value) {
  if (is_null()) data_ = ValueMap();
  ValueMap& map = as_map();
  return map.insert_or_assign(std::move(key), std::move(value)).first->second;
}

namespace {

void Write(const Value& v, rapidjson::Writer<rapidjson::StringBuffer>& w) {
  switch (v.type()) {
    case ValueType::kNull:
      w.Null();
      break;
    case ValueType::kBool:
      w.Bool(v.as_bool());
      break;
    case ValueType::kInt:
      w.Int64(v.as_int());
      break;
    case ValueType::kDouble:
      if (std::isfinite(v.as_double())) {
        w.Double(v.as_double());
      } else {
        w.Null();
      }
      break;
    case ValueType::kString:
      w.String(v.as_string().data(), static_cast<rapidjson::SizeType>(v.as_string().size()));
      break;
    case ValueType::kList:
      w.StartArray();
      for (const Value& item : v.as_list()) Write(item, w);
      w.EndArray();
      break;
    case ValueType::kMap:
      w.StartObject();
      for (const auto& [key, item] : v.as_map()) {
        w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        Write(item, w);
      }
      w.EndObject();
      break;
  }
}

// Deeper than any document flightplan reads or writes; the bound keeps the
// recursion below (and in every later walk of the Value) off the stack's end.
constexpr int kMaxJsonDepth = 512;

Result<Value> FromRapid(const rapidjson::Value& r, int depth) {
  if (r.IsNull()) return Value();
  if (r.IsBool()) return Value(r.GetBool());
  if (r.IsInt64()) return Value(static_cast<int64_t>(r.GetInt64()));
  if (r.IsNumber()) return Value(r.GetDouble());
  if (r.IsString()) return Value(std::string(r.GetString(), r.GetStringLength()));
  if (depth >= kMaxJsonDepth) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("JSON nested more than {} levels deep", kMaxJsonDepth));
  }
  if (r.IsArray()) {
    ValueList list;
    list.reserve(r.Size());
    for (const auto& item : r.GetArray()) {
      ASSIGN_OR_RETURN(Value v, FromRapid(item, depth + 1));
      list.push_back(std::move(v));
    }
    return Value(std::move(list));
  }
  ValueMap map;
  for (const auto& member : r.GetObject()) {
    ASSIGN_OR_RETURN(Value v, FromRapid(member.value, depth + 1));
    map.insert_or_assign(std::string(member.name.GetString(), member.name.GetStringLength()),
                         std::move(v));
  }
  return Value(std::move(map));
}

}  // namespace

std::string Value::ToJson() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  Write(*this, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<Value> Value::FromJson(std::string_view json) {
  rapidjson::Document doc;
  // The iterative parser does not recurse however deep the text nests;
  // FromRapid bounds the depth it converts. Full precision: a number reads
  // as the double nearest its text (rapidjson's fast path may be one off).
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag |
            rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("invalid JSON at offset {}: {}", doc.GetErrorOffset(),
                                 rapidjson::GetParseError_En(doc.GetParseError())));
  }
  return FromRapid(doc, 0);
}

std::string Value::ToText() const {
  switch (type()) {
    case ValueType::kNull:
      return "";
    case ValueType::kBool:
      return as_bool() ? "true" : "false";
    case ValueType::kInt:
      return std::to_string(as_int());
    case ValueType::kDouble:
      return fmt::format("{}", as_double());
    case ValueType::kString:
      return as_string();
    case ValueType::kList:
    case ValueType::kMap:
      return ToJson();
  }
  return "";
}

bool Value::Truthy() const {
  switch (type()) {
    case ValueType::kNull:
      return false;
    case ValueType::kBool:
      return as_bool();
    case ValueType::kInt:
      return as_int() != 0;
    case ValueType::kDouble:
      return as_double() != 0.0;
    case ValueType::kString:
      return !as_string().empty();
    case ValueType::kList:
      return !as_list().empty();
    case ValueType::kMap:
      return !as_map().empty();
  }
  return false;
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  return a.data_ == b.data_;
}

}  // namespace flightplan
