#include "driver/timer_queue.hpp"

namespace lambda_emu::driver {

void TimerQueue::arm(core::TimerId id, Instant at) {
  by_id_[id] = due_.emplace(at, id);
  if (!armed_at_ || at < *armed_at_) {
    rearm();
  }
}

void TimerQueue::cancel(core::TimerId id) {
  // Lazy: the steady_timer may still wake for it and will find nothing due.
  if (auto it = by_id_.find(id); it != by_id_.end()) {
    due_.erase(it->second);
    by_id_.erase(it);
  }
}

void TimerQueue::rearm() {
  if (due_.empty()) {
    armed_at_.reset();
    return;
  }
  armed_at_ = due_.begin()->first;
  timer_.expires_at(SteadyClock::to_steady(*armed_at_));
  const std::uint64_t generation = ++wait_generation_;
  timer_.async_wait([this, generation](const error_code& ec) {
    if (!ec && generation == wait_generation_) {
      on_expiry();
    }
  });
}

void TimerQueue::on_expiry() {
  armed_at_.reset();
  // Firing may arm or cancel others: take one due timer at a time from the front.
  while (!due_.empty() && due_.begin()->first <= clock_.now()) {
    const core::TimerId id = due_.begin()->second;
    by_id_.erase(id);
    due_.erase(due_.begin());
    fire_(id);
  }
  if (!armed_at_) {
    rearm();
  }
}

}  // namespace lambda_emu::driver
