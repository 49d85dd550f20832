#include "driver/log_stream.hpp"

#include <unistd.h>

#include <cerrno>

namespace lambda_emu::driver {

void LogStream::line(std::string_view prefix, std::string_view text) {
  buffer_.append(prefix).append(text).push_back('\n');
  if (!flush_posted_) {
    flush_posted_ = true;
    net::post(ioc_, [this] { flush(); });
  }
}

void LogStream::flush() {
  flush_posted_ = false;
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;  // stdout is gone (closed pipe): the lines are lost, the emulator goes on
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

}  // namespace lambda_emu::driver
