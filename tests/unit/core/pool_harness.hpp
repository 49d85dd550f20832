#pragma once
// PoolHarness: drives a core::Pool on a ManualClock, playing every sandbox's runtime and
// extensions, and keeps what the pool asked for.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lambda_emu/core/pool.hpp"
#include "manual_clock.hpp"
#include "sandbox_harness.hpp"

namespace lambda_emu::test {

struct PoolHarness {
  explicit PoolHarness(core::PoolConfig config = {},
                       core::FunctionConfig fn = SandboxHarness::default_config())
      : pool(std::move(fn), config, clock, [this](core::SandboxId id) -> core::MemoryMeter& {
          return *meters.emplace(id, std::make_unique<FixedMeter>()).first->second;
        }) {
    send(core::StartRequested{});
  }

  core::PoolResult send(core::PoolEvent e) {
    core::PoolResult r = pool.handle(std::move(e));
    for (const core::PoolAction& a : r.actions) {
      if (auto* arm = std::get_if<core::ArmTimer>(&a.action)) {
        timers[arm->id] = arm->at;
      } else if (auto* c = std::get_if<core::CancelTimer>(&a.action)) {
        timers.erase(c->id);
      }
      actions.push_back(a);
    }
    return r;
  }
  core::PoolResult to(core::SandboxId id, core::Event e) {
    return send(core::SandboxEvent{id, std::move(e)});
  }

  core::PoolResult invoke(std::string id, bool asynchronous = false) {
    core::Invoke in;
    in.request_id = std::move(id);
    in.payload = "{}";
    in.asynchronous = asynchronous;
    return send(core::InvokeArrived{std::move(in)});
  }
  core::PoolResult next(core::SandboxId s) { return to(s, core::RuntimeNext{}); }
  core::PoolResult respond(core::SandboxId s, std::string id) {
    core::RuntimeResponse r;
    r.request_id = std::move(id);
    r.body = "ok";
    r.size = 2;
    return to(s, std::move(r));
  }
  // The runtime of sandbox `s` (its last generation) exits.
  core::PoolResult exit(core::SandboxId s, int code, bool signaled = false) {
    return to(s, core::ProcessExited{core::ProcessRef::runtime(generation(s)),
                                     core::ExitStatus{signaled, code}});
  }
  // Sandbox `s` takes the invoke it was handed and answers it; its runtime waits again.
  void serve(core::SandboxId s, const std::string& id) {
    next(s);
    respond(s, id);
    next(s);
  }

  void advance(Duration d) {
    advance_timers(clock, timers, d, [this](core::TimerId id) { send(core::TimerFired{id}); });
  }

  [[nodiscard]] core::Generation generation(core::SandboxId s) const {
    core::Generation g = 0;
    for (auto& a : actions) {
      if (auto* sp = std::get_if<core::Spawn>(&a.action);
          sp && a.sandbox == s && sp->process.is_runtime()) {
        g = sp->process.generation;
      }
    }
    return g;
  }
  // The sandbox the invoke with this id was delivered to; 0 if none.
  [[nodiscard]] core::SandboxId delivered_to(const std::string& id) const {
    for (auto& a : actions) {
      if (auto* d = std::get_if<core::DeliverInvoke>(&a.action); d && d->invoke->request_id == id) {
        return a.sandbox;
      }
    }
    return 0;
  }
  [[nodiscard]] std::vector<core::CompleteInvoke> outcomes(const std::string& id) const {
    std::vector<core::CompleteInvoke> out;
    for (auto& a : actions) {
      if (auto* c = std::get_if<core::CompleteInvoke>(&a.action); c && c->request_id == id) {
        out.push_back(*c);
      }
    }
    return out;
  }
  template <class T>
  [[nodiscard]] std::vector<std::pair<core::SandboxId, T>> all() const {
    std::vector<std::pair<core::SandboxId, T>> out;
    for (auto& a : actions) {
      if (auto* t = std::get_if<T>(&a.action)) {
        out.emplace_back(a.sandbox, *t);
      }
    }
    return out;
  }
  template <class T>
  [[nodiscard]] std::vector<std::pair<core::SandboxId, T>> records() const {
    std::vector<std::pair<core::SandboxId, T>> out;
    for (auto& [s, e] : all<core::EmitRecord>()) {
      if (auto* t = std::get_if<T>(&e.record)) {
        out.emplace_back(s, *t);
      }
    }
    return out;
  }
  [[nodiscard]] std::size_t stops_of(core::SandboxId s) const {
    return static_cast<std::size_t>(std::count_if(actions.begin(), actions.end(), [&](auto& a) {
      return a.sandbox == s && std::holds_alternative<core::Stopped>(a.action);
    }));
  }

  ManualClock clock;
  std::map<core::SandboxId, std::unique_ptr<FixedMeter>> meters;
  core::Pool pool;
  std::map<core::TimerId, Instant> timers;
  std::vector<core::PoolAction> actions;
};

}  // namespace lambda_emu::test
