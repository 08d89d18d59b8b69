// Bounds a YAML document before it is loaded. yaml-cpp's YAML::Load keeps an
// alias as one node shared with its anchor, so loading is cheap; what blows up
// is every walk that copies the tree: nested aliases ("billion laughs": eight
// levels of ten aliases) repeat a few hundred bytes 10^8 times. This reads the
// document's events once, without building nodes, and counts the nodes a walk
// would visit, an alias counting every node of what it repeats.
//
// Thread-safety: a pure function of its arguments.
#ifndef FLIGHTPLAN_BASE_YAML_BOUNDS_H_
#define FLIGHTPLAN_BASE_YAML_BOUNDS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace flightplan {

// Where a document was refused, 1-based as editors count.
struct YamlPosition {
  int line = 0;
  int column = 0;
};

struct YamlBoundsProblem {
  YamlPosition at;   // the node (often an alias) that went past the bound
  std::string what;  // a sentence for a person, without the position
};

// Counts the nodes of `text`'s first document (the one YAML::Load reads),
// aliases expanded, and returns a problem at the node that makes the count
// pass `max_nodes`; nullopt when the document stays within it. Syntax errors
// are not reported here: YAML::Load reports them, at the same place, after
// this check has bounded what it builds. Runs in time linear in `text`.
std::optional<YamlBoundsProblem> CheckYamlNodeCount(std::string_view text, size_t max_nodes);

}  // namespace flightplan

#endif  // FLIGHTPLAN_BASE_YAML_BOUNDS_H_
