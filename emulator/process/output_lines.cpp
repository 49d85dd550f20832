#include "process/output_lines.hpp"

#include <array>

namespace lambda_emu::process {
namespace {

// A line longer than this is passed on in pieces.
constexpr std::size_t max_line_bytes = 256 * 1024;

}  // namespace

std::shared_ptr<OutputLines> OutputLines::start(net::io_context& ioc, int fd, LineFn on_line) {
  auto lines = std::make_shared<OutputLines>(ioc, fd, std::move(on_line));
  net::co_spawn(
      ioc, [lines]() { return lines->run(); }, net::detached);
  return lines;
}

OutputLines::OutputLines(net::io_context& ioc, int fd, LineFn on_line)
    : pipe_(ioc, fd), on_line_(std::move(on_line)) {
  pipe_.non_blocking(true);
}

net::awaitable<void> OutputLines::run() {
  // Keeps this alive while the read is pending.
  const std::shared_ptr<OutputLines> self = shared_from_this();
  while (drain()) {
    error_code ec;
    co_await pipe_.async_wait(net::posix::stream_descriptor::wait_read,
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      finish();
      co_return;
    }
  }
}

bool OutputLines::drain() {
  if (done_) {
    return false;
  }
  std::array<char, 64 * 1024> buf;
  for (;;) {
    error_code ec;
    const std::size_t n = pipe_.read_some(net::buffer(buf), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      return true;
    }
    if (ec) {  // EOF: every writer closed its end
      finish();
      return false;
    }
    pending_.append(buf.data(), n);
    deliver_lines();
  }
}

void OutputLines::deliver_lines() {
  std::size_t from = 0;
  for (std::size_t nl = pending_.find('\n'); nl != std::string::npos;
       nl = pending_.find('\n', from)) {
    std::string_view line(pending_.data() + from, nl - from);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    on_line_(line);
    from = nl + 1;
  }
  pending_.erase(0, from);
  while (pending_.size() >= max_line_bytes) {
    on_line_(std::string_view(pending_).substr(0, max_line_bytes));
    pending_.erase(0, max_line_bytes);
  }
}

void OutputLines::finish() {
  done_ = true;
  if (!pending_.empty()) {
    on_line_(pending_);  // the last line had no newline
    pending_.clear();
  }
  error_code ignored;
  pipe_.close(ignored);
}

}  // namespace lambda_emu::process
