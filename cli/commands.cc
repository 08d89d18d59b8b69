#include "cli/command.h"

namespace flightplan::cli {

extern const Command kRunCommand;
extern const Command kResumeCommand;
extern const Command kRollbackCommand;
extern const Command kStatusCommand;
extern const Command kHistoryCommand;
extern const Command kResolveCommand;
extern const Command kAuditCommand;
extern const Command kLeaseCommand;
extern const Command kWorkflowsCommand;
extern const Command kDoctorCommand;
extern const Command kAssessCommand;
extern const Command kGenerateCommand;
extern const Command kLockCommand;
extern const Command kPlanCommand;
extern const Command kBackupCommand;
extern const Command kCloneCommand;
extern const Command kRefactorCommand;
extern const Command kShiftCommand;
extern const Command kDecommissionCommand;
extern const Command kDriftCommand;
extern const Command kCleanupCommand;
extern const Command kStateCommand;
extern const Command kSchemaCommand;
extern const Command kDataCommand;

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      kRunCommand,     kResumeCommand,   kRollbackCommand, kStatusCommand,    kHistoryCommand,
      kResolveCommand, kAuditCommand,    kLeaseCommand,    kWorkflowsCommand, kDoctorCommand,
      kAssessCommand,  kGenerateCommand, kPlanCommand,     kDriftCommand,     kLockCommand,
      kBackupCommand,  kCloneCommand,    kRefactorCommand, kShiftCommand,     kDecommissionCommand,
      kCleanupCommand, kStateCommand,    kSchemaCommand,   kDataCommand,
  };
  return kCommands;
}

}  // namespace flightplan::cli
