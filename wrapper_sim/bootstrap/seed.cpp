#include "bootstrap/seed.hpp"

#include <unistd.h>

#include <cstdlib>

#include "costs/random.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

// FNV-1a: a fixed, portable hash of the drawer's name (std::hash may differ between libraries).
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : text) {
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  }
  return h;
}

std::uint64_t per_sandbox() {
  if (const char* fixed = std::getenv("LAMBDA_EMU_WRAPPER_SEED"); fixed != nullptr && *fixed) {
    return std::strtoull(fixed, nullptr, 10);
  }
  return static_cast<std::uint64_t>(::getpid());
}

}  // namespace

std::uint64_t process_seed(std::uint64_t scenario_seed, std::string_view who) {
  // Each part goes through a SplitMix64 step before the next is mixed in, so nearby values
  // (pids 100 and 101, seeds 1 and 2) give unrelated seeds.
  std::uint64_t state = scenario_seed;
  state = costs::splitmix64(state) ^ per_sandbox();
  state = costs::splitmix64(state) ^ fnv1a(who);
  return costs::splitmix64(state);
}

}  // namespace lambda_emu::wrapper_sim
