#pragma once
// Calibration: the constants of one machine the model needs so that modeled and measured runs
// describe the same machine. `lambda-emu calibrate` measures them and writes this file; the
// simulator reads it (`--calibration FILE`). Without one every constant is zero: an ideal machine
// on which only the scenario's own costs take time.
//
//   {"process_spawn_ms": 0.9, "sandbox_setup_ms": 5.1, "http_hop_ms": 0.08,
//    "invoke_overhead_ms": 0.16, "runtime_exchange_ms": 0.3, "process_exit_ms": 1.4,
//    "base64_ns_per_byte": 0.6, "machine": "..."}
// Every key is optional (zero when absent), so files of earlier versions still load.
#include <filesystem>
#include <string>
#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "lambda_emu/clock.hpp"
#include "scenario/fields.hpp"

namespace lambda_emu::wrapper_sim {

struct Calibration {
  Duration process_spawn{0};      // a process start: fork/exec to its first Runtime API call
  Duration sandbox_setup{0};      // an environment's setup before its Init begins
  Duration http_hop{0};           // one loopback HTTP request and its answer
  Duration invoke_overhead{0};    // what the emulator adds to an invoke beyond the runtime's time
  Duration runtime_exchange{0};   // a runtime's Runtime API exchange within REPORT Duration
  Duration process_exit{0};       // a signalled process's exit, as a shutdown counts it
  double base64_ns_per_byte = 0;  // encoding or decoding, per byte of the original
  std::string machine;            // where it was measured: host, CPUs, date (free text)

  [[nodiscard]] bool empty() const;
  [[nodiscard]] nlohmann::ordered_json to_json() const;
  // The time to base64-encode (or decode) `bytes`.
  [[nodiscard]] Duration base64(std::uint64_t bytes) const;
};

// "spawn 0.900 ms, HTTP hop 0.080 ms, emulator per invoke 0.160 ms (machine)", or what no
// calibration means, as the reports print it.
[[nodiscard]] std::string describe(const Calibration& c);

[[nodiscard]] std::variant<Calibration, ScenarioError> load_calibration(
    const std::filesystem::path& file);

}  // namespace lambda_emu::wrapper_sim
