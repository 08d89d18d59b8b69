// flightplan-cloudsim: the local AWS simulator every test and the demo run
// against. See docs/cloudsim.md.
#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "cloudsim/deploy_gen2.h"
#include "cloudsim/server.h"
#include "cloudsim/simulator.h"

namespace {

enum ExitCode {
  kOk = 0,
  kUsage = 2,
  kListen = 3,
  kSeed = 4,
  kState = 5,
  kDeployFailed = 1,
};

}  // namespace

int main(int argc, char** argv) {
  using namespace flightplan;
  using namespace flightplan::cloudsim;

  CLI::App app{
      "flightplan-cloudsim: a local AWS simulator (CloudFormation, Amplify, "
      "S3, DynamoDB, Cognito user pools, STS) on loopback.\n"
      "Point a client at it with AWS_ENDPOINT_URL=http://127.0.0.1:<port> and "
      "the configured keys.",
      "flightplan-cloudsim"};
  SimConfig config;
  int port = 0;
  std::string host = "127.0.0.1";
  std::string seed_dir, state_dir, port_file;
  int64_t delay_ms = 0;
  app.add_option("--port", port, "Port to listen on (0: pick a free one and print it)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--host", host, "Loopback address to bind: 127.0.0.1 or ::1")
      ->capture_default_str();
  app.add_option("--seed", seed_dir,
                 "Fixture app directory to build the account from "
                 "(…/amplify-migration-apps/<app>)");
  app.add_option("--state-dir", state_dir,
                 "Keep state in DIR/state.json across restarts (default: in memory)");
  app.add_option("--account-id", config.account_id, "Account id")->capture_default_str();
  app.add_option("--region", config.region, "Region")->capture_default_str();
  app.add_option("--access-key", config.access_key, "Access key id the simulator accepts")
      ->capture_default_str();
  app.add_option("--secret-key", config.secret_key, "Its secret access key")->capture_default_str();
  app.add_option("--operation-delay-ms", delay_ms,
                 "How long CloudFormation operations stay *_IN_PROGRESS")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--port-file", port_file, "Write the bound port to this file once listening");
  app.add_option("--random-seed", config.seed, "Seed for generated ids and physical names")
      ->capture_default_str();
  DeployGen2Options deploy;
  std::string deploy_project, deploy_toolchain;
  CLI::App* deploy_gen2 = app.add_subcommand(
      "deploy-gen2",
      "Deploy a generated Gen2 project to a running simulator as Amplify Hosting would: "
      "synthesize it, publish its assets, create or update the branch's root stack through a "
      "change set, register the branch's backend and record a job. Prints the root stack's "
      "name.");
  deploy_gen2->add_option("--url", deploy.url, "The simulator: http://127.0.0.1:PORT")->required();
  deploy_gen2->add_option("--project", deploy_project, "The generated Gen2 project directory")
      ->required();
  deploy_gen2->add_option("--app-id", deploy.app_id, "Amplify app id (backend namespace)")
      ->required();
  deploy_gen2->add_option("--branch", deploy.branch, "Amplify branch (backend name)")->required();
  deploy_gen2->add_option("--commit", deploy.commit, "Commit id of the job (default: generated)");
  deploy_gen2->add_option("--toolchain", deploy_toolchain,
                          "Directory whose node_modules (the pinned Gen2 toolchain) to link "
                          "into the project (default: the project's own node_modules)");
  deploy_gen2->add_option("--access-key", deploy.access_key, "Access key id to sign with")
      ->capture_default_str();
  deploy_gen2->add_option("--secret-key", deploy.secret_key, "Its secret access key")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kUsage;
  }
  if (deploy_gen2->parsed()) {
    deploy.project = deploy_project;
    deploy.toolchain = deploy_toolchain;
    auto deployed = DeployGen2(deploy, std::cerr);
    if (!deployed) {
      std::cerr << "flightplan-cloudsim deploy-gen2: " << deployed.error().message() << "\n";
      return deployed.error().code() == ErrorCode::kInvalidInput ? kUsage : kDeployFailed;
    }
    std::cout << deployed->stack_name << "\n";
    return kOk;
  }
  config.operation_delay = Duration(delay_ms);

  // Block the stop signals before any thread starts; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  SystemClock clock;
  std::optional<std::filesystem::path> dir;
  if (!state_dir.empty()) dir = state_dir;
  Simulator simulator(config, &clock, dir);
  if (auto loaded = simulator.LoadState(); !loaded) {
    std::cerr << "flightplan-cloudsim: " << loaded.error().message() << "\n";
    return kState;
  }
  if (!seed_dir.empty()) {
    auto seeded = simulator.Seed(seed_dir);
    if (!seeded) {
      std::cerr << "flightplan-cloudsim: cannot seed from " << seed_dir << ": "
                << seeded.error().message() << "\n";
      return kSeed;
    }
    auto count = [&](std::string_view key) {
      const Value* v = seeded->Find(key);
      return v && v->is_list() ? v->as_list().size() : size_t{0};
    };
    const Value* items = seeded->Find("items");
    const Value* app_id = seeded->Find("app_id");
    std::cout << fmt::format(
        "flightplan-cloudsim: seeded {}: {} stacks, {} DynamoDB tables ({} items), "
        "{} buckets, {} user pools, Amplify app {}\n",
        std::filesystem::path(seed_dir).filename().string(), count("stacks"), count("tables"),
        items && items->is_int() ? items->as_int() : 0, count("buckets"), count("user_pools"),
        app_id && app_id->is_string() ? app_id->as_string() : "-");
  }
  HttpServer server(&simulator);
  auto bound = server.Bind(host, port);
  if (!bound) {
    std::cerr << "flightplan-cloudsim: " << bound.error().message() << "\n";
    return kListen;
  }
  std::string address = host.find(':') != std::string::npos ? fmt::format("[{}]", host) : host;
  std::cout << fmt::format("flightplan-cloudsim listening on http://{}:{}\n", address, *bound)
            << std::flush;
  if (!port_file.empty()) {
    std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << *bound << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  std::thread waiter([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    server.Stop();
  });
  server.Serve();
  // Serve() returned: either a signal stopped it (the waiter is done) or the
  // server failed; wake the waiter in the latter case. The waiter blocks
  // these signals and takes them with sigwait, so this wakes it rather than
  // terminating anything.
  pthread_kill(waiter.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  waiter.join();
  return kOk;
}
