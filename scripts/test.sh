#!/usr/bin/env bash
# The quick start's second command: installs what is missing, checks the house rules, builds,
# and runs the tests twice: an optimized build, then under AddressSanitizer and
# UndefinedBehaviorSanitizer (the unit tests, and the integration tests driving a sanitized
# lambda-emu). `scripts/test.sh --fast` skips the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/lint.sh

# Each step says when it starts (seconds into the run): CI's time limit is in the log's reach.
echo "== tests: optimized build (build/), at ${SECONDS} s"
scripts/build.sh
echo "== tests: built, running them, at ${SECONDS} s"
ctest --test-dir build --output-on-failure -j2

if [[ ${1-} != --fast ]]; then
  echo "== tests: AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), at ${SECONDS} s"
  # Only the emulator and the unit tests are built again; the integration tests and their
  # fixtures from build/ run against the sanitized binary.
  BUILD_DIR=build-asan CMAKE_ARGS="-DLAMBDA_EMU_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DLAMBDA_EMU_INTEGRATION_TESTS=OFF" scripts/build.sh
  echo "== tests: built, running them, at ${SECONDS} s"
  export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir build-asan --output-on-failure -j2
  LAMBDA_EMU_BINARY=$PWD/build-asan/bin/lambda-emu \
    ctest --test-dir build --output-on-failure -j2 -L integration_tests
fi
echo "== tests: all passed, in ${SECONDS} s"
