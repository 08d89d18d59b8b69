// cloudsim_bench: requests per second the local simulator serves on loopback
// for DescribeStacks and PutItem, each a complete signed AWS call through
// flightplan's AwsClient and CurlTransport (keep-alive, one client thread).
//
// Judged by: requests/s beside the transport ceiling — the same client and
// transport sending an unsigned GET to a bare cpp-httplib server that answers
// a fixed body, measured in the same run. A figure, not a gate: the
// simulator's share of each call (SigV4 verification, routing, the service,
// XML/JSON) is the gap between the two.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <thread>

#include "base/clock.h"
#include "bench/local_sim.h"
#include "steps/aws/aws_client.h"
#include "steps/net/curl_transport.h"

namespace flightplan::bench {
namespace {

struct Sim {
  Sim() : local(clock) {
    aws::AwsClientOptions options = local.ClientOptions();
    options.retry.max_attempts = 1;
    client = std::make_unique<aws::AwsClient>(transport, local.credentials, clock, options);
  }
  ~Sim() { client.reset(); }

  Value Call(std::string_view service, std::string_view op, const Value& params) {
    auto result = client->Call(service, op, params);
    if (!result) {
      fmt::print(stderr, "{} {} failed: {}\n", service, op, result.error().ToString());
      std::exit(1);
    }
    return *result;
  }

  SystemClock clock;
  LocalSim local;
  CurlTransport transport;
  std::unique_ptr<aws::AwsClient> client;
};

double g_describe = 0, g_put = 0, g_ceiling = 0;

void BM_TransportCeiling(benchmark::State& state) {
  httplib::Server server;
  server.set_tcp_nodelay(true);  // as the simulator does
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<ok/>", "text/xml");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  for (int i = 0; i < 2000 && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  {
    CurlTransport transport;
    HttpRequest request;
    request.method = "GET";
    request.url = fmt::format("http://127.0.0.1:{}/", port);
    for (auto _ : state) {
      auto response = transport.Send(request);
      if (!response || response->status != 200) state.SkipWithError("request failed");
    }
  }
  server.stop();
  thread.join();
  state.counters["req_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_DescribeStacks(benchmark::State& state) {
  Sim sim;
  sim.Call("cloudformation", "CreateStack",
           Value(ValueMap{
               {"StackName", Value("bench")},
               {"TemplateBody", Value(R"({"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}})")}}));
  Value params(ValueMap{{"StackName", Value("bench")}});
  for (auto _ : state)
    benchmark::DoNotOptimize(sim.Call("cloudformation", "DescribeStacks", params));
  state.counters["req_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_PutItem(benchmark::State& state) {
  Sim sim;
  ValueList keys, attrs;
  keys.push_back(Value(ValueMap{{"AttributeName", Value("id")}, {"KeyType", Value("HASH")}}));
  attrs.push_back(Value(ValueMap{{"AttributeName", Value("id")}, {"AttributeType", Value("S")}}));
  sim.Call("dynamodb", "CreateTable",
           Value(ValueMap{{"TableName", Value("bench")},
                          {"KeySchema", Value(keys)},
                          {"AttributeDefinitions", Value(attrs)},
                          {"BillingMode", Value("PAY_PER_REQUEST")}}));
  int64_t n = 0;
  for (auto _ : state) {
    Value item(ValueMap{{"id", Value(ValueMap{{"S", Value(fmt::format("item-{}", n++))}})},
                        {"payload", Value(ValueMap{{"S", Value("x")}})}});
    benchmark::DoNotOptimize(sim.Call(
        "dynamodb", "PutItem", Value(ValueMap{{"TableName", Value("bench")}, {"Item", item}})));
  }
  state.counters["req_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

class Capture : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      double seconds = run.real_accumulated_time;
      double rate = seconds > 0 ? run.iterations / seconds : 0;
      std::string name = run.benchmark_name();
      if (name.find("TransportCeiling") != std::string::npos) g_ceiling = rate;
      if (name.find("DescribeStacks") != std::string::npos) g_describe = rate;
      if (name.find("PutItem") != std::string::npos) g_put = rate;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace
}  // namespace flightplan::bench

BENCHMARK(flightplan::bench::BM_TransportCeiling)->MinTime(2.0)->UseRealTime();
BENCHMARK(flightplan::bench::BM_DescribeStacks)->MinTime(2.0)->UseRealTime();
BENCHMARK(flightplan::bench::BM_PutItem)->MinTime(2.0)->UseRealTime();

int main(int argc, char** argv) {
  using namespace flightplan::bench;
  benchmark::Initialize(&argc, argv);
  Capture reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  auto share = [](double rate) { return g_ceiling > 0 ? 100.0 * rate / g_ceiling : 0.0; };
  fmt::print(
      "\ncloudsim on loopback, one client thread (figures, no goal):\n"
      "  transport ceiling (bare httplib GET): {:8.0f} req/s\n"
      "  DescribeStacks (signed, verified):    {:8.0f} req/s  ({:.0f}% of the ceiling)\n"
      "  PutItem (signed, verified):           {:8.0f} req/s  ({:.0f}% of the ceiling)\n",
      g_ceiling, g_describe, share(g_describe), g_put, share(g_put));
  return 0;
}
