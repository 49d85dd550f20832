#pragma once
// Stats: a phase's samples as the reports print them. Percentiles are nearest-rank (the
// smallest sample with at least a fraction p of the samples at or below it): always a value that
// happened, and the same on every machine.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

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

// How the reports print durations: milliseconds, exact to the nanosecond (so JSON never shows
// binary noise), and as text with 3 decimals ("+" first with `sign`).
[[nodiscard]] double milliseconds(Duration d);
[[nodiscard]] std::string fixed_ms(Duration d, bool sign = false);
// {"n", "mean_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms"}
[[nodiscard]] nlohmann::ordered_json stats_json(const Stats& s);

}  // namespace lambda_emu::wrapper_sim
