#pragma once
// Random: the one seeded engine every sampled cost draws from, written out here rather than taken
// from <random>, whose distributions differ between standard libraries. A run's seed fixes every
// draw, so a scenario gives the same costs on every machine.
//
//   Random random(42);
//   double u = random.uniform01();         // [0, 1)
//   double z = random.standard_normal();   // mean 0, sd 1
//
// The stream is xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number
// generators", ACM TOMS 47(4), 2021; reference code at prng.di.unimi.it), its state filled from
// the seed by SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014), as the xoshiro authors recommend. Both are integer arithmetic only,
// so next() and uniform01() are the same bits everywhere. standard_normal() also calls std::log
// and std::sqrt: sqrt is exact under IEEE 754, and glibc's log on x86_64 returns the same bits on
// every run; another libm may differ in the last bit, which moves a sampled cost by at most a
// nanosecond's rounding.
#include <array>
#include <cstdint>

namespace lambda_emu::costs {

// One SplitMix64 step: advances `state` and returns the next output (seed 0 gives
// 0xe220a8397b1dcdaf first).
[[nodiscard]] std::uint64_t splitmix64(std::uint64_t& state);

class Random {
 public:
  // The state is four SplitMix64 outputs of the seed; any seed, 0 included, is fine.
  explicit Random(std::uint64_t seed);
  // A raw xoshiro256** state, for the published test vectors; it must not be all zero.
  explicit Random(const std::array<std::uint64_t, 4>& state);

  // The next 64 bits of xoshiro256**.
  [[nodiscard]] std::uint64_t next();
  // A double in [0, 1): the top 53 bits of next() times 2^-53, so every value is a multiple of
  // 2^-53 and each is equally likely.
  [[nodiscard]] double uniform01();
  // A standard normal draw by Marsaglia's polar method. Each accepted pair gives two values; the
  // second is kept and returned by the next call, so the sequence depends on the engine alone.
  [[nodiscard]] double standard_normal();

 private:
  std::array<std::uint64_t, 4> state_;
  double spare_normal_ = 0;
  bool has_spare_normal_ = false;
};

}  // namespace lambda_emu::costs
