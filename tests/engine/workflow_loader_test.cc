#include "engine/workflow_loader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "steps/builtin/builtin_steps.h"
#include "tests/support/yaml_alias_bomb.h"

namespace flightplan {
namespace {

class MapCatalog final : public WorkflowCatalog {
 public:
  std::optional<std::vector<std::string>> RequiresOf(std::string_view name) const override {
    auto it = requires_.find(std::string(name));
    if (it == requires_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> Names() const override {
    std::vector<std::string> names;
    for (const auto& [n, r] : requires_) names.push_back(n);
    return names;
  }
  std::map<std::string, std::vector<std::string>> requires_;
};

class LoaderTest : public ::testing::Test {
 protected:
  LoaderTest() { RegisterBuiltinSteps(registry_); }

  Result<Workflow> Load(const std::string& text) {
    return LoadWorkflow(text, "wf.yaml", registry_, &catalog_);
  }

  // Expects a load error whose message holds `position` and `phrase`.
  void ExpectError(const std::string& text, const std::string& position,
                   const std::string& phrase) {
    auto wf = Load(text);
    ASSERT_FALSE(wf) << "loaded:\n" << text;
    EXPECT_EQ(wf.error().code(), ErrorCode::kInvalidInput);
    const std::string& message = wf.error().message();
    EXPECT_NE(message.find(position), std::string::npos)
        << "wanted position " << position << " in:\n"
        << message;
    EXPECT_NE(message.find(phrase), std::string::npos) << "wanted '" << phrase << "' in:\n"
                                                       << message;
  }

  StepRegistry registry_;
  MapCatalog catalog_;
};

constexpr char kValid[] = R"yaml(name: example
version: 1
description: says hello
target: demo/${params.name}
params:
  name: {type: string, required: true}
  token: {type: string, secret: true, env: DEMO_TOKEN}
steps:
  - id: greet
    uses: exec
    with: {argv: [sh, -c, 'echo hello ${params.name}'], check: [true]}
    rollback: {uses: exec, with: {argv: [sh, -c, 'echo ${steps.greet.outputs.stdout}']}}
  - id: check-greeting
    uses: assert
    kind: validation
    with: {that: "contains(steps.greet.outputs.stdout, 'hello')"}
  - id: config
    uses: file.write
    with: {path: out.json, content: '${env.DEMO_TOKEN}'}
    retry: {attempts: 3, delay: 1s}
    timeout: 30s
    confirm: {message: 'write it?', typed: yes please}
    when: params.name != 'nobody'
)yaml";

TEST_F(LoaderTest, ValidWorkflowLoadsEveryKey) {
  auto wf = Load(kValid);
  ASSERT_TRUE(wf) << wf.error().ToString();
  EXPECT_EQ(wf->name, "example");
  EXPECT_EQ(wf->target, "demo/${params.name}");
  ASSERT_EQ(wf->steps.size(), 3u);
  EXPECT_EQ(wf->steps[0].rollback.mode, RollbackMode::kExplicit);
  EXPECT_EQ(wf->steps[1].kind, StepKind::kValidation);
  EXPECT_EQ(wf->steps[2].rollback.mode, RollbackMode::kAuto);  // file.write undoes itself
  EXPECT_EQ(wf->steps[2].retry.attempts, 3);
  EXPECT_EQ(wf->steps[2].timeout, Duration(30000));
  EXPECT_EQ(wf->steps[2].confirm.typed, "yes please");
  EXPECT_TRUE(wf->FindParam("token")->secret);
  EXPECT_EQ(wf->steps[0].location.line, 9);
}

TEST_F(LoaderTest, MalformedYamlNamesLineAndColumn) {
  ExpectError("name: x\nversion: 1\nsteps:\n  - id: [unclosed\n", "wf.yaml:", "not valid YAML");
}

TEST_F(LoaderTest, NotAMapIsRefused) {
  ExpectError("- just\n- a list\n", "wf.yaml:1:1", "must be a YAML map");
}

TEST_F(LoaderTest, UnknownTopLevelKey) {
  ExpectError("name: x\nversion: 1\nstepz: []\nsteps: [{id: a, uses: echo, with: {message: hi}}]\n",
              "wf.yaml:3:1", "unknown key 'stepz'");
}

TEST_F(LoaderTest, RepeatableIsTrueOrFalse) {
  ExpectError(
      "name: x\nversion: 1\nrepeatable: often\nsteps: [{id: a, uses: echo, with: {message: "
      "hi}}]\n",
      "wf.yaml:3:13", "'repeatable' must be true or false");
}

TEST_F(LoaderTest, MissingVersion) {
  ExpectError("name: x\nsteps: [{id: a, uses: echo, with: {message: hi}}]\n", "wf.yaml:1:1",
              "missing required key 'version'");
}

TEST_F(LoaderTest, UnknownStepKey) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with: {message: hi}\n    "
      "retires: 3\n",
      "wf.yaml:7:5", "unknown key 'retires'");
}

TEST_F(LoaderTest, UnknownStepTypeListsKnownOnes) {
  ExpectError("name: x\nversion: 1\nsteps:\n  - id: a\n    uses: exek\n", "wf.yaml:5:11",
              "unknown step type 'exek' (known: assert, confirm, echo, exec");
}

TEST_F(LoaderTest, UnknownInput) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: exec\n    with: {argv: [true], "
      "argz: 1}\n",
      "wf.yaml:6:11", "unknown input 'argz'");
}

TEST_F(LoaderTest, MissingRequiredInput) {
  ExpectError("name: x\nversion: 1\nsteps:\n  - id: a\n    uses: exec\n", "wf.yaml:4:5",
              "missing required input 'argv'");
}

TEST_F(LoaderTest, WrongInputType) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: exec\n    with: {argv: \"echo "
      "hi\"}\n",
      "wf.yaml:6:11", "input 'argv' must be a list");
}

TEST_F(LoaderTest, ReferenceToUndeclaredParam) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with: {message: "
      "'${params.who}'}\n",
      "wf.yaml:6:11", "undeclared parameter 'who'");
}

TEST_F(LoaderTest, ReferenceToLaterStepOutput) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with: {message: "
      "'${steps.b.outputs.message}'}\n  - id: b\n    uses: echo\n    with: {message: hi}\n",
      "wf.yaml:6:11", "which runs later");
}

TEST_F(LoaderTest, ReferenceToUnknownOutput) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: exec\n    with: {argv: [true]}\n"
      "  - id: b\n    uses: echo\n    with: {message: '${steps.a.outputs.stdot}'}\n",
      "wf.yaml:9:11", "has no output 'stdot' (it has: exit_code, stdout, stderr)");
}

TEST_F(LoaderTest, ReferenceToUnknownStep) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with: {message: "
      "'${steps.zz.outputs.x}'}\n",
      "wf.yaml:6:11", "unknown step 'zz'");
}

TEST_F(LoaderTest, DuplicateStepIds) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with: {message: hi}\n"
      "  - id: a\n    uses: echo\n    with: {message: hi}\n",
      "wf.yaml:7:9", "step id 'a' is used twice");
}

TEST_F(LoaderTest, DuplicateYamlKey) {
  ExpectError("name: x\nname: y\nversion: 1\nsteps: [{id: a, uses: echo, with: {message: hi}}]\n",
              "wf.yaml:2:1", "'name' appears twice");
}

TEST_F(LoaderTest, RequiresCycleIsNamed) {
  catalog_.requires_["lock"] = {"refactor"};
  catalog_.requires_["refactor"] = {"example"};
  ExpectError(
      "name: example\nversion: 1\nrequires: [lock]\nsteps: [{id: a, uses: echo, with: "
      "{message: hi}}]\n",
      "wf.yaml:3:11", "requires forms a cycle: example -> lock -> refactor -> example");
}

TEST_F(LoaderTest, RequiresUnknownWorkflow) {
  catalog_.requires_["lock"] = {};
  ExpectError(
      "name: x\nversion: 1\nrequires: [lokc]\nsteps: [{id: a, uses: echo, with: "
      "{message: hi}}]\n",
      "wf.yaml:3:11", "requires unknown workflow 'lokc' (known: lock)");
}

TEST_F(LoaderTest, UndeclaredEnvironmentVariable) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with: {message: "
      "'${env.HOME}'}\n",
      "wf.yaml:6:11", "reads an environment variable no parameter declares");
}

// Regression: 'target' accepted references that exist only once a run does.
TEST_F(LoaderTest, TargetMayUseOnlyParamsAndTheWorkflowName) {
  ExpectError(
      "name: x\nversion: 1\ntarget: by/${run.operator}\nsteps: [{id: a, uses: echo, "
      "with: {message: hi}}]\n",
      "wf.yaml:3:9", "cannot be used in 'target'");
  auto ok = Load(
      "name: x\nversion: 1\ntarget: ${run.workflow}/x\nsteps: [{id: a, uses: echo, "
      "with: {message: hi}}]\n");
  EXPECT_TRUE(ok) << ok.error().ToString();
}

// Regression: a step without `with:` failed with yaml-cpp's "invalid node".
TEST_F(LoaderTest, StepWithoutInputsLoadsWhenTheTypeNeedsNone) {
  auto wf = Load(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: wait\n    with: "
      "{duration: 1s}\n    rollback: {uses: echo, with: {message: undo}}\n");
  EXPECT_TRUE(wf) << wf.error().ToString();
}

TEST_F(LoaderTest, UntilWrittenAsATemplateMayUsePoll) {
  auto wf = Load(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: wait\n    with: {poll: "
      "[true], until: '${poll.exit_code == 0}'}\n");
  EXPECT_TRUE(wf) << wf.error().ToString();
}

TEST_F(LoaderTest, BadDuration) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with: {message: hi}\n"
      "    timeout: 5 minutes\n",
      "wf.yaml:7:14", "is not a duration");
}

TEST_F(LoaderTest, AutoRollbackOnATypeWithoutOne) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: exec\n    with: {argv: [true]}\n"
      "    rollback: auto\n",
      "wf.yaml:7:15", "has no automatic rollback");
}

TEST_F(LoaderTest, RollbackNoneNeedsAReason) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: exec\n    with: {argv: [true]}\n"
      "    rollback: {none: ''}\n",
      "wf.yaml:7:15", "needs a reason");
}

TEST_F(LoaderTest, InvalidStepId) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: Bad Id\n    uses: echo\n    with: {message: "
      "hi}\n",
      "wf.yaml:4:9", "must be lower-case letters");
}

TEST_F(LoaderTest, BadExpressionInWhen) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with: {message: hi}\n"
      "    when: params.x ==\n",
      "wf.yaml:7:11", "expression");
}

TEST_F(LoaderTest, WaitNeedsDurationOrUntil) {
  ExpectError("name: x\nversion: 1\nsteps:\n  - id: a\n    uses: wait\n    with: {interval: 1s}\n",
              "wf.yaml:6:11", "exactly one of 'duration' or 'until'");
}

TEST_F(LoaderTest, WaitUntilMayUsePollButNotUnknownRoots) {
  auto ok = Load(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: wait\n    with: {poll: "
      "[true], until: 'poll.exit_code == 0'}\n");
  EXPECT_TRUE(ok) << ok.error().ToString();
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: wait\n    with: {until: "
      "'pol.exit_code == 0'}\n",
      "wf.yaml:6", "'pol.exit_code' is not something a workflow can refer to");
}

TEST_F(LoaderTest, EveryProblemIsReportedAtOnce) {
  auto wf = Load(
      "name: x\nversion: 1\nbogus: 1\nsteps:\n  - id: a\n    uses: nope\n  - id: a\n    "
      "uses: echo\n");
  ASSERT_FALSE(wf);
  const std::string& m = wf.error().message();
  EXPECT_NE(m.find("unknown key 'bogus'"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown step type 'nope'"), std::string::npos) << m;
  EXPECT_NE(m.find("used twice"), std::string::npos) << m;
  EXPECT_NE(m.find("missing required input 'message'"), std::string::npos) << m;
}

TEST_F(LoaderTest, HugeNestingIsRefusedNotACrash) {
  std::string text =
      "name: x\nversion: 1\nsteps: " + std::string(10000, '[') + std::string(10000, ']') + "\n";
  auto wf = Load(text);
  ASSERT_FALSE(wf);
  EXPECT_NE(wf.error().message().find("nested"), std::string::npos);
}

// Regression (issue #10): eight levels of ten aliases under `with` took
// 11.8 GB and more than a minute to validate.
TEST_F(LoaderTest, AliasBombIsRefusedWithItsPositionBeforeAnythingExpandsIt) {
  const std::string text =
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with:\n      message: hi\n" +
      flightplan::testing::YamlAliasBomb(8, 10, /*indent=*/6);
  auto started = std::chrono::steady_clock::now();
  auto wf = Load(text);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(wf);
  EXPECT_EQ(wf.error().code(), ErrorCode::kInvalidInput);
  // l5 (line 13) is where the expanded count passes a million.
  EXPECT_NE(wf.error().message().find("wf.yaml:13:51: "), std::string::npos)
      << wf.error().message();
  EXPECT_NE(wf.error().message().find("aliases"), std::string::npos) << wf.error().message();
  EXPECT_LT(took, std::chrono::seconds(5));
  auto header = ReadWorkflowHeader(text, "wf.yaml");
  ASSERT_FALSE(header);
  EXPECT_NE(header.error().message().find("wf.yaml:13:51: "), std::string::npos);
}

TEST_F(LoaderTest, AnAliasInsideItsOwnAnchorIsRefusedNotWalkedForever) {
  ExpectError(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n"
      "    with: &w {message: hi, again: [*w, *w, *w]}\n",
      "wf.yaml:6:", "endless");
}

TEST_F(LoaderTest, AliasesWithinTheBoundStillLoad) {
  auto wf = Load(
      "name: x\nversion: 1\nsteps:\n  - id: a\n    uses: echo\n    with: &w {message: hi}\n"
      "  - id: b\n    uses: echo\n    with: *w\n");
  ASSERT_TRUE(wf) << wf.error().message();
  EXPECT_EQ(wf->steps[1].with.Find("message")->as_string(), "hi");
}

TEST(WorkflowHeaderTest, ReadsNameAndRequires) {
  auto header = ReadWorkflowHeader("name: refactor\nrequires: [lock, generate]\n", "x.yaml");
  ASSERT_TRUE(header);
  EXPECT_EQ(header->name, "refactor");
  ASSERT_EQ(header->requires_workflows.size(), 2u);
}

TEST(DurationTest, ParsesUnitsAndRejectsNonsense) {
  EXPECT_EQ(ParseDuration("90s"), Duration(90000));
  EXPECT_EQ(ParseDuration("1h30m"), Duration(5400000));
  EXPECT_EQ(ParseDuration("250ms"), Duration(250));
  EXPECT_EQ(ParseDuration("5"), Duration(5000));
  EXPECT_FALSE(ParseDuration("5 m"));
  EXPECT_FALSE(ParseDuration("m5"));
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("5d"));
}

}  // namespace
}  // namespace flightplan
