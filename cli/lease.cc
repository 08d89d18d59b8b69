// flightplan lease show|take-over — who holds which target.
#include <fmt/format.h>

#include <memory>

#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "engine/lease_keeper.h"

namespace flightplan::cli {
namespace {

struct LeaseArgs {
  std::string target;
};

int DoShow(const GlobalOptions& global, const LeaseArgs& args) {
  Context ctx(global);
  auto journal = ctx.OpenJournal(/*create=*/false);
  if (!journal) return ReportError(ctx.console(), journal.error());
  auto leases = (*journal)->ListLeases();
  if (!leases) return ReportError(ctx.console(), leases.error());
  Timestamp now = ctx.clock().Now();
  int shown = 0;
  for (const Lease& l : *leases) {
    if (!args.target.empty() && l.target != args.target) continue;
    ++shown;
    std::string state = l.released ? "released" : l.expires_at <= now ? "expired" : "live";
    ctx.console().Out(fmt::format(
        "{}: {} — {} (generation {}, acquired {}, heartbeat {}, "
        "expires {})",
        l.target, state, l.holder.ToString(), l.generation, FormatTimestamp(l.acquired_at),
        FormatTimestamp(l.heartbeat_at), FormatTimestamp(l.expires_at)));
  }
  if (shown == 0) ctx.console().Out("no leases");
  return kExitOk;
}

int DoTakeOver(const GlobalOptions& global, const LeaseArgs& args) {
  Context ctx(global);
  auto journal = ctx.OpenJournal(/*create=*/false);
  if (!journal) return ReportError(ctx.console(), journal.error());
  auto acquired = AcquireTargetLease(
      **journal, ctx.host(), ctx.holder(), args.target,
      LeasePolicy{Duration(int64_t{global.lease_ttl_seconds} * 1000), TakeOver::kYes}, ctx.clock());
  if (!acquired) return ReportError(ctx.console(), acquired.error());
  const Lease& lease = acquired->lease;
  auto released =
      (*journal)->ReleaseLease(Fence{lease.target, lease.generation}, ctx.holder().operator_name);
  if (!released) return ReportError(ctx.console(), released.error());
  const std::string& notice = acquired->notice;
  ctx.console().Out(
      notice.empty() ? fmt::format("the lease on '{}' was free; nothing to take over", args.target)
                     : notice + "; the lease is now free");
  return kExitOk;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<LeaseArgs>();
  auto action = std::make_shared<CommandAction>();
  sub.require_subcommand(1);
  CLI::App* show = sub.add_subcommand("show", "List leases: holder, generation, heartbeat");
  show->add_option("--target", args->target, "Only this target");
  show->callback(
      [&global, args, action] { *action = [&global, args] { return DoShow(global, *args); }; });
  CLI::App* take = sub.add_subcommand(
      "take-over", "Take over an expired (or dead local) lease and free it; audited");
  take->add_option("target", args->target, "The target whose lease to take over")->required();
  take->callback(
      [&global, args, action] { *action = [&global, args] { return DoTakeOver(global, *args); }; });
  return [action] { return (*action)(); };
}

}  // namespace

extern const Command kLeaseCommand{"lease", "Show leases or take over an expired one", Setup};

}  // namespace flightplan::cli
