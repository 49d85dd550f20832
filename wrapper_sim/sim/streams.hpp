#pragma once
// Streams: the seeded engines one run draws from. The runtime and the handler draw from `base`,
// which every variant of a scenario shares draw for draw; each stage draws from its own. So a
// wrapper and bare see the very same runtime and handler costs, and a wrapper's stages can only
// add to them: compared on the same draws, no wrapper comes out faster than bare.
#include <cstdint>
#include <vector>

#include "costs/random.hpp"

namespace lambda_emu::wrapper_sim {

struct Streams {
  Streams(std::uint64_t seed, std::size_t stages) : base(stream_seed(seed, 0)) {
    for (std::size_t i = 0; i < stages; ++i) {
      stage.emplace_back(stream_seed(seed, i + 1));
    }
  }

  // Stream k of a seed: SplitMix64 of seed and k, so streams are unrelated to each other.
  [[nodiscard]] static std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t k) {
    std::uint64_t state = seed ^ (0x9e3779b97f4a7c15ull * (k + 1));
    return costs::splitmix64(state);
  }

  costs::Random base;
  std::vector<costs::Random> stage;  // by the stage's index in its variant
};

}  // namespace lambda_emu::wrapper_sim
