// DynamoDB items as the plain JSON a transform sees, and back.
//
// An item's attributes arrive as AttributeValues ({"S": "x"}, {"N": "1.5"},
// {"M": {...}}); transforms (jq programs, commands) see plain JSON, as the
// AWS SDKs' document clients show it: S and B are strings (B base64), N a
// number, BOOL a boolean, NULL null, M an object, L an array, SS/NS/BS arrays.
//
// Going back, an attribute the transform left equal is not written at all
// (ItemChanges), so a number's digits or a set's type are never lost unless
// the transform changed that attribute; a changed or new attribute takes its
// type from its JSON (an array of strings that replaces a string set stays a
// string set).
#ifndef FLIGHTPLAN_STEPS_DATA_ITEM_JSON_H_
#define FLIGHTPLAN_STEPS_DATA_ITEM_JSON_H_

#include <string>
#include <vector>

#include "base/error.h"
#include "base/value.h"

namespace flightplan::data {

// A whole item (a map of AttributeValues) as plain JSON. kInvalidInput for
// an AttributeValue of no known type.
[[nodiscard]] Result<Value> ItemToJson(const Value& item);

// One plain JSON value as an AttributeValue; `was` is the attribute it
// replaces (null when new), whose set type a JSON array keeps. kInvalidInput
// for what DynamoDB cannot store (an empty string set, a non-finite number).
[[nodiscard]] Result<Value> JsonToAttribute(const Value& json, const Value& was);

// A whole item from plain JSON (an object), each attribute by
// JsonToAttribute as new (a JSON null is stored as NULL, as the document
// clients do). kInvalidInput naming the attribute DynamoDB cannot store.
[[nodiscard]] Result<Value> ItemFromJson(const Value& json);

// What turns `before` (an item) into `after` (the transform's plain JSON):
// the attributes to set (as AttributeValues) and the ones to remove.
struct ItemChanges {
  ValueMap set;
  std::vector<std::string> remove;
  bool empty() const { return set.empty() && remove.empty(); }
};
[[nodiscard]] Result<ItemChanges> Diff(const Value& before_item, const Value& after_json);

// The item (AttributeValues) as it will be after `changes`.
Value ApplyChanges(const Value& item, const ItemChanges& changes);

// A stable digest of an item, to recognise it again as DynamoDB returns it:
// equal for two items that differ only in the text of their numbers ("1e+21",
// "1000000000000000000000") or the order of their sets' members. An item
// whose numbers are in DynamoDB's form and whose sets are in order digests
// as its JSON (what checkpoints of earlier versions hold).
std::string ItemDigest(const Value& item);

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_ITEM_JSON_H_
