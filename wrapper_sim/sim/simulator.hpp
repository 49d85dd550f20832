#pragma once
// The simulator: runs a scenario on virtual time through the lifecycle core the emulator drives
// (core::Sandbox, the same rules, no second copy), with modeled runtime and extension actors in
// place of processes. For every variant and payload size it runs the scenario's work: cold
// starts, each followed by its warm invokes, then the environment's shutdown; and records every
// phase's samples.
//
//   SimResult r = simulate(scenario, calibration, scenario.seed);
//   for (const RunResult& run : r.runs) { ... run.samples.of(Phase::warm) ... }
//
// Same scenario, calibration and seed: the same samples, bit for bit.
#include <cstdint>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"
#include "sim/phase.hpp"

namespace lambda_emu::wrapper_sim {

struct RunResult {
  std::string variant;
  std::uint64_t payload_bytes = 0;
  Samples samples;
};

struct SimResult {
  std::uint64_t seed = 0;
  std::vector<RunResult> runs;  // by payload size, then by variant in scenario order
  std::uint64_t invokes = 0;    // simulated, all runs together
};

// Throws std::runtime_error if the lifecycle core refuses a modeled call (a bug of the model).
[[nodiscard]] SimResult simulate(const Scenario& scenario, const Calibration& calibration,
                                 std::uint64_t seed);

}  // namespace lambda_emu::wrapper_sim
