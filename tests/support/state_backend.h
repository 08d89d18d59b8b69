// Tests of the real binary that run on either state backend: a local state
// file, or a state in the simulator's S3 (--state s3://…, the simulator in
// process, reached over loopback HTTP with SigV4). On S3 every machine name
// given to Make() is its own replica directory, as separate machines have.
// Targets that include this link flightplan_cloudsim_test_support.
#ifndef FLIGHTPLAN_TESTS_SUPPORT_STATE_BACKEND_H_
#define FLIGHTPLAN_TESTS_SUPPORT_STATE_BACKEND_H_

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::testing {

// kS3Snapshots: the S3 state with a snapshot published every second log
// object (FLIGHTPLAN_STATE_SNAPSHOT_EVERY=2), so that every command on a
// new machine starts from one.
enum class Backend { kFile, kS3, kS3Snapshots };

// The S3 backend's bucket and state.
inline constexpr const char* kStateBucket = "team-migration-state";
inline constexpr const char* kSharedState = "s3://team-migration-state/acme/prod";

inline std::string BackendLabel(Backend backend) {
  return backend == Backend::kFile ? "File" : backend == Backend::kS3 ? "S3" : "S3Snapshots";
}
inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return BackendLabel(info.param);
}

class StateBackendTest : public cloudsim::testing::SimTest {
 protected:
  virtual Backend backend() const = 0;

  void SetUp() override {
    SimTest::SetUp();
    if (backend() != Backend::kFile) {
      ASSERT_TRUE(world().s3.CreateBucket(kStateBucket, world().Now()).has_value());
    }
  }

  // `args` as run on `machine`, against `state` (default: the backend's
  // state; a path or s3:// location otherwise); `kill_at` arms
  // FLIGHTPLAN_FAULT_KILL_AT_WRITE.
  Invocation Make(std::vector<std::string> args, const std::string& machine = "main",
                  const std::string& kill_at = "", std::string state = "") {
    Invocation inv;
    inv.args = std::move(args);
    inv.cwd = dir_.path();
    if (!kill_at.empty()) inv.env["FLIGHTPLAN_FAULT_KILL_AT_WRITE"] = kill_at;
    if (state.empty() && backend() != Backend::kFile) state = kSharedState;
    if (backend() == Backend::kS3Snapshots) inv.env["FLIGHTPLAN_STATE_SNAPSHOT_EVERY"] = "2";
    if (!state.empty()) {
      inv.args.emplace_back("--state");
      inv.args.push_back(state);
    }
    inv.env["AWS_ENDPOINT_URL"] = endpoint();
    inv.env["AWS_ACCESS_KEY_ID"] = "AKIDFLIGHTPLANSIM";
    inv.env["AWS_SECRET_ACCESS_KEY"] = "flightplan-cloudsim-secret-key";
    inv.env["AWS_REGION"] = "us-east-1";
    inv.env["HOME"] = dir_.path();
    inv.env["FLIGHTPLAN_STATE_CACHE"] = dir_.Join("machine-of-" + machine);
    return inv;
  }

  TempDir dir_;
};

}  // namespace flightplan::testing

#endif  // FLIGHTPLAN_TESTS_SUPPORT_STATE_BACKEND_H_
