#include "http/listener.hpp"

#include "driver/emulator.hpp"
#include "http/session.hpp"

namespace lambda_emu {

Listener::Listener(net::io_context& ioc, const std::string& host, std::uint16_t port,
                   std::span<const Route> routes, std::string_view api, driver::Emulator& emu)
    : acceptor_(ioc), routes_(routes), api_(api), emu_(emu) {
  const tcp::endpoint ep(net::ip::make_address(host), port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

void Listener::start() {
  net::co_spawn(acceptor_.get_executor(), accept_loop(), [this](std::exception_ptr e) {
    if (e) {
      emu_.log().error("[{}] accept loop ended by an exception", api_);
    }
  });
}

void Listener::close() {
  error_code ec;
  acceptor_.close(ec);
}

net::awaitable<void> Listener::accept_loop() {
  for (;;) {
    error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
      co_return;
    }
    if (ec) {
      emu_.log().warn("[{}] accept: {}", api_, ec.message());
      continue;
    }
    // Each connection is its own coroutine; an exception escaping one is logged, never fatal.
    net::co_spawn(acceptor_.get_executor(), serve_session(std::move(socket), routes_, api_, emu_),
                  [this](std::exception_ptr e) {
                    if (e) {
                      try {
                        std::rethrow_exception(e);
                      } catch (const std::exception& ex) {
                        emu_.log().error("[{}] session failed: {}", api_, ex.what());
                      }
                    }
                  });
  }
}

}  // namespace lambda_emu
