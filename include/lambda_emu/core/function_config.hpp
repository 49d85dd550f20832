#pragma once
// FunctionConfig: what Lambda knows about a function before any process starts.
//
// Filled by the CLI (emulator/cli) and by scenario files later; read by the lifecycle core for
// timeouts and by the process adapter for the runtime's environment.
//
//   FunctionConfig f;
//   f.name = "hello"; f.timeout = std::chrono::seconds(3);
//   std::string arn = f.arn();   // arn:aws:lambda:us-east-1:012345678912:function:hello
#include <chrono>
#include <string>
#include <vector>

#include "lambda_emu/core/states.hpp"

namespace lambda_emu::core {

enum class InitMode { lazy, eager };

// Lambda's limits on a function's settings.
inline constexpr int min_memory_mb = 128;
inline constexpr int max_memory_mb = 10240;
inline constexpr int max_timeout_seconds = 900;

// Lambda gives a function CPU in proportion to its memory: one full vCPU at 1,769 MB.
inline constexpr int full_vcpu_memory_mb = 1769;
// The vCPUs a function's memory size buys, uncapped (3,538 MB: 2.0). The emulator's cgroup quota
// and the simulator's cpu-kind costs both follow it; each caps it at what it can use.
[[nodiscard]] constexpr double vcpus_for_memory(int memory_mb) {
  return memory_mb / static_cast<double>(full_vcpu_memory_mb);
}

struct FunctionConfig {
  // Defaults follow the official runtime interface emulator, so tools written for it agree.
  std::string name = "test_function";
  std::string version = "$LATEST";
  std::string handler;
  std::string region = "us-east-1";
  std::string account_id = "012345678912";
  int memory_mb = 3008;
  std::chrono::milliseconds timeout = std::chrono::seconds(300);
  // On-demand Init limit (section 6.1); an init re-run inside an invoke uses the invoke deadline.
  std::chrono::milliseconds init_timeout = std::chrono::seconds(10);
  InitMode init_mode = InitMode::lazy;
  // How this environment is initialized; the pool sets it per sandbox
  // (AWS_LAMBDA_INITIALIZATION_TYPE, platform.initStart.initializationType).
  InitializationType initialization_type = InitializationType::on_demand;
  std::string runtime_version = "lambda-emu";

  // External extensions (section 4.1), by name, in launch order: the files of /opt/extensions.
  std::vector<std::string> extensions;
  // Off: no extension is launched and the Extensions and Telemetry APIs answer 404 (C49).
  bool extensions_enabled = true;
  // Freeze the environment between events, as Lambda does (Freeze/Thaw actions).
  bool freeze = true;
  // Idle time after which the environment spins down (SHUTDOWN `spindown`); zero: never.
  std::chrono::milliseconds idle_shutdown{0};
  // The runtime's share of a shutdown with external extensions before SIGKILL (section 6.3:
  // docs say at most 300 ms, rapid gives 30 % of the budget).
  std::chrono::milliseconds runtime_shutdown_share{300};

  [[nodiscard]] std::string arn() const {
    return "arn:aws:lambda:" + region + ":" + account_id + ":function:" + name;
  }
  [[nodiscard]] std::string log_group() const { return "/aws/lambda/" + name; }
};

}  // namespace lambda_emu::core
