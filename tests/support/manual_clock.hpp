#pragma once
// ManualClock: virtual time for unit tests. Time moves only when the test says so.
#include "lambda_emu/clock.hpp"

namespace lambda_emu::test {

class ManualClock final : public Clock {
 public:
  // Clock
  [[nodiscard]] Instant now() const override { return now_; }
  [[nodiscard]] WallTime wall_now() const override {
    // A fixed epoch keeps every run identical: 2026-01-01T00:00:00Z.
    return WallTime(std::chrono::seconds(1'767'225'600)) +
           std::chrono::duration_cast<WallTime::duration>(now_.time_since_epoch());
  }

  void advance(Duration d) { now_ += d; }
  void set(Instant t) { now_ = t; }

 private:
  Instant now_{};
};

}  // namespace lambda_emu::test
