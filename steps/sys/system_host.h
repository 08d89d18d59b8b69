// The real Host: getpwuid/gethostname/getpid, and kill(pid, 0) to tell
// whether a process still exists.
#ifndef FLIGHTPLAN_STEPS_SYS_SYSTEM_HOST_H_
#define FLIGHTPLAN_STEPS_SYS_SYSTEM_HOST_H_

#include "engine/host.h"

namespace flightplan {

class SystemHost final : public Host {
 public:
  std::string UserName() const override;
  std::string HostName() const override;
  int64_t ProcessId() const override;
  bool IsProcessAlive(int64_t pid) const override;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_STEPS_SYS_SYSTEM_HOST_H_
