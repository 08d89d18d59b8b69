#!/usr/bin/env bash
# flightplan's main job, for now: the example workflow run, interrupted with
# SIGKILL in the middle of a step, resumed, rolled back, and the audit shown.
# Installs the dependencies and builds first. Everything happens in a
# temporary directory; nothing outside it is touched.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

./scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" --target flightplan
fp="$root/build/release/cli/flightplan"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export HOME="$work"  # the per-run logs stay in the demo directory
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1. run the example workflow; it is killed (SIGKILL) while its build step runs"
"$fp" run example --param site=demo --yes &
pid=$!
sleep 1
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
echo "(killed process $pid in the middle of the build step)"

say "2. status: the build step is in doubt"
"$fp" status 1

say "3. resume: the build step's check says it did not happen, so it runs again"
"$fp" resume --yes

say "4. the files it made"
cat site.json; echo
cat build.log
cat published.txt; echo

say "5. roll the run back, step by step"
"$fp" rollback 1
ls
cat build.log

say "6. the audit: who did what, when"
"$fp" history

say "7. the audit chain verifies"
"$fp" audit verify
