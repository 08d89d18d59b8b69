// data_transform: a data migration's throughput against the simulator over
// loopback HTTP with SigV4, beside the simulator's own ceiling measured in the
// same run:
//
//   ceiling     items/s the simulator stores through BatchWriteItem (25 items
//               a call) from as many connections as the transform uses.
//   requests    items/s the simulator answers the transform's requests alone
//               at, sent by a plain loop from as many connections: a Scan
//               page of 100 (a segment each), then one TransactWriteItems of
//               an Update per item, conditional on every attribute as read
//               (the condition dynamodb.transform writes), `count` one
//               higher. No program, digests or journal: the most a transform
//               that keeps the app's concurrent writes can do here.
//   transform   items/s of a dynamodb.transform run by the executor on a real
//               state file (fsync on), `.count += 1` over every item: scan in
//               parallel segments, a page's writes in one conditional
//               TransactWriteItems, a checkpoint journaled per page. Goal:
//               >= 70% of the ceiling.
//   journal     the share of the transform's wall time its checkpoints took
//               (summed over the segments' threads, divided by the segments).
//
// FLIGHTPLAN_BENCH_ITEMS sets the table size (default 100,000),
// FLIGHTPLAN_BENCH_SEGMENTS the segments (default 4). The state file goes to
// FLIGHTPLAN_BENCH_DIR.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "bench/local_sim.h"
#include "engine/journal_wrapper.h"
#include "engine/workflow_loader.h"
#include "steps/aws/client_pool.h"
#include "steps/data/data_steps.h"
#include "steps/net/curl_transport.h"

namespace flightplan::bench {
namespace {

int64_t EnvOr(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoll(v) : fallback;
}

// Times every checkpoint (a running -> running transition).
class TimedJournal final : public JournalWrapper {
 public:
  explicit TimedJournal(std::unique_ptr<Journal> inner) : JournalWrapper(std::move(inner)) {}
  Result<void> TransitionStep(const Fence& fence, const StepUpdate& update,
                              const NewEvent& event) override {
    auto start = std::chrono::steady_clock::now();
    auto result = JournalWrapper::TransitionStep(fence, update, event);
    if (update.from == StepState::kRunning && update.to == StepState::kRunning) {
      checkpoints += 1;
      nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count();
    }
    return result;
  }
  std::atomic<int64_t> checkpoints{0};
  std::atomic<int64_t> nanos{0};
};

Value Obj(std::initializer_list<std::pair<const std::string, Value>> members) {
  Value v(ValueMap{});
  for (const auto& [k, m] : members) v.Set(k, m);
  return v;
}

void CreateTable(aws::AwsClient& client, const std::string& name) {
  auto made = client.CallOrError(
      "dynamodb", "CreateTable",
      Obj({{"TableName", Value(name)},
           {"KeySchema",
            Value(ValueList{Obj({{"AttributeName", Value("id")}, {"KeyType", Value("HASH")}})})},
           {"AttributeDefinitions",
            Value(ValueList{Obj({{"AttributeName", Value("id")}, {"AttributeType", Value("S")}})})},
           {"BillingMode", Value("PAY_PER_REQUEST")}}));
  if (!made) Die("creating " + name, made.error());
}

// Writes items [0, n) with BatchWriteItem from `connections` threads; returns
// the seconds it took.
double BatchWrite(LocalSim& sim, Clock& clock, const std::string& table, int64_t n,
                  int connections) {
  std::atomic<int64_t> next{0};
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      CurlTransport transport;
      aws::AwsClient client(transport, sim.credentials, clock, sim.ClientOptions());
      for (int64_t first = next.fetch_add(25); first < n; first = next.fetch_add(25)) {
        ValueList requests;
        for (int64_t i = first; i < std::min(n, first + 25); ++i) {
          Value item = Obj({{"id", Obj({{"S", Value(fmt::format("item-{:07}", i))}})},
                            {"count", Obj({{"N", Value(std::to_string(i))}})},
                            {"title", Obj({{"S", Value(fmt::format("todo number {}", i))}})}});
          requests.push_back(Obj({{"PutRequest", Obj({{"Item", item}})}}));
        }
        auto put =
            client.CallOrError("dynamodb", "BatchWriteItem",
                               Obj({{"RequestItems", Obj({{table, Value(std::move(requests))}})}}));
        if (!put) Die("BatchWriteItem", put.error());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return Seconds(start, std::chrono::steady_clock::now());
}

// The transform's requests without the transform: from `segments`
// connections, each scanning its segment in pages of 100 and writing each
// page back in one TransactWriteItems, every item's count one higher on the
// condition that each of its attributes is as read. Returns the seconds.
double RequestsAlone(LocalSim& sim, Clock& clock, const std::string& table, int segments) {
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int segment = 0; segment < segments; ++segment) {
    threads.emplace_back([&, segment] {
      CurlTransport transport;
      aws::AwsClient client(transport, sim.credentials, clock, sim.ClientOptions());
      Value next;
      for (int64_t page = 0;; ++page) {
        Value scan = Obj({{"TableName", Value(table)},
                          {"Limit", Value(int64_t{100})},
                          {"ConsistentRead", Value(true)},
                          {"Segment", Value(int64_t{segment})},
                          {"TotalSegments", Value(int64_t{segments})}});
        if (next.is_map()) scan.Set("ExclusiveStartKey", next);
        auto read = client.CallOrError("dynamodb", "Scan", scan);
        if (!read) Die("Scan", read.error());
        ValueList actions;
        const Value* items = read->Find("Items");
        for (const Value& item : items && items->is_list() ? items->as_list() : ValueList{}) {
          Value names(ValueMap{});
          Value values(ValueMap{});
          std::string condition;
          int i = 0;
          for (const auto& [name, v] : item.as_map()) {
            names.Set(fmt::format("#c{}", i), name);
            values.Set(fmt::format(":c{}", i), v);
            condition += fmt::format("{}#c{} = :c{}", i == 0 ? "" : " AND ", i, i);
            ++i;
          }
          const Value* count = item.Find("count");
          int64_t n = count ? std::atoll(count->StringAt("N").c_str()) : 0;
          names.Set("#s0", "count");
          values.Set(":s0", Obj({{"N", Value(std::to_string(n + 1))}}));
          actions.push_back(Obj({{"Update", Obj({{"TableName", Value(table)},
                                                 {"Key", Obj({{"id", *item.Find("id")}})},
                                                 {"ConditionExpression", Value(condition)},
                                                 {"UpdateExpression", Value("SET #s0 = :s0")},
                                                 {"ExpressionAttributeNames", names},
                                                 {"ExpressionAttributeValues", values}})}}));
        }
        if (!actions.empty()) {
          Value request = Obj(
              {{"TransactItems", Value(std::move(actions))},
               {"ClientRequestToken", Value(fmt::format("requests-alone-{}-{}", segment, page))}});
          auto written = client.CallOrError("dynamodb", "TransactWriteItems", request);
          if (!written) Die("TransactWriteItems", written.error());
        }
        const Value* last = read->Find("LastEvaluatedKey");
        if (last == nullptr || !last->is_map() || last->as_map().empty()) break;
        next = *last;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return Seconds(start, std::chrono::steady_clock::now());
}

void Run() {
  int64_t items = EnvOr("FLIGHTPLAN_BENCH_ITEMS", 100000);
  int segments = static_cast<int>(EnvOr("FLIGHTPLAN_BENCH_SEGMENTS", 4));
  SystemClock clock;
  LocalSim sim(clock);
  CurlTransport transport;
  aws::AwsClient client(transport, sim.credentials, clock, sim.ClientOptions());
  CreateTable(client, "Ceiling");
  CreateTable(client, "Todo");
  CreateTable(client, "Requests");

  double ceiling_seconds = BatchWrite(sim, clock, "Ceiling", items, segments);
  double ceiling = static_cast<double>(items) / ceiling_seconds;
  BatchWrite(sim, clock, "Todo", items, segments);
  BatchWrite(sim, clock, "Requests", items, segments);
  double requests_seconds = RequestsAlone(sim, clock, "Requests", segments);
  double requests = static_cast<double>(items) / requests_seconds;

  ScratchDir dir("fp-bench-data");
  EngineSeams seams;
  TimedJournal timed(OpenJournalOrDie(dir.File("state.db"), seams.clock));
  std::string endpoint = fmt::format("http://127.0.0.1:{}", sim.port);
  aws::EnvLookup env = [&](std::string_view name) -> std::optional<std::string> {
    if (name == "AWS_ENDPOINT_URL") return endpoint;
    if (name == "AWS_ACCESS_KEY_ID") return sim.config.access_key;
    if (name == "AWS_SECRET_ACCESS_KEY") return sim.config.secret_key;
    if (name == "AWS_REGION") return sim.config.region;
    if (name == "HOME") return dir.path();
    return std::nullopt;
  };
  CurlTransport pool_transport;
  aws::ClientPool pool(pool_transport, seams.clock, seams.processes, env);
  StepRegistry registry;
  data::RegisterDataSteps(registry, pool, [] { return std::make_unique<CurlTransport>(); });
  auto wf = LoadWorkflow(fmt::format("name: bump\nversion: 1\nsteps:\n"
                                     "  - id: bump\n    uses: dynamodb.transform\n"
                                     "    with: {{table: Todo, jq: '.count += 1', segments: {}, "
                                     "page_size: 100}}\n",
                                     segments),
                         "bench.yaml", registry, nullptr);
  if (!wf) Die("loading the workflow", wf.error());
  NullObserver observer;
  Executor executor(timed, registry, seams.clock, seams.processes, seams.prompter, seams.host,
                    observer);
  auto start = std::chrono::steady_clock::now();
  auto outcome = executor.Start(*wf, {}, "", BenchExecutorOptions(seams.host));
  double seconds = Seconds(start, std::chrono::steady_clock::now());
  if (!outcome) Die("the transform", outcome.error());
  if (outcome->state != RunState::kSucceeded) {
    auto steps = timed.GetSteps(outcome->run_id);
    std::string why = steps && !steps->empty() ? steps->back().error : "";
    Die("the transform did not succeed: " + why);
  }
  double rate = static_cast<double>(items) / seconds;
  double journal_seconds = static_cast<double>(timed.nanos.load()) / 1e9 / segments;

  fmt::print("data_transform: {} items, {} segments, state file on {}\n", items, segments,
             dir.Describe());
  fmt::print("  ceiling    BatchWriteItem     {:>9.0f} items/s ({:.2f} s, {} connections)\n",
             ceiling, ceiling_seconds, segments);
  fmt::print(
      "  requests   Scan + TransactWriteItems {:>9.0f} items/s ({:.2f} s)  = {:.0f}% of the "
      "ceiling: the transform's requests alone\n",
      requests, requests_seconds, 100.0 * requests / ceiling);
  fmt::print(
      "  transform  dynamodb.transform {:>9.0f} items/s ({:.2f} s)  = {:.0f}% of the "
      "ceiling (goal >= 70%), {:.0f}% of its requests alone\n",
      rate, seconds, 100.0 * rate / ceiling, 100.0 * rate / requests);
  fmt::print("  journal    {} checkpoints, {:.3f} s per segment = {:.1f}% of the wall time\n",
             timed.checkpoints.load(), journal_seconds, 100.0 * journal_seconds / seconds);
}

}  // namespace
}  // namespace flightplan::bench

int main() {
  flightplan::bench::Run();
  return 0;
}
