// Reading Query form bodies: lists, maps, and keys a client controls that
// must not be mistaken for the reader's own structure.
#include "cloudsim/wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flightplan::cloudsim {
namespace {

TEST(Wire, QueryListsAndMapsAreRebuilt) {
  Value v = UnflattenQuery(ParseForm(
      "Action=CreateStack&Parameters.member.2.ParameterKey=b&Parameters.member.1.ParameterKey=a"
      "&Parameters.member.10.ParameterKey=j&Tags.entry.1.key=k&Tags.entry.1.value=v&"
      "Capabilities="));
  const ValueList& params = v.Find("Parameters")->as_list();
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].Find("ParameterKey")->as_string(), "a");
  EXPECT_EQ(params[1].Find("ParameterKey")->as_string(), "b");
  EXPECT_EQ(params[2].Find("ParameterKey")->as_string(), "j");  // numeric order
  EXPECT_EQ(v.Find("Tags")->Find("k")->as_string(), "v");
  EXPECT_TRUE(v.Find("Capabilities")->is_list());
}

// Found by cloudsim_request_fuzzer: a key named like the reader's former
// in-band marker ("#kind") crashed it.
TEST(Wire, AnyKeyAClientSendsIsJustAKey) {
  Value v = UnflattenQuery(
      ParseForm("%23kind=x&A.member.1=a&A.%23kind=y&B=1&B.C=2&D.member.007=z&D.member.7=w"));
  ASSERT_TRUE(v.is_map());
  EXPECT_EQ(v.Find("#kind")->as_string(), "x");
  EXPECT_TRUE(v.Find("A")->is_list());
  EXPECT_EQ(v.Find("B")->Find("C")->as_string(), "2");  // structure wins over a scalar
  EXPECT_EQ(v.Find("D")->as_list().size(), 1u);         // 007 and 7 are one index
}

}  // namespace
}  // namespace flightplan::cloudsim
