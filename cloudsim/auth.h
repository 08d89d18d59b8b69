// SigV4 verification: recomputes the signature of an incoming request with
// the signer flightplan's client uses (steps/aws/wire/sigv4.h) and the secret of
// the key it names, then compares.
//
// Thread-safety: pure function of (request, world identities, now).
#ifndef FLIGHTPLAN_CLOUDSIM_AUTH_H_
#define FLIGHTPLAN_CLOUDSIM_AUTH_H_

#include <string>

#include "cloudsim/sim.h"
#include "cloudsim/world.h"
#include "steps/aws/wire/service.h"

namespace flightplan::cloudsim {

enum class AuthFailure {
  kMissing,       // no Authorization header
  kMalformed,     // an Authorization header that is not SigV4
  kUnknownKey,    // the key id is not one the simulator issued
  kBadToken,      // session token missing or not the key's
  kExpiredToken,  // temporary credentials past their expiry
  kSkewed,        // X-Amz-Date more than 15 minutes from the server clock
  kBadSignature,  // the signature does not match
};

struct AuthResult {
  bool ok = false;
  AuthFailure failure = AuthFailure::kMissing;
  std::string message;
  std::string service;  // signing name from the credential scope
  std::string region;
  const Identity* identity = nullptr;
};

// Reads the credential scope and checks the signature. `service` and
// `region` are filled whenever the header could be parsed, so the failure
// can be answered in the right service's error shape.
AuthResult Authenticate(const World& world, const Request& request);

// The error a service of `protocol` answers an authentication failure with.
SimError AuthError(aws::Protocol protocol, AuthFailure failure, const std::string& message);

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_AUTH_H_
