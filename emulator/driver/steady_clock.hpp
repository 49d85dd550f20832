#pragma once
// SteadyClock: the real Clock. Its Instants share std::chrono::steady_clock's epoch, so the
// driver turns them into steady_timer deadlines without conversion.
#include <chrono>

#include "lambda_emu/clock.hpp"

namespace lambda_emu::driver {

class SteadyClock final : public Clock {
 public:
  // Clock
  [[nodiscard]] Instant now() const override;
  [[nodiscard]] WallTime wall_now() const override;

  [[nodiscard]] static std::chrono::steady_clock::time_point to_steady(Instant t) {
    return std::chrono::steady_clock::time_point(t.time_since_epoch());
  }
};

}  // namespace lambda_emu::driver
