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

struct Result {
  std::optional<Refusal> refusal;  // set: answer the API call with this error, nothing changed
  std::vector<Action> actions;
};

class Sandbox {
 public:
  Sandbox(FunctionConfig config, const Clock& clock, MemoryMeter& meter);

  [[nodiscard]] Result handle(Event&& event);

  [[nodiscard]] SandboxPhase phase() const { return phase_; }
  [[nodiscard]] RuntimeState runtime_state() const { return runtime_; }
  [[nodiscard]] const FunctionConfig& config() const { return config_; }
  // Invokes accepted but not yet completed (queued or running); zero once stopped.
  [[nodiscard]] std::size_t open_invokes() const;

 private:
  struct Running {
    std::shared_ptr<const Invoke> invoke;
    Instant started;   // START: dispatched to this sandbox
    Instant deadline;  // started + timeout
    WallTime deadline_wall;
    std::optional<Instant> delivered;  // handed to the runtime
    std::optional<Instant> responded;  // response or error received
    std::uint64_t produced_bytes = 0;
    bool completed = false;  // the caller has its outcome
    Status status = Status::success;
    std::string error_type;
    TimerId timer = 0;
  };
  struct Init {
    InitPhase phase;
    Instant started;
    TimerId timer = 0;  // 0: bounded by the running invoke's deadline instead
  };

  void on(InvokeArrived&& e);
  void on(InitRequested&& e);
  void on(StopRequested&& e);
  void on(RuntimeLaunchFailed&& e);
  void on(RuntimeExited&& e);
  void on(RuntimeNext&& e);
  void on(RuntimeResponse&& e);
  void on(RuntimeError&& e);
  void on(RuntimeInitError&& e);
  void on(TimerFired&& e);

  // Checks shared by /response and /error: the request id, then the transition (section 2.3).
  [[nodiscard]] bool accept_result(const std::string& request_id, RuntimeTarget target);
  void refuse(errc code, std::string message);
  void refuse_transition(RuntimeTarget target);

  void start_init(InitPhase phase);
  void init_succeeded();
  void init_failed(Status status, std::string error_type, Outcome outcome,
                   Duration grace = Duration::zero());
  void dispatch();
  void deliver();
  void complete(Outcome outcome);
  void finish_invoke();
  void fail_invoke(Outcome outcome, Duration grace = Duration::zero());
  void reset(Duration grace = Duration::zero());
  void after_reset();
  void drain_for_stop();

  void set_phase(SandboxPhase p);
  void set_runtime(RuntimeState s);
  TimerId arm(Instant at);
  void cancel(TimerId& id);
  void emit(Record r);
  [[nodiscard]] std::string request_error(std::string_view message) const;

  FunctionConfig config_;
  const Clock& clock_;
  MemoryMeter& meter_;

  SandboxPhase phase_ = SandboxPhase::idle;
  RuntimeState runtime_ = RuntimeState::none;
  Generation generation_ = 0;
  bool runtime_alive_ = false;
  bool stopping_ = false;
  bool initialized_before_ = false;  // any init ran here: later ones run inside an invoke
  std::optional<Init> init_;
  std::optional<Duration> pending_init_duration_;
  std::optional<Outcome> init_failure_;  // a failed init's outcome, for the invoke it ran in
  std::deque<Invoke> queue_;
  std::optional<Running> current_;
  std::string last_delivered_id_;
  TimerId kill_timer_ = 0;  // a reset that lets the runtime hear its answer before SIGKILL
  TimerId next_timer_ = 0;

  Result out_;  // the result of the event being handled
};

}  // namespace lambda_emu::core
