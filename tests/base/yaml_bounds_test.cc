// The bound on a YAML document's expanded size (base/yaml_bounds.h): what
// counts, where a refusal points, and that a bomb costs nothing to refuse.
#include "base/yaml_bounds.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/yaml_alias_bomb.h"

namespace flightplan {
namespace {

using ::flightplan::testing::YamlAliasBomb;

TEST(YamlBoundsTest, CountsEveryNodeAnAliasRepeats) {
  // The map, key a, the list and its two items; key b and the alias's three.
  const std::string text = "a: &x [1, 2]\nb: *x\n";
  EXPECT_FALSE(CheckYamlNodeCount(text, 9));
  auto problem = CheckYamlNodeCount(text, 8);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->at.line, 2);
  EXPECT_EQ(problem->at.column, 4);
  EXPECT_NE(problem->what.find("more than 8 nodes"), std::string::npos) << problem->what;
}

TEST(YamlBoundsTest, BillionLaughsIsRefusedAtTheAliasThatPassesTheBoundInAnInstant) {
  // Eight levels of ten aliases: 10^9 strings once expanded, 500 bytes of text.
  const std::string text = YamlAliasBomb(8, 10);
  auto started = std::chrono::steady_clock::now();
  auto problem = CheckYamlNodeCount(text, 1'000'000);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(problem);
  // l0 to l4 hold 123,455 nodes, each alias in l5 adds 111,111: the eighth
  // passes a million.
  EXPECT_EQ(problem->at.line, 6);
  EXPECT_EQ(problem->at.column, 45);
  EXPECT_NE(problem->what.find("aliases"), std::string::npos) << problem->what;
  EXPECT_LT(took, std::chrono::seconds(1));
}

TEST(YamlBoundsTest, AnAliasInsideTheNodeItsAnchorNamesIsRefused) {
  // yaml-cpp builds this as a cycle; any walk of it would never end.
  auto problem = CheckYamlNodeCount("a: &x [1, *x]\n", 1000);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->at.line, 1);
  EXPECT_EQ(problem->at.column, 11);
  EXPECT_NE(problem->what.find("endless"), std::string::npos) << problem->what;
}

TEST(YamlBoundsTest, DocumentsWithinTheBoundPass) {
  EXPECT_FALSE(CheckYamlNodeCount("", 10));
  EXPECT_FALSE(CheckYamlNodeCount("name: x\nsteps: [{id: a, uses: echo}]\n", 100));
  EXPECT_FALSE(CheckYamlNodeCount(YamlAliasBomb(3, 10), 20'000));
}

TEST(YamlBoundsTest, SyntaxErrorsAreLeftToTheLoader) {
  EXPECT_FALSE(CheckYamlNodeCount("a: [1, 2\n", 100));
  EXPECT_FALSE(CheckYamlNodeCount("a: *undefined\n", 100));
}

}  // namespace
}  // namespace flightplan
