#pragma once
// Cost: what a wrapper stage spends in one phase, a Distribution and a kind. `sleep` is waiting
// (on I/O, on another process); `cpu` is burning CPU (JavaScript parsing, say), which runs slower
// when the function's memory size buys less than one vCPU. Stages sample costs and never spend
// them: the real bootstrap sleeps or spins for them, the simulator schedules them.
//
//   auto parsed = parse_cost(json::parse(R"({"kind":"cpu","dist":"constant","ms":60})"), dir);
//   if (auto* bad = std::get_if<CostError>(&parsed)) { return bad->message; }
//   Duration wall = sample(std::get<Cost>(parsed), random, 128);  // 829.21875 ms at 128 MB
//
// The scenario syntax is documented in wrapper_sim/README.md ("Costs").
#include <filesystem>
#include <string>
#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "costs/distribution.hpp"
#include "costs/random.hpp"
#include "lambda_emu/clock.hpp"

namespace lambda_emu::costs {

struct Cost {
  enum class Kind { sleep, cpu };
  Distribution distribution;
  Kind kind = Kind::sleep;
};

// What a cost a scenario leaves out is: nothing.
inline const Cost no_cost{Constant{}, Cost::Kind::sleep};

// Why a cost in a scenario file was refused; the message names the offending key.
struct CostError {
  std::string message;
};

// A cpu-kind cost, given as time on one full vCPU, as wall time at `memory_mb` (> 0): the cost is
// one thread, which runs at min(1, memory/1769) of a vCPU, so it is no faster above 1,769 MB.
[[nodiscard]] Duration cpu_wall_time(Duration cpu_time, int memory_mb);

// One draw of the cost as wall time in a function of `memory_mb`: a sleep is what it is, a cpu
// cost goes through cpu_wall_time.
[[nodiscard]] Duration sample(const Cost& cost, Random& random, int memory_mb);

// A cost as a scenario file writes it: a bare number (constant ms, kind sleep) or an object
// with a dist, its keys and an optional kind. An empirical file is read relative to `dir`, the
// scenario file's directory. Never throws.
[[nodiscard]] std::variant<Cost, CostError> parse_cost(const nlohmann::json& spec,
                                                       const std::filesystem::path& dir);

}  // namespace lambda_emu::costs
