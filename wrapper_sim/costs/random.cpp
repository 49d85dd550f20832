#include "costs/random.hpp"

#include <bit>
#include <cassert>
#include <cmath>

namespace lambda_emu::costs {

// Transcribed from splitmix64.c at prng.di.unimi.it.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

Random::Random(std::uint64_t seed) {
  for (std::uint64_t& word : state_) {
    word = splitmix64(seed);
  }
}

Random::Random(const std::array<std::uint64_t, 4>& state) : state_(state) {
  // All zero is xoshiro's one fixed point: it would return 0 forever.
  assert(state[0] != 0 || state[1] != 0 || state[2] != 0 || state[3] != 0);
}

// Transcribed from xoshiro256starstar.c at prng.di.unimi.it.
std::uint64_t Random::next() {
  std::array<std::uint64_t, 4>& s = state_;
  const std::uint64_t result = std::rotl(s[1] * 5, 7) * 9;
  const std::uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = std::rotl(s[3], 45);
  return result;
}

double Random::uniform01() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

// Marsaglia and Bray (1964): a point uniform in the unit disc gives two independent normals from
// one log and one sqrt, with no sin or cos, whose last bits vary more between libms than log's.
double Random::standard_normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u = 0;
  double v = 0;
  double s = 0;
  // Accepts with probability pi/4 per try.
  do {
    u = 2 * uniform01() - 1;
    v = 2 * uniform01() - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  const double m = std::sqrt(-2 * std::log(s) / s);
  spare_normal_ = v * m;
  has_spare_normal_ = true;
  return u * m;
}

}  // namespace lambda_emu::costs
