#include "sim/stats.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <nlohmann/json.hpp>

#include "costs/distribution.hpp"

namespace lambda_emu::wrapper_sim {

using costs::nearest_rank_index;

Stats summarize(std::vector<Duration> samples) {
  Stats s;
  s.n = samples.size();
  if (samples.empty()) {
    return s;
  }
  Duration::rep sum = 0;
  for (const Duration d : samples) {
    sum += d.count();
  }
  s.mean = Duration(sum / static_cast<Duration::rep>(samples.size()));
  // The ranks in turn, each selection on what lies above the last: linear, where sorting a
  // million samples per phase took longer than simulating them.
  const std::pair<double, Duration*> ranks[] = {{0.50, &s.p50}, {0.90, &s.p90}, {0.99, &s.p99}};
  auto from = samples.begin();
  for (const auto& [p, into] : ranks) {
    const auto at = samples.begin() + static_cast<std::ptrdiff_t>(nearest_rank_index(s.n, p));
    std::nth_element(from, at, samples.end());
    *into = *at;
    from = at;
  }
  s.max = *std::max_element(from, samples.end());
  return s;
}

double milliseconds(Duration d) {
  return static_cast<double>(d.count()) / 1e6;
}

std::string fixed_ms(Duration d, bool sign) {
  char buf[32];
  std::snprintf(buf, sizeof buf, sign ? "%+.3f" : "%.3f", milliseconds(d));
  return buf;
}

nlohmann::ordered_json stats_json(const Stats& s) {
  return {{"n", s.n},
          {"mean_ms", milliseconds(s.mean)},
          {"p50_ms", milliseconds(s.p50)},
          {"p90_ms", milliseconds(s.p90)},
          {"p99_ms", milliseconds(s.p99)},
          {"max_ms", milliseconds(s.max)}};
}

}  // namespace lambda_emu::wrapper_sim
