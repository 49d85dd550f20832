#pragma once
// AsyncInvokes: what Lambda does with asynchronous (Event) invokes once they ended. A failed one
// (function error, timeout, crash) is sent again with the same request id, up to `retries` times
// (Lambda: 2), after `first_delay` and then twice that (Lambda: 1 and 2 minutes). No I/O here:
// the driver arms the timers.
//
//   AsyncInvokes async({.retries = 2, .first_delay = 60s});
//   async.accepted(invoke);                               // 202 to the caller, invoke queued
//   if (auto retry = async.finished(id, outcome))        // on its CompleteInvoke
//     after retry->delay: handle(InvokeArrived{retry->invoke});
#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>

#include "lambda_emu/core/invoke.hpp"

namespace lambda_emu::driver {

class AsyncInvokes {
 public:
  struct Policy {
    int retries = 2;
    std::chrono::milliseconds first_delay{60'000};
  };
  struct Retry {
    std::chrono::milliseconds delay;
    core::Invoke invoke;
    int attempt;  // 1 for the first retry
  };

  explicit AsyncInvokes(Policy policy) : policy_(policy) {}

  // Keeps a copy: a retry sends the same event again.
  void accepted(const core::Invoke& invoke) { pending_[invoke.request_id] = {invoke, 0}; }
  [[nodiscard]] bool owns(const std::string& request_id) const {
    return pending_.contains(request_id);
  }
  // The retry to send, or nullopt when the invoke is done (it succeeded or used its retries).
  [[nodiscard]] std::optional<Retry> finished(const std::string& request_id,
                                              const core::Outcome& outcome);

 private:
  struct Pending {
    core::Invoke invoke;
    int retries_done = 0;
  };
  Policy policy_;
  std::unordered_map<std::string, Pending> pending_;
};

}  // namespace lambda_emu::driver
