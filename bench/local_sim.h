// LocalSim: the simulator (cloudsim/) served over real HTTP on a loopback
// port inside the benchmark's process, with the credentials and client
// options that reach it — what the benchmarks that measure flightplan's AWS
// calls against the simulator share.
//
// Everything here is for bench/ only; none of it is linked into flightplan.
// Thread-safety: as the Simulator and HttpServer it holds.
#ifndef FLIGHTPLAN_BENCH_LOCAL_SIM_H_
#define FLIGHTPLAN_BENCH_LOCAL_SIM_H_

#include "base/clock.h"
#include "base/credentials.h"
#include "cloudsim/server.h"
#include "cloudsim/simulator.h"
#include "steps/aws/aws_client.h"

namespace flightplan::bench {

// The simulator's own key pair, always.
class SimCredentials final : public CredentialsProvider {
 public:
  explicit SimCredentials(const cloudsim::SimConfig& config);
  Result<AwsCredentials> Get() override { return credentials_; }

 private:
  AwsCredentials credentials_;
};

// Binds 127.0.0.1 on a free port and serves in the background until
// destroyed; a benchmark that cannot bind exits with a message. `clock`
// must outlive it.
class LocalSim {
 public:
  explicit LocalSim(Clock& clock);
  ~LocalSim();
  LocalSim(const LocalSim&) = delete;
  LocalSim& operator=(const LocalSim&) = delete;

  // The region and endpoint of this simulator; everything else default.
  aws::AwsClientOptions ClientOptions() const;

  cloudsim::SimConfig config;
  cloudsim::Simulator simulator;
  cloudsim::HttpServer server;
  SimCredentials credentials{config};
  int port = 0;
};

}  // namespace flightplan::bench

#endif  // FLIGHTPLAN_BENCH_LOCAL_SIM_H_
