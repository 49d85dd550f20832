#pragma once
// External extensions: what 1 and 3 fast extensions (test-extension --mode fast) add to an invoke,
// against the same emulator with none and against one loopback round trip, all in the same run,
// interleaved. Two measurements per emulator:
//
//   cycle   back-to-back sequential invokes. lambda-emu answers the caller when the runtime posts
//           its response but starts the next invoke only when the runtime and every extension
//           asked for their next event, so each invoke waits out the previous one's full cycle:
//           these latencies are the cycle time, and their inverse the throughput.
//   caller  the same invokes with a pause before each, so each finds the environment ready: what a
//           caller sees of the extensions when the function is not saturated.
//
// Beside both, the REPORT Duration lambda-emu printed for every invoke (platform.start until the
// runtime and every extension are back).
#include <chrono>
#include <cstddef>
#include <vector>

#include "invoke_loop.hpp"
#include "run_context.hpp"

namespace bench {

struct ExtensionVariantRun {
  std::size_t extensions = 0;
  PathRun cycle;
  PathRun caller;
  std::vector<double> cycle_duration_us;   // REPORT Duration of the cycle invokes
  std::vector<double> caller_duration_us;  // ... of the caller invokes
  // Caller invokes that may still have waited for the previous invoke's cycle (its Duration
  // exceeded its latency plus the pause); should be 0, else raise the pause.
  std::size_t possibly_queued = 0;
  bool reports_ok = false;  // one good REPORT per invoke (else the durations are empty)
};

struct ExtensionResult {
  std::size_t payload = 0;
  std::size_t iterations = 0;  // per path, in each of the two measurements
  std::size_t warmup = 0;
  std::size_t block = 0;
  std::chrono::microseconds pause{0};
  PathRun round_trip;  // client -> echo server, back to back: one loopback HTTP exchange
  std::vector<ExtensionVariantRun> variants;  // 0, 1 and 3 extensions
  bool ran = false;
};

// Starts an echo server and one lambda-emu per extension count, measures, stops them.
ExtensionResult run_extensions(Context& ctx);

}  // namespace bench
