#!/usr/bin/env bash
# Installs the Debian 12 packages llmgw builds and tests with. Idempotent: a second run
# only checks. Runs apt only when something is missing, so CI and a laptop behave alike.
set -euo pipefail

PACKAGES=(
  cmake g++ ninja-build ccache pkg-config git curl ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev grpc-proto
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libyaml-cpp-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libpqxx-dev libpq-dev libhiredis-dev
  libspdlog-dev libfmt-dev libcli11-dev prometheus-cpp-dev
  libgoogle-perftools-dev  # tcmalloc, the llmgw binary's allocator
  wrk  # bench/run.sh's closed-loop throughput (its smoke runs in the test command)
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql
  prometheus  # for promtool: the tests check every /metrics body and the alert rules
  nodejs npm
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    # node/npm may come from elsewhere (nvm, NodeSource); accept a working binary.
    if [[ "$p" == nodejs && -x "$(command -v node || true)" ]]; then continue; fi
    if [[ "$p" == npm && -x "$(command -v npm || true)" ]]; then continue; fi
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
