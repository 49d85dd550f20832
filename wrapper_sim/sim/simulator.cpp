#include "sim/simulator.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "lambda_emu/core/sandbox.hpp"
#include "lambda_emu/virtual_clock.hpp"
#include "overloaded.hpp"
#include "sim/event_queue.hpp"
#include "sim/extension_actor.hpp"
#include "sim/runtime_actor.hpp"
#include "sim/streams.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

// The model does not model memory: every REPORT says the same.
class ModelMeter final : public core::MemoryMeter {
 public:
  int max_memory_used_mb() override { return 0; }
};

// The records record() reads; the core builds no others.
constexpr core::Outputs model_outputs =
    core::Outputs::records_only<core::InitReportRecord, core::ReportRecord, core::ShutdownRecord>();

core::FunctionConfig function_config(const Scenario& s, const Variant& v) {
  core::FunctionConfig f;
  f.name = s.name;
  f.memory_mb = s.memory_mb;
  f.timeout = s.timeout;
  f.runtime_version = s.runtime.name;
  // The model has no processes to stop: a frozen environment and a waiting one are the same.
  f.freeze = false;
  f.initialization_type = s.initialization == Initialization::provisioned
                              ? core::InitializationType::provisioned_concurrency
                              : core::InitializationType::on_demand;
  for (const ExtensionStage* x : v.extensions()) {
    f.extensions.push_back(x->name);
  }
  return f;
}

// One variant at one payload size: the scenario's work, sandbox after sandbox, on one clock.
class Run {
 public:
  Run(const Scenario& scenario, const Variant& variant, const Calibration& calibration,
      std::uint64_t seed, std::uint64_t payload_bytes)
      : scenario_(scenario),
        variant_(variant),
        calibration_(calibration),
        payload_bytes_(payload_bytes),
        config_(function_config(scenario, variant)),
        streams_(seed, variant.stages.size()),
        runtime_(scenario, variant, calibration, streams_, queue_, samples_) {
    for (std::size_t i = 0; i < variant.stages.size(); ++i) {
      if (const auto* x = std::get_if<ExtensionStage>(&variant.stages[i])) {
        extensions_.emplace_back(*x, static_cast<std::uint32_t>(extensions_.size()),
                                 scenario.memory_mb, calibration, streams_.stage[i], queue_);
      }
    }
  }

  Samples go() {
    const std::uint64_t cold = scenario_.work.cold_starts;
    samples_.reserve(cold, cold * (scenario_.work.warm_invokes + 1));
    start_sandbox();
    for (;;) {
      // Events of an earlier sandbox (a killed process's next call, say) are void.
      while (!queue_.empty() && queue_.top().epoch != epoch_) {
        (void)queue_.pop();
      }
      // The core's timers wait beside the queue: it cancels nearly all of them (every invoke's
      // deadline), and in the queue they would pile up until their time.
      const auto timer = std::min_element(armed_.begin(), armed_.end(), [](auto& a, auto& b) {
        return std::tie(a.second, a.first) < std::tie(b.second, b.first);
      });
      if (timer != armed_.end() && (queue_.empty() || timer->second <= queue_.top().at)) {
        const core::TimerId id = timer->first;
        clock_.set(timer->second);
        armed_.erase(timer);
        send(core::TimerFired{id}, "a timer");
      } else if (!queue_.empty()) {
        const Scheduled s = queue_.pop();
        clock_.set(s.at);
        fire(s);
      } else if (answered_all_ && !stop_sent_) {
        // Nothing more will happen in this sandbox (every process waits, or none is left after
        // a reset): the caller is done with it, so it shuts down.
        stop_sent_ = true;
        send(core::StopRequested{}, "the stop");
      } else {
        break;
      }
    }
    return std::move(samples_);
  }

  [[nodiscard]] std::uint64_t invokes() const { return invokes_; }

 private:
  void start_sandbox() {
    queue_.set_epoch(++epoch_);
    armed_.clear();
    box_ = std::make_unique<core::Sandbox>(config_, clock_, meter_, model_outputs);
    // The emulator's own setup of an environment comes first, like Lambda's placement.
    Duration placement = calibration_.sandbox_setup;
    for (std::size_t i = 0; i < variant_.stages.size(); ++i) {
      if (const auto* s = std::get_if<SandboxStage>(&variant_.stages[i])) {
        placement += costs::sample(s->placement, streams_.stage[i], scenario_.memory_mb);
      }
    }
    samples_.add(Phase::sandbox, placement);
    in_sandbox_ = 0;
    answered_all_ = false;
    stop_sent_ = false;
    if (scenario_.initialization == Initialization::on_demand) {
      send_invoke(clock_.now(), placement);
    } else {
      // Ahead of need: the sandbox is placed and initialized before the caller sends anything;
      // the first invoke follows the end of Init (record()).
      first_invoke_waits_for_init_ = true;
      queue_.push(clock_.now() + placement, Due::init_ahead);
    }
  }

  // The caller sends an invoke at `at`; the core sees it after `delay` and the emulator's own
  // per-invoke cost.
  void send_invoke(Instant at, Duration delay) {
    sent_ = at;
    first_byte_.reset();
    queue_.push(at + delay + calibration_.invoke_overhead, Due::arrive);
  }

  // The next invoke's id, its number in decimal: the last one's counted up in place (no new
  // string per invoke).
  static void count_up(std::string& digits) {
    for (auto d = digits.rbegin(); d != digits.rend(); ++d) {
      if (*d != '9') {
        ++*d;
        return;
      }
      *d = '0';
    }
    digits.insert(digits.begin(), '1');
  }

  void fire(const Scheduled& s) {
    const Instant now = clock_.now();
    switch (s.what) {
      case Due::init_ahead:
        send(core::InitRequested{true}, "an Init ahead of need");
        break;
      case Due::arrive: {
        // The core lets go of an invoke when it ends, so one Invoke serves them all in turn.
        if (invoke_.use_count() != 1) {
          auto fresh = std::make_shared<core::Invoke>();
          if (invoke_) {
            fresh->request_id = invoke_->request_id;
          }
          invoke_ = std::move(fresh);
        }
        count_up(invoke_->request_id);
        ++invokes_;
        send(core::Event(std::in_place_type<core::InvokeArrived>, invoke_), "an invoke");
        break;
      }
      case Due::runtime_next:
        if (runtime_.current(s.arg)) {
          runtime_.next_called();
          send(core::RuntimeNext{}, "the runtime's /next");
        }
        break;
      case Due::runtime_response:
        if (runtime_.current(s.arg)) {
          core::Event e(std::in_place_type<core::RuntimeResponse>);
          auto& r = std::get<core::RuntimeResponse>(e);
          r.request_id = runtime_.request_id();
          r.size = runtime_.response_bytes();
          send(std::move(e), "the runtime's /response");
        }
        break;
      case Due::stream_start:
        if (runtime_.current(s.arg)) {
          send(core::RuntimeStreamStarted{runtime_.request_id(), {}},
               "the runtime's streamed /response");
        }
        break;
      case Due::stream_end:
        if (runtime_.current(s.arg)) {
          core::RuntimeStreamEnded e;
          e.request_id = runtime_.request_id();
          e.size = runtime_.response_bytes();
          send(std::move(e), "the end of the runtime's stream");
        }
        break;
      case Due::runtime_exit:
        send(core::ProcessExited{core::ProcessRef::runtime(s.arg), {}}, "the runtime's exit");
        break;
      case Due::extension_register: {
        ExtensionActor& x = extensions_[s.index];
        if (x.current(s.arg)) {
          send(core::ExtensionRegister{x.name(), x.identifier(), {"INVOKE", "SHUTDOWN"}},
               "an extension's /register");
          x.registered(now);
        }
        break;
      }
      case Due::extension_subscribe: {
        ExtensionActor& x = extensions_[s.index];
        if (x.current(s.arg)) {
          send(core::TelemetrySubscribe{x.identifier(), {"platform"}, false},
               "an extension's telemetry subscription");
          x.subscribed(now);
        }
        break;
      }
      case Due::extension_next: {
        ExtensionActor& x = extensions_[s.index];
        if (x.current(s.arg)) {
          x.next_called(now);
          send(core::ExtensionNext{x.identifier()}, "an extension's /event/next");
        }
        break;
      }
      case Due::extension_exit:
        extensions_[s.index].exited();
        send(core::ProcessExited{core::ProcessRef::extension(s.index, s.arg), {}},
             "an extension's exit");
        break;
    }
  }

  void send(core::Event&& event, const char* what) {
    box_->handle(std::move(event), result_);
    if (result_.refusal) {
      throw std::runtime_error(std::string("the lifecycle core refused the model's ") + what +
                               ": " + result_.refusal->message);
    }
    // apply() never sends, so result_ stays as it is until the loop ends.
    for (core::Action& a : result_.actions) {
      apply(a);
    }
    // An extension told of an INVOKE waits for the runtime's word that the response is out.
    if (const auto end = runtime_.response_end()) {
      for (ExtensionActor& x : extensions_) {
        if (x.awaiting_response()) {
          x.response_out(*end);
        }
      }
    }
    if (sandbox_done_) {
      sandbox_done_ = false;
      if (++sandboxes_done_ < scenario_.work.cold_starts) {
        start_sandbox();
      }
    }
  }

  void apply(core::Action& action) {
    const Instant now = clock_.now();
    std::visit(overloaded{
                   [&](core::Spawn& a) {
                     if (a.process.is_runtime()) {
                       runtime_.spawn(now, a.process.generation);
                     } else {
                       extensions_[a.process.index].spawn(now, a.process.generation);
                     }
                   },
                   [&](core::SignalProcess& a) {
                     if (a.process.is_runtime()) {
                       runtime_.signal(now);
                     } else {
                       extensions_[a.process.index].signal(now);
                     }
                   },
                   [&](core::DeliverInvoke& a) {
                     runtime_.deliver(now, std::move(a.invoke), payload_bytes_);
                   },
                   [&](core::DeliverExtensionEvent& a) {
                     auto x = std::find_if(
                         extensions_.begin(), extensions_.end(),
                         [&](const auto& e) { return e.identifier() == a.identifier; });
                     if (a.event.kind == core::ExtensionEvent::Kind::invoke) {
                       x->invoked();
                     } else {
                       x->shut_down(now);
                     }
                   },
                   [&](core::StartStream&) { first_byte_ = now; },
                   [&](core::CompleteInvoke&) { answered(now); },
                   [&](core::ArmTimer& a) { armed_.emplace_back(a.id, a.at); },
                   [&](core::CancelTimer& a) {
                     std::erase_if(armed_, [&](const auto& t) { return t.first == a.id; });
                   },
                   [&](core::EmitRecord& a) { record(a.record); },
                   [&](core::Stopped&) { sandbox_done_ = true; },
                   [](auto&) {},  // Freeze, Thaw, Transition: nothing takes time in the model
               },
               action);
  }

  void answered(Instant now) {
    if (in_sandbox_ == 0) {
      samples_.add(Phase::cold_start, now - sent_);
    } else {
      samples_.add(Phase::warm, now - sent_);
      samples_.add(Phase::ttfb, first_byte_.value_or(now) - sent_);
    }
    if (++in_sandbox_ <= scenario_.work.warm_invokes) {
      send_invoke(now + scenario_.work.think, Duration::zero());
    } else {
      answered_all_ = true;
    }
  }

  void record(const core::Record& record) {
    if (const auto* init = std::get_if<core::InitReportRecord>(&record)) {
      samples_.add(Phase::init, init->duration);
      if (first_invoke_waits_for_init_) {
        first_invoke_waits_for_init_ = false;
        send_invoke(clock_.now(), Duration::zero());
      }
      Duration extensions{0};
      for (const ExtensionActor& x : extensions_) {
        extensions = std::max(extensions, x.init_time().value_or(Duration::zero()));
      }
      samples_.add(Phase::extension_init, extensions);
    } else if (const auto* report = std::get_if<core::ReportRecord>(&record)) {
      samples_.add(Phase::duration, report->duration);
      samples_.add(Phase::post_invoke, report->extension_overhead
                                           ? report->extension_overhead->duration
                                           : Duration::zero());
    } else if (const auto* shutdown = std::get_if<core::ShutdownRecord>(&record)) {
      samples_.add(Phase::shutdown, shutdown->duration);
    }
  }

  const Scenario& scenario_;
  const Variant& variant_;
  const Calibration& calibration_;
  std::uint64_t payload_bytes_;
  core::FunctionConfig config_;

  VirtualClock clock_;
  EventQueue queue_;
  Streams streams_;
  Samples samples_;
  ModelMeter meter_;
  RuntimeActor runtime_;
  std::vector<ExtensionActor> extensions_;
  std::unique_ptr<core::Sandbox> box_;
  std::shared_ptr<core::Invoke> invoke_;  // the invoke being sent, reused once the core is done
  core::Result result_;                   // the core's answer to the last event, its buffer reused
  // The core's timers: a handful at most, so a vector (a map allocated a node per invoke).
  std::vector<std::pair<core::TimerId, Instant>> armed_;
  std::uint64_t epoch_ = 0;

  // The caller.
  std::uint64_t invokes_ = 0;
  std::uint64_t sandboxes_done_ = 0;
  std::uint64_t in_sandbox_ = 0;  // invokes answered in this sandbox
  Instant sent_{};
  std::optional<Instant> first_byte_;
  bool answered_all_ = false;
  bool first_invoke_waits_for_init_ = false;
  bool stop_sent_ = false;
  bool sandbox_done_ = false;
};

}  // namespace

SimResult simulate(const Scenario& scenario, const Calibration& calibration, std::uint64_t seed) {
  SimResult result;
  result.seed = seed;
  for (const std::uint64_t payload : scenario.work.payload_bytes) {
    for (const Variant& variant : scenario.variants) {
      Run run(scenario, variant, calibration, seed, payload);
      result.runs.push_back({variant.name, payload, run.go()});
      result.invokes += run.invokes();
    }
  }
  return result;
}

}  // namespace lambda_emu::wrapper_sim
