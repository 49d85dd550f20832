#!/usr/bin/env bash
# Configures and builds lambda-emu into build/ (binaries in build/bin).
#   scripts/build.sh                 everything: the CLI, test binaries, test runtimes, bench
#   scripts/build.sh lambda-emu      one target
#   BUILD_DIR=build-asan CMAKE_ARGS=-DLAMBDA_EMU_SANITIZE=ON scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
# shellcheck disable=SC2086  # CMAKE_ARGS is a list of words
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" ${1:+--target "$@"}
