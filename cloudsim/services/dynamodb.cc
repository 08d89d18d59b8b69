// DynamoDB (JSON 1.0, X-Amz-Target: DynamoDB_20120810.<Op>).
//
// Tables, items, secondary indexes, backups, point-in-time recovery and
// exports to S3, over the World's DynamoDbStore and S3Store.
// Expressions: conditions and filters (comparisons, BETWEEN, IN, AND/OR/NOT,
// attribute_exists, attribute_not_exists, attribute_type, begins_with,
// contains, size), key conditions (evaluated as conditions over the items of
// the hash key, then ordered by the range key), update expressions (SET with
// +/-, if_not_exists, list_append; REMOVE; ADD for numbers) and projections of
// top-level attributes. Names and values come from ExpressionAttributeNames
// and ExpressionAttributeValues.
//
// Exports complete at once: ExportTableToPointInTime writes
// <prefix>/AWSDynamoDB/<exportId>/manifest-summary.json, manifest-files.json
// and data/<id>.json.gz (gzipped lines {"Item": {...}}) into the bucket. A
// repeated ClientToken answers with the export it started (another export's
// parameters under it: IdempotentParameterMismatchException). ListExports
// pages by MaxResults (1-25, default 25) and NextToken.
//
// Numbers are stored as DynamoDB stores them ("1.50" and "15e-1" as "1.5",
// "1e+21" written out); a request with a number DynamoDB refuses (not a
// number, more than 38 digits, out of range) is a ValidationException.
//
// Tags: CreateTable's Tags, TagResource, UntagResource, ListTagsOfResource.
//
// Fault kinds: unprocessed_items (BatchWriteItem returns every request in
// UnprocessedItems). Throttling: ThrottlingException for control-plane
// operations, ProvisionedThroughputExceededException for item operations.
//
// Mutate (POST /_sim/mutate, "service": "dynamodb"):
//   {"action": "put_item", "TableName": t, "Item": {...}}
//   {"action": "delete_item", "TableName": t, "Key": {...}} -> {"deleted":
//   bool}
//   {"action": "delete_table", "TableName": t}   (ignores deletion protection)
#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "base/digest.h"
#include "cloudsim/service.h"
#include "cloudsim/values.h"
#include "cloudsim/wire.h"
#include "steps/aws/wire/dynamodb_number.h"

namespace flightplan::cloudsim {
namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.0";
constexpr std::string_view kTypePrefix = "com.amazonaws.dynamodb.v20120810";
constexpr std::string_view kTargetPrefix = "DynamoDB_20120810.";

constexpr std::string_view kOperations[] = {"CreateTable",
                                            "DescribeTable",
                                            "ListTables",
                                            "DeleteTable",
                                            "UpdateTable",
                                            "PutItem",
                                            "GetItem",
                                            "DeleteItem",
                                            "UpdateItem",
                                            "Query",
                                            "Scan",
                                            "BatchWriteItem",
                                            "BatchGetItem",
                                            "TransactWriteItems",
                                            "CreateBackup",
                                            "DescribeBackup",
                                            "ListBackups",
                                            "DeleteBackup",
                                            "RestoreTableFromBackup",
                                            "DescribeContinuousBackups",
                                            "UpdateContinuousBackups",
                                            "ExportTableToPointInTime",
                                            "DescribeExport",
                                            "ListExports",
                                            "DescribeTimeToLive",
                                            "ListTagsOfResource",
                                            "TagResource",
                                            "UntagResource"};

constexpr std::string_view kDataPlane[] = {"PutItem",        "GetItem",      "DeleteItem",
                                           "UpdateItem",     "Query",        "Scan",
                                           "BatchWriteItem", "BatchGetItem", "TransactWriteItems"};

// TransactWriteItems: at most this many actions, and a ClientRequestToken
// makes a repeated call a no-op for this long (as DynamoDB documents).
constexpr size_t kMaxTransactItems = 100;
constexpr int64_t kTransactTokenMs = int64_t{10} * 60 * 1000;

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && f->is_string() ? f->as_string() : std::string();
}

const Value& Member(const Value& v, std::string_view key) {
  static const Value kNull;
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f ? *f : kNull;
}

SimError ItemTableNotFound() {
  return {400, "ResourceNotFoundException", "Requested resource not found"};
}

// The parallel-scan segment of an item with this partition key: FNV-1a of
// the key's JSON, so an item stays in its segment across processes, with
// MurmurHash3's finaliser mixed in (FNV's low bits depend only on the low
// bits of the bytes, which would deal keys like p00…p39 out evenly by rote).
int64_t SegmentOf(const Value& partition_key, int64_t total_segments) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : partition_key.ToJson()) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<int64_t>(h % static_cast<uint64_t>(total_segments));
}

SimError ConditionFailed() {
  return {400, "ConditionalCheckFailedException", "The conditional request failed"};
}

// ---------------------------------------------------------------- values

std::string TypeOf(const Value& attribute) {
  if (!attribute.is_map() || attribute.as_map().size() != 1) return {};
  return attribute.as_map().begin()->first;
}

const Value& Scalar(const Value& attribute) { return attribute.as_map().begin()->second; }

// <0, 0, >0; nullopt when the two are not comparable (different types).
std::optional<int> CompareAttributes(const Value& a, const Value& b) {
  std::string ta = TypeOf(a), tb = TypeOf(b);
  if (ta.empty() || ta != tb) return std::nullopt;
  const Value& sa = Scalar(a);
  const Value& sb = Scalar(b);
  if (ta == "N") {
    long double x = std::strtold(sa.as_string().c_str(), nullptr);
    long double y = std::strtold(sb.as_string().c_str(), nullptr);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (ta == "S" || ta == "B") {
    int c = sa.as_string().compare(sb.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (sa == sb) return 0;
  return std::nullopt;
}

// DynamoDB keeps one text per number (steps/aws/wire/dynamodb_number.h) and
// refuses a request naming what is not one: every N and NS in a request —
// keys, items, expression values — is rewritten to it before it is used.
// Anything else that is a map or list is searched, past DynamoDB's nesting
// of 32 levels (two maps deep each) inside the deepest request.
SimResult<void> CanonicalNumbers(Value& node, int depth) {
  if (depth > 100) return {};
  if (node.is_map()) {
    ValueMap& map = node.as_map();
    if (map.size() == 1) {
      auto& [type, v] = *map.begin();
      if (type == "N" && v.is_string()) {
        auto number = aws::CanonicalDynamoDbNumber(v.as_string());
        if (!number) return tl::unexpected(DynamoValidation(number.error().message()));
        v = Value(std::move(*number));
        return {};
      }
      if (type == "NS" && v.is_list()) {
        std::set<std::string> seen;
        for (Value& member : v.as_list()) {
          if (!member.is_string()) continue;
          auto number = aws::CanonicalDynamoDbNumber(member.as_string());
          if (!number) return tl::unexpected(DynamoValidation(number.error().message()));
          if (!seen.insert(*number).second) {
            return tl::unexpected(DynamoValidation(
                "One or more parameter values were invalid: Input collection contains "
                "duplicates"));
          }
          member = Value(std::move(*number));
        }
        return {};
      }
    }
    for (auto& [name, inner] : map) {
      if (auto ok = CanonicalNumbers(inner, depth + 1); !ok) return ok;
    }
  } else if (node.is_list()) {
    for (Value& inner : node.as_list()) {
      if (auto ok = CanonicalNumbers(inner, depth + 1); !ok) return ok;
    }
  }
  return {};
}

// An arithmetic result (ADD, SET a = a + :v) as DynamoDB stores it.
std::string NumberText(long double n) {
  if (n == std::floor(n) && std::fabs(n) < 1e18) {
    return fmt::format("{}", static_cast<int64_t>(n));
  }
  std::string text = fmt::format("{}", static_cast<double>(n));
  auto canonical = aws::CanonicalDynamoDbNumber(text);
  return canonical ? *canonical : text;
}

// ---------------------------------------------------------- expressions

struct Token {
  enum Kind { kName, kValue, kWord, kSymbol, kEnd } kind = kEnd;
  std::string text;
};

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '<' || c == '>') {
      std::string op(1, c);
      if (i + 1 < text.size() && (text[i + 1] == '=' || (c == '<' && text[i + 1] == '>'))) {
        op += text[i + 1];
      }
      out.push_back({Token::kSymbol, op});
      i += op.size();
      continue;
    }
    if (std::string_view("=(),+-[].").find(c) != std::string_view::npos) {
      out.push_back({Token::kSymbol, std::string(1, c)});
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) ||
                               text[i] == '_' || text[i] == '#' || text[i] == ':')) {
      ++i;
    }
    if (i == start) {
      out.push_back({Token::kSymbol, std::string(1, c)});
      ++i;
      continue;
    }
    std::string word(text.substr(start, i - start));
    Token::Kind kind = word[0] == ':'   ? Token::kValue
                       : word[0] == '#' ? Token::kName
                                        : Token::kWord;
    out.push_back({kind, std::move(word)});
  }
  out.push_back({Token::kEnd, ""});
  return out;
}

bool IsKeyword(const Token& t, std::string_view word) {
  if (t.kind != Token::kWord || t.text.size() != word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(t.text[i])) != word[i]) return false;
  }
  return true;
}

// Parses and evaluates one expression over one item. Errors are recorded in
// `error` (the first one wins) and make the result false/empty.
class Expression {
 public:
  Expression(std::string_view text, const Value& names, const Value& values, const Value& item)
      : tokens_(Tokenize(text)), names_(names), values_(values), item_(item) {}

  bool Condition() {
    bool result = Or();
    if (Peek().kind != Token::kEnd) Fail("Syntax error; token: \"" + Peek().text + "\"");
    return result && !error;
  }

  // Attribute names the expression referenced (resolved).
  std::set<std::string> referenced;
  std::optional<SimError> error;

  // For update expressions.
  const Token& Peek() const { return tokens_[pos_]; }
  Token Next() { return pos_ + 1 < tokens_.size() ? tokens_[pos_++] : tokens_[pos_]; }
  bool Accept(std::string_view symbol) {
    if (Peek().kind == Token::kSymbol && Peek().text == symbol) {
      ++pos_;
      return true;
    }
    return false;
  }
  void Fail(std::string message) {
    if (!error) {
      error = SimError{400, "ValidationException", "Invalid expression: " + std::move(message)};
    }
  }
  void FailPlain(std::string message) {
    if (!error) error = SimError{400, "ValidationException", std::move(message)};
  }

  // An attribute path's top-level name; "" on error.
  std::string Path() {
    Token t = Next();
    std::string name;
    if (t.kind == Token::kName) {
      const Value* n = names_.is_map() ? names_.Find(t.text) : nullptr;
      if (n == nullptr || !n->is_string()) {
        FailPlain(
            "Value provided in ExpressionAttributeNames unused in "
            "expressions or undefined: An expression attribute name "
            "used in the document path is not defined; attribute name: " +
            t.text);
        return {};
      }
      name = n->as_string();
    } else if (t.kind == Token::kWord) {
      name = t.text;
    } else {
      Fail("Syntax error; token: \"" + t.text + "\"");
      return {};
    }
    referenced.insert(name);
    return name;
  }

  // An operand's value; nullopt when it names an absent attribute.
  std::optional<Value> Operand() {
    const Token& t = Peek();
    if (t.kind == Token::kValue) {
      Next();
      const Value* v = values_.is_map() ? values_.Find(t.text) : nullptr;
      if (v == nullptr) {
        FailPlain(
            "Invalid expression: An expression attribute value used in "
            "expression is not defined; attribute value: " +
            t.text);
        return std::nullopt;
      }
      return *v;
    }
    if (IsKeyword(t, "SIZE") && tokens_[pos_ + 1].text == "(") {
      Next();
      Next();
      std::optional<Value> inner = Operand();
      Accept(")");
      if (!inner) return std::nullopt;
      std::string type = TypeOf(*inner);
      size_t n = 0;
      const Value& s = Scalar(*inner);
      if (s.is_string()) n = s.as_string().size();
      if (s.is_list()) n = s.as_list().size();
      if (s.is_map()) n = s.as_map().size();
      (void)type;
      return Value(ValueMap{{"N", Value(std::to_string(n))}});
    }
    std::string name = Path();
    if (name.empty()) return std::nullopt;
    const Value* v = item_.is_map() ? item_.Find(name) : nullptr;
    if (v == nullptr) return std::nullopt;
    return *v;
  }

 private:
  bool Or() {
    bool result = And();
    while (IsKeyword(Peek(), "OR")) {
      Next();
      bool rhs = And();
      result = result || rhs;
    }
    return result;
  }
  bool And() {
    bool result = Not();
    while (IsKeyword(Peek(), "AND")) {
      Next();
      bool rhs = Not();
      result = result && rhs;
    }
    return result;
  }
  bool Not() {
    if (IsKeyword(Peek(), "NOT")) {
      Next();
      return !Not();
    }
    return Primary();
  }
  bool Primary() {
    if (Accept("(")) {
      bool result = Or();
      if (!Accept(")")) Fail("Syntax error; token: \"" + Peek().text + "\"");
      return result;
    }
    const Token& t = Peek();
    if (t.kind == Token::kWord && tokens_[pos_ + 1].text == "(" && !IsKeyword(t, "SIZE")) {
      std::string function = Next().text;
      Next();  // (
      bool result = false;
      if (function == "attribute_exists" || function == "attribute_not_exists") {
        std::string name = Path();
        bool exists = !name.empty() && item_.is_map() && item_.Find(name) != nullptr;
        result = function == "attribute_exists" ? exists : !exists;
      } else if (function == "attribute_type") {
        std::optional<Value> a = Operand();
        Accept(",");
        std::optional<Value> type = Operand();
        result = a && type && TypeOf(*type) == "S" && Scalar(*type).as_string() == TypeOf(*a);
      } else if (function == "begins_with") {
        std::optional<Value> a = Operand();
        Accept(",");
        std::optional<Value> prefix = Operand();
        result = a && prefix && TypeOf(*a) == TypeOf(*prefix) && Scalar(*a).is_string() &&
                 Scalar(*a).as_string().rfind(Scalar(*prefix).as_string(), 0) == 0;
      } else if (function == "contains") {
        std::optional<Value> a = Operand();
        Accept(",");
        std::optional<Value> b = Operand();
        if (a && b) {
          const Value& s = Scalar(*a);
          if (s.is_string() && Scalar(*b).is_string()) {
            result = s.as_string().find(Scalar(*b).as_string()) != std::string::npos;
          } else if (s.is_list()) {
            for (const Value& e : s.as_list()) {
              if (e == *b || e == Scalar(*b)) result = true;
            }
          }
        }
      } else {
        Fail("Invalid function name; function: " + function);
      }
      if (!Accept(")")) Fail("Syntax error; token: \"" + Peek().text + "\"");
      return result;
    }
    std::optional<Value> lhs = Operand();
    if (IsKeyword(Peek(), "BETWEEN")) {
      Next();
      std::optional<Value> low = Operand();
      if (!IsKeyword(Peek(), "AND")) Fail("Syntax error; token: \"" + Peek().text + "\"");
      Next();
      std::optional<Value> high = Operand();
      if (!lhs || !low || !high) return false;
      auto a = CompareAttributes(*lhs, *low);
      auto b = CompareAttributes(*lhs, *high);
      return a && b && *a >= 0 && *b <= 0;
    }
    if (IsKeyword(Peek(), "IN")) {
      Next();
      Accept("(");
      bool result = false;
      do {
        std::optional<Value> candidate = Operand();
        if (lhs && candidate && CompareAttributes(*lhs, *candidate) == 0) result = true;
      } while (Accept(","));
      Accept(")");
      return result;
    }
    Token op = Next();
    if (op.kind != Token::kSymbol || (op.text != "=" && op.text != "<>" && op.text != "<" &&
                                      op.text != "<=" && op.text != ">" && op.text != ">=")) {
      Fail("Syntax error; token: \"" + op.text + "\"");
      return false;
    }
    std::optional<Value> rhs = Operand();
    if (!lhs || !rhs) return op.text == "<>" && (lhs.has_value() != rhs.has_value());
    auto c = CompareAttributes(*lhs, *rhs);
    if (op.text == "=") return c && *c == 0;
    if (op.text == "<>") return !c || *c != 0;
    if (!c) return false;
    if (op.text == "<") return *c < 0;
    if (op.text == "<=") return *c <= 0;
    if (op.text == ">") return *c > 0;
    return *c >= 0;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  const Value& names_;
  const Value& values_;
  const Value& item_;
};

// Evaluates the request's condition member (`field`) over `item` (null for
// no item). True when there is no condition.
SimResult<bool> Check(const Value& params, std::string_view field, const Value& item) {
  std::string text = Str(params, field);
  if (text.empty()) return true;
  static const Value kEmpty(ValueMap{});
  Expression e(text, Member(params, "ExpressionAttributeNames"),
               Member(params, "ExpressionAttributeValues"), item.is_null() ? kEmpty : item);
  bool result = e.Condition();
  if (e.error) return tl::unexpected(*e.error);
  return result;
}

// Applies an UpdateExpression to `item`; returns the names it touched.
SimResult<std::set<std::string>> ApplyUpdate(const Value& params, Value& item) {
  std::string text = Str(params, "UpdateExpression");
  std::set<std::string> touched;
  if (text.empty()) return touched;
  Value before = item;
  Expression e(text, Member(params, "ExpressionAttributeNames"),
               Member(params, "ExpressionAttributeValues"), before);
  auto operand = [&]() -> std::optional<Value> {
    const Token& t = e.Peek();
    if (t.kind == Token::kWord && (t.text == "if_not_exists" || t.text == "list_append")) {
      std::string function = e.Next().text;
      e.Accept("(");
      std::optional<Value> a = e.Operand();
      e.Accept(",");
      std::optional<Value> b = e.Operand();
      e.Accept(")");
      if (function == "if_not_exists") return a ? a : b;
      if (!a || !b || TypeOf(*a) != "L" || TypeOf(*b) != "L") {
        e.FailPlain(
            "Invalid UpdateExpression: Incorrect operand type for operator or "
            "function; operator or function: list_append");
        return std::nullopt;
      }
      ValueList joined = Scalar(*a).as_list();
      for (const Value& v : Scalar(*b).as_list()) joined.push_back(v);
      return Value(ValueMap{{"L", Value(std::move(joined))}});
    }
    return e.Operand();
  };
  std::string clause;
  while (e.Peek().kind != Token::kEnd && !e.error) {
    const Token& t = e.Peek();
    if (IsKeyword(t, "SET") || IsKeyword(t, "REMOVE") || IsKeyword(t, "ADD") ||
        IsKeyword(t, "DELETE")) {
      clause = e.Next().text;
      for (char& c : clause) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (clause.empty()) {
      e.Fail("Syntax error; token: \"" + t.text + "\"");
      break;
    }
    std::string name = e.Path();
    if (name.empty()) break;
    touched.insert(name);
    if (clause == "SET") {
      if (!e.Accept("=")) {
        e.Fail("Syntax error; token: \"" + e.Peek().text + "\"");
        break;
      }
      std::optional<Value> value = operand();
      bool plus = e.Accept("+");
      if (plus || e.Accept("-")) {
        std::optional<Value> rhs = operand();
        if (!value || !rhs || TypeOf(*value) != "N" || TypeOf(*rhs) != "N") {
          e.FailPlain(
              "An operand in the update expression has an incorrect "
              "data type");
          break;
        }
        long double a = std::strtold(Scalar(*value).as_string().c_str(), nullptr);
        long double b = std::strtold(Scalar(*rhs).as_string().c_str(), nullptr);
        value = Value(ValueMap{{"N", Value(NumberText(plus ? a + b : a - b))}});
      }
      if (!value) {
        e.FailPlain(
            "The provided expression refers to an attribute that does not "
            "exist in the item");
        break;
      }
      item.Set(name, *value);
    } else if (clause == "REMOVE") {
      if (item.is_map()) item.as_map().erase(name);
    } else if (clause == "ADD") {
      std::optional<Value> value = e.Operand();
      if (!value || TypeOf(*value) != "N") {
        e.FailPlain(
            "Invalid UpdateExpression: Incorrect operand type for operator or "
            "function; operator: ADD");
        break;
      }
      long double sum = std::strtold(Scalar(*value).as_string().c_str(), nullptr);
      if (const Value* old = before.Find(name); old && TypeOf(*old) == "N") {
        sum += std::strtold(Scalar(*old).as_string().c_str(), nullptr);
      }
      item.Set(name, Value(ValueMap{{"N", Value(NumberText(sum))}}));
    } else {
      e.Fail("DELETE is not supported by flightplan-cloudsim");
    }
    e.Accept(",");
  }
  if (e.error) return tl::unexpected(*e.error);
  return touched;
}

Value Project(const Value& item, const Value& params) {
  std::string text = Str(params, "ProjectionExpression");
  if (text.empty() || !item.is_map()) return item;
  const Value& names = Member(params, "ExpressionAttributeNames");
  ValueMap out;
  for (const Token& t : Tokenize(text)) {
    std::string name = t.text;
    if (t.kind == Token::kName) name = Str(names, t.text);
    if (t.kind != Token::kName && t.kind != Token::kWord) continue;
    if (const Value* v = item.Find(name)) out[name] = *v;
  }
  return Value(std::move(out));
}

// ------------------------------------------------------------------ gzip

std::string Gzip(std::string_view data) {
  z_stream stream{};
  deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// ---------------------------------------------------------------- service

class DynamoDbService final : public Service {
 public:
  std::string_view signing_name() const override { return "dynamodb"; }
  aws::Protocol protocol() const override { return aws::Protocol::kJson; }

  std::string OperationOf(const Request& request) const override {
    return JsonTargetOperation(request, kTargetPrefix, kOperations);
  }

  Response Error(const SimError& error, const Request& request,
                 std::string_view request_id) const override {
    (void)request;
    return JsonError(error, kTypePrefix, kContentType, request_id);
  }

  SimError ThrottlingError(std::string_view operation) const override {
    for (std::string_view op : kDataPlane) {
      if (op == operation) {
        return {400, "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table "
                "was exceeded. Consider increasing your provisioning level "
                "with the UpdateTable API."};
      }
    }
    return {400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."};
  }

  // The default key parameters, plus TableName for batch calls (the first
  // table of RequestItems) so that fault rules can match them by table.
  Value LogParams(const Request& request, std::string_view operation) const override {
    Value params = Service::LogParams(request, operation);
    bool item_call =
        operation == "UpdateItem" || operation == "DeleteItem" || operation == "GetItem";
    if (!item_call && operation != "BatchWriteItem" && operation != "BatchGetItem" &&
        operation != "TransactWriteItems") {
      return params;
    }
    const Value& body = request.JsonBody();
    if (!body.is_map()) return params;
    if (operation == "TransactWriteItems") {
      // Which items, and the first one's table (for fault rules).
      ValueList keys;
      const Value& actions = Member(body, "TransactItems");
      for (const Value& a : actions.is_list() ? actions.as_list() : ValueList{}) {
        if (!a.is_map() || a.as_map().empty()) continue;
        const Value& action = a.as_map().begin()->second;
        if (!params.is_map()) break;
        if (params.Find("TableName") == nullptr) params.Set("TableName", Str(action, "TableName"));
        const Value& key = Member(action, "Key");
        keys.emplace_back(key.is_map() ? key.ToJson() : Member(action, "Item").ToJson());
      }
      if (params.is_map()) {
        params.as_map().erase("Path");
        params.Set("Keys", Value(std::move(keys)));
        std::string token = Str(body, "ClientRequestToken");
        if (!token.empty()) params.Set("ClientRequestToken", token);
      }
      return params;
    }
    if (item_call) {
      // Which item: the log tells how often each one was written.
      const Value& key = Member(body, "Key");
      if (key.is_map() && params.is_map()) params.Set("Key", key.ToJson());
      return params;
    }
    const Value& items = Member(body, "RequestItems");
    if (items.is_map() && !items.as_map().empty() && params.is_map()) {
      params.as_map().erase("Path");
      params.Set("TableName", items.as_map().begin()->first);
    }
    return params;
  }

  bool IsReadOnly(std::string_view operation) const override {
    return Service::IsReadOnly(operation) || operation == "Query" || operation == "Scan";
  }

  Response Handle(World& world, const Request& request, std::string_view operation) override {
    world.dynamodb.SetAccount(world.config().region, world.config().account_id);
    SimResult<Value> params =
        JsonRequestParams(request, "Start of structure or map found where not expected.");
    if (!params) return Error(params.error(), request, request.request_id);
    if (auto numbers = CanonicalNumbers(*params, 0); !numbers) {
      return Error(numbers.error(), request, request.request_id);
    }
    SimResult<Value> result = Dispatch(world, request, operation, *params);
    if (!result) return Error(result.error(), request, request.request_id);
    return JsonResponse(*result, kContentType, request.request_id);
  }

  Result<Value> Mutate(World& world, const Value& command) override {
    std::string action = Str(command, "action");
    std::string table = Str(command, "TableName");
    if (action == "put_item") {
      Value item = Member(command, "Item");
      if (auto numbers = CanonicalNumbers(item, 0); !numbers) return MutateError(numbers.error());
      if (auto ok = world.dynamodb.PutItem(table, item); !ok) {
        return MutateError(ok.error());
      }
      return Value(ValueMap{});
    }
    if (action == "delete_item") {
      auto old = world.dynamodb.DeleteItem(table, Member(command, "Key"));
      if (!old) return MutateError(old.error());
      return Value(ValueMap{{"deleted", Value(!old->is_null())}});
    }
    if (action == "delete_table") {
      if (world.dynamodb.tables().erase(table) == 0) {
        return MutateError(DynamoTableNotFound(table));
      }
      return Value(ValueMap{});
    }
    return MakeError(ErrorCode::kInvalidInput, "dynamodb mutate: unknown action '" + action +
                                                   "' (put_item, delete_item, delete_table)");
  }

 private:
  // ClientRequestToken → (the request body's digest, when it was applied).
  std::mutex tokens_mu_;
  std::map<std::string, std::pair<std::string, Timestamp>> tokens_;

  SimResult<Value> Dispatch(World& world, const Request& request, std::string_view op,
                            const Value& p) {
    DynamoDbStore& store = world.dynamodb;
    if (op == "CreateTable") {
      auto d = store.CreateTable(p, world.Now());
      if (!d) return tl::unexpected(d.error());
      return Value(ValueMap{{"TableDescription", *d}});
    }
    if (op == "DescribeTable") {
      auto d = store.DescribeTable(Str(p, "TableName"));
      if (!d) return tl::unexpected(d.error());
      return Value(ValueMap{{"Table", *d}});
    }
    if (op == "ListTables") return ListTables(store, p);
    if (op == "DeleteTable") {
      std::string name = Str(p, "TableName");
      auto d = store.DescribeTable(name);
      if (!d) return tl::unexpected(d.error());
      if (auto ok = store.DeleteTable(name); !ok) return tl::unexpected(ok.error());
      d->Set("TableStatus", "DELETING");
      return Value(ValueMap{{"TableDescription", *d}});
    }
    if (op == "UpdateTable") return UpdateTable(world, p);
    if (op == "PutItem") return PutItem(store, p);
    if (op == "GetItem") {
      auto item = store.GetItem(Str(p, "TableName"), Member(p, "Key"));
      if (!item) return tl::unexpected(item.error());
      ValueMap out;
      if (!item->is_null()) out["Item"] = Project(*item, p);
      return Value(std::move(out));
    }
    if (op == "DeleteItem") return DeleteItem(store, p);
    if (op == "UpdateItem") return UpdateItem(store, p);
    if (op == "Query" || op == "Scan") return Read(store, p, op == "Query");
    if (op == "BatchWriteItem") return BatchWrite(world, request, p);
    if (op == "BatchGetItem") return BatchGet(store, p);
    if (op == "TransactWriteItems") return TransactWrite(world, request, p);
    if (op == "CreateBackup") return CreateBackup(world, p);
    if (op == "DescribeBackup" || op == "DeleteBackup") {
      auto it = store.backups().find(Str(p, "BackupArn"));
      if (it == store.backups().end()) {
        return tl::unexpected(
            SimError{400, "BackupNotFoundException", "Backup not found: " + Str(p, "BackupArn")});
      }
      Value description = BackupDescription(it->second);
      if (op == "DeleteBackup") {
        Value details = it->second.details;
        details.Set("BackupStatus", "DELETED");
        description.Set("BackupDetails", details);
        store.backups().erase(it);
      }
      return Value(ValueMap{{"BackupDescription", description}});
    }
    if (op == "ListBackups") {
      ValueList summaries;
      std::string table = Str(p, "TableName");
      std::string start = Str(p, "ExclusiveStartBackupArn");
      int64_t limit = 100;
      if (const Value* l = p.Find("Limit"); l && l->is_int()) limit = l->as_int();
      std::string last;
      bool more = false;
      for (const auto& [arn, backup] : store.backups()) {
        if (!table.empty() && Str(backup.table, "TableName") != table) continue;
        if (!start.empty() && arn <= start) continue;
        if (static_cast<int64_t>(summaries.size()) >= limit) {
          more = true;
          break;
        }
        last = arn;
        ValueMap s;
        for (const char* k : {"BackupArn", "BackupName", "BackupCreationDateTime", "BackupStatus",
                              "BackupType", "BackupSizeBytes"}) {
          s[k] = Member(backup.details, k);
        }
        s["TableName"] = Member(backup.table, "TableName");
        s["TableArn"] = Member(backup.table, "TableArn");
        s["TableId"] = Member(backup.table, "TableId");
        summaries.push_back(Value(std::move(s)));
      }
      ValueMap out;
      out["BackupSummaries"] = Value(std::move(summaries));
      if (more) out["LastEvaluatedBackupArn"] = last;
      return Value(std::move(out));
    }
    if (op == "RestoreTableFromBackup") return Restore(world, p);
    if (op == "DescribeContinuousBackups" || op == "UpdateContinuousBackups") {
      std::string name = Str(p, "TableName");
      DynamoTable* table = store.FindTable(name);
      if (table == nullptr) {
        return tl::unexpected(SimError{400, "TableNotFoundException", "Table not found: " + name});
      }
      if (op == "UpdateContinuousBackups") {
        const Value& spec = Member(p, "PointInTimeRecoverySpecification");
        const Value& enabled = Member(spec, "PointInTimeRecoveryEnabled");
        if (!enabled.is_bool()) {
          return tl::unexpected(
              DynamoValidation("1 validation error detected: Value null at "
                               "'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' "
                               "failed to satisfy constraint: Member must not be null"));
        }
        if (enabled.as_bool() && !table->pitr) table->pitr_enabled_at = world.Now();
        table->pitr = enabled.as_bool();
      }
      ValueMap pitr;
      pitr["PointInTimeRecoveryStatus"] = table->pitr ? "ENABLED" : "DISABLED";
      if (table->pitr) {
        pitr["EarliestRestorableDateTime"] = EpochSeconds(table->pitr_enabled_at);
        pitr["LatestRestorableDateTime"] = EpochSeconds(world.Now());
        pitr["RecoveryPeriodInDays"] = 35;
      }
      return Value(
          ValueMap{{"ContinuousBackupsDescription",
                    Value(ValueMap{{"ContinuousBackupsStatus", Value("ENABLED")},
                                   {"PointInTimeRecoveryDescription", Value(std::move(pitr))}})}});
    }
    if (op == "ExportTableToPointInTime") return Export(world, p);
    if (op == "DescribeExport") {
      auto it = store.exports().find(Str(p, "ExportArn"));
      if (it == store.exports().end()) {
        return tl::unexpected(
            SimError{400, "ExportNotFoundException", "Export not found: " + Str(p, "ExportArn")});
      }
      return Value(ValueMap{{"ExportDescription", it->second}});
    }
    if (op == "ListExports") {
      ValueList summaries;
      std::string table_arn = Str(p, "TableArn");
      int64_t max_results = 25;
      if (const Value* m = p.Find("MaxResults"); m && m->is_int()) max_results = m->as_int();
      if (max_results < 1 || max_results > 25) {
        return tl::unexpected(DynamoValidation(
            fmt::format("1 validation error detected: Value '{}' at 'maxResults' failed to "
                        "satisfy constraint: Member must have value between 1 and 25",
                        max_results)));
      }
      // NextToken is the last ARN of the previous page (ARNs sort by time).
      std::string after = Str(p, "NextToken");
      std::string next;
      for (const auto& [arn, e] : store.exports()) {
        if (!table_arn.empty() && Str(e, "TableArn") != table_arn) continue;
        if (!after.empty() && arn <= after) continue;
        if (static_cast<int64_t>(summaries.size()) >= max_results) {
          next = Str(summaries.back(), "ExportArn");
          break;
        }
        summaries.push_back(Value(ValueMap{{"ExportArn", Value(arn)},
                                           {"ExportStatus", Member(e, "ExportStatus")},
                                           {"ExportType", Member(e, "ExportType")}}));
      }
      ValueMap out;
      out["ExportSummaries"] = Value(std::move(summaries));
      if (!next.empty()) out["NextToken"] = next;
      return Value(std::move(out));
    }
    if (op == "DescribeTimeToLive") {
      if (!store.HasTable(Str(p, "TableName"))) {
        return tl::unexpected(DynamoTableNotFound(Str(p, "TableName")));
      }
      return Value(ValueMap{
          {"TimeToLiveDescription", Value(ValueMap{{"TimeToLiveStatus", Value("DISABLED")}})}});
    }
    // ListTagsOfResource, TagResource, UntagResource
    std::string arn = Str(p, "ResourceArn");
    std::string arn_prefix = store.TableArn("");
    std::string name = arn.rfind(arn_prefix, 0) == 0 ? arn.substr(arn_prefix.size()) : "";
    DynamoTable* table = name.find('/') == std::string::npos ? store.FindTable(name) : nullptr;
    if (table == nullptr) {
      return tl::unexpected(
          SimError{400, "ResourceNotFoundException",
                   // sic: DynamoDB's own spelling
                   "Requested resource not found: ResourcArn: " + arn + " not found"});
    }
    if (op == "TagResource") {
      const Value& tags = Member(p, "Tags");
      if (tags.is_list()) {
        for (const Value& tag : tags.as_list()) table->tags[Str(tag, "Key")] = Str(tag, "Value");
      }
      return Value(ValueMap{});
    }
    if (op == "UntagResource") {
      const Value& keys = Member(p, "TagKeys");
      if (keys.is_list()) {
        for (const Value& key : keys.as_list()) {
          if (key.is_string()) table->tags.erase(key.as_string());
        }
      }
      return Value(ValueMap{});
    }
    ValueList tags;
    for (const auto& [k, v] : table->tags) {
      tags.push_back(Value(ValueMap{{"Key", Value(k)}, {"Value", Value(v)}}));
    }
    return Value(ValueMap{{"Tags", Value(std::move(tags))}});
  }

  SimResult<Value> ListTables(const DynamoDbStore& store, const Value& p) {
    std::string start = Str(p, "ExclusiveStartTableName");
    int64_t limit = 100;
    if (const Value* l = p.Find("Limit"); l && l->is_int()) limit = l->as_int();
    if (limit < 1 || limit > 100) {
      return tl::unexpected(
          DynamoValidation("1 validation error detected: Value at 'limit' failed to satisfy "
                           "constraint: Member must have value less than or equal to 100"));
    }
    ValueList names;
    std::string last;
    bool more = false;
    for (const auto& [name, table] : store.tables()) {
      if (!start.empty() && name <= start) continue;
      if (static_cast<int64_t>(names.size()) == limit) {
        more = true;
        break;
      }
      names.push_back(Value(name));
      last = name;
    }
    ValueMap out;
    out["TableNames"] = Value(std::move(names));
    if (more) out["LastEvaluatedTableName"] = last;
    return Value(std::move(out));
  }

  SimResult<Value> UpdateTable(World& world, const Value& p) {
    std::string name = Str(p, "TableName");
    DynamoTable* table = world.dynamodb.FindTable(name);
    if (table == nullptr) return tl::unexpected(DynamoTableNotFound(name));
    Value& d = table->description;
    if (const Value* v = p.Find("DeletionProtectionEnabled"); v && v->is_bool()) {
      d.Set("DeletionProtectionEnabled", *v);
    }
    if (std::string billing = Str(p, "BillingMode"); !billing.empty()) {
      d.Set(
          "BillingModeSummary",
          Value(ValueMap{{"BillingMode", Value(billing)},
                         {"LastUpdateToPayPerRequestDateTime", Value(EpochSeconds(world.Now()))}}));
    }
    if (const Value* t = p.Find("ProvisionedThroughput"); t && t->is_map()) {
      Value pt = Member(d, "ProvisionedThroughput");
      for (const auto& [k, v] : t->as_map()) pt.Set(k, v);
      d.Set("ProvisionedThroughput", pt);
    }
    if (const Value* s = p.Find("StreamSpecification"); s && s->is_map()) {
      d.Set("StreamSpecification", *s);
      const Value& enabled = Member(*s, "StreamEnabled");
      if (enabled.is_bool() && enabled.as_bool()) {
        std::string label = IsoTime(world.Now());
        label.pop_back();
        d.Set("LatestStreamLabel", label);
        d.Set("LatestStreamArn", world.dynamodb.TableArn(name) + "/stream/" + label);
      } else if (d.is_map()) {
        d.as_map().erase("LatestStreamLabel");
        d.as_map().erase("LatestStreamArn");
      }
    }
    if (const Value* defs = p.Find("AttributeDefinitions"); defs && defs->is_list()) {
      ValueList merged = Member(d, "AttributeDefinitions").is_list()
                             ? Member(d, "AttributeDefinitions").as_list()
                             : ValueList{};
      for (const Value& def : defs->as_list()) {
        bool known = false;
        for (const Value& m : merged) {
          if (Str(m, "AttributeName") == Str(def, "AttributeName")) known = true;
        }
        if (!known) merged.push_back(def);
      }
      d.Set("AttributeDefinitions", Value(std::move(merged)));
    }
    if (const Value* updates = p.Find("GlobalSecondaryIndexUpdates");
        updates && updates->is_list()) {
      ValueList gsis = Member(d, "GlobalSecondaryIndexes").is_list()
                           ? Member(d, "GlobalSecondaryIndexes").as_list()
                           : ValueList{};
      for (const Value& update : updates->as_list()) {
        if (const Value* c = update.Find("Create")) {
          std::string index = Str(*c, "IndexName");
          for (const Value& g : gsis) {
            if (Str(g, "IndexName") == index) {
              return tl::unexpected(
                  DynamoValidation("One or more parameter values were invalid: Index with "
                                   "name " +
                                   index + " already exists"));
            }
          }
          for (const Value& k : Member(*c, "KeySchema").is_list()
                                    ? Member(*c, "KeySchema").as_list()
                                    : ValueList{}) {
            bool defined = false;
            for (const Value& def : Member(d, "AttributeDefinitions").as_list()) {
              if (Str(def, "AttributeName") == Str(k, "AttributeName")) defined = true;
            }
            if (!defined) {
              return tl::unexpected(
                  DynamoValidation("One or more parameter values were invalid: Some index key "
                                   "attributes are not defined in AttributeDefinitions. Keys: "
                                   "[" +
                                   Str(k, "AttributeName") + "]"));
            }
          }
          Value g = *c;
          g.Set("IndexStatus", "ACTIVE");
          g.Set("IndexArn", world.dynamodb.TableArn(name) + "/index/" + index);
          gsis.push_back(std::move(g));
        } else if (const Value* del = update.Find("Delete")) {
          std::string index = Str(*del, "IndexName");
          auto it = std::find_if(gsis.begin(), gsis.end(),
                                 [&](const Value& g) { return Str(g, "IndexName") == index; });
          if (it == gsis.end()) {
            return tl::unexpected(SimError{400, "ResourceNotFoundException",
                                           "Requested resource not found: "
                                           "Index: " +
                                               index + " not found"});
          }
          gsis.erase(it);
        }
      }
      if (gsis.empty()) {
        d.as_map().erase("GlobalSecondaryIndexes");
      } else {
        d.Set("GlobalSecondaryIndexes", Value(std::move(gsis)));
      }
    }
    auto out = world.dynamodb.DescribeTable(name);
    if (!out) return tl::unexpected(out.error());
    return Value(ValueMap{{"TableDescription", *out}});
  }

  // ReturnValues for a write that replaced `old` with `now`.
  static Value Returned(const Value& p, const Value& old, const Value& now,
                        const std::set<std::string>& touched) {
    std::string rv = Str(p, "ReturnValues");
    ValueMap out;
    const Value* source = nullptr;
    bool only_touched = false;
    if (rv == "ALL_OLD") source = &old;
    if (rv == "ALL_NEW") source = &now;
    if (rv == "UPDATED_OLD") source = &old, only_touched = true;
    if (rv == "UPDATED_NEW") source = &now, only_touched = true;
    if (source != nullptr && source->is_map() && !source->as_map().empty()) {
      ValueMap attributes;
      for (const auto& [k, v] : source->as_map()) {
        if (!only_touched || touched.count(k)) attributes[k] = v;
      }
      out["Attributes"] = Value(std::move(attributes));
    }
    return Value(std::move(out));
  }

  SimResult<Value> PutItem(DynamoDbStore& store, const Value& p) {
    std::string name = Str(p, "TableName");
    const DynamoTable* table = store.FindTable(name);
    if (table == nullptr) return tl::unexpected(ItemTableNotFound());
    const Value& item = Member(p, "Item");
    auto key = store.KeyOf(*table, item, true);
    if (!key) return tl::unexpected(key.error());
    auto it = table->items.find(*key);
    Value old = it == table->items.end() ? Value() : it->second;
    auto ok = Check(p, "ConditionExpression", old);
    if (!ok) return tl::unexpected(ok.error());
    if (!*ok) return tl::unexpected(ConditionFailed());
    if (auto put = store.PutItem(name, item); !put) return tl::unexpected(put.error());
    return Returned(p, old, item, {});
  }

  SimResult<Value> DeleteItem(DynamoDbStore& store, const Value& p) {
    std::string name = Str(p, "TableName");
    auto old = store.GetItem(name, Member(p, "Key"));
    if (!old) return tl::unexpected(old.error());
    auto ok = Check(p, "ConditionExpression", *old);
    if (!ok) return tl::unexpected(ok.error());
    if (!*ok) return tl::unexpected(ConditionFailed());
    (void)store.DeleteItem(name, Member(p, "Key"));
    return Returned(p, *old, Value(), {});
  }

  SimResult<Value> UpdateItem(DynamoDbStore& store, const Value& p) {
    std::string name = Str(p, "TableName");
    const Value& key = Member(p, "Key");
    auto old = store.GetItem(name, key);
    if (!old) return tl::unexpected(old.error());
    auto ok = Check(p, "ConditionExpression", *old);
    if (!ok) return tl::unexpected(ok.error());
    if (!*ok) return tl::unexpected(ConditionFailed());
    Value item = old->is_null() ? key : *old;
    auto touched = ApplyUpdate(p, item);
    if (!touched) return tl::unexpected(touched.error());
    auto [hash, range] = KeyNames(Member(store.FindTable(name)->description, "KeySchema"));
    for (const std::string& k : {hash, range}) {
      if (!k.empty() && touched->count(k)) {
        return tl::unexpected(
            DynamoValidation("One or more parameter values were invalid: Cannot update "
                             "attribute " +
                             k + ". This attribute is part of the key"));
      }
    }
    if (auto put = store.PutItem(name, item); !put) return tl::unexpected(put.error());
    return Returned(p, *old, item, *touched);
  }

  // Query and Scan.
  SimResult<Value> Read(DynamoDbStore& store, const Value& p, bool query) {
    std::string name = Str(p, "TableName");
    const DynamoTable* table = store.FindTable(name);
    if (table == nullptr) return tl::unexpected(ItemTableNotFound());
    auto [hash, range] = KeyNames(Member(table->description, "KeySchema"));
    std::string index_hash, index_range;
    if (std::string index = Str(p, "IndexName"); !index.empty()) {
      bool found = false;
      for (const char* kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
        const Value& list = Member(table->description, kind);
        if (!list.is_list()) continue;
        for (const Value& i : list.as_list()) {
          if (Str(i, "IndexName") == index) {
            std::tie(index_hash, index_range) = KeyNames(Member(i, "KeySchema"));
            found = true;
          }
        }
      }
      if (!found) {
        return tl::unexpected(
            DynamoValidation("The table does not have the specified index: " + index));
      }
    } else {
      index_hash = hash;
      index_range = range;
    }
    std::string key_condition = Str(p, "KeyConditionExpression");
    if (query && key_condition.empty()) {
      return tl::unexpected(
          DynamoValidation("Either the KeyConditions or KeyConditionExpression parameter "
                           "must be specified in the request."));
    }
    if (query) {
      // Validate the key condition once, so an empty table reports it too.
      static const Value kNoItem(ValueMap{});
      Expression e(key_condition, Member(p, "ExpressionAttributeNames"),
                   Member(p, "ExpressionAttributeValues"), kNoItem);
      (void)e.Condition();
      if (e.error) return tl::unexpected(*e.error);
      if (!e.referenced.count(index_hash)) {
        return tl::unexpected(
            DynamoValidation("Query condition missed key schema element: " + index_hash));
      }
    }
    // A parallel scan's segment: items are dealt to segments by their
    // partition key, as DynamoDB does.
    const Value* segment = p.Find("Segment");
    const Value* total_segments = p.Find("TotalSegments");
    if (segment != nullptr || total_segments != nullptr) {
      if (query) {
        return tl::unexpected(DynamoValidation("Segment and TotalSegments are Scan parameters"));
      }
      if (segment == nullptr || total_segments == nullptr) {
        return tl::unexpected(DynamoValidation(
            segment == nullptr
                ? "The Segment parameter is required but was not present in the request when "
                  "parameter TotalSegments is present"
                : "The TotalSegments parameter is required but was not present in the request "
                  "when Segment parameter is present"));
      }
      if (!total_segments->is_int() || total_segments->as_int() < 1 ||
          total_segments->as_int() > 1000000) {
        return tl::unexpected(DynamoValidation(
            "1 validation error detected: Value at 'totalSegments' failed to satisfy constraint: "
            "Member must have value between 1 and 1000000"));
      }
      if (!segment->is_int() || segment->as_int() < 0 ||
          segment->as_int() >= total_segments->as_int()) {
        return tl::unexpected(DynamoValidation(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments"));
      }
    }
    const std::string partition_key = hash;
    auto in_segment = [&](const Value& item) {
      if (segment == nullptr) return true;
      const Value* pk = item.Find(partition_key);
      return pk != nullptr && SegmentOf(*pk, total_segments->as_int()) == segment->as_int();
    };
    // Candidates in their read order.
    std::vector<std::pair<std::string, const Value*>> candidates;
    // A scan of the table itself reads the items in key order: start right
    // after ExclusiveStartKey and stop at the limit, so each page of a large
    // table costs its own size, not the table's.
    bool table_scan = !query && index_hash == hash && index_range == range;
    auto from = table->items.begin();
    int64_t wanted = -1;
    if (table_scan) {
      if (const Value* l = p.Find("Limit"); l && l->is_int()) wanted = l->as_int();
      if (const Value* start = p.Find("ExclusiveStartKey"); start && start->is_map()) {
        auto start_key = store.KeyOf(*table, *start, true);
        if (!start_key) {
          return tl::unexpected(DynamoValidation("The provided starting key is invalid: " +
                                                 start_key.error().message));
        }
        from = table->items.upper_bound(*start_key);
      }
    }
    for (auto it = from; it != table->items.end(); ++it) {
      const auto& [key, item] = *it;
      // One past the limit tells whether there is more (LastEvaluatedKey).
      if (wanted >= 0 && static_cast<int64_t>(candidates.size()) > wanted) break;
      if (!in_segment(item)) continue;
      if (!item.Find(index_hash)) continue;
      if (!index_range.empty() && !item.Find(index_range)) continue;
      if (query) {
        Expression e(key_condition, Member(p, "ExpressionAttributeNames"),
                     Member(p, "ExpressionAttributeValues"), item);
        bool match = e.Condition();
        if (e.error) return tl::unexpected(*e.error);
        if (!match) continue;
      }
      candidates.emplace_back(key, &item);
    }
    auto order = [&](const std::pair<std::string, const Value*>& a,
                     const std::pair<std::string, const Value*>& b) {
      if (query && !index_range.empty()) {
        auto c = CompareAttributes(*a.second->Find(index_range), *b.second->Find(index_range));
        if (c && *c != 0) return *c < 0;
      }
      return a.first < b.first;
    };
    std::sort(candidates.begin(), candidates.end(), order);
    const Value& forward = Member(p, "ScanIndexForward");
    if (query && forward.is_bool() && !forward.as_bool()) {
      std::reverse(candidates.begin(), candidates.end());
    }
    size_t begin = 0;
    if (const Value* start = p.Find("ExclusiveStartKey"); !table_scan && start && start->is_map()) {
      auto start_key = store.KeyOf(*table, *start, true);
      if (!start_key) {
        return tl::unexpected(
            DynamoValidation("The provided starting key is invalid: " + start_key.error().message));
      }
      std::pair<std::string, const Value*> probe{*start_key, start};
      bool reversed = query && forward.is_bool() && !forward.as_bool();
      while (begin < candidates.size()) {
        bool after = reversed ? order(candidates[begin], probe) : order(probe, candidates[begin]);
        if (after) break;
        ++begin;
      }
    }
    int64_t limit = -1;
    if (const Value* l = p.Find("Limit"); l && l->is_int()) limit = l->as_int();
    ValueList items;
    int64_t scanned = 0;
    const Value* last = nullptr;
    size_t i = begin;
    for (; i < candidates.size(); ++i) {
      if (limit >= 0 && scanned == limit) break;
      ++scanned;
      last = candidates[i].second;
      auto keep = Check(p, "FilterExpression", *last);
      if (!keep) return tl::unexpected(keep.error());
      if (*keep) items.push_back(Project(*last, p));
    }
    ValueMap out;
    out["Count"] = static_cast<int64_t>(items.size());
    out["ScannedCount"] = scanned;
    if (Str(p, "Select") != "COUNT") out["Items"] = Value(std::move(items));
    if (i < candidates.size() && last != nullptr) {
      ValueMap key;
      for (const std::string& k : {hash, range, index_hash, index_range}) {
        if (!k.empty()) key[k] = *last->Find(k);
      }
      out["LastEvaluatedKey"] = Value(std::move(key));
    }
    return Value(std::move(out));
  }

  // All of the actions (Put, Update, Delete, ConditionCheck) or none: every
  // condition is checked first; one that fails cancels the transaction,
  // naming each action's reason in the message as DynamoDB does. A
  // ClientRequestToken seen in the last ten minutes with the same request
  // answers success without applying anything again.
  SimResult<Value> TransactWrite(World& world, const Request& request, const Value& p) {
    const Value& actions = Member(p, "TransactItems");
    if (!actions.is_list() || actions.as_list().empty() ||
        actions.as_list().size() > kMaxTransactItems) {
      return tl::unexpected(DynamoValidation(
          "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: "
          "Member must have length less than or equal to 100 and greater than or equal to 1"));
    }
    std::string token = Str(p, "ClientRequestToken");
    // A repeat is the same request: the same body (which holds the token).
    const std::string request_text = token.empty() ? "" : Sha256Hex(request.body);
    const Timestamp now = world.Now();
    if (!token.empty()) {
      std::lock_guard lock(tokens_mu_);
      for (auto it = tokens_.begin(); it != tokens_.end();) {
        it = now.unix_ms - it->second.second.unix_ms > kTransactTokenMs ? tokens_.erase(it)
                                                                        : std::next(it);
      }
      if (auto seen = tokens_.find(token); seen != tokens_.end()) {
        if (seen->second.first != request_text) {
          return tl::unexpected(SimError{400, "IdempotentParameterMismatchException",
                                         "The request uses the same client token as a previous, "
                                         "but non-identical request."});
        }
        return Value(ValueMap{});
      }
    }
    DynamoDbStore& store = world.dynamodb;
    struct Action {
      std::string kind;  // Put, Update, Delete, ConditionCheck
      const Value* params = nullptr;
      std::string table;
      Value key;
      Value old;  // the item before (null: none)
    };
    std::vector<Action> planned;
    std::set<std::string> items;
    for (const Value& a : actions.as_list()) {
      if (!a.is_map() || a.as_map().size() != 1) {
        return tl::unexpected(
            DynamoValidation("TransactItems can only contain one of Check, Put, Update or Delete"));
      }
      Action action;
      action.kind = a.as_map().begin()->first;
      action.params = &a.as_map().begin()->second;
      if (action.kind != "Put" && action.kind != "Update" && action.kind != "Delete" &&
          action.kind != "ConditionCheck") {
        return tl::unexpected(DynamoValidation("Unknown transaction action: " + action.kind));
      }
      action.table = Str(*action.params, "TableName");
      const DynamoTable* table = store.FindTable(action.table);
      if (table == nullptr) return tl::unexpected(ItemTableNotFound());
      const Value& given =
          action.kind == "Put" ? Member(*action.params, "Item") : Member(*action.params, "Key");
      auto key = store.KeyOf(*table, given, action.kind == "Put");
      if (!key) return tl::unexpected(key.error());
      if (!items.insert(action.table + "\n" + *key).second) {
        return tl::unexpected(
            DynamoValidation("Transaction request cannot include multiple operations on one item"));
      }
      auto it = table->items.find(*key);
      action.old = it == table->items.end() ? Value() : it->second;
      planned.push_back(std::move(action));
    }
    std::vector<std::string> reasons;
    bool cancelled = false;
    for (const Action& action : planned) {
      auto ok = Check(*action.params, "ConditionExpression", action.old);
      if (!ok) return tl::unexpected(ok.error());
      reasons.push_back(*ok ? "None" : "ConditionalCheckFailed");
      cancelled = cancelled || !*ok;
    }
    if (cancelled) {
      return tl::unexpected(SimError{
          400, "TransactionCanceledException",
          fmt::format("Transaction cancelled, please refer cancellation reasons for specific "
                      "reasons [{}]",
                      fmt::join(reasons, ", "))});
    }
    // Apply; should an action still fail (an update of a key attribute),
    // put every item back as it was.
    for (size_t i = 0; i < planned.size(); ++i) {
      const Action& action = planned[i];
      SimResult<Value> done = Value();
      if (action.kind == "Put") done = PutItem(store, *action.params);
      if (action.kind == "Update") done = UpdateItem(store, *action.params);
      if (action.kind == "Delete") done = DeleteItem(store, *action.params);
      if (!done) {
        for (size_t j = 0; j <= i; ++j) {
          const Action& undo = planned[j];
          if (undo.old.is_null()) {
            const DynamoTable* table = store.FindTable(undo.table);
            const Value& given =
                undo.kind == "Put" ? Member(*undo.params, "Item") : Member(*undo.params, "Key");
            auto key = store.KeyOf(*table, given, undo.kind == "Put");
            if (key) {
              Value key_value = Member(*undo.params, "Key");
              if (undo.kind == "Put") {
                key_value = Value(ValueMap{});
                auto [hash, range] = KeyNames(Member(table->description, "KeySchema"));
                for (const std::string& k : {hash, range}) {
                  if (!k.empty()) key_value.Set(k, Member(given, k));
                }
              }
              (void)store.DeleteItem(undo.table, key_value);
            }
          } else {
            (void)store.PutItem(undo.table, undo.old);
          }
        }
        return tl::unexpected(done.error());
      }
    }
    if (!token.empty()) {
      std::lock_guard lock(tokens_mu_);
      tokens_[token] = {request_text, now};
    }
    return Value(ValueMap{});
  }

  SimResult<Value> BatchWrite(World& world, const Request& request, const Value& p) {
    const Value& requests = Member(p, "RequestItems");
    if (!requests.is_map() || requests.as_map().empty()) {
      return tl::unexpected(
          DynamoValidation("1 validation error detected: Value null at 'requestItems' failed "
                           "to satisfy constraint: Member must not be null"));
    }
    size_t total = 0;
    for (const auto& [table, list] : requests.as_map()) {
      if (!world.dynamodb.HasTable(table)) return tl::unexpected(ItemTableNotFound());
      if (list.is_list()) total += list.as_list().size();
    }
    if (total > 25) {
      return tl::unexpected(
          DynamoValidation("Too many items requested for the BatchWriteItem call"));
    }
    if (world.faults.Take("dynamodb", "BatchWriteItem", LogParams(request, "BatchWriteItem"),
                          {"unprocessed_items"})) {
      return Value(ValueMap{{"UnprocessedItems", requests}});
    }
    // Validate everything first: a batch is rejected whole on a bad key or
    // on two requests for the same item.
    for (const auto& [table, list] : requests.as_map()) {
      const DynamoTable* t = world.dynamodb.FindTable(table);
      std::set<std::string> keys;
      for (const Value& r : list.as_list()) {
        SimResult<std::string> k = tl::unexpected(
            DynamoValidation("Supplied AttributeValue has more than one datatypes set, must "
                             "contain exactly one of the supported datatypes"));
        if (const Value* put = r.Find("PutRequest")) {
          k = world.dynamodb.KeyOf(*t, Member(*put, "Item"), true);
        } else if (const Value* del = r.Find("DeleteRequest")) {
          k = world.dynamodb.KeyOf(*t, Member(*del, "Key"), false);
        }
        if (!k) return tl::unexpected(k.error());
        if (!keys.insert(*k).second) {
          return tl::unexpected(DynamoValidation("Provided list of item keys contains duplicates"));
        }
      }
    }
    for (const auto& [table, list] : requests.as_map()) {
      for (const Value& r : list.as_list()) {
        if (const Value* put = r.Find("PutRequest")) {
          (void)world.dynamodb.PutItem(table, Member(*put, "Item"));
        } else if (const Value* del = r.Find("DeleteRequest")) {
          (void)world.dynamodb.DeleteItem(table, Member(*del, "Key"));
        }
      }
    }
    return Value(ValueMap{{"UnprocessedItems", Value(ValueMap{})}});
  }

  SimResult<Value> BatchGet(DynamoDbStore& store, const Value& p) {
    const Value& requests = Member(p, "RequestItems");
    ValueMap responses;
    if (!requests.is_map()) {
      return tl::unexpected(
          DynamoValidation("1 validation error detected: Value null at 'requestItems' failed "
                           "to satisfy constraint: Member must not be null"));
    }
    for (const auto& [table, spec] : requests.as_map()) {
      ValueList found;
      const Value& keys = Member(spec, "Keys");
      if (!keys.is_list()) continue;
      for (const Value& key : keys.as_list()) {
        auto item = store.GetItem(table, key);
        if (!item) return tl::unexpected(item.error());
        if (!item->is_null()) found.push_back(Project(*item, spec));
      }
      responses[table] = Value(std::move(found));
    }
    return Value(ValueMap{{"Responses", Value(std::move(responses))},
                          {"UnprocessedKeys", Value(ValueMap{})}});
  }

  static Value BackupDescription(const DynamoBackup& backup) {
    const Value& t = backup.table;
    ValueMap source;
    for (const char* k :
         {"TableName", "TableId", "TableArn", "KeySchema", "ProvisionedThroughput"}) {
      source[k] = Member(t, k);
    }
    source["TableCreationDateTime"] = Member(t, "CreationDateTime");
    source["ItemCount"] = static_cast<int64_t>(backup.items.size());
    source["BillingMode"] = Member(Member(t, "BillingModeSummary"), "BillingMode");
    ValueMap features;
    for (const char* k : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
      if (t.Find(k)) features[k] = Member(t, k);
    }
    return Value(ValueMap{{"BackupDetails", backup.details},
                          {"SourceTableDetails", Value(std::move(source))},
                          {"SourceTableFeatureDetails", Value(std::move(features))}});
  }

  SimResult<Value> CreateBackup(World& world, const Value& p) {
    std::string name = Str(p, "TableName");
    const DynamoTable* table = world.dynamodb.FindTable(name);
    if (table == nullptr) {
      return tl::unexpected(SimError{400, "TableNotFoundException", "Table not found: " + name});
    }
    std::string backup_name = Str(p, "BackupName");
    if (backup_name.size() < 3) {
      return tl::unexpected(
          DynamoValidation("1 validation error detected: Value '" + backup_name +
                           "' at 'backupName' failed to satisfy constraint: Member must have "
                           "length greater than or equal to 3"));
    }
    DynamoBackup backup;
    backup.table = table->description;
    backup.items = table->items;
    size_t bytes = 0;
    for (const auto& [k, item] : backup.items) bytes += ItemSize(item);
    std::string arn = fmt::format("{}/backup/{:017}-{}", world.dynamodb.TableArn(name),
                                  world.Now().unix_ms, world.RandomString(8, "0123456789abcdef"));
    backup.details = Value(ValueMap{{"BackupArn", Value(arn)},
                                    {"BackupName", Value(backup_name)},
                                    {"BackupSizeBytes", Value(static_cast<int64_t>(bytes))},
                                    {"BackupStatus", Value("AVAILABLE")},
                                    {"BackupType", Value("USER")},
                                    {"BackupCreationDateTime", Value(EpochSeconds(world.Now()))}});
    Value details = backup.details;
    world.dynamodb.backups()[arn] = std::move(backup);
    return Value(ValueMap{{"BackupDetails", details}});
  }

  SimResult<Value> Restore(World& world, const Value& p) {
    DynamoDbStore& store = world.dynamodb;
    std::string arn = Str(p, "BackupArn");
    auto it = store.backups().find(arn);
    if (it == store.backups().end()) {
      return tl::unexpected(SimError{400, "BackupNotFoundException", "Backup not found: " + arn});
    }
    std::string target = Str(p, "TargetTableName");
    if (store.HasTable(target)) {
      return tl::unexpected(
          SimError{400, "TableAlreadyExistsException", "Table already exists: " + target});
    }
    const Value& source = it->second.table;
    ValueMap input;
    input["TableName"] = target;
    for (const char* k :
         {"KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
      if (source.Find(k)) input[k] = Member(source, k);
    }
    std::string billing = Str(p, "BillingModeOverride");
    if (billing.empty()) billing = Str(Member(source, "BillingModeSummary"), "BillingMode");
    input["BillingMode"] = billing;
    if (billing == "PROVISIONED") {
      const Value& pt = p.Find("ProvisionedThroughputOverride")
                            ? Member(p, "ProvisionedThroughputOverride")
                            : Member(source, "ProvisionedThroughput");
      input["ProvisionedThroughput"] =
          Value(ValueMap{{"ReadCapacityUnits", Member(pt, "ReadCapacityUnits")},
                         {"WriteCapacityUnits", Member(pt, "WriteCapacityUnits")}});
    }
    // Index descriptions carry read-only fields; CreateTable ignores them.
    auto created = store.CreateTable(Value(std::move(input)), world.Now());
    if (!created) return tl::unexpected(created.error());
    DynamoTable* table = store.FindTable(target);
    table->items = it->second.items;
    table->description.Set("RestoreSummary",
                           Value(ValueMap{{"SourceBackupArn", Value(arn)},
                                          {"SourceTableArn", Member(source, "TableArn")},
                                          {"RestoreDateTime", Value(EpochSeconds(world.Now()))},
                                          {"RestoreInProgress", Value(false)}}));
    auto d = store.DescribeTable(target);
    return Value(ValueMap{{"TableDescription", *d}});
  }

  SimResult<Value> Export(World& world, const Value& p) {
    DynamoDbStore& store = world.dynamodb;
    std::string table_arn = Str(p, "TableArn");
    std::string prefix =
        "arn:aws:dynamodb:" + world.config().region + ":" + world.config().account_id + ":table/";
    std::string name =
        table_arn.rfind(prefix, 0) == 0 ? table_arn.substr(prefix.size()) : std::string();
    const DynamoTable* table = store.FindTable(name);
    if (table == nullptr) {
      return tl::unexpected(
          SimError{400, "TableNotFoundException", "Table not found: " + table_arn});
    }
    if (!table->pitr) {
      return tl::unexpected(
          SimError{400, "PointInTimeRecoveryUnavailableException",
                   "Point in time recovery is not enabled for table '" + name + "'"});
    }
    std::string bucket = Str(p, "S3Bucket");
    if (bucket.empty()) {
      return tl::unexpected(
          DynamoValidation("1 validation error detected: Value null at 's3Bucket' failed to "
                           "satisfy constraint: Member must not be null"));
    }
    std::string s3_prefix = Str(p, "S3Prefix");
    // A ClientToken makes the call idempotent: the same token with the same
    // parameters answers with the export it started; with other parameters
    // it is refused.
    if (std::string token = Str(p, "ClientToken"); !token.empty()) {
      for (const auto& [existing_arn, e] : store.exports()) {
        if (Str(e, "ClientToken") != token) continue;
        bool same =
            Str(e, "TableArn") == table_arn && Str(e, "S3Bucket") == bucket &&
            Str(e, "S3Prefix") == s3_prefix &&
            (Str(p, "ExportFormat").empty() || Str(p, "ExportFormat") == Str(e, "ExportFormat")) &&
            (p.Find("ExportTime") == nullptr || Member(p, "ExportTime") == Member(e, "ExportTime"));
        if (!same) {
          return tl::unexpected(
              SimError{400, "IdempotentParameterMismatchException",
                       "The ClientToken " + token + " was used before with different parameters"});
        }
        return Value(ValueMap{{"ExportDescription", e}});
      }
    }
    std::string export_id =
        fmt::format("{:017}-{}", world.Now().unix_ms, world.RandomString(8, "0123456789abcdef"));
    std::string arn = world.dynamodb.TableArn(name) + "/export/" + export_id;
    std::string base =
        (s3_prefix.empty() ? "" : s3_prefix + "/") + "AWSDynamoDB/" + export_id + "/";
    Timestamp now = world.Now();
    Value export_time = p.Find("ExportTime") ? Member(p, "ExportTime") : Value(EpochSeconds(now));
    ValueMap d;
    d["ExportArn"] = arn;
    d["TableArn"] = table_arn;
    d["TableId"] = Member(table->description, "TableId");
    d["S3Bucket"] = bucket;
    if (!s3_prefix.empty()) d["S3Prefix"] = s3_prefix;
    d["S3SseAlgorithm"] = "AES256";
    d["ExportFormat"] = Str(p, "ExportFormat").empty() ? "DYNAMODB_JSON" : Str(p, "ExportFormat");
    d["ExportType"] = "FULL_EXPORT";
    d["ExportTime"] = export_time;
    d["StartTime"] = EpochSeconds(now);
    d["EndTime"] = EpochSeconds(now);
    if (const Value* token = p.Find("ClientToken")) d["ClientToken"] = *token;
    if (world.s3.FindBucket(bucket) == nullptr) {
      d["ExportStatus"] = "FAILED";
      d["FailureCode"] = "S3NoSuchBucket";
      d["FailureMessage"] = "The specified bucket does not exist";
    } else {
      std::string lines;
      size_t bytes = 0;
      for (const auto& [k, item] : table->items) {
        lines += Value(ValueMap{{"Item", item}}).ToJson();
        lines += '\n';
        bytes += ItemSize(item);
      }
      std::string data_key = base + "data/" +
                             world.RandomString(26, "abcdefghijklmnopqrstuvwxyz0123456789") +
                             ".json.gz";
      std::string gz = Gzip(lines);
      auto etag = world.s3.PutObject(bucket, data_key, gz, now, "application/x-gzip");
      if (!etag) return tl::unexpected(etag.error());
      std::string files_key = base + "manifest-files.json";
      Value file_entry(ValueMap{{"itemCount", Value(static_cast<int64_t>(table->items.size()))},
                                {"md5Checksum", Value(std::string())},
                                {"etag", Value(etag->substr(1, etag->size() - 2))},
                                {"dataFileS3Key", Value(data_key)}});
      (void)world.s3.PutObject(bucket, files_key, file_entry.ToJson() + "\n", now,
                               "application/json");
      std::string summary_key = base + "manifest-summary.json";
      Value summary(ValueMap{{"version", Value("2020-06-30")},
                             {"exportArn", Value(arn)},
                             {"startTime", Value(IsoTime(now))},
                             {"endTime", Value(IsoTime(now))},
                             {"tableArn", Value(table_arn)},
                             {"tableId", Member(table->description, "TableId")},
                             {"exportTime", Value(IsoTime(now))},
                             {"s3Bucket", Value(bucket)},
                             {"s3Prefix", s3_prefix.empty() ? Value() : Value(s3_prefix)},
                             {"s3SseAlgorithm", Value("AES256")},
                             {"s3SseKmsKeyId", Value()},
                             {"manifestFilesS3Key", Value(files_key)},
                             {"billedSizeBytes", Value(static_cast<int64_t>(bytes))},
                             {"itemCount", Value(static_cast<int64_t>(table->items.size()))},
                             {"outputFormat", Value("DYNAMODB_JSON")}});
      (void)world.s3.PutObject(bucket, summary_key, summary.ToJson(), now, "application/json");
      d["ExportStatus"] = "COMPLETED";
      d["ExportManifest"] = summary_key;
      d["ItemCount"] = static_cast<int64_t>(table->items.size());
      d["BilledSizeBytes"] = static_cast<int64_t>(bytes);
    }
    Value description(std::move(d));
    store.exports()[arn] = description;
    return Value(ValueMap{{"ExportDescription", description}});
  }
};

}  // namespace

std::unique_ptr<Service> MakeDynamoDbService() { return std::make_unique<DynamoDbService>(); }

}  // namespace flightplan::cloudsim
