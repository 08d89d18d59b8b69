#include "tests/migration/migration_fixture.h"

#include <gtest/gtest.h>

namespace flightplan::testing {

using cloudsim::testing::Obj;

void MigrationTest::SetUp() {
  SimTest::SetUp();
  state_ = dir_.Join("state.db");
}

void MigrationTest::Seed(const std::string& app) { SeedApp(FixtureApp(app)); }

void MigrationTest::SeedApp(const std::filesystem::path& app_dir) {
  Value summary = Control("POST", "/_sim/seed", Obj({{"fixture", Value(app_dir.string())}}));
  const Value* id = summary.Find("app_id");
  ASSERT_TRUE(id != nullptr && id->is_string()) << summary.ToJson();
  app_id_ = id->as_string();
  Value envs = Call("amplify", "ListBackendEnvironments", Obj({{"appId", Value(app_id_)}}));
  const Value* list = envs.Find("backendEnvironments");
  ASSERT_TRUE(list != nullptr && list->is_list() && !list->as_list().empty()) << envs.ToJson();
  const Value& first = list->as_list().front();
  env_ = first.Find("environmentName")->as_string();
  root_stack_ = first.Find("stackName")->as_string();
}

std::vector<std::string> MigrationTest::EnvArgs() const {
  return {"--app-id", app_id_, "--env", env_};
}

Invocation MigrationTest::FlightplanInvocation(std::vector<std::string> args,
                                               std::chrono::milliseconds timeout) const {
  Invocation inv;
  inv.args = {"--state", state_, "--operator", operator_};
  inv.args.insert(inv.args.end(), args.begin(), args.end());
  inv.cwd = dir_.path();
  inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
             {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
             {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
             {"AWS_REGION", "us-east-1"},
             {"HOME", dir_.path()}};
  inv.timeout = timeout;
  return inv;
}

RunResult MigrationTest::Flightplan(std::vector<std::string> args, const std::string& kill_at,
                                    std::chrono::milliseconds timeout) {
  Invocation inv = FlightplanInvocation(std::move(args), timeout);
  if (!kill_at.empty()) inv.env["FLIGHTPLAN_FAULT_KILL_AT_WRITE"] = kill_at;
  return RunFlightplan(inv);
}

std::map<std::string, StackSnapshot> MigrationTest::Snapshot() {
  std::map<std::string, StackSnapshot> out;
  std::lock_guard lock(world().mutex);
  for (const cloudsim::Stack& s : world().cloudformation.stacks()) {
    if (s.status == "DELETE_COMPLETE") continue;
    StackSnapshot snap;
    snap.template_text = s.template_text;
    snap.policy = s.stack_policy;
    snap.status = s.status;
    for (const auto& p : s.parameters) snap.parameters[p.key] = p.value;
    out[s.name] = std::move(snap);
  }
  return out;
}

int64_t MigrationTest::LogPosition() {
  int64_t last = 0;
  for (const cloudsim::LogEntry& e : simulator_->Log()) last = std::max(last, e.seq);
  return last;
}

std::vector<std::string> MigrationTest::MutatingCalls(int64_t since) {
  std::vector<std::string> out;
  for (const cloudsim::LogEntry& e : simulator_->Log()) {
    if (e.seq <= since) continue;
    const std::string& op = e.operation;
    // Drift detection starts a read-only job: it changes no resource.
    bool reads = op.rfind("Describe", 0) == 0 || op.rfind("Get", 0) == 0 ||
                 op.rfind("List", 0) == 0 || op.rfind("Head", 0) == 0 || op.rfind("Detect", 0) == 0;
    if (!reads) out.push_back(e.service + ":" + op);
  }
  return out;
}

int MigrationTest::CountCalls(const std::string& service, const std::string& operation,
                              int64_t since) {
  int n = 0;
  for (const auto& e : LogOf(service, operation)) {
    if (e.seq > since && e.error_code.empty()) ++n;
  }
  return n;
}

}  // namespace flightplan::testing
