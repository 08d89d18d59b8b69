#include "steps/data/data_target.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <random>
#include <set>

#include "base/clock.h"
#include "steps/aws/cloudformation.h"
#include "steps/aws/services.h"
#include "steps/aws/values.h"

namespace flightplan::data {
namespace {

using aws::StringAt;

// Nested stacks followed at most (Gen2 backends nest two or three deep).
constexpr int kMaxStacks = 200;

bool IsTableType(const std::string& type) {
  return type == "AWS::DynamoDB::Table" || type == "AWS::DynamoDB::GlobalTable" ||
         type == "Custom::AmplifyDynamoDBTable" || type == "Custom::ImportedAmplifyDynamoDBTable";
}

// The input `name`, else the run parameter of the same name.
std::string InputOrParam(const Value& inputs, const StepContext& ctx, std::string_view name) {
  std::string value = StringAt(inputs, name);
  if (!value.empty() || ctx.scope == nullptr) return value;
  const Value* params = ctx.scope->Find("params");
  return params ? StringAt(*params, name) : std::string();
}

}  // namespace

std::vector<FieldSpec> DataTargetFields() {
  return {
      {"table", FieldType::kString, false, "the table's name (or give `model`)", {}},
      {"model",
       FieldType::kString,
       false,
       "a @model type; its table is found in the branch's backend stack",
       {}},
      {"app_id",
       FieldType::kString,
       false,
       "Amplify app id (default: the run's app_id parameter)",
       {}},
      {"branch",
       FieldType::kString,
       false,
       "Amplify branch (default: the run's branch parameter)",
       {}},
      {"region",
       FieldType::kString,
       false,
       "AWS region (default: the run's, else the AWS CLI's)",
       {}},
      {"profile",
       FieldType::kString,
       false,
       "AWS CLI profile (default: the run's, else the AWS CLI's)",
       {}},
  };
}

Result<DataTarget> ReadDataTarget(const Value& inputs, const StepContext& ctx) {
  DataTarget t;
  t.table = StringAt(inputs, "table");
  t.model = StringAt(inputs, "model");
  t.app_id = InputOrParam(inputs, ctx, "app_id");
  t.branch = InputOrParam(inputs, ctx, "branch");
  t.region = InputOrParam(inputs, ctx, "region");
  t.profile = InputOrParam(inputs, ctx, "profile");
  if (t.table.empty() == t.model.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "give either `table` (a table's name) or `model` (a @model type), not both "
                     "and not neither");
  }
  if (!t.model.empty() && (t.app_id.empty() || t.branch.empty())) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("model '{}' is found through the branch's backend stack: run "
                                 "with --app-id and --branch, or name the table with `table`",
                                 t.model));
  }
  return t;
}

Result<std::string> ResolveTable(aws::AwsClient& client, Clock& clock, const DataTarget& target) {
  if (!target.table.empty()) return target.table;
  aws::AmplifyClient amplify(client);
  ASSIGN_OR_RETURN(Value branch, amplify.GetBranch(target.app_id, target.branch));
  const Value* b = branch.Find("branch");
  std::string root =
      b ? StringAt(b->Find("backend") ? *b->Find("backend") : Value(), "stackArn") : std::string();
  if (root.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("branch '{}' of app {} has no backend stack yet (deploy it "
                                 "first), so model '{}' has no table; name the table with `table`",
                                 target.branch, target.app_id, target.model));
  }
  aws::CloudFormationClient cfn(client, clock);
  std::string prefix = target.model + "-";
  std::set<std::string> tables;
  std::deque<std::string> stacks{root};
  int visited = 0;
  while (!stacks.empty()) {
    if (visited++ == kMaxStacks) {
      // Unread stacks may hold the model's table, or a second one.
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("the backend stack of app {} branch {} ({}) nests more than "
                                   "{} stacks, more than flightplan searches for model '{}'; "
                                   "name the table with `table`",
                                   target.app_id, target.branch, root, kMaxStacks, target.model));
    }
    std::string stack = stacks.front();
    stacks.pop_front();
    ASSIGN_OR_RETURN(ValueList resources, cfn.ListStackResources(stack));
    for (const Value& r : resources) {
      std::string type = StringAt(r, "ResourceType");
      std::string physical = StringAt(r, "PhysicalResourceId");
      if (type == "AWS::CloudFormation::Stack" && !physical.empty()) {
        stacks.push_back(physical);
      } else if (IsTableType(type) && physical.rfind(prefix, 0) == 0) {
        tables.insert(physical);
      }
    }
  }
  if (tables.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("no table of model '{}' (named '{}…') in the backend stack of "
                                 "app {} branch {} ({}); check the model's name, or name the "
                                 "table with `table`",
                                 target.model, prefix, target.app_id, target.branch, root));
  }
  if (tables.size() > 1) {
    std::string names;
    for (const std::string& t : tables) names += (names.empty() ? "" : ", ") + t;
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("model '{}' matches several tables ({}); name one with `table`",
                                 target.model, names));
  }
  return *tables.begin();
}

Result<ResolvedTable> ResolveDataTable(aws::ClientPool& clients, const Value& inputs,
                                       StepContext& ctx) {
  ASSIGN_OR_RETURN(DataTarget target, ReadDataTarget(inputs, ctx));
  ResolvedTable t;
  ASSIGN_OR_RETURN(t.client, clients.Get(target.profile, target.region));
  ASSIGN_OR_RETURN(t.table, ResolveTable(*t.client, *ctx.clock, target));
  ASSIGN_OR_RETURN(TableShape shape, DescribeTableShape(*t.client, t.table));
  t.key_names = std::move(shape.key_names);
  return t;
}

void SetPreparedTable(Value& prepared, const ResolvedTable& t) {
  prepared.Set("table", t.table);
  prepared.Set("keys", Value(ValueList(t.key_names.begin(), t.key_names.end())));
}

Result<ResolvedTable> PreparedTable(aws::ClientPool& clients, const Value& inputs, StepContext& ctx,
                                    std::string_view step) {
  ASSIGN_OR_RETURN(DataTarget target, ReadDataTarget(inputs, ctx));
  ResolvedTable t;
  ASSIGN_OR_RETURN(t.client, clients.Get(target.profile, target.region));
  t.table = StringAt(ctx.prepared, "table");
  for (const Value& k : aws::ListAt(ctx.prepared, "keys")) {
    if (k.is_string()) t.key_names.push_back(k.as_string());
  }
  if (t.table.empty() || t.key_names.empty()) {
    return MakeError(ErrorCode::kInternal,
                     fmt::format("the journaled {} plan names no table or key", step));
  }
  return t;
}

std::string DescribeTarget(const Value& inputs) {
  std::string table = StringAt(inputs, "table");
  if (!table.empty()) return "table " + table;
  return "the table of model " + StringAt(inputs, "model");
}

Result<TableShape> DescribeTableShape(aws::AwsClient& client, const std::string& table) {
  Value params(ValueMap{});
  params.Set("TableName", table);
  aws::AwsResult described = client.Call("dynamodb", "DescribeTable", params);
  if (!described) return MakeError(described.error().ToError());
  const Value* t = described->Find("Table");
  TableShape shape;
  for (const Value& k : t ? aws::ListAt(*t, "KeySchema") : ValueList{}) {
    shape.key_names.push_back(StringAt(k, "AttributeName"));
  }
  if (shape.key_names.empty()) {
    return MakeError(ErrorCode::kStepFailed,
                     fmt::format("DescribeTable of {} names no key schema", table));
  }
  shape.item_count = t ? aws::IntAt(*t, "ItemCount") : 0;
  return shape;
}

// Over a minute of pauses in all before a throttled call is given up.
constexpr int kThrottleRounds = 12;

aws::AwsResult CallPatiently(aws::AwsClient& client, std::string_view operation,
                             const Value& params, StepContext& ctx) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  int64_t pause_ms = 200;
  int earlier_unanswered = 0;
  for (int round = 1;; ++round) {
    aws::AwsResult result = client.Call("dynamodb", operation, params);
    if (!result) result.error().unanswered += earlier_unanswered;
    // An item held by another transaction (the app's) is a wait, like
    // throttling: DynamoDB asks for the request to be tried again.
    const bool wait = !result && (result.error().kind == aws::AwsErrorKind::kThrottling ||
                                  result.error().code == "TransactionConflictException");
    if (!wait || round >= kThrottleRounds || !ctx.StopReason()) {
      return result;
    }
    earlier_unanswered = result.error().unanswered;
    int64_t jittered = std::uniform_int_distribution<int64_t>(pause_ms / 2, pause_ms)(random);
    ctx.clock->Sleep(Duration(jittered));
    pause_ms = std::min<int64_t>(pause_ms * 2, 10000);
  }
}

}  // namespace flightplan::data
