#include "driver/steady_clock.hpp"

namespace lambda_emu::driver {

// The one place in emulator/ that reads the standard clocks.
Instant SteadyClock::now() const {
  return Instant(
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

WallTime SteadyClock::wall_now() const {
  return std::chrono::system_clock::now();
}

}  // namespace lambda_emu::driver
