#pragma once
// TimerQueue: the core's timers on one steady_timer. Arming a deadline later than the earliest
// one armed, and cancelling, touch no kernel timer; per-invoke deadlines (300 s away, always
// later than the last) therefore cost no system call at all.
//
//   TimerQueue timers(ioc, [&](core::TimerId id) { emu.handle(core::TimerFired{id}); });
//   timers.arm(7, deadline);
//   timers.cancel(7);
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>

#include "driver/steady_clock.hpp"
#include "http/net.hpp"
#include "lambda_emu/core/events.hpp"

namespace lambda_emu::driver {

class TimerQueue {
 public:
  using FireFn = std::function<void(core::TimerId)>;
  TimerQueue(net::io_context& ioc, const SteadyClock& clock, FireFn fire)
      : timer_(ioc), clock_(clock), fire_(std::move(fire)) {}

  void arm(core::TimerId id, Instant at);
  void cancel(core::TimerId id);

 private:
  void rearm();
  void on_expiry();

  net::steady_timer timer_;
  const SteadyClock& clock_;
  FireFn fire_;
  std::multimap<Instant, core::TimerId> due_;
  std::unordered_map<core::TimerId, std::multimap<Instant, core::TimerId>::iterator> by_id_;
  std::optional<Instant> armed_at_;  // what timer_ is waiting for
  std::uint64_t wait_generation_ = 0;
};

}  // namespace lambda_emu::driver
