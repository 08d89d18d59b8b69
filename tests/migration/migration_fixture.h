// Test harness for the migration phases: the in-process simulator of
// tests/cloudsim (real HTTP on loopback) seeded with a fixture app, the real
// flightplan binary pointed at it, and oracles read from the simulator's own
// state or through the AWS CLI — never from flightplan's report.
#ifndef FLIGHTPLAN_TESTS_MIGRATION_MIGRATION_FIXTURE_H_
#define FLIGHTPLAN_TESTS_MIGRATION_MIGRATION_FIXTURE_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::testing {

// What the account holds of one stack, for before/after comparisons.
struct StackSnapshot {
  std::string template_text;                      // byte for byte, as GetTemplate returns it
  std::string policy;                             // "" when none
  std::map<std::string, std::string> parameters;  // real values, NoEcho ones too
  std::string status;
  bool operator==(const StackSnapshot&) const = default;
};

class MigrationTest : public cloudsim::testing::SimTest {
 protected:
  void SetUp() override;

  // Seeds the fixture app; sets app_id_ and env_ (its Gen1 environment).
  void Seed(const std::string& app);
  // Seeds the app in `app_dir` (a fixture app's layout: amplify/ and
  // pre.refactor/), as Seed does.
  void SeedApp(const std::filesystem::path& app_dir);

  // Runs `flightplan <args> --state <state>` against the simulator, with
  // `kill_at` ("N:before"/"N:after") for crash tests.
  RunResult Flightplan(std::vector<std::string> args, const std::string& kill_at = "",
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(120000));
  // What Flightplan() runs (for a process started in the background).
  Invocation FlightplanInvocation(
      std::vector<std::string> args,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(120000)) const;
  // The phase's common options for the seeded environment.
  std::vector<std::string> EnvArgs() const;

  // Every live stack of the account, by name.
  std::map<std::string, StackSnapshot> Snapshot();
  // "service:Operation" of each call that changes something (not Describe*,
  // Get*, List*, Head*, or Detect* — drift detection changes no resource),
  // in order, since the log position `since`.
  std::vector<std::string> MutatingCalls(int64_t since = 0);
  int64_t LogPosition();
  int CountCalls(const std::string& service, const std::string& operation, int64_t since = 0);

  std::string state_;                // the state file; SetUp puts it in dir_
  std::string operator_ = "tester";  // Flightplan()'s --operator
  std::string app_id_;
  std::string env_;
  std::string root_stack_;
  TempDir dir_;
};

}  // namespace flightplan::testing

#endif  // FLIGHTPLAN_TESTS_MIGRATION_MIGRATION_FIXTURE_H_
