// Placeholder: answers every request as an unknown operation until the
// service is implemented.
#include "tests/cloudsim/service.h"
#include "tests/cloudsim/wire.h"

namespace flightplan::cloudsim {
namespace {

class DynamoDbService final : public Service {
 public:
  std::string_view signing_name() const override { return "dynamodb"; }
  aws::Protocol protocol() const override { return aws::Protocol::kJson; }
  std::string OperationOf(const Request& request) const override {
    (void)request;
    return {};
  }
  Response Error(const SimError& error, const Request& request,
                 std::string_view request_id) const override {
    (void)request;
    return RestJsonError(error, request_id);
  }
  Response Handle(World& world, const Request& request,
                  std::string_view operation) override {
    (void)world;
    (void)operation;
    return RestJsonError({400, "InvalidAction", "not implemented"},
                         request.request_id);
  }
};

}  // namespace

std::unique_ptr<Service> MakeDynamoDbService() {
  return std::make_unique<DynamoDbService>();
}

}  // namespace flightplan::cloudsim
