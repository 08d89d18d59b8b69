// How many items of a model's table answer each of a few questions about
// their attributes: what `flightplan schema diff --app-id --branch` attaches
// to a schema change ("`completed` becomes required: 1,234 of 1,240 items
// lack it"). One scan of the table, page by page (memory stays one page).
#ifndef FLIGHTPLAN_STEPS_DATA_ITEM_CENSUS_H_
#define FLIGHTPLAN_STEPS_DATA_ITEM_CENSUS_H_

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "steps/aws/client_pool.h"
#include "steps/data/data_target.h"

namespace flightplan::data {

struct ItemQuestion {
  enum class Kind {
    kLacks,   // the attribute is absent or NULL
    kHas,     // the attribute is present and not NULL
    kEquals,  // the attribute is the string `value` (an enum value)
  };
  Kind kind = Kind::kHas;
  std::string attribute;
  std::string value;
};

struct ItemCensus {
  std::string table;
  int64_t items = 0;             // items scanned
  std::vector<int64_t> answers;  // per question, the items that answer yes
};

// Resolves `target`'s table (data_target.h: by model through the branch's
// backend stack, or by name) and scans it once. Errors are ResolveTable's
// and the scan's, naming the table.
[[nodiscard]] Result<ItemCensus> CountItems(aws::ClientPool& clients, Clock& clock,
                                            const DataTarget& target,
                                            const std::vector<ItemQuestion>& questions);

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_ITEM_CENSUS_H_
