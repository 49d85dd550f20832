#pragma once
// OutputLines: a child's output pipe read line by line, as it arrives and on demand. The on
// demand part keeps logs in order: whatever a runtime wrote before it posted its response is in
// the pipe by then, and drain() delivers it before the emulator logs END and REPORT.
//
//   auto out = OutputLines::start(ioc, fd, on_line);   // reads until EOF
//   out->drain();                                       // everything in the pipe now
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/net.hpp"

namespace lambda_emu::process {

class OutputLines : public std::enable_shared_from_this<OutputLines> {
 public:
  using LineFn = std::function<void(std::string_view)>;

  // Takes ownership of `fd` and reads it on `ioc` until end of file.
  static std::shared_ptr<OutputLines> start(net::io_context& ioc, int fd, LineFn on_line);

  OutputLines(net::io_context& ioc, int fd, LineFn on_line);
  OutputLines(const OutputLines&) = delete;
  OutputLines& operator=(const OutputLines&) = delete;

  // Delivers every complete line the pipe holds now, without waiting. False once at EOF.
  bool drain();
  bool done() const { return done_; }

 private:
  net::awaitable<void> run();
  void deliver_lines();
  void finish();

  net::posix::stream_descriptor pipe_;
  LineFn on_line_;
  std::string pending_;
  bool done_ = false;
};

}  // namespace lambda_emu::process
