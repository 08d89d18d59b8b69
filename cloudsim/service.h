// What each simulated service implements. The dispatcher authenticates a
// request, routes it by its SigV4 signing name, applies fault rules, calls
// Handle with the World locked, and logs the outcome.
//
// Thread-safety: Handle, Tick and Mutate run with World::mutex held.
#ifndef FLIGHTPLAN_CLOUDSIM_SERVICE_H_
#define FLIGHTPLAN_CLOUDSIM_SERVICE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/value.h"
#include "cloudsim/sim.h"
#include "cloudsim/world.h"
#include "steps/aws/wire/service.h"

namespace flightplan::cloudsim {

class Service {
 public:
  virtual ~Service() = default;

  virtual std::string_view signing_name() const = 0;  // "cloudformation"
  virtual aws::Protocol protocol() const = 0;

  // The operation a request names ("CreateStack", "PutObject"); empty when
  // the request names none this service knows. Has no side effects.
  virtual std::string OperationOf(const Request& request) const = 0;

  // Runs the operation. Errors are returned as the protocol's error shape
  // (use Error()).
  virtual Response Handle(World& world, const Request& request, std::string_view operation) = 0;

  // The protocol's error shape for `error`.
  virtual Response Error(const SimError& error, const Request& request,
                         std::string_view request_id) const = 0;

  // The error this service answers a throttled call with.
  virtual SimError ThrottlingError(std::string_view operation) const;

  // Key parameters for the request log ({"StackName": "x"}). The default
  // picks well-known names out of Query, JSON and REST requests.
  virtual Value LogParams(const Request& request, std::string_view operation) const;

  // Whether the operation leaves state unchanged (it is then not persisted).
  virtual bool IsReadOnly(std::string_view operation) const;

  // Advances time-driven state (a stack's *_IN_PROGRESS -> *_COMPLETE).
  virtual void Tick(World& world) { (void)world; }

  // An out-of-band change from /_sim/mutate ({"action": ..., ...}): drift,
  // lost data, a resource deleted behind CloudFormation's back.
  virtual Result<Value> Mutate(World& world, const Value& command);
};

// A store's error as /_sim/mutate reports it: kInvalidInput with
// "<code>: <message>".
tl::unexpected<Error> MutateError(const SimError& error);
// {"ok": true}, what a mutate action answers when it reports nothing else.
Value MutateOk();
// The answer to a mutate action whose result is not reported: MutateOk(),
// or MutateError of the store's error.
template <typename T>
Result<Value> MutateDone(const SimResult<T>& done) {
  if (!done) return MutateError(done.error());
  return MutateOk();
}

// Every service the simulator serves.
std::vector<std::unique_ptr<Service>> MakeServices();

// Constructors, one per service (services/*.cc).
std::unique_ptr<Service> MakeStsService();
std::unique_ptr<Service> MakeS3Service();
std::unique_ptr<Service> MakeDynamoDbService();
std::unique_ptr<Service> MakeCognitoService();
std::unique_ptr<Service> MakeCognitoIdentityService();
std::unique_ptr<Service> MakeAmplifyService();
std::unique_ptr<Service> MakeCloudFormationService();

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_SERVICE_H_
