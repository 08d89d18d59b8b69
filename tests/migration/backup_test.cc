// `flightplan backup` against the in-process simulator, every fixture app:
// the real binary over loopback HTTP, the AWS CLI as the oracle for what
// exists (list-backups, list-exports, describe-continuous-backups, the S3
// objects), the simulator's request log for what was asked. One backup per
// table however often the run is resumed, killed or throttled; --export
// enables point-in-time recovery only where it was off and rollback turns
// only that off again, deleting nothing; a dry run asks for no change.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <set>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "tests/cloudsim/sim_fixture.h"
#include "tests/support/test_support.h"

namespace flightplan::cloudsim::testing {
namespace {

using flightplan::testing::Invocation;
using flightplan::testing::RunResult;
using flightplan::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const char* const kApps[] = {"backend-only", "discussions", "fitness-tracker", "media-vault",
                             "product-catalog"};

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f != nullptr && f->is_string() ? f->as_string() : std::string();
}

// A copy: callers pass temporaries.
ValueList List(const Value& v, std::string_view key) {
  const Value* f = v.Find(key);
  return f != nullptr && f->is_list() ? f->as_list() : ValueList{};
}

class BackupTest : public SimTest {
 protected:
  // Seeds `app`; app_id_ and env_ name its environment.
  void Seed(std::string_view app) {
    tables_.clear();
    Value summary = Control("POST", "/_sim/seed",
                            Value(ValueMap{{"fixture", Value(FixtureApp(app).string())}}));
    app_id_ = Str(summary, "app_id");
    ASSERT_FALSE(app_id_.empty()) << summary.ToJson();
    ASSERT_FALSE(List(summary, "environments").empty()) << summary.ToJson();
    env_ = List(summary, "environments").front().as_string();
  }

  RunResult Flightplan(std::vector<std::string> args, const std::string& kill_at = "") {
    Invocation inv;
    inv.args = std::move(args);
    inv.args.insert(inv.args.end(), {"--state", dir_.Join("state.db")});
    inv.cwd = dir_.path();
    inv.env = {{"AWS_ENDPOINT_URL", endpoint()},
               {"AWS_ACCESS_KEY_ID", "AKIDFLIGHTPLANSIM"},
               {"AWS_SECRET_ACCESS_KEY", "flightplan-cloudsim-secret-key"},
               {"AWS_REGION", "us-east-1"},
               {"HOME", dir_.path()}};
    if (!kill_at.empty()) inv.env["FLIGHTPLAN_FAULT_KILL_AT_WRITE"] = kill_at;
    return flightplan::testing::RunFlightplan(inv);
  }

  std::vector<std::string> Backup(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"backup", "--app-id", app_id_, "--env", env_};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // The environment's tables, found by walking the stacks with the test's
  // own client (not flightplan's discovery): Amplify names the root stack;
  // every AWS::DynamoDB::Table of it and of its nested stacks.
  const std::vector<std::string>& Tables() {
    if (!tables_.empty()) return tables_;
    Value env = Call("amplify", "GetBackendEnvironment",
                     Value(ValueMap{{"appId", Value(app_id_)}, {"environmentName", Value(env_)}}));
    const Value* be = env.Find("backendEnvironment");
    std::vector<std::string> stacks = {be != nullptr ? Str(*be, "stackName") : ""};
    for (size_t i = 0; i < stacks.size() && i < 100; ++i) {
      aws::AwsResult listed = client_->CallAllPages(
          "cloudformation", "ListStackResources", Value(ValueMap{{"StackName", Value(stacks[i])}}));
      EXPECT_TRUE(listed.has_value()) << stacks[i];
      if (!listed) break;
      for (const Value& r : List(*listed, "StackResourceSummaries")) {
        if (Str(r, "ResourceType") == "AWS::CloudFormation::Stack") {
          stacks.push_back(Str(r, "PhysicalResourceId"));
        } else if (Str(r, "ResourceType") == "AWS::DynamoDB::Table") {
          tables_.push_back(Str(r, "PhysicalResourceId"));
        }
      }
    }
    std::sort(tables_.begin(), tables_.end());
    return tables_;
  }

  // table -> its backups: from the AWS CLI (`aws dynamodb list-backups`), or
  // for the many rounds of the crash test from the test's own client.
  std::map<std::string, ValueList> BackupsByTable(bool via_cli = true) {
    std::map<std::string, ValueList> out;
    for (const std::string& t : Tables()) {
      Value listed =
          via_cli ? Cli({"dynamodb", "list-backups", "--table-name", t})
                  : Call("dynamodb", "ListBackups", Value(ValueMap{{"TableName", Value(t)}}));
      out[t] = List(listed, "BackupSummaries");
    }
    return out;
  }

  // Point-in-time recovery of `table`, asked with the test's own client.
  bool PitrOn(const std::string& table) {
    Value d =
        Call("dynamodb", "DescribeContinuousBackups", Value(ValueMap{{"TableName", Value(table)}}));
    const Value* c = d.Find("ContinuousBackupsDescription");
    const Value* p = c != nullptr ? c->Find("PointInTimeRecoveryDescription") : nullptr;
    return p != nullptr && Str(*p, "PointInTimeRecoveryStatus") == "ENABLED";
  }

  // The outputs of the backup step of run `run`, from `status --json`.
  Value BackupOutputs(int run = 1) {
    RunResult status = Flightplan({"status", std::to_string(run), "--json"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    Value json = Value::FromJson(status.out).value_or(Value());
    for (const Value& s : List(json, "steps")) {
      if (Str(s, "id") == "backup" && s.Find("outputs") != nullptr) return *s.Find("outputs");
    }
    ADD_FAILURE() << "no backup step in " << status.out;
    return Value();
  }

  // How many requests of `operation` succeeded.
  size_t Succeeded(std::string_view operation) {
    size_t n = 0;
    for (const LogEntry& e : LogOf("dynamodb", operation)) n += e.error_code.empty() ? 1 : 0;
    return n;
  }

  // Every table has exactly one backup, flightplan's; returns table -> its
  // ARN.
  std::map<std::string, std::string> ExpectOneBackupPerTable(bool via_cli = true) {
    std::map<std::string, ValueList> backups = BackupsByTable(via_cli);
    EXPECT_FALSE(backups.empty());
    std::map<std::string, std::string> arns;
    for (const auto& [table, list] : backups) {
      EXPECT_EQ(list.size(), 1u) << table;
      if (list.empty()) continue;
      EXPECT_THAT(Str(list.front(), "BackupName"), StartsWith("flightplan-" + table + "-"));
      EXPECT_EQ(Str(list.front(), "BackupStatus"), "AVAILABLE");
      arns[table] = Str(list.front(), "BackupArn");
    }
    EXPECT_EQ(Succeeded("CreateBackup"), backups.size());
    return arns;
  }

  // Export ARN -> its summary, every export in the account, from the AWS CLI.
  std::map<std::string, Value> ExportsByArn() {
    std::map<std::string, Value> out;
    for (const Value& e : List(Cli({"dynamodb", "list-exports"}), "ExportSummaries")) {
      out[Str(e, "ExportArn")] = e;
    }
    return out;
  }

  TempDir dir_;
  std::vector<std::string> tables_;  // Tables(), once found
  std::string app_id_;
  std::string env_;
};

class BackupAppTest : public BackupTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(BackupAppTest, BacksUpEveryTableOnceRecordsTheArnsAndARerunDoesNothing) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed(GetParam());
  std::vector<std::string> tables = Tables();
  RunResult run = Flightplan(Backup());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr(fmt::format("backup of {} DynamoDB tables", tables.size())));
  std::map<std::string, std::string> listed = ExpectOneBackupPerTable();

  // The journal holds each table's backup ARN, the same AWS lists.
  Value outputs = BackupOutputs();
  std::map<std::string, std::string> recorded;
  for (const Value& b : List(outputs, "backups")) recorded[Str(b, "table")] = Str(b, "arn");
  EXPECT_EQ(recorded, listed);

  RunResult again = Flightplan(Backup());
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("Nothing to do"));
  EXPECT_EQ(LogOf("dynamodb", "CreateBackup").size(), tables.size());
}

TEST_P(BackupAppTest, DryRunListsTheTablesAndChangesNothing) {
  Seed(GetParam());
  std::vector<std::string> tables = Tables();
  Control("DELETE", "/_sim/log");
  RunResult dry = Flightplan(Backup({"--export", "--dry-run"}));
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  std::vector<LogEntry> log = simulator_->Log();
  ASSERT_FALSE(log.empty());
  for (const LogEntry& e : log) {
    EXPECT_TRUE(e.operation.starts_with("Describe") || e.operation.starts_with("List") ||
                e.operation.starts_with("Get") || e.operation.starts_with("Head"))
        << "a dry run asked for " << e.service << " " << e.operation;
  }
  for (const std::string& table : tables) {
    EXPECT_THAT(dry.out, HasSubstr(table)) << "the preview names every table";
  }
}

TEST_P(BackupAppTest, ExportEnablesPitrOnlyWhereOffAndRollbackUndoesOnlyThat) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed(GetParam());
  std::vector<std::string> tables = Tables();
  ASSERT_FALSE(tables.empty());
  // The first table already has point-in-time recovery: backup leaves it so.
  Cli({"dynamodb", "update-continuous-backups", "--table-name", tables.front(),
       "--point-in-time-recovery-specification", "PointInTimeRecoveryEnabled=true"});
  Cli({"dynamodb", "create-backup", "--table-name", tables.front(), "--backup-name", "theirs"});
  Control("DELETE", "/_sim/log");

  RunResult run = Flightplan(Backup({"--export"}));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  for (const std::string& t : tables) EXPECT_TRUE(PitrOn(t)) << t;
  EXPECT_EQ(Succeeded("UpdateContinuousBackups"), tables.size() - 1);

  Value outputs = BackupOutputs();
  const ValueList exports = List(outputs, "exports");
  ASSERT_EQ(exports.size(), tables.size()) << outputs.ToJson();
  std::map<std::string, Value> listed = ExportsByArn();
  EXPECT_EQ(listed.size(), tables.size()) << "one export per table, nothing else";
  std::set<std::string> exported;
  for (const Value& e : exports) {
    std::string table = Str(e, "table");
    exported.insert(table);
    std::string arn = Str(e, "export_arn");
    EXPECT_THAT(arn,
                StartsWith("arn:aws:dynamodb:us-east-1:123456789012:table/" + table + "/export/"));
    ASSERT_EQ(listed.count(arn), 1u) << arn;
    EXPECT_EQ(Str(listed[arn], "ExportStatus"), "COMPLETED");
    // The manifest is where the journal says, in the deployment bucket,
    // under the run's prefix, beside the data file the simulator wrote.
    std::string bucket = Str(e, "bucket");
    std::string manifest = Str(e, "manifest");
    ASSERT_THAT(manifest, StartsWith("s3://" + bucket + "/"));
    EXPECT_THAT(bucket, HasSubstr("deployment"));
    EXPECT_THAT(Str(e, "prefix"), StartsWith("flightplan/exports/" + app_id_ + "/" + env_ + "/"));
    std::string key = manifest.substr(bucket.size() + 6);
    EXPECT_THAT(key, StartsWith(Str(e, "prefix") + "/AWSDynamoDB/"));
    Value objects = Call("s3", "ListObjectsV2",
                         Value(ValueMap{{"Bucket", Value(bucket)},
                                        {"Prefix", Value(Str(e, "prefix") + "/AWSDynamoDB/")}}));
    std::set<std::string> keys;
    for (const Value& o : List(objects, "Contents")) keys.insert(Str(o, "Key"));
    EXPECT_EQ(keys.size(), 3u) << "summary, files manifest, data";
    EXPECT_EQ(keys.count(key), 1u) << key;
  }
  EXPECT_EQ(exported, std::set<std::string>(tables.begin(), tables.end()));

  RunResult rollback = Flightplan(Backup({"--rollback"}));
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_THAT(rollback.out + rollback.err, HasSubstr("never deletes"));
  EXPECT_TRUE(PitrOn(tables.front())) << "it was on before backup";
  for (size_t i = 1; i < tables.size(); ++i) EXPECT_FALSE(PitrOn(tables[i])) << tables[i];
  EXPECT_EQ(Succeeded("UpdateContinuousBackups"), 2 * (tables.size() - 1));
  EXPECT_TRUE(LogOf("dynamodb", "DeleteBackup").empty());
  EXPECT_EQ(BackupsByTable(/*via_cli=*/false)[tables.front()].size(), 1u) << "theirs is kept";
  EXPECT_EQ(ExportsByArn().size(), tables.size()) << "every export is kept";
}

INSTANTIATE_TEST_SUITE_P(Apps, BackupAppTest, ::testing::ValuesIn(kApps));

// Journal writes of an uninterrupted backup run: run created and started, two
// per step (three steps), run succeeded.
constexpr int kRunWrites = 9;

TEST_F(BackupTest, KilledAtEveryJournalWriteStillOneBackupPerTable) {
  for (int n = 1; n <= kRunWrites; ++n) {
    for (const char* when : {"before", "after"}) {
      SCOPED_TRACE(fmt::format("killed at write {}:{}", n, when));
      Control("POST", "/_sim/reset");
      std::filesystem::remove(dir_.Join("state.db"));
      Seed("discussions");
      RunResult killed = Flightplan(Backup(), fmt::format("{}:{}", n, when));
      ASSERT_TRUE(killed.signaled) << killed.exit_code << killed.out << killed.err;
      ASSERT_EQ(killed.signal, SIGKILL);
      RunResult resumed;
      for (int attempt = 0; attempt < 3 && resumed.exit_code != 0; ++attempt) {
        resumed = Flightplan(Backup({"--yes"}));
      }
      ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
      ExpectOneBackupPerTable(/*via_cli=*/false);
      EXPECT_EQ(List(BackupOutputs(), "backups").size(), Tables().size());
    }
  }
  // One write past the last is never reached.
  Control("POST", "/_sim/reset");
  std::filesystem::remove(dir_.Join("state.db"));
  Seed("discussions");
  RunResult whole = Flightplan(Backup(), fmt::format("{}:before", kRunWrites + 1));
  EXPECT_EQ(whole.exit_code, 0) << "the run makes exactly " << kRunWrites << " writes\n"
                                << whole.out << whole.err;
}

// Killed after the exports were made, before the journal heard (write 6 is
// the backup step's success): the resumed run finds the exports by their
// ClientToken instead of starting more, and rollback still knows where it
// turned point-in-time recovery on.
TEST_F(BackupTest, ExportKilledBeforeTheJournalHeardFindsItsExportsOnResume) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed("fitness-tracker");
  const std::vector<std::string>& tables = Tables();
  ASSERT_FALSE(tables.empty());
  RunResult killed = Flightplan(Backup({"--export"}), "6:before");
  ASSERT_TRUE(killed.signaled) << killed.exit_code << killed.out << killed.err;
  EXPECT_EQ(Succeeded("ExportTableToPointInTime"), tables.size());
  RunResult resumed = Flightplan(Backup({"--export"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(Succeeded("ExportTableToPointInTime"), tables.size()) << "no second export";
  EXPECT_EQ(ExportsByArn().size(), tables.size());
  EXPECT_EQ(List(BackupOutputs(), "exports").size(), tables.size());
  RunResult rollback = Flightplan(Backup({"--rollback"}));
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  for (const std::string& t : tables) EXPECT_FALSE(PitrOn(t)) << t;
  EXPECT_EQ(ExportsByArn().size(), tables.size()) << "every export is kept";
}

TEST_F(BackupTest, ThrottledCreateBackupIsRetriedAndStillTakesOneBackup) {
  if (!HaveAwsCli()) GTEST_SKIP() << "the AWS CLI is not installed";
  Seed("discussions");
  AddFault("dynamodb", "CreateBackup", "throttle", {{"count", Value(2)}});
  RunResult run = Flightplan(Backup());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  size_t throttled = 0;
  for (const LogEntry& e : LogOf("dynamodb", "CreateBackup")) {
    throttled += e.error_code == "ThrottlingException" ? 1 : 0;
  }
  EXPECT_EQ(throttled, 2u);
  ExpectOneBackupPerTable();
}

}  // namespace
}  // namespace flightplan::cloudsim::testing
