#pragma once
// Calibration: the constants of one machine the model needs so that modeled and measured runs
// describe the same machine. `lambda-emu calibrate` measures them and writes this file; the
// simulator reads it (`--calibration FILE`). Without one every constant is zero: an ideal machine
// on which only the scenario's own costs take time.
//
//   {"process_spawn_ms": 0.9, "sandbox_setup_ms": 5.1, "http_hop_ms": 0.08,
//    "invoke_overhead_ms": 0.16, "runtime_exchange_ms": 0.3, "process_exit_ms": 1.4,
//    "sleep_wake_ms": [{"sleep_ms": 1, "late_ms": 0.1}, {"sleep_ms": 5, "late_ms": 0.4}],
//    "base64_ns_per_byte": 0.6, "machine": "..."}
// Every key is optional (zero when absent), so files of earlier versions still load.
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "costs/cost.hpp"
#include "lambda_emu/clock.hpp"
#include "scenario/fields.hpp"

namespace lambda_emu::wrapper_sim {

// How late a sleep of this length wakes up, as a process in a sandbox sees it.
struct SleepWake {
  Duration sleep{0};
  Duration late{0};
};

struct Calibration {
  Duration process_spawn{0};     // a process start: fork/exec to its first Runtime API call
  Duration sandbox_setup{0};     // an environment's setup before its Init begins
  Duration http_hop{0};          // one loopback HTTP request and its answer
  Duration invoke_overhead{0};   // what the emulator adds to an invoke beyond the runtime's time
  Duration runtime_exchange{0};  // a runtime's Runtime API exchange within REPORT Duration
  Duration process_exit{0};      // a signalled process's exit, as a shutdown counts it
  // Measured points, by ascending sleep: a sleeping process wakes late, by the timer's slack
  // when it is short and by more when its CPUs had time to idle (a VM's vCPU halts).
  std::vector<SleepWake> sleep_wake;
  double base64_ns_per_byte = 0;  // encoding or decoding, per byte of the original
  std::string machine;            // where it was measured: host, CPUs, date (free text)

  [[nodiscard]] bool empty() const;
  [[nodiscard]] nlohmann::ordered_json to_json() const;
  // The time to base64-encode (or decode) `bytes`.
  [[nodiscard]] Duration base64(std::uint64_t bytes) const;
  // How late a sleep of `d` wakes: sleep_wake interpolated linearly from (0, 0) through its
  // points, the last one's beyond; zero for no sleep or no points.
  [[nodiscard]] Duration wake_late(Duration d) const;
  // A cost as a process of the sandbox spends it: its sample, and a sleep's late wake-up.
  [[nodiscard]] Duration spent(const costs::Cost& cost, costs::Random& random, int memory_mb) const;
};

// "spawn 0.900 ms, HTTP hop 0.080 ms, emulator per invoke 0.160 ms (machine)", or what no
// calibration means, as the reports print it.
[[nodiscard]] std::string describe(const Calibration& c);

[[nodiscard]] std::variant<Calibration, ScenarioError> load_calibration(
    const std::filesystem::path& file);

}  // namespace lambda_emu::wrapper_sim
