#include "cli/command.h"

namespace flightplan::cli {

Command AssessCommand();
Command GenerateCommand();

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      AssessCommand(),
      GenerateCommand(),
  };
  return kCommands;
}

}  // namespace flightplan::cli
