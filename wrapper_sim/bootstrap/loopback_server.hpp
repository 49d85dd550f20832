#pragma once
// LoopbackServer: a small blocking HTTP/1.1 server on 127.0.0.1, one thread per connection, for
// the real mode's three listeners: the HTTP server behind the proxy hop, an extension's
// "response out" listener and its Telemetry API destination. Each request is answered by a
// handler; connections stay open while the client keeps them alive.
//
//   auto server = LoopbackServer::listen([](const Request& req) { return ok_response(req); });
//   if (auto* failed = std::get_if<HttpFailure>(&server)) { ... }
//   auto s = std::get<std::shared_ptr<LoopbackServer>>(server);
//   s->start();   // accepts on a thread of its own; s->port() is the listening port
//
// The server lives as long as the process: its threads keep it, so a caller may drop its own
// pointer, and they end with the process.
#include <cstdint>
#include <functional>
#include <memory>
#include <variant>

#include "bootstrap/http_connection.hpp"

namespace lambda_emu::wrapper_sim {

class LoopbackServer : public std::enable_shared_from_this<LoopbackServer> {
  struct Key {  // only listen() and listen_on() make servers
    explicit Key() = default;
  };

 public:
  using Handler = std::function<Response(const Request&)>;
  using Made = std::variant<std::shared_ptr<LoopbackServer>, HttpFailure>;

  // Binds 127.0.0.1 on a free port and listens.
  [[nodiscard]] static Made listen(Handler handler);
  // Listens on `fd`, a TCP socket already bound (by another process, which reserved the port).
  [[nodiscard]] static Made listen_on(int fd, Handler handler);

  [[nodiscard]] std::uint16_t port() const;
  // Accepts on a new thread.
  void start();
  // Accepts on this thread, until the process ends.
  [[noreturn]] void serve_forever();

  LoopbackServer(Handler handler, Key);

 private:
  void serve(boost::asio::ip::tcp::socket socket) const;

  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
};

// A 200 reply to `req` with `body`.
[[nodiscard]] Response ok_response(const Request& req, std::string body = {},
                                   std::string_view content_type = "text/plain");

}  // namespace lambda_emu::wrapper_sim
