#pragma once
// ManualClock: virtual time for unit tests, the simulator's own clock. Time moves only when the
// test says so.
#include "lambda_emu/virtual_clock.hpp"

namespace lambda_emu::test {

using ManualClock = VirtualClock;

}  // namespace lambda_emu::test
