// Operators on different machines sharing one state in S3
// (--state s3://BUCKET/PREFIX): real flightplan processes, each with its own
// replica directory (as separate machines have), against the simulator's S3
// over real HTTP and SigV4. The oracles are the effects the steps leave, the
// log objects in the bucket read through the AWS CLI, and `audit verify`.
// lease_test.cc and crash_test.cc run their suites (one writer per target,
// take-over, fencing of a frozen holder, every kill point) on this backend
// too; here is what only a remote store has: faults on every S3 call of a
// commit, a machine resuming another's killed run, tampered and missing
// objects, a state from a newer flightplan, push/pull, doctor, the request
// count.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "tests/support/state_backend.h"
#include "tests/support/test_support.h"

namespace flightplan::testing {
namespace {

using cloudsim::testing::CliResult;
using ::testing::HasSubstr;

constexpr const char* kBucket = kStateBucket;
constexpr const char* kState = kSharedState;

int CountLines(const std::string& text, const std::string& line) {
  int n = 0;
  size_t pos = 0;
  std::string needle = line + "\n";
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') ++n;
    pos += needle.size();
  }
  return n;
}

int CountOccurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

class SharedStateTest : public StateBackendTest {
 protected:
  Backend backend() const override { return Backend::kS3; }

  void SetUp() override {
    StateBackendTest::SetUp();
    if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  }

  // `who` runs the command on a machine of their own, against `state`
  // (default: the shared state).
  Invocation Make(std::vector<std::string> args, const std::string& who,
                  const std::string& state = kState) {
    args.push_back("--operator");
    args.push_back(who);
    return StateBackendTest::Make(std::move(args), who, "", state);
  }
  RunResult Run(std::vector<std::string> args, const std::string& who) {
    return RunFlightplan(Make(std::move(args), who));
  }

  // The log objects' keys, through the AWS CLI.
  std::vector<std::string> LogKeys(const std::string& prefix = "acme/prod/log/") {
    Value listed = Cli({"s3api", "list-objects-v2", "--bucket", kBucket, "--prefix", prefix});
    std::vector<std::string> keys;
    if (const Value* contents = listed.Find("Contents"); contents && contents->is_list()) {
      for (const Value& c : contents->as_list()) keys.push_back(c.Find("Key")->as_string());
    }
    return keys;
  }
  std::string GetObject(const std::string& key) {
    std::string out = dir_.Join("object.out");
    CliResult r = AwsCli({"s3api", "get-object", "--bucket", kBucket, "--key", key, out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return ReadFile(out);
  }
  void PutObject(const std::string& key, const std::string& body) {
    std::string in = dir_.Join("object.in");
    WriteFile(in, body);
    CliResult r = AwsCli({"s3api", "put-object", "--bucket", kBucket, "--key", key, "--body", in});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  // ten.yaml: ten steps, each writing a file.
  void WriteTenStepWorkflow() {
    std::string yaml = "name: ten\nversion: 1\nsteps:\n";
    for (int i = 0; i < 10; ++i) {
      yaml += fmt::format(
          "  - id: s{}\n    uses: file.write\n    with: {{path: f{}, content: x}}\n", i, i);
    }
    WriteFile(dir_.Join("ten.yaml"), yaml);
  }
  void Fault(const std::string& json) { Control("POST", "/_sim/faults", *Value::FromJson(json)); }
};

TEST_F(SharedStateTest, KilledAtEveryFewWritesTheRunResumesOnAnotherMachineExactlyOnce) {
  WriteFile(dir_.Join("steps.yaml"), R"yaml(name: steps
version: 1
steps:
  - id: one
    uses: exec
    with: {argv: [sh, -c, 'echo one >> effects'], check: [sh, -c, 'grep -qx one effects 2>/dev/null || exit 1']}
  - id: two
    uses: exec
    with: {argv: [sh, -c, 'echo two >> effects'], check: [sh, -c, 'grep -qx two effects 2>/dev/null || exit 1']}
  - id: three
    uses: exec
    with: {argv: [sh, -c, 'echo three >> effects'], check: [sh, -c, 'grep -qx three effects 2>/dev/null || exit 1']}
)yaml");
  // Each machine dies at its 3rd write, before or after it reaches S3; the
  // next machine resumes.
  bool finished = false;
  int kills = 0;
  for (int attempt = 0; attempt < 12 && !finished; ++attempt) {
    std::vector<std::string> args = attempt == 0 ? std::vector<std::string>{"run", "steps.yaml"}
                                                 : std::vector<std::string>{"resume", "1"};
    if (attempt > 0) args.push_back("--take-over");
    Invocation inv = Make(args, "machine" + std::to_string(attempt));
    inv.args.push_back("--lease-ttl");
    inv.args.push_back("1");
    if (attempt < 4)
      inv.env["FLIGHTPLAN_FAULT_KILL_AT_WRITE"] = attempt % 2 ? "3:before" : "3:after";
    RunResult r = RunFlightplan(inv);
    if (r.signaled) {
      ++kills;
      std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // its lease expires
      continue;
    }
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    finished = true;
  }
  ASSERT_TRUE(finished);
  EXPECT_GE(kills, 2);
  std::string effects = ReadFile(dir_.Join("effects"));
  for (const char* step : {"one", "two", "three"}) {
    EXPECT_EQ(CountLines(effects, step), 1) << effects;
  }
  EXPECT_EQ(Run({"audit", "verify"}, "auditor").exit_code, 0);
}

TEST_F(SharedStateTest, FaultsOnTheCommitsS3CallsLoseAndDuplicateNothing) {
  WriteFile(dir_.Join("steps.yaml"), R"yaml(name: steps
version: 1
steps:
  - id: one
    uses: exec
    with: {argv: [sh, -c, 'echo one >> effects']}
  - id: two
    uses: exec
    with: {argv: [sh, -c, 'echo two >> effects']}
)yaml");
  // Throttling, a 503, a reset before S3 applied the write, and one after
  // it (the answer lost): the client retries, the log decides.
  Fault(
      R"({"service": "s3", "operation": "PutObject", "kind": "throttle", "skip": 1, "count": 2})");
  Fault(R"({"service": "s3", "operation": "PutObject", "kind": "error", "status": 503,
            "code": "ServiceUnavailable", "skip": 3, "count": 1})");
  Fault(R"({"service": "s3", "operation": "PutObject", "kind": "reset", "skip": 4, "count": 1})");
  Fault(R"({"service": "s3", "operation": "PutObject", "kind": "reset_after", "skip": 5,
            "count": 1})");
  Fault(R"({"service": "s3", "operation": "PutObject", "kind": "error", "status": 409,
            "code": "ConditionalRequestConflict", "skip": 7, "count": 1})");
  Fault(R"({"service": "s3", "operation": "ListObjectsV2", "kind": "throttle", "skip": 2,
            "count": 2})");
  RunResult r = Run({"run", "steps.yaml"}, "alice");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ReadFile(dir_.Join("effects")), "one\ntwo\n");
  Value rules = Control("GET", "/_sim/faults");
  ASSERT_TRUE(rules.is_list()) << rules.ToJson();
  for (const Value& rule : rules.as_list()) {
    EXPECT_EQ(rule.Find("fired")->ToText(), rule.Find("count")->ToText()) << rule.ToJson();
  }
  Control("DELETE", "/_sim/faults");
  // Every event once, on a machine that replays the log from nothing.
  RunResult history = Run({"history", "--json"}, "auditor");
  ASSERT_EQ(history.exit_code, 0) << history.err;
  // One JSON object per line.
  EXPECT_EQ(CountOccurrences(history.out, R"("kind":"step.succeeded")"), 2) << history.out;
  EXPECT_EQ(CountOccurrences(history.out, R"("kind":"run.succeeded")"), 1) << history.out;
  EXPECT_EQ(Run({"audit", "verify"}, "auditor").exit_code, 0);

  // S3 gone for good mid-run: the operator is told the outcome is not known
  // and what to do; nothing half-written; afterwards the run resumes.
  WriteFile(dir_.Join("more.yaml"), R"yaml(name: more
version: 1
steps:
  - id: three
    uses: exec
    with: {argv: [sh, -c, 'echo three >> effects'], check: [sh, -c, 'grep -qx three effects 2>/dev/null || exit 1']}
)yaml");
  // Right after the run is created (the S3 calls such a run makes, counted
  // on a probe state: log object 2 is its CreateRun), S3 stops answering.
  size_t before_probe = simulator_->Log().size();
  Invocation probe = Make({"run", "more.yaml"}, "prober", "s3://team-migration-state/probe");
  probe.cwd = dir_.Join("probe");
  std::filesystem::create_directories(probe.cwd);
  std::filesystem::copy_file(dir_.Join("more.yaml"), dir_.Join("probe/more.yaml"));
  ASSERT_EQ(RunFlightplan(probe).exit_code, 0);
  size_t created_at = 0;  // the S3 call, counted from 1, that created the run
  size_t calls = 0;
  auto probe_log = simulator_->Log();
  for (size_t i = before_probe; i < probe_log.size(); ++i) {
    if (probe_log[i].service != "s3") continue;
    ++calls;
    const Value* key = probe_log[i].params.Find("Key");
    if (probe_log[i].operation == "PutObject" && key != nullptr &&
        key->as_string() == "probe/log/00000000000000000002.log") {
      created_at = calls;
    }
  }
  ASSERT_GT(created_at, 0u);
  ASSERT_GT(calls, created_at + 2) << "the run goes on after its creation";
  // Alice's open makes one call fewer than the probe's (her manifest
  // exists): the cut falls on the call after the creation.
  Fault(fmt::format(
      R"({{"service": "s3", "kind": "error", "status": 503, "code": "ServiceUnavailable",
                         "skip": {}, "count": -1}})",
      created_at));
  RunResult cut = Run({"run", "more.yaml"}, "alice");
  EXPECT_EQ(cut.exit_code, 5) << cut.out << cut.err;
  EXPECT_THAT(cut.err, HasSubstr("shared state at s3://team-migration-state/acme/prod"));
  Control("DELETE", "/_sim/faults");
  RunResult status = Run({"status"}, "alice");
  EXPECT_EQ(status.exit_code, 0) << status.err;
  ASSERT_THAT(status.out, HasSubstr("  2  more")) << "the run was not created before S3 went";
  RunResult again = Run({"resume", "2"}, "alice");
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(CountLines(ReadFile(dir_.Join("effects")), "three"), 1);
  EXPECT_EQ(Run({"audit", "verify"}, "auditor2").exit_code, 0);
}

TEST_F(SharedStateTest, AStateFileIsPushedToS3GoesOnThereAndIsPulledBack) {
  WriteFile(dir_.Join("one.yaml"), R"yaml(name: one
version: 1
steps:
  - id: only
    uses: exec
    with: {argv: [sh, -c, 'echo one >> effects']}
)yaml");
  WriteFile(dir_.Join("two.yaml"), R"yaml(name: two
version: 1
steps:
  - id: only
    uses: exec
    with: {argv: [sh, -c, 'echo two >> effects']}
)yaml");
  const std::string local = dir_.Join("local.db");
  const std::string pushed = "s3://team-migration-state/pushed";
  ASSERT_EQ(RunFlightplan(Make({"run", "one.yaml"}, "alice", local)).exit_code, 0);
  RunResult local_history = RunFlightplan(Make({"history", "--json"}, "alice", local));

  // A live lease on the file: refused.
  WriteFile(dir_.Join("slow.yaml"), R"yaml(name: slow
version: 1
steps:
  - id: mark
    uses: file.write
    with: {path: started, content: go}
  - id: work
    uses: wait
    with: {duration: 20s}
)yaml");
  {
    Background busy(Make({"run", "slow.yaml", "--lease-ttl", "1"}, "carol", local));
    ASSERT_TRUE(WaitForFile(dir_.Join("started"), std::chrono::seconds(20)));
    RunResult refused = RunFlightplan(Make({"state", "push", pushed}, "alice", local));
    EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
    EXPECT_THAT(refused.err, HasSubstr("carol"));
    busy.Signal(SIGKILL);
    busy.Wait();
  }
  // Carol's machine died; once her lease has expired the file can move
  // (her unfinished run moves with it, to be resumed or rolled back there).
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));

  RunResult push = RunFlightplan(Make({"state", "push", pushed}, "alice", local));
  ASSERT_EQ(push.exit_code, 0) << push.out << push.err;
  EXPECT_THAT(push.out, HasSubstr("verifies on both sides"));
  // Another machine goes on from the pushed state: the history is the
  // file's, the chain verifies, and it runs the next workflow there.
  RunResult history = RunFlightplan(Make({"history", "--json"}, "bob", pushed));
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_EQ(history.out.substr(0, local_history.out.size()), local_history.out);
  ASSERT_EQ(RunFlightplan(Make({"run", "two.yaml"}, "bob", pushed)).exit_code, 0);
  EXPECT_EQ(RunFlightplan(Make({"audit", "verify"}, "bob", pushed)).exit_code, 0);
  // Never overwritten.
  RunResult again = RunFlightplan(Make({"state", "push", pushed}, "alice", local));
  EXPECT_EQ(again.exit_code, 5) << again.out << again.err;
  EXPECT_THAT(again.err, HasSubstr("never overwrites"));

  // Pulled back into a new file: the same runs and chain, usable locally.
  const std::string copy = dir_.Join("copy.db");
  RunResult pull = RunFlightplan(Make({"state", "pull", copy}, "dave", pushed));
  ASSERT_EQ(pull.exit_code, 0) << pull.out << pull.err;
  RunResult copied = RunFlightplan(Make({"history", "--json"}, "dave", copy));
  RunResult shared = RunFlightplan(Make({"history", "--json"}, "dave", pushed));
  EXPECT_EQ(copied.out, shared.out);
  EXPECT_EQ(RunFlightplan(Make({"audit", "verify"}, "dave", copy)).exit_code, 0);
  RunResult status = RunFlightplan(Make({"status"}, "dave", copy));
  EXPECT_THAT(status.out, HasSubstr("two"));
  RunResult over = RunFlightplan(Make({"state", "pull", copy}, "dave", pushed));
  EXPECT_EQ(over.exit_code, 5) << over.out << over.err;
  EXPECT_EQ(ReadFile(dir_.Join("effects")), "one\ntwo\n");
}

TEST_F(SharedStateTest, DoctorChecksTheStateBucket) {
  RunResult fine = Run({"doctor"}, "alice");
  EXPECT_EQ(fine.exit_code, 0) << fine.out << fine.err;
  EXPECT_THAT(fine.out, HasSubstr("s3://team-migration-state/acme/prod/ reachable"));
  EXPECT_THAT(fine.out, HasSubstr("state versioning:"));
  EXPECT_THAT(fine.out, HasSubstr("off (recommended"));
  EXPECT_THAT(fine.out, HasSubstr("AES256 by default"));
  EXPECT_THAT(fine.out, HasSubstr("no state there yet"));
  ASSERT_EQ(AwsCli({"s3api", "put-bucket-versioning", "--bucket", kBucket,
                    "--versioning-configuration", "Status=Enabled"})
                .exit_code,
            0);
  EXPECT_THAT(Run({"doctor"}, "alice").out, HasSubstr("enabled"));
  RunResult missing = RunFlightplan(Make({"doctor"}, "alice", "s3://no-such-state-bucket/team"));
  EXPECT_EQ(missing.exit_code, 1) << missing.out << missing.err;
  EXPECT_THAT(missing.out, HasSubstr("! state bucket"));
  EXPECT_THAT(missing.out, HasSubstr("create it"));
}

// Two terminals on one machine share its replica: two runs on different
// targets and a stream of reads at the same time, none doubled or missed.
TEST_F(SharedStateTest, TwoTerminalsOnOneMachineShareItsReplica) {
  for (const char* name : {"left", "right"}) {
    std::string yaml = fmt::format("name: {}\nversion: 1\nsteps:\n", name);
    for (int i = 0; i < 8; ++i) {
      yaml += fmt::format(
          "  - id: s{}\n    uses: exec\n    with: {{argv: [sh, -c, 'echo {}-{} >> "
          "effects-{}']}}\n",
          i, name, i, name);
    }
    WriteFile(dir_.Join(std::string(name) + ".yaml"), yaml);
  }
  auto terminal = [&](std::vector<std::string> args) {
    args.push_back("--operator");
    args.push_back("alice");
    return StateBackendTest::Make(std::move(args), "laptop");
  };
  Background left(terminal({"run", "left.yaml"}));
  Background right(terminal({"run", "right.yaml"}));
  // Once both are under way (the state exists), a third terminal reads.
  ASSERT_TRUE(WaitForFile(dir_.Join("effects-left"), std::chrono::seconds(20)));
  ASSERT_TRUE(WaitForFile(dir_.Join("effects-right"), std::chrono::seconds(20)));
  for (int i = 0; i < 5; ++i) {
    RunResult status = RunFlightplan(terminal({"status"}));
    EXPECT_EQ(status.exit_code, 0) << status.err;
  }
  RunResult l = left.Wait();
  RunResult r = right.Wait();
  EXPECT_EQ(l.exit_code, 0) << l.out << l.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* name : {"left", "right"}) {
    std::string effects = ReadFile(dir_.Join(std::string("effects-") + name));
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(CountLines(effects, fmt::format("{}-{}", name, i)), 1) << effects;
    }
  }
  RunResult verify = Run({"audit", "verify"}, "auditor");
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  RunResult here = RunFlightplan(terminal({"history", "--json"}));
  RunResult elsewhere = Run({"history", "--json"}, "auditor");
  EXPECT_EQ(here.out, elsewhere.out);
}

// What a run costs in S3 requests, with nobody else writing: one
// conditional PutObject per commit, never more, and a bounded number of
// reads per step (the figure docs/journal-format.md states).
TEST_F(SharedStateTest, EachCommitIsOneConditionalPutAndAStepABoundedNumberOfRequests) {
  WriteTenStepWorkflow();
  ASSERT_EQ(Run({"status"}, "alice").exit_code, 5);  // no state yet
  size_t first = simulator_->Log().size();
  RunResult r = Run({"run", "ten.yaml"}, "alice");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::map<std::string, int> calls;
  auto log = simulator_->Log();
  for (size_t i = first; i < log.size(); ++i) {
    if (log[i].service == "s3") ++calls[log[i].operation];
  }
  int objects = static_cast<int>(LogKeys().size());
  EXPECT_EQ(calls["PutObject"], objects + 1) << "one PutObject per log object, and the manifest";
  int per_step = (calls["PutObject"] + calls["GetObject"] + calls["ListObjectsV2"]) / 10;
  EXPECT_LE(per_step, 12);
  std::printf("a 10-step run: %d log objects; PutObject %d, GetObject %d, ListObjectsV2 %d\n",
              objects, calls["PutObject"], calls["GetObject"], calls["ListObjectsV2"]);
}

// A machine that never saw the state starts from the latest snapshot in the
// bucket and reads only the log objects after it; the oracle is the
// simulator's request log and the bucket as the AWS CLI lists it.
TEST_F(SharedStateTest, ANewMachineStartsFromTheLatestSnapshotInTheBucket) {
  WriteTenStepWorkflow();
  Invocation run = Make({"run", "ten.yaml"}, "alice");
  run.env["FLIGHTPLAN_STATE_SNAPSHOT_EVERY"] = "5";
  RunResult r = RunFlightplan(run);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> log = LogKeys();
  std::vector<std::string> snapshots = LogKeys("acme/prod/snapshot/");
  ASSERT_GE(log.size(), 20u);
  ASSERT_EQ(snapshots.size(), log.size() / 5) << "one snapshot every 5 log objects";
  EXPECT_EQ(GetObject(snapshots.back()).rfind("flightplan-snapshot 1\n", 0), 0u);
  std::string latest = snapshots.back();
  int64_t at = std::stoll(latest.substr(latest.rfind('/') + 1));

  Invocation bad = Make({"status"}, "bob");
  bad.env["FLIGHTPLAN_STATE_SNAPSHOT_EVERY"] = "often";
  RunResult refused = RunFlightplan(bad);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("FLIGHTPLAN_STATE_SNAPSHOT_EVERY"));

  size_t first = simulator_->Log().size();
  RunResult status = Run({"history"}, "bob");
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("s9"));
  std::set<std::string> log_reads;
  int snapshot_reads = 0;
  auto entries = simulator_->Log();
  for (size_t i = first; i < entries.size(); ++i) {
    if (entries[i].operation != "GetObject") continue;
    const Value* key = entries[i].params.Find("Key");
    if (key == nullptr) continue;
    if (key->as_string().find("/log/") != std::string::npos) log_reads.insert(key->as_string());
    if (key->as_string() == latest) ++snapshot_reads;
  }
  EXPECT_EQ(snapshot_reads, 1);
  // The object the snapshot names, at most the few before it searched for
  // its last event, and those after it — not the whole log.
  EXPECT_LE(log_reads.size(), 1 + 4 + (log.size() - static_cast<size_t>(at)));
  EXPECT_LT(log_reads.size(), log.size() / 2);
  for (const std::string& key : log_reads) {
    int64_t seq = std::stoll(key.substr(key.rfind('/') + 1));
    EXPECT_GE(seq, at - 4) << key << " was read, though the snapshot covers it";
  }
  // Bob's replica is the same state: his audit verify passes end to end,
  // and he can go on from it.
  RunResult verify = Run({"audit", "verify"}, "bob");
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_F(SharedStateTest, ATamperedOrDeletedLogObjectIsNamedAndANewerStateRefusedUntouched) {
  WriteFile(dir_.Join("one.yaml"), R"yaml(name: one
version: 1
steps:
  - id: only
    uses: file.write
    with: {path: out.txt, content: hello}
)yaml");
  ASSERT_EQ(Run({"run", "one.yaml"}, "alice").exit_code, 0);
  std::vector<std::string> keys = LogKeys();
  ASSERT_GE(keys.size(), 3u);
  std::string victim = keys[1];
  std::string original = GetObject(victim);
  std::string forged = original;
  size_t at = forged.find("\"alice\"");
  ASSERT_NE(at, std::string::npos);
  forged.replace(at, 7, "\"mallo\"");
  PutObject(victim, forged);
  RunResult verify = Run({"audit", "verify"}, "alice");
  EXPECT_EQ(verify.exit_code, 1) << verify.out << verify.err;
  EXPECT_THAT(verify.out + verify.err, HasSubstr(victim.substr(victim.find("log/"))));
  RunResult newcomer = Run({"status"}, "newcomer");
  EXPECT_EQ(newcomer.exit_code, 5) << newcomer.out << newcomer.err;
  EXPECT_THAT(newcomer.err, HasSubstr("altered"));

  PutObject(victim, original);
  EXPECT_EQ(Run({"audit", "verify"}, "alice").exit_code, 0);
  CliResult deleted = AwsCli({"s3api", "delete-object", "--bucket", kBucket, "--key", victim});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  verify = Run({"audit", "verify"}, "alice");
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_THAT(verify.out + verify.err, HasSubstr("missing"));

  // A state written by a newer flightplan: refused, nothing written.
  PutObject("newer/flightplan-state.json",
            R"({"format":"flightplan-shared-state","version":9,"journal_id":"x"})");
  RunResult newer =
      RunFlightplan(Make({"run", "one.yaml"}, "alice", "s3://team-migration-state/newer"));
  EXPECT_EQ(newer.exit_code, 5) << newer.out << newer.err;
  EXPECT_THAT(newer.err, HasSubstr("newer flightplan"));
  EXPECT_TRUE(LogKeys("newer/log/").empty());
  // No state there at all: read-only commands say so.
  RunResult none =
      RunFlightplan(Make({"history"}, "alice", "s3://team-migration-state/nothing-here"));
  EXPECT_EQ(none.exit_code, 5) << none.out << none.err;
  EXPECT_THAT(none.err, HasSubstr("nothing has run there yet"));
}

}  // namespace
}  // namespace flightplan::testing
