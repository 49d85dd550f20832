#pragma once
// LogStream: the function's log stream on stdout (platform lines and the runtime's output), as
// CloudWatch would show it. Lines are batched and written once per turn of the event loop,
// after the work that produced them, so logging never sits between a response and its caller.
//
//   LogStream out(ioc, STDOUT_FILENO);
//   out.line("START RequestId: ...");
//   out.line("[function] ", text);
#include <string>
#include <string_view>

#include "http/net.hpp"

namespace lambda_emu::driver {

class LogStream {
 public:
  LogStream(net::io_context& ioc, int fd) : ioc_(ioc), fd_(fd) {}
  ~LogStream() { flush(); }
  LogStream(const LogStream&) = delete;
  LogStream& operator=(const LogStream&) = delete;

  void line(std::string_view text) { line({}, text); }
  void line(std::string_view prefix, std::string_view text);
  // Writes what is buffered now.
  void flush();

 private:
  net::io_context& ioc_;
  int fd_;
  std::string buffer_;
  bool flush_posted_ = false;
};

}  // namespace lambda_emu::driver
