#include "cli/command.h"

namespace flightplan::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {};
  return kCommands;
}

}  // namespace flightplan::cli
