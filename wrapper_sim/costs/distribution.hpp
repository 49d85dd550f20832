#pragma once
// Distribution: how long a wrapper stage's cost takes, as one of five shapes. Stages sample it
// for each phase; reports and tests read its quantiles.
//
//   Random random(seed);
//   Distribution d = LogNormal::from_p50_p99(60ms, 140ms);
//   Duration cost = sample(d, random);        // one draw
//   Duration p99 = quantile(d, 0.99);         // 140ms
//
// Every value is a Duration (nanoseconds) and never negative. Costs are parsed from scenario files
// by parse_cost (costs/cost.hpp).
#include <variant>
#include <vector>

#include "costs/random.hpp"
#include "lambda_emu/clock.hpp"

namespace lambda_emu::costs {

struct Constant {
  Duration value{};
};

// Uniform between lo and hi; lo <= hi.
struct Uniform {
  Duration lo{};
  Duration hi{};
};

// Normal, clamped at zero: a draw below zero counts as zero, since a cost cannot be negative.
// Clamping (rather than redrawing) leaves every quantile above zero where the normal has it; it
// moves the mean only when sd is a large part of it (by under 0.1 % of sd at mean = 3 sd).
struct Normal {
  Duration mean{};
  Duration sd{};
};

// exp(N(mu, sigma)) milliseconds: mu and sigma are of the natural log of the cost in ms. Right
// skewed, as start-up and parse times are.
struct LogNormal {
  double mu = 0;
  double sigma = 0;

  // The lognormal whose median is p50 and whose 99th percentile is p99 (0 < p50 <= p99).
  [[nodiscard]] static LogNormal from_p50_p99(Duration p50, Duration p99);
};

// Measured samples, each drawn with equal probability: a draw is always one of them, so the
// model replays what was measured and invents no values between or beyond them.
struct Empirical {
  std::vector<Duration> samples;  // sorted ascending, never empty

  // Sorts `samples`, which must not be empty.
  [[nodiscard]] static Empirical from_samples(std::vector<Duration> samples);
};

using Distribution = std::variant<Constant, Uniform, Normal, LogNormal, Empirical>;

// One draw. Constant, uniform and empirical use one uniform01() draw u and return quantile(d, u);
// normal and lognormal use one standard_normal().
[[nodiscard]] Duration sample(const Distribution& d, Random& random);

// The p-quantile (0 < p < 1) of the distribution sample() draws from. Exact for constant, uniform
// and empirical (nearest rank: the smallest sample with at least a fraction p of the samples at
// or below it); normal and lognormal use the inverse normal CDF, accurate to about 1e-15.
[[nodiscard]] Duration quantile(const Distribution& d, double p);

// The p-quantile (0 <= p <= 1) of ascending samples by nearest rank: the smallest sample with at
// least a fraction p of the samples at or below it, so always a value that happened. Zero when
// there are none.
[[nodiscard]] Duration nearest_rank(const std::vector<Duration>& sorted, double p);
// Where that sample sits among n sorted samples (n > 0).
[[nodiscard]] std::size_t nearest_rank_index(std::size_t n, double p);

// Nanoseconds as a cost: rounded to the nearest, never negative, and saturating at
// Duration::max() (about 292 years) instead of overflowing.
[[nodiscard]] Duration cost_from_ns(double ns);

}  // namespace lambda_emu::costs
