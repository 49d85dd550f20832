#pragma once
// Latency summaries: nearest-rank percentiles over samples in microseconds.
#include <cstddef>
#include <vector>

namespace bench {

struct Summary {
  std::size_t count = 0;
  double min_us = 0;
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double max_us = 0;
  double mean_us = 0;
  // Sequential client: count divided by the summed latencies (switching between blocks excluded).
  double per_second = 0;
};

// Nearest-rank percentile (q in [0, 1]) of an already sorted vector; 0 when empty.
double percentile_sorted(const std::vector<double>& sorted, double q);

// Sorts a copy of the samples and summarises them.
Summary summarize(std::vector<double> samples_us);

}  // namespace bench
