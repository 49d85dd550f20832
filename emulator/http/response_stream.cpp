#include "http/response_stream.hpp"

namespace lambda_emu {
namespace {

// Sleeps until `timer` is cancelled: the other side's signal that something changed.
net::awaitable<void> wait_for_signal(net::steady_timer& timer) {
  error_code ec;
  co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

}  // namespace

ResponseStream::ResponseStream(net::any_io_executor ex) : readable_(ex), writable_(ex) {
  readable_.expires_at(net::steady_timer::time_point::max());
  writable_.expires_at(net::steady_timer::time_point::max());
}

net::awaitable<void> ResponseStream::write(std::string_view bytes) {
  while (unread_ > high_water && !detached_ && !closed_) {
    co_await wait_for_signal(writable_);
  }
  if (detached_ || closed_ || bytes.empty()) {
    co_return;
  }
  pending_.emplace_back(bytes);
  unread_ += bytes.size();
  readable_.cancel();
}

void ResponseStream::close(End end) {
  if (closed_) {
    return;
  }
  closed_ = true;
  end_ = std::move(end);
  readable_.cancel();
  writable_.cancel();
}

net::awaitable<std::optional<std::string>> ResponseStream::read() {
  while (pending_.empty() && !closed_) {
    co_await wait_for_signal(readable_);
  }
  if (pending_.empty()) {
    co_return std::nullopt;
  }
  // Everything that arrived since the last read goes out as one piece.
  std::string out = std::move(pending_.front());
  pending_.pop_front();
  for (const std::string& more : pending_) {
    out += more;
  }
  pending_.clear();
  unread_ = 0;
  writable_.cancel();
  co_return out;
}

void ResponseStream::unread(std::string bytes) {
  if (detached_ || bytes.empty()) {
    return;
  }
  unread_ += bytes.size();
  pending_.push_front(std::move(bytes));
  readable_.cancel();
}

void ResponseStream::detach() {
  detached_ = true;
  pending_.clear();
  unread_ = 0;
  writable_.cancel();
}

}  // namespace lambda_emu
