#!/usr/bin/env bash
# Configures (once) and builds llmgw with CMake + Ninja (+ ccache) into build/.
#   scripts/build.sh            everything (binaries and tests)
#   scripts/build.sh llmgw      only the named targets
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${LLMGW_BUILD_DIR:-$ROOT/build}
if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
# Two jobs: a TU that includes grpc++ takes ~0.4-0.8 GiB, and this machine has 2 cores.
ninja -C "$BUILD" -j "${LLMGW_JOBS:-2}" "$@"
