#!/usr/bin/env bash
# House rules a compiler does not check: formatting, and what the lifecycle core may touch.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
fail() { echo "lint: $*" >&2; status=1; }

mapfile -t sources < <(git ls-files '*.cpp' '*.hpp')
clang-format --dry-run --Werror "${sources[@]}" || fail "run clang-format -i on the files above"

# Time only through the injected Clock: the steady clock adapter is the one exception.
if hits=$(grep -rnE 'steady_clock::now|system_clock::now|sleep_for|usleep' emulator include |
  grep -v '^emulator/driver/steady_clock.cpp:'); then
  fail "real clock reads outside the Clock adapter:"$'\n'"$hits"
fi
if hits=$(grep -rnE 'steady_clock::now|system_clock::now|sleep_for|usleep' tests/unit); then
  fail "unit tests run on virtual time:"$'\n'"$hits"
fi
# The lifecycle core is sans-IO.
if hits=$(grep -rnE '#include <boost/(asio|beast)' emulator/core include/lambda_emu); then
  fail "Asio/Beast in the lifecycle core:"$'\n'"$hits"
fi
# ctest registers each TEST_CASE by name; a ';' splits the name and the test silently runs none.
if hits=$(grep -rnE 'TEST_CASE\("[^"]*;' tests); then
  fail "';' in a test name (ctest would run nothing for it):"$'\n'"$hits"
fi
# An unclosed '[' in a name runs the later names together into one ctest entry.
if hits=$(grep -rnE 'TEST_CASE\("[^"]*\[[^]"]*"' tests); then
  fail "unclosed '[' in a test name (ctest would merge the tests after it):"$'\n'"$hits"
fi
# The scenario schema users read must describe the files we ship.
if ! out=$(python3 scripts/check_scenarios.py 2>&1); then
  fail "scenario files that do not match wrapper_sim/scenario.schema.json:"$'\n'"$out"
fi
[[ $status -eq 0 ]] && echo "lint: ok"
exit $status
