// The real ProcessRunner: fork + execvp, output captured through pipes, the
// child in its own process group and killed with its parent (PR_SET_PDEATHSIG)
// so a flightplan that dies cannot leave a step's command running behind it.
//
// Thread-safety: Run keeps no state; several threads may call it at once.
// The child is tied to the calling thread (PR_SET_PDEATHSIG fires when the
// forking thread exits), which Run blocks until the child is gone. SIGPIPE
// from writing a child's standard input is blocked for the call and never
// reaches the process.
#ifndef FLIGHTPLAN_STEPS_SYS_POSIX_PROCESS_RUNNER_H_
#define FLIGHTPLAN_STEPS_SYS_POSIX_PROCESS_RUNNER_H_

#include "engine/process_runner.h"

namespace flightplan {

class PosixProcessRunner final : public ProcessRunner {
 public:
  Result<ProcessResult> Run(const ProcessSpec& spec) override;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_STEPS_SYS_POSIX_PROCESS_RUNNER_H_
