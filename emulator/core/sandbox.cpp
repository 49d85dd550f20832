#include "lambda_emu/core/sandbox.hpp"

#include <algorithm>
#include <cctype>
#include <concepts>
#include <cstdio>
#include <cstring>
#include <type_traits>
#include <utility>

#include "lambda_emu/core/error_type.hpp"

namespace lambda_emu::core {
namespace {

std::int64_t ceil_ms(Duration d) {
  return (d.count() + 999'999) / 1'000'000;
}

// Go's exec.ExitError text ("exit status 1", "signal: killed"), which rapid puts in messages.
std::string exit_reason(const ExitStatus& s) {
  if (!s.signaled) {
    return "exit status " + std::to_string(s.code);
  }
  std::string name = ::strsignal(s.code);  // "Killed" -> "signal: killed", as Go prints it
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return "signal: " + name;
}

// Runtime.ExitError messages (C50).
std::string exit_message(const ExitStatus& s) {
  if (!s.signaled && s.code == 0) {
    return "Runtime exited without providing a reason";
  }
  return "Runtime exited with error: " + exit_reason(s);
}

// After /init/error, /exit/error or a refused response mode the process still reads our answer
// (202, or 400) and may call again (403, C22) or exit by itself; the shutdown waits this long.
constexpr Duration answer_grace = std::chrono::milliseconds(200);

// Section 6.3: the shutdown budget depends on who is registered.
constexpr Duration internal_only_budget = std::chrono::milliseconds(500);
constexpr Duration external_budget = std::chrono::milliseconds(2000);

std::string seconds_2dp(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

// A value built where it is stored: the conversion's result initializes its target in place
// (guaranteed copy elision), so an Outcome is made inside its action rather than moved there.
template <class Make>
struct BuiltInPlace {
  Make& make;
  // NOLINTNEXTLINE(google-explicit-constructor): the implicit conversion is the point
  operator std::invoke_result_t<Make&>() const { return make(); }
};

}  // namespace

template <std::invocable MakeRecord>
void Sandbox::emit(MakeRecord&& make) {
  using R = std::invoke_result_t<MakeRecord&>;
  if (!wants<R>()) {
    return;
  }
  out_->actions.emplace_back(std::in_place_type<EmitRecord>, std::in_place_type<R>,
                             BuiltInPlace<MakeRecord>{make});
}

template <class R>
void Sandbox::emit(R&& record) {
  emit([&] { return std::forward<R>(record); });
}

Sandbox::Sandbox(FunctionConfig config, const Clock& clock, MemoryMeter& meter, Outputs outputs)
    : config_(std::move(config)), clock_(clock), meter_(meter), outputs_(outputs) {}

Result Sandbox::handle(Event&& event) {
  Result r;
  // Room for a busy event's actions at once: growing a vector of these variants one step at a
  // time moved them about a third of the core's time.
  r.actions.reserve(16);
  handle(std::move(event), r);
  return r;
}

void Sandbox::handle(Event&& event, Result& out) {
  out.refusal.reset();
  out.actions.clear();
  out_ = &out;
  std::visit([this](auto&& e) { on(std::move(e)); }, std::move(event));
  freeze_if_idle();
  out_ = nullptr;
}

std::size_t Sandbox::open_invokes() const {
  return queue_.size() + (current_ && !current_->completed ? 1 : 0);
}

std::optional<std::string> Sandbox::extension_name(const std::string& identifier) const {
  for (const Extension& x : extensions_) {
    if (!x.identifier.empty() && x.identifier == identifier) {
      return x.name;
    }
  }
  return std::nullopt;
}

// --- invokes ---------------------------------------------------------------------------------

void Sandbox::on(InvokeArrived&& e) {
  if (stopping_) {
    out_->actions.emplace_back(
        CompleteInvoke{e.invoke->request_id, Outcome::shutting_down(e.invoke->request_id)});
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

void Sandbox::on(InitRequested&& e) {
  if (phase_ == SandboxPhase::idle && !initialized_before_ && !stopping_) {
    init_ahead_ = e.ahead;
    start_init(InitPhase::init);
  }
}

void Sandbox::dispatch() {
  if (current_ || queue_.empty() || stopping_) {
    return;
  }
  const Instant now = clock_.now();
  Running& r = current_.emplace();
  r.invoke = std::move(queue_.front());
  queue_.pop_front();
  r.started = now;
  r.deadline = now + config_.timeout;
  r.deadline_wall = clock_.wall_now() + config_.timeout;
  r.timer = arm(r.deadline);
  set_phase(SandboxPhase::invoking);
  if (wants<StartRecord>()) {
    emit(StartRecord{clock_.wall_now(), current_->invoke->request_id, config_.version,
                     current_->invoke->trace_id});
  }
  if (runtime_ == RuntimeState::ready) {
    deliver();
  } else if (!runtime_alive_ && !init_) {
    start_init(InitPhase::invoke);
  }
}

// The event goes to the runtime and, at the same time, INVOKE to every subscribed extension
// (section 6.2, C41).
void Sandbox::deliver() {
  thaw();
  current_->delivered = clock_.now();
  last_delivered_id_ = current_->invoke->request_id;
  set_runtime(RuntimeState::running);
  out_->actions.emplace_back(DeliverInvoke{current_->invoke, current_->deadline_wall});
  for (Extension& x : extensions_) {
    if (x.invoke) {
      send_event(x, ExtensionEvent{ExtensionEvent::Kind::invoke, current_->deadline_wall,
                                   current_->invoke, ShutdownReason::spindown});
    }
  }
}

template <class MakeOutcome>
void Sandbox::complete(MakeOutcome&& make) {
  Running& c = *current_;
  const Outcome& outcome =
      std::get<CompleteInvoke>(out_->actions.emplace_back(std::in_place_type<CompleteInvoke>,
                                                          c.invoke->request_id,
                                                          BuiltInPlace<MakeOutcome>{make}))
          .outcome;
  c.completed = true;
  c.status = outcome.status;
  c.error_type = outcome.error_type;
}

void Sandbox::complete(Outcome&& outcome) {
  complete([&] { return std::move(outcome); });
}

// The runtime is done with the invoke: its next /next, a crash or a timeout (C66).
void Sandbox::emit_runtime_done() {
  Running& c = *current_;
  if (c.runtime_done) {
    return;
  }
  const Instant now = clock_.now();
  const WallTime wall_now = clock_.wall_now();
  auto wall = [&](Instant t) { return wall_now - (now - t); };
  c.runtime_done = now;
  if (!wants<RuntimeDoneRecord>()) {
    return;
  }
  RuntimeDoneRecord done{.time = wall_now,
                         .request_id = c.invoke->request_id,
                         .status = c.status,
                         .error_type = c.error_type,
                         .duration = now - c.delivered.value_or(c.started),
                         .produced_bytes = c.produced_bytes,
                         .response_latency = {},
                         .response_duration = {},
                         .runtime_overhead = {}};
  if (c.delivered && c.responded) {
    done.response_latency = Span{wall(*c.delivered), *c.responded - *c.delivered};
    done.response_duration =
        Span{wall(*c.responded), c.response_end.value_or(*c.responded) - *c.responded};
    if (c.status == Status::success) {
      const Instant body_end = c.response_end.value_or(*c.responded);
      done.runtime_overhead = Span{wall(body_end), now - body_end};
    }
  }
  emit(std::move(done));
}

// The invoke phase ends when the runtime and every INVOKE-subscribed extension asked for their
// next event (section 6.2, C42).
void Sandbox::try_finish_invoke() {
  if (!current_ || !current_->runtime_done || !extensions_ready(true)) {
    return;
  }
  finish_invoke();
  set_phase(SandboxPhase::ready);
  dispatch();
}

// Emits the invoke's report; the caller decides what follows.
void Sandbox::finish_invoke() {
  Running& c = *current_;
  cancel(c.timer);
  emit_runtime_done();
  const Instant now = clock_.now();
  const WallTime wall_now = clock_.wall_now();
  // A timed-out invoke reports exactly its timeout (C53).
  const Duration duration =
      c.status == Status::timeout ? Duration(config_.timeout) : Duration(now - c.started);
  std::optional<Span> extension_overhead;
  if (now > *c.runtime_done) {
    extension_overhead = Span{wall_now - (now - *c.runtime_done), now - *c.runtime_done};
  }
  // Init time is billed since August 2025, so a cold start bills init plus duration (6.5).
  const std::optional<Duration> init = std::exchange(pending_init_duration_, std::nullopt);
  emit([&] {
    return ReportRecord{.time = wall_now,
                        .request_id = c.invoke->request_id,
                        .status = c.status,
                        .error_type = c.error_type,
                        .duration = duration,
                        .billed_duration_ms = ceil_ms(duration + init.value_or(Duration::zero())),
                        .memory_size_mb = config_.memory_mb,
                        .max_memory_used_mb = meter_.max_memory_used_mb(),
                        .init_duration = init,
                        .extension_overhead = extension_overhead};
  });
  current_.reset();
}

// The invoke ends badly: its caller gets `outcome` (unless it already has one) and the
// environment is reset, as Lambda does after a crash or timeout.
void Sandbox::fail_invoke(Outcome outcome, Duration grace) {
  Running& c = *current_;
  const ShutdownReason reason =
      outcome.status == Status::timeout ? ShutdownReason::timeout : ShutdownReason::failure;
  if (c.completed) {
    c.status = outcome.status;
    c.error_type = outcome.error_type;
  } else {
    complete(std::move(outcome));
  }
  finish_invoke();
  reset(reason, grace);
}

// --- init ------------------------------------------------------------------------------------

// Section 6.1: external extensions start first; the runtime once they have all registered.
void Sandbox::start_init(InitPhase phase) {
  thaw();  // what is left of a frozen environment's processes (new ones would start frozen)
  initialized_before_ = true;
  ++generation_;
  init_ = Init{phase, clock_.now(), 0, false};
  if (phase == InitPhase::init) {
    // Provisioned environments get 130 s, or the function's timeout when that is longer (6.1).
    const Duration limit =
        config_.initialization_type == InitializationType::provisioned_concurrency
            ? Duration(
                  std::max<std::chrono::milliseconds>(std::chrono::seconds(130), config_.timeout))
            : Duration(config_.init_timeout);
    init_->timer = arm(init_->started + limit);
  }
  // An init inside an invoke is bounded by that invoke's deadline instead.
  if (phase_ != SandboxPhase::invoking) {
    set_phase(SandboxPhase::initializing);
  }
  emit(InitStartRecord{clock_.wall_now(), config_.initialization_type, phase,
                       config_.runtime_version, config_.name, config_.version});
  registration_open_ = true;
  extensions_.clear();
  if (config_.extensions.size() > max_extensions) {
    init_failed(Status::error, "Extension.LaunchError",
                Outcome::platform_error(Status::error, "Extension.LaunchError",
                                        request_error("TooManyExtensions: " +
                                                      std::to_string(config_.extensions.size()) +
                                                      " external extensions, the limit is 10")));
    return;
  }
  for (std::size_t i = 0; i < config_.extensions.size(); ++i) {
    Extension& x = extensions_.emplace_back();
    x.name = config_.extensions[i];
    x.index = i;
    x.alive = true;
    out_->actions.emplace_back(Spawn{ProcessRef::extension(i, generation_)});
  }
  if (extensions_.empty()) {
    spawn_runtime();
  }
}

void Sandbox::spawn_runtime() {
  runtime_alive_ = true;
  set_runtime(RuntimeState::started);
  out_->actions.emplace_back(Spawn{ProcessRef::runtime(generation_)});
}

// Init is over when the runtime asked for its first event and every registered extension for
// its first (C40); then the extension records and the init report follow (C65).
void Sandbox::try_finish_init() {
  if (!init_ || !init_->runtime_done || !extensions_ready(false)) {
    return;
  }
  const Init init = *init_;
  cancel(init_->timer);
  init_.reset();
  const Duration d = clock_.now() - init.started;
  for (const Extension& x : extensions_) {
    std::vector<std::string> events;
    if (x.invoke) {
      events.emplace_back("INVOKE");
    }
    if (x.shutdown) {
      events.emplace_back("SHUTDOWN");
    }
    emit(ExtensionRecord{
        clock_.wall_now(), x.name, std::string(to_string(x.state)), std::move(events), {}});
  }
  emit(InitReportRecord{
      clock_.wall_now(), config_.initialization_type, init.phase, Status::success, {}, d});
  if (init.phase == InitPhase::init && !init_ahead_) {
    pending_init_duration_ = d;  // billed with the first invoke, whose REPORT shows it
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
  registration_open_ = false;
  const Duration d = clock_.now() - init.started;
  if (!init.runtime_done) {
    emit(InitRuntimeDoneRecord{clock_.wall_now(), config_.initialization_type, init.phase, status,
                               error_type});
  }
  emit(InitReportRecord{clock_.wall_now(), config_.initialization_type, init.phase, status,
                        error_type, d});
  const ShutdownReason reason =
      status == Status::timeout ? ShutdownReason::timeout : ShutdownReason::failure;
  if (current_) {
    outcome.init_failure = true;
    fail_invoke(std::move(outcome), grace);  // the invoke that ran this init fails with it
  } else {
    reset(reason, grace);  // a queued invoke re-runs init inside itself once the reset is done
  }
}

// --- runtime API -----------------------------------------------------------------------------

void Sandbox::on(RuntimeNext&&) {
  if (stopping_ || shutdown_) {
    return;  // during shutdown a pending /next is never answered (section 2.2)
  }
  switch (runtime_) {
    case RuntimeState::started:
      // The first /next ends the runtime's init and closes registration (section 6.1 step 4).
      set_runtime(RuntimeState::ready);
      registration_open_ = false;
      if (init_) {
        init_->runtime_done = true;
        emit(InitRuntimeDoneRecord{
            clock_.wall_now(), config_.initialization_type, init_->phase, Status::success, {}});
        try_finish_init();
      }
      return;
    case RuntimeState::response_sent:
      set_runtime(RuntimeState::ready);
      if (current_) {
        emit_runtime_done();
        try_finish_invoke();
      }
      return;
    case RuntimeState::running:
      if (current_->streaming) {
        // Its stream's end may still be on the way (a connection that broke is noticed later):
        // this /next takes effect when the stream has ended.
        current_->next_after_stream = true;
        return;
      }
      // A /next while an event is out re-sends the same event (C19); it also recovers an event
      // whose delivery the runtime never received.
      out_->actions.emplace_back(DeliverInvoke{current_->invoke, current_->deadline_wall});
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
  if (runtime_ != RuntimeState::running || !current_ || current_->streaming) {
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
                answer_grace);
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
  complete([&] { return Outcome::success(std::move(e.body), std::move(e.content_type)); });
}

void Sandbox::on(RuntimeStreamStarted&& e) {
  if (!accept_result(e.request_id, RuntimeTarget::invocation_response)) {
    return;
  }
  current_->responded = clock_.now();
  current_->streaming = true;
  out_->actions.emplace_back(StartStream{e.request_id, std::move(e.content_type)});
}

void Sandbox::on(RuntimeStreamEnded&& e) {
  if (!current_ || !current_->streaming || e.request_id != current_->invoke->request_id) {
    // The invoke ended while its body still flowed (a timeout or reset cut it): nothing to do.
    refuse_transition(RuntimeTarget::invocation_response);
    return;
  }
  Running& c = *current_;
  c.streaming = false;
  c.response_end = clock_.now();
  c.produced_bytes = e.size;
  set_runtime(RuntimeState::response_sent);
  Outcome outcome;
  switch (e.end) {
    case RuntimeStreamEnded::End::complete:
      outcome = e.error_type.empty()
                    ? Outcome::success({}, {})
                    : Outcome::function_error(std::move(e.error_body), "application/json",
                                              sanitize_error_type(e.error_type));  // C25
      break;
    case RuntimeStreamEnded::End::truncated:  // C26
      outcome = Outcome::platform_error(Status::error, "Runtime.TruncatedResponse",
                                        request_error("the response stream ended abruptly"));
      refuse(errc::truncated_request, "HTTP request detected as truncated");
      break;
    case RuntimeStreamEnded::End::too_large:  // C28
      outcome =
          Outcome::platform_error(Status::error, "Function.ResponseSizeTooLarge",
                                  "Response payload size exceeded maximum allowed payload size (" +
                                      std::to_string(max_streamed_response_bytes) + " bytes).");
      refuse(errc::payload_too_large, "Exceeded maximum allowed payload size (" +
                                          std::to_string(max_streamed_response_bytes) + " bytes).");
      break;
  }
  outcome.streamed = true;
  outcome.stream_error_type = std::move(e.error_type);
  complete(std::move(outcome));
  if (std::exchange(c.next_after_stream, false)) {
    on(RuntimeNext{});
  }
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
  Outcome outcome =
      Outcome::function_error(std::move(e.body), std::move(e.content_type), std::string(type));
  init_failed(Status::error, std::move(type), std::move(outcome), answer_grace);
}

// --- Extensions API --------------------------------------------------------------------------

void Sandbox::on(ExtensionRegister&& e) {
  // An external extension registers under its file's name; any other name is internal (4.1).
  auto external = std::find_if(extensions_.begin(), extensions_.end(), [&](const Extension& x) {
    return x.index && x.name == e.name && x.alive;
  });
  const bool is_external = external != extensions_.end();
  bool invoke = false;
  bool shutdown = false;
  for (const std::string& ev : e.events) {
    if (ev == "INVOKE") {
      invoke = true;
    } else if (ev == "SHUTDOWN" && is_external) {
      shutdown = true;
    } else if (ev == "SHUTDOWN") {
      refuse(errc::extension_invalid_event_type,
             "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension");  // C33
      return;
    } else {
      refuse(errc::extension_invalid_event_type, ev + ": ErrorInvalidEventType");  // C33
      return;
    }
  }
  Extension* x = nullptr;
  if (is_external) {
    x = &*external;
    if (x->state != ExtensionState::launched) {
      refuse_extension_transition(*x, ExtensionState::registered);  // C34
      return;
    }
  } else {
    if (!registration_open_ || shutdown_) {
      refuse(errc::extension_registration_closed, "Extension registration closed already");
      return;
    }
    const bool taken = std::any_of(extensions_.begin(), extensions_.end(),
                                   [&](const Extension& o) { return o.name == e.name; });
    if (taken) {
      refuse(errc::extension_invalid_state, "Extension with this name already registered");
      return;
    }
    if (extensions_.size() >= max_extensions) {
      refuse(errc::extension_too_many, "Extension limit (10) reached");  // C35
      return;
    }
    x = &extensions_.emplace_back();
    x->name = e.name;
  }
  x->identifier = std::move(e.identifier);
  x->invoke = invoke;
  x->shutdown = shutdown;
  set_extension(*x, ExtensionState::registered);
  // The runtime starts once every launched external has registered (C39).
  const bool all_registered =
      std::none_of(extensions_.begin(), extensions_.end(),
                   [](const Extension& o) { return o.state == ExtensionState::launched; });
  if (is_external && all_registered && init_ && !runtime_alive_ && runtime_ == RuntimeState::none) {
    spawn_runtime();
  }
}

void Sandbox::on(ExtensionNext&& e) {
  Extension* x = find_extension(e.identifier);
  if (!x) {
    refuse(errc::extension_unknown_identifier, "Unknown extension " + e.identifier);  // C38
    return;
  }
  switch (x->state) {
    case ExtensionState::registered:
    case ExtensionState::running:
      set_extension(*x, ExtensionState::ready);
      break;
    default:
      refuse_extension_transition(*x, ExtensionState::ready);  // C46: after init/error
      return;
  }
  if (x->pending) {
    send_event(*x, *std::exchange(x->pending, std::nullopt));
    return;
  }
  if (shutdown_) {
    return;  // it already had its SHUTDOWN; the deadline ends it (section 11)
  }
  if (init_) {
    try_finish_init();
  } else if (current_) {
    try_finish_invoke();
  }
}

void Sandbox::on(ExtensionInitError&& e) {
  Extension* x = find_extension(e.identifier);
  if (!x) {
    refuse(errc::extension_unknown_identifier, "Unknown Lambda-Extension-Identifier");
    return;
  }
  if (x->state == ExtensionState::init_error) {
    return;  // repeating it is a no-op (C46)
  }
  if (x->state != ExtensionState::registered || !init_) {
    refuse_extension_transition(*x, ExtensionState::init_error);
    return;
  }
  set_extension(*x, ExtensionState::init_error);
  extension_failed("Extension.InitError",
                   "Extension " + x->name + " failed to initialize: " + e.error_type, answer_grace);
}

void Sandbox::on(ExtensionExitError&& e) {
  Extension* x = find_extension(e.identifier);
  if (!x) {
    refuse(errc::extension_unknown_identifier, "Unknown Lambda-Extension-Identifier");
    return;
  }
  if (x->state == ExtensionState::exit_error) {
    return;  // repeating it is a no-op (section 4.2)
  }
  if (x->state != ExtensionState::registered && x->state != ExtensionState::ready &&
      x->state != ExtensionState::running) {
    refuse_extension_transition(*x, ExtensionState::exit_error);
    return;
  }
  set_extension(*x, ExtensionState::exit_error);
  extension_failed("Extension.ExitError", "Extension " + x->name + " failed: " + e.error_type,
                   answer_grace);  // C47
}

void Sandbox::on(TelemetrySubscribe&& e) {
  Extension* x = find_extension(e.identifier);
  if (!x) {
    refuse(errc::extension_unknown_identifier, "Unknown extension " + e.identifier);
    return;
  }
  if (!init_) {
    refuse(errc::telemetry_subscription_closed, "Telemetry API subscription is closed");  // C61
    return;
  }
  if (e.logs_api ? x->telemetry : x->logs_api) {
    refuse(errc::telemetry_logs_api_conflict,
           "Logs API and Telemetry API subscriptions cannot be combined");  // C69
    return;
  }
  bool& subscribed = e.logs_api ? x->logs_api : x->telemetry;
  if (std::exchange(subscribed, true)) {
    return;  // subscribing again is idempotent: the first subscription stays
  }
  emit(TelemetrySubscriptionRecord{clock_.wall_now(), x->name, std::move(e.types), e.logs_api});
}

// An extension's error or crash ends whatever the environment was doing (section 6.2: reset
// with `failure`).
void Sandbox::extension_failed(std::string error_type, std::string message, Duration grace) {
  Outcome outcome =
      Outcome::platform_error(Status::error, error_type, request_error(std::move(message)));
  if (init_) {
    init_failed(Status::error, std::move(error_type), std::move(outcome), grace);
  } else if (current_) {
    fail_invoke(std::move(outcome), grace);
  } else if (!shutdown_ && phase_ != SandboxPhase::resetting) {
    reset(ShutdownReason::failure, grace);
  }
}

// --- processes and time ----------------------------------------------------------------------

void Sandbox::on(LaunchFailed&& e) {
  if (e.process.generation != generation_) {
    return;
  }
  if (e.process.is_runtime()) {
    if (!runtime_alive_) {
      return;
    }
    runtime_alive_ = false;
    set_runtime(RuntimeState::none);
    if (init_) {
      init_failed(Status::error, "Runtime.InvalidEntrypoint",
                  Outcome::platform_error(Status::error, "Runtime.InvalidEntrypoint",
                                          request_error(e.message)));
    }
    return;
  }
  for (Extension& x : extensions_) {
    if (x.index == e.process.index && x.alive) {
      x.alive = false;
      set_extension(x, ExtensionState::launch_error);
      extension_failed("Extension.LaunchError", e.message, Duration::zero());
      return;
    }
  }
}

void Sandbox::on(ProcessExited&& e) {
  if (e.process.generation != generation_) {
    return;  // a process we already replaced
  }
  if (!e.process.is_runtime()) {
    auto x = std::find_if(extensions_.begin(), extensions_.end(),
                          [&](const Extension& o) { return o.index == e.process.index; });
    if (x == extensions_.end() || !x->alive) {
      return;
    }
    x->alive = false;
    if (phase_ == SandboxPhase::resetting) {
      const bool clean = !e.status.signaled && e.status.code == 0;
      if (x->state != ExtensionState::exit_error && x->state != ExtensionState::init_error) {
        set_extension(*x, clean ? ExtensionState::exited : ExtensionState::shutdown_failed);
      }
      exited_while_resetting();
      return;
    }
    if (x->state == ExtensionState::exit_error || x->state == ExtensionState::init_error) {
      return;  // its failure already ended the environment
    }
    // Exiting before the environment ends is a crash, whatever the code (C48).
    set_extension(*x, ExtensionState::shutdown_failed);
    extension_failed("Extension.Crash",
                     "Extension " + x->name + " exited with error: " + exit_reason(e.status),
                     Duration::zero());
    return;
  }
  if (!runtime_alive_) {
    return;
  }
  runtime_alive_ = false;
  if (phase_ == SandboxPhase::resetting) {
    if (shutdown_ && !shutdown_->extension_stage) {
      cancel(shutdown_->timer);
      shutdown_extensions();
    }
    exited_while_resetting();
    return;
  }
  set_runtime(runtime_ == RuntimeState::init_error ? RuntimeState::init_error : RuntimeState::none);
  // Lambda names an OOM kill and keeps the exit's message ("signal: killed").
  const char* type = e.status.out_of_memory ? "Runtime.OutOfMemory" : "Runtime.ExitError";
  Outcome crash =
      Outcome::platform_error(Status::error, type, request_error(exit_message(e.status)));
  if (init_) {
    init_failed(Status::error, type, std::move(crash));  // C50
  } else if (current_) {
    fail_invoke(std::move(crash));  // C52
  } else {
    reset(ShutdownReason::failure);  // died between invokes: the next invoke re-initializes
  }
}

void Sandbox::on(TimerFired&& e) {
  if (grace_timer_ != 0 && grace_timer_ == e.id) {
    grace_timer_ = 0;
    begin_shutdown();
    return;
  }
  if (shutdown_ && shutdown_->timer == e.id) {
    shutdown_->timer = 0;
    if (!shutdown_->extension_stage) {
      // The runtime's share is over: SIGKILL it, then it is the extensions' turn.
      if (runtime_alive_) {
        signal(ProcessRef::runtime(generation_), Signal::kill);
      }
      shutdown_extensions();
    } else {
      // Section 6.3: whoever is still there at deadlineMs is killed (C57).
      for (Extension& x : extensions_) {
        if (x.alive && x.index) {
          signal(ProcessRef::extension(*x.index, generation_), Signal::kill);
        }
      }
    }
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
      fail_invoke(std::move(timeout));  // C53, C43
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
  for (const auto& queued : queue_) {
    out_->actions.emplace_back(
        CompleteInvoke{queued->request_id, Outcome::shutting_down(queued->request_id)});
  }
  queue_.clear();
  if (init_) {
    cancel(init_->timer);
    init_.reset();
  }
  if (current_) {
    if (!current_->completed) {
      complete(Outcome::shutting_down(current_->invoke->request_id));
    }
    finish_invoke();
  }
  if (shutdown_) {
    return;  // a shutdown is already running; it ends in Stopped
  }
  if (grace_timer_ != 0) {
    cancel(grace_timer_);  // no more waiting for a process to read its answer
    begin_shutdown();
    return;
  }
  reset(ShutdownReason::spindown);
}

// --- shutdown (section 6.3) ------------------------------------------------------------------

void Sandbox::reset(ShutdownReason reason, Duration grace) {
  cancel(grace_timer_);
  if (init_) {
    cancel(init_->timer);
    init_.reset();
  }
  registration_open_ = false;
  if (runtime_ != RuntimeState::init_error) {
    set_runtime(RuntimeState::none);  // nothing the dying runtime sends may be accepted
  }
  pending_reason_ = reason;
  set_phase(SandboxPhase::resetting);
  if (grace > Duration::zero() && anything_alive()) {
    grace_timer_ = arm(clock_.now() + grace);
    return;
  }
  begin_shutdown();
}

void Sandbox::begin_shutdown() {
  if (!anything_alive()) {
    extensions_.clear();
    after_reset();
    return;
  }
  const bool any_external = std::any_of(extensions_.begin(), extensions_.end(),
                                        [](const Extension& x) { return x.index && x.alive; });
  const bool any_internal = std::any_of(extensions_.begin(), extensions_.end(),
                                        [](const Extension& x) { return !x.index; });
  const Instant now = clock_.now();
  const Duration budget = any_external   ? external_budget
                          : any_internal ? internal_only_budget
                                         : Duration::zero();
  shutdown_ = Shutdown{pending_reason_, now, now + budget, false, 0};
  if (!runtime_alive_) {
    shutdown_extensions();
  } else if (budget == Duration::zero()) {
    // No extensions: the runtime gets SIGKILL without SIGTERM (C55).
    signal(ProcessRef::runtime(generation_), Signal::kill);
  } else {
    signal(ProcessRef::runtime(generation_), Signal::terminate);  // C56
    const Instant share =
        any_external ? now + Duration(config_.runtime_shutdown_share) : shutdown_->deadline;
    shutdown_->timer = arm(std::min(share, shutdown_->deadline));
  }
  try_finish_shutdown();
}

// The runtime is gone: SHUTDOWN to the subscribed externals, SIGKILL to the others (C54, C57).
void Sandbox::shutdown_extensions() {
  shutdown_->extension_stage = true;
  bool waiting = false;
  const WallTime deadline_wall = clock_.wall_now() + (shutdown_->deadline - clock_.now());
  for (Extension& x : extensions_) {
    if (!x.index || !x.alive) {
      continue;
    }
    const bool can_hear =
        x.shutdown && (x.state == ExtensionState::registered || x.state == ExtensionState::ready ||
                       x.state == ExtensionState::running);
    if (can_hear) {
      send_event(x, ExtensionEvent{ExtensionEvent::Kind::shutdown, deadline_wall, nullptr,
                                   shutdown_->reason});
      waiting = true;
    } else {
      signal(ProcessRef::extension(*x.index, generation_), Signal::kill);
    }
  }
  if (waiting) {
    shutdown_->timer = arm(shutdown_->deadline);
  }
}

// During a reset's grace period nobody is signalled yet; once everyone left by themselves there
// is nothing to wait for.
void Sandbox::exited_while_resetting() {
  if (shutdown_) {
    try_finish_shutdown();
  } else if (!anything_alive()) {
    cancel(grace_timer_);
    begin_shutdown();
  }
}

void Sandbox::try_finish_shutdown() {
  if (!shutdown_ || anything_alive()) {
    return;
  }
  cancel(shutdown_->timer);
  emit(ShutdownRecord{clock_.wall_now(), shutdown_->reason, clock_.now() - shutdown_->started});
  shutdown_.reset();
  extensions_.clear();
  after_reset();
}

void Sandbox::after_reset() {
  if (stopping_) {
    set_phase(SandboxPhase::stopped);
    out_->actions.emplace_back(Stopped{});
    return;
  }
  set_phase(SandboxPhase::idle);
  if (!queue_.empty() && !initialized_before_) {
    start_init(InitPhase::init);
    return;
  }
  dispatch();
}

// --- helpers ---------------------------------------------------------------------------------

Sandbox::Extension* Sandbox::find_extension(const std::string& identifier) {
  for (Extension& x : extensions_) {
    if (!x.identifier.empty() && x.identifier == identifier) {
      return &x;
    }
  }
  return nullptr;
}

// Every registered extension (or every INVOKE subscriber) is parked in /event/next.
bool Sandbox::extensions_ready(bool invoke_subscribed_only) const {
  return std::all_of(extensions_.begin(), extensions_.end(), [&](const Extension& x) {
    if (x.identifier.empty() || (invoke_subscribed_only && !x.invoke)) {
      return true;
    }
    return x.state == ExtensionState::ready;
  });
}

bool Sandbox::anything_alive() const {
  return runtime_alive_ || std::any_of(extensions_.begin(), extensions_.end(),
                                       [](const Extension& x) { return x.index && x.alive; });
}

void Sandbox::set_extension(Extension& x, ExtensionState s) {
  if (s != x.state && outputs_.transitions()) {
    transition("extension", x.name, to_string(x.state), to_string(s));
  }
  x.state = s;
}

// Delivers now if the extension is parked in /event/next, else at its next call.
void Sandbox::send_event(Extension& x, ExtensionEvent event) {
  if (x.state != ExtensionState::ready) {
    x.pending = std::move(event);
    return;
  }
  thaw();
  set_extension(x, ExtensionState::running);
  out_->actions.emplace_back(DeliverExtensionEvent{x.identifier, std::move(event)});
}

void Sandbox::refuse(errc code, std::string message) {
  out_->refusal = Refusal{code, std::move(message)};
}

void Sandbox::refuse_transition(RuntimeTarget target) {
  refuse(errc::invalid_state_transition,
         "State transition from " + std::string(to_string(runtime_)) + " to " +
             std::string(to_string(target)) +
             " failed for runtime. Error: State transition is not allowed");
}

void Sandbox::refuse_extension_transition(const Extension& x, ExtensionState target) {
  refuse(errc::extension_invalid_state, "State transition from " + std::string(to_string(x.state)) +
                                            " to " + std::string(to_string(target)) +
                                            " failed for extension " + x.name +
                                            ". Error: State transition is not allowed");
}

void Sandbox::transition(std::string_view actor, const std::string& extension,
                         std::string_view from, std::string_view to) {
  out_->actions.emplace_back(std::in_place_type<Transition>, actor, extension, from, to);
}

void Sandbox::set_phase(SandboxPhase p) {
  if (p != phase_ && outputs_.transitions()) {
    transition("sandbox", {}, to_string(phase_), to_string(p));
  }
  phase_ = p;
}

void Sandbox::set_runtime(RuntimeState s) {
  if (s != runtime_ && outputs_.transitions()) {
    transition("runtime", {}, to_string(runtime_), to_string(s));
  }
  runtime_ = s;
}

void Sandbox::signal(ProcessRef process, Signal sig) {
  thaw();
  out_->actions.emplace_back(SignalProcess{process, sig});
}

void Sandbox::freeze_if_idle() {
  if (config_.freeze && !frozen_ && phase_ == SandboxPhase::ready && !current_ &&
      runtime_ == RuntimeState::ready && runtime_alive_ && extensions_ready(true)) {
    frozen_ = true;
    out_->actions.emplace_back(Freeze{});
  }
}

void Sandbox::thaw() {
  if (frozen_) {
    frozen_ = false;
    out_->actions.emplace_back(Thaw{});
  }
}

TimerId Sandbox::arm(Instant at) {
  const TimerId id = ++next_timer_;
  out_->actions.emplace_back(std::in_place_type<ArmTimer>, id, at);
  return id;
}

void Sandbox::cancel(TimerId& id) {
  if (id != 0) {
    out_->actions.emplace_back(CancelTimer{id});
    id = 0;
  }
}

std::string Sandbox::request_error(std::string_view message) const {
  std::string id = current_ ? current_->invoke->request_id : std::string();
  return (id.empty() ? std::string() : "RequestId: " + id + " ") + "Error: " + std::string(message);
}

}  // namespace lambda_emu::core
