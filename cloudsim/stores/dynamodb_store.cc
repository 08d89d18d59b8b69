#include "cloudsim/stores/dynamodb_store.h"

#include <fmt/format.h>

#include "cloudsim/values.h"

namespace flightplan::cloudsim {
namespace {

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && f->is_string() ? f->as_string() : std::string();
}

// The declared type ("S", "N", "B") of attribute `name`; "" when undeclared.
std::string AttributeType(const Value& description, std::string_view name) {
  const Value* defs = description.Find("AttributeDefinitions");
  if (defs == nullptr || !defs->is_list()) return {};
  for (const Value& def : defs->as_list()) {
    if (Str(def, "AttributeName") == name) return Str(def, "AttributeType");
  }
  return {};
}

// The single type tag of an AttributeValue ({"S": "x"} -> "S").
std::string TypeOf(const Value& attribute) {
  if (!attribute.is_map() || attribute.as_map().size() != 1) return {};
  return attribute.as_map().begin()->first;
}

SimResult<void> ValidateKeySchema(const Value& input, const Value& key_schema,
                                  std::string_view what) {
  if (!key_schema.is_list() || key_schema.as_list().empty() || key_schema.as_list().size() > 2) {
    return tl::unexpected(
        DynamoValidation(fmt::format("1 validation error detected: Value at '{}' failed to satisfy "
                                     "constraint: Member must have length less than or equal to 2",
                                     what)));
  }
  const ValueList& list = key_schema.as_list();
  if (Str(list[0], "KeyType") != "HASH" ||
      (list.size() == 2 && Str(list[1], "KeyType") != "RANGE")) {
    return tl::unexpected(
        DynamoValidation("Invalid KeySchema: The first KeySchemaElement is not a HASH key "
                         "type"));
  }
  for (const Value& element : list) {
    std::string name = Str(element, "AttributeName");
    std::string type = AttributeType(input, name);
    if (type.empty()) {
      return tl::unexpected(
          DynamoValidation("One or more parameter values were invalid: Some index key "
                           "attributes are not defined in AttributeDefinitions. Keys: [" +
                           name + "], AttributeDefinitions: []"));
    }
    if (type != "S" && type != "N" && type != "B") {
      return tl::unexpected(DynamoValidation(
          fmt::format("1 validation error detected: Value '{}' at "
                      "'attributeDefinitions.1.member.attributeType' failed to satisfy "
                      "constraint: Member must satisfy enum value set: [B, N, S]",
                      type)));
    }
  }
  return {};
}

// A stream label: the creation time as "2026-11-22T10:15:30.123".
std::string IsoLabel(Timestamp t) {
  std::string label = IsoTime(t);
  label.pop_back();  // the "Z"
  return label;
}

}  // namespace

SimError DynamoValidation(std::string message) {
  return {400, "ValidationException", std::move(message)};
}

SimError DynamoTableNotFound(std::string_view table) {
  return {400, "ResourceNotFoundException",
          fmt::format("Requested resource not found: Table: {} not found", table)};
}

std::pair<std::string, std::string> KeyNames(const Value& key_schema) {
  std::pair<std::string, std::string> out;
  if (!key_schema.is_list()) return out;
  for (const Value& element : key_schema.as_list()) {
    if (Str(element, "KeyType") == "HASH") out.first = Str(element, "AttributeName");
    if (Str(element, "KeyType") == "RANGE") out.second = Str(element, "AttributeName");
  }
  return out;
}

size_t ItemSize(const Value& item) {
  if (!item.is_map()) return 0;
  size_t size = 0;
  for (const auto& [name, value] : item.as_map()) {
    size += name.size() + value.ToJson().size();
  }
  return size;
}

void DynamoDbStore::SetAccount(std::string region, std::string account_id) {
  region_ = std::move(region);
  account_id_ = std::move(account_id);
}

std::string DynamoDbStore::TableArn(std::string_view table) const {
  return fmt::format("arn:aws:dynamodb:{}:{}:table/{}", region_, account_id_, table);
}

SimResult<Value> DynamoDbStore::CreateTable(const Value& input, Timestamp now) {
  std::string name = Str(input, "TableName");
  if (name.size() < 3 || name.size() > 255) {
    return tl::unexpected(DynamoValidation(
        fmt::format("1 validation error detected: Value '{}' at 'tableName' failed to "
                    "satisfy constraint: Member must have length greater than or equal "
                    "to 3",
                    name)));
  }
  if (tables_.count(name) != 0) {
    return tl::unexpected(SimError{400, "ResourceInUseException", "Table already exists: " + name});
  }
  const Value* key_schema = input.Find("KeySchema");
  if (key_schema == nullptr) {
    return tl::unexpected(
        DynamoValidation("1 validation error detected: Value null at 'keySchema' failed to "
                         "satisfy constraint: Member must not be null"));
  }
  if (auto ok = ValidateKeySchema(input, *key_schema, "keySchema"); !ok) {
    return tl::unexpected(ok.error());
  }
  std::string billing = Str(input, "BillingMode");
  if (billing.empty()) billing = "PROVISIONED";
  const Value* throughput = input.Find("ProvisionedThroughput");
  if (billing == "PROVISIONED" && throughput == nullptr) {
    return tl::unexpected(
        DynamoValidation("One or more parameter values were invalid: ReadCapacityUnits and "
                         "WriteCapacityUnits must both be specified when BillingMode is "
                         "PROVISIONED"));
  }
  if (billing == "PAY_PER_REQUEST" && throughput != nullptr) {
    return tl::unexpected(
        DynamoValidation("One or more parameter values were invalid: Neither "
                         "ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                         "BillingMode is PAY_PER_REQUEST"));
  }
  ValueMap d;
  d["TableName"] = name;
  d["TableArn"] = TableArn(name);
  d["TableId"] = fmt::format("{:08x}-0000-4000-8000-{:012x}", next_table_id_,
                             static_cast<uint64_t>(now.unix_ms));
  ++next_table_id_;
  d["TableStatus"] = "ACTIVE";
  d["CreationDateTime"] = static_cast<double>(now.unix_ms) / 1000.0;
  d["KeySchema"] = *key_schema;
  d["AttributeDefinitions"] =
      input.Find("AttributeDefinitions") ? *input.Find("AttributeDefinitions") : Value(ValueList{});
  ValueMap pt;
  pt["NumberOfDecreasesToday"] = 0;
  pt["ReadCapacityUnits"] = 0;
  pt["WriteCapacityUnits"] = 0;
  if (throughput != nullptr && throughput->is_map()) {
    for (const auto& [k, v] : throughput->as_map()) pt[k] = v;
  }
  d["ProvisionedThroughput"] = Value(std::move(pt));
  d["BillingModeSummary"] = Value(ValueMap{
      {"BillingMode", Value(billing)},
      {"LastUpdateToPayPerRequestDateTime", Value(static_cast<double>(now.unix_ms) / 1000.0)}});
  d["DeletionProtectionEnabled"] = false;
  if (const Value* p = input.Find("DeletionProtectionEnabled"); p && p->is_bool()) {
    d["DeletionProtectionEnabled"] = *p;
  }
  for (std::string_view kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
    const Value* indexes = input.Find(kind);
    if (indexes == nullptr || !indexes->is_list()) continue;
    ValueList out;
    for (const Value& index : indexes->as_list()) {
      const Value* index_keys = index.Find("KeySchema");
      if (index_keys == nullptr) {
        return tl::unexpected(
            DynamoValidation("1 validation error detected: Value null at "
                             "'globalSecondaryIndexes.1.member.keySchema' failed to satisfy "
                             "constraint: Member must not be null"));
      }
      if (auto ok = ValidateKeySchema(input, *index_keys, "keySchema"); !ok) {
        return tl::unexpected(ok.error());
      }
      Value copy = index;
      copy.Set("IndexArn", TableArn(name) + "/index/" + Str(index, "IndexName"));
      if (kind == "GlobalSecondaryIndexes") {
        copy.Set("IndexStatus", "ACTIVE");
        if (copy.Find("ProvisionedThroughput") == nullptr) {
          copy.Set("ProvisionedThroughput", Value(ValueMap{{"NumberOfDecreasesToday", Value(0)},
                                                           {"ReadCapacityUnits", Value(0)},
                                                           {"WriteCapacityUnits", Value(0)}}));
        }
      }
      out.push_back(std::move(copy));
    }
    d[std::string(kind)] = Value(std::move(out));
  }
  if (const Value* stream = input.Find("StreamSpecification"); stream && stream->is_map()) {
    d["StreamSpecification"] = *stream;
    const Value* enabled = stream->Find("StreamEnabled");
    if (enabled && enabled->is_bool() && enabled->as_bool()) {
      std::string label = IsoLabel(now);
      d["LatestStreamLabel"] = label;
      d["LatestStreamArn"] = TableArn(name) + "/stream/" + label;
    }
  }
  if (const Value* sse = input.Find("SSESpecification"); sse && sse->is_map()) {
    d["SSEDescription"] = Value(ValueMap{{"Status", Value("ENABLED")}, {"SSEType", Value("KMS")}});
  }
  DynamoTable table;
  table.description = Value(std::move(d));
  if (const Value* tags = input.Find("Tags"); tags && tags->is_list()) {
    for (const Value& tag : tags->as_list()) table.tags[Str(tag, "Key")] = Str(tag, "Value");
  }
  auto [it, inserted] = tables_.emplace(name, std::move(table));
  (void)inserted;
  return DescribeTable(name);
}

SimResult<void> DynamoDbStore::DeleteTable(std::string_view name) {
  auto it = tables_.find(name);
  if (it == tables_.end()) return tl::unexpected(DynamoTableNotFound(name));
  const Value* protect = it->second.description.Find("DeletionProtectionEnabled");
  if (protect && protect->is_bool() && protect->as_bool()) {
    return tl::unexpected(DynamoValidation(
        fmt::format("Resource cannot be deleted as it is currently protected against "
                    "deletion. Disable deletion protection first.")));
  }
  tables_.erase(it);
  return {};
}

bool DynamoDbStore::HasTable(std::string_view name) const { return tables_.count(name) != 0; }

DynamoTable* DynamoDbStore::FindTable(std::string_view name) {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : &it->second;
}

const DynamoTable* DynamoDbStore::FindTable(std::string_view name) const {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : &it->second;
}

SimResult<Value> DynamoDbStore::DescribeTable(std::string_view name) const {
  const DynamoTable* table = FindTable(name);
  if (table == nullptr) return tl::unexpected(DynamoTableNotFound(name));
  Value d = table->description;
  size_t bytes = 0;
  for (const auto& [key, item] : table->items) bytes += ItemSize(item);
  d.Set("ItemCount", static_cast<int64_t>(table->items.size()));
  d.Set("TableSizeBytes", static_cast<int64_t>(bytes));
  if (auto gsis = d.as_map().find("GlobalSecondaryIndexes");
      gsis != d.as_map().end() && gsis->second.is_list()) {
    for (Value& index : gsis->second.as_list()) {
      auto [hash, range] = KeyNames(*index.Find("KeySchema"));
      int64_t count = 0;
      for (const auto& [key, item] : table->items) {
        if (item.Find(hash) && (range.empty() || item.Find(range))) ++count;
      }
      index.Set("ItemCount", count);
      index.Set("IndexSizeBytes", static_cast<int64_t>(0));
    }
  }
  return d;
}

SimResult<std::string> DynamoDbStore::KeyOf(const DynamoTable& table, const Value& item_or_key,
                                            bool is_item) const {
  if (!item_or_key.is_map()) {
    return tl::unexpected(DynamoValidation("The provided key element does not match the schema"));
  }
  auto [hash, range] = KeyNames(*table.description.Find("KeySchema"));
  if (!is_item) {
    size_t expected = range.empty() ? 1 : 2;
    if (item_or_key.as_map().size() != expected) {
      return tl::unexpected(DynamoValidation("The provided key element does not match the schema"));
    }
  }
  std::string key;
  for (const std::string& name : {hash, range}) {
    if (name.empty()) continue;
    const Value* attribute = item_or_key.Find(name);
    if (attribute == nullptr) {
      return tl::unexpected(
          DynamoValidation(is_item ? fmt::format("One or more parameter values were invalid: "
                                                 "Missing the key {} in the item",
                                                 name)
                                   : std::string("The provided key element does not match "
                                                 "the schema")));
    }
    std::string expected = AttributeType(table.description, name);
    std::string actual = TypeOf(*attribute);
    if (actual != expected) {
      return tl::unexpected(
          DynamoValidation(is_item ? fmt::format("One or more parameter values were invalid: "
                                                 "Type mismatch for key {} expected: {} "
                                                 "actual: {}",
                                                 name, expected, actual)
                                   : std::string("The provided key element does not match "
                                                 "the schema")));
    }
    const Value& scalar = attribute->as_map().begin()->second;
    if (scalar.is_string() && scalar.as_string().empty()) {
      return tl::unexpected(DynamoValidation(
          fmt::format("One or more parameter values are not valid. The AttributeValue "
                      "for a key attribute cannot contain an empty string value. Key: {}",
                      name)));
    }
    key += attribute->ToJson();
    key += '\x1f';
  }
  return key;
}

namespace {

// The canonical key of `item_or_key` in `table` for an item operation;
// ResourceNotFoundException, worded as the item APIs word it, when `table`
// is null.
SimResult<std::string> ItemKey(const DynamoDbStore& store, const DynamoTable* table,
                               const Value& item_or_key, bool is_item) {
  if (table == nullptr) {
    return tl::unexpected(
        SimError{400, "ResourceNotFoundException", "Requested resource not found"});
  }
  return store.KeyOf(*table, item_or_key, is_item);
}

}  // namespace

SimResult<void> DynamoDbStore::PutItem(std::string_view table_name, const Value& item) {
  DynamoTable* table = FindTable(table_name);
  auto key = ItemKey(*this, table, item, /*is_item=*/true);
  if (!key) return tl::unexpected(key.error());
  table->items[*key] = item;
  return {};
}

size_t DynamoDbStore::ItemCount(std::string_view table_name) const {
  const DynamoTable* table = FindTable(table_name);
  return table ? table->items.size() : 0;
}

SimResult<Value> DynamoDbStore::GetItem(std::string_view table_name, const Value& key) const {
  const DynamoTable* table = FindTable(table_name);
  auto k = ItemKey(*this, table, key, /*is_item=*/false);
  if (!k) return tl::unexpected(k.error());
  auto it = table->items.find(*k);
  return it == table->items.end() ? Value() : it->second;
}

SimResult<Value> DynamoDbStore::DeleteItem(std::string_view table_name, const Value& key) {
  DynamoTable* table = FindTable(table_name);
  auto k = ItemKey(*this, table, key, /*is_item=*/false);
  if (!k) return tl::unexpected(k.error());
  auto it = table->items.find(*k);
  if (it == table->items.end()) return Value();
  Value old = std::move(it->second);
  table->items.erase(it);
  return old;
}

namespace {

Value TagsToValue(const std::map<std::string, std::string>& tags) {
  ValueMap out;
  for (const auto& [k, v] : tags) out[k] = v;
  return Value(std::move(out));
}

Value ItemsToValue(const std::map<std::string, Value>& items) {
  ValueList out;
  for (const auto& [key, item] : items) out.push_back(item);
  return Value(std::move(out));
}

// Reads the "items" list of a dumped table or backup into `items`, keyed by
// `shape`'s key schema; the error of the first item whose key does not fit.
SimResult<void> LoadItems(const DynamoDbStore& store, const DynamoTable& shape, const Value& dumped,
                          std::map<std::string, Value>& items) {
  const Value* list = dumped.Find("items");
  if (list == nullptr || !list->is_list()) return {};
  for (const Value& item : list->as_list()) {
    auto key = store.KeyOf(shape, item, /*is_item=*/true);
    if (!key) return tl::unexpected(key.error());
    items[*key] = item;
  }
  return {};
}

}  // namespace

Value DynamoDbStore::Dump() const {
  ValueMap tables;
  for (const auto& [name, table] : tables_) {
    tables[name] = Value(ValueMap{{"description", table.description},
                                  {"items", ItemsToValue(table.items)},
                                  {"pitr", Value(table.pitr)},
                                  {"tags", TagsToValue(table.tags)},
                                  {"pitr_enabled_at", Value(table.pitr_enabled_at.unix_ms)}});
  }
  ValueMap backups;
  for (const auto& [arn, backup] : backups_) {
    backups[arn] = Value(ValueMap{{"details", backup.details},
                                  {"table", backup.table},
                                  {"items", ItemsToValue(backup.items)}});
  }
  ValueMap exports;
  for (const auto& [arn, e] : exports_) exports[arn] = e;
  return Value(ValueMap{{"tables", Value(std::move(tables))},
                        {"backups", Value(std::move(backups))},
                        {"exports", Value(std::move(exports))},
                        {"next_table_id", Value(next_table_id_)}});
}

Result<void> DynamoDbStore::Load(const Value& state) {
  Reset();
  if (!state.is_map()) return {};
  auto corrupt = [](const std::string& what) {
    return MakeError(ErrorCode::kCorruption, "dynamodb state: " + what);
  };
  if (const Value* n = state.Find("next_table_id"); n && n->is_int()) {
    next_table_id_ = static_cast<int>(n->as_int());
  }
  if (const Value* tables = state.Find("tables"); tables && tables->is_map()) {
    for (const auto& [name, t] : tables->as_map()) {
      const Value* description = t.Find("description");
      if (description == nullptr || !description->is_map()) {
        return corrupt("table " + name + " has no description");
      }
      DynamoTable table;
      table.description = *description;
      if (const Value* p = t.Find("pitr"); p && p->is_bool()) table.pitr = p->as_bool();
      if (const Value* tags = t.Find("tags"); tags && tags->is_map()) {
        for (const auto& [k, v] : tags->as_map()) {
          if (v.is_string()) table.tags[k] = v.as_string();
        }
      }
      if (const Value* p = t.Find("pitr_enabled_at"); p && p->is_int()) {
        table.pitr_enabled_at = Timestamp{p->as_int()};
      }
      if (auto loaded = LoadItems(*this, table, t, table.items); !loaded) {
        return corrupt("table " + name + ": " + loaded.error().message);
      }
      tables_[name] = std::move(table);
    }
  }
  if (const Value* backups = state.Find("backups"); backups && backups->is_map()) {
    for (const auto& [arn, b] : backups->as_map()) {
      DynamoBackup backup;
      if (const Value* d = b.Find("details")) backup.details = *d;
      if (const Value* d = b.Find("table")) backup.table = *d;
      DynamoTable shape;
      shape.description = backup.table;
      if (auto loaded = LoadItems(*this, shape, b, backup.items); !loaded) {
        return corrupt("backup " + arn + ": " + loaded.error().message);
      }
      backups_[arn] = std::move(backup);
    }
  }
  if (const Value* exports = state.Find("exports"); exports && exports->is_map()) {
    for (const auto& [arn, e] : exports->as_map()) exports_[arn] = e;
  }
  return {};
}

void DynamoDbStore::Reset() {
  tables_.clear();
  backups_.clear();
  exports_.clear();
  next_table_id_ = 1;
}

}  // namespace flightplan::cloudsim
