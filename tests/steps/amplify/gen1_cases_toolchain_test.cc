// The Gen1 projects under tests/data/gen1-cases/ (gen1_cases_test.cc says
// what they are) synthesized and type-checked with the pinned toolchain in
// tests/gen2-toolchain, for each environment a case names, with the fidelity
// report showing no stateful identity difference and no missing
// counterpart; case.json's "synth" entries are then looked up in the
// synthesized templates (a resource of the type whose property has the
// value), so an escape-hatch pin that CDK ignored fails. Needs Node.js and
// `npm ci` in tests/gen2-toolchain; skipped otherwise.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"
#include "steps/amplify/verify.h"
#include "steps/amplify/write_files.h"
#include "steps/sys/posix_process_runner.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using testing::Gen1CaseDir;
using testing::Gen1Cases;
using testing::ReadJson;
using testing::ScratchDir;

fs::path Toolchain() { return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests" / "gen2-toolchain"; }

// Whether some synthesized template under cdk.out has a resource of `type`
// whose `property` equals `value`.
bool Synthesized(const fs::path& out, const std::string& type, const std::string& property,
                 const Value& value) {
  for (const auto& e : fs::recursive_directory_iterator(out / "cdk.out")) {
    if (!e.path().filename().string().ends_with(".template.json")) continue;
    Value tmpl = ReadJson(e.path());
    const Value* resources = tmpl.Find("Resources");
    if (!resources || !resources->is_map()) continue;
    for (const auto& [id, resource] : resources->as_map()) {
      const Value* t = resource.Find("Type");
      const Value* props = resource.Find("Properties");
      if (!t || !t->is_string() || t->as_string() != type || !props) continue;
      const Value* v = props->Find(property);
      if (v && v->ToJson() == value.ToJson()) return true;
    }
  }
  return false;
}

class Gen1CaseToolchainVerifyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!fs::exists(Toolchain() / "node_modules" / ".bin" / "tsx")) {
      GTEST_SKIP() << "the pinned Gen2 toolchain is not installed: run `npm ci` in "
                      "tests/gen2-toolchain (scripts/test.sh does)";
    }
  }
};

TEST_P(Gen1CaseToolchainVerifyTest, SynthesizesTypeChecksAndKeepsStatefulIdentity) {
  const fs::path dir = Gen1CaseDir(GetParam());
  const Value spec = ReadJson(dir / "case.json");
  std::vector<std::string> envs;
  if (const Value* e = spec.Find("envs"); e && e->is_list()) {
    for (const Value& v : e->as_list()) envs.push_back(v.as_string());
  }
  if (envs.empty()) envs.push_back("");
  for (const std::string& env : envs) {
    SCOPED_TRACE("env " + env);
    ScratchDir scratch;
    Result<Gen1Project> project = LoadGen1Project(dir, {.env = env});
    ASSERT_TRUE(project) << project.error().ToString();
    Result<GeneratedFiles> files = GenerateGen2(*project, {});
    ASSERT_TRUE(files) << files.error().ToString();
    fs::path out = scratch.path() / "gen2";
    ASSERT_TRUE(WriteGeneratedFiles(*files, out, Overwrite::kNo));
    VerifyOptions verify;
    verify.toolchain_dir = Toolchain();
    verify.step_timeout = std::chrono::seconds(240);
    PosixProcessRunner runner;
    Result<VerifyResult> result = VerifyGen2Project(*project, out, verify, runner);
    ASSERT_TRUE(result) << result.error().ToString();
    EXPECT_FALSE(result->fidelity.Failed()) << result->fidelity.ToText();
    EXPECT_FALSE(result->fidelity.checks.empty());
    for (const FidelityCheck& c : result->fidelity.checks) {
      EXPECT_NE(c.status, FidelityStatus::kMissingInGen2) << c.resource;
      if (c.identity) {
        EXPECT_NE(c.status, FidelityStatus::kDiffers) << c.resource << " " << c.property;
      }
    }
    if (const Value* synth = spec.Find("synth"); synth && synth->is_list()) {
      for (const Value& want : synth->as_list()) {
        std::string type = want.Find("type")->as_string();
        std::string property = want.Find("property")->as_string();
        EXPECT_TRUE(Synthesized(out, type, property, *want.Find("value")))
            << "no " << type << " with " << property << " = " << want.Find("value")->ToJson();
      }
    }
  }
}

// A minute of synthesis each: CI runs the cases whose generated code the
// generator changed for (a sample); all of them with
// FLIGHTPLAN_FULL_GEN1_CASES=1 (docs/testing.md has the last full result).
std::vector<std::string> CasesToSynthesize() {
  const char* full = std::getenv("FLIGHTPLAN_FULL_GEN1_CASES");
  if (full != nullptr && std::string(full) == "1") return Gen1Cases();
  const std::set<std::string> sample = {"attribute-restrictions", "email-verification-link",
                                        "lambda-layer", "overrides"};
  std::vector<std::string> out;
  for (const std::string& c : Gen1Cases()) {
    if (sample.count(c)) out.push_back(c);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, Gen1CaseToolchainVerifyTest,
                         ::testing::ValuesIn(CasesToSynthesize()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name;
                           for (char c : param_info.param) name += (c == '-') ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace flightplan::amplify
