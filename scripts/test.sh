#!/usr/bin/env bash
# Installs the dependencies, builds flightplan twice (warnings as errors; then
# ASan+UBSan), runs every test in the first and the light tests in the second,
# runs clang-tidy, and runs the fuzzers for a bounded time. This is the command
# README.md gives and .ci/run calls.
#
# FLIGHTPLAN_FULL=1 runs everything in full instead of CI's sample: the heavy
# tests under the sanitizers too, and every matrix the tests sample (each
# area's FLIGHTPLAN_FULL_* variable, docs/testing.md). It takes hours.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
phase() { echo "== $1 (at $((SECONDS - started)) s)"; }
full=${FLIGHTPLAN_FULL:-}
if [ -n "$full" ]; then
  export FLIGHTPLAN_FULL_CRASH_MATRIX=1 FLIGHTPLAN_FULL_E2E=1 FLIGHTPLAN_FULL_REFACTOR=1 \
    FLIGHTPLAN_FULL_GEN2_DEPLOY=1 FLIGHTPLAN_FULL_GEN1_CASES=1 FLIGHTPLAN_FULL_NPM_VERIFY=1 \
    FLIGHTPLAN_FULL_TOOLCHAIN=1
fi

jobs=$(nproc)
# ccache hits across checkouts (CI builds a fresh clone in a new folder):
# paths relative to the checkout, and the build folder left out of the hash
# (-g would otherwise put it there).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=true
fuzz_seconds=${FLIGHTPLAN_FUZZ_SECONDS:-20}

./scripts/install-deps.sh

# The pinned Gen2 toolchain the generate --verify tests synthesize with
# (tests/steps/amplify/toolchain_verify_test.cc skips without it). npm ci
# only when the lock file changed since the last install.
if command -v npm >/dev/null 2>&1; then
  phase "Gen2 toolchain (tests/gen2-toolchain)"
  lock_sum=$(sha256sum tests/gen2-toolchain/package-lock.json | cut -d' ' -f1)
  stamp=tests/gen2-toolchain/node_modules/.flightplan-lock-sha256
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    (cd tests/gen2-toolchain && npm ci --no-audit --no-fund)
    echo "$lock_sum" > "$stamp"
  fi
fi

# Formatting follows .clang-format (clang-format 14); a file that differs
# fails the run, naming the file and line.
phase "format (clang-format)"
git ls-files '*.cc' '*.h' ':!:tests/data/**' | xargs clang-format-14 --dry-run --Werror

phase "release build (warnings are errors)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFLIGHTPLAN_WERROR=ON >/dev/null
cmake --build build/release -j "$jobs"
phase "release tests"
(cd build/release && ctest --output-on-failure -j "$jobs")

# The focused .clang-tidy set over the product code, from the release
# build's compile commands; any finding fails the run. A source whose inputs
# (itself, its headers, its compile command, .clang-tidy) are unchanged since
# a clean check is not checked again (scripts/clang_tidy_cached.py).
phase "clang-tidy (product code)"
python3 scripts/clang_tidy_cached.py build/release \
  "^$PWD/(base|engine|store|steps|cli|cloudsim)/.*\\.cc\$" -j "$jobs"

# The sanitizer build runs the light tests: every test but the heavy ones
# (whole phases through the real binaries, the Gen2 toolchain in node, the AWS
# CLI in Python; tests/CMakeLists.txt), which the release pass above ran.
# The AWS CLI conformance tests in the light set are left out for the same
# reason. FLIGHTPLAN_FULL=1 runs the heavy tests here too.
phase "sanitizer build (ASan + UBSan)"
heavy=OFF
[ -n "$full" ] && heavy=ON
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFLIGHTPLAN_WERROR=ON \
  -DFLIGHTPLAN_SANITIZE=ON -DFLIGHTPLAN_BENCH=OFF -DFLIGHTPLAN_HEAVY_TESTS=$heavy >/dev/null
cmake --build build/asan -j "$jobs"
phase "sanitizer tests"
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs" -E 'AwsCli')

if [ -d tests/fuzz ]; then
  phase "fuzzers (${fuzz_seconds}s each)"
  CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFLIGHTPLAN_FUZZ=ON -DFLIGHTPLAN_TESTS=OFF -DFLIGHTPLAN_BENCH=OFF >/dev/null
  cmake --build build/fuzz -j "$jobs" --target fuzzers
  for fuzzer in build/fuzz/tests/fuzz/*_fuzzer; do
    [ -x "$fuzzer" ] || continue
    name=$(basename "$fuzzer")
    corpus=tests/fuzz/corpus/${name%_fuzzer}
    work=$(mktemp -d)
    cp -r "$corpus"/. "$work"/ 2>/dev/null || true
    echo "-- $name"
    "$fuzzer" -max_total_time="$fuzz_seconds" -print_final_stats=0 "$work" 2>&1 | tail -n 3
    rm -rf "$work"
  done
fi
phase "all tests passed"
