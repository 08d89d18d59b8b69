#!/usr/bin/env bash
# sqitch_peer: flightplan against a well-known peer that also applies an
# ordered list of changes and records each one in a SQLite registry.
#
#   sqitch deploy    N no-op changes (comment-only deploy scripts) to a
#                    SQLite database; sqitch records each in its registry
#   flightplan run   a workflow of N no-op steps (`assert` with `that: true`),
#                    each journaled before and after it runs
#
# Both start cold (no registry / no state file yet), run as whole processes
# from the shell, and write to the same scratch directory, so they share one
# file system. Prints both times and the ratio.
#
# Usage: bench/sqitch_peer.sh [N]      (default N=200, or $SQITCH_PEER_N)
# Environment: FLIGHTPLAN_BIN (default build/cli/flightplan),
#              FLIGHTPLAN_BENCH_DIR (where the scratch directory goes; default $TMPDIR or /tmp).
set -euo pipefail

n=${1:-${SQITCH_PEER_N:-200}}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${FLIGHTPLAN_BIN:-$root/build/cli/flightplan}
limit_seconds=${SQITCH_PEER_TIMEOUT:-900}

skip() {
  echo "sqitch_peer: SKIPPED: $1"
  exit 0
}

command -v sqitch >/dev/null 2>&1 ||
  skip "sqitch is not installed (Debian packages: sqitch libdbd-sqlite3-perl)"
perl -MDBD::SQLite -e 1 >/dev/null 2>&1 ||
  skip "the Perl SQLite driver is missing (Debian package: libdbd-sqlite3-perl)"
command -v sqlite3 >/dev/null 2>&1 ||
  skip "the sqlite3 client is missing (sqitch's SQLite engine runs deploy scripts with it)"
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
  echo "sqitch_peer: N must be a positive whole number, not '$n'" >&2
  exit 2
fi
if [ ! -x "$bin" ]; then
  echo "sqitch_peer: no flightplan binary at $bin; build first (or set FLIGHTPLAN_BIN)" >&2
  exit 2
fi

base=${FLIGHTPLAN_BENCH_DIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/fp-sqitch-peer-XXXXXX")
trap 'rm -rf "$work"' EXIT
# Keeps sqitch's user configuration and flightplan's per-run log out of the
# real home directory.
export HOME=$work/home
mkdir -p "$HOME"
export SQITCH_FULLNAME="Bench" SQITCH_EMAIL="bench@localhost"

now_ns() { date +%s%N; }

# --- the sqitch project: N comment-only changes ------------------------------
project=$work/sqitch
mkdir -p "$project/deploy" "$project/revert" "$project/verify"
printf '[core]\n\tengine = sqlite\n' >"$project/sqitch.conf"
{
  printf '%%syntax-version=1.0.0\n%%project=bench\n\n'
  for ((i = 1; i <= n; i++)); do
    change=$(printf 'c%05d' "$i")
    printf '%s 2026-01-01T00:00:00Z Bench <bench@localhost> # no-op\n' "$change"
    printf -- '-- no-op change %s\n' "$change" >"$project/deploy/$change.sql"
    printf -- '-- no-op change %s\n' "$change" >"$project/revert/$change.sql"
    printf -- '-- no-op change %s\n' "$change" >"$project/verify/$change.sql"
  done
} >"$project/sqitch.plan"

# --- the flightplan workflow: N no-op steps ----------------------------------
flight=$work/flightplan
mkdir -p "$flight"
{
  printf 'name: sqitch-peer\nversion: 1\ndescription: %d no-op steps\nsteps:\n' "$n"
  for ((i = 1; i <= n; i++)); do
    printf '  - id: c%05d\n    uses: assert\n    with: {that: true}\n' "$i"
  done
} >"$flight/noop.yaml"
"$bin" workflows validate "$flight/noop.yaml" >/dev/null

fs=$(stat -f -c %T "$work")
echo "sqitch_peer: N=$n on $fs ($work); sqitch $(sqitch --version | awk '{print $NF}'), $("$bin" --version)"

start=$(now_ns)
(cd "$project" && timeout "$limit_seconds" sqitch deploy "db:sqlite:$project/bench.db" >"$work/sqitch.log" 2>&1) || {
  echo "sqitch_peer: sqitch deploy failed or timed out; its output:" >&2
  tail -n 20 "$work/sqitch.log" >&2
  exit 1
}
sqitch_ns=$(($(now_ns) - start))
deployed=$(grep -c ' \.\. ok' "$work/sqitch.log" || true)
if [ "$deployed" -ne "$n" ]; then
  echo "sqitch_peer: sqitch reported $deployed of $n changes deployed" >&2
  exit 1
fi

start=$(now_ns)
timeout "$limit_seconds" "$bin" --state "$flight/state.db" --no-color run "$flight/noop.yaml" \
  >"$work/flightplan.log" 2>&1 || {
  echo "sqitch_peer: flightplan run failed; its output:" >&2
  tail -n 20 "$work/flightplan.log" >&2
  exit 1
}
flightplan_ns=$(($(now_ns) - start))

awk -v n="$n" -v s="$sqitch_ns" -v f="$flightplan_ns" 'BEGIN {
  printf "  sqitch deploy  (SQLite registry)   %9.3f s  %8.2f ms/change\n", s / 1e9, s / 1e6 / n
  printf "  flightplan run (SQLite journal)    %9.3f s  %8.2f ms/step\n", f / 1e9, f / 1e6 / n
  printf "  ratio flightplan/sqitch %.3fx (flightplan %.1fx faster)\n", f / s, s / f
}'
