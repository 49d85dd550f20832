#include "lambda_emu/core/pool.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace lambda_emu::core {
Pool::Pool(FunctionConfig function, PoolConfig config, const Clock& clock, MeterFor meter_for)
    : function_(std::move(function)),
      config_(config),
      clock_(clock),
      meter_for_(std::move(meter_for)) {
  config_.max_concurrency = std::max<std::size_t>(config_.max_concurrency, 1);
}

PoolResult Pool::handle(PoolEvent&& event) {
  out_ = {};
  // Room for an invoke's actions at once, as in Sandbox::handle: growing one step at a time
  // moved every action along at each step.
  out_.actions.reserve(16);
  std::visit([this](auto&& e) { on(std::move(e)); }, std::move(event));
  settle();
  return std::move(out_);
}

const Sandbox* Pool::sandbox(SandboxId id) const {
  const auto it = sandboxes_.find(id);
  return it == sandboxes_.end() ? nullptr : it->second.box.get();
}

std::vector<SandboxId> Pool::sandbox_ids() const {
  std::vector<SandboxId> ids;
  for (const auto& [id, e] : sandboxes_) {
    ids.push_back(id);
  }
  return ids;
}

// --- events ----------------------------------------------------------------------------------

void Pool::on(StartRequested&&) {
  if (started_ || stopping_) {
    return;
  }
  started_ = true;
  if (config_.provisioned > 0) {
    return;  // settle() provisions
  }
  const SandboxId id = create();
  if (function_.init_mode == InitMode::eager) {
    send(id, InitRequested{});
  }
}

void Pool::on(InvokeArrived&& e) {
  if (stopping_) {
    out_.actions.push_back(
        {0, CompleteInvoke{e.invoke->request_id, Outcome::shutting_down(e.invoke->request_id)}});
    return;
  }
  if (place(e.invoke)) {
    return;
  }
  if (config_.at_limit == PoolConfig::AtLimit::queue || e.invoke->asynchronous) {
    queue_.push_back(std::move(e.invoke));  // Lambda's own queue holds Event invokes
  } else {
    out_.refusal = Refusal{errc::too_many_requests, "Rate Exceeded."};
  }
}

void Pool::on(StopRequested&&) {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  refuse_all_queued();
  for (auto& [id, e] : sandboxes_) {
    if (!e.stop_sent) {
      e.stop_sent = true;
      send(id, StopRequested{});
    }
  }
}

void Pool::on(TimerFired&& e) {
  if (const auto idle = idle_timers_.find(e.id); idle != idle_timers_.end()) {
    // Idle for FunctionConfig::idle_shutdown: the environment spins down (C54).
    const auto it = sandboxes_.find(idle->second);
    idle_timers_.erase(idle);
    if (it != sandboxes_.end()) {
      it->second.idle_timer = 0;
      it->second.retiring = true;
    }
    return;
  }
  const auto owner = timer_owner_.find(e.id);
  if (owner == timer_owner_.end()) {
    return;  // cancelled after it fired
  }
  const auto [id, own] = owner->second;
  timer_owner_.erase(owner);
  const auto it = sandboxes_.find(id);
  if (it != sandboxes_.end()) {
    it->second.timers.erase(own);
    send(id, TimerFired{own});
  }
}

void Pool::on(SandboxEvent&& e) {
  const auto it = sandboxes_.find(e.sandbox);
  if (it == sandboxes_.end() || it->second.stopped) {
    return;  // a late report from a sandbox that is gone
  }
  send(e.sandbox, std::move(e.event));
}

void Pool::on(ConfigurationUpdated&& e) {
  function_ = std::move(e.function);
  for (auto& [id, entry] : sandboxes_) {
    entry.retiring = true;  // Lambda replaces every environment of the old configuration
  }
}

// --- sandboxes -------------------------------------------------------------------------------

SandboxId Pool::create(InitializationType type) {
  const SandboxId id = next_id_++;
  MemoryMeter& meter = meter_for_(id);
  FunctionConfig config = function_;
  config.initialization_type = type;
  Entry e;
  e.box = std::make_unique<Sandbox>(std::move(config), clock_, meter, config_.outputs);
  e.provisioned = type == InitializationType::provisioned_concurrency;
  sandboxes_.emplace(id, std::move(e));
  return id;
}

void Pool::create_ahead(InitializationType type) {
  send(create(type), InitRequested{.ahead = true});
}

bool Pool::place(std::shared_ptr<const Invoke>& invoke) {
  std::optional<SandboxId> id = free_sandbox();
  if (!id && room_for_another()) {
    id = create();
  }
  if (!id) {
    return false;
  }
  const bool cold = sandboxes_.at(*id).box->phase() == SandboxPhase::idle;
  take(*id, std::move(invoke));
  if (cold) {
    proactive_credit_ += config_.proactive;
    if (proactive_credit_ >= 1 && room_for_another()) {
      proactive_credit_ -= 1;
      create_ahead(InitializationType::on_demand);
    }
  }
  return true;
}

void Pool::take(SandboxId id, std::shared_ptr<const Invoke>&& invoke) {
  Entry& e = sandboxes_.at(id);
  e.used = ++use_counter_;
  if (e.idle_timer != 0) {
    idle_timers_.erase(e.idle_timer);
    out_.actions.push_back({0, CancelTimer{std::exchange(e.idle_timer, 0)}});
  }
  if (config_.fresh_sandboxes) {
    e.retiring = true;  // one invoke, then it is shut down
  }
  send(id, InvokeArrived{std::move(invoke)});
}

// Feeds one sandbox and passes its actions on, its timers renamed to the pool's.
void Pool::send(SandboxId id, Event&& event) {
  Entry& e = sandboxes_.at(id);
  Result& r = from_sandbox_;
  e.box->handle(std::move(event), r);
  if (r.refusal) {
    out_.refusal = std::move(r.refusal);
  }
  for (Action& a : r.actions) {
    if (auto* arm = std::get_if<ArmTimer>(&a)) {
      const TimerId pool_id = next_timer_++;
      e.timers[arm->id] = pool_id;
      timer_owner_[pool_id] = {id, arm->id};
      out_.actions.push_back({id, ArmTimer{pool_id, arm->at}});
    } else if (auto* cancel = std::get_if<CancelTimer>(&a)) {
      if (const auto t = e.timers.find(cancel->id); t != e.timers.end()) {
        timer_owner_.erase(t->second);
        out_.actions.push_back({id, CancelTimer{t->second}});
        e.timers.erase(t);
      }
    } else {
      if (std::holds_alternative<Stopped>(a)) {
        e.stopped = true;
      }
      out_.actions.push_back({id, std::move(a)});
    }
  }
}

void Pool::settle() {
  while (settle_once()) {
  }
  if (stopping_ && sandboxes_.empty() && !stopped_) {
    stopped_ = true;
    out_.actions.push_back({0, Stopped{}});
  }
}

bool Pool::settle_once() {
  bool changed = false;
  for (auto it = sandboxes_.begin(); it != sandboxes_.end();) {
    Entry& e = it->second;
    if (e.stopped) {
      for (const auto& [own, pool_id] : e.timers) {
        timer_owner_.erase(pool_id);
        out_.actions.push_back({0, CancelTimer{pool_id}});
      }
      if (e.idle_timer != 0) {
        idle_timers_.erase(e.idle_timer);
        out_.actions.push_back({0, CancelTimer{e.idle_timer}});
      }
      it = sandboxes_.erase(it);
      changed = true;
      continue;
    }
    if (e.retiring && !e.stop_sent && quiescent(e)) {
      e.stop_sent = true;
      send(it->first, StopRequested{});  // SHUTDOWN spindown
      changed = true;
    }
    ++it;
  }
  // Provisioned concurrency stays allocated: what went is replaced, with the current configuration.
  if (started_ && !stopping_) {
    auto allocated = static_cast<std::size_t>(
        std::count_if(sandboxes_.begin(), sandboxes_.end(), [](const auto& s) {
          return s.second.provisioned && !s.second.retiring && !s.second.stop_sent;
        }));
    for (; allocated < config_.provisioned && room_for_another(); ++allocated) {
      create_ahead(InitializationType::provisioned_concurrency);
      changed = true;
    }
  }
  while (!queue_.empty() && !stopping_ && place(queue_.front())) {
    queue_.pop_front();
    changed = true;
  }
  // A warm sandbox with nothing to do spins down after the idle time.
  const auto idle_for = function_.idle_shutdown;
  for (auto& [id, e] : sandboxes_) {
    const bool idle = !e.retiring && !e.stop_sent && !e.provisioned &&
                      e.box->phase() == SandboxPhase::ready && e.box->open_invokes() == 0;
    if (idle && e.idle_timer == 0 && idle_for > Duration::zero()) {
      e.idle_timer = next_timer_++;
      idle_timers_[e.idle_timer] = id;
      out_.actions.push_back({0, ArmTimer{e.idle_timer, clock_.now() + idle_for}});
    } else if (!idle && e.idle_timer != 0) {
      idle_timers_.erase(e.idle_timer);
      out_.actions.push_back({0, CancelTimer{std::exchange(e.idle_timer, 0)}});
    }
  }
  return changed;
}

// A sandbox with no invoke of its own: a warm one first, provisioned before on-demand (Lambda
// spills over to on-demand environments only beyond provisioned concurrency), the most recently
// used among equals. One still finishing its last invoke counts: the next one waits inside it
// for the runtime.
std::optional<SandboxId> Pool::free_sandbox() const {
  std::optional<SandboxId> best;
  std::tuple<bool, bool, std::uint64_t> best_rank;
  for (const auto& [id, e] : sandboxes_) {
    if (e.retiring || e.stop_sent || e.box->open_invokes() != 0) {
      continue;
    }
    const std::tuple rank(e.box->phase() == SandboxPhase::ready, e.provisioned, e.used);
    if (!best || rank > best_rank) {
      best = id;
      best_rank = rank;
    }
  }
  return best;
}

// Sandboxes shutting down no longer count toward the concurrency limit.
bool Pool::room_for_another() const {
  const auto counted = std::count_if(sandboxes_.begin(), sandboxes_.end(),
                                     [](const auto& s) { return !s.second.stop_sent; });
  return static_cast<std::size_t>(counted) < config_.max_concurrency;
}

bool Pool::quiescent(const Entry& e) {
  const SandboxPhase p = e.box->phase();
  return e.box->open_invokes() == 0 && (p == SandboxPhase::ready || p == SandboxPhase::idle);
}

void Pool::refuse_all_queued() {
  for (const std::shared_ptr<const Invoke>& in : queue_) {
    out_.actions.push_back(
        {0, CompleteInvoke{in->request_id, Outcome::shutting_down(in->request_id)}});
  }
  queue_.clear();
}

}  // namespace lambda_emu::core
