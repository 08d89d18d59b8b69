// `flightplan-cloudsim deploy-gen2`: the local cloud plays Amplify Hosting
// for a Gen2 branch. Synthesizes a generated Gen2 project with the pinned
// toolchain (tsx amplify/backend.ts, as `generate --verify` does), publishes
// the cloud assembly's file assets to the CDK assets bucket in the
// simulator's S3, creates or updates the branch's root stack through a
// CloudFormation change set (CREATE/UPDATE + ExecuteChangeSet, as `cdk
// deploy` does), waits for it and its nested stacks, then registers the
// branch's backend stack in Amplify and records a job.
//
// Every AWS call goes to a running simulator over its HTTP API, signed with
// SigV4; nothing here touches a World in process. See docs/cloudsim.md.
//
// Thread-safety: one call at a time.
#ifndef FLIGHTPLAN_CLOUDSIM_DEPLOY_GEN2_H_
#define FLIGHTPLAN_CLOUDSIM_DEPLOY_GEN2_H_

#include <chrono>
#include <filesystem>
#include <ostream>
#include <string>

#include "base/error.h"

namespace flightplan::cloudsim {

struct DeployGen2Options {
  std::string url;                  // http://127.0.0.1:PORT (or [::1])
  std::filesystem::path project;    // the generated Gen2 project
  std::string app_id;               // Amplify app id (the backend namespace)
  std::string branch;               // Amplify branch (the backend name)
  std::string commit;               // the job's commit id; empty: generated
  std::filesystem::path toolchain;  // a directory whose node_modules to link; empty: DIR's own
  std::string access_key = "AKIDFLIGHTPLANSIM";
  std::string secret_key = "flightplan-cloudsim-secret-key";
  std::chrono::seconds synth_timeout{600};
  std::chrono::seconds stack_timeout{1800};
};

struct DeployGen2Result {
  std::string stack_name;  // the root (backend) stack
  std::string stack_id;
  bool changed = false;  // false: the change set was empty and was deleted
  std::string job_id;
  std::string commit_id;
};

// Errors: kInvalidInput for bad options; kStepFailed for a synthesis that
// failed (with the tool's output tail) or a stack that did not reach
// *_COMPLETE (naming the failed resource and its reason); kTimeout; the
// simulator's refusals as kStepFailed naming the call.
Result<DeployGen2Result> DeployGen2(const DeployGen2Options& options, std::ostream& progress);

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_DEPLOY_GEN2_H_
