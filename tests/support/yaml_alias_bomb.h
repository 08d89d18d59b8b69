// The "billion laughs" YAML document the bad-input tests feed to every YAML
// reader (the workflow loader, the simulator's template parser, the binary).
#ifndef FLIGHTPLAN_TESTS_SUPPORT_YAML_ALIAS_BOMB_H_
#define FLIGHTPLAN_TESTS_SUPPORT_YAML_ALIAS_BOMB_H_

#include <string>

namespace flightplan::testing {

// Entries of a YAML block map, each line indented by `indent` spaces:
// `l0: &l0` a list of `width` strings, then `levels` entries each a list of
// `width` aliases of the entry before, so the last one expands to
// width^(levels+1) strings.
inline std::string YamlAliasBomb(int levels, int width, int indent = 0) {
  const std::string margin(indent, ' ');
  std::string text = margin + "l0: &l0 [";
  for (int i = 0; i < width; ++i) text += i == 0 ? "\"lol\"" : ", \"lol\"";
  text += "]\n";
  for (int level = 1; level <= levels; ++level) {
    text += margin + "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < width; ++i) {
      text += (i == 0 ? "*l" : ", *l") + std::to_string(level - 1);
    }
    text += "]\n";
  }
  return text;
}

}  // namespace flightplan::testing

#endif  // FLIGHTPLAN_TESTS_SUPPORT_YAML_ALIAS_BOMB_H_
