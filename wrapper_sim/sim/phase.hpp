#pragma once
// Phase: what the simulator measures, one distribution per phase and variant. Cold-start phases
// have one sample per cold start, invoke phases one per invoke (cold and warm), `warm` and
// `ttfb` one per warm invoke. A phase a variant does not have (extension init without extensions)
// counts zero, so every variant has the same samples and its overhead over bare is a paired
// difference.
#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include "lambda_emu/clock.hpp"

namespace lambda_emu::wrapper_sim {

enum class Phase : std::size_t {
  sandbox,         // placement and setup before Init (the caller waits; Init Duration does not)
  extension_init,  // Init start to the last extension's first /event/next
  runtime_init,    // process start and the language runtime's own init
  function_init,   // wrapper stages' init and the handler's init, up to the first /next
  init,            // Init Duration, as the REPORT says
  cold_start,      // the caller's latency of a cold invoke
  pre_handler,     // per invoke: delivery to the handler (shims, the proxy hop)
  handler,         // the handler's work
  response,        // the handler's end to the response's last byte
  ttfb,            // the caller's time to first byte, warm invokes
  post_invoke,     // the response to the last extension's next (REPORT extensionOverhead)
  duration,        // Duration, as the REPORT says
  warm,            // the caller's latency of a warm invoke
  shutdown,        // the environment's shutdown
};
inline constexpr std::size_t phase_count = static_cast<std::size_t>(Phase::shutdown) + 1;

[[nodiscard]] std::string_view phase_name(Phase p);
[[nodiscard]] std::string_view phase_meaning(Phase p);
// An invoke phase (one sample per invoke, or per warm invoke), not one of a cold start.
[[nodiscard]] bool per_invoke(Phase p);
[[nodiscard]] constexpr Phase phase_at(std::size_t i) {
  return static_cast<Phase>(i);
}

// Every phase's samples, in the order they happened.
struct Samples {
  std::array<std::vector<Duration>, phase_count> by_phase;

  // Room for a run's samples up front: millions of them would otherwise be copied as their
  // vectors grow.
  void reserve(std::size_t cold_starts, std::size_t invokes);
  void add(Phase p, Duration d) { by_phase[static_cast<std::size_t>(p)].push_back(d); }
  [[nodiscard]] const std::vector<Duration>& of(Phase p) const {
    return by_phase[static_cast<std::size_t>(p)];
  }
};

}  // namespace lambda_emu::wrapper_sim
