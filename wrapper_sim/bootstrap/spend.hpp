#pragma once
// Spending a cost for real: the wrapper runtime and its extension sleep or burn CPU for one draw
// of a stage's cost, so lambda-emu measures the wrapper as it would a user's own runtime.
//
//   Spend s = draw(shim.init, random, memory_mb);   // one draw, nothing spent yet
//   spend(s);                                       // sleeps, or burns s.time of thread CPU
//
// A `sleep` cost is waited out on the steady clock. A `cpu` cost is burned as the thread's own
// CPU time (CLOCK_THREAD_CPUTIME_ID) for the unscaled draw, the time on one full vCPU: the
// sandbox's CPU quota then stretches its wall time at small memory sizes, which is what
// costs::cpu_wall_time predicts and the simulator schedules.
#include <optional>
#include <string>
#include <string_view>

#include "costs/cost.hpp"

namespace lambda_emu::wrapper_sim {

struct Spend {
  costs::Cost::Kind kind = costs::Cost::Kind::sleep;
  Duration time{0};      // the draw: wall time to sleep, or CPU time to burn
  Duration expected{0};  // the wall time the model predicts at the function's memory size
};

// One draw of `cost` at `memory_mb`.
[[nodiscard]] Spend draw(const costs::Cost& cost, costs::Random& random, int memory_mb);

// Sleeps for, or burns CPU for, the draw.
void spend(const Spend& s);

// "cpu:12500000" or "sleep:300000" (nanoseconds): a draw handed to another process to spend (the
// HTTP server behind the proxy hop), and read back there; nullopt for anything else.
[[nodiscard]] std::string to_text(const Spend& s);
[[nodiscard]] std::optional<Spend> parse_spend(std::string_view text);

// The function's memory size from AWS_LAMBDA_FUNCTION_MEMORY_SIZE, else `fallback`.
[[nodiscard]] int function_memory_mb(int fallback);

}  // namespace lambda_emu::wrapper_sim
