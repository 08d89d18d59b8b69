// Crash injection for the crash tests: when FLIGHTPLAN_FAULT_KILL_AT_WRITE is
// set to "N:before" or "N:after", the process sends itself SIGKILL just
// before or just after its Nth run/step/event write reaches the journal
// (lease writes are not counted: their number depends on timing); with
// "N:published" (a state in S3), just after that write's log object was
// created in the bucket and before this machine's replica committed it. The
// wrapper is installed only when the variable is set; docs/testing.md
// describes it.
#ifndef FLIGHTPLAN_CLI_FAULT_INJECTION_H_
#define FLIGHTPLAN_CLI_FAULT_INJECTION_H_

#include <memory>

#include "engine/journal.h"

namespace flightplan::cli {

// Returns `inner` unchanged when the variable is unset or malformed.
std::unique_ptr<Journal> MaybeInjectCrashes(std::unique_ptr<Journal> inner);

// LogJournalOptions::after_publish for "N:published": kills the process
// when the Nth write armed it; otherwise does nothing.
void KillIfArmedOnPublish();

}  // namespace flightplan::cli

#endif  // FLIGHTPLAN_CLI_FAULT_INJECTION_H_
