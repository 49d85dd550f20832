#pragma once
// Stats: a phase's samples as the reports print them. Percentiles are nearest-rank (the
// smallest sample with at least a fraction p of the samples at or below it): always a value that
// happened, and the same on every machine.
#include <cstddef>
#include <vector>

#include "lambda_emu/clock.hpp"

namespace lambda_emu::wrapper_sim {

struct Stats {
  std::size_t n = 0;
  Duration mean{0};  // truncated to the nanosecond
  Duration p50{0};
  Duration p90{0};
  Duration p99{0};
  Duration max{0};
};

[[nodiscard]] Stats summarize(std::vector<Duration> samples);

}  // namespace lambda_emu::wrapper_sim
