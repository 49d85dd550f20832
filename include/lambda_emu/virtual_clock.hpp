#pragma once
// VirtualClock: time that moves only when its owner says so. The simulator's event loop sets it
// to each event's time; unit tests advance it by hand. Wall time starts at a fixed epoch, so
// every run prints the same timestamps.
//
//   VirtualClock clock;
//   clock.advance(std::chrono::milliseconds(5));   // now() is 5 ms
#include "lambda_emu/clock.hpp"

namespace lambda_emu {

class VirtualClock final : public Clock {
 public:
  // 2026-01-01T00:00:00Z: the wall time of virtual instant zero.
  static constexpr std::chrono::seconds epoch{1'767'225'600};

  // Clock
  [[nodiscard]] Instant now() const override { return now_; }
  [[nodiscard]] WallTime wall_now() const override {
    return WallTime(epoch) +
           std::chrono::duration_cast<WallTime::duration>(now_.time_since_epoch());
  }

  void advance(Duration d) { now_ += d; }
  void set(Instant t) { now_ = t; }

 private:
  Instant now_{};
};

}  // namespace lambda_emu
