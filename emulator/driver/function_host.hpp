#pragma once
// FunctionHost: one function in real time. It owns the function's pool (the lifecycle core),
// one SandboxHost per sandbox the pool creates, the callers waiting for their invokes, the
// Event invokes and their retries, and the function's URL. Actions come out of the pool tagged
// with their sandbox; the ones about processes and long polls go to that sandbox's host, the
// ones about callers are carried out here.
//
//   FunctionHost fn(emulator, spec, runtime_api_port);
//   fn.start();                                   // the URL listens, sandbox 1 exists
//   auto r = fn.invoke(std::move(in), req, render, stream);   // parked reply or 429
//   fn.stop();                                    // every sandbox shuts down
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "driver/async_invokes.hpp"
#include "driver/function_spec.hpp"
#include "driver/log_tails.hpp"
#include "driver/timer_queue.hpp"
#include "http/listener.hpp"
#include "http/parked_reply.hpp"
#include "http/stream_framing.hpp"
#include "lambda_emu/core/pool.hpp"

namespace lambda_emu::driver {

class Emulator;
class SandboxHost;

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
// How a caller waits: its answer's renderer, the stream front (null: a streamed response is
// buffered into one outcome, as the Invoke API does), headers for the answer whatever it is,
// and whether it waits for the log tail (the answer then waits for the invoke's REPORT).
struct AnswerSpec {
  OutcomeRenderer render;
  const StreamFront* stream = nullptr;
  http::fields headers;
  bool tail = false;
};

class FunctionHost {
 public:
  // `runtime_api_port`: sandbox 1's Runtime API port (0: any free port), kept for the next
  // sandbox once it is gone; the others take any free port.
  FunctionHost(Emulator& emulator, FunctionSpec spec, std::uint16_t runtime_api_port);
  ~FunctionHost();
  FunctionHost(const FunctionHost&) = delete;
  FunctionHost& operator=(const FunctionHost&) = delete;

  void start();
  void stop();
  [[nodiscard]] bool stopped() const { return stopped_; }

  // Starts an invoke whose caller waits for its outcome: the parked reply, or the refusal
  // (every sandbox busy at the concurrency limit) to answer now.
  std::variant<std::shared_ptr<ParkedReply>, core::Refusal> invoke(core::Invoke&& invoke,
                                                                   const Request& req,
                                                                   AnswerSpec answer);
  // Queues an asynchronous (Event) invoke; nobody waits for it, failures are retried.
  void submit_async(core::Invoke&& invoke);
  // UpdateFunctionConfiguration: new sandboxes get `spec`, warm ones are retired.
  void update(FunctionSpec spec);

  [[nodiscard]] const FunctionSpec& spec() const { return spec_; }
  // Changed by every update (GetFunctionConfiguration reports them).
  [[nodiscard]] WallTime last_modified() const { return last_modified_; }
  [[nodiscard]] const std::string& revision_id() const { return revision_id_; }
  [[nodiscard]] const core::FunctionConfig& function() const { return spec_.function; }
  [[nodiscard]] std::size_t sandbox_count() const { return hosts_.size(); }
  // Thaws every frozen sandbox (before the emulator kills what is left).
  void thaw_all();
  [[nodiscard]] std::optional<tcp::endpoint> url_endpoint() const {
    return url_listener_ ? std::optional(url_listener_->endpoint()) : std::nullopt;
  }
  // The Runtime API of the sandbox on the configured port (else sandbox 1) while it exists, and
  // whether it has Lambda's paths and a private /tmp (the ready file names them).
  [[nodiscard]] std::optional<tcp::endpoint> first_runtime_api_endpoint() const;
  [[nodiscard]] std::optional<std::pair<bool, bool>> first_sandbox_paths() const;
  [[nodiscard]] Emulator& emulator() { return emulator_; }
  // The core of one sandbox, while it exists.
  [[nodiscard]] const core::Sandbox* sandbox(core::SandboxId id) const;

  // --- for sandbox hosts and handlers ---
  core::PoolResult handle(core::PoolEvent&& event);
  [[nodiscard]] std::shared_ptr<ResponseStream> response_stream(
      const std::string& request_id) const;
  [[nodiscard]] LogTails& tails() { return tails_; }
  [[nodiscard]] std::string new_request_id();
  [[nodiscard]] const Clock& clock() const;
  [[nodiscard]] spdlog::logger& log();
  void trace_request(std::string_view api, const Request& req);
  void trace_response(std::string_view api, const Request& req, unsigned status);

 private:
  struct Waiter {
    std::shared_ptr<ParkedReply> reply;
    unsigned version;
    bool keep_alive;
    AnswerSpec spec;

    void answer(core::Outcome&& o, std::optional<std::string> log_tail) const;
  };

  void execute(core::PoolAction&& action);
  core::MemoryMeter& create_host(core::SandboxId id);
  void start_stream(core::StartStream&& s);
  void complete(core::CompleteInvoke&& c);
  // Answers a waiter now, or once its invoke's REPORT is out when it asked for the log tail.
  void answer(const std::string& request_id, Waiter&& w, core::Outcome&& o);
  net::awaitable<void> buffer_stream(std::string request_id, std::shared_ptr<ResponseStream> stream,
                                     Waiter w, std::string content_type);
  net::awaitable<void> answer_after_prelude(std::shared_ptr<ResponseStream> stream, Waiter w);
  void retry_later(AsyncInvokes::Retry&& retry);

  Emulator& emulator_;
  FunctionSpec spec_;
  std::uint16_t runtime_api_port_;
  TimerQueue timers_;
  core::Pool pool_;
  std::map<core::SandboxId, std::shared_ptr<SandboxHost>> hosts_;
  core::SandboxId port_holder_ = 0;  // the sandbox listening on runtime_api_port_
  std::optional<Listener<FunctionHost>> url_listener_;
  std::unordered_map<std::string, Waiter> waiters_;
  std::unordered_map<std::string, std::shared_ptr<ResponseStream>> streams_;  // by request id
  LogTails tails_;
  AsyncInvokes async_;
  std::vector<std::shared_ptr<net::steady_timer>> retry_timers_;  // cancelled at stop
  WallTime last_modified_;
  std::string revision_id_;
  bool stopping_ = false;
  bool stopped_ = false;
};

}  // namespace lambda_emu::driver
