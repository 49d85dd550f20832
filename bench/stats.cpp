#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace bench {

double percentile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty())
    return 0;
  // Nearest rank: the smallest sample with at least q of the samples at or below it.
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  if (rank == 0)
    rank = 1;
  return sorted[std::min(rank, sorted.size()) - 1];
}

Summary summarize(std::vector<double> samples_us) {
  Summary s;
  if (samples_us.empty())
    return s;
  std::sort(samples_us.begin(), samples_us.end());
  s.count = samples_us.size();
  s.min_us = samples_us.front();
  s.max_us = samples_us.back();
  s.p50_us = percentile_sorted(samples_us, 0.50);
  s.p90_us = percentile_sorted(samples_us, 0.90);
  s.p99_us = percentile_sorted(samples_us, 0.99);
  const double total = std::accumulate(samples_us.begin(), samples_us.end(), 0.0);
  s.mean_us = total / static_cast<double>(s.count);
  s.per_second = total > 0 ? static_cast<double>(s.count) * 1e6 / total : 0;
  return s;
}

}  // namespace bench
