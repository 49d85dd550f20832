#include "sim/stats.hpp"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "costs/distribution.hpp"

namespace lambda_emu::wrapper_sim {

using costs::nearest_rank;

Stats summarize(std::vector<Duration> samples) {
  Stats s;
  s.n = samples.size();
  if (samples.empty()) {
    return s;
  }
  std::sort(samples.begin(), samples.end());
  Duration::rep sum = 0;
  for (const Duration d : samples) {
    sum += d.count();
  }
  s.mean = Duration(sum / static_cast<Duration::rep>(samples.size()));
  s.p50 = nearest_rank(samples, 0.50);
  s.p90 = nearest_rank(samples, 0.90);
  s.p99 = nearest_rank(samples, 0.99);
  s.max = samples.back();
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
