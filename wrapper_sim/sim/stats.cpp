#include "sim/stats.hpp"

#include <algorithm>

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

}  // namespace lambda_emu::wrapper_sim
