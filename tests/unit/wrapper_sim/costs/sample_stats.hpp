#pragma once
// Summaries of many draws, for the statistical tests of costs/.
//
// Each check draws `draws` values from a fixed seed, so it is deterministic. Its tolerance is 5
// standard errors of the estimate, written out beside it: a correct sampler misses that with
// probability under 1e-6, so a failure means a broken sampler, not bad luck. (The tests' comments
// write n for `draws`.)
#include <cmath>
#include <vector>

namespace lambda_emu::costs::testing {

// Enough for tolerances of a fraction of a percent, few enough for milliseconds at -O0.
inline constexpr int draws = 200'000;

struct Summary {
  double mean = 0;
  double sd = 0;
  double min = 0;
  double max = 0;
};

// One pass; doubles keep the loop cheap in unoptimized test code.
inline Summary summary(const std::vector<double>& v) {
  const auto n = static_cast<double>(v.size());
  double sum = 0;
  double sum_sq = 0;
  Summary s{0, 0, v.front(), v.front()};
  for (double x : v) {
    sum += x;
    sum_sq += x * x;
    s.min = x < s.min ? x : s.min;
    s.max = x > s.max ? x : s.max;
  }
  s.mean = sum / n;
  s.sd = std::sqrt((sum_sq - n * s.mean * s.mean) / (n - 1));
  return s;
}

}  // namespace lambda_emu::costs::testing
