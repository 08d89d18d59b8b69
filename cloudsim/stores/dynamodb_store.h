// DynamoDB state of the simulated account: tables with their items, backups
// (which keep a copy of the items) and exports.
//
// A table is its TableDescription (the CreateTable input completed with the
// fields DescribeTable reports) and its items, keyed by the canonical JSON of
// their key attributes. Deleting a table destroys its items. Errors carry the
// code and status DynamoDB answers with (ResourceNotFoundException,
// ResourceInUseException, ValidationException) and its messages.
//
// Thread-safety: none; the World's mutex guards every call.
#ifndef FLIGHTPLAN_CLOUDSIM_STORES_DYNAMODB_STORE_H_
#define FLIGHTPLAN_CLOUDSIM_STORES_DYNAMODB_STORE_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "cloudsim/sim.h"

namespace flightplan::cloudsim {

struct DynamoTable {
  Value description;                   // TableDescription, without ItemCount/TableSizeBytes
  std::map<std::string, Value> items;  // canonical key -> item
  bool pitr = false;                   // point-in-time recovery enabled
  Timestamp pitr_enabled_at;
  std::map<std::string, std::string> tags;
};

struct DynamoBackup {
  Value details;  // BackupDetails
  Value table;    // the table's description when backed up
  std::map<std::string, Value> items;
};

class DynamoDbStore {
 public:
  // `input` in the CreateTable API shape; returns the TableDescription.
  // ResourceInUseException when it exists, ValidationException for a key
  // schema that names undefined attributes or is malformed.
  SimResult<Value> CreateTable(const Value& input, Timestamp now);
  // ResourceNotFoundException; ValidationException while deletion
  // protection is on.
  SimResult<void> DeleteTable(std::string_view name);
  bool HasTable(std::string_view name) const;
  // TableDescription with ItemCount and TableSizeBytes.
  SimResult<Value> DescribeTable(std::string_view name) const;
  // `item` in AttributeValue form {"id": {"S": "1"}}; replaces an item with
  // the same key. ResourceNotFoundException, ValidationException for a
  // missing or mistyped key attribute.
  SimResult<void> PutItem(std::string_view table, const Value& item);
  size_t ItemCount(std::string_view table) const;  // 0 when absent

  // The item with `key` (only key attributes), null Value when absent.
  SimResult<Value> GetItem(std::string_view table, const Value& key) const;
  // Removes the item; returns the old one (null when there was none).
  SimResult<Value> DeleteItem(std::string_view table, const Value& key);

  // The canonical key of `item_or_key` in `table`: validates the key
  // attributes against the KeySchema. `is_item` picks the message DynamoDB
  // gives (a missing key in an item vs a key that does not match the schema).
  SimResult<std::string> KeyOf(const DynamoTable& table, const Value& item_or_key,
                               bool is_item) const;

  DynamoTable* FindTable(std::string_view name);
  const DynamoTable* FindTable(std::string_view name) const;
  std::map<std::string, DynamoTable, std::less<>>& tables() { return tables_; }
  const std::map<std::string, DynamoTable, std::less<>>& tables() const { return tables_; }
  std::map<std::string, DynamoBackup, std::less<>>& backups() { return backups_; }
  std::map<std::string, Value, std::less<>>& exports() { return exports_; }

  // Region and account for ARNs; set by the service before use (defaults
  // match SimConfig's).
  void SetAccount(std::string region, std::string account_id);
  std::string TableArn(std::string_view table) const;

  Value Dump() const;
  Result<void> Load(const Value& state);
  void Reset();

 private:
  std::map<std::string, DynamoTable, std::less<>> tables_;
  std::map<std::string, DynamoBackup, std::less<>> backups_;  // by ARN
  std::map<std::string, Value, std::less<>> exports_;         // ExportDescription by ARN
  std::string region_ = "us-east-1";
  std::string account_id_ = "123456789012";
  int next_table_id_ = 1;
};

// Errors DynamoDB gives.
SimError DynamoValidation(std::string message);        // ValidationException
SimError DynamoTableNotFound(std::string_view table);  // ResourceNotFoundException

// The key attribute names of a KeySchema: [hash, range] (range may be "").
std::pair<std::string, std::string> KeyNames(const Value& key_schema);

// Rough item size in bytes (names plus values), for TableSizeBytes.
size_t ItemSize(const Value& item);

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_STORES_DYNAMODB_STORE_H_
