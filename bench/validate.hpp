#pragma once
// `lambda-emu validate SCENARIO` (lambda-emu-bench validate): runs a wrapper scenario both ways,
// modeled on virtual time (wrapper_sim's simulate, with this machine's calibration: a file, or
// measured first as `lambda-emu calibrate` does) and measured under lambda-emu with the wrapper
// runtime (scenario_runs.hpp), the same reduced work both ways, and prints per variant and phase
// the modeled and measured p50 and p99, their differences and whether they agree within the
// issue's bar (wrapper_sim/sim/validation.hpp), as Markdown or JSON.
#include <string>
#include <vector>

namespace bench {

// `args` follow "validate". Returns the exit code: 0 measured (whatever the verdicts), 1 something
// failed to run (listed in the report and on stderr), 2 bad usage or scenario.
int run_validate(const std::vector<std::string>& args);

}  // namespace bench
