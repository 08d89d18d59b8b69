#!/usr/bin/env python3
"""Runs clang-tidy over the sources of a built tree that match a pattern,
skipping each source whose last clean result is still valid.

usage: clang_tidy_cached.py BUILD_DIR REGEX [-j N]

A source's result is valid while nothing clang-tidy reads for it changed:
the clang-tidy binary, .clang-tidy, the source's compile command (with the
checkout's and the build folder's paths taken out, so another clone of the
same commit hits), and every header the last build recorded for it (the
project's own by content, the system's by path, size and time). Only clean
results are kept, as empty files named by that digest under
$FLIGHTPLAN_TIDY_CACHE (default ~/.cache/flightplan/clang-tidy); a source
with findings is checked again every time.

Exit status: 0 when every source is clean, 1 when any has a finding (the
findings are printed), 2 on a usage error or a build without dependency
records.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys

TIDY = "clang-tidy-14"


def read_deps(build_dir):
    """Maps each compiled source (absolute path) to its dependency list, from
    ninja's records of the last build. The first dependency is the source."""
    out = subprocess.run(["ninja", "-C", build_dir, "-t", "deps"], check=True,
                         capture_output=True, text=True).stdout
    deps, current = {}, None
    for line in out.splitlines():
        if not line.strip():
            current = None
        elif not line.startswith(" "):
            current = []
        elif current is not None:
            path = os.path.normpath(os.path.join(build_dir, line.strip()))
            if not current:
                deps[path] = current
            current.append(path)
    return deps


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def result_key(source_root, build_dir, tidy_version, config, entry, deps):
    """The digest naming a clean result of one source, or None when an
    input cannot be read (the source is then simply checked)."""
    h = hashlib.sha256()
    h.update(tidy_version.encode())
    h.update(config)
    command = entry.get("command") or shlex.join(entry.get("arguments", []))
    command = command.replace(build_dir, "<build>").replace(source_root, "<src>")
    h.update(command.encode())
    try:
        for path in deps:
            if path.startswith(source_root + os.sep):
                h.update(b"src:" + os.path.relpath(path, source_root).encode())
                h.update(file_digest(path).encode())
            else:
                st = os.stat(path)
                h.update(f"sys:{path}:{st.st_size}:{st.st_mtime_ns}".encode())
    except OSError:
        return None
    return h.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir")
    parser.add_argument("regex")
    parser.add_argument("-j", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    build_dir = os.path.abspath(args.build_dir)
    source_root = os.path.dirname(os.path.abspath(os.path.dirname(__file__)))
    try:
        with open(os.path.join(build_dir, "compile_commands.json")) as f:
            entries = json.load(f)
        with open(os.path.join(source_root, ".clang-tidy"), "rb") as f:
            config = f.read()
        deps = read_deps(build_dir)
    except (OSError, ValueError, subprocess.CalledProcessError) as e:
        print(f"clang_tidy_cached: cannot read the build in {build_dir}: {e}\n"
              "Build it first (cmake --build).", file=sys.stderr)
        return 2
    tidy_version = subprocess.run([TIDY, "--version"], check=True,
                                  capture_output=True, text=True).stdout
    cache_dir = os.environ.get("FLIGHTPLAN_TIDY_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "flightplan", "clang-tidy")
    os.makedirs(cache_dir, exist_ok=True)

    pattern = re.compile(args.regex)
    to_check, hits = [], 0
    for entry in entries:
        source = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
        if not pattern.search(source):
            continue
        key = result_key(source_root, build_dir, tidy_version, config, entry,
                         deps.get(source, [source]))
        if key and source in deps and os.path.exists(os.path.join(cache_dir, key)):
            hits += 1
        else:
            to_check.append((source, key if source in deps else None))

    def check(item):
        source, _ = item
        run = subprocess.run([TIDY, "-p", build_dir, "--quiet", source],
                             capture_output=True, text=True)
        findings = [line for line in run.stdout.splitlines()
                    if "warning:" in line or "error:" in line]
        return item, run.returncode == 0 and not findings, run.stdout + run.stderr

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        for (source, key), clean, output in pool.map(check, to_check):
            if clean:
                if key:
                    open(os.path.join(cache_dir, key), "w").close()
            else:
                failed += 1
                print(f"== {os.path.relpath(source, source_root)}\n{output}")
    print(f"clang-tidy: {len(to_check)} checked, {hits} unchanged since a clean check, "
          f"{failed} with findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
