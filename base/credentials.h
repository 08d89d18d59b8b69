// Credentials seam: where AWS credentials come from. The chain that resolves
// them (environment, shared files, processes, AssumeRole, SSO) lives in
// steps/aws/; the signer (steps/aws/wire/sigv4.h) and the simulator that
// verifies signatures (cloudsim/) only know this value and interface, the way
// they only know base/clock.h.
//
// Contract: the secret parts never reach a log line or the journal.
#ifndef FLIGHTPLAN_BASE_CREDENTIALS_H_
#define FLIGHTPLAN_BASE_CREDENTIALS_H_

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/error.h"

namespace flightplan {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;            // empty for long-term keys
  std::optional<Timestamp> expiration;  // absent: does not expire
  std::string source;                   // where they came from, for people ("env", "profile dev")
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  [[nodiscard]] virtual Result<AwsCredentials> Get() = 0;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_BASE_CREDENTIALS_H_
