#include "cli/command.h"

namespace flightplan::cli {

extern const Command kDoctorCommand;

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      kDoctorCommand,
  };
  return kCommands;
}

}  // namespace flightplan::cli
