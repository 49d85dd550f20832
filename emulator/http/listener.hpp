#pragma once
// Listener: binds one address and serves every accepted connection with one route table.
//
//   Listener<SandboxHost> l(ioc, "127.0.0.1", 0, runtime_routes(), "runtime", host);
//   std::uint16_t port = l.endpoint().port();   // the port the kernel chose
//   l.start(host.weak_from_this());
#include <memory>
#include <span>
#include <string>

#include "api/router.hpp"
#include "http/net.hpp"

namespace lambda_emu {

// An acceptor listening on `ep`, through `socket` when one is given (a socket made elsewhere: in a
// sandbox's network namespace). Throws on failure: a startup error.
[[nodiscard]] tcp::acceptor listening_acceptor(net::io_context& ioc, const tcp::endpoint& ep,
                                               int socket = -1);

// "127.0.0.1:9001": how the startup line, the ready file and the logs name an endpoint.
[[nodiscard]] std::string endpoint_text(const tcp::endpoint& ep);

template <class Scope>
class Listener {
 public:
  // Binds now (throws on failure: a startup error), accepts after start().
  Listener(net::io_context& ioc, const std::string& host, std::uint16_t port,
           std::span<const BasicRoute<Scope>> routes, std::string_view api, Scope& scope);
  Listener(tcp::acceptor listening, std::span<const BasicRoute<Scope>> routes, std::string_view api,
           Scope& scope);

  // With `owner` set, the accept loop and every connection keep it alive until they end (a
  // sandbox's listener outlives the sandbox by as long as its connections take to close).
  void start(std::weak_ptr<void> owner = {});
  void close();
  [[nodiscard]] tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

 private:
  net::awaitable<void> accept_loop();

  tcp::acceptor acceptor_;
  std::span<const BasicRoute<Scope>> routes_;
  std::string_view api_;
  Scope& scope_;
  std::weak_ptr<void> owner_;
};

}  // namespace lambda_emu
