// refactor_wall: the whole `flightplan refactor` of backend-only — the real
// binary, plan to relink, every change set and stack refactor — in wall
// time at zero simulator latency (operation_delay 0: every stack operation
// and refactor completes as soon as it is asked for), beside the time the
// simulator itself spent serving that run's requests (the sum of its request
// log's durations, measured in the same run). What is left is flightplan's
// own: process start, the journal's durable writes, the HTTP client, the
// waits' first polls. The same for `refactor --rollback`.
//
// Setup (not timed): the local simulator in process on loopback, seeded
// with the backend-only fixture; `flightplan generate`; the Gen2 branch
// deployed with the pinned toolchain (tests/gen2-toolchain, as
// `flightplan-cloudsim deploy-gen2` does); `flightplan lock`. Skips, with a
// message and status 0, when the toolchain is not installed. A figure beside
// its peer; no gate.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "cloudsim/deploy_gen2.h"
#include "cloudsim/server.h"
#include "cloudsim/simulator.h"
#include "steps/sys/posix_process_runner.h"

namespace flightplan::bench {
namespace {

namespace fs = std::filesystem;
using Seconds = std::chrono::duration<double>;
using Steady = std::chrono::steady_clock;

struct Phase {
  std::string name;
  double wall_s = 0;
  double simulator_s = 0;  // the sum of the simulator's request durations
  int requests = 0;
  // flightplan's own report of each step: "✓ <step> succeeded <time>",
  // "↶ <step> rolled_back <time>".
  std::vector<std::string> steps;
  double flip_s = 0;  // the flip step (the proof: synthesis and change sets)
};

// "61ms", "10.9s", "1m05s" (the engine's FormatDuration) -> seconds; 0
// otherwise.
double ParseDuration(const std::string& text) {
  double value = std::atof(text.c_str());
  if (text.ends_with("ms")) return value / 1000.0;
  if (size_t m = text.find('m'); m != std::string::npos && text.ends_with("s")) {
    return value * 60.0 + std::atof(text.c_str() + m + 1);
  }
  if (text.ends_with("s")) return value;
  return 0;
}

int Fail(const std::string& what, const std::string& message) {
  fmt::print(stderr, "refactor_wall: {}: {}\n", what, message);
  return 1;
}

int64_t LastSeq(const cloudsim::Simulator& simulator) {
  int64_t last = 0;
  for (const cloudsim::LogEntry& e : simulator.Log()) last = std::max(last, e.seq);
  return last;
}

}  // namespace
}  // namespace flightplan::bench

int main() {
  using namespace flightplan;
  using namespace flightplan::bench;
  const fs::path source(FLIGHTPLAN_SOURCE_DIR);
  const fs::path toolchain = source / "tests" / "gen2-toolchain";
  const fs::path app = source / "tests/data/fixtures/amplify-migration-apps/backend-only";
  if (!fs::exists(toolchain / "node_modules" / ".bin" / "tsx")) {
    fmt::print(
        "refactor_wall: skipped: the pinned Gen2 toolchain is not installed (npm ci in {})\n",
        toolchain.string());
    return 0;
  }
  std::error_code ec;
  const fs::path scratch =
      fs::temp_directory_path() / fmt::format("flightplan-refactor-wall-{}", ::getpid());
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch);

  cloudsim::SimConfig config;
  config.operation_delay = std::chrono::milliseconds(0);
  SystemClock clock;
  cloudsim::Simulator simulator(config, &clock);
  if (auto seeded = simulator.Seed(app); !seeded) return Fail("seed", seeded.error().ToString());
  cloudsim::HttpServer server(&simulator);
  auto port = server.Bind("127.0.0.1", 0);
  if (!port) return Fail("bind", port.error().ToString());
  server.ServeInBackground();
  const std::string url = fmt::format("http://127.0.0.1:{}", *port);

  PosixProcessRunner runner;
  auto flightplan = [&](std::vector<std::string> args) -> Result<ProcessResult> {
    ProcessSpec spec;
    spec.argv = {FLIGHTPLAN_BINARY, "--state", (scratch / "state.db").string(), "--operator",
                 "bench"};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.cwd = scratch.string();
    spec.env = {{"AWS_ENDPOINT_URL", url},
                {"AWS_ACCESS_KEY_ID", config.access_key},
                {"AWS_SECRET_ACCESS_KEY", config.secret_key},
                {"AWS_REGION", config.region},
                {"HOME", scratch.string()}};
    spec.deadline = Steady::now() + std::chrono::minutes(10);
    return runner.Run(spec);
  };
  auto ran = [](const Result<ProcessResult>& r) {
    return r && !r->signaled && !r->timed_out && r->exit_code == 0;
  };
  auto why = [](const Result<ProcessResult>& r) {
    return r ? fmt::format("exit {}\n{}{}", r->exit_code, r->stdout_text, r->stderr_text)
             : r.error().ToString();
  };

  // Setup: generate (as a user would: the function dependencies installed
  // beside the toolchain and checked by --verify), deploy the branch, lock.
  const fs::path project = scratch / "gen2";
  auto generated =
      flightplan({"generate", "--gen1", app.string(), "--out", project.string(), "--branch",
                  "gen2main", "--force", "--verify", "--toolchain", toolchain.string()});
  if (!ran(generated)) return Fail("generate", why(generated));
  cloudsim::DeployGen2Options deploy;
  deploy.url = url;
  deploy.project = project;
  deploy.app_id = "backendonly";
  deploy.branch = "gen2main";
  std::ostringstream progress;
  auto deployed = cloudsim::DeployGen2(deploy, progress);
  if (!deployed) return Fail("deploy-gen2", deployed.error().ToString() + "\n" + progress.str());
  const std::vector<std::string> env = {"--app-id", "backendonly", "--env", "main"};
  std::vector<std::string> lock = {"lock", "--yes"};
  lock.insert(lock.end(), env.begin(), env.end());
  auto locked = flightplan(lock);
  if (!locked) return Fail("lock", why(locked));
  if (!ran(locked)) return Fail("lock", why(locked));

  std::vector<Phase> phases;
  for (const bool rollback : {false, true}) {
    std::vector<std::string> args = {
        "refactor",       "--yes",    "--to-branch", "gen2main", "--project",
        project.string(), "--app-id", "backendonly", "--env",    "main"};
    if (rollback) args.push_back("--rollback");
    const int64_t mark = LastSeq(simulator);
    const Steady::time_point start = Steady::now();
    auto r = flightplan(args);
    Phase phase;
    phase.wall_s = Seconds(Steady::now() - start).count();
    phase.name = rollback ? "refactor --rollback" : "refactor";
    if (!ran(r)) return Fail(phase.name, why(r));
    std::istringstream lines(r->stdout_text);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("✓") == std::string::npos && line.find("↶") == std::string::npos) continue;
      phase.steps.push_back(line.substr(line.find_first_not_of(' ')));
      if (line.find(" flip ") != std::string::npos) {
        phase.flip_s = ParseDuration(line.substr(line.rfind(' ') + 1));
      }
    }
    for (const cloudsim::LogEntry& e : simulator.Log()) {
      if (e.seq <= mark) continue;
      ++phase.requests;
      phase.simulator_s += static_cast<double>(e.duration_us) / 1e6;
    }
    phases.push_back(phase);
  }
  server.Stop();
  fs::remove_all(scratch, ec);

  fmt::print("backend-only, simulator operation delay 0\n\n");
  fmt::print("{:<22} | {:>9} | {:>9} | {:>18} | {:>16}\n", "", "wall (s)", "requests",
             "simulator time (s)", "flightplan's (s)");
  for (const Phase& p : phases) {
    fmt::print("{:<22} | {:>9.2f} | {:>9} | {:>18.2f} | {:>16.2f}\n", p.name, p.wall_s, p.requests,
               p.simulator_s, p.wall_s - p.simulator_s);
  }
  for (const Phase& p : phases) {
    fmt::print("\n{}, step by step (flightplan's report):\n", p.name);
    for (const std::string& step : p.steps) fmt::print("  {}\n", step);
  }
  const Phase& forward = phases[0];
  fmt::print(
      "\nthe whole refactor: {:.2f} s of wall time, of which the simulator spent {:.2f} s serving "
      "its {} requests;\nwithout the flip step (the proof's synthesis with node, {:.2f} s): "
      "{:.2f} s (reported, no goal)\n",
      forward.wall_s, forward.simulator_s, forward.requests, forward.flip_s,
      forward.wall_s - forward.flip_s);
  return 0;
}
