#include "lambda_emu/core/sandbox.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <utility>

#include "lambda_emu/core/error_type.hpp"

namespace lambda_emu::core {
namespace {

std::int64_t ceil_ms(Duration d) {
  return (d.count() + 999'999) / 1'000'000;
}

// Go's exec.ExitError text, which rapid puts in Runtime.ExitError messages (C50).
std::string exit_message(const ExitStatus& s) {
  if (!s.signaled && s.code == 0) {
    return "Runtime exited without providing a reason";
  }
  if (!s.signaled) {
    return "Runtime exited with error: exit status " + std::to_string(s.code);
  }
  std::string name = ::strsignal(s.code);  // "Killed" -> "signal: killed", as Go prints it
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return "Runtime exited with error: signal: " + name;
}

// After /init/error or a refused response mode the runtime still reads our answer (202, or 400)
// and may call again (403, C22) or exit by itself; SIGKILL follows only after this grace.
constexpr Duration runtime_exit_grace = std::chrono::milliseconds(200);

std::string seconds_2dp(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

Sandbox::Sandbox(FunctionConfig config, const Clock& clock, MemoryMeter& meter)
    : config_(std::move(config)), clock_(clock), meter_(meter) {}

Result Sandbox::handle(Event&& event) {
  out_ = Result{};
  std::visit([this](auto&& e) { on(std::move(e)); }, std::move(event));
  return std::move(out_);
}

std::size_t Sandbox::open_invokes() const {
  return queue_.size() + (current_ && !current_->completed ? 1 : 0);
}

// --- invokes ---------------------------------------------------------------------------------

void Sandbox::on(InvokeArrived&& e) {
  if (stopping_) {
    out_.actions.push_back(CompleteInvoke{
        e.invoke.request_id,
        Outcome::platform_error(Status::failure, "Sandbox.Failure",
                                "RequestId: " + e.invoke.request_id +
                                    " Error: the execution environment is shutting down")});
    return;
  }
  // One invoke at a time per environment; the rest wait their turn in arrival order.
  queue_.push_back(std::move(e.invoke));
  if (phase_ == SandboxPhase::ready) {
    dispatch();
  } else if (phase_ == SandboxPhase::idle) {
    // The first init of an environment is a regular Init phase (on-demand cold start); after a
    // failure or reset, Lambda re-runs init inside the invoke (section 6.1, C52).
    if (initialized_before_) {
      dispatch();
    } else {
      start_init(InitPhase::init);
    }
  }
}

void Sandbox::on(InitRequested&&) {
  if (phase_ == SandboxPhase::idle && !initialized_before_ && !stopping_) {
    start_init(InitPhase::init);
  }
}

void Sandbox::dispatch() {
  if (current_ || queue_.empty() || stopping_) {
    return;
  }
  const Instant now = clock_.now();
  Running r;
  r.invoke = std::make_shared<const Invoke>(std::move(queue_.front()));
  queue_.pop_front();
  r.started = now;
  r.deadline = now + config_.timeout;
  r.deadline_wall = clock_.wall_now() + config_.timeout;
  r.timer = arm(r.deadline);
  current_ = std::move(r);
  set_phase(SandboxPhase::invoking);
  emit(StartRecord{clock_.wall_now(), current_->invoke->request_id, config_.version,
                   current_->invoke->trace_id});
  if (runtime_ == RuntimeState::ready) {
    deliver();
  } else if (!runtime_alive_) {
    start_init(InitPhase::invoke);
  }
}

void Sandbox::deliver() {
  current_->delivered = clock_.now();
  last_delivered_id_ = current_->invoke->request_id;
  set_runtime(RuntimeState::running);
  out_.actions.push_back(DeliverInvoke{current_->invoke, current_->deadline_wall});
}

void Sandbox::complete(Outcome outcome) {
  Running& c = *current_;
  c.completed = true;
  c.status = outcome.status;
  c.error_type = outcome.error_type;
  out_.actions.push_back(CompleteInvoke{c.invoke->request_id, std::move(outcome)});
}

// The invoke phase is over: emit its runtimeDone and report. The caller decides what follows.
void Sandbox::finish_invoke() {
  Running& c = *current_;
  cancel(c.timer);
  const Instant now = clock_.now();
  const WallTime wall_now = clock_.wall_now();
  auto wall = [&](Instant t) { return wall_now - (now - t); };
  // A timed-out invoke reports exactly its timeout (C53).
  const Duration duration =
      c.status == Status::timeout ? Duration(config_.timeout) : Duration(now - c.started);

  RuntimeDoneRecord done{.time = wall_now,
                         .request_id = c.invoke->request_id,
                         .status = c.status,
                         .error_type = c.error_type,
                         .duration = c.delivered ? Duration(now - *c.delivered) : duration,
                         .produced_bytes = c.produced_bytes,
                         .response_latency = {},
                         .response_duration = {},
                         .runtime_overhead = {}};
  if (c.delivered && c.responded) {
    done.response_latency = Span{wall(*c.delivered), *c.responded - *c.delivered};
    done.response_duration = Span{wall(*c.responded), Duration::zero()};
    if (c.status == Status::success) {
      done.runtime_overhead = Span{wall(*c.responded), now - *c.responded};
    }
  }
  emit(std::move(done));

  // Init time is billed since August 2025, so a cold start bills init plus duration (6.5).
  const std::optional<Duration> init = std::exchange(pending_init_duration_, std::nullopt);
  emit(ReportRecord{.time = wall_now,
                    .request_id = c.invoke->request_id,
                    .status = c.status,
                    .error_type = c.error_type,
                    .duration = duration,
                    .billed_duration_ms = ceil_ms(duration + init.value_or(Duration::zero())),
                    .memory_size_mb = config_.memory_mb,
                    .max_memory_used_mb = meter_.max_memory_used_mb(),
                    .init_duration = init});
  current_.reset();
}

// The invoke ends badly: its caller gets `outcome` (unless it already has one) and the
// environment is reset, as Lambda does after a crash or timeout.
void Sandbox::fail_invoke(Outcome outcome, Duration grace) {
  Running& c = *current_;
  if (c.completed) {
    c.status = outcome.status;
    c.error_type = outcome.error_type;
  } else {
    complete(std::move(outcome));
  }
  finish_invoke();
  reset(grace);
}

// --- init ------------------------------------------------------------------------------------

void Sandbox::start_init(InitPhase phase) {
  initialized_before_ = true;
  ++generation_;
  init_ = Init{phase, clock_.now(), 0};
  if (phase == InitPhase::init) {
    init_->timer = arm(init_->started + config_.init_timeout);
  }
  // An init inside an invoke is bounded by that invoke's deadline instead.
  if (phase_ != SandboxPhase::invoking) {
    set_phase(SandboxPhase::initializing);
  }
  emit(InitStartRecord{clock_.wall_now(), InitializationType::on_demand, phase,
                       config_.runtime_version, config_.name, config_.version});
  runtime_alive_ = true;
  set_runtime(RuntimeState::started);
  out_.actions.push_back(SpawnRuntime{generation_});
}

void Sandbox::init_succeeded() {
  const Init init = *init_;
  cancel(init_->timer);
  init_.reset();
  const Duration d = clock_.now() - init.started;
  emit(InitRuntimeDoneRecord{
      clock_.wall_now(), InitializationType::on_demand, init.phase, Status::success, {}});
  emit(InitReportRecord{
      clock_.wall_now(), InitializationType::on_demand, init.phase, Status::success, {}, d});
  if (init.phase == InitPhase::init) {
    pending_init_duration_ = d;
  }
  if (current_) {
    deliver();  // the init ran inside this invoke
    return;
  }
  set_phase(SandboxPhase::ready);
  dispatch();
}

void Sandbox::init_failed(Status status, std::string error_type, Outcome outcome, Duration grace) {
  const Init init = *init_;
  cancel(init_->timer);
  init_.reset();
  const Duration d = clock_.now() - init.started;
  emit(InitRuntimeDoneRecord{clock_.wall_now(), InitializationType::on_demand, init.phase, status,
                             error_type});
  emit(InitReportRecord{clock_.wall_now(), InitializationType::on_demand, init.phase, status,
                        error_type, d});
  if (current_) {
    outcome.init_failure = true;
    fail_invoke(std::move(outcome), grace);  // the invoke that ran this init fails with it
  } else {
    reset(grace);  // a queued invoke re-runs init inside itself once the reset is done
  }
}

// --- runtime API -----------------------------------------------------------------------------

void Sandbox::on(RuntimeNext&&) {
  if (stopping_) {
    return;  // during shutdown a pending /next is never answered (section 2.2)
  }
  switch (runtime_) {
    case RuntimeState::started:
      // The first /next ends the runtime's init (section 6.1 step 4).
      set_runtime(RuntimeState::ready);
      if (init_) {
        init_succeeded();
      }
      return;
    case RuntimeState::response_sent:
      set_runtime(RuntimeState::ready);
      if (current_) {
        finish_invoke();
      }
      set_phase(SandboxPhase::ready);
      dispatch();
      return;
    case RuntimeState::running:
      // A /next while an event is out re-sends the same event (C19); it also recovers an event
      // whose delivery the runtime never received.
      out_.actions.push_back(DeliverInvoke{current_->invoke, current_->deadline_wall});
      return;
    case RuntimeState::ready:
      return;  // another long poll beside the parked one; clients leave such connections open
    case RuntimeState::none:
    case RuntimeState::init_error:
      refuse_transition(RuntimeTarget::ready);
      return;
  }
}

bool Sandbox::accept_result(const std::string& request_id, RuntimeTarget target) {
  // The id check comes first: a wrong id is always 400, whatever the state (section 2.3).
  if (last_delivered_id_.empty() || request_id != last_delivered_id_) {
    refuse(errc::invalid_request_id, "Invalid request ID");
    return false;
  }
  if (runtime_ != RuntimeState::running || !current_) {
    refuse_transition(target);
    return false;
  }
  return true;
}

void Sandbox::on(RuntimeResponse&& e) {
  if (!accept_result(e.request_id, RuntimeTarget::invocation_response)) {
    return;
  }
  current_->responded = clock_.now();
  current_->produced_bytes = e.size;
  if (e.mode == ResponseMode::invalid) {
    // RIE leaves such a runtime stuck until its timeout; ending the invoke now is kinder and the
    // caller sees the same error type (C14).
    refuse(errc::invalid_response_mode, "Invalid function response mode");
    fail_invoke(Outcome::platform_error(Status::error, "Runtime.InvalidResponseModeHeader",
                                        request_error("Invalid response mode header")),
                runtime_exit_grace);
    return;
  }
  set_runtime(RuntimeState::response_sent);
  if (e.mode == ResponseMode::buffered && e.size > max_buffered_response_bytes) {
    // The runtime gets 413 and may carry on with /next (C12, C13).
    refuse(errc::payload_too_large, "Exceeded maximum allowed payload size (" +
                                        std::to_string(max_buffered_response_bytes) + " bytes).");
    complete(Outcome::platform_error(Status::error, "Function.ResponseSizeTooLarge",
                                     "Response payload size (" + std::to_string(e.size) +
                                         " bytes) exceeded maximum allowed payload size (" +
                                         std::to_string(max_buffered_response_bytes) + " bytes)."));
    return;
  }
  complete(Outcome::success(std::move(e.body), std::move(e.content_type)));
}

void Sandbox::on(RuntimeError&& e) {
  if (!accept_result(e.request_id, RuntimeTarget::invocation_error_response)) {
    return;
  }
  current_->responded = clock_.now();
  current_->produced_bytes = e.body.size();
  set_runtime(RuntimeState::response_sent);
  complete(Outcome::function_error(std::move(e.body), std::move(e.content_type),
                                   sanitize_error_type(e.error_type)));
}

void Sandbox::on(RuntimeInitError&& e) {
  if (runtime_ != RuntimeState::started || !init_) {
    refuse_transition(RuntimeTarget::init_error);  // C21
    return;
  }
  set_runtime(RuntimeState::init_error);
  std::string type = sanitize_error_type(e.error_type);
  // The caller of the invoke this init belongs to gets the posted body (C20).
  Outcome outcome = Outcome::function_error(std::move(e.body), std::move(e.content_type), type);
  init_failed(Status::error, std::move(type), std::move(outcome), runtime_exit_grace);
}

// --- processes and time ----------------------------------------------------------------------

void Sandbox::on(RuntimeLaunchFailed&& e) {
  if (e.generation != generation_ || !runtime_alive_) {
    return;
  }
  runtime_alive_ = false;
  set_runtime(RuntimeState::none);
  init_failed(Status::error, "Runtime.InvalidEntrypoint",
              Outcome::platform_error(Status::error, "Runtime.InvalidEntrypoint",
                                      request_error(e.message)));
}

void Sandbox::on(RuntimeExited&& e) {
  if (e.generation != generation_ || !runtime_alive_) {
    return;  // a runtime we already replaced
  }
  runtime_alive_ = false;
  if (phase_ == SandboxPhase::resetting) {
    cancel(kill_timer_);
    after_reset();
    return;
  }
  set_runtime(runtime_ == RuntimeState::init_error ? RuntimeState::init_error : RuntimeState::none);
  Outcome crash = Outcome::platform_error(Status::error, "Runtime.ExitError",
                                          request_error(exit_message(e.status)));
  if (init_) {
    init_failed(Status::error, "Runtime.ExitError", std::move(crash));  // C50
  } else if (current_) {
    fail_invoke(std::move(crash));  // C52
  } else {
    reset();  // died between invokes: the next invoke re-initializes
  }
}

void Sandbox::on(TimerFired&& e) {
  if (kill_timer_ != 0 && kill_timer_ == e.id) {
    kill_timer_ = 0;
    out_.actions.push_back(KillRuntime{generation_});
    return;
  }
  if (init_ && init_->timer == e.id) {
    init_->timer = 0;
    // Init limit passed (C44); the invoke waiting for it re-runs init inside itself.
    init_failed(Status::timeout, "Sandbox.Timedout",
                Outcome::platform_error(Status::timeout, "Sandbox.Timedout",
                                        request_error("Init timed out")));
    return;
  }
  if (current_ && current_->timer == e.id) {
    current_->timer = 0;
    Outcome timeout = Outcome::platform_error(
        Status::timeout, "Sandbox.Timedout",
        request_error("Task timed out after " + seconds_2dp(config_.timeout) + " seconds"));
    if (init_) {
      init_failed(Status::timeout, "Sandbox.Timedout", std::move(timeout));
    } else {
      fail_invoke(std::move(timeout));  // C53
    }
  }
  // Any other id is a timer cancelled after it fired: ignore it.
}

void Sandbox::on(StopRequested&&) {
  if (stopping_ || phase_ == SandboxPhase::stopped) {
    return;
  }
  stopping_ = true;
  // Every accepted invoke still gets exactly one outcome.
  for (Invoke& queued : queue_) {
    out_.actions.push_back(CompleteInvoke{
        queued.request_id,
        Outcome::platform_error(Status::failure, "Sandbox.Failure",
                                "RequestId: " + queued.request_id +
                                    " Error: the execution environment is shutting down")});
  }
  queue_.clear();
  if (init_) {
    cancel(init_->timer);
    init_.reset();
  }
  if (current_) {
    Outcome failure =
        Outcome::platform_error(Status::failure, "Sandbox.Failure",
                                request_error("the execution environment is shutting down"));
    if (!current_->completed) {
      complete(std::move(failure));
    }
    finish_invoke();
  }
  reset();
}

// --- reset -----------------------------------------------------------------------------------

void Sandbox::reset(Duration grace) {
  cancel(kill_timer_);
  if (init_) {
    cancel(init_->timer);
    init_.reset();
  }
  if (runtime_ != RuntimeState::init_error) {
    set_runtime(RuntimeState::none);  // nothing the dying runtime sends may be accepted
  }
  if (runtime_alive_) {
    set_phase(SandboxPhase::resetting);
    if (grace > Duration::zero()) {
      kill_timer_ = arm(clock_.now() + grace);
    } else {
      out_.actions.push_back(KillRuntime{generation_});
    }
  } else {
    after_reset();
  }
}

void Sandbox::after_reset() {
  if (stopping_) {
    set_phase(SandboxPhase::stopped);
    out_.actions.push_back(Stopped{});
    return;
  }
  set_phase(SandboxPhase::idle);
  dispatch();
}

// --- helpers ---------------------------------------------------------------------------------

void Sandbox::refuse(errc code, std::string message) {
  out_.refusal = Refusal{code, std::move(message)};
}

void Sandbox::refuse_transition(RuntimeTarget target) {
  refuse(errc::invalid_state_transition,
         "State transition from " + std::string(to_string(runtime_)) + " to " +
             std::string(to_string(target)) +
             " failed for runtime. Error: State transition is not allowed");
}

void Sandbox::set_phase(SandboxPhase p) {
  if (p != phase_) {
    out_.actions.push_back(Transition{"sandbox", to_string(phase_), to_string(p)});
    phase_ = p;
  }
}

void Sandbox::set_runtime(RuntimeState s) {
  if (s != runtime_) {
    out_.actions.push_back(Transition{"runtime", to_string(runtime_), to_string(s)});
    runtime_ = s;
  }
}

TimerId Sandbox::arm(Instant at) {
  const TimerId id = ++next_timer_;
  out_.actions.emplace_back(std::in_place_type<ArmTimer>, id, at);
  return id;
}

void Sandbox::cancel(TimerId& id) {
  if (id != 0) {
    out_.actions.push_back(CancelTimer{id});
    id = 0;
  }
}

void Sandbox::emit(Record r) {
  out_.actions.push_back(EmitRecord{std::move(r)});
}

std::string Sandbox::request_error(std::string_view message) const {
  std::string id = current_ ? current_->invoke->request_id : std::string();
  return (id.empty() ? std::string() : "RequestId: " + id + " ") + "Error: " + std::string(message);
}

}  // namespace lambda_emu::core
