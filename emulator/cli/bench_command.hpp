#pragma once
// `lambda-emu calibrate` and `lambda-emu validate`: they measure this machine with real processes,
// which the bench harness already knows how to do, so lambda-emu hands them to its sibling binary
// lambda-emu-bench (`lambda-emu-bench calibrate|validate ...`, bench/calibrate.hpp and
// bench/validate.hpp), telling it to start this lambda-emu.
#include <string>
#include <vector>

namespace lambda_emu::cli {

// Replaces this process with `<dir of lambda-emu>/lambda-emu-bench COMMAND --emulator SELF ARGS`.
// Returns only if that failed: the exit code, with the reason on stderr.
[[nodiscard]] int run_bench_command(const std::string& command,
                                    const std::vector<std::string>& args);

}  // namespace lambda_emu::cli
