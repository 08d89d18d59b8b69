// The child-record look-ups the Amplify and Cognito stores share
// (cloudsim/stores/records.h), and the stores' time formats
// (cloudsim/values.h).
#include "cloudsim/stores/records.h"

#include <gtest/gtest.h>

#include "cloudsim/values.h"

namespace flightplan::cloudsim {
namespace {

struct Parent {
  Records children;
};

constexpr MissingRecord kNoChild{404, "NotFoundException", "Child {} not found."};

SimResult<Parent*> Found(Parent& p) { return &p; }
SimResult<const Parent*> FoundConst(const Parent& p) { return &p; }
SimResult<Parent*> NoParent() { return tl::unexpected(SimError{400, "NoParent", "gone"}); }

TEST(RecordsTest, MissingRecordNamesTheRecordInTheServicesShape) {
  SimError e = kNoChild.For("dev");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "NotFoundException");
  EXPECT_EQ(e.message, "Child dev not found.");
  MissingRecord unnamed{400, "UserNotFoundException", "User does not exist."};
  EXPECT_EQ(unnamed.For("alice").message, "User does not exist.");
}

TEST(RecordsTest, LookupsFindListChangeAndTakeChildren) {
  Parent p;
  p.children["b"] = Value("second");
  p.children["a"] = Value("first");
  EXPECT_EQ(GetChild(FoundConst(p), &Parent::children, "a", kNoChild)->as_string(), "first");
  auto all = ListChildren(FoundConst(p), &Parent::children);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].as_string(), "first");  // name order
  auto found = FindChild(Found(p), &Parent::children, "b", kNoChild);
  ASSERT_TRUE(found.has_value());
  **found = Value("changed");
  EXPECT_EQ(p.children["b"].as_string(), "changed");
  auto taken = TakeChild(Found(p), &Parent::children, "a", kNoChild);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->as_string(), "first");
  EXPECT_EQ(p.children.count("a"), 0u);
}

TEST(RecordsTest, AMissingChildAnswersItsErrorAndAMissingParentPassesOn) {
  Parent p;
  auto missing = TakeChild(Found(p), &Parent::children, "x", kNoChild);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "Child x not found.");
  auto no_parent = FindChild(NoParent(), &Parent::children, "x", kNoChild);
  ASSERT_FALSE(no_parent.has_value());
  EXPECT_EQ(no_parent.error().code, "NoParent");
}

TEST(ValuesTest, IsoTimeHasMillisecondsAndZ) {
  EXPECT_EQ(IsoTime(Timestamp{1440938160250}), "2015-08-30T12:36:00.250Z");
}

}  // namespace
}  // namespace flightplan::cloudsim
