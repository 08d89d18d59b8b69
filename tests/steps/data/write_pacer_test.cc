// The write pacer on a fake clock: slots 1/N s apart in the order asked, never
// early (sleeps round up), no burst after idle time, and a stop while waiting.
#include "steps/data/write_pacer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <vector>

#include "tests/engine/fakes.h"

namespace flightplan::data {
namespace {

using flightplan::testing::FakeClock;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

nanoseconds Since0(const FakeClock& clock) { return clock.Monotonic().time_since_epoch(); }

TEST(WritePacerTest, WithoutALimitNothingWaits) {
  FakeClock clock;
  WritePacer pacer(clock, 0);
  StepContext ctx;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(pacer.Wait(ctx));
  EXPECT_FALSE(pacer.paced());
  EXPECT_TRUE(clock.slept().empty());
}

TEST(WritePacerTest, SlotsAreOneIntervalApartAndNeverEarly) {
  FakeClock clock;
  WritePacer pacer(clock, 3);  // a slot every 333.33 ms
  StepContext ctx;
  std::vector<nanoseconds> starts;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pacer.Wait(ctx));
    starts.push_back(Since0(clock));
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_GE(starts[i], nanoseconds(static_cast<int64_t>(i * 1e9 / 3))) << i;
    // Rounded up to the millisecond, no more.
    EXPECT_LT(starts[i], nanoseconds(static_cast<int64_t>(i * 1e9 / 3)) + milliseconds(1)) << i;
  }
  EXPECT_EQ(starts.front(), nanoseconds(0));
  // No more than 3 start in any second: the 4th is a whole second after the 1st.
  EXPECT_GE(starts[3] - starts[0], milliseconds(1000));
  for (auto slept : clock.slept()) EXPECT_LE(slept, milliseconds(200));
}

TEST(WritePacerTest, IdleTimeEarnsNoBurst) {
  FakeClock clock;
  WritePacer pacer(clock, 10);  // 100 ms apart
  StepContext ctx;
  ASSERT_TRUE(pacer.Wait(ctx));
  clock.Advance(milliseconds(5000));
  auto before = Since0(clock);
  ASSERT_TRUE(pacer.Wait(ctx));
  EXPECT_EQ(Since0(clock), before);  // its slot is now
  ASSERT_TRUE(pacer.Wait(ctx));
  EXPECT_EQ(Since0(clock) - before, milliseconds(100));  // the next one waits
}

TEST(WritePacerTest, AStoppedStepStopsWaiting) {
  FakeClock clock;
  WritePacer pacer(clock, 0.1);  // one write every 10 s
  std::atomic<bool> cancel{false};
  StepContext ctx;
  ctx.cancel = &cancel;
  ASSERT_TRUE(pacer.Wait(ctx));
  cancel = true;
  Result<void> waited = pacer.Wait(ctx);
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error().code(), ErrorCode::kCancelled);
  // It returned after one short sleep, not after the 10 s.
  EXPECT_EQ(clock.slept().size(), 1u);
  EXPECT_LE(clock.slept().back(), milliseconds(200));
}

}  // namespace
}  // namespace flightplan::data
