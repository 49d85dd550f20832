#include "costs/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <catch2/catch.hpp>

#include "sample_stats.hpp"

using namespace lambda_emu::costs;
using lambda_emu::Duration;
using namespace std::chrono_literals;

namespace {

using testing::draws;
using testing::summary;

std::vector<double> draws_ms(const Distribution& d, std::uint64_t seed) {
  Random random(seed);
  std::vector<double> out(draws);
  for (double& x : out) {
    x = static_cast<double>(sample(d, random).count()) / 1e6;
  }
  return out;
}

// The sample's nearest-rank p-quantile; reorders v (a copy would double the time at -O0).
double sample_quantile(std::vector<double>& v, double p) {
  const auto k = static_cast<std::ptrdiff_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[static_cast<std::size_t>(k)];
}

// Standard error of a sample p-quantile: sqrt(p (1 - p) / n) / f(q), f the density at q.
double quantile_standard_error(double p, double density) {
  return std::sqrt(p * (1 - p) / draws) / density;
}

double lognormal_density(const LogNormal& l, double x_ms) {
  const double z = (std::log(x_ms) - l.mu) / l.sigma;
  return std::exp(-z * z / 2) / (x_ms * l.sigma * std::sqrt(2 * std::numbers::pi));
}

}  // namespace

TEST_CASE("distribution: a constant is always its value", "[sim][costs][distribution]") {
  const Distribution d = Constant{5ms};
  Random random(3);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(sample(d, random) == 5ms);
  }
  CHECK(quantile(d, 0.01) == 5ms);
  CHECK(quantile(d, 0.99) == 5ms);
}

TEST_CASE("distribution: a uniform stays within its bounds with the uniform mean and sd",
          "[sim][costs][distribution]") {
  const auto s = summary(draws_ms(Uniform{1ms, 3ms}, 4));
  CHECK(s.min >= 1);
  CHECK(s.max <= 3);
  // sd = 2 / sqrt(12) ms. Standard errors: sd / sqrt(n) for the mean; for the sd, with the
  // uniform's kurtosis of 1.8, sd * sqrt(0.8 / (4 n)).
  const double sd = 2 / std::sqrt(12.0);
  CHECK(std::abs(s.mean - 2) < 5 * sd / std::sqrt(draws));
  CHECK(std::abs(s.sd - sd) < 5 * sd * std::sqrt(0.8 / (4 * draws)));

  Random random(5);
  CHECK(sample(Uniform{2ms, 2ms}, random) == 2ms);
}

TEST_CASE("distribution: a normal has its mean and sd", "[sim][costs][distribution]") {
  const auto s = summary(draws_ms(Normal{10ms, 2ms}, 6));
  // Clamping at zero is 5 sd away and moves nothing here. Standard errors: sd / sqrt(n) for the
  // mean, sd / sqrt(2 n) for the sd.
  CHECK(std::abs(s.mean - 10) < 5 * 2 / std::sqrt(draws));
  CHECK(std::abs(s.sd - 2) < 5 * 2 / std::sqrt(2.0 * draws));
}

TEST_CASE("distribution: a normal is clamped at zero, never negative",
          "[sim][costs][distribution]") {
  const Normal wide{1ms, 2ms};
  const std::vector<double> v = draws_ms(wide, 7);
  CHECK(summary(v).min == 0);
  // Every draw below zero became zero: P(N(1, 2) < 0) = Phi(-0.5) = 0.308538, standard error
  // sqrt(p (1 - p) / n).
  const double zeros = static_cast<double>(std::count(v.begin(), v.end(), 0.0)) / draws;
  CHECK(std::abs(zeros - 0.3085375387259869) < 5 * std::sqrt(0.3085 * 0.6915 / draws));
  // The quantiles are the normal's, with those below zero at zero.
  CHECK(quantile(wide, 0.2) == 0ms);
  CHECK(quantile(wide, 0.5) == 1ms);
}

TEST_CASE("distribution: a lognormal from p50 and p99 has those sample quantiles",
          "[sim][costs][distribution]") {
  const LogNormal l = LogNormal::from_p50_p99(60ms, 140ms);
  std::vector<double> v = draws_ms(l, 8);
  // About 0.06 ms at the median and 0.43 ms at p99.
  CHECK(std::abs(sample_quantile(v, 0.5) - 60) <
        5 * quantile_standard_error(0.5, lognormal_density(l, 60)));
  CHECK(std::abs(sample_quantile(v, 0.99) - 140) <
        5 * quantile_standard_error(0.99, lognormal_density(l, 140)));
  CHECK(summary(v).min > 0);
}

TEST_CASE("distribution: an empirical draws only its samples, each equally often",
          "[sim][costs][distribution]") {
  const Empirical e = Empirical::from_samples({8ms, 1ms, 5ms, 3ms, 2ms});
  CHECK(e.samples == std::vector<Duration>{1ms, 2ms, 3ms, 5ms, 8ms});
  // counts[i]: draws equal to values[i]; counts[5]: any other value.
  const double values[] = {1, 2, 3, 5, 8};
  std::vector<int> counts(6);
  for (double x : draws_ms(e, 9)) {
    std::size_t i = 0;
    while (i < 5 && x != values[i]) {
      ++i;
    }
    ++counts[i];
  }
  CHECK(counts[5] == 0);
  for (std::size_t i = 0; i < 5; ++i) {
    INFO(values[i] << " ms drawn " << counts[i] << " times");
    // Standard error of a share of 1/5: sqrt(0.2 * 0.8 / n).
    CHECK(std::abs(counts[i] / double(draws) - 0.2) < 5 * std::sqrt(0.2 * 0.8 / draws));
  }
}

TEST_CASE("distribution: quantiles in closed form", "[sim][costs][distribution]") {
  CHECK(quantile(Uniform{1ms, 3ms}, 0.25) == 1500us);

  // Nearest rank over 1, 2, 3, 5, 8 ms.
  const Distribution e = Empirical::from_samples({1ms, 2ms, 3ms, 5ms, 8ms});
  CHECK(quantile(e, 0.01) == 1ms);
  CHECK(quantile(e, 0.2) == 1ms);
  CHECK(quantile(e, 0.21) == 2ms);
  CHECK(quantile(e, 0.5) == 3ms);
  CHECK(quantile(e, 0.99) == 8ms);

  // mean + z_p sd, with z_p from tables, to the nanosecond.
  const Distribution normal = Normal{1000ms, 100ms};
  auto near = [](Duration got, double want_ms) {
    INFO(got.count() << " ns, want " << want_ms << " ms");
    CHECK(std::abs(static_cast<double>(got.count()) - want_ms * 1e6) <= 1);
  };
  CHECK(quantile(normal, 0.5) == 1000ms);
  near(quantile(normal, 0.9), 1000 + 100 * 1.2815515655446004);
  near(quantile(normal, 0.975), 1000 + 100 * 1.959963984540054);
  near(quantile(normal, 0.999), 1000 + 100 * 3.090232306167813);
  near(quantile(normal, 0.001), 1000 - 100 * 3.090232306167813);

  // The lognormal from p50 and p99 gives them back; given by mu and sigma, its median is e^mu ms.
  const LogNormal l = LogNormal::from_p50_p99(60ms, 140ms);
  CHECK(l.mu == Approx(std::log(60.0)));
  CHECK(l.sigma == Approx(std::log(140.0 / 60) / 2.3263478740408408));
  near(quantile(l, 0.5), 60);
  near(quantile(l, 0.99), 140);
  near(quantile(LogNormal{std::log(5.0), 0.5}, 0.5), 5);
  near(quantile(LogNormal{std::log(5.0), 0.5}, 0.9), 5 * std::exp(0.5 * 1.2815515655446004));
}

TEST_CASE("distribution: the same seed gives the same costs", "[sim][costs][distribution]") {
  const std::vector<Distribution> all = {Constant{5ms}, Uniform{1ms, 3ms}, Normal{10ms, 2ms},
                                         LogNormal::from_p50_p99(60ms, 140ms),
                                         Empirical::from_samples({1ms, 2ms, 3ms})};
  for (const Distribution& d : all) {
    Random a(11);
    Random b(11);
    for (int i = 0; i < 1000; ++i) {
      REQUIRE(sample(d, a) == sample(d, b));
    }
  }
  // Pinned: a change of method shows here. Within a nanosecond, the most a last-bit difference
  // in another libm's log or exp can move a rounded cost.
  Random random(42);
  for (Duration want : {46'055'282ns, 55'557'740ns, 65'043'973ns, 72'584'213ns}) {
    const Duration got = sample(LogNormal::from_p50_p99(60ms, 140ms), random);
    CHECK(std::abs((got - want).count()) <= 1);
  }
}

TEST_CASE("distribution: cost_from_ns rounds to the nanosecond, never below zero, saturating",
          "[sim][costs][distribution]") {
  CHECK(cost_from_ns(1.4) == 1ns);
  CHECK(cost_from_ns(1.6) == 2ns);
  CHECK(cost_from_ns(-3) == 0ns);
  CHECK(cost_from_ns(std::nan("")) == 0ns);
  CHECK(cost_from_ns(1e30) == Duration::max());
}
