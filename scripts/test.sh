#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test: unit and in-process
# integration tests (GoogleTest under ctest), the end-to-end test of the real binaries in
# both shapes, and the conformance test with the official openai npm package.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${LLMGW_BUILD_DIR:-$ROOT/build}
"$ROOT/scripts/install-deps.sh"
(cd "$ROOT/tests/node" && npm ci --no-audit --no-fund --loglevel=error)
"$ROOT/scripts/build.sh"
cd "$BUILD"
ctest --output-on-failure --no-tests=error -j 2 "$@"
