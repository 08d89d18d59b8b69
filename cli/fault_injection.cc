#include "cli/fault_injection.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "engine/journal_wrapper.h"

namespace flightplan::cli {
namespace {

std::atomic<bool> g_kill_on_publish{false};

enum class KillPoint { kBefore, kAfter, kPublished };

// Counts the run, step and event writes; every other call goes straight through.
class KillingJournal final : public JournalWrapper {
 public:
  KillingJournal(std::unique_ptr<Journal> inner, int64_t kill_at, KillPoint point)
      : JournalWrapper(std::move(inner)), kill_at_(kill_at), point_(point) {}

  Result<RunId> CreateRun(const Fence& f, const RunRecord& run, const std::vector<std::string>& ids,
                          const NewEvent& e) override {
    return Counted([&] { return JournalWrapper::CreateRun(f, run, ids, e); });
  }
  Result<void> TransitionRun(const Fence& f, RunId run, RunState from, RunState to,
                             const NewEvent& e) override {
    return Counted([&] { return JournalWrapper::TransitionRun(f, run, from, to, e); });
  }
  Result<void> TransitionStep(const Fence& f, const StepUpdate& u, const NewEvent& e) override {
    return Counted([&] { return JournalWrapper::TransitionStep(f, u, e); });
  }
  Result<void> RepinDefinition(const Fence& f, RunId run, const std::string& sha,
                               const std::string& source, const std::string& text,
                               const NewEvent& e) override {
    return Counted([&] { return JournalWrapper::RepinDefinition(f, run, sha, source, text, e); });
  }
  Result<void> AppendEvent(const Fence* f, const NewEvent& e) override {
    return Counted([&] { return JournalWrapper::AppendEvent(f, e); });
  }

 private:
  template <typename Fn>
  auto Counted(Fn&& write) -> decltype(write()) {
    ++writes_;
    bool here = writes_ == kill_at_;
    if (here && point_ == KillPoint::kBefore) kill(getpid(), SIGKILL);
    if (here && point_ == KillPoint::kPublished) g_kill_on_publish = true;
    auto result = write();
    g_kill_on_publish = false;
    if (here && point_ == KillPoint::kAfter) kill(getpid(), SIGKILL);
    return result;
  }

  int64_t kill_at_;
  KillPoint point_;
  int64_t writes_ = 0;
};

}  // namespace

std::unique_ptr<Journal> MaybeInjectCrashes(std::unique_ptr<Journal> inner) {
  const char* spec = std::getenv("FLIGHTPLAN_FAULT_KILL_AT_WRITE");
  if (spec == nullptr || *spec == '\0') return inner;
  std::string text(spec);
  size_t colon = text.find(':');
  int64_t at = std::atoll(text.substr(0, colon).c_str());
  std::string phase = colon == std::string::npos ? "" : text.substr(colon + 1);
  KillPoint point = phase == "after"       ? KillPoint::kAfter
                    : phase == "published" ? KillPoint::kPublished
                                           : KillPoint::kBefore;
  if (at <= 0) return inner;
  return std::make_unique<KillingJournal>(std::move(inner), at, point);
}

void KillIfArmedOnPublish() {
  if (g_kill_on_publish) kill(getpid(), SIGKILL);
}

}  // namespace flightplan::cli
