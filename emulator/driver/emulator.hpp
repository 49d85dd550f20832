#pragma once
// Emulator: the real-time driver. It owns one sandbox's lifecycle core and carries out its
// actions with real things: runtime processes, parked HTTP replies, steady timers and log lines.
// HTTP handlers feed it events; nothing else touches the core. One io_context thread, no locks.
//
//   LogStream out(ioc, STDOUT_FILENO);
//   Emulator emu(ioc, config, log, out, [&] { ioc.stop(); });
//   emu.start();    // binds both listeners, eager init if asked
//   ioc.run();      // until stop() has shut everything down
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <spdlog/logger.h>

#include "driver/async_invokes.hpp"
#include "driver/log_stream.hpp"
#include "driver/steady_clock.hpp"
#include "driver/timer_queue.hpp"
#include "driver/trace_writer.hpp"
#include "http/listener.hpp"
#include "http/parked_reply.hpp"
#include "lambda_emu/core/sandbox.hpp"
#include "process/environment.hpp"
#include "process/extension_files.hpp"
#include "process/isolation.hpp"
#include "process/memory_meter.hpp"
#include "process/sandbox_files.hpp"
#include "process/supervisor.hpp"
#include "telemetry/hub.hpp"

namespace lambda_emu::driver {

struct EmulatorConfig {
  core::FunctionConfig function;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 9000;
  std::string runtime_api_host = "127.0.0.1";
  std::uint16_t runtime_api_port = 0;
  // Set: the function's URL listens here (on listen_host), 0 for any free port.
  std::optional<std::uint16_t> function_url_port;
  std::vector<std::string> bootstrap;              // the runtime's argv
  std::string task_root;                           // absolute; the runtime's working directory
  std::vector<std::string> opt_dirs;               // layers, as /opt
  std::vector<process::ExtensionFile> extensions;  // function.extensions, with their files
  // Run the sandbox's processes with Lambda's paths (/var/task, /opt, a private /tmp,
  // sandbox.localdomain) where the kernel allows it.
  bool isolate = true;
  // Hold streamed responses to Lambda's bandwidth after their first 6 MiB (section 3.3).
  bool stream_throttle = true;
  AsyncInvokes::Policy async;  // Event invokes: retries of failed ones
  process::EnvVars env;        // the function's own variables
  std::string trace_path;
  std::string ready_file;
};

// What a caller's answer is rendered for besides the outcome.
struct AnswerContext {
  unsigned version;
  bool keep_alive;
  std::optional<std::string> log_tail;  // X-Amz-Log-Type: Tail: the invoke's last 4 KB of log
};
// Turns an invoke's outcome into the caller's HTTP response; each front door has its own.
using OutcomeRenderer = Response (*)(core::Outcome&&, const AnswerContext&);
// A front door that passes streamed responses on: the head of the caller's response when the
// runtime starts streaming, and how the stream's pieces and end are framed after it.
struct StreamFront {
  Response (*head)(const std::string& content_type, unsigned version, bool keep_alive);
  StreamFraming framing;
  // Set: a stream of http_integration_type gets its head from its prelude instead, which is
  // not passed on (function URLs); nullopt for a prelude that is not one.
  std::optional<Response> (*prelude_head)(std::string_view prelude, unsigned version,
                                          bool keep_alive) = nullptr;
};

class Emulator {
 public:
  // `log` takes the emulator's diagnostics; the function's log stream goes to `out`.
  Emulator(net::io_context& ioc, EmulatorConfig config, spdlog::logger& log, LogStream& out,
           std::function<void()> on_stopped);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Starts accepting; throws if an address cannot be bound.
  void start();
  // Shuts the sandbox down; on_stopped runs once nothing is left running.
  void stop();

  // --- for handlers ---
  // Feeds one event to the lifecycle core and carries out the actions it returns.
  core::Result handle(core::Event&& event);
  // Parks a runtime's /next until the core delivers an event to it.
  std::shared_ptr<ParkedReply> park_next(const Request& req);
  void unpark_next(const std::shared_ptr<ParkedReply>& parked);
  // Parks an extension's /event/next until the core sends it an event.
  std::shared_ptr<ParkedReply> park_extension_next(const std::string& identifier,
                                                   const Request& req);
  void unpark_extension_next(const std::string& identifier,
                             const std::shared_ptr<ParkedReply>& parked);
  // Parks an invoke's caller until its outcome, rendered by `render`, or until the runtime
  // starts streaming, when the caller gets `stream`'s head and the stream.
  // A null `stream` buffers a streamed response into one outcome (the Invoke API does).
  // `headers` go on the caller's response whatever it is.
  // With `tail`, the answer (or the stream's end) waits for the invoke's REPORT and carries its
  // last 4 KB of log (AnswerContext::log_tail, ResponseStream::End::log_tail).
  std::shared_ptr<ParkedReply> await_outcome(std::string request_id, const Request& req,
                                             OutcomeRenderer render, const StreamFront* stream,
                                             http::fields headers = {}, bool tail = false);
  // Where a streamed response's bytes go; null once the invoke has ended.
  [[nodiscard]] std::shared_ptr<ResponseStream> response_stream(
      const std::string& request_id) const;
  [[nodiscard]] bool stream_throttle() const { return config_.stream_throttle; }
  [[nodiscard]] const Clock& clock() const { return clock_; }
  // Queues an asynchronous (Event) invoke; nobody waits for it, failures are retried.
  void submit_async(core::Invoke&& invoke);
  [[nodiscard]] std::string new_request_id();
  [[nodiscard]] const core::FunctionConfig& function() const { return sandbox_.config(); }
  [[nodiscard]] spdlog::logger& log() { return log_; }
  [[nodiscard]] telemetry::Hub& telemetry() { return hub_; }
  [[nodiscard]] std::optional<std::string> extension_name(const std::string& identifier) const {
    return sandbox_.extension_name(identifier);
  }
  void trace_request(std::string_view api, const Request& req);
  void trace_response(std::string_view api, const Request& req, unsigned status);

  [[nodiscard]] tcp::endpoint invoke_endpoint() const { return invoke_listener_.endpoint(); }
  [[nodiscard]] tcp::endpoint runtime_api_endpoint() const { return runtime_listener_.endpoint(); }
  [[nodiscard]] std::optional<tcp::endpoint> function_url_endpoint() const {
    return url_listener_ ? std::optional(url_listener_->endpoint()) : std::nullopt;
  }

 private:
  struct ParkedNext {
    std::weak_ptr<ParkedReply> reply;
    unsigned version;
    bool keep_alive;
  };
  struct Waiter {
    std::shared_ptr<ParkedReply> reply;
    unsigned version;
    bool keep_alive;
    OutcomeRenderer render;
    const StreamFront* stream;
    http::fields headers;

    void answer(core::Outcome&& o, std::optional<std::string> log_tail) const;
  };
  // The log of an invoke whose caller asked for its tail, and the answer held until its REPORT.
  struct TailLog {
    std::string text;  // the last max_tail_bytes of it
    bool started = false;
    std::function<void(std::optional<std::string>)> finish;  // the held answer, given the log
  };
  static constexpr std::size_t max_tail_bytes = 4096;

  void execute(core::Action&& action);
  void spawn(core::ProcessRef process);
  void signal(const core::SignalProcess& s);
  void deliver(const core::DeliverInvoke& d);
  void deliver(core::DeliverExtensionEvent&& d);
  void start_stream(core::StartStream&& s);
  // Answers a waiter now, or once its invoke's REPORT is out when it asked for the log tail.
  void answer(const std::string& request_id, Waiter&& w, core::Outcome&& o);
  // Ends a stream the same way.
  void end_stream(const std::string& request_id, std::shared_ptr<ResponseStream> stream,
                  ResponseStream::End&& end);
  // Runs `finish` with the invoke's log tail (nullopt when nobody asked for it) now, or once the
  // invoke's REPORT is out.
  void with_log_tail(const std::string& request_id,
                     std::function<void(std::optional<std::string>)> finish);
  void tail_line(std::string_view line);
  net::awaitable<void> buffer_stream(std::string request_id, std::shared_ptr<ResponseStream> stream,
                                     Waiter w, std::string content_type);
  net::awaitable<void> answer_after_prelude(std::shared_ptr<ResponseStream> stream, Waiter w);
  void complete(core::CompleteInvoke&& c);
  void emit(const core::Record& record);
  void abandon_parked_next();
  void abandon_parked_events();
  [[nodiscard]] std::string process_name(core::ProcessRef process) const;
  void write_ready_file() const;
  void set_up_isolation();
  [[nodiscard]] std::optional<std::string> host_path_under_tmp() const;
  [[nodiscard]] bool private_tmp() const { return isolated_ && !isolation_.tmp_dir.empty(); }
  [[nodiscard]] std::vector<std::string> runtime_argv() const;

  net::io_context& ioc_;
  EmulatorConfig config_;
  spdlog::logger& log_;
  LogStream& out_;
  std::function<void()> on_stopped_;
  SteadyClock clock_;
  process::ProcMemoryMeter meter_{clock_};
  core::Sandbox sandbox_;
  process::Supervisor supervisor_;
  Listener runtime_listener_;
  Listener invoke_listener_;
  std::optional<Listener> url_listener_;
  TimerQueue timers_;
  telemetry::Hub hub_;
  std::optional<process::SandboxFiles> sandbox_files_;  // outlives every launched process
  process::IsolationSpec isolation_;
  bool isolated_ = false;
  std::unique_ptr<TraceWriter> trace_;
  std::string log_stream_;
  std::mt19937_64 rng_;

  // Live processes by ProcessRef (runtime and external extensions) and their pids.
  std::vector<std::pair<core::ProcessRef, pid_t>> pids_;
  std::vector<ParkedNext> parked_next_;
  std::unordered_map<std::string, ParkedNext> parked_events_;  // by extension identifier
  std::unordered_map<std::string, Waiter> waiters_;
  std::unordered_map<std::string, std::shared_ptr<ResponseStream>> streams_;  // by request id
  AsyncInvokes async_;
  std::unordered_map<std::string, TailLog> tails_;  // by request id
  std::string tailing_;                             // the invoke whose log lines are kept
  std::vector<std::shared_ptr<net::steady_timer>> retry_timers_;  // cancelled at stop
  bool stopped_ = false;
};

}  // namespace lambda_emu::driver
