// A parent's records of one kind, kept by name — an Amplify app's branches,
// backend environments and domains, a Cognito pool's clients, users, groups
// and identity providers — and the look-ups every store makes in them: find
// the parent, then the record, answering each service's own error when
// either is missing.
//
// Thread-safety: none; the World's mutex guards every store call.
#ifndef FLIGHTPLAN_CLOUDSIM_STORES_RECORDS_H_
#define FLIGHTPLAN_CLOUDSIM_STORES_RECORDS_H_

#include <string_view>
#include <vector>

#include "base/value.h"
#include "cloudsim/sim.h"

namespace flightplan::cloudsim {

// Records by name; listings come in name order.
using Records = ValueMap;

// The error a service answers for a missing record: its status, its code and
// a message in which "{}", if present, stands for the record's name
// ("Branch {} not found.").
struct MissingRecord {
  int status;
  std::string_view code;
  std::string_view message;

  SimError For(std::string_view name) const;
};

// The look-ups below take the store's RequireApp/RequirePool result as
// `parent` (its error is passed on unchanged) and the parent's collection as
// `field` (&App::branches).

// The record `name` of the parent's `field`, to change in place.
template <typename Parent>
SimResult<Value*> FindChild(const SimResult<Parent*>& parent, Records Parent::*field,
                            std::string_view name, const MissingRecord& missing) {
  if (!parent) return tl::unexpected(parent.error());
  Records& records = (*parent)->*field;
  auto it = records.find(name);
  if (it == records.end()) return tl::unexpected(missing.For(name));
  return &it->second;
}

// A copy of the record `name` of the parent's `field`.
template <typename Parent>
SimResult<Value> GetChild(const SimResult<const Parent*>& parent, Records Parent::*field,
                          std::string_view name, const MissingRecord& missing) {
  if (!parent) return tl::unexpected(parent.error());
  const Records& records = (*parent)->*field;
  auto it = records.find(name);
  if (it == records.end()) return tl::unexpected(missing.For(name));
  return it->second;
}

// Every record of the parent's `field`, in name order.
template <typename Parent>
SimResult<std::vector<Value>> ListChildren(const SimResult<const Parent*>& parent,
                                           Records Parent::*field) {
  if (!parent) return tl::unexpected(parent.error());
  std::vector<Value> out;
  for (const auto& [name, record] : (*parent)->*field) out.push_back(record);
  return out;
}

// Removes the record `name` from the parent's `field` and returns it.
template <typename Parent>
SimResult<Value> TakeChild(const SimResult<Parent*>& parent, Records Parent::*field,
                           std::string_view name, const MissingRecord& missing) {
  if (!parent) return tl::unexpected(parent.error());
  Records& records = (*parent)->*field;
  auto it = records.find(name);
  if (it == records.end()) return tl::unexpected(missing.For(name));
  Value out = std::move(it->second);
  records.erase(it);
  return out;
}

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_STORES_RECORDS_H_
