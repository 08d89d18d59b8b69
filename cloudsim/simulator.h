// The simulator behind the HTTP server: authenticates and routes AWS
// requests to the services, applies fault rules, keeps the request log,
// serves the /_sim/ control API and persists state to --state-dir.
//
// Control API (JSON in and out, unsigned, loopback only):
//   GET    /_sim/health             {"status": "ok", "account": ..., "region": ...}
//   POST   /_sim/reset              forget everything (faults and log too)
//   POST   /_sim/seed               {"fixture": "<app dir>"} -> what was created
//   GET    /_sim/faults             the live rules
//   POST   /_sim/faults             a rule (faults.h) -> {"id": ...}
//   DELETE /_sim/faults[?id=ID]     remove one or all rules
//   GET    /_sim/log[?service=&operation=&since=SEQ]  request log entries
//   DELETE /_sim/log                clear the log
//   GET    /_sim/state              the whole state (World::Dump)
//   POST   /_sim/mutate             {"service": ..., "action": ..., ...} out-of-band change
//   POST   /_sim/config             {"operation_delay_ms": N}
//
// Thread-safety: Handle may be called from many threads; requests are
// serialised on the World's mutex (latency faults sleep outside it).
#ifndef FLIGHTPLAN_CLOUDSIM_SIMULATOR_H_
#define FLIGHTPLAN_CLOUDSIM_SIMULATOR_H_

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "cloudsim/service.h"
#include "cloudsim/sim.h"
#include "cloudsim/world.h"

namespace flightplan::cloudsim {

struct LogEntry {
  int64_t seq = 0;
  Timestamp time;
  std::string service;
  std::string operation;
  Value params;  // key parameters (Service::LogParams)
  int status = 0;
  std::string error_code;  // empty on success
  std::string caller;      // caller ARN, empty when unauthenticated
  int64_t duration_us = 0;

  Value ToValue() const;
};

class Simulator {
 public:
  // `state_dir`: when set, state is loaded from and saved to
  // <state_dir>/state.json (written atomically after each change).
  Simulator(SimConfig config, Clock* clock,
            std::optional<std::filesystem::path> state_dir = std::nullopt);

  // Loads <state_dir>/state.json when it exists. Errors: kCorruption for a
  // file that is not a simulator state; kStateFile when it cannot be read.
  Result<void> LoadState();

  // Seeds the account from a fixture app directory (seed.h).
  Result<Value> Seed(const std::filesystem::path& app_dir);

  Response Handle(const Request& request);

  World& world() { return world_; }
  std::vector<LogEntry> Log() const;

 private:
  Response HandleControl(const Request& request);
  Response HandleAws(Request request);
  Service* FindService(std::string_view signing_name) const;
  void TickAll();
  Result<void> Persist();
  void Record(LogEntry entry);

  World world_;
  std::vector<std::unique_ptr<Service>> services_;
  std::optional<std::filesystem::path> state_dir_;
  std::deque<LogEntry> log_;
  int64_t next_seq_ = 1;
  uint64_t request_counter_ = 0;
};

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_SIMULATOR_H_
