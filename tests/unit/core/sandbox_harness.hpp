#pragma once
// SandboxHarness: drives a core::Sandbox on a ManualClock and keeps what it asked for, so tests
// read like the lifecycle they check. Armed timers fire when time is advanced past them.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "lambda_emu/core/sandbox.hpp"
#include "manual_clock.hpp"

namespace lambda_emu::test {

class FixedMeter final : public core::MemoryMeter {
 public:
  // MemoryMeter
  int max_memory_used_mb() override { return mb; }
  int mb = 42;
};

// Moves `clock` forward by `d`, calling fire(id) for every timer of `timers` (id -> when) that
// falls due, in order, at its time.
template <class Fire>
void advance_timers(ManualClock& clock, std::map<core::TimerId, Instant>& timers, Duration d,
                    Fire fire) {
  const Instant until = clock.now() + d;
  for (;;) {
    auto due = std::min_element(timers.begin(), timers.end(),
                                [](auto& a, auto& b) { return a.second < b.second; });
    if (due == timers.end() || due->second > until) {
      break;
    }
    clock.set(due->second);
    const core::TimerId id = due->first;
    timers.erase(due);
    fire(id);
  }
  clock.set(until);
}

struct SandboxHarness {
  explicit SandboxHarness(core::FunctionConfig cfg = default_config(),
                          core::Outputs outputs = core::Outputs::all())
      : box(std::move(cfg), clock, meter, outputs) {}

  static core::FunctionConfig default_config() {
    core::FunctionConfig c;
    c.name = "fn";
    c.timeout = std::chrono::seconds(3);
    c.memory_mb = 128;
    return c;
  }

  // Feeds one event; returns its result and appends its actions to `actions`.
  core::Result send(core::Event e) {
    core::Result r = box.handle(std::move(e));
    for (const core::Action& a : r.actions) {
      if (auto* arm = std::get_if<core::ArmTimer>(&a)) {
        timers[arm->id] = arm->at;
      } else if (auto* c = std::get_if<core::CancelTimer>(&a)) {
        timers.erase(c->id);
      }
      actions.push_back(a);
    }
    return r;
  }

  core::Result invoke(std::string id, std::string payload = "{}") {
    core::Invoke in;
    in.request_id = std::move(id);
    in.payload = std::move(payload);
    return send(core::InvokeArrived{std::move(in)});
  }
  core::Result next() { return send(core::RuntimeNext{}); }
  core::Result respond(std::string id, std::string body = "ok") {
    core::RuntimeResponse r;
    r.request_id = std::move(id);
    r.size = body.size();
    r.body = std::move(body);
    return send(std::move(r));
  }
  core::Result error(std::string id, std::string type = "Function.Oops") {
    return send(core::RuntimeError{std::move(id), std::move(type), "{\"errorMessage\":\"x\"}",
                                   "application/json"});
  }
  core::Result exit(int code, bool signaled = false) {
    return send(core::ProcessExited{core::ProcessRef::runtime(generation()),
                                    core::ExitStatus{signaled, code}});
  }

  // --- extensions ---
  core::Result register_extension(std::string name, std::string id,
                                  std::vector<std::string> events = {"INVOKE", "SHUTDOWN"}) {
    return send(core::ExtensionRegister{std::move(name), std::move(id), std::move(events)});
  }
  core::Result extension_next(std::string id) { return send(core::ExtensionNext{std::move(id)}); }
  core::Result extension_exit(std::size_t index, int code = 0, bool signaled = false) {
    return send(core::ProcessExited{core::ProcessRef::extension(index, generation_of(index)),
                                    core::ExitStatus{signaled, code}});
  }
  // The generation external extension `index` was last spawned with.
  [[nodiscard]] core::Generation generation_of(std::size_t index) const {
    core::Generation g = 0;
    for (auto& a : actions) {
      if (auto* s = std::get_if<core::Spawn>(&a); s && s->process.index == index) {
        g = s->process.generation;
      }
    }
    return g;
  }
  // Events delivered to the extension with this identifier, in order.
  [[nodiscard]] std::vector<core::ExtensionEvent> events_for(const std::string& id) const {
    std::vector<core::ExtensionEvent> out;
    for (auto& d : all<core::DeliverExtensionEvent>()) {
      if (d.identifier == id) {
        out.push_back(d.event);
      }
    }
    return out;
  }
  // Signals sent to a process, in order.
  [[nodiscard]] std::vector<core::Signal> signals_to(core::ProcessRef p) const {
    std::vector<core::Signal> out;
    for (auto& s : all<core::SignalProcess>()) {
      if (s.process == p) {
        out.push_back(s.signal);
      }
    }
    return out;
  }

  // Moves time forward, firing every armed timer that falls due, in order.
  void advance(Duration d) {
    advance_timers(clock, timers, d, [this](core::TimerId id) { send(core::TimerFired{id}); });
  }

  // The generation of the last runtime the sandbox asked to spawn.
  [[nodiscard]] core::Generation generation() const {
    core::Generation g = 0;
    for (auto& a : actions) {
      if (auto* s = std::get_if<core::Spawn>(&a); s && s->process.is_runtime()) {
        g = s->process.generation;
      }
    }
    return g;
  }

  template <class T>
  [[nodiscard]] std::vector<T> all() const {
    std::vector<T> out;
    for (auto& a : actions) {
      if (auto* t = std::get_if<T>(&a)) {
        out.push_back(*t);
      }
    }
    return out;
  }
  template <class T>
  [[nodiscard]] std::vector<T> records() const {
    std::vector<T> out;
    for (auto& e : all<core::EmitRecord>()) {
      if (auto* t = std::get_if<T>(&e.record)) {
        out.push_back(*t);
      }
    }
    return out;
  }
  [[nodiscard]] std::vector<core::CompleteInvoke> outcomes() const {
    return all<core::CompleteInvoke>();
  }
  [[nodiscard]] static bool has_delivery(const core::Result& r, const std::string& id) {
    return std::any_of(r.actions.begin(), r.actions.end(), [&](const core::Action& a) {
      auto* d = std::get_if<core::DeliverInvoke>(&a);
      return d && d->invoke->request_id == id;
    });
  }
  // The runtime was asked to start / SIGKILLed in `r`, or in everything so far.
  [[nodiscard]] static bool spawns_runtime(const core::Result& r) {
    return std::any_of(r.actions.begin(), r.actions.end(), [](const core::Action& a) {
      auto* s = std::get_if<core::Spawn>(&a);
      return s && s->process.is_runtime();
    });
  }
  [[nodiscard]] static bool kills_runtime(const core::Result& r) {
    return std::any_of(r.actions.begin(), r.actions.end(), [](const core::Action& a) {
      auto* s = std::get_if<core::SignalProcess>(&a);
      return s && s->process.is_runtime() && s->signal == core::Signal::kill;
    });
  }
  [[nodiscard]] std::size_t runtime_kills() const {
    return static_cast<std::size_t>(std::count_if(actions.begin(), actions.end(), [](auto& a) {
      auto* s = std::get_if<core::SignalProcess>(&a);
      return s && s->process.is_runtime() && s->signal == core::Signal::kill;
    }));
  }
  template <class T>
  [[nodiscard]] static bool has(const core::Result& r) {
    return std::any_of(r.actions.begin(), r.actions.end(),
                       [](const core::Action& a) { return std::holds_alternative<T>(a); });
  }

  // A sandbox that finished its Init and waits, runtime parked in /next.
  void warm_up() {
    invoke("warm");
    next();
    respond("warm");
    next();
  }

  ManualClock clock;
  FixedMeter meter;
  core::Sandbox box;
  std::map<core::TimerId, Instant> timers;
  std::vector<core::Action> actions;
};

}  // namespace lambda_emu::test
