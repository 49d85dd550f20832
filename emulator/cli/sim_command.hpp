#pragma once
// `lambda-emu sim SCENARIO`: models a scenario on virtual time (wrapper_sim/sim) and prints the
// report. Runs no process and opens no socket.
#include <string>
#include <vector>

namespace lambda_emu::cli {

// `args` follow "sim"; returns the exit code (0 done, 1 the scenario failed, 2 bad usage).
[[nodiscard]] int run_sim(const std::vector<std::string>& args);

}  // namespace lambda_emu::cli
