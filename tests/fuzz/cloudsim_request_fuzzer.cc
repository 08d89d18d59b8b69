// Feeds arbitrary requests to the simulator's services after authentication
// — the part of flightplan-cloudsim that parses what a client sends: Query
// form bodies, JSON bodies, REST paths and templates (CreateStack,
// CreateStackRefactor, ValidateTemplate). None may crash, hang or leak.
//
// Input: byte 0 picks the service, byte 1 the method; up to the first '\n'
// is the REST target (S3, Amplify) or the X-Amz-Target operation (DynamoDB,
// Cognito); the rest is the body.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "cloudsim/cfn/template.h"
#include "cloudsim/service.h"
#include "cloudsim/wire.h"
#include "cloudsim/world.h"

namespace {

using flightplan::cloudsim::Request;
using flightplan::cloudsim::Service;
using flightplan::cloudsim::World;

struct Harness {
  flightplan::SystemClock clock;
  World world{flightplan::cloudsim::SimConfig{}, &clock};
  std::vector<std::unique_ptr<Service>> services = flightplan::cloudsim::MakeServices();
  int calls = 0;
};

Harness& TheHarness() {
  static Harness* harness = new Harness();
  return *harness;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Harness& h = TheHarness();
  if (++h.calls % 64 == 0) h.world.Reset();  // bound the state the inputs build
  Service& service = *h.services[data[0] % h.services.size()];
  static const char* const kMethods[] = {"GET", "PUT", "POST", "DELETE", "HEAD"};
  std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  size_t newline = rest.find('\n');
  std::string line = newline == std::string::npos ? std::string() : rest.substr(0, newline);
  std::string body = newline == std::string::npos ? rest : rest.substr(newline + 1);

  Request request;
  request.method = kMethods[data[1] % 5];
  request.service = std::string(service.signing_name());
  request.request_id = "fuzz";
  request.access_key = h.world.config().access_key;
  request.body = body;
  request.headers = {{"Host", "127.0.0.1"}};
  switch (service.protocol()) {
    case flightplan::aws::Protocol::kQuery:
      request.target = request.path = "/";
      request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      break;
    case flightplan::aws::Protocol::kJson:
      request.target = request.path = "/";
      request.headers.emplace_back("X-Amz-Target", line);
      request.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
      break;
    default: {
      std::string target = line.empty() || line[0] != '/' ? "/" + line : line;
      request.target = target;
      size_t q = target.find('?');
      request.path = target.substr(0, q);
      if (q != std::string::npos) {
        for (auto& pair : flightplan::cloudsim::ParseForm(target.substr(q + 1))) {
          request.query.push_back(std::move(pair));
        }
      }
      request.headers.emplace_back("Content-Type", "application/json");
      break;
    }
  }
  std::string operation = service.OperationOf(request);
  if (!operation.empty()) {
    (void)service.Handle(h.world, request, operation);
    service.Tick(h.world);
  }
  // The template engine on its own, with the body as a template.
  auto tmpl = flightplan::cloudsim::cfn::ParseTemplate(body);
  if (tmpl) {
    (void)flightplan::cloudsim::cfn::ValidateTemplate(*tmpl);
    (void)flightplan::cloudsim::cfn::DependencyOrder(*tmpl);
    (void)flightplan::cloudsim::cfn::References(*tmpl);
  }
  return 0;
}
