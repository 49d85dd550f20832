#pragma once
// Emulator: the real-time driver of every configured function. It owns the invoke endpoint
// (RIE's path and the Lambda Invoke API, which finds the function by name), one FunctionHost per
// function, and what they share: the process supervisor, the function log stream, the trace and
// the ready file. One io_context thread, no locks.
//
//   LogStream out(ioc, STDOUT_FILENO);
//   Emulator emu(ioc, config, log, out, [&] { ioc.stop(); });
//   emu.start();    // binds every listener, eager inits
//   ioc.run();      // until stop() has shut everything down
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "driver/async_invokes.hpp"
#include "driver/function_host.hpp"
#include "driver/function_spec.hpp"
#include "driver/log_stream.hpp"
#include "driver/steady_clock.hpp"
#include "driver/trace_writer.hpp"
#include "http/listener.hpp"
#include "process/cgroup.hpp"
#include "process/isolation.hpp"
#include "process/supervisor.hpp"

namespace lambda_emu::driver {

struct EmulatorConfig {
  std::vector<FunctionSpec> functions;  // at least one; the first answers RIE's path
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 9000;
  std::string runtime_api_host = "127.0.0.1";
  std::uint16_t runtime_api_port = 0;  // the first function's; the others take free ports
  // Run the sandboxes' processes with Lambda's paths (/var/task, /opt, a private /tmp,
  // sandbox.localdomain) where the kernel allows it.
  bool isolate = true;
  // A network namespace per sandbox, with only a loopback, where the kernel allows it.
  bool private_network = false;
  // Lambda's resource shape from cgroups where the kernel allows it: a CPU share from the memory
  // size (cpu_scaling), the memory size as a hard limit, the freezer. Off: none of them, as
  // where the kernel refuses (freezing then uses signals).
  bool cgroups = true;
  bool cpu_scaling = true;
  // Freeze with SIGSTOP/SIGCONT even where a cgroup freezer exists (faster, but visible to the
  // processes and blind to those that leave their process group).
  bool freeze_by_signals = false;
  // Hold streamed responses to Lambda's bandwidth after their first 6 MiB (section 3.3).
  bool stream_throttle = true;
  AsyncInvokes::Policy async;  // Event invokes: retries of failed ones
  std::string trace_path;
  std::string ready_file;
};

class Emulator {
 public:
  // `log` takes the emulator's diagnostics; the functions' log streams go to `out`.
  Emulator(net::io_context& ioc, EmulatorConfig config, spdlog::logger& log, LogStream& out,
           std::function<void()> on_stopped);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Starts accepting; throws if an address cannot be bound.
  void start();
  // Shuts every sandbox down; on_stopped runs once nothing is left running.
  void stop();

  // --- for handlers and hosts ---
  // The function with this name; null if there is none.
  [[nodiscard]] FunctionHost* find(std::string_view name);
  // The function RIE's path invokes: the first one.
  [[nodiscard]] FunctionHost& first() { return *functions_.front(); }
  [[nodiscard]] const std::vector<std::unique_ptr<FunctionHost>>& functions() const {
    return functions_;
  }
  // A function stopped; the emulator stops once all have.
  void function_stopped();
  [[nodiscard]] std::string new_request_id();
  [[nodiscard]] const EmulatorConfig& config() const { return config_; }
  [[nodiscard]] net::io_context& io_context() { return ioc_; }
  [[nodiscard]] const SteadyClock& clock() const { return clock_; }
  [[nodiscard]] spdlog::logger& log() { return log_; }
  [[nodiscard]] LogStream& out() { return out_; }
  [[nodiscard]] process::Supervisor& supervisor() { return supervisor_; }
  [[nodiscard]] const process::IsolationSupport& isolation() const { return isolation_; }
  // Sandboxes get networks of their own: asked for, and the kernel allowed it at start.
  [[nodiscard]] bool private_network() const { return private_network_; }
  [[nodiscard]] const process::CgroupSupport& cgroups() const { return cgroups_; }
  // Sandboxes get a CPU share from their memory size: asked for, and a CPU cgroup exists.
  [[nodiscard]] bool cpu_scaling() const {
    return config_.cpu_scaling && cgroups_.cpu.version != process::CgroupVersion::none;
  }
  // Where cgroup freezer files are written, in order, off the io thread.
  [[nodiscard]] net::thread_pool& freezer_thread() { return freezer_thread_; }
  [[nodiscard]] TraceWriter* trace() { return trace_.get(); }
  void trace_request(std::string_view api, const Request& req);
  void trace_response(std::string_view api, const Request& req, unsigned status);
  [[nodiscard]] std::string_view freezer_text() const;
  // Writes the ready file again (a sandbox's Runtime API changed).
  void write_ready_file() const;

  [[nodiscard]] tcp::endpoint invoke_endpoint() const { return invoke_listener_.endpoint(); }

 private:
  net::io_context& ioc_;
  EmulatorConfig config_;
  spdlog::logger& log_;
  LogStream& out_;
  std::function<void()> on_stopped_;
  SteadyClock clock_;
  process::Supervisor supervisor_;
  process::IsolationSupport isolation_;  // probed once at start
  bool private_network_ = false;         // likewise
  process::CgroupSupport cgroups_;       // likewise
  net::thread_pool freezer_thread_{1};
  std::unique_ptr<TraceWriter> trace_;
  std::mt19937_64 rng_;
  Listener<Emulator> invoke_listener_;
  std::vector<std::unique_ptr<FunctionHost>> functions_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace lambda_emu::driver
