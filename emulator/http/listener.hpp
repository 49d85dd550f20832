#pragma once
// Listener: binds one address and serves every accepted connection with one route table.
//
//   Listener l(ioc, "127.0.0.1", 0, runtime_routes(), "runtime", emu);
//   std::uint16_t port = l.port();   // the port the kernel chose
//   l.start();
#include <span>
#include <string>

#include "api/router.hpp"
#include "http/net.hpp"

namespace lambda_emu {

class Listener {
 public:
  // Binds now (throws on failure: a startup error), accepts after start().
  Listener(net::io_context& ioc, const std::string& host, std::uint16_t port,
           std::span<const Route> routes, std::string_view api, driver::Emulator& emu);

  void start();
  void close();
  [[nodiscard]] tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

 private:
  net::awaitable<void> accept_loop();

  tcp::acceptor acceptor_;
  std::span<const Route> routes_;
  std::string_view api_;
  driver::Emulator& emu_;
};

}  // namespace lambda_emu
