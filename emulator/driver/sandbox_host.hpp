#pragma once
// SandboxHost: the real things of one sandbox of the pool. Its own Runtime API listener (so
// its runtime and extensions talk to it alone), its processes, its memory meter, its Telemetry
// API subscribers, its private /tmp and log stream, and the parked long polls of its runtime and
// extensions. It carries out the actions its sandbox's core asks for; Runtime API handlers feed
// events back through it.
//
//   auto host = std::make_shared<SandboxHost>(fn, id, spec, port);  // FunctionHost does this
//   host->start();                 // accepts on its Runtime API
//   host->spawn(process);          // ...the core's actions
//   host->stopped();               // its sandbox is gone: listener closed, polls abandoned
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "driver/function_spec.hpp"
#include "http/listener.hpp"
#include "http/parked_reply.hpp"
#include "lambda_emu/core/pool.hpp"
#include "process/cgroup.hpp"
#include "process/isolation.hpp"
#include "process/memory_meter.hpp"
#include "process/network_namespace.hpp"
#include "process/output_lines.hpp"
#include "process/sandbox_files.hpp"
#include "telemetry/hub.hpp"

namespace lambda_emu::driver {

class FunctionHost;

class SandboxHost : public std::enable_shared_from_this<SandboxHost> {
 public:
  // Binds its Runtime API listener on `port` (0: any free port); throws if that fails.
  SandboxHost(FunctionHost& function, core::SandboxId id, FunctionSpec spec, std::uint16_t port);
  SandboxHost(const SandboxHost&) = delete;
  SandboxHost& operator=(const SandboxHost&) = delete;

  void start();

  // --- the core's actions ---
  void spawn(core::ProcessRef process);
  void signal(const core::SignalProcess& s);
  void deliver(const core::DeliverInvoke& d);
  void deliver(core::DeliverExtensionEvent&& d);
  void emit(const core::Record& record);
  void transition(const core::Transition& t);
  // Between invokes none of its processes runs (Lambda's freeze), nor its telemetry deliveries:
  // the cgroup freezer, else SIGSTOP and SIGCONT of their process groups.
  void freeze();
  void thaw();
  // Its sandbox stopped: nothing of it runs any more.
  void stopped();

  // --- for Runtime API handlers ---
  // Feeds one event to this sandbox through the pool and carries out what follows.
  core::Result handle(core::Event&& event);
  std::shared_ptr<ParkedReply> park_next(const Request& req);
  void unpark_next(const std::shared_ptr<ParkedReply>& parked);
  std::shared_ptr<ParkedReply> park_extension_next(const std::string& identifier,
                                                   const Request& req);
  void unpark_extension_next(const std::string& identifier,
                             const std::shared_ptr<ParkedReply>& parked);
  // Where a streamed response's bytes go; null once the invoke has ended.
  [[nodiscard]] std::shared_ptr<ResponseStream> response_stream(
      const std::string& request_id) const;
  [[nodiscard]] bool stream_throttle() const;
  [[nodiscard]] const Clock& clock() const;
  // The configuration this sandbox was created with.
  [[nodiscard]] const core::FunctionConfig& function() const { return spec_.function; }
  [[nodiscard]] std::optional<std::string> extension_name(const std::string& identifier) const;
  [[nodiscard]] telemetry::Hub& telemetry() { return hub_; }
  [[nodiscard]] std::string new_request_id();
  [[nodiscard]] spdlog::logger& log();
  void trace_request(std::string_view api, const Request& req);
  void trace_response(std::string_view api, const Request& req, unsigned status);

  [[nodiscard]] core::SandboxId id() const { return id_; }
  [[nodiscard]] core::MemoryMeter& meter() { return meter_; }
  [[nodiscard]] tcp::endpoint runtime_api_endpoint() const { return listener_.endpoint(); }
  [[nodiscard]] bool isolated() const { return isolated_; }
  [[nodiscard]] bool private_tmp() const { return isolated_ && !isolation_.tmp_dir.empty(); }
  [[nodiscard]] bool private_network() const { return network_ != nullptr; }

 private:
  struct ParkedNext {
    std::weak_ptr<ParkedReply> reply;
    unsigned version;
    bool keep_alive;
  };

  void set_up_isolation();
  void set_up_cgroup();
  // The runtime died of SIGKILL and the sandbox's memory cgroup counted an OOM kill since the
  // last exit: Runtime.OutOfMemory.
  [[nodiscard]] bool killed_for_memory(const core::ExitStatus& status);
  [[nodiscard]] std::optional<std::string> host_path_under_tmp() const;
  [[nodiscard]] std::vector<std::string> runtime_argv() const;
  [[nodiscard]] std::string process_name(core::ProcessRef process) const;
  void output_line(telemetry::LogSource source, const std::string& prefix, std::string_view line);
  [[nodiscard]] bool cgroup_freezer() const;
  // Writes the cgroup's freezer state ("freeze" or "thaw") on the emulator's freezer thread.
  void run_freezer(std::string_view kind);
  void signal_all(int signal);
  void trace_freezer(std::string_view kind, bool by_cgroup, Duration took);
  void abandon_parked_next();
  void abandon_parked_events();
  // The lifecycle trace, if one is written (check first: building the event costs).
  [[nodiscard]] bool tracing() const;
  void trace(nlohmann::ordered_json event) const;

  FunctionHost& function_;
  core::SandboxId id_;
  FunctionSpec spec_;  // as it was when the sandbox was created
  process::ProcMemoryMeter meter_;
  // Its own network, when the emulator runs sandboxes so; shared with its telemetry connections.
  std::shared_ptr<const process::NetworkNamespace> network_;
  Listener<SandboxHost> listener_;
  telemetry::Hub hub_;
  std::optional<process::SandboxFiles> files_;  // outlives every launched process
  // Likewise; shared with the freezer thread's writes still to come.
  std::shared_ptr<process::SandboxCgroup> cgroup_;
  std::uint64_t oom_kills_ = 0;  // counted by cgroup_ so far
  enum class Frozen { no, by_cgroup, by_signals };
  Frozen frozen_ = Frozen::no;
  bool freezer_failed_ = false;  // a cgroup freezer write failed: signals from now on
  process::IsolationSpec isolation_;
  bool isolated_ = false;
  std::string log_stream_;
  std::string tailing_;  // the invoke whose log lines its caller wants (X-Amz-Log-Type: Tail)

  std::vector<std::pair<core::ProcessRef, pid_t>> pids_;  // live processes
  // The output of its processes, also of those just gone (their last lines may be unread).
  std::vector<std::shared_ptr<process::OutputLines>> outputs_;
  std::vector<ParkedNext> parked_next_;
  std::unordered_map<std::string, ParkedNext> parked_events_;  // by extension identifier
};

}  // namespace lambda_emu::driver
