#!/bin/sh
# install_test.sh BUILD_DIR: `cmake --install BUILD_DIR` into a fresh prefix
# puts both programs in bin/ (and they run) and the docs in
# share/doc/flightplan/.
set -eu
build_dir=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
fail=0
for f in bin/flightplan bin/flightplan-cloudsim; do
  if [ ! -x "$prefix/$f" ]; then echo "missing or not executable: $f"; fail=1; fi
done
for f in architecture.md cloudsim.md journal-format.md; do
  if [ ! -f "$prefix/share/doc/flightplan/$f" ]; then echo "missing doc: $f"; fail=1; fi
done
[ "$fail" -eq 0 ] || exit 1
"$prefix/bin/flightplan" --version >/dev/null
"$prefix/bin/flightplan-cloudsim" --help >/dev/null
echo "installed into $prefix"
