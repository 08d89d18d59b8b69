// RunStackRefactor against the simulator: a table moves and keeps its
// items; a re-run finds its refactor by the tag and sends nothing; a
// refactor created but never executed is executed, not duplicated; one
// whose planned actions differ from the mappings is refused unexecuted; a
// failed execution is reported as failed (rolled back, or not), and a
// re-run after it finishes the move. Owners are read back through the AWS
// CLI as well as the simulator's own DescribeStackResources.
#include "steps/migration/stack_refactor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "tests/cloudsim/sim_fixture.h"

namespace flightplan::migration {
namespace {

using ::testing::HasSubstr;

constexpr const char* kSource = R"({
  "Resources": {
    "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
      "Properties": {"TableName": "Notes-main", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}},
    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "Notes-main"}}
  }})";
constexpr const char* kSourceAfter = R"({
  "Resources": {
    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "Notes-main"}}
  }})";
constexpr const char* kDestination = R"({
  "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})";
constexpr const char* kDestinationAfter = R"({
  "Resources": {
    "Queue": {"Type": "AWS::SQS::Queue"},
    "NotesTable": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
      "Properties": {"TableName": "Notes-main", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}}}})";

class StackRefactorTest : public cloudsim::testing::SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    for (const auto& [name, body] :
         {std::pair{"gen1-storage", kSource}, std::pair{"gen2-storage", kDestination}}) {
      Value params(ValueMap{});
      params.Set("StackName", name);
      params.Set("TemplateBody", body);
      Call("cloudformation", "CreateStack", params);
    }
    for (int i = 0; i < 3; ++i) {
      Value key(ValueMap{});
      key.Set("S", "note-" + std::to_string(i));
      Value item(ValueMap{});
      item.Set("id", key);
      Value params(ValueMap{});
      params.Set("TableName", "Notes-main");
      params.Set("Item", item);
      Call("dynamodb", "PutItem", params);
    }
    wait_.initial_delay = std::chrono::milliseconds(1);
    wait_.max_delay = std::chrono::milliseconds(20);
    wait_.timeout = std::chrono::seconds(30);
  }

  StackRefactorSpec Spec(const std::string& tag = "flightplan run 1 refactor test") {
    StackRefactorSpec spec;
    spec.tag = tag;
    spec.stacks = {{"gen1-storage", kSourceAfter}, {"gen2-storage", kDestinationAfter}};
    spec.mappings = {{"gen1-storage", "Table", "gen2-storage", "NotesTable"}};
    return spec;
  }

  Result<StackRefactorOutcome> Run(const StackRefactorSpec& spec) {
    return RunStackRefactor(*client_, client_clock_, spec, wait_, [&]() -> Result<bool> {
      ++ground_truth_asked_;
      ASSIGN_OR_RETURN(ResourceOwner owner, OwnerOf(*client_, client_clock_, "Notes-main"));
      return owner.stack_name == "gen2-storage";
    });
  }

  std::string Owner() {
    Result<ResourceOwner> owner = OwnerOf(*client_, client_clock_, "Notes-main");
    EXPECT_TRUE(owner) << owner.error().message();
    return owner ? owner->stack_name + "/" + owner->logical_id : "";
  }

  int Items() {
    Value params(ValueMap{});
    params.Set("TableName", "Notes-main");
    params.Set("Select", "COUNT");
    Value out = Call("dynamodb", "Scan", params);
    return static_cast<int>(out.Find("Count")->as_double());
  }

  std::string CreateDirectly(const StackRefactorSpec& spec, const std::string& dest_id) {
    Value mapping = Value::FromJson(R"({"Source": {"StackName": "gen1-storage",
        "LogicalResourceId": "Table"}, "Destination": {"StackName": "gen2-storage",
        "LogicalResourceId": ")" + dest_id +
                                    R"("}})")
                        .value();
    ValueList definitions;
    for (const RefactorStackDefinition& s : spec.stacks) {
      Value d(ValueMap{});
      d.Set("StackName", s.stack_name);
      d.Set("TemplateBody", s.template_body);
      definitions.push_back(d);
    }
    Value params(ValueMap{});
    params.Set("Description", spec.tag);
    params.Set("StackDefinitions", Value(definitions));
    params.Set("ResourceMappings", Value(ValueList{mapping}));
    return Call("cloudformation", "CreateStackRefactor", params)
        .Find("StackRefactorId")
        ->as_string();
  }

  aws::WaitOptions wait_;
  int ground_truth_asked_ = 0;
};

TEST_F(StackRefactorTest, TheTableMovesKeepingItsItemsAndARerunSendsNothing) {
  Result<StackRefactorOutcome> first = Run(Spec());
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(*first, StackRefactorOutcome::kExecuted);
  EXPECT_EQ(Owner(), "gen2-storage/NotesTable");
  EXPECT_EQ(Items(), 3);
  if (HaveAwsCli()) {
    Value owner =
        Cli({"cloudformation", "describe-stack-resources", "--physical-resource-id", "Notes-main"});
    EXPECT_THAT(owner.ToJson(), HasSubstr("\"StackName\":\"gen2-storage\""));
  }
  ASSERT_EQ(LogOf("cloudformation", "CreateStackRefactor").size(), 1u);

  Result<StackRefactorOutcome> again = Run(Spec());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*again, StackRefactorOutcome::kAlreadyDone);
  EXPECT_EQ(LogOf("cloudformation", "CreateStackRefactor").size(), 1u);
  EXPECT_EQ(LogOf("cloudformation", "ExecuteStackRefactor").size(), 1u);
}

TEST_F(StackRefactorTest, ARefactorCreatedButNotExecutedIsExecutedNotDuplicated) {
  CreateDirectly(Spec(), "NotesTable");  // as a crash right after creating leaves it
  Result<StackRefactorOutcome> run = Run(Spec());
  ASSERT_TRUE(run) << run.error().message();
  EXPECT_EQ(*run, StackRefactorOutcome::kExecuted);
  EXPECT_EQ(LogOf("cloudformation", "CreateStackRefactor").size(), 1u);
  EXPECT_EQ(Owner(), "gen2-storage/NotesTable");
}

TEST_F(StackRefactorTest, PlannedActionsThatDifferFromTheMappingsAreRefusedUnexecuted) {
  // Someone else's refactor under our tag, moving the table elsewhere.
  StackRefactorSpec other = Spec();
  other.stacks[1].template_body =
      std::string(kDestinationAfter)
          .replace(std::string(kDestinationAfter).find("NotesTable"), 10, "OtherTable");
  CreateDirectly(other, "OtherTable");
  Result<StackRefactorOutcome> run = Run(Spec());
  ASSERT_FALSE(run);
  EXPECT_THAT(run.error().message(), HasSubstr("not one of flightplan's mappings"));
  EXPECT_THAT(run.error().message(), HasSubstr("nothing moved"));
  EXPECT_TRUE(LogOf("cloudformation", "ExecuteStackRefactor").empty());
  EXPECT_EQ(Owner(), "gen1-storage/Table");
}

TEST_F(StackRefactorTest, AFailedExecutionIsReportedAndARerunFinishesTheMove) {
  Control("POST", "/_sim/faults",
          Value::FromJson(R"({"service": "cloudformation", "operation": "ExecuteStackRefactor",
                              "kind": "fail_refactor"})")
              .value());
  Result<StackRefactorOutcome> failed = Run(Spec());
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), ErrorCode::kStepFailed);
  EXPECT_THAT(failed.error().message(), HasSubstr("rolled it back"));
  EXPECT_THAT(failed.error().message(), HasSubstr("nothing moved"));
  EXPECT_EQ(Owner(), "gen1-storage/Table");
  EXPECT_EQ(Items(), 3);

  // The rolled-back refactor is passed over; a new one moves the table.
  Result<StackRefactorOutcome> rerun = Run(Spec());
  ASSERT_TRUE(rerun) << rerun.error().message();
  EXPECT_EQ(*rerun, StackRefactorOutcome::kExecuted);
  EXPECT_EQ(LogOf("cloudformation", "CreateStackRefactor").size(), 2u);
  EXPECT_EQ(Owner(), "gen2-storage/NotesTable");
  EXPECT_EQ(Items(), 3);
}

TEST_F(StackRefactorTest, AFailedRollbackSaysTheStacksNeedAttention) {
  Control("POST", "/_sim/faults",
          Value::FromJson(R"({"service": "cloudformation", "operation": "ExecuteStackRefactor",
                              "kind": "fail_refactor", "options": {"rollback_fails": true}})")
              .value());
  Result<StackRefactorOutcome> failed = Run(Spec());
  ASSERT_FALSE(failed);
  EXPECT_THAT(failed.error().message(), HasSubstr("could not roll it back"));
  EXPECT_THAT(failed.error().message(), HasSubstr("gen1-storage, gen2-storage"));
  // The one move applied: the re-run reads the ground truth and stops.
  EXPECT_EQ(Owner(), "gen2-storage/NotesTable");
  Result<StackRefactorOutcome> rerun = Run(Spec());
  ASSERT_TRUE(rerun) << rerun.error().message();
  EXPECT_EQ(*rerun, StackRefactorOutcome::kAlreadyDone);
  EXPECT_EQ(LogOf("cloudformation", "CreateStackRefactor").size(), 1u);
}

TEST_F(StackRefactorTest, ARefusedRefactorSaysWhyAndMovesNothing) {
  StackRefactorSpec spec = Spec();
  spec.stacks[0].template_body = kSource;  // the table would be in both stacks
  Result<StackRefactorOutcome> run = Run(spec);
  ASSERT_FALSE(run);
  EXPECT_THAT(run.error().message(), HasSubstr("CloudFormation refused stack refactor"));
  EXPECT_EQ(Owner(), "gen1-storage/Table");
}

}  // namespace
}  // namespace flightplan::migration
