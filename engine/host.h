// Host seam: who and where this process is, and whether another process on
// this host still exists. Leases use it to name their holder and to recognise
// a holder that died on this machine. Real one: steps/sys/system_host.h.
#ifndef FLIGHTPLAN_ENGINE_HOST_H_
#define FLIGHTPLAN_ENGINE_HOST_H_

#include <cstdint>
#include <string>

namespace flightplan {

class Host {
 public:
  virtual ~Host() = default;
  virtual std::string UserName() const = 0;
  virtual std::string HostName() const = 0;
  virtual int64_t ProcessId() const = 0;
  // False only when the process certainly does not exist on this host.
  virtual bool IsProcessAlive(int64_t pid) const = 0;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_ENGINE_HOST_H_
