#include "bench/local_sim.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace flightplan::bench {

SimCredentials::SimCredentials(const cloudsim::SimConfig& config) {
  credentials_.access_key_id = config.access_key;
  credentials_.secret_access_key = config.secret_key;
}

LocalSim::LocalSim(Clock& clock) : simulator(config, &clock), server(&simulator) {
  auto bound = server.Bind("127.0.0.1", 0);
  if (!bound) {
    fmt::print(stderr, "cannot serve the simulator on loopback: {}\n", bound.error().message());
    std::exit(1);
  }
  port = *bound;
  server.ServeInBackground();
}

LocalSim::~LocalSim() { server.Stop(); }

aws::AwsClientOptions LocalSim::ClientOptions() const {
  aws::AwsClientOptions options;
  options.endpoints.region = config.region;
  options.endpoints.endpoint_url = fmt::format("http://127.0.0.1:{}", port);
  return options;
}

}  // namespace flightplan::bench
