#include "driver/async_invokes.hpp"

namespace lambda_emu::driver {

std::optional<AsyncInvokes::Retry> AsyncInvokes::finished(const std::string& request_id,
                                                          const core::Outcome& outcome) {
  const auto it = pending_.find(request_id);
  if (it == pending_.end()) {
    return std::nullopt;
  }
  Pending& p = it->second;
  if (outcome.kind == core::Outcome::Kind::success || p.retries_done >= policy_.retries) {
    pending_.erase(it);
    return std::nullopt;
  }
  ++p.retries_done;
  // 1x, then 2x the first delay, as Lambda's one and two minutes.
  return Retry{policy_.first_delay * (1 << (p.retries_done - 1)), p.invoke, p.retries_done};
}

}  // namespace lambda_emu::driver
