#pragma once
// Sandbox: the lifecycle of one execution environment as a sans-IO state machine.
//
// It holds the rules of sections 2 and 6 of the API reference: runtime states, the Init phase
// and its limit, invokes and their deadlines, crashes, resets and the suppressed init re-run
// inside an invoke. Events go in through handle(); actions come out. It reads time only from the
// injected Clock and never blocks, so the emulator (steady clock) and the simulator and unit
// tests (virtual clock) run the very same rules.
//
//   Sandbox box(config, clock, meter);
//   auto r = box.handle(InvokeArrived{std::move(invoke)});   // -> SpawnRuntime, EmitRecord...
//   r = box.handle(RuntimeNext{});                            // -> DeliverInvoke, ...
//   r = box.handle(RuntimeResponse{id, body});                // -> CompleteInvoke, ...
#include <concepts>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lambda_emu/clock.hpp"
#include "lambda_emu/core/actions.hpp"
#include "lambda_emu/core/errc.hpp"
#include "lambda_emu/core/events.hpp"
#include "lambda_emu/core/function_config.hpp"
#include "lambda_emu/core/states.hpp"

namespace lambda_emu::core {

// Peak memory of the sandbox's processes; read when an invoke's REPORT is made. A test seam: the
// emulator reads /proc, the simulator models it.
class MemoryMeter {
 public:
  virtual ~MemoryMeter() = default;
  [[nodiscard]] virtual int max_memory_used_mb() = 0;
};

// Lambda's payload limits (section 2.3, 3.3).
inline constexpr std::uint64_t max_buffered_response_bytes = 6'291'556;
inline constexpr std::uint64_t max_sync_request_bytes = 6'291'456;
inline constexpr std::uint64_t max_streamed_response_bytes = 200ull * 1024 * 1024;

struct Result {
  std::optional<Refusal> refusal;  // set: answer the API call with this error, nothing changed
  std::vector<Action> actions;
};

class Sandbox {
 public:
  Sandbox(FunctionConfig config, const Clock& clock, MemoryMeter& meter,
          Outputs outputs = Outputs::all());

  [[nodiscard]] Result handle(Event&& event);
  // The same into the caller's buffer, which keeps its capacity from event to event: the
  // simulator's loop (millions of events) then allocates nothing for actions.
  void handle(Event&& event, Result& out);

  [[nodiscard]] SandboxPhase phase() const { return phase_; }
  [[nodiscard]] bool frozen() const { return frozen_; }
  [[nodiscard]] RuntimeState runtime_state() const { return runtime_; }
  [[nodiscard]] const FunctionConfig& config() const { return config_; }
  // Invokes accepted but not yet completed (queued or running); zero once stopped.
  [[nodiscard]] std::size_t open_invokes() const;
  // The name of the registered extension with this identifier, if there is one.
  [[nodiscard]] std::optional<std::string> extension_name(const std::string& identifier) const;

  // Section 4.1: at most 10 extensions, external and internal together.
  static constexpr std::size_t max_extensions = 10;

 private:
  struct Running {
    std::shared_ptr<const Invoke> invoke;
    Instant started;   // START: dispatched to this sandbox
    Instant deadline;  // started + timeout
    WallTime deadline_wall;
    std::optional<Instant> delivered;     // handed to the runtime
    std::optional<Instant> responded;     // response (its first byte when streamed) or error
    std::optional<Instant> response_end;  // the last byte of a streamed response
    bool streaming = false;               // a streamed response is flowing
    bool next_after_stream = false;       // the runtime asked for /next before its stream ended
    std::optional<Instant> runtime_done;  // the runtime's next /next (platform.runtimeDone)
    std::uint64_t produced_bytes = 0;
    bool completed = false;  // the caller has its outcome
    Status status = Status::success;
    std::string error_type;
    TimerId timer = 0;
  };
  struct Init {
    InitPhase phase;
    Instant started;
    TimerId timer = 0;          // 0: bounded by the running invoke's deadline instead
    bool runtime_done = false;  // the runtime's first /next came (platform.initRuntimeDone)
  };
  // An extension of this environment (section 4.2). Externals are processes the sandbox
  // launched; internals live inside the runtime process.
  struct Extension {
    std::string name;
    std::string identifier;            // empty until registered
    std::optional<std::size_t> index;  // externals: FunctionConfig::extensions index
    ExtensionState state = ExtensionState::launched;
    bool invoke = false;    // subscribed to INVOKE
    bool shutdown = false;  // subscribed to SHUTDOWN
    bool alive = false;     // externals: the process runs
    bool telemetry = false;
    bool logs_api = false;
    std::optional<ExtensionEvent> pending;  // delivered at its next /event/next
  };
  // Section 6.3: the runtime gets SIGTERM (with extensions), then the extensions SHUTDOWN.
  struct Shutdown {
    ShutdownReason reason;
    Instant started;
    Instant deadline;
    bool extension_stage = false;
    TimerId timer = 0;
  };

  void on(InvokeArrived&& e);
  void on(InitRequested&& e);
  void on(StopRequested&& e);
  void on(LaunchFailed&& e);
  void on(ProcessExited&& e);
  void on(RuntimeNext&& e);
  void on(RuntimeResponse&& e);
  void on(RuntimeStreamStarted&& e);
  void on(RuntimeStreamEnded&& e);
  void on(RuntimeError&& e);
  void on(RuntimeInitError&& e);
  void on(ExtensionRegister&& e);
  void on(ExtensionNext&& e);
  void on(ExtensionInitError&& e);
  void on(ExtensionExitError&& e);
  void on(TelemetrySubscribe&& e);
  void on(TimerFired&& e);

  // Checks shared by /response and /error: the request id, then the transition (section 2.3).
  [[nodiscard]] bool accept_result(const std::string& request_id, RuntimeTarget target);
  void refuse(errc code, std::string message);
  void refuse_transition(RuntimeTarget target);
  void refuse_extension_transition(const Extension& x, ExtensionState target);

  void start_init(InitPhase phase);
  void spawn_runtime();
  void try_finish_init();
  void init_failed(Status status, std::string error_type, Outcome outcome,
                   Duration grace = Duration::zero());
  void dispatch();
  void deliver();
  // The invoke's one outcome, for its caller: make() builds it in its CompleteInvoke (a warm
  // invoke's outcome would otherwise be most of what the simulator moves).
  template <class MakeOutcome>
  void complete(MakeOutcome&& make);
  void complete(Outcome&& outcome);
  void emit_runtime_done();
  void try_finish_invoke();
  void finish_invoke();
  void fail_invoke(Outcome outcome, Duration grace = Duration::zero());
  // Something an extension did or suffered ends the environment: init, invoke or idle.
  void extension_failed(std::string error_type, std::string message, Duration grace);

  void reset(ShutdownReason reason, Duration grace = Duration::zero());
  void begin_shutdown();
  void shutdown_extensions();
  void try_finish_shutdown();
  void exited_while_resetting();
  void after_reset();

  [[nodiscard]] Extension* find_extension(const std::string& identifier);
  [[nodiscard]] bool extensions_ready(bool invoke_subscribed_only) const;
  [[nodiscard]] bool anything_alive() const;
  void set_extension(Extension& x, ExtensionState s);
  void send_event(Extension& x, ExtensionEvent event);

  // Freezes an environment left with nothing to do; thaws before anything reaches it.
  void freeze_if_idle();
  void thaw();
  void set_phase(SandboxPhase p);
  void set_runtime(RuntimeState s);
  void signal(ProcessRef process, Signal sig);
  TimerId arm(Instant at);
  void cancel(TimerId& id);
  // Emits a record if the driver listens to its kind. make() builds it inside its action, and
  // only then (a warm invoke's REPORT, millions in the simulator, is never moved or built in
  // vain); emit(record) moves a finished one there.
  template <std::invocable MakeRecord>
  void emit(MakeRecord&& make);
  template <class R>
  void emit(R&& record);
  template <class R>
  [[nodiscard]] bool wants() const {
    return outputs_.record<R>();
  }
  // Only when the driver listens to transitions.
  void transition(std::string_view actor, const std::string& extension, std::string_view from,
                  std::string_view to);
  [[nodiscard]] std::string request_error(std::string_view message) const;

  FunctionConfig config_;
  const Clock& clock_;
  MemoryMeter& meter_;
  Outputs outputs_;

  SandboxPhase phase_ = SandboxPhase::idle;
  RuntimeState runtime_ = RuntimeState::none;
  Generation generation_ = 0;
  bool runtime_alive_ = false;
  bool stopping_ = false;
  bool frozen_ = false;
  bool initialized_before_ = false;  // any init ran here: later ones run inside an invoke
  bool init_ahead_ = false;          // the first Init was on no invoke's path (InitRequested)
  bool registration_open_ = false;   // until the runtime's first /next (C36)
  std::optional<Init> init_;
  std::optional<Duration> pending_init_duration_;
  // Shared from arrival: DeliverInvoke and INVOKE events hand the same invoke out without copies.
  std::deque<std::shared_ptr<const Invoke>> queue_;
  std::optional<Running> current_;
  std::string last_delivered_id_;
  std::vector<Extension> extensions_;
  std::optional<Shutdown> shutdown_;
  ShutdownReason pending_reason_ = ShutdownReason::spindown;  // for a reset still in its grace
  TimerId grace_timer_ = 0;  // a reset that lets a process hear its answer first
  TimerId next_timer_ = 0;

  Result* out_ = nullptr;  // the result of the event being handled
};

}  // namespace lambda_emu::core
