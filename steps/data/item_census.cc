#include "steps/data/item_census.h"

#include <fmt/format.h>

#include "steps/aws/values.h"

namespace flightplan::data {
namespace {

// More pages than any table has (1 MB each: an exabyte); the loop stops by
// itself even if a faulty service answered with keys forever.
constexpr int64_t kMaxPages = int64_t{1} << 40;

bool Answers(const ItemQuestion& q, const Value& item) {
  const Value* a = item.Find(q.attribute);
  bool present = a != nullptr && a->is_map() && a->Find("NULL") == nullptr;
  switch (q.kind) {
    case ItemQuestion::Kind::kLacks:
      return !present;
    case ItemQuestion::Kind::kHas:
      return present;
    case ItemQuestion::Kind::kEquals: {
      const Value* s = present ? a->Find("S") : nullptr;
      return s != nullptr && s->is_string() && s->as_string() == q.value;
    }
  }
  return false;
}

}  // namespace

Result<ItemCensus> CountItems(aws::ClientPool& clients, Clock& clock, const DataTarget& target,
                              const std::vector<ItemQuestion>& questions) {
  ASSIGN_OR_RETURN(aws::AwsClient * client, clients.Get(target.profile, target.region));
  ItemCensus census;
  ASSIGN_OR_RETURN(census.table, ResolveTable(*client, clock, target));
  census.answers.assign(questions.size(), 0);
  Value params(ValueMap{});
  params.Set("TableName", census.table);
  for (int64_t page = 0; page < kMaxPages; ++page) {
    aws::AwsResult out = client->Call("dynamodb", "Scan", params);
    if (!out) {
      return MakeError(
          out.error().ToError().WithContext(fmt::format("counting the items of {}", census.table)));
    }
    for (const Value& item : aws::ListAt(*out, "Items")) {
      census.items += 1;
      for (size_t i = 0; i < questions.size(); ++i) {
        if (Answers(questions[i], item)) census.answers[i] += 1;
      }
    }
    const Value* last = out->Find("LastEvaluatedKey");
    if (last == nullptr || !last->is_map() || last->as_map().empty()) break;
    params.Set("ExclusiveStartKey", *last);
  }
  return census;
}

}  // namespace flightplan::data
