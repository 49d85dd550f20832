#pragma once
// Pool: the execution environments of one function, as a sans-IO state machine around Sandbox.
//
// Lambda runs one invoke at a time per environment and scales out with more environments, up
// to the function's concurrency. The pool decides which sandbox takes an invoke (a free warm
// one, else a new one while under the limit, else 429 or the queue), spins idle sandboxes down,
// retires every sandbox after one invoke when cold starts are forced, and retires warm ones when
// the configuration changes, as UpdateFunctionConfiguration does. Each sandbox's own rules stay
// in Sandbox; the pool routes events to it and tags its actions with its id. Timer ids are the
// pool's own, so one timer queue serves every sandbox.
//
//   Pool pool(fn, {.max_concurrency = 4}, clock, meter_for);
//   pool.handle(StartRequested{});                      // sandbox 1 exists (eager: it inits)
//   auto r = pool.handle(InvokeArrived{invoke});        // -> {1, DeliverInvoke...} or 429
//   r = pool.handle(SandboxEvent{1, RuntimeNext{}});    // a runtime's call, for its sandbox
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "lambda_emu/core/sandbox.hpp"

namespace lambda_emu::core {

using SandboxId = std::uint64_t;  // 1, 2, ... in creation order; never reused

struct PoolConfig {
  // Sandboxes at once: the function's reserved concurrency.
  std::size_t max_concurrency = 10;
  // At the limit a synchronous invoke is throttled (429, as Lambda does) or waits for a sandbox.
  enum class AtLimit { reject, queue };
  AtLimit at_limit = AtLimit::reject;
  // Every invoke gets a new sandbox, which is shut down after it: a cold start each time.
  bool fresh_sandboxes = false;
  // Provisioned concurrency: this many sandboxes initialize at start, ahead of any invoke
  // (initializationType provisioned-concurrency), stay warm (no idle spindown) and take invokes
  // first; one that goes (a configuration update, a stop) is replaced. Beyond them the pool
  // scales on demand. Counts toward max_concurrency.
  std::size_t provisioned = 0;
  // Proactive initialization: for this share (0-1) of the cold starts an invoke causes, one more
  // sandbox initializes at once, ahead of need (initializationType on-demand, as Lambda does now
  // and then). Deterministic: 0.5 is every second cold start.
  double proactive = 0;
  // What the driver listens to in every sandbox.
  Outputs outputs = Outputs::all();
};

// --- events the pool takes besides InvokeArrived, StopRequested and TimerFired ---

// The pool starts: sandbox 1 is created, and inits at once when the function is eager.
struct StartRequested {};
// Something happened to one sandbox: its runtime or extensions called, a process exited.
struct SandboxEvent {
  SandboxId sandbox;
  Event event;
};
// UpdateFunctionConfiguration: new sandboxes get `function`; warm ones are retired once idle.
struct ConfigurationUpdated {
  FunctionConfig function;
};

using PoolEvent = std::variant<StartRequested, InvokeArrived, StopRequested, TimerFired,
                               SandboxEvent, ConfigurationUpdated>;

// An action of one sandbox, or of the pool itself (sandbox 0): a CompleteInvoke for an invoke no
// sandbox took, timers, and Stopped once every sandbox is gone after a stop. A sandbox's own
// Stopped means it is gone: the driver releases what it held for it.
struct PoolAction {
  SandboxId sandbox = 0;
  Action action;
};
struct PoolResult {
  std::optional<Refusal> refusal;
  std::vector<PoolAction> actions;
};

class Pool {
 public:
  // Called once for every new sandbox, before any of its actions: the meter of its processes.
  using MeterFor = std::function<MemoryMeter&(SandboxId)>;

  Pool(FunctionConfig function, PoolConfig config, const Clock& clock, MeterFor meter_for);

  [[nodiscard]] PoolResult handle(PoolEvent&& event);

  [[nodiscard]] const FunctionConfig& function() const { return function_; }
  [[nodiscard]] const PoolConfig& config() const { return config_; }
  // The sandbox with this id, while it exists.
  [[nodiscard]] const Sandbox* sandbox(SandboxId id) const;
  [[nodiscard]] std::vector<SandboxId> sandbox_ids() const;
  // Invokes waiting for a sandbox.
  [[nodiscard]] std::size_t queued() const { return queue_.size(); }

 private:
  struct Entry {
    std::unique_ptr<Sandbox> box;
    bool retiring = false;     // takes no new invoke; shut down once idle
    bool stop_sent = false;    // shutting down: no longer counts toward the limit
    bool stopped = false;      // gone, once its Stopped passed through
    bool provisioned = false;  // provisioned concurrency: initialized ahead, kept warm
    std::uint64_t used = 0;    // when it last took an invoke (a counter): the warmest first
    TimerId idle_timer = 0;    // the pool's: spindown after FunctionConfig::idle_shutdown
    std::map<TimerId, TimerId> timers;  // the sandbox's timer ids -> the pool's
  };

  void on(StartRequested&&);
  void on(InvokeArrived&& e);
  void on(StopRequested&&);
  void on(TimerFired&& e);
  void on(SandboxEvent&& e);
  void on(ConfigurationUpdated&& e);

  SandboxId create(InitializationType type = InitializationType::on_demand);
  // A sandbox initializing ahead of need: provisioned, or proactively on demand.
  void create_ahead(InitializationType type);
  void send(SandboxId id, Event&& event);
  // Gives the invoke to a free sandbox, else to a new one while under the limit; false, the
  // invoke untouched, when neither is possible.
  [[nodiscard]] bool place(std::shared_ptr<const Invoke>& invoke);
  void take(SandboxId id, std::shared_ptr<const Invoke>&& invoke);
  // Retires, spins down, dispatches the queue and removes stopped sandboxes until nothing
  // changes; runs after every event.
  void settle();
  [[nodiscard]] bool settle_once();
  [[nodiscard]] std::optional<SandboxId> free_sandbox() const;
  [[nodiscard]] bool room_for_another() const;
  [[nodiscard]] static bool quiescent(const Entry& e);
  void refuse_all_queued();

  FunctionConfig function_;
  PoolConfig config_;
  const Clock& clock_;
  MeterFor meter_for_;
  std::map<SandboxId, Entry> sandboxes_;
  std::deque<std::shared_ptr<const Invoke>> queue_;
  SandboxId next_id_ = 1;
  std::uint64_t use_counter_ = 0;
  TimerId next_timer_ = 1;
  std::map<TimerId, std::pair<SandboxId, TimerId>> timer_owner_;  // sandbox timers: pool -> own
  std::map<TimerId, SandboxId> idle_timers_;
  bool started_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  double proactive_credit_ = 0;  // the share of cold starts not yet given a proactive sandbox

  PoolResult out_;       // the result of the event being handled
  Result from_sandbox_;  // a sandbox's answer inside send(), its buffer reused
};

}  // namespace lambda_emu::core
