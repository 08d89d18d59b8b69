// `flightplan schema diff OLD NEW` as a user meets it: the exit code says
// whether the change is safe (0), needs a data migration (1), deletes items
// (10, unless --accept-dangerous), or could not be read (2, FILE:LINE:COL).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace flightplan::testing {
namespace {

constexpr const char* kBefore = R"(enum Status { OPEN DONE }
type Todo @model @auth(rules: [{ allow: owner }]) {
  id: ID!
  name: String!
  completed: Boolean
  status: Status
}
type Note @model { id: ID! body: String }
)";

class SchemaDiffCliTest : public ::testing::Test {
 protected:
  RunResult Diff(const std::string& after, std::vector<std::string> extra = {}) {
    WriteFile(dir_.Join("old.graphql"), kBefore);
    WriteFile(dir_.Join("new.graphql"), after);
    Invocation inv;
    inv.args = {"schema", "diff", "old.graphql", "new.graphql"};
    inv.args.insert(inv.args.end(), extra.begin(), extra.end());
    inv.cwd = dir_.path();
    inv.env = {{"HOME", dir_.path()}};
    return RunFlightplan(inv);
  }
  TempDir dir_;
};

TEST_F(SchemaDiffCliTest, SafeChangesExitZero) {
  std::string after = kBefore;
  after.replace(after.find("OPEN DONE"), 9, "OPEN DONE ARCHIVED");
  after.replace(after.find("body: String"), 12, "body: String color: String");
  RunResult r = Diff(after);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Note.color"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 changes: 0 dangerous, 0 breaking, 2 safe"), std::string::npos) << r.out;
  EXPECT_EQ(Diff(kBefore).exit_code, 0);
}

TEST_F(SchemaDiffCliTest, BreakingChangesExitOneAndSayWhatToDo) {
  std::string after = kBefore;
  after.replace(after.find("completed: Boolean"), 18, "completed: Boolean!");
  RunResult r = Diff(after);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("Todo.completed: `completed` becomes required"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("add a data migration that sets it"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("1 breaking change"), std::string::npos) << r.err;
}

TEST_F(SchemaDiffCliTest, DangerousChangesExitTenUnlessAccepted) {
  std::string after = kBefore;
  after.erase(after.find("type Note"));
  after.replace(after.find("name: String!"), 13, "name: String! @primaryKey");
  RunResult r = Diff(after);
  EXPECT_EQ(r.exit_code, 10) << r.out << r.err;
  EXPECT_NE(r.out.find("model `Note` is removed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the primary key of `Todo` changes from (id) to (name)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("--accept-dangerous"), std::string::npos) << r.err;
  EXPECT_EQ(Diff(after, {"--accept-dangerous"}).exit_code, 0);
  after.replace(after.find("status: Status"), 14, "");
  EXPECT_EQ(Diff(after, {"--accept-dangerous"}).exit_code, 1) << "breaking still counts";
}

TEST_F(SchemaDiffCliTest, JsonIsTheOnlyThingOnStandardOutput) {
  std::string after = kBefore;
  after.replace(after.find("OPEN DONE"), 9, "OPEN");
  RunResult r = Diff(after, {"--json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.front(), '{') << r.out;
  EXPECT_NE(r.out.find("\"kind\": \"enum_value_removed\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"field\": \"status\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"breaking\": 1"), std::string::npos) << r.out;
}

TEST_F(SchemaDiffCliTest, ParseErrorsExitTwoWithFileLineAndColumn) {
  RunResult r = Diff("type Todo @model {\n  id ID!\n}\n");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("new.graphql:2:6: expected ':'"), std::string::npos) << r.err;
  Invocation missing;
  missing.args = {"schema", "diff", "nope.graphql", "old.graphql"};
  missing.cwd = dir_.path();
  missing.env = {{"HOME", dir_.path()}};
  EXPECT_EQ(RunFlightplan(missing).exit_code, 2);
}

TEST_F(SchemaDiffCliTest, HelpExplainsEveryOptionAndExitCode) {
  Invocation inv;
  inv.args = {"schema", "diff", "--help"};
  inv.cwd = dir_.path();
  RunResult r = RunFlightplan(inv);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"OLD", "NEW", "--json", "--accept-dangerous", "Exit codes", "10"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;
  }
}

}  // namespace
}  // namespace flightplan::testing
