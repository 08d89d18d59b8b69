#!/usr/bin/env bash
# Installs the dependencies, builds flightplan twice (warnings as errors; then
# ASan+UBSan), runs every test in both, and runs the fuzzers for a bounded
# time. This is the command README.md gives and .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

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
  echo "== Gen2 toolchain (tests/gen2-toolchain)"
  lock_sum=$(sha256sum tests/gen2-toolchain/package-lock.json | cut -d' ' -f1)
  stamp=tests/gen2-toolchain/node_modules/.flightplan-lock-sha256
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    (cd tests/gen2-toolchain && npm ci --no-audit --no-fund)
    echo "$lock_sum" > "$stamp"
  fi
fi

# Formatting follows .clang-format (clang-format 14); a file that differs
# fails the run, naming the file and line.
echo "== format (clang-format)"
git ls-files '*.cc' '*.h' ':!:tests/data/**' | xargs clang-format-14 --dry-run --Werror

echo "== release build (warnings are errors)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFLIGHTPLAN_WERROR=ON >/dev/null
cmake --build build/release -j "$jobs"
(cd build/release && ctest --output-on-failure -j "$jobs")

# The focused .clang-tidy set over the product code, from the release
# build's compile commands; any finding fails the run.
echo "== clang-tidy (product code)"
run-clang-tidy-14 -p build/release -quiet -j "$jobs" \
  "^$PWD/(base|engine|store|steps|cli|cloudsim)/.*\\.cc\$" >build/clang-tidy.log 2>&1 ||
  { grep -E 'warning:|error:' build/clang-tidy.log | sort -u; echo "clang-tidy found problems (build/clang-tidy.log)"; exit 1; }

echo "== sanitizer build (ASan + UBSan)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFLIGHTPLAN_WERROR=ON \
  -DFLIGHTPLAN_SANITIZE=ON -DFLIGHTPLAN_BENCH=OFF >/dev/null
cmake --build build/asan -j "$jobs"
# The toolchain tests spend their time in node (synth and tsc), and the AWS
# CLI conformance tests in Python, identical in both builds; the sanitizers
# see the generator and the simulator through the other tests.
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs" -E 'ToolchainVerifyTest|PostRefactorVerifyTest|DeployGen2Test|RefactorFlowTest|WholeMigrationTest|AwsCli')

if [ -d tests/fuzz ]; then
  echo "== fuzzers (${fuzz_seconds}s each)"
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
echo "all tests passed"
