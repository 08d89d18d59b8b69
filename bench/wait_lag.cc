// wait_lag: how long after a CloudFormation operation finishes flightplan
// notices, and how many calls per minute its waiting costs — the figures
// behind "resumable refactors that do not time out" (issue 13).
//
// The local simulator keeps each stack update *_IN_PROGRESS for D (its
// operation delay), then completes it. For each D, two stacks are updated
// at the same moment: flightplan waits on one with the waiter and the wait
// options every migration step uses (StepWaitOptions), and the peer — AWS's
// migration tool's way, a fixed poll every 12 s — waits on the other, in a
// second thread, through the same client. Lag = when the waiter returned −
// when the operation finished. A figure beside its peer; no gate.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "bench/local_sim.h"
#include "engine/step.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/cloudformation.h"
#include "steps/aws/values.h"
#include "steps/migration/step_support.h"
#include "steps/net/curl_transport.h"

namespace flightplan::bench {
namespace {

using Seconds = std::chrono::duration<double>;
using Steady = std::chrono::steady_clock;

constexpr std::chrono::seconds kPeerPoll{12};  // AWS's tool polls every 12–15 s

std::string Template(int version) {
  return fmt::format(
      R"({{"Resources": {{"Handle": {{"Type": "AWS::CloudFormation::WaitConditionHandle",
      "Metadata": {{"version": {}}}}}}}}})",
      version);
}

struct Figures {
  double lag_s = 0;
  int polls = 0;
};

int Fail(const std::string& what, const Error& error) {
  fmt::print(stderr, "wait_lag: {}: {}\n", what, error.ToString());
  return 1;
}

}  // namespace
}  // namespace flightplan::bench

int main() {
  using namespace flightplan;
  using namespace flightplan::bench;
  std::vector<int> delays = {3, 10, 25, 50};
  if (const char* env = std::getenv("FLIGHTPLAN_BENCH_WAIT_DELAYS")) {
    delays.clear();
    for (const char* p = env; *p != '\0';) {
      char* end = nullptr;
      long v = std::strtol(p, &end, 10);
      if (end == p || v <= 0 || v > 600) {
        fmt::print(stderr, "FLIGHTPLAN_BENCH_WAIT_DELAYS: seconds, comma-separated (1..600)\n");
        return 2;
      }
      delays.push_back(static_cast<int>(v));
      p = *end == ',' ? end + 1 : end;
    }
  }

  SystemClock clock;
  LocalSim sim(clock);
  const aws::AwsClientOptions options = sim.ClientOptions();
  CurlTransport ours_transport, peer_transport;
  aws::AwsClient ours_client(ours_transport, sim.credentials, clock, options);
  aws::AwsClient peer_client(peer_transport, sim.credentials, clock, options);
  aws::CloudFormationClient ours(ours_client, clock);
  aws::CloudFormationClient peer(peer_client, clock);

  for (const char* name : {"ours", "peer"}) {
    Value params(ValueMap{});
    params.Set("StackName", name);
    params.Set("TemplateBody", Template(0));
    if (auto made = ours.CreateStack(params); !made) return Fail("CreateStack", made.error());
  }
  StepContext ctx;
  ctx.clock = &clock;
  const aws::WaitOptions wait = migration::StepWaitOptions(ctx);

  fmt::print("{:>8} | {:>22} | {:>22}\n", "D (s)", "flightplan lag, polls", "12 s poll lag, polls");
  double ours_total = 0, peer_total = 0;
  int ours_polls = 0, peer_polls = 0;
  double waited = 0;
  int version = 0;
  for (int d : delays) {
    ++version;
    {
      std::lock_guard lock(sim.simulator.world().mutex);
      sim.simulator.world().mutable_config().operation_delay = std::chrono::seconds(d);
    }
    for (const char* name : {"ours", "peer"}) {
      Value params(ValueMap{});
      params.Set("StackName", name);
      params.Set("TemplateBody", Template(version));
      if (auto updated = ours.UpdateStack(params); !updated) {
        return Fail("UpdateStack", updated.error());
      }
    }
    const Steady::time_point finished = Steady::now() + std::chrono::seconds(d);
    Figures peer_figures;
    std::thread peer_thread([&] {
      for (int i = 0; i < 1000; ++i) {
        std::this_thread::sleep_for(kPeerPoll);
        ++peer_figures.polls;
        Result<Value> stack = peer.DescribeStack("peer");
        if (stack && aws::StringAt(*stack, "StackStatus") == "UPDATE_COMPLETE") break;
      }
      peer_figures.lag_s = Seconds(Steady::now() - finished).count();
    });
    Figures ours_figures;
    Result<Value> done = ours.WaitForStack("ours", wait);
    ours_figures.lag_s = Seconds(Steady::now() - finished).count();
    peer_thread.join();
    if (!done) return Fail("WaitForStack", done.error());
    // Polls: the waiter's DescribeStacks calls, from the simulator's log.
    ours_figures.polls = 0;
    for (const auto& e : sim.simulator.Log()) {
      if (e.operation == "DescribeStacks" && e.params.Find("StackName") != nullptr &&
          e.params.Find("StackName")->ToText() == "ours") {
        ++ours_figures.polls;
      }
    }
    ours_figures.polls -= ours_polls;
    fmt::print("{:>8} | {:>12.1f} s, {:>5} | {:>12.1f} s, {:>5}\n", d, ours_figures.lag_s,
               ours_figures.polls, peer_figures.lag_s, peer_figures.polls);
    ours_total += ours_figures.lag_s;
    peer_total += peer_figures.lag_s;
    ours_polls += ours_figures.polls;
    peer_polls += peer_figures.polls;
    waited += d;
  }
  double n = static_cast<double>(delays.size());
  fmt::print(
      "\nmean lag between an operation finishing and noticing it: flightplan {:.1f} s, "
      "a 12 s poll {:.1f} s\ncalls per minute of waiting: flightplan {:.1f}, a 12 s poll {:.1f}\n",
      ours_total / n, peer_total / n, 60.0 * ours_polls / waited, 60.0 * peer_polls / waited);
  fmt::print("goal (lag below the 12 s poll's, at most 60 calls a minute): {}\n",
             ours_total < peer_total && 60.0 * ours_polls / waited <= 60.0 ? "met" : "NOT met");
  return 0;
}
