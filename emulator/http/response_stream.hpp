#pragma once
// ResponseStream: a streamed response on its way from the runtime's POST to the caller (section
// 3.1). The runtime's session writes the bytes as they arrive and closes the stream with the
// invoke's end; the caller's session reads them and writes each piece at once. One io_context
// thread, one writer, one reader.
//
//   auto stream = std::make_shared<ResponseStream>(executor);
//   writer: co_await stream->write(bytes); ... stream->close();  // or close(type, body)
//   reader: while (auto bytes = co_await stream->read()) send(*bytes);  // then stream->end()
//
// The writer waits while more than `high_water` bytes are unread, so a slow caller slows the
// runtime instead of filling memory; once the reader is gone (detach()) writes are dropped.
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "http/net.hpp"

namespace lambda_emu {

class ResponseStream {
 public:
  // How the stream ended: a clean end, or the invoke's error (type and body for the caller).
  struct End {
    std::string error_type;  // empty: success
    std::string error_body;
    std::optional<std::string> log_tail;  // X-Amz-Log-Type: Tail: the invoke's last 4 KB of log
  };
  static constexpr std::size_t high_water = 1024 * 1024;

  explicit ResponseStream(net::any_io_executor ex);

  // --- the runtime's side ---
  net::awaitable<void> write(std::string_view bytes);
  void close(End end = {});

  // --- the caller's side ---
  // The bytes written since the last read, or nullopt once the stream is closed and drained.
  net::awaitable<std::optional<std::string>> read();
  // Puts bytes back in front of the unread ones (a reader that looked ahead for a prelude).
  void unread(std::string bytes);
  [[nodiscard]] const End& end() const { return end_; }
  void detach();  // the caller went away

  [[nodiscard]] bool closed() const { return closed_; }

 private:
  net::steady_timer readable_;
  net::steady_timer writable_;
  std::deque<std::string> pending_;
  std::size_t unread_ = 0;
  bool closed_ = false;
  bool detached_ = false;
  End end_;
};

}  // namespace lambda_emu
