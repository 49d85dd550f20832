#!/usr/bin/env bash
# The quick start's second command: installs what is missing, checks the house rules, builds,
# and runs every test twice: an optimized build, and one under AddressSanitizer and
# UndefinedBehaviorSanitizer. `scripts/test.sh --fast` skips the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/lint.sh

run_suite() {
  local dir=$1
  shift
  BUILD_DIR=$dir CMAKE_ARGS="$*" scripts/build.sh
  ctest --test-dir "$dir" --output-on-failure -j2
}

echo "== tests: optimized build (build/)"
run_suite build
if [[ ${1-} != --fast ]]; then
  echo "== tests: AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DLAMBDA_EMU_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
