#include "costs/distribution.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numbers>

namespace lambda_emu::costs {
namespace {

constexpr double ns_per_ms = 1e6;
// The standard normal's 99th percentile: a lognormal's p99 is exp(mu + z99 sigma).
constexpr double z99 = 2.3263478740408408;

double in_ns(Duration d) {
  return static_cast<double>(d.count());
}

// A polynomial's value at x by Horner's rule; coefficients from the highest power down.
template <std::size_t N>
double horner(const double (&c)[N], double x) {
  double y = 0;
  for (double ci : c) {
    y = y * x + ci;
  }
  return y;
}

// The inverse standard normal CDF: P. J. Acklam's rational approximation ("An algorithm for
// computing the inverse normal cumulative distribution function", 2003; relative error below
// 1.15e-9), refined by one Halley step on erfc, which brings it to about machine precision.
double standard_normal_quantile(double p) {
  // By symmetry, so that the refinement's erfc works in the lower tail, where it is accurate;
  // 1 - p is exact for p above 1/2.
  if (p > 0.5) {
    return -standard_normal_quantile(1 - p);
  }
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,  -1.556989798598866e+02,
                          6.680131188771972e+01,  -1.328068155288572e+01, 1.0};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00, 1.0};
  constexpr double tail = 0.02425;  // below it the tail formula, above it the central one
  double x = 0;
  if (p < tail) {
    const double q = std::sqrt(-2 * std::log(p));
    x = horner(c, q) / horner(d, q);
  } else {
    const double q = p - 0.5;
    x = q * horner(a, q * q) / horner(b, q * q);
  }
  const double e = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

Duration from_normal(const Normal& n, double z) {
  return cost_from_ns(in_ns(n.mean) + in_ns(n.sd) * z);
}

Duration from_log_normal(const LogNormal& l, double z) {
  return cost_from_ns(std::exp(l.mu + l.sigma * z) * ns_per_ms);
}

// The uniform and empirical inverse CDFs, which sample() feeds a uniform01() draw.
Duration uniform_at(const Uniform& u, double p) {
  return cost_from_ns(in_ns(u.lo) + p * (in_ns(u.hi) - in_ns(u.lo)));
}

Duration empirical_at(const Empirical& e, double p) {
  assert(!e.samples.empty());
  return nearest_rank(e.samples, p);
}

}  // namespace

std::size_t nearest_rank_index(std::size_t n, double p) {
  const double rank = std::ceil(p * static_cast<double>(n));
  const std::size_t i = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return std::min(i, n - 1);
}

Duration nearest_rank(const std::vector<Duration>& sorted, double p) {
  return sorted.empty() ? Duration::zero() : sorted[nearest_rank_index(sorted.size(), p)];
}

LogNormal LogNormal::from_p50_p99(Duration p50, Duration p99) {
  const double mu = std::log(in_ns(p50) / ns_per_ms);
  return LogNormal{mu, (std::log(in_ns(p99) / ns_per_ms) - mu) / z99};
}

Empirical Empirical::from_samples(std::vector<Duration> samples) {
  assert(!samples.empty());
  std::sort(samples.begin(), samples.end());
  return Empirical{std::move(samples)};
}

Duration sample(const Distribution& d, Random& random) {
  struct Draw {
    Random& random;
    Duration operator()(const Constant& c) const { return c.value; }
    Duration operator()(const Uniform& u) const { return uniform_at(u, random.uniform01()); }
    Duration operator()(const Normal& n) const { return from_normal(n, random.standard_normal()); }
    Duration operator()(const LogNormal& l) const {
      return from_log_normal(l, random.standard_normal());
    }
    Duration operator()(const Empirical& e) const { return empirical_at(e, random.uniform01()); }
  };
  return std::visit(Draw{random}, d);
}

Duration quantile(const Distribution& d, double p) {
  assert(p > 0 && p < 1);
  struct At {
    double p;
    Duration operator()(const Constant& c) const { return c.value; }
    Duration operator()(const Uniform& u) const { return uniform_at(u, p); }
    // Clamping at zero is monotone, so it maps the normal's quantiles onto the clamped ones.
    Duration operator()(const Normal& n) const {
      return from_normal(n, standard_normal_quantile(p));
    }
    Duration operator()(const LogNormal& l) const {
      return from_log_normal(l, standard_normal_quantile(p));
    }
    Duration operator()(const Empirical& e) const { return empirical_at(e, p); }
  };
  return std::visit(At{p}, d);
}

Duration cost_from_ns(double ns) {
  if (!(ns > 0)) {  // also NaN
    return Duration::zero();
  }
  // 2^63 is the first double past Duration::max().
  if (ns >= 0x1p63) {
    return Duration::max();
  }
  return Duration(std::llround(ns));
}

}  // namespace lambda_emu::costs
