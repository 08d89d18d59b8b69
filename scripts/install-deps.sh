#!/usr/bin/env bash
# Installs flightplan's build and test dependencies from Debian 12's packages.
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  clang-format-14 clang-tidy-14
  libsqlite3-dev sqlite3 libyaml-cpp-dev rapidjson-dev libspdlog-dev libfmt-dev
  libcli11-dev libexpected-dev libssl-dev libcurl4-openssl-dev libpugixml-dev
  libcpp-httplib-dev libzip-dev libjq-dev libgtest-dev libgmock-dev libbenchmark-dev
  sqitch libdbd-sqlite3-perl
)

# The AWS CLI is the independent client the simulator's conformance tests
# drive; machine images usually carry v1 from pip, else Debian's package.
if ! command -v aws >/dev/null 2>&1 && [ ! -x "${HOME:-/root}/.pyenv/shims/aws" ] &&
   [ ! -x /root/.pyenv/shims/aws ]; then
  packages+=(awscli)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
