// The Gen1 projects under tests/data/gen1-cases/, each written for one case
// AWS's own Gen1-to-Gen2 generator fails (case.json names the case and its
// AWS issue): every one loads and generates for each environment it names,
// the generated files hold what case.json "expect"s (and not what it says is
// "absent"), and assess names the "manual" work — a feature Gen2 cannot
// express is carried as escape-hatch code and reported, never dropped.
// The toolchain half (synthesis, type-check, fidelity) is
// gen1_cases_toolchain_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "steps/amplify/assess.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"
#include "steps/amplify/plan.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using testing::Gen1CaseDir;
using testing::Gen1Cases;
using testing::ReadJson;

std::vector<std::string> Strings(const Value* list) {
  std::vector<std::string> out;
  if (list == nullptr || !list->is_list()) return out;
  for (const Value& v : list->as_list()) out.push_back(v.as_string());
  return out;
}

// The environments case.json names ("envs"), else the project's own.
std::vector<std::string> EnvsOf(const Value& spec) {
  std::vector<std::string> envs = Strings(spec.Find("envs"));
  if (envs.empty()) envs.push_back("");
  return envs;
}

class Gen1CaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(Gen1CaseTest, GeneratesWhatTheCaseNeedsAndAssessNamesTheManualWork) {
  const fs::path dir = Gen1CaseDir(GetParam());
  const Value spec = ReadJson(dir / "case.json");
  ASSERT_TRUE(spec.Find("title") && spec.Find("title")->is_string()) << "case.json needs a title";
  for (const std::string& env : EnvsOf(spec)) {
    SCOPED_TRACE("env " + env);
    Result<Gen1Project> project = LoadGen1Project(dir, {.env = env});
    ASSERT_TRUE(project) << project.error().ToString();
    EXPECT_TRUE(project->has_deployed_state);
    if (!env.empty()) {
      EXPECT_EQ(project->env_name, env);
    }
    Result<GeneratedFiles> files = GenerateGen2(*project, {});
    ASSERT_TRUE(files) << files.error().ToString();

    for (const char* key : {"expect", "absent"}) {
      const Value* want = spec.Find(key);
      if (want == nullptr) continue;
      for (const auto& [file, needles] : want->as_map()) {
        auto it = files->find(file);
        ASSERT_NE(it, files->end()) << file << " is not generated";
        for (std::string needle : Strings(&needles)) {
          size_t at = std::string::npos;
          if (!env.empty()) {
            // "${env}" in a needle stands for the environment generated.
            while ((at = needle.find("${env}")) != std::string::npos) needle.replace(at, 6, env);
          }
          bool found = it->second.find(needle) != std::string::npos;
          EXPECT_EQ(found, std::string(key) == "expect")
              << file << (found ? " holds " : " lacks ") << needle << "\n"
              << it->second;
        }
      }
    }
    std::string report = AssessMarkdown(*project);
    for (const std::string& manual : Strings(spec.Find("manual"))) {
      EXPECT_NE(report.find(manual), std::string::npos)
          << "assess does not name the manual work '" << manual << "'\n"
          << report;
    }
    EXPECT_FALSE(PlanMigration(*project).HasBlockers()) << report;
  }
}

// An env the project names but whose deployed state it does not hold
// ("other_envs") is refused, pointing to generating it from the cloud
// (tests/migration/generate_cloud_test.cc generates it that way).
TEST_P(Gen1CaseTest, AnotherEnvironmentIsRefusedAndPointedToTheCloud) {
  const fs::path dir = Gen1CaseDir(GetParam());
  const Value spec = ReadJson(dir / "case.json");
  for (const std::string& env : Strings(spec.Find("other_envs"))) {
    Result<Gen1Project> project = LoadGen1Project(dir, {.env = env});
    ASSERT_FALSE(project) << env << " would be read from another env's deployed state";
    EXPECT_EQ(project.error().code(), ErrorCode::kInvalidInput);
    EXPECT_NE(project.error().message().find("flightplan generate --app-id"), std::string::npos)
        << project.error().message();
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, Gen1CaseTest, ::testing::ValuesIn(Gen1Cases()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name;
                           for (char c : param_info.param) name += (c == '-') ? '_' : c;
                           return name;
                         });

TEST(Gen1CasesTest, TheCasesAreThere) { EXPECT_GE(Gen1Cases().size(), 2u); }

}  // namespace
}  // namespace flightplan::amplify
