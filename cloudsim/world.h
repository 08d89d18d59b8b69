// The simulated account: configuration, the caller identities it accepts,
// and every service's state. One World is shared by all services so that a
// CloudFormation stack can create a DynamoDB table that then holds items.
//
// Thread-safety: none of its own. The dispatcher holds `mutex` for the whole
// of a request, so services never see concurrent calls.
#ifndef FLIGHTPLAN_CLOUDSIM_WORLD_H_
#define FLIGHTPLAN_CLOUDSIM_WORLD_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "cloudsim/faults.h"
#include "cloudsim/stores/amplify_store.h"
#include "cloudsim/stores/cfn_store.h"
#include "cloudsim/stores/cognito_store.h"
#include "cloudsim/stores/dynamodb_store.h"
#include "cloudsim/stores/refactor_store.h"
#include "cloudsim/stores/s3_store.h"
#include "cloudsim/values.h"

namespace flightplan::cloudsim {

struct SimConfig {
  std::string account_id = "123456789012";
  std::string region = "us-east-1";
  std::string access_key = "AKIDFLIGHTPLANSIM";
  std::string secret_key = "flightplan-cloudsim-secret-key";
  std::string user_name = "flightplan-sim";
  // How long a CloudFormation operation stays *_IN_PROGRESS.
  Duration operation_delay{0};
  uint64_t seed = 1;  // ids and physical names are reproducible per seed
};

// A key the simulator accepts: the configured long-term key, or temporary
// credentials that AssumeRole issued.
struct Identity {
  std::string access_key;
  std::string secret_key;
  std::string session_token;         // empty for long-term keys
  std::optional<Timestamp> expires;  // temporary credentials only
  std::string arn;                   // the caller GetCallerIdentity reports
  std::string user_id;
};

class World {
 public:
  World(SimConfig config, Clock* clock);

  const SimConfig& config() const { return config_; }
  SimConfig& mutable_config() { return config_; }
  Clock& clock() const { return *clock_; }
  Timestamp Now() const { return clock_->Now(); }

  // Reproducible identifiers: `length` characters from `alphabet`.
  std::string RandomString(size_t length,
                           std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
  std::string NewUuid();  // 8-4-4-4-12 lower-case hex
  std::string Arn(std::string_view service, std::string_view resource, bool regional = true) const;

  // Identities. nullptr for an unknown key.
  const Identity* FindIdentity(std::string_view access_key) const;
  const Identity& AddTemporaryIdentity(std::string arn, std::string user_id, Duration lifetime);

  // Whole-state snapshot (for /_sim/state and --state-dir) and its inverse.
  Value Dump() const;
  Result<void> Load(const Value& state);
  // Forgets every resource, identity and id counter; keeps the config.
  void Reset();

  S3Store s3;
  DynamoDbStore dynamodb;
  CognitoStore cognito;
  AmplifyStore amplify;
  CfnStore cloudformation;
  RefactorStore stack_refactors;  // stack refactors and drift detections

  // Fault rules; services consult the semantic kinds (see faults.h).
  FaultSet faults;

  std::mutex mutex;

 private:
  SimConfig config_;
  Clock* clock_;
  std::mt19937_64 rng_;
  std::map<std::string, Identity, std::less<>> identities_;
};

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_WORLD_H_
