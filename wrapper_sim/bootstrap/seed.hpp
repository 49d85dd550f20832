#pragma once
// The seed a real-mode process draws its costs from. Three parts are mixed:
//   - the scenario's seed, so scenarios differ;
//   - a per-sandbox part: LAMBDA_EMU_WRAPPER_SEED when set (a whole number; every sandbox then
//     draws the same sequence and a run is reproducible), else the process id, so each sandbox's
//     cold start draws its own costs as Lambda's sandboxes differ;
//   - who draws: "runtime" for the bootstrap, "extension:<name>" for each extension process, so
//     processes of one sandbox do not share a sequence.
//
//   costs::Random random(process_seed(scenario.seed, "runtime"));
#include <cstdint>
#include <string_view>

namespace lambda_emu::wrapper_sim {

[[nodiscard]] std::uint64_t process_seed(std::uint64_t scenario_seed, std::string_view who);

}  // namespace lambda_emu::wrapper_sim
