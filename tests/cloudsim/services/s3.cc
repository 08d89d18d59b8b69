// Placeholder: answers every request as an unknown operation until the
// service is implemented.
#include "tests/cloudsim/service.h"
#include "tests/cloudsim/wire.h"

namespace flightplan::cloudsim {
namespace {

class S3Service final : public Service {
 public:
  std::string_view signing_name() const override { return "s3"; }
  aws::Protocol protocol() const override { return aws::Protocol::kRestXml; }
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

std::unique_ptr<Service> MakeS3Service() {
  return std::make_unique<S3Service>();
}

}  // namespace flightplan::cloudsim
